import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAI } from '../../testing/fake-openai/server';
import { loadConfig } from '../../runtime/config';
import { LlmClient } from './client';
import { resolveAgentModel } from './models';
import { costUsd } from './pricing';

function clientFor(baseUrl: string, opts: { timeoutMs?: number; maxRetries?: number; model?: string } = {}) {
  return new LlmClient(
    { agent: 'execution', configured: true, model: opts.model ?? 'gpt-4o-mini', baseUrl, reason: null },
    { timeoutMs: opts.timeoutMs ?? 5000, maxRetries: opts.maxRetries ?? 0, apiKey: 'sk-test-secret-123456' },
  );
}

describe('LlmClient against a local OpenAI-compatible server', () => {
  let fake: FakeOpenAI;
  beforeAll(async () => {
    fake = await startFakeOpenAI();
  });
  afterAll(async () => {
    await fake.close();
  });

  it('returns a message with usage and cost', async () => {
    fake.enqueue({ kind: 'message', content: 'hold: nothing moved', usage: { prompt: 1000, completion: 200 } });
    const out = await clientFor(fake.baseURL).chat({ messages: [{ role: 'user', content: 'decide' }] });
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    expect(out.content).toBe('hold: nothing moved');
    expect(out.usage).toEqual({ prompt: 1000, completion: 200, total: 1200 });
    // 1000 * 0.15/1M + 200 * 0.60/1M = 0.00015 + 0.00012
    expect(out.costUsd).toBe('0.00027');
    expect(fake.requests.at(-1)!.authorization).toBe('Bearer sk-test-secret-123456');
  });

  it('sends tools and returns tool calls with raw arguments', async () => {
    fake.enqueue({ kind: 'tool_calls', calls: [{ name: 'read_features', arguments: '{"symbol":"BTC-USD"}' }] });
    const out = await clientFor(fake.baseURL).chat({
      messages: [{ role: 'user', content: 'decide' }],
      tools: [{ name: 'read_features', description: 'features', parameters: { type: 'object', properties: { symbol: { type: 'string' } } } }],
    });
    expect(out.ok && out.toolCalls).toEqual([{ id: expect.any(String), name: 'read_features', arguments: '{"symbol":"BTC-USD"}' }]);
    expect(out.ok && out.finishReason).toBe('tool_calls');
    expect(fake.requests.at(-1)!.tools.map((t) => t.function.name)).toEqual(['read_features']);
  });

  it('streams content deltas and assembles streamed tool calls', async () => {
    fake.enqueue({ kind: 'message', content: 'Your portfolio is flat today.', usage: { prompt: 50, completion: 7 } });
    const deltas: string[] = [];
    const out = await clientFor(fake.baseURL).chat({ messages: [{ role: 'user', content: 'status?' }], onDelta: (d) => deltas.push(d) });
    expect(deltas.length).toBeGreaterThan(2);
    expect(deltas.join('')).toBe('Your portfolio is flat today.');
    expect(out.ok && out.usage.total).toBe(57);

    fake.enqueue({ kind: 'tool_calls', calls: [{ name: 'get_portfolio_status', arguments: '{"portfolio":"default"}' }] });
    const tc = await clientFor(fake.baseURL).chat({ messages: [{ role: 'user', content: 'status?' }], onDelta: () => {} });
    expect(tc.ok && tc.toolCalls).toEqual([{ id: expect.any(String), name: 'get_portfolio_status', arguments: '{"portfolio":"default"}' }]);
  });

  it('reports a refusal', async () => {
    fake.enqueue({ kind: 'refusal', refusal: 'I cannot help with that.' });
    const out = await clientFor(fake.baseURL).chat({ messages: [{ role: 'user', content: 'x' }] });
    expect(out.ok && out.refusal).toBe('I cannot help with that.');
  });

  it('retries a server error with back-off, then succeeds', async () => {
    fake.enqueue({ kind: 'error', status: 503, message: 'overloaded' }, { kind: 'message', content: 'second time lucky' });
    const before = fake.requests.length;
    const out = await clientFor(fake.baseURL, { maxRetries: 2 }).chat({ messages: [{ role: 'user', content: 'x' }] });
    expect(out.ok && out.content).toBe('second time lucky');
    expect(fake.requests.length - before).toBe(2);
  });

  it('classifies errors: server, auth, timeout, malformed, unreachable', async () => {
    fake.enqueue({ kind: 'error', status: 500, message: 'boom' });
    const s = await clientFor(fake.baseURL).chat({ messages: [{ role: 'user', content: 'x' }] });
    expect(!s.ok && s.error.kind).toBe('server');

    fake.enqueue({ kind: 'error', status: 401, message: 'bad key sk-test-secret-123456' });
    const a = await clientFor(fake.baseURL).chat({ messages: [{ role: 'user', content: 'x' }] });
    expect(!a.ok && a.error.kind).toBe('auth');
    expect(JSON.stringify(a)).not.toContain('sk-test-secret');

    fake.enqueue({ kind: 'delay', ms: 2000, then: { kind: 'message', content: 'late' } });
    const t = await clientFor(fake.baseURL, { timeoutMs: 300 }).chat({ messages: [{ role: 'user', content: 'x' }] });
    expect(!t.ok && t.error.kind).toBe('timeout');

    fake.enqueue({ kind: 'malformed' });
    const m = await clientFor(fake.baseURL).chat({ messages: [{ role: 'user', content: 'x' }] });
    expect(!m.ok && m.error.kind).toBe('malformed');

    const u = await clientFor('http://127.0.0.1:9/v1').chat({ messages: [{ role: 'user', content: 'x' }] });
    expect(!u.ok && u.error.kind).toBe('unreachable');
  });

  it('probes reachability', async () => {
    expect((await clientFor(fake.baseURL).probe()).reachable).toBe(true);
    expect((await clientFor('http://127.0.0.1:9/v1').probe(500)).reachable).toBe(false);
  });
});

describe('model resolution', () => {
  it('is deterministic without a key or URL, per-agent overrides win, off disables', () => {
    const bare = loadConfig({});
    expect(resolveAgentModel(bare, 'execution').configured).toBe(false);
    const cfg = loadConfig({ OPENAI_BASE_URL: 'http://localhost:11434/v1', OPENAI_MODEL: 'llama3.1', JUDGE_MODEL: 'qwen2.5', BROKER_MODEL: 'off' });
    expect(resolveAgentModel(cfg, 'execution')).toMatchObject({ configured: true, model: 'llama3.1', baseUrl: 'http://localhost:11434/v1' });
    expect(resolveAgentModel(cfg, 'judge')).toMatchObject({ configured: true, model: 'qwen2.5' });
    expect(resolveAgentModel(cfg, 'broker').configured).toBe(false);
    const openai = loadConfig({ OPENAI_API_KEY: 'sk-abc' });
    expect(resolveAgentModel(openai, 'broker')).toMatchObject({ configured: true, baseUrl: null, model: 'gpt-4o-mini' });
  });

  it('prices known models and leaves local ones unpriced', () => {
    expect(costUsd('gpt-4o-2024-08-06', { prompt: 1_000_000, completion: 0 })).toBe('2.5');
    expect(costUsd('llama3.1:8b', { prompt: 1_000_000, completion: 1_000_000 })).toBe('0');
  });
});
