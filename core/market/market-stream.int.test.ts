/**
 * MarketStreamWorkflow on a real Temporal dev server, fed by the real Coinbase client code talking
 * to the local fake Coinbase (HTTP candles + WebSocket trades). Two symbols, real recorded 1m
 * candles: 60 minutes of backfill over REST, then the following minutes replayed as trades over
 * the WebSocket, folded into bars by the host's feed manager and signalled to the workflow. The
 * run is forced to continue-as-new several times; at the end the feature vectors equal those
 * computed offline from the same bars, no run's history exceeded the limit, and nothing was lost.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWorker, startDevServer, waitFor, type RunningWorker, type TestServer } from '../../tests/support/temporal';
import { createMarketActivities } from './activities';
import type { Bar } from '../domain/market';
import { WORKFLOW_IDS } from '../domain/ids';
import { EventBus } from '../host/bus';
import { createMarketHandlers } from './handlers';
import { computeFeatures } from '../indicators/features';
import { barAt, defaultMarketDataDir, loadRecorded } from './data/columns';
import { FeedManager } from './feed-manager';
import { CoinbaseFeed } from './feeds/coinbase';
import { tradesOfBar } from './feeds/replay';
import { loadConfig } from '../runtime/config';
import { silentLogger } from '../runtime/log';
import { FakeCoinbaseMarket } from '../testing/fake-coinbase-market/server';
import { marketBackfillProgressQuery, marketCandlesQuery, marketFeatureVectorQuery, marketSnapshotQuery, marketStreamInfoQuery } from './market-stream.workflow';

const MIN = 60_000;
const SYMBOLS = ['BTC-USD', 'ETH-USD'] as const;
const SOURCES: Record<string, string> = { 'BTC-USD': 'BTC-USDT', 'ETH-USD': 'ETH-USDT' };
const BACKFILL = 60;
const LIVE = 36;
const HISTORY_LIMIT = 150;

describe('MarketStreamWorkflow on a real dev server with the fake Coinbase', () => {
  let env: TestServer;
  let w: RunningWorker;
  let fake: FakeCoinbaseMarket;
  let fm: FeedManager;
  const bus = new EventBus();
  let urls: { restUrl: string; wsUrl: string };
  const makeFeedManager = () =>
    new FeedManager({
      config: loadConfig({}),
      bus,
      log: silentLogger,
      client: env.client,
      feeds: { coinbase: () => new CoinbaseFeed({ restUrl: urls.restUrl, wsUrl: urls.wsUrl, staleAfterMs: 2_000, backoffMs: { initial: 50, max: 500 } }) },
      tickMs: 100,
      // The host's clock starts 1 s into the minute the recording was aligned to, so the backfill window is exact.
      now: () => Date.now() - clockSkew,
    });
  const taskQueue = `market-it-${process.pid}`;
  const barsOnBus: Bar[] = [];
  bus.on('market.bar', (b) => barsOnBus.push(b));
  const recorded: Record<string, Bar[]> = {};
  // The recording is shifted so the backfill window ends at the current minute.
  const nowMin = Math.floor(Date.now() / MIN) * MIN;
  const clockSkew = Date.now() - (nowMin + 1_000);

  beforeAll(async () => {
    const dir = defaultMarketDataDir();
    for (const s of SYMBOLS) {
      const cols = loadRecorded(dir, SOURCES[s]!, '1m');
      const first = 300;
      const shift = nowMin - BACKFILL * MIN - cols.time[first]!;
      recorded[s] = Array.from({ length: BACKFILL + LIVE + 1 }, (_, i) => barAt(cols, first + i, s, shift));
    }
    fake = new FakeCoinbaseMarket({ products: SYMBOLS.map((id) => ({ id, price: recorded[id]![BACKFILL - 1]!.close })), heartbeatMs: 200, maxRps: 50 });
    for (const s of SYMBOLS) fake.setCandles(s, recorded[s]!.slice(0, BACKFILL));
    urls = await fake.start();
    env = await startDevServer();
    fm = makeFeedManager();
    await fm.start();
    w = await runWorker(env, { activities: createMarketActivities({ bus, log: silentLogger, market: fm }), taskQueue });
  });
  afterAll(async () => {
    await w?.stop();
    await fm?.stop();
    await env?.stop({ clean: true });
    await fake?.stop();
  });

  it('backfills, ingests live trades across continue-as-new, and matches offline features', async () => {
    const config = loadConfig({ STREAM_CONTINUE_EVERY: '3', STREAM_HISTORY_LIMIT: String(HISTORY_LIMIT), MARKET_LEASE_SECONDS: '2' });
    const handlers = createMarketHandlers({ client: env.client, config, taskQueue, dataDir: env.dir, status: () => { throw new Error('unused'); } });
    const ctx = { door: 'test' as const, correlationId: 'it' };

    const started = await handlers.start_market_stream({ symbols: [...SYMBOLS], feed: 'coinbase', backfillMinutes: BACKFILL }, ctx);
    expect(started).toMatchObject({ started: true, feed: 'coinbase', symbols: [...SYMBOLS] });
    // Idempotent: a second start attaches.
    const again = await handlers.start_market_stream({ symbols: ['BTC-USD'] }, ctx);
    expect(again).toMatchObject({ started: false, added: [] });

    const h = env.client.workflow.getHandle(WORKFLOW_IDS.marketStream);
    await waitFor(async () => (await h.query(marketBackfillProgressQuery)).state === 'done', 30_000, 100);
    const progress = await h.query(marketBackfillProgressQuery);
    expect(progress).toMatchObject({ pagesDone: 2, pagesTotal: 2, bars: BACKFILL * 2, errors: [] });
    expect(fake.stats.maxCandlesPerRequest).toBeLessThanOrEqual(350);

    // The feed manager connected and subscribed for the workflow's lease.
    await waitFor(() => fake.connectionCount() === 1 && fake.subscribed('market_trades').length === 2, 15_000);
    await new Promise((r) => setTimeout(r, 300));

    // Live: each recorded bar as four trades; the first print of bar i+1 closes bar i.
    for (let i = BACKFILL; i <= BACKFILL + LIVE; i++) {
      for (const s of SYMBOLS) {
        const prints = tradesOfBar(recorded[s]![i]!, i);
        fake.publishTrades((i === BACKFILL + LIVE ? prints.slice(0, 1) : prints).map((t) => ({ symbol: s, price: t.price, size: t.size, time: t.time, tradeId: t.tradeId! })));
      }
      // One bar close per batch, so the run continues as new on a predictable count.
      const expected = i * 2;
      await waitFor(async () => (await h.query(marketSnapshotQuery)).barsAccepted >= expected, 20_000, 10);
    }
    await waitFor(async () => (await h.query(marketSnapshotQuery)).barsAccepted === (BACKFILL + LIVE) * 2, 60_000, 200).catch(async (err: Error) => {
      const sn = await h.query(marketSnapshotQuery);
      const inf = await h.query(marketStreamInfoQuery);
      throw new Error(`${err.message}: accepted ${sn.barsAccepted}, rejected ${sn.barsRejected} ${JSON.stringify(sn.recentRejections)}, runs ${inf.runs}, pending ${inf.pendingBatches}, bus bars ${barsOnBus.length}, feed ${JSON.stringify(fm.stats)} ${JSON.stringify(fm.health())}`);
    });

    const info = await h.query(marketStreamInfoQuery);
    // Continue-as-new every 3 batches: one bar close per batch over 36 closes.
    expect(info.runs).toBeGreaterThanOrEqual(8);

    // The bars the feed manager built from trades are exactly the recorded bars.
    for (const s of SYMBOLS) {
      const live = barsOnBus.filter((b) => b.symbol === s);
      expect(live).toEqual(recorded[s]!.slice(BACKFILL, BACKFILL + LIVE));
    }

    const snap = await h.query(marketSnapshotQuery);
    for (const s of SYMBOLS) {
      const all = recorded[s]!.slice(0, BACKFILL + LIVE);
      const offline = computeFeatures(
        s,
        all.map((b) => ({ time: b.time, open: Number(b.open), high: Number(b.high), low: Number(b.low), close: Number(b.close), volume: Number(b.volume) })),
        snap.asOf,
      );
      const live = await h.query(marketFeatureVectorQuery, s);
      expect(live).toEqual(offline);
      expect(live!.values.rsi_14).not.toBeNull();
      expect(live!.values.macd_signal).not.toBeNull();
      expect(snap.symbols[s]!.price).toBe(all[all.length - 1]!.close);
      const candles = await h.query(marketCandlesQuery, s, 1000);
      expect(candles).toEqual(all);
    }

    // Through the verbs as the UI and agents see them.
    const fv = await handlers.get_feature_vector({ symbol: 'ETH-USD' }, ctx);
    expect(fv.bars).toBe(BACKFILL + LIVE);
    const c5 = await handlers.get_candles({ symbol: 'BTC-USD', timeframe: '5m', limit: 3 }, ctx);
    expect(c5.candles).toHaveLength(3);
    expect(c5.candles.every((c) => c.time % (5 * MIN) === 0)).toBe(true);

    // No run's history passed the limit.
    const lengths: number[] = [];
    for await (const x of env.client.workflow.list({ query: `WorkflowId = '${WORKFLOW_IDS.marketStream}'` })) {
      const hist = await env.client.workflow.getHandle(x.workflowId, x.runId).fetchHistory();
      lengths.push(hist.events?.length ?? 0);
    }
    expect(lengths.length).toBeGreaterThanOrEqual(3);
    for (const n of lengths) expect(n).toBeLessThanOrEqual(HISTORY_LIMIT);

    // Stop: the workflow completes and releases the feed.
    const stopped = await handlers.stop_market_stream({}, ctx);
    expect(stopped).toEqual({ stopped: true, wasRunning: true });
    await waitFor(() => fake.connectionCount() === 0, 10_000);
    await expect(handlers.get_market_snapshot({}, ctx)).resolves.toBeDefined(); // queries still answer on a completed run
    const restarted = await handlers.stop_market_stream({}, ctx);
    expect(restarted).toEqual({ stopped: true, wasRunning: false });
  });

  it('continues as new on history length alone, staying under the limit', async () => {
    const limit = 100;
    const config = loadConfig({ STREAM_CONTINUE_EVERY: '100000', STREAM_HISTORY_LIMIT: String(limit), MARKET_LEASE_SECONDS: '60' });
    const handlers = createMarketHandlers({ client: env.client, config, taskQueue, dataDir: env.dir, status: () => { throw new Error('unused'); } });
    const ctx = { door: 'test' as const, correlationId: 'it2' };
    const started = await handlers.start_market_stream({ symbols: ['BTC-USD'], feed: 'coinbase', backfillMinutes: 0 }, ctx);
    expect(started.started).toBe(true);
    const h = env.client.workflow.getHandle(WORKFLOW_IDS.marketStream);
    await waitFor(() => fake.subscribed('market_trades').length === 1, 15_000);
    // Fresh trade ids and later minutes than anything the feed manager has seen.
    const base = recorded['BTC-USD']!;
    const t0 = base[base.length - 1]!.time + 10 * MIN;
    let sent = 0;
    for (let i = 0; i < 45; i++) {
      fake.publishTrades([{ symbol: 'BTC-USD', price: base[i % base.length]!.close, size: '0.1', time: t0 + i * MIN, tradeId: `h-${i}` }]);
      // The first trade also closes the bar left open by the previous test's last print.
      sent++;
      await waitFor(async () => (await h.query(marketSnapshotQuery)).barsAccepted >= sent, 20_000, 10);
    }
    const info = await h.query(marketStreamInfoQuery);
    expect(info.runs).toBeGreaterThanOrEqual(2);
    const runs: number[] = [];
    for await (const x of env.client.workflow.list({ query: `WorkflowId = '${WORKFLOW_IDS.marketStream}' AND RunId != '${started.runId}'` })) {
      if (x.startTime.getTime() < Date.now() - 120_000) continue;
      runs.push((await env.client.workflow.getHandle(x.workflowId, x.runId).fetchHistory()).events?.length ?? 0);
    }
    for (const n of runs) expect(n).toBeLessThanOrEqual(limit);
    expect((await h.query(marketSnapshotQuery)).barsAccepted).toBe(45);
    await handlers.stop_market_stream({}, ctx);
  });

  it('a refused backfill, a host restart and an insane bar: reported, degraded where it must be, then streaming again', async () => {
    const config = loadConfig({ MARKET_LEASE_SECONDS: '1' });
    const handlers = createMarketHandlers({ client: env.client, config, taskQueue, dataDir: env.dir, status: () => { throw new Error('unused'); } });
    const ctx = { door: 'test' as const, correlationId: 'it3' };
    const events: { type: string; summary: string }[] = [];
    const off = bus.on('domain.event', (e) => events.push(e));
    // SOL-USD is not a product of this exchange: its backfill is refused (404), not retried for minutes.
    await handlers.start_market_stream({ symbols: ['BTC-USD', 'SOL-USD'], feed: 'coinbase', backfillMinutes: 5 }, ctx);
    const h = env.client.workflow.getHandle(WORKFLOW_IDS.marketStream);
    await waitFor(async () => (await h.query(marketBackfillProgressQuery)).state === 'done', 30_000, 100);
    const progress = await h.query(marketBackfillProgressQuery);
    expect(progress.errors.join('\n')).toMatch(/SOL-USD.*ProductID is invalid/);
    expect(progress.symbols['SOL-USD']).toEqual({ bars: 0, done: true });

    // Host restart: worker and feed manager go away; a new host comes up with a new feed manager.
    await waitFor(() => fake.subscribed('market_trades').includes('BTC-USD'), 15_000);
    await w.stop();
    await fm.stop();
    await waitFor(() => fake.connectionCount() === 0, 10_000);
    fm = makeFeedManager();
    await fm.start();
    w = await runWorker(env, { activities: createMarketActivities({ bus, log: silentLogger, market: fm }), taskQueue });
    // The workflow's next lease renewal brings the feed back on the new host.
    await waitFor(() => fake.subscribed('market_trades').includes('BTC-USD'), 20_000);
    const before = (await h.query(marketSnapshotQuery)).barsAccepted;
    const t0 = recorded['BTC-USD']!.at(-1)!.time + 100 * MIN;
    const p = recorded['BTC-USD']!.at(-1)!.close;
    fake.publishTrades([{ symbol: 'BTC-USD', price: p, size: '0.5', time: t0, tradeId: 'r-1' }]);
    fake.publishTrades([{ symbol: 'BTC-USD', price: p, size: '0.5', time: t0 + MIN, tradeId: 'r-2' }]);
    await waitFor(async () => (await h.query(marketSnapshotQuery)).barsAccepted === before + 1, 20_000, 50);

    // An insane bar signalled straight to the workflow is refused and reported as a domain event.
    await h.signal('bars', [{ symbol: 'BTC-USD', timeframe: '1m', time: t0 + 5 * MIN, open: p, high: p, low: p, close: String(Number(p) * 10), volume: '1' }]);
    await waitFor(async () => (await h.query(marketSnapshotQuery)).barsRejected === 1, 20_000, 50);
    await waitFor(() => events.some((e) => e.type === 'market.price_rejected'), 10_000);
    const snap = await h.query(marketSnapshotQuery);
    expect(snap.recentRejections[0]).toMatchObject({ symbol: 'BTC-USD', reason: 'jump' });
    // Health reaches the workflow at lease renewals: ok again within a couple of them.
    await waitFor(async () => (await h.query(marketSnapshotQuery)).feedHealth?.state === 'ok', 10_000, 100);
    off();
    await handlers.stop_market_stream({}, ctx);
  });

  it('a worker without a feed manager: the stream stays up and reports the feed down, then recovers on a proper host', async () => {
    const tq = `${taskQueue}-nomarket`;
    const bare = await runWorker(env, { activities: createMarketActivities({ bus, log: silentLogger }), taskQueue: tq });
    const handlers = createMarketHandlers({ client: env.client, config: loadConfig({ MARKET_LEASE_SECONDS: '1' }), taskQueue: tq, dataDir: env.dir, status: () => { throw new Error('unused'); } });
    const ctx = { door: 'test' as const, correlationId: 'it4' };
    await handlers.start_market_stream({ symbols: ['BTC-USD'], feed: 'coinbase', backfillMinutes: 0 }, ctx);
    const h = env.client.workflow.getHandle(WORKFLOW_IDS.marketStream);
    await waitFor(async () => (await h.query(marketSnapshotQuery)).feedHealth?.state === 'down', 20_000, 100);
    expect((await h.query(marketSnapshotQuery)).feedHealth?.detail).toMatch(/no market feed manager/);
    expect((await h.describe()).status.name).toBe('RUNNING');
    await bare.stop();
    const proper = await runWorker(env, { activities: createMarketActivities({ bus, log: silentLogger, market: fm }), taskQueue: tq });
    try {
      await waitFor(async () => (await h.query(marketSnapshotQuery)).feedHealth?.state === 'ok', 20_000, 100);
      await waitFor(() => fake.subscribed('market_trades').includes('BTC-USD'), 10_000);
      expect(await handlers.stop_market_stream({}, ctx)).toEqual({ stopped: true, wasRunning: true });
    } finally {
      await proper.stop();
    }
  });

  it('a dropped WebSocket: the missed minutes are refilled over REST, thin minutes included, and the candles stay in order', async () => {
    const handlers = createMarketHandlers({ client: env.client, config: loadConfig({ MARKET_LEASE_SECONDS: '1' }), taskQueue, dataDir: env.dir, status: () => { throw new Error('unused'); } });
    const ctx = { door: 'test' as const, correlationId: 'it-gap' };
    // ETH-USD has no bar left open in this feed manager (it was rebuilt above, BTC-USD was traded since).
    const s = 'ETH-USD';
    const src = recorded[s]!;
    const t0 = src.at(-1)!.time + 200 * MIN;
    const series: Bar[] = Array.from({ length: 21 }, (_, i) => ({ ...src[i]!, time: t0 + i * MIN }));
    const publish = (i: number, prints = 4) =>
      fake.publishTrades(tradesOfBar(series[i]!, 50_000 + i).slice(0, prints).map((t) => ({ symbol: s, price: t.price, size: t.size, time: t.time, tradeId: t.tradeId! })));
    const testStart = Date.now() - 1_000;
    await handlers.start_market_stream({ symbols: [s], feed: 'coinbase', backfillMinutes: 0 }, ctx);
    try {
      const h = env.client.workflow.getHandle(WORKFLOW_IDS.marketStream);
      await waitFor(() => fake.connectionCount() === 1 && fake.subscribed('market_trades').includes(s), 15_000);
      await new Promise((r) => setTimeout(r, 300));
      const reconnectsBefore = fake.stats.wsConnections;

      // Minutes 0..4 live (4 stays open in the feed manager until a later print closes it).
      for (let i = 0; i <= 4; i++) {
        publish(i);
        if (i > 0) await waitFor(async () => (await h.query(marketSnapshotQuery)).barsAccepted >= i, 20_000, 20);
      }
      // The connection drops; minutes 5..14 trade on the exchange while nobody listens. Minutes 8 and
      // 11 have no trades: the exchange has no candle for them.
      fake.dropConnections();
      const missed = [5, 6, 7, 9, 10, 12, 13, 14];
      fake.setCandles(s, missed.map((i) => series[i]!));
      for (const i of missed) publish(i); // lost: no connection
      await waitFor(() => fake.stats.wsConnections > reconnectsBefore && fake.subscribed('market_trades').includes(s), 20_000);
      await new Promise((r) => setTimeout(r, 300));

      // Back live from minute 15: its first print closes 4; 15..19 close, 20 stays open.
      for (let i = 15; i <= 20; i++) publish(i, i === 20 ? 1 : 4);
      const expected = [0, 1, 2, 3, 4, ...missed, 15, 16, 17, 18, 19].map((i) => series[i]!);
      await waitFor(async () => (await h.query(marketSnapshotQuery)).barsAccepted === expected.length, 30_000, 100).catch(async (err: Error) => {
        const sn = await h.query(marketSnapshotQuery);
        throw new Error(`${err.message}: accepted ${sn.barsAccepted}, gaps ${JSON.stringify(sn.gaps)}, rejected ${JSON.stringify(sn.recentRejections)}`);
      });

      const candles = await h.query(marketCandlesQuery, s, 1000);
      expect(candles).toEqual(expected);
      for (let i = 1; i < candles.length; i++) expect(candles[i]!.time).toBeGreaterThan(candles[i - 1]!.time);
      const snap = await handlers.get_market_snapshot({}, ctx);
      expect(snap.gaps).toEqual({
        pending: 0,
        filled: 1,
        unfilled: 0,
        barsRefilled: missed.length,
        recent: [{ symbol: s, start: series[5]!.time, end: series[15]!.time, state: 'filled', attempts: 0, bars: missed.length, error: null }],
      });
      // The features saw the refilled minutes in time order, exactly as offline.
      const offline = computeFeatures(
        s,
        expected.map((b) => ({ time: b.time, open: Number(b.open), high: Number(b.high), low: Number(b.low), close: Number(b.close), volume: Number(b.volume) })),
        snap.asOf,
      );
      expect(await h.query(marketFeatureVectorQuery, s)).toEqual(offline);
      // The gap path is versioned: a run of this stream carries the patch marker.
      const markers: string[] = [];
      for await (const x of env.client.workflow.list({ query: `WorkflowId = '${WORKFLOW_IDS.marketStream}'` })) {
        if (x.startTime.getTime() < testStart) continue;
        const hist = await env.client.workflow.getHandle(x.workflowId, x.runId).fetchHistory();
        for (const e of hist.events ?? []) {
          const m = e.markerRecordedEventAttributes;
          if (m?.markerName !== 'core_patch') continue;
          for (const p of m.details?.['patch-data']?.payloads ?? []) {
            const data: unknown = p.data;
            markers.push(typeof data === 'string' ? Buffer.from(data, 'base64').toString('utf8') : Buffer.from(data as Uint8Array).toString('utf8'));
          }
        }
      }
      expect(markers.join('\n')).toContain('market-gap-refill');
    } finally {
      await handlers.stop_market_stream({}, ctx);
    }
  });

  it('adds and removes symbols through the verbs; the validators refuse what would break the stream', async () => {
    const handlers = createMarketHandlers({ client: env.client, config: loadConfig({ MARKET_LEASE_SECONDS: '1' }), taskQueue, dataDir: env.dir, status: () => { throw new Error('unused'); } });
    const ctx = { door: 'test' as const, correlationId: 'it5' };
    await handlers.start_market_stream({ symbols: ['BTC-USD'], feed: 'coinbase', backfillMinutes: 30 }, ctx);
    const h = env.client.workflow.getHandle(WORKFLOW_IDS.marketStream);
    expect(await handlers.add_market_symbols({ symbols: ['ETH-USD', 'BTC-USD'] }, ctx)).toEqual({ symbols: ['BTC-USD', 'ETH-USD'], added: ['ETH-USD'], removed: [] });
    await waitFor(async () => (await h.query(marketBackfillProgressQuery)).symbols['ETH-USD']?.done === true, 20_000, 100);
    await waitFor(() => fake.subscribed('market_trades').join() === 'BTC-USD,ETH-USD', 10_000);

    expect(await handlers.remove_market_symbols({ symbols: ['BTC-USD'] }, ctx)).toEqual({ symbols: ['ETH-USD'], added: [], removed: ['BTC-USD'] });
    await waitFor(() => fake.subscribed('market_trades').join() === 'ETH-USD', 10_000);
    await expect(handlers.get_feature_vector({ symbol: 'BTC-USD' }, ctx)).rejects.toMatchObject({ code: 'not_found' });
    await expect(handlers.remove_market_symbols({ symbols: ['ETH-USD'] }, ctx)).rejects.toMatchObject({ code: 'rejected', message: expect.stringMatching(/cannot remove every symbol/) });
    const many = Array.from({ length: 50 }, (_, i) => `X${i}-USD`);
    await expect(handlers.add_market_symbols({ symbols: many }, ctx)).rejects.toMatchObject({ code: 'rejected', message: expect.stringMatching(/at most 50 symbols/) });
    await expect(handlers.start_market_stream({ feed: 'replay' }, ctx)).rejects.toMatchObject({ code: 'rejected' });
    // Refusals changed nothing.
    expect(Object.keys((await h.query(marketSnapshotQuery)).symbols)).toEqual(['ETH-USD']);
    await handlers.stop_market_stream({}, ctx);
  });
});
