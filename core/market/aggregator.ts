/**
 * Trades to bars. Ticks that carry a trade id are folded into per-symbol bars of one timeframe;
 * a bar closes when a trade of a later period arrives or when `flush(now)` passes its end plus a
 * grace period (so a quiet market still closes its bars on time). Duplicate trade ids are
 * dropped; a trade for a period that already closed is late and dropped (counted, never merged
 * into a bar that agents have already seen).
 *
 * Prices and sizes stay exact: high/low are chosen by numeric comparison of the exchange's own
 * strings, volume is summed with Dec.
 */
import { Dec } from '../domain/decimal';
import type { Bar, Tick, Timeframe } from '../domain/market';
import { TIMEFRAME_MS } from '../domain/market';

interface Building {
  time: number;
  open: string;
  high: string;
  highN: number;
  low: string;
  lowN: number;
  close: string;
  volume: Dec;
  trades: number;
}

export interface AggregatorStats {
  trades: number;
  duplicates: number;
  late: number;
  barsClosed: number;
}

export class BarAggregator {
  private readonly ms: number;
  private readonly open = new Map<string, Building>();
  /** Newest closed period per symbol: trades at or before it are late. */
  private readonly closedThrough = new Map<string, number>();
  private readonly seenIds = new Map<string, { set: Set<string>; order: string[] }>();
  readonly stats: AggregatorStats = { trades: 0, duplicates: 0, late: 0, barsClosed: 0 };

  constructor(
    readonly timeframe: Timeframe = '1m',
    private readonly opts: { graceMs?: number; dedupeWindow?: number } = {},
  ) {
    this.ms = TIMEFRAME_MS[timeframe];
  }

  /** Adds one trade; returns the bars this trade closed (at most one per symbol). */
  add(t: Tick): Bar[] {
    if (!t.tradeId) return [];
    if (this.isDuplicate(t.symbol, t.tradeId)) {
      this.stats.duplicates++;
      return [];
    }
    const period = Math.floor(t.time / this.ms) * this.ms;
    const through = this.closedThrough.get(t.symbol);
    if (through !== undefined && period <= through) {
      this.stats.late++;
      return [];
    }
    this.stats.trades++;
    const out: Bar[] = [];
    let b = this.open.get(t.symbol);
    if (b && period < b.time) {
      // Out of order inside the open bar's window is fine; a trade for an earlier period than the open bar is late.
      this.stats.late++;
      return [];
    }
    if (b && period > b.time) {
      out.push(this.close(t.symbol, b));
      b = undefined;
    }
    const p = Number(t.price);
    if (!b) {
      this.open.set(t.symbol, { time: period, open: t.price, high: t.price, highN: p, low: t.price, lowN: p, close: t.price, volume: Dec.of(t.size), trades: 1 });
      return out;
    }
    if (p > b.highN) {
      b.high = t.price;
      b.highN = p;
    }
    if (p < b.lowN) {
      b.low = t.price;
      b.lowN = p;
    }
    b.close = t.price;
    b.volume = b.volume.add(t.size);
    b.trades++;
    return out;
  }

  /** Closes every bar whose period ended more than the grace period before `now`. */
  flush(now: number): Bar[] {
    const grace = this.opts.graceMs ?? 2_000;
    const out: Bar[] = [];
    for (const [symbol, b] of this.open) if (b.time + this.ms + grace <= now) out.push(this.close(symbol, b));
    return out;
  }

  forget(symbol: string): void {
    this.open.delete(symbol);
    this.closedThrough.delete(symbol);
    this.seenIds.delete(symbol);
  }

  private close(symbol: string, b: Building): Bar {
    this.open.delete(symbol);
    this.closedThrough.set(symbol, b.time);
    this.stats.barsClosed++;
    return {
      symbol,
      timeframe: this.timeframe,
      time: b.time,
      open: canon(b.open),
      high: canon(b.high),
      low: canon(b.low),
      close: canon(b.close),
      volume: b.volume.toString(),
    };
  }

  private isDuplicate(symbol: string, id: string): boolean {
    let s = this.seenIds.get(symbol);
    if (!s) this.seenIds.set(symbol, (s = { set: new Set(), order: [] }));
    if (s.set.has(id)) return true;
    s.set.add(id);
    s.order.push(id);
    const max = this.opts.dedupeWindow ?? 5_000;
    // Trim in batches so the window costs O(1) per trade amortised.
    if (s.order.length > 2 * max) for (const old of s.order.splice(0, s.order.length - max)) s.set.delete(old);
    return false;
  }
}

function canon(s: string): string {
  return Dec.of(s).toString();
}
