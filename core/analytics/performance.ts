/**
 * Performance of an account from its equity curve and closed trades. Formulas and references in
 * docs/analytics.md; each is checked against hand-computed values in performance.test.ts.
 */
import { dailyCloses, dailyReturns, DAYS_PER_YEAR, downsideDeviation, finite, mean, MIN_RATIO_DAYS, samplingIntervalSeconds, SECONDS_PER_YEAR, stdev, type DailyEquity } from './stats';

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
  /** Annualised from daily returns (× √365); null under MIN_RATIO_DAYS daily returns. */
  sharpe: number | null;
  sortino: number | null;
  /** Daily returns the ratios (and the risk metrics' VaR) were computed from. */
  dailyReturns: number;
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
  /** Points of the equity curve kept (for the chart; the ratios do not depend on it). */
  samples: number;
  samplingIntervalSeconds: number | null;
  /** Periods a year the ratios are annualised with: 365 (daily returns); null when there are none. */
  periodsPerYear: number | null;
}

export interface PerformanceOptions {
  /**
   * Equity at each UTC day's close, from every bar (not the sampled curve): what the ratios are
   * computed from. Without it they come from the curve's last sample of each day.
   */
  daily?: readonly DailyEquity[];
  /** Max drawdown measured on every bar (the curve only has samples). */
  maxDrawdown?: number;
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

/** Sharpe = mean(r) / sd(r) × √(periods a year), sample sd (n − 1), risk-free 0. r: per-period simple returns (daily: 365 a year). */
export function sharpeRatio(returns: readonly number[], periodsPerYear: number = DAYS_PER_YEAR): number | null {
  const sd = stdev(returns);
  if (!(sd > 0)) return null;
  return finite((mean(returns) / sd) * Math.sqrt(periodsPerYear));
}

/** Sortino = mean(r) / √(Σ min(r, 0)² / n) × √(periods a year), target 0. */
export function sortinoRatio(returns: readonly number[], periodsPerYear: number = DAYS_PER_YEAR): number | null {
  const dd = downsideDeviation(returns);
  if (!(dd > 0)) return null;
  return finite((mean(returns) / dd) * Math.sqrt(periodsPerYear));
}

/** The daily returns an account's ratios and VaR come from (see PerformanceOptions.daily). */
export function accountDailyReturns(initialEquity: string, curve: readonly EquitySample[], daily?: readonly DailyEquity[]): number[] {
  return dailyReturns(Number(initialEquity), daily ?? dailyCloses(curve.map((p) => ({ t: p.t, equity: Number(p.equity) }))));
}

export function performanceMetrics(initialEquity: string, curve: readonly EquitySample[], trades: TradeTotals, currentEquity?: string, opts: PerformanceOptions = {}): PerformanceMetrics {
  const init = Number(initialEquity);
  const values = curve.map((p) => Number(p.equity));
  const current = currentEquity !== undefined ? Number(currentEquity) : (values[values.length - 1] ?? init);
  const times = curve.map((p) => p.t);
  const daily = accountDailyReturns(initialEquity, curve, opts.daily);
  const ratios = daily.length >= MIN_RATIO_DAYS;
  const interval = curve.length >= 2 ? samplingIntervalSeconds(times) : NaN;
  const hasInterval = Number.isFinite(interval) && interval > 0;
  const totalReturn = init > 0 ? current / init - 1 : null;
  const elapsedS = curve.length >= 2 ? (times[times.length - 1]! - times[0]!) / 1000 : 0;
  const annualized = totalReturn !== null && elapsedS >= 86_400 ? finite((1 + totalReturn) ** (SECONDS_PER_YEAR / elapsedS) - 1) : null;
  const dd = drawdown(curve.map((p, i) => ({ t: p.t, v: values[i]! })));
  if (opts.maxDrawdown !== undefined) dd.maxDrawdown = Math.max(dd.maxDrawdown, opts.maxDrawdown);
  const gp = Number(trades.grossProfit);
  const gl = Number(trades.grossLoss);
  const closed = trades.wins + trades.losses;
  const exposures = curve.map((p, i) => (values[i]! > 0 ? Number(p.exposure) / values[i]! : 0));
  return {
    initialEquity: init,
    currentEquity: current,
    totalReturn: totalReturn === null ? null : finite(totalReturn),
    annualizedReturn: annualized,
    // From daily returns at a fixed period, whatever the bar length or how many curve points are
    // kept: a ratio from the curve's samples changed with the run's length (the stride grows with
    // it). A week of days at least: fewer is noise scaled up by √365.
    sharpe: ratios ? sharpeRatio(daily) : null,
    sortino: ratios ? sortinoRatio(daily) : null,
    dailyReturns: daily.length,
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
    periodsPerYear: daily.length > 0 ? DAYS_PER_YEAR : null,
  };
}
