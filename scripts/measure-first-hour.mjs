#!/usr/bin/env node
// The first hour of a new user, measured: `npm install` in a clean clone (optional), `npm start`
// with a fresh data dir until the cockpit prints its URL, the time to the execution agent's first
// paper fill, and the agent's trades in the first N simulated minutes (default 30) — all with the
// defaults (simulated market, no model, entry-tier paper fees). Prints one JSON document.
//
//   node scripts/measure-first-hour.mjs                    this checkout, no install
//   node scripts/measure-first-hour.mjs --clone            git clone this checkout to a temp dir, npm install, npm start
//   node scripts/measure-first-hour.mjs --sim-minutes 10   a shorter observation
//
// Times: install = `npm install` wall time; start = from launching `npm start` to the printed
// "Open: http://…" URL (it includes `npm start`'s build step); first fill = from launching
// `npm start`. Simulated minutes are counted from the cockpit being ready, converted with
// MARKET_SIM_SPEED (1 by default: a simulated minute is a wall minute). The Temporal CLI must be
// cached already (`npm run vigil -- setup`), as for any start after the first.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const value = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1] : dflt;
};
const simMinutes = Number(value('--sim-minutes', '30'));
const speed = Number(process.env.MARKET_SIM_SPEED ?? '1');
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-first-hour-'));
const log = (m) => process.stderr.write(`[first-hour] ${m}\n`);
const secs = (ms) => Math.round(ms / 100) / 10;

function timed(cmd, argv, cwd) {
  const t = Date.now();
  // The child's output goes to stderr: stdout is this script's JSON.
  const r = spawnSync(cmd, argv, { cwd, stdio: ['ignore', 2, 2], env: { ...process.env } });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} exited with ${r.status}`);
  return Date.now() - t;
}

let root = here;
const result = { checkout: here, clone: flag('--clone'), marketSimSpeed: speed, simMinutes };
if (flag('--clone')) {
  root = path.join(scratch, 'vigil');
  timed('git', ['clone', '-q', here, root], scratch);
  log(`npm install in ${root} (ELECTRON_SKIP_BINARY_DOWNLOAD ${process.env.ELECTRON_SKIP_BINARY_DOWNLOAD ? 'set' : 'not set'})`);
  result.installSeconds = secs(timed('npm', ['install', '--no-audit', '--no-fund'], root));
}

const dataDir = path.join(scratch, 'data');
const started = Date.now();
log(`npm start with VIGIL_DATA_DIR=${dataDir}`);
const child = spawn('npm', ['start'], { cwd: root, env: { ...process.env, VIGIL_DATA_DIR: dataDir }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
let out = '';
child.stdout.on('data', (d) => (out += d));
child.stderr.on('data', (d) => (out += d));
const stop = () => {
  try {
    process.kill(-child.pid, 'SIGINT');
  } catch {
    // already gone
  }
};
process.on('SIGINT', () => {
  stop();
  process.exit(130);
});

const url = await new Promise((resolve, reject) => {
  const t = setInterval(() => {
    const m = /Open: (http:\/\/127\.0\.0\.1:\d+\/#token=\S+)/.exec(out);
    if (m) {
      clearInterval(t);
      resolve(m[1]);
    }
  }, 100);
  child.once('exit', (c) => reject(new Error(`npm start exited with ${c}:\n${out}`)));
});
const ready = Date.now();
result.startToUrlSeconds = secs(ready - started);
if (result.installSeconds !== undefined) result.installAndStartSeconds = Math.round((result.installSeconds + result.startToUrlSeconds) * 10) / 10;
result.noWindowLine = out.split('\n').find((l) => l.startsWith('No desktop window')) ?? null;
log(`ready in ${result.startToUrlSeconds} s: ${url.split('#')[0]}`);

const base = url.split('/#')[0];
const token = decodeURIComponent(url.split('#token=')[1]);
async function call(verb, input = {}) {
  const r = await fetch(`${base}/api/call`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ verb, input }) });
  const j = await r.json();
  if (!j.ok) throw new Error(`${verb}: ${j.error?.message}`);
  return j.result;
}

const windowEnd = ready + (simMinutes * 60_000) / speed;
let firstFill = null;
let fills = [];
while (Date.now() < windowEnd) {
  await new Promise((r) => setTimeout(r, 2000));
  try {
    fills = (await call('get_transaction_history', { agent: 'execution-agent', limit: 500 })).transactions;
  } catch (err) {
    log(`not yet: ${err.message}`);
    continue;
  }
  if (!firstFill && fills.length) {
    firstFill = fills.reduce((a, b) => (a.time <= b.time ? a : b));
    log(`first agent fill after ${secs(firstFill.time - started)} s: ${firstFill.side} ${firstFill.quantity} ${firstFill.symbol} @ ${firstFill.price}`);
  }
}
const inWindow = fills.filter((f) => f.time <= windowEnd);
result.firstFillSecondsFromStart = firstFill ? secs(firstFill.time - started) : null;
result.firstFillSecondsFromReady = firstFill ? secs(firstFill.time - ready) : null;
result.agentTradesInWindow = inWindow.length;
result.agentTrades = inWindow
  .sort((a, b) => a.time - b.time)
  .map((f) => ({ atSeconds: secs(f.time - ready), side: f.side, symbol: f.symbol, notional: f.notional, fee: f.fee }));
try {
  const st = await call('get_execution_agent_status');
  result.agent = { mode: st.mode, nudges: st.nudges, decisions: st.decisions, skips: st.skips, last: st.lastDecision ? `${st.lastDecision.action}: ${st.lastDecision.rationale}` : null };
  const blocked = (await call('get_portfolio_status')).recentBlocked.filter((b) => b.agent === 'execution-agent');
  result.agentOrdersBlocked = blocked.length;
  result.blockedReasons = [...new Set(blocked.map((b) => `${b.rule}: ${b.reason}`))].slice(0, 5);
} catch (err) {
  result.agentError = err.message;
}
stop();
await new Promise((r) => {
  const t = setTimeout(r, 20_000);
  child.once('exit', () => {
    clearTimeout(t);
    r();
  });
});
if (!flag('--keep')) fs.rmSync(scratch, { recursive: true, force: true });
else result.scratch = scratch;
console.log(JSON.stringify(result, null, 2));
