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

// --- Daily returns: the period every ratio is computed at ------------------------------------

export const DAY_MS = 86_400_000;
/** Ratios are annualised from daily returns: crypto trades every day, 365 a year. */
export const DAYS_PER_YEAR = 365;
/** Sharpe and Sortino need at least this many daily returns (a week); fewer gives null. */
export const MIN_RATIO_DAYS = 7;

/** Equity at the close of one UTC day (day = floor(ms / 86,400,000)). */
export interface DailyEquity {
  day: number;
  equity: number;
}

/**
 * The UTC day whose close a value observed at `t` belongs to, where `t` is the end of the period
 * the value closes (a bar's close time): the day holding the instant just before `t`. The 23:00
 * hourly bar closes at 00:00 and is the close of its own day.
 */
export function dayOfClose(t: number): number {
  return Math.floor((t - 1) / DAY_MS);
}

/** The last value of each UTC day from time-ordered observations at close times. */
export function dailyCloses(points: readonly { t: number; equity: number }[]): DailyEquity[] {
  const out: DailyEquity[] = [];
  for (const p of points) {
    const day = dayOfClose(p.t);
    const last = out[out.length - 1];
    if (last && last.day === day) last.equity = p.equity;
    else if (!last || day > last.day) out.push({ day, equity: p.equity });
  }
  return out;
}

/**
 * Daily simple returns r_d = E_d / E_(d-1) - 1 over every calendar day from the first close to
 * the last: the day before the first close holds `initial` (the starting equity), and a day
 * without an observation (no bar: a gap in the data or a paused feed) repeats the previous
 * close, a return of 0. This is `equity.resample('1D').last().ffill().pct_change()` in pandas.
 */
export function dailyReturns(initial: number, closes: readonly DailyEquity[]): number[] {
  const out: number[] = [];
  let prev = initial;
  let prevDay = closes.length ? closes[0]!.day - 1 : 0;
  for (const c of closes) {
    for (let d = prevDay + 1; d < c.day; d++) out.push(0);
    if (c.day <= prevDay) continue;
    out.push(prev > 0 ? c.equity / prev - 1 : 0);
    prev = c.equity;
    prevDay = c.day;
  }
  return out;
}

/** A finite number or null, so JSON never carries NaN or Infinity. */
export function finite(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}
