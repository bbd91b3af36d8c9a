/**
 * The market stream's pure state: backfill pages and held live bars, ordering and de-duplication,
 * price sanity on bars, bounded candles, symbol changes, and a JSON round trip (continue-as-new).
 * Plus the feeds' deterministic parts: replay prints rebuild the recorded bars exactly, the
 * simulation repeats itself for a seed, and chart resampling is exact.
 */
import { describe, expect, it } from 'vitest';
import type { Bar } from '../domain/market';
import { computeFeatures } from '../indicators/features';
import { BarAggregator } from './aggregator';
import { barAt, defaultMarketDataDir, loadRecorded } from './data/columns';
import { tradesOfBar } from './feeds/replay';
import { SimulatedFeed } from './feeds/simulated';
import { resampleBars } from './resample';
import { addSymbols, applyBackfillPage, applyLiveBars, candles, removeSymbols, snapshot, streamInit, symbolFeatures, type StreamOptions } from './stream-state';

const MIN = 60_000;
const T0 = Date.UTC(2024, 4, 1, 12, 0);
const OPTS: StreamOptions = { timeframe: '1m', candleKeep: 50, sanity: { maxJumpPct: 20, rebaseAfter: 5 } };
const cols = loadRecorded(defaultMarketDataDir(), 'BTC-USDT', '1m');
/** Recorded bars as BTC-USD starting at T0. */
const rec = (from: number, n: number): Bar[] => Array.from({ length: n }, (_, i) => barAt(cols, from + i, 'BTC-USD', T0 - cols.time[0]!));
const num = (b: Bar) => ({ time: b.time, open: Number(b.open), high: Number(b.high), low: Number(b.low), close: Number(b.close), volume: Number(b.volume) });

describe('stream state', () => {
  it('pages the backfill by the page size and holds live bars until the symbol is backfilled', () => {
    const st = streamInit('coinbase', OPTS);
    const bars = rec(0, 130);
    const end = bars[120]!.time;
    expect(addSymbols(st, ['BTC-USD'], { end, minutes: 120, pageBars: 50 })).toEqual(['BTC-USD']);
    expect(st.backfillQueue.map((p) => (p.end - p.start) / MIN)).toEqual([50, 50, 20]);
    expect(st.backfill).toMatchObject({ state: 'running', pagesTotal: 3, pagesDone: 0 });

    // Live bars arrive during the backfill (one overlapping its end): held, not applied.
    expect(applyLiveBars(st, [bars[119]!, bars[120]!]).accepted).toEqual([]);
    expect(st.symbols['BTC-USD']!.held).toHaveLength(2);

    const pages = [...st.backfillQueue];
    for (const p of pages) applyBackfillPage(st, p, bars.filter((b) => b.time >= p.start && b.time < p.end).reverse());
    expect(st.backfill).toMatchObject({ state: 'done', pagesDone: 3, bars: 120, symbols: { 'BTC-USD': { bars: 120, done: true } } });
    // The held bar overlapping the backfill is dropped as already seen; the next one applies.
    expect(st.symbols['BTC-USD']!.accepted).toBe(121);
    expect(symbolFeatures(st, 'BTC-USD')).toEqual(computeFeatures('BTC-USD', bars.slice(0, 121).map(num), st.clock));
  });

  it('keeps a bounded candle history, refuses older bars and carries across a JSON round trip', () => {
    let st = streamInit('simulated', OPTS);
    addSymbols(st, ['BTC-USD'], null);
    const bars = rec(200, 120);
    bars.forEach((b, i) => {
      applyLiveBars(st, [b]);
      if (i % 17 === 0) st = JSON.parse(JSON.stringify(st));
    });
    expect(applyLiveBars(st, [bars[5]!]).accepted).toEqual([]);
    expect(st.symbols['BTC-USD']!.candles).toHaveLength(50);
    expect(candles(st, 'BTC-USD', 10)).toEqual(bars.slice(-10));
    expect(candles(st, 'BTC-USD', 0)).toEqual([]);
    expect(candles(st, 'NOPE-USD', 10)).toEqual([]);
    expect(symbolFeatures(st, 'BTC-USD')).toEqual(computeFeatures('BTC-USD', bars.map(num), st.clock));
    expect(snapshot(st).symbols['BTC-USD']).toMatchObject({ price: bars[119]!.close, time: bars[119]!.time + MIN, bars: 120 });
  });

  it('stays a small continue-as-new payload with 50 symbols: candles shared down, state under 1.5 MB', () => {
    const st = streamInit('coinbase', { ...OPTS, candleKeep: 500 });
    const symbols = Array.from({ length: 50 }, (_, i) => `S${i}-USD`);
    addSymbols(st, symbols, null);
    const bars = rec(0, 600);
    for (const b of bars) applyLiveBars(st, symbols.map((symbol) => ({ ...b, symbol })));
    expect(st.symbols['S0-USD']!.candles).toHaveLength(200);
    expect(candles(st, 'S7-USD', 1000)).toEqual(bars.slice(-200).map((b) => ({ ...b, symbol: 'S7-USD' })));
    expect(JSON.stringify(st).length).toBeLessThan(1_500_000);
  });

  it('rejects insane bars with a reason and never feeds them to features', () => {
    const st = streamInit('coinbase', OPTS);
    addSymbols(st, ['BTC-USD'], null);
    const [a, b, c, d] = rec(0, 4) as [Bar, Bar, Bar, Bar];
    applyLiveBars(st, [a]);
    const r = applyLiveBars(st, [
      { ...b, close: '0' },
      { ...c, close: String(Number(a.close) * 2) },
      { ...d, high: '1', low: '2' },
    ]);
    expect(r.accepted).toEqual([]);
    expect(r.rejected.map((x) => x.reason)).toEqual(['non-positive', 'jump', 'inconsistent']);
    expect(snapshot(st)).toMatchObject({ barsAccepted: 1, barsRejected: 3 });
    expect(st.symbols['BTC-USD']!.features.bars).toBe(1);
    expect(applyLiveBars(st, [{ ...d, volume: 'lots' }]).rejected[0]!.reason).toBe('bad-volume');
  });

  it('adds and removes symbols; bars for unknown symbols are ignored', () => {
    const st = streamInit('coinbase', OPTS);
    addSymbols(st, ['BTC-USD', 'ETH-USD'], { end: T0 + 60 * MIN, minutes: 60, pageBars: 350 });
    expect(addSymbols(st, ['BTC-USD'], { end: T0, minutes: 60, pageBars: 350 })).toEqual([]);
    expect(removeSymbols(st, ['ETH-USD', 'SOL-USD'])).toEqual(['ETH-USD']);
    expect(st.order).toEqual(['BTC-USD']);
    expect(st.backfillQueue.map((p) => p.symbol)).toEqual(['BTC-USD']);
    expect(st.backfill.pagesTotal).toBe(1);
    expect(applyLiveBars(st, [{ ...rec(0, 1)[0]!, symbol: 'ETH-USD' }]).accepted).toEqual([]);
  });
});

describe('feeds: deterministic parts', () => {
  it('replay prints rebuild the recorded bars exactly through the aggregator', () => {
    const bars = rec(0, 300);
    const agg = new BarAggregator('1m');
    const out: Bar[] = [];
    bars.forEach((b, i) => tradesOfBar(b, i).forEach((t) => out.push(...agg.add(t))));
    out.push(...agg.flush(bars[299]!.time + 10 * MIN));
    expect(out).toEqual(bars);
  });

  it('the simulation repeats itself for a seed and prints sane decimals', async () => {
    const a = new SimulatedFeed({ seed: 7 });
    const b = new SimulatedFeed({ seed: 7 });
    a.setSymbols(['BTC-USD', 'ETH-USD']);
    b.setSymbols(['BTC-USD', 'ETH-USD']);
    const ta = a.generate(500, T0, T0 + 600_000);
    expect(ta).toEqual(b.generate(500, T0, T0 + 600_000));
    expect(ta.every((t) => /^\d+(\.\d{1,2})?$/.test(t.price) && Number(t.price) > 0)).toBe(true);
    // History joins the live price: its last close is the path's current price (to the cent).
    const h = await a.history('BTC-USD', '1m', T0 - 60 * MIN, T0);
    expect(h).toHaveLength(60);
    expect(h).toEqual(await b.history('BTC-USD', '1m', T0 - 60 * MIN, T0));
    expect(Math.abs(Number(h[59]!.close) - Number(ta.filter((t) => t.symbol === 'BTC-USD').at(-1)!.price))).toBeLessThanOrEqual(0.01);
    expect(h.every((x) => Number(x.high) >= Number(x.low))).toBe(true);
  });

  it('resamples 1m bars to 5m exactly', () => {
    const bars = rec(0, 10);
    const five = resampleBars(bars, '5m');
    const first = bars.slice(0, 5);
    const t = Math.floor(bars[0]!.time / (5 * MIN)) * 5 * MIN;
    expect(five[0]).toMatchObject({ timeframe: '5m', time: t, open: first[0]!.open, close: first[4]!.close });
    expect(Number(five[0]!.high)).toBe(Math.max(...first.map((b) => Number(b.high))));
    expect(() => resampleBars(five, '1m')).toThrow(/cannot resample/);
  });
});
