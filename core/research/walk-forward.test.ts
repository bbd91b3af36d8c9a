import { describe, expect, it } from 'vitest';
import { DAY_MS, degradation, planWindows, stitch, thin, WindowError } from './walk-forward';
import { walkForwardReport, type ReportWindow } from './reports';
import type { TrialMetrics } from './objective';

const H = 3_600_000;
const from = Date.UTC(2020, 0, 1);

describe('planWindows', () => {
  it('rolling by default: 5 windows, in-sample four times out-of-sample, out-of-sample back to back', () => {
    const to = from + 90 * DAY_MS;
    const w = planWindows(from, to, H, { mode: 'rolling' });
    expect(w).toHaveLength(5);
    const oos = w[0]!.oosTo - w[0]!.oosFrom;
    expect(oos).toBe(10 * DAY_MS); // 90 days / (5 + 4)
    for (const x of w) {
      expect(x.isTo).toBe(x.oosFrom);
      expect(x.oosTo - x.oosFrom).toBe(oos);
      expect(x.isTo - x.isFrom).toBe(4 * oos);
      expect(x.oosFrom % H).toBe(0);
    }
    for (let k = 1; k < w.length; k++) expect(w[k]!.oosFrom).toBe(w[k - 1]!.oosTo);
    expect(w[0]!.isFrom).toBe(from);
    expect(w[4]!.oosTo).toBe(to);
  });

  it('anchored: every in-sample window starts at the first bar', () => {
    const w = planWindows(from, from + 90 * DAY_MS, H, { mode: 'anchored', count: 3 });
    expect(w.map((x) => x.isFrom)).toEqual([from, from, from]);
    expect(w[2]!.isTo - w[2]!.isFrom).toBeGreaterThan(w[0]!.isTo - w[0]!.isFrom);
  });

  it('with lengths in days: as many windows as fit, edges on bars', () => {
    const w = planWindows(from + 1, from + 100 * DAY_MS, H, { mode: 'rolling', inSampleDays: 30, outOfSampleDays: 14 });
    expect(w).toHaveLength(4); // (100 days - 30) / 14 = 5 would end past the data: 4 full, then stop
    expect(w[0]!.isFrom).toBe(from + H);
    expect(w.every((x) => x.oosTo <= from + 100 * DAY_MS)).toBe(true);
    expect(() => planWindows(from, from + 10 * DAY_MS, H, { mode: 'rolling', inSampleDays: 30, outOfSampleDays: 14 })).toThrow(WindowError);
    expect(() => planWindows(from, from + 10 * DAY_MS, H, { mode: 'rolling', inSampleDays: 3 })).toThrow(/both/);
  });
});

describe('stitch', () => {
  it('chains each window from the equity the last one ended with', () => {
    const s = stitch(100, [
      { from: 0, curve: [{ t: 1, equity: 105 }, { t: 2, equity: 110 }] },
      { from: 2, curve: [{ t: 3, equity: 90 }] },
    ]);
    expect(s.map((p) => [p.t, Number(p.equity.toFixed(9))])).toEqual([
      [0, 100],
      [1, 105],
      [2, 110],
      [2, 110],
      [3, 99],
    ]);
  });

  it('thins a curve to n points, first and last kept', () => {
    const xs = Array.from({ length: 1001 }, (_, i) => i);
    const t = thin(xs, 11);
    expect(t).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]);
  });
});

const metrics = (over: Partial<TrialMetrics>): TrialMetrics => ({
  netReturn: 0,
  annualizedReturn: 0,
  sharpe: 0,
  sortino: 0,
  calmar: null,
  profitFactor: null,
  maxDrawdown: 0,
  trades: 0,
  winRate: null,
  feesPaid: '0',
  finalEquity: '0',
  exposure: 0,
  ...over,
});

describe('degradation and the stitched report', () => {
  it('change, ratio and efficiency per window', () => {
    expect(degradation({ isValue: 2, oosValue: 0.5, isMetrics: metrics({ annualizedReturn: 0.4 }), oosMetrics: metrics({ annualizedReturn: 0.1 }) })).toEqual({ change: -1.5, ratio: 0.25, efficiency: 0.25 });
    expect(degradation({ isValue: -1, oosValue: 0.5, isMetrics: metrics({ annualizedReturn: -0.1 }), oosMetrics: metrics({}) })).toEqual({ change: 1.5, ratio: null, efficiency: null });
  });

  it('compounds the windows and reads the stitched run through the shared analytics', () => {
    const day = (d: number) => Date.UTC(2021, 0, d);
    const win = (start: number, eq: number[], isValue: number): ReportWindow => ({
      oosFrom: day(start),
      isValue,
      isMetrics: metrics({ annualizedReturn: 1 }),
      oosValue: 0,
      oosMetrics: metrics({ netReturn: eq[eq.length - 1]! / 1000 - 1 }),
      days: eq.map((e, i) => ({ t: day(start + i + 1), equity: e })),
      totals: { wins: 1, losses: 1, grossProfit: '30', grossLoss: '10', feesPaid: '2' },
    });
    const r = walkForwardReport('1000', { metric: 'net_return', minTrades: 0 }, [win(1, [1010, 1020, 1100], 0.3), win(4, [990, 880], 0.2)]);
    // 1000 → 1100 (×1.1), then 1000 → 880 (×0.88) on 1100: 968.
    expect(r.oos.finalEquity).toBe('968');
    expect(r.oos.netReturn).toBeCloseTo(-0.032, 12);
    expect(r.oosValue).toBeCloseTo(-0.032, 12);
    expect(r.oos.trades).toBe(4);
    // Gross profit 30 + 30 × 1.1, loss 10 + 10 × 1.1: the same ratio, 3.
    expect(r.oos.profitFactor).toBeCloseTo(3, 12);
    expect(r.oos.feesPaid).toBe('4.2');
    expect(r.isMean).toBeCloseTo(0.25, 12);
    expect(r.profitableWindows).toBe(1);
    expect(r.testedWindows).toBe(2);
    expect(r.stitched[0]).toEqual({ t: day(1), equity: 1000 });
    expect(r.stitched.at(-1)!.equity).toBeCloseTo(968, 9);
    // The drawdown over the stitched daily closes: from 1100 to 968.
    expect(r.oos.maxDrawdown).toBeCloseTo(132 / 1100, 12);
  });
});
