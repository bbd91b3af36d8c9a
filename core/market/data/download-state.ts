/**
 * What a download leaves beside its dataset, read by the download and by the listing: the state
 * file (ranges asked of the exchange) and the lock file (which process is downloading what).
 */
import fs from 'node:fs';
import { z } from 'zod';
import { TIMEFRAME_MS, TimeframeSchema, type Timeframe } from '../../domain/market';
import { CANDLES_PER_PAGE } from '../coinbase/rest';

export interface DownloadRequest {
  symbol: string;
  timeframe: Timeframe;
  /** Open time of the first bar wanted (epoch ms). */
  from: number;
  /** End of the range (exclusive, epoch ms); clipped to the last closed bar. */
  to: number;
}

/** A downloaded dataset's state file beside its CSV: which ranges were asked of the exchange. */
export const DownloadStateSchema = z.object({
  symbol: z.string(),
  timeframe: TimeframeSchema,
  /** Merged [from, to) ranges (epoch ms) whose pages are in the file. */
  covered: z.array(z.tuple([z.number(), z.number()])),
});
export type DownloadState = z.infer<typeof DownloadStateSchema>;

export function stateFileOf(csvFile: string): string {
  return csvFile.replace(/\.csv$/, '.json');
}

export function readDownloadState(csvFile: string): DownloadState | null {
  const f = stateFileOf(csvFile);
  if (!fs.existsSync(f)) return null;
  const parsed = DownloadStateSchema.safeParse(JSON.parse(fs.readFileSync(f, 'utf8')));
  return parsed.success ? parsed.data : null;
}

/** The pages of [from, to): CANDLES_PER_PAGE bars each, aligned to `from`. */
export function pagesOf(r: DownloadRequest): [number, number][] {
  const step = CANDLES_PER_PAGE * TIMEFRAME_MS[r.timeframe];
  const out: [number, number][] = [];
  for (let a = r.from; a < r.to; a += step) out.push([a, Math.min(a + step, r.to)]);
  return out;
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A running download, as its lock file tells it: the process and the range asked for. */
export interface RunningDownload {
  pid: number;
  request: DownloadRequest;
  startedAt: number;
}

/** The download holding `<csv>.lock`, if its process is alive. */
export function runningDownload(csvFile: string): RunningDownload | null {
  const lockFile = `${csvFile}.lock`;
  let text: string;
  try {
    text = fs.readFileSync(lockFile, 'utf8');
  } catch {
    return null;
  }
  const [pidLine, json] = text.split('\n');
  const pid = Number(pidLine);
  if (!Number.isInteger(pid) || pid <= 0 || !pidAlive(pid)) return null;
  try {
    const r = JSON.parse(json ?? '') as RunningDownload;
    return { pid, request: r.request, startedAt: r.startedAt };
  } catch {
    return null;
  }
}

