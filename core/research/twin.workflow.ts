/**
 * twinWorkflow: one `researchTwin` activity (the paper session's fills and bars, the twin backtest,
 * the pairing) with the result stored like every research run.
 */
import { ApplicationFailure, CancellationScope, isCancellation, proxyActivities, setHandler } from '@temporalio/workflow';
import type { createResearchActivities } from './activities';
import { researchStateQuery } from './optimize.workflow';
import type { TwinInput } from './twin-run';
import type { ResearchSummary, TwinState } from './types';

type Acts = ReturnType<typeof createResearchActivities>;

const now = (): number => new Date().getTime();

const quick = proxyActivities<Acts>({ startToCloseTimeout: '5 minutes', retry: { maximumAttempts: 5, initialInterval: '1 second' } });
const twin = proxyActivities<Acts>({
  startToCloseTimeout: '6 hours',
  heartbeatTimeout: '1 minute',
  retry: { maximumAttempts: 5, initialInterval: '5 seconds', backoffCoefficient: 2, nonRetryableErrorTypes: ['invalid_research', 'model_budget', 'model_not_configured'] },
});

export interface TwinWorkflowInput extends TwinInput {
  label: string | null;
  createdAt: number;
}

export function emptyTwin(input: TwinWorkflowInput): TwinState {
  return { portfolio: input.portfolio, strategy: input.strategy, mode: input.mode, every: input.every, from: input.from, to: input.to, symbols: input.symbols ?? [], barsSource: {}, bars: 0, initialCash: null, fees: null, paper: null, twin: null, summary: null, pairs: [], unmatched: [], notes: [] };
}

export function twinSummary(input: TwinWorkflowInput, st: TwinState, status: ResearchSummary['status'], finishedAt: number | null, error: string | null): ResearchSummary {
  const s = st.summary;
  return {
    id: input.id,
    kind: 'twin',
    status,
    label: input.label,
    strategy: input.strategy,
    symbols: st.symbols,
    timeframe: '1m',
    createdAt: input.createdAt,
    finishedAt,
    progress: { done: s ? 1 : 0, total: 1 },
    headline: s
      ? `${s.matched} of ${s.paperFills} paper fills matched by the twin (${s.twinFills} twin fills)${s.meanPriceGapBps !== null ? `; mean price gap ${s.meanPriceGapBps.toFixed(1)} bps, timing ${((s.meanTimingMs ?? 0) / 1000).toFixed(0)} s` : ''}`
      : null,
    error,
  };
}

export async function twinWorkflow(input: TwinWorkflowInput): Promise<TwinState> {
  let st = emptyTwin(input);
  setHandler(researchStateQuery, () => ({ summary: twinSummary(input, st, 'running', null, null), state: st }));
  try {
    await quick.researchSave({ summary: twinSummary(input, st, 'running', null, null), state: st });
    const { label: _l, createdAt: _c, ...run } = input;
    st = await twin.researchTwin(run);
  } catch (err) {
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(() => quick.researchSave({ summary: twinSummary(input, st, 'cancelled', now(), 'cancelled by the user'), state: st }));
      throw err;
    }
    const message = (err as { cause?: { message?: string } }).cause?.message ?? (err as Error).message;
    await quick.researchSave({ summary: twinSummary(input, st, 'failed', now(), message), state: st });
    throw ApplicationFailure.nonRetryable(message, 'research_failed');
  }
  await quick.researchSave({ summary: twinSummary(input, st, 'completed', now(), null), state: st });
  return st;
}
