/**
 * Statistics over equity samples. Floats are right here: these are measurements, never money.
 * Pure: runs in workflow queries, the backtest engine and the UI.
 */

/** 24x7 markets: a year is 365 days of seconds, not 252 trading days. */
export const SECONDS_PER_YEAR = 365 * 24 * 3600;

export function mean(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** Sample standard deviation (n - 1 denominator). */
export function stdev(xs: readonly number[]): number {
  if (xs.length < 2) return NaN;
  const m = mean(xs);
  let s = 0;
  for (const x of xs) s += (x - m) ** 2;
  return Math.sqrt(s / (xs.length - 1));
}

/** Downside deviation below a target of 0: sqrt(sum(min(r, 0)^2) / n) (Sortino & van der Meer 1991). */
export function downsideDeviation(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  let s = 0;
  for (const x of xs) if (x < 0) s += x * x;
  return Math.sqrt(s / xs.length);
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Simple returns between consecutive values: v[i] / v[i-1] - 1 (skips non-positive bases). */
export function simpleReturns(values: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < values.length; i++) {
    const prev = values[i - 1]!;
    if (prev > 0) out.push(values[i]! / prev - 1);
  }
  return out;
}

/** The sampling interval in seconds: the median spacing, robust to a gap or a downsampled head. */
export function samplingIntervalSeconds(timesMs: readonly number[]): number {
  const d: number[] = [];
  for (let i = 1; i < timesMs.length; i++) d.push((timesMs[i]! - timesMs[i - 1]!) / 1000);
  return median(d.filter((x) => x > 0));
}

/** sqrt(periods per year): scales a per-period Sharpe ratio to a yearly one (Lo 2002, i.i.d. case). */
export function annualisationFactor(intervalSeconds: number): number {
  return Math.sqrt(SECONDS_PER_YEAR / intervalSeconds);
}

/** A finite number or null, so JSON never carries NaN or Infinity. */
export function finite(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}
