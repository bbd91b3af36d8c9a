import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { barAt, defaultMarketDataDir, listRecorded, loadColumns, loadRecorded, MarketDataError, parseCddTime } from './columns';

const dir = defaultMarketDataDir();

describe('recorded market data loader', () => {
  it('reads the newest-first Coinbase hourly file into ascending, de-duplicated columns with gaps reported', () => {
    const c = loadRecorded(dir, 'BTC-USD', '1h');
    expect(c.report.reordered).toBe(true);
    expect(c.report.rowsRead).toBe(16_863);
    expect(c.length).toBe(c.report.rowsRead - c.report.duplicates);
    for (let i = 1; i < c.length; i++) expect(c.time[i]! > c.time[i - 1]!).toBe(true);
    expect(c.time[0]).toBe(Date.UTC(2017, 6, 1, 11));
    expect(c.time[c.length - 1]).toBe(Date.UTC(2019, 5, 4, 1));
    // First/last rows as in the file (its last line is the oldest hour).
    expect(barAt(c, c.length - 1)).toMatchObject({ open: '7955.07', high: '8025', low: '7946.45', close: '8003.08', volume: '780.41' });
    // Gaps and duplicates add up: span = rows + missing - 1 hours.
    const spanHours = (c.time[c.length - 1]! - c.time[0]!) / 3_600_000;
    expect(c.length + c.report.missingBars - 1).toBe(spanHours);
    expect(c.report.gaps.every((g) => g.missing > 0 && g.before > g.after)).toBe(true);
  });

  it('merges the two Binance minute files (with and without header) into one contiguous day pair', () => {
    const eth = loadRecorded(dir, 'ETH-USDT', '1m');
    expect(eth.length).toBe(2880);
    expect(eth.report).toMatchObject({ duplicates: 0, missingBars: 0, reordered: false });
    expect(barAt(eth, 0)).toMatchObject({ time: 1660435200000, open: '1983.55', close: '1982.29', volume: '205.131' });
    const btc = loadRecorded(dir, 'BTC-USDT', '1m');
    expect(btc.length).toBe(2880);
    expect(btc.time[0]).toBe(1662336000000);
  });

  it('parses 12-hour clock strings', () => {
    expect(parseCddTime('2019-06-04 12-AM')).toBe(Date.UTC(2019, 5, 4, 0));
    expect(parseCddTime('2019-06-04 12-PM')).toBe(Date.UTC(2019, 5, 4, 12));
    expect(parseCddTime('2019-06-04 01-PM')).toBe(Date.UTC(2019, 5, 4, 13));
    expect(parseCddTime('2019-06-04')).toBe(Date.UTC(2019, 5, 4));
  });

  it('fails fast with file and line on a corrupt row, and reports duplicates', () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-md-'));
    const good = '1660435200000,10,11,9,10.5,1,0,0,0,0,0,0\n1660435260000,10,11,9,10.5,2,0,0,0,0,0,0\n1660435260000,99,99,99,99,9,0,0,0,0,0,0\n1660435440000,10,11,9,10,1,0,0,0,0,0,0\n';
    fs.writeFileSync(path.join(d, 'ABCUSDT-1m-2022-08-14.csv'), good);
    const c = loadRecorded(d, 'ABC-USDT', '1m');
    expect(c.length).toBe(3);
    expect(c.report.duplicates).toBe(1);
    expect(c.close[1]).toBe(10.5); // the first occurrence wins
    expect(c.report.gaps).toEqual([{ after: 1660435260000, before: 1660435440000, missing: 2 }]);
    fs.writeFileSync(path.join(d, 'ABCUSDT-1m-2022-08-15.csv'), '1660521600000,10,9,11,10,1,0,0,0,0,0,0\n');
    expect(() => loadColumns(listRecorded(d).filter((f) => f.symbol === 'ABC-USDT'))).toThrow(/ABCUSDT-1m-2022-08-15.csv line 1: inconsistent candle/);
    fs.writeFileSync(path.join(d, 'ABCUSDT-1m-2022-08-15.csv'), '1660521600000,10,abc,9,10,1\n');
    expect(() => loadRecorded(d, 'ABC-USDT', '1m')).toThrow(MarketDataError);
    fs.rmSync(d, { recursive: true, force: true });
  });
});
