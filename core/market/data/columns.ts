/**
 * The one loader of recorded candles (resources/market, formats in SOURCES.md, and the datasets
 * imported or downloaded into `<dataDir>/market`): parses the files of a series into one
 * Float64Array per field, validates every row, merges the files on one ascending timeline,
 * reports gaps, then applies the caller's window and resampling. Used by the replay feed, the
 * tests that check indicators and streams on real data, the backtest runner, the bench, the CLI
 * and `vigil data`.
 *
 * Rules (a broken one stops the load with a RecordedDataError naming `file:line`):
 * - header: Binance files may start with `open_time,open,high,low,close,volume,…`; the
 *   CryptoDataDownload files have a banner line and then `Date,Symbol,Open,High,Low,Close,…`;
 *   Vigil's own files (`BTC-USD_1h_coinbase.csv`) start with exactly
 *   `open_time,open,high,low,close,volume`. Anything else that is not a candle row fails.
 * - times: readable, on the timeframe's UTC boundaries, unique. Rows come out ascending: a
 *   newest-first file (the Coinbase hourly ones) is reversed, rows out of their file's order are
 *   sorted into place and counted (`outOfOrder`). A row repeating the time of another row is
 *   skipped and counted (`duplicates`) when its values are identical, refused when they differ
 *   (within a file or across files). Across directories the first one listed wins: a dataset in
 *   the data dir replaces the shipped recording's bar at the same time (counted as `superseded`).
 * - prices: finite and positive; high >= max(open, close); low <= min(open, close).
 * - volume: finite and >= 0.
 */
import fs from 'node:fs';
import { packageRoot } from '../../runtime/package-root';
import path from 'node:path';
import { rangeSeries, resample, type BarSeries } from '../../backtest/bars';
import { Dec } from '../../domain/decimal';
import { TIMEFRAME_MS, TIMEFRAMES, type Bar, type Timeframe } from '../../domain/market';
import { PRODUCT_PATTERN } from '../../domain/product';

export class RecordedDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RecordedDataError';
  }
}

export type FileFormat = 'cryptodatadownload' | 'binance' | 'vigil';

export interface RecordedFile {
  file: string;
  /** Product id: BTC-USD for the Coinbase files, BTC-USDT for Binance (a different venue and quote). */
  symbol: string;
  timeframe: Timeframe;
  format: FileFormat;
  /** Vigil files: where the bars came from (`coinbase`, `import`, `import-<name>`). */
  source?: string;
  /** Index of its directory in the list given to the loader: a lower rank wins a time both have. */
  rank: number;
}

/** Vigil's own files: `<PRODUCT>_<timeframe>_<source>.csv`, header `open_time,open,high,low,close,volume`, times in epoch ms. */
export const VIGIL_FILE_RE = new RegExp(`^(${PRODUCT_PATTERN})_(${TIMEFRAMES.join('|')})_([a-z0-9][a-z0-9-]{0,39})\\.csv$`);
export const VIGIL_HEADER = 'open_time,open,high,low,close,volume';

/** The file name of a Vigil dataset. */
export function vigilFileName(symbol: string, timeframe: Timeframe, source: string): string {
  const name = `${symbol}_${timeframe}_${source}.csv`;
  if (!VIGIL_FILE_RE.test(name)) throw new RecordedDataError(`not a valid dataset name: ${JSON.stringify(name)} (symbol like BTC-USD, timeframe 1m..1d, source of lower-case letters, digits and dashes)`);
  return name;
}

export interface Gap {
  /** Open time of the last bar before the gap. */
  after: number;
  /** Open time of the first bar after the gap. */
  before: number;
  missing: number;
}

export interface LoadReport {
  symbol: string;
  /** File names read, in the order read. */
  files: string[];
  /** Timeframe of the recording that was read (the result may be resampled from it). */
  sourceTimeframe: Timeframe;
  sourceTimeframeMs: number;
  /** Candle rows parsed (banner, header and blank lines excluded). */
  rowsRead: number;
  /** Distinct bars in the whole recording. */
  rows: number;
  /** Rows skipped: identical repeats of a bar already read (`rowsRead - rows - superseded`). */
  duplicates: number;
  /** The source was not in ascending time order (a newest-first file, rows or files out of order): sorted. */
  reordered: boolean;
  /** Steps against a file's own direction (rows sorted into place), summed over the files. */
  outOfOrder: number;
  /** Bars of a later directory (the shipped recording) replaced by an earlier one's (the data dir) at the same time. */
  superseded: number;
  /** Missing bars over the whole recording at the source timeframe. */
  gaps: Gap[];
  missingBars: number;
  zeroVolumeBars: number;
  /** Bars returned: after the window and the resampling. */
  bars: number;
}

/** Columnar bars (a BarSeries) with their timeframe and the report of the load. */
export interface Columns extends BarSeries {
  timeframe: Timeframe;
  report: LoadReport;
}

export interface LoadOptions {
  /** Keep bars whose open time is >= from (epoch ms). */
  from?: number | undefined;
  /** Keep bars whose open time is < to (epoch ms). */
  to?: number | undefined;
  /**
   * true (default): read the coarsest recording whose timeframe divides the requested one and
   * resample it (UTC-aligned buckets, gaps stay gaps). false: only a recording at exactly the
   * requested timeframe.
   */
  resample?: boolean | undefined;
}

/** Recognises the recorded files of a directory by name (`rank`: the directory's precedence, 0 first). */
export function listRecorded(dir: string, rank = 0): RecordedFile[] {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new RecordedDataError(`market data directory not found: ${dir}`);
  const out: RecordedFile[] = [];
  for (const f of fs.readdirSync(dir).sort()) {
    let m = /^Coinbase_([A-Z]+)(USD)_(1h|d)\.csv$/.exec(f);
    if (m) {
      out.push({ file: path.join(dir, f), symbol: `${m[1]}-${m[2]}`, timeframe: m[3] === '1h' ? '1h' : '1d', format: 'cryptodatadownload', rank });
      continue;
    }
    m = /^([A-Z]+)(USDT)-1m-\d{4}-\d{2}-\d{2}\.csv$/.exec(f);
    if (m) {
      out.push({ file: path.join(dir, f), symbol: `${m[1]}-${m[2]}`, timeframe: '1m', format: 'binance', rank });
      continue;
    }
    m = VIGIL_FILE_RE.exec(f);
    if (m) out.push({ file: path.join(dir, f), symbol: m[1]!, timeframe: m[2] as Timeframe, format: 'vigil', source: m[3]!, rank });
  }
  return out;
}

/** The recorded files of several directories, first directory first; directories that do not exist are skipped unless none does. */
export function listRecordedIn(dirs: string | readonly string[]): RecordedFile[] {
  const list = typeof dirs === 'string' ? [dirs] : dirs;
  const present = list.filter((d) => fs.existsSync(d) && fs.statSync(d).isDirectory());
  if (present.length === 0) throw new RecordedDataError(`market data directory not found: ${list.join(', ')}`);
  return list.flatMap((d, rank) => (present.includes(d) ? listRecorded(d, rank) : []));
}

/**
 * Bars of `symbol` at `timeframe` from the recordings in `dirs` (one directory, or several in
 * order of precedence: the data dir's datasets, then the shipped files), optionally windowed to
 * [from, to) and (by default) resampled from a recording whose timeframe divides the requested
 * one: of those, the one giving the most bars in the window, the coarsest on a tie (1h data for a
 * 4h series rather than 1m data, unless only the 1m data covers the window).
 */
export function loadRecorded(dirs: string | readonly string[], symbol: string, timeframe: Timeframe, options: LoadOptions = {}): Columns {
  const targetMs = TIMEFRAME_MS[timeframe];
  if (targetMs === undefined) throw new RecordedDataError(`unknown timeframe ${JSON.stringify(timeframe)} (one of ${Object.keys(TIMEFRAME_MS).join(', ')})`);
  if (typeof symbol !== 'string' || symbol === '') throw new RecordedDataError('a symbol is required, like BTC-USD');
  const { from, to } = options;
  for (const [name, v] of [['from', from], ['to', to]] as const) {
    if (v !== undefined && !Number.isFinite(v)) throw new RecordedDataError(`${name} must be a time in epoch ms, got ${String(v)}`);
  }
  if (from !== undefined && to !== undefined && from >= to) throw new RecordedDataError(`from (${iso(from)}) must be before to (${iso(to)})`);

  const recorded = listRecordedIn(dirs);
  const where = typeof dirs === 'string' ? dirs : dirs.join(', ');
  const all = recorded.filter((f) => f.symbol === symbol);
  if (all.length === 0) {
    const have = [...new Set(recorded.map((f) => f.symbol))].sort().join(', ');
    throw new RecordedDataError(`no recorded data for ${symbol} in ${where} (available: ${have || 'none'})`);
  }
  const usable = all.filter((f) => (options.resample === false ? f.timeframe === timeframe : TIMEFRAME_MS[f.timeframe] <= targetMs && targetMs % TIMEFRAME_MS[f.timeframe] === 0));
  if (usable.length === 0) {
    const tfs = [...new Set(all.map((f) => `${TIMEFRAME_MS[f.timeframe] / 60_000} min`))].join(', ');
    throw new RecordedDataError(
      options.resample === false
        ? `${symbol} is recorded at ${tfs}: no ${targetMs / 60_000} min recording (resampling is off)`
        : `${symbol} is recorded at ${tfs}: a ${targetMs / 60_000} min series needs a recording at that timeframe or a divisor of it`,
    );
  }
  const sources = [...new Set(usable.map((f) => TIMEFRAME_MS[f.timeframe]))].sort((a, b) => b - a);
  let best: { out: BarSeries; report: Omit<LoadReport, 'bars'>; covers: [number, number] } | null = null;
  for (const ms of sources) {
    const { series, report } = loadFiles(usable.filter((f) => TIMEFRAME_MS[f.timeframe] === ms));
    const covers: [number, number] = [series.time[0]!, series.time[series.length - 1]!];
    const ranged = rangeSeries(series, from, to);
    const out = resample(ranged, targetMs);
    if (!best || out.length > best.out.length) best = { out, report, covers };
  }
  if (!best || best.out.length === 0) {
    const c = best?.covers;
    throw new RecordedDataError(`no ${symbol} bars in the requested range; the recording covers ${c ? `${iso(c[0])} to ${iso(c[1])}` : 'nothing'}`);
  }
  return { ...best.out, timeframe, report: { ...best.report, bars: best.out.length } };
}

/** Row `i` as a Bar with decimal strings (shortest round-trip form of each recorded value). */
export function barAt(c: Columns, i: number, symbol = c.symbol, shiftMs = 0): Bar {
  return {
    symbol,
    timeframe: c.timeframe,
    time: c.time[i]! + shiftMs,
    open: decStr(c.open[i]!),
    high: decStr(c.high[i]!),
    low: decStr(c.low[i]!),
    close: decStr(c.close[i]!),
    volume: decStr(c.volume[i]!),
  };
}

/** A measured float as a canonical decimal string (never exponent notation). */
export const decStr = (n: number): string => Dec.fromMeasured(n).toString();

/** resources/market of this checkout or package. */
/** `resources/market` of the installed package: found from the package root, so it is the same from source, from the bundled CLI and inside the app. */
export function defaultMarketDataDir(): string {
  return path.join(packageRoot().root, 'resources', 'market');
}

/** "2019-06-04 01-AM" or "2019-06-04" (UTC) to epoch ms, NaN if it is not one; 12-AM is midnight, 12-PM noon. */
export function parseCddTime(s: string): number {
  return cddTime(s, 0, s.length);
}

// ---------------------------------------------------------------------------------------------
// Parsing. Hot path for million-row files: one pass over the text by character codes, numbers
// parsed in place, rows written straight into typed arrays.

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];
const NUMBER_RE = /^\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*$/;

/**
 * The number in s[a, b), NaN if it is not a plain decimal. Identical to `Number(s.slice(a, b))`
 * for every decimal it accepts: up to 15 significant digits the digits form an exact integer m
 * and m / 10^k is one correctly rounded division; anything longer goes through Number.
 */
export function parseDecimal(s: string, a: number, b: number): number {
  let m = 0;
  let digits = 0;
  let frac = -1;
  for (let i = a; i < b; i++) {
    const ch = s.charCodeAt(i);
    if (ch >= 48 && ch <= 57) {
      m = m * 10 + (ch - 48);
      digits++;
      if (frac >= 0) frac++;
    } else if (ch === 46 && frac < 0) {
      frac = 0;
    } else {
      return slowNumber(s, a, b);
    }
  }
  if (digits === 0 || digits > 15) return slowNumber(s, a, b);
  return frac > 0 ? m / POW10[frac]! : m;
}

function slowNumber(s: string, a: number, b: number): number {
  const t = s.slice(a, b);
  return NUMBER_RE.test(t) ? Number(t) : NaN;
}

function daysInMonth(y: number, m: number): number {
  return m === 2 ? (y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28) : m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

function digitsAt(s: string, a: number, n: number): number {
  let v = 0;
  for (let i = a; i < a + n; i++) {
    const ch = s.charCodeAt(i);
    if (ch < 48 || ch > 57) return NaN;
    v = v * 10 + (ch - 48);
  }
  return v;
}

/** CryptoDataDownload time in s[a, b): `YYYY-MM-DD` or `YYYY-MM-DD HH-AM|PM` (12-hour clock, UTC). */
function cddTime(s: string, a: number, b: number): number {
  const len = b - a;
  if ((len !== 10 && len !== 16) || s.charCodeAt(a + 4) !== 45 || s.charCodeAt(a + 7) !== 45) return NaN;
  const y = digitsAt(s, a, 4);
  const mo = digitsAt(s, a + 5, 2);
  const d = digitsAt(s, a + 8, 2);
  if (!(mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth(y, mo))) return NaN;
  let h = 0;
  if (len === 16) {
    const h12 = digitsAt(s, a + 11, 2);
    const ap = s.charCodeAt(a + 14);
    if (s.charCodeAt(a + 10) !== 32 || s.charCodeAt(a + 13) !== 45 || s.charCodeAt(a + 15) !== 77 || !(h12 >= 1 && h12 <= 12) || (ap !== 65 && ap !== 80)) return NaN;
    h = (h12 % 12) + (ap === 80 ? 12 : 0);
  }
  return Date.UTC(y, mo - 1, d, h);
}

const iso = (t: number): string => (Number.isFinite(t) && Math.abs(t) < 8.64e15 ? new Date(t).toISOString() : String(t));

/** Rows of all files, in file order; `line` maps a row back to its source line for messages. */
/** Bars as parallel columns (time, OHLCV, and the source line of each), as a file is read into them. */
export interface ColumnarBars {
  n: number;
  t: Float64Array;
  o: Float64Array;
  h: Float64Array;
  l: Float64Array;
  c: Float64Array;
  v: Float64Array;
  line: Int32Array;
}

function newSink(cap: number): ColumnarBars {
  return { n: 0, t: new Float64Array(cap), o: new Float64Array(cap), h: new Float64Array(cap), l: new Float64Array(cap), c: new Float64Array(cap), v: new Float64Array(cap), line: new Int32Array(cap) };
}

function ensure(s: ColumnarBars, extra: number): ColumnarBars {
  if (s.n + extra <= s.t.length) return s;
  const g = newSink(Math.max(s.n + extra, s.t.length * 2));
  g.n = s.n;
  for (const k of ['t', 'o', 'h', 'l', 'c', 'v', 'line'] as const) g[k].set(s[k].subarray(0, s.n));
  return g;
}

/** A file's rows in the sink: [start, end). */
interface Run {
  file: string;
  start: number;
  end: number;
  /** The directory's precedence (0 first). */
  rank: number;
}

const BINANCE_HEADER = ['open_time', 'open', 'high', 'low', 'close', 'volume'];
const CDD_HEADER = ['date', 'symbol', 'open', 'high', 'low', 'close'];

function sameValues(s: ColumnarBars, i: number, o: number, h: number, l: number, c: number, v: number): boolean {
  return s.o[i] === o && s.h[i] === h && s.l[i] === l && s.c[i] === c && s.v[i] === v;
}

const fmtRow = (o: number, h: number, l: number, c: number, v: number): string => `o ${o}, h ${h}, l ${l}, c ${c}, v ${v}`;
const describeRow = (s: ColumnarBars, i: number): string => fmtRow(s.o[i]!, s.h[i]!, s.l[i]!, s.c[i]!, s.v[i]!);

/** Parses one file into the sink in file order, validating every row. */
function parseFile(f: RecordedFile, sink0: ColumnarBars): { sink: ColumnarBars; run: Run } {
  const text = fs.readFileSync(f.file, 'utf8');
  const len = text.length;
  let lines = 1;
  for (let p = text.indexOf('\n'); p >= 0; p = text.indexOf('\n', p + 1)) lines++;
  const s = ensure(sink0, lines);
  const name = f.file;
  const tfMs = TIMEFRAME_MS[f.timeframe];
  const vigil = f.format === 'vigil';
  const binance = f.format === 'binance' || vigil; // same columns; Vigil's header is required
  const fields = binance ? 6 : 7; // Binance and Vigil: open_time,o,h,l,c,v ; CDD: Date,Symbol,o,h,l,c,volume
  const k = binance ? 1 : 2; // index of the open column
  const start = s.n;
  const comma = [0, 0, 0, 0, 0, 0, 0, 0];
  let pos = 0;
  let line = 0;
  let header = false;
  const fail = (msg: string): never => {
    throw new RecordedDataError(`${name}:${line}: ${msg}`);
  };
  while (pos < len) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = len;
    const a = pos;
    let b = end;
    if (b > a && text.charCodeAt(b - 1) === 13) b--;
    pos = end + 1;
    line++;
    if (b === a) continue;
    // Field boundaries: comma[i] is the index of the comma ending field i.
    let nf = 0;
    let p = a - 1;
    while (nf < fields) {
      const q = text.indexOf(',', p + 1);
      if (q < 0 || q >= b) {
        comma[nf++] = b;
        break;
      }
      comma[nf++] = q;
      p = q;
    }
    const c0 = text.charCodeAt(a);
    if (c0 < 48 || c0 > 57) {
      const cells = text.slice(a, b).split(',').slice(0, vigil ? 7 : 6).map((x) => x.trim().toLowerCase());
      const want = binance ? BINANCE_HEADER : CDD_HEADER;
      if (s.n === start && !header && (vigil ? cells.length === want.length : cells.length >= want.length) && want.every((w, i) => cells[i] === w)) {
        header = true;
        continue;
      }
      // The CryptoDataDownload banner: the first line, before the header.
      if (!binance && line === 1) continue;
      if (s.n === start && !header) fail(`expected the header ${want.join(',')},… or a candle row, found ${JSON.stringify(text.slice(a, Math.min(b, a + 60)))}`);
      fail(`not a candle row: ${JSON.stringify(text.slice(a, Math.min(b, a + 60)))}`);
    }
    if (!binance && !header) fail(`a candle row before the header ${CDD_HEADER.join(',')},…`);
    if (vigil && !header) fail(`a candle row before the header ${VIGIL_HEADER}`);
    if (nf < fields) fail(`expected ${fields} fields (${binance ? 'open_time,open,high,low,close,volume' : 'Date,Symbol,Open,High,Low,Close,Volume'}), found ${nf}: ${JSON.stringify(text.slice(a, Math.min(b, a + 60)))}`);
    const t = binance ? parseDecimal(text, a, comma[0]!) : cddTime(text, a, comma[0]!);
    if (!Number.isFinite(t)) fail(`unreadable time ${JSON.stringify(text.slice(a, Math.min(comma[0]!, a + 30)))}`);
    const o = parseDecimal(text, comma[k - 1]! + 1, comma[k]!);
    const h = parseDecimal(text, comma[k]! + 1, comma[k + 1]!);
    const l = parseDecimal(text, comma[k + 1]! + 1, comma[k + 2]!);
    const c = parseDecimal(text, comma[k + 2]! + 1, comma[k + 3]!);
    const v = parseDecimal(text, comma[k + 3]! + 1, comma[k + 4]!);
    if (!(Number.isFinite(o) && Number.isFinite(h) && Number.isFinite(l) && Number.isFinite(c) && Number.isFinite(v))) {
      const names = ['open', 'high', 'low', 'close', 'volume'];
      const vals = [o, h, l, c, v];
      const i = vals.findIndex((x) => !Number.isFinite(x));
      fail(`${names[i]} is not a number: ${JSON.stringify(text.slice(comma[k + i - 1]! + 1, comma[k + i]!).slice(0, 30))}`);
    }
    if (!(o > 0 && h > 0 && l > 0 && c > 0)) fail(`prices must be positive (o ${o}, h ${h}, l ${l}, c ${c})`);
    if (h < o || h < c) fail(`high ${h} is below max(open ${o}, close ${c})`);
    if (l > o || l > c) fail(`low ${l} is above min(open ${o}, close ${c})`);
    if (v < 0) fail(`negative volume ${v}`);
    if (t % tfMs !== 0) fail(`time ${iso(t)} is not on a ${f.timeframe} boundary`);
    const n = s.n;
    s.t[n] = t;
    s.o[n] = o;
    s.h[n] = h;
    s.l[n] = l;
    s.c[n] = c;
    s.v[n] = v;
    s.line[n] = line;
    s.n = n + 1;
  }
  return { sink: s, run: { file: name, start, end: s.n, rank: f.rank } };
}

/** The run (file) holding sink row i. */
function runOf(runs: readonly Run[], i: number): Run {
  return runs.find((r) => i >= r.start && i < r.end)!;
}

/**
 * Puts the rows of every file on one ascending timeline. A newest-first file is reversed; a file
 * that is neither ascending nor descending throughout, or files that overlap, are sorted (stable:
 * among rows of one time the first read comes first). A time read twice keeps one bar when the
 * rows agree; when they do not, the row of the directory listed first wins if the two come from
 * different directories (`superseded`), and the load is refused, naming both rows, if they do not.
 */
function toTimeline(s: ColumnarBars, runs: readonly Run[]): { sink: ColumnarBars; duplicates: number; superseded: number; reordered: boolean; outOfOrder: number } {
  let reordered = false;
  let sort = false;
  let outOfOrder = 0;
  let prevEnd = -1; // last row of the previous non-empty run
  for (const run of runs) {
    let up = 0;
    let down = 0;
    for (let i = run.start + 1; i < run.end; i++) {
      const d = s.t[i]! - s.t[i - 1]!;
      if (d > 0) up++;
      else if (d < 0) down++;
    }
    if (down > 0 && up === 0) {
      for (const key of ['t', 'o', 'h', 'l', 'c', 'v', 'line'] as const) s[key].subarray(run.start, run.end).reverse();
      reordered = true;
    } else if (down > 0) {
      sort = true;
      outOfOrder += Math.min(up, down);
    }
    if (run.end === run.start) continue;
    if (prevEnd >= 0 && s.t[run.start]! < s.t[prevEnd]!) sort = true;
    prevEnd = run.end - 1;
  }
  const n = s.n;
  let order: Uint32Array | null = null;
  if (sort) {
    reordered = true;
    const t = s.t;
    order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    order.sort((a, b) => t[a]! - t[b]! || a - b);
  }
  // One pass: permute (when sorted) and drop repeated times. In place when nothing was sorted:
  // the write index never passes the read index.
  const out = order ? newSink(n) : s;
  let w = 0;
  let kept = -1; // sink index of the row last kept
  let duplicates = 0;
  let superseded = 0;
  const ranked = runs.some((r) => r.rank !== runs[0]!.rank);
  for (let k = 0; k < n; k++) {
    const i = order ? order[k]! : k;
    const t = s.t[i]!;
    if (w > 0 && out.t[w - 1] === t) {
      if (!sameValues(out, w - 1, s.o[i]!, s.h[i]!, s.l[i]!, s.c[i]!, s.v[i]!)) {
        const keptRank = ranked ? runOf(runs, kept).rank : 0;
        const rank = ranked ? runOf(runs, i).rank : 0;
        if (rank !== keptRank) {
          superseded++;
          if (rank < keptRank) {
            out.o[w - 1] = s.o[i]!;
            out.h[w - 1] = s.h[i]!;
            out.l[w - 1] = s.l[i]!;
            out.c[w - 1] = s.c[i]!;
            out.v[w - 1] = s.v[i]!;
            out.line[w - 1] = s.line[i]!;
            kept = i;
          }
          continue;
        }
        const first = `${runOf(runs, kept).file}:${s.line[kept]}`;
        throw new RecordedDataError(`${runOf(runs, i).file}:${s.line[i]}: repeats the time ${iso(t)} of ${first} with different values (${describeRow(s, i)} vs ${describeRow(out, w - 1)})`);
      }
      duplicates++;
      continue;
    }
    if (order || w !== i) {
      out.t[w] = t;
      out.o[w] = s.o[i]!;
      out.h[w] = s.h[i]!;
      out.l[w] = s.l[i]!;
      out.c[w] = s.c[i]!;
      out.v[w] = s.v[i]!;
      out.line[w] = s.line[i]!;
    }
    kept = i;
    w++;
  }
  out.n = w;
  return { sink: out, duplicates, superseded, reordered, outOfOrder };
}

/** Loads files of one symbol and timeframe into one ascending, de-duplicated, validated series. */
export function loadFiles(files: readonly RecordedFile[]): { series: BarSeries; report: Omit<LoadReport, 'bars'> } {
  if (files.length === 0) throw new RecordedDataError('no files to load');
  const { symbol, timeframe } = files[0]!;
  for (const f of files) {
    if (f.symbol !== symbol || f.timeframe !== timeframe) throw new RecordedDataError(`cannot mix ${symbol} ${timeframe} with ${f.symbol} ${f.timeframe} (${f.file})`);
  }
  let sink = newSink(0);
  const runs: Run[] = [];
  for (const f of files) {
    const r = parseFile(f, sink);
    sink = r.sink;
    runs.push(r.run);
  }
  const rowsRead = sink.n;
  const { sink: merged, duplicates, superseded, reordered, outOfOrder } = toTimeline(sink, runs);
  sink = merged;
  const n = sink.n;
  const names = files.map((f) => path.basename(f.file));
  if (n === 0) throw new RecordedDataError(`no candle rows in ${names.join(', ')}`);
  const tfMs = TIMEFRAME_MS[timeframe];
  const gaps: Gap[] = [];
  let missingBars = 0;
  let zeroVolumeBars = 0;
  const t = sink.t;
  const v = sink.v;
  for (let i = 0; i < n; i++) {
    if (v[i] === 0) zeroVolumeBars++;
    if (i > 0) {
      const missing = (t[i]! - t[i - 1]!) / tfMs - 1;
      if (missing > 0) {
        gaps.push({ after: t[i - 1]!, before: t[i]!, missing });
        missingBars += missing;
      }
    }
  }
  const series: BarSeries = {
    symbol,
    timeframeMs: tfMs,
    length: n,
    time: sink.t.subarray(0, n),
    open: sink.o.subarray(0, n),
    high: sink.h.subarray(0, n),
    low: sink.l.subarray(0, n),
    close: sink.c.subarray(0, n),
    volume: sink.v.subarray(0, n),
  };
  return {
    series,
    report: { symbol, files: names, sourceTimeframe: timeframe, sourceTimeframeMs: tfMs, rowsRead, rows: n, duplicates, superseded, reordered, outOfOrder, gaps, missingBars, zeroVolumeBars },
  };
}
