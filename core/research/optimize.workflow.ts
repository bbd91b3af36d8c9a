/**
 * optimizeWorkflow: a study. Draws each trial's parameters (core/research/samplers.ts: grid,
 * seeded random, TPE), runs each trial as a `researchTrial` activity — several in flight, so every
 * worker polling the task queue takes a share — and keeps every finished trial in its state
 * (queryable, stored in research.sqlite when it starts, at each continue-as-new and at the end).
 *
 * - Repeatable: a trial's parameters depend only on the seed, its index and (TPE) the results of
 *   the trials before its batch, never on which worker finished first.
 * - Durable: the state is the workflow's; a host restart resumes where it was. A trial whose
 *   worker dies is retried on another after the heartbeat timeout; it is recorded once.
 * - Bounded: after `continueEvery` trials the workflow drains its trials in flight and continues
 *   as new with its state.
 */
import { CancellationScope, condition, continueAsNew, defineQuery, isCancellation, proxyActivities, setHandler, workflowInfo, ApplicationFailure } from '@temporalio/workflow';
import type { createResearchActivities } from './activities';
import { batchStart, gridPoints, needsResults, suggest, type SamplerName, type SamplerPlan } from './samplers';
import type { Objective } from './objective';
import type { Candidate, ParamSpace } from './space';
import type { BaseSpec, OptimizeState, ResearchSummary, TrialRecord } from './types';

type Acts = ReturnType<typeof createResearchActivities>;

/** Workflow time: Temporal makes `Date` deterministic inside a workflow (the task's start time). */
const now = (): number => new Date().getTime();

const quick = proxyActivities<Acts>({ startToCloseTimeout: '5 minutes', retry: { maximumAttempts: 5, initialInterval: '1 second' } });

export interface OptimizeInput {
  id: string;
  label: string | null;
  createdAt: number;
  spec: BaseSpec;
  space: ParamSpace;
  sampler: SamplerName;
  seed: number;
  objective: Objective;
  parallel: number;
  startup: number;
  /** Trials in all (a grid: its points). */
  planned: number;
  /** Only the bars in [from, to) of the spec's data (walk-forward windows). */
  window?: { from: number; to: number };
  /** false: a part of a bigger run (walk-forward) that stores itself; this one does not. */
  save?: boolean;
  /** Trials per workflow run before continue-as-new (default 250). */
  continueEvery?: number;
  /** How soon a trial on a dead worker is retried elsewhere (default 30 s). */
  trialHeartbeatSeconds?: number;
  /** Carried through continue-as-new. */
  state?: OptimizeState;
}

/** Every research workflow answers with its summary and its whole state. */
export const researchStateQuery = defineQuery<{ summary: ResearchSummary; state: unknown }>('researchState');

export function initialOptimizeState(input: OptimizeInput): OptimizeState {
  return {
    spec: input.spec as unknown as Record<string, unknown>,
    space: input.space,
    sampler: input.sampler,
    seed: input.seed,
    objective: input.objective,
    parallel: input.parallel,
    startup: input.startup,
    planned: input.planned,
    trials: [],
    running: [],
    best: null,
    counts: { ok: 0, infeasible: 0, invalid: 0, failed: 0 },
    runs: 1,
  };
}

/** Best ok trial: the highest objective, ties to the earlier trial. */
export function bestTrial(trials: readonly TrialRecord[]): TrialRecord | null {
  let best: TrialRecord | null = null;
  for (const t of trials) {
    if (t.status !== 'ok' || t.value === null) continue;
    if (!best || t.value > best.value! || (t.value === best.value && t.index < best.index)) best = t;
  }
  return best;
}

const fmt = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : x.toPrecision(4));

export function optimizeSummary(input: Pick<OptimizeInput, 'id' | 'label' | 'createdAt' | 'spec'>, st: OptimizeState, status: ResearchSummary['status'], finishedAt: number | null, error: string | null): ResearchSummary {
  const best = st.best === null ? null : (st.trials.find((t) => t.index === st.best) ?? null);
  const params = best ? Object.entries(best.params).map(([k, v]) => `${k} ${v}`).join(' · ') : '';
  return {
    id: input.id,
    kind: 'optimize',
    status,
    label: input.label,
    strategy: input.spec.strategy,
    symbols: input.spec.symbols,
    timeframe: input.spec.timeframe,
    createdAt: input.createdAt,
    finishedAt,
    progress: { done: st.trials.length, total: st.planned },
    headline: best ? `best ${st.objective.metric} ${fmt(best.value!)}: ${params} (trial ${best.index})` : st.trials.length ? `no feasible trial in ${st.trials.length}` : null,
    error,
  };
}

export async function optimizeWorkflow(input: OptimizeInput): Promise<OptimizeState> {
  const st: OptimizeState = input.state ?? initialOptimizeState(input);
  if (input.state) st.runs++;
  st.running = [];
  setHandler(researchStateQuery, () => ({ summary: optimizeSummary(input, st, 'running', null, null), state: st }));
  const save = input.save !== false;
  const trialActs = proxyActivities<Acts>({
    startToCloseTimeout: '2 hours',
    heartbeatTimeout: `${input.trialHeartbeatSeconds ?? 30} seconds`,
    retry: { maximumAttempts: 5, initialInterval: '1 second', backoffCoefficient: 2, nonRetryableErrorTypes: ['invalid_research'] },
  });
  const plan: SamplerPlan = { sampler: input.sampler, seed: input.seed, startup: input.startup, batch: input.parallel };
  const grid: Candidate[] | undefined = input.sampler === 'grid' ? gridPoints(input.space, input.planned) : undefined;
  const done = new Map<number, TrialRecord>(st.trials.map((t) => [t.index, t]));
  const started = st.trials.length;
  // Every trial below `next` has finished (a run continues as new only once its trials drained).
  let next = st.trials.length;
  let inflight = 0;
  let settled = 0;
  let launched = 0;
  const every = Math.max(1, input.continueEvery ?? 250);
  const taken: Candidate[] = st.trials.slice().sort((a, b) => a.index - b.index).map((t) => t.params);

  if (started === 0 && !input.state && save) {
    await quick.researchSave({ summary: optimizeSummary(input, st, 'running', null, null), state: st });
  }

  const record = (t: TrialRecord) => {
    done.set(t.index, t);
    st.trials.push(t);
    st.counts[t.status]++;
    st.running = st.running.filter((r) => r.index !== t.index);
    const b = bestTrial([t, ...(st.best === null ? [] : [done.get(st.best)!])]);
    if (b) st.best = b.index;
  };

  const ready = (i: number): boolean => {
    if (!needsResults(plan, i)) return true;
    const upTo = batchStart(plan, i);
    for (let k = 0; k < upTo; k++) if (!done.has(k)) return false;
    return true;
  };

  const launch = (i: number) => {
    const seen = needsResults(plan, i)
      ? Array.from({ length: batchStart(plan, i) }, (_, k) => done.get(k)!).map((t) => ({ params: t.params, value: t.status === 'ok' ? t.value : t.status === 'failed' ? undefined : null }))
      : [];
    const params = suggest(plan, input.space, i, { grid, seen: seen.filter((o): o is { params: Candidate; value: number | null } => o.value !== undefined), taken });
    taken.push(params);
    st.running.push({ index: i, params });
    inflight++;
    launched++;
    trialActs
      .researchTrial({ index: i, spec: input.spec, params, objective: input.objective, ...(input.window ? { window: input.window } : {}) })
      .then(record, (err: unknown) => {
        if (isCancellation(err)) return;
        const cause = (err as { cause?: { message?: string } }).cause;
        record({ index: i, params, status: 'failed', value: null, note: cause?.message ?? (err as Error).message, metrics: null, ms: 0, worker: null, attempt: 0 });
      })
      .finally(() => {
        inflight--;
        settled++;
      });
  };

  try {
    if (started === 0 && !input.window) await quick.researchPrepare({ spec: input.spec });
    for (;;) {
      while (inflight < input.parallel && next < input.planned && launched < every && ready(next)) launch(next++);
      if (inflight === 0 && (next >= input.planned || launched >= every)) break;
      const seen = settled;
      await condition(() => settled !== seen);
      if (workflowInfo().continueAsNewSuggested && launched > 0) launched = every;
    }
  } catch (err) {
    if (isCancellation(err)) {
      st.running = [];
      if (save) await CancellationScope.nonCancellable(() => quick.researchSave({ summary: optimizeSummary(input, st, 'cancelled', now(), 'cancelled by the user'), state: st }));
      throw err;
    }
    const cause = (err as { cause?: { message?: string } }).cause;
    const message = cause?.message ?? (err as Error).message;
    if (save) await quick.researchSave({ summary: optimizeSummary(input, st, 'failed', now(), message), state: st });
    throw ApplicationFailure.nonRetryable(message, 'research_failed');
  }

  st.trials.sort((a, b) => a.index - b.index);
  if (next < input.planned) {
    if (save) await quick.researchSave({ summary: optimizeSummary(input, st, 'running', null, null), state: st });
    await continueAsNew<typeof optimizeWorkflow>({ ...input, state: st });
  }
  if (save) await quick.researchSave({ summary: optimizeSummary(input, st, 'completed', now(), null), state: st });
  return st;
}
