/**
 * Reports computed from finished runs, in activities (they use the shared analytics, which stay
 * out of the workflow bundle): the walk-forward's stitched out-of-sample run.
 */
import { performanceMetrics } from '../analytics/performance';
import { Dec } from '../domain/decimal';
import { evaluate, metricsOf, type Objective, type TrialMetrics } from './objective';
import { degradation, stitch, thin, type CurvePoint } from './walk-forward';
import type { WalkForwardReport } from './types';

export interface ReportWindow {
  oosFrom: number;
  isValue: number | null;
  isMetrics: TrialMetrics | null;
  oosValue: number | null;
  oosMetrics: TrialMetrics | null;
  /** Daily closing equity of the window's OOS run (t: the day's end). */
  days: CurvePoint[];
  totals: { wins: number; losses: number; grossProfit: string; grossLoss: string; feesPaid: string };
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);

export function walkForwardReport(initialCash: string, objective: Objective, windows: readonly ReportWindow[]): WalkForwardReport {
  const cash = Number(initialCash);
  const tested = windows.filter((w) => w.days.length > 0 && w.oosMetrics);
  // Daily closes: the stitched ratios use returns over a fixed period, like every backtest's.
  const equity = stitch(cash, tested.map((w) => ({ from: w.oosFrom, curve: w.days })));
  let factor = Dec.ONE;
  let wins = 0;
  let losses = 0;
  let grossProfit = Dec.ZERO;
  let grossLoss = Dec.ZERO;
  let fees = Dec.ZERO;
  for (const w of tested) {
    const f = factor;
    wins += w.totals.wins;
    losses += w.totals.losses;
    grossProfit = grossProfit.add(Dec.of(w.totals.grossProfit).mul(f));
    grossLoss = grossLoss.add(Dec.of(w.totals.grossLoss).mul(f));
    fees = fees.add(Dec.of(w.totals.feesPaid).mul(f));
    factor = factor.mul(Dec.fromMeasured(w.days[w.days.length - 1]!.equity).div(initialCash));
  }
  // Daily closes carry no exposure: the stitched run's exposure figures are left out (null).
  const samples = equity.map((p) => ({ t: p.t, equity: String(p.equity), exposure: '0' }));
  const perf = performanceMetrics(initialCash, samples, { wins, losses, grossProfit: grossProfit.toString(), grossLoss: grossLoss.toString(), feesPaid: fees.toString() });
  const last = equity.length ? equity[equity.length - 1]!.equity : cash;
  const oos = { ...metricsOf({ performance: perf, maxDrawdownAllBars: perf.maxDrawdown, final: { equity: Dec.fromMeasured(last).round(8).toString(), feesPaid: fees.round(8).toString() } }), exposure: null };
  const isVals = windows.map((w) => w.isValue).filter((v): v is number => v !== null);
  const oosVals = tested.map((w) => w.oosValue).filter((v): v is number => v !== null);
  const isMean = mean(isVals);
  const oosMean = mean(oosVals);
  const isAnn = mean(windows.map((w) => w.isMetrics?.annualizedReturn).filter((v): v is number => typeof v === 'number'));
  return {
    stitched: thin(equity, 1000).map((p) => ({ t: p.t, equity: p.equity })),
    oos,
    oosValue: evaluate(oos, { ...objective, minTrades: 0 }).value,
    isMean,
    oosMean,
    change: isMean !== null && oosMean !== null ? oosMean - isMean : null,
    efficiency: isAnn !== null && isAnn > 0 && oos.annualizedReturn !== null ? oos.annualizedReturn / isAnn : null,
    profitableWindows: tested.filter((w) => (w.oosMetrics?.netReturn ?? 0) > 0).length,
    testedWindows: tested.length,
  };
}

export { degradation };
