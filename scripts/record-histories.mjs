#!/usr/bin/env node
// `npm run record:histories -- <name> [<name> ...]` (or `--all`): records the committed workflow
// histories in tests/histories/ that the replay tests replay. Replay tests never record on their
// own: a missing history fails them. Record only for an intended, versioned workflow change (or a
// new history), then check `git diff tests/histories/` and commit the files.
//
// Each history is recorded by the test file that replays it, run with VIGIL_RECORD_HISTORIES set to
// the names asked for: the test drives a real run on a dev server, writes the history with
// `saveHistory`, and replays it. A new history: record it in its test with
// `if (recordingHistory('<name>')) … saveHistory('<name>', …)`, read it with
// `committedHistory('<name>')` (tests/support/replay.ts), and add it to HISTORIES below.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Histories recorded by a release whose code is gone: kept and replayed (their runs must still
 * replay through the patches), never recorded again.
 */
export const FROZEN = new Set(['execution-agent-policy-v1']);

/** Every committed history and the test file that records and replays it. */
export const HISTORIES = {
  'execution-ledger': 'core/paper/paper-book.replay.int.test.ts',
  'market-stream': 'core/market/market-stream.replay.int.test.ts',
  'market-stream-gap': 'core/market/market-stream.replay.int.test.ts',
  'execution-agent': 'core/agents/agents.replay.int.test.ts',
  'judge-agent': 'core/agents/agents.replay.int.test.ts',
  'broker-agent': 'core/agents/agents.replay.int.test.ts',
  'live-order-request': 'core/ledger/live-orders.int.test.ts',
  'execution-agent-port': 'core/orders/order-port.replay.int.test.ts',
  'ledger-order-live': 'core/orders/order-port.replay.int.test.ts',
  'ledger-order-blocked': 'core/orders/order-port.replay.int.test.ts',
  'optimize-study': 'core/research/optimize.replay.int.test.ts',
  'execution-agent-policy': 'core/agents/agents.replay.int.test.ts',
  'execution-agent-policy-v1': 'core/agents/agents.replay.int.test.ts',
  'live-trigger': 'core/ledger/triggers.int.test.ts',
};

/** The vitest project a test file belongs to (vitest.config.ts). */
export function projectOf(file) {
  if (file.endsWith('.int.test.ts')) return 'integration';
  if (file.startsWith('tests/reliability/')) return 'reliability';
  if (file.startsWith('e2e/')) return 'e2e';
  return 'unit';
}

export function historyFile(name) {
  return path.join(root, 'tests', 'histories', `${name}.json`);
}

function usage() {
  return [
    'Usage: npm run record:histories -- <name> [<name> ...] | --all',
    '',
    'Records tests/histories/<name>.json from a real run (its test file, with VIGIL_RECORD_HISTORIES).',
    'Only for an intended, versioned workflow change or a new history; commit the result.',
    '',
    'Histories:',
    ...Object.entries(HISTORIES).map(([n, f]) => `  ${n.padEnd(26)} ${f}${FROZEN.has(n) ? ' (frozen: replayed, never recorded)' : ''}`),
  ].join('\n');
}

function main(argv) {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${usage()}\n`);
    return 0;
  }
  if (process.env.CI) {
    process.stderr.write('record-histories: refusing to record under CI; record on a workstation and commit the files.\n');
    return 2;
  }
  const names = argv.includes('--all') ? Object.keys(HISTORIES).filter((n) => !FROZEN.has(n)) : argv.filter((a) => !a.startsWith('-'));
  const frozen = names.filter((n) => FROZEN.has(n));
  if (frozen.length) {
    process.stderr.write(`record-histories: ${frozen.join(', ')} was recorded by a release whose code is gone; it is replayed, never recorded again.\n`);
    return 2;
  }
  const unknown = names.filter((n) => !(n in HISTORIES));
  if (names.length === 0 || unknown.length) {
    process.stderr.write(`${unknown.length ? `unknown history: ${unknown.join(', ')}\n\n` : ''}${usage()}\n`);
    return 2;
  }
  const byFile = new Map();
  for (const n of names) byFile.set(HISTORIES[n], [...(byFile.get(HISTORIES[n]) ?? []), n]);
  const started = Date.now();
  let ok = true;
  for (const [file, these] of byFile) {
    process.stderr.write(`\n=== recording ${these.join(', ')} (${file}) ===\n`);
    const r = spawnSync(path.join(root, 'node_modules', '.bin', 'vitest'), ['run', '--project', projectOf(file), file], {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, VIGIL_RECORD_HISTORIES: these.join(',') },
    });
    if (r.status !== 0) {
      process.stderr.write(`record-histories: ${file} failed; its histories may be incomplete — do not commit them.\n`);
      ok = false;
    }
  }
  for (const n of names) {
    const f = historyFile(n);
    const written = fs.existsSync(f) && fs.statSync(f).mtimeMs >= started;
    process.stderr.write(`${written ? 'recorded' : 'NOT recorded'}  tests/histories/${n}.json\n`);
    if (!written) ok = false;
  }
  if (ok) process.stderr.write('\nCheck `git diff tests/histories/` and commit the files with the workflow change.\n');
  return ok ? 0 : 1;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exit(main(process.argv.slice(2)));
