/**
 * Backtest handlers: run starts a workflow; reads go through the short read workflow (the store
 * lives with the host's workers); progress of a running backtest comes from the workflow's query,
 * which is fresher than the last stored checkpoint.
 */
import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Handlers, VerbResult } from '../api/contract';
import { ApiFailure } from '../api/result';
import { WORKFLOW_IDS } from '../domain/ids';
import type { BacktestResult, BacktestSummary } from './result';
import type { BacktestProgress, BacktestReadOp } from './activities';
import { backtestProgressQuery, backtestReadWorkflow, backtestWorkflow } from './backtest.workflow';
import type { HandlerDeps } from '../host/handler-deps';
import type { PerformanceMetrics } from '../analytics';
import { strategyCatalog } from './strategies/catalog';

type BacktestVerbs = 'list_backtest_strategies' | 'run_backtest' | 'get_backtest_result' | 'get_backtest_rows' | 'list_backtests' | 'compare_backtests' | 'cancel_backtest';

interface GetAnswer {
  summary: BacktestSummary;
  progress: BacktestProgress;
  result: BacktestResult | null;
}
type CompareAnswer = ({ id: string; found: false } | { id: string; found: true; summary: BacktestSummary; performance: PerformanceMetrics | null; blockedByRule: Record<string, number> })[];

export function createBacktestHandlers(deps: HandlerDeps): Pick<Handlers, BacktestVerbs> {
  async function read<T>(op: BacktestReadOp): Promise<T> {
    return (await deps.client.workflow.execute(backtestReadWorkflow, {
      workflowId: `vigil/backtest-read/${randomUUID()}`,
      taskQueue: deps.taskQueue,
      args: [op],
    })) as T;
  }

  return {
    // A catalog built from the strategies' own schemas: no workflow to ask.
    list_backtest_strategies: async () => ({ strategies: strategyCatalog() }),

    async run_backtest(spec) {
      const id = `bt_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
      const workflowId = WORKFLOW_IDS.backtest(id);
      const handle = await deps.client.workflow.start(backtestWorkflow, { workflowId, taskQueue: deps.taskQueue, args: [{ id, spec, createdAt: Date.now() }] });
      // Wait until the data is loaded so bad input (unknown symbol, empty range) fails this call.
      for (let i = 0; i < 600; i++) {
        const p = await handle.query(backtestProgressQuery).catch(() => null);
        if (p && p.status !== 'preparing' && p.status !== 'failed') return { id, workflowId, totalBars: p.totalBars };
        const d = p?.status === 'failed' ? null : await handle.describe();
        if (d === null || d.status.name !== 'RUNNING') {
          try {
            await handle.result();
          } catch (err) {
            const cause = (err as { cause?: { message?: string } }).cause;
            throw new ApiFailure('rejected', cause?.message ?? (err as Error).message);
          }
          const done = await handle.query(backtestProgressQuery);
          return { id, workflowId, totalBars: done.totalBars };
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      return { id, workflowId, totalBars: 0 };
    },

    async get_backtest_result({ id, full }) {
      const got = await read<GetAnswer | null>({ kind: 'get', id, full });
      if (!got) throw new ApiFailure('not_found', `no backtest ${id}`);
      let progress = got.progress;
      if (got.summary.status === 'running') {
        const live = await deps.client.workflow
          .getHandle(WORKFLOW_IDS.backtest(id))
          .query(backtestProgressQuery)
          .catch(() => null);
        if (live) progress = { stepsDone: live.stepsDone, totalSteps: live.totalSteps, barsDone: live.barsDone, totalBars: live.totalBars };
      }
      return { id, status: got.summary.status, progress, summary: got.summary, result: got.result };
    },

    async get_backtest_rows({ id, list, offset, limit }) {
      const got = await read<{ total: number; rows: unknown[] } | null>({ kind: 'rows', id, list, offset, limit });
      if (!got) throw new ApiFailure('not_found', `no backtest ${id}`);
      const page = { id, list, total: got.total, offset };
      return (list === 'trades' ? { ...page, trades: got.rows } : { ...page, fills: got.rows }) as VerbResult<'get_backtest_rows'>;
    },

    async list_backtests({ limit }) {
      return { backtests: await read<BacktestSummary[]>({ kind: 'list', limit }) };
    },

    async compare_backtests({ ids }) {
      const rows = await read<CompareAnswer>({ kind: 'compare', ids });
      const missing = rows.filter((r) => !r.found).map((r) => r.id);
      if (missing.length > 0) throw new ApiFailure('not_found', `no backtest ${missing.join(', ')}`);
      return { rows: rows.flatMap((r) => (r.found ? [{ id: r.id, summary: r.summary, performance: r.performance, blockedByRule: r.blockedByRule }] : [])) };
    },

    async cancel_backtest({ id }) {
      const handle = deps.client.workflow.getHandle(WORKFLOW_IDS.backtest(id));
      try {
        const d = await handle.describe();
        if (d.status.name !== 'RUNNING') return { id, cancelled: false, status: d.status.name.toLowerCase() };
        await handle.cancel();
        return { id, cancelled: true, status: 'cancelling' };
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) throw new ApiFailure('not_found', `no backtest ${id}`);
        throw err;
      }
    },
  };
}
