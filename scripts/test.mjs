#!/usr/bin/env node
// `npm test`: build, typecheck, lint, then every vitest tier in turn (unit, integration against
// a real Temporal dev server, reliability, e2e in Chromium). Ends with one summary line
// `tests: N passed, N failed, N skipped`. Pass tier names to run only those: `npm test -- unit`.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (n) => path.join(root, 'node_modules', '.bin', n);
const requested = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const tiers = requested.length ? requested : ['unit', 'integration', 'reliability', 'e2e'];
const skipChecks = process.argv.includes('--no-checks');

function run(label, cmd, args, env = {}) {
  process.stderr.write(`\n=== ${label} ===\n`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  return r.status === 0;
}

let ok = run('build', process.execPath, [path.join(root, 'scripts/build.mjs')]);
if (!ok) process.exit(1);
if (!skipChecks) {
  ok = run('typecheck (node)', bin('tsc'), ['-p', 'tsconfig.node.json', '--noEmit']) && ok;
  ok = run('typecheck (web)', bin('tsc'), ['-p', 'tsconfig.web.json', '--noEmit']) && ok;
  ok = run('lint', bin('eslint'), ['.', '--max-warnings', '0']) && ok;
}

const totals = { passed: 0, failed: 0, skipped: 0 };
const reportDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-test-report-'));
for (const tier of tiers) {
  const out = path.join(reportDir, `${tier}.json`);
  const passed = run(`tests: ${tier}`, bin('vitest'), ['run', '--project', tier, '--passWithNoTests', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`]);
  ok = passed && ok;
  try {
    const j = JSON.parse(fs.readFileSync(out, 'utf8'));
    totals.passed += j.numPassedTests ?? 0;
    totals.failed += (j.numFailedTests ?? 0) + (passed || j.numFailedTests ? 0 : 1);
    totals.skipped += (j.numPendingTests ?? 0) + (j.numTodoTests ?? 0);
  } catch {
    if (!passed) totals.failed += 1;
  }
}
process.stdout.write(`\ntests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped\n`);
process.exit(ok && totals.failed === 0 ? 0 : 1);
