/**
 * Research activities. Trials are stateless compute: the spec and parameters in, the trial's
 * figures out, bars from the worker's recorded data (loaded once per worker). So any worker
 * polling the task queue — the cockpit's own, `vigil worker` in another process or on another
 * machine — can run any trial, and a trial retried elsewhere computes the same thing.
 *
 * Bookkeeping (`researchSave`) writes `<dataDir>/research.sqlite` of the worker that runs it.
 */
import { ApplicationFailure } from '@temporalio/common';
import { Context, heartbeat } from '@temporalio/activity';
import { ResampleError } from '../backtest/bars';
import { SpecError } from '../backtest/runner';
import { RecordedDataError, defaultMarketDataDir } from '../market/data/columns';
import type { ActivityDeps } from '../activities/deps';
import { DataCache, runTrial, runWithCurve, type RunHooks, type TrialInput } from './runner';
import { walkForwardReport, type ReportWindow } from './reports';
import { cutTimes, featureLookahead, lookaheadCheck, warmupCheck } from './bias';
import type { BacktestSpec } from '../backtest/spec';
import path from 'node:path';
import { BacktestStore } from '../backtest/store';
import { ModelBudgetExceeded, ModelCallFailed, type ModelPort } from '../backtest/model-driver';
import { LlmClient } from '../agents/llm/client';
import { resolveAgentModel } from '../agents/llm/models';
import { executionPromptId, loadDefaultTemplates, type PromptId } from '../agents/prompts';
import { AgentStore } from '../agents/store';
import type { ExecutionMode } from '../agents/prompt-ids';
import type { VigilConfig } from '../runtime/config';
import { packageRoot } from '../runtime/package-root';
import { arenaReport, type ArenaRunFigures } from './arena';
import { runArena, type ArenaRunInput } from './arena-run';
import type { Contestant } from './types';
import { runTwin, TwinError, type TwinInput } from './twin-run';
import { ResearchStore } from './store';
import type { BaseSpec, ResearchKind, ResearchSummary, TrialRecord } from './types';

export type ResearchReadOp = { kind: 'get'; id: string } | { kind: 'list'; limit: number; of?: ResearchKind };

/** A data or spec problem: the same input fails the same way on every worker, so never retried. */
function permanent(err: unknown): never {
  if (err instanceof ApplicationFailure) throw err;
  const e = err as Error;
  if (e instanceof RecordedDataError || e instanceof SpecError || e instanceof ResampleError || e.name === 'ZodError' || /no bars for/.test(e.message)) {
    throw ApplicationFailure.nonRetryable(e.message, 'invalid_research');
  }
  throw err;
}

/** Heartbeats with progress between slices, yields to the event loop, stops when cancelled. */
export function activityHooks(detail: Record<string, unknown> = {}): RunHooks & { attempt: number } {
  const ctx = Context.current();
  return {
    attempt: ctx.info.attempt,
    async between(stepsDone, totalSteps) {
      heartbeat({ ...detail, stepsDone, totalSteps });
      // Yield so heartbeats, cancellation and the other trials of this worker get their turn.
      await new Promise((r) => setImmediate(r));
      if (ctx.cancellationSignal.aborted) throw ctx.cancellationSignal.reason ?? new Error('cancelled');
    },
  };
}

export function createResearchActivities(deps: Pick<ActivityDeps, 'dataDir' | 'marketDir'> & { config?: VigilConfig; client?: ActivityDeps['client'] }) {
  const cache = new DataCache(deps.marketDir ?? defaultMarketDataDir());
  let store: ResearchStore | null = null;
  const db = () => (store ??= ResearchStore.forDataDir(deps.dataDir));
  let responses: BacktestStore | null = null;
  let agents: AgentStore | null = null;
  let templates: Record<PromptId, string> | null = null;
  const config = deps.config;

  /** A contestant's model: its own model name and endpoint, else the execution agent's. */
  function contestantModel(c: Contestant): ModelPort {
    const base = config ? resolveAgentModel(config, 'execution') : null;
    const model = c.model ?? base?.model;
    const baseUrl = c.baseUrl ?? base?.baseUrl ?? null;
    const key = config?.secrets?.OPENAI_API_KEY;
    if (!model || (!baseUrl && !key)) {
      throw ApplicationFailure.nonRetryable(
        `contestant ${c.label}: no model to ask (${base?.reason ?? 'none configured'}): give it model and baseUrl, or configure the execution agent's model (EXECUTION_MODEL / OPENAI_MODEL with OPENAI_BASE_URL or OPENAI_API_KEY)`,
        'model_not_configured',
      );
    }
    return new LlmClient({ agent: 'execution', configured: true, model, baseUrl, reason: null }, { timeoutMs: (config?.LLM_TIMEOUT_SECONDS ?? 60) * 1000, maxRetries: config?.LLM_MAX_RETRIES ?? 2, ...(key ? { apiKey: key } : {}) });
  }

  /** A version of an execution prompt (the active one by default), as the live agent renders it. */
  function prompt(mode: ExecutionMode, version?: number): { template: string; version: number } {
    templates ??= loadDefaultTemplates(path.join(packageRoot().root, 'prompts'));
    agents ??= AgentStore.open(deps.dataDir);
    const id = executionPromptId(mode);
    const active = agents.activePrompt(id, templates[id], Date.now());
    if (version === undefined || version === active.version) return active;
    const v = agents.promptHistory(id).find((p) => p.version === version);
    if (!v) throw ApplicationFailure.nonRetryable(`prompt ${id} has no version ${version} (versions: ${agents.promptHistory(id).map((p) => p.version).join(', ')})`, 'invalid_research');
    return v;
  }

  return {
    /** Loads the study's data once (this worker's cache) so bad input fails before any trial. */
    async researchPrepare(input: { spec: BaseSpec }): Promise<{ bars: number; from: number | null; to: number | null }> {
      try {
        const d = cache.get(input.spec);
        const bars = d.series.reduce((n, s) => n + s.length, 0);
        const first = d.series.reduce((m, s) => (s.length ? Math.min(m, s.time[0]!) : m), Infinity);
        const last = d.series.reduce((m, s) => (s.length ? Math.max(m, s.time[s.length - 1]! + s.timeframeMs) : m), -Infinity);
        return { bars, from: Number.isFinite(first) ? first : null, to: Number.isFinite(last) ? last : null };
      } catch (err) {
        return permanent(err);
      }
    },

    /** One trial of a study: a whole backtest, its metrics and objective. */
    async researchTrial(input: TrialInput): Promise<TrialRecord> {
      try {
        return await runTrial(input, cache, activityHooks({ trial: input.index }));
      } catch (err) {
        if (Context.current().cancellationSignal.aborted) throw err;
        return permanent(err);
      }
    },

    /** A window's out-of-sample run of the best in-sample parameters, with its equity curve. */
    async researchOutOfSample(input: TrialInput) {
      try {
        return await runWithCurve(input, cache, activityHooks({ trial: input.index }));
      } catch (err) {
        if (Context.current().cancellationSignal.aborted) throw err;
        return permanent(err);
      }
    },

    /** The stitched out-of-sample run and the degradation of a walk-forward. */
    async researchWalkForwardReport(input: { initialCash: string; objective: TrialInput['objective']; windows: ReportWindow[] }) {
      return walkForwardReport(input.initialCash, input.objective, input.windows);
    },

    /** Bias: the strategy's decisions with the future cut off at each cut. */
    async researchBiasLookahead(input: { spec: BacktestSpec; cuts: number }) {
      try {
        const { series } = cache.get(input.spec);
        return await lookaheadCheck(input.spec, series, cutTimes(series, input.cuts), activityHooks({ part: 'lookahead' }));
      } catch (err) {
        if (Context.current().cancellationSignal.aborted) throw err;
        return permanent(err);
      }
    },

    /** Bias: every feature of the feature vector, full pass against recomputation at each cut. */
    async researchBiasFeatures(input: { spec: BacktestSpec; cuts: number }) {
      try {
        const { series } = cache.get(input.spec);
        return await featureLookahead(series, cutTimes(series, input.cuts), activityHooks({ part: 'features' }));
      } catch (err) {
        if (Context.current().cancellationSignal.aborted) throw err;
        return permanent(err);
      }
    },

    /** Bias: decisions, results and feature values against the start offset. */
    async researchBiasWarmup(input: { spec: BacktestSpec; offsets: number[]; horizon: number }) {
      try {
        const { series } = cache.get(input.spec);
        return await warmupCheck(input.spec, series, input.offsets, input.horizon, activityHooks({ part: 'warmup' }));
      } catch (err) {
        if (Context.current().cancellationSignal.aborted) throw err;
        return permanent(err);
      }
    },

    /** One arena run: a configuration over the arena's window, its P&L, fees, model cost and decisions. */
    async researchArenaRun(input: ArenaRunInput) {
      const ctx = Context.current();
      try {
        return await runArena(input, {
          cache,
          model: contestantModel,
          responses: (responses ??= BacktestStore.forDataDir(deps.dataDir)),
          prompt,
          hooks: { ...activityHooks({ contestant: input.index, sample: input.sample }), onWait: () => heartbeat({ contestant: input.index, sample: input.sample, waiting: true }) },
          signal: ctx.cancellationSignal,
        });
      } catch (err) {
        if (ctx.cancellationSignal.aborted) throw err;
        if (err instanceof ModelBudgetExceeded) throw ApplicationFailure.nonRetryable(err.message, 'model_budget');
        if (err instanceof ModelCallFailed) throw err.retryable ? ApplicationFailure.retryable(err.message, 'model_failed') : ApplicationFailure.nonRetryable(err.message, 'model_failed');
        return permanent(err);
      }
    },

    /** The twin of a paper session: its fills beside a backtest of the same agent version over the same bars. */
    async researchTwin(input: TwinInput) {
      const ctx = Context.current();
      if (!deps.client) throw ApplicationFailure.nonRetryable('the twin report reads the paper ledger and the market stream: run it on the cockpit\'s workers', 'invalid_research');
      try {
        return await runTwin(input, {
          client: deps.client,
          cache,
          arena: {
            model: contestantModel,
            responses: (responses ??= BacktestStore.forDataDir(deps.dataDir)),
            prompt,
            hooks: { ...activityHooks({ twin: input.id }), onWait: () => heartbeat({ twin: input.id, waiting: true }) },
            signal: ctx.cancellationSignal,
          },
        });
      } catch (err) {
        if (ctx.cancellationSignal.aborted) throw err;
        if (err instanceof TwinError) throw ApplicationFailure.nonRetryable(err.message, 'invalid_research');
        if (err instanceof ModelBudgetExceeded) throw ApplicationFailure.nonRetryable(err.message, 'model_budget');
        if (err instanceof ModelCallFailed) throw err.retryable ? ApplicationFailure.retryable(err.message, 'model_failed') : ApplicationFailure.nonRetryable(err.message, 'model_failed');
        return permanent(err);
      }
    },

    /** The arena's ranking and agreement from its finished runs. */
    async researchArenaReport(input: { labels: string[]; runs: ArenaRunFigures[] }) {
      return arenaReport(input.labels, input.runs);
    },

    async researchSave(input: { summary: ResearchSummary; state: unknown }): Promise<void> {
      db().save(input.summary, input.state);
    },

    async researchRead(op: ResearchReadOp): Promise<unknown> {
      if (op.kind === 'get') return db().get(op.id);
      return db().list({ limit: op.limit, ...(op.of ? { kind: op.of } : {}) });
    },
  };
}
