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

/** A decimal string as analytics write it (an amount, a share, a measured fraction). */
export const DecimalText = z.string().regex(/^-?\d+(\.\d+)?$/, 'expected a decimal string');
const dec = DecimalText;

/** Historical one-day VaR / CVaR at one confidence level, as a loss fraction and as an amount (decimal strings). */
export const TailRiskSchema = z.object({
  /** Loss fraction not exceeded with this confidence over one day (positive = loss). */
  var: dec,
  /** Mean loss fraction in the worst (1 - confidence) tail (expected shortfall). */
  cvar: dec,
  /** The same in quote currency against current equity (8 places). */
  varAmount: dec,
  cvarAmount: dec,
});
export type TailRisk = z.infer<typeof TailRiskSchema>;

/**
 * Risk of a book (core/analytics/risk.ts), every value a decimal string: amounts exact, shares of
 * equity exact to 12 places, VaR fractions as the measured return's shortest decimal.
 */
export const RiskMetricsSchema = z.object({
  equity: dec,
  cash: dec,
  /** Gross value of the positions (sum of |market value|), exact. */
  positionsValue: dec,
  /** Positions value / equity. */
  exposure: dec.nullable(),
  /** Cash / equity. */
  cashShare: dec.nullable(),
  /** Gross position value / (cash + positions): 1 or less for a fully funded spot book. */
  leverage: dec.nullable(),
  /** Per-symbol share of equity, largest first. */
  concentration: z.array(z.object({ symbol: z.string(), share: dec, marketValue: dec })),
  /** Herfindahl-Hirschman index of position weights (1 = all in one symbol). */
  herfindahl: dec.nullable(),
  /** One-day VaR / CVaR from daily returns. */
  var95: TailRiskSchema.nullable(),
  var99: TailRiskSchema.nullable(),
  /** Daily returns the VaR was computed from. */
  returnsUsed: z.number(),
});
export type RiskMetrics = z.infer<typeof RiskMetricsSchema>;
