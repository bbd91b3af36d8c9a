/**
 * A seeded market for demos, soak tests and benchmarks, with the intraday behaviour of the
 * recorded minute data (core/market/calibration.ts: volatility states that cluster, jumps both
 * ways, short trends, each product's own volatility, a risk premium), printed as trades at a
 * configurable rate. Same seed, same symbols and same start time: the same trades and the same
 * history, run after run.
 */
import { Dec } from '../../domain/decimal';
import type { Bar, Tick, Timeframe } from '../../domain/market';
import { TIMEFRAME_MS } from '../../domain/market';
import { MINUTES_PER_YEAR, RISK_PREMIUM_SHARPE, TREND, VOL_STATES, VOL_TRANSITIONS, minuteVol } from '../calibration';
import type { FeedHealth, FeedSink, MarketFeed } from './types';

const START_PRICES: Record<string, number> = { 'BTC-USD': 60_000, 'ETH-USD': 3_000, 'SOL-USD': 150, 'LTC-USD': 80 };
const MIN = 60_000;

/** mulberry32: small, fast, good enough for simulation (not for secrets). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

function gauss(r: () => number): number {
  const u = Math.max(r(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
}

/** A state drawn from the long-run occupancy, so a path starts like any minute of the data. */
function stationaryState(u: number): number {
  let acc = 0;
  for (let k = 0; k < VOL_STATES.length; k++) {
    acc += VOL_STATES[k]!.occupancy;
    if (u < acc) return k;
  }
  return 0;
}

/**
 * One symbol's price process; `step(dtMs)` advances it and returns the new price. Steps longer
 * than a minute are taken a minute at a time (the calibration is per minute); shorter ones scale
 * the minute's drift, variance and switching probabilities by their share of the minute.
 */
export class PricePath {
  price: number;
  /** Index into VOL_STATES. */
  state: number;
  /** Direction of the current jump visit (+1 or -1). */
  jumpSign = 1;
  /** Trend drift, in units of the minute volatility. */
  trend: number;
  private readonly r: () => number;
  private readonly sigma: number;
  private readonly premium: number;

  constructor(
    readonly symbol: string,
    seed: number,
    start?: number,
  ) {
    this.r = rng(seed ^ hash(symbol));
    this.price = start ?? START_PRICES[symbol] ?? 100;
    this.sigma = minuteVol(symbol);
    // Expected log return a minute: Sharpe x annual volatility / minutes a year.
    this.premium = (RISK_PREMIUM_SHARPE * this.sigma * Math.sqrt(MINUTES_PER_YEAR)) / MINUTES_PER_YEAR;
    this.state = stationaryState(this.r());
    this.trend = TREND.sd * gauss(this.r);
  }

  step(dtMs: number): number {
    let left = dtMs;
    while (left > 0) {
      const dt = Math.min(left, MIN);
      this.minuteFraction(dt / MIN);
      left -= dt;
    }
    return this.price;
  }

  private minuteFraction(f: number): void {
    const row = VOL_TRANSITIONS[this.state]!;
    const stay = row[this.state]!;
    if (this.r() < (1 - stay) * f) {
      // Leave the state: where to, in proportion to the other transition probabilities.
      let u = this.r() * (1 - stay);
      let next = this.state;
      for (let k = 0; k < row.length; k++) {
        if (k === this.state) continue;
        u -= row[k]!;
        if (u < 0) {
          next = k;
          break;
        }
      }
      if (next !== this.state) {
        this.state = next;
        if (VOL_STATES[next]!.jumpDrift > 0) this.jumpSign = this.r() < 0.5 ? -1 : 1;
      }
    }
    if (this.r() < f / TREND.meanMinutes) this.trend = TREND.sd * gauss(this.r);
    const st = VOL_STATES[this.state]!;
    const drift = (st.jumpDrift * this.jumpSign + this.trend) * f;
    this.price *= Math.exp(this.sigma * (drift + st.sd * Math.sqrt(f) * gauss(this.r)) + this.premium * f);
  }

  uniform(): number {
    return this.r();
  }
}

export interface SimulatedFeedOptions {
  seed?: number;
  /** Trades per second per symbol. */
  tradesPerSecond?: number;
  /** Emission tick; trades of one interval go out together. */
  intervalMs?: number;
  now?: () => number;
}

export class SimulatedFeed implements MarketFeed {
  readonly kind = 'simulated' as const;
  private timer: NodeJS.Timeout | null = null;
  private paths = new Map<string, PricePath>();
  private sink: FeedSink | null = null;
  private last = 0;
  private carry = 0;
  private seq = 0;
  private emitted = 0;

  constructor(private readonly o: SimulatedFeedOptions = {}) {}

  private now(): number {
    return this.o.now ? this.o.now() : Date.now();
  }

  start(symbols: string[], sink: FeedSink): void {
    this.stop();
    this.sink = sink;
    this.setSymbols(symbols);
    this.last = this.now();
    this.timer = setInterval(() => this.pump(), this.o.intervalMs ?? 100);
    sink.onHealth?.(this.health());
  }

  setSymbols(symbols: string[]): void {
    for (const s of symbols) if (!this.paths.has(s)) this.paths.set(s, new PricePath(s, this.o.seed ?? 42));
    for (const s of [...this.paths.keys()]) if (!symbols.includes(s)) this.paths.delete(s);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  health(): FeedHealth {
    return { state: this.timer ? 'ok' : 'idle', detail: this.timer ? `simulating ${this.paths.size} symbols` : 'stopped', counters: { trades: this.emitted } };
  }

  /** Emits the trades due since the last call (timer-driven; benchmarks call `generate`). */
  private pump(): void {
    const now = this.now();
    const rate = this.o.tradesPerSecond ?? 5;
    const due = ((now - this.last) / 1000) * rate + this.carry;
    const n = Math.floor(due);
    this.carry = due - n;
    const from = this.last;
    this.last = now;
    if (!this.sink || n === 0) return;
    for (const t of this.generate(n, from, now)) this.sink.onTick(t);
  }

  /** `perSymbol` trades for every symbol spread evenly over [from, to). */
  generate(perSymbol: number, from: number, to: number): Tick[] {
    const out: Tick[] = [];
    const dt = (to - from) / Math.max(1, perSymbol);
    for (const p of this.paths.values()) {
      for (let i = 0; i < perSymbol; i++) {
        const price = p.step(dt);
        const size = 0.0001 + p.uniform() * 0.05;
        this.seq++;
        out.push({
          symbol: p.symbol,
          time: Math.floor(from + i * dt),
          price: Dec.fromMeasured(price).round(2).toString(),
          size: Dec.fromMeasured(size).round(8).toString(),
          side: p.uniform() < 0.5 ? 'buy' : 'sell',
          tradeId: `sim-${this.seq}`,
          sequence: this.seq,
        });
      }
    }
    this.emitted += out.length;
    return out;
  }

  /**
   * Deterministic history ending at the live path's current price: the same walk backwards from
   * (seed, symbol, range), so a backfill joins the live feed without a jump.
   */
  async history(symbol: string, timeframe: Timeframe, start: number, end: number): Promise<Bar[]> {
    const ms = TIMEFRAME_MS[timeframe];
    const n = Math.max(0, Math.floor((end - start) / ms));
    const anchor = this.paths.get(symbol)?.price ?? START_PRICES[symbol] ?? 100;
    const p = new PricePath(symbol, (this.o.seed ?? 42) ^ hash(`${start}:${end}`), 1);
    const rel: { o: number; h: number; l: number; c: number; v: number }[] = [];
    // Six points a bar for its high and low; at least one a minute (the calibration's step).
    const sub = Math.max(6, Math.ceil(ms / MIN));
    for (let i = 0; i < n; i++) {
      const o = p.price;
      let h = o;
      let l = o;
      for (let k = 0; k < sub; k++) {
        const x = p.step(ms / sub);
        h = Math.max(h, x);
        l = Math.min(l, x);
      }
      rel.push({ o, h, l, c: p.price, v: 0.5 + p.uniform() * 5 });
    }
    const scale = n ? anchor / rel[n - 1]!.c : 1;
    const px = (x: number) => Dec.fromMeasured(x * scale).round(2).toString();
    return rel.map((r, i) => ({ symbol, timeframe, time: start + i * ms, open: px(r.o), high: px(r.h), low: px(r.l), close: px(r.c), volume: Dec.fromMeasured(r.v).round(8).toString() }));
  }
}
