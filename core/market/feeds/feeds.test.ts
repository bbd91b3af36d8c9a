/**
 * The replay and simulated feeds with a controlled clock: replay is deterministic and rebuilds the
 * recorded candles exactly through the same aggregator the host uses, and its backfill joins the
 * live bars without a gap; the simulation is seeded (same seed, same trades), sits at realistic
 * BTC/ETH levels, switches regimes, and compresses time.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Bar, Tick } from '../../domain/market';
import { BarAggregator } from '../aggregator';
import { barAt, defaultMarketDataDir, loadRecorded } from '../data/columns';
import { ReplayFeed } from './replay';
import { PricePath, SimulatedFeed } from './simulated';
import { VOL_STATES } from '../calibration';

const MIN = 60_000;
const START = Date.UTC(2025, 0, 6, 12, 0, 30);

describe('ReplayFeed', () => {
  let now = START;
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    now = START;
  });
  afterEach(() => vi.useRealTimers());

  async function run(minutes: number, speed = 60): Promise<{ ticks: Tick[]; feed: ReplayFeed }> {
    const feed = new ReplayFeed({ speed, now: () => now, warmupBars: 120 });
    const ticks: Tick[] = [];
    feed.start(['ETH-USD', 'BTC-USD'], { onTick: (t) => ticks.push(t) });
    // Wall time advances 1 s per step; at 60x that is one recorded minute.
    for (let i = 0; i < minutes; i++) {
      now += 1000;
      await vi.advanceTimersByTimeAsync(1000);
    }
    feed.stop();
    return { ticks, feed };
  }

  it('rebuilds the recorded candles exactly, shifted to start at the minute the feed started', async () => {
    const { ticks, feed } = await run(30);
    const agg = new BarAggregator('1m', { graceMs: 0 });
    const bars: Bar[] = [];
    for (const t of ticks) bars.push(...agg.add(t));
    const eth = bars.filter((b) => b.symbol === 'ETH-USD');
    expect(eth.length).toBeGreaterThanOrEqual(25);
    const cols = loadRecorded(defaultMarketDataDir(), 'ETH-USDT', '1m');
    const origin = Math.floor(START / MIN) * MIN;
    const shift = origin - cols.time[120]!;
    expect(eth[0]!.time).toBe(origin);
    eth.forEach((b, i) => expect(b).toEqual(barAt(cols, 120 + i, 'ETH-USD', shift)));
    expect(feed.health().detail).toMatch(/ETH-USD<-ETH-USDT/);
    expect(bars.some((b) => b.symbol === 'BTC-USD')).toBe(true);
  });

  it('is deterministic: two replays from the same start emit the same trades', async () => {
    const a = await run(10);
    now = START;
    const b = await run(10);
    expect(b.ticks).toEqual(a.ticks);
    expect(a.ticks.length).toBeGreaterThan(60);
  });

  it('serves as history the recorded bars before the cursor, ending where the live bars begin', async () => {
    const feed = new ReplayFeed({ speed: 1, now: () => now, warmupBars: 120 });
    feed.start(['ETH-USD'], { onTick: () => {} });
    const origin = Math.floor(START / MIN) * MIN;
    const hist = await feed.history('ETH-USD', '1m', origin - 60 * MIN, origin);
    feed.stop();
    expect(hist).toHaveLength(60);
    expect(hist.at(-1)!.time).toBe(origin - MIN);
    const cols = loadRecorded(defaultMarketDataDir(), 'ETH-USDT', '1m');
    expect(hist.at(-1)).toEqual(barAt(cols, 119, 'ETH-USD', origin - cols.time[120]!));
  });

  it('reports a symbol it has no recording for instead of inventing one', () => {
    const feed = new ReplayFeed({ speed: 1, now: () => now });
    feed.start(['DOGE-USD'], { onTick: () => {} });
    expect(feed.health()).toMatchObject({ state: 'degraded' });
    expect(feed.health().detail).toMatch(/no 1m recording for DOGE-USD/);
    feed.stop();
  });
});

describe('SimulatedFeed', () => {
  const gen = (seed: number, n = 600) => {
    const f = new SimulatedFeed({ seed, tradesPerSecond: 5 });
    f.setSymbols(['BTC-USD', 'ETH-USD']);
    return f.generate(n, START, START + n * 200);
  };

  it('is seeded: the same seed gives the same trades, another seed other trades', () => {
    expect(gen(42)).toEqual(gen(42));
    expect(gen(43).map((t) => t.price)).not.toEqual(gen(42).map((t) => t.price));
  });

  it('prints valid trades at realistic BTC and ETH levels, spread evenly over the interval', () => {
    const ticks = gen(42);
    const btc = ticks.filter((t) => t.symbol === 'BTC-USD');
    const eth = ticks.filter((t) => t.symbol === 'ETH-USD');
    expect(btc).toHaveLength(600);
    for (const t of btc) expect(Number(t.price)).toBeGreaterThan(40_000);
    for (const t of btc) expect(Number(t.price)).toBeLessThan(90_000);
    for (const t of eth) expect(Number(t.price)).toBeGreaterThan(2_000);
    for (const t of eth) expect(Number(t.price)).toBeLessThan(4_500);
    for (const t of ticks) {
      expect(t.price).toMatch(/^\d+(\.\d{1,2})?$/);
      expect(Number(t.size)).toBeGreaterThan(0);
      expect(t.tradeId).toBeTruthy();
    }
    expect(new Set(ticks.map((t) => t.tradeId)).size).toBe(ticks.length);
    expect(btc.map((t) => t.time)).toEqual(btc.map((t) => t.time).sort((a, b) => a - b));
    expect(btc[0]!.time).toBe(START);
    expect(btc.at(-1)!.time).toBeLessThan(START + 600 * 200);
  });

  it('moves between its volatility states over a long run, and jumps both ways', () => {
    const p = new PricePath('BTC-USD', 42);
    const seen = new Set<number>();
    const jumps = new Set<number>();
    for (let i = 0; i < 20 * 24 * 60; i++) {
      p.step(MIN);
      seen.add(p.state);
      if (VOL_STATES[p.state]!.jumpDrift > 0) jumps.add(p.jumpSign);
    }
    expect([...seen].sort()).toEqual([0, 1, 2, 3]);
    expect([...jumps].sort()).toEqual([-1, 1]);
    expect(p.price).toBeGreaterThan(0);
  });

  it('compresses time: a virtual hour of trades is generated in one call and closes 60 bars per symbol', () => {
    const f = new SimulatedFeed({ seed: 7, tradesPerSecond: 2 });
    f.setSymbols(['BTC-USD', 'ETH-USD']);
    const t0 = Math.floor(START / MIN) * MIN;
    const agg = new BarAggregator('1m', { graceMs: 0 });
    const bars: Bar[] = [];
    for (const t of f.generate(2 * 3600, t0, t0 + 3600_000)) bars.push(...agg.add(t));
    bars.push(...agg.flush(t0 + 3600_000));
    expect(bars.filter((b) => b.symbol === 'BTC-USD')).toHaveLength(60);
    expect(bars.filter((b) => b.symbol === 'ETH-USD')).toHaveLength(60);
  });

  it('history ends at the live price so a backfill joins without a jump', async () => {
    const f = new SimulatedFeed({ seed: 42, tradesPerSecond: 5 });
    f.setSymbols(['BTC-USD']);
    const live = f.generate(10, START, START + 2_000);
    const last = Number(live.at(-1)!.price);
    const hist = await f.history('BTC-USD', '1m', START - 60 * MIN, START);
    expect(hist).toHaveLength(60);
    expect(Math.abs(Number(hist.at(-1)!.close) / last - 1)).toBeLessThan(0.0001);
    expect(await f.history('BTC-USD', '1m', START - 60 * MIN, START)).toEqual(hist);
  });
});
