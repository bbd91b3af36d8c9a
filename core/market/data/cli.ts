/**
 * `vigil data list|import|download`: the datasets backtests read. All three run in process on
 * `<dataDir>/market` (no cockpit needed); a download talks to Coinbase's public market data
 * (COINBASE_REST_URL) with a progress bar on a terminal, and resumes where an earlier one stopped.
 */
import { z } from 'zod';
import { MarketDataError, CoinbaseMarketRest } from '../coinbase/rest';
import { listDatasets, userMarketDir, type Dataset } from './datasets';
import { DownloadError, downloadCandles, type DownloadProgress } from './download';
import { DOWNLOAD_TIMEFRAMES } from '../coinbase/schemas';
import { ImportError, importCsv, type ImportResult } from './import';
import { defaultMarketDataDir } from './columns';
import { TimeframeSchema } from '../../domain/market';
import { command, CliError, EXIT, type CliCommand } from '../../cli/registry';

const day = (t: number | null) => (t === null ? '-' : new Date(t).toISOString().slice(0, 16).replace('T', ' '));
const n = (x: number) => x.toLocaleString('en-US');
const count = (x: number, one: string, many = `${one}s`) => `${n(x)} ${x === 1 ? one : many}`;

/** One line per dataset: what a backtest can read. */
export function datasetLine(d: Dataset): string {
  const where = d.location === 'shipped' ? 'shipped ' : 'data dir';
  const gaps = d.gaps ? `${count(d.gaps, 'gap')} (${count(d.missingBars, 'bar')} missing${d.gaps > 1 && d.largestGap ? `, largest ${n(d.largestGap.missing)} after ${day(d.largestGap.after)}` : d.largestGap ? ` after ${day(d.largestGap.after)}` : ''})` : 'no gaps';
  if (d.error) return `${d.symbol.padEnd(12)} ${d.timeframe.padEnd(3)} ${where}  ERROR ${d.error}`;
  return `${d.symbol.padEnd(12)} ${d.timeframe.padEnd(3)} ${where}  ${day(d.from)} .. ${day(d.to)}  ${n(d.bars).padStart(9)} bars  ${gaps}  [${d.sources.join(', ')}]`;
}

export function importLines(r: ImportResult): string[] {
  const out = [
    `imported ${n(r.rows)} ${r.timeframe} bars of ${r.symbol} (${day(r.from)} .. ${day(r.to)})${r.replaced ? ', replacing the dataset' : ''} into ${r.file}`,
    `  columns: time=${r.columns.time} open=${r.columns.open} high=${r.columns.high} low=${r.columns.low} close=${r.columns.close} volume=${r.columns.volume}${r.timeframeInferred ? `; timeframe ${r.timeframe} from the rows' spacing` : ''}${r.descending ? '; newest first in the file (reversed)' : ''}`,
  ];
  if (r.gaps) out.push(`  ${count(r.gaps, 'gap')}, ${count(r.missingBars, 'bar')} missing; first: ${r.gapList.slice(0, 3).map((g) => `line ${g.line} (${n(g.missing)} after ${day(g.after)})`).join(', ')}`);
  else out.push('  no gaps');
  if (r.zeroVolumeBars) out.push(`  ${n(r.zeroVolumeBars)} bars with zero volume`);
  if (r.overlapping) out.push(`  ${n(r.overlapping)} bars also in another data-dir dataset of the series (identical)`);
  if (r.supersedesShipped) out.push(`  ${n(r.supersedesShipped)} bars differ from the shipped recording: backtests use these`);
  return out;
}

export function progressBar(p: DownloadProgress): string {
  const w = 30;
  const f = p.pagesTotal > 0 ? p.pagesDone / p.pagesTotal : 1;
  return `[${'#'.repeat(Math.round(f * w)).padEnd(w, '.')}] ${(f * 100).toFixed(0).padStart(3)}% ${p.pagesDone}/${p.pagesTotal} pages, ${n(p.added)} candles added, ${n(p.rows)} in the file`;
}

const list = command({
  name: 'data list',
  summary: 'The candle datasets backtests can read: shipped and in the data dir, with range, bars and gaps.',
  help: [
    'Lists every series: symbol, timeframe, where (the data dir or shipped with Vigil), first and',
    'last bar (UTC), bar count, gaps (runs of missing bars) and the source (coinbase, import, …).',
    'A dataset in the data dir wins over the shipped file where both have a bar.',
    'Runs without a cockpit. Exit codes: 0 ok · 1 failed.',
  ].join('\n'),
  flags: {},
  schema: z.object({}),
  async run(_a, ctx) {
    const datasets = listDatasets(ctx.dataDir, defaultMarketDataDir());
    if (ctx.json) {
      ctx.io.out(JSON.stringify({ dataDir: userMarketDir(ctx.dataDir), datasets }));
      return EXIT.ok;
    }
    ctx.io.out(`datasets (data dir: ${userMarketDir(ctx.dataDir)})`);
    for (const d of datasets) ctx.io.out(`  ${datasetLine(d)}`);
    return datasets.some((d) => d.error) ? EXIT.failed : EXIT.ok;
  },
});

const ImportFlags = z.object({
  file: z.string({ error: 'give the CSV file to import: vigil data import <file> --symbol BTC-USD' }).min(1),
  symbol: z.string({ error: '--symbol is required: the product id to store the bars under, e.g. BTC-USD' }),
  timeframe: TimeframeSchema.optional(),
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,30}$/, '--name must be lower-case letters, digits and dashes').optional(),
  replace: z.boolean().optional(),
  'refuse-gaps': z.boolean().optional(),
});

const importCmd = command({
  name: 'data import',
  summary: 'Import candles from a CSV file as a dataset of the symbol you name.',
  positionals: ['file'],
  help: [
    'Columns: time, open, high, low, close, volume — in any order with a header (time may be',
    'called timestamp, date, datetime or open_time; volume vol or "volume <unit>"), or in that',
    'order without one (Binance klines). Time: epoch seconds, ms or µs, or ISO 8601 (UTC unless',
    'it has an offset), or "2019-06-04 01-AM". Comma, semicolon or tab separated. Oldest or newest',
    'first. --timeframe 1m|5m|15m|1h|4h|1d, else the smallest spacing between rows.',
    '',
    'Every row is checked; one bad row refuses the whole file and nothing is written: numbers',
    'that are not plain decimals (NaN, empty, text), non-positive prices, high below open/close,',
    'low above them, negative volume, a repeated time, a time out of order, a time off the',
    'timeframe grid. The message names the rows (file line numbers). Gaps are reported with the',
    'row after each; --refuse-gaps refuses them. Bars that disagree with another dataset of the',
    'series in the data dir are refused; the data dir wins over the shipped files.',
    '',
    'Writes <data dir>/market/<SYMBOL>_<tf>_import[-<name>].csv; --replace overwrites it.',
    'Example: vigil data import ~/btc-2023.csv --symbol BTC-USD --timeframe 1h',
    'Runs without a cockpit. Exit codes: 0 imported · 1 refused (rows named) · 2 bad arguments.',
  ].join('\n'),
  flags: { symbol: { type: 'string' }, timeframe: { type: 'string' }, name: { type: 'string' }, replace: { type: 'boolean' }, 'refuse-gaps': { type: 'boolean' } },
  schema: ImportFlags,
  async run(a, ctx) {
    let r: ImportResult;
    try {
      r = importCsv(ctx.dataDir, { file: a.file, symbol: a.symbol, timeframe: a.timeframe, name: a.name, replace: a.replace, refuseGaps: a['refuse-gaps'], shippedDir: defaultMarketDataDir() });
    } catch (err) {
      if (!(err instanceof ImportError)) throw err;
      if (ctx.json) ctx.io.out(JSON.stringify({ ok: false, error: err.message, rows: err.rows }));
      ctx.io.err(`vigil data import: ${err.message}`);
      for (const row of err.rows.slice(5)) ctx.io.err(`  line ${row.line}: ${row.reason}`);
      return EXIT.failed;
    }
    if (ctx.json) ctx.io.out(JSON.stringify(r));
    else for (const l of importLines(r)) ctx.io.out(l);
    return EXIT.ok;
  },
});

const when = (flag: string) =>
  z.string().transform((v, c) => {
    const ms = /^\d+$/.test(v) ? Number(v) : Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v);
    if (!Number.isFinite(ms)) {
      c.addIssue({ code: 'custom', message: `${flag} must be a date like 2024-01-01 (UTC) or epoch ms` });
      return z.NEVER;
    }
    return ms;
  });

const DownloadFlags = z.object({
  symbol: z.string({ error: '--symbol is required, e.g. BTC-USD' }),
  timeframe: z.enum(DOWNLOAD_TIMEFRAMES, { error: '--timeframe must be one of 1m, 5m, 15m, 1h, 1d (Coinbase has no 4h candles; 1h serves 4h backtests)' }),
  from: when('--from'),
  to: when('--to').optional(),
});

const download = command({
  name: 'data download',
  summary: "Download candle history from Coinbase's public market data into the data dir (resumable).",
  help: [
    'Pages of 300 candles (the exchange serves at most 350 a request), spaced to its public rate',
    'limit, 429s and 5xx retried. Each page is written and recorded before the next, so Ctrl-C or',
    'a crash loses nothing: the same command again continues where it stopped, and asking for a',
    'range already downloaded sends no request. A minute without trades has no candle on Coinbase:',
    'such gaps are real and stay gaps. Only closed bars are kept (--to is clipped to now).',
    '',
    'Writes <data dir>/market/<SYMBOL>_<tf>_coinbase.csv (and a .json of the ranges fetched).',
    'Example: vigil data download --symbol ETH-USD --timeframe 1h --from 2024-01-01 --to 2025-01-01',
    'Runs without a cockpit. Exit codes: 0 complete · 1 failed or interrupted (run again to resume)',
    '· 2 bad arguments · 4 the exchange cannot be reached.',
  ].join('\n'),
  flags: { symbol: { type: 'string' }, timeframe: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' } },
  schema: DownloadFlags,
  async run(a, ctx) {
    const rest = new CoinbaseMarketRest({ baseUrl: ctx.config.COINBASE_REST_URL });
    const abort = new AbortController();
    const onSigint = () => abort.abort();
    process.once('SIGINT', onSigint);
    const tty = ctx.io.interactive && !ctx.json;
    try {
      const r = await downloadCandles(ctx.dataDir, rest, { symbol: a.symbol, timeframe: a.timeframe, from: a.from, to: a.to ?? Date.now() }, {
        signal: abort.signal,
        onProgress: (p) => {
          if (tty) process.stderr.write(`\r${progressBar(p)}`);
        },
      });
      if (tty) process.stderr.write('\n');
      if (ctx.json) ctx.io.out(JSON.stringify(r));
      else {
        ctx.io.out(`${r.symbol} ${r.timeframe} ${day(r.from)} .. ${day(r.to)}: ${r.requests} requests, ${n(r.added)} candles added, ${n(r.rows)} in ${r.file}`);
        if (r.requests === 0) ctx.io.out('  every page of the range was already downloaded');
      }
      return EXIT.ok;
    } catch (err) {
      if (tty) process.stderr.write('\n');
      if (err instanceof DownloadError) {
        const unreachable = err.kind === 'exchange' && err.retryable && /network|fetch failed|ECONNREFUSED|ENOTFOUND/i.test(err.message);
        throw new CliError(err.kind === 'invalid' ? EXIT.usage : unreachable ? EXIT.unavailable : EXIT.failed, err.message);
      }
      if (err instanceof MarketDataError) throw new CliError(EXIT.failed, err.message);
      throw err;
    } finally {
      process.off('SIGINT', onSigint);
    }
  },
});

export const dataCommands: CliCommand[] = [list, importCmd, download];
