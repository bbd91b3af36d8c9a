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
import { ApplicationFailure, proxyActivities, sleep } from '@temporalio/workflow';
import type { createLedgerActivities, LedgerOp } from '../activities/ledger';
import type { OrderOutcome, PlaceOrderInput } from '../ledger/router';

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

export async function ledgerOrderWorkflow(input: LedgerOrderWorkflowInput): Promise<OrderOutcome> {
  return runLedgerOrder(input);
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
