import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeLangfuse, type FakeLangfuse } from '../../testing/fake-langfuse/server';
import { loadConfig } from '../../runtime/config';
import { createTracer } from './tracing';

describe('Langfuse tracing', () => {
  let lf: FakeLangfuse;
  beforeAll(async () => {
    lf = await startFakeLangfuse({ publicKey: 'pk-lf-test-1234', secretKey: 'sk-lf-test-5678' });
  });
  afterAll(async () => {
    await lf.close();
  });

  it('is off without keys', () => {
    expect(createTracer(loadConfig({})).enabled).toBe(false);
  });

  it('sends a trace and a generation with usage, cost and prompt version, without secrets', async () => {
    const cfg = loadConfig({
      LANGFUSE_BASE_URL: lf.baseUrl,
      LANGFUSE_PUBLIC_KEY: 'pk-lf-test-1234',
      LANGFUSE_SECRET_KEY: 'sk-lf-test-5678',
      OPENAI_API_KEY: 'sk-openai-very-secret-999',
    });
    const t = createTracer(cfg);
    expect(t.enabled).toBe(true);
    t.generation({
      traceId: 'vigil-exec-1',
      agent: 'execution',
      turn: 'execution.nudge',
      promptId: 'execution-standard',
      promptVersion: 3,
      model: 'gpt-4o-mini',
      input: [{ role: 'user', content: 'my key is sk-openai-very-secret-999, decide' }],
      outcome: { ok: true, content: 'hold', toolCalls: [], refusal: null, finishReason: 'stop', usage: { prompt: 100, completion: 5, total: 105 }, costUsd: '0.000018', model: 'gpt-4o-mini', latencyMs: 42 },
      startedAt: new Date(),
    });
    await t.flush();
    const types = lf.events.map((e) => e.type);
    expect(types).toContain('trace-create');
    expect(types).toContain('generation-create');
    const gen = lf.events.find((e) => e.type === 'generation-create')!.body;
    expect(gen.traceId).toBe('vigil-exec-1');
    expect(gen.usageDetails).toEqual({ input: 100, output: 5, total: 105 });
    expect((gen.metadata as Record<string, unknown>).promptVersion).toBe(3);
    expect(lf.rawBodies.join('')).not.toContain('sk-openai-very-secret-999');
    await t.shutdown();
  });
});
