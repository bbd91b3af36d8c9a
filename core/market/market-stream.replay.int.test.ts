/**
 * Determinism guard: replays a committed history of a real MarketStreamWorkflow run (feed lease
 * renewals, backfill pages, bar signals including a rejected one and its report, symbols added and
 * removed, stop and release) against today's workflow code. A change that would break running
 * streams fails here.
 *
 * A missing history fails. Re-record only for an intended, versioned change:
 * `npm run record:histories -- market-stream market-stream-gap` (docs/reliability.md).
 */
import { describe, expect, it } from 'vitest';
import { Worker } from '@temporalio/worker';
import { cliPath, installRuntimeOnce, runWorker, startDevServer, waitFor, workflowBundle } from '../../tests/support/temporal';
import { createMarketActivities } from './activities';
import type { Bar } from '../domain/market';
import { WORKFLOW_IDS } from '../domain/ids';
import { EventBus } from '../host/bus';
import { FeedManager } from './feed-manager';
import { SimulatedFeed } from './feeds/simulated';
import { loadConfig } from '../runtime/config';
import { silentLogger } from '../runtime/log';
import { marketAddSymbolsUpdate, marketBackfillProgressQuery, marketBarsSignal, marketRemoveSymbolsUpdate, marketSnapshotQuery, marketStopSignal, marketStreamWorkflow } from './market-stream.workflow';
import { committedHistory, loadHistory, recordingHistory, saveHistory } from '../../tests/support/replay';

const MIN = 60_000;

async function record(): Promise<void> {
  const env = await startDevServer();
  const bus = new EventBus();
  const fm = new FeedManager({ config: loadConfig({}), bus, log: silentLogger, client: env.client, feeds: { simulated: () => new SimulatedFeed({ seed: 3 }) } });
  const w = await runWorker(env, { activities: createMarketActivities({ bus, log: silentLogger, market: fm }) });
  try {
    const h = await env.client.workflow.start(marketStreamWorkflow, {
      taskQueue: w.taskQueue,
      workflowId: WORKFLOW_IDS.marketStream,
      args: [{ symbols: ['BTC-USD', 'ETH-USD'], feed: 'simulated', backfillMinutes: 3, continueEvery: 1000, historyLimit: 9000, leaseSeconds: 1 }],
    });
    await waitFor(async () => (await h.query(marketBackfillProgressQuery)).state === 'done');
    const snap = await h.query(marketSnapshotQuery);
    const p = Number(snap.symbols['BTC-USD']!.price);
    const t = snap.symbols['BTC-USD']!.time!;
    const bar = (i: number, close: number): Bar => {
      const c = close.toFixed(2);
      return { symbol: 'BTC-USD', timeframe: '1m', time: t + i * MIN, open: c, high: c, low: c, close: c, volume: '1.5' };
    };
    await h.signal(marketBarsSignal, [bar(0, p * 1.001)]);
    await h.signal(marketBarsSignal, [bar(1, p * 1.002), bar(2, p * 3)]);
    await h.executeUpdate(marketAddSymbolsUpdate, { args: [['SOL-USD']] });
    await h.executeUpdate(marketRemoveSymbolsUpdate, { args: [['SOL-USD']] });
    await new Promise((r) => setTimeout(r, 1500)); // a lease renewal on the timer
    await h.signal(marketStopSignal, { reason: 'recorded' });
    await h.result();
    saveHistory('market-stream', { cli: cliPath(), address: env.address, namespace: env.namespace, workflowId: h.workflowId });
  } finally {
    await w.stop();
    await fm.stop();
    await env.stop({ clean: true });
  }
}

/** A run whose live feed skipped minutes: the gap refill path (patch `market-gap-refill`). */
async function recordGap(): Promise<void> {
  const env = await startDevServer();
  const bus = new EventBus();
  // No live trades of its own: the only live bars are the ones signalled below.
  const fm = new FeedManager({ config: loadConfig({}), bus, log: silentLogger, client: env.client, feeds: { simulated: () => new SimulatedFeed({ seed: 5, tradesPerSecond: 0 }) } });
  const w = await runWorker(env, { activities: createMarketActivities({ bus, log: silentLogger, market: fm }) });
  try {
    const h = await env.client.workflow.start(marketStreamWorkflow, {
      taskQueue: w.taskQueue,
      workflowId: WORKFLOW_IDS.marketStream,
      args: [{ symbols: ['BTC-USD'], feed: 'simulated', backfillMinutes: 3, continueEvery: 1000, historyLimit: 9000, leaseSeconds: 1, forwardToLedger: null }],
    });
    await waitFor(async () => (await h.query(marketBackfillProgressQuery)).state === 'done');
    const snap = await h.query(marketSnapshotQuery);
    const p = Number(snap.symbols['BTC-USD']!.price);
    const t = snap.symbols['BTC-USD']!.time!;
    const bar = (i: number): Bar => {
      const c = (p * (1 + i / 10_000)).toFixed(2);
      return { symbol: 'BTC-USD', timeframe: '1m', time: t + i * MIN, open: c, high: c, low: c, close: c, volume: '0.5' };
    };
    await h.signal(marketBarsSignal, [bar(0)]);
    // Minutes 1..5 never arrive live: a gap, refilled from the feed's history before 6 and 7 apply.
    await h.signal(marketBarsSignal, [bar(6), bar(7)]);
    await waitFor(async () => (await h.query(marketSnapshotQuery)).gaps.filled === 1);
    const after = await h.query(marketSnapshotQuery);
    expect(after.gaps.recent[0]).toMatchObject({ start: t + MIN, end: t + 6 * MIN, state: 'filled', bars: 5 });
    expect(after.symbols['BTC-USD']!.time).toBe(t + 8 * MIN);
    await new Promise((r) => setTimeout(r, 1500)); // a lease renewal on the timer
    await h.signal(marketStopSignal, { reason: 'recorded' });
    await h.result();
    saveHistory('market-stream-gap', { cli: cliPath(), address: env.address, namespace: env.namespace, workflowId: h.workflowId });
  } finally {
    await w.stop();
    await fm.stop();
    await env.stop({ clean: true });
  }
}

describe('MarketStreamWorkflow replay', () => {
  it('replays the committed history deterministically', async () => {
    if (recordingHistory('market-stream')) await record();
    installRuntimeOnce();
    const history = committedHistory('market-stream');
    expect(history.events.length).toBeGreaterThan(30);
    const types = new Set(history.events.map((e) => String(e.eventType)));
    for (const t of ['EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED', 'EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED', 'EVENT_TYPE_TIMER_FIRED', 'EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED']) expect(types, t).toContain(t);
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle(), replayName: 'market-stream' }, loadHistory(history), WORKFLOW_IDS.marketStream);
  });

  it('replays a committed history with a gap refill (patch market-gap-refill) deterministically', async () => {
    if (recordingHistory('market-stream-gap')) await recordGap();
    installRuntimeOnce();
    const history = committedHistory<{
      events: { eventType?: string; markerRecordedEventAttributes?: { markerName?: string; details?: Record<string, { payloads?: { data?: string }[] }> }; activityTaskScheduledEventAttributes?: { activityType?: { name?: string } } }[];
    }>('market-stream-gap');
    // The patch marker, then the refill's fetch after the backfill's.
    const patches = history.events.flatMap((e) => (e.markerRecordedEventAttributes?.markerName === 'core_patch' ? Object.values(e.markerRecordedEventAttributes.details ?? {}).flatMap((d) => d.payloads ?? []) : []));
    expect(patches.map((x) => Buffer.from(x.data ?? '', 'base64').toString('utf8')).join()).toContain('market-gap-refill');
    expect(history.events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'marketFetchCandles').length).toBeGreaterThanOrEqual(2);
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle(), replayName: 'market-stream-gap' }, loadHistory(history), WORKFLOW_IDS.marketStream);
  });
});
