/**
 * The execution agent's tools and the validation of their arguments. A model's tool arguments
 * are untrusted input: they are parsed as JSON, checked with zod, checked against the agent's
 * constraints, and the order still passes the ledger's own validator and risk limits.
 */
import { z } from 'zod';
import { forbiddenKey, forbiddenKeyIssue } from '../api/raw-input';
import { positiveDecimal } from '../trading/orders';
import { Dec } from '../domain/decimal';
import { productIdSchema } from '../domain/product';
import type { ToolSpec } from './llm/types';

const ProductId = productIdSchema('must be a product id like BTC-USD');

export const PlaceOrderArgs = z
  .object({
    symbol: ProductId,
    side: z.enum(['buy', 'sell']),
    quantity: positiveDecimal.optional(),
    notional: positiveDecimal.optional(),
    limit_price: positiveDecimal.optional(),
    expected_edge_bps: z.number().finite().min(-10_000).max(10_000),
    rationale: z.string().min(3).max(1000),
    /** A buy's protective exits, in percent of its fill: the stop below, the take-profit above. */
    stop_loss_pct: z.number().finite().min(0.1).max(49).optional(),
    take_profit_pct: z.number().finite().min(0.1).max(900).optional(),
  })
  .strict()
  .refine((a) => (a.quantity === undefined) !== (a.notional === undefined), { message: 'give exactly one of quantity or notional', path: ['quantity'] })
  .refine((a) => a.side === 'buy' || (a.stop_loss_pct === undefined && a.take_profit_pct === undefined), { message: 'exits (stop_loss_pct, take_profit_pct) go on a buy', path: ['stop_loss_pct'] });

/** A percent a model wrote (2.5) as the fraction the book takes ("0.025"), exactly to 8 places. */
export function percentToFraction(pct: number): string {
  return Dec.fromMeasured(pct).div('100').round(8, 'half-even').toString();
}
export type PlaceOrderArgs = z.infer<typeof PlaceOrderArgs>;

// Symbols a model writes are echoed into later prompts and logs: product ids only.
export const HoldArgs = z.object({ rationale: z.string().min(3).max(1000), symbol: ProductId.optional() }).strict();
export const ReadFeaturesArgs = z.object({ symbol: ProductId.optional() }).strict();

export const EXECUTION_TOOLS: ToolSpec[] = [
  {
    name: 'read_features',
    description: 'Latest price and feature vector (EMA, RSI, ...) per symbol, with the time of the price.',
    parameters: z.toJSONSchema(ReadFeaturesArgs) as Record<string, unknown>,
  },
  {
    name: 'read_portfolio',
    description: 'Cash, equity, positions with average entry and unrealised P&L, and the code-enforced risk limits.',
    parameters: { type: 'object', properties: {}, additionalProperties: false },
  },
  {
    name: 'place_order',
    description:
      'Place one market order (or a limit order with limit_price). Give quantity (base units) or notional (quote), the expected edge in basis points (it must pay the fees and spread), and a one-sentence rationale. A buy may carry stop_loss_pct and take_profit_pct (percent of its fill); every buy leaves with a stop — yours, or the default distance. Risk limits and protections are enforced by the ledger.',
    parameters: z.toJSONSchema(PlaceOrderArgs) as Record<string, unknown>,
  },
  {
    name: 'hold',
    description: 'Decide to do nothing this nudge, with a one-sentence rationale.',
    parameters: z.toJSONSchema(HoldArgs) as Record<string, unknown>,
  },
];

/**
 * A model's tool arguments as raw JSON, parsed the way every door parses its input: empty means no
 * arguments, anything but JSON is refused, and keys some parsers silently drop (`__proto__`) are
 * refused like any unknown key. The broker's tools then go through dispatch; the execution agent's
 * through its tool schema and then dispatch too (place_mock_order) — one mechanism.
 */
export function parseToolJson(raw: string): { ok: true; value: unknown } | { ok: false; error: string } {
  let json: unknown;
  try {
    json = raw.trim() === '' ? {} : JSON.parse(raw);
  } catch (err) {
    return { ok: false, error: `arguments are not valid JSON: ${(err as Error).message}` };
  }
  const bad = forbiddenKey(json);
  if (bad) {
    const issue = forbiddenKeyIssue(bad);
    return { ok: false, error: `${issue.path}: ${issue.message}` };
  }
  return { ok: true, value: json };
}

export function parseArgs<T>(schema: z.ZodType<T>, raw: string): { ok: true; value: T } | { ok: false; error: string } {
  const json = parseToolJson(raw);
  if (!json.ok) return json;
  const r = schema.safeParse(json.value);
  if (!r.success) return { ok: false, error: r.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || 'arguments'}: ${i.message}`).join('; ') };
  return { ok: true, value: r.data };
}
