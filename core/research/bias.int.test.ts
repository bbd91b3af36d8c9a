import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWorker, startDevServer, type RunningWorker, type TestServer } from '../../tests/support/temporal';
import type { HandlerDeps } from '../host/handler-deps';
import { WORKFLOW_IDS } from '../domain/ids';
import { createResearchActivities } from './activities';
import { createResearchHandlers } from './handlers';
import { BiasRequestSchema } from './types';

let env: TestServer;
let worker: RunningWorker;
let research: ReturnType<typeof createResearchHandlers>;
const ctx = { door: 'test' as const, correlationId: 'it' };

beforeAll(async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bias-'));
  env = await startDevServer();
  worker = await runWorker(env, { activities: createResearchActivities({ dataDir }) });
  research = createResearchHandlers({ client: env.client, taskQueue: worker.taskQueue, dataDir, config: {}, status: () => ({}) } as unknown as HandlerDeps);
});

afterAll(async () => {
  await worker?.stop();
  await env?.stop({ clean: true });
});

describe('bias checks on a real dev server', () => {
  it('runs the three checks as activities and stores what they found', async () => {
    const req = BiasRequestSchema.parse({ spec: { strategy: 'rsi_reversion', symbols: ['BTC-USD', 'ETH-USD'], timeframe: '4h', from: '2018-01-01', to: '2020-01-01' }, cuts: 6, offsets: [30, 300], horizon: 600, label: 'rsi bias' });
    const { id } = await research.check_bias(req, ctx);
    await env.client.workflow.getHandle(WORKFLOW_IDS.research(id)).result();
    const run = await research.get_research_run({ id }, ctx);
    expect(run.summary.status).toBe('completed');
    const b = run.bias!;
    expect(b.parts).toEqual({ lookahead: 'done', features: 'done', warmup: 'done' });
    expect(b.lookahead!.cuts).toHaveLength(6);
    expect(b.lookahead!.differenceCount).toBe(0);
    expect(b.features!.differenceCount).toBe(0);
    expect(b.features!.cuts).toBe(12); // 6 cuts x 2 symbols
    expect(b.warmup!.offsets.map((o) => o.offset)).toEqual([30, 300]);
    // Wilder's RSI is recursive: a later start sees different values, so some decisions differ.
    expect(b.warmup!.features.find((f) => f.name === 'rsi_14')!.bars).toBeGreaterThan(14);
    expect(run.summary.headline).toMatch(/^no lookahead in [\d,]+ decisions over 6 cuts; 21 features: no lookahead; /);
    const list = await research.list_research_runs({ kind: 'bias', limit: 5 }, ctx);
    expect(list.runs.map((r) => r.id)).toEqual([id]);
  });

  it('refuses data it does not have in the call', async () => {
    await expect(research.check_bias(BiasRequestSchema.parse({ spec: { strategy: 'sma_cross', symbols: ['DOGE-USD'], timeframe: '1h' } }), ctx)).rejects.toThrow(/no recorded data for DOGE-USD/);
  });
});
