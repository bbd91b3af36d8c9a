import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resample } from '../../backtest/bars';
import { barAt, defaultMarketDataDir, listRecorded, loadRecorded, parseCddTime, parseDecimal, RecordedDataError } from './columns';

const dir = defaultMarketDataDir();
const HOUR = 3_600_000;
const MIN = 60_000;

// Temporary recordings: Binance rows are `open_time,open,high,low,close,volume,…`.
const T0 = 1660435200000; // 2022-08-14T00:00Z
const row = (i: number, o = 10, h = 11, l = 9, c = 10.5, v = 1): string => `${T0 + i * MIN},${o},${h},${l},${c},${v},0,0,0,0,0,0`;
const BIN = 'ABCUSDT-1m-2022-08-14.csv';
const BIN2 = 'ABCUSDT-1m-2022-08-15.csv';
const CDD = 'Coinbase_ABCUSD_1h.csv';
const CDD_HEAD = 'Timestamps are UTC timezone,https://www.CryptoDataDownload.com\nDate,Symbol,Open,High,Low,Close,Volume ABC,Volume USD\n';

const temps: string[] = [];
function recording(files: Record<string, string>): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-md-'));
  temps.push(d);
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(d, name), text);
  return d;
}
afterEach(() => {
  for (const d of temps.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** The load of `lines` as one Binance file fails with a RecordedDataError matching `msg`. */
function failsWith(lines: string[], msg: RegExp, file = BIN): void {
  const d = recording({ [file]: lines.join('\n') + '\n' });
  const load = (): unknown => loadRecorded(d, file.startsWith('Coinbase') ? 'ABC-USD' : 'ABC-USDT', file.startsWith('Coinbase') ? '1h' : '1m');
  expect(load).toThrow(RecordedDataError);
  expect(load).toThrow(msg);
}

describe('recorded market data: the files in resources/market', () => {
  it('reads the newest-first Coinbase hourly file ascending, sorts its out-of-order rows in and reports gaps', () => {
    const c = loadRecorded(dir, 'BTC-USD', '1h');
    expect(c.report).toMatchObject({ symbol: 'BTC-USD', files: ['Coinbase_BTCUSD_1h.csv'], sourceTimeframe: '1h', rowsRead: 16_863, rows: 16_863, bars: 16_863, duplicates: 0, reordered: true });
    // 2017-11-12 04-AM..08-AM sit among the hours five earlier (and repeat their values).
    expect(c.report.outOfOrder).toBe(5);
    expect(c.length).toBe(16_863);
    for (let i = 1; i < c.length; i++) expect(c.time[i]! > c.time[i - 1]!).toBe(true);
    expect(c.time[0]).toBe(Date.UTC(2017, 6, 1, 11));
    expect(c.time[c.length - 1]).toBe(Date.UTC(2019, 5, 4, 1));
    // The file's first line is the newest hour.
    expect(barAt(c, c.length - 1)).toMatchObject({ symbol: 'BTC-USD', timeframe: '1h', open: '7955.07', high: '8025', low: '7946.45', close: '8003.08', volume: '780.41' });
    expect(c.length + c.report.missingBars - 1).toBe((c.time[c.length - 1]! - c.time[0]!) / HOUR);
    expect(c.report.zeroVolumeBars).toBe(27);
  });

  it('reports the gap of the daily file: bars + missing - 1 = the span in days', () => {
    const c = loadRecorded(dir, 'BTC-USD', '1d');
    expect(c.report.sourceTimeframe).toBe('1d');
    expect(c.report.gaps.length).toBeGreaterThan(0);
    expect(c.report.gaps.every((g) => g.missing > 0 && g.before - g.after === (g.missing + 1) * 86_400_000)).toBe(true);
    expect(c.length + c.report.missingBars - 1).toBe((c.time[c.length - 1]! - c.time[0]!) / 86_400_000);
  });

  it('merges the two Binance minute files of a symbol (with and without header) into contiguous days', () => {
    const eth = loadRecorded(dir, 'ETH-USDT', '1m');
    expect(eth.length).toBe(2880);
    expect(eth.report).toMatchObject({ files: ['ETHUSDT-1m-2022-08-14.csv', 'ETHUSDT-1m-2022-08-15.csv'], duplicates: 0, missingBars: 0, gaps: [], reordered: false, outOfOrder: 0 });
    expect(barAt(eth, 0)).toMatchObject({ time: 1660435200000, open: '1983.55', close: '1982.29', volume: '205.131' });
    const btc = loadRecorded(dir, 'BTC-USDT', '1m');
    expect(btc.length).toBe(2880);
    expect(btc.time[0]).toBe(1662336000000);
    expect(btc.time[2879]! - btc.time[0]!).toBe(2879 * MIN);
  });

  it('lists the recordings by file name; USDT books are their own symbols', () => {
    const have = new Set(listRecorded(dir).map((f) => `${f.symbol} ${f.timeframe} ${f.format}`));
    expect(have).toEqual(new Set(['BTC-USD 1h cryptodatadownload', 'BTC-USD 1d cryptodatadownload', 'ETH-USD 1h cryptodatadownload', 'ETH-USD 1d cryptodatadownload', 'LTC-USD 1h cryptodatadownload', 'BTC-USDT 1m binance', 'ETH-USDT 1m binance']));
  });
});

describe('recorded market data: window and resampling', () => {
  it('resamples the coarsest recording that divides the timeframe and windows it on open time [from, to)', () => {
    const from = Date.UTC(2018, 0, 1);
    const to = Date.UTC(2018, 6, 1);
    const c = loadRecorded(dir, 'BTC-USD', '4h', { from, to });
    expect(c.timeframe).toBe('4h');
    expect(c.timeframeMs).toBe(4 * HOUR);
    expect(c.report.sourceTimeframe).toBe('1h');
    expect(c.report.rows).toBe(16_863); // the whole recording was read
    expect(c.report.bars).toBe(c.length);
    expect(c.time[0]).toBe(from);
    expect(c.time[c.length - 1]).toBe(to - 4 * HOUR);
    // Equal to resampling the hourly bars of the window by hand.
    const hourly = loadRecorded(dir, 'BTC-USD', '1h', { from, to });
    const byHand = resample(hourly, 4 * HOUR);
    expect(Array.from(c.close)).toEqual(Array.from(byHand.close));
    expect(c.high[0]).toBe(Math.max(...hourly.high.subarray(0, 4)));
    expect(c.volume[0]).toBe(hourly.volume.subarray(0, 4).reduce((a, b) => a + b, 0));
    // 1d is recorded: read as is, not resampled from 1h.
    expect(loadRecorded(dir, 'BTC-USD', '1d').report.sourceTimeframe).toBe('1d');
    expect(loadRecorded(dir, 'ETH-USDT', '5m').length).toBe(576);
  });

  it('refuses what it cannot serve, saying what is there', () => {
    expect(() => loadRecorded(dir, 'DOGE-USD', '1h')).toThrow(/no recorded data for DOGE-USD in .* \(available: BTC-USD, BTC-USDT, ETH-USD, ETH-USDT, LTC-USD\)/);
    expect(() => loadRecorded(dir, 'BTC-USD', '1m')).toThrow(/BTC-USD is recorded at 60 min, 1440 min: a 1 min series needs a recording at that timeframe or a divisor of it/);
    expect(() => loadRecorded(dir, 'BTC-USD', '4h', { resample: false })).toThrow(/no 240 min recording \(resampling is off\)/);
    expect(() => loadRecorded(dir, 'BTC-USD', '1h', { from: Date.UTC(2025, 0, 1) })).toThrow(/no BTC-USD bars in the requested range; the recording covers 2017-07-01T11:00:00.000Z to 2019-06-04T01:00:00.000Z/);
    expect(() => loadRecorded(dir, 'BTC-USD', '1h', { from: 10, to: 10 })).toThrow(/from .* must be before to/);
    expect(() => loadRecorded(dir, 'BTC-USD', '1h', { from: Number.NaN })).toThrow(/from must be a time in epoch ms/);
    expect(() => loadRecorded(dir, 'BTC-USD', '2h' as never)).toThrow(/unknown timeframe "2h"/);
    expect(() => loadRecorded(path.join(dir, 'nope'), 'BTC-USD', '1h')).toThrow(/market data directory not found/);
    expect(() => loadRecorded(dir, 'BTC-USD', '2h' as never)).toThrow(RecordedDataError);
  });
});

describe('recorded market data: validation rules, each with file:line', () => {
  it('header: optional for Binance (first line only), banner + header for CryptoDataDownload', () => {
    failsWith(['open_time,open,high,low,close,volume', row(0), 'open_time,open,high,low,close,volume'], /ABCUSDT-1m-2022-08-14\.csv:3: not a candle row: "open_time/);
    failsWith(['time,o,h,l,c,v', row(0)], /ABCUSDT-1m-2022-08-14\.csv:1: expected the header open_time,open,high,low,close,volume,… or a candle row, found "time,o,h,l,c,v"/);
    failsWith(['2019-06-04 01-AM,ABCUSD,10,11,9,10.5,1,10'], /Coinbase_ABCUSD_1h\.csv:1: a candle row before the header date,symbol,open,high,low,close/, CDD);
    // The newer CryptoDataDownload layout (a Unix timestamp column first) is refused, not misread.
    failsWith(['banner', 'Unix Timestamp,Date,Symbol,Open,High,Low,Close,Volume', '1559610000,2019-06-04 01-AM,ABCUSD,10,11,9,10.5,1'], /Coinbase_ABCUSD_1h\.csv:2: expected the header date,symbol,open,high,low,close/, CDD);
    const d = recording({ [CDD]: CDD_HEAD + '2019-06-04 01-AM,ABCUSD,10,11,9,10.5,1,10\r\n\r\n2019-06-04 12-AM,ABCUSD,10,11,9,10,2,20\r\n' });
    const c = loadRecorded(d, 'ABC-USD', '1h');
    expect(Array.from(c.time)).toEqual([Date.UTC(2019, 5, 4, 0), Date.UTC(2019, 5, 4, 1)]);
    expect(c.report).toMatchObject({ rowsRead: 2, rows: 2, reordered: true, outOfOrder: 0 });
  });

  it('fields: every row has the columns of its format', () => {
    failsWith([row(0), `${T0 + MIN},10,11,9`], /ABCUSDT-1m-2022-08-14\.csv:2: expected 6 fields \(open_time,open,high,low,close,volume\), found 4/);
    failsWith([CDD_HEAD.trim(), '2019-06-04 01-AM,ABCUSD,10,11,9,10.5'], /Coinbase_ABCUSD_1h\.csv:3: expected 7 fields/, CDD);
  });

  it('times: readable, on the timeframe boundary', () => {
    failsWith([row(0), `${T0 + MIN}x,10,11,9,10,1`], /\.csv:2: unreadable time "1660435260000x"/);
    failsWith([row(0), `${T0 + 30_000},10,11,9,10,1`], /\.csv:2: time 2022-08-14T00:00:30\.000Z is not on a 1m boundary/);
    failsWith([CDD_HEAD.trim(), '2019-06-04 13-PM,ABCUSD,10,11,9,10.5,1,10'], /Coinbase_ABCUSD_1h\.csv:3: unreadable time "2019-06-04 13-PM"/, CDD);
    failsWith([CDD_HEAD.trim(), '2019-02-29 01-AM,ABCUSD,10,11,9,10.5,1,10'], /:3: unreadable time "2019-02-29 01-AM"/, CDD);
  });

  it('prices: numbers, finite, positive', () => {
    failsWith([row(0), `${T0 + MIN},10,abc,9,10,1`], /\.csv:2: high is not a number: "abc"/);
    failsWith([row(0), `${T0 + MIN},10,11,9,10,`], /\.csv:2: volume is not a number: ""/);
    failsWith([row(0), `${T0 + MIN},10,1e400,9,10,1`], /\.csv:2: high is not a number: "1e400"/);
    failsWith([row(0), `${T0 + MIN},0x10,11,9,10,1`], /\.csv:2: open is not a number: "0x10"/);
    failsWith([row(0), row(1, 10, 11, 0, 10, 1)], /\.csv:2: prices must be positive \(o 10, h 11, l 0, c 10\)/);
    failsWith([row(0), row(1, -1, 11, 9, 10, 1)], /\.csv:2: prices must be positive/);
  });

  it('candle shape: high >= max(open, close), low <= min(open, close)', () => {
    failsWith([row(0), row(1, 10, 10.4, 9, 10.5)], /ABCUSDT-1m-2022-08-14\.csv:2: high 10\.4 is below max\(open 10, close 10\.5\)/);
    failsWith([row(0), row(1, 12, 11.5, 9, 10.5)], /\.csv:2: high 11\.5 is below max\(open 12, close 10\.5\)/);
    failsWith([row(0), row(1, 10, 11, 10.2, 10.5)], /\.csv:2: low 10\.2 is above min\(open 10, close 10\.5\)/);
    failsWith([row(0), row(1, 10, 9, 11, 10)], /\.csv:2: high 9 is below max\(open 10, close 10\)/);
  });

  it('volume: not negative (zero is counted)', () => {
    failsWith([row(0), row(1, 10, 11, 9, 10, -0.5)], /ABCUSDT-1m-2022-08-14\.csv:2: negative volume -0\.5/);
    const d = recording({ [BIN]: [row(0, 10, 11, 9, 10, 0), row(1)].join('\n') });
    expect(loadRecorded(d, 'ABC-USDT', '1m').report.zeroVolumeBars).toBe(1);
  });

  it('unique times: identical repeats are skipped and counted, differing ones refused naming both rows', () => {
    const d = recording({ [BIN]: [row(0), row(1), row(1), row(4)].join('\n') + '\n' });
    const c = loadRecorded(d, 'ABC-USDT', '1m');
    expect(c.length).toBe(3);
    expect(c.report).toMatchObject({ rowsRead: 4, rows: 3, duplicates: 1, missingBars: 2, gaps: [{ after: T0 + MIN, before: T0 + 4 * MIN, missing: 2 }] });
    failsWith([row(0), row(1), row(1, 99, 99, 99, 99, 9)], /ABCUSDT-1m-2022-08-14\.csv:3: repeats the time 2022-08-14T00:01:00\.000Z of .*ABCUSDT-1m-2022-08-14\.csv:2 with different values \(o 99, h 99, l 99, c 99, v 9 vs o 10, h 11, l 9, c 10\.5, v 1\)/);
    // Across files: overlapping days merge; a disagreement names both files.
    const d2 = recording({ [BIN]: [row(0), row(1), row(2)].join('\n'), [BIN2]: [row(2), row(3)].join('\n') });
    expect(loadRecorded(d2, 'ABC-USDT', '1m').report).toMatchObject({ rows: 4, duplicates: 1, reordered: false });
    const d3 = recording({ [BIN]: [row(0), row(1), row(2)].join('\n'), [BIN2]: [row(2, 10, 12, 9, 10), row(3)].join('\n') });
    expect(() => loadRecorded(d3, 'ABC-USDT', '1m')).toThrow(/ABCUSDT-1m-2022-08-15\.csv:1: repeats the time 2022-08-14T00:02:00\.000Z of .*ABCUSDT-1m-2022-08-14\.csv:3 with different values/);
  });

  it('ascending output: rows out of their file order are sorted in and counted, files in any order merged', () => {
    const d = recording({ [BIN]: [row(0), row(2), row(1), row(3)].join('\n'), [BIN2]: [row(5), row(4)].join('\n') });
    const c = loadRecorded(d, 'ABC-USDT', '1m');
    expect(Array.from(c.time)).toEqual([0, 1, 2, 3, 4, 5].map((i) => T0 + i * MIN));
    expect(c.report).toMatchObject({ rowsRead: 6, rows: 6, reordered: true, outOfOrder: 1, duplicates: 0, missingBars: 0 });
    const later = recording({ [BIN]: [row(10), row(11)].join('\n'), [BIN2]: [row(0), row(1)].join('\n') });
    expect(Array.from(loadRecorded(later, 'ABC-USDT', '1m').time)).toEqual([0, 1, 10, 11].map((i) => T0 + i * MIN));
  });

  it('an empty recording is refused', () => {
    const d = recording({ [BIN]: 'open_time,open,high,low,close,volume\n' });
    expect(() => loadRecorded(d, 'ABC-USDT', '1m')).toThrow(/no candle rows in ABCUSDT-1m-2022-08-14\.csv/);
  });
});

describe('recorded market data: parsing', () => {
  it('parses 12-hour clock strings (UTC), and nothing else', () => {
    expect(parseCddTime('2019-06-04 12-AM')).toBe(Date.UTC(2019, 5, 4, 0));
    expect(parseCddTime('2019-06-04 12-PM')).toBe(Date.UTC(2019, 5, 4, 12));
    expect(parseCddTime('2019-06-04 01-PM')).toBe(Date.UTC(2019, 5, 4, 13));
    expect(parseCddTime('2019-06-04')).toBe(Date.UTC(2019, 5, 4));
    expect(parseCddTime('2020-02-29')).toBe(Date.UTC(2020, 1, 29));
    for (const bad of ['2019-06-04 00-AM', '2019-06-04 13-PM', '2019-06-31', '2019-13-01', '2019-06-04 01-XM', '2019/06/04', '2019-06-04 01:00', '']) expect(parseCddTime(bad)).toBeNaN();
  });

  it('reads a decimal exactly as Number does, and refuses what is not one', () => {
    let seed = 42;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const digits = (n: number): string => Array.from({ length: n }, () => String(Math.floor(rnd() * 10))).join('');
    const differ: string[] = [];
    for (let k = 0; k < 50_000; k++) {
      const int = digits(1 + Math.floor(rnd() * 10));
      const s = rnd() < 0.2 ? int : `${int}.${digits(1 + Math.floor(rnd() * 12))}`;
      if (!Object.is(parseDecimal(s, 0, s.length), Number(s))) differ.push(s);
    }
    expect(differ).toEqual([]);
    for (const s of ['1983.55000000', '0.00000001', '123456789012345678', '1.5e3', '-2.5', '+7', '.5', '5.', ' 12 ', '1662336000000']) expect(parseDecimal(s, 0, s.length)).toBe(Number(s));
    // Inside a longer string: only [a, b) is read.
    expect(parseDecimal('x,1.25,y', 2, 6)).toBe(1.25);
    for (const s of ['', '.', 'abc', '0x10', '1,5', '1.2.3', 'NaN', 'Infinity', '1e', '--1']) expect(parseDecimal(s, 0, s.length)).toBeNaN();
  });
});
