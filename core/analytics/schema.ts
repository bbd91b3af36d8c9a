/** The wire shape of the performance metrics (core/analytics/performance.ts), shared by the paper ledger and backtests. */
import { z } from 'zod';

const num = z.number().nullable();

export const PerformanceMetricsSchema = z.object({
  initialEquity: z.number(),
  currentEquity: z.number(),
  totalReturn: num,
  annualizedReturn: num,
  sharpe: num,
  sortino: num,
  maxDrawdown: z.number(),
  maxDrawdownDurationMs: z.number(),
  winRate: num,
  profitFactor: num,
  averageWin: num,
  averageLoss: num,
  closedTrades: z.number(),
  timeInMarket: num,
  averageExposure: num,
  feesPaid: z.number(),
  samples: z.number(),
  samplingIntervalSeconds: num,
  periodsPerYear: num,
});

/** Historical VaR / CVaR at one confidence level, as a return and as an amount. */
export const TailRiskSchema = z.object({ var: z.number(), cvar: z.number(), varAmount: z.number(), cvarAmount: z.number() }).nullable();
