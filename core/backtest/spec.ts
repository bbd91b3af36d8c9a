/**
 * What a backtest is asked to do, validated once at the door (API verb, CLI, activity input) and
 * stored with the result so a run can be repeated.
 */
import { z } from 'zod';
import { TimeframeSchema } from '../domain/market';
import { productIdSchema } from '../domain/product';
import { RiskLimitsSchema } from '../risk/limits';
import { STRATEGIES, STRATEGY_NAMES } from './strategies';

const rate = z.string().regex(/^0(\.\d{1,8})?$|^0?\.\d{1,8}$/, 'must be a fee rate below 1, like "0.012" for 1.20%');
const isoOrMs = z.union([z.number().int().min(0), z.string().min(4)]).transform((v, ctx) => {
  const ms = typeof v === 'number' ? v : Date.parse(v);
  if (!Number.isFinite(ms)) {
    ctx.addIssue({ code: 'custom', message: `not a date: ${JSON.stringify(v)} (use ISO like 2019-01-01 or epoch ms)` });
    return z.NEVER;
  }
  return ms;
});

/** The fields of a spec, without the cross-field checks (a study varies `params` itself). */
export const BacktestSpecFields = z
  .object({
    strategy: z.enum(STRATEGY_NAMES, { error: `strategy must be one of ${STRATEGY_NAMES.join(', ')}` }),
    symbols: z.array(productIdSchema('symbols are product ids like BTC-USD')).min(1).max(20),
    /** Allocation per symbol (same order); normalised to sum 1. Default: equal weights. */
    weights: z.array(z.number().positive().finite()).optional(),
    from: isoOrMs.optional(),
    to: isoOrMs.optional(),
    timeframe: TimeframeSchema,
    /** Fee rates; default Coinbase entry tier (taker 1.20%, maker 0.60%). */
    fees: z.object({ taker: rate, maker: rate }).strict().optional(),
    /** Strategy parameters (validated by the strategy's own schema). */
    params: z.record(z.string(), z.unknown()).optional(),
    initialCash: z.string().regex(/^[1-9]\d{0,12}(\.\d{1,2})?$/, 'initialCash must be a positive amount like "10000"').default('10000'),
    /** Spread estimate override in bps for every symbol (default: the product's own estimate). */
    spreadBps: z.number().min(0).max(1000).optional(),
    /** Size-dependent slippage; false turns it off (used for peer comparison). */
    slippage: z.boolean().default(true),
    /** Risk limits: none (default), the paper ledger's defaults, or explicit limits. */
    risk: z.union([z.enum(['none', 'default']), RiskLimitsSchema]).default('none'),
    profitScrapePct: z.string().regex(/^(0(\.\d+)?|1(\.0+)?)$/, 'profitScrapePct must be within 0..1').default('0'),
    rebalanceBand: z.number().min(0).max(1).default(0.05),
    /** Upper bound on equity-curve points stored (the curve is sampled at a fixed stride). */
    maxCurvePoints: z.number().int().min(10).max(100_000).default(2000),
    label: z.string().max(120).optional(),
  })
  .strict();

/**
 * The checks across fields: weights per symbol, distinct symbols, `to` after `from`, and — unless
 * `params: false` — the strategy's own parameters.
 */
export function checkSpec(s: z.output<typeof BacktestSpecFields>, ctx: z.RefinementCtx, opts: { params: boolean } = { params: true }): void {
  if (s.weights && s.weights.length !== s.symbols.length) ctx.addIssue({ code: 'custom', path: ['weights'], message: `give one weight per symbol (${s.symbols.length})` });
  if (new Set(s.symbols).size !== s.symbols.length) ctx.addIssue({ code: 'custom', path: ['symbols'], message: 'symbols must be distinct' });
  if (s.from !== undefined && s.to !== undefined && s.from >= s.to) ctx.addIssue({ code: 'custom', path: ['to'], message: '`to` must be after `from`' });
  if (!opts.params) return;
  // The strategy's own parameters, checked at the door so a bad one is named before a run starts.
  const params = STRATEGIES[s.strategy]?.params.safeParse(s.params ?? {});
  if (params && !params.success) {
    for (const i of params.error.issues) ctx.addIssue({ code: 'custom', path: ['params', ...i.path.map(String)], message: `${s.strategy} params: ${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}` });
  }
}

export const BacktestSpecSchema = BacktestSpecFields.superRefine((s, ctx) => checkSpec(s, ctx));

export type BacktestSpecInput = z.input<typeof BacktestSpecSchema>;
export type BacktestSpec = z.output<typeof BacktestSpecSchema>;
