/**
 * The statistics the simulated market is calibrated on (core/market/calibration.ts holds the
 * numbers; scripts/calibrate-sim.ts computes them from resources/market; docs/market.md shows
 * them). Pure functions over plain arrays: the calibration test recomputes the fit from the
 * recorded files and checks the shipped numbers, and checks the simulator against the targets.
 */

/** Log returns of consecutive closes. */
export function logReturns(closes: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 1; i < closes.length; i++) out.push(Math.log(closes[i]! / closes[i - 1]!));
  return out;
}

/** Root mean square (a volatility with the mean taken as zero, as for minute returns). */
export function rms(x: readonly number[]): number {
  let s = 0;
  for (const v of x) s += v * v;
  return Math.sqrt(s / x.length);
}

/** Sample kurtosis (not excess): 3 for a normal distribution. */
export function kurtosis(x: readonly number[]): number {
  const m = x.reduce((a, b) => a + b, 0) / x.length;
  let m2 = 0;
  let m4 = 0;
  for (const v of x) {
    const d = (v - m) ** 2;
    m2 += d;
    m4 += d * d;
  }
  m2 /= x.length;
  m4 /= x.length;
  return m4 / (m2 * m2);
}

/** Autocorrelation at `lag`. */
export function acf(x: readonly number[], lag: number): number {
  const m = x.reduce((a, b) => a + b, 0) / x.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < x.length; i++) {
    den += (x[i]! - m) ** 2;
    if (i + lag < x.length) num += (x[i]! - m) * (x[i + lag]! - m);
  }
  return num / den;
}

/**
 * Variance ratio at horizon h from overlapping h-step log returns, with the mean taken as zero:
 * E[(sum of h returns)^2] / (h E[r^2]). 1 for a random walk; above 1 when moves persist
 * (trends), below 1 when they revert.
 */
export function varianceRatio(closes: ArrayLike<number>, h: number): number {
  const r = logReturns(closes);
  const base = rms(r) ** 2;
  let s = 0;
  let n = 0;
  for (let i = 0; i + h < closes.length; i++) {
    const x = Math.log(closes[i + h]! / closes[i]!);
    s += x * x;
    n++;
  }
  return s / n / (h * base);
}

/**
 * The variance-ratio excess of a trend component: a drift, in units of the per-step volatility,
 * that is redrawn from N(0, sd^2) after exponentially distributed episodes of mean D steps. The
 * drift's autocorrelation is exp(-k/D), so the sum of h steps of it has variance
 * sd^2 * 2 D^2 (h/D - 1 + exp(-h/D)).
 */
export function trendVrExcess(sd: number, D: number, h: number): number {
  return (sd * sd * 2 * D * D * (h / D - 1 + Math.exp(-h / D))) / h;
}

/** Least-squares fit of (sd, D) to measured variance ratios: D on a log grid, sd in closed form. */
export function fitTrend(points: readonly { h: number; vr: number }[]): { sd: number; meanSteps: number; rmse: number } {
  let best = { sd: 0, meanSteps: 1, rmse: Infinity };
  for (let D = 2; D <= 2000; D *= 1.01) {
    let gy = 0;
    let gg = 0;
    for (const p of points) {
      const g = trendVrExcess(1, D, p.h);
      gy += g * (p.vr - 1);
      gg += g * g;
    }
    const s2 = Math.max(0, gy / gg);
    let sse = 0;
    for (const p of points) sse += (p.vr - 1 - s2 * trendVrExcess(1, D, p.h)) ** 2;
    const rmse = Math.sqrt(sse / points.length);
    if (rmse < best.rmse) best = { sd: Math.sqrt(s2), meanSteps: D, rmse };
  }
  return best;
}

export interface Hmm {
  /** State means and standard deviations (units of the input). */
  mu: number[];
  sd: number[];
  /** Transition matrix per step, rows sum to 1. */
  A: number[][];
  /** Share of steps spent in each state (posterior). */
  occupancy: number[];
  logLik: number;
  iterations: number;
}

const normPdf = (x: number, m: number, s: number) => Math.exp(-0.5 * ((x - m) / s) ** 2) / (s * Math.sqrt(2 * Math.PI));

/**
 * A Gaussian hidden Markov model fitted by expectation-maximisation (Baum-Welch with scaled
 * forward-backward) on one or more sequences. Deterministic: the start values are given.
 */
export function fitHmm(seqs: readonly (readonly number[])[], init: { mu: number[]; sd: number[]; stay: number }, maxIter = 300, tol = 1e-7): Hmm {
  const K = init.mu.length;
  let mu = [...init.mu];
  let sd = [...init.sd];
  let A = Array.from({ length: K }, (_, i) => Array.from({ length: K }, (_, j) => (i === j ? init.stay : (1 - init.stay) / (K - 1))));
  let pi = Array.from({ length: K }, () => 1 / K);
  let prev = -Infinity;
  let logLik = -Infinity;
  let occupancy: number[] = [];
  let it = 0;
  for (; it < maxIter; it++) {
    const numMu = new Array<number>(K).fill(0);
    const numSq = new Array<number>(K).fill(0);
    const den = new Array<number>(K).fill(0);
    const xi = Array.from({ length: K }, () => new Array<number>(K).fill(0));
    const g0 = new Array<number>(K).fill(0);
    logLik = 0;
    for (const x of seqs) {
      const T = x.length;
      const alpha: number[][] = [];
      const c: number[] = [];
      const b = (t: number) => mu.map((m, k) => normPdf(x[t]!, m, sd[k]!));
      let bt = b(0);
      let a = pi.map((p, k) => p * bt[k]!);
      let s = a.reduce((u, v) => u + v, 0);
      alpha.push(a.map((v) => v / s));
      c.push(s);
      for (let t = 1; t < T; t++) {
        bt = b(t);
        const last = alpha[t - 1]!;
        a = Array.from({ length: K }, (_, j) => bt[j]! * last.reduce((acc, v, i) => acc + v * A[i]![j]!, 0));
        s = a.reduce((u, v) => u + v, 0);
        alpha.push(a.map((v) => v / s));
        c.push(s);
      }
      for (const v of c) logLik += Math.log(v);
      let beta = new Array<number>(K).fill(1);
      const betas: number[][] = new Array<number[]>(T);
      betas[T - 1] = beta;
      for (let t = T - 2; t >= 0; t--) {
        const bn = b(t + 1);
        beta = Array.from({ length: K }, (_, i) => A[i]!.reduce((acc, aij, j) => acc + aij * bn[j]! * betas[t + 1]![j]!, 0) / c[t + 1]!);
        betas[t] = beta;
      }
      for (let t = 0; t < T; t++) {
        const g = alpha[t]!.map((v, k) => v * betas[t]![k]!);
        const gs = g.reduce((u, v) => u + v, 0);
        for (let k = 0; k < K; k++) {
          const w = g[k]! / gs;
          if (t === 0) g0[k]! += w;
          numMu[k]! += w * x[t]!;
          numSq[k]! += w * x[t]! * x[t]!;
          den[k]! += w;
        }
        if (t < T - 1) {
          const bn = b(t + 1);
          for (let i = 0; i < K; i++) for (let j = 0; j < K; j++) xi[i]![j]! += (alpha[t]![i]! * A[i]![j]! * bn[j]! * betas[t + 1]![j]!) / c[t + 1]!;
        }
      }
    }
    mu = numMu.map((v, k) => v / den[k]!);
    sd = numSq.map((v, k) => Math.sqrt(Math.max(1e-6, v / den[k]! - mu[k]! ** 2)));
    A = xi.map((row) => {
      const s = row.reduce((u, v) => u + v, 0);
      return row.map((v) => v / s);
    });
    pi = g0.map((v) => v / seqs.length);
    const total = den.reduce((u, v) => u + v, 0);
    occupancy = den.map((v) => v / total);
    if (Math.abs(logLik - prev) < tol * Math.abs(logLik)) break;
    prev = logLik;
  }
  return { mu, sd, A, occupancy, logLik, iterations: it + 1 };
}
