/**
 * Determinism guard for the order port's new path: committed histories of a real run — an
 * execution agent routed to the production ledger, whose model places an order that runs as the
 * agent's child ledger order and fills live against the local brokerage, then another that the
 * kill switch blocks in the child's first step — replay against today's workflow code.
 *
 * A missing history is a failure, not a reason to record one. Re-record only for an intended,
 * versioned change: VIGIL_RECORD_HISTORIES=1 npx vitest run --project integration
 * core/orders/order-port.replay.int.test.ts
 */
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Worker } from '@temporalio/worker';
import { cliPath, installRuntimeOnce, runWorker, startDevServer, waitFor, workflowBundle, type TestServer } from '../../tests/support/temporal';
import { loadHistory } from '../../tests/support/replay';
import { startBrokerageLedger } from '../../tests/support/brokerage-ledger';
import { startFakeOpenAI, type ScriptedReply } from '../testing/fake-openai/server';
import { createActivities } from '../activities';
import { EventBus } from '../host/bus';
import { silentLogger } from '../runtime/log';
import { loadConfig } from '../runtime/config';
import { WORKFLOW_IDS } from '../domain/ids';
import { LIVE_ARM_PHRASE } from '../ledger/live';
import { barsSignal, executionLedgerWorkflow, portfolioStatusQuery, setPreferencesUpdate } from '../workflows/execution-ledger';
import { executionAgentWorkflow, executionStatusQuery, nudgeNowSignal, ORDER_PORT_PATCH } from '../workflows/execution-agent';

const DIR = fileURLToPath(new URL('../../tests/histories/', import.meta.url));
const EXEC_ID = 'vigil/agent/execution/port-replay';
const FILES = {
  agent: path.join(DIR, 'execution-agent-port.json'),
  live: path.join(DIR, 'ledger-order-live.json'),
  blocked: path.join(DIR, 'ledger-order-blocked.json'),
};
const RECORD_HOW = 'VIGIL_RECORD_HISTORIES=1 npx vitest run --project integration core/orders/order-port.replay.int.test.ts';

async function record(): Promise<void> {
  const env: TestServer = await startDevServer();
  const rig = await startBrokerageLedger(env.dir, { keyName: 'organizations/replay/apiKeys/port' });
  const fake = await startFakeOpenAI();
  const config = loadConfig({ OPENAI_BASE_URL: fake.baseURL, OPENAI_MODEL: 'gpt-4o-mini', LLM_MAX_RETRIES: '0', ENABLE_REAL_LEDGER: 'true', INITIAL_PORTFOLIO_BALANCE: '10000' });
  const taskQueue = 'order-port-replay';
  const w = await runWorker(env, { taskQueue, activities: createActivities({ config, dataDir: env.dir, bus: new EventBus(), log: silentLogger, client: env.client, ledger: rig.ledger, exchange: rig.exchange }) });
  fake.respondWith((req): ScriptedReply => {
    const last = req.messages[req.messages.length - 1]!;
    if (last.role === 'tool') return { kind: 'message', content: 'done' };
    return { kind: 'tool_calls', calls: [{ name: 'place_order', arguments: JSON.stringify({ symbol: 'ETH-USD', side: 'buy', notional: '60', expected_edge_bps: 500, rationale: 'breakout' }) }] };
  });
  try {
    const book = await env.client.workflow.start(executionLedgerWorkflow, { taskQueue, workflowId: WORKFLOW_IDS.executionLedger('default'), args: [{ portfolioId: 'default', initialCash: '10000', notify: false }] });
    const t = Date.now() - (Date.now() % 60_000);
    await book.signal(barsSignal, [{ symbol: 'ETH-USD', timeframe: '1m', time: t - 60_000, open: '3000', high: '3000', low: '3000', close: '3000', volume: '1' }]);
    await waitFor(async () => Object.keys((await book.query(portfolioStatusQuery)).marks).length > 0);
    rig.ledger.setTradeableFraction(rig.funding, '0.5');
    rig.ledger.armLive(LIVE_ARM_PHRASE, 'test');
    const exec = await env.client.workflow.start(executionAgentWorkflow, { taskQueue, workflowId: EXEC_ID, args: [{ portfolioId: 'default', nudgeSeconds: 3600, maxStalenessSeconds: 3600, minPriceMovePct: 0 }] });
    await exec.signal(nudgeNowSignal);
    await waitFor(async () => (await exec.query(executionStatusQuery)).decisions >= 1, 60_000);
    const first = (await exec.query(executionStatusQuery)).lastDecision!;
    if (!first.order?.summary.includes('filled')) throw new Error(`expected a live fill to record: ${first.order?.summary}`);
    await book.executeUpdate(setPreferencesUpdate, { args: [{ killSwitch: true }] });
    await exec.signal(nudgeNowSignal);
    await waitFor(async () => (await exec.query(executionStatusQuery)).decisions >= 2, 60_000);
    const second = (await exec.query(executionStatusQuery)).lastDecision!;
    if (!second.order?.summary.includes('kill_switch')) throw new Error(`expected a kill-switch block to record: ${second.order?.summary}`);
    // The filled order is the one the exchange has; the blocked one never reached it (the ledger has it).
    const orderIds = {
      live: WORKFLOW_IDS.ledgerOps(`order/${[...rig.fake.orders.values()][0]!.client_order_id}`),
      blocked: WORKFLOW_IDS.ledgerOps(`order/${rig.ledger.listOrders({ status: 'blocked', limit: 10 })[0]!.clientOrderId}`),
    };
    fs.mkdirSync(DIR, { recursive: true });
    for (const [file, id] of [
      [FILES.agent, EXEC_ID],
      [FILES.live, orderIds.live],
      [FILES.blocked, orderIds.blocked],
    ] as const) {
      const json = execFileSync(cliPath(), ['workflow', 'show', '--workflow-id', id, '--address', env.address, '--namespace', env.namespace, '--output', 'json'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      fs.writeFileSync(file, `${JSON.stringify(JSON.parse(json), null, 1)}\n`);
    }
    for (const id of [EXEC_ID, WORKFLOW_IDS.executionLedger('default')]) await env.client.workflow.getHandle(id).terminate('recorded').catch(() => undefined);
  } finally {
    await w.stop();
    await fake.close();
    await rig.stop();
    await env.stop({ clean: true });
  }
}

describe('order port replay', () => {
  it('replays the committed histories of an agent order routed through the port as its child ledger order', async () => {
    if (process.env.VIGIL_RECORD_HISTORIES === '1') await record();
    for (const f of Object.values(FILES)) expect(fs.existsSync(f), `${f} is missing: it is a committed history (to record it on purpose: ${RECORD_HOW})`).toBe(true);
    installRuntimeOnce();
    const bundle = await workflowBundle();
    type Event = { eventType?: string; markerRecordedEventAttributes?: { markerName?: string; details?: Record<string, { payloads?: { data?: string }[] }> } };
    const agent = JSON.parse(fs.readFileSync(FILES.agent, 'utf8')) as { events: Event[] };
    // The history holds what it claims: two child ledger orders and the order-port version marker.
    const types = agent.events.map((e) => e.eventType ?? '');
    expect(types.filter((t) => t === 'EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED')).toHaveLength(2);
    const patches = agent.events
      .filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch')
      .flatMap((e) => Object.values(e.markerRecordedEventAttributes!.details ?? {}).flatMap((d) => d.payloads ?? []))
      .map((p) => (JSON.parse(Buffer.from(p.data ?? '', 'base64').toString('utf8')) as { id: string }).id);
    expect(patches).toContain(ORDER_PORT_PATCH);
    for (const [name, file] of Object.entries(FILES)) {
      const history = JSON.parse(fs.readFileSync(file, 'utf8')) as { events: unknown[] };
      expect(history.events.length, name).toBeGreaterThan(5);
      await Worker.runReplayHistory({ workflowBundle: bundle, replayName: `order-port-${name}` }, loadHistory(history), name);
    }
    const live = fs.readFileSync(FILES.live, 'utf8');
    expect(live).toContain('ledgerSubmitOrder');
    expect(fs.readFileSync(FILES.blocked, 'utf8')).not.toContain('ledgerSubmitOrder');
  });
});
