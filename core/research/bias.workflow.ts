/**
 * biasWorkflow: the three bias checks of core/research/bias.ts as three activities at once (any
 * worker may take each): strategy lookahead, feature lookahead, warm-up. One failing part is
 * reported and the others still finish.
 */
import { ApplicationFailure, CancellationScope, isCancellation, proxyActivities, setHandler } from '@temporalio/workflow';
import type { BacktestSpec } from '../backtest/spec';
import type { createResearchActivities } from './activities';
import { researchStateQuery } from './optimize.workflow';
import type { BiasState, ResearchSummary } from './types';

type Acts = ReturnType<typeof createResearchActivities>;

const now = (): number => new Date().getTime();

const quick = proxyActivities<Acts>({ startToCloseTimeout: '5 minutes', retry: { maximumAttempts: 5, initialInterval: '1 second' } });
const checks = proxyActivities<Acts>({
  startToCloseTimeout: '4 hours',
  heartbeatTimeout: '1 minute',
  retry: { maximumAttempts: 3, initialInterval: '1 second', backoffCoefficient: 2, nonRetryableErrorTypes: ['invalid_research'] },
});

export interface BiasInput {
  id: string;
  label: string | null;
  createdAt: number;
  spec: BacktestSpec;
  cuts: number;
  offsets: number[];
  horizon: number;
}

const when = (t: number) => new Date(t).toISOString().slice(0, 16).replace('T', ' ');

export function biasHeadline(st: BiasState): string | null {
  const parts: string[] = [];
  if (st.lookahead) {
    const l = st.lookahead;
    const d = l.differences[0];
    parts.push(l.differenceCount === 0 ? `no lookahead in ${l.compared.toLocaleString('en-US')} decisions over ${l.cuts.length} cuts` : `LOOKAHEAD: ${l.differenceCount} decisions change when the future is cut (first ${d?.symbol} ${d ? when(d.time) : ''})`);
  }
  if (st.features) {
    const bad = st.features.features.filter((f) => f.differences > 0);
    parts.push(bad.length === 0 ? `${st.features.features.length} features: no lookahead` : `FEATURE LOOKAHEAD in ${bad.map((f) => f.name).join(', ')}`);
  }
  if (st.warmup) {
    const c = st.warmup.offsets.map((o) => o.convergedAfter);
    parts.push(c.length === 0 ? 'warm-up: no offset inside the data' : c.every((x) => x !== null) ? `decisions match the full run ${Math.max(...(c as number[]))} bars after a later start` : 'decisions depend on the start for the whole run');
  }
  return parts.length ? parts.join('; ') : null;
}

export function biasSummary(input: Pick<BiasInput, 'id' | 'label' | 'createdAt' | 'spec'>, st: BiasState, status: ResearchSummary['status'], finishedAt: number | null, error: string | null): ResearchSummary {
  const done = Object.values(st.parts).filter((p) => p !== 'running').length;
  return {
    id: input.id,
    kind: 'bias',
    status,
    label: input.label,
    strategy: input.spec.strategy,
    symbols: input.spec.symbols,
    timeframe: input.spec.timeframe,
    createdAt: input.createdAt,
    finishedAt,
    progress: { done, total: 3 },
    headline: biasHeadline(st),
    error,
  };
}

export async function biasWorkflow(input: BiasInput): Promise<BiasState> {
  const st: BiasState = {
    spec: input.spec as unknown as Record<string, unknown>,
    cuts: input.cuts,
    offsets: input.offsets,
    horizon: input.horizon,
    bars: null,
    parts: { lookahead: 'running', features: 'running', warmup: 'running' },
    errors: {},
    lookahead: null,
    features: null,
    warmup: null,
  };
  setHandler(researchStateQuery, () => ({ summary: biasSummary(input, st, 'running', null, null), state: st }));
  const save = (status: ResearchSummary['status'], error: string | null) => quick.researchSave({ summary: biasSummary(input, st, status, status === 'running' ? null : now(), error), state: st });
  const part = async <K extends 'lookahead' | 'features' | 'warmup'>(k: K, run: () => Promise<NonNullable<BiasState[K]>>) => {
    try {
      st[k] = (await run()) as BiasState[K];
      st.parts[k] = 'done';
    } catch (err) {
      if (isCancellation(err)) throw err;
      const cause = (err as { cause?: { message?: string } }).cause;
      st.parts[k] = 'failed';
      st.errors[k] = cause?.message ?? (err as Error).message;
    }
  };
  try {
    await save('running', null);
    st.bars = (await quick.researchPrepare({ spec: input.spec })).bars;
    await Promise.all([
      part('lookahead', () => checks.researchBiasLookahead({ spec: input.spec, cuts: input.cuts })),
      part('features', () => checks.researchBiasFeatures({ spec: input.spec, cuts: input.cuts })),
      part('warmup', () => checks.researchBiasWarmup({ spec: input.spec, offsets: input.offsets, horizon: input.horizon })),
    ]);
  } catch (err) {
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(() => save('cancelled', 'cancelled by the user'));
      throw err;
    }
    const cause = (err as { cause?: { message?: string } }).cause;
    const message = cause?.message ?? (err as Error).message;
    await save('failed', message);
    throw ApplicationFailure.nonRetryable(message, 'research_failed');
  }
  const failed = Object.entries(st.errors);
  await save(failed.length === 3 ? 'failed' : 'completed', failed.length ? failed.map(([k, m]) => `${k}: ${m}`).join('; ') : null);
  return st;
}
