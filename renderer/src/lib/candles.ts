/** Candle normalisation for charts: whatever shape a feed returns, to sorted unique bars in seconds. */
// A chart's bars are Ohlcv with `time` in unix seconds (lightweight-charts' UTCTimestamp).
import { TIMEFRAME_MS, TIMEFRAMES, type Ohlcv } from '../../../core/domain/market';

export { TIMEFRAMES };
export function tfSeconds(tf: string): number {
  const ms = (TIMEFRAME_MS as Partial<Record<string, number>>)[tf];
  return ms === undefined ? 60 : ms / 1000;
}

function toSec(t: unknown): number | null {
  if (typeof t === 'string') {
    const n = Number(t);
    if (Number.isFinite(n)) return toSec(n);
    const d = Date.parse(t);
    return Number.isNaN(d) ? null : Math.floor(d / 1000);
  }
  if (typeof t !== 'number' || !Number.isFinite(t)) return null;
  return t > 1e11 ? Math.floor(t / 1000) : Math.floor(t);
}

export function normalizeCandles(raw: unknown): Ohlcv[] {
  const list: unknown[] = Array.isArray(raw)
    ? raw
    : raw && typeof raw === 'object'
      ? ((raw as Record<string, unknown>).candles as unknown[]) ?? ((raw as Record<string, unknown>).bars as unknown[]) ?? []
      : [];
  const byTime = new Map<number, Ohlcv>();
  for (const c of Array.isArray(list) ? list : []) {
    if (!c || typeof c !== 'object') continue;
    const o = c as Record<string, unknown>;
    const time = toSec(o.time ?? o.start ?? o.t);
    const open = Number(o.open ?? o.o);
    const high = Number(o.high ?? o.h);
    const low = Number(o.low ?? o.l);
    const close = Number(o.close ?? o.c);
    const volume = Number(o.volume ?? o.v ?? 0);
    if (time === null || ![open, high, low, close].every(Number.isFinite)) continue;
    byTime.set(time, { time, open, high, low, close, volume: Number.isFinite(volume) ? volume : 0 });
  }
  return [...byTime.values()].sort((a, b) => a.time - b.time);
}

/** Fold a tick into the last bar (or open a new one): what the chart shows between bar closes. */
export function applyTick(bars: Ohlcv[], price: number, timeMs: number, tf: string, size = 0): { bar: Ohlcv; isNew: boolean } {
  const step = tfSeconds(tf);
  const t = Math.floor(timeMs / 1000 / step) * step;
  const last = bars[bars.length - 1];
  if (last && last.time === t) {
    last.high = Math.max(last.high, price);
    last.low = Math.min(last.low, price);
    last.close = price;
    last.volume += size;
    return { bar: last, isNew: false };
  }
  if (last && t < last.time) return { bar: last, isNew: false };
  const bar = { time: t, open: last ? last.close : price, high: price, low: price, close: price, volume: size };
  bar.high = Math.max(bar.high, bar.open);
  bar.low = Math.min(bar.low, bar.open);
  bars.push(bar);
  return { bar, isNew: true };
}
