/**
 * The market data verbs on a real dev server: a download as a workflow (the real Coinbase client
 * against the local fake exchange), its progress on the bus and by query, a worker killed in the
 * middle and the download finished by another without asking twice for a page; an upload and an
 * import through the verbs; and a backtest workflow that reads the downloaded dataset.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevServer, runWorker, waitFor, type RunningWorker, type TestServer } from '../../../tests/support/temporal';
import { createBacktestActivities } from '../../backtest/activities';
import { createDataActivities } from './activities';
import type { ActivityDeps } from '../../activities/deps';
import { EventBus } from '../../host/bus';
import { createBacktestHandlers } from '../../backtest/handlers';
import { createDataHandlers } from './handlers';
import type { HandlerDeps } from '../../host/handler-deps';
import { silentLogger } from '../../runtime/log';
import { WORKFLOW_IDS } from '../../domain/ids';
import { FakeCoinbaseMarket } from '../../testing/fake-coinbase-market/server';
import { BacktestSpecSchema } from '../../backtest/spec';
import { api } from '../../api/contract';
import { barAt, defaultMarketDataDir, loadRecorded } from './columns';
import { userMarketDir } from './datasets';

const HOUR = 3_600_000;
const FROM = Date.UTC(2018, 0, 1);
// From 2018 to the end of the recording (mid 2019).
const TO = Date.UTC(2019, 6, 1); // past the recording's end (2019-06-04): 44 pages of 300 hours
let env: TestServer;
let worker: RunningWorker | null = null;
let fake: FakeCoinbaseMarket;
let dataDir: string;
const bus = new EventBus();
const events: { pagesDone: number; state: string; symbol: string }[] = [];
let data: ReturnType<typeof createDataHandlers>;
let backtests: ReturnType<typeof createBacktestHandlers>;
let deps: ActivityDeps;
let stopping: Promise<void> | null = null;
const ctx = { door: 'test' as const, correlationId: 'it' };
const shipped = loadRecorded(defaultMarketDataDir(), 'ETH-USD', '1h', { from: FROM, to: TO });
const PAGES = Math.ceil((TO - FROM) / (300 * HOUR));

const taskQueue = `data-${process.pid}`;
async function startWorker(): Promise<RunningWorker> {
  return runWorker(env, { activities: { ...createDataActivities(deps), ...createBacktestActivities(deps) }, taskQueue, shutdownGraceTime: '1 second' });
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-data-'));
  bus.on('data.progress', (p) => {
    events.push(p);
    if (p.pagesDone === 3 && stopping === null) stopping = worker!.stop();
  });
  // 5 requests a second: a download of 10 pages takes seconds, long enough to stop a worker in it.
  fake = new FakeCoinbaseMarket({ products: [{ id: 'ETH-USD', price: '1000' }], maxRps: 5 });
  const { restUrl } = await fake.start();
  fake.setCandles('ETH-USD', Array.from({ length: shipped.length }, (_, i) => barAt(shipped, i)));
  env = await startDevServer();
  deps = { dataDir, bus, log: silentLogger, config: { COINBASE_REST_URL: restUrl } } as unknown as ActivityDeps;
  worker = await startWorker();
  const hdeps = { client: env.client, taskQueue, dataDir, config: {}, status: () => ({}) } as unknown as HandlerDeps;
  data = createDataHandlers(hdeps);
  backtests = createBacktestHandlers(hdeps);
});

afterAll(async () => {
  await worker?.stop();
  await env?.stop({ clean: true });
  await fake.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('market data verbs', () => {
  it('a download survives its worker: stopped after a few pages, finished by a new one, no page asked twice', async () => {
    const input = api.download_market_data.input.parse({ symbol: 'eth-usd', timeframe: '1h', from: '2018-01-01', to: '2019-07-01' });
    const started = await data.download_market_data(input, ctx);
    expect(started).toMatchObject({ workflowId: WORKFLOW_IDS.dataDownload('ETH-USD', '1h'), symbol: 'ETH-USD', from: FROM, to: TO, state: 'running' });
    // Asking again while it runs attaches to it; another range is refused.
    expect((await data.download_market_data(input, ctx)).state).toBe('running');
    await expect(data.download_market_data({ ...input, to: TO + HOUR }, ctx)).rejects.toThrow(/already running/);
    // The worker goes away right after the third page is recorded (the page in flight then ends the activity).
    await waitFor(() => stopping !== null, 60_000);
    await stopping;
    const stoppedAt = Math.max(...events.map((e) => e.pagesDone));
    expect(stoppedAt).toBeLessThan(PAGES);
    const requestsBefore = fake.stats.candleRequests;
    worker = await startWorker();
    const final = await env.client.workflow.getHandle(started.workflowId).result();
    expect(final.state).toBe('completed');
    const status = await data.get_market_data_download({ symbol: 'ETH-USD', timeframe: '1h' }, ctx);
    expect(status).toMatchObject({ state: 'completed', progress: { done: true, pagesDone: PAGES, pagesTotal: PAGES, rows: shipped.length } });
    // Only the pages not yet recorded were asked for after the restart (at most the one in flight again).
    expect(fake.stats.candleRequests - requestsBefore).toBeLessThanOrEqual(PAGES - stoppedAt + 1);
    expect(events.at(-1)).toMatchObject({ state: 'completed', symbol: 'ETH-USD' });
    const got = loadRecorded(userMarketDir(dataDir), 'ETH-USD', '1h');
    expect(got.report).toMatchObject({ rows: shipped.length, duplicates: 0, outOfOrder: 0 });
    const ds = (await data.list_market_data({}, ctx)).datasets.find((d) => d.location === 'data dir' && d.symbol === 'ETH-USD');
    expect(ds).toMatchObject({ timeframe: '1h', bars: shipped.length, from: FROM, to: shipped.time[shipped.length - 1]! + HOUR, downloaded: [[FROM, TO]] });
    expect(ds!.downloading ?? null).toBeNull();
  }, 180_000);

  it('a backtest through the workflow reads the downloaded dataset', async () => {
    const spec = BacktestSpecSchema.parse({ strategy: 'sma_cross', symbols: ['ETH-USD'], timeframe: '4h', from: '2018-01-01', to: '2019-07-01', params: { fast: 5, slow: 20 } });
    const { id } = await backtests.run_backtest(spec, ctx);
    await env.client.workflow.getHandle(WORKFLOW_IDS.backtest(id)).result();
    const r = await backtests.get_backtest_result({ id, full: true }, ctx);
    expect(r.status).toBe('completed');
    expect(r.result!.data[0]!.files).toEqual(['ETH-USD_1h_coinbase.csv', 'Coinbase_ETHUSD_1h.csv']);
    expect(r.result!.data[0]!.duplicates).toBe(shipped.length);
  }, 120_000);

  it('uploads in parts and imports; a path from an outside assistant is refused', async () => {
    const text = 'time,open,high,low,close,volume\n' + [0, 1, 2, 3].map((i) => `${new Date(FROM + i * 86_400_000).toISOString()},${10 + i},${11 + i},${9 + i},${10.5 + i},${100 * (i + 1)}`).join('\n') + '\n';
    const id = 'upload-test-0001';
    expect(await data.upload_market_data({ uploadId: id, offset: 0, text: text.slice(0, 50) }, ctx)).toEqual({ uploadId: id, received: 50 });
    // A part sent twice is harmless; a part from the wrong offset is refused.
    expect((await data.upload_market_data({ uploadId: id, offset: 0, text: text.slice(0, 50) }, ctx)).received).toBe(50);
    await expect(data.upload_market_data({ uploadId: id, offset: 70, text: 'x' }, ctx)).rejects.toThrow(/send the part at offset 50 next/);
    await data.upload_market_data({ uploadId: id, offset: 50, text: text.slice(50) }, ctx);
    const r = await data.import_market_data(api.import_market_data.input.parse({ symbol: 'TEST-USD', uploadId: id }), ctx);
    expect(r).toMatchObject({ symbol: 'TEST-USD', timeframe: '1d', rows: 4, gaps: 0 });
    await expect(data.import_market_data(api.import_market_data.input.parse({ symbol: 'TEST-USD', uploadId: id }), ctx)).rejects.toThrow(/no upload/);
    await expect(data.import_market_data(api.import_market_data.input.parse({ symbol: 'TEST-USD', path: '/etc/passwd' }), { ...ctx, door: 'mcp' })).rejects.toThrow(/importing by path is for the app and the CLI/);
    const bad = path.join(dataDir, 'bad.csv');
    fs.writeFileSync(bad, 'time,open,high,low,close,volume\n2024-01-01,1,2,1,1,1\n2024-01-01,1,2,1,1,1\n');
    await expect(data.import_market_data(api.import_market_data.input.parse({ symbol: 'BAD-USD', path: bad }), ctx)).rejects.toMatchObject({ code: 'rejected', issues: [{ path: 'line 3', message: expect.stringMatching(/repeats the time/) }] });
  });
});
