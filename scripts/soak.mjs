#!/usr/bin/env node
/**
 * Simulated soak: a real `vigil serve` on a temporary data dir, on the simulated feed with its
 * market clock running MARKET_SIM_SPEED times faster than the wall clock and the agents' cadence
 * compressed by the same factor, for a simulated duration (24 h by default). Every few seconds it
 * samples the host (RSS, heap, live resources, file descriptors), the embedded Temporal dev server
 * (RSS, file descriptors), the history length and run of each long-running workflow, the SQLite
 * files and the work done (bars, nudges, decisions, fills, evaluations). It prints a table and a
 * verdict — memory bounded (regression slope of the second half below a threshold), histories
 * bounded, descriptors flat — and writes a JSON report.
 *
 *   node scripts/soak.mjs [--hours 24] [--speed 60] [--sample-seconds 5] [--symbols BTC-USD,ETH-USD]
 *                         [--out bench/results/soak-<date>.json] [--keep] [--no-build] [--quiet]
 *                         [--env NAME=VALUE ...]
 *
 * Exit code 0 when every check passes, 1 otherwise (or when the host dies).
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const WORKFLOWS = {
  marketStream: 'vigil/market-stream',
  executionLedger: 'vigil/execution-ledger/default',
  executionAgent: 'vigil/agent/execution',
  judge: 'vigil/agent/judge',
};

/**
 * Thresholds of the verdict (per simulated hour, over the second half of the run). A memory limit
 * of `null` measures that slope without judging it: the suite's short soak does so, because a
 * slope over a few minutes of a loaded machine measures its garbage collector as much as a leak —
 * memory is judged by the long run (`npm run soak`).
 */
export const DEFAULT_LIMITS = {
  hostRssMbPerHour: 2,
  hostHeapMbPerHour: 1,
  serverRssMbPerHour: 4,
  /** Growth of open descriptors over the second half (max minus the first sample of that half). */
  fdGrowth: 8,
  /** Longest history a workflow may reach (Temporal refuses a history past 51,200 events). */
  historyCap: 20_000,
};

function parseArgs(argv) {
  const o = { hours: 24, speed: 60, sampleSeconds: 5, symbols: 'BTC-USD,ETH-USD', out: null, keep: false, build: true, quiet: false, env: {} };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      const v = argv[++i];
      if (v === undefined) usage(`${a} needs a value`);
      return v;
    };
    const numArg = (min, max) => {
      const v = Number(val());
      if (!Number.isFinite(v) || v < min || v > max) usage(`${a} must be a number from ${min} to ${max}`);
      return v;
    };
    if (a === '--hours') o.hours = numArg(0.05, 24 * 30);
    else if (a === '--speed') o.speed = numArg(1, 10_000);
    else if (a === '--sample-seconds') o.sampleSeconds = numArg(1, 600);
    else if (a === '--symbols') o.symbols = val();
    else if (a === '--out') o.out = val();
    else if (a === '--keep') o.keep = true;
    else if (a === '--no-build') o.build = false;
    else if (a === '--quiet') o.quiet = true;
    else if (a === '--env') {
      const kv = val();
      const eq = kv.indexOf('=');
      if (eq <= 0) usage(`--env takes NAME=VALUE, got ${kv}`);
      o.env[kv.slice(0, eq)] = kv.slice(eq + 1);
    } else if (a === '--help' || a === '-h') usage(null);
    else usage(`unknown argument ${a}`);
  }
  if (!/^[A-Z0-9]{1,12}-[A-Z0-9]{1,12}(,[A-Z0-9]{1,12}-[A-Z0-9]{1,12})*$/.test(o.symbols)) usage(`--symbols must be product ids like BTC-USD,ETH-USD`);
  return o;
}

function usage(err) {
  const text = 'usage: node scripts/soak.mjs [--hours 24] [--speed 60] [--sample-seconds 5] [--symbols BTC-USD,ETH-USD] [--out file.json] [--keep] [--no-build] [--quiet] [--env NAME=VALUE]';
  if (err) {
    process.stderr.write(`soak: ${err}\n${text}\n`);
    process.exit(2);
  }
  process.stdout.write(`${text}\n`);
  process.exit(0);
}

/** The agents' cadence compressed like the market (never below each variable's minimum). */
export function compressedEnv(speed) {
  const c = (seconds, min) => String(Math.max(min, Math.round(seconds / speed)));
  return {
    EXECUTION_NUDGE_SECONDS: c(25, 1),
    JUDGE_EVALUATION_SECONDS: c(600, 10),
    JUDGE_STARTUP_DELAY_SECONDS: c(120, 0),
    JUDGE_REPLAN_COOLDOWN_SECONDS: c(1800, 0),
  };
}

// --- /proc readings ------------------------------------------------------------------------------

function procRssBytes(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

function procFds(pid) {
  try {
    return fs.readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return null;
  }
}

function fileSizes(dir) {
  const out = {};
  for (const f of fs.readdirSync(dir)) {
    if (!/\.sqlite(-wal|-shm)?$/.test(f)) continue;
    try {
      out[f] = fs.statSync(path.join(dir, f)).size;
    } catch {
      // removed between list and stat (a checkpoint dropping the -wal): skip
    }
  }
  let logs = 0;
  try {
    for (const f of fs.readdirSync(path.join(dir, 'logs'))) logs += fs.statSync(path.join(dir, 'logs', f)).size;
  } catch {
    logs = 0;
  }
  out.logs = logs;
  return out;
}

// --- statistics -----------------------------------------------------------------------------------

/** Least-squares slope of y over x; null with fewer than 3 points. */
export function slope(xs, ys) {
  const pts = xs.map((x, i) => [x, ys[i]]).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  if (pts.length < 3) return null;
  const n = pts.length;
  const mx = pts.reduce((s, [x]) => s + x, 0) / n;
  const my = pts.reduce((s, [, y]) => s + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of pts) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? null : num / den;
}

const MB = 1024 * 1024;

/** The verdict over the samples: each check with its measured value, limit and pass/fail. */
export function verdict(samples, limits = DEFAULT_LIMITS) {
  const ok = samples.filter((s) => s.ok);
  const half = ok.slice(Math.floor(ok.length / 2));
  const x = half.map((s) => s.simHours);
  const checks = [];
  const slopeCheck = (name, pick, limit) => {
    const v = slope(x, half.map(pick));
    const check = `${name} slope, second half (MB per simulated hour)`;
    if (limit === null || limit === undefined) checks.push({ check, value: v === null ? null : round(v, 3), limit: null, pass: true, measuredOnly: true });
    else checks.push({ check, value: v === null ? null : round(v, 3), limit, pass: v !== null && v <= limit });
  };
  slopeCheck('host RSS', (s) => s.host.rss / MB, limits.hostRssMbPerHour);
  slopeCheck('host heap used', (s) => s.host.heapUsed / MB, limits.hostHeapMbPerHour);
  slopeCheck('dev server RSS', (s) => (s.server.rss ?? NaN) / MB, limits.serverRssMbPerHour);
  for (const [who, pick] of [['host', (s) => s.host.fds], ['dev server', (s) => s.server.fds]]) {
    const vals = half.map(pick).filter((v) => Number.isFinite(v));
    const growth = vals.length ? Math.max(...vals) - vals[0] : null;
    checks.push({ check: `${who} open fds growth, second half`, value: growth, limit: limits.fdGrowth, pass: growth !== null && growth <= limits.fdGrowth });
  }
  for (const [name] of Object.entries(WORKFLOWS)) {
    const lens = ok.map((s) => s.workflows[name]?.historyLength).filter((v) => Number.isFinite(v));
    const max = lens.length ? Math.max(...lens) : null;
    checks.push({ check: `${name} history length, max`, value: max, limit: limits.historyCap, pass: max !== null && max <= limits.historyCap });
  }
  return { pass: checks.every((c) => c.pass) && ok.length >= 6, samples: ok.length, checks };
}

/** The verdict of a whole run: the checks, and the host neither died nor failed to stop cleanly. */
export function runVerdict(report) {
  return report.verdict.pass && !report.hostDied && report.hostExit?.code === 0;
}

function round(v, d = 1) {
  const f = 10 ** d;
  return Math.round(v * f) / f;
}

// --- the run ----------------------------------------------------------------------------------------

/**
 * Starts the host, samples it for `hours` of simulated time and stops it. `onSample` sees each
 * sample as it is taken; `beforeStop(call)` may call verbs before the host is stopped. Returns the
 * report (samples, summary, verdict).
 */
export async function runSoak(o) {
  const { Client, Connection } = await import('@temporalio/client');
  if (o.build) {
    const b = spawnSync(process.execPath, [path.join(root, 'scripts/build.mjs'), '--no-renderer', '--quiet'], { stdio: 'inherit' });
    if (b.status !== 0) throw new Error('build failed');
  }
  const dataDir = o.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-soak-'));
  const env = {
    ...process.env,
    VIGIL_DATA_DIR: dataDir,
    VIGIL_CLI_ENTRY: '1',
    VIGIL_AUTOSTART: 'true',
    MARKET_FEED: 'simulated',
    MARKET_SYMBOLS: o.symbols,
    MARKET_SIM_SPEED: String(o.speed),
    ...compressedEnv(o.speed),
    ...o.env,
  };
  for (const k of ['OPENAI_API_KEY', 'OPENAI_BASE_URL']) if (!o.env[k]) delete env[k];
  const child = spawn(process.execPath, [path.join(root, 'dist/cli.mjs'), 'serve', '--json'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
    if (stderr.length > 200_000) stderr = stderr.slice(-100_000);
  });
  let exited = null;
  child.once('exit', (code, signal) => (exited = { code, signal }));
  const line = await new Promise((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (d) => {
      buf += d;
      const i = buf.indexOf('\n');
      if (i >= 0) resolve(buf.slice(0, i));
    });
    child.once('exit', (code) => reject(new Error(`vigil serve exited with ${code}:\n${stderr.slice(-4000)}`)));
  });
  const { url, baseUrl } = JSON.parse(line);
  const token = url.split('#token=')[1];
  const call = async (verb, input = {}) => {
    const r = await fetch(`${baseUrl}/api/call`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ verb, input }),
      signal: AbortSignal.timeout(30_000),
    });
    const j = await r.json();
    if (!j.ok) throw new Error(`${verb}: ${j.error.message}`);
    return j.result;
  };
  const runtime = JSON.parse(fs.readFileSync(path.join(dataDir, 'runtime.json'), 'utf8'));
  const serverPidFile = path.join(dataDir, 'temporal.sqlite.pid');
  const serverPid = () => {
    try {
      const n = Number.parseInt(fs.readFileSync(serverPidFile, 'utf8'), 10);
      return Number.isInteger(n) && n > 0 ? n : null;
    } catch {
      return null;
    }
  };
  const connection = await Connection.connect({ address: runtime.address });
  const client = new Client({ connection, namespace: runtime.namespace });

  const wallStart = Date.now();
  const wallMs = (o.hours * 3_600_000) / o.speed;
  const runsSeen = Object.fromEntries(Object.keys(WORKFLOWS).map((k) => [k, new Set()]));
  const samples = [];
  let marketStart = null;
  let diedDuringRun = false;

  const sampleOnce = async () => {
    const t = Date.now();
    const s = { wallSeconds: round((t - wallStart) / 1000, 1), simHours: null, marketTime: null, ok: true, errors: [] };
    const guard = async (what, f) => {
      try {
        return await f();
      } catch (err) {
        s.errors.push(`${what}: ${String(err?.message ?? err).split('\n')[0].slice(0, 200)}`);
        return null;
      }
    };
    const diag = await guard('diagnostics', () => call('get_diagnostics'));
    const spid = serverPid();
    s.host = { rss: procRssBytes(child.pid), fds: procFds(child.pid), heapUsed: diag?.memory.heapUsed ?? null, heapTotal: diag?.memory.heapTotal ?? null, external: diag?.memory.external ?? null, activeResources: diag?.activeResources ?? null };
    s.server = { pid: spid, rss: spid ? procRssBytes(spid) : null, fds: spid ? procFds(spid) : null };
    s.workflows = {};
    for (const [name, id] of Object.entries(WORKFLOWS)) {
      const d = await guard(`describe ${id}`, () => client.workflow.getHandle(id).describe());
      if (d) {
        runsSeen[name].add(d.runId);
        s.workflows[name] = { historyLength: d.historyLength, runId: d.runId, status: d.status.name, runsSeen: runsSeen[name].size };
      }
    }
    const snap = await guard('market snapshot', () => call('get_market_snapshot'));
    const exec = await guard('execution agent', () => call('get_execution_agent_status'));
    const port = await guard('portfolio', () => call('get_portfolio_status'));
    const judge = await guard('judge scores', () => call('get_judge_scores', { limit: 500 }));
    if (snap) {
      s.marketTime = snap.asOf ?? null;
      if (marketStart === null && s.marketTime) marketStart = s.marketTime;
      s.barsAccepted = snap.barsAccepted ?? null;
    }
    s.simHours = marketStart !== null && s.marketTime !== null ? round((s.marketTime - marketStart) / 3_600_000, 3) : round(((t - wallStart) * o.speed) / 3_600_000, 3);
    s.work = {
      nudges: exec?.nudges ?? null,
      decisions: exec?.decisions ?? null,
      skips: exec?.skips ?? null,
      fills: port?.counts?.fills ?? null,
      blocked: port?.counts?.blocked ?? null,
      closedTrades: port?.counts?.closedTrades ?? null,
      evaluations: judge ? judge.scores.length : null,
    };
    s.files = fileSizes(dataDir);
    // A sample counts when the host and its server could be read; workflow reads may lag on a loaded machine.
    s.ok = s.host.rss !== null && s.host.heapUsed !== null && s.server.rss !== null;
    samples.push(s);
    o.onSample?.(s);
    return s;
  };

  try {
    for (;;) {
      // A host that dies ends the run; the report says so (and the verdict fails).
      if (exited) break;
      const s = await sampleOnce();
      const done = Date.now() - wallStart >= wallMs && (s.simHours ?? 0) >= o.hours;
      // Market time is the measure; the wall bound only stops a run whose market clock fell far behind.
      if (done || Date.now() - wallStart >= wallMs * 3) break;
      await new Promise((r) => setTimeout(r, o.sampleSeconds * 1000));
    }
    // Last look with the host still up (the reliability test reads candles and features here).
    if (o.beforeStop && !exited) await o.beforeStop(call);
  } finally {
    diedDuringRun = exited !== null;
    await connection.close().catch(() => undefined);
    if (!exited) {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await gone;
    }
  }
  const last = samples[samples.length - 1];
  const report = {
    kind: 'vigil-soak',
    startedAt: new Date(wallStart).toISOString(),
    wallSeconds: round((Date.now() - wallStart) / 1000, 1),
    simulatedHours: last?.simHours ?? 0,
    requestedHours: o.hours,
    speed: o.speed,
    sampleSeconds: o.sampleSeconds,
    symbols: o.symbols.split(','),
    env: { MARKET_SIM_SPEED: String(o.speed), ...compressedEnv(o.speed), ...o.env },
    machine: { cpus: os.cpus().length, node: process.version, platform: `${os.platform()} ${os.release()}` },
    /** The host exited on its own before the soak stopped it. */
    hostDied: diedDuringRun,
    /** How the host exited (after SIGTERM at the end, unless it died). */
    hostExit: exited,
    ...(diedDuringRun ? { hostStderrTail: stderr.slice(-4000) } : {}),
    summary: summarise(samples, runsSeen),
    verdict: verdict(samples, o.limits ?? DEFAULT_LIMITS),
    samples,
  };
  if (!o.keep) fs.rmSync(dataDir, { recursive: true, force: true });
  else report.dataDir = dataDir;
  return report;
}

function summarise(samples, runsSeen) {
  const ok = samples.filter((s) => s.ok);
  if (ok.length === 0) return null;
  const first = ok[0];
  const last = ok[ok.length - 1];
  const range = (pick) => {
    const v = ok.map(pick).filter((x) => Number.isFinite(x));
    return v.length ? { first: v[0], min: Math.min(...v), max: Math.max(...v), last: v[v.length - 1] } : null;
  };
  return {
    hostRssMb: mapRange(range((s) => s.host.rss / MB)),
    hostHeapUsedMb: mapRange(range((s) => s.host.heapUsed / MB)),
    hostFds: range((s) => s.host.fds),
    serverRssMb: mapRange(range((s) => s.server.rss / MB)),
    serverFds: range((s) => s.server.fds),
    workflows: Object.fromEntries(Object.keys(WORKFLOWS).map((k) => [k, { historyLength: range((s) => s.workflows[k]?.historyLength), runs: runsSeen[k].size }])),
    filesMb: Object.fromEntries(Object.keys(last.files).map((f) => [f, mapRange(range((s) => (s.files[f] ?? NaN) / MB), 2)])),
    work: { first: first.work, last: last.work, barsAccepted: last.barsAccepted },
    sampleErrors: samples.reduce((n, s) => n + s.errors.length, 0),
  };
}

function mapRange(r, d = 1) {
  return r && { first: round(r.first, d), min: round(r.min, d), max: round(r.max, d), last: round(r.last, d) };
}

export function formatRow(s) {
  const mb = (b) => (b === null || b === undefined ? '-' : (b / MB).toFixed(1));
  const h = (k) => s.workflows?.[k] ? `${s.workflows[k].historyLength}/${s.workflows[k].runsSeen}` : '-';
  return [
    s.wallSeconds.toFixed(0).padStart(6),
    (s.simHours ?? 0).toFixed(2).padStart(6),
    mb(s.host.rss).padStart(7),
    mb(s.host.heapUsed).padStart(6),
    String(s.host.fds ?? '-').padStart(4),
    mb(s.server.rss).padStart(7),
    String(s.server.fds ?? '-').padStart(4),
    h('marketStream').padStart(9),
    h('executionLedger').padStart(9),
    h('executionAgent').padStart(9),
    h('judge').padStart(8),
    String(s.barsAccepted ?? '-').padStart(6),
    String(s.work.nudges ?? '-').padStart(6),
    String(s.work.fills ?? '-').padStart(5),
    String(s.work.evaluations ?? '-').padStart(4),
    mb(s.files['temporal.sqlite']).padStart(7),
    s.errors.length ? ` ! ${s.errors[0]}` : '',
  ].join(' ');
}

export const HEADER = '  wall  simh  hostMB  heap  fds  srvMB  fds  stream/r  ledger/r   agent/r  judge/r   bars nudges fills eval  tdbMB';

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const stamp = new Date().toISOString().slice(0, 16).replace(/[:T]/g, '-');
  const out = o.out ?? path.join(root, 'bench/results', `soak-${stamp}.json`);
  process.stdout.write(`soak: ${o.hours} simulated hours at ${o.speed}x (about ${((o.hours * 60) / o.speed).toFixed(1)} min of wall time), sampling every ${o.sampleSeconds} s\n${HEADER}\n`);
  let n = 0;
  const report = await runSoak({
    ...o,
    onSample: (s) => {
      // Print every sample for short runs, about 60 lines for long ones.
      const every = Math.max(1, Math.round((o.hours * 3600) / o.speed / o.sampleSeconds / 60));
      if (!o.quiet && n++ % every === 0) process.stdout.write(`${formatRow(s)}\n`);
    },
  });
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify(report, null, 1)}\n`);
  const v = report.verdict;
  process.stdout.write(`\n${report.samples.length} samples, ${report.simulatedHours} simulated hours in ${report.wallSeconds} s of wall time\n`);
  for (const c of v.checks) process.stdout.write(`${c.measuredOnly ? '    ' : c.pass ? 'ok  ' : 'FAIL'} ${c.check}: ${c.value} (${c.measuredOnly ? 'measured, not judged' : `limit ${c.limit}`})\n`);
  const w = report.summary?.workflows ?? {};
  process.stdout.write(`runs (continue-as-new + 1): ${Object.entries(w).map(([k, x]) => `${k} ${x.runs}`).join(', ')}\n`);
  process.stdout.write(`host: ${report.hostDied ? 'DIED during the run' : 'ran throughout'}, exit ${JSON.stringify(report.hostExit)}\n`);
  const pass = runVerdict(report);
  process.stdout.write(`verdict: ${pass ? 'PASS' : 'FAIL'}; report: ${path.relative(root, out)}\n`);
  process.exit(pass ? 0 : 1);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    process.stderr.write(`soak: ${err.stack ?? err}\n`);
    process.exit(1);
  });
}
