/**
 * The model server goes down, then answers too slowly, then comes back — while the cockpit runs:
 * the execution agent keeps nudging on the built-in policy, the status says what is wrong, nothing
 * crashes, and model decisions resume on their own once the server answers again (no restart).
 * The real runtime (Temporal, ledger, agents) with the local OpenAI-compatible server.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHeadless, type Headless } from '../../core/host/headless';
import { startFakeOpenAI, type FakeOpenAI, type ScriptedReply } from '../../core/testing/fake-openai/server';
import { workflowBundle } from '../support/temporal';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-model-outage-'));
let fake: FakeOpenAI | null = null;
let port = 0;
let hl: Headless;

const HOLD: ScriptedReply = { kind: 'tool_calls', calls: [{ name: 'hold', arguments: JSON.stringify({ symbol: 'BTC-USD', rationale: 'no edge right now' }) }] };

interface Decision {
  nudge: number;
  source: 'model' | 'policy' | 'gate';
  rationale: string;
}
interface ExecStatus {
  nudges: number;
  recent: Decision[];
  lastDecision: Decision | null;
  model: { configured: boolean; model: string; lastError: string | null };
}

async function status(): Promise<ExecStatus> {
  const r = await hl.host.call('get_execution_agent_status', {});
  if (!r.ok) throw new Error(r.error.message);
  return r.result as ExecStatus;
}

async function until(what: string, ok: (s: ExecStatus) => boolean, ms = 90_000): Promise<ExecStatus> {
  const deadline = Date.now() + ms;
  let last: ExecStatus | null = null;
  for (;;) {
    last = await status().catch(() => last);
    if (last && ok(last)) return last;
    if (Date.now() > deadline) throw new Error(`${what} not reached in ${ms} ms; last: ${JSON.stringify(last?.model)} nudges ${last?.nudges} recent ${JSON.stringify(last?.recent.slice(-2))}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

async function modelServer(reply: ScriptedReply): Promise<void> {
  fake = await startFakeOpenAI({ port });
  port = fake.port;
  fake.setFallback(reply);
}

beforeAll(async () => {
  await modelServer(HOLD);
  hl = await startHeadless({
    dataDir,
    stderr: false,
    rendererDir: null,
    workflows: { bundle: await workflowBundle() },
    env: {
      VIGIL_TASK_QUEUE: 'vigil-model-outage',
      VIGIL_AUTOSTART: 'true',
      MARKET_FEED: 'simulated',
      MARKET_SYMBOLS: 'BTC-USD',
      OPENAI_BASE_URL: fake!.baseURL,
      OPENAI_MODEL: 'gpt-4o-mini',
      OPENAI_API_KEY: 'sk-model-outage-test-0001',
      JUDGE_MODEL: 'off',
      BROKER_MODEL: 'off',
      LLM_MAX_RETRIES: '0',
      LLM_TIMEOUT_SECONDS: '2',
      EXECUTION_NUDGE_SECONDS: '2',
      EXECUTION_MIN_PRICE_MOVE_PCT: '0',
      JUDGE_STARTUP_DELAY_SECONDS: '86400',
    },
  });
});

afterAll(async () => {
  await hl?.stop();
  await fake?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('model server down, slow, then back', () => {
  it('keeps trading on the built-in policy, reports the failure, and resumes model decisions without a restart', async () => {
    const up = await until('a model decision', (s) => s.recent.some((d) => d.source === 'model') && s.model.lastError === null);
    expect(up.model).toMatchObject({ configured: true, model: 'gpt-4o-mini' });

    // Down: the port refuses connections.
    await fake!.close();
    fake = null;
    const down = await until('the outage reported', (s) => s.model.lastError !== null && s.nudges >= up.nudges + 2);
    expect(down.model.lastError).toMatch(/unreachable|connect|ECONNREFUSED/i);
    const policyDown = await until('policy decisions while down', (s) => s.nudges >= down.nudges + 3);
    const whileDown = policyDown.recent.filter((d) => d.nudge > up.nudges + 1 && d.source !== 'gate');
    expect(whileDown.length).toBeGreaterThan(0);
    expect(whileDown.every((d) => d.source === 'policy')).toBe(true);
    expect((await hl.host.call('get_runtime_status', {})).ok).toBe(true);

    // Slow: the server is back but answers after the client's 2 s timeout.
    await modelServer({ kind: 'delay', ms: 10_000, then: HOLD });
    const slow = await until('the timeout reported', (s) => /timeout|timed out/i.test(s.model.lastError ?? ''), 120_000);
    expect(slow.lastDecision?.source).not.toBe('model');

    // Back: answers at once again; the same running agent uses it.
    fake!.setFallback(HOLD);
    const back = await until('model decisions again', (s) => s.model.lastError === null && s.recent.some((d) => d.nudge > slow.nudges && d.source === 'model'), 120_000);
    expect(back.nudges).toBeGreaterThan(slow.nudges);
  });
});
