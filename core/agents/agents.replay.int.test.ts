/**
 * Determinism guard for the three agent workflows: replays committed histories of real runs
 * (model tool loop with an order, a skip, a mode switch by the judge with a prompt version, a
 * broker chat with a tool call and one through the command language) against today's code.
 *
 * A missing history fails. Re-record only for an intended, versioned change:
 * `npm run record:histories -- execution-agent judge-agent broker-agent` (docs/reliability.md).
 *
 * Two more histories of the execution agent deciding with the built-in policy
 * (tests/support/record-policy-run.ts): `execution-agent-policy-v1.json`, recorded by the release
 * before the expected-edge policy (it buys a rise and sells a fall; it can no longer be
 * re-recorded, the code is gone) must replay through the `policy-expected-edge` patch on the old
 * policy; `execution-agent-policy.json` is today's (`npm run record:histories -- execution-agent-policy`).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Worker } from '@temporalio/worker';
import { cliPath, installRuntimeOnce, runWorker, startDevServer, waitFor, workflowBundle, type TestServer } from '../../tests/support/temporal';
import { startFakeOpenAI, type ScriptedReply } from '../testing/fake-openai/server';
import { createActivities } from '../activities';
import { EventBus } from '../host/bus';
import { silentLogger } from '../runtime/log';
import { loadConfig } from '../runtime/config';
import { WORKFLOW_IDS } from '../domain/ids';
import type { Bar } from '../domain/market';
import { createHandlers } from '../host/handlers';
import type { AgentDoor } from '../activities/deps';
import { dispatch } from '../api/dispatch';
import { barsSignal, executionLedgerWorkflow, portfolioStatusQuery } from '../paper/paper-book.workflow';
import { executionAgentWorkflow, executionStatusQuery, nudgeNowSignal } from './execution-agent.workflow';
import { evaluateNowUpdate, judgeAgentWorkflow } from './judge-agent.workflow';
import { brokerAgentWorkflow, chatUpdate } from './broker-agent.workflow';
import { committedHistory, historyPath, loadHistory, recordingHistory, saveHistory } from '../../tests/support/replay';
import { POLICY_RUN_ID, recordPolicyRun } from '../../tests/support/record-policy-run';

const IDS = { exec: 'vigil/agent/execution/replay', judge: 'vigil/agent/judge/replay', broker: WORKFLOW_IDS.brokerSession('replay') };
const NAMES = { exec: 'execution-agent', judge: 'judge-agent', broker: 'broker-agent' } as const;

const bar = (close: string, t: number): Bar => ({ symbol: 'BTC-USD', timeframe: '1m', time: t - 60_000, open: close, high: close, low: close, close, volume: '1' });

async function record(): Promise<void> {
  const env: TestServer = await startDevServer();
  const fake = await startFakeOpenAI();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-agents-rec-'));
  const config = loadConfig({ OPENAI_BASE_URL: fake.baseURL, OPENAI_MODEL: 'gpt-4o-mini', LLM_MAX_RETRIES: '0', EXECUTION_MODEL: 'gpt-4o-mini' });
  const taskQueue = 'agents-replay';
  const handlers = createHandlers({ client: env.client, config, taskQueue, dataDir, status: () => { throw new Error('n/a'); } });
  const callVerb = (name: string, input: unknown, ctx: { door: AgentDoor; correlationId?: string }) => dispatch(handlers, name, input, { door: ctx.door, correlationId: ctx.correlationId ?? 'replay' });
  const w = await runWorker(env, { taskQueue, activities: createActivities({ config, dataDir, bus: new EventBus(), log: silentLogger, client: env.client, callVerb }) });
  let n = 0;
  fake.respondWith((req): ScriptedReply => {
    const names = req.tools.map((t) => t.function.name);
    const last = req.messages[req.messages.length - 1]!;
    if (names.includes('propose_constraints')) return { kind: 'message', content: 'Bought into a fall; poor calibration.' };
    if (names.includes('place_order')) {
      n++;
      if (n === 1) return { kind: 'tool_calls', calls: [{ name: 'read_features', arguments: '{}' }] };
      if (n === 2) return { kind: 'tool_calls', calls: [{ name: 'place_order', arguments: JSON.stringify({ symbol: 'BTC-USD', side: 'buy', notional: '200', expected_edge_bps: 60, rationale: 'trend up' }) }] };
      return { kind: 'tool_calls', calls: [{ name: 'hold', arguments: '{"rationale":"wait"}' }] };
    }
    if (last.role === 'user') return { kind: 'tool_calls', calls: [{ name: 'get_portfolio_status', arguments: '{}' }] };
    return { kind: 'message', content: 'Your portfolio is shown above.' };
  });
  try {
    const ledger = await env.client.workflow.start(executionLedgerWorkflow, { taskQueue, workflowId: WORKFLOW_IDS.paperBook('default'), args: [{ portfolioId: 'default', initialCash: '1000', notify: false }] });
    await ledger.signal(barsSignal, [bar('60000', Date.now())]);
    await waitFor(async () => Object.keys((await ledger.query(portfolioStatusQuery)).marks).length > 0);
    const exec = await env.client.workflow.start(executionAgentWorkflow, {
      taskQueue,
      workflowId: IDS.exec,
      args: [{ portfolioId: 'default', nudgeSeconds: 3600, maxStalenessSeconds: 1800, minPriceMovePct: 0.5, judgeWorkflowId: IDS.judge }],
    });
    await exec.signal(nudgeNowSignal);
    await waitFor(async () => (await exec.query(executionStatusQuery)).decisions >= 1, 60_000);
    await exec.signal(nudgeNowSignal);
    await waitFor(async () => (await exec.query(executionStatusQuery)).skips >= 1);
    await ledger.signal(barsSignal, [bar('52000', Date.now())]);
    await waitFor(async () => (await ledger.query(portfolioStatusQuery)).marks['BTC-USD']!.price === '52000');
    await exec.signal(nudgeNowSignal);
    await waitFor(async () => (await exec.query(executionStatusQuery)).decisions >= 2, 60_000);
    const judge = await env.client.workflow.start(judgeAgentWorkflow, {
      taskQueue,
      workflowId: IDS.judge,
      args: [{ portfolioId: 'default', executionWorkflowId: IDS.exec, evaluationSeconds: 3600, startupDelaySeconds: 3600, threshold: 45, cooldownSeconds: 3600 }],
    });
    const ev = await judge.executeUpdate(evaluateNowUpdate, { args: [{}] });
    if (!ev.decision.switch) throw new Error(`expected a mode switch to record: ${ev.decision.reason}`);
    await judge.executeUpdate(evaluateNowUpdate, { args: [{}] });
    await waitFor(async () => (await exec.query(executionStatusQuery)).mode === 'conservative');
    const broker = await env.client.workflow.start(brokerAgentWorkflow, { taskQueue, workflowId: IDS.broker, args: [{ sessionId: 'replay' }] });
    await broker.executeUpdate(chatUpdate, { args: [{ message: 'what do I hold?' }] });
    fake.respondWith(() => ({ kind: 'error', status: 500, message: 'down' }));
    await broker.executeUpdate(chatUpdate, { args: [{ message: 'status' }] });
    for (const k of ['exec', 'judge', 'broker'] as const) {
      if (recordingHistory(NAMES[k])) saveHistory(NAMES[k], { cli: cliPath(), address: env.address, namespace: env.namespace, workflowId: IDS[k] });
    }
    for (const id of [IDS.exec, IDS.judge, IDS.broker, WORKFLOW_IDS.paperBook('default')]) await env.client.workflow.getHandle(id).terminate('recorded').catch(() => undefined);
  } finally {
    await w.stop();
    await fake.close();
    await env.stop({ clean: true });
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

describe('agent workflows replay', () => {
  it('replay the committed histories deterministically', async () => {
    // One recorded run makes all three; a recording run names the ones it rewrites.
    if (Object.values(NAMES).some((n) => recordingHistory(n))) await record();
    installRuntimeOnce();
    for (const k of ['exec', 'judge', 'broker'] as const) {
      const history = committedHistory(NAMES[k]);
      expect(history.events.length).toBeGreaterThan(10);
      await Worker.runReplayHistory({ workflowBundle: await workflowBundle(), replayName: `agents-${k}` }, loadHistory(history), IDS[k]);
    }
  });

  it('replays a run of the built-in policy from before the expected-edge patch, and one of today', async () => {
    if (recordingHistory('execution-agent-policy')) await recordPolicyRun(historyPath('execution-agent-policy'));
    installRuntimeOnce();
    const scheduled = (h: { events: Record<string, unknown>[] }) =>
      h.events.flatMap((e) => {
        const a = e.activityTaskScheduledEventAttributes as { activityType: { name: string } } | undefined;
        return a ? [a.activityType.name] : [];
      });
    const patchMarkers = (h: { events: Record<string, unknown>[] }) => h.events.filter((e) => 'markerRecordedEventAttributes' in e).length;
    for (const name of ['v1', 'today'] as const) {
      const history = committedHistory<{ events: Record<string, unknown>[] }>(name === 'v1' ? 'execution-agent-policy-v1' : 'execution-agent-policy');
      // Both decided orders (the old one a buy and a sell); only today's carries the patch marker.
      // (before the order port the activity was placeAgentOrder; through it, agentOrder).
      expect(scheduled(history).filter((n) => n === 'placeAgentOrder' || n === 'agentOrder').length, name).toBeGreaterThanOrEqual(2);
      expect(patchMarkers(history) > 0, name).toBe(name === 'today');
      await Worker.runReplayHistory({ workflowBundle: await workflowBundle(), replayName: `policy-${name}` }, loadHistory(history), POLICY_RUN_ID);
    }
  });
});
