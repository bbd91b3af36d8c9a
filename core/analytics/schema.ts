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
  /** Daily returns behind the ratios (absent in results stored before ratios were daily). */
  dailyReturns: z.number().optional(),
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

const dec = z.string().regex(/^-?\d+(\.\d+)?$/, 'expected a decimal string');

/** Historical one-day VaR / CVaR at one confidence level, as a return fraction and as an amount (decimal string). */
export const TailRiskSchema = z.object({ var: z.number(), cvar: z.number(), varAmount: dec, cvarAmount: dec }).nullable();
