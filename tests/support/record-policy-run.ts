/**
 * Records a history of the execution agent deciding with the built-in policy (no model): a paper
 * ledger, fourteen nudges on BTC-USD prices (warm-up, orders, holds), a mode change to
 * conservative and one more nudge, then `temporal workflow show` of the agent into
 * `file`. core/agents/agents.replay.int.test.ts replays such histories: one recorded with the
 * policy before the `policy-expected-edge` patch (kept in tests/histories) and one with today's.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { cliPath, runWorker, startDevServer, waitFor } from './temporal';
import { createActivities } from '../../core/activities';
import { EventBus } from '../../core/host/bus';
import { silentLogger } from '../../core/runtime/log';
import { loadConfig } from '../../core/runtime/config';
import type { Bar } from '../../core/domain/market';
import { barsSignal, executionLedgerWorkflow, portfolioStatusQuery } from '../../core/paper/paper-book.workflow';
import { executionAgentWorkflow, executionStatusQuery, nudgeNowSignal, setExecutionModeUpdate } from '../../core/agents/execution-agent.workflow';

export const POLICY_RUN_ID = 'vigil/agent/execution/policy-replay';

export async function recordPolicyRun(file: string): Promise<void> {
  const env = await startDevServer();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-policy-rec-'));
  const config = loadConfig({});
  const taskQueue = 'policy-replay';
  const w = await runWorker(env, { taskQueue, activities: createActivities({ config, dataDir, bus: new EventBus(), log: silentLogger, client: env.client }) });
  const ledgerId = 'vigil/execution-ledger/policy-replay';
  try {
    const ledger = await env.client.workflow.start(executionLedgerWorkflow, { taskQueue, workflowId: ledgerId, args: [{ portfolioId: 'policy-replay', initialCash: '1000', notify: false }] });
    const exec = await env.client.workflow.start(executionAgentWorkflow, {
      taskQueue,
      workflowId: POLICY_RUN_ID,
      args: [{ portfolioId: 'policy-replay', nudgeSeconds: 3600, maxStalenessSeconds: 1800, minPriceMovePct: 0 }],
    });
    const nudge = async (i: number, close: string) => {
      const bar: Bar = { symbol: 'BTC-USD', timeframe: '1m', time: Date.now() - 60_000, open: close, high: close, low: close, close, volume: '1' };
      await ledger.signal(barsSignal, [bar]);
      await waitFor(async () => (await ledger.query(portfolioStatusQuery)).marks['BTC-USD']?.price === close);
      await exec.signal(nudgeNowSignal);
      await waitFor(async () => {
        const st = await exec.query(executionStatusQuery);
        return st.decisions + st.skips >= i + 1;
      }, 60_000);
    };
    // Rising with real pullbacks, then a sharp fall: the policy before the patch bought the rise
    // and sold the fall; today's buys its allocation once warmed up and holds through the fall.
    const closes = Array.from({ length: 12 }, (_, i) => (60000 * (1 + i * 0.001 + (i % 2 ? -0.004 : 0))).toFixed(2));
    closes.push(...[0.97, 0.94].map((f) => (60000 * f).toFixed(2)));
    for (const [i, c] of closes.entries()) await nudge(i, c);
    await exec.executeUpdate(setExecutionModeUpdate, { args: [{ mode: 'conservative', by: 'recorder', reason: 'record a mode change' }] });
    await nudge(closes.length, (60000 * 0.95).toFixed(2));
    const json = execFileSync(cliPath(), ['workflow', 'show', '--workflow-id', POLICY_RUN_ID, '--address', env.address, '--namespace', env.namespace, '--output', 'json'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    fs.writeFileSync(file, `${JSON.stringify(JSON.parse(json), null, 1)}\n`);
    for (const id of [POLICY_RUN_ID, ledgerId]) await env.client.workflow.getHandle(id).terminate('recorded').catch(() => undefined);
  } finally {
    await w.stop();
    await env.stop({ clean: true });
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
