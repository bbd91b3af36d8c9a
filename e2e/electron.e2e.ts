/**
 * The packaged-shape app in Electron: window opens on the start-up screen, then the cockpit with
 * `window.vigil` from the preload and no Node in the page. Needs the Electron binary (and
 * `npm run build:electron`); skipped with the reason where it is absent.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { _electron as electron } from 'playwright-core';

const root = path.resolve(__dirname, '..');
function electronBinary(): { path: string | null; reason: string } {
  try {
    const p = createRequire(import.meta.url)('electron') as unknown;
    if (typeof p === 'string' && fs.existsSync(p)) return { path: p, reason: '' };
    return { path: null, reason: 'the Electron binary is not installed (node_modules/electron/dist is missing)' };
  } catch (err) {
    return { path: null, reason: `the Electron binary is not available: ${(err as Error).message}` };
  }
}
const bin = electronBinary();
const built = fs.existsSync(path.join(root, 'out/main/index.js'));
const skipReason = !bin.path ? bin.reason : !built ? 'out/main is not built (run `npm run build:electron`)' : '';
if (skipReason) console.warn(`[electron e2e] skipped: ${skipReason}`);

describe.skipIf(!!skipReason)('Electron app', () => {
  it('opens the cockpit with the typed bridge and a sandboxed page', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-electron-'));
    const app = await electron.launch({ executablePath: bin.path!, args: [path.join(root, 'out/main/index.js')], env: { ...process.env, VIGIL_DATA_DIR: dataDir, VIGIL_AUTOSTART: 'false' } as Record<string, string> });
    try {
      let page = await app.firstWindow();
      await expect.poll(async () => app.windows().length, { timeout: 120_000 }).toBeGreaterThan(0);
      page = app.windows().find((w) => !w.url().startsWith('data:')) ?? (await app.waitForEvent('window', { timeout: 120_000 }));
      await page.waitForSelector('[data-testid=status-temporal][data-state=ready]', { timeout: 120_000 });
      expect(await page.evaluate('typeof window.vigil.call')).toBe('function');
      expect(await page.evaluate('typeof require')).toBe('undefined');
      expect(await page.evaluate('typeof process')).toBe('undefined');
      const r = (await page.evaluate("window.vigil.call('get_runtime_status', {})")) as { ok: boolean };
      expect(r.ok).toBe(true);
      fs.mkdirSync(path.join(root, 'e2e/artifacts'), { recursive: true });
      await page.screenshot({ path: path.join(root, 'e2e/artifacts/electron.png') });
    } finally {
      await app.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe.runIf(!!skipReason)('Electron app (skipped here)', () => {
  it.skip(`skipped: ${skipReason || 'n/a'}`, () => {});
});
