/**
 * kill -9 a cockpit that is streaming, nudging the execution agent and judging, then relaunch it
 * on the same data dir: the same workflows carry on from their state (counters keep growing, new
 * bars arrive, the judge keeps its history), and no order is filled twice.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOnce, startCockpit, type CockpitProcess } from '../support/cockpit-process';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-kill-agents-'));
const env = {
  VIGIL_AUTOSTART: 'true',
  MARKET_FEED: 'simulated',
  MARKET_SYMBOLS: 'BTC-USD',
  EXECUTION_NUDGE_SECONDS: '2',
  EXECUTION_MIN_PRICE_MOVE_PCT: '0',
  JUDGE_STARTUP_DELAY_SECONDS: '1',
  JUDGE_EVALUATION_SECONDS: '10',
};
let cockpit: CockpitProcess | null = null;

beforeAll(() => buildOnce());
afterAll(async () => {
  await cockpit?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

interface ExecStatus { nudges: number; decisions: number }
interface Snapshot { barsAccepted: number }
interface Fill { idempotencyKey: string }

async function get<T>(c: CockpitProcess, verb: string, input: unknown = {}): Promise<T> {
  const r = await c.call<T>(verb, input);
  if (!r.ok) throw new Error(`${verb}: ${r.error.message}`);
  return r.result;
}

async function until<T>(f: () => Promise<T>, ok: (v: T) => boolean, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await f();
      if (ok(v)) return v;
      last = v;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`${what} not reached in ${ms} ms; last: ${JSON.stringify(last).slice(0, 300)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe('host killed while streaming, trading and judging', () => {
  it('resumes every workflow from its state and duplicates nothing', async () => {
    cockpit = await startCockpit(dataDir, env);
    const exec1 = await until(() => get<ExecStatus>(cockpit!, 'get_execution_agent_status'), (s) => s.nudges >= 3, 90_000, 'three nudges');
    const judged1 = await until(() => get<{ scores: unknown[] }>(cockpit!, 'get_judge_scores', { limit: 50 }), (s) => s.scores.length >= 1, 90_000, 'a judge evaluation');
    const snap1 = await get<Snapshot>(cockpit, 'get_market_snapshot');

    cockpit.kill9();
    cockpit = await startCockpit(dataDir, env);

    // Same workflows, state carried: counters continue past where they were, history is kept.
    const exec2 = await until(() => get<ExecStatus>(cockpit!, 'get_execution_agent_status'), (s) => s.nudges > exec1.nudges + 1, 90_000, 'nudges after restart');
    expect(exec2.decisions).toBeGreaterThanOrEqual(exec1.decisions);
    const judged2 = await get<{ scores: unknown[] }>(cockpit, 'get_judge_scores', { limit: 50 });
    expect(judged2.scores.length).toBeGreaterThanOrEqual(judged1.scores.length);
    await until(() => get<Snapshot>(cockpit!, 'get_market_snapshot'), (s) => s.barsAccepted > snap1.barsAccepted, 120_000, 'new bars after restart');

    const fills = (await get<{ transactions: Fill[] }>(cockpit, 'get_transaction_history', { limit: 500 })).transactions;
    const keys = fills.map((f) => f.idempotencyKey);
    expect(new Set(keys).size).toBe(keys.length);
    process.stderr.write(`[host-kill-agents] nudges ${exec1.nudges} -> ${exec2.nudges}, evaluations ${judged1.scores.length} -> ${judged2.scores.length}, bars ${snap1.barsAccepted} -> more, ${fills.length} fills, all keys distinct\n`);
  });
});
