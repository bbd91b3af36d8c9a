/**
 * walkForwardWorkflow: plans windows over the data (core/research/walk-forward.ts), optimises each
 * window in-sample as a child study (optimizeWorkflow over the window's bars: its trials fan out
 * like any study's), runs the best parameters out-of-sample (`researchOutOfSample`), then stitches
 * the out-of-sample runs and reports the degradation (`researchWalkForwardReport`). Windows run a
 * few at a time; the state — every window's best, OOS figures and curve — is queryable and stored.
 */
import { ApplicationFailure, CancellationScope, executeChild, isCancellation, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import { TIMEFRAME_MS } from '../domain/market';
import type { createResearchActivities } from './activities';
import type { Objective } from './objective';
import { bestTrial, optimizeWorkflow, researchStateQuery } from './optimize.workflow';
import type { ReportWindow } from './reports';
import type { SamplerName } from './samplers';
import type { ParamSpace } from './space';
import type { BaseSpec, ResearchSummary, WalkForwardState, WindowState } from './types';
import { degradation, planWindows, WindowError, type WindowOptions } from './walk-forward';

type Acts = ReturnType<typeof createResearchActivities>;

const now = (): number => new Date().getTime();

const quick = proxyActivities<Acts>({ startToCloseTimeout: '5 minutes', retry: { maximumAttempts: 5, initialInterval: '1 second' } });

export interface WalkForwardInput {
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
  /** Trials of each in-sample study (a grid: its points). */
  trialsPerWindow: number;
  windows: WindowOptions;
  /** Windows optimised at the same time (default 2). */
  concurrentWindows?: number;
  trialHeartbeatSeconds?: number;
}

const fmt = (x: number | null) => (x === null ? '–' : Math.abs(x) >= 100 ? x.toFixed(0) : x.toPrecision(3));

export function walkForwardSummary(input: Pick<WalkForwardInput, 'id' | 'label' | 'createdAt' | 'spec'>, st: WalkForwardState, status: ResearchSummary['status'], finishedAt: number | null, error: string | null): ResearchSummary {
  const r = st.report;
  return {
    id: input.id,
    kind: 'walk_forward',
    status,
    label: input.label,
    strategy: input.spec.strategy,
    symbols: input.spec.symbols,
    timeframe: input.spec.timeframe,
    createdAt: input.createdAt,
    finishedAt,
    progress: { done: st.windows.filter((w) => w.status === 'done' || w.status === 'failed').length, total: st.windows.length },
    headline: r
      ? `${st.mode} ${r.testedWindows} windows: OOS ${st.objective.metric} ${fmt(r.oosValue)} (mean IS ${fmt(r.isMean)}, OOS ${fmt(r.oosMean)}), ${r.profitableWindows}/${r.testedWindows} OOS windows profitable${r.efficiency !== null ? `, efficiency ${fmt(r.efficiency)}` : ''}`
      : null,
    error,
  };
}

export async function walkForwardWorkflow(input: WalkForwardInput): Promise<WalkForwardState> {
  const st: WalkForwardState = {
    spec: input.spec as unknown as Record<string, unknown>,
    space: input.space,
    sampler: input.sampler,
    seed: input.seed,
    objective: input.objective,
    parallel: input.parallel,
    trialsPerWindow: input.trialsPerWindow,
    mode: input.windows.mode,
    windows: [],
    report: null,
  };
  setHandler(researchStateQuery, () => ({ summary: walkForwardSummary(input, st, 'running', null, null), state: st }));
  const oosActs = proxyActivities<Acts>({
    startToCloseTimeout: '2 hours',
    heartbeatTimeout: `${input.trialHeartbeatSeconds ?? 30} seconds`,
    retry: { maximumAttempts: 5, initialInterval: '1 second', backoffCoefficient: 2, nonRetryableErrorTypes: ['invalid_research'] },
  });
  const save = (status: ResearchSummary['status'], error: string | null) => quick.researchSave({ summary: walkForwardSummary(input, st, status, status === 'running' ? null : now(), error), state: st });
  await save('running', null);
  const forReport = new Map<number, ReportWindow>();

  const runWindow = async (w: WindowState): Promise<void> => {
    w.status = 'optimising';
    try {
      const study = await executeChild(optimizeWorkflow, {
        workflowId: `${workflowInfo().workflowId}/w${w.index}`,
        args: [
          {
            id: `${input.id}w${w.index}`,
            label: input.label,
            createdAt: input.createdAt,
            spec: input.spec,
            space: input.space,
            sampler: input.sampler,
            seed: input.seed + w.index,
            objective: input.objective,
            parallel: input.parallel,
            startup: input.startup,
            planned: input.trialsPerWindow,
            window: { from: w.isFrom, to: w.isTo },
            save: false,
            ...(input.trialHeartbeatSeconds ? { trialHeartbeatSeconds: input.trialHeartbeatSeconds } : {}),
          },
        ],
      });
      w.trials = study.trials.length;
      const best = bestTrial(study.trials);
      if (!best) {
        w.status = 'failed';
        w.error = `no feasible trial in sample (${study.counts.infeasible} infeasible, ${study.counts.invalid} refused, ${study.counts.failed} failed)`;
        return;
      }
      w.best = { index: best.index, params: best.params, value: best.value!, metrics: best.metrics! };
      w.status = 'testing';
      const oos = await oosActs.researchOutOfSample({ index: best.index, spec: input.spec, params: best.params, objective: input.objective, window: { from: w.oosFrom, to: w.oosTo } });
      w.oos = { value: oos.value, note: oos.note, metrics: oos.metrics };
      w.curve = oos.curve;
      Object.assign(w, degradation({ isValue: best.value, isMetrics: best.metrics, oosValue: oos.value, oosMetrics: oos.metrics }));
      forReport.set(w.index, { oosFrom: w.oosFrom, isValue: best.value, isMetrics: best.metrics, oosValue: oos.value, oosMetrics: oos.metrics, days: oos.days, totals: oos.totals });
      w.status = 'done';
    } catch (err) {
      if (isCancellation(err)) throw err;
      const cause = (err as { cause?: { message?: string; cause?: { message?: string } } }).cause;
      w.status = 'failed';
      w.error = cause?.cause?.message ?? cause?.message ?? (err as Error).message;
    }
  };

  try {
    const data = await quick.researchPrepare({ spec: input.spec });
    if (data.from === null || data.to === null) throw ApplicationFailure.nonRetryable('no bars in the requested range', 'invalid_research');
    try {
      st.windows = planWindows(data.from, data.to, TIMEFRAME_MS[input.spec.timeframe], input.windows).map((p) => ({
        ...p,
        status: 'pending',
        trials: 0,
        best: null,
        oos: null,
        curve: [],
        change: null,
        ratio: null,
        efficiency: null,
        error: null,
      }));
    } catch (err) {
      if (err instanceof WindowError) throw ApplicationFailure.nonRetryable(err.message, 'invalid_research');
      throw err;
    }
    const queue = [...st.windows];
    const lanes = Math.max(1, Math.min(input.concurrentWindows ?? 2, queue.length));
    await Promise.all(
      Array.from({ length: lanes }, async () => {
        for (let w = queue.shift(); w; w = queue.shift()) await runWindow(w);
      }),
    );
    const tested = st.windows.filter((w) => forReport.has(w.index)).map((w) => forReport.get(w.index)!);
    if (tested.length === 0) throw ApplicationFailure.nonRetryable(`no window could be tested: ${st.windows.map((w) => `window ${w.index + 1}: ${w.error ?? w.status}`).join('; ')}`, 'research_failed');
    st.report = await quick.researchWalkForwardReport({ initialCash: input.spec.initialCash, objective: input.objective, windows: tested });
  } catch (err) {
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(() => save('cancelled', 'cancelled by the user'));
      throw err;
    }
    const cause = (err as { cause?: { message?: string } }).cause;
    const message = (err as ApplicationFailure).type === 'invalid_research' || (err as ApplicationFailure).type === 'research_failed' ? (err as Error).message : (cause?.message ?? (err as Error).message);
    await save('failed', message);
    throw ApplicationFailure.nonRetryable(message, 'research_failed');
  }
  await save('completed', null);
  return st;
}
