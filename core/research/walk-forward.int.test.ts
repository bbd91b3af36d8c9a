import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWorker, startDevServer, type RunningWorker, type TestServer } from '../../tests/support/temporal';
import type { HandlerDeps } from '../host/handler-deps';
import { WORKFLOW_IDS } from '../domain/ids';
import { defaultMarketDataDir } from '../market/data/columns';
import { createResearchActivities } from './activities';
import { createResearchHandlers } from './handlers';
import { DataCache, runTrial, runWithCurve } from './runner';
import { WalkForwardRequestSchema } from './types';

let env: TestServer;
let worker: RunningWorker;
let research: ReturnType<typeof createResearchHandlers>;
const ctx = { door: 'test' as const, correlationId: 'it' };

beforeAll(async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-wf-'));
  env = await startDevServer();
  worker = await runWorker(env, { activities: createResearchActivities({ dataDir }) });
  research = createResearchHandlers({ client: env.client, taskQueue: worker.taskQueue, dataDir, config: {}, status: () => ({}) } as unknown as HandlerDeps);
});

afterAll(async () => {
  await worker?.stop();
  await env?.stop({ clean: true });
});

const spec = { strategy: 'sma_cross', symbols: ['BTC-USD'], timeframe: '1h', from: '2018-01-01', to: '2020-01-01', fees: { taker: '0.001', maker: '0.001' } } as const;

describe('walk-forward on a real dev server', () => {
  it('optimises each window in sample, runs its best out of sample, stitches and reports the degradation', async () => {
    const req = WalkForwardRequestSchema.parse({
      spec,
      space: { fast: { min: 3, max: 30 }, slow: { min: 20, max: 150 } },
      sampler: 'random',
      trialsPerWindow: 10,
      parallel: 4,
      seed: 3,
      objective: { metric: 'net_return', minTrades: 1 },
      windows: { mode: 'rolling', count: 3 },
      label: 'wf',
    });
    const { id } = await research.walk_forward(req, ctx);
    await env.client.workflow.getHandle(WORKFLOW_IDS.research(id)).result();
    const run = await research.get_research_run({ id }, ctx);
    expect(run.summary.status).toBe('completed');
    expect(run.summary.progress).toEqual({ done: 3, total: 3 });
    const wf = run.walkForward!;
    expect(wf.windows).toHaveLength(3);
    const cache = new DataCache(defaultMarketDataDir());
    const days: { t: number; equity: number }[][] = [];
    for (const w of wf.windows) {
      expect(w.status).toBe('done');
      expect(w.trials).toBe(10);
      expect(w.isTo).toBe(w.oosFrom);
      // The in-sample figures are those of the best parameters over the in-sample bars alone...
      const is = await runTrial({ index: 0, spec: req.spec, params: w.best!.params, objective: req.objective, window: { from: w.isFrom, to: w.isTo } }, cache);
      expect(is.metrics).toEqual(w.best!.metrics);
      // ...and the out-of-sample ones over the next window's bars.
      const oos = await runWithCurve({ index: 0, spec: req.spec, params: w.best!.params, objective: req.objective, window: { from: w.oosFrom, to: w.oosTo } }, cache);
      expect(oos.metrics).toEqual(w.oos!.metrics);
      expect(w.change).toBeCloseTo(oos.value! - w.best!.value, 12);
      days.push(oos.days);
    }
    for (let k = 1; k < 3; k++) expect(wf.windows[k]!.oosFrom).toBe(wf.windows[k - 1]!.oosTo);
    // The stitched run compounds the three out-of-sample runs.
    const compounded = days.reduce((f, d) => (f * d[d.length - 1]!.equity) / 10_000, 1) * 10_000;
    expect(Number(wf.report!.oos.finalEquity)).toBeCloseTo(compounded, 4);
    expect(wf.report!.testedWindows).toBe(3);
    expect(wf.report!.isMean).toBeCloseTo(wf.windows.reduce((a, w) => a + w.best!.value, 0) / 3, 12);
    expect(run.summary.headline).toMatch(/^rolling 3 windows: OOS net_return/);
  });

  it('refuses a range too short for the windows asked', async () => {
    const req = WalkForwardRequestSchema.parse({ spec: { ...spec, to: '2018-02-01' }, windows: { inSampleDays: 60, outOfSampleDays: 30 }, trialsPerWindow: 2 });
    await expect(research.walk_forward(req, ctx)).rejects.toThrow(/not enough for 60 in-sample \+ 30 out-of-sample days/);
  });
});
