/**
 * The Data page end to end: a real headless host whose Coinbase market data is the local fake
 * exchange, driven in Chromium. A CSV uploaded in the browser becomes a dataset; a broken one is
 * refused with its rows listed; a download runs with a progress bar and lands in the list.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startHeadless, type Headless } from '../core/host/headless';
import { FakeCoinbaseMarket } from '../core/testing/fake-coinbase-market/server';
import { barAt, defaultMarketDataDir, loadRecorded } from '../core/market/data/columns';

const root = path.resolve(__dirname, '..');
const artifacts = path.join(root, 'e2e', 'artifacts');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-e2e-data-'));
let cockpit: Headless;
let browser: Browser;
let page: Page;
let fake: FakeCoinbaseMarket;
const consoleErrors: string[] = [];

beforeAll(async () => {
  fs.mkdirSync(artifacts, { recursive: true });
  const b = spawnSync(process.execPath, [path.join(root, 'scripts/build.mjs'), '--quiet'], { cwd: root, stdio: 'inherit' });
  if (b.status !== 0) throw new Error('build failed');
  fake = new FakeCoinbaseMarket({ products: [{ id: 'ETH-USD', price: '250' }], maxRps: 20 });
  const { restUrl } = await fake.start();
  const hours = loadRecorded(defaultMarketDataDir(), 'ETH-USD', '1h', { from: Date.UTC(2018, 0, 1), to: Date.UTC(2018, 3, 1) });
  fake.setCandles('ETH-USD', Array.from({ length: hours.length }, (_, i) => barAt(hours, i)));
  cockpit = await startHeadless({ dataDir, stderr: false, env: { VIGIL_AUTOSTART: 'false', MARKET_FEED: 'simulated', COINBASE_REST_URL: restUrl } });
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
  await page.goto(cockpit.url);
  await page.click('[data-testid=nav-data]');
  await page.waitForSelector('[data-testid=datasets]');
});

afterAll(async () => {
  await browser?.close();
  await cockpit?.stop();
  await fake?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('Data page', () => {
  it('lists the shipped datasets with their range and gaps', async () => {
    const row = page.locator('[data-testid=dataset-BTC-USD-1d-shipped]');
    await expect(row.textContent()).resolves.toMatch(/2014-12-01 00:00.*1,635.*1 \(12 bars\)/);
  });

  it('imports an uploaded CSV (sent in parts) and lists it with its gap', async () => {
    const file = path.join(dataDir, 'upload.csv');
    const rows = ['Date,Open,High,Low,Close,Volume'];
    // 3,000 hours (more than one 100,000-character part) with one missing hour.
    for (let i = 0; i < 3001; i++) if (i !== 1500) rows.push(`${new Date(Date.UTC(2024, 0, 1) + i * 3_600_000).toISOString()},${100 + (i % 7)},${110 + (i % 7)},${90 + (i % 7)},${101 + (i % 7)},${1000 + i}.125`);
    fs.writeFileSync(file, rows.join('\n') + '\n');
    expect(fs.statSync(file).size).toBeGreaterThan(100_000);
    await page.fill('[data-testid=import-symbol]', 'mycoin-usd');
    await page.setInputFiles('[data-testid=import-file]', file);
    await page.click('[data-testid=import-submit]');
    await page.waitForSelector('[data-testid=import-result]');
    await expect(page.textContent('[data-testid=import-result]')).resolves.toMatch(/3,000 1h bars of MYCOIN-USD.*gaps 1 \(1 bars, first at line 1502\)/);
    await page.waitForSelector('[data-testid=dataset-MYCOIN-USD-1h-data]');
    await expect(page.textContent('[data-testid=dataset-MYCOIN-USD-1h-data]')).resolves.toMatch(/data dir.*2024-01-01 00:00.*3,000.*1 \(1 bar\).*import/);
  });

  it('refuses a broken file by path, listing the rows, and imports nothing', async () => {
    const bad = path.join(dataDir, 'bad.csv');
    fs.writeFileSync(bad, 'time,open,high,low,close,volume\n2024-01-01,1,2,0.5,1.5,10\n2024-01-02,1.5,abc,1,1.8,11\n2024-01-02,1.5,2,1,1.8,11\n');
    await page.fill('[data-testid=import-symbol]', 'BAD-USD');
    await page.click('[aria-label="Where the file is"] >> text=path');
    await page.fill('[data-testid=import-path]', bad);
    await page.click('[data-testid=import-submit]');
    await page.waitForSelector('[data-testid=error-alert]');
    const text = await page.textContent('[data-testid=error-alert]');
    expect(text).toMatch(/line 3: high is not a number: "abc"/);
    expect(text).toMatch(/^1 row refused, nothing imported/);
    expect(await page.locator('[data-testid=dataset-BAD-USD-1d-data]').count()).toBe(0);
  });

  it('downloads from Coinbase with a progress bar, and the dataset appears', async () => {
    await page.fill('[data-testid=download-symbol]', 'ETH-USD');
    await page.selectOption('[data-testid=download-timeframe]', '1h');
    await page.fill('[data-testid=download-from]', '2018-01-01');
    await page.fill('[data-testid=download-to]', '2018-04-01');
    await page.click('[data-testid=download-submit]');
    await page.waitForSelector('[data-testid=download-progress][data-state=completed]', { timeout: 60_000 });
    await expect(page.textContent('[data-testid=download-progress]')).resolves.toMatch(/2,160 candles added.*8\/8 pages/);
    await page.waitForSelector('[data-testid=dataset-ETH-USD-1h-data]');
    await expect(page.textContent('[data-testid=dataset-ETH-USD-1h-data]')).resolves.toMatch(/2018-01-01 00:00.*2018-04-01 00:00.*2,160.*none.*coinbase.*ready/);
    await page.screenshot({ path: path.join(artifacts, 'data.png') });
    expect(consoleErrors, consoleErrors.join("\n")).toEqual([]);
  });
});
