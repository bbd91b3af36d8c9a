import { describe, expect, it } from 'vitest';
import { RUNNER_PARAMS, strategyCatalog } from './catalog';
import { EXIT_PARAM_NAMES, STRATEGIES, STRATEGY_NAMES } from './index';

describe('strategy catalog', () => {
  const catalog = strategyCatalog();

  it('lists every strategy run_backtest accepts, with its description', () => {
    expect(catalog.map((s) => s.name)).toEqual([...STRATEGY_NAMES]);
    for (const s of catalog) expect(s.description).toBe(STRATEGIES[s.name]!.description);
  });

  it('gives each parameter the default the strategy itself applies', () => {
    for (const s of catalog) {
      const applied = STRATEGIES[s.name]!.params.parse({}) as Record<string, unknown>;
      for (const p of s.params) expect(p.default, `${s.name}.${p.name}`).toEqual(applied[p.name]);
    }
    const sma = catalog.find((s) => s.name === 'sma_cross')!;
    expect(sma.params).toEqual([
      expect.objectContaining({ name: 'fast', type: 'integer', default: 10, minimum: 1, maximum: 10_000 }),
      expect.objectContaining({ name: 'slow', type: 'integer', default: 30, minimum: 1, maximum: 10_000 }),
      { name: 'stopLossPct', type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1, group: 'exit', description: expect.stringMatching(/^Stop-loss/) },
      { name: 'stopLimitPct', type: 'number', minimum: 0, exclusiveMaximum: 0.5, group: 'exit', description: expect.stringMatching(/stop-limit/) },
      { name: 'takeProfitPct', type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 10, group: 'exit', description: expect.stringMatching(/^Take-profit/) },
      { name: 'trailingPct', type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 0.5, group: 'exit', description: expect.stringMatching(/^Trailing stop/) },
    ]);
    expect(catalog.find((s) => s.name === 'agent')!.params.find((p) => p.name === 'mode')!.options).toEqual(['conservative', 'standard', 'aggressive']);
  });

  it('describes bounds the schema enforces, and leaves out what the runner sets', () => {
    for (const s of catalog) {
      const schema = STRATEGIES[s.name]!.params;
      for (const p of s.params) {
        expect(RUNNER_PARAMS).not.toContain(p.name);
        if (p.minimum !== undefined) expect(schema.safeParse({ [p.name]: p.minimum - 1 }).success, `${s.name}.${p.name} below minimum`).toBe(false);
        if (p.maximum !== undefined) expect(schema.safeParse({ [p.name]: p.maximum + 1 }).success, `${s.name}.${p.name} above maximum`).toBe(false);
        if (p.exclusiveMinimum !== undefined) expect(schema.safeParse({ [p.name]: p.exclusiveMinimum }).success, `${s.name}.${p.name} at its exclusive minimum`).toBe(false);
        if (p.exclusiveMaximum !== undefined) expect(schema.safeParse({ [p.name]: p.exclusiveMaximum }).success, `${s.name}.${p.name} at its exclusive maximum`).toBe(false);
        if (p.options) expect(schema.safeParse({ [p.name]: 'none-of-these' }).success).toBe(false);
      }
    }
    expect(catalog.flatMap((s) => s.params.map((p) => p.name))).not.toContain('barMs');
  });
});

describe('protective exits in the catalog', () => {
  it('every strategy takes the same exits, off by default, after its own parameters', () => {
    for (const s of strategyCatalog()) {
      const exits = s.params.filter((p) => p.group === 'exit');
      expect(exits.map((p) => p.name), s.name).toEqual(EXIT_PARAM_NAMES);
      expect(s.params.slice(-exits.length), s.name).toEqual(exits);
      for (const p of exits) expect(p.default, `${s.name}.${p.name}`).toBeUndefined();
      expect(STRATEGIES[s.name]!.params.parse({}), s.name).not.toHaveProperty('stopLossPct');
    }
  });
});
