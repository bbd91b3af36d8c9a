/**
 * `vigil backtest run` gives the same result through a running cockpit (a real dev server and a
 * worker with the backtest activities, found through runtime.json) and on its own, in-process,
 * with no cockpit; list and show then work without a cockpit too.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWorker, startDevServer, type RunningWorker, type TestServer } from '../../tests/support/temporal';
import { createBacktestActivities } from './activities';
import type { ActivityDeps } from '../activities/deps';
import { EventBus } from '../host/bus';
import { loadConfig } from '../runtime/config';
import { silentLogger } from '../runtime/log';
import { writeRuntimeInfo } from '../runtime/runtime-file';
import { createLocalBacktests, IN_PROCESS } from './cli-local';
import { main } from '../cli/main';
import type { CliIO } from '../cli/registry';

let env: TestServer;
let worker: RunningWorker;
const cockpitDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bt-cockpit-'));
const aloneDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bt-alone-'));

beforeAll(async () => {
  env = await startDevServer();
  const deps = { dataDir: cockpitDir, bus: new EventBus(), log: silentLogger, config: loadConfig({}) } as ActivityDeps;
  worker = await runWorker(env, { activities: createBacktestActivities(deps) });
  writeRuntimeInfo(cockpitDir, {
    pid: process.pid,
    version: 'test',
    mode: 'headless',
    address: env.address,
    namespace: env.namespace,
    taskQueue: worker.taskQueue,
    uiUrl: null,
    httpUrl: null,
    embedded: true,
    startedAt: new Date().toISOString(),
  });
});

afterAll(async () => {
  await worker?.stop();
  await env?.stop({ clean: true });
  for (const d of [cockpitDir, aloneDir]) fs.rmSync(d, { recursive: true, force: true });
});

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { out: (t) => out.push(t), err: (t) => err.push(t), interactive: false, ask: () => Promise.resolve('') };
  const code = await main(argv, io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** The result without what names or times one run: ids, creation and finish times. */
function comparable(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(comparable);
  if (x && typeof x === 'object') {
    return Object.fromEntries(
      Object.entries(x)
        .filter(([k]) => !['id', 'createdAt', 'finishedAt'].includes(k))
        .map(([k, v]) => [k, comparable(v)]),
    );
  }
  return x;
}

const runs: [string, string[]][] = [
  ['sma_cross BTC-USD 1h, 2018', ['--strategy', 'sma_cross', '--symbols', 'BTC-USD', '--timeframe', '1h', '--from', '2018-01-01', '--to', '2019-01-01', '--params', '{"fast":10,"slow":30}']],
  ['breakout on two symbols at 4h with a fee', ['--strategy', 'breakout', '--symbols', 'BTC-USD,ETH-USD', '--timeframe', '4h', '--fee', '0.004']],
  ['the built-in policy on Binance minutes', ['--strategy', 'policy', '--symbols', 'ETH-USDT', '--timeframe', '5m']],
  ['sma_cross with protective exits in percent', ['--strategy', 'sma_cross', '--symbols', 'BTC-USD', '--timeframe', '4h', '--stop-loss-pct', '2', '--take-profit-pct', '4', '--trailing-pct', '1.5']],
];

describe('vigil backtest run with and without a cockpit', () => {
  it.each(runs)('%s: the same result both ways', async (_name, args) => {
    const through = await cli(['backtest', 'run', ...args, '--json', '--data-dir', cockpitDir]);
    expect(through.code, through.err).toBe(0);
    const alone = await cli(['backtest', 'run', ...args, '--json', '--data-dir', aloneDir]);
    expect(alone.code, alone.err).toBe(0);
    const a = JSON.parse(through.out) as { id: string; status: string; result: { fills: unknown[]; performance: { closedTrades: number } } };
    const b = JSON.parse(alone.out) as typeof a;
    expect(a.status).toBe('completed');
    expect(a.result.fills.length).toBeGreaterThan(0);
    expect(comparable(b)).toEqual(comparable(a));
    expect(b.id).not.toBe(a.id);
  });

  it('takes the exits in percent and stores them as fractions; the result counts and names them', async () => {
    const run = await cli(['backtest', 'run', ...runs[3]![1], '--json', '--data-dir', aloneDir]);
    expect(run.code, run.err).toBe(0);
    const r = JSON.parse(run.out) as { summary: { exits: { stopLoss: number; takeProfit: number; trailingStop: number } }; result: { spec: { params: unknown }; fills: { reason: string }[] } };
    expect(r.result.spec.params).toEqual({ stopLossPct: 0.02, takeProfitPct: 0.04, trailingPct: 0.015 });
    const n = r.summary.exits;
    expect(n.stopLoss + n.takeProfit + n.trailingStop).toBeGreaterThan(0);
    expect(r.result.fills.some((f) => f.reason !== 'signal')).toBe(true);
    const text = await cli(['backtest', 'run', ...runs[3]![1], '--data-dir', aloneDir]);
    expect(text.out).toContain(`exits: stop-loss ${n.stopLoss}, take-profit ${n.takeProfit}, trailing stop ${n.trailingStop}`);
  });

  it('without a cockpit, says how it runs, and list / show / compare read the same store', async () => {
    const run = await cli(['backtest', 'run', ...runs[0]![1], '--data-dir', aloneDir]);
    expect(run.code, run.err).toBe(0);
    expect(run.err).toMatch(/^backtest (bt_\w+): [\d,]+ bars, in this process \(no cockpit running; Ctrl-C cancels\)/);
    const id = /^backtest (bt_\w+)/.exec(run.err)![1]!;
    expect(run.out).toMatch(new RegExp(`^${id}  completed  sma_cross BTC-USD 1h`));
    const list = await cli(['backtest', 'list', '--json', '--data-dir', aloneDir]);
    expect(list.code).toBe(0);
    const listed = (JSON.parse(list.out) as { backtests: { id: string }[] }).backtests.map((x) => x.id);
    expect(listed).toContain(id);
    expect(listed).toHaveLength(runs.length + 3);
    const show = await cli(['backtest', 'show', id, '--data-dir', aloneDir]);
    expect(show.code).toBe(0);
    expect(show.out).toContain(`${id}  completed`);
    const cmp = await cli(['backtest', 'compare', `${listed[0]},${listed[1]}`, '--data-dir', aloneDir]);
    expect(cmp.code, cmp.err).toBe(0);
    expect(cmp.out).toMatch(/^\s+bt_\w+\s+bt_\w+\nstrategy/);
    const missing = await cli(['backtest', 'show', 'bt_0000000000000000', '--data-dir', aloneDir]);
    expect(missing.code).toBe(3);
    expect(missing.err).toMatch(/no backtest bt_0000000000000000/);
    // Cancelling another process's run needs the cockpit; --detach has nothing to detach from.
    expect((await cli(['backtest', 'cancel', id, '--data-dir', aloneDir])).code).toBe(4);
    const detach = await cli(['backtest', 'run', ...runs[0]![1], '--detach', '--data-dir', aloneDir]);
    expect(detach.code).toBe(2);
    expect(detach.err).toMatch(/--detach needs a running cockpit/);
  });

  it('through the cockpit, says so', async () => {
    const run = await cli(['backtest', 'run', ...runs[0]![1], '--data-dir', cockpitDir]);
    expect(run.code, run.err).toBe(0);
    expect(run.err).toMatch(/bars, through the running cockpit$/);
  });

  it('in-process runs are cancelled and stored as such; bad input is refused before anything is stored', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bt-cancel-'));
    try {
      const local = createLocalBacktests({ config: loadConfig({}), dataDir: dir, chunkSteps: 1000 });
      const ctx = { door: 'cli' as const, correlationId: 't' };
      const started = await local.handlers.run_backtest({ strategy: 'buy_and_hold', symbols: ['BTC-USD'], timeframe: '1h' } as never, ctx);
      expect(started.workflowId).toBe(IN_PROCESS);
      local.cancelAll();
      await local.settled();
      const got = await local.handlers.get_backtest_result({ id: started.id, full: false }, ctx);
      expect(got.status).toBe('cancelled');
      expect(got.summary.error).toBe('cancelled by the user');
      expect(got.progress.stepsDone).toBeLessThan(got.progress.totalSteps);
      await expect(local.handlers.run_backtest({ strategy: 'sma_cross', symbols: ['DOGE-USD'], timeframe: '1h' } as never, ctx)).rejects.toThrow(/no recorded data for DOGE-USD/);
      expect((await local.handlers.list_backtests({ limit: 10 }, ctx)).backtests).toHaveLength(1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
