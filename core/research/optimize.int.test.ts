import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWorker, startDevServer, waitFor, type RunningWorker, type TestServer } from '../../tests/support/temporal';
import { createBacktestActivities } from '../backtest/activities';
import type { ActivityDeps } from '../activities/deps';
import { EventBus } from '../host/bus';
import type { HandlerDeps } from '../host/handler-deps';
import { createBacktestHandlers } from '../backtest/handlers';
import { silentLogger } from '../runtime/log';
import { WORKFLOW_IDS } from '../domain/ids';
import { defaultMarketDataDir } from '../market/data/columns';
import { BacktestSpecSchema } from '../backtest/spec';
import { createResearchActivities } from './activities';
import { createResearchHandlers, optimizeInput } from './handlers';
import { optimizeWorkflow } from './optimize.workflow';
import { DataCache, runToResult } from './runner';
import { evaluate, metricsOf } from './objective';
import { OptimizeRequestSchema, type OptimizeState } from './types';
import { ResearchStore } from './store';

let env: TestServer;
let worker: RunningWorker;
let dataDir: string;
let research: ReturnType<typeof createResearchHandlers>;
let backtests: ReturnType<typeof createBacktestHandlers>;
const ctx = { door: 'test' as const, correlationId: 'it' };

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-research-'));
  env = await startDevServer();
  const deps = { dataDir, bus: new EventBus(), log: silentLogger, config: {} } as unknown as ActivityDeps;
  worker = await runWorker(env, { activities: { ...createBacktestActivities(deps), ...createResearchActivities(deps) } });
  const hdeps = { client: env.client, taskQueue: worker.taskQueue, dataDir, config: {}, status: () => ({}) } as unknown as HandlerDeps;
  research = createResearchHandlers(hdeps);
  backtests = createBacktestHandlers(hdeps);
});

afterAll(async () => {
  await worker?.stop();
  await env?.stop({ clean: true });
});

const spec = { strategy: 'sma_cross', symbols: ['BTC-USD'], timeframe: '1h', from: '2018-01-01', to: '2019-01-01', fees: { taker: '0.001', maker: '0.001' } } as const;

async function finished(id: string) {
  await env.client.workflow.getHandle(WORKFLOW_IDS.research(id)).result();
  const run = await research.get_research_run({ id }, ctx);
  expect(run.summary.status).toBe('completed');
  return run.optimize!;
}

describe('optimisation studies on a real dev server', () => {
  let first: OptimizeState;
  let firstId: string;

  it('runs a TPE study: every trial once, the best is the highest objective and reproduces as a plain backtest', async () => {
    const req = OptimizeRequestSchema.parse({ spec, space: { fast: { min: 3, max: 30 }, slow: { min: 20, max: 120 } }, sampler: 'tpe', trials: 24, parallel: 4, seed: 7, objective: { metric: 'sharpe', minTrades: 3 }, label: 'sma tpe' });
    const started = await research.optimize_strategy(req, ctx);
    expect(started.planned).toBe(24);
    expect(started.space.dims.map((d) => d.name)).toEqual(['fast', 'slow']);
    firstId = started.id;
    first = await finished(started.id);
    expect(first.trials.map((t) => t.index)).toEqual(Array.from({ length: 24 }, (_, i) => i));
    expect(first.running).toEqual([]);
    for (const t of first.trials) expect(Number(t.params.fast)).toBeLessThan(Number(t.params.slow));
    const ok = first.trials.filter((t) => t.status === 'ok');
    expect(ok.length).toBeGreaterThan(10);
    const best = first.trials.find((t) => t.index === first.best)!;
    expect(best.value).toBe(Math.max(...ok.map((t) => t.value!)));
    expect(first.counts.ok + first.counts.infeasible + first.counts.invalid + first.counts.failed).toBe(24);

    // The trial's figures are the backtest's own: a direct engine run of the same spec agrees.
    const parsed = BacktestSpecSchema.parse({ ...spec, params: best.params });
    const { result } = await runToResult(parsed, new DataCache(defaultMarketDataDir()).get(parsed));
    expect(metricsOf(result)).toEqual(best.metrics);
    expect(evaluate(metricsOf(result), first.objective).value).toBe(best.value);

    // One click away: the best trial as a full backtest, the same id on a second call.
    const opened = await research.open_trial_backtest({ id: started.id, trial: best.index }, ctx);
    expect(opened.created).toBe(true);
    await env.client.workflow.getHandle(WORKFLOW_IDS.backtest(opened.backtestId)).result();
    const bt = await backtests.get_backtest_result({ id: opened.backtestId, full: false }, ctx);
    expect(bt.summary.finalEquity).toBe(best.metrics!.finalEquity);
    expect(bt.summary.label).toBe(`sma tpe · trial ${best.index}`);
    expect(await research.open_trial_backtest({ id: started.id, trial: best.index }, ctx)).toEqual({ backtestId: opened.backtestId, created: false });

    const list = await research.list_research_runs({ limit: 10 }, ctx);
    expect(list.runs[0]!.id).toBe(started.id);
    expect(list.runs[0]!.headline).toMatch(/^best sharpe .*fast \d+ · slow \d+ \(trial \d+\)$/);
  });

  it('the same seed repeats the study trial for trial', async () => {
    const req = OptimizeRequestSchema.parse({ spec, space: { fast: { min: 3, max: 30 }, slow: { min: 20, max: 120 } }, sampler: 'tpe', trials: 24, parallel: 4, seed: 7, objective: { metric: 'sharpe', minTrades: 3 } });
    const again = await finished((await research.optimize_strategy(req, ctx)).id);
    const strip = (s: OptimizeState) => s.trials.map((t) => ({ index: t.index, params: t.params, status: t.status, value: t.value, metrics: t.metrics }));
    expect(strip(again)).toEqual(strip(first));
    expect(again.best).toBe(first.best);
    const other = await finished((await research.optimize_strategy({ ...req, seed: 8 }, ctx)).id);
    expect(strip(other)).not.toEqual(strip(first));
  });

  it('a grid study runs every valid point, continuing as new to keep its history bounded', async () => {
    const req = OptimizeRequestSchema.parse({ spec, space: { fast: { min: 5, max: 25, step: 5 }, slow: { values: [20, 40, 60] } }, sampler: 'grid', parallel: 3, objective: { metric: 'net_return' } });
    const id = 'rs_gridcontinue01';
    const input = { ...optimizeInput(id, req, 1), continueEvery: 4 };
    // 5 x 3 points; fast < slow leaves 13 (fast 20 and 25 need slow 40 or 60).
    expect(input.planned).toBe(13);
    const st = await env.client.workflow.execute(optimizeWorkflow, { workflowId: WORKFLOW_IDS.research(id), taskQueue: worker.taskQueue, args: [input] });
    expect(st.runs).toBe(4);
    expect(st.trials.map((t) => `${t.params.fast}/${t.params.slow}`)).toEqual(['5/20', '5/40', '5/60', '10/20', '10/40', '10/60', '15/20', '15/40', '15/60', '20/40', '20/60', '25/40', '25/60']);
    const stored = ResearchStore.forDataDir(dataDir).get<OptimizeState>(id)!;
    expect(stored.summary.status).toBe('completed');
    expect(stored.state.trials).toHaveLength(13);
  });

  it('refuses bad input at the door and names it', async () => {
    await expect(research.optimize_strategy(OptimizeRequestSchema.parse({ spec, space: { fast: { min: 0, max: 10 } } }), ctx)).rejects.toThrow(/space\.fast: 0 is below fast's minimum 1/);
    await expect(research.optimize_strategy(OptimizeRequestSchema.parse({ spec: { ...spec, strategy: 'agent' } }), ctx)).rejects.toThrow(/run_arena/);
    await expect(research.optimize_strategy(OptimizeRequestSchema.parse({ spec: { ...spec, symbols: ['DOGE-USD'] }, trials: 3 }), ctx)).rejects.toThrow(/no recorded data for DOGE-USD/);
    await expect(research.optimize_strategy(OptimizeRequestSchema.parse({ spec, sampler: 'grid', space: { fast: { min: 1, max: 100 }, slow: { min: 2, max: 200 } } }), ctx)).rejects.toThrow(/more than 2000 points/);
    await expect(research.get_research_run({ id: 'rs_doesnotexist' }, ctx)).rejects.toThrow(/no research run/);
    await expect(research.open_trial_backtest({ id: firstId, trial: 999 }, ctx)).rejects.toThrow(/no finished trial 999/);
  });

  it('can be cancelled; what finished is kept', async () => {
    const req = OptimizeRequestSchema.parse({ spec: { ...spec, from: '2017-01-01', to: '2022-01-01' }, sampler: 'random', trials: 400, parallel: 2, objective: { metric: 'net_return' } });
    const { id } = await research.optimize_strategy(req, ctx);
    await waitFor(async () => ((await research.get_research_run({ id }, ctx)).optimize?.trials.length ?? 0) >= 2, 60_000);
    expect((await research.cancel_research_run({ id }, ctx)).cancelled).toBe(true);
    await waitFor(async () => (await research.get_research_run({ id }, ctx)).summary.status === 'cancelled', 60_000);
    const run = await research.get_research_run({ id }, ctx);
    expect(run.optimize!.trials.length).toBeGreaterThanOrEqual(2);
    expect(run.optimize!.trials.length).toBeLessThan(400);
  });
});
