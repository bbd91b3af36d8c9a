/**
 * The execution agent's door into the order port. The agent's workflow decides; this module (host
 * side, run by the `agentOrder` activity) chooses the ledger:
 *
 *   paper       the book's typed `place_order` update (exported beside its workflow) on the
 *               agent's own portfolio, validated with the same schema as every door's order and
 *               stamped `execution-agent` by this door — then the book's kill switch, risk limits
 *               and cost gate;
 *   production  when ENABLE_REAL_LEDGER or the `realLedgerRouting` preference is on: the ledger
 *               order the agent's workflow runs as its CHILD workflow (`ledgerOrderWorkflow`, one
 *               per idempotency key), whose first step is the same guard (kill switch, live risk
 *               limits, cost gate) — a dry run unless live trading is armed.
 */
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import { Dec } from '../domain/decimal';
import { WORKFLOW_IDS } from '../domain/ids';
import type { Ledger } from '../ledger/ledger';
import type { PlaceOrderInput } from '../ledger/router';
import { describeIssues, PlaceOrderSchema, type PlaceOrder } from '../trading/orders';
import type { OrderResult } from '../paper/book';
import { originOf } from './origin';
import { placeOrderUpdate, preferencesQuery } from '../paper/paper-book.workflow';

/** An order the execution agent decided: what it wants, before the port says where it goes. */
export const AgentOrderIntentSchema = z
  .object({
    symbol: z.string(),
    side: z.enum(['buy', 'sell']),
    type: z.enum(['market', 'limit']),
    quantity: z.string().optional(),
    notional: z.string().optional(),
    limitPrice: z.string().optional(),
    idempotencyKey: z.string(),
    expectedEdgeBps: z.number(),
    rationale: z.string(),
    correlationId: z.string(),
    /** A buy's exits, as fractions of its fill. */
    exits: z.object({ stopPct: z.string().optional(), takeProfitPct: z.string().optional() }).strict().optional(),
  })
  .strict();
export type AgentOrderIntent = z.infer<typeof AgentOrderIntentSchema>;

export type PaperOrderResult = OrderResult;

/** What an order attempt came to, for the decision log and the model's tool result. */
export type OrderAttempt =
  | { ok: boolean; summary: string; error: string | null; ledger: 'paper'; result: PaperOrderResult | null }
  | { ok: boolean; summary: string; error: string | null; ledger: 'production'; result: ProductionOutcome | null };

/** The part of a production outcome the agent keeps (the verb's full outcome minus the preview). */
export interface ProductionOutcome {
  orderId: string;
  clientOrderId: string;
  status: string;
  mode: 'dry_run' | 'live';
  reason: string | null;
  rule: string | null;
  filledBase: string;
  exchangeOrderId: string | null;
  workflowId: string;
}

/** The port's answer to the agent: placed on paper, refused, or a ledger order to run as a child. */
export type AgentOrderStep =
  | { kind: 'placed'; attempt: OrderAttempt }
  | { kind: 'production'; workflowId: string; order: PlaceOrderInput };

export interface AgentOrderDeps {
  client: Client;
  enabledByConfig: boolean;
  ledger: Ledger | undefined;
}

/**
 * Whether agent orders go to the production ledger right now, and the stop every agent entry must
 * carry there (the book's protections; none for a book from before protections, as on paper).
 */
async function productionRouting(d: AgentOrderDeps, portfolioId: string): Promise<{ production: boolean; agentStopPct: string | null }> {
  try {
    const prefs = await d.client.workflow.getHandle(WORKFLOW_IDS.paperBook(portfolioId)).query(preferencesQuery);
    return { production: d.enabledByConfig || prefs.realLedgerRouting, agentStopPct: prefs.protections?.agentStopPct ?? null };
  } catch {
    // No paper book yet means no preference was ever set: the default is paper.
    return { production: d.enabledByConfig, agentStopPct: null };
  }
}

/** The funding wallet agents may draw from: the first Coinbase funding wallet with a tradeable fraction. */
export function agentWallet(ledger: Ledger): string | null {
  const w = ledger.listWallets().find((x) => x.kind === 'funding' && Dec.of(x.tradeableFraction).isPositive());
  return w?.id ?? null;
}

/**
 * The production ledger's order for an agent's intent (its key made valid as a client_order_id).
 * A buy leaves with its exits: the agent's own, and always a stop (`agentStopPct` below its fill
 * when it brought none) — the same protection the paper book gives it.
 */
export function toLedgerOrder(o: AgentOrderIntent, walletId: string, agentStopPct: string | null = null): PlaceOrderInput {
  const key = o.idempotencyKey.replace(/[^A-Za-z0-9._:-]/g, '-').slice(0, 122).padEnd(8, '0');
  const stopPct = o.exits?.stopPct ?? agentStopPct ?? undefined;
  const exits = o.side === 'buy' && (stopPct || o.exits?.takeProfitPct) ? { ...(stopPct ? { stopPct } : {}), ...(o.exits?.takeProfitPct ? { takeProfitPct: o.exits.takeProfitPct } : {}) } : undefined;
  return {
    walletId,
    product: o.symbol,
    side: o.side === 'buy' ? 'BUY' : 'SELL',
    ...(o.quantity ? { qty: o.quantity } : {}),
    ...(o.notional && !o.quantity ? { notional: o.notional } : {}),
    ...(o.type === 'limit' && o.limitPrice && o.quantity ? { limitPrice: o.limitPrice } : {}),
    postOnly: false,
    expectedEdge: Dec.fromMeasured(o.expectedEdgeBps).div('10000').toString(),
    idempotencyKey: key,
    // Asking for live is safe: the ledger runs it dry unless the user armed live trading.
    live: true,
    correlationId: o.correlationId.slice(0, 200),
    ...(exits ? { exits } : {}),
  };
}

/** The book's order for an intent, stamped with this door's origin. */
export function toPaperOrder(o: AgentOrderIntent): PlaceOrder {
  return {
    agent: originOf('execution-agent'),
    symbol: o.symbol,
    side: o.side,
    type: o.type,
    ...(o.quantity ? { quantity: o.quantity } : { notional: o.notional }),
    ...(o.limitPrice ? { limitPrice: o.limitPrice } : {}),
    idempotencyKey: o.idempotencyKey,
    expectedEdgeBps: o.expectedEdgeBps,
    rationale: o.rationale,
    correlationId: o.correlationId,
    ...(o.exits && (o.exits.stopPct || o.exits.takeProfitPct)
      ? { bracket: { ...(o.exits.stopPct ? { stopLoss: { stopPct: o.exits.stopPct } } : {}), ...(o.exits.takeProfitPct ? { takeProfit: { pct: o.exits.takeProfitPct } } : {}) } }
      : {}),
  };
}

export function paperSummary(r: PaperOrderResult): string {
  if (r.status === 'filled' && r.fill) return `filled ${r.side} ${r.fill.quantity} ${r.symbol} at ${r.fill.price}`;
  if (r.status === 'rejected') return `rejected by ${r.rule ?? 'the ledger'}: ${r.reason ?? ''}`;
  return `${r.status} ${r.side} ${r.symbol}`;
}

/** Place an intent on the agent's paper book, as the execution agent's door. */
export async function placePaper(d: Pick<AgentOrderDeps, 'client'>, portfolioId: string, o: AgentOrderIntent): Promise<OrderAttempt> {
  const refused = (msg: string): OrderAttempt => ({ ok: false, ledger: 'paper', summary: `order refused: ${msg}`, result: null, error: msg });
  // The same schema every door's order meets (and the update's validator checks again).
  const order = PlaceOrderSchema.safeParse(toPaperOrder(o));
  if (!order.success) return refused(`invalid order: ${describeIssues(order.error)}`);
  let r: OrderResult;
  try {
    r = await d.client.workflow.getHandle(WORKFLOW_IDS.paperBook(portfolioId)).executeUpdate(placeOrderUpdate, { args: [order.data] });
  } catch (err) {
    const e = err as { cause?: { message?: string }; message?: string };
    return refused(e.cause?.message ?? e.message ?? String(err));
  }
  return { ok: r.status !== 'rejected', ledger: 'paper', summary: paperSummary(r), result: r, error: r.status === 'rejected' ? r.reason : null };
}

/** The port's routing step for one agent order. */
export async function routeAgentOrder(d: AgentOrderDeps, portfolioId: string, o: AgentOrderIntent): Promise<AgentOrderStep> {
  const routing = await productionRouting(d, portfolioId);
  if (!routing.production) return { kind: 'placed', attempt: await placePaper(d, portfolioId, o) };
  const refused = (msg: string): AgentOrderStep => ({ kind: 'placed', attempt: { ok: false, ledger: 'production', summary: msg, result: null, error: msg } });
  if (!d.ledger) return refused('real-ledger routing is on but the ledger is not open in this host');
  const walletId = agentWallet(d.ledger);
  if (!walletId) return refused('real-ledger routing is on but no funding wallet has a tradeable fraction: set one in Ledger (or `vigil wallet set-tradeable-fraction`)');
  const order = toLedgerOrder(o, walletId, routing.agentStopPct);
  return { kind: 'production', workflowId: WORKFLOW_IDS.ledgerOps(`order/${order.idempotencyKey}`), order };
}
