/**
 * The calibration of the simulated market from the recorded data (resources/market): what is
 * measured, from which files, and the fitted parameters. core/market/calibration.ts ships the
 * result; scripts/calibrate-sim.ts prints it; core/market/calibration.test.ts recomputes it.
 */
import { loadRecorded } from './data/columns';
import { acf, fitHmm, fitTrend, kurtosis, logReturns, rms, trendVrExcess, varianceRatio, type Hmm } from './calibration-stats';

/** Horizons (minutes) whose variance ratios the trend component is fitted to. */
export const VR_HORIZONS = [5, 15, 30, 60, 120, 240, 480] as const;

export interface SymbolStats {
  symbol: string;
  files: string[];
  minutes: number;
  /** Volatility of 1-minute log returns (rms), and annualised (x sqrt(525,600)). */
  sigma1m: number;
  sigmaAnnual: number;
  kurtosis: number;
  /** Autocorrelation of 1-minute returns at lag 1, and of their absolute values (volatility clustering). */
  acf1: number;
  absAcf: { lag1: number; lag10: number; lag60: number };
  vr: { h: number; vr: number }[];
  /** Largest fall and rise over 60 minutes. */
  worst60: number;
  best60: number;
}

export interface Calibration {
  minute: SymbolStats[];
  /** 4-state Gaussian HMM on the minute returns of both symbols, each divided by its own sigma1m. */
  hmm: Hmm;
  /**
   * Trend component fitted to the mean variance ratio of both symbols (`target`) less what the
   * jump state's drift already explains (`jumpExcess`: its drift persists for its ~5-minute visits).
   */
  trend: { sd: number; meanMinutes: number; rmse: number; target: { h: number; vr: number }[]; jumpExcess: { h: number; excess: number }[] };
  /** Long-run reward for risk from the daily Coinbase files: annualised mean / sd of daily log returns. */
  daily: { symbol: string; from: string; to: string; days: number; meanDaily: number; sdDaily: number; sharpe: number }[];
  /** LTC's hourly volatility relative to BTC's over the same Coinbase hours (LTC has no minute file). */
  ltcOverBtcHourly: number;
}

const MINUTES_PER_YEAR = 525_600;

function minuteStats(dir: string, symbol: string): SymbolStats & { normalised: number[] } {
  const c = loadRecorded(dir, symbol, '1m', { resample: false });
  const r = logReturns(c.close);
  const s = rms(r);
  const abs = r.map(Math.abs);
  let worst = 0;
  let best = 0;
  for (let i = 0; i + 60 < c.length; i++) {
    const x = Math.log(c.close[i + 60]! / c.close[i]!);
    worst = Math.min(worst, x);
    best = Math.max(best, x);
  }
  return {
    symbol,
    files: c.report.files.map((f) => f.split('/').at(-1)!),
    minutes: r.length,
    sigma1m: s,
    sigmaAnnual: s * Math.sqrt(MINUTES_PER_YEAR),
    kurtosis: kurtosis(r),
    acf1: acf(r, 1),
    absAcf: { lag1: acf(abs, 1), lag10: acf(abs, 10), lag60: acf(abs, 60) },
    vr: VR_HORIZONS.map((h) => ({ h, vr: varianceRatio(c.close, h) })),
    worst60: worst,
    best60: best,
    normalised: r.map((x) => x / s),
  };
}

export function calibrate(dir: string): Calibration {
  const minute = ['BTC-USDT', 'ETH-USDT'].map((s) => minuteStats(dir, s));
  const hmm = fitHmm(
    minute.map((m) => m.normalised),
    { mu: [0, 0, 0, -0.5], sd: [0.5, 0.8, 1.5, 4], stay: 0.95 },
  );
  const target = VR_HORIZONS.map((h, i) => ({ h, vr: minute.reduce((a, m) => a + m.vr[i]!.vr, 0) / minute.length }));
  const jump = hmm.sd.indexOf(Math.max(...hmm.sd));
  const jumpSd = Math.sqrt(hmm.occupancy[jump]! * hmm.mu[jump]! ** 2);
  const jumpMinutes = 1 / (1 - hmm.A[jump]![jump]!);
  const jumpExcess = VR_HORIZONS.map((h) => ({ h, excess: trendVrExcess(jumpSd, jumpMinutes, h) }));
  const t = fitTrend(target.map((x, i) => ({ h: x.h, vr: x.vr - jumpExcess[i]!.excess })));
  const daily = ['BTC-USD', 'ETH-USD'].map((symbol) => {
    const c = loadRecorded(dir, symbol, '1d', { resample: false });
    const r = logReturns(c.close);
    const mean = r.reduce((a, b) => a + b, 0) / r.length;
    const sd = Math.sqrt(r.reduce((a, b) => a + (b - mean) ** 2, 0) / (r.length - 1));
    return { symbol, from: new Date(c.time[0]!).toISOString().slice(0, 10), to: new Date(c.time[c.length - 1]!).toISOString().slice(0, 10), days: r.length, meanDaily: mean, sdDaily: sd, sharpe: (mean / sd) * Math.sqrt(365) };
  });
  const btcH = loadRecorded(dir, 'BTC-USD', '1h', { resample: false });
  const ltcH = loadRecorded(dir, 'LTC-USD', '1h', { resample: false });
  return {
    minute: minute.map(({ normalised: _n, ...m }) => m),
    hmm,
    trend: { sd: t.sd, meanMinutes: t.meanSteps, rmse: t.rmse, target, jumpExcess },
    daily,
    ltcOverBtcHourly: rms(logReturns(ltcH.close)) / rms(logReturns(btcH.close)),
  };
}
