/**
 * Determinism guard for the order port's new path: committed histories of a real run — an
 * execution agent routed to the production ledger, whose model places an order that runs as the
 * agent's child ledger order and fills live against the local brokerage, then another that the
 * kill switch blocks in the child's first step — replay against today's workflow code.
 *
 * A missing history is a failure, not a reason to record one. Re-record only for an intended,
 * versioned change: npm run record:histories -- execution-agent-port ledger-order-live ledger-order-blocked
 */
import { describe, expect, it } from 'vitest';
import { Worker } from '@temporalio/worker';
import { cliPath, installRuntimeOnce, runWorker, startDevServer, waitFor, workflowBundle, type TestServer } from '../../tests/support/temporal';
import { committedHistory, loadHistory, recordingHistory, saveHistory } from '../../tests/support/replay';
import { startBrokerageLedger } from '../../tests/support/brokerage-ledger';
import { startFakeOpenAI, type ScriptedReply } from '../testing/fake-openai/server';
import { createActivities } from '../activities';
import { EventBus } from '../host/bus';
import { silentLogger } from '../runtime/log';
import { loadConfig } from '../runtime/config';
import { WORKFLOW_IDS } from '../domain/ids';
import { LIVE_ARM_PHRASE } from '../ledger/live';
import { barsSignal, executionLedgerWorkflow, portfolioStatusQuery, setPreferencesUpdate } from '../paper/paper-book.workflow';
import { executionAgentWorkflow, executionStatusQuery, nudgeNowSignal, ORDER_PORT_PATCH } from '../agents/execution-agent.workflow';

const EXEC_ID = 'vigil/agent/execution/port-replay';
/** The committed histories this test replays (and, in a recording run, records). */
const NAMES = { agent: 'execution-agent-port', live: 'ledger-order-live', blocked: 'ledger-order-blocked' } as const;

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
    const book = await env.client.workflow.start(executionLedgerWorkflow, { taskQueue, workflowId: WORKFLOW_IDS.paperBook('default'), args: [{ portfolioId: 'default', initialCash: '10000', notify: false }] });
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
    for (const [name, workflowId] of [
      [NAMES.agent, EXEC_ID],
      [NAMES.live, orderIds.live],
      [NAMES.blocked, orderIds.blocked],
    ] as const) {
      if (recordingHistory(name)) saveHistory(name, { cli: cliPath(), address: env.address, namespace: env.namespace, workflowId });
    }
    for (const id of [EXEC_ID, WORKFLOW_IDS.paperBook('default')]) await env.client.workflow.getHandle(id).terminate('recorded').catch(() => undefined);
  } finally {
    await w.stop();
    await fake.close();
    await rig.stop();
    await env.stop({ clean: true });
  }
}

describe('order port replay', () => {
  it('replays the committed histories of an agent order routed through the port as its child ledger order', async () => {
    if (Object.values(NAMES).some((n) => recordingHistory(n))) await record();
    installRuntimeOnce();
    const bundle = await workflowBundle();
    type Event = { eventType?: string; markerRecordedEventAttributes?: { markerName?: string; details?: Record<string, { payloads?: { data?: string }[] }> } };
    const agent = committedHistory<{ events: Event[] }>(NAMES.agent);
    // The history holds what it claims: two child ledger orders and the order-port version marker.
    const types = agent.events.map((e) => e.eventType ?? '');
    expect(types.filter((t) => t === 'EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED')).toHaveLength(2);
    const patches = agent.events
      .filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch')
      .flatMap((e) => Object.values(e.markerRecordedEventAttributes!.details ?? {}).flatMap((d) => d.payloads ?? []))
      .map((p) => (JSON.parse(Buffer.from(p.data ?? '', 'base64').toString('utf8')) as { id: string }).id);
    expect(patches).toContain(ORDER_PORT_PATCH);
    for (const name of Object.values(NAMES)) {
      const history = committedHistory<{ events: unknown[] }>(name);
      expect(history.events.length, name).toBeGreaterThan(5);
      await Worker.runReplayHistory({ workflowBundle: bundle, replayName: name }, loadHistory(history), name);
    }
    // The filled order went through the send step; the blocked one stopped in its first step.
    expect(JSON.stringify(committedHistory(NAMES.live))).toContain('ledgerSubmitOrder');
    expect(JSON.stringify(committedHistory(NAMES.blocked))).not.toContain('ledgerSubmitOrder');
  });
});
