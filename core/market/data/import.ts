/**
 * Imports candles from a CSV file into `<dataDir>/market/<SYMBOL>_<timeframe>_<source>.csv`
 * (Vigil's format, read by the one loader). The whole file is checked before anything is written;
 * a refused import writes nothing and names the rows at fault. Columns and rules: docs/market.md
 * ("Importing candles").
 */
import fs from 'node:fs';
import path from 'node:path';
import { TIMEFRAME_MS, type Timeframe } from '../../domain/market';
import { PRODUCT_RE } from '../../domain/product';
import { decStr, listRecorded, loadFiles, parseCddTime, parseDecimal, RecordedDataError, VIGIL_HEADER, vigilFileName, type ColumnarBars, type Gap } from './columns';
import { userMarketDir } from './datasets';

export class ImportError extends Error {
  constructor(
    message: string,
    /** The rows refused (file line numbers, 1-based) with the reason, at most 20. */
    readonly rows: { line: number; reason: string }[] = [],
  ) {
    super(message);
    this.name = 'ImportError';
  }
}

export interface ImportOptions {
  /** The CSV file to read. */
  file: string;
  /** The product id the bars are stored under, e.g. BTC-USD (any the user names). */
  symbol: string;
  /** The bars' timeframe; by default the smallest spacing between two rows. */
  timeframe?: Timeframe | undefined;
  /** Dataset name: the file becomes `<SYMBOL>_<tf>_import-<name>.csv` (default `<SYMBOL>_<tf>_import.csv`). */
  name?: string | undefined;
  /** Replace an existing dataset of that name (default: refuse). */
  replace?: boolean | undefined;
  /** Refuse a file with missing bars (default: import it and report the gaps). */
  refuseGaps?: boolean | undefined;
  /** Shipped recordings, to report the bars this dataset replaces there (default resources/market). */
  shippedDir?: string | undefined;
}

export interface ImportResult {
  symbol: string;
  timeframe: Timeframe;
  /** Whether the timeframe was inferred from the rows' spacing. */
  timeframeInferred: boolean;
  /** The dataset file written (in the data dir). */
  file: string;
  replaced: boolean;
  rows: number;
  from: number;
  /** Close time of the last bar. */
  to: number;
  /** The source file was newest first (reversed). */
  descending: boolean;
  header: boolean;
  /** Which column of the source each field came from. */
  columns: Record<'time' | 'open' | 'high' | 'low' | 'close' | 'volume', string>;
  gaps: number;
  missingBars: number;
  /** The first 20 gaps, with the line of the row after each. */
  gapList: (Gap & { line: number })[];
  zeroVolumeBars: number;
  /** Bars at times other data-dir datasets of the series also hold, with the same values. */
  overlapping: number;
  /** Bars that will replace a shipped recording's bar with different values (the data dir wins). */
  supersedesShipped: number;
}

const TIME_NAMES = ['time', 'timestamp', 'date', 'datetime', 'date_time', 'open_time', 'opentime', 'open time', 'unix', 'start', 'time_period_start'];
const NAMES = { open: ['open', 'o'], high: ['high', 'h'], low: ['low', 'l'], close: ['close', 'c'] } as const;
/** Refuse files larger than this: a year of 1m candles is ~35 MB. */
export const MAX_IMPORT_BYTES = 1024 * 1024 * 1024;

const unquote = (s: string): string => {
  const t = s.trim();
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1).trim() : t;
};

/** A time cell to epoch ms: epoch seconds, ms or µs (by magnitude), ISO 8601 (UTC unless it has an offset), or `2019-06-04 01-AM`. NaN if unreadable. */
export function parseTimeCell(cell: string): number {
  const s = unquote(cell);
  if (/^\d+(\.0+)?$/.test(s)) {
    const n = Number(s.split('.')[0]);
    if (n < 1e11) return n * 1000;
    if (n < 1e14) return n;
    if (n < 1e17) return n % 1000 === 0 ? n / 1000 : NaN;
    return NaN;
  }
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2}|UTC)?$/i.exec(s);
  if (m) {
    const [, y, mo, d, h = '0', mi = '0', sec = '0', frac = '', zone] = m;
    const Y = Number(y);
    const M = Number(mo);
    const D = Number(d);
    if (M < 1 || M > 12 || D < 1 || D > new Date(Date.UTC(Y, M, 0)).getUTCDate() || Number(h) > 23 || Number(mi) > 59 || Number(sec) > 59) return NaN;
    let t = Date.UTC(Y, M - 1, D, Number(h), Number(mi), Number(sec), Number((frac + '000').slice(0, 3)));
    if (zone && !/^(z|utc)$/i.test(zone)) {
      const z = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!;
      t -= (z[1] === '-' ? -1 : 1) * (Number(z[2]) * 60 + Number(z[3])) * 60_000;
    }
    return t;
  }
  return parseCddTime(s);
}

function findColumn(cells: string[], names: readonly string[]): number {
  return cells.findIndex((c) => names.includes(c));
}

interface Parsed extends ColumnarBars {
  header: boolean;
  columns: ImportResult['columns'];
}

function parse(text: string): Parsed {
  const lines = text.split('\n');
  let first = 0;
  while (first < lines.length && lines[first]!.trim() === '') first++;
  if (first >= lines.length) throw new ImportError('the file has no rows');
  const head = lines[first]!.replace(/\r$/, '');
  const delim = head.includes(',') ? ',' : head.includes(';') ? ';' : head.includes('\t') ? '\t' : ',';
  const headCells = head.split(delim).map((c) => unquote(c).toLowerCase());
  const header = headCells.some((c) => TIME_NAMES.includes(c) || ['open', 'high', 'low', 'close', 'volume'].includes(c));
  let idx: Record<'time' | 'open' | 'high' | 'low' | 'close' | 'volume', number>;
  let columns: ImportResult['columns'];
  if (header) {
    const volume = headCells.includes('volume') ? headCells.indexOf('volume') : headCells.findIndex((c) => c === 'vol' || c.startsWith('volume'));
    idx = { time: findColumn(headCells, TIME_NAMES), open: findColumn(headCells, NAMES.open), high: findColumn(headCells, NAMES.high), low: findColumn(headCells, NAMES.low), close: findColumn(headCells, NAMES.close), volume };
    const missing = Object.entries(idx).filter(([, i]) => i < 0).map(([k]) => k);
    if (missing.length) {
      throw new ImportError(`line ${first + 1}: the header has no ${missing.join(', ')} column (found ${headCells.map((c) => JSON.stringify(c)).join(', ')}); time may be named ${TIME_NAMES.join('/')}, volume volume/vol/volume <unit>`);
    }
    columns = Object.fromEntries(Object.entries(idx).map(([k, i]) => [k, unquote(head.split(delim)[i]!)])) as ImportResult['columns'];
  } else {
    idx = { time: 0, open: 1, high: 2, low: 3, close: 4, volume: 5 };
    columns = { time: 'column 1', open: 'column 2', high: 'column 3', low: 'column 4', close: 'column 5', volume: 'column 6' };
  }
  const need = Math.max(...Object.values(idx)) + 1;
  const cap = lines.length;
  const p: Parsed = { t: new Float64Array(cap), o: new Float64Array(cap), h: new Float64Array(cap), l: new Float64Array(cap), c: new Float64Array(cap), v: new Float64Array(cap), line: new Int32Array(cap), n: 0, header, columns };
  const bad: { line: number; reason: string }[] = [];
  let badCount = 0;
  const refuse = (line: number, reason: string) => {
    badCount++;
    if (bad.length < 20) bad.push({ line, reason });
  };
  for (let i = header ? first + 1 : first; i < lines.length; i++) {
    const raw = lines[i]!.replace(/\r$/, '');
    if (raw.trim() === '') continue;
    const line = i + 1;
    const cells = raw.split(delim);
    if (cells.length < need) {
      refuse(line, `expected at least ${need} columns, found ${cells.length}: ${JSON.stringify(raw.slice(0, 60))}`);
      continue;
    }
    const t = parseTimeCell(cells[idx.time]!);
    if (!Number.isFinite(t)) {
      refuse(line, `unreadable time ${JSON.stringify(unquote(cells[idx.time]!).slice(0, 30))} (epoch s/ms, ISO 8601 like 2024-01-31T13:00:00Z, or 2024-01-31 13:00)`);
      continue;
    }
    const vals: number[] = [];
    let ok = true;
    for (const k of ['open', 'high', 'low', 'close', 'volume'] as const) {
      const cell = unquote(cells[idx[k]]!);
      const x = parseDecimal(cell, 0, cell.length);
      if (!Number.isFinite(x)) {
        refuse(line, `${k} is not a number: ${JSON.stringify(cell.slice(0, 30))}`);
        ok = false;
        break;
      }
      vals.push(x);
    }
    if (!ok) continue;
    const [o, h, l, c, v] = vals as [number, number, number, number, number];
    if (!(o > 0 && h > 0 && l > 0 && c > 0)) refuse(line, `prices must be positive (open ${o}, high ${h}, low ${l}, close ${c})`);
    else if (h < o || h < c) refuse(line, `high ${h} is below max(open ${o}, close ${c})`);
    else if (l > o || l > c) refuse(line, `low ${l} is above min(open ${o}, close ${c})`);
    else if (v < 0) refuse(line, `negative volume ${v}`);
    else {
      const k = p.n++;
      p.t[k] = t;
      p.o[k] = o;
      p.h[k] = h;
      p.l[k] = l;
      p.c[k] = c;
      p.v[k] = v;
      p.line[k] = line;
    }
  }
  if (badCount > 0) throw new ImportError(`${badCount} row${badCount === 1 ? '' : 's'} refused, nothing imported: ${bad.slice(0, 5).map((b) => `line ${b.line}: ${b.reason}`).join('; ')}${badCount > 5 ? '; …' : ''}`, bad);
  if (p.n === 0) throw new ImportError('the file has no candle rows');
  return p;
}

const iso = (t: number) => new Date(t).toISOString();

/** Validates `opts.file` completely, then writes the dataset. Throws ImportError (nothing written) when any row is refused. */
export function importCsv(dataDir: string, opts: ImportOptions): ImportResult {
  const symbol = opts.symbol.trim().toUpperCase();
  if (!PRODUCT_RE.test(symbol)) throw new ImportError(`symbol must be a product id like BTC-USD (letters and digits, one dash), got ${JSON.stringify(opts.symbol)}`);
  if (opts.name !== undefined && !/^[a-z0-9][a-z0-9-]{0,30}$/.test(opts.name)) throw new ImportError(`name must be lower-case letters, digits and dashes (at most 31), got ${JSON.stringify(opts.name)}`);
  let st: fs.Stats;
  try {
    st = fs.statSync(opts.file);
  } catch {
    throw new ImportError(`cannot read ${opts.file}: no such file`);
  }
  if (!st.isFile()) throw new ImportError(`${opts.file} is not a file`);
  if (st.size > MAX_IMPORT_BYTES) throw new ImportError(`${opts.file} is ${st.size} bytes; at most ${MAX_IMPORT_BYTES} are imported`);
  const p = parse(fs.readFileSync(opts.file, 'utf8'));
  const n = p.n;

  // Time order: ascending throughout, or descending throughout (reversed). Never equal.
  const descending = n > 1 && p.t[1]! < p.t[0]!;
  const bad: { line: number; reason: string }[] = [];
  let badCount = 0;
  for (let i = 1; i < n; i++) {
    const a = p.t[i - 1]!;
    const b = p.t[i]!;
    if (a === b) {
      badCount++;
      if (bad.length < 20) bad.push({ line: p.line[i]!, reason: `repeats the time ${iso(b)} of line ${p.line[i - 1]}` });
    } else if (descending ? b > a : b < a) {
      badCount++;
      if (bad.length < 20) bad.push({ line: p.line[i]!, reason: `time ${iso(b)} is ${descending ? 'after' : 'before'} line ${p.line[i - 1]}'s ${iso(a)}: rows must be in time order (${descending ? 'newest first, as the file starts' : 'oldest first'})` });
    }
  }
  if (badCount > 0) throw new ImportError(`${badCount} row${badCount === 1 ? '' : 's'} out of time order or repeated, nothing imported: ${bad.slice(0, 5).map((b) => `line ${b.line}: ${b.reason}`).join('; ')}${badCount > 5 ? '; …' : ''}`, bad);
  const order = Array.from({ length: n }, (_, i) => (descending ? n - 1 - i : i));

  // Timeframe: given, or the smallest spacing between rows.
  let timeframe = opts.timeframe;
  const inferred = timeframe === undefined;
  if (!timeframe) {
    if (n < 2) throw new ImportError('one row is not enough to tell the timeframe: pass it (1m, 5m, 15m, 1h, 4h or 1d)');
    let step = Infinity;
    for (let k = 1; k < n; k++) step = Math.min(step, p.t[order[k]!]! - p.t[order[k - 1]!]!);
    const tf = (Object.entries(TIMEFRAME_MS) as [Timeframe, number][]).find(([, ms]) => ms === step)?.[0];
    if (!tf) throw new ImportError(`the smallest spacing between rows is ${step / 60_000} minutes, not one of 1m, 5m, 15m, 1h, 4h, 1d: pass the timeframe`);
    timeframe = tf;
  }
  const tfMs = TIMEFRAME_MS[timeframe];
  const offGrid: { line: number; reason: string }[] = [];
  let offCount = 0;
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    if (p.t[i]! % tfMs !== 0) {
      offCount++;
      if (offGrid.length < 20) offGrid.push({ line: p.line[i]!, reason: `time ${iso(p.t[i]!)} is not on a ${timeframe} boundary (UTC)` });
    }
  }
  if (offCount > 0) throw new ImportError(`${offCount} row${offCount === 1 ? '' : 's'} off the ${timeframe} grid, nothing imported: ${offGrid.slice(0, 5).map((b) => `line ${b.line}: ${b.reason}`).join('; ')}${offCount > 5 ? '; …' : ''}`, offGrid);

  // Gaps.
  const gapList: ImportResult['gapList'] = [];
  let gaps = 0;
  let missingBars = 0;
  let zeroVolumeBars = 0;
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    if (p.v[i] === 0) zeroVolumeBars++;
    if (k === 0) continue;
    const prev = p.t[order[k - 1]!]!;
    const missing = (p.t[i]! - prev) / tfMs - 1;
    if (missing > 0) {
      gaps++;
      missingBars += missing;
      if (gapList.length < 20) gapList.push({ after: prev, before: p.t[i]!, missing, line: p.line[i]! });
    }
  }
  if (opts.refuseGaps && gaps > 0) {
    throw new ImportError(
      `${gaps} gap${gaps === 1 ? '' : 's'} (${missingBars} missing ${timeframe} bars), nothing imported (gaps are refused): ${gapList.slice(0, 5).map((g) => `line ${g.line}: ${g.missing} bars missing after ${iso(g.after)}`).join('; ')}`,
      gapList.map((g) => ({ line: g.line, reason: `${g.missing} bars missing after ${iso(g.after)}` })),
    );
  }

  // Against what is already there: another data-dir dataset of the series must agree on shared
  // times (else refuse); the shipped recording is replaced where they differ (reported).
  const dir = userMarketDir(dataDir);
  const fileName = vigilFileName(symbol, timeframe, opts.name ? `import-${opts.name}` : 'import');
  const target = path.join(dir, fileName);
  const exists = fs.existsSync(target);
  if (exists && !opts.replace) throw new ImportError(`a dataset ${fileName} exists already: replace it, or import under another name`);
  const same = (a: { o: number; h: number; l: number; c: number; v: number }, i: number) => a.o === p.o[i] && a.h === p.h[i] && a.l === p.l[i] && a.c === p.c[i] && a.v === p.v[i];
  let overlapping = 0;
  let supersedesShipped = 0;
  const compare = (files: ReturnType<typeof listRecorded>, onDiff: (i: number, file: string, t: number) => void, onSame: () => void) => {
    if (files.length === 0) return;
    let series;
    try {
      series = loadFiles(files).series;
    } catch (err) {
      if (err instanceof RecordedDataError) throw new ImportError(`the existing ${symbol} ${timeframe} data cannot be read, fix or remove it first: ${err.message}`);
      throw err;
    }
    const at = new Map<number, number>();
    for (let j = 0; j < series.length; j++) at.set(series.time[j]!, j);
    for (let i = 0; i < n; i++) {
      const j = at.get(p.t[i]!);
      if (j === undefined) continue;
      if (same({ o: series.open[j]!, h: series.high[j]!, l: series.low[j]!, c: series.close[j]!, v: series.volume[j]! }, i)) onSame();
      else onDiff(i, files.map((f) => path.basename(f.file)).join(', '), p.t[i]!);
    }
  };
  const conflicts: { line: number; reason: string }[] = [];
  let conflictCount = 0;
  if (fs.existsSync(dir)) {
    const others = listRecorded(dir).filter((f) => f.symbol === symbol && f.timeframe === timeframe && f.file !== target);
    compare(
      others,
      (i, file, t) => {
        conflictCount++;
        if (conflicts.length < 20) conflicts.push({ line: p.line[i]!, reason: `the bar at ${iso(t)} differs from the one in ${file}` });
      },
      () => overlapping++,
    );
  }
  if (conflictCount > 0) throw new ImportError(`${conflictCount} row${conflictCount === 1 ? '' : 's'} disagree with the data dir's other ${symbol} ${timeframe} data, nothing imported: ${conflicts.slice(0, 5).map((b) => `line ${b.line}: ${b.reason}`).join('; ')}`, conflicts);
  const shippedDir = opts.shippedDir;
  if (shippedDir && fs.existsSync(shippedDir)) compare(listRecorded(shippedDir).filter((f) => f.symbol === symbol && f.timeframe === timeframe), () => supersedesShipped++, () => {});

  // Write: the whole file beside the target, then renamed over it.
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const out: string[] = [VIGIL_HEADER];
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    out.push(`${p.t[i]},${decStr(p.o[i]!)},${decStr(p.h[i]!)},${decStr(p.l[i]!)},${decStr(p.c[i]!)},${decStr(p.v[i]!)}`);
  }
  const tmp = `${target}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, out.join('\n') + '\n');
  fs.renameSync(tmp, target);
  const firstT = p.t[order[0]!]!;
  const lastT = p.t[order[n - 1]!]!;
  return {
    symbol,
    timeframe,
    timeframeInferred: inferred,
    file: target,
    replaced: exists,
    rows: n,
    from: firstT,
    to: lastT + tfMs,
    descending,
    header: p.header,
    columns: p.columns,
    gaps,
    missingBars,
    gapList,
    zeroVolumeBars,
    overlapping,
    supersedesShipped,
  };
}
