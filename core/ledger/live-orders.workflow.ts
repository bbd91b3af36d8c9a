/**
 * A live (real-money) order requested from outside the app — an MCP client or the broker agent —
 * waits here for the user's approval in the app.
 *
 *   open (host activity): refuse unless the user enabled such requests in Settings; price the
 *     order (cost gate + the exchange's preview) and record `live_order.requested` in the ledger's
 *     event log; the app is notified.
 *   wait: a durable timer. Only `decideLiveOrder` (an update the app sends) ends the wait early; a
 *     restart of the host or the server keeps waiting; when the time is up the request is denied.
 *   approved: the order goes through the same path as every ledger order (reserve, gate, fund,
 *     Coinbase, fills), keyed by the request's idempotency key, with `live: true` — still refused
 *     unless live trading is armed and the wallet has a tradeable fraction.
 *
 * The request never changes what is approved: the order that runs is the one quoted and shown.
 */
import { condition, defineQuery, defineUpdate, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { createLedgerActivities } from './activities';
import type { OrderOutcome, OrderPlan, PlaceOrderInput } from './router';
import { runLedgerOrder } from './ledger-ops.workflow';

type LedgerActivities = ReturnType<typeof createLedgerActivities>;

const quick = proxyActivities<LedgerActivities>({
  startToCloseTimeout: '60 seconds',
  retry: { maximumAttempts: 3, initialInterval: '1 second' },
});

export type LiveRequestStatus = 'opening' | 'refused' | 'pending' | 'approved' | 'denied' | 'expired' | 'done';

/** What the user sees before deciding: the order and what it would cost now. */
export type LiveOrderPlan = OrderPlan;

export interface LiveOrderRequestInput {
  order: Omit<PlaceOrderInput, 'live' | 'override'>;
  reason: string;
  /** Which door asked (mcp, agent, http, ipc, cli). */
  door: string;
  requestedAt: number;
  timeoutSeconds: number;
}

export interface LiveOrderRequestState {
  id: string;
  status: LiveRequestStatus;
  order: LiveOrderRequestInput['order'];
  reason: string;
  door: string;
  requestedAt: number;
  expiresAt: number;
  plan: LiveOrderPlan | null;
  /** Why it was refused before any wait (setting off, the order cannot be priced). */
  refusal: string | null;
  decision: { approve: boolean; note: string | null; door: string; at: number } | null;
  outcome: OrderOutcome | null;
}

export interface LiveOrderDecision {
  approve: boolean;
  note: string | null;
  door: string;
}

/** Workflow time (deterministic inside a workflow: the task's start time). */
const now = (): number => new Date().getTime();

export const liveOrderRequestQuery = defineQuery<LiveOrderRequestState>('liveOrderRequest');
export const decideLiveOrderUpdate = defineUpdate<LiveOrderRequestState, [LiveOrderDecision]>('decideLiveOrder');

export async function liveOrderRequestWorkflow(input: LiveOrderRequestInput): Promise<LiveOrderRequestState> {
  const id = input.order.idempotencyKey;
  const s: LiveOrderRequestState = {
    id,
    status: 'opening',
    order: input.order,
    reason: input.reason,
    door: input.door,
    requestedAt: input.requestedAt,
    expiresAt: input.requestedAt + input.timeoutSeconds * 1000,
    plan: null,
    refusal: null,
    decision: null,
    outcome: null,
  };
  setHandler(liveOrderRequestQuery, () => s);
  setHandler(
    decideLiveOrderUpdate,
    (d) => {
      s.decision = { approve: d.approve, note: d.note, door: d.door, at: now() };
      s.status = d.approve ? 'approved' : 'denied';
      return s;
    },
    {
      validator: (d) => {
        if (s.status === 'opening') throw new Error(`request ${id} is still being priced; try again in a moment`);
        if (s.status !== 'pending') throw new Error(`request ${id} is ${s.status}, not waiting for a decision`);
        if (typeof d?.approve !== 'boolean') throw new Error('approve must be true or false');
      },
    },
  );

  const opening = await quick.liveRequestOpen({ id, order: input.order, reason: input.reason, door: input.door, expiresAt: s.expiresAt, workflowId: workflowInfo().workflowId });
  if (!opening.ok) {
    s.status = 'refused';
    s.refusal = opening.reason;
    return s;
  }
  s.plan = opening.plan;
  s.status = 'pending';

  const decided = await condition(() => s.status !== 'pending', Math.max(0, s.expiresAt - now()));
  if (!decided) {
    s.status = 'expired';
    await quick.liveRequestRecord({ id, kind: 'expired', note: null, door: 'timer' });
    return s;
  }
  const d = s.decision!;
  await quick.liveRequestRecord({ id, kind: d.approve ? 'approved' : 'denied', note: d.note, door: d.door });
  if (!d.approve) return s;
  s.outcome = await runLedgerOrder({ order: { ...input.order, live: true, correlationId: input.order.correlationId ?? `live-request:${id}` } });
  s.status = 'done';
  return s;
}
