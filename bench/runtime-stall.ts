/**
 * bench/runtime-stall: how much the desktop app's main process stalls while the runtime works.
 * The same backtests (sma_cross and the built-in policy over BTC-USD and ETH-USD 1h, the shipped
 * recordings) run twice in one script: first with the host in this process — how the desktop app
 * ran before it had a runtime process — then through RuntimeProcess, the host in a forked runtime
 * process (dist/host-process.mjs, the entry the app forks with utilityProcess). Meanwhile this
 * process keeps a 60 Hz frame timer, as a window's main process does, and records its event-loop
 * delay. The ratio is the worst stall in-process over the worst stall with the runtime process.
 *
 *   npm run bench:runtime-stall [-- --runs 3]   (builds dist/host-process.mjs first)
 *
 * Writes bench/results/runtime-stall.json with the machine's load average.
 */
import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { ApiResult } from '../core/api/result';
import { startHeadless } from '../core/host/headless';
import { nodeChildHandle, RuntimeProcess } from '../core/host/process/parent';

const args = process.argv.slice(2);
const RUNS = Number(args[args.indexOf('--runs') + 1] ?? 3) || 3;
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const env = { VIGIL_AUTOSTART: 'false', VIGIL_LOG_LEVEL: 'warn' };
const specs = [
  { strategy: 'sma_cross', symbols: ['BTC-USD', 'ETH-USD'], timeframe: '1h', label: 'stall bench sma' },
  { strategy: 'policy', symbols: ['BTC-USD', 'ETH-USD'], timeframe: '1h', label: 'stall bench policy' },
];

type Call = (verb: string, input: unknown) => Promise<ApiResult<unknown>>;

interface Stall {
  wallSeconds: number;
  bars: number;
  /** Event-loop delay of this (the "main") process, ms. */
  p50: number;
  p99: number;
  max: number;
  /** 60 Hz frames that came more than 50 ms late (a visible hitch), and the worst lateness. */
  lateFrames: number;
  frames: number;
  worstFrameMs: number;
}

async function runBacktests(call: Call): Promise<number> {
  let bars = 0;
  for (let i = 0; i < RUNS; i++) {
    for (const spec of specs) {
      const r = await call('run_backtest', spec);
      if (!r.ok) throw new Error(`run_backtest: ${r.error.message}`);
      const { id, totalBars } = r.result as { id: string; totalBars: number };
      bars += totalBars;
      for (;;) {
        const s = await call('get_backtest_result', { id, full: false });
        if (!s.ok) throw new Error(`get_backtest_result: ${s.error.message}`);
        const status = (s.result as { status: string }).status;
        if (status === 'completed') break;
        if (status !== 'running') throw new Error(`backtest ${id} ${status}`);
        await new Promise((res) => setTimeout(res, 100));
      }
    }
  }
  return bars;
}

async function measure(call: Call): Promise<Stall> {
  const h = monitorEventLoopDelay({ resolution: 5 });
  let frames = 0;
  let lateFrames = 0;
  let worst = 0;
  let last = performance.now();
  const frameTimer = setInterval(() => {
    const now = performance.now();
    const late = now - last - 1000 / 60;
    frames++;
    if (late > 50) lateFrames++;
    worst = Math.max(worst, late);
    last = now;
  }, 1000 / 60);
  h.enable();
  const t = performance.now();
  const bars = await runBacktests(call);
  const wallSeconds = (performance.now() - t) / 1000;
  h.disable();
  clearInterval(frameTimer);
  const ms = (ns: number) => Math.round(ns / 1e4) / 100;
  return { wallSeconds: Math.round(wallSeconds * 10) / 10, bars, p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max), lateFrames, frames, worstFrameMs: Math.round(worst) };
}

async function main(): Promise<void> {
  const entry = path.join(root, 'dist/host-process.mjs');
  if (!fs.existsSync(entry)) throw new Error('build first: node scripts/build.mjs --no-renderer');

  const dirA = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-stall-inprocess-'));
  process.stderr.write('in-process host: starting\n');
  const hl = await startHeadless({ dataDir: dirA, stderr: false, rendererDir: null, env });
  let inProcess: Stall;
  try {
    await runBacktests((v, i) => hl.host.call(v, i, { door: 'ipc' })); // warm-up: load the recordings once
    inProcess = await measure((v, i) => hl.host.call(v, i, { door: 'ipc' }));
  } finally {
    await hl.stop();
    fs.rmSync(dirA, { recursive: true, force: true });
  }
  process.stderr.write(`in-process host: ${JSON.stringify(inProcess)}\n`);

  const dirB = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-stall-process-'));
  process.stderr.write('runtime process: starting\n');
  const rp = await RuntimeProcess.start({ spawn: () => nodeChildHandle(fork(entry, [], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })), dataDir: dirB, secrets: null });
  let separate: Stall;
  try {
    await runBacktests((v, i) => rp.call(v, i));
    separate = await measure((v, i) => rp.call(v, i));
  } finally {
    await rp.stop();
    fs.rmSync(dirB, { recursive: true, force: true });
  }
  process.stderr.write(`runtime process: ${JSON.stringify(separate)}\n`);

  const ratio = Math.round((inProcess.max / Math.max(separate.max, 0.01)) * 10) / 10;
  const out = { date: new Date().toISOString(), cpus: os.cpus().length, loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100), runs: RUNS, specs, inProcess, runtimeProcess: separate, worstStallRatio: ratio };
  fs.mkdirSync(path.join(root, 'bench/results'), { recursive: true });
  fs.writeFileSync(path.join(root, 'bench/results/runtime-stall.json'), JSON.stringify(out, null, 2));
  console.log(`main-process event loop while ${RUNS}x${specs.length} backtests run (${inProcess.bars} bars):`);
  console.log(`  host in the main process : p99 ${inProcess.p99} ms, worst ${inProcess.max} ms, ${inProcess.lateFrames}/${inProcess.frames} frames >50 ms late (worst ${inProcess.worstFrameMs} ms), ${inProcess.wallSeconds} s`);
  console.log(`  host in a runtime process: p99 ${separate.p99} ms, worst ${separate.max} ms, ${separate.lateFrames}/${separate.frames} frames >50 ms late (worst ${separate.worstFrameMs} ms), ${separate.wallSeconds} s`);
  console.log(`  worst stall ratio (in-process / runtime process): ${ratio}x`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
