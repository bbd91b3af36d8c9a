/**
 * Every history a replay test replays is committed, and every committed history is replayed: a
 * missing or orphaned file fails here, in the unit tier, before any dev server starts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HISTORIES, historyFile, projectOf } from '../../scripts/record-histories.mjs';

const root = path.resolve(__dirname, '../..');

describe('committed workflow histories', () => {
  it('each listed history is committed, a real history, and named by the test that replays it', () => {
    expect(Object.keys(HISTORIES).length).toBeGreaterThan(0);
    for (const [name, file] of Object.entries(HISTORIES)) {
      const f = historyFile(name);
      expect(fs.existsSync(f), `tests/histories/${name}.json is missing: record it with \`npm run record:histories -- ${name}\` and commit it`).toBe(true);
      const json = JSON.parse(fs.readFileSync(f, 'utf8')) as { events?: { eventType?: string }[] };
      expect(json.events?.length ?? 0, name).toBeGreaterThan(5);
      expect(json.events![0]!.eventType).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_STARTED');
      const test = fs.readFileSync(path.join(root, file), 'utf8');
      expect(test, `${file} names ${name}`).toContain(`'${name}'`);
      expect(test, `${file} reads committed histories`).toMatch(/committedHistory(<[^(]*>)?\(/);
      expect(['integration', 'reliability', 'e2e', 'unit']).toContain(projectOf(file));
    }
  });

  it('no committed history is left without a replay test', () => {
    const committed = fs.readdirSync(path.join(root, 'tests', 'histories')).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5));
    expect(committed.filter((n) => !(n in HISTORIES))).toEqual([]);
  });

  it('no test writes a history outside a recording run', () => {
    // Histories are written only by saveHistory, which refuses unless the recording script asked.
    const offenders: string[] = [];
    const walk = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.name === 'node_modules' ? [] : e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
    for (const f of [...walk(path.join(root, 'core')), ...walk(path.join(root, 'tests')), ...walk(path.join(root, 'e2e'))].filter((x) => /\.(test|e2e)\.ts$/.test(x) && x !== __filename)) {
      const text = fs.readFileSync(f, 'utf8');
      if (/tests\/histories/.test(text) && /writeFileSync/.test(text)) offenders.push(path.relative(root, f));
    }
    expect(offenders).toEqual([]);
  });
});
