/**
 * Production ledger handlers. Reads and settings run as a short `ledgerOpWorkflow` (its activity
 * touches the host's SQLite ledger), orders as `ledgerOrderWorkflow` keyed by the idempotency key,
 * reconcile as `ledgerReconcileWorkflow`. The same map serves the host, the CLI and MCP.
 */
import { randomUUID } from 'node:crypto';
import { ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import type { HandlerContext, Handlers, VerbResult } from '../../api/contract';
import { ApiFailure } from '../../api/result';
import { WORKFLOW_IDS } from '../../domain/ids';
import type { LedgerOp } from '../../activities/ledger';
import { ledgerOpWorkflow, ledgerOrderWorkflow, ledgerReconcileWorkflow } from '../../workflows/ledger-ops';
import type { HandlerDeps } from '../handler-deps';

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
  | 'place_ledger_order';

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

  return {
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
    async place_ledger_order(a, ctx) {
      // One workflow per idempotency key; concurrent callers attach to the same run.
      const out = await run(
        deps.client.workflow.execute(ledgerOrderWorkflow, {
          workflowId: WORKFLOW_IDS.ledgerOps(`order/${a.idempotencyKey}`),
          taskQueue: deps.taskQueue,
          workflowIdConflictPolicy: 'USE_EXISTING',
          args: [{ order: { ...a, correlationId: ctx.correlationId } }],
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
