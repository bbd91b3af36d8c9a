/**
 * Incremental technical indicators over plain, JSON-safe state objects.
 *
 * Every indicator is a pair `xxxInit(params) -> state` / `xxxUpdate(state, input) -> value | null`
 * that mutates the state in place. State holds only numbers, arrays and nulls, so it can live in
 * Temporal workflow state and survive continue-as-new unchanged (a double's JSON form round-trips
 * exactly), and the same code computes offline series for backtests and tests.
 *
 * Conventions are TA-Lib's (checked against TA-Lib's own output in talib.test.ts; the one
 * deliberate difference and the reference libraries' conventions are in docs/market.md):
 * - EMA is seeded with the SMA of its first `period` inputs; k = 2 / (period + 1).
 * - MACD seeds its fast EMA with the SMA of the `fast` inputs ending where the slow EMA's seed
 *   ends, so both EMAs start on the same bar (TA_MACD).
 * - RSI and ATR use Wilder smoothing (alpha = 1 / period) seeded with a simple mean; ATR's first
 *   true range is on the second bar (the first has no previous close), as TA_ATR.
 * - Bollinger bands use the population standard deviation.
 * - A value is `null` until the indicator has seen enough inputs: never a made-up zero. The one
 *   difference from TA-Lib: an RSI whose average gain and loss are both 0 (no change at all over
 *   the window) is 50, where TA-Lib says 0 (maximally oversold, for a market that did not move).
 *
 * Pure and deterministic: no I/O, no clocks. Safe to import from workflows.
 */
import type { Ohlcv } from '../domain/market';

// --- SMA -------------------------------------------------------------------------------------

export interface SmaState {
  period: number;
  window: number[];
  value: number | null;
}

export function smaInit(period: number): SmaState {
  checkPeriod(period);
  return { period, window: [], value: null };
}

/** The window is summed afresh on each update: no running-sum drift over days of 1m bars. */
export function smaUpdate(s: SmaState, x: number): number | null {
  s.window.push(x);
  if (s.window.length > s.period) s.window.shift();
  s.value = s.window.length === s.period ? sum(s.window) / s.period : null;
  return s.value;
}

// --- EMA -------------------------------------------------------------------------------------

export interface EmaState {
  period: number;
  /** Inputs collected for the SMA seed, emptied once seeded. */
  seed: number[];
  value: number | null;
}

export function emaInit(period: number): EmaState {
  checkPeriod(period);
  return { period, seed: [], value: null };
}

export function emaUpdate(s: EmaState, x: number): number | null {
  if (s.value === null) {
    s.seed.push(x);
    if (s.seed.length === s.period) {
      s.value = sum(s.seed) / s.period;
      s.seed = [];
    }
    return s.value;
  }
  s.value = s.value + (2 / (s.period + 1)) * (x - s.value);
  return s.value;
}

// --- RSI (Wilder) ----------------------------------------------------------------------------

export interface RsiState {
  period: number;
  prev: number | null;
  gains: number[];
  losses: number[];
  avgGain: number | null;
  avgLoss: number | null;
  value: number | null;
}

export function rsiInit(period = 14): RsiState {
  checkPeriod(period);
  return { period, prev: null, gains: [], losses: [], avgGain: null, avgLoss: null, value: null };
}

export function rsiUpdate(s: RsiState, x: number): number | null {
  if (s.prev === null) {
    s.prev = x;
    return null;
  }
  const change = x - s.prev;
  s.prev = x;
  const gain = change > 0 ? change : 0;
  const loss = change < 0 ? -change : 0;
  if (s.avgGain === null || s.avgLoss === null) {
    s.gains.push(gain);
    s.losses.push(loss);
    if (s.gains.length < s.period) return null;
    s.avgGain = sum(s.gains) / s.period;
    s.avgLoss = sum(s.losses) / s.period;
    s.gains = [];
    s.losses = [];
  } else {
    s.avgGain = (s.avgGain * (s.period - 1) + gain) / s.period;
    s.avgLoss = (s.avgLoss * (s.period - 1) + loss) / s.period;
  }
  s.value = rsiFrom(s.avgGain, s.avgLoss);
  return s.value;
}

/** 100 * gain / (gain + loss): TA-Lib's form of 100 - 100 / (1 + RS), the same float for float. No change at all is 50 (TA-Lib: 0). */
function rsiFrom(avgGain: number, avgLoss: number): number {
  const total = avgGain + avgLoss;
  if (total === 0) return 50;
  return 100 * (avgGain / total);
}

// --- MACD ------------------------------------------------------------------------------------

export interface MacdState {
  fast: EmaState;
  slow: EmaState;
  signal: EmaState;
  value: { macd: number; signal: number | null; histogram: number | null } | null;
}

export function macdInit(fast = 12, slow = 26, signal = 9): MacdState {
  if (fast >= slow) throw new RangeError(`MACD fast period (${fast}) must be shorter than slow (${slow})`);
  return { fast: emaInit(fast), slow: emaInit(slow), signal: emaInit(signal), value: null };
}

/**
 * TA-Lib's aligned seed: while the slow EMA collects its seed, the fast one keeps only its last
 * `fast` inputs; when the slow seed completes, the fast EMA is seeded with their mean, so both
 * start on bar `slow` and the first MACD values are not a fast EMA that has run 14 bars longer.
 * (A state carried from before this seeding, whose fast EMA is already running, goes on as it was.)
 */
export function macdUpdate(s: MacdState, x: number): MacdState['value'] {
  let f: number | null;
  let sl: number | null;
  if (s.slow.value === null && s.fast.value === null) {
    s.fast.seed.push(x);
    if (s.fast.seed.length > s.fast.period) s.fast.seed.shift();
    sl = emaUpdate(s.slow, x);
    if (sl !== null) {
      s.fast.value = sum(s.fast.seed) / s.fast.period;
      s.fast.seed = [];
    }
    f = s.fast.value;
  } else {
    f = emaUpdate(s.fast, x);
    sl = emaUpdate(s.slow, x);
  }
  if (f === null || sl === null) return (s.value = null);
  const macd = f - sl;
  const sig = emaUpdate(s.signal, macd);
  s.value = { macd, signal: sig, histogram: sig === null ? null : macd - sig };
  return s.value;
}

// --- Bollinger bands -------------------------------------------------------------------------

export interface BollingerState {
  period: number;
  k: number;
  window: number[];
  value: { upper: number; middle: number; lower: number; width: number } | null;
}

export function bollingerInit(period = 20, k = 2): BollingerState {
  checkPeriod(period);
  return { period, k, window: [], value: null };
}

export function bollingerUpdate(s: BollingerState, x: number): BollingerState['value'] {
  s.window.push(x);
  if (s.window.length > s.period) s.window.shift();
  if (s.window.length < s.period) return (s.value = null);
  const mean = sum(s.window) / s.period;
  let ss = 0;
  for (const v of s.window) ss += (v - mean) * (v - mean);
  const sd = Math.sqrt(ss / s.period);
  const upper = mean + s.k * sd;
  const lower = mean - s.k * sd;
  s.value = { upper, middle: mean, lower, width: mean === 0 ? 0 : (upper - lower) / mean };
  return s.value;
}

// --- ATR (Wilder) ----------------------------------------------------------------------------

export interface AtrState {
  period: number;
  prevClose: number | null;
  seed: number[];
  value: number | null;
}

export function atrInit(period = 14): AtrState {
  checkPeriod(period);
  return { period, prevClose: null, seed: [], value: null };
}

/** True range: the largest of high - low, |high - previous close|, |low - previous close| (TA_TRANGE). */
export function trueRange(high: number, low: number, prevClose: number): number {
  return Math.max(high - low, Math.abs(high - prevClose), Math.abs(low - prevClose));
}

/**
 * As TA_ATR: the first bar has no previous close and so no true range; the seed is the mean of
 * the true ranges of bars 2..period+1, the first ATR is on bar period+1, then Wilder smoothing.
 */
export function atrUpdate(s: AtrState, b: Pick<Ohlcv, 'high' | 'low' | 'close'>): number | null {
  if (s.prevClose === null) {
    s.prevClose = b.close;
    return null;
  }
  const tr = trueRange(b.high, b.low, s.prevClose);
  s.prevClose = b.close;
  if (s.value === null) {
    s.seed.push(tr);
    if (s.seed.length === s.period) {
      s.value = sum(s.seed) / s.period;
      s.seed = [];
    }
    return s.value;
  }
  s.value = (s.value * (s.period - 1) + tr) / s.period;
  return s.value;
}

// --- VWAP (session) --------------------------------------------------------------------------

export interface VwapState {
  /** Session length in ms; the session resets when a bar opens in a new one (UTC days by default). */
  sessionMs: number;
  session: number | null;
  pv: number;
  vol: number;
  value: number | null;
}

export function vwapInit(sessionMs = 86_400_000): VwapState {
  return { sessionMs, session: null, pv: 0, vol: 0, value: null };
}

/** Typical price (h + l + c) / 3 weighted by volume; a session with no volume yet has no VWAP. */
export function vwapUpdate(s: VwapState, b: Ohlcv): number | null {
  const session = Math.floor(b.time / s.sessionMs);
  if (session !== s.session) {
    s.session = session;
    s.pv = 0;
    s.vol = 0;
    s.value = null;
  }
  s.pv += ((b.high + b.low + b.close) / 3) * b.volume;
  s.vol += b.volume;
  s.value = s.vol > 0 ? s.pv / s.vol : null;
  return s.value;
}

// --- Returns and realised volatility ---------------------------------------------------------

export interface ReturnsState {
  /** Most recent closes, newest last; length <= max(lookbacks) + 1. */
  closes: number[];
  lookbacks: number[];
  volWindow: number;
  logReturns: number[];
}

export function returnsInit(lookbacks: number[] = [1, 5, 15], volWindow = 30): ReturnsState {
  for (const l of lookbacks) checkPeriod(l);
  checkPeriod(volWindow);
  if (volWindow < 2) throw new RangeError('volatility window must be at least 2');
  return { closes: [], lookbacks: [...lookbacks], volWindow, logReturns: [] };
}

export function returnsUpdate(s: ReturnsState, close: number): void {
  const prev = s.closes.length ? s.closes[s.closes.length - 1]! : null;
  s.closes.push(close);
  if (s.closes.length > Math.max(...s.lookbacks) + 1) s.closes.shift();
  if (prev !== null && prev > 0 && close > 0) {
    s.logReturns.push(Math.log(close / prev));
    if (s.logReturns.length > s.volWindow) s.logReturns.shift();
  }
}

/** Simple return over `lookback` bars: close / close[-lookback] - 1. */
export function returnOver(s: ReturnsState, lookback: number): number | null {
  const n = s.closes.length;
  if (n <= lookback) return null;
  const base = s.closes[n - 1 - lookback]!;
  return base === 0 ? null : s.closes[n - 1]! / base - 1;
}

export function lastLogReturn(s: ReturnsState): number | null {
  return s.logReturns.length ? s.logReturns[s.logReturns.length - 1]! : null;
}

/** Sample standard deviation (n - 1) of the last `volWindow` log returns, per bar. */
export function realisedVol(s: ReturnsState): number | null {
  const r = s.logReturns;
  if (r.length < s.volWindow) return null;
  const mean = sum(r) / r.length;
  let ss = 0;
  for (const v of r) ss += (v - mean) * (v - mean);
  return Math.sqrt(ss / (r.length - 1));
}

// --- helpers ---------------------------------------------------------------------------------

function sum(xs: readonly number[]): number {
  let t = 0;
  for (const x of xs) t += x;
  return t;
}

function checkPeriod(p: number): void {
  if (!Number.isInteger(p) || p < 1 || p > 10_000) throw new RangeError(`indicator period must be an integer in 1..10000, got ${p}`);
}
