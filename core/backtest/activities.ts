/**
 * Backtest activities. The workflow drives a backtest chunk by chunk; each chunk resumes the
 * engine from the checkpoint the previous chunk stored in `<dataDir>/backtests.sqlite`, runs a
 * fixed number of timeline steps (heartbeating progress) and stores a new checkpoint. A chunk
 * that was already stored is not run again, so a retried or replayed activity is idempotent, and
 * a restarted host resumes from the last finished chunk.
 */
import { heartbeat, Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { RecordedDataError as DataError, defaultMarketDataDir as defaultMarketDir } from '../market/data/columns';
import { marketDirs } from '../market/data/datasets';
import { createEngine } from './engine';
import { ResampleError } from './bars';
import { buildResult, prepare, SpecError, type Prepared } from './runner';
import { capResult, type BacktestResult, type BacktestSummary, type ModelUsage } from './result';
import { BacktestSpecSchema, type BacktestSpec } from './spec';
import { BacktestStore, rowSummary, type BacktestRow } from './store';
import path from 'node:path';
import { LlmClient } from '../agents/llm/client';
import { resolveAgentModel } from '../agents/llm/models';
import { executionPromptId, loadDefaultTemplates, type PromptId } from '../agents/prompts';
import { AgentStore } from '../agents/store';
import { packageRoot } from '../runtime/package-root';
import { createModelDriver, modelUsage, ModelBudgetExceeded, ModelCallFailed, RateLimiter, systemClock, type Clock, type ModelDriver, type ModelPort } from './model-driver';
import { AgentParams } from './strategies/agent';
import type { ActivityDeps } from '../activities/deps';
import type { BacktestProgress } from './contract';

export interface BacktestStartInput {
  id: string;
  spec: BacktestSpec;
  createdAt: number;
}

export type { BacktestProgress };

/** What `backtestPrepare` tells the workflow beyond progress. */
export interface BacktestPrepared extends BacktestProgress {
  /** The strategy asks a model (slow chunks: rate limits, network). */
  model?: boolean;
  /** Upper bound on steps per chunk, so a chunk holds a bounded number of model decisions. */
  maxChunkSteps?: number;
}

/** Test seams: the model and the clock the rate limit waits on (default: the configured LlmClient, wall clock). */
export interface BacktestActivityOptions {
  model?: ModelPort;
  clock?: Clock;
}

/**
 * How a chunk run outside a Temporal worker (`vigil backtest run` with no cockpit,
 * core/backtest/cli-local.ts) is told to stop: the same loop, with this signal in place of the
 * activity's cancellation and no heartbeats.
 */
export interface InProcessChunk {
  signal: AbortSignal;
}

/** Model decisions (per symbol) per chunk of an `agent` run: its checkpoint granularity. */
const MODEL_DECISIONS_PER_CHUNK = 100;

export type BacktestReadOp =
  | { kind: 'get'; id: string; full: boolean }
  | { kind: 'list'; limit: number }
  | { kind: 'compare'; ids: string[] }
  | { kind: 'rows'; id: string; list: 'trades' | 'fills'; offset: number; limit: number };

/** Steps between heartbeats inside a chunk. */
const HEARTBEAT_STEPS = 50_000;

const capResultOrNull = (r: BacktestResult | null): BacktestResult | null => (r ? capResult(r) : null);

export function createBacktestActivities(deps: ActivityDeps, opts: BacktestActivityOptions = {}) {
  // Datasets imported or downloaded into the data dir first, then the shipped recordings.
  const marketDir = marketDirs(deps.dataDir, deps.marketDir ?? defaultMarketDir());
  let store: BacktestStore | null = null;
  const db = () => (store ??= BacktestStore.forDataDir(deps.dataDir));
  let agents: AgentStore | null = null;
  let templates: Record<PromptId, string> | null = null;
  let llm: ModelPort | null = opts.model ?? null;
  /** The execution agent's model, from the same settings and secrets the live agent uses. */
  const executionModel = (): ModelPort => (llm ??= LlmClient.forAgent(deps.config, 'execution'));
  /** The active (latest) version of a prompt in agents.sqlite, as the live agent renders it. */
  const activePrompt = (id: PromptId) => {
    templates ??= loadDefaultTemplates(path.join(packageRoot().root, 'prompts'));
    return (agents ??= AgentStore.open(deps.dataDir)).activePrompt(id, templates[id], Date.now());
  };
  const modelRequired = () => {
    const m = opts.model?.model ?? resolveAgentModel(deps.config, 'execution');
    if (!m.configured) {
      throw ApplicationFailure.nonRetryable(
        `strategy agent needs the execution agent's model and none is configured (${m.reason ?? 'no model'}): set EXECUTION_MODEL or OPENAI_MODEL with OPENAI_BASE_URL or OPENAI_API_KEY (Settings → Models), or use strategy policy for the built-in deterministic policy`,
        'model_not_configured',
      );
    }
  };
  // Loaded bars per backtest id for the life of the worker: chunks of one run reuse them.
  const cache = new Map<string, Prepared>();
  // One rate limiter per agent run for the life of the worker: the spacing holds across chunks.
  const limiters = new Map<string, RateLimiter>();

  function prepared(id: string, spec: BacktestSpec): Prepared {
    let p = cache.get(id);
    if (!p) {
      p = prepare(spec, marketDir);
      if (cache.size >= 4) cache.delete(cache.keys().next().value!);
      cache.set(id, p);
    }
    return p;
  }

  function limiterFor(id: string, rpm: number): RateLimiter {
    let l = limiters.get(id);
    if (!l) {
      l = new RateLimiter(rpm, opts.clock ?? systemClock);
      if (limiters.size >= 16) limiters.delete(limiters.keys().next().value!);
      limiters.set(id, l);
    }
    return l;
  }

  function rowOrFail(id: string): BacktestRow {
    const r = db().get(id);
    if (!r) throw ApplicationFailure.nonRetryable(`no backtest ${id}`, 'not_found');
    return r;
  }

  return {
    /** Validates the spec, loads the data and registers the run. Bad input fails at once, never retried. */
    async backtestPrepare(input: BacktestStartInput): Promise<BacktestPrepared> {
      let spec: BacktestSpec;
      try {
        spec = BacktestSpecSchema.parse(input.spec);
        // No model, no run: fail before loading data or registering anything.
        if (spec.strategy === 'agent') modelRequired();
        const p = prepared(input.id, spec);
        const totalBars = p.series.reduce((n, s) => n + s.length, 0);
        db().create(input.id, spec, input.createdAt, totalBars, p.totalSteps);
        const cp = db().checkpoint(input.id);
        const progress = { stepsDone: cp?.stepsDone ?? 0, totalSteps: p.totalSteps, barsDone: cp?.barsDone ?? 0, totalBars };
        if (spec.strategy !== 'agent') return progress;
        const every = (p.cfg.strategyParams as AgentParams).every;
        return { ...progress, model: true, maxChunkSteps: Math.max(1, every * MODEL_DECISIONS_PER_CHUNK) };
      } catch (err) {
        if (err instanceof ApplicationFailure) throw err;
        if (err instanceof DataError || err instanceof SpecError || err instanceof ResampleError || (err as Error).name === 'ZodError') {
          throw ApplicationFailure.nonRetryable((err as Error).message, 'invalid_backtest');
        }
        throw err;
      }
    },

    /** Runs chunk `chunk` (steps [chunk*chunkSteps, (chunk+1)*chunkSteps)) from the stored checkpoint. */
    async backtestRunChunk(input: { id: string; chunk: number; chunkSteps: number }, inProcess?: InProcessChunk): Promise<BacktestProgress> {
      const row = rowOrFail(input.id);
      const p = prepared(input.id, row.spec);
      const cp = db().checkpoint(input.id);
      const done = cp?.chunk ?? -1;
      const progress = (stepsDone: number, barsDone: number): BacktestProgress => ({ stepsDone, totalSteps: row.totalSteps, barsDone, totalBars: row.totalBars });
      if (done >= input.chunk) return progress(cp!.stepsDone, cp!.barsDone);
      if (done !== input.chunk - 1) throw ApplicationFailure.nonRetryable(`backtest ${input.id}: chunk ${input.chunk} requested after chunk ${done}`);
      const engine = createEngine(p.cfg, p.series, cp?.state);
      const ctx = inProcess ? { cancellationSignal: inProcess.signal } : Context.current();
      const beat = (details: unknown) => (inProcess ? undefined : heartbeat(details));
      let driver: ModelDriver | null = null;
      if (p.cfg.strategy.name === 'agent') {
        modelRequired();
        driver = createModelDriver(p.cfg, p.series, {
          backtestId: input.id,
          model: executionModel(),
          cache: db(),
          prompt: (mode) => activePrompt(executionPromptId(mode)),
          ...(opts.clock ? { clock: opts.clock } : {}),
          limiter: limiterFor(input.id, (p.cfg.strategyParams as AgentParams).rpm),
          onWait: () => beat({ chunk: input.chunk, stepsDone: engine.state().step }),
          signal: ctx.cancellationSignal,
        });
      }
      const answer = async () => {
        if (!driver || engine.deferred().length === 0) return;
        try {
          await driver.answerDeferred(engine);
        } catch (err) {
          if (err instanceof ModelBudgetExceeded) throw ApplicationFailure.nonRetryable(err.message, 'model_budget');
          if (err instanceof ModelCallFailed) throw err.retryable ? ApplicationFailure.retryable(err.message, 'model_failed') : ApplicationFailure.nonRetryable(err.message, 'model_failed');
          throw err;
        }
      };
      let left = input.chunkSteps;
      while (left > 0 && !engine.done()) {
        // A checkpoint may hold a question still waiting (stored mid-decision): answer it first.
        await answer();
        left -= engine.run(Math.min(left, HEARTBEAT_STEPS));
        await answer();
        const st = engine.state();
        beat({ chunk: input.chunk, stepsDone: st.step });
        if (ctx.cancellationSignal.aborted) throw ctx.cancellationSignal.reason ?? new Error('cancelled');
        deps.bus.emit('backtest.progress', { id: input.id, status: 'running', barsDone: st.barsSeen, totalBars: row.totalBars, stepsDone: st.step, totalSteps: row.totalSteps });
        // Yield so heartbeats and cancellation are delivered between slices.
        await new Promise((r) => setImmediate(r));
      }
      await answer();
      const state = engine.save();
      db().saveCheckpoint(input.id, { chunk: input.chunk, stepsDone: state.step, barsDone: state.barsSeen, state });
      return progress(state.step, state.barsSeen);
    },

    /** Builds the result (analytics included) from the final checkpoint and stores it. */
    async backtestFinish(input: { id: string }): Promise<BacktestSummary> {
      const row = rowOrFail(input.id);
      if (row.status === 'completed' && row.summary) return row.summary;
      const cp = db().checkpoint(input.id);
      if (!cp || cp.stepsDone < row.totalSteps) throw ApplicationFailure.nonRetryable(`backtest ${input.id} is not finished (${cp?.stepsDone ?? 0}/${row.totalSteps} steps)`);
      const p = prepared(input.id, row.spec);
      let usage: ModelUsage | undefined;
      if (p.cfg.strategy.name === 'agent') {
        const params = p.cfg.strategyParams as AgentParams;
        const model = opts.model?.model ?? resolveAgentModel(deps.config, 'execution');
        usage = modelUsage({ strategies: cp.state.strategies, spend: db().modelSpend(input.id), model, params, promptVersion: activePrompt(executionPromptId(params.mode)).version });
      }
      const result = buildResult(row.spec, p, cp.state, { id: input.id, createdAt: row.createdAt, finishedAt: Date.now() }, usage);
      db().finish(result);
      cache.delete(input.id);
      deps.bus.emit('backtest.progress', { id: input.id, status: 'completed', barsDone: cp.barsDone, totalBars: row.totalBars, stepsDone: cp.stepsDone, totalSteps: row.totalSteps });
      return result.summary;
    },

    async backtestMark(input: { id: string; status: 'failed' | 'cancelled'; error: string | null }): Promise<void> {
      db().mark(input.id, input.status, input.error, Date.now());
      cache.delete(input.id);
      const r = db().get(input.id);
      if (r) deps.bus.emit('backtest.progress', { id: input.id, status: input.status, barsDone: 0, totalBars: r.totalBars, stepsDone: 0, totalSteps: r.totalSteps });
    },

    async backtestRead(op: BacktestReadOp): Promise<unknown> {
      const s = db();
      if (op.kind === 'list') return s.list(op.limit).map(rowSummary);
      if (op.kind === 'get') {
        const r = s.get(op.id);
        if (!r) return null;
        const cp = r.status === 'running' ? s.checkpoint(op.id) : null;
        return {
          summary: rowSummary(r),
          progress: { stepsDone: r.status === 'completed' ? r.totalSteps : (cp?.stepsDone ?? 0), totalSteps: r.totalSteps, barsDone: r.status === 'completed' ? r.totalBars : (cp?.barsDone ?? 0), totalBars: r.totalBars },
          result: op.full && r.status === 'completed' ? capResultOrNull(s.result(op.id)) : null,
        };
      }
      if (op.kind === 'rows') {
        const r = s.get(op.id);
        if (!r) return null;
        const full = r.status === 'completed' ? s.result(op.id) : null;
        const all = full ? (op.list === 'trades' ? full.trades : full.fills) : [];
        return { total: all.length, rows: all.slice(op.offset, op.offset + op.limit) };
      }
      return op.ids.map((id) => {
        const r = s.get(id);
        if (!r) return { id, found: false };
        const full = r.status === 'completed' ? s.result(id) : null;
        return { id, found: true, summary: rowSummary(r), performance: full?.performance ?? null, blockedByRule: full?.blockedByRule ?? {} };
      });
    },
  };
}
