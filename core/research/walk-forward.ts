/**
 * Walk-forward analysis: windows over the data, each optimised in-sample (IS) and then traded
 * out-of-sample (OOS) with the best parameters found; the OOS runs are stitched into one equity
 * curve, and each window reports how much of its IS result survived OOS.
 *
 * Windows (Pardo, "The Evaluation and Optimization of Trading Strategies", ch. 11):
 * - rolling: IS has a fixed length and slides forward by the OOS length;
 * - anchored: IS always starts at the first bar and grows by the OOS length.
 * OOS windows follow each other without overlap, so the stitched curve covers each bar once.
 *
 * Pure: the workflow plans windows with it; the report activity stitches with it.
 */
import type { TrialMetrics } from './objective';
import type { CurvePoint } from './types';

export const DAY_MS = 86_400_000;

export interface WindowPlan {
  index: number;
  isFrom: number;
  isTo: number;
  oosFrom: number;
  oosTo: number;
}

export interface WindowOptions {
  mode: 'rolling' | 'anchored';
  /** Windows wanted; with both lengths given and no count: as many as fit (at most 50). */
  count?: number;
  inSampleDays?: number;
  outOfSampleDays?: number;
}

export class WindowError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WindowError';
  }
}

const floorTo = (t: number, step: number) => Math.floor(t / step) * step;

/**
 * The windows over [from, to), edges on bar boundaries of `barMs`. Without lengths, OOS is a
 * (count + 4)th of the span and IS four times that (an 80/20 split per window).
 */
export function planWindows(from: number, to: number, barMs: number, o: WindowOptions): WindowPlan[] {
  const span = to - from;
  if (!(span > 0)) throw new WindowError('the data range is empty');
  let oos: number;
  let is: number;
  let count: number;
  if (o.inSampleDays !== undefined || o.outOfSampleDays !== undefined) {
    if (o.inSampleDays === undefined || o.outOfSampleDays === undefined) throw new WindowError('give both inSampleDays and outOfSampleDays, or neither');
    is = o.inSampleDays * DAY_MS;
    oos = o.outOfSampleDays * DAY_MS;
    const fit = Math.floor((span - is) / oos);
    if (fit < 1) throw new WindowError(`the data covers ${(span / DAY_MS).toFixed(1)} days: not enough for ${o.inSampleDays} in-sample + ${o.outOfSampleDays} out-of-sample days`);
    count = Math.min(o.count ?? 50, fit);
  } else {
    count = o.count ?? 5;
    oos = span / (count + 4);
    is = 4 * oos;
  }
  is = Math.max(barMs, floorTo(is, barMs));
  oos = Math.max(barMs, floorTo(oos, barMs));
  const start = Math.ceil(from / barMs) * barMs;
  const out: WindowPlan[] = [];
  for (let k = 0; k < count; k++) {
    const oosFrom = start + is + k * oos;
    const oosTo = Math.min(oosFrom + oos, to);
    if (oosTo <= oosFrom) break;
    out.push({ index: k, isFrom: o.mode === 'anchored' ? start : oosFrom - is, isTo: oosFrom, oosFrom, oosTo });
  }
  if (out.length < 1) throw new WindowError('no window fits in the data range');
  return out;
}

export type { CurvePoint };

/**
 * The OOS curves chained into one: each window starts with the equity the previous one ended
 * with (its curve scaled by that over the initial cash), so the stitched curve is what trading
 * the OOS windows one after another would have made, compounded.
 */
export function stitch(initialCash: number, windows: readonly { from: number; curve: readonly (CurvePoint & { exposure?: number })[] }[]): (CurvePoint & { exposure: number })[] {
  const out: (CurvePoint & { exposure: number })[] = [];
  let factor = 1;
  for (const w of windows) {
    if (w.curve.length === 0) continue;
    // Each window starts flat, with the equity the last one ended with.
    out.push({ t: w.from, equity: initialCash * factor, exposure: 0 });
    for (const p of w.curve) out.push({ t: p.t, equity: p.equity * factor, exposure: (p.exposure ?? 0) * factor });
    factor *= w.curve[w.curve.length - 1]!.equity / initialCash;
  }
  return out;
}

/** At most `n` points of a curve, evenly spaced by index, the last one always kept. */
export function thin<T>(xs: readonly T[], n: number): T[] {
  if (xs.length <= n) return [...xs];
  const out: T[] = [];
  const stride = (xs.length - 1) / (n - 1);
  for (let k = 0; k < n; k++) out.push(xs[Math.round(k * stride)]!);
  return out;
}

export interface WindowFigures {
  isValue: number | null;
  oosValue: number | null;
  isMetrics: TrialMetrics | null;
  oosMetrics: TrialMetrics | null;
}

/**
 * What survived a window: the objective's change (OOS − IS) and its ratio, and the walk-forward
 * efficiency — OOS annualised return over IS annualised return (Pardo) — when IS made money.
 */
export function degradation(w: WindowFigures): { change: number | null; ratio: number | null; efficiency: number | null } {
  const change = w.isValue !== null && w.oosValue !== null ? w.oosValue - w.isValue : null;
  const ratio = w.isValue !== null && w.oosValue !== null && w.isValue > 0 ? w.oosValue / w.isValue : null;
  const isAnn = w.isMetrics?.annualizedReturn ?? null;
  const oosAnn = w.oosMetrics?.annualizedReturn ?? null;
  const efficiency = isAnn !== null && oosAnn !== null && isAnn > 0 ? oosAnn / isAnn : null;
  return { change, ratio, efficiency };
}
