/**
 * An arena on a real dev server: the built-in policy and two models served by the local
 * OpenAI-compatible server (one priced, one local), repeated samples, ranked net of fees and model
 * cost; a rerun is answered from the response cache without one request.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWorker, startDevServer, type RunningWorker, type TestServer } from '../../tests/support/temporal';
import type { HandlerDeps } from '../host/handler-deps';
import type { VigilConfig } from '../runtime/config';
import { WORKFLOW_IDS } from '../domain/ids';
import { Dec } from '../domain/decimal';
import { startFakeOpenAI, type FakeOpenAI, type RecordedRequest, type ScriptedReply } from '../testing/fake-openai/server';
import { createResearchActivities } from './activities';
import { createResearchHandlers } from './handlers';
import { ArenaRequestSchema } from './types';

let env: TestServer;
let worker: RunningWorker;
let fake: FakeOpenAI;
let research: ReturnType<typeof createResearchHandlers>;
const ctx = { door: 'test' as const, correlationId: 'it' };

const nudgeOf = (req: RecordedRequest) => Number(/Nudge (\d+)/.exec(String(req.messages.find((m) => m.role === 'user')?.content))?.[1]);
const order = (side: 'buy' | 'sell', amount: string): ScriptedReply => ({
  kind: 'tool_calls',
  usage: { prompt: 900, completion: 50 },
  calls: [{ name: 'place_order', arguments: JSON.stringify({ symbol: 'BTC-USD', side, ...(side === 'buy' ? { notional: amount } : { quantity: amount }), expected_edge_bps: 20, rationale: 'test' }) }],
});
const hold: ScriptedReply = { kind: 'tool_calls', usage: { prompt: 900, completion: 30 }, calls: [{ name: 'hold', arguments: JSON.stringify({ rationale: 'wait' }) }] };

beforeAll(async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-arena-'));
  fake = await startFakeOpenAI();
  let noisy = 0;
  fake.respondWith((req) => {
    const n = nudgeOf(req);
    // gpt-4o-mini (priced): buy on odd nudges, sell on every fourth, else hold.
    if (req.model === 'gpt-4o-mini') return n % 4 === 0 ? order('sell', '1000') : n % 2 === 1 ? order('buy', '2000') : hold;
    // A local model that answers differently each time it is asked.
    noisy++;
    return noisy % 3 === 0 ? order('buy', '3000') : noisy % 3 === 1 ? order('sell', '1000') : hold;
  });
  env = await startDevServer();
  const config = { secrets: {}, LLM_TIMEOUT_SECONDS: 30, LLM_MAX_RETRIES: 0 } as unknown as VigilConfig;
  worker = await runWorker(env, { activities: createResearchActivities({ dataDir, config }) });
  research = createResearchHandlers({ client: env.client, taskQueue: worker.taskQueue, dataDir, config, status: () => ({}) } as unknown as HandlerDeps);
});

afterAll(async () => {
  await worker?.stop();
  await env?.stop({ clean: true });
  await fake?.close();
});

describe('arena on a real dev server against the local model server', () => {
  it('ranks the configurations net of fees and model cost, with agreement and sample spread; a rerun pays nothing', async () => {
    const req = ArenaRequestSchema.parse({
      spec: { strategy: 'policy', symbols: ['BTC-USD'], timeframe: '1h', from: '2018-03-01', to: '2018-04-01' },
      contestants: [
        { label: 'policy', kind: 'policy', mode: 'standard' },
        { label: 'mini', kind: 'agent', mode: 'standard', every: 24, model: 'gpt-4o-mini', baseUrl: fake.baseURL },
        { label: 'local', kind: 'agent', mode: 'aggressive', every: 24, model: 'local-noisy', baseUrl: fake.baseURL },
      ],
      samples: 2,
      budget: { maxCalls: 200, maxCostUsd: '1', rpm: 100000 },
      label: 'arena',
    });
    const { id } = await research.run_arena(req, ctx);
    await env.client.workflow.getHandle(WORKFLOW_IDS.research(id)).result();
    const run = await research.get_research_run({ id }, ctx);
    expect(run.summary.status).toBe('completed');
    const a = run.arena!;
    // The policy runs once; each model twice.
    expect(a.runs.map((r) => [r.contestant, r.sample, r.status])).toEqual([
      [0, 0, 'ok'],
      [1, 0, 'ok'],
      [1, 1, 'ok'],
      [2, 0, 'ok'],
      [2, 1, 'ok'],
    ]);
    const sent = fake.requests.length;
    // 31 days of 1h bars, a nudge every 24: 30 questions per model run (the last bar's is not asked), each sample asked afresh.
    expect(fake.requests.filter((r) => r.model === 'gpt-4o-mini')).toHaveLength(2 * 30);
    for (const r of a.runs) expect(r.net).toBe(Dec.of(r.pnl!).sub(r.modelCost!).toString());
    const mini = a.runs.filter((r) => r.contestant === 1);
    expect(Number(mini[0]!.modelCost)).toBeGreaterThan(0);
    expect(a.runs.filter((r) => r.contestant === 2).every((r) => r.modelCost === '0')).toBe(true);
    expect(mini[0]!.decisions!.buy).toBeGreaterThan(0);
    // Ranked by mean net, best first.
    const nets = a.ranking.map((x) => Number(x.net));
    expect([...nets].sort((x, y) => y - x)).toEqual(nets);
    expect(a.ranking.find((x) => x.label === 'mini')!.net).toBe(Dec.sum(mini.map((r) => Dec.of(r.net!))).div(Dec.int(2)).round(8).toString());
    // The same answers for both samples of a deterministic model; different ones for the noisy one.
    expect(a.selfAgreement[1]).toBe(1);
    expect(a.selfAgreement[2]).toBeLessThan(1);
    expect(a.ranking.find((x) => x.label === 'local')!.netStdev).toBeGreaterThan(0);
    expect(a.agreement[0]![0]).toBe(1);
    expect(a.agreement[1]![2]).toBe(a.agreement[2]![1]);
    expect(a.agreement[0]![1]).not.toBeNull();

    // The same arena again: every answer comes from the cache.
    const again = await research.run_arena(req, ctx);
    await env.client.workflow.getHandle(WORKFLOW_IDS.research(again.id)).result();
    const b = (await research.get_research_run({ id: again.id }, ctx)).arena!;
    expect(fake.requests.length).toBe(sent);
    expect(b.runs.map((r) => [r.pnl, r.net, r.decisions])).toEqual(a.runs.map((r) => [r.pnl, r.net, r.decisions]));
    expect(b.runs.filter((r) => r.contestant > 0).every((r) => r.calls === 0)).toBe(true);
  });

  it('refuses data it does not have in the call', async () => {
    const req = ArenaRequestSchema.parse({ spec: { strategy: 'policy', symbols: ['DOGE-USD'], timeframe: '1h' }, contestants: [{ label: 'a', kind: 'policy' }, { label: 'b', kind: 'policy', mode: 'aggressive' }] });
    await expect(research.run_arena(req, ctx)).rejects.toThrow(/no recorded data for DOGE-USD/);
  });

  it('a contestant without a model fails alone, with the reason', async () => {
    const req = ArenaRequestSchema.parse({
      spec: { strategy: 'policy', symbols: ['BTC-USD'], timeframe: '1h', from: '2018-03-01', to: '2018-03-05' },
      contestants: [
        { label: 'policy', kind: 'policy' },
        { label: 'nobody', kind: 'agent', every: 24 },
      ],
    });
    const { id } = await research.run_arena(req, ctx);
    await env.client.workflow.getHandle(WORKFLOW_IDS.research(id)).result();
    const a = (await research.get_research_run({ id }, ctx)).arena!;
    expect(a.runs[1]!.status).toBe('failed');
    expect(a.runs[1]!.error).toMatch(/contestant nobody: no model to ask/);
    expect(a.ranking[0]!.label).toBe('policy');
  });
});
