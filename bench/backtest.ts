/**
 * bench/backtest: bars per second of Vigil's engine against backtesting.py (the peer, pinned in
 * bench/peers/requirements.txt and installed into bench/peers/.venv by this script) on the same
 * data in the same run, plus a parity check of trades and final equity.
 *
 *   npx tsx bench/backtest.ts [--repeat 400] [--runs 3]
 *
 * Writes bench/results/backtest.json (rates, ratios, fills, parity, the machine's load average),
 * and times the fast-cross case with protective exits on against the same run without them.
 *
 * Data: Binance BTC-USDT 1m (2 recorded days) repeated end to end to >= 1M bars; parity is also
 * checked on the recorded Coinbase BTC-USD 1h file (16,863 real bars, no repetition).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { repeatSeries, type BarSeries } from '../core/backtest/bars';
import { defaultMarketDataDir, loadRecorded } from '../core/market/data/columns';
import { createEngine } from '../core/backtest/engine';
import { buildResult, engineConfig } from '../core/backtest/runner';
import { BacktestSpecSchema } from '../core/backtest/spec';

const args = process.argv.slice(2);
const flag = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const REPEAT = flag('repeat', 400);
const RUNS = flag('runs', 3);
interface Case {
  fast: number;
  slow: number;
  fee: string;
  cash: string;
}

const here = path.dirname(new URL(import.meta.url).pathname);
const peers = path.join(here, 'peers');
const venv = path.join(peers, '.venv');
const py = path.join(venv, 'bin', 'python');

function ensurePeer(): void {
  if (!fs.existsSync(py)) {
    console.error('creating bench/peers/.venv ...');
    execFileSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' });
  }
  try {
    execFileSync(py, ['-c', 'import backtesting, sys; assert backtesting.__version__ == "0.6.6", backtesting.__version__'], { stdio: 'ignore' });
  } catch {
    console.error('installing the pinned peer (bench/peers/requirements.txt) ...');
    execFileSync(path.join(venv, 'bin', 'pip'), ['install', '-q', '-r', path.join(peers, 'requirements.txt')], { stdio: 'inherit' });
  }
}

/** The peer's input, written in blocks so the file's text is never held whole in this heap. */
function writeCsv(s: BarSeries, file: string): void {
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeSync(fd, 'time_ms,open,high,low,close,volume\n');
    for (let a = 0; a < s.length; a += 10_000) {
      let block = '';
      for (let i = a; i < Math.min(s.length, a + 10_000); i++) block += `${s.time[i]},${s.open[i]},${s.high[i]},${s.low[i]},${s.close[i]},${s.volume[i]}\n`;
      fs.writeSync(fd, block);
    }
  } finally {
    fs.closeSync(fd);
  }
}

interface PeerTrade {
  entryBar: number;
  exitBar: number;
  size: number;
  entryPrice: number;
  exitPrice: number;
  pnl: number;
}
interface PeerOut {
  bars: number;
  seconds: number;
  finalEquity: number;
  trades: PeerTrade[];
}

function peer(file: string, runs: number, c: Case): PeerOut {
  const out = execFileSync(py, [path.join(peers, 'sma_cross.py'), file, String(c.fast), String(c.slow), c.cash, c.fee, String(runs)], { maxBuffer: 256 << 20 }).toString();
  return JSON.parse(out.trim().split('\n').pop()!) as PeerOut;
}

function spec(symbol: string, c: Case, exits: Record<string, number> = {}) {
  return BacktestSpecSchema.parse({
    strategy: 'sma_cross',
    symbols: [symbol],
    timeframe: '1m',
    params: { fast: c.fast, slow: c.slow, ...exits },
    initialCash: c.cash,
    fees: { taker: c.fee, maker: c.fee },
    spreadBps: 0,
    slippage: false,
  });
}

function vigil(s: BarSeries, runs: number, c: Case, exits: Record<string, number> = {}) {
  const sp = spec(s.symbol, c, exits);
  const cfg = engineConfig(sp, [s]);
  let best = Infinity;
  let engine = createEngine(cfg, [s]);
  let heapDelta = 0;
  for (let r = 0; r < runs; r++) {
    if (global.gc) global.gc();
    const h0 = process.memoryUsage().heapUsed;
    engine = createEngine(cfg, [s]);
    const t0 = process.hrtime.bigint();
    engine.run(Infinity);
    // The state's decimal strings (portfolio, open trades) are written on demand: time that too.
    engine.state();
    const dt = Number(process.hrtime.bigint() - t0) / 1e9;
    heapDelta = process.memoryUsage().heapUsed - h0;
    best = Math.min(best, dt);
  }
  const result = buildResult(sp, { cfg, series: [s], reports: [] }, engine.state(), { id: 'bench', createdAt: 0, finishedAt: 0 });
  return { seconds: best, result, heapDelta };
}

function compare(label: string, s: BarSeries, runs: number, c: Case) {
  // Vigil first, then the peer's CSV: writing it leaves garbage that would be collected during
  // Vigil's timed runs otherwise (neither side's data loading is timed).
  const v = vigil(s, runs, c);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-'));
  const file = path.join(dir, 'bars.csv');
  writeCsv(s, file);
  const p = peer(file, runs, c);
  fs.rmSync(dir, { recursive: true, force: true });
  const closed = v.result.trades.filter((t) => t.exitBar !== null);
  const n = Math.min(closed.length, p.trades.length);
  let sameBars = 0;
  let maxSizeRel = 0;
  for (let i = 0; i < n; i++) {
    const a = closed[i]!;
    const b = p.trades[i]!;
    if (a.entryBar === b.entryBar && a.exitBar === b.exitBar) sameBars++;
    maxSizeRel = Math.max(maxSizeRel, Math.abs(Number(a.quantity) - b.size) / b.size);
  }
  const eqV = Number(v.result.final.equity);
  const rel = Math.abs(eqV - p.finalEquity) / p.finalEquity;
  const vRate = s.length / v.seconds;
  const pRate = p.bars / p.seconds;
  console.log(`\n== ${label}: ${s.length.toLocaleString('en-US')} bars, SMA(${c.fast}/${c.slow}), fee ${c.fee}, no spread/slippage, fills at next open`);
  console.log(`vigil          ${(v.seconds * 1000).toFixed(1).padStart(9)} ms  ${Math.round(vRate).toLocaleString('en-US').padStart(12)} bars/s  (best of ${runs}; heap delta ${(v.heapDelta / 1048576).toFixed(1)} MiB)`);
  console.log(`backtesting.py ${(p.seconds * 1000).toFixed(1).padStart(9)} ms  ${Math.round(pRate).toLocaleString('en-US').padStart(12)} bars/s  (best of ${runs}, Backtest.run only)`);
  console.log(`speed ratio    ${(vRate / pRate).toFixed(1)}x   (targets: >= 50x the peer, >= 2,000,000 bars/s)`);
  console.log(`orders         ${v.result.fillsTotal} fills = one exact-decimal kernel pass per ${Math.round(s.length / Math.max(1, v.result.fillsTotal))} bars`);
  console.log(`trades         vigil ${closed.length} closed (+${v.result.trades.length - closed.length} open), peer ${p.trades.length}; same entry/exit bars ${sameBars}/${n}; max size diff ${(maxSizeRel * 100).toExponential(2)}%`);
  console.log(`final equity   vigil ${eqV.toFixed(6)}  peer ${p.finalEquity.toFixed(6)}  relative diff ${rel.toExponential(3)}`);
  return {
    label,
    bars: s.length,
    fast: c.fast,
    slow: c.slow,
    fee: c.fee,
    vRate,
    pRate,
    ratio: vRate / pRate,
    fills: v.result.fillsTotal,
    heapDeltaMiB: v.heapDelta / 1048576,
    sameBars,
    n,
    closed: closed.length,
    peerTrades: p.trades.length,
    rel,
  };
}

ensurePeer();
const dir = defaultMarketDataDir();
const hourly = loadRecorded(dir, 'BTC-USD', '1h');
const minute = loadRecorded(dir, 'BTC-USDT', '1m');
const big = repeatSeries(minute, REPEAT);
// Parity on real data with the real fee; speed on 1m data with the canonical 50/200 cross, and
// again with 10/30 (about 2x the orders) to show what the per-order kernel costs. Whipsaws on
// minute bars bleed equity; the large starting cash keeps every order above the $1 minimum
// notional (a Coinbase rule the peer does not have) for the whole run.
const cases = [
  compare('recorded Coinbase BTC-USD 1h (parity on real data)', hourly, 1, { fast: 10, slow: 30, fee: '0.012', cash: '10000' }),
  compare(`Binance BTC-USDT 1m x${REPEAT} (speed, golden cross)`, big, RUNS, { fast: 50, slow: 200, fee: '0', cash: '100000000' }),
  compare(`Binance BTC-USDT 1m x${REPEAT} (speed, fast cross)`, big, RUNS, { fast: 10, slow: 30, fee: '0', cash: '100000000' }),
];

// Protective exits: the fast-cross case again with exits on, Vigil alone, against the same run
// without exits measured here. Every bar in a position pays a float pre-check; the exact kernel runs only on the
// bars that can reach an exit, and every exit is an order.
const fastCross: Case = { fast: 10, slow: 30, fee: '0', cash: '100000000' };
const plain = vigil(big, RUNS, fastCross);
const exitRuns: { label: string; exits: Record<string, number> }[] = [
  { label: 'stop 2% + take-profit 4%', exits: { stopLossPct: 0.02, takeProfitPct: 0.04 } },
  { label: 'trailing 0.5%', exits: { trailingPct: 0.005 } },
  { label: 'stop 0.5% + take-profit 1% + trailing 0.3%', exits: { stopLossPct: 0.005, takeProfitPct: 0.01, trailingPct: 0.003 } },
];
const exitCases = exitRuns.map((x) => {
  const v = vigil(big, RUNS, fastCross, x.exits);
  const n = v.result.summary.exits!;
  const rate = big.length / v.seconds;
  console.log(
    `
exits ${x.label.padEnd(42)} ${(v.seconds * 1000).toFixed(1).padStart(8)} ms  ${Math.round(rate).toLocaleString('en-US').padStart(12)} bars/s  ${(plain.seconds / v.seconds).toFixed(2)}x the run without exits (${(plain.seconds * 1000).toFixed(1)} ms)` +
      ` · ${v.result.fillsTotal} fills, exits: ${n.stopLoss} stop-loss, ${n.takeProfit} take-profit, ${n.trailingStop} trailing`,
  );
  return { label: x.label, exits: x.exits, rate, vsPlain: plain.seconds / v.seconds, fills: v.result.fillsTotal, closedBy: n };
});

// Memory: what the engine keeps after a whole run (garbage collected before and after), for a
// quarter of the bars and for all of them. The input is held columnar (6 Float64Arrays, 48 bytes
// a bar); what the engine adds is its output: fills, trades, one row a day, a sampled curve.
v8.setFlagsFromString('--expose-gc');
const collect = vm.runInNewContext('gc') as () => void;
function retained(s: BarSeries, strategy: string, params: object): { mib: number; fills: number; days: number } {
  const sp = BacktestSpecSchema.parse({ strategy, symbols: [s.symbol], timeframe: '1m', params, initialCash: '100000000', fees: { taker: '0', maker: '0' }, spreadBps: 0, slippage: false });
  const cfg = engineConfig(sp, [s]);
  collect();
  const h0 = process.memoryUsage().heapUsed;
  const engine = createEngine(cfg, [s]);
  engine.run(Infinity);
  const st = engine.state();
  collect();
  const mib = (process.memoryUsage().heapUsed - h0) / 1048576;
  return { mib, fills: st.fillCount, days: st.days.length };
}
const quarter = repeatSeries(minute, Math.max(1, Math.round(REPEAT / 4)));
const memory = [
  { label: 'buy-and-hold', strategy: 'buy_and_hold', params: {} },
  { label: 'SMA 50/200', strategy: 'sma_cross', params: { fast: 50, slow: 200 } },
].map((m) => {
  const small = retained(quarter, m.strategy, m.params);
  const full = retained(big, m.strategy, m.params);
  console.log(
    `\nmemory ${m.label.padEnd(13)} ${quarter.length.toLocaleString('en-US')} bars (input ${((quarter.length * 48) / 1048576).toFixed(1)} MiB): engine keeps ${small.mib.toFixed(2)} MiB (${small.fills} fills, ${small.days} days)` +
      ` · ${big.length.toLocaleString('en-US')} bars (input ${((big.length * 48) / 1048576).toFixed(1)} MiB): ${full.mib.toFixed(2)} MiB (${full.fills} fills, ${full.days} days)`,
  );
  return { label: m.label, bars: [quarter.length, big.length], retainedMiB: [small.mib, full.mib], fills: [small.fills, full.fills], days: [small.days, full.days] };
});

const ok = cases.every((x) => x.sameBars === x.n && x.closed === x.peerTrades);
console.log(`\nparity: ${ok ? 'same trades in every case' : 'TRADES DIFFER'}; final equity within ${Math.max(...cases.map((x) => x.rel)).toExponential(2)} (relative)`);
const out = path.join(here, 'results', 'backtest.json');
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, JSON.stringify({ at: new Date().toISOString(), repeat: REPEAT, runs: RUNS, node: process.version, cpus: os.cpus().length, loadavg: os.loadavg(), parity: ok, cases, exits: exitCases, memory }, null, 2) + '\n');
console.log(`results: ${path.relative(process.cwd(), out)}`);
