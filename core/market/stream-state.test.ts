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
import { MarketSnapshotOut } from './contract';
import {
  GAP_ATTEMPTS,
  addSymbols,
  applyBackfillPage,
  applyGapPage,
  applyLiveBars,
  candles,
  failGapPage,
  nextGapPage,
  removeSymbols,
  snapshot,
  streamInit,
  symbolFeatures,
  type StreamOptions,
  type StreamState,
} from './stream-state';

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

describe('stream state: gaps in the live feed', () => {
  const always = () => true;
  /** A stream of BTC-USD with `n` live bars applied, no backfill. */
  const live = (bars: Bar[], n: number): StreamState => {
    const st = streamInit('coinbase', OPTS);
    addSymbols(st, ['BTC-USD'], null);
    for (const b of bars.slice(0, n)) applyLiveBars(st, [b], always);
    return st;
  };

  it('holds the bar after a gap and later ones, refills the missed minutes, then releases the held bars in order', () => {
    const bars = rec(0, 30);
    const st = live(bars, 10);
    // Minutes 10..14 are missed (WebSocket down); 15 and 16 arrive in one batch, 17 in the next.
    const r = applyLiveBars(st, [bars[16]!, bars[15]!], always);
    expect(r.accepted).toEqual([]);
    expect(applyLiveBars(st, [bars[17]!], always).accepted).toEqual([]);
    expect(st.symbols['BTC-USD']!.held.map((b) => b.time)).toEqual([bars[15]!.time, bars[16]!.time, bars[17]!.time]);
    expect(st.gaps.pending).toEqual([{ symbol: 'BTC-USD', start: bars[10]!.time, end: bars[15]!.time, next: bars[10]!.time, state: 'pending', attempts: 0, bars: 0, error: null }]);
    expect(snapshot(st).gaps).toMatchObject({ pending: 1, filled: 0, unfilled: 0, recent: [{ state: 'pending', start: bars[10]!.time }] });

    const page = nextGapPage(st, 350)!;
    expect(page).toEqual({ symbol: 'BTC-USD', start: bars[10]!.time, end: bars[15]!.time });
    // The exchange answers newest first, with a bar outside the page and one of another symbol: ignored.
    const out = applyGapPage(st, page, [...bars.slice(9, 16)].reverse().concat({ ...bars[12]!, symbol: 'ETH-USD' }), always);
    expect(out.refilled).toEqual(bars.slice(10, 15));
    // Only the held live bars are "accepted" (what goes downstream to the ledger).
    expect(out.accepted).toEqual(bars.slice(15, 18));
    expect(st.symbols['BTC-USD']!.held).toEqual([]);
    expect(candles(st, 'BTC-USD', 100)).toEqual(bars.slice(0, 18));
    expect(symbolFeatures(st, 'BTC-USD')).toEqual(computeFeatures('BTC-USD', bars.slice(0, 18).map(num), st.clock));
    expect(nextGapPage(st, 350)).toBeNull();
    const snap = snapshot(st);
    expect(snap.gaps).toEqual({ pending: 0, filled: 1, unfilled: 0, barsRefilled: 5, recent: [{ symbol: 'BTC-USD', start: bars[10]!.time, end: bars[15]!.time, state: 'filled', attempts: 0, bars: 5, error: null }] });
    expect(MarketSnapshotOut.parse(snap)).toEqual(snap);
    expect(() => MarketSnapshotOut.parse({ ...snap, gaps: { ...snap.gaps, extra: 1 } })).toThrow();
    // Live again: the next bar applies straight away.
    expect(applyLiveBars(st, [bars[18]!], always).accepted).toEqual([bars[18]]);
  });

  it('a thin symbol: a refill with fewer bars (or none) than minutes is filled, and never asked again', () => {
    const bars = rec(0, 40);
    const st = live(bars, 5);
    applyLiveBars(st, [bars[12]!], always); // minutes 5..11 missed
    // The exchange has candles for 7 and 9 only (no trades in the other minutes).
    const out = applyGapPage(st, nextGapPage(st, 350)!, [bars[9]!, bars[7]!], always);
    expect(out.refilled.map((b) => b.time)).toEqual([bars[7]!.time, bars[9]!.time]);
    expect(out.accepted).toEqual([bars[12]]);
    expect(st.gaps).toMatchObject({ pending: [], filled: 1, barsRefilled: 2 });
    // The bar at the gap's end was applied without opening the same gap again.
    expect(nextGapPage(st, 350)).toBeNull();
    expect(candles(st, 'BTC-USD', 100).map((b) => b.time)).toEqual([...bars.slice(0, 5), bars[7]!, bars[9]!, bars[12]!].map((b) => b.time));

    // No bars at all for the next gap: filled with none, the held bar released, nothing pending.
    applyLiveBars(st, [bars[20]!], always);
    expect(applyGapPage(st, nextGapPage(st, 350)!, [], always)).toEqual({ accepted: [bars[20]], refilled: [], rejected: [] });
    expect(snapshot(st).gaps).toMatchObject({ pending: 0, filled: 2, barsRefilled: 2, recent: [{ bars: 2 }, { bars: 0, state: 'filled' }] });
    expect(nextGapPage(st, 350)).toBeNull();
  });

  it('pages a long gap by pageBars and finds a second gap among the held bars', () => {
    const bars = rec(0, 60);
    const st = live(bars, 2);
    applyLiveBars(st, [bars[12]!, bars[13]!, bars[20]!], always); // gap 2..11, then 14..19 among the held
    const p1 = nextGapPage(st, 4)!;
    expect([(p1.start - bars[2]!.time) / MIN, (p1.end - p1.start) / MIN]).toEqual([0, 4]);
    expect(applyGapPage(st, p1, bars.slice(2, 6), always).accepted).toEqual([]);
    expect(applyGapPage(st, nextGapPage(st, 4)!, bars.slice(6, 10), always).accepted).toEqual([]);
    const p3 = nextGapPage(st, 4)!;
    expect(p3.end).toBe(bars[12]!.time);
    // Released up to the second gap: 12 and 13 go downstream, 20 is held for the next refill.
    expect(applyGapPage(st, p3, bars.slice(10, 12), always).accepted).toEqual([bars[12], bars[13]]);
    expect(st.gaps.pending).toMatchObject([{ start: bars[14]!.time, end: bars[20]!.time }]);
    expect(st.symbols['BTC-USD']!.held).toEqual([bars[20]]);
    expect(applyGapPage(st, nextGapPage(st, 350)!, bars.slice(14, 20), always).accepted).toEqual([bars[20]]);
    expect(candles(st, 'BTC-USD', 100)).toEqual(bars.slice(0, 21));
    expect(symbolFeatures(st, 'BTC-USD')).toEqual(computeFeatures('BTC-USD', bars.slice(0, 21).map(num), st.clock));
  });

  it(`${GAP_ATTEMPTS} failed fetches: the gap is unfilled and the held bars are released anyway`, () => {
    const bars = rec(0, 30);
    const st = live(bars, 10);
    applyLiveBars(st, [bars[15]!], always);
    applyLiveBars(st, [bars[16]!], always); // held behind the pending gap
    const page = nextGapPage(st, 350)!;
    for (let i = 1; i < GAP_ATTEMPTS; i++) {
      expect(failGapPage(st, page, `HTTP 503 try ${i}`, always)).toEqual({ accepted: [], rejected: [], gaveUp: false });
      expect(nextGapPage(st, 350)).toEqual(page); // the same page is asked again
    }
    const last = failGapPage(st, page, 'HTTP 503 for good', always);
    expect(last).toEqual({ accepted: [bars[15], bars[16]], rejected: [], gaveUp: true });
    expect(nextGapPage(st, 350)).toBeNull();
    expect(snapshot(st).gaps).toEqual({
      pending: 0,
      filled: 0,
      unfilled: 1,
      barsRefilled: 0,
      recent: [{ symbol: 'BTC-USD', start: bars[10]!.time, end: bars[15]!.time, state: 'unfilled', attempts: GAP_ATTEMPTS, bars: 0, error: 'HTTP 503 for good' }],
    });
    expect(candles(st, 'BTC-USD', 100)).toEqual([...bars.slice(0, 10), bars[15], bars[16]]);
    // A late answer for the given-up page changes nothing.
    expect(applyGapPage(st, page, bars.slice(10, 15), always)).toEqual({ accepted: [], refilled: [], rejected: [] });
    expect(applyLiveBars(st, [bars[17]!], always).accepted).toEqual([bars[17]]);
  });

  it('without the refill gate (a history from before refills) bars after a gap apply at once, as before', () => {
    const bars = rec(0, 20);
    const st = live(bars, 5);
    expect(applyLiveBars(st, [bars[9]!]).accepted).toEqual([bars[9]]);
    expect(applyLiveBars(st, [bars[12]!], () => false).accepted).toEqual([bars[12]]);
    expect(st.gaps.pending).toEqual([]);
  });

  it('carries pending gaps across a JSON round trip; state from before refills gets an empty gap state; removed symbols drop their gaps', () => {
    const bars = rec(0, 30);
    let st = live(bars, 3);
    applyLiveBars(st, [bars[8]!], always);
    st = JSON.parse(JSON.stringify(st)) as StreamState;
    expect(applyGapPage(st, nextGapPage(st, 350)!, bars.slice(3, 8), always).accepted).toEqual([bars[8]]);
    expect(candles(st, 'BTC-USD', 100)).toEqual(bars.slice(0, 9));

    const old = JSON.parse(JSON.stringify(live(bars, 3))) as Partial<StreamState>;
    delete old.gaps;
    const carried = old as StreamState;
    expect(snapshot(carried).gaps).toEqual({ pending: 0, filled: 0, unfilled: 0, barsRefilled: 0, recent: [] });
    applyLiveBars(carried, [bars[6]!], always);
    expect(carried.gaps.pending).toHaveLength(1);
    addSymbols(carried, ['ETH-USD'], null);
    removeSymbols(carried, ['BTC-USD']);
    expect(carried.gaps.pending).toEqual([]);
    expect(nextGapPage(carried, 350)).toBeNull();
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
