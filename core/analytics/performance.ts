/**
 * Performance of an account from its equity curve and closed trades. Formulas and references in
 * docs/analytics.md; each is checked against hand-computed values in performance.test.ts.
 */
import { annualisationFactor, downsideDeviation, finite, mean, samplingIntervalSeconds, SECONDS_PER_YEAR, simpleReturns, stdev } from './stats';

export interface EquitySample {
  /** Sample time, epoch ms. */
  t: number;
  /** Account value (cash + positions + scraped profits), decimal string. */
  equity: string;
  /** Market value of all positions at that time, decimal string. */
  exposure: string;
}

export interface TradeTotals {
  wins: number;
  losses: number;
  grossProfit: string;
  grossLoss: string;
  feesPaid: string;
}

export interface PerformanceMetrics {
  initialEquity: number;
  currentEquity: number;
  totalReturn: number | null;
  /** Compounded to a year; null under a day of samples, where it would only amplify noise. */
  annualizedReturn: number | null;
  sharpe: number | null;
  sortino: number | null;
  maxDrawdown: number;
  /** Longest time spent below a previous peak, ms (the current one included if not recovered). */
  maxDrawdownDurationMs: number;
  winRate: number | null;
  profitFactor: number | null;
  averageWin: number | null;
  averageLoss: number | null;
  closedTrades: number;
  /** Share of samples holding any position. */
  timeInMarket: number | null;
  /** Mean of positions value / equity over samples. */
  averageExposure: number | null;
  feesPaid: number;
  samples: number;
  samplingIntervalSeconds: number | null;
  periodsPerYear: number | null;
}

export interface Drawdown {
  maxDrawdown: number;
  maxDrawdownDurationMs: number;
}

/** Max drawdown = max over t of (peak_t - v_t) / peak_t; duration = longest peak-to-recovery span. */
export function drawdown(points: readonly { t: number; v: number }[]): Drawdown {
  let peak = -Infinity;
  let peakT = 0;
  let maxDd = 0;
  let maxDur = 0;
  for (const p of points) {
    if (p.v >= peak) {
      peak = p.v;
      peakT = p.t;
    } else {
      if (peak > 0) maxDd = Math.max(maxDd, (peak - p.v) / peak);
      maxDur = Math.max(maxDur, p.t - peakT);
    }
  }
  return { maxDrawdown: maxDd, maxDrawdownDurationMs: maxDur };
}

export function sharpeRatio(returns: readonly number[], intervalSeconds: number): number | null {
  const sd = stdev(returns);
  if (!(sd > 0)) return null;
  return finite((mean(returns) / sd) * annualisationFactor(intervalSeconds));
}

export function sortinoRatio(returns: readonly number[], intervalSeconds: number): number | null {
  const dd = downsideDeviation(returns);
  if (!(dd > 0)) return null;
  return finite((mean(returns) / dd) * annualisationFactor(intervalSeconds));
}

export function performanceMetrics(initialEquity: string, curve: readonly EquitySample[], trades: TradeTotals, currentEquity?: string): PerformanceMetrics {
  const init = Number(initialEquity);
  const values = curve.map((p) => Number(p.equity));
  const current = currentEquity !== undefined ? Number(currentEquity) : (values[values.length - 1] ?? init);
  const times = curve.map((p) => p.t);
  const returns = simpleReturns(values);
  const interval = curve.length >= 2 ? samplingIntervalSeconds(times) : NaN;
  const hasInterval = Number.isFinite(interval) && interval > 0;
  const totalReturn = init > 0 ? current / init - 1 : null;
  const elapsedS = curve.length >= 2 ? (times[times.length - 1]! - times[0]!) / 1000 : 0;
  const annualized = totalReturn !== null && elapsedS >= 86_400 ? finite((1 + totalReturn) ** (SECONDS_PER_YEAR / elapsedS) - 1) : null;
  const dd = drawdown(curve.map((p, i) => ({ t: p.t, v: values[i]! })));
  const gp = Number(trades.grossProfit);
  const gl = Number(trades.grossLoss);
  const closed = trades.wins + trades.losses;
  const exposures = curve.map((p, i) => (values[i]! > 0 ? Number(p.exposure) / values[i]! : 0));
  return {
    initialEquity: init,
    currentEquity: current,
    totalReturn: totalReturn === null ? null : finite(totalReturn),
    annualizedReturn: annualized,
    // Annualised ratios from less than a day of samples are noise scaled up by sqrt(periods per
    // year) (a few minutes of 1m bars read as Sharpe -160): like the annualised return, they wait
    // for a day of history.
    sharpe: hasInterval && elapsedS >= 86_400 ? sharpeRatio(returns, interval) : null,
    sortino: hasInterval && elapsedS >= 86_400 ? sortinoRatio(returns, interval) : null,
    maxDrawdown: dd.maxDrawdown,
    maxDrawdownDurationMs: dd.maxDrawdownDurationMs,
    winRate: closed > 0 ? trades.wins / closed : null,
    profitFactor: gl > 0 ? gp / gl : null,
    averageWin: trades.wins > 0 ? gp / trades.wins : null,
    averageLoss: trades.losses > 0 ? gl / trades.losses : null,
    closedTrades: closed,
    timeInMarket: curve.length > 0 ? curve.filter((p) => Number(p.exposure) > 0).length / curve.length : null,
    averageExposure: curve.length > 0 ? finite(mean(exposures)) : null,
    feesPaid: Number(trades.feesPaid),
    samples: curve.length,
    samplingIntervalSeconds: hasInterval ? interval : null,
    periodsPerYear: hasInterval ? SECONDS_PER_YEAR / interval : null,
  };
}
