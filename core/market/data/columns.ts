/**
 * Columnar candles from the recorded files in resources/market (formats in SOURCES.md): one
 * typed array per field, sorted by time, de-duplicated, with every gap reported. Used by the
 * replay feed, the tests that check indicators on real data, and backtests.
 *
 * Fail fast: a row that does not parse, or a candle with high < low or a non-positive price,
 * stops the load with the file and line, rather than flowing into indicators.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Dec } from '../../domain/decimal';
import type { Bar, Timeframe } from '../../domain/market';

export class MarketDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MarketDataError';
  }
}

export type FileFormat = 'cryptodatadownload' | 'binance';

export interface RecordedFile {
  file: string;
  /** Product id: BTC-USD for the Coinbase files, BTC-USDT for Binance (a different venue and quote). */
  symbol: string;
  timeframe: Timeframe;
  format: FileFormat;
}

export interface Gap {
  /** Open time of the last bar before the gap. */
  after: number;
  /** Open time of the first bar after the gap. */
  before: number;
  missing: number;
}

export interface LoadReport {
  files: string[];
  rowsRead: number;
  rows: number;
  duplicates: number;
  /** The source was not in ascending time order (the Coinbase hourly files are newest-first). */
  reordered: boolean;
  gaps: Gap[];
  missingBars: number;
  zeroVolumeBars: number;
}

export interface Columns {
  symbol: string;
  timeframe: Timeframe;
  timeframeMs: number;
  length: number;
  time: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
  report: LoadReport;
}

const TF_MS: Record<Timeframe, number> = { '1m': 60_000, '5m': 300_000, '15m': 900_000, '1h': 3_600_000, '4h': 14_400_000, '1d': 86_400_000 };

/** Recognises the recorded files of a directory by name. */
export function listRecorded(dir: string): RecordedFile[] {
  if (!fs.existsSync(dir)) throw new MarketDataError(`market data directory not found: ${dir}`);
  const out: RecordedFile[] = [];
  for (const f of fs.readdirSync(dir).sort()) {
    let m = /^Coinbase_([A-Z]+)(USD)_(1h|d)\.csv$/.exec(f);
    if (m) {
      out.push({ file: path.join(dir, f), symbol: `${m[1]}-${m[2]}`, timeframe: m[3] === '1h' ? '1h' : '1d', format: 'cryptodatadownload' });
      continue;
    }
    m = /^([A-Z]+)(USDT)-1m-\d{4}-\d{2}-\d{2}\.csv$/.exec(f);
    if (m) out.push({ file: path.join(dir, f), symbol: `${m[1]}-${m[2]}`, timeframe: '1m', format: 'binance' });
  }
  return out;
}

/** "2019-06-04 01-AM" or "2019-06-04" (UTC) to epoch ms; 12-AM is midnight, 12-PM noon. */
export function parseCddTime(s: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?: (\d{2})-(AM|PM))?$/.exec(s);
  if (!m) return NaN;
  let h = m[4] === undefined ? 0 : Number(m[4]) % 12;
  if (m[5] === 'PM') h += 12;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), h);
}

interface Raw {
  t: number[];
  o: number[];
  h: number[];
  l: number[];
  c: number[];
  v: number[];
}

function parseInto(f: RecordedFile, raw: Raw): number {
  const text = fs.readFileSync(f.file, 'utf8');
  let start = 0;
  let line = 0;
  let read = 0;
  const name = path.basename(f.file);
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const s = text.charCodeAt(end - 1) === 13 ? text.slice(start, end - 1) : text.slice(start, end);
    start = end + 1;
    line++;
    if (s.length === 0) continue;
    const c = s.split(',');
    let t: number;
    let k: number; // index of the open column
    if (f.format === 'binance') {
      if (line === 1 && !/^\d/.test(c[0]!)) continue; // optional header
      t = Number(c[0]);
      k = 1;
    } else {
      if (!/^\d{4}-/.test(c[0]!)) {
        if (line <= 2) continue; // banner and header
        throw new MarketDataError(`${name} line ${line}: unreadable date ${JSON.stringify(c[0]!.slice(0, 30))}`);
      }
      t = parseCddTime(c[0]!);
      k = 2;
    }
    const o = Number(c[k]);
    const h = Number(c[k + 1]);
    const l = Number(c[k + 2]);
    const cl = Number(c[k + 3]);
    const v = Number(c[k + 4]);
    if (![t, o, h, l, cl, v].every(Number.isFinite) || c[k + 4] === undefined || c[k + 4] === '') {
      throw new MarketDataError(`${name} line ${line}: not a candle: ${JSON.stringify(s.slice(0, 60))}`);
    }
    if (!(l > 0 && h >= l && o >= l && o <= h && cl >= l && cl <= h && v >= 0)) {
      throw new MarketDataError(`${name} line ${line}: inconsistent candle (o ${o}, h ${h}, l ${l}, c ${cl}, v ${v})`);
    }
    raw.t.push(t);
    raw.o.push(o);
    raw.h.push(h);
    raw.l.push(l);
    raw.c.push(cl);
    raw.v.push(v);
    read++;
  }
  return read;
}

/** Loads one or more files of the same symbol and timeframe into sorted, de-duplicated columns. */
export function loadColumns(files: readonly RecordedFile[]): Columns {
  if (files.length === 0) throw new MarketDataError('no files to load');
  const { symbol, timeframe } = files[0]!;
  for (const f of files) {
    if (f.symbol !== symbol || f.timeframe !== timeframe) throw new MarketDataError(`cannot mix ${symbol} ${timeframe} with ${f.symbol} ${f.timeframe}`);
  }
  const raw: Raw = { t: [], o: [], h: [], l: [], c: [], v: [] };
  let rowsRead = 0;
  for (const f of files) rowsRead += parseInto(f, raw);
  const n = raw.t.length;
  let reordered = false;
  for (let i = 1; i < n && !reordered; i++) if (raw.t[i]! < raw.t[i - 1]!) reordered = true;
  const idx = Array.from({ length: n }, (_, i) => i);
  // Stable sort: among duplicates the first occurrence in file order is kept.
  if (reordered) idx.sort((a, b) => raw.t[a]! - raw.t[b]! || a - b);
  const tfMs = TF_MS[timeframe];
  const time = new Float64Array(n);
  const open = new Float64Array(n);
  const high = new Float64Array(n);
  const low = new Float64Array(n);
  const close = new Float64Array(n);
  const volume = new Float64Array(n);
  let len = 0;
  let duplicates = 0;
  let zeroVolumeBars = 0;
  const gaps: Gap[] = [];
  let missingBars = 0;
  for (const i of idx) {
    const t = raw.t[i]!;
    if (len > 0 && time[len - 1] === t) {
      duplicates++;
      continue;
    }
    if (len > 0) {
      const missing = Math.round((t - time[len - 1]!) / tfMs) - 1;
      if (missing > 0) {
        gaps.push({ after: time[len - 1]!, before: t, missing });
        missingBars += missing;
      }
    }
    time[len] = t;
    open[len] = raw.o[i]!;
    high[len] = raw.h[i]!;
    low[len] = raw.l[i]!;
    close[len] = raw.c[i]!;
    volume[len] = raw.v[i]!;
    if (raw.v[i] === 0) zeroVolumeBars++;
    len++;
  }
  return {
    symbol,
    timeframe,
    timeframeMs: tfMs,
    length: len,
    time: time.subarray(0, len),
    open: open.subarray(0, len),
    high: high.subarray(0, len),
    low: low.subarray(0, len),
    close: close.subarray(0, len),
    volume: volume.subarray(0, len),
    report: { files: files.map((f) => path.basename(f.file)), rowsRead, rows: len, duplicates, reordered, gaps, missingBars, zeroVolumeBars },
  };
}

/** Every recorded file of `symbol` at `timeframe` in `dir`. */
export function loadRecorded(dir: string, symbol: string, timeframe: Timeframe): Columns {
  const files = listRecorded(dir).filter((f) => f.symbol === symbol && f.timeframe === timeframe);
  if (files.length === 0) {
    const have = listRecorded(dir).map((f) => `${f.symbol} ${f.timeframe}`);
    throw new MarketDataError(`no recorded ${symbol} ${timeframe} data in ${dir} (have: ${[...new Set(have)].join(', ') || 'none'})`);
  }
  return loadColumns(files);
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
export function defaultMarketDataDir(): string {
  return path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../../resources/market');
}
