/**
 * The packaged-shape app in Electron: window opens on the start-up screen, then the cockpit with
 * `window.vigil` from the preload and no Node in the page; then the same scenarios as the
 * Chromium suite (scenarios.ts) through IPC instead of HTTP. Needs the Electron binary (and
 * `npm run build:electron`); where the binary is not installed (its download skipped or failed)
 * the suites are skipped with that reason in their titles — the Chromium suites cover the renderer.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { _electron as electron, type ElectronApplication, type Page } from 'playwright-core';
import { connectRuntime, type RemoteRuntime } from '../core/cli/connect';
import { electronBinary } from '../core/cli/doctor';
import { loadConfig } from '../core/runtime/config';
import { buildOnce, pageDriver, startLocalBrokerage, type CockpitDriver, type LocalBrokerage } from './fixtures';
import { backtestInvalidScenario, backtestScenario, brokerOrderScenario, ledgerReconcileScenario } from './scenarios';

const root = path.resolve(__dirname, '..');
/** The Electron binary, or why there is none (the same check as `vigil doctor` and `npm start`). */
function electronBinaryPath(): string | null {
  const el = electronBinary();
  return el.present ? el.detail : null;
}
const binPath = electronBinaryPath();
const built = fs.existsSync(path.join(root, 'out/main/index.js'));
const skipReason = !binPath
  ? 'the Electron binary is not installed on this machine (its download was skipped or failed); the Chromium e2e suites drive the same renderer'
  : !built
    ? 'out/main is not built (run `npm run build:electron`)'
    : '';
if (skipReason) console.warn(`[electron e2e] skipped: ${skipReason}`);
/** A suite title that carries the skip reason into the report when it is skipped. */
const title = (name: string): string => (skipReason ? `${name} — skipped: ${skipReason}` : name);

describe.skipIf(!!skipReason)(title('Electron app'), () => {
  it('opens the cockpit with the typed bridge and a sandboxed page', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-electron-'));
    const app = await electron.launch({ executablePath: binPath!, args: [path.join(root, 'out/main/index.js')], env: { ...process.env, VIGIL_DATA_DIR: dataDir, VIGIL_AUTOSTART: 'false' } as Record<string, string> });
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

/** The cockpit window once the start-up screen has gone (the splash is a data: URL). */
async function cockpitWindow(app: ElectronApplication): Promise<Page> {
  await expect.poll(async () => app.windows().filter((w) => !w.url().startsWith('data:')).length, { timeout: 120_000 }).toBeGreaterThan(0);
  return app.windows().find((w) => !w.url().startsWith('data:'))!;
}

describe.skipIf(!!skipReason)(title('Electron app: the shared scenarios over IPC'), () => {
  let app: ElectronApplication;
  let runtime: RemoteRuntime;
  let brokerage: LocalBrokerage;
  let c: CockpitDriver;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-electron-flows-'));

  beforeAll(async () => {
    buildOnce();
    brokerage = await startLocalBrokerage();
    await brokerage.seed(dataDir);
    const env = { ...process.env, ...brokerage.env, VIGIL_DATA_DIR: dataDir, VIGIL_AUTOSTART: 'false', MARKET_FEED: 'simulated' } as Record<string, string>;
    app = await electron.launch({ executablePath: binPath!, args: [path.join(root, 'out/main/index.js')], env });
    const page = await cockpitWindow(app);
    await page.setViewportSize({ width: 1440, height: 900 }).catch(() => {});
    await page.waitForSelector('[data-testid=status-temporal][data-state=ready]', { timeout: 120_000 });
    // Steps that reach behind the page (a price bar, a warm-up call) go through Temporal, as the CLI does.
    runtime = await connectRuntime(loadConfig(env), dataDir);
    c = pageDriver(page, { client: runtime.client, call: (verb, input) => runtime.call(verb, input, 'test') }, 'electron-');
  });

  afterAll(async () => {
    await runtime?.close();
    await app?.close();
    await brokerage?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('a paper order chatted to the broker', () => brokerOrderScenario(c));
  it('a backtest with progress, results and a comparison', () => backtestScenario(c));
  it('an invalid backtest', () => backtestInvalidScenario(c));
  it('ledger reconcile with drift approved', () => ledgerReconcileScenario(c, brokerage.exchange));
});
