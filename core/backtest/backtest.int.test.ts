import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevServer, runWorker, waitFor, type RunningWorker, type TestServer } from '../../tests/support/temporal';
import { createBacktestActivities } from './activities';
import type { ActivityDeps } from '../activities/deps';
import { EventBus } from '../host/bus';
import { createBacktestHandlers } from './handlers';
import type { HandlerDeps } from '../host/handler-deps';
import { silentLogger } from '../runtime/log';
import { WORKFLOW_IDS } from '../domain/ids';
import { backtestWorkflow } from './backtest.workflow';
import { createEngine } from './engine';
import { defaultMarketDataDir } from '../market/data/columns';
import { buildResult, prepare } from './runner';
import { BacktestSpecSchema } from './spec';
import { BacktestStore } from './store';
import { RESULT_FILLS, RESULT_TRADES } from './result';

let env: TestServer;
let worker: RunningWorker;
let dataDir: string;
const bus = new EventBus();
const progress: { id: string; barsDone: number; status: string }[] = [];
let handlers: ReturnType<typeof createBacktestHandlers>;
const ctx = { door: 'test' as const, correlationId: 'it' };

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bt-'));
  bus.on('backtest.progress', (p) => progress.push(p));
  env = await startDevServer();
  const deps = { dataDir, bus, log: silentLogger, config: {} } as unknown as ActivityDeps;
  worker = await runWorker(env, { activities: createBacktestActivities(deps) });
  const hdeps = { client: env.client, taskQueue: worker.taskQueue, dataDir, config: {}, status: () => ({}) } as unknown as HandlerDeps;
  handlers = createBacktestHandlers(hdeps);
});

afterAll(async () => {
  await worker?.stop();
  await env?.stop({ clean: true });
});

const spec = { strategy: 'sma_cross', symbols: ['BTC-USD'], timeframe: '1h', params: { fast: 10, slow: 30 }, from: '2018-01-01', to: '2019-01-01' } as const;

describe('backtest workflow on a real dev server', () => {
  it('runs through the verbs, stores the result and lists it', async () => {
    const { id, totalBars } = await handlers.run_backtest(BacktestSpecSchema.parse(spec), ctx);
    expect(totalBars).toBeGreaterThan(8000);
    await env.client.workflow.getHandle(WORKFLOW_IDS.backtest(id)).result();
    const got = await handlers.get_backtest_result({ id, full: true }, ctx);
    expect(got.status).toBe('completed');
    expect(got.progress.barsDone).toBe(totalBars);
    expect(got.result!.fills.length).toBeGreaterThan(10);
    expect(got.result!.performance.samples).toBeGreaterThan(100);
    expect(progress.some((p) => p.id === id && p.status === 'completed')).toBe(true);
    const list = await handlers.list_backtests({ limit: 10 }, ctx);
    expect(list.backtests.map((b) => b.id)).toContain(id);
  });

  it('a result is read with its newest trades and fills; the rest pages in, so no payload grows with the run', async () => {
    const busy = BacktestSpecSchema.parse({ ...spec, symbols: ['BTC-USD', 'ETH-USD'], params: { fast: 2, slow: 4 }, risk: 'none', from: '2017-01-01', to: '2022-01-01' });
    const { id } = await handlers.run_backtest(busy, ctx);
    await env.client.workflow.getHandle(WORKFLOW_IDS.backtest(id)).result();
    const stored = BacktestStore.forDataDir(dataDir).result(id)!;
    expect(stored.trades.length).toBeGreaterThan(RESULT_TRADES);
    const got = (await handlers.get_backtest_result({ id, full: true }, ctx)).result!;
    expect(got.tradesTotal).toBe(stored.trades.length);
    expect(got.trades).toEqual(stored.trades.slice(-RESULT_TRADES));
    expect(got.fills).toEqual(stored.fills.slice(-RESULT_FILLS));
    expect(got.fillsTotal).toBe(stored.fillsTotal);
    expect(JSON.stringify(got).length).toBeLessThan(JSON.stringify(stored).length);
    const pages = [];
    for (let offset = 0; offset < got.tradesTotal!; offset += 300) {
      const page = await handlers.get_backtest_rows({ id, list: 'trades', offset, limit: 300 }, ctx);
      expect(page.total).toBe(stored.trades.length);
      pages.push(...page.trades!);
    }
    expect(pages).toEqual(stored.trades);
    const fills = await handlers.get_backtest_rows({ id, list: 'fills', offset: 0, limit: 5 }, ctx);
    expect(fills.fills).toEqual(stored.fills.slice(0, 5));
    await expect(handlers.get_backtest_rows({ id: 'bt_nope', list: 'fills', offset: 0, limit: 5 }, ctx)).rejects.toThrow(/no backtest/);
  });

  it('a run in many chunks (checkpoint after each) equals one uninterrupted engine run', async () => {
    const id = 'bt_chunked0001';
    const parsed = BacktestSpecSchema.parse(spec);
    const summary = await env.client.workflow.execute(backtestWorkflow, { workflowId: WORKFLOW_IDS.backtest(id), taskQueue: worker.taskQueue, args: [{ id, spec: parsed, createdAt: 1, chunkSteps: 1000 }] });
    const p = prepare(parsed, defaultMarketDataDir());
    const e = createEngine(p.cfg, p.series);
    e.run(Infinity);
    const direct = buildResult(parsed, p, e.state(), { id, createdAt: 1, finishedAt: 2 });
    expect(summary.finalEquity).toBe(direct.summary.finalEquity);
    const stored = new BacktestStore(path.join(dataDir, 'backtests.sqlite'));
    try {
      expect(stored.result(id)!.fills).toEqual(direct.fills);
    } finally {
      stored.close();
    }
    const cmp = await handlers.compare_backtests({ ids: [id, id] }, ctx);
    expect(cmp.rows[0]!.performance!.closedTrades).toBe(direct.performance.closedTrades);
  });

  it('with protective exits, a run in many chunks through the workflow equals one uninterrupted engine run', async () => {
    const id = 'bt_chunkedexits1';
    const parsed = BacktestSpecSchema.parse({ ...spec, params: { fast: 10, slow: 30, stopLossPct: 0.02, stopLimitPct: 0.002, takeProfitPct: 0.04, trailingPct: 0.03 } });
    const summary = await env.client.workflow.execute(backtestWorkflow, { workflowId: WORKFLOW_IDS.backtest(id), taskQueue: worker.taskQueue, args: [{ id, spec: parsed, createdAt: 1, chunkSteps: 700 }] });
    const p = prepare(parsed, defaultMarketDataDir());
    const e = createEngine(p.cfg, p.series);
    e.run(Infinity);
    const direct = buildResult(parsed, p, e.state(), { id, createdAt: 1, finishedAt: 2 });
    expect(summary.exits).toEqual(direct.summary.exits);
    const n = direct.summary.exits!;
    expect(n.stopLoss + n.takeProfit + n.trailingStop).toBeGreaterThan(5);
    const got = await handlers.get_backtest_result({ id, full: true }, ctx);
    expect(got.summary.exits).toEqual(n);
    const stored = new BacktestStore(path.join(dataDir, 'backtests.sqlite'));
    try {
      const r = stored.result(id)!;
      expect(r.fills).toEqual(direct.fills);
      expect(r.trades.map((t) => t.exitReason)).toEqual(direct.trades.map((t) => t.exitReason));
      expect(new Set(r.fills.map((f) => f.reason))).toEqual(new Set(['signal', ...(n.stopLoss ? ['stop_loss'] : []), ...(n.takeProfit ? ['take_profit'] : []), ...(n.trailingStop ? ['trailing_stop'] : [])]));
    } finally {
      stored.close();
    }
  });

  it('can be cancelled mid-run and is kept as cancelled', async () => {
    const id = 'bt_cancelled01';
    const parsed = BacktestSpecSchema.parse({ ...spec, from: undefined, to: undefined });
    const h = await env.client.workflow.start(backtestWorkflow, { workflowId: WORKFLOW_IDS.backtest(id), taskQueue: worker.taskQueue, args: [{ id, spec: parsed, createdAt: 3, chunkSteps: 1000 }] });
    await waitFor(async () => ((await handlers.get_backtest_result({ id, full: false }, ctx).catch(() => null))?.progress.stepsDone ?? 0) > 0, 60_000);
    const c = await handlers.cancel_backtest({ id }, ctx);
    expect(c.cancelled).toBe(true);
    await expect(h.result()).rejects.toThrow();
    await waitFor(async () => (await handlers.get_backtest_result({ id, full: false }, ctx)).status === 'cancelled', 30_000);
    const got = await handlers.get_backtest_result({ id, full: false }, ctx);
    expect(got.progress.stepsDone).toBeLessThan(got.progress.totalSteps);
  });

  it('rejects bad input with a clear message and keeps nothing', async () => {
    await expect(handlers.run_backtest(BacktestSpecSchema.parse({ ...spec, symbols: ['DOGE-USD'] }), ctx)).rejects.toThrow(/no recorded data for DOGE-USD/);
    await expect(handlers.run_backtest(BacktestSpecSchema.parse({ ...spec, timeframe: '1m' }), ctx)).rejects.toThrow(/recorded at 60 min/);
    await expect(handlers.get_backtest_result({ id: 'bt_doesnotexist', full: true }, ctx)).rejects.toThrow(/no backtest/);
  });
});
