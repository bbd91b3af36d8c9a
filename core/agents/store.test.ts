import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentStore, PromptRejected } from './store';
import { costNanoUsd } from './llm/pricing';

const dirs: string[] = [];
function open(): AgentStore {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-agents-'));
  dirs.push(d);
  return AgentStore.open(d);
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('AgentStore', () => {
  it('sums usage and cost exactly per agent and prompt version', () => {
    const s = open();
    const row = (agent: 'execution' | 'judge', v: number, pt: number, ct: number, model = 'gpt-4o-mini') => ({
      at: 1,
      agent,
      promptId: agent === 'execution' ? 'execution-standard' : 'judge',
      promptVersion: v,
      model,
      promptTokens: pt,
      completionTokens: ct,
      costNanoUsd: costNanoUsd(model, { prompt: pt, completion: ct }),
      priced: model.startsWith('gpt'),
      ok: true,
      errorKind: null,
      latencyMs: 10,
      traceId: 't',
    });
    for (let i = 0; i < 10; i++) s.recordUsage(row('execution', 1, 1000, 100));
    s.recordUsage(row('execution', 2, 333, 7));
    s.recordUsage(row('judge', 1, 10, 10, 'llama3.1'));
    const u = s.usageSummary();
    expect(u.totals.calls).toBe(12);
    expect(u.totals.unpricedCalls).toBe(1);
    // 10 * (1000*0.15 + 100*0.6)/1e6 + (333*0.15 + 7*0.6)/1e6 = 0.0021 + 0.00005415
    expect(u.totals.costUsd).toBe('0.00215415');
    expect(u.byPromptVersion.find((g) => g.promptVersion === 2)).toMatchObject({ calls: 1, promptTokens: 333, costUsd: '0.00005415' });
    expect(u.byAgent.map((a) => a.agent)).toEqual(['execution', 'judge']);
    s.close();
  });

  it('versions prompts, refuses bad templates without saving', () => {
    const s = open();
    const v1 = s.activePrompt('broker', 'Hello {{now}}', 100);
    expect(v1).toMatchObject({ version: 1, author: 'vigil' });
    const v2 = s.savePrompt({ promptId: 'broker', template: 'Hi {{now}}!', author: 'user', reason: 'friendlier', now: 200, defaultTemplate: 'Hello {{now}}' });
    expect(v2.version).toBe(2);
    expect(() => s.savePrompt({ promptId: 'broker', template: 'Hi {{#now}}', author: 'user', reason: 'x', now: 300, defaultTemplate: '' })).toThrow(PromptRejected);
    expect(s.activePrompt('broker', 'Hello {{now}}', 400).template).toBe('Hi {{now}}!');
    expect(s.promptHistory('broker').map((p) => p.version)).toEqual([2, 1]);
    s.close();
  });

  it('moves an unedited prompt to a changed shipped default, and leaves an edited one alone', () => {
    const s = open();
    s.activePrompt('judge', 'Score {{now}}', 100);
    // A release ships a new default: the untouched prompt takes it as its next version, once.
    expect(s.activePrompt('judge', 'Score carefully {{now}}', 200)).toMatchObject({ version: 2, author: 'vigil', reason: 'shipped update', template: 'Score carefully {{now}}' });
    expect(s.activePrompt('judge', 'Score carefully {{now}}', 300).version).toBe(2);
    // A version that keeps the shipped text (a judge mode switch) still takes the next release.
    s.savePrompt({ promptId: 'judge', template: 'Score carefully {{now}}', author: 'judge', reason: 'mode switch', now: 320, defaultTemplate: 'Score carefully {{now}}' });
    expect(s.activePrompt('judge', 'Score well {{now}}', 340)).toMatchObject({ version: 4, author: 'vigil', reason: 'shipped update' });
    // Once someone edits it, later shipped defaults do not replace their version.
    s.savePrompt({ promptId: 'judge', template: 'My judge {{now}}', author: 'user', reason: 'mine', now: 400, defaultTemplate: 'Score well {{now}}' });
    expect(s.activePrompt('judge', 'Score even better {{now}}', 500)).toMatchObject({ version: 5, author: 'user', template: 'My judge {{now}}' });
    expect(s.promptHistory('judge').map((p) => p.reason)).toEqual(['mine', 'shipped update', 'mode switch', 'shipped update', 'shipped default']);
    s.close();
  });

  it('logs decisions once per key and returns newest first', () => {
    const s = open();
    expect(s.log({ key: 'k1', at: 1, agent: 'execution', kind: 'decision', correlationId: 'c1', summary: 'hold', data: { a: 1 } })).not.toBeNull();
    expect(s.log({ key: 'k1', at: 1, agent: 'execution', kind: 'decision', correlationId: 'c1', summary: 'hold', data: { a: 1 } })).toBeNull();
    s.log({ at: 2, agent: 'judge', kind: 'evaluation', correlationId: null, summary: 'ok', data: {} });
    expect(s.logs().map((l) => l.agent)).toEqual(['judge', 'execution']);
    expect(s.logs({ agent: 'execution' })[0]!.data).toEqual({ a: 1 });
    s.close();
  });

  it('keeps the log to the retention window as entries arrive', () => {
    const s = open();
    const DAY = 86_400_000;
    const t0 = Date.UTC(2026, 0, 1);
    // 120 days of entries, 5 a day: the pass that runs every 500 inserts drops those older than
    // 90 days before the newest one.
    for (let d = 0; d < 120; d++) for (let k = 0; k < 5; k++) s.log({ at: t0 + d * DAY + k, agent: 'execution', kind: 'decision', correlationId: null, summary: `d${d}`, data: {} });
    const all = s.logs({ limit: 1000 });
    expect(all.length).toBeLessThan(600);
    const oldest = Math.min(...all.map((e) => e.at));
    expect(oldest).toBe(t0 + 9 * DAY + 4); // the pass at insert 500 (day 99, entry 4) cut at exactly 90 days before it
    expect(s.pruneLogs(t0 + 120 * DAY)).toBeGreaterThan(0);
    expect(Math.min(...s.logs({ limit: 1000 }).map((e) => e.at))).toBeGreaterThanOrEqual(t0 + 30 * DAY);
  });
});
