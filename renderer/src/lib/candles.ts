/** Candle normalisation for charts: whatever shape a feed returns, to sorted unique bars in seconds. */
export interface Bar {
  /** Unix seconds (lightweight-charts' UTCTimestamp). */
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

const TF_SECONDS: Record<string, number> = { '1m': 60, '5m': 300, '15m': 900, '1h': 3600, '4h': 14_400, '1d': 86_400 };
export const TIMEFRAMES = Object.keys(TF_SECONDS);
export function tfSeconds(tf: string): number {
  return TF_SECONDS[tf] ?? 60;
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

export function normalizeCandles(raw: unknown): Bar[] {
  const list: unknown[] = Array.isArray(raw)
    ? raw
    : raw && typeof raw === 'object'
      ? ((raw as Record<string, unknown>).candles as unknown[]) ?? ((raw as Record<string, unknown>).bars as unknown[]) ?? []
      : [];
  const byTime = new Map<number, Bar>();
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
export function applyTick(bars: Bar[], price: number, timeMs: number, tf: string, size = 0): { bar: Bar; isNew: boolean } {
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
