/**
 * Backtest workflows.
 *
 * - backtestWorkflow: prepare (validate, load data, register) -> chunks of engine steps, each an
 *   activity that resumes from the previous chunk's checkpoint -> finish (analytics, store).
 *   Progress is a query; cancelling the workflow cancels the running chunk and marks the run.
 * - backtestReadWorkflow: one read of the results store (get / list / compare).
 */
import { ApplicationFailure, CancellationScope, defineQuery, isCancellation, proxyActivities, setHandler } from '@temporalio/workflow';
import type { BacktestProgress, BacktestReadOp, BacktestStartInput, createBacktestActivities } from './activities';
import type { BacktestSummary } from './result';

type BacktestActivities = ReturnType<typeof createBacktestActivities>;

const quick = proxyActivities<BacktestActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { maximumAttempts: 3, initialInterval: '1 second' },
});

// A chunk heartbeats every slice of steps; a worker that dies is noticed within the heartbeat
// timeout and the chunk reruns from the last stored checkpoint.
const chunks = proxyActivities<BacktestActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { maximumAttempts: 5, initialInterval: '1 second', backoffCoefficient: 2 },
});

// An `agent` run's chunks ask a model (rate-limited, over the network): they heartbeat while they
// wait and may take long; a retry resumes from the checkpoint and the response cache answers every
// request already made, so nothing is paid twice.
const modelChunks = proxyActivities<BacktestActivities>({
  startToCloseTimeout: '4 hours',
  heartbeatTimeout: '1 minute',
  retry: { maximumAttempts: 5, initialInterval: '5 seconds', backoffCoefficient: 2 },
});

export interface BacktestWorkflowInput extends BacktestStartInput {
  /** Engine steps per activity: the checkpoint granularity. */
  chunkSteps?: number;
}

export interface BacktestWorkflowProgress extends BacktestProgress {
  id: string;
  status: 'preparing' | 'running' | 'finishing' | 'completed' | 'failed' | 'cancelled';
  chunk: number;
}

export const backtestProgressQuery = defineQuery<BacktestWorkflowProgress>('backtestProgress');

export const DEFAULT_CHUNK_STEPS = 500_000;

export async function backtestWorkflow(input: BacktestWorkflowInput): Promise<BacktestSummary> {
  let chunkSteps = Math.max(1000, input.chunkSteps ?? DEFAULT_CHUNK_STEPS);
  const state: BacktestWorkflowProgress = { id: input.id, status: 'preparing', chunk: 0, stepsDone: 0, totalSteps: 0, barsDone: 0, totalBars: 0 };
  setHandler(backtestProgressQuery, () => state);
  try {
    const { model, maxChunkSteps, ...prepared } = await quick.backtestPrepare(input);
    Object.assign(state, prepared);
    if (maxChunkSteps !== undefined) chunkSteps = Math.min(chunkSteps, maxChunkSteps);
    const run = model ? modelChunks : chunks;
    state.status = 'running';
    const n = Math.ceil(state.totalSteps / chunkSteps);
    for (let c = 0; c < n; c++) {
      state.chunk = c;
      Object.assign(state, await run.backtestRunChunk({ id: input.id, chunk: c, chunkSteps }));
    }
    state.status = 'finishing';
    const summary = await quick.backtestFinish({ id: input.id });
    state.status = 'completed';
    return summary;
  } catch (err) {
    if (isCancellation(err)) {
      state.status = 'cancelled';
      await CancellationScope.nonCancellable(() => quick.backtestMark({ id: input.id, status: 'cancelled', error: 'cancelled by the user' }));
      throw err;
    }
    state.status = 'failed';
    const cause = (err as { cause?: { message?: string } }).cause;
    const message = cause?.message ?? (err as Error).message;
    await quick.backtestMark({ id: input.id, status: 'failed', error: message });
    throw ApplicationFailure.nonRetryable(message, 'backtest_failed');
  }
}

export async function backtestReadWorkflow(op: BacktestReadOp): Promise<unknown> {
  return quick.backtestRead(op);
}
