/**
 * The simulated market's parameters, calibrated on the recorded data in resources/market
 * (computed by core/market/calibrate.ts — `npx tsx scripts/calibrate-sim.ts` prints them;
 * core/market/calibration.test.ts recomputes them and fails when these drift from the data).
 * Plain data, no imports: the simulated feed and the built-in policy both read it, the policy
 * inside the workflow sandbox.
 *
 * Per-minute log return of a symbol with minute volatility s (in units of s):
 *
 *   r / s = jump drift + trend drift + state sd x N(0, 1)        (+ a risk premium, below)
 *
 * - volatility states: a 4-state Gaussian hidden Markov model fitted by EM (Baum-Welch) to the
 *   5,758 one-minute returns of Binance BTCUSDT 2022-09-05/06 and ETHUSDT 2022-08-14/15, each
 *   divided by its own minute volatility: calm, normal, active and jump, with their minute
 *   transition probabilities (volatility clusters: the absolute returns' autocorrelation is 0.24
 *   at lag 1 and 0.06 at lag 60 in the data). The jump state's fitted drift is -1.59 s a minute
 *   for ~5 minutes (liquidation cascades, all downward on those four falling days); the
 *   simulation draws the direction of each visit at random (squeezes run up the same way), so
 *   jumps add fat tails without a drift of their own.
 * - trend: a drift redrawn from N(0, TREND.sd^2) after episodes of mean TREND.meanMinutes,
 *   least-squares fitted to the variance ratios of the same minute data at 5 to 480 minutes
 *   (1.07 at 15 min, 1.21 at 60, 1.45 at 240: moves persist a little within the hour).
 * - minute volatility per symbol: the rms minute return of the recorded files (BTC 0.0725 %,
 *   ETH 0.0979 % a minute, 53 % and 71 % a year); LTC has no minute file: BTC's times the ratio of
 *   their hourly volatilities on Coinbase 2017-2019 (1.39).
 * - risk premium: an expected log return of RISK_PREMIUM_SHARPE x the annual volatility a year.
 *   The daily Coinbase files give Sharpe ratios of 0.79 (BTC 2014-12..2019-06) and 0.88 (ETH
 *   2016-05..2019-06); half of that, 0.4, is used, because a backward-looking crypto Sharpe ratio
 *   overstates the forward one (a young asset class, one bubble in the sample). At a minute scale
 *   it is invisible (0.0006 s a minute); over a quarter it is what a holder can expect to earn.
 */

export interface VolState {
  name: string;
  /** Standard deviation of the minute return in this state, in units of the symbol's minute volatility. */
  sd: number;
  /** |drift| a minute while in the state (its sign drawn per visit), same units. */
  jumpDrift: number;
  /** Share of minutes in the state (the HMM's posterior occupancy on the data). */
  occupancy: number;
}

export const VOL_STATES: readonly VolState[] = [
  { name: 'calm', sd: 0.53, jumpDrift: 0, occupancy: 0.424 },
  { name: 'normal', sd: 0.811, jumpDrift: 0, occupancy: 0.382 },
  { name: 'active', sd: 1.48, jumpDrift: 0, occupancy: 0.186 },
  { name: 'jump', sd: 5.32, jumpDrift: 1.59, occupancy: 0.0071 },
];

/** Minute transition probabilities between VOL_STATES (rows: from; each sums to 1). */
export const VOL_TRANSITIONS: readonly (readonly number[])[] = [
  [0.9885, 0.0036, 0.0079, 0],
  [0.0124, 0.9575, 0.0295, 0.0006],
  [0, 0.0805, 0.9129, 0.0066],
  [0, 0, 0.2044, 0.7956],
];

/** The trend drift: N(0, sd^2) in units of the minute volatility, redrawn after episodes of meanMinutes (exponential). */
export const TREND = { sd: 0.041, meanMinutes: 95 } as const;

/** Minute volatility (rms of 1-minute log returns) per product, from the recorded files. */
export const MINUTE_VOL: Readonly<Record<string, number>> = {
  'BTC-USD': 0.000725,
  'BTC-USDT': 0.000725,
  'ETH-USD': 0.000979,
  'ETH-USDT': 0.000979,
  'LTC-USD': 0.001005,
};

/** Products without a recording of their own move like ETH (the more volatile of the two recorded). */
export const DEFAULT_MINUTE_VOL = 0.000979;

export const MINUTES_PER_YEAR = 525_600;

/** Expected log return per unit of annual volatility, a year (see above). */
export const RISK_PREMIUM_SHARPE = 0.4;

export function minuteVol(symbol: string): number {
  return MINUTE_VOL[symbol] ?? DEFAULT_MINUTE_VOL;
}

/** Whether the product's volatility was measured (else DEFAULT_MINUTE_VOL stands in). */
export function hasMeasuredVol(symbol: string): boolean {
  return MINUTE_VOL[symbol] !== undefined;
}
