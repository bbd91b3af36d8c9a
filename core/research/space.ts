/**
 * The search space of a study: which of a strategy's declared parameters vary and over which
 * values. Built from the strategy catalog (core/backtest/strategies/catalog.ts: type, default,
 * bounds, choices), so a study can only ask for values `run_backtest` would accept.
 *
 * Pure data once resolved: the optimisation workflow receives the resolved space and draws from
 * it with the samplers (core/research/samplers.ts), which import nothing but this file's types.
 */
import { z } from 'zod';
import { strategyCatalog, type StrategyParam } from '../backtest/strategies/catalog';
import { STRATEGIES } from '../backtest/strategies';

export type ParamValue = number | string;
export type Candidate = Record<string, ParamValue>;

export type ParamDim =
  | { name: string; kind: 'int'; min: number; max: number; step: number; log: boolean }
  | { name: string; kind: 'float'; min: number; max: number; step: number | null; log: boolean }
  | { name: string; kind: 'choice'; values: ParamValue[] };

/**
 * The cross-field rules of the strategies' params schemas (their `refine`s), as data the samplers
 * can respect before drawing. `space.test.ts` proves each pair against the real schema, so this
 * list fails a test when a strategy's rule changes.
 */
export const ORDER_CONSTRAINTS: Record<string, [string, string][]> = {
  sma_cross: [['fast', 'slow']],
  rsi_reversion: [['low', 'high']],
};

/** Strategies a study may vary: every one except `agent`, whose trials would each pay a model. */
export const OPTIMISABLE = (Object.keys(STRATEGIES) as string[]).filter((s) => s !== 'agent');

/** What a user gives for one parameter: a range (with a step for grids) or a list of values. */
export const RangeInputSchema = z.union([
  z
    .object({
      min: z.number().finite(),
      max: z.number().finite(),
      /** Grid spacing (and the rounding of drawn values). Integers default to 1. */
      step: z.number().positive().finite().optional(),
      /** Draw on a log scale (both bounds must be positive). */
      log: z.boolean().optional(),
    })
    .strict(),
  z.object({ values: z.array(z.union([z.number().finite(), z.string().max(64)])).min(1).max(200) }).strict(),
]);
export type RangeInput = z.infer<typeof RangeInputSchema>;

export const SpaceInputSchema = z.record(z.string().max(64), RangeInputSchema);
export type SpaceInput = z.infer<typeof SpaceInputSchema>;

export const ParamDimSchema = z.discriminatedUnion('kind', [
  z.object({ name: z.string(), kind: z.literal('int'), min: z.number(), max: z.number(), step: z.number(), log: z.boolean() }),
  z.object({ name: z.string(), kind: z.literal('float'), min: z.number(), max: z.number(), step: z.number().nullable(), log: z.boolean() }),
  z.object({ name: z.string(), kind: z.literal('choice'), values: z.array(z.union([z.number(), z.string()])) }),
]);
export const ParamSpaceSchema = z.object({
  strategy: z.string(),
  dims: z.array(ParamDimSchema),
  /** Parameters that do not vary: what every trial passes besides the drawn ones. */
  fixed: z.record(z.string(), z.unknown()),
  /** Pairs [a, b] that must satisfy a < b (the strategies' own cross-field rules). */
  constraints: z.array(z.tuple([z.string(), z.string()])),
});
export type ParamSpace = z.infer<typeof ParamSpaceSchema>;

export class SpaceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SpaceError';
  }
}

function lowerBound(p: StrategyParam): number {
  if (p.minimum !== undefined) return p.minimum;
  if (p.exclusiveMinimum !== undefined) return p.type === 'integer' ? Math.floor(p.exclusiveMinimum) + 1 : p.exclusiveMinimum;
  return -Infinity;
}

/**
 * The range a study varies a parameter over when the user names none: half to twice the default
 * (integers), or half to one and a half times (decimals), inside the declared bounds; every
 * choice of a choice parameter.
 */
export function defaultRange(p: StrategyParam): ParamDim | null {
  if (p.options) return { name: p.name, kind: 'choice', values: [...p.options] };
  if (p.type === 'string' || typeof p.default !== 'number') return null;
  const lo = lowerBound(p);
  const hi = p.maximum ?? p.exclusiveMaximum ?? Infinity;
  const d = p.default;
  if (p.type === 'integer') {
    const min = Math.max(lo, Math.max(1, Math.ceil(d / 2)));
    const max = Math.min(hi, Math.max(min + 1, d * 2));
    return { name: p.name, kind: 'int', min, max, step: 1, log: false };
  }
  const min = Math.max(lo, d / 2);
  const max = Math.min(hi, d * 1.5);
  if (!(max > min)) return null;
  return { name: p.name, kind: 'float', min, max, step: null, log: false };
}

/**
 * The resolved space for a strategy: each parameter in `input` varies over what it names
 * (checked against the catalog's type, bounds and choices), the others stay at `fixed` (the
 * study's own params) or their defaults. No input: every parameter with a default varies over
 * its default range (the protective exits, off by default, vary only when named).
 */
export function resolveSpace(strategy: string, input: SpaceInput | undefined, fixed: Record<string, unknown> = {}): ParamSpace {
  if (!OPTIMISABLE.includes(strategy)) {
    throw new SpaceError(
      strategy === 'agent'
        ? 'strategy agent cannot be optimised: every trial would ask the model; compare agent configurations with run_arena instead'
        : `unknown strategy ${strategy} (one of ${OPTIMISABLE.join(', ')})`,
    );
  }
  const info = strategyCatalog().find((s) => s.name === strategy)!;
  const byName = new Map(info.params.map((p) => [p.name, p]));
  const dims: ParamDim[] = [];
  if (input) {
    for (const [name, r] of Object.entries(input)) {
      const p = byName.get(name);
      if (!p) throw new SpaceError(`space.${name}: ${strategy} has no parameter ${name} (it has ${info.params.map((x) => x.name).join(', ') || 'none'})`);
      if (name in fixed) throw new SpaceError(`space.${name}: ${name} is also fixed in params; vary it or fix it, not both`);
      dims.push(dimOf(p, r));
    }
  } else {
    for (const p of info.params) {
      if (p.name in fixed) continue;
      const d = defaultRange(p);
      if (d) dims.push(d);
    }
  }
  if (dims.length === 0) {
    // The protective exits are off by default, so they vary only when the space names them.
    const free = info.params.filter((p) => !(p.name in fixed)).map((p) => p.name);
    throw new SpaceError(free.length ? `${strategy} has no parameter that varies by default: name ranges in space (it has ${free.join(', ')})` : `${strategy} has no parameter to vary${info.params.length ? ' (all are fixed)' : ''}`);
  }
  const names = new Set(dims.map((d) => d.name));
  for (const k of Object.keys(fixed)) if (!byName.has(k)) throw new SpaceError(`params.${k}: ${strategy} has no parameter ${k}`);
  const constraints = (ORDER_CONSTRAINTS[strategy] ?? []).filter(([a, b]) => names.has(a) || names.has(b));
  return { strategy, dims, fixed: { ...fixed }, constraints };
}

function dimOf(p: StrategyParam, r: RangeInput): ParamDim {
  const where = `space.${p.name}`;
  if ('values' in r) {
    for (const v of r.values) {
      if (p.options) {
        if (!p.options.includes(String(v))) throw new SpaceError(`${where}: ${JSON.stringify(v)} is not one of ${p.options.join(', ')}`);
      } else if (p.type === 'string') {
        if (typeof v !== 'string') throw new SpaceError(`${where}: values must be strings`);
      } else {
        if (typeof v !== 'number') throw new SpaceError(`${where}: values must be numbers`);
        checkBounds(p, v, where);
      }
    }
    const values = [...new Set(r.values)];
    return { name: p.name, kind: 'choice', values };
  }
  if (p.type === 'string') throw new SpaceError(`${where}: ${p.name} is a choice (${(p.options ?? []).join(', ')}): give values, not a range`);
  if (!(r.max >= r.min)) throw new SpaceError(`${where}: max (${r.max}) must be at least min (${r.min})`);
  checkBounds(p, r.min, where);
  checkBounds(p, r.max, where);
  if (r.log && !(r.min > 0)) throw new SpaceError(`${where}: a log scale needs min above 0`);
  if (p.type === 'integer') {
    if (!Number.isInteger(r.min) || !Number.isInteger(r.max)) throw new SpaceError(`${where}: ${p.name} is a whole number: min and max must be integers`);
    const step = r.step ?? 1;
    if (!Number.isInteger(step)) throw new SpaceError(`${where}: the step of a whole number must be an integer`);
    return { name: p.name, kind: 'int', min: r.min, max: r.max, step, log: r.log ?? false };
  }
  return { name: p.name, kind: 'float', min: r.min, max: r.max, step: r.step ?? null, log: r.log ?? false };
}

function checkBounds(p: StrategyParam, v: number, where: string): void {
  const lo = lowerBound(p);
  if (p.exclusiveMinimum !== undefined && v <= p.exclusiveMinimum) throw new SpaceError(`${where}: ${p.name} must be above ${p.exclusiveMinimum}, not ${v}`);
  if (v < lo) throw new SpaceError(`${where}: ${v} is below ${p.name}'s minimum ${lo}`);
  if (p.maximum !== undefined && v > p.maximum) throw new SpaceError(`${where}: ${v} is above ${p.name}'s maximum ${p.maximum}`);
  if (p.exclusiveMaximum !== undefined && v >= p.exclusiveMaximum) throw new SpaceError(`${where}: ${p.name} must be below ${p.exclusiveMaximum}, not ${v}`);
  if (p.type === 'integer' && !Number.isInteger(v)) throw new SpaceError(`${where}: ${p.name} is a whole number, not ${v}`);
}

/** The strategy's own verdict on a full parameter set: null when valid, else its message. */
export function checkParams(strategy: string, params: Record<string, unknown>): string | null {
  const def = STRATEGIES[strategy];
  if (!def) return `unknown strategy ${strategy}`;
  const r = def.params.safeParse(params);
  if (r.success) return null;
  return r.error.issues.map((i) => `${i.path.join('.') || 'params'}: ${i.message}`).join('; ');
}
