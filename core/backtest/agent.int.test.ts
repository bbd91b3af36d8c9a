/**
 * The `agent` strategy through the Temporal backtest workflow on a real dev server, with the real
 * LlmClient against the local OpenAI-compatible server: chunked, progress reported, a worker
 * restart mid-run resumed from the checkpoint without paying for any answer twice, and a rerun
 * answered entirely from the cache.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevServer, runWorker, waitFor, type RunningWorker, type TestServer } from '../../tests/support/temporal';
import { createBacktestActivities } from './activities';
import type { ActivityDeps } from '../activities/deps';
import { WORKFLOW_IDS } from '../domain/ids';
import { EventBus } from '../host/bus';
import { silentLogger } from '../runtime/log';
import { startFakeOpenAI, type FakeOpenAI, type RecordedRequest, type ScriptedReply } from '../testing/fake-openai/server';
import { backtestProgressQuery, backtestWorkflow } from './backtest.workflow';
import type { BacktestResult } from './result';
import { BacktestSpecSchema } from './spec';
import { BacktestStore } from './store';

let env: TestServer;
let fake: FakeOpenAI;
let dataDir: string;
let worker: RunningWorker | null = null;
const bus = new EventBus();
const progress: { id: string; status: string; stepsDone: number }[] = [];
const taskQueue = `agent-bt-${process.pid}`;

function nudgeOf(req: RecordedRequest): number {
  return Number(/Nudge (\d+)/.exec(String(req.messages.find((m) => m.role === 'user')?.content))?.[1]);
}

/** Buy $3000, hold, sell everything, by nudge number. */
function decide(req: RecordedRequest): ScriptedReply {
  const n = nudgeOf(req);
  const usage = { prompt: 800, completion: 60 };
  if (n % 3 === 1) return { kind: 'tool_calls', usage, calls: [{ name: 'place_order', arguments: JSON.stringify({ symbol: 'BTC-USDT', side: 'buy', notional: '3000', expected_edge_bps: 30, rationale: 'momentum' }) }] };
  if (n % 3 === 2) return { kind: 'tool_calls', usage, calls: [{ name: 'hold', arguments: JSON.stringify({ rationale: 'wait' }) }] };
  return { kind: 'tool_calls', usage, calls: [{ name: 'place_order', arguments: JSON.stringify({ symbol: 'BTC-USDT', side: 'sell', quantity: '1000', expected_edge_bps: 10, rationale: 'exit' }) }] };
}

const answered: string[] = [];
let stall: number | null = null;

async function startWorker(): Promise<RunningWorker> {
  const config = { OPENAI_BASE_URL: fake.baseURL, OPENAI_MODEL: 'fake-model', LLM_TIMEOUT_SECONDS: 60, LLM_MAX_RETRIES: 0, secrets: {} };
  const deps = { dataDir, bus, log: silentLogger, config } as unknown as ActivityDeps;
  return runWorker(env, { activities: createBacktestActivities(deps), taskQueue, shutdownGraceTime: '1 second' });
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-agent-int-'));
  bus.on('backtest.progress', (p) => progress.push(p));
  fake = await startFakeOpenAI();
  fake.respondWith((req) => {
    // The first time nudge `stall` is asked, the model never answers (the worker is stopped then).
    if (stall !== null && nudgeOf(req) === stall) {
      stall = null;
      return { kind: 'delay', ms: 600_000 };
    }
    answered.push(createHash('sha256').update(JSON.stringify(req.messages)).digest('hex'));
    return decide(req);
  });
  env = await startDevServer();
});

afterAll(async () => {
  await worker?.stop();
  await env?.stop({ clean: true });
  await fake?.close();
});

const spec = BacktestSpecSchema.parse({ strategy: 'agent', symbols: ['BTC-USDT'], timeframe: '1m', params: { every: 120, rpm: 100_000 }, fees: { taker: '0.001', maker: '0.001' } });

function stored(id: string): BacktestResult {
  const s = new BacktestStore(path.join(dataDir, 'backtests.sqlite'));
  try {
    return s.result(id)!;
  } finally {
    s.close();
  }
}

function tradingPart(r: BacktestResult) {
  const { summary, model, ...rest } = r;
  const { id: _i, createdAt: _c, finishedAt: _f, model: _m, ...s } = summary;
  const { calls: _k, cacheHits: _h, spentPromptTokens: _p, spentCompletionTokens: _q, spentCostUsd: _s, ...m } = model!;
  return { ...rest, summary: s, model: m };
}

describe('agent strategy through the backtest workflow', () => {
  let first: BacktestResult;

  it('runs in chunks, reports progress, and survives a worker restart mid-run without paying twice', async () => {
    const id = 'bt_agentrestart1';
    stall = 12; // in the second chunk (nudges 9..16 fall in steps 1000..1999)
    worker = await startWorker();
    const h = await env.client.workflow.start(backtestWorkflow, { workflowId: WORKFLOW_IDS.backtest(id), taskQueue, args: [{ id, spec, createdAt: 1, chunkSteps: 1000 }] });
    await waitFor(() => fake.requests.some((r) => nudgeOf(r) === 12), 120_000);
    const q = await h.query(backtestProgressQuery);
    expect(q.chunk).toBe(1);
    expect(q.stepsDone).toBe(1000);
    await worker.stop();
    worker = await startWorker();
    const summary = await h.result();
    expect(summary.status).toBe('completed');
    expect(progress.filter((p) => p.id === id && p.status === 'running').length).toBeGreaterThan(3);
    expect(progress.some((p) => p.id === id && p.status === 'completed')).toBe(true);

    first = stored(id);
    // 2,880 bars, a nudge every 120: 24 nudges, the last on the final bar (nothing could fill).
    expect(first.model).toMatchObject({ decisions: 24, lastBarSkips: 1, requests: 23, calls: 23, buys: 8, holds: 8, sells: 7, invalidDecisions: 0 });
    // Every answer was paid for once: the restarted chunk re-read nudges 9..11 from the cache.
    expect(answered).toHaveLength(23);
    expect(new Set(answered).size).toBe(23);
    expect(first.fills.length).toBeGreaterThan(10);
    expect(first.summary.model).toMatchObject({ calls: 23, decisions: 24 });
  });

  it('a rerun of the same spec makes zero model requests and gives the identical result', async () => {
    const before = fake.requests.length;
    const id = 'bt_agentrerun01';
    const summary = await env.client.workflow.execute(backtestWorkflow, { workflowId: WORKFLOW_IDS.backtest(id), taskQueue, args: [{ id, spec, createdAt: 2, chunkSteps: 1000 }] });
    expect(summary.status).toBe('completed');
    expect(fake.requests.length).toBe(before);
    const again = stored(id);
    expect(again.model).toMatchObject({ requests: 23, calls: 0, cacheHits: 23, spentCostUsd: '0' });
    expect(tradingPart(again)).toEqual(tradingPart(first));
  });

  it('cancelling while a model request is in flight ends the run, kept as cancelled', async () => {
    const id = 'bt_agentcancel1';
    stall = 2;
    const cancelSpec = BacktestSpecSchema.parse({ ...spec, params: { every: 100, rpm: 100_000 } });
    const before = fake.requests.length;
    const h = await env.client.workflow.start(backtestWorkflow, { workflowId: WORKFLOW_IDS.backtest(id), taskQueue, args: [{ id, spec: cancelSpec, createdAt: 3, chunkSteps: 1000 }] });
    await waitFor(() => fake.requests.slice(before).some((r) => nudgeOf(r) === 2), 60_000);
    await h.cancel();
    await expect(h.result()).rejects.toThrow();
    await waitFor(() => {
      const s = new BacktestStore(path.join(dataDir, 'backtests.sqlite'));
      try {
        return s.get(id)?.status === 'cancelled';
      } finally {
        s.close();
      }
    }, 30_000);
  });
});
