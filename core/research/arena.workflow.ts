/**
 * arenaWorkflow: the same window through several configurations — the built-in policy and the
 * execution agent with chosen modes, prompt versions and models — each sample a `researchArenaRun`
 * activity (a few at once, on any worker), then the ranking by P&L net of fees and model cost and
 * the decision agreement (`researchArenaReport`).
 */
import { ApplicationFailure, CancellationScope, isCancellation, proxyActivities, setHandler } from '@temporalio/workflow';
import type { createResearchActivities } from './activities';
import type { ArenaRunFigures } from './arena';
import { researchStateQuery } from './optimize.workflow';
import type { ArenaState, BaseSpec, Contestant, ResearchSummary } from './types';

type Acts = ReturnType<typeof createResearchActivities>;

const now = (): number => new Date().getTime();

const quick = proxyActivities<Acts>({ startToCloseTimeout: '5 minutes', retry: { maximumAttempts: 5, initialInterval: '1 second' } });
// A run may wait on a rate limit and a model: long, heartbeating; a retry re-reads every answer it had from the cache.
const runs = proxyActivities<Acts>({
  startToCloseTimeout: '6 hours',
  heartbeatTimeout: '1 minute',
  retry: { maximumAttempts: 5, initialInterval: '5 seconds', backoffCoefficient: 2, nonRetryableErrorTypes: ['invalid_research', 'model_budget', 'model_not_configured'] },
});

export interface ArenaInput {
  id: string;
  label: string | null;
  createdAt: number;
  spec: BaseSpec;
  contestants: Contestant[];
  samples: number;
  budget: { maxCalls: number; maxCostUsd: string; rpm: number };
  /** Runs at once (default 4). */
  parallel?: number;
}

export function arenaSummary(input: Pick<ArenaInput, 'id' | 'label' | 'createdAt' | 'spec'>, st: ArenaState, status: ResearchSummary['status'], finishedAt: number | null, error: string | null): ResearchSummary {
  const top = st.ranking[0];
  return {
    id: input.id,
    kind: 'arena',
    status,
    label: input.label,
    strategy: null,
    symbols: input.spec.symbols,
    timeframe: input.spec.timeframe,
    createdAt: input.createdAt,
    finishedAt,
    progress: { done: st.runs.filter((r) => r.status !== 'running').length, total: st.runs.length },
    headline: top && top.samples > 0 ? `${st.contestants.length} configurations: ${top.label} first, net ${Number(top.net).toFixed(2)} after fees and model cost` : null,
    error,
  };
}

export async function arenaWorkflow(input: ArenaInput): Promise<ArenaState> {
  const st: ArenaState = {
    spec: input.spec as unknown as Record<string, unknown>,
    bars: null,
    contestants: input.contestants,
    samples: input.samples,
    runs: [],
    ranking: [],
    agreement: [],
    selfAgreement: [],
  };
  input.contestants.forEach((c, i) => {
    // The policy is deterministic: one sample says all.
    const n = c.kind === 'policy' ? 1 : input.samples;
    for (let k = 0; k < n; k++) st.runs.push({ contestant: i, sample: k, status: 'running', pnl: null, fees: null, modelCost: null, spentCost: null, net: null, metrics: null, decisions: null, calls: null, cacheHits: null, model: null, promptVersion: null, error: null });
  });
  setHandler(researchStateQuery, () => ({ summary: arenaSummary(input, st, 'running', null, null), state: st }));
  const save = (status: ResearchSummary['status'], error: string | null) => quick.researchSave({ summary: arenaSummary(input, st, status, status === 'running' ? null : now(), error), state: st });
  const figures: ArenaRunFigures[] = [];
  try {
    await save('running', null);
    st.bars = (await quick.researchPrepare({ spec: input.spec })).bars;
    const queue = [...st.runs];
    const lanes = Math.max(1, Math.min(input.parallel ?? 4, queue.length));
    await Promise.all(
      Array.from({ length: lanes }, async () => {
        for (let r = queue.shift(); r; r = queue.shift()) {
          try {
            const out = await runs.researchArenaRun({ arenaId: input.id, spec: input.spec, contestant: input.contestants[r.contestant]!, index: r.contestant, sample: r.sample, budget: input.budget });
            Object.assign(r, {
              status: 'ok',
              pnl: out.pnl,
              fees: out.fees,
              modelCost: out.modelCost,
              spentCost: out.spentCost,
              net: out.net,
              metrics: out.metrics,
              decisions: out.decisions,
              calls: out.calls,
              cacheHits: out.cacheHits,
              model: out.model,
              promptVersion: out.promptVersion,
            });
            figures.push({ contestant: r.contestant, sample: r.sample, ok: true, pnl: out.pnl, fees: out.fees, modelCost: out.modelCost, tapes: out.tapes });
          } catch (err) {
            if (isCancellation(err)) throw err;
            const cause = (err as { cause?: { message?: string } }).cause;
            r.status = 'failed';
            r.error = cause?.message ?? (err as Error).message;
          }
        }
      }),
    );
    if (figures.length === 0) throw ApplicationFailure.nonRetryable(`every run failed: ${st.runs.map((r) => `${input.contestants[r.contestant]!.label}: ${r.error}`).join('; ')}`, 'research_failed');
    const report = await quick.researchArenaReport({ labels: input.contestants.map((c) => c.label), runs: figures });
    Object.assign(st, report);
  } catch (err) {
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(() => save('cancelled', 'cancelled by the user'));
      throw err;
    }
    const message = (err as ApplicationFailure).type === 'research_failed' ? (err as Error).message : ((err as { cause?: { message?: string } }).cause?.message ?? (err as Error).message);
    await save('failed', message);
    throw ApplicationFailure.nonRetryable(message, 'research_failed');
  }
  await save('completed', null);
  return st;
}
