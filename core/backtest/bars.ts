/**
 * Columnar bars: one Float64Array per field, so the engine's per-bar loop reads numbers without
 * allocating. Prices are floats here on purpose: they are the recorded candle values (every CSV
 * price round-trips exactly through a double's shortest representation), used for indicators and
 * marks; the moment an order is priced they become exact decimals via `Dec.fromMeasured`.
 */
import { TIMEFRAME_MS, type Timeframe } from '../domain/market';

export interface BarSeries {
  symbol: string;
  /** Bar length in ms (the timeframe these bars were recorded or resampled at). */
  timeframeMs: number;
  length: number;
  /** Open time of each bar, epoch ms, strictly increasing. */
  time: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
}

export const TIMEFRAMES = Object.keys(TIMEFRAME_MS) as Timeframe[];

export function timeframeMs(tf: Timeframe): number {
  return TIMEFRAME_MS[tf];
}

export function emptySeries(symbol: string, tfMs: number, n: number): BarSeries {
  return {
    symbol,
    timeframeMs: tfMs,
    length: n,
    time: new Float64Array(n),
    open: new Float64Array(n),
    high: new Float64Array(n),
    low: new Float64Array(n),
    close: new Float64Array(n),
    volume: new Float64Array(n),
  };
}

/** A view of bars [from, to) sharing the same buffers (no copy). */
export function sliceSeries(s: BarSeries, from: number, to: number): BarSeries {
  const a = Math.max(0, from);
  const b = Math.min(s.length, Math.max(a, to));
  return {
    symbol: s.symbol,
    timeframeMs: s.timeframeMs,
    length: b - a,
    time: s.time.subarray(a, b),
    open: s.open.subarray(a, b),
    high: s.high.subarray(a, b),
    low: s.low.subarray(a, b),
    close: s.close.subarray(a, b),
    volume: s.volume.subarray(a, b),
  };
}

/** Index of the first bar with time >= t (binary search). */
export function lowerBound(times: Float64Array, t: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Bars whose open time lies in [fromMs, toMs). */
export function rangeSeries(s: BarSeries, fromMs?: number, toMs?: number): BarSeries {
  const a = fromMs === undefined ? 0 : lowerBound(s.time, fromMs);
  const b = toMs === undefined ? s.length : lowerBound(s.time, toMs);
  return sliceSeries(s, a, b);
}

export class ResampleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResampleError';
  }
}

/**
 * Aggregates bars into buckets of `targetMs` aligned to the UTC epoch (a 1d bar opens at 00:00
 * UTC, a 4h bar at 00/04/08...): open of the first bar, max high, min low, close of the last bar,
 * summed volume. A bucket exists only when at least one source bar falls in it, so gaps in the
 * recording stay gaps instead of becoming invented flat bars. A partial bucket at either end is
 * kept (it holds only real prices); the per-symbol report counts source bars per bucket.
 */
export function resample(s: BarSeries, targetMs: number): BarSeries {
  if (targetMs === s.timeframeMs) return s;
  if (targetMs < s.timeframeMs || targetMs % s.timeframeMs !== 0) {
    throw new ResampleError(`cannot resample ${s.symbol} from ${s.timeframeMs / 60_000} min bars to ${targetMs / 60_000} min: the target must be a multiple of the source`);
  }
  // First pass: count buckets, so the output is allocated once at its exact size.
  let buckets = 0;
  let last = NaN;
  for (let i = 0; i < s.length; i++) {
    const b = s.time[i]! - (s.time[i]! % targetMs);
    if (b !== last) {
      buckets++;
      last = b;
    }
  }
  const out = emptySeries(s.symbol, targetMs, buckets);
  let k = -1;
  last = NaN;
  for (let i = 0; i < s.length; i++) {
    const t = s.time[i]!;
    const b = t - (t % targetMs);
    if (b !== last) {
      k++;
      last = b;
      out.time[k] = b;
      out.open[k] = s.open[i]!;
      out.high[k] = s.high[i]!;
      out.low[k] = s.low[i]!;
      out.close[k] = s.close[i]!;
      out.volume[k] = s.volume[i]!;
    } else {
      if (s.high[i]! > out.high[k]!) out.high[k] = s.high[i]!;
      if (s.low[i]! < out.low[k]!) out.low[k] = s.low[i]!;
      out.close[k] = s.close[i]!;
      out.volume[k] = out.volume[k]! + s.volume[i]!;
    }
  }
  return out;
}

/** Concatenates `times` copies of a series end to end, shifting each copy's time (bench data). */
export function repeatSeries(s: BarSeries, times: number): BarSeries {
  const n = s.length * times;
  const out = emptySeries(s.symbol, s.timeframeMs, n);
  const span = s.length > 0 ? s.time[s.length - 1]! - s.time[0]! + s.timeframeMs : 0;
  // Plain repetition keeps every price a recorded one; the seam between copies is one jump, like
  // a gap in a real recording.
  for (let r = 0; r < times; r++) {
    const off = r * s.length;
    for (let i = 0; i < s.length; i++) {
      out.time[off + i] = s.time[i]! + r * span;
      out.open[off + i] = s.open[i]!;
      out.high[off + i] = s.high[i]!;
      out.low[off + i] = s.low[i]!;
      out.close[off + i] = s.close[i]!;
      out.volume[off + i] = s.volume[i]!;
    }
  }
  return out;
}
