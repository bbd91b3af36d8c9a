/**
 * Recorded candles for backtests: parses the files in resources/market (formats and quirks in
 * resources/market/SOURCES.md) into columnar series, sorted, de-duplicated, with gaps reported.
 *
 * Which market a symbol means is explicit: Coinbase files are BTC-USD / ETH-USD / LTC-USD; the
 * Binance 1m files are BTC-USDT / ETH-USDT (a different venue and quote currency, never silently
 * merged with the USD books).
 */
import fs from 'node:fs';
import path from 'node:path';
import { emptySeries, rangeSeries, resample, type BarSeries } from './bars';

export class DataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataError';
  }
}

export interface SeriesFile {
  file: string;
  symbol: string;
  timeframeMs: number;
  format: 'cryptodatadownload' | 'binance';
}

export interface LoadReport {
  symbol: string;
  files: string[];
  rows: number;
  duplicates: number;
  /** Missing bars between the first and the last (at the source timeframe). */
  gaps: number;
  sourceTimeframeMs: number;
}

const MIN = 60_000;

/** Lists the recorded series in a directory by file name. */
export function catalog(dir: string): SeriesFile[] {
  if (!fs.existsSync(dir)) throw new DataError(`market data directory not found: ${dir}`);
  const out: SeriesFile[] = [];
  for (const f of fs.readdirSync(dir).sort()) {
    let m = /^Coinbase_([A-Z]+)(USD)_(1h|d)\.csv$/.exec(f);
    if (m) {
      out.push({ file: path.join(dir, f), symbol: `${m[1]}-${m[2]}`, timeframeMs: m[3] === '1h' ? 60 * MIN : 1440 * MIN, format: 'cryptodatadownload' });
      continue;
    }
    m = /^([A-Z]+)(USDT)-1m-\d{4}-\d{2}-\d{2}\.csv$/.exec(f);
    if (m) out.push({ file: path.join(dir, f), symbol: `${m[1]}-${m[2]}`, timeframeMs: MIN, format: 'binance' });
  }
  return out;
}

/** "2019-06-04 01-AM" / "2019-06-04" (UTC) to epoch ms. */
export function parseCddDate(s: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?: (\d{2})-(AM|PM))?$/.exec(s.trim());
  if (!m) throw new DataError(`unreadable date ${JSON.stringify(s.slice(0, 40))}`);
  let h = m[4] === undefined ? 0 : Number(m[4]) % 12;
  if (m[5] === 'PM') h += 12;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), h);
}

interface Row {
  t: number;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
}

function num(s: string | undefined, file: string, line: number): number {
  const x = Number(s);
  if (s === undefined || s.trim() === '' || !Number.isFinite(x)) throw new DataError(`${path.basename(file)} line ${line}: not a number: ${JSON.stringify((s ?? '').slice(0, 30))}`);
  return x;
}

function parseFile(f: SeriesFile): Row[] {
  const text = fs.readFileSync(f.file, 'utf8');
  const lines = text.split(/\r?\n/);
  const rows: Row[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const c = line.split(',');
    if (f.format === 'binance') {
      if (!/^\d/.test(c[0] ?? '')) continue; // header row
      rows.push({ t: num(c[0], f.file, i + 1), o: num(c[1], f.file, i + 1), h: num(c[2], f.file, i + 1), l: num(c[3], f.file, i + 1), c: num(c[4], f.file, i + 1), v: num(c[5], f.file, i + 1) });
    } else {
      if (!/^\d{4}-/.test(c[0] ?? '')) continue; // banner and header
      rows.push({ t: parseCddDate(c[0]!), o: num(c[2], f.file, i + 1), h: num(c[3], f.file, i + 1), l: num(c[4], f.file, i + 1), c: num(c[5], f.file, i + 1), v: num(c[6], f.file, i + 1) });
    }
  }
  return rows;
}

/** Loads every file of one symbol at one source timeframe into a sorted, de-duplicated series. */
export function loadSeries(files: SeriesFile[]): { series: BarSeries; report: LoadReport } {
  if (files.length === 0) throw new DataError('no files to load');
  const tf = files[0]!.timeframeMs;
  const rows = files.flatMap(parseFile).sort((a, b) => a.t - b.t);
  let dups = 0;
  const kept: Row[] = [];
  for (const r of rows) {
    if (!(r.h >= r.l && r.o > 0 && r.c > 0 && r.l > 0)) throw new DataError(`${files[0]!.symbol}: invalid candle at ${new Date(r.t).toISOString()} (open ${r.o}, high ${r.h}, low ${r.l}, close ${r.c})`);
    if (kept.length > 0 && kept[kept.length - 1]!.t === r.t) {
      dups++;
      continue;
    }
    kept.push(r);
  }
  const s = emptySeries(files[0]!.symbol, tf, kept.length);
  let gaps = 0;
  kept.forEach((r, i) => {
    s.time[i] = r.t;
    s.open[i] = r.o;
    s.high[i] = r.h;
    s.low[i] = r.l;
    s.close[i] = r.c;
    s.volume[i] = r.v;
    if (i > 0) gaps += Math.max(0, Math.round((r.t - kept[i - 1]!.t) / tf) - 1);
  });
  return { series: s, report: { symbol: s.symbol, files: files.map((f) => path.basename(f.file)), rows: kept.length, duplicates: dups, gaps, sourceTimeframeMs: tf } };
}

export interface LoadRequest {
  dir: string;
  symbol: string;
  timeframeMs: number;
  fromMs?: number;
  toMs?: number;
}

/**
 * Bars of `symbol` at `timeframeMs` in [from, to): the coarsest recording that divides the
 * timeframe is resampled (1h data for a 4h backtest, not 1m data).
 */
export function loadBars(req: LoadRequest): { series: BarSeries; report: LoadReport } {
  const all = catalog(req.dir).filter((f) => f.symbol === req.symbol);
  if (all.length === 0) {
    const have = [...new Set(catalog(req.dir).map((f) => f.symbol))].sort().join(', ');
    throw new DataError(`no recorded data for ${req.symbol} (available: ${have || 'none'})`);
  }
  const usable = all.filter((f) => f.timeframeMs <= req.timeframeMs && req.timeframeMs % f.timeframeMs === 0);
  if (usable.length === 0) {
    const tfs = [...new Set(all.map((f) => `${f.timeframeMs / MIN} min`))].join(', ');
    throw new DataError(`${req.symbol} is recorded at ${tfs}: a ${req.timeframeMs / MIN} min backtest needs a recording at that timeframe or a divisor of it`);
  }
  const best = Math.max(...usable.map((f) => f.timeframeMs));
  const { series, report } = loadSeries(usable.filter((f) => f.timeframeMs === best));
  const ranged = rangeSeries(series, req.fromMs, req.toMs);
  if (ranged.length === 0) {
    const a = new Date(series.time[0]!).toISOString();
    const b = new Date(series.time[series.length - 1]!).toISOString();
    throw new DataError(`no ${req.symbol} bars in the requested range; the recording covers ${a} to ${b}`);
  }
  return { series: resample(ranged, req.timeframeMs), report };
}

/** resources/market relative to the repository (dev, tests, CLI from a checkout). */
export function defaultMarketDir(): string {
  return path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../resources/market');
}
