/**
 * Where a study's trials come from: every point of a grid, seeded random draws, or TPE
 * (core/research/tpe.ts). Pure and deterministic — the optimisation workflow calls these, so a
 * suggestion depends only on the seed, the trial's index and the results it is allowed to see:
 *
 * - grid and random: trial i is a function of (space, seed, i) alone, so trials run in any order
 *   and on any worker;
 * - TPE: the first `startup` trials are random; after that trials go in batches of `batch`, and
 *   trial i sees exactly the results of the trials before its batch (in index order) and the
 *   parameters already chosen in its batch. Which worker finishes first never changes a
 *   suggestion, so the same seed gives the same study.
 */
import { Rng } from './rng';
import { tpeSuggest, DEFAULT_TPE, type Observation } from './tpe';
import type { Candidate, ParamDim, ParamSpace, ParamValue } from './space';

export type SamplerName = 'grid' | 'random' | 'tpe';

export interface SamplerPlan {
  sampler: SamplerName;
  seed: number;
  /** TPE: random trials before the model takes over. */
  startup: number;
  /** TPE: trials suggested from the same results (the study's parallelism). */
  batch: number;
}

/** Values of one dimension on a grid. Decimal ranges without a step get 11 points. */
export function gridValues(d: ParamDim): ParamValue[] {
  if (d.kind === 'choice') return [...d.values];
  const out: number[] = [];
  if (d.kind === 'int') {
    for (let v = d.min; v <= d.max; v += d.step) out.push(v);
    return out;
  }
  const step = d.step ?? (d.max - d.min) / 10;
  if (!(step > 0)) return [d.min];
  const n = Math.floor((d.max - d.min) / step + 1e-9);
  for (let k = 0; k <= n; k++) out.push(Number((d.min + k * step).toPrecision(12)));
  return out;
}

/** Points of the full grid before constraints (a product of each dimension's values). */
export function gridSize(dims: readonly ParamDim[]): number {
  return dims.reduce((n, d) => n * gridValues(d).length, 1);
}

export function satisfies(c: Candidate, space: Pick<ParamSpace, 'constraints' | 'fixed'>): boolean {
  for (const [a, b] of space.constraints) {
    const x = c[a] ?? space.fixed[a];
    const y = c[b] ?? space.fixed[b];
    if (typeof x === 'number' && typeof y === 'number' && !(x < y)) return false;
  }
  return true;
}

/**
 * Every point of the grid that meets the constraints, in a fixed order (the first dimension
 * varies slowest). `limit` stops the enumeration early (the caller refuses grids above it).
 */
export function gridPoints(space: Pick<ParamSpace, 'dims' | 'constraints' | 'fixed'>, limit = Infinity): Candidate[] {
  const values = space.dims.map(gridValues);
  const out: Candidate[] = [];
  const idx = values.map(() => 0);
  if (values.some((v) => v.length === 0)) return out;
  for (;;) {
    const c: Candidate = {};
    space.dims.forEach((d, k) => (c[d.name] = values[k]![idx[k]!]!));
    if (satisfies(c, space)) {
      out.push(c);
      if (out.length >= limit) return out;
    }
    let k = values.length - 1;
    while (k >= 0) {
      idx[k]!++;
      if (idx[k]! < values[k]!.length) break;
      idx[k] = 0;
      k--;
    }
    if (k < 0) return out;
  }
}

function drawNumeric(d: Extract<ParamDim, { kind: 'int' | 'float' }>, rng: Rng): number {
  if (d.kind === 'int') {
    const n = Math.floor((d.max - d.min) / d.step) + 1;
    if (!d.log) return d.min + d.step * rng.int(n);
    const lo = Math.log(Math.max(d.min - d.step / 2, d.min / 2));
    const hi = Math.log(d.max + d.step / 2);
    const u = Math.exp(lo + rng.next() * (hi - lo));
    return Math.min(d.max, Math.max(d.min, d.min + Math.round((u - d.min) / d.step) * d.step));
  }
  const x = d.log ? Math.exp(Math.log(d.min) + rng.next() * (Math.log(d.max) - Math.log(d.min))) : d.min + rng.next() * (d.max - d.min);
  if (!d.step) return x;
  return Math.min(d.max, Number((d.min + Math.round((x - d.min) / d.step) * d.step).toPrecision(12)));
}

/** One uniform draw from the space (log-uniform on log scales), meeting the constraints when it can. */
export function randomCandidate(space: Pick<ParamSpace, 'dims' | 'constraints' | 'fixed'>, rng: Rng): Candidate {
  let c: Candidate = {};
  for (let attempt = 0; attempt < 200; attempt++) {
    c = {};
    for (const d of space.dims) c[d.name] = d.kind === 'choice' ? d.values[rng.int(d.values.length)]! : drawNumeric(d, rng);
    if (satisfies(c, space)) return c;
  }
  return c;
}

const key = (c: Candidate) =>
  Object.keys(c)
    .sort()
    .map((k) => `${k}=${String(c[k])}`)
    .join('&');

/** Index of the first trial whose result trial `index` may see (TPE); 0 for grid and random. */
export function batchStart(plan: SamplerPlan, index: number): number {
  if (plan.sampler !== 'tpe' || index < plan.startup) return 0;
  return plan.startup + Math.floor((index - plan.startup) / plan.batch) * plan.batch;
}

/** True when trial `index` needs the results of earlier trials before it can be suggested. */
export function needsResults(plan: SamplerPlan, index: number): boolean {
  return plan.sampler === 'tpe' && index >= plan.startup;
}

/**
 * The parameters of trial `index`. `seen`: the observations of trials [0, batchStart) in index
 * order (TPE only); `taken`: the parameters of every trial already suggested (no exact repeats
 * when TPE can avoid them).
 */
export function suggest(
  plan: SamplerPlan,
  space: Pick<ParamSpace, 'dims' | 'constraints' | 'fixed'>,
  index: number,
  ctx: { grid?: Candidate[]; seen?: readonly Observation[]; taken?: readonly Candidate[] } = {},
): Candidate {
  if (plan.sampler === 'grid') {
    const g = ctx.grid ?? gridPoints(space);
    const c = g[index];
    if (!c) throw new Error(`grid has ${g.length} points, no trial ${index}`);
    return c;
  }
  if (plan.sampler === 'random' || index < plan.startup) return randomCandidate(space, Rng.for(plan.seed, 'random', index));
  const taken = new Set((ctx.taken ?? []).map(key));
  let c: Candidate = {};
  for (let attempt = 0; attempt < 8; attempt++) {
    c = tpeSuggest(space.dims, ctx.seen ?? [], Rng.for(plan.seed, 'tpe', index, attempt), DEFAULT_TPE);
    if (satisfies(c, space) && !taken.has(key(c))) return c;
  }
  // TPE keeps proposing a point already tried or outside the constraints: a random point instead.
  for (let attempt = 0; attempt < 8; attempt++) {
    const r = randomCandidate(space, Rng.for(plan.seed, 'tpe-fallback', index, attempt));
    if (!taken.has(key(r))) return r;
  }
  return satisfies(c, space) ? c : randomCandidate(space, Rng.for(plan.seed, 'tpe-fallback', index));
}

export { key as candidateKey };
