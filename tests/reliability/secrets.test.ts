/**
 * Known fake keys go into the environment; after a run that exercises the cockpit through its
 * doors, no file in the data dir (logs, databases, runtime.json), no push event and no API answer
 * may contain any of them.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type VerbName } from '../../core/api/contract';
import { startHeadless, type Headless } from '../../core/host/headless';
import { TOOL_EXAMPLES } from '../../core/mcp/examples';
import { workflowBundle } from '../support/temporal';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-secrets-'));
const pem = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'sec1', format: 'pem' }).toString();
const SECRETS = {
  OPENAI_API_KEY: 'sk-test-VIGILSECRET-openai-0123456789abcdef',
  LANGFUSE_PUBLIC_KEY: 'pk-lf-VIGILSECRET-public-0123456789',
  LANGFUSE_SECRET_KEY: 'sk-lf-VIGILSECRET-secret-0123456789',
  COINBASE_API_KEY_NAME: 'organizations/VIGILSECRET-org/apiKeys/VIGILSECRET-key',
  COINBASE_API_PRIVATE_KEY: pem,
  TEMPORAL_API_KEY: 'VIGILSECRET-temporal-api-key-0123456789',
};
// Distinctive fragments: a leak of part of a key is still a leak.
const NEEDLES = ['VIGILSECRET', pem.split('\n')[1]!.slice(0, 40)];
let hl: Headless;
const seen: string[] = [];

beforeAll(async () => {
  hl = await startHeadless({
    dataDir,
    stderr: false,
    rendererDir: null,
    workflows: { bundle: await workflowBundle() },
    // The model endpoint points at a closed port: calls fail, and failures are where keys leak.
    env: { ...SECRETS, TEMPORAL_API_KEY: '', OPENAI_BASE_URL: 'http://127.0.0.1:9/v1', VIGIL_TASK_QUEUE: 'vigil-secrets', VIGIL_LOG_LEVEL: 'debug' },
  });
  hl.host.bus.onAny((name, payload) => seen.push(`${name} ${JSON.stringify(payload)}`));
});
afterAll(async () => {
  await hl?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

describe('secrets', () => {
  it('never appear in logs, databases, events or answers', async () => {
    const answers: string[] = [];
    // Every verb with an example input, plus the doctor-style status.
    for (const verb of Object.keys(api) as VerbName[]) {
      const input = TOOL_EXAMPLES[verb] ?? {};
      const t0 = Date.now();
      const r = await Promise.race([
        hl.host.call(verb, input, { door: 'test' }),
        new Promise((resolve) => setTimeout(() => resolve({ timedOut: verb }), 20_000)),
      ]);
      if (Date.now() - t0 > 5000) process.stderr.write(`[secrets] ${verb} took ${Date.now() - t0} ms\n`);
      answers.push(JSON.stringify(r));
    }
    // Coinbase is configured but unreachable here: reconcile answers at once with a failed run.
    const rec = await hl.host.call('reconcile', { threshold: '0.01' }, { door: 'test' });
    expect(JSON.stringify(rec)).toMatch(/fetch failed|unreachable|ECONNREFUSED|ENOTFOUND|EAI_AGAIN/i);
    expect(answers.some((a) => a.includes('timedOut'))).toBe(false);
    await new Promise((r) => setTimeout(r, 1500));
    await hl.stop();

    const leaks: string[] = [];
    for (const f of files(dataDir)) {
      const content = fs.readFileSync(f).toString('latin1');
      for (const n of NEEDLES) if (content.includes(n)) leaks.push(`${path.relative(dataDir, f)} contains ${n.slice(0, 12)}…`);
    }
    for (const [i, a] of [...answers, ...seen].entries()) for (const n of NEEDLES) if (a.includes(n)) leaks.push(`answer/event #${i} contains ${n.slice(0, 12)}…`);
    expect(leaks).toEqual([]);
    expect(files(dataDir).some((f) => f.endsWith('vigil.log'))).toBe(true);
  });
});
