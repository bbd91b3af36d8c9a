import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine } from '../../backtest/engine';
import { buildResult, prepare } from '../../backtest/runner';
import { BacktestSpecSchema } from '../../backtest/spec';
import { barAt, defaultMarketDataDir, loadRecorded } from './columns';
import { listDatasets, marketDirs, userMarketDir } from './datasets';
import { ImportError, importCsv, parseTimeCell } from './import';

const HOUR = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);
const temps: string[] = [];
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-import-'));
  temps.push(d);
  return d;
}
afterEach(() => {
  for (const d of temps.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function csv(lines: string[]): string {
  const f = path.join(tmp(), 'in.csv');
  fs.writeFileSync(f, lines.join('\n') + '\n');
  return f;
}
/** An hourly row `time,open,high,low,close,volume` with time in unix seconds. */
const row = (i: number, c = 100 + i, t = T0 + i * HOUR) => `${t / 1000},${c},${c + 1},${c - 1},${c + 0.5},${10 + i}`;

/** importCsv refuses with an ImportError naming `line` and matching `msg`, and writes nothing. */
function refuses(lines: string[], line: number, msg: RegExp, opts: { timeframe?: '1h'; refuseGaps?: boolean } = {}): ImportError {
  const dataDir = tmp();
  let err: unknown;
  try {
    importCsv(dataDir, { file: csv(lines), symbol: 'ABC-USD', ...opts });
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ImportError);
  const e = err as ImportError;
  expect(e.message).toMatch(msg);
  expect(e.rows.map((r) => r.line)).toContain(line);
  expect(e.message).toContain(`line ${line}`);
  expect(fs.existsSync(userMarketDir(dataDir)) ? fs.readdirSync(userMarketDir(dataDir)) : []).toEqual([]);
  return e;
}

describe('importing candles from CSV', () => {
  it('reads time formats: epoch s/ms/µs, ISO with and without a zone, the 12-hour clock', () => {
    expect(parseTimeCell('1704067200')).toBe(T0);
    expect(parseTimeCell('1704067200000')).toBe(T0);
    expect(parseTimeCell('1704067200000000')).toBe(T0);
    expect(parseTimeCell('2024-01-01')).toBe(T0);
    expect(parseTimeCell('2024-01-01 00:00:00')).toBe(T0);
    expect(parseTimeCell('2024-01-01T02:00:00+02:00')).toBe(T0);
    expect(parseTimeCell('"2024-01-01T00:00:00.000Z"')).toBe(T0);
    expect(parseTimeCell('2024-01-01 12-AM')).toBe(T0);
    for (const bad of ['2024-02-30', '2024-01-01 25:00', 'yesterday', '', '1.5e9']) expect(parseTimeCell(bad)).toBeNaN();
  });

  it('imports a headed, newest-first file: timeframe inferred, rows reversed, the loader reads the same bars', () => {
    const dataDir = tmp();
    const lines = ['Time,Open,High,Low,Close,Volume,Extra', ...[0, 1, 2, 3, 4].map((i) => `${row(i)},x`).reverse()];
    const r = importCsv(dataDir, { file: csv(lines), symbol: 'abc-usd' });
    expect(r).toMatchObject({ symbol: 'ABC-USD', timeframe: '1h', timeframeInferred: true, rows: 5, from: T0, to: T0 + 5 * HOUR, descending: true, header: true, gaps: 0, replaced: false });
    expect(r.columns).toEqual({ time: 'Time', open: 'Open', high: 'High', low: 'Low', close: 'Close', volume: 'Volume' });
    expect(path.basename(r.file)).toBe('ABC-USD_1h_import.csv');
    const c = loadRecorded(userMarketDir(dataDir), 'ABC-USD', '1h');
    expect(Array.from(c.time)).toEqual([0, 1, 2, 3, 4].map((i) => T0 + i * HOUR));
    expect(barAt(c, 2)).toMatchObject({ open: '102', high: '103', low: '101', close: '102.5', volume: '12' });
    const [d] = listDatasets(dataDir, tmp());
    expect(d).toMatchObject({ symbol: 'ABC-USD', timeframe: '1h', location: 'data dir', sources: ['import'], bars: 5, from: T0, to: T0 + 5 * HOUR, gaps: 0, error: null });
  });

  it('imports a file without a header (time,open,high,low,close,volume), semicolons too', () => {
    const dataDir = tmp();
    const r = importCsv(dataDir, { file: csv([0, 1, 2].map((i) => row(i).replaceAll(',', ';'))), symbol: 'ABC-USD', timeframe: '1h', name: 'mine' });
    expect(r).toMatchObject({ header: false, rows: 3, timeframeInferred: false });
    expect(path.basename(r.file)).toBe('ABC-USD_1h_import-mine.csv');
  });

  it('reports gaps with the row after each; refuses them only when asked', () => {
    const dataDir = tmp();
    const lines = ['time,open,high,low,close,volume', row(0), row(1), row(4), row(5), row(9)];
    const r = importCsv(dataDir, { file: csv(lines), symbol: 'ABC-USD', timeframe: '1h' });
    expect(r).toMatchObject({ gaps: 2, missingBars: 5 });
    expect(r.gapList).toEqual([
      { after: T0 + HOUR, before: T0 + 4 * HOUR, missing: 2, line: 4 },
      { after: T0 + 5 * HOUR, before: T0 + 9 * HOUR, missing: 3, line: 6 },
    ]);
    expect(listDatasets(dataDir, tmp())[0]).toMatchObject({ gaps: 2, missingBars: 5, largestGap: { missing: 3 } });
    refuses(lines, 4, /2 gaps \(5 missing 1h bars\), nothing imported/, { timeframe: '1h', refuseGaps: true });
  });

  it('refuses bad numbers, broken candles, repeated and out-of-order times and off-grid times, naming the rows', () => {
    const head = 'time,open,high,low,close,volume';
    refuses([head, row(0), `${T0 / 1000 + 3600},abc,2,1,1,1`, row(2)], 3, /open is not a number: "abc"/);
    refuses([head, row(0), row(1), `${T0 / 1000 + 7200},100,101,99,NaN,1`], 4, /close is not a number: "NaN"/);
    refuses([head, row(0), `${T0 / 1000 + 3600},100,101,99,100,`], 3, /volume is not a number/);
    refuses([head, row(0), `${T0 / 1000 + 3600},0,1,0,1,1`], 3, /prices must be positive/);
    refuses([head, row(0), `${T0 / 1000 + 3600},100,99,98,100,1`], 3, /high 99 is below max\(open 100, close 100\)/);
    refuses([head, row(0), `${T0 / 1000 + 3600},100,101,99,100,-1`], 3, /negative volume -1/);
    refuses([head, row(0), `yesterday,100,101,99,100,1`], 3, /unreadable time "yesterday"/);
    refuses([head, row(0), '1,2,3'], 3, /expected at least 6 columns/);
    refuses([head, row(0), row(1), row(1), row(2)], 4, /repeats the time 2024-01-01T01:00:00.000Z of line 3/);
    refuses([head, row(0), row(2), row(1), row(3)], 4, /time 2024-01-01T01:00:00.000Z is before line 3's 2024-01-01T02:00:00.000Z: rows must be in time order/);
    refuses([head, row(0), row(1), row(2, 102, T0 + 2 * HOUR + 60_000)], 4, /not on a 1h boundary/, { timeframe: '1h' });
    // Every refused row is listed (up to 20), not only the first.
    const e = refuses([head, row(0), `${T0 / 1000 + 3600},x,1,1,1,1`, row(2), `${T0 / 1000 + 3 * 3600},1,1,1,y,1`], 3, /2 rows refused/);
    expect(e.rows.map((r) => r.line)).toEqual([3, 5]);
    expect(() => importCsv(tmp(), { file: csv(['when,open,high,low,close,volume', row(0)]), symbol: 'ABC-USD' })).toThrow(/the header has no time column/);
    expect(() => importCsv(tmp(), { file: csv([row(0), row(1)]), symbol: 'not a symbol' })).toThrow(/symbol must be a product id/);
    expect(() => importCsv(tmp(), { file: '/nonexistent/x.csv', symbol: 'ABC-USD' })).toThrow(/no such file/);
    expect(() => importCsv(tmp(), { file: csv([row(0), row(1, 101, T0 + 7 * 60_000)]), symbol: 'ABC-USD' })).toThrow(/smallest spacing between rows is 7 minutes/);
  });

  it('refuses to overwrite a dataset unless asked, and data that disagrees with another data-dir dataset of the series', () => {
    const dataDir = tmp();
    const f = csv([row(0), row(1), row(2)]);
    importCsv(dataDir, { file: f, symbol: 'ABC-USD' });
    expect(() => importCsv(dataDir, { file: f, symbol: 'ABC-USD' })).toThrow(/ABC-USD_1h_import.csv exists already/);
    expect(importCsv(dataDir, { file: f, symbol: 'ABC-USD', replace: true }).replaced).toBe(true);
    // Another source of the same series: equal bars overlap, different ones are refused.
    expect(importCsv(dataDir, { file: csv([row(2), row(3)]), symbol: 'ABC-USD', name: 'more' }).overlapping).toBe(1);
    const e = (() => {
      try {
        importCsv(dataDir, { file: csv([row(3, 300), row(4)]), symbol: 'ABC-USD', name: 'other' });
      } catch (x) {
        return x as ImportError;
      }
      return null;
    })();
    expect(e).toBeInstanceOf(ImportError);
    expect(e!.message).toMatch(/line 1: the bar at 2024-01-01T03:00:00.000Z differs from the one in ABC-USD_1h_import-more.csv/);
  });
});

describe('backtests on imported data', () => {
  const shipped = defaultMarketDataDir();
  const spec = BacktestSpecSchema.parse({ strategy: 'sma_cross', symbols: ['BTC-USD'], timeframe: '4h', from: '2018-01-01', to: '2019-01-01', params: { fast: 10, slow: 30 } });
  const run = (dirs: string | string[]) => {
    const p = prepare(spec, dirs);
    const e = createEngine(p.cfg, p.series);
    while (e.run(1_000_000) > 0);
    return buildResult(spec, p, e.state(), { id: 'bt_test00', createdAt: 0, finishedAt: 0 });
  };

  it('give the same result as the shipped file for the same bars', () => {
    // The shipped 2018 hours, written out as a user would have them: ISO times, oldest first.
    const c = loadRecorded(shipped, 'BTC-USD', '1h', { from: Date.UTC(2017, 11, 1), to: Date.UTC(2019, 1, 1) });
    const lines = ['date,open,high,low,close,volume'];
    for (let i = 0; i < c.length; i++) {
      const b = barAt(c, i);
      lines.push(`${new Date(b.time).toISOString()},${b.open},${b.high},${b.low},${b.close},${b.volume}`);
    }
    const dataDir = tmp();
    const r = importCsv(dataDir, { file: csv(lines), symbol: 'BTC-USD', shippedDir: shipped });
    expect(r).toMatchObject({ timeframe: '1h', rows: c.length, supersedesShipped: 0 });
    const fromShipped = run(shipped);
    const fromImport = run(userMarketDir(dataDir));
    const both = run(marketDirs(dataDir, shipped));
    expect(fromShipped.summary.trades).toBeGreaterThan(5);
    for (const x of [fromImport, both]) {
      expect(x.final).toEqual(fromShipped.final);
      expect(x.trades).toEqual(fromShipped.trades);
      expect(x.performance).toEqual(fromShipped.performance);
      expect(x.summary.bars).toBe(fromShipped.summary.bars);
    }
    expect(fromImport.data[0]!.files).toEqual(['BTC-USD_1h_import.csv']);
  });

  it('the data dir wins where its bars differ from the shipped recording', () => {
    const dataDir = tmp();
    const t = Date.UTC(2018, 5, 1, 12);
    const r = importCsv(dataDir, { file: csv([`${new Date(t).toISOString()},1,2,0.5,1.5,3`, `${new Date(t + HOUR).toISOString()},1.5,2,1,1,4`]), symbol: 'BTC-USD', shippedDir: shipped });
    expect(r.supersedesShipped).toBe(2);
    const c = loadRecorded(marketDirs(dataDir, shipped), 'BTC-USD', '1h', { from: t, to: t + 2 * HOUR });
    expect([barAt(c, 0).close, barAt(c, 1).close]).toEqual(['1.5', '1']);
    expect(c.report.superseded).toBe(2);
    expect(loadRecorded(marketDirs(dataDir, shipped), 'BTC-USD', '1h').report.rows).toBe(16_863);
  });
});
