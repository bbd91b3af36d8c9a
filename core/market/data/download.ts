/**
 * Downloads candle history from Coinbase's public market data
 * (GET /api/v3/brokerage/market/products/{id}/candles, through CoinbaseMarketRest: at most 350
 * candles a request, spaced to the public rate limit, 429/5xx retried) into
 * `<dataDir>/market/<SYMBOL>_<tf>_coinbase.csv`, Vigil's format, one page (300 candles) at a
 * time. Resumable: each page is appended to the CSV and then recorded as covered in the state
 * file beside it (`…_coinbase.json`), so an interrupted download (Ctrl-C, a crash, a worker
 * killed) asks again only for the pages not yet recorded; a page fetched twice adds nothing
 * (rows are keyed by time). A lock file keeps two downloads of one series from writing at once.
 */
import fs from 'node:fs';
import path from 'node:path';
import { TIMEFRAME_MS, type Bar, type Timeframe } from '../../domain/market';
import { MarketDataError } from '../coinbase/rest';
import { PRODUCT_RE } from '../../domain/product';
import { DOWNLOAD_TIMEFRAMES } from '../coinbase/schemas';
import { listRecorded, loadFiles, RecordedDataError, VIGIL_HEADER, vigilFileName } from './columns';
import { userMarketDir } from './datasets';
import { pagesOf, pidAlive, readDownloadState, stateFileOf, type DownloadRequest, type DownloadState } from './download-state';

export type { DownloadRequest } from './download-state';

/** The part of the REST client a download needs (CoinbaseMarketRest). */
export interface CandleSource {
  candles(symbol: string, timeframe: Timeframe, start: number, end: number): Promise<Bar[]>;
}

export class DownloadError extends Error {
  constructor(
    readonly kind: 'invalid' | 'busy' | 'exchange' | 'file' | 'aborted',
    message: string,
    /** Worth trying again later (rate limits, network, 5xx); an unknown product or a bad answer is not. */
    readonly retryable = false,
  ) {
    super(message);
    this.name = 'DownloadError';
  }
}

export interface DownloadProgress {
  symbol: string;
  timeframe: Timeframe;
  from: number;
  to: number;
  /** Pages of this range already in the file (before this run or during it). */
  pagesDone: number;
  pagesTotal: number;
  /** Requests this run made (pages fetched). */
  requests: number;
  /** Candles this run added to the file. */
  added: number;
  /** Rows in the file now. */
  rows: number;
  done: boolean;
}

export interface DownloadOptions {
  /** Stop after this many fetched pages (a chunk); the rest is resumed by the next call. */
  maxPages?: number;
  signal?: AbortSignal;
  onProgress?: (p: DownloadProgress) => void;
  /** Clock for "the last closed bar" (default Date.now). */
  now?: () => number;
}

export interface DownloadResult extends DownloadProgress {
  file: string;
  stateFile: string;
  /** Covered ranges after this run. */
  covered: [number, number][];
}

/** Checks a request and aligns it: from up to the timeframe, to down to the last closed bar. */
export function normaliseRequest(r: DownloadRequest, now: number): DownloadRequest {
  const symbol = r.symbol.trim().toUpperCase();
  if (!PRODUCT_RE.test(symbol)) throw new DownloadError('invalid', `symbol must be a Coinbase product id like BTC-USD, got ${JSON.stringify(r.symbol)}`);
  if (!(DOWNLOAD_TIMEFRAMES as readonly string[]).includes(r.timeframe)) {
    throw new DownloadError('invalid', `Coinbase has no ${r.timeframe} candles: download ${DOWNLOAD_TIMEFRAMES.join(', ')}${r.timeframe === '4h' ? ' (1h data serves 4h backtests, resampled)' : ''}`);
  }
  const tf = TIMEFRAME_MS[r.timeframe];
  if (!Number.isFinite(r.from) || !Number.isFinite(r.to)) throw new DownloadError('invalid', 'from and to must be times');
  const from = Math.ceil(r.from / tf) * tf;
  const to = Math.min(Math.floor(r.to / tf) * tf, Math.floor(now / tf) * tf);
  if (from >= to) throw new DownloadError('invalid', `nothing to download between ${iso(r.from)} and ${iso(Math.min(r.to, now))}: the range holds no closed ${r.timeframe} bar`);
  return { symbol, timeframe: r.timeframe, from, to };
}

const iso = (t: number) => (Number.isFinite(t) ? new Date(t).toISOString() : String(t));

/** Adds [a, b) to sorted, merged ranges. */
export function addRange(ranges: readonly [number, number][], a: number, b: number): [number, number][] {
  const all = [...ranges, [a, b] as [number, number]].sort((x, y) => x[0] - y[0]);
  const out: [number, number][] = [];
  for (const [s, e] of all) {
    const last = out[out.length - 1];
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  return out;
}

function covers(ranges: readonly [number, number][], a: number, b: number): boolean {
  return ranges.some(([s, e]) => s <= a && b <= e);
}

/** Takes `<file>.lock` (pid, then the request as JSON); a lock whose process is gone is taken over. Returns the release. */
function lock(file: string, what: string, request: DownloadRequest): () => void {
  const lockFile = `${file}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lockFile, `${process.pid}\n${JSON.stringify({ request, startedAt: Date.now() })}\n`, { flag: 'wx' });
      return () => fs.rmSync(lockFile, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(fs.readFileSync(lockFile, 'utf8').split('\n')[0]!.trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && pidAlive(pid)) throw new DownloadError('busy', `a download of ${what} is already running (pid ${pid})`);
      if (pid === process.pid) throw new DownloadError('busy', `a download of ${what} is already running in this process`);
      fs.rmSync(lockFile, { force: true });
    }
  }
  throw new DownloadError('busy', `could not take ${lockFile}`);
}

/** Cuts a partial last line (a write interrupted mid-page) so the file loads again; the page was never recorded as covered. */
function repairTail(file: string): void {
  const st = fs.statSync(file);
  if (st.size === 0) return;
  const fd = fs.openSync(file, 'r+');
  try {
    const tail = Buffer.alloc(Math.min(st.size, 4096));
    fs.readSync(fd, tail, 0, tail.length, st.size - tail.length);
    if (tail[tail.length - 1] === 10) return;
    const nl = tail.lastIndexOf(10);
    fs.ftruncateSync(fd, nl < 0 ? 0 : st.size - tail.length + nl + 1);
  } finally {
    fs.closeSync(fd);
  }
}

function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

const row = (b: Bar) => `${b.time},${b.open},${b.high},${b.low},${b.close},${b.volume}`;

/**
 * Downloads the pages of `req` not yet in the dataset (up to `maxPages` of them), appending each
 * and recording it as covered. `done` when every page of the range is in the file.
 */
export async function downloadCandles(dataDir: string, source: CandleSource, request: DownloadRequest, opts: DownloadOptions = {}): Promise<DownloadResult> {
  const req = normaliseRequest(request, (opts.now ?? Date.now)());
  const dir = userMarketDir(dataDir);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, vigilFileName(req.symbol, req.timeframe, 'coinbase'));
  const stateFile = stateFileOf(file);
  const release = lock(file, `${req.symbol} ${req.timeframe}`, req);
  try {
    // What is in the file already (validated by the loader), keyed by time.
    const have = new Set<number>();
    let state: DownloadState = { symbol: req.symbol, timeframe: req.timeframe, covered: [] };
    if (fs.existsSync(file)) {
      repairTail(file);
      const f = listRecorded(dir).find((x) => x.file === file);
      if (f && fs.statSync(file).size > VIGIL_HEADER.length + 1) {
        try {
          const { series } = loadFiles([f]);
          for (let i = 0; i < series.length; i++) have.add(series.time[i]!);
        } catch (err) {
          if (err instanceof RecordedDataError && /no candle rows/.test(err.message)) {
            /* header only */
          } else throw new DownloadError('file', `${path.basename(file)} cannot be read (${(err as Error).message}); remove it (and ${path.basename(stateFile)}) to download afresh`);
        }
      }
      state = readDownloadState(file) ?? state;
    } else {
      fs.writeFileSync(file, `${VIGIL_HEADER}\n`);
      fs.rmSync(stateFile, { force: true });
    }
    let lastTime = -Infinity;
    for (const t of have) lastTime = Math.max(lastTime, t);
    let unsorted = false;

    const pages = pagesOf(req);
    const todo = pages.filter(([a, b]) => !covers(state.covered, a, b));
    let requests = 0;
    let added = 0;
    const progress = (): DownloadProgress => ({
      symbol: req.symbol,
      timeframe: req.timeframe,
      from: req.from,
      to: req.to,
      pagesDone: pages.filter(([a, b]) => covers(state.covered, a, b)).length,
      pagesTotal: pages.length,
      requests,
      added,
      rows: have.size,
      done: pages.every(([a, b]) => covers(state.covered, a, b)),
    });
    opts.onProgress?.(progress());
    for (const [a, b] of todo) {
      if (opts.maxPages !== undefined && requests >= opts.maxPages) break;
      if (opts.signal?.aborted) throw new DownloadError('aborted', `interrupted after ${requests} pages; run the same download again to resume`);
      let bars: Bar[];
      try {
        bars = await source.candles(req.symbol, req.timeframe, a, b);
      } catch (err) {
        const m = err instanceof MarketDataError ? err : null;
        const retryable = !m || m.kind === 'rate_limited' || m.kind === 'network' || (m.kind === 'http' && (m.status ?? 500) >= 500);
        throw new DownloadError('exchange', `${req.symbol} ${req.timeframe} ${iso(a)}..${iso(b)}: ${(err as Error).message} (the ${progress().pagesDone} pages before are kept; run again to resume)`, retryable);
      }
      requests++;
      const fresh = bars.filter((x) => x.time >= a && x.time < b && !have.has(x.time));
      if (fresh.length) {
        fs.appendFileSync(file, fresh.map(row).join('\n') + '\n');
        for (const x of fresh) {
          have.add(x.time);
          if (x.time < lastTime) unsorted = true;
          lastTime = Math.max(lastTime, x.time);
        }
        added += fresh.length;
      }
      state = { ...state, covered: addRange(state.covered, a, b) };
      writeAtomic(stateFile, JSON.stringify(state));
      opts.onProgress?.(progress());
    }
    // Pages appended before later rows already there: rewrite the file in time order.
    if (unsorted) {
      const f = listRecorded(dir).find((x) => x.file === file)!;
      const { series } = loadFiles([f]);
      const text = fs.readFileSync(file, 'utf8').split('\n').slice(1).filter(Boolean);
      const byTime = new Map(text.map((l) => [Number(l.slice(0, l.indexOf(','))), l]));
      const lines = [VIGIL_HEADER];
      for (let i = 0; i < series.length; i++) lines.push(byTime.get(series.time[i]!)!);
      writeAtomic(file, lines.join('\n') + '\n');
    }
    return { ...progress(), file, stateFile, covered: state.covered };
  } finally {
    release();
  }
}
