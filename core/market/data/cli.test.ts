/**
 * `vigil data list|import|download` end to end through `main` (argument parsing, validation, exit
 * codes), on a real data dir and the local fake exchange; no cockpit running.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeCoinbaseMarket } from '../../testing/fake-coinbase-market/server';
import { barAt, defaultMarketDataDir, loadRecorded } from './columns';
import type { Dataset } from './datasets';
import { main } from '../../cli/main';
import type { CliIO } from '../../cli/registry';

let fake: FakeCoinbaseMarket;
let dir: string;
let saved: string | undefined;
let restUrl: string;
const FROM = Date.UTC(2018, 0, 1);

function io() {
  const out: string[] = [];
  const err: string[] = [];
  const cli: CliIO = { out: (t) => out.push(t), err: (t) => err.push(t), interactive: false, ask: async () => '' };
  return { cli, out, err, text: () => out.join('\n'), errText: () => err.join('\n') };
}
async function vigil(args: string[]) {
  const o = io();
  const code = await main([...args, '--data-dir', dir], o.cli);
  return { code, ...o };
}

beforeAll(async () => {
  saved = process.env.COINBASE_REST_URL;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-cli-data-'));
  fake = new FakeCoinbaseMarket({ products: [{ id: 'BTC-USD', price: '10000' }], maxRps: 1000 });
  restUrl = (await fake.start()).restUrl;
  const c = loadRecorded(defaultMarketDataDir(), 'BTC-USD', '1h', { from: FROM, to: FROM + 700 * 3_600_000 });
  fake.setCandles('BTC-USD', Array.from({ length: c.length }, (_, i) => barAt(c, i)));
  process.env.COINBASE_REST_URL = restUrl;
});
afterAll(async () => {
  if (saved === undefined) delete process.env.COINBASE_REST_URL;
  else process.env.COINBASE_REST_URL = saved;
  await fake.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('vigil data', () => {
  it('explains itself', async () => {
    for (const cmd of ['list', 'import', 'download']) {
      const r = await vigil(['data', cmd, '--help']);
      expect(r.code).toBe(0);
      expect(r.text()).toMatch(/Exit codes/);
    }
  });

  it('lists the shipped datasets with ranges and gaps', async () => {
    const r = await vigil(['data', 'list']);
    expect(r.code).toBe(0);
    expect(r.text()).toMatch(/BTC-USD\s+1h\s+shipped\s+2017-07-01 11:00 \.\. 2019-06-04 02:00\s+16,863 bars/);
    const j = await vigil(['data', 'list', '--json']);
    const { datasets } = JSON.parse(j.text()) as { datasets: Dataset[] };
    expect(datasets.find((d) => d.symbol === 'ETH-USDT' && d.timeframe === '1m')).toMatchObject({ location: 'shipped', bars: 2880, gaps: 0 });
  });

  it('imports a file, refuses a bad one with its rows and exit 1, and bad arguments with exit 2', async () => {
    const good = path.join(dir, 'good.csv');
    fs.writeFileSync(good, 'timestamp,open,high,low,close,volume\n1704067200,1,2,0.5,1.5,10\n1704070800,1.5,2,1,1.8,11\n1704078000,1.8,2.5,1.7,2,9\n');
    const r = await vigil(['data', 'import', good, '--symbol', 'MYCOIN-USD']);
    expect(r.code, r.errText()).toBe(0);
    expect(r.text()).toMatch(/imported 3 1h bars of MYCOIN-USD/);
    expect(r.text()).toMatch(/1 gap, 1 bar missing; first: line 4/);
    const listed = await vigil(['data', 'list']);
    expect(listed.text()).toMatch(/MYCOIN-USD\s+1h\s+data dir\s+2024-01-01 00:00 \.\. 2024-01-01 04:00\s+3 bars\s+1 gap \(1 bar missing after 2024-01-01 01:00\)/);

    const bad = path.join(dir, 'bad.csv');
    fs.writeFileSync(bad, 'timestamp,open,high,low,close,volume\n1704067200,1,2,0.5,1.5,10\n1704070800,1.5,abc,1,1.8,11\n1704070800,1.5,2,1,1.8,11\n');
    const b = await vigil(['data', 'import', bad, '--symbol', 'OTHER-USD', '--timeframe', '1h']);
    expect(b.code).toBe(1);
    expect(b.errText()).toMatch(/line 3: high is not a number: "abc"/);
    expect((await vigil(['data', 'list'])).text()).not.toMatch(/OTHER-USD/);

    expect((await vigil(['data', 'import', good])).code).toBe(2);
    expect((await vigil(['data', 'import', good, '--symbol', 'X-USD', '--timeframe', '2h'])).code).toBe(2);
  });

  it('downloads from the exchange, resumes, and says when it cannot reach it', async () => {
    const args = ['data', 'download', '--symbol', 'BTC-USD', '--timeframe', '1h', '--from', '2018-01-01', '--to', '2018-01-20'];
    const r = await vigil([...args, '--json']);
    expect(r.code, r.errText()).toBe(0);
    expect(JSON.parse(r.text())).toMatchObject({ done: true, pagesTotal: 2, requests: 2, added: 456, rows: 456 });
    const again = await vigil(args);
    expect(again.code).toBe(0);
    expect(again.text()).toMatch(/0 requests, 0 candles added, 456 in .*BTC-USD_1h_coinbase\.csv/);
    expect((await vigil(['data', 'download', '--symbol', 'BTC-USD', '--timeframe', '4h', '--from', '2018-01-01'])).code).toBe(2);
    process.env.COINBASE_REST_URL = 'http://127.0.0.1:9';
    try {
      const down = await vigil(['data', 'download', '--symbol', 'BTC-USD', '--timeframe', '1h', '--from', '2018-01-20', '--to', '2018-01-21']);
      expect(down.code, down.errText()).toBe(4);
      expect(down.errText()).toMatch(/run again to resume/);
    } finally {
      process.env.COINBASE_REST_URL = restUrl;
    }
  }, 60_000);
});
