#!/usr/bin/env node
// Cold start to ready: Vigil (server up, worker polling, gateway serving) against the bare
// `temporal server start-dev` ready time, measured in this same script, median of N runs each.
// Usage: node bench/startup.mjs [--runs 5]
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { Connection } from '@temporalio/client';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 5;

const b = spawnSync(process.execPath, [path.join(root, 'scripts/build.mjs'), '--quiet'], { stdio: 'inherit' });
if (b.status !== 0) process.exit(1);
const setup = spawnSync(process.execPath, [path.join(root, 'bin/vigil.mjs'), 'setup', '--json'], { encoding: 'utf8' });
const cli = JSON.parse(setup.stdout).path;

const freePort = () => new Promise((res) => { const s = net.createServer(); s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)); }); });
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

async function bare() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-bare-'));
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(cli, ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--db-filename', path.join(dir, 't.sqlite'), '--headless', '--log-level', 'warn'], { stdio: 'ignore' });
  for (;;) {
    try {
      const c = await Connection.connect({ address: `127.0.0.1:${port}`, connectTimeout: 1000 });
      await c.workflowService.describeNamespace({ namespace: 'default' });
      await c.close();
      break;
    } catch { await new Promise((r) => setTimeout(r, 50)); }
  }
  const ms = performance.now() - t0;
  await new Promise((r) => { child.once('exit', r); child.kill('SIGTERM'); });
  fs.rmSync(dir, { recursive: true, force: true });
  return ms;
}

async function vigil() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-vigil-'));
  const t0 = performance.now();
  const child = spawn(process.execPath, [path.join(root, 'dist/cli.mjs'), 'serve', '--json'], { env: { ...process.env, VIGIL_DATA_DIR: dir, VIGIL_CLI_ENTRY: '1' }, stdio: ['ignore', 'pipe', 'ignore'] });
  const line = await new Promise((res, rej) => {
    let buf = '';
    child.stdout.on('data', (d) => { buf += d; const i = buf.indexOf('\n'); if (i >= 0) res(buf.slice(0, i)); });
    child.once('exit', (c) => rej(new Error(`serve exited ${c}`)));
  });
  const { baseUrl } = JSON.parse(line);
  const r = await fetch(`${baseUrl}/api/health`);
  if (!r.ok) throw new Error('gateway not serving');
  const ms = performance.now() - t0;
  await new Promise((r2) => { child.once('exit', r2); child.kill('SIGTERM'); });
  fs.rmSync(dir, { recursive: true, force: true });
  return ms;
}

const bareMs = [];
const vigilMs = [];
for (let i = 0; i < RUNS; i++) {
  bareMs.push(await bare());
  vigilMs.push(await vigil());
}
const mb = median(bareMs);
const mv = median(vigilMs);
console.log(`bare temporal start-dev ready: median ${mb.toFixed(0)} ms  (${bareMs.map((x) => x.toFixed(0)).join(', ')})`);
console.log(`vigil cold start to ready:     median ${mv.toFixed(0)} ms  (${vigilMs.map((x) => x.toFixed(0)).join(', ')})`);
console.log(`overhead: ${(mv - mb).toFixed(0)} ms  ratio vigil/bare: ${(mv / mb).toFixed(2)}x  target: overhead < 1000 ms -> ${mv - mb < 1000 ? 'MET' : 'NOT MET'}`);
