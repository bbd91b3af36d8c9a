/**
 * bench/optimize: trials per second of an optimisation study — sma_cross on 1,152,000 1m bars
 * (Binance BTC-USDT, the two recorded days repeated 400 times), 200 seeded random trials, 8 in
 * flight — with ONE worker process and then with TWO worker processes polling the same task
 * queue of the same dev server, in the same run. The ratio is the fan-out's gain; the two studies
 * have the same seed, so their trials must be identical (checked).
 *
 *   npx tsx bench/optimize.ts [--trials 200] [--repeat 400] [--parallel 8] [--rounds 1]
 *
 * Worker processes are tests/support/research-worker.ts: the cockpit's workflow bundle and research
 * activities over this bench's data dir (each loads the bars once before it polls). Writes
 * bench/results/optimize.json with the machine's load average.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime, bundleWorkflowCode } from '@temporalio/worker';
import { repeatSeries, type BarSeries } from '../core/backtest/bars';
import { defaultMarketDataDir, loadRecorded } from '../core/market/data/columns';
import { DevServer } from '../core/runtime/dev-server';
import { silentLogger } from '../core/runtime/log';
import { WORKFLOW_IDS } from '../core/domain/ids';
import { optimizeInput } from '../core/research/handlers';
import { optimizeWorkflow } from '../core/research/optimize.workflow';
import { OptimizeRequestSchema, type OptimizeState } from '../core/research/types';

const args = process.argv.slice(2);
const flag = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const TRIALS = flag('trials', 200);
const REPEAT = flag('repeat', 400);
const PARALLEL = flag('parallel', 8);
const ROUNDS = flag('rounds', 1);
const cli = process.env.TEMPORAL_CLI_PATH ?? path.join(os.homedir(), '.cache/vigil/temporal-cli/1.5.1/temporal');
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

/** The repeated series as daily Binance files, the format the recorded-data loader reads. */
function writeMarketDir(s: BarSeries, dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  let day = '';
  let block: string[] = [];
  const flush = () => {
    if (block.length) fs.writeFileSync(path.join(dir, `BTCUSDT-1m-${day}.csv`), `open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore\n${block.join('\n')}\n`);
    block = [];
  };
  for (let i = 0; i < s.length; i++) {
    const t = s.time[i]!;
    const d = new Date(t).toISOString().slice(0, 10);
    if (d !== day) {
      flush();
      day = d;
    }
    block.push(`${t},${s.open[i]},${s.high[i]},${s.low[i]},${s.close[i]},${s.volume[i]},${t + 59_999},0,0,0,0,0`);
  }
  flush();
}

function startWorker(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'tests/support/research-worker.ts')], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('ready')) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`worker exited with ${code} before it was ready`)));
  });
}

async function main(): Promise<void> {
  Runtime.install({ shutdownSignals: [], logger: new DefaultLogger('WARN') });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-optimize-'));
  const marketDir = path.join(dir, 'market');
  const recorded = loadRecorded(defaultMarketDataDir(), 'BTC-USDT', '1m');
  const series = repeatSeries(recorded, REPEAT);
  writeMarketDir(series, marketDir);
  console.log(`data: ${series.length.toLocaleString('en-US')} 1m bars of BTC-USDT (${recorded.length} recorded x ${REPEAT}) in ${marketDir}`);

  const server = new DevServer({ cliPath: cli, dbFile: path.join(dir, 't.sqlite'), namespace: 'default', logFile: path.join(dir, 't.log'), log: silentLogger, headless: true });
  await server.start();
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection, namespace: 'default' });
  const bundle = await bundleWorkflowCode({ workflowsPath: path.join(root, 'core/workflows/index.ts'), logger: new DefaultLogger('WARN') });
  const bundlePath = path.join(dir, 'workflow-bundle.js');
  fs.writeFileSync(bundlePath, bundle.code);

  const request = OptimizeRequestSchema.parse({
    spec: { strategy: 'sma_cross', symbols: ['BTC-USDT'], timeframe: '1m', initialCash: '100000000', fees: { taker: '0.001', maker: '0.001' } },
    space: { fast: { min: 5, max: 100 }, slow: { min: 20, max: 400 } },
    sampler: 'random',
    trials: TRIALS,
    parallel: PARALLEL,
    seed: 1,
    objective: { metric: 'sharpe', minTrades: 10 },
  });
  const taskQueue = 'bench-optimize';
  const workerEnv = { TEMPORAL_ADDRESS: server.address, TASK_QUEUE: taskQueue, BUNDLE_PATH: bundlePath, MARKET_DIR: marketDir, DATA_DIR: dir, PRELOAD_SPEC: JSON.stringify(request.spec) };
  const workers: ChildProcess[] = [];
  let seq = 0;
  const study = async (): Promise<{ seconds: number; state: OptimizeState }> => {
    const id = `rs_benchoptimize${++seq}`;
    const input = optimizeInput(id, request, Date.now());
    const t0 = performance.now();
    const state = await client.workflow.execute(optimizeWorkflow, { workflowId: WORKFLOW_IDS.research(id), taskQueue, args: [input] });
    return { seconds: (performance.now() - t0) / 1000, state };
  };
  const perWorker = (s: OptimizeState) => {
    const m = new Map<string, number>();
    for (const t of s.trials) m.set(t.worker ?? '?', (m.get(t.worker ?? '?') ?? 0) + 1);
    return Object.fromEntries(m);
  };
  const strip = (s: OptimizeState) => JSON.stringify(s.trials.map((t) => [t.index, t.params, t.status, t.value, t.metrics]));

  const one: number[] = [];
  const two: number[] = [];
  const runs: unknown[] = [];
  let reference: string | null = null;
  try {
    workers.push(await startWorker(workerEnv));
    for (let r = 0; r < ROUNDS; r++) {
      if (workers.length === 2) workers.pop()!.kill('SIGTERM');
      await new Promise((res) => setTimeout(res, 1000));
      const a = await study();
      one.push(TRIALS / a.seconds);
      console.log(`round ${r + 1}, 1 worker process : ${TRIALS} trials in ${a.seconds.toFixed(1)} s = ${(TRIALS / a.seconds).toFixed(2)} trials/s  ${JSON.stringify(perWorker(a.state))}`);
      workers.push(await startWorker(workerEnv));
      const b = await study();
      two.push(TRIALS / b.seconds);
      console.log(`round ${r + 1}, 2 worker processes: ${TRIALS} trials in ${b.seconds.toFixed(1)} s = ${(TRIALS / b.seconds).toFixed(2)} trials/s  ${JSON.stringify(perWorker(b.state))}`);
      reference ??= strip(a.state);
      const same = strip(a.state) === reference && strip(b.state) === reference;
      if (!same) throw new Error('the studies differ: a seeded study must give the same trials on one worker and on two');
      const best = a.state.trials.find((t) => t.index === a.state.best);
      runs.push({ round: r + 1, oneWorker: { seconds: a.seconds, perWorker: perWorker(a.state) }, twoWorkers: { seconds: b.seconds, perWorker: perWorker(b.state) }, identical: same, best: best ? { params: best.params, sharpe: best.value } : null, counts: a.state.counts });
    }
  } finally {
    for (const w of workers) w.kill('SIGTERM');
    await connection.close();
    await server.stop();
  }
  const bestOf = (xs: number[]) => Math.max(...xs);
  const ratio = bestOf(two) / bestOf(one);
  console.log(`\ntrials/s: 1 worker ${bestOf(one).toFixed(2)}, 2 workers ${bestOf(two).toFixed(2)}: ratio ${ratio.toFixed(2)}x (best of ${ROUNDS}; ${os.cpus().length} cores, load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')})`);
  console.log('every trial identical on one and on two workers (same seed): yes');
  const out = path.join(root, 'bench/results');
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, 'optimize.json'), JSON.stringify({ at: new Date().toISOString(), bars: series.length, trials: TRIALS, parallel: PARALLEL, oneWorker: one, twoWorkers: two, ratio, runs, loadavg: os.loadavg(), cores: os.cpus().length }, null, 2));
  fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
