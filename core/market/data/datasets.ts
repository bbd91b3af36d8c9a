/**
 * Datasets: the candle series a backtest can read, listed from the shipped recordings
 * (resources/market) and the user's own files in `<dataDir>/market` (imported from CSV or
 * downloaded from Coinbase, written in Vigil's format by ./import.ts and ./download.ts). Files are
 * read with the one loader (./columns.ts), so a listing validates exactly what a backtest would
 * load. Plain file access: no cockpit needed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { TIMEFRAME_MS, type Timeframe } from '../../domain/market';
import { defaultMarketDataDir, listRecorded, loadFiles, RecordedDataError, type RecordedFile } from './columns';
import { pagesOf, readDownloadState, runningDownload } from './download-state';
import type { Dataset } from './dataset-schema';

/** Where imported and downloaded datasets live. */
export function userMarketDir(dataDir: string): string {
  return path.join(dataDir, 'market');
}

/** The directories a backtest reads, in order of precedence: the data dir's datasets, then the shipped recordings. */
export function marketDirs(dataDir: string, shipped: string = defaultMarketDataDir()): string[] {
  return [userMarketDir(dataDir), shipped];
}

export { DatasetSchema, type Dataset } from './dataset-schema';

/** Loads of unchanged files are reused (key: paths, sizes and modification times). */
const cache = new Map<string, Omit<Dataset, 'location' | 'sources' | 'files' | 'bytes' | 'downloaded'>>();

function summarise(files: RecordedFile[]): Omit<Dataset, 'location' | 'sources' | 'files' | 'bytes' | 'downloaded'> {
  const key = files.map((f) => {
    const st = fs.statSync(f.file);
    return `${f.file}:${st.size}:${st.mtimeMs}`;
  }).join('|');
  const hit = cache.get(key);
  if (hit) return hit;
  const { symbol, timeframe } = files[0]!;
  let out: Omit<Dataset, 'location' | 'sources' | 'files' | 'bytes' | 'downloaded'>;
  try {
    const { series, report } = loadFiles(files);
    const largest = report.gaps.reduce<(typeof report.gaps)[number] | null>((m, g) => (!m || g.missing > m.missing ? g : m), null);
    out = {
      symbol,
      timeframe,
      from: series.time[0]!,
      to: series.time[series.length - 1]! + TIMEFRAME_MS[timeframe],
      bars: report.rows,
      gaps: report.gaps.length,
      missingBars: report.missingBars,
      largestGap: largest,
      duplicates: report.duplicates,
      outOfOrder: report.outOfOrder,
      zeroVolumeBars: report.zeroVolumeBars,
      error: null,
    };
  } catch (err) {
    if (!(err instanceof RecordedDataError)) throw err;
    // A download's file before its first candle (or of a range without any) is empty, not broken.
    const empty = /no candle rows/.test(err.message);
    out = { symbol, timeframe, from: null, to: null, bars: 0, gaps: 0, missingBars: 0, largestGap: null, duplicates: 0, outOfOrder: 0, zeroVolumeBars: 0, error: empty ? null : err.message };
  }
  if (cache.size > 200) cache.clear();
  cache.set(key, out);
  return out;
}

/** Every dataset: the data dir's first, then the shipped ones; each sorted by symbol and timeframe. */
export function listDatasets(dataDir: string, shipped: string = defaultMarketDataDir()): Dataset[] {
  const out: Dataset[] = [];
  for (const [location, dir] of [['data dir', userMarketDir(dataDir)], ['shipped', shipped]] as const) {
    if (!fs.existsSync(dir)) continue;
    const groups = new Map<string, RecordedFile[]>();
    for (const f of listRecorded(dir)) {
      const k = `${f.symbol} ${f.timeframe}`;
      groups.set(k, [...(groups.get(k) ?? []), f]);
    }
    const rows: Dataset[] = [];
    for (const files of groups.values()) {
      const coinbase = files.find((f) => f.source === 'coinbase');
      const downloaded = coinbase ? (readDownloadState(coinbase.file)?.covered ?? []) : [];
      const running = coinbase ? runningDownload(coinbase.file) : null;
      const pages = running ? pagesOf(running.request) : [];
      rows.push({
        ...summarise(files),
        location,
        sources: [...new Set(files.map((f) => f.source ?? f.format))],
        files: files.map((f) => path.basename(f.file)),
        bytes: files.reduce((n, f) => n + fs.statSync(f.file).size, 0),
        ...(downloaded.length ? { downloaded } : {}),
        ...(running
          ? {
              downloading: {
                pid: running.pid,
                from: running.request.from,
                to: running.request.to,
                startedAt: running.startedAt,
                pagesDone: pages.filter(([a, b]) => downloaded.some(([s, e]) => s <= a && b <= e)).length,
                pagesTotal: pages.length,
              },
            }
          : {}),
      });
    }
    rows.sort((a, b) => a.symbol.localeCompare(b.symbol) || TIMEFRAME_MS[a.timeframe] - TIMEFRAME_MS[b.timeframe]);
    out.push(...rows);
  }
  return out;
}

/** The data dir's dataset of one series, if any. */
export function findDataset(dataDir: string, symbol: string, timeframe: Timeframe, shipped?: string): Dataset | null {
  return listDatasets(dataDir, shipped).find((d) => d.location === 'data dir' && d.symbol === symbol && d.timeframe === timeframe) ?? null;
}
