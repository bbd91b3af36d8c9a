/**
 * Committed workflow histories (the CLI's proto3 JSON, `temporal workflow show --output json`) in
 * `tests/histories/`, replayed by the determinism tests with `Worker.runReplayHistory`.
 *
 * A replay test only reads: a missing history fails it (`committedHistory`). Recording is a
 * deliberate act — `npm run record:histories -- <name>` (scripts/record-histories.mjs) sets
 * `VIGIL_RECORD_HISTORIES` to the names to record, and only then does a test run its recording
 * path (`recordingHistory`) and write the file (`saveHistory`). Nothing records in CI.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';

export const HISTORY_DIR = fileURLToPath(new URL('../histories/', import.meta.url));

export function loadHistory(json: unknown): ReturnType<typeof historyFromJSON> {
  return historyFromJSON(json);
}

export function historyPath(name: string): string {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) throw new Error(`history names are lower-case words with dashes, not ${JSON.stringify(name)}`);
  return path.join(HISTORY_DIR, `${name}.json`);
}

/** The names a recording run asked for (`VIGIL_RECORD_HISTORIES=name,name` or `all`). */
function requested(): string[] {
  return (process.env.VIGIL_RECORD_HISTORIES ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * True only in a recording run that names this history (scripts/record-histories.mjs). Refused
 * under CI, where a history is never recorded.
 */
export function recordingHistory(name: string): boolean {
  const names = requested();
  if (!names.includes(name) && !names.includes('all')) return false;
  if (process.env.CI) throw new Error(`refusing to record tests/histories/${name}.json under CI: record on a workstation with \`npm run record:histories -- ${name}\` and commit the file`);
  return true;
}

/** A committed history: fails the test when it is missing or is not a history. */
export function committedHistory<T extends { events: unknown[] } = { events: { eventType?: string }[] }>(name: string): T {
  const file = historyPath(name);
  if (!fs.existsSync(file)) {
    throw new Error(
      `tests/histories/${name}.json is missing. Replay tests never record: record it on purpose with ` +
        `\`npm run record:histories -- ${name}\`, check the diff, and commit it (docs/reliability.md, "Committed histories").`,
    );
  }
  const json = JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  if (!Array.isArray(json.events) || json.events.length === 0) throw new Error(`tests/histories/${name}.json holds no events: record it again`);
  return json;
}

/** Writes a workflow's history from the dev server into tests/histories/<name>.json (recording runs only). */
export function saveHistory(name: string, from: { cli: string; address: string; namespace: string; workflowId: string }): void {
  if (!recordingHistory(name)) throw new Error(`tests/histories/${name}.json is written only by \`npm run record:histories -- ${name}\``);
  const json = execFileSync(from.cli, ['workflow', 'show', '--workflow-id', from.workflowId, '--address', from.address, '--namespace', from.namespace, '--output', 'json'], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  fs.mkdirSync(HISTORY_DIR, { recursive: true });
  fs.writeFileSync(historyPath(name), `${JSON.stringify(JSON.parse(json), null, 1)}\n`);
  process.stderr.write(`[histories] recorded tests/histories/${name}.json\n`);
}
