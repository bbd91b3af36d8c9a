/**
 * Protective exits every backtest strategy takes: a stop-loss (optionally a stop-limit), a
 * take-profit and a trailing stop, as fractions of the entry price. Declared here once and merged
 * into every registered strategy's params schema (strategies/index.ts), so the catalog
 * (`list_backtest_strategies`), the spec's check at the door (`params.stopLossPct` named), the
 * research lab's search space and its trial check all see them as the strategy's own parameters.
 *
 * The engine (core/backtest/engine.ts) places them after every entry fill and judges them on later
 * bars with the paper book's conditional-order kernel (core/trading/conditional.ts).
 *
 * Values are numbers (a study varies them over ranges) holding decimal fractions: 0.02 is 2%. The
 * engine reads each as the shortest decimal that round-trips the number (`Dec.fromMeasured`), so
 * the "0.02" a door derived from "2" percent is exactly 0.02 again.
 */
import { z } from 'zod';
import { Dec } from '../../domain/decimal';
import { fractionToPercent, percentToFraction } from '../../domain/percent';
import type { StrategyDef } from './types';

export const EXIT_PARAMS = {
  stopLossPct: z.number().gt(0).lt(1).optional().describe('Stop-loss: sell when the price falls this fraction below the entry (0.02 = 2%); off unless set'),
  stopLimitPct: z.number().min(0).lt(0.5).optional().describe('Makes the stop-loss a stop-limit, its limit this fraction below the stop (0 = at the stop); needs stopLossPct'),
  takeProfitPct: z.number().gt(0).lt(10).optional().describe('Take-profit: a resting sell this fraction above the entry (0.04 = 4%); off unless set'),
  trailingPct: z.number().gt(0).lt(0.5).optional().describe('Trailing stop this fraction below the best price since the entry (0.015 = 1.5%); off unless set'),
} as const;

export type ExitParamName = keyof typeof EXIT_PARAMS;
export const EXIT_PARAM_NAMES = Object.keys(EXIT_PARAMS) as ExitParamName[];

/** Why a position was closed: the strategy's own order, or one of its protective exits. */
export const EXIT_REASONS = ['signal', 'stop_loss', 'take_profit', 'trailing_stop'] as const;
export type ExitReason = (typeof EXIT_REASONS)[number];

/** The exits of a run as exact decimal fractions (null: that exit is off). */
export interface ExitConfig {
  stopLoss: string | null;
  /** With stopLoss: the stop is a stop-limit whose limit sits this fraction below the stop. */
  stopLimit: string | null;
  takeProfit: string | null;
  trailing: string | null;
}

/** Cross-field rule of the exits, with the field named. */
function checkExits(p: Partial<Record<ExitParamName, number>>, ctx: z.RefinementCtx): void {
  if (p.stopLimitPct !== undefined && p.stopLossPct === undefined) ctx.addIssue({ code: 'custom', path: ['stopLimitPct'], message: 'stopLimitPct makes the stop-loss a stop-limit: give stopLossPct too' });
}

/** A strategy whose params schema also takes the exits (the strategy itself never reads them). */
export function withExits<D extends StrategyDef>(def: D): D {
  const own = def.params;
  if (!(own instanceof z.ZodObject)) throw new Error(`strategy ${def.name}: params must be an object schema to take the exits`);
  for (const k of EXIT_PARAM_NAMES) if (k in own.shape) throw new Error(`strategy ${def.name}: its own parameter ${k} clashes with an exit`);
  return { ...def, params: own.safeExtend(EXIT_PARAMS).superRefine(checkExits) };
}

/** The exits of a strategy's parsed params; null when none is set (the engine's fast path). */
export function exitsOf(params: unknown): ExitConfig | null {
  const p = (params ?? {}) as Partial<Record<ExitParamName, unknown>>;
  const frac = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? Dec.fromMeasured(v).toString() : null);
  const x: ExitConfig = { stopLoss: frac(p.stopLossPct), stopLimit: frac(p.stopLimitPct), takeProfit: frac(p.takeProfitPct), trailing: frac(p.trailingPct) };
  if (x.stopLoss === null) x.stopLimit = null;
  return x.stopLoss === null && x.takeProfit === null && x.trailing === null ? null : x;
}

/** Each exit's name at the CLI (`--stop-loss-pct 2`), where it is given in percent. */
export const EXIT_FLAGS: Record<ExitParamName, string> = { stopLossPct: 'stop-loss-pct', stopLimitPct: 'stop-limit-pct', takeProfitPct: 'take-profit-pct', trailingPct: 'trailing-pct' };

/** "above 0% and below 100%": an exit's bounds in percent, from its own schema. */
export function exitBoundsText(name: ExitParamName): string {
  const j = z.toJSONSchema(EXIT_PARAMS[name], { io: 'input' }) as { minimum?: number; exclusiveMinimum?: number; exclusiveMaximum?: number; maximum?: number };
  const lo = j.exclusiveMinimum !== undefined ? `above ${fractionToPercent(j.exclusiveMinimum)}%` : j.minimum !== undefined ? `at least ${fractionToPercent(j.minimum)}%` : null;
  const hi = j.exclusiveMaximum !== undefined ? `below ${fractionToPercent(j.exclusiveMaximum)}%` : j.maximum !== undefined ? `at most ${fractionToPercent(j.maximum)}%` : null;
  return [lo, hi].filter(Boolean).join(' and ');
}

/**
 * A percentage typed for an exit ("1.5") to the fraction the spec holds (0.015): the exact
 * decimal shift, then the exit's own bounds. The message says what is allowed, in percent.
 */
export function exitFromPercent(name: ExitParamName, percent: string): { ok: true; value: number } | { ok: false; message: string } {
  const frac = percentToFraction(percent, '1000000');
  const parsed = frac === null ? null : EXIT_PARAMS[name].safeParse(Number(frac));
  if (frac === null || !parsed?.success) return { ok: false, message: `must be a percentage ${exitBoundsText(name)}, like ${name === 'stopLimitPct' ? '0.5' : '2'}` };
  return { ok: true, value: Number(frac) };
}
