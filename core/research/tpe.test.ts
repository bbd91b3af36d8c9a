import { describe, expect, it } from 'vitest';
import { Rng } from './rng';
import { adaptiveParzen, erf, logParzen, sampleParzen, splitObservations, tpeSuggest, type Observation } from './tpe';
import { randomCandidate, suggest, type SamplerPlan } from './samplers';
import type { Candidate, ParamDim, ParamSpace } from './space';

describe('rng', () => {
  it('is a pure function of its keys', () => {
    const a = Rng.for(7, 'trial', 3);
    const b = Rng.for(7, 'trial', 3);
    const xs = Array.from({ length: 50 }, () => a.next());
    expect(Array.from({ length: 50 }, () => b.next())).toEqual(xs);
    expect(Rng.for(7, 'trial', 4).next()).not.toBe(xs[0]);
    expect(Rng.for(8, 'trial', 3).next()).not.toBe(xs[0]);
  });

  it('draws uniform values and standard normals', () => {
    const r = Rng.for(1);
    const n = 20000;
    const u = Array.from({ length: n }, () => r.next());
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
    const mean = u.reduce((a, b) => a + b, 0) / n;
    expect(mean).toBeCloseTo(0.5, 1);
    // Each tenth of [0, 1) holds about a tenth of the draws.
    const bins = new Array(10).fill(0);
    for (const x of u) bins[Math.floor(x * 10)]++;
    for (const c of bins) expect(Math.abs(c - n / 10)).toBeLessThan(n / 10 * 0.1);
    const z = Array.from({ length: n }, () => r.normal());
    const zm = z.reduce((a, b) => a + b, 0) / n;
    const zv = z.reduce((a, b) => a + (b - zm) ** 2, 0) / n;
    expect(Math.abs(zm)).toBeLessThan(0.03);
    expect(zv).toBeGreaterThan(0.95);
    expect(zv).toBeLessThan(1.05);
  });
});

describe('erf', () => {
  it('matches reference values', () => {
    // Abramowitz & Stegun table 7.1.
    for (const [x, v] of [
      [0, 0],
      [0.5, 0.5204998778],
      [1, 0.8427007929],
      [2, 0.995322265],
      [-1, -0.8427007929],
    ] as const)
      expect(erf(x)).toBeCloseTo(v, 6);
  });
});

describe('adaptive Parzen estimator (Bergstra et al. 2011, 4.1)', () => {
  it('puts a component on every point and the prior at the centre with sigma = the range', () => {
    const pz = adaptiveParzen([2, 3, 9], 0, 10, 1);
    expect(pz.mus).toEqual([2, 3, 5, 9]);
    const prior = pz.mus.indexOf(5);
    expect(pz.sigmas[prior]).toBe(10);
    // sigma of a point: the larger gap to a sorted neighbour, clipped to [range / min(100, 1 + 4), range].
    expect(pz.sigmas[0]).toBe(2); // only neighbour 1 away: the floor 10 / 5
    expect(pz.sigmas[1]).toBe(2); // neighbours 1 and 2 away
    expect(pz.sigmas[3]).toBe(4); // only neighbour (the prior) 4 away
    const tight = adaptiveParzen([1, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7, 1.8], 0, 10, 1);
    expect(tight.sigmas[0]).toBe(10 / 11); // the floor 10 / min(100, 1 + 10 components)
    expect(pz.weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('is a density on its range: integrates to 1, and its bins sum to 1', () => {
    const pz = adaptiveParzen([1.5, 1.7, 8.2], 0, 10, 1);
    let area = 0;
    const h = 0.001;
    for (let x = h / 2; x < 10; x += h) area += Math.exp(logParzen(pz, x)) * h;
    expect(area).toBeCloseTo(1, 3);
    const ipz = adaptiveParzen([3, 4, 12], 0.5, 20.5, 1);
    let mass = 0;
    for (let v = 1; v <= 20; v++) mass += Math.exp(logParzen(ipz, v, { a: v - 0.5, b: v + 0.5 }));
    expect(mass).toBeCloseTo(1, 6);
  });

  it('samples inside the range, following its density', () => {
    const pz = adaptiveParzen([2, 2.1, 2.2, 2.3], 0, 10, 1);
    const rng = Rng.for(3);
    const xs = Array.from({ length: 4000 }, () => sampleParzen(pz, rng));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThanOrEqual(10);
    // The share of draws in [1, 3.5] is the mixture's probability of that interval.
    const inside = (x: number) => x > 1 && x < 3.5;
    let p = 0;
    for (let x = 1.0005; x < 3.5; x += 0.001) p += Math.exp(logParzen(pz, x)) * 0.001;
    expect(xs.filter(inside).length / xs.length).toBeCloseTo(p, 1);
    expect(p).toBeGreaterThan(0.4); // against 0.25 for a uniform draw
  });
});

describe('split into good and bad', () => {
  it('takes the best gamma(n) and never an infeasible one', () => {
    const obs: Observation[] = [
      { params: { x: 1 }, value: 0.1 },
      { params: { x: 2 }, value: null },
      { params: { x: 3 }, value: 0.9 },
      { params: { x: 4 }, value: 0.5 },
    ];
    const { good, bad } = splitObservations(obs, () => 2);
    expect(good.map((o) => o.params.x)).toEqual([3, 4]);
    expect(bad.map((o) => o.params.x)).toEqual([1, 2]);
    const allBad = splitObservations([{ params: { x: 1 }, value: null }], () => 1);
    expect(allBad.good).toEqual([]);
  });
});

const space2d: ParamSpace = {
  strategy: 'test',
  dims: [
    { name: 'x', kind: 'float', min: -5, max: 5, step: null, log: false },
    { name: 'y', kind: 'int', min: 1, max: 200, step: 1, log: false },
  ],
  fixed: {},
  constraints: [],
};
// A smooth peak at x = 1.3, y = 137 (value 0 there, negative elsewhere).
const f = (c: Candidate) => -((Number(c.x) - 1.3) ** 2) - ((Number(c.y) - 137) / 40) ** 2;

function study(plan: SamplerPlan, n: number): number {
  const obs: Observation[] = [];
  const taken: Candidate[] = [];
  for (let i = 0; i < n; i++) {
    const c = suggest(plan, space2d, i, { seen: obs, taken });
    taken.push(c);
    obs.push({ params: c, value: f(c) });
  }
  return Math.max(...obs.map((o) => o.value!));
}

describe('TPE against random search', () => {
  it('finds a better point than random search with the same budget, over 20 seeds', () => {
    const budget = 50;
    const tpe: number[] = [];
    const rnd: number[] = [];
    for (let seed = 1; seed <= 20; seed++) {
      tpe.push(study({ sampler: 'tpe', seed, startup: 10, batch: 1 }, budget));
      rnd.push(study({ sampler: 'random', seed, startup: 0, batch: 1 }, budget));
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    // Regret (distance from the optimum 0): TPE's mean is well below random search's.
    expect(-mean(tpe)).toBeLessThan(-mean(rnd) * 0.6);
    expect(tpe.filter((v, i) => v > rnd[i]!).length).toBeGreaterThanOrEqual(13);
  });

  it('prefers the category that did well', () => {
    const dims: ParamDim[] = [{ name: 'mode', kind: 'choice', values: ['a', 'b', 'c'] }];
    const obs: Observation[] = [];
    for (let i = 0; i < 30; i++) obs.push({ params: { mode: ['a', 'b', 'c'][i % 3]! }, value: i % 3 === 1 ? 1 + i / 100 : i / 100 });
    const picks = Array.from({ length: 40 }, (_, k) => tpeSuggest(dims, obs, Rng.for(k)).mode);
    expect(picks.filter((p) => p === 'b').length).toBeGreaterThan(30);
  });

  it('keeps integers on their step and inside the bounds, log scales too', () => {
    const dims: ParamDim[] = [
      { name: 'n', kind: 'int', min: 5, max: 95, step: 5, log: false },
      { name: 'k', kind: 'int', min: 2, max: 400, step: 1, log: true },
      { name: 'r', kind: 'float', min: 0.01, max: 1, step: 0.01, log: true },
    ];
    const obs: Observation[] = Array.from({ length: 20 }, (_, i) => ({ params: randomCandidate({ dims, constraints: [], fixed: {} }, Rng.for(i)), value: i }));
    for (let k = 0; k < 50; k++) {
      const c = tpeSuggest(dims, obs, Rng.for(100 + k));
      expect(Number(c.n) % 5).toBe(0);
      expect(c.n).toBeGreaterThanOrEqual(5);
      expect(c.n).toBeLessThanOrEqual(95);
      expect(Number.isInteger(c.k)).toBe(true);
      expect(c.k).toBeGreaterThanOrEqual(2);
      expect(c.k).toBeLessThanOrEqual(400);
      expect(Math.abs(Number(c.r) * 100 - Math.round(Number(c.r) * 100))).toBeLessThan(1e-9);
    }
  });

  it('gives the same suggestion for the same history and seed', () => {
    const obs: Observation[] = Array.from({ length: 15 }, (_, i) => ({ params: randomCandidate(space2d, Rng.for(i)), value: i % 4 === 0 ? null : i }));
    expect(tpeSuggest(space2d.dims, obs, Rng.for(9))).toEqual(tpeSuggest(space2d.dims, obs, Rng.for(9)));
  });
});
