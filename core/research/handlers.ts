/**
 * Research handlers: a start verb per kind of run (a workflow `vigil/research/<id>`), and reads —
 * the live state from the workflow's query while it runs, research.sqlite (through a short read
 * workflow, the store lives with the workers) once it has ended.
 */
import { randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import type { Handlers } from '../api/contract';
import { ApiFailure } from '../api/result';
import { WORKFLOW_IDS } from '../domain/ids';
import type { HandlerDeps } from '../host/handler-deps';
import { BacktestSpecSchema } from '../backtest/spec';
import { backtestReadWorkflow, backtestWorkflow } from '../backtest/backtest.workflow';
import type { ResearchRun } from './api';
import type { ResearchReadOp } from './activities';
import { optimizeWorkflow, researchStateQuery, type OptimizeInput } from './optimize.workflow';
import { researchReadWorkflow } from './read.workflow';
import { walkForwardWorkflow, type WalkForwardInput } from './walk-forward.workflow';
import { biasWorkflow } from './bias.workflow';
import { arenaWorkflow } from './arena.workflow';
import { twinWorkflow } from './twin.workflow';
import { gridPoints } from './samplers';
import { resolveSpace, SpaceError } from './space';
import { MAX_TRIALS, type OptimizeRequest, type OptimizeState, type ResearchKind, type ResearchSummary, type WalkForwardRequest, type WalkForwardState, type BiasState, type ArenaState } from './types';

type ResearchVerbs = 'optimize_strategy' | 'walk_forward' | 'check_bias' | 'run_arena' | 'twin_report' | 'get_research_run' | 'list_research_runs' | 'cancel_research_run' | 'open_trial_backtest';

export const newResearchId = (): string => `rs_${randomUUID().replace(/-/g, '').slice(0, 16)}`;

/** TPE's random start: Optuna's default of 10, at least one batch, never more than the study. */
export function tpeStartup(req: Pick<OptimizeRequest, 'startup' | 'parallel'>, planned: number): number {
  return Math.min(planned, req.startup ?? Math.max(10, req.parallel));
}

/** The workflow input of a study, or a clear refusal (space outside the catalog, grid too big). */
export function optimizeInput(id: string, req: OptimizeRequest, createdAt: number): OptimizeInput {
  let space;
  try {
    space = resolveSpace(req.spec.strategy, req.space, req.spec.params ?? {});
  } catch (err) {
    if (err instanceof SpaceError) throw new ApiFailure('invalid_input', err.message, [{ path: err.message.split(':')[0]!, message: err.message }]);
    throw err;
  }
  let planned = req.trials;
  if (req.sampler === 'grid') {
    planned = gridPoints(space, MAX_TRIALS + 1).length;
    if (planned > MAX_TRIALS) throw new ApiFailure('invalid_input', `the grid has more than ${MAX_TRIALS} points: use larger steps, fewer values or another sampler`);
    if (planned === 0) throw new ApiFailure('invalid_input', 'the grid has no point that meets the strategy’s rules (e.g. fast below slow)');
  }
  return {
    id,
    label: req.label ?? null,
    createdAt,
    spec: req.spec,
    space,
    sampler: req.sampler,
    seed: req.seed,
    objective: req.objective,
    parallel: req.parallel,
    startup: tpeStartup(req, planned),
    planned,
  };
}

/** Waits until a run has passed its preparation (data loaded) or failed, so bad input fails the call. */
export async function confirmStarted(handle: WorkflowHandle, ready: (state: unknown) => boolean, timeoutMs = 120_000): Promise<{ summary: ResearchSummary; state: unknown }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const q = await handle.query(researchStateQuery).catch(() => null);
    if (q && ready(q.state)) return q;
    const d = await handle.describe();
    if (d.status.name !== 'RUNNING') {
      try {
        await handle.result();
      } catch (err) {
        const cause = (err as { cause?: { message?: string } }).cause;
        throw new ApiFailure('rejected', cause?.message ?? (err as Error).message);
      }
      const done = await handle.query(researchStateQuery).catch(() => null);
      if (done) return done;
      throw new ApiFailure('rejected', 'the run ended before it could be read');
    }
    if (Date.now() > deadline) {
      if (q) return q;
      throw new ApiFailure('unavailable', 'the run did not start in time: are the workers running?');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function runOf(summary: ResearchSummary, state: unknown): ResearchRun {
  const key = { optimize: 'optimize', walk_forward: 'walkForward', bias: 'bias', arena: 'arena', twin: 'twin' }[summary.kind];
  return { summary, [key]: state } as ResearchRun;
}

/** The workflow input of a walk-forward: a study per window, over the same space. */
export function walkForwardInput(id: string, req: WalkForwardRequest, createdAt: number): WalkForwardInput {
  const study = optimizeInput(id, { ...req, trials: req.trialsPerWindow }, createdAt);
  return {
    id,
    label: study.label,
    createdAt,
    spec: study.spec,
    space: study.space,
    sampler: study.sampler,
    seed: study.seed,
    objective: study.objective,
    parallel: study.parallel,
    startup: study.startup,
    trialsPerWindow: study.planned,
    windows: req.windows,
  };
}

export function createResearchHandlers(deps: HandlerDeps): Pick<Handlers, ResearchVerbs> {
  async function read<T>(op: ResearchReadOp): Promise<T> {
    return (await deps.client.workflow.execute(researchReadWorkflow, { workflowId: `vigil/research-read/${randomUUID()}`, taskQueue: deps.taskQueue, args: [op] })) as T;
  }

  /** The run: as stored once it has ended, live from its workflow while it runs. */
  async function load(id: string): Promise<{ summary: ResearchSummary; state: unknown }> {
    const stored = await read<{ summary: ResearchSummary; state: unknown } | null>({ kind: 'get', id });
    if (stored && stored.summary.status !== 'running') return stored;
    const live = await deps.client.workflow
      .getHandle(WORKFLOW_IDS.research(id))
      .query(researchStateQuery)
      .catch(() => null);
    if (live) return live;
    if (stored) return stored;
    throw new ApiFailure('not_found', `no research run ${id}`);
  }

  return {
    async optimize_strategy(req) {
      const id = newResearchId();
      const input = optimizeInput(id, req, Date.now());
      const workflowId = WORKFLOW_IDS.research(id);
      const handle = await deps.client.workflow.start(optimizeWorkflow, { workflowId, taskQueue: deps.taskQueue, args: [input] });
      const got = await confirmStarted(handle, (s) => {
        const st = s as OptimizeState;
        return st.running.length + st.trials.length > 0;
      });
      return { id, workflowId, summary: got.summary, planned: input.planned, space: input.space };
    },

    async walk_forward(req) {
      const id = newResearchId();
      const input = walkForwardInput(id, req, Date.now());
      const workflowId = WORKFLOW_IDS.research(id);
      const handle = await deps.client.workflow.start(walkForwardWorkflow, { workflowId, taskQueue: deps.taskQueue, args: [input] });
      // Windows are planned once the data is loaded: a range too short for them fails this call.
      const got = await confirmStarted(handle, (s) => (s as WalkForwardState).windows.length > 0);
      return { id, workflowId, summary: got.summary };
    },

    async check_bias(req) {
      const id = newResearchId();
      const workflowId = WORKFLOW_IDS.research(id);
      const input = { id, label: req.label ?? null, createdAt: Date.now(), spec: req.spec, cuts: req.cuts, offsets: req.offsets, horizon: req.horizon };
      const handle = await deps.client.workflow.start(biasWorkflow, { workflowId, taskQueue: deps.taskQueue, args: [input] });
      // Started once any part has finished or the data has loaded (a bad range fails this call).
      const got = await confirmStarted(handle, (s) => (s as BiasState).bars !== null);
      return { id, workflowId, summary: got.summary };
    },

    async run_arena(req) {
      const id = newResearchId();
      const workflowId = WORKFLOW_IDS.research(id);
      const input = { id, label: req.label ?? null, createdAt: Date.now(), spec: req.spec, contestants: req.contestants, samples: req.samples, budget: req.budget };
      const handle = await deps.client.workflow.start(arenaWorkflow, { workflowId, taskQueue: deps.taskQueue, args: [input] });
      // Started once the data has loaded: a symbol or range without data fails this call.
      const got = await confirmStarted(handle, (s) => (s as ArenaState).bars !== null);
      return { id, workflowId, summary: got.summary };
    },

    async twin_report(req) {
      const id = newResearchId();
      const workflowId = WORKFLOW_IDS.research(id);
      // The agent's cadence: its nudge interval in 1m bars.
      const every = req.every ?? Math.max(1, Math.round((deps.config.EXECUTION_NUDGE_SECONDS ?? 60) / 60));
      const input = { id, label: req.label ?? null, createdAt: Date.now(), portfolio: req.portfolio, from: req.from, to: req.to ?? null, symbols: req.symbols ?? null, strategy: req.strategy, mode: req.mode, every };
      const handle = await deps.client.workflow.start(twinWorkflow, { workflowId, taskQueue: deps.taskQueue, args: [input] });
      const got = await confirmStarted(handle, () => true);
      return { id, workflowId, summary: got.summary };
    },

    async get_research_run({ id }) {
      const r = await load(id);
      return runOf(r.summary, r.state);
    },

    async list_research_runs({ kind, limit }) {
      const runs = await read<ResearchSummary[]>({ kind: 'list', limit, ...(kind ? { of: kind as ResearchKind } : {}) });
      return { runs };
    },

    async cancel_research_run({ id }) {
      const handle = deps.client.workflow.getHandle(WORKFLOW_IDS.research(id));
      try {
        const d = await handle.describe();
        if (d.status.name !== 'RUNNING') return { id, cancelled: false, status: d.status.name.toLowerCase() };
        await handle.cancel();
        return { id, cancelled: true, status: 'cancelling' };
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) throw new ApiFailure('not_found', `no research run ${id}`);
        throw err;
      }
    },

    async open_trial_backtest({ id, trial }) {
      const r = await load(id);
      if (r.summary.kind !== 'optimize') throw new ApiFailure('rejected', `${id} is a ${r.summary.kind} run, not a study: it has no trials`);
      const st = r.state as OptimizeState;
      const t = st.trials.find((x) => x.index === trial);
      if (!t) throw new ApiFailure('not_found', `study ${id} has no finished trial ${trial}`);
      if (t.status === 'invalid') throw new ApiFailure('rejected', `trial ${trial} was refused by the strategy: ${t.note ?? ''}`);
      const backtestId = `bt_${id.slice(3)}t${trial}`;
      const existing = await deps.client.workflow.execute(backtestReadWorkflow, {
        workflowId: `vigil/backtest-read/${randomUUID()}`,
        taskQueue: deps.taskQueue,
        args: [{ kind: 'get', id: backtestId, full: false }],
      });
      if (existing) return { backtestId, created: false };
      const spec = BacktestSpecSchema.parse({
        ...st.spec,
        params: { ...((st.spec.params as Record<string, unknown> | undefined) ?? {}), ...t.params },
        label: `${r.summary.label ?? id} · trial ${trial}`.slice(0, 120),
      });
      try {
        await deps.client.workflow.start(backtestWorkflow, {
          workflowId: WORKFLOW_IDS.backtest(backtestId),
          taskQueue: deps.taskQueue,
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          args: [{ id: backtestId, spec, createdAt: Date.now() }],
        });
        return { backtestId, created: true };
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError) return { backtestId, created: false };
        throw err;
      }
    },
  };
}
