/**
 * Market data download workflow (`vigil/data/download/<SYMBOL>/<tf>`, one per series): chunks of
 * pages as activities until the range is in the dataset. Each chunk resumes from the dataset's own
 * state file, so a retried chunk, a restarted host or a second run of the same download asks the
 * exchange only for what is missing. Progress is a query; cancelling stops after the page in
 * flight and keeps what was downloaded. A chunk is 100 pages (30,000 candles), so even years of
 * minutes stay a few hundred history events: no continue-as-new needed.
 */
import { ApplicationFailure, CancellationScope, defineQuery, isCancellation, proxyActivities, setHandler } from '@temporalio/workflow';
import type { createDataActivities } from './activities';
import type { DownloadProgress, DownloadRequest } from './download';

type DataActivities = ReturnType<typeof createDataActivities>;

const chunks = proxyActivities<DataActivities>({
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '1 minute',
  retry: { maximumAttempts: 6, initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute' },
});
const quick = proxyActivities<DataActivities>({ startToCloseTimeout: '30 seconds', retry: { maximumAttempts: 3 } });

export const DOWNLOAD_CHUNK_PAGES = 100;

export interface DataDownloadStatus {
  request: DownloadRequest;
  state: 'running' | 'completed' | 'failed' | 'cancelled';
  progress: DownloadProgress | null;
  error: string | null;
}

export const dataDownloadStatusQuery = defineQuery<DataDownloadStatus>('dataDownloadStatus');

export async function dataDownloadWorkflow(request: DownloadRequest): Promise<DataDownloadStatus> {
  const status: DataDownloadStatus = { request, state: 'running', progress: null, error: null };
  setHandler(dataDownloadStatusQuery, () => status);
  let requests = 0;
  let added = 0;
  try {
    for (;;) {
      const p = await chunks.dataDownloadChunk({ ...request, maxPages: DOWNLOAD_CHUNK_PAGES });
      requests += p.requests;
      added += p.added;
      status.progress = { ...p, requests, added };
      if (p.done || p.requests === 0) break;
    }
    status.state = 'completed';
  } catch (err) {
    const cancelled = isCancellation(err);
    status.state = cancelled ? 'cancelled' : 'failed';
    const cause = (err as { cause?: { message?: string } }).cause;
    status.error = cancelled ? 'cancelled; what was downloaded is kept' : (cause?.message ?? (err as Error).message);
  }
  const final = status.progress ?? { ...request, pagesDone: 0, pagesTotal: 0, requests: 0, added: 0, rows: 0, done: false };
  await CancellationScope.nonCancellable(() => quick.dataDownloadFinished({ ...final, state: status.state === 'running' ? 'completed' : status.state, error: status.error }));
  if (status.state === 'failed') throw ApplicationFailure.nonRetryable(status.error ?? 'download failed', 'download_failed');
  return status;
}
