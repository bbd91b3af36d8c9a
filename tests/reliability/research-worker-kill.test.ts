/**
 * kill -9 of a worker process in the middle of an optimisation study: its trials in flight are
 * retried on another worker after the heartbeat timeout, the study completes, and every trial is
 * recorded exactly once with the figures a clean run of its parameters gives. Then the last
 * worker is killed too and a new one started (a host restart): the study resumes from its
 * workflow state and ends the same way.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevServer, waitFor, workflowBundle, type TestServer } from '../support/temporal';
import { WORKFLOW_IDS } from '../../core/domain/ids';
import { defaultMarketDataDir } from '../../core/market/data/columns';
import { optimizeInput } from '../../core/research/handlers';
import { researchStateQuery, type OptimizeInput } from '../../core/research/optimize.workflow';
import { DataCache, runTrial } from '../../core/research/runner';
import { OptimizeRequestSchema, type OptimizeState } from '../../core/research/types';

const root = fileURLToPath(new URL('../..', import.meta.url));
let env: TestServer;
let dir: string;
let bundlePath: string;
const children = new Set<ChildProcess>();
const taskQueue = 'research-kill';

beforeAll(async () => {
  env = await startDevServer();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-research-kill-'));
  bundlePath = path.join(dir, 'bundle.js');
  fs.writeFileSync(bundlePath, (await workflowBundle()).code);
});

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await env?.stop({ clean: true });
  fs.rmSync(dir, { recursive: true, force: true });
});

function startWorker(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'tests/support/research-worker.ts')], {
    cwd: root,
    env: { ...process.env, TEMPORAL_ADDRESS: env.address, TASK_QUEUE: taskQueue, BUNDLE_PATH: bundlePath, MARKET_DIR: defaultMarketDataDir(), DATA_DIR: dir },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.add(child);
  child.on('exit', () => children.delete(child));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (b: Buffer) => b.toString().includes('ready') && resolve(child));
    child.on('exit', (code) => reject(new Error(`worker exited with ${code}`)));
  });
}

function kill9(c: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    c.on('exit', () => resolve());
    c.kill('SIGKILL');
  });
}

const state = async (id: string) => (await env.client.workflow.getHandle(WORKFLOW_IDS.research(id)).query(researchStateQuery)).state as OptimizeState;

describe('worker killed mid-study', () => {
  it('completes with every trial exactly once, each as a clean run of its parameters', async () => {
    const req = OptimizeRequestSchema.parse({
      spec: { strategy: 'breakout', symbols: ['BTC-USD', 'ETH-USD', 'LTC-USD'], timeframe: '1h' },
      space: { lookback: { min: 5, max: 80 }, exitLookback: { min: 3, max: 60 } },
      sampler: 'tpe',
      trials: 40,
      parallel: 4,
      seed: 11,
      objective: { metric: 'net_return' },
    });
    const id = 'rs_killworker0001';
    const input: OptimizeInput = { ...optimizeInput(id, req, Date.now()), trialHeartbeatSeconds: 5, continueEvery: 15 };
    const a = await startWorker();
    const handle = await env.client.workflow.start('optimizeWorkflow', { workflowId: WORKFLOW_IDS.research(id), taskQueue, args: [input] });
    // A alone holds the trials in flight: kill it as soon as a few have finished and more are running.
    await waitFor(async () => {
      const s = await state(id).catch(() => null);
      return !!s && s.trials.length >= 3 && s.running.length > 0;
    }, 120_000, 20);
    // Kill A first (starting B takes seconds, in which A could finish the study), then bring B up
    // (a query needs a worker); A's trials in flight wait for their heartbeat timeout meanwhile.
    await kill9(a);
    const b = await startWorker();
    const atKill = await state(id);
    expect(atKill.trials.length).toBeLessThan(40);
    // Later, B dies too and C takes over: the study resumes from its workflow state.
    await waitFor(async () => (await state(id)).trials.length >= Math.min(39, atKill.trials.length + 8), 180_000, 50);
    await kill9(b);
    await startWorker();
    const done = (await handle.result()) as OptimizeState;

    expect(done.trials.map((t) => t.index)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(done.counts.failed).toBe(0);
    expect(done.runs).toBeGreaterThanOrEqual(3);
    // The trials A held when it died ran again on another worker.
    expect(done.trials.some((t) => t.attempt >= 2)).toBe(true);
    expect(new Set(done.trials.map((t) => t.worker)).size).toBeGreaterThanOrEqual(2);
    const cache = new DataCache(defaultMarketDataDir());
    for (const t of done.trials) {
      const clean = await runTrial({ index: t.index, spec: input.spec, params: t.params, objective: input.objective }, cache);
      expect({ index: t.index, status: clean.status, value: clean.value, metrics: clean.metrics }).toEqual({ index: t.index, status: t.status, value: t.value, metrics: t.metrics });
    }
  });
});
