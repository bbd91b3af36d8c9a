/**
 * A twin report from real parts: the market stream (backfilled by the real Coinbase client from
 * the local fake Coinbase, so its bars end at the current minute), the paper ledger workflow with
 * fills placed through its update, and the twin workflow replaying the session as a policy
 * backtest over the stream's own bars.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWorker, startDevServer, waitFor, type RunningWorker, type TestServer } from '../../tests/support/temporal';
import { createMarketActivities } from '../market/activities';
import { createPaperActivities } from '../paper/activities';
import type { Bar } from '../domain/market';
import { WORKFLOW_IDS } from '../domain/ids';
import { Dec } from '../domain/decimal';
import { EventBus } from '../host/bus';
import type { HandlerDeps } from '../host/handler-deps';
import { createMarketHandlers } from '../market/handlers';
import { barAt, defaultMarketDataDir, loadRecorded } from '../market/data/columns';
import { FeedManager } from '../market/feed-manager';
import { CoinbaseFeed } from '../market/feeds/coinbase';
import { loadConfig, type VigilConfig } from '../runtime/config';
import { silentLogger } from '../runtime/log';
import { FakeCoinbaseMarket } from '../testing/fake-coinbase-market/server';
import { barsSignal, executionLedgerWorkflow, placeOrderUpdate } from '../paper/paper-book.workflow';
import { marketBackfillProgressQuery, marketCandlesQuery } from '../market/market-stream.workflow';
import { createResearchActivities } from './activities';
import { createResearchHandlers } from './handlers';
import { TwinRequestSchema } from './types';

const MIN = 60_000;
const BACKFILL = 240;
let env: TestServer;
let w: RunningWorker;
let fake: FakeCoinbaseMarket;
let fm: FeedManager;
let research: ReturnType<typeof createResearchHandlers>;
let config: VigilConfig;
const bus = new EventBus();
const taskQueue = `twin-it-${process.pid}`;
const nowMin = Math.floor(Date.now() / MIN) * MIN;
const clockSkew = Date.now() - (nowMin + 1_000);
let bars: Bar[];
const ctx = { door: 'test' as const, correlationId: 'it' };

beforeAll(async () => {
  const cols = loadRecorded(defaultMarketDataDir(), 'BTC-USDT', '1m');
  const shift = nowMin - BACKFILL * MIN - cols.time[100]!;
  bars = Array.from({ length: BACKFILL }, (_, i) => barAt(cols, 100 + i, 'BTC-USD', shift));
  fake = new FakeCoinbaseMarket({ products: [{ id: 'BTC-USD', price: bars.at(-1)!.close }], heartbeatMs: 200, maxRps: 50 });
  fake.setCandles('BTC-USD', bars);
  const urls = await fake.start();
  env = await startDevServer();
  config = loadConfig({ EXECUTION_NUDGE_SECONDS: '60' });
  fm = new FeedManager({ config, bus, log: silentLogger, client: env.client, feeds: { coinbase: () => new CoinbaseFeed({ restUrl: urls.restUrl, wsUrl: urls.wsUrl, staleAfterMs: 2_000, backoffMs: { initial: 50, max: 500 } }) }, tickMs: 100, now: () => Date.now() - clockSkew });
  await fm.start();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-twin-'));
  w = await runWorker(env, {
    taskQueue,
    activities: { ...createMarketActivities({ bus, log: silentLogger, market: fm }), ...createPaperActivities({ bus, log: silentLogger }), ...createResearchActivities({ dataDir, config, client: env.client }) },
  });
  research = createResearchHandlers({ client: env.client, taskQueue, dataDir, config, status: () => ({}) } as unknown as HandlerDeps);
});

afterAll(async () => {
  await w?.stop();
  await fm?.stop();
  await env?.stop({ clean: true });
  await fake?.stop();
});

describe('twin report on a real dev server', () => {
  it('replays a paper session over the bars the market stream holds and pairs the fills', async () => {
    const market = createMarketHandlers({ client: env.client, config, taskQueue, dataDir: env.dir, status: () => ({}) } as unknown as HandlerDeps);
    await market.start_market_stream({ symbols: ['BTC-USD'], feed: 'coinbase', backfillMinutes: BACKFILL }, ctx);
    const stream = env.client.workflow.getHandle(WORKFLOW_IDS.marketStream);
    await waitFor(async () => (await stream.query(marketBackfillProgressQuery)).state === 'done', 60_000, 100);
    const held = await stream.query(marketCandlesQuery, 'BTC-USD', 5000);
    expect(held.length).toBe(BACKFILL);

    // The paper session: marks from the same bars, then orders through the ledger's update.
    const ledger = await env.client.workflow.start(executionLedgerWorkflow, { taskQueue, workflowId: WORKFLOW_IDS.paperBook('default'), args: [{ portfolioId: 'default', initialCash: '10000', notify: false }] });
    await ledger.signal(barsSignal, bars);
    const place = (side: 'buy' | 'sell', key: string, amount: { notional?: string; quantity?: string }) =>
      ledger.executeUpdate(placeOrderUpdate, { args: [{ symbol: 'BTC-USD', side, type: 'market', ...amount, idempotencyKey: key, agent: 'execution-agent', correlationId: key }] });
    expect((await place('buy', 'twin-test-buy-1', { notional: '1000' })).status).toBe('filled');
    expect((await place('sell', 'twin-test-sell-1', { quantity: '0.01' })).status).toBe('filled');

    // The aggressive policy trades these bars (the standard one waits for a stronger trend).
    const req = TwinRequestSchema.parse({ from: nowMin - BACKFILL * MIN, to: Date.now() + 1_000, strategy: 'policy', mode: 'aggressive', label: 'twin' });
    const { id } = await research.twin_report(req, ctx);
    await env.client.workflow.getHandle(WORKFLOW_IDS.research(id)).result();
    const run = await research.get_research_run({ id }, ctx);
    expect(run.summary.status).toBe('completed');
    const t = run.twin!;
    expect(t.symbols).toEqual(['BTC-USD']);
    expect(t.barsSource).toEqual({ 'BTC-USD': 'market-stream' });
    expect(t.bars).toBe(BACKFILL);
    expect(t.paper!.fills).toBe(2);
    expect(t.summary!.paperFills).toBe(2);
    expect(t.summary!.matched + t.unmatched.filter((u) => u.source === 'paper').length).toBe(2);
    expect(t.summary!.twinFills).toBeGreaterThan(0);
    expect(t.summary!.matched + t.unmatched.filter((u) => u.source === 'twin').length).toBe(t.summary!.twinFills);
    // Every twin fill is at a bar open of the stream's bars.
    const opens = new Set(bars.map((b) => b.time));
    for (const p of t.pairs) expect(opens.has(p.twin.time)).toBe(true);
    for (const u of t.unmatched.filter((x) => x.source === 'twin')) expect(opens.has(u.fill.time)).toBe(true);
    expect(t.fees).toEqual({ taker: '0.012', maker: '0.006' });
    expect(t.initialCash).toBe('10000');
    expect(Dec.of(t.paper!.fees).isPositive()).toBe(true);
    expect(t.notes.some((n) => n.startsWith('the twin runs the built-in policy on every closed bar'))).toBe(true);
    expect(run.summary.headline).toMatch(/^\d of 2 paper fills matched by the twin/);
  });

  it('refuses a window with no paper fills', async () => {
    const req = TwinRequestSchema.parse({ from: '2019-01-01', to: '2019-01-02' });
    // The call starts the run; it fails at once with the reason.
    const { id } = await research.twin_report(req, ctx);
    const h = env.client.workflow.getHandle(WORKFLOW_IDS.research(id));
    await expect(h.result()).rejects.toThrow();
    const run = await research.get_research_run({ id }, ctx);
    expect(run.summary.status).toBe('failed');
    expect(run.summary.error).toMatch(/no paper fills between 2019-01-01T00:00:00.000Z and 2019-01-02T00:00:00.000Z/);
  });
});
