/** Pure logic of the Data page: dataset rows, download progress, upload parts. */
import type { VerbResult } from '../../../core/api/contract';
import type { EventPayload } from '../../../core/api/events';
import { TIMEFRAMES } from '../../../core/domain/market';

export type Dataset = VerbResult<'list_market_data'>['datasets'][number];
export type DownloadEvent = EventPayload<'data.progress'>;

/** Characters per upload part (the verb takes up to 200,000; the JSON call stays under the 256 KiB input cap). */
export const UPLOAD_PART = 100_000;

/** The parts of a text to send with upload_market_data, each with its offset. */
export function uploadParts(text: string, size = UPLOAD_PART): { offset: number; text: string }[] {
  const out: { offset: number; text: string }[] = [];
  for (let o = 0; o < text.length; o += size) out.push({ offset: o, text: text.slice(o, o + size) });
  return out.length ? out : [{ offset: 0, text: '' }];
}

/** A fresh upload id (lower-case letters, digits, dashes). */
export function newUploadId(random: () => string = () => crypto.randomUUID()): string {
  return `up-${random().toLowerCase()}`;
}

/** "2018-01-01 00:00" (UTC) or a dash. */
export function day(t: number | null | undefined): string {
  return t === null || t === undefined ? '—' : new Date(t).toISOString().slice(0, 16).replace('T', ' ');
}

/** The gaps cell: "none", or "3 (41 bars; largest 24 after 2019-03-19 00:00)". */
export function gapsText(d: Pick<Dataset, 'gaps' | 'missingBars' | 'largestGap'>): string {
  if (d.gaps === 0) return 'none';
  const largest = d.largestGap ? `; largest ${d.largestGap.missing.toLocaleString('en-US')} after ${day(d.largestGap.after)}` : '';
  return `${d.gaps.toLocaleString('en-US')} (${d.missingBars.toLocaleString('en-US')} bar${d.missingBars === 1 ? '' : 's'}${d.gaps > 1 ? largest : ''})`;
}

/** Progress of the downloads by series key `SYMBOL tf`, folded from push events. */
export type DownloadProgressMap = Record<string, DownloadEvent>;
export const seriesKey = (symbol: string, timeframe: string) => `${symbol} ${timeframe}`;

export function foldDownload(s: DownloadProgressMap, e: DownloadEvent): DownloadProgressMap {
  return { ...s, [seriesKey(e.symbol, e.timeframe)]: e };
}

/** 0..1 of a download's pages. */
export function downloadRatio(p: { pagesDone: number; pagesTotal: number }): number {
  return p.pagesTotal > 0 ? Math.min(1, p.pagesDone / p.pagesTotal) : 0;
}

/** Data-dir datasets first (newest work), then shipped; each by symbol, then timeframe length. */
export function sortDatasets(ds: readonly Dataset[]): Dataset[] {
  return [...ds].sort((a, b) => (a.location === b.location ? 0 : a.location === 'data dir' ? -1 : 1) || a.symbol.localeCompare(b.symbol) || TIMEFRAMES.indexOf(a.timeframe) - TIMEFRAMES.indexOf(b.timeframe));
}
