/**
 * Downloads through the real Coinbase client code (CoinbaseMarketRest) from the local fake
 * exchange (a real HTTP server on 127.0.0.1 serving recorded BTC-USD hours as candles).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeCoinbaseMarket } from '../../testing/fake-coinbase-market/server';
import { CoinbaseMarketRest } from '../coinbase/rest';
import { createEngine } from '../../backtest/engine';
import { buildResult, prepare } from '../../backtest/runner';
import { BacktestSpecSchema } from '../../backtest/spec';
import type { Bar } from '../../domain/market';
import { barAt, defaultMarketDataDir, loadRecorded, VIGIL_HEADER } from './columns';
import { listDatasets, userMarketDir } from './datasets';
import { DownloadError, downloadCandles, type DownloadProgress } from './download';

const HOUR = 3_600_000;
const FROM = Date.UTC(2018, 0, 1);
const TO = Date.UTC(2018, 2, 1); // 1,416 hours: 5 pages of 300
const NOW = Date.UTC(2025, 0, 1);
const shipped = defaultMarketDataDir();
const hours = loadRecorded(shipped, 'BTC-USD', '1h', { from: FROM, to: TO });
const bars: Bar[] = Array.from({ length: hours.length }, (_, i) => barAt(hours, i));

let fake: FakeCoinbaseMarket;
let rest: CoinbaseMarketRest;
beforeAll(async () => {
  fake = new FakeCoinbaseMarket({ products: [{ id: 'BTC-USD', price: '10000' }, { id: 'ETH-USD', price: '1000' }], maxRps: 1000 });
  const { restUrl } = await fake.start();
  fake.setCandles('BTC-USD', bars);
  // ETH-USD: the same hours with two stretches without trades (no candle at all), like a thin market.
  fake.setCandles('ETH-USD', bars.filter((_, i) => !(i >= 100 && i < 110) && !(i >= 700 && i < 702)).map((b) => ({ ...b, symbol: 'ETH-USD' })));
  rest = new CoinbaseMarketRest({ baseUrl: restUrl, maxRps: 1000 });
});
afterAll(async () => {
  await fake.stop();
});
const temps: string[] = [];
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-dl-'));
  temps.push(d);
  return d;
}
afterEach(() => {
  fake.faults.failNext = 0;
  for (const d of temps.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
const now = () => NOW;

describe('downloading candles from Coinbase', () => {
  it('pages the range (≤ 350 a request), writes Vigil files the loader reads, equal to the exchange candles', async () => {
    const dataDir = tmp();
    const seen: DownloadProgress[] = [];
    const listed: unknown[] = [];
    const before = fake.stats.candleRequests;
    const r = await downloadCandles(dataDir, rest, { symbol: 'BTC-USD', timeframe: '1h', from: FROM, to: TO }, {
      now,
      onProgress: (p) => {
        seen.push(p);
        // While it runs, the listing shows the download (from its lock file) and how far it is.
        if (p.pagesDone === 2) listed.push(listDatasets(dataDir, tmp())[0]!.downloading);
      },
    });
    expect(listed).toEqual([{ pid: process.pid, from: FROM, to: TO, startedAt: expect.any(Number), pagesDone: 2, pagesTotal: 5 }]);
    expect(r).toMatchObject({ done: true, pagesDone: 5, pagesTotal: 5, requests: 5, added: bars.length, rows: bars.length });
    expect(fake.stats.candleRequests - before).toBe(5);
    expect(fake.stats.maxCandlesPerRequest).toBeLessThanOrEqual(350);
    expect(seen.map((p) => p.pagesDone)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(path.basename(r.file)).toBe('BTC-USD_1h_coinbase.csv');
    expect(fs.readFileSync(r.file, 'utf8').split('\n')[0]).toBe(VIGIL_HEADER);
    const got = loadRecorded(userMarketDir(dataDir), 'BTC-USD', '1h');
    expect(got.length).toBe(bars.length);
    for (let i = 0; i < got.length; i++) expect(barAt(got, i)).toEqual(bars[i]);
    expect(r.covered).toEqual([[FROM, TO]]);
    const [d] = listDatasets(dataDir, tmp());
    expect(d).toMatchObject({ symbol: 'BTC-USD', timeframe: '1h', sources: ['coinbase'], bars: bars.length, from: FROM, to: TO, downloaded: [[FROM, TO]] });
    // Asked again: every page is covered, no request.
    const again = await downloadCandles(dataDir, rest, { symbol: 'BTC-USD', timeframe: '1h', from: FROM, to: TO }, { now });
    expect(again).toMatchObject({ done: true, requests: 0, added: 0 });
    expect(fake.stats.candleRequests - before).toBe(5);
  });

  it('resumes where it stopped: a chunk limit, an exchange that fails for good, a page cut mid-write', async () => {
    const dataDir = tmp();
    const req = { symbol: 'BTC-USD', timeframe: '1h' as const, from: FROM, to: TO };
    const first = await downloadCandles(dataDir, rest, req, { now, maxPages: 2 });
    expect(first).toMatchObject({ done: false, pagesDone: 2, requests: 2, rows: 600 });
    // The exchange fails every request after the next page (the client's own retries included).
    await expect(
      downloadCandles(dataDir, rest, req, {
        now,
        onProgress: (p) => {
          if (p.requests === 1) fake.faults.failNext = 1000;
        },
      }),
    ).rejects.toThrow(/the 3 pages before are kept; run again to resume/);
    fake.faults.failNext = 0;
    // A crash in the middle of appending a page leaves half a line; that page was never recorded.
    fs.appendFileSync(path.join(userMarketDir(dataDir), 'BTC-USD_1h_coinbase.csv'), '15183');
    const before = fake.stats.candleRequests;
    const last = await downloadCandles(dataDir, rest, req, { now });
    expect(last).toMatchObject({ done: true, pagesDone: 5, requests: 2, rows: bars.length });
    expect(fake.stats.candleRequests - before).toBe(2);
    const got = loadRecorded(userMarketDir(dataDir), 'BTC-USD', '1h');
    expect(got.report).toMatchObject({ rows: bars.length, duplicates: 0, outOfOrder: 0, reordered: false });
  });

  it('an earlier range after a later one leaves the file in time order; hours without trades are gaps inside covered ranges', async () => {
    const dataDir = tmp();
    const mid = Date.UTC(2018, 1, 1);
    await downloadCandles(dataDir, rest, { symbol: 'ETH-USD', timeframe: '1h', from: mid, to: TO }, { now });
    const r = await downloadCandles(dataDir, rest, { symbol: 'ETH-USD', timeframe: '1h', from: FROM, to: mid }, { now });
    expect(r.covered).toEqual([[FROM, TO]]);
    const got = loadRecorded(userMarketDir(dataDir), 'ETH-USD', '1h');
    expect(got.report).toMatchObject({ reordered: false, outOfOrder: 0, rows: bars.length - 12, missingBars: 12 });
    expect(got.report.gaps.map((g) => g.missing)).toEqual([10, 2]);
    expect(listDatasets(dataDir, tmp())[0]).toMatchObject({ symbol: 'ETH-USD', gaps: 2, missingBars: 12, downloaded: [[FROM, TO]] });
  });

  it('refuses what it cannot do: 4h, an empty range, a series another live process is downloading', async () => {
    const dataDir = tmp();
    await expect(downloadCandles(dataDir, rest, { symbol: 'BTC-USD', timeframe: '4h', from: FROM, to: TO }, { now })).rejects.toThrow(/no 4h candles: download 1m, 5m, 15m, 1h, 1d \(1h data serves 4h backtests/);
    await expect(downloadCandles(dataDir, rest, { symbol: 'BTC-USD', timeframe: '1h', from: NOW, to: NOW + 10 * HOUR }, { now })).rejects.toThrow(/holds no closed 1h bar/);
    await expect(downloadCandles(dataDir, rest, { symbol: 'bad symbol', timeframe: '1h', from: FROM, to: TO }, { now })).rejects.toBeInstanceOf(DownloadError);
    fs.mkdirSync(userMarketDir(dataDir), { recursive: true });
    const lockFile = path.join(userMarketDir(dataDir), 'BTC-USD_1h_coinbase.csv.lock');
    fs.writeFileSync(lockFile, String(process.ppid));
    await expect(downloadCandles(dataDir, rest, { symbol: 'BTC-USD', timeframe: '1h', from: FROM, to: TO }, { now })).rejects.toThrow(`a download of BTC-USD 1h is already running (pid ${process.ppid})`);
    // A lock left by a process that is gone is taken over.
    fs.writeFileSync(lockFile, '999999999');
    await expect(downloadCandles(dataDir, rest, { symbol: 'BTC-USD', timeframe: '1h', from: FROM, to: FROM + 10 * HOUR }, { now })).resolves.toMatchObject({ done: true, rows: 10 });
    expect(fs.existsSync(lockFile)).toBe(false);
  });

  it('a backtest on downloaded candles equals one on the shipped file over the same bars', async () => {
    const dataDir = tmp();
    await downloadCandles(dataDir, rest, { symbol: 'BTC-USD', timeframe: '1h', from: FROM, to: TO }, { now });
    const spec = BacktestSpecSchema.parse({ strategy: 'rsi_reversion', symbols: ['BTC-USD'], timeframe: '1h', from: FROM, to: TO });
    const run = (dirs: string) => {
      const p = prepare(spec, dirs);
      const e = createEngine(p.cfg, p.series);
      while (e.run(1_000_000) > 0);
      return buildResult(spec, p, e.state(), { id: 'bt_test00', createdAt: 0, finishedAt: 0 });
    };
    const a = run(shipped);
    const b = run(userMarketDir(dataDir));
    expect(a.summary.fills).toBeGreaterThan(2);
    expect(b.final).toEqual(a.final);
    expect(b.trades).toEqual(a.trades);
    expect(b.performance).toEqual(a.performance);
  });
});
