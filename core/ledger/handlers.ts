/**
 * Production ledger handlers. Reads and settings run as a short `ledgerOpWorkflow` (its activity
 * touches the host's SQLite ledger), orders as `ledgerOrderWorkflow` keyed by the idempotency key,
 * reconcile as `ledgerReconcileWorkflow`. The same map serves the host, the CLI and MCP.
 */
import { randomUUID } from 'node:crypto';
import { ScheduleOverlapPolicy, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { HandlerContext, Handlers, VerbResult } from '../api/contract';
import { ApiFailure } from '../api/result';
import { WORKFLOW_IDS } from '../domain/ids';
import type { LedgerOp } from './activities';
import { ledgerOpWorkflow, ledgerOrderWorkflow, ledgerReconcileWorkflow } from './ledger-ops.workflow';
import { decideLiveOrderUpdate, liveOrderRequestQuery, liveOrderRequestWorkflow, type LiveOrderRequestState } from './live-orders.workflow';
import type { HandlerDeps } from '../host/handler-deps';
import { APP_DOORS, originOf } from '../orders/origin';
import { ensurePaperBook } from '../paper/start';
import { defaultPayloadConverter } from '@temporalio/common';
import type { TriggerState } from './triggers';
import { cancelTriggerUpdate, liveTriggerArmedUpdate, liveTriggerQuery, liveTriggerWorkflow, type LiveTriggerState } from './triggers.workflow';

type LedgerVerbs =
  | 'list_wallets'
  | 'set_tradeable_fraction'
  | 'get_journal'
  | 'get_reservations'
  | 'get_ledger_events'
  | 'reconcile'
  | 'get_reconcile_history'
  | 'approve_correction'
  | 'reject_correction'
  | 'get_live_trading_status'
  | 'arm_live_trading'
  | 'disarm_live_trading'
  | 'place_ledger_order'
  | 'quote_ledger_order'
  | 'request_live_order'
  | 'get_live_order_request'
  | 'list_live_order_requests'
  | 'decide_live_order_request'
  | 'place_ledger_stop'
  | 'list_ledger_stops'
  | 'cancel_ledger_stop';


/**
 * A ledger refusal travels as WorkflowFailed -> ActivityFailure -> ApplicationFailure
 * ("LedgerError.<code>"); show the caller the ledger's own sentence, not "Activity task failed".
 */
export function unwrapLedgerFailure(err: unknown): never {
  let e = err as { name?: string; message?: string; type?: string; cause?: unknown } | undefined;
  for (let depth = 0; e && depth < 6; depth++) {
    if (e.name === 'ApplicationFailure' && typeof e.type === 'string' && e.type.startsWith('LedgerError.')) {
      throw new ApiFailure(e.type === 'LedgerError.not_found' ? 'not_found' : 'rejected', e.message ?? 'refused by the ledger');
    }
    if (e.name === 'ApplicationFailure' && e.type === 'LedgerUnavailable') throw new ApiFailure('unavailable', e.message ?? 'ledger unavailable');
    e = e.cause as typeof e;
  }
  throw err;
}

async function run<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    unwrapLedgerFailure(err);
  }
}

export function createLedgerHandlers(deps: HandlerDeps): Pick<Handlers, LedgerVerbs> {
  async function op<K extends LedgerVerbs>(_verb: K, o: LedgerOp): Promise<VerbResult<K>> {
    const result = await run(
      deps.client.workflow.execute(ledgerOpWorkflow, {
        workflowId: WORKFLOW_IDS.ledgerOps(`${o.op}/${randomUUID()}`),
        taskQueue: deps.taskQueue,
        args: [o],
      }),
    );
    // The dispatcher validates the shape against the verb's output schema.
    return result as VerbResult<K>;
  }
  const door = (ctx: HandlerContext) => ctx.door;

  async function requestState(id: string): Promise<LiveOrderRequestState> {
    try {
      return await deps.client.workflow.getHandle(WORKFLOW_IDS.liveOrderRequest(id)).query(liveOrderRequestQuery);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new ApiFailure('not_found', `no live-order request ${id}`);
      throw err;
    }
  }

  const stopId = (key: string) => WORKFLOW_IDS.ledgerOps(`trigger/${key}`);
  /**
   * A stop's state; while it waits, where its watch is now (the trail's stop, the best price, the
   * last price seen) from the watch activity's last heartbeat — kept by Temporal, not in history.
   */
  async function stopState(key: string): Promise<LiveTriggerState> {
    const handle = deps.client.workflow.getHandle(stopId(key));
    let s: LiveTriggerState;
    try {
      s = await handle.query(liveTriggerQuery);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new ApiFailure('not_found', `no live stop ${key}`);
      throw err;
    }
    if (s.status !== 'waiting') return s;
    const d = await handle.describe();
    const beat = d.raw.pendingActivities?.find((a) => a.activityType?.name === 'ledgerWatchTrigger')?.heartbeatDetails?.payloads?.[0];
    if (!beat) return s;
    const hb = defaultPayloadConverter.fromPayload<TriggerState>(beat);
    return { ...s, stop: hb.stop, extreme: hb.extreme, lastPrice: hb.lastPrice, lastAt: hb.lastAt };
  }

  return {
    async place_ledger_stop(a, ctx) {
      await ensurePaperBook(deps);
      const { kind, stopPrice, trailPct, trailAmount, pollSeconds, qty, ...rest } = a;
      const order = { ...rest, qty, type: 'market' as const, postOnly: false, correlationId: ctx.correlationId };
      const trigger = { kind, ...(stopPrice !== undefined ? { stopPrice } : {}), ...(trailPct !== undefined ? { trailPct } : {}), ...(trailAmount !== undefined ? { trailAmount } : {}) };
      let s: LiveTriggerState;
      try {
        // One stop per key, ever: a running one is joined, an ended one (fired, cancelled, refused)
        // is never started again under the same key.
        const handle = await deps.client.workflow.start(liveTriggerWorkflow, {
          workflowId: stopId(a.idempotencyKey),
          taskQueue: deps.taskQueue,
          workflowIdConflictPolicy: 'USE_EXISTING',
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          args: [{ order, trigger, placedBy: originOf(ctx.door), pollSeconds }],
        });
        // Answer once it is armed against the book (or refused), so the caller sees its stop.
        try {
          s = await handle.executeUpdate(liveTriggerArmedUpdate);
        } catch (err) {
          // Refused so fast that it ended before the update arrived: its state says why.
          if (!(err instanceof WorkflowNotFoundError)) throw err;
          s = await stopState(a.idempotencyKey);
        }
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        s = await stopState(a.idempotencyKey);
      }
      const same = s.product === a.product && s.side === a.side && s.qty === a.qty && s.walletId === a.walletId && JSON.stringify(s.trigger) === JSON.stringify(trigger);
      if (!same) throw new ApiFailure('rejected', `idempotency key ${a.idempotencyKey} already names a different stop (${s.side} ${s.qty} ${s.product} ${s.trigger.kind})`);
      return s as VerbResult<'place_ledger_stop'>;
    },
    async list_ledger_stops(a) {
      const query = `WorkflowType = 'liveTriggerWorkflow'${a.activeOnly ? ` AND ExecutionStatus = 'Running'` : ''}`;
      const stops: LiveTriggerState[] = [];
      for await (const w of deps.client.workflow.list({ query })) {
        if (stops.length >= a.limit) break;
        try {
          stops.push(await stopState(w.workflowId.slice(stopId('').length)));
        } catch (err) {
          if (!(err instanceof ApiFailure)) throw err;
        }
      }
      stops.sort((x, y) => (y.armedAt ?? 0) - (x.armedAt ?? 0));
      return { stops } as VerbResult<'list_ledger_stops'>;
    },
    async cancel_ledger_stop(a) {
      await stopState(a.idempotencyKey);
      try {
        const s = await deps.client.workflow.getHandle(stopId(a.idempotencyKey)).executeUpdate(cancelTriggerUpdate, { args: [{ reason: a.reason }] });
        return s as VerbResult<'cancel_ledger_stop'>;
      } catch (err) {
        if (err instanceof WorkflowUpdateFailedError) throw new ApiFailure('rejected', (err.cause as Error | undefined)?.message ?? err.message);
        // A stop that already fired, was refused or was cancelled has ended: it answers with its state.
        if (err instanceof WorkflowNotFoundError || (err as Error).name === 'WorkflowNotFoundError') return (await stopState(a.idempotencyKey)) as VerbResult<'cancel_ledger_stop'>;
        throw err;
      }
    },
    list_wallets: () => op('list_wallets', { op: 'list_wallets' }),
    set_tradeable_fraction: (a, ctx) => op('set_tradeable_fraction', { op: 'set_tradeable_fraction', walletId: a.walletId, fraction: a.fraction, door: door(ctx) }),
    get_journal: (a) => op('get_journal', { op: 'get_journal', ...a }),
    get_reservations: (a) => op('get_reservations', { op: 'get_reservations', ...a }),
    get_ledger_events: (a) => op('get_ledger_events', { op: 'get_ledger_events', ...a }),
    get_reconcile_history: (a) => op('get_reconcile_history', { op: 'get_reconcile_history', ...a }),
    approve_correction: (a, ctx) => op('approve_correction', { op: 'approve_correction', driftId: a.driftId, door: door(ctx) }),
    reject_correction: (a, ctx) => op('reject_correction', { op: 'reject_correction', driftId: a.driftId, door: door(ctx) }),
    get_live_trading_status: () => op('get_live_trading_status', { op: 'get_live_trading_status' }),
    arm_live_trading: (a, ctx) => op('arm_live_trading', { op: 'arm_live_trading', confirm: a.confirm, door: door(ctx) }),
    disarm_live_trading: (_a, ctx) => op('disarm_live_trading', { op: 'disarm_live_trading', door: door(ctx) }),
    async reconcile(a) {
      const result = await run(
        deps.client.workflow.execute(ledgerReconcileWorkflow, {
          workflowId: WORKFLOW_IDS.ledgerOps(`reconcile/${randomUUID()}`),
          taskQueue: deps.taskQueue,
          args: [{ threshold: a.threshold }],
        }),
      );
      return result as VerbResult<'reconcile'>;
    },
    async request_live_order(a, ctx) {
      const { reason, timeoutSeconds, ...order } = a;
      await ensurePaperBook(deps);
      const handle = await deps.client.workflow.start(liveOrderRequestWorkflow, {
        workflowId: WORKFLOW_IDS.liveOrderRequest(a.idempotencyKey),
        taskQueue: deps.taskQueue,
        workflowIdConflictPolicy: 'USE_EXISTING',
        args: [{ order: { ...order, correlationId: ctx.correlationId }, reason, door: ctx.door, requestedAt: Date.now(), timeoutSeconds }],
      });
      // Answer once the order is priced (or refused), so the caller sees what will be shown.
      let s = await handle.query(liveOrderRequestQuery);
      for (let i = 0; s.status === 'opening' && i < 300; i++) {
        await new Promise((r) => setTimeout(r, 200));
        s = await handle.query(liveOrderRequestQuery);
      }
      const same = (['walletId', 'product', 'side', 'qty', 'notional', 'limitPrice'] as const).every((k) => (s.order as Record<string, unknown>)[k] === (order as Record<string, unknown>)[k]);
      if (!same) throw new ApiFailure('rejected', `idempotency key ${a.idempotencyKey} already names a different request (${s.order.side} ${s.order.qty ?? s.order.notional} ${s.order.product})`);
      return s as VerbResult<'request_live_order'>;
    },
    async get_live_order_request(a) {
      return (await requestState(a.id)) as VerbResult<'get_live_order_request'>;
    },
    async list_live_order_requests(a) {
      const query = `WorkflowType = 'liveOrderRequestWorkflow'${a.pendingOnly ? ` AND ExecutionStatus = 'Running'` : ''}`;
      const requests: LiveOrderRequestState[] = [];
      for await (const w of deps.client.workflow.list({ query })) {
        if (requests.length >= a.limit) break;
        const id = w.workflowId.slice(WORKFLOW_IDS.liveOrderRequest('').length);
        try {
          const s = await requestState(id);
          if (!a.pendingOnly || s.status === 'pending' || s.status === 'opening') requests.push(s);
        } catch (err) {
          if (!(err instanceof ApiFailure)) throw err;
        }
      }
      requests.sort((x, y) => y.requestedAt - x.requestedAt);
      return { requests } as VerbResult<'list_live_order_requests'>;
    },
    async decide_live_order_request(a, ctx) {
      if (!APP_DOORS.has(ctx.door)) throw new ApiFailure('rejected', 'a live order is approved or denied only in the app (Ledger → Live order requests)');
      await requestState(a.id);
      try {
        const s = await deps.client.workflow
          .getHandle(WORKFLOW_IDS.liveOrderRequest(a.id))
          .executeUpdate(decideLiveOrderUpdate, { args: [{ approve: a.approve, note: a.note ?? null, door: ctx.door }] });
        return s as VerbResult<'decide_live_order_request'>;
      } catch (err) {
        if (err instanceof WorkflowUpdateFailedError) throw new ApiFailure('rejected', (err.cause as Error | undefined)?.message ?? err.message);
        if (err instanceof WorkflowNotFoundError) throw new ApiFailure('rejected', `request ${a.id} is no longer waiting for a decision`);
        throw err;
      }
    },
    async quote_ledger_order(a) {
      await ensurePaperBook(deps);
      return op('quote_ledger_order', { op: 'quote_order', order: a });
    },
    async place_ledger_order(a, ctx) {
      await ensurePaperBook(deps);
      // One workflow per idempotency key; concurrent callers attach to the same run.
      const out = await run(
        deps.client.workflow.execute(ledgerOrderWorkflow, {
          workflowId: WORKFLOW_IDS.ledgerOps(`order/${a.idempotencyKey}`),
          taskQueue: deps.taskQueue,
          workflowIdConflictPolicy: 'USE_EXISTING',
          args: [{ order: { ...a, correlationId: ctx.correlationId }, placedBy: originOf(ctx.door) }],
        }),
      );
      return out as VerbResult<'place_ledger_order'>;
    },
  };
}

/**
 * Create (or update) the Temporal schedule that reconciles periodically. Idempotent: the host may
 * call it at every start.
 */
export async function ensureReconcileSchedule(client: Client, taskQueue: string, opts: { everyMinutes?: number; threshold?: string } = {}): Promise<string> {
  const scheduleId = WORKFLOW_IDS.reconcileSchedule;
  const action = {
    type: 'startWorkflow' as const,
    workflowType: ledgerReconcileWorkflow,
    taskQueue,
    args: [{ threshold: opts.threshold ?? '0.01' }] as [{ threshold: string }],
    workflowId: WORKFLOW_IDS.ledgerOps('reconcile/scheduled'),
  };
  const spec = { intervals: [{ every: `${opts.everyMinutes ?? 60} minutes` as const }] };
  try {
    await client.schedule.create({ scheduleId, spec, action, policies: { overlap: ScheduleOverlapPolicy.SKIP } });
  } catch (err) {
    if ((err as { name?: string }).name !== 'ScheduleAlreadyRunning') throw err;
    await client.schedule.getHandle(scheduleId).update((prev) => ({ ...prev, spec, action }));
  }
  return scheduleId;
}
