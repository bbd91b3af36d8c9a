/**
 * The order request as every door sends it (UI, agents, MCP, CLI) and as the ledger's update
 * validator checks it. Amounts are positive decimal strings; exactly one of quantity/notional.
 */
import { z } from 'zod';
import { PRODUCT_RE } from '../domain/money';

export const positiveDecimal = z
  .string()
  .regex(/^(0|[1-9]\d{0,17})(\.\d{1,18})?$/, 'must be a positive decimal string like "0.01" or "250"')
  .refine((s) => /[1-9]/.test(s), 'must be greater than zero');

export const OrderAgent = z.enum(['user', 'execution-agent', 'broker', 'mcp', 'cli', 'backtest', 'test', 'bench']);
export type OrderAgent = z.infer<typeof OrderAgent>;

export const PlaceOrderFields = z
  .object({
    symbol: z.string().regex(PRODUCT_RE, 'must be a product id like BTC-USD'),
    side: z.enum(['buy', 'sell']),
    type: z.enum(['market', 'limit']),
    quantity: positiveDecimal.optional(),
    notional: positiveDecimal.optional(),
    limitPrice: positiveDecimal.optional(),
    idempotencyKey: z.string().min(8, 'idempotency key must be at least 8 characters').max(128).regex(/^[\w.:/-]+$/, 'idempotency key may hold letters, digits and _ . : / -'),
    expectedEdgeBps: z.number().finite().min(-100_000).max(100_000).optional(),
    rationale: z.string().max(2000).optional(),
    agent: OrderAgent,
    correlationId: z.string().min(1).max(128),
  })
  .strict();

type OrderShape = { quantity?: string | undefined; notional?: string | undefined; limitPrice?: string | undefined; type: 'market' | 'limit' };

/** Cross-field rules, shared by the ledger's validator and the API verb's input. */
export function refineOrder(o: OrderShape, ctx: z.RefinementCtx): void {
  if ((o.quantity === undefined) === (o.notional === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['quantity'], message: 'give exactly one of quantity (base units) or notional (quote currency)' });
  }
  if (o.type === 'limit' && o.limitPrice === undefined) ctx.addIssue({ code: 'custom', path: ['limitPrice'], message: 'a limit order needs limitPrice' });
  if (o.type === 'market' && o.limitPrice !== undefined) ctx.addIssue({ code: 'custom', path: ['limitPrice'], message: 'a market order takes no limitPrice' });
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
