/**
 * kill -9 the host in the middle of an optimisation study, relaunch on the same data dir: the
 * study resumes from its workflow state — the trials in flight when the host died are retried
 * after their heartbeat timeout — and ends with every trial exactly once, equal trial for trial to
 * the same study (same seed) run without interruption.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOnce, startCockpit, type CockpitProcess } from '../support/cockpit-process';
import type { ResearchRun } from '../../core/research/api';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-kill-rs-'));
let cockpit: CockpitProcess | null = null;

const STUDY = {
  spec: { strategy: 'breakout', symbols: ['BTC-USD', 'ETH-USD', 'LTC-USD'], timeframe: '1h' },
  space: { lookback: { min: 5, max: 80 }, exitLookback: { min: 3, max: 60 } },
  sampler: 'tpe',
  trials: 30,
  parallel: 2,
  seed: 21,
  objective: { metric: 'net_return', minTrades: 0 },
} as const;

beforeAll(() => buildOnce());
afterAll(async () => {
  await cockpit?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function runOf(c: CockpitProcess, id: string): Promise<ResearchRun | null> {
  const r = await c.call<ResearchRun>('get_research_run', { id });
  return r.ok ? r.result : null;
}

async function finished(c: CockpitProcess, id: string, ms = 240_000): Promise<ResearchRun> {
  const deadline = Date.now() + ms;
  for (;;) {
    const r = await runOf(c, id);
    if (r && r.summary.status !== 'running') return r;
    if (Date.now() > deadline) throw new Error(`study ${id} not finished: ${JSON.stringify(r?.summary)}`);
    await new Promise((res) => setTimeout(res, 500));
  }
}

const strip = (r: ResearchRun) => r.optimize!.trials.map((t) => ({ index: t.index, params: t.params, status: t.status, value: t.value, metrics: t.metrics }));

describe('host killed mid-study', () => {
  it('resumes from its workflow state and ends with every trial once, as the uninterrupted study', async () => {
    cockpit = await startCockpit(dataDir);
    const started = await cockpit.call<{ id: string }>('optimize_strategy', STUDY);
    if (!started.ok) throw new Error(started.error.message);
    const id = started.result.id;
    let before: ResearchRun | null = null;
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      before = await runOf(cockpit, id);
      if (before && before.optimize!.trials.length >= 5 && before.optimize!.running.length > 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(before?.optimize?.running.length, 'trials should be in flight when the host is killed').toBeGreaterThan(0);
    cockpit.kill9();

    cockpit = await startCockpit(dataDir);
    const resumed = await finished(cockpit, id);
    expect(resumed.summary.status).toBe('completed');
    expect(resumed.optimize!.trials.map((t) => t.index)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(resumed.optimize!.counts.failed).toBe(0);

    const again = await cockpit.call<{ id: string }>('optimize_strategy', STUDY);
    if (!again.ok) throw new Error(again.error.message);
    const straight = await finished(cockpit, again.result.id);
    expect(strip(resumed)).toEqual(strip(straight));
    process.stderr.write(`[host-kill-research] killed with ${before!.optimize!.trials.length} trials done and ${before!.optimize!.running.length} in flight; resumed study = uninterrupted study (${resumed.summary.headline})\n`);
  });
});
