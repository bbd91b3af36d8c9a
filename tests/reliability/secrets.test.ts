/**
 * Known fake keys go into the environment; after a run that exercises the cockpit through its
 * doors, no file in the data dir (logs, databases, runtime.json), no push event, no API answer
 * and nothing sent to the tracing endpoint may contain any of them. Every client the keys
 * configure talks to a local fake that checks them: the Coinbase brokerage verifies the JWTs
 * signed with the PEM, the OpenAI-compatible server the bearer key (and answers with a mix of
 * replies and failures, where keys tend to leak), Langfuse the basic-auth pair.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type VerbName, type VerbResult } from '../../core/api/contract';
import type { ApiResult } from '../../core/api/result';
import { generateCdpKey } from '../../core/exchange/coinbase/jwt';
import { startHeadless, type Headless } from '../../core/host/headless';
import { TOOL_EXAMPLES } from '../../core/mcp/examples';
import { FakeCoinbaseBrokerage } from '../../core/testing/fake-coinbase-brokerage/server';
import { startFakeLangfuse, type FakeLangfuse } from '../../core/testing/fake-langfuse/server';
import { startFakeOpenAI, type FakeOpenAI, type ScriptedReply } from '../../core/testing/fake-openai/server';
import { workflowBundle } from '../support/temporal';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-secrets-'));
const cdpKey = generateCdpKey('ES256', 'organizations/VIGILSECRET-org/apiKeys/VIGILSECRET-key');
const pem = cdpKey.privateKey;
const SECRETS = {
  OPENAI_API_KEY: 'sk-test-VIGILSECRET-openai-0123456789abcdef',
  LANGFUSE_PUBLIC_KEY: 'pk-lf-VIGILSECRET-public-0123456789',
  LANGFUSE_SECRET_KEY: 'sk-lf-VIGILSECRET-secret-0123456789',
  COINBASE_API_KEY_NAME: cdpKey.name,
  COINBASE_API_PRIVATE_KEY: pem,
  TEMPORAL_API_KEY: 'VIGILSECRET-temporal-api-key-0123456789',
};
// Distinctive fragments: a leak of part of a key is still a leak.
const NEEDLES = ['VIGILSECRET', pem.split('\n')[1]!.slice(0, 40)];
let hl: Headless;
let brokerage: FakeCoinbaseBrokerage;
let model: FakeOpenAI;
let langfuse: FakeLangfuse;
const seen: string[] = [];

beforeAll(async () => {
  brokerage = new FakeCoinbaseBrokerage({
    keys: [cdpKey],
    products: [
      { id: 'BTC-USD', bids: [{ price: '59990', size: '2' }], asks: [{ price: '60010', size: '2' }] },
      { id: 'ETH-USD', bids: [{ price: '2999', size: '10' }], asks: [{ price: '3001', size: '10' }] },
    ],
    balances: { USD: '5000', ETH: '1' },
  });
  const coinbase = await brokerage.start();
  model = await startFakeOpenAI({ apiKey: SECRETS.OPENAI_API_KEY });
  // Answers, a server error and a dropped connection in turn.
  const replies: ScriptedReply[] = [{ kind: 'message', content: 'ok' }, { kind: 'error', status: 500, message: 'upstream failure' }, { kind: 'hangup' }];
  model.respondWith((_req, i) => replies[i % replies.length]!);
  langfuse = await startFakeLangfuse({ publicKey: SECRETS.LANGFUSE_PUBLIC_KEY, secretKey: SECRETS.LANGFUSE_SECRET_KEY });
  hl = await startHeadless({
    dataDir,
    stderr: false,
    rendererDir: null,
    workflows: { bundle: await workflowBundle() },
    env: {
      ...SECRETS,
      TEMPORAL_API_KEY: '',
      OPENAI_BASE_URL: model.baseURL,
      LLM_MAX_RETRIES: '0',
      LLM_TIMEOUT_SECONDS: '5',
      LANGFUSE_BASE_URL: langfuse.baseUrl,
      COINBASE_REST_URL: coinbase.restUrl,
      COINBASE_USER_WS_URL: coinbase.userWsUrl,
      VIGIL_TASK_QUEUE: 'vigil-secrets',
      VIGIL_LOG_LEVEL: 'debug',
    },
  });
  hl.host.bus.onAny((name, payload) => seen.push(`${name} ${JSON.stringify(payload)}`));
});
afterAll(async () => {
  await hl?.stop();
  await brokerage?.stop();
  await model?.close();
  await langfuse?.close();
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
    expect(answers.some((a) => a.includes('timedOut'))).toBe(false);
    // The keys were used, against the fakes: signed Coinbase requests with the configured key
    // name and none refused, model calls with the bearer key, traces at the local Langfuse.
    const reached = (await hl.host.call('reconcile', { threshold: '0.01' }, { door: 'test' })) as ApiResult<VerbResult<'reconcile'>>;
    answers.push(JSON.stringify(reached));
    expect(reached.ok && reached.result.status, JSON.stringify(reached)).toMatch(/^(clean|drift)$/);
    expect(brokerage.requests.length).toBeGreaterThan(0);
    expect(new Set(brokerage.requests.map((r) => r.kid))).toEqual(new Set([cdpKey.name]));
    expect(brokerage.authFailures).toEqual([]);
    expect(model.requests.length).toBeGreaterThan(0);
    expect(model.requests.every((r) => r.authorization === `Bearer ${SECRETS.OPENAI_API_KEY}`)).toBe(true);

    // Coinbase configured but unreachable: reconcile answers with a failed run and a warning.
    await brokerage.stop();
    const rec = (await hl.host.call('reconcile', { threshold: '0.01' }, { door: 'test' })) as ApiResult<VerbResult<'reconcile'>>;
    answers.push(JSON.stringify(rec));
    expect(rec.ok && rec.result.status, JSON.stringify(rec)).toBe('failed');
    expect(rec.ok && rec.result.error).toMatch(/fetch failed|unreachable|ECONNREFUSED/i);
    expect(seen.some((e) => e.startsWith('notify ') && e.includes('Reconcile could not reach Coinbase'))).toBe(true);
    await new Promise((r) => setTimeout(r, 1500));
    await hl.stop();

    const leaks: string[] = [];
    for (const f of files(dataDir)) {
      const content = fs.readFileSync(f).toString('latin1');
      for (const n of NEEDLES) if (content.includes(n)) leaks.push(`${path.relative(dataDir, f)} contains ${n.slice(0, 12)}…`);
    }
    for (const [i, a] of [...answers, ...seen].entries()) for (const n of NEEDLES) if (a.includes(n)) leaks.push(`answer/event #${i} contains ${n.slice(0, 12)}…`);
    // Langfuse's own client names the public key in each batch's metadata, addressed to Langfuse
    // (whose key it is); the traced events themselves must carry no key at all.
    for (const [i, b] of langfuse.rawBodies.entries()) {
      const { batch, metadata } = JSON.parse(b) as { batch: unknown[]; metadata?: { public_key?: string } };
      const rest = JSON.stringify([batch, { ...metadata, public_key: metadata?.public_key === SECRETS.LANGFUSE_PUBLIC_KEY ? '(public key)' : metadata?.public_key }]);
      for (const n of NEEDLES) if (rest.includes(n)) leaks.push(`trace batch #${i} contains ${n.slice(0, 12)}…`);
    }
    for (const [i, r] of model.requests.entries()) for (const n of NEEDLES) if (JSON.stringify(r.raw).includes(n)) leaks.push(`model request #${i} contains ${n.slice(0, 12)}…`);
    expect(leaks).toEqual([]);
    expect(files(dataDir).some((f) => f.endsWith('vigil.log'))).toBe(true);
    expect(langfuse.events.length).toBeGreaterThan(0);
  });
});
