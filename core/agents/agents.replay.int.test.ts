/**
 * Determinism guard for the three agent workflows: replays committed histories of real runs
 * (model tool loop with an order, a skip, a mode switch by the judge with a prompt version, a
 * broker chat with a tool call and one through the command language) against today's code.
 *
 * Re-record only for an intended, versioned change: VIGIL_RECORD_HISTORIES=1 npx vitest run
 * --project integration core/agents/agents.replay.int.test.ts
 *
 * Two more histories of the execution agent deciding with the built-in policy
 * (tests/support/record-policy-run.ts): `execution-agent-policy-v1.json`, recorded by the release
 * before the expected-edge policy (it buys a rise and sells a fall; it can no longer be
 * re-recorded, the code is gone) must replay through the `policy-expected-edge` patch on the old
 * policy; `execution-agent-policy.json` is today's.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
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
import { dispatch } from '../api/dispatch';
import { barsSignal, executionLedgerWorkflow, portfolioStatusQuery } from '../workflows/execution-ledger';
import { executionAgentWorkflow, executionStatusQuery, nudgeNowSignal } from '../workflows/execution-agent';
import { evaluateNowUpdate, judgeAgentWorkflow } from '../workflows/judge-agent';
import { brokerAgentWorkflow, chatUpdate } from '../workflows/broker-agent';
import { loadHistory } from '../../tests/support/replay';
import { POLICY_RUN_ID, recordPolicyRun } from '../../tests/support/record-policy-run';

const DIR = fileURLToPath(new URL('../../tests/histories/', import.meta.url));
const IDS = { exec: 'vigil/agent/execution/replay', judge: 'vigil/agent/judge/replay', broker: WORKFLOW_IDS.brokerSession('replay') };
const FILES = { exec: path.join(DIR, 'execution-agent.json'), judge: path.join(DIR, 'judge-agent.json'), broker: path.join(DIR, 'broker-agent.json') };

const bar = (close: string, t: number): Bar => ({ symbol: 'BTC-USD', timeframe: '1m', time: t - 60_000, open: close, high: close, low: close, close, volume: '1' });

async function record(): Promise<void> {
  const env: TestServer = await startDevServer();
  const fake = await startFakeOpenAI();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-agents-rec-'));
  const config = loadConfig({ OPENAI_BASE_URL: fake.baseURL, OPENAI_MODEL: 'gpt-4o-mini', LLM_MAX_RETRIES: '0', EXECUTION_MODEL: 'gpt-4o-mini' });
  const taskQueue = 'agents-replay';
  const handlers = createHandlers({ client: env.client, config, taskQueue, dataDir, status: () => { throw new Error('n/a'); } });
  const callVerb = (name: string, input: unknown) => dispatch(handlers, name, input, { door: 'agent', correlationId: 'replay' });
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
    const ledger = await env.client.workflow.start(executionLedgerWorkflow, { taskQueue, workflowId: WORKFLOW_IDS.executionLedger('default'), args: [{ portfolioId: 'default', initialCash: '1000', notify: false }] });
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
    fs.mkdirSync(DIR, { recursive: true });
    for (const k of ['exec', 'judge', 'broker'] as const) {
      const json = execFileSync(cliPath(), ['workflow', 'show', '--workflow-id', IDS[k], '--address', env.address, '--namespace', env.namespace, '--output', 'json'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      fs.writeFileSync(FILES[k], `${JSON.stringify(JSON.parse(json), null, 1)}\n`);
    }
    for (const id of [IDS.exec, IDS.judge, IDS.broker, WORKFLOW_IDS.executionLedger('default')]) await env.client.workflow.getHandle(id).terminate('recorded').catch(() => undefined);
  } finally {
    await w.stop();
    await fake.close();
    await env.stop({ clean: true });
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** proto3 JSON -> History through @temporalio/proto's own protobufjs (see execution-ledger.replay.int.test.ts). */

describe('agent workflows replay', () => {
  it('replay the committed histories deterministically', async () => {
    if (process.env.VIGIL_RECORD_HISTORIES === '1' || !Object.values(FILES).every((f) => fs.existsSync(f))) await record();
    installRuntimeOnce();
    for (const k of ['exec', 'judge', 'broker'] as const) {
      const history = JSON.parse(fs.readFileSync(FILES[k], 'utf8')) as { events: { eventType?: string }[] };
      expect(history.events.length).toBeGreaterThan(10);
      await Worker.runReplayHistory({ workflowBundle: await workflowBundle(), replayName: `agents-${k}` }, loadHistory(history), IDS[k]);
    }
  });

  it('replays a run of the built-in policy from before the expected-edge patch, and one of today', async () => {
    const today = path.join(DIR, 'execution-agent-policy.json');
    if (process.env.VIGIL_RECORD_HISTORIES === '1' || !fs.existsSync(today)) await recordPolicyRun(today);
    installRuntimeOnce();
    const scheduled = (h: { events: Record<string, unknown>[] }) =>
      h.events.flatMap((e) => {
        const a = e.activityTaskScheduledEventAttributes as { activityType: { name: string } } | undefined;
        return a ? [a.activityType.name] : [];
      });
    const patchMarkers = (h: { events: Record<string, unknown>[] }) => h.events.filter((e) => 'markerRecordedEventAttributes' in e).length;
    for (const [name, file] of [['v1', path.join(DIR, 'execution-agent-policy-v1.json')], ['today', today]] as const) {
      const history = JSON.parse(fs.readFileSync(file, 'utf8')) as { events: Record<string, unknown>[] };
      // Both decided orders (the old one a buy and a sell); only today's carries the patch marker.
      expect(scheduled(history).filter((n) => n === 'placeAgentOrder').length, name).toBeGreaterThanOrEqual(2);
      expect(patchMarkers(history) > 0, name).toBe(name === 'today');
      await Worker.runReplayHistory({ workflowBundle: await workflowBundle(), replayName: `policy-${name}` }, loadHistory(history), POLICY_RUN_ID);
    }
  });
});
