/**
 * An emulated live stop (core/ledger/triggers.ts): one workflow per idempotency key, id
 * `vigil/ledger/trigger/<key>`. It arms against Coinbase's book, watches it with a heartbeating
 * activity (a worker restart resumes the watch — and a trail — from the last heartbeat), and when
 * the price reaches the stop runs the market order as its child `ledgerOrderWorkflow` with the same
 * key, so the order port (kill switch, risk limits) judges it then and at most one order exists
 * per key. `cancelTriggerUpdate` stops the watch before it fires.
 */
import {
  ActivityCancellationType,
  CancellationScope,
  condition,
  defineQuery,
  defineUpdate,
  executeChild,
  isCancellation,
  ParentClosePolicy,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { createLedgerActivities } from './activities';
import { WORKFLOW_IDS } from '../domain/ids';
import { ledgerOrderWorkflow } from './ledger-ops.workflow';
import type { OrderOutcome, PlaceOrderInput } from './router';
import type { TriggerSpec } from './triggers';

type LedgerActivities = ReturnType<typeof createLedgerActivities>;

const quick = proxyActivities<LedgerActivities>({
  startToCloseTimeout: '60 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 10 },
});

// The watch runs until the price comes (or it is cancelled): a long start-to-close, a short
// heartbeat so a dead worker is noticed within half a minute, retried for as long as it takes.
const watch = proxyActivities<LedgerActivities>({
  startToCloseTimeout: '3650 days',
  // Heartbeats carry the trail; the SDK sends them at most every 0.8 x this, so a restart after a
  // crash resumes from a trail at most ~8 s old.
  heartbeatTimeout: '10 seconds',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export interface LiveTriggerInput {
  /** The market order to send when it fires (`qty`, no limit); its idempotency key is the trigger's. */
  order: PlaceOrderInput;
  trigger: TriggerSpec;
  placedBy?: string;
  /** How often the book is read while waiting. */
  pollSeconds?: number;
}

export type TriggerStatus = 'arming' | 'refused' | 'waiting' | 'fired' | 'cancelled';

export interface LiveTriggerState {
  key: string;
  workflowId: string;
  product: string;
  side: 'BUY' | 'SELL';
  qty: string;
  walletId: string;
  live: boolean;
  trigger: TriggerSpec;
  placedBy: string | null;
  status: TriggerStatus;
  /** Why it was refused or cancelled. */
  reason: string | null;
  /** The price that fires it, the best price a trail has seen, the last price watched and when. */
  stop: string | null;
  extreme: string | null;
  lastPrice: string | null;
  lastAt: number | null;
  armedAt: number | null;
  firedAt: number | null;
  triggerPrice: string | null;
  observedPrice: string | null;
  /** The market order it sent (through the order port), once it fired and the order settled. */
  outcome: OrderOutcome | null;
}

export const liveTriggerQuery = defineQuery<LiveTriggerState>('liveTrigger');
/** Waits until the trigger is armed (or refused) and returns its state. */
export const liveTriggerArmedUpdate = defineUpdate<LiveTriggerState>('liveTriggerArmed');
export const cancelTriggerUpdate = defineUpdate<LiveTriggerState, [{ reason: string }]>('cancelTrigger');

export async function liveTriggerWorkflow(input: LiveTriggerInput): Promise<LiveTriggerState> {
  const o = input.order;
  const s: LiveTriggerState = {
    key: o.idempotencyKey,
    workflowId: workflowInfo().workflowId,
    product: o.product,
    side: o.side,
    qty: o.qty ?? '',
    walletId: o.walletId,
    live: o.live,
    trigger: input.trigger,
    placedBy: input.placedBy ?? null,
    status: 'arming',
    reason: null,
    stop: null,
    extreme: null,
    lastPrice: null,
    lastAt: null,
    armedAt: null,
    firedAt: null,
    triggerPrice: null,
    observedPrice: null,
    outcome: null,
  };
  let watching: CancellationScope | null = null;
  let cancelReason: string | null = null;
  setHandler(liveTriggerQuery, () => s);
  setHandler(liveTriggerArmedUpdate, async () => {
    await condition(() => s.status !== 'arming');
    return s;
  });
  setHandler(
    cancelTriggerUpdate,
    async ({ reason }) => {
      if (s.status === 'arming' || s.status === 'waiting') {
        cancelReason = reason;
        watching?.cancel();
        await condition(() => s.status !== 'arming' && s.status !== 'waiting');
      }
      return s;
    },
    {
      validator: ({ reason }) => {
        if (typeof reason !== 'string' || reason.trim().length < 3) throw new Error('say why the stop is cancelled (3 characters or more)');
      },
    },
  );

  // The order's own correlation id (as the router uses it), so the log tells one story.
  const correlationId = o.correlationId ?? `order:${s.key}`;
  const armed = await quick.ledgerArmTrigger({ key: s.key, product: s.product, side: s.side, trigger: input.trigger, qty: s.qty, placedBy: s.placedBy, correlationId });
  if (!armed.ok) {
    s.status = 'refused';
    s.reason = armed.reason;
    return s;
  }
  s.stop = armed.state.stop;
  s.extreme = armed.state.extreme;
  s.lastPrice = armed.state.lastPrice;
  s.lastAt = s.armedAt = armed.state.lastAt;
  if (cancelReason !== null) {
    s.status = 'cancelled';
    s.reason = cancelReason;
    return s;
  }
  s.status = 'waiting';

  let fired: Awaited<ReturnType<LedgerActivities['ledgerWatchTrigger']>>;
  try {
    fired = await CancellationScope.cancellable(async () => {
      watching = CancellationScope.current();
      return watch.ledgerWatchTrigger({ key: s.key, product: s.product, side: s.side, trigger: input.trigger, state: armed.state, pollMs: Math.max(1, input.pollSeconds ?? 2) * 1000 });
    });
  } catch (err) {
    if (isCancellation(err) && cancelReason !== null) {
      s.status = 'cancelled';
      s.reason = cancelReason;
      return s;
    }
    throw err;
  }
  s.status = 'fired';
  s.stop = fired.state.stop;
  s.extreme = fired.state.extreme;
  s.lastPrice = fired.state.lastPrice;
  s.lastAt = s.firedAt = fired.state.lastAt;
  s.triggerPrice = fired.triggerPrice;
  s.observedPrice = fired.observed;
  await quick.ledgerTriggerFired({ key: s.key, product: s.product, side: s.side, qty: s.qty, kind: input.trigger.kind, triggerPrice: fired.triggerPrice, observed: fired.observed, correlationId });
  // The market order, through the order port, as a child with the same key: one order per key,
  // resumed (not repeated) if this workflow's worker dies mid-order.
  // A sell is an exit of a held position: the cost gate's verdict is recorded, not obeyed (the
  // override names the stop). A buy stop is an entry and answers to the gate like any.
  const order: PlaceOrderInput = { ...o, type: 'market', ...(o.side === 'SELL' ? { override: { reason: `${input.trigger.kind.replace('_', ' ')} ${s.key} fired: an exit is not held back by the cost gate` } } : {}) };
  s.outcome = await executeChild(ledgerOrderWorkflow, {
    workflowId: WORKFLOW_IDS.ledgerOps(`order/${s.key}`),
    args: [{ order, ...(input.placedBy ? { placedBy: input.placedBy } : {}) }],
    parentClosePolicy: ParentClosePolicy.ABANDON,
  });
  return s;
}
