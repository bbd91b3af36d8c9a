/**
 * Tree-structured Parzen Estimator (Bergstra, Bardenet, Bengio, Kégl, "Algorithms for
 * Hyper-Parameter Optimization", NIPS 2011, section 4), for a flat space of independent
 * parameters, maximising the objective.
 *
 * Instead of modelling p(y | x), TPE models p(x | y) with two densities: l(x) over the
 * parameters of the best observations (y better than the γ-quantile y*) and g(x) over the rest.
 * Expected improvement over y* is proportional to (γ + g(x)/l(x) · (1 − γ))⁻¹, so the next point
 * is the candidate, drawn from l, with the largest l(x)/g(x) (section 4.1–4.2).
 *
 * Each density is the paper's adaptive Parzen estimator (section 4.1, hyperopt's
 * `adaptive_parzen_normal`): a mixture of truncated Gaussians, one at each observation plus a
 * prior component at the centre of the range with σ = the range; an observation's σ is the larger
 * distance to its sorted neighbours, clipped to [range / min(100, 1 + components), range]. Integer and
 * stepped parameters use the probability of the value's bin; log-scale parameters are modelled in
 * log space. A choice parameter uses the category counts plus one for each category (the prior).
 *
 * The split follows Optuna's default γ(n) = min(⌈0.1·n⌉, 25) observations in l. Infeasible
 * trials (a constraint failed, the strategy refused the parameters, no objective value) count as
 * the worst observations, so the sampler learns to leave their region. Pure and seeded: the same
 * history and seed give the same suggestion (the workflow replays it).
 */
import type { Rng } from './rng';
import type { Candidate, ParamDim, ParamValue } from './space';

export interface Observation {
  params: Candidate;
  /** null: infeasible (ranked below every feasible observation). */
  value: number | null;
}

export interface TpeOptions {
  /** Candidates drawn from l(x) per parameter; the best ratio wins (hyperopt and Optuna: 24). */
  candidates: number;
  /** Observations in the good group for n observations. */
  gamma: (n: number) => number;
  /** Weight of the prior component, relative to one observation. */
  priorWeight: number;
}

export const DEFAULT_TPE: TpeOptions = {
  candidates: 24,
  gamma: (n) => Math.min(Math.ceil(0.1 * n), 25),
  priorWeight: 1,
};

const SQRT2 = Math.SQRT2;
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** erf with |error| < 1.2e-7 (Numerical Recipes `erfc` by Chebyshev fit). */
export function erf(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? 1 - r : r - 1;
}

function normCdf(x: number, mu: number, sigma: number): number {
  return 0.5 * (1 + erf((x - mu) / (sigma * SQRT2)));
}

function logNormPdf(x: number, mu: number, sigma: number): number {
  const z = (x - mu) / sigma;
  return -0.5 * z * z - Math.log(sigma) - LOG_SQRT_2PI;
}

function logSumExp(xs: number[]): number {
  let m = -Infinity;
  for (const x of xs) if (x > m) m = x;
  if (m === -Infinity) return -Infinity;
  let s = 0;
  for (const x of xs) s += Math.exp(x - m);
  return m + Math.log(s);
}

/** A mixture of Gaussians truncated to [lo, hi], in the parameter's modelling domain. */
export interface Parzen {
  lo: number;
  hi: number;
  mus: number[];
  sigmas: number[];
  weights: number[];
}

/** The adaptive Parzen estimator of Bergstra et al. over observed points (modelling domain). */
export function adaptiveParzen(points: readonly number[], lo: number, hi: number, priorWeight: number): Parzen {
  const range = hi - lo;
  const priorMu = lo + range / 2;
  const all = [...points.map((p) => ({ mu: p, prior: false })), { mu: priorMu, prior: true }].sort((a, b) => a.mu - b.mu || Number(a.prior) - Number(b.prior));
  // hyperopt counts the prior among the components here.
  const minSigma = range / Math.min(100, 1 + all.length);
  const mus: number[] = [];
  const sigmas: number[] = [];
  const weights: number[] = [];
  for (let i = 0; i < all.length; i++) {
    const c = all[i]!;
    mus.push(c.mu);
    if (c.prior) {
      sigmas.push(range);
      weights.push(priorWeight);
      continue;
    }
    // The larger gap to a neighbour; the first and last component have one neighbour each.
    const left = i > 0 ? c.mu - all[i - 1]!.mu : 0;
    const right = i < all.length - 1 ? all[i + 1]!.mu - c.mu : 0;
    sigmas.push(Math.min(range, Math.max(minSigma, left, right)));
    weights.push(1);
  }
  const total = weights.reduce((a, b) => a + b, 0);
  return { lo, hi, mus, sigmas, weights: weights.map((w) => w / total) };
}

/** One draw from the truncated mixture. */
export function sampleParzen(pz: Parzen, rng: Rng): number {
  let u = rng.next();
  let k = 0;
  while (k < pz.weights.length - 1 && u >= pz.weights[k]!) u -= pz.weights[k++]!;
  const mu = pz.mus[k]!;
  const sigma = pz.sigmas[k]!;
  for (let tries = 0; tries < 100; tries++) {
    const x = mu + sigma * rng.normal();
    if (x >= pz.lo && x <= pz.hi) return x;
  }
  // A component far outside the range (cannot happen with means inside it): clamp.
  return Math.min(pz.hi, Math.max(pz.lo, mu));
}

/**
 * log density of the truncated mixture at x, or — for a stepped parameter — log of the
 * probability of the bin [a, b] that holds x.
 */
export function logParzen(pz: Parzen, x: number, bin?: { a: number; b: number }): number {
  const terms: number[] = [];
  for (let i = 0; i < pz.mus.length; i++) {
    const mu = pz.mus[i]!;
    const s = pz.sigmas[i]!;
    const z = normCdf(pz.hi, mu, s) - normCdf(pz.lo, mu, s);
    const logW = Math.log(pz.weights[i]!) - Math.log(Math.max(z, 1e-300));
    if (bin) {
      const p = normCdf(bin.b, mu, s) - normCdf(bin.a, mu, s);
      // Far in a tail the difference of CDFs rounds to 0: the density times the width instead.
      terms.push(logW + (p > 1e-12 ? Math.log(p) : logNormPdf(x, mu, s) + Math.log(bin.b - bin.a)));
    } else terms.push(logW + logNormPdf(x, mu, s));
  }
  return logSumExp(terms);
}

/** A numeric parameter in its modelling domain: log scale in logs, integers with their bins. */
interface Numeric {
  lo: number;
  hi: number;
  to(v: number): number;
  from(u: number): number;
  bin(v: number): { a: number; b: number } | undefined;
}

function numeric(d: Extract<ParamDim, { kind: 'int' | 'float' }>): Numeric {
  const q = d.step;
  const snap = (v: number): number => {
    let x = Math.min(d.max, Math.max(d.min, v));
    if (q) x = Math.min(d.max, d.min + Math.round((x - d.min) / q) * q);
    if (d.kind === 'int') return Math.round(x);
    return q ? Number(x.toPrecision(12)) : x;
  };
  if (d.log) {
    const lo = Math.log(q ? Math.max(d.min - q / 2, d.min / 2) : d.min);
    const hi = Math.log(q ? d.max + q / 2 : d.max);
    return {
      lo,
      hi,
      to: (v) => Math.log(v),
      from: (u) => snap(Math.exp(u)),
      bin: (v) => (q ? { a: Math.log(Math.max(v - q / 2, Math.exp(lo))), b: Math.log(v + q / 2) } : undefined),
    };
  }
  const lo = q ? d.min - q / 2 : d.min;
  const hi = q ? d.max + q / 2 : d.max;
  return { lo, hi, to: (v) => v, from: (u) => snap(u), bin: (v) => (q ? { a: v - q / 2, b: v + q / 2 } : undefined) };
}

/** Splits observations into the good (best γ) and the rest; infeasible ones are the worst. */
export function splitObservations(obs: readonly Observation[], gamma: (n: number) => number): { good: Observation[]; bad: Observation[] } {
  // Stable: ties keep their order (trial order), so the split is deterministic.
  const ranked = obs.map((o, i) => ({ o, i })).sort((a, b) => {
    const va = a.o.value;
    const vb = b.o.value;
    if (va === null && vb === null) return a.i - b.i;
    if (va === null) return 1;
    if (vb === null) return -1;
    return vb - va || a.i - b.i;
  });
  const nGood = Math.max(1, Math.min(ranked.length, gamma(ranked.length)));
  const feasible = ranked.filter((r) => r.o.value !== null).length;
  // Never put an infeasible observation among the good ones.
  const k = Math.min(nGood, Math.max(feasible, 0));
  return { good: ranked.slice(0, k).map((r) => r.o), bad: ranked.slice(k).map((r) => r.o) };
}

/** The value TPE proposes for one numeric parameter. */
function suggestNumeric(d: Extract<ParamDim, { kind: 'int' | 'float' }>, good: Observation[], bad: Observation[], rng: Rng, opts: TpeOptions): number {
  const m = numeric(d);
  const pts = (os: Observation[]) => os.map((o) => o.params[d.name]).filter((v): v is number => typeof v === 'number').map(m.to);
  const l = adaptiveParzen(pts(good), m.lo, m.hi, opts.priorWeight);
  const g = adaptiveParzen(pts(bad), m.lo, m.hi, opts.priorWeight);
  let best = NaN;
  let bestScore = -Infinity;
  for (let i = 0; i < opts.candidates; i++) {
    const v = m.from(sampleParzen(l, rng));
    const u = m.to(v);
    const bin = m.bin(v);
    const score = logParzen(l, u, bin) - logParzen(g, u, bin);
    if (score > bestScore || Number.isNaN(best)) {
      best = v;
      bestScore = score;
    }
  }
  return best;
}

/** The value TPE proposes for a choice: counts plus a prior of one per category. */
function suggestChoice(d: Extract<ParamDim, { kind: 'choice' }>, good: Observation[], bad: Observation[], rng: Rng, opts: TpeOptions): ParamValue {
  const probs = (os: Observation[]) => {
    const c = d.values.map(() => opts.priorWeight);
    for (const o of os) {
      const k = d.values.indexOf(o.params[d.name]!);
      if (k >= 0) c[k]! += 1;
    }
    const s = c.reduce((a, b) => a + b, 0);
    return c.map((x) => x / s);
  };
  const l = probs(good);
  const g = probs(bad);
  let best = 0;
  let bestScore = -Infinity;
  for (let i = 0; i < opts.candidates; i++) {
    let u = rng.next();
    let k = 0;
    while (k < l.length - 1 && u >= l[k]!) u -= l[k++]!;
    const score = Math.log(l[k]!) - Math.log(g[k]!);
    if (score > bestScore) {
      best = k;
      bestScore = score;
    }
  }
  return d.values[best]!;
}

/** The next point TPE proposes after `obs` (each parameter on its own, as in the paper). */
export function tpeSuggest(dims: readonly ParamDim[], obs: readonly Observation[], rng: Rng, opts: TpeOptions = DEFAULT_TPE): Candidate {
  const { good, bad } = splitObservations(obs, opts.gamma);
  const out: Candidate = {};
  for (const d of dims) out[d.name] = d.kind === 'choice' ? suggestChoice(d, good, bad, rng, opts) : suggestNumeric(d, good, bad, rng, opts);
  return out;
}
