import { describe, expect, it } from 'vitest';
import { STRATEGIES } from '../backtest/strategies';
import { strategyCatalog } from '../backtest/strategies/catalog';
import { Rng } from './rng';
import { batchStart, gridPoints, gridSize, gridValues, randomCandidate, satisfies, suggest } from './samplers';
import { checkParams, ORDER_CONSTRAINTS, OPTIMISABLE, resolveSpace, SpaceError } from './space';

describe('resolveSpace', () => {
  it('varies every declared parameter over its default range when none is named', () => {
    const s = resolveSpace('sma_cross', undefined);
    expect(s.dims).toEqual([
      { name: 'fast', kind: 'int', min: 5, max: 20, step: 1, log: false },
      { name: 'slow', kind: 'int', min: 15, max: 60, step: 1, log: false },
    ]);
    expect(s.constraints).toEqual([['fast', 'slow']]);
    expect(resolveSpace('policy', undefined).dims).toEqual([{ name: 'mode', kind: 'choice', values: ['conservative', 'standard', 'aggressive'] }]);
    // A fixed parameter does not vary.
    expect(resolveSpace('sma_cross', undefined, { fast: 10 }).dims.map((d) => d.name)).toEqual(['slow']);
  });

  it('checks a named range against the catalog and names the field', () => {
    expect(resolveSpace('sma_cross', { fast: { min: 2, max: 30, step: 2 } }).dims[0]).toEqual({ name: 'fast', kind: 'int', min: 2, max: 30, step: 2, log: false });
    const bad = (f: () => unknown, msg: RegExp) => expect(f).toThrow(msg);
    bad(() => resolveSpace('sma_cross', { speed: { min: 1, max: 2 } }), /space\.speed: sma_cross has no parameter speed/);
    bad(() => resolveSpace('sma_cross', { fast: { min: 0, max: 10 } }), /space\.fast: 0 is below fast's minimum 1/);
    bad(() => resolveSpace('sma_cross', { fast: { min: 1.5, max: 10 } }), /whole number/);
    bad(() => resolveSpace('sma_cross', { fast: { min: 10, max: 5 } }), /max \(5\) must be at least min \(10\)/);
    bad(() => resolveSpace('policy', { mode: { values: ['bold'] } }), /"bold" is not one of conservative, standard, aggressive/);
    bad(() => resolveSpace('policy', { mode: { min: 1, max: 2 } }), /give values, not a range/);
    bad(() => resolveSpace('agent', undefined), /run_arena/);
    expect(() => resolveSpace('buy_and_hold', undefined)).toThrow(SpaceError);
    bad(() => resolveSpace('sma_cross', { fast: { min: 2, max: 9 } }, { fast: 3 }), /vary it or fix it/);
  });

  it('mirrors each strategy rule the samplers respect: a < b is exactly what the strategy accepts', () => {
    for (const [strategy, pairs] of Object.entries(ORDER_CONSTRAINTS)) {
      const space = resolveSpace(strategy, undefined);
      const rng = Rng.for(strategy);
      for (let i = 0; i < 300; i++) {
        const c: Record<string, number | string> = {};
        for (const d of space.dims) c[d.name] = d.kind === 'choice' ? d.values[0]! : d.kind === 'int' ? d.min + rng.int(d.max - d.min + 1) : d.min + rng.next() * (d.max - d.min);
        expect(checkParams(strategy, c) === null, `${strategy} ${JSON.stringify(c)}`).toBe(satisfies(c, { constraints: pairs, fixed: {} }));
      }
    }
    // Every other optimisable strategy accepts any point of its default space.
    for (const strategy of OPTIMISABLE.filter((s) => !(s in ORDER_CONSTRAINTS) && s !== 'buy_and_hold')) {
      const space = resolveSpace(strategy, undefined);
      for (let i = 0; i < 50; i++) expect(checkParams(strategy, randomCandidate(space, Rng.for(strategy, i)))).toBeNull();
    }
    expect(OPTIMISABLE).not.toContain('agent');
    expect(Object.keys(STRATEGIES).filter((s) => !OPTIMISABLE.includes(s))).toEqual(['agent']);
    expect(strategyCatalog().length).toBe(Object.keys(STRATEGIES).length);
  });
});

describe('protective exits in a study', () => {
  it('every optimisable strategy can search its exits, as fractions within their declared bounds', () => {
    const s = resolveSpace('sma_cross', { stopLossPct: { min: 0.01, max: 0.05 }, trailingPct: { values: [0.01, 0.02] }, takeProfitPct: { min: 0.02, max: 0.1, log: true } }, { fast: 5, slow: 20 });
    expect(s.dims).toEqual([
      { name: 'stopLossPct', kind: 'float', min: 0.01, max: 0.05, step: null, log: false },
      { name: 'trailingPct', kind: 'choice', values: [0.01, 0.02] },
      { name: 'takeProfitPct', kind: 'float', min: 0.02, max: 0.1, step: null, log: true },
    ]);
    for (let i = 0; i < 30; i++) expect(checkParams('sma_cross', { ...s.fixed, ...randomCandidate(s, Rng.for('exits', i)) })).toBeNull();
    // buy_and_hold has nothing else to vary: its exits make it a study of where to get out.
    expect(resolveSpace('buy_and_hold', { stopLossPct: { min: 0.01, max: 0.1, step: 0.01 } }).dims).toHaveLength(1);
    expect(() => resolveSpace('buy_and_hold', undefined)).toThrow(/name ranges in space \(it has stopLossPct, stopLimitPct, takeProfitPct, trailingPct\)/);
  });

  it('leaves the exits out of the default space and checks their bounds and rule', () => {
    expect(resolveSpace('rsi_reversion', undefined).dims.map((d) => d.name)).toEqual(['period', 'low', 'high']);
    expect(() => resolveSpace('sma_cross', { stopLossPct: { min: 0, max: 0.05 } })).toThrow(/space\.stopLossPct: stopLossPct must be above 0, not 0/);
    expect(() => resolveSpace('sma_cross', { trailingPct: { min: 0.1, max: 0.5 } })).toThrow(/space\.trailingPct: trailingPct must be below 0\.5, not 0\.5/);
    expect(checkParams('sma_cross', { stopLimitPct: 0.01 })).toMatch(/stopLimitPct: stopLimitPct makes the stop-loss a stop-limit: give stopLossPct too/);
  });
});

describe('samplers', () => {
  it('grid: every point meeting the constraints, first dimension slowest', () => {
    const space = resolveSpace('sma_cross', { fast: { min: 5, max: 15, step: 5 }, slow: { values: [10, 20] } });
    expect(gridSize(space.dims)).toBe(6);
    expect(gridPoints(space)).toEqual([
      { fast: 5, slow: 10 },
      { fast: 5, slow: 20 },
      { fast: 10, slow: 20 },
      { fast: 15, slow: 20 },
    ]);
    expect(gridValues({ name: 'x', kind: 'float', min: 0, max: 1, step: null, log: false })).toHaveLength(11);
    expect(gridValues({ name: 'x', kind: 'float', min: 0.1, max: 0.3, step: 0.1, log: false })).toEqual([0.1, 0.2, 0.3]);
  });

  it('random: the same seed and index give the same point, meeting the constraints', () => {
    const space = resolveSpace('sma_cross', { fast: { min: 2, max: 50 }, slow: { min: 3, max: 60 } });
    const plan = { sampler: 'random' as const, seed: 42, startup: 0, batch: 4 };
    const a = Array.from({ length: 100 }, (_, i) => suggest(plan, space, i));
    expect(Array.from({ length: 100 }, (_, i) => suggest(plan, space, i))).toEqual(a);
    for (const c of a) expect(Number(c.fast)).toBeLessThan(Number(c.slow));
    expect(new Set(a.map((c) => `${c.fast}/${c.slow}`)).size).toBeGreaterThan(80);
    expect(suggest({ ...plan, seed: 43 }, space, 0)).not.toEqual(a[0]);
  });

  it('TPE batches: a trial sees the results before its batch only', () => {
    const plan = { sampler: 'tpe' as const, seed: 1, startup: 10, batch: 4 };
    expect([0, 9, 10, 13, 14, 17, 18].map((i) => batchStart(plan, i))).toEqual([0, 0, 10, 10, 14, 14, 18]);
    expect(batchStart({ ...plan, sampler: 'random' }, 50)).toBe(0);
  });
});
