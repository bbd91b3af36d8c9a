/**
 * Vitest setup file of every tier: no test may open a connection off this machine. The guard
 * (net-guard.mjs) is installed in the test process and preloaded into every Node child it spawns
 * through NODE_OPTIONS; refused attempts from either fail the test that was running (afterEach),
 * or the file when they happened outside a test (afterAll).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach } from 'vitest';
import { installNetGuard } from './net-guard.mjs';

interface Violation {
  kind: string;
  target: string;
  pid: number;
  stack: string;
  argv?: string;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const caught: Violation[] = [];
installNetGuard((v: Violation) => caught.push(v));

const childLog = path.join(os.tmpdir(), `vigil-net-guard-${process.pid}.jsonl`);
process.env.VIGIL_NET_GUARD_LOG = childLog;
// Quoted: NODE_OPTIONS splits on spaces, and a checkout's path may contain one.
const preload = `--import "${path.join(here, 'net-guard-child.mjs')}"`;
if (!(process.env.NODE_OPTIONS ?? '').includes(preload)) {
  process.env.NODE_OPTIONS = [process.env.NODE_OPTIONS, preload].filter(Boolean).join(' ');
}

function fromChildren(): Violation[] {
  const taken = `${childLog}.${Date.now()}`;
  try {
    fs.renameSync(childLog, taken);
  } catch {
    return [];
  }
  const text = fs.readFileSync(taken, 'utf8');
  fs.rmSync(taken, { force: true });
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Violation);
}

function check(when: string): void {
  const all = [...caught.splice(0), ...fromChildren()];
  if (all.length === 0) return;
  const byTarget = new Map<string, { v: Violation; n: number }>();
  for (const v of all) {
    const key = `${v.kind} ${v.target} (pid ${v.pid}${v.argv ? `, ${v.argv}` : ''})`;
    const seen = byTarget.get(key);
    if (seen) seen.n += 1;
    else byTarget.set(key, { v, n: 1 });
  }
  const lines = [...byTarget].map(([key, { v, n }]) => `  ${key}${n > 1 ? ` ×${n}` : ''}${v.stack ? `\n    ${v.stack}` : ''}`);
  throw new Error(`${when} tried to leave this machine ${all.length} time(s) (refused); point the client at a local fake:\n${lines.join('\n')}`);
}

afterEach(() => check('this test'));
afterAll(() => check('this file (outside its tests)'));
