/**
 * The strategies a backtest can run and their parameters, described from each strategy's own
 * params schema (so the run form, MCP clients and the broker see exactly what `run_backtest`
 * accepts, with its defaults and bounds). Cross-field rules (sma_cross: fast < slow) are not
 * expressible here; `run_backtest` checks them and names the field. Every strategy lists its own
 * parameters first, then the protective exits (`group: 'exit'`).
 */
import { z } from 'zod';
import { STRATEGIES, STRATEGY_NAMES, type StrategyName } from './index';
import { EXIT_PARAM_NAMES } from './exits';

/** Parameters the runner sets itself (from the spec), not a user's to choose. */
export const RUNNER_PARAMS: readonly string[] = ['barMs', 'fees', 'spreadBps'];

export const StrategyParamSchema = z
  .object({
    name: z.string(),
    type: z.enum(['integer', 'number', 'string']),
    description: z.string().optional(),
    default: z.union([z.number(), z.string()]).optional(),
    minimum: z.number().optional(),
    maximum: z.number().optional(),
    /** The value must be above this (not equal). */
    exclusiveMinimum: z.number().optional(),
    /** The value must be below this (not equal). */
    exclusiveMaximum: z.number().optional(),
    /** The allowed values, for a choice. */
    options: z.array(z.string()).optional(),
    pattern: z.string().optional(),
    /**
     * `exit`: one of the protective exits every strategy takes (stopLossPct, stopLimitPct,
     * takeProfitPct, trailingPct), a fraction of the entry price; doors show it as a percentage.
     */
    group: z.enum(['exit']).optional(),
  })
  .strict();
export type StrategyParam = z.infer<typeof StrategyParamSchema>;

export const StrategyInfoSchema = z
  .object({ name: z.enum(STRATEGY_NAMES), description: z.string(), params: z.array(StrategyParamSchema) })
  .strict();
export type StrategyInfo = z.infer<typeof StrategyInfoSchema>;

interface JsonProp {
  type?: string;
  description?: string;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  enum?: unknown[];
  pattern?: string;
}

function describeParam(name: string, p: JsonProp): StrategyParam {
  if (p.type !== 'integer' && p.type !== 'number' && p.type !== 'string') throw new Error(`strategy param ${name}: unsupported type ${String(p.type)}`);
  const out: StrategyParam = { name, type: p.type };
  if (p.description) out.description = p.description;
  if (typeof p.default === 'number' || typeof p.default === 'string') out.default = p.default;
  if (p.minimum !== undefined) out.minimum = p.minimum;
  if (p.maximum !== undefined && p.maximum < Number.MAX_SAFE_INTEGER) out.maximum = p.maximum;
  if (p.exclusiveMinimum !== undefined) out.exclusiveMinimum = p.exclusiveMinimum;
  if (p.exclusiveMaximum !== undefined) out.exclusiveMaximum = p.exclusiveMaximum;
  if (p.enum) out.options = p.enum.map(String);
  if (p.pattern) out.pattern = p.pattern;
  if ((EXIT_PARAM_NAMES as readonly string[]).includes(name)) out.group = 'exit';
  return out;
}

function build(): StrategyInfo[] {
  return STRATEGY_NAMES.map((name: StrategyName) => {
    const def = STRATEGIES[name]!;
    const schema = z.toJSONSchema(def.params, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, JsonProp> };
    const params = Object.entries(schema.properties ?? {})
      .filter(([k]) => !RUNNER_PARAMS.includes(k))
      .map(([k, p]) => describeParam(k, p));
    return { name, description: def.description, params };
  });
}

let cached: StrategyInfo[] | null = null;
/** Every strategy with its parameters (built once). */
export function strategyCatalog(): StrategyInfo[] {
  cached ??= build();
  return cached;
}
