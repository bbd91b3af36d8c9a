/**
 * A seeded market for demos, soak tests and benchmarks: geometric Brownian motion whose drift
 * and volatility switch between regimes (calm, volatile, trending up, trending down) by a Markov
 * chain, printed as trades at a configurable rate. Same seed, same symbols and same start time:
 * the same trades and the same history, run after run.
 */
import { Dec } from '../../domain/decimal';
import type { Bar, Tick, Timeframe } from '../../domain/market';
import { TIMEFRAME_MS } from '../../domain/market';
import type { FeedHealth, FeedSink, MarketFeed } from './types';

export interface Regime {
  name: string;
  /** Annualised drift and volatility of log price. */
  mu: number;
  sigma: number;
}

export const REGIMES: Regime[] = [
  { name: 'calm', mu: 0, sigma: 0.35 },
  { name: 'volatile', mu: 0, sigma: 1.2 },
  { name: 'trend-up', mu: 3, sigma: 0.5 },
  { name: 'trend-down', mu: -3, sigma: 0.5 },
];

const YEAR_MS = 365 * 86_400_000;
const START_PRICES: Record<string, number> = { 'BTC-USD': 60_000, 'ETH-USD': 3_000, 'SOL-USD': 150, 'LTC-USD': 80 };

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

/** One symbol's price process; `step(dtMs)` advances it and returns the new price. */
export class PricePath {
  price: number;
  regime = 0;
  private readonly r: () => number;

  constructor(
    readonly symbol: string,
    seed: number,
    start?: number,
    private readonly switchPerMinute = 0.02,
  ) {
    this.r = rng(seed ^ hash(symbol));
    this.price = start ?? START_PRICES[symbol] ?? 100;
  }

  step(dtMs: number): number {
    if (this.r() < this.switchPerMinute * (dtMs / 60_000)) this.regime = Math.floor(this.r() * REGIMES.length);
    const g = REGIMES[this.regime]!;
    const dt = dtMs / YEAR_MS;
    this.price *= Math.exp((g.mu - (g.sigma * g.sigma) / 2) * dt + g.sigma * Math.sqrt(dt) * gauss(this.r));
    return this.price;
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
    for (let i = 0; i < n; i++) {
      const o = p.price;
      let h = o;
      let l = o;
      for (let k = 0; k < 6; k++) {
        const x = p.step(ms / 6);
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
