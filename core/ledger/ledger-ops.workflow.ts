/**
 * Production ledger workflows.
 *
 * - ledgerOpWorkflow: one short read or settings change against the SQLite ledger (the handlers'
 *   way to reach the host's ledger through Temporal, so the CLI, MCP and UI share one path).
 * - ledgerOrderWorkflow: kill switch -> risk limits -> cost gate -> reserve -> fund trading (one
 *   ledger transaction), send to the exchange (kill switch read again), poll fills until done. Its id is derived from the idempotency key
 *   and it is started with USE_EXISTING, so concurrent callers with one key share one run.
 * - ledgerReconcileWorkflow: compare with the exchange; runs on demand and on a schedule.
 */
import { ApplicationFailure, executeChild, ParentClosePolicy, proxyActivities, sleep } from '@temporalio/workflow';
import type { createLedgerActivities, LedgerOp } from './activities';
import type { OrderOutcome, PlaceOrderInput } from './router';
import { Dec } from '../domain/decimal';
import { WORKFLOW_IDS } from '../domain/ids';

type LedgerActivities = ReturnType<typeof createLedgerActivities>;

const quick = proxyActivities<LedgerActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 3, initialInterval: '500 ms' },
});

// Exchange calls: a retry is safe (client_order_id dedupes, fills are keyed by trade id), so
// retry generously through outages; refusals are non-retryable and surface at once.
const exchange = proxyActivities<LedgerActivities>({
  startToCloseTimeout: '60 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 20 },
});

export async function ledgerOpWorkflow(op: LedgerOp): Promise<unknown> {
  return quick.ledgerOp(op);
}

export interface LedgerOrderWorkflowInput {
  order: PlaceOrderInput;
  /** Who placed it: the door it came through (set by the handler or the agent, never by the caller). */
  placedBy?: string;
  /** How often to poll fills while the order is open, and for how long at most. */
  pollSeconds?: number;
  maxPolls?: number;
}

/** What became of a filled entry's exits. */
export interface ExitsOutcome {
  clientOrderId: string;
  type: 'bracket' | 'stop_limit' | 'limit' | null;
  takeProfitPrice: string | null;
  stopPrice: string | null;
  /** The exit order's status (open while it rests on Coinbase), or `refused`. */
  status: string;
  reason: string | null;
}

export type LedgerOrderResult = OrderOutcome & { exits?: ExitsOutcome };

export async function ledgerOrderWorkflow(input: LedgerOrderWorkflowInput): Promise<LedgerOrderResult> {
  const o = await runLedgerOrder(input);
  const exits = input.order.exits;
  // A live entry that bought something gets its exits, for what it bought, once it is done.
  if (!exits || input.order.side !== 'BUY' || o.mode !== 'live' || !o.done || !Dec.of(o.filledBase).isPositive() || !o.avgFillPrice) return o;
  const key = `${input.order.idempotencyKey.slice(0, 122)}:exits`;
  const out: ExitsOutcome = { clientOrderId: key, type: null, takeProfitPrice: null, stopPrice: null, status: 'refused', reason: null };
  const plan = await quick.ledgerExitPlan({ product: input.order.product, avgPrice: o.avgFillPrice, exits });
  if ('error' in plan) return { ...o, exits: { ...out, reason: plan.error } };
  out.type = plan.type;
  out.takeProfitPrice = plan.type === 'stop_limit' ? null : plan.limitPrice;
  out.stopPrice = plan.stopPrice;
  const order: PlaceOrderInput = {
    walletId: input.order.walletId,
    product: input.order.product,
    side: 'SELL',
    qty: o.filledBase,
    type: plan.type,
    limitPrice: plan.limitPrice,
    ...(plan.stopPrice ? { stopPrice: plan.stopPrice } : {}),
    postOnly: false,
    expectedEdge: '0',
    idempotencyKey: key,
    live: true,
    // An exit of what was just bought: the cost gate's verdict is recorded, not obeyed.
    override: { reason: `exits of ${input.order.idempotencyKey.slice(0, 200)}` },
    ...(input.order.correlationId ? { correlationId: input.order.correlationId } : {}),
  };
  try {
    const r = await executeChild(ledgerOrderWorkflow, {
      workflowId: WORKFLOW_IDS.ledgerOps(`order/${key}`),
      args: [{ order, ...(input.placedBy ? { placedBy: input.placedBy } : {}), maxPolls: 1 }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
    return { ...o, exits: { ...out, status: r.status, reason: r.reason } };
  } catch (err) {
    let e = err as { message?: string; cause?: unknown } | undefined;
    let msg = 'the exit order failed';
    for (let i = 0; e && i < 6; i++, e = e.cause as typeof e) if (e.message) msg = e.message;
    return { ...o, exits: { ...out, reason: msg } };
  }
}

/** The body of a ledger order (also run by an approved live-order request). */
export async function runLedgerOrder(input: LedgerOrderWorkflowInput): Promise<OrderOutcome> {
  // The order port's production half: kill switch, risk limits and cost gate run in this first
  // step (core/ledger/router.ts prepareOrder); the send step reads the kill switch again.
  let o = await exchange.ledgerPrepareOrder(input.order, input.placedBy ? { placedBy: input.placedBy } : {});
  if (o.status === 'submitting') o = await exchange.ledgerSubmitOrder(o.orderId);
  const pollMs = Math.max(1, input.pollSeconds ?? 2) * 1000;
  const maxPolls = input.maxPolls ?? 900;
  for (let i = 0; o.status === 'open' && i < maxPolls; i++) {
    o = await exchange.ledgerSyncOrder(o.orderId);
    if (o.status === 'open') await sleep(pollMs);
  }
  return o;
}

export interface LedgerReconcileInput {
  threshold: string;
}

export async function ledgerReconcileWorkflow(input: LedgerReconcileInput): Promise<unknown> {
  if (!/^\d+(\.\d+)?$/.test(input.threshold)) throw ApplicationFailure.nonRetryable(`threshold must be a non-negative decimal, got ${JSON.stringify(input.threshold)}`);
  return exchange.ledgerReconcile(input.threshold);
}
