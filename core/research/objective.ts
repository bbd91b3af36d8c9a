/**
 * What a study maximises, read from a finished backtest. Every ratio comes from the shared
 * analytics (core/analytics `performanceMetrics`, through the backtest's own result), so a study
 * ranks runs by exactly the numbers the Backtest page shows; Calmar is the annualised return over
 * the maximum drawdown of every bar, both from that result.
 */
import { z } from 'zod';

export const OBJECTIVES = ['net_return', 'sharpe', 'sortino', 'calmar', 'profit_factor'] as const;
export type ObjectiveMetric = (typeof OBJECTIVES)[number];

export const OBJECTIVE_LABELS: Record<ObjectiveMetric, string> = {
  net_return: 'Net return',
  sharpe: 'Sharpe',
  sortino: 'Sortino',
  calmar: 'Calmar',
  profit_factor: 'Profit factor',
};

export const ObjectiveSchema = z
  .object({
    metric: z.enum(OBJECTIVES, { error: `objective.metric must be one of ${OBJECTIVES.join(', ')}` }).default('sharpe'),
    /** Trials with fewer closed round trips are infeasible: a ratio over three trades is luck. */
    minTrades: z.number().int().min(0).max(1_000_000).default(0),
  })
  .strict();
export type Objective = z.output<typeof ObjectiveSchema>;

/** The figures a trial keeps of its backtest (small: a study holds thousands). */
export const TrialMetricsSchema = z.object({
  /** Final equity over initial, minus 1, after every fee. */
  netReturn: z.number().nullable(),
  annualizedReturn: z.number().nullable(),
  sharpe: z.number().nullable(),
  sortino: z.number().nullable(),
  calmar: z.number().nullable(),
  profitFactor: z.number().nullable(),
  /** Over every bar's close. */
  maxDrawdown: z.number(),
  /** Closed round trips. */
  trades: z.number(),
  winRate: z.number().nullable(),
  feesPaid: z.string(),
  finalEquity: z.string(),
  exposure: z.number().nullable(),
});
export type TrialMetrics = z.infer<typeof TrialMetricsSchema>;

/** What `metricsOf` reads: the parts of a BacktestResult it needs. */
export interface ResultFigures {
  performance: {
    totalReturn: number | null;
    annualizedReturn: number | null;
    sharpe: number | null;
    sortino: number | null;
    profitFactor: number | null;
    winRate: number | null;
    closedTrades: number;
    averageExposure: number | null;
  };
  maxDrawdownAllBars: number;
  final: { equity: string; feesPaid: string };
}

export function metricsOf(r: ResultFigures): TrialMetrics {
  const p = r.performance;
  const dd = r.maxDrawdownAllBars;
  const calmar = p.annualizedReturn !== null && dd > 0 ? p.annualizedReturn / dd : null;
  return {
    netReturn: p.totalReturn,
    annualizedReturn: p.annualizedReturn,
    sharpe: p.sharpe,
    sortino: p.sortino,
    calmar: calmar !== null && Number.isFinite(calmar) ? calmar : null,
    profitFactor: p.profitFactor,
    maxDrawdown: dd,
    trades: p.closedTrades,
    winRate: p.winRate,
    feesPaid: r.final.feesPaid,
    finalEquity: r.final.equity,
    exposure: p.averageExposure,
  };
}

/** The metric's value, or null when the run does not have one (Sharpe under a day of data). */
export function metricValue(m: TrialMetrics, metric: ObjectiveMetric): number | null {
  switch (metric) {
    case 'net_return':
      return m.netReturn;
    case 'sharpe':
      return m.sharpe;
    case 'sortino':
      return m.sortino;
    case 'calmar':
      return m.calmar;
    case 'profit_factor':
      return m.profitFactor;
  }
}

/** The objective of a trial and, when infeasible, why (the study ranks it below every feasible one). */
export function evaluate(m: TrialMetrics, o: Objective): { value: number | null; infeasible: string | null } {
  if (m.trades < o.minTrades) return { value: null, infeasible: `${m.trades} closed trades, fewer than the minimum ${o.minTrades}` };
  const v = metricValue(m, o.metric);
  if (v === null || !Number.isFinite(v)) return { value: null, infeasible: `no ${OBJECTIVE_LABELS[o.metric]} for this run` };
  return { value: v, infeasible: null };
}
