/**
 * Determinism guard: replays a committed history of a real MarketStreamWorkflow run (feed lease
 * renewals, backfill pages, bar signals including a rejected one and its report, symbols added and
 * removed, stop and release) against today's workflow code. A change that would break running
 * streams fails here.
 *
 * Re-record only for an intended, versioned change: VIGIL_RECORD_HISTORIES=1 npx vitest run
 * --project integration core/workflows/market-stream.replay.int.test.ts
 */
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Worker } from '@temporalio/worker';
import { cliPath, installRuntimeOnce, runWorker, startDevServer, waitFor, workflowBundle } from '../../tests/support/temporal';
import { createMarketActivities } from '../activities/market';
import type { Bar } from '../domain/market';
import { WORKFLOW_IDS } from '../domain/ids';
import { EventBus } from '../host/bus';
import { FeedManager } from '../market/feed-manager';
import { SimulatedFeed } from '../market/feeds/simulated';
import { loadConfig } from '../runtime/config';
import { silentLogger } from '../runtime/log';
import { marketAddSymbolsUpdate, marketBackfillProgressQuery, marketBarsSignal, marketRemoveSymbolsUpdate, marketSnapshotQuery, marketStopSignal, marketStreamWorkflow } from './market-stream';
import { loadHistory } from '../../tests/support/replay';

const FILE = fileURLToPath(new URL('../../tests/histories/market-stream.json', import.meta.url));
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
    // The CLI writes the canonical proto3 JSON that the replayer reads back.
    const json = execFileSync(cliPath(), ['workflow', 'show', '--workflow-id', h.workflowId, '--address', env.address, '--namespace', env.namespace, '--output', 'json'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    fs.mkdirSync(fileURLToPath(new URL('../../tests/histories/', import.meta.url)), { recursive: true });
    fs.writeFileSync(FILE, `${JSON.stringify(JSON.parse(json), null, 1)}\n`);
  } finally {
    await w.stop();
    await fm.stop();
    await env.stop({ clean: true });
  }
}

/** proto3 JSON -> History through @temporalio/proto's own protobufjs (see the ledger replay test). */

describe('MarketStreamWorkflow replay', () => {
  it('replays the committed history deterministically', async () => {
    if (process.env.VIGIL_RECORD_HISTORIES === '1' || !fs.existsSync(FILE)) await record();
    installRuntimeOnce();
    const history = JSON.parse(fs.readFileSync(FILE, 'utf8')) as { events: { eventType?: string }[] };
    expect(history.events.length).toBeGreaterThan(30);
    const types = new Set(history.events.map((e) => String(e.eventType)));
    for (const t of ['EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED', 'EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED', 'EVENT_TYPE_TIMER_FIRED', 'EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED']) expect(types, t).toContain(t);
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle(), replayName: 'market-stream' }, loadHistory(history), WORKFLOW_IDS.marketStream);
  });
});
