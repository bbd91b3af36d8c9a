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
import type { Client as TemporalClient } from '@temporalio/client';
import type { ApiResult } from '../core/api/result';
import { startHeadless, type Headless } from '../core/host/headless';
import { WORKFLOW_IDS } from '../core/domain/ids';
import { FakeCoinbaseBrokerage } from '../core/testing/fake-coinbase-brokerage/server';
import { generateCdpKey } from '../core/exchange/coinbase/jwt';
import { CoinbaseClient } from '../core/exchange/coinbase/client';
import { openLedger } from '../core/ledger/ledger';
import { seedFromExchange } from '../core/ledger/router';
import { dataPaths } from '../core/runtime/paths';
import { silentLogger } from '../core/runtime/log';

export const root = path.resolve(__dirname, '..');
export const artifacts = path.join(root, 'e2e', 'artifacts');

/** What a scenario drives: a page showing the cockpit and a way into the runtime behind it. */
export interface CockpitDriver {
  page: Page;
  consoleErrors: string[];
  /** Screenshot to e2e/artifacts/<prefix><name>.png. */
  shot(name: string): Promise<void>;
  /** Sidebar to a page and wait for it. */
  open(id: string): Promise<void>;
  /** A closed 1m bar into the paper ledger, so market orders have a price to fill at. */
  feedPrice(symbol: string, close: string): Promise<void>;
  /** A verb on the running cockpit, outside the page (to warm workflows, to check results). */
  call(verb: string, input: unknown): Promise<ApiResult<unknown>>;
  /**
   * Starts recording the payloads of a push event as the page receives it (WebSocket frames in
   * Chromium, `window.vigil.on` in Electron); the returned function reads what arrived since.
   */
  recordPushes(event: string): Promise<() => Promise<unknown[]>>;
}

type PushWindow = { vigil?: { on(event: string, cb: (payload: unknown) => void): unknown }; __vigilPushes?: Record<string, unknown[]> };

export interface Cockpit extends CockpitDriver {
  headless: Headless;
  browser: Browser;
  dataDir: string;
  stop(): Promise<void>;
}

/** The page side of a driver, the same for Chromium against the gateway and for Electron. */
export function pageDriver(page: Page, runtime: { client: TemporalClient; call: CockpitDriver['call'] }, shotPrefix = ''): CockpitDriver {
  const consoleErrors: string[] = [];
  // Push frames from the gateway's WebSocket, from the first one (the page opens it on load).
  const frames: { event: string; payload: unknown }[] = [];
  page.on('websocket', (ws) =>
    ws.on('framereceived', (f) => {
      try {
        const j = JSON.parse(String(f.payload)) as { event?: unknown; payload?: unknown };
        if (typeof j.event === 'string') frames.push({ event: j.event, payload: j.payload });
      } catch {
        // not an event frame
      }
    }),
  );
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
  return {
    page,
    consoleErrors,
    call: runtime.call,
    async shot(name) {
      await page.waitForTimeout(300);
      await page.screenshot({ path: path.join(artifacts, `${shotPrefix}${name}.png`) });
    },
    async open(id) {
      await page.click(`[data-testid=nav-${id}]`);
      await page.waitForSelector(`[data-testid=page-${id}]`);
    },
    async recordPushes(event) {
      const overIpc = await page.evaluate((name) => {
        const w = globalThis as unknown as PushWindow;
        if (!w.vigil) return false;
        w.__vigilPushes ??= {};
        if (!w.__vigilPushes[name]) {
          const got: unknown[] = (w.__vigilPushes[name] = []);
          w.vigil.on(name, (p) => got.push(p));
        }
        return true;
      }, event);
      if (overIpc) {
        const from = await page.evaluate((name) => (globalThis as unknown as PushWindow).__vigilPushes![name]!.length, event);
        return () => page.evaluate(({ name, i }) => (globalThis as unknown as PushWindow).__vigilPushes![name]!.slice(i), { name: event, i: from });
      }
      const from = frames.length;
      return async () => frames.slice(from).filter((f) => f.event === event).map((f) => f.payload);
    },
    async feedPrice(symbol, close) {
      const now = Date.now() - (Date.now() % 60_000);
      await runtime.client.workflow
        .getHandle(WORKFLOW_IDS.paperBook('default'))
        .signal('bars', [{ symbol, timeframe: '1m', time: now, open: close, high: close, low: close, close, volume: '10' }]);
    },
  };
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
  const driver = pageDriver(page, { client: headless.host.client, call: (verb, input) => headless.host.call(verb, input, { door: 'test' }) });
  return {
    ...driver,
    headless,
    browser,
    dataDir,
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

export interface LocalBrokerage {
  exchange: FakeCoinbaseBrokerage;
  /** Environment pointing the runtime's Coinbase client at the local brokerage. */
  env: Record<string, string>;
  /** Seeds the ledger file in a data dir from the brokerage, as `vigil ledger seed-from-coinbase` does. */
  seed(dataDir: string): Promise<void>;
  stop(): Promise<void>;
}

/** A local Coinbase brokerage (JWT-checked REST + user WebSocket) with 5,000 USD and 1 ETH. */
export async function startLocalBrokerage(): Promise<LocalBrokerage> {
  const key = generateCdpKey('ES256', 'organizations/e2e/apiKeys/cockpit');
  const exchange = new FakeCoinbaseBrokerage({
    keys: [key],
    products: [{ id: 'ETH-USD', bids: [{ price: '2999', size: '10' }], asks: [{ price: '3001', size: '10' }] }],
    balances: { USD: '5000', ETH: '1' },
  });
  const urls = await exchange.start();
  return {
    exchange,
    env: { COINBASE_REST_URL: urls.restUrl, COINBASE_USER_WS_URL: urls.userWsUrl, COINBASE_API_KEY_NAME: key.name, COINBASE_API_PRIVATE_KEY: key.privateKey },
    async seed(dataDir) {
      const ledger = openLedger(dataPaths(path.resolve(dataDir)).ledgerDb, { log: silentLogger });
      try {
        const client = new CoinbaseClient({ ...urls, keyName: key.name, privateKey: key.privateKey, log: silentLogger });
        await seedFromExchange({ ledger, exchange: client, log: silentLogger });
      } finally {
        ledger.close();
      }
    },
    stop: () => exchange.stop(),
  };
}
