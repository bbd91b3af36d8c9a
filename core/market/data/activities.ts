/**
 * Market data downloads as activities: one chunk of pages per call, resuming from the dataset's
 * state file, heartbeating each page and announcing progress on the bus (`data.progress`). A
 * retried or restarted chunk asks only for the pages not yet recorded.
 */
import { ApplicationFailure, Context, heartbeat } from '@temporalio/activity';
import { CoinbaseMarketRest } from '../coinbase/rest';
import { DownloadError, downloadCandles, type DownloadProgress, type DownloadRequest } from './download';
import type { ActivityDeps } from '../../activities/deps';

export interface DataDownloadChunkInput extends DownloadRequest {
  /** Pages fetched by this activity at most (its history granularity). */
  maxPages: number;
}

export function createDataActivities(deps: ActivityDeps) {
  let rest: CoinbaseMarketRest | null = null;
  const client = () => (rest ??= new CoinbaseMarketRest({ baseUrl: deps.config.COINBASE_REST_URL, log: deps.log }));
  return {
    async dataDownloadChunk(input: DataDownloadChunkInput): Promise<DownloadProgress> {
      const ctx = Context.current();
      try {
        const r = await downloadCandles(deps.dataDir, client(), input, {
          maxPages: input.maxPages,
          signal: ctx.cancellationSignal,
          onProgress: (p) => {
            heartbeat(p);
            deps.bus.emit('data.progress', { ...p, state: 'running', error: null });
          },
        });
        const { file: _f, stateFile: _s, covered: _c, ...progress } = r;
        return progress;
      } catch (err) {
        if (err instanceof DownloadError) {
          if (err.kind === 'aborted') throw err;
          if (err.retryable) throw ApplicationFailure.retryable(err.message, `download_${err.kind}`);
          throw ApplicationFailure.nonRetryable(err.message, `download_${err.kind}`);
        }
        throw err;
      }
    },
    /** Tells the cockpit how a download ended (the page events say how it went). */
    async dataDownloadFinished(p: DownloadProgress & { state: 'completed' | 'failed' | 'cancelled'; error: string | null }): Promise<void> {
      deps.bus.emit('data.progress', p);
    },
  };
}
