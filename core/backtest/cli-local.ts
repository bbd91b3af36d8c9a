/**
 * Backtests without a cockpit: the backtest verbs over the same activities the cockpit's workers
 * run, called in this process instead of through Temporal. A run follows backtestWorkflow step
 * for step — prepare, chunks of DEFAULT_CHUNK_STEPS engine steps each resuming from the SQLite
 * checkpoint the previous one stored, finish — so it stores the same result in the same
 * `<dataDir>/backtests.sqlite` (the cockpit lists it later). Reads answer from that file.
 * Dispatch validates inputs and outputs exactly as for the cockpit (core/cli/remote.ts).
 *
 * Differences, by nature: a chunk that fails is retried here (like the workflow's retry
 * policy) but a killed process does not resume (the cockpit's workflow would); Ctrl-C cancels.
 */
import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import type { Handlers } from '../api/contract';
import { ApiFailure } from '../api/result';
import { createBacktestActivities, type BacktestProgress } from './activities';
import type { ActivityDeps } from '../activities/deps';
import type { BacktestSummary } from './result';
import type { PerformanceMetrics } from '../analytics';
import { strategyCatalog } from './strategies/catalog';
import { EventBus } from '../host/bus';
import type { VigilConfig } from '../runtime/config';
import { silentLogger, type Logger } from '../runtime/log';
import { DEFAULT_CHUNK_STEPS } from './backtest.workflow';

type LocalVerbs = 'list_backtest_strategies' | 'run_backtest' | 'get_backtest_result' | 'get_backtest_rows' | 'list_backtests' | 'compare_backtests';

interface GetAnswer {
  summary: BacktestSummary;
  progress: BacktestProgress;
  result: import('./result').BacktestResult | null;
}
type CompareAnswer = ({ id: string; found: false } | { id: string; found: true; summary: BacktestSummary; performance: PerformanceMetrics | null; blockedByRule: Record<string, number> })[];

/** What `run_backtest` answers for workflowId when no workflow runs the backtest. */
export const IN_PROCESS = 'in-process';

interface LocalRun {
  progress: BacktestProgress;
  abort: AbortController;
  done: Promise<void>;
}

export interface LocalBacktests {
  handlers: Pick<Handlers, LocalVerbs>;
  /** Stop every run of this process; each is stored as cancelled with the reason. */
  cancelAll(): void;
  /** Resolves when every run started here has finished, failed or been cancelled. */
  settled(): Promise<void>;
}

const messageOf = (err: unknown) => (err as { cause?: { message?: string } }).cause?.message ?? (err as Error).message;
const nonRetryable = (err: unknown) => err instanceof ApplicationFailure && err.nonRetryable;

export function createLocalBacktests(o: { config: VigilConfig; dataDir: string; log?: Logger; marketDir?: string; chunkSteps?: number; retryDelayMs?: number }): LocalBacktests {
  const bus = new EventBus();
  const deps: ActivityDeps = { config: o.config, dataDir: o.dataDir, bus, log: o.log ?? silentLogger, ...(o.marketDir ? { marketDir: o.marketDir } : {}) };
  const acts = createBacktestActivities(deps);
  const runs = new Map<string, LocalRun>();
  bus.on('backtest.progress', (p) => {
    const r = runs.get(p.id);
    if (r && p.status === 'running') r.progress = { stepsDone: p.stepsDone, totalSteps: p.totalSteps, barsDone: p.barsDone, totalBars: p.totalBars };
  });

  /** The workflow's retry policy for chunks: 5 attempts, back-off from 1 s (5 s for a model), doubling. */
  async function withRetries<T>(fn: () => Promise<T>, signal: AbortSignal, model: boolean): Promise<T> {
    let delay = o.retryDelayMs ?? (model ? 5000 : 1000);
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (attempt >= 5 || nonRetryable(err) || signal.aborted) throw err;
        await new Promise((r) => setTimeout(r, delay));
        delay *= 2;
      }
    }
  }

  async function drive(id: string, run: LocalRun, chunkSteps: number, model: boolean): Promise<void> {
    const signal = run.abort.signal;
    try {
      const n = Math.ceil(run.progress.totalSteps / chunkSteps);
      for (let c = 0; c < n; c++) {
        if (signal.aborted) throw new Error('cancelled');
        run.progress = await withRetries(() => acts.backtestRunChunk({ id, chunk: c, chunkSteps }, { signal }), signal, model);
      }
      await acts.backtestFinish({ id });
    } catch (err) {
      const cancelled = signal.aborted;
      await acts.backtestMark({ id, status: cancelled ? 'cancelled' : 'failed', error: cancelled ? 'cancelled by the user' : messageOf(err) });
    }
  }

  const handlers: Pick<Handlers, LocalVerbs> = {
    list_backtest_strategies: async () => ({ strategies: strategyCatalog() }),

    async run_backtest(spec) {
      const id = `bt_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
      let prepared: Awaited<ReturnType<typeof acts.backtestPrepare>>;
      try {
        prepared = await acts.backtestPrepare({ id, spec, createdAt: Date.now() });
      } catch (err) {
        // As through the cockpit: bad input (unknown symbol, empty range, no model) is refused.
        throw new ApiFailure('rejected', messageOf(err));
      }
      const { model, maxChunkSteps, ...progress } = prepared;
      let chunkSteps = Math.max(1000, o.chunkSteps ?? DEFAULT_CHUNK_STEPS);
      if (maxChunkSteps !== undefined) chunkSteps = Math.min(chunkSteps, maxChunkSteps);
      const run: LocalRun = { progress, abort: new AbortController(), done: Promise.resolve() };
      runs.set(id, run);
      run.done = drive(id, run, chunkSteps, Boolean(model));
      return { id, workflowId: IN_PROCESS, totalBars: progress.totalBars };
    },

    async get_backtest_result({ id, full }) {
      const got = (await acts.backtestRead({ kind: 'get', id, full })) as GetAnswer | null;
      if (!got) throw new ApiFailure('not_found', `no backtest ${id}`);
      const live = got.summary.status === 'running' ? runs.get(id) : undefined;
      return { id, status: got.summary.status, progress: live ? live.progress : got.progress, summary: got.summary, result: got.result };
    },

    async get_backtest_rows({ id, list, offset, limit }) {
      const got = (await acts.backtestRead({ kind: 'rows', id, list, offset, limit })) as { total: number; rows: unknown[] } | null;
      if (!got) throw new ApiFailure('not_found', `no backtest ${id}`);
      const page = { id, list, total: got.total, offset };
      return (list === 'trades' ? { ...page, trades: got.rows } : { ...page, fills: got.rows }) as Awaited<ReturnType<Handlers['get_backtest_rows']>>;
    },

    async list_backtests({ limit }) {
      return { backtests: (await acts.backtestRead({ kind: 'list', limit })) as BacktestSummary[] };
    },

    async compare_backtests({ ids }) {
      const rows = (await acts.backtestRead({ kind: 'compare', ids })) as CompareAnswer;
      const missing = rows.filter((r) => !r.found).map((r) => r.id);
      if (missing.length > 0) throw new ApiFailure('not_found', `no backtest ${missing.join(', ')}`);
      return { rows: rows.flatMap((r) => (r.found ? [{ id: r.id, summary: r.summary, performance: r.performance, blockedByRule: r.blockedByRule }] : [])) };
    },
  };

  return {
    handlers,
    cancelAll() {
      for (const r of runs.values()) r.abort.abort();
    },
    async settled() {
      await Promise.all([...runs.values()].map((r) => r.done));
    },
  };
}
