/**
 * What every cockpit e2e needs: the build, a real headless host (Temporal dev server, workers,
 * ledger, gateway serving dist/renderer) and a page in Debian's Chromium, with console errors
 * collected and screenshots written to e2e/artifacts/. The Electron suite drives the same
 * scenarios through `_electron.launch` where the binary exists.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startHeadless, type Headless } from '../core/host/headless';
import { WORKFLOW_IDS } from '../core/domain/ids';

export const root = path.resolve(__dirname, '..');
export const artifacts = path.join(root, 'e2e', 'artifacts');

export interface Cockpit {
  headless: Headless;
  browser: Browser;
  page: Page;
  dataDir: string;
  consoleErrors: string[];
  shot(name: string): Promise<void>;
  /** Sidebar to a page and wait for it. */
  open(id: string): Promise<void>;
  /** A closed 1m bar into the paper ledger, so market orders have a price to fill at. */
  feedPrice(symbol: string, close: string): Promise<void>;
  stop(): Promise<void>;
}

export interface CockpitOptions {
  env?: Record<string, string>;
  /** Runs before the host starts, with the data dir it will use (seed files, ledgers). */
  prepare?: (dataDir: string) => Promise<void>;
  viewport?: { width: number; height: number };
}

/** scripts/build.mjs skips the steps whose inputs did not change, so every suite can call it. */
export function buildOnce(): void {
  const b = spawnSync(process.execPath, [path.join(root, 'scripts/build.mjs'), '--quiet'], { cwd: root, stdio: 'inherit' });
  if (b.status !== 0) throw new Error('build failed (node scripts/build.mjs)');
}

export async function startCockpit(opts: CockpitOptions = {}): Promise<Cockpit> {
  fs.mkdirSync(artifacts, { recursive: true });
  buildOnce();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-e2e-'));
  if (opts.prepare) await opts.prepare(dataDir);
  const headless = await startHeadless({ dataDir, stderr: false, env: { VIGIL_AUTOSTART: 'false', MARKET_FEED: 'simulated', ...opts.env } });
  let browser: Browser;
  try {
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  } catch (err) {
    await headless.stop();
    throw err;
  }
  const page = await browser.newPage({ viewport: opts.viewport ?? { width: 1440, height: 900 } });
  const consoleErrors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
  return {
    headless,
    browser,
    page,
    dataDir,
    consoleErrors,
    async shot(name) {
      await page.waitForTimeout(300);
      await page.screenshot({ path: path.join(artifacts, `${name}.png`) });
    },
    async open(id) {
      await page.click(`[data-testid=nav-${id}]`);
      await page.waitForSelector(`[data-testid=page-${id}]`);
    },
    async feedPrice(symbol, close) {
      const now = Date.now() - (Date.now() % 60_000);
      await headless.host.client.workflow
        .getHandle(WORKFLOW_IDS.executionLedger('default'))
        .signal('bars', [{ symbol, timeframe: '1m', time: now, open: close, high: close, low: close, close, volume: '10' }]);
    },
    async stop() {
      await browser.close().catch(() => {});
      await headless.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Errors a page must never log: CSP refusals and uncaught exceptions. */
export function fatalConsoleErrors(errors: string[]): string[] {
  return errors.filter((e) => /Content Security Policy|pageerror/i.test(e));
}
