/**
 * Chart overlays computed from candle closes (measured floats, display only): SMA, EMA,
 * Bollinger bands, RSI (Wilder) and MACD. Each returns one value per input with null during
 * warm-up, so series line up with candle times. They run the indicators of the feature vector
 * (core/indicators/incremental.ts, TA-Lib's conventions), so the chart shows the numbers the
 * agents read.
 */
import { bollingerInit, bollingerUpdate, emaInit, emaUpdate, macdInit, macdUpdate, rsiInit, rsiUpdate, smaInit, smaUpdate } from '../../../core/indicators/incremental';

export type Series = (number | null)[];

export function sma(values: readonly number[], period: number): Series {
  const s = smaInit(period);
  return values.map((x) => smaUpdate(s, x));
}

export function ema(values: readonly number[], period: number): Series {
  const s = emaInit(period);
  return values.map((x) => emaUpdate(s, x));
}

export function bollinger(values: readonly number[], period = 20, mult = 2): { mid: Series; upper: Series; lower: Series } {
  const s = bollingerInit(period, mult);
  const mid: Series = [];
  const upper: Series = [];
  const lower: Series = [];
  for (const x of values) {
    const b = bollingerUpdate(s, x);
    mid.push(b?.middle ?? null);
    upper.push(b?.upper ?? null);
    lower.push(b?.lower ?? null);
  }
  return { mid, upper, lower };
}

export function rsi(values: readonly number[], period = 14): Series {
  const s = rsiInit(period);
  return values.map((x) => rsiUpdate(s, x));
}

export function macd(values: readonly number[], fast = 12, slow = 26, signal = 9): { macd: Series; signal: Series; hist: Series } {
  const s = macdInit(fast, slow, signal);
  const line: Series = [];
  const sig: Series = [];
  const hist: Series = [];
  for (const x of values) {
    const m = macdUpdate(s, x);
    line.push(m?.macd ?? null);
    sig.push(m?.signal ?? null);
    hist.push(m?.histogram ?? null);
  }
  return { macd: line, signal: sig, hist };
}
