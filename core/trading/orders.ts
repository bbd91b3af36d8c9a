/**
 * The order request as every door sends it (UI, agents, MCP, CLI) and as the ledger's update
 * validator checks it. Amounts are positive decimal strings; exactly one of quantity/notional.
 */
import { z } from 'zod';
import { productIdSchema } from '../domain/product';

export const positiveDecimal = z
  .string()
  .regex(/^(0|[1-9]\d{0,17})(\.\d{1,18})?$/, 'must be a positive decimal string like "0.01" or "250"')
  .refine((s) => /[1-9]/.test(s), 'must be greater than zero');

export const OrderAgent = z.enum(['user', 'execution-agent', 'broker', 'mcp', 'cli', 'backtest', 'test', 'bench']);
export type OrderAgent = z.infer<typeof OrderAgent>;

/** A share like "0.02" (2%), above 0 and below 0.5. */
export const trailFraction = z
  .string()
  .regex(/^0\.\d{1,8}$/, 'a fraction like "0.02" for 2%')
  .refine((s) => /[1-9]/.test(s) && Number(s) < 0.5, 'between 0 and 0.5 (a 2% trail is "0.02")');

export const ORDER_TYPES = ['market', 'limit', 'stop', 'stop_limit', 'take_profit', 'trailing_stop'] as const;
export const OrderTypeSchema = z.enum(ORDER_TYPES);

/** The protective exits attached to an entry (a buy): one cancels the other once either fills. */
export const BracketSchema = z
  .object({
    /** At a price, or `pct` above the entry's fill ("0.04" for 4%). */
    takeProfit: z
      .object({
        limitPrice: positiveDecimal.optional(),
        pct: z
          .string()
          .regex(/^\d(\.\d{1,8})?$/, 'a fraction like "0.04" for 4%')
          .refine((s) => /[1-9]/.test(s), 'above 0')
          .optional(),
      })
      .strict()
      .refine((t) => (t.limitPrice === undefined) !== (t.pct === undefined), 'give exactly one of limitPrice or pct')
      .optional(),
    /** At a stop price (optionally a stop-limit), `stopPct` below the entry's fill, or trailing. */
    stopLoss: z
      .object({ stopPrice: positiveDecimal.optional(), stopPct: trailFraction.optional(), limitPrice: positiveDecimal.optional(), trailingPct: trailFraction.optional(), trailingAmount: positiveDecimal.optional() })
      .strict()
      .refine((s) => [s.stopPrice, s.stopPct, s.trailingPct, s.trailingAmount].filter((x) => x !== undefined).length === 1, 'give exactly one of stopPrice, stopPct, trailingPct or trailingAmount')
      .refine((s) => s.limitPrice === undefined || s.stopPrice !== undefined, 'a stop-limit exit needs stopPrice with its limitPrice')
      .optional(),
  })
  .strict()
  .refine((b) => b.takeProfit !== undefined || b.stopLoss !== undefined, 'a bracket has a takeProfit, a stopLoss, or both');
export type Bracket = z.infer<typeof BracketSchema>;

export const PlaceOrderFields = z
  .object({
    symbol: productIdSchema('must be a product id like BTC-USD'),
    side: z.enum(['buy', 'sell']),
    type: OrderTypeSchema,
    quantity: positiveDecimal.optional(),
    notional: positiveDecimal.optional(),
    limitPrice: positiveDecimal.optional(),
    /** stop, stop_limit: the trigger price. */
    stopPrice: positiveDecimal.optional(),
    /** trailing_stop: the trail, as a share of the best price or an amount. */
    trailingPct: trailFraction.optional(),
    trailingAmount: positiveDecimal.optional(),
    /** For an entry (market or limit buy): take-profit and/or stop-loss placed when it fills. */
    bracket: BracketSchema.optional(),
    idempotencyKey: z.string().min(8, 'idempotency key must be at least 8 characters').max(128).regex(/^[\w.:/-]+$/, 'idempotency key may hold letters, digits and _ . : / -'),
    expectedEdgeBps: z.number().finite().min(-100_000).max(100_000).optional(),
    rationale: z.string().max(2000).optional(),
    agent: OrderAgent,
    correlationId: z.string().min(1).max(128),
  })
  .strict();

type OrderShape = {
  side: 'buy' | 'sell';
  quantity?: string | undefined;
  notional?: string | undefined;
  limitPrice?: string | undefined;
  stopPrice?: string | undefined;
  trailingPct?: string | undefined;
  trailingAmount?: string | undefined;
  bracket?: unknown;
  type: (typeof ORDER_TYPES)[number];
};

/** Cross-field rules, shared by the ledger's validator and the API verb's input. */
export function refineOrder(o: OrderShape, ctx: z.RefinementCtx): void {
  const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
  if ((o.quantity === undefined) === (o.notional === undefined)) issue('quantity', 'give exactly one of quantity (base units) or notional (quote currency)');
  const conditional = o.type !== 'market' && o.type !== 'limit';
  if (conditional && o.notional !== undefined) issue('notional', `a ${o.type} order takes quantity (base units), not notional`);
  const needs: Record<(typeof ORDER_TYPES)[number], { limit: boolean; stop: boolean; trail: boolean }> = {
    market: { limit: false, stop: false, trail: false },
    limit: { limit: true, stop: false, trail: false },
    stop: { limit: false, stop: true, trail: false },
    stop_limit: { limit: true, stop: true, trail: false },
    take_profit: { limit: true, stop: false, trail: false },
    trailing_stop: { limit: false, stop: false, trail: true },
  };
  const n = needs[o.type];
  if (n.limit && o.limitPrice === undefined) issue('limitPrice', `a ${o.type.replace('_', '-')} order needs limitPrice`);
  if (!n.limit && o.limitPrice !== undefined) issue('limitPrice', `a ${o.type.replace('_', '-')} order takes no limitPrice`);
  if (n.stop && o.stopPrice === undefined) issue('stopPrice', `a ${o.type.replace('_', '-')} order needs stopPrice`);
  if (!n.stop && o.stopPrice !== undefined) issue('stopPrice', `a ${o.type.replace('_', '-')} order takes no stopPrice`);
  const trails = [o.trailingPct, o.trailingAmount].filter((x) => x !== undefined).length;
  if (n.trail && trails !== 1) issue('trailingPct', 'a trailing stop needs exactly one of trailingPct or trailingAmount');
  if (!n.trail && trails > 0) issue('trailingPct', `a ${o.type.replace('_', '-')} order takes no trail`);
  if (o.type === 'stop_limit' && o.side === 'sell' && o.limitPrice !== undefined && o.stopPrice !== undefined && Number(o.limitPrice) > Number(o.stopPrice)) issue('limitPrice', 'a sell stop-limit’s limit is at or below its stop');
  if (o.type === 'stop_limit' && o.side === 'buy' && o.limitPrice !== undefined && o.stopPrice !== undefined && Number(o.limitPrice) < Number(o.stopPrice)) issue('limitPrice', 'a buy stop-limit’s limit is at or above its stop');
  if (o.bracket !== undefined && !(o.side === 'buy' && (o.type === 'market' || o.type === 'limit'))) issue('bracket', 'a bracket goes on an entry: a market or limit buy');
}

export const PlaceOrderSchema = PlaceOrderFields.superRefine(refineOrder);
export type PlaceOrder = z.infer<typeof PlaceOrderSchema>;

/** Human-readable summary of a zod failure for validator rejections. */
export function describeIssues(err: z.ZodError): string {
  return err.issues
    .slice(0, 5)
    .map((i) => `${i.path.map(String).join('.') || 'order'}: ${i.message}`)
    .join('; ');
}
