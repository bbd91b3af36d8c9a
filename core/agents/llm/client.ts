/**
 * The LLM client: the official `openai` package pointed at any OpenAI-compatible endpoint.
 * Retries with exponential back-off and the per-request timeout are the client's own
 * (maxRetries/timeout); this wrapper turns every failure into a typed outcome so an agent
 * loop can fall back instead of crashing, and measures usage and cost for every call.
 */
import OpenAI from 'openai';
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import type { VigilConfig } from '../../runtime/config';
import { resolveAgentModel } from './models';
import { costUsd } from './pricing';
import type { AgentModel, AgentName, ChatMessage, LlmError, LlmOutcome, ToolCall, ToolSpec } from './types';

export interface ChatRequest {
  messages: ChatMessage[];
  tools?: ToolSpec[];
  /** Receive content deltas as they stream (broker chat). Without it the call is not streamed. */
  onDelta?: (text: string) => void;
  temperature?: number;
  /** Abort (activity cancellation). */
  signal?: AbortSignal;
}

export interface LlmClientOptions {
  timeoutMs: number;
  maxRetries: number;
  apiKey?: string;
}

export class LlmClient {
  private readonly client: OpenAI | null;

  constructor(
    readonly model: AgentModel,
    opts: LlmClientOptions,
  ) {
    this.client = model.configured
      ? new OpenAI({
          // Local servers ignore the key, but the client insists on one.
          apiKey: opts.apiKey ?? 'not-needed',
          ...(model.baseUrl ? { baseURL: model.baseUrl } : {}),
          timeout: opts.timeoutMs,
          maxRetries: opts.maxRetries,
        })
      : null;
  }

  static forAgent(config: VigilConfig, agent: AgentName): LlmClient {
    return new LlmClient(resolveAgentModel(config, agent), {
      timeoutMs: config.LLM_TIMEOUT_SECONDS * 1000,
      maxRetries: config.LLM_MAX_RETRIES,
      ...(config.secrets.OPENAI_API_KEY ? { apiKey: config.secrets.OPENAI_API_KEY } : {}),
    });
  }

  get configured(): boolean {
    return this.client !== null;
  }

  /** Cheap reachability probe: GET /models, one attempt, short timeout. */
  async probe(timeoutMs = 3000): Promise<{ reachable: boolean; error: string | null }> {
    if (!this.client) return { reachable: false, error: this.model.reason };
    try {
      await this.client.models.list({ timeout: timeoutMs, maxRetries: 0 });
      return { reachable: true, error: null };
    } catch (err) {
      const e = classify(err);
      // A server that answers but has no /models route is still reachable.
      if (e.kind === 'bad_request' || e.kind === 'auth') return { reachable: e.kind !== 'auth', error: e.kind === 'auth' ? e.message : null };
      return { reachable: false, error: e.message };
    }
  }

  async chat(req: ChatRequest): Promise<LlmOutcome> {
    const started = performance.now();
    const latency = () => Math.round(performance.now() - started);
    if (!this.client) return { ok: false, error: { kind: 'not_configured', message: this.model.reason ?? 'no model configured' }, latencyMs: 0 };
    const messages = req.messages.map(toOpenAI);
    const tools: ChatCompletionTool[] | undefined = req.tools?.length
      ? req.tools.map((t) => ({ type: 'function', function: { name: t.name, description: t.description, parameters: t.parameters } }))
      : undefined;
    try {
      if (!req.onDelta) {
        const res = await this.client.chat.completions.create(
          { model: this.model.model, messages, ...(tools ? { tools } : {}), ...(req.temperature !== undefined ? { temperature: req.temperature } : {}) },
          req.signal ? { signal: req.signal } : undefined,
        );
        const choice = res.choices?.[0];
        if (!choice || !choice.message) return { ok: false, error: { kind: 'malformed', message: 'the model returned no choices' }, latencyMs: latency() };
        const toolCalls: ToolCall[] = (choice.message.tool_calls ?? [])
          .filter((c) => c.type === 'function')
          .map((c) => ({ id: c.id, name: c.function.name, arguments: c.function.arguments ?? '' }));
        const usage = { prompt: res.usage?.prompt_tokens ?? 0, completion: res.usage?.completion_tokens ?? 0, total: res.usage?.total_tokens ?? 0 };
        return {
          ok: true,
          content: choice.message.content ?? null,
          toolCalls,
          refusal: choice.message.refusal ?? null,
          finishReason: choice.finish_reason ?? 'stop',
          usage,
          costUsd: costUsd(this.model.model, usage),
          model: res.model || this.model.model,
          latencyMs: latency(),
        };
      }
      const stream = await this.client.chat.completions.create(
        {
          model: this.model.model,
          messages,
          ...(tools ? { tools } : {}),
          ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
          stream: true,
          stream_options: { include_usage: true },
        },
        req.signal ? { signal: req.signal } : undefined,
      );
      let content = '';
      let refusal = '';
      let finishReason = 'stop';
      let model = this.model.model;
      let usage = { prompt: 0, completion: 0, total: 0 };
      const calls: { id: string; name: string; arguments: string }[] = [];
      for await (const chunk of stream) {
        if (chunk.model) model = chunk.model;
        if (chunk.usage) usage = { prompt: chunk.usage.prompt_tokens, completion: chunk.usage.completion_tokens, total: chunk.usage.total_tokens };
        const choice = chunk.choices?.[0];
        if (!choice) continue;
        if (choice.finish_reason) finishReason = choice.finish_reason;
        const d = choice.delta;
        if (d?.content) {
          content += d.content;
          req.onDelta(d.content);
        }
        if (d?.refusal) refusal += d.refusal;
        for (const tc of d?.tool_calls ?? []) {
          const slot = (calls[tc.index] ??= { id: '', name: '', arguments: '' });
          if (tc.id) slot.id = tc.id;
          if (tc.function?.name) slot.name += tc.function.name;
          if (tc.function?.arguments) slot.arguments += tc.function.arguments;
        }
      }
      return {
        ok: true,
        content: content || null,
        toolCalls: calls.filter(Boolean).map((c, i) => ({ id: c.id || `call_${i}`, name: c.name, arguments: c.arguments })),
        refusal: refusal || null,
        finishReason,
        usage,
        costUsd: costUsd(model, usage),
        model,
        latencyMs: latency(),
      };
    } catch (err) {
      return { ok: false, error: classify(err), latencyMs: latency() };
    }
  }
}

function toOpenAI(m: ChatMessage): ChatCompletionMessageParam {
  switch (m.role) {
    case 'system':
      return { role: 'system', content: m.content };
    case 'user':
      return { role: 'user', content: m.content };
    case 'tool':
      return { role: 'tool', tool_call_id: m.toolCallId, content: m.content };
    case 'assistant':
      return {
        role: 'assistant',
        content: m.content,
        ...(m.toolCalls?.length
          ? { tool_calls: m.toolCalls.map((c) => ({ id: c.id, type: 'function' as const, function: { name: c.name, arguments: c.arguments } })) }
          : {}),
      };
  }
}

/** Map the client's errors to the states the cockpit shows. Messages never carry the key. */
export function classify(err: unknown): LlmError {
  if (err instanceof OpenAI.APIConnectionTimeoutError) return { kind: 'timeout', message: 'the model did not answer in time' };
  if (err instanceof OpenAI.APIConnectionError) return { kind: 'unreachable', message: `no model reachable: ${causeOf(err)}` };
  if (err instanceof OpenAI.APIError) {
    const status = err.status ?? 0;
    const msg = (err.error as { message?: string } | undefined)?.message ?? err.message;
    if (status === 401 || status === 403) return { kind: 'auth', message: `the model endpoint refused the credentials (${status})` };
    if (status === 429) return { kind: 'rate_limited', message: `rate limited: ${clip(msg)}` };
    if (status >= 500) return { kind: 'server', message: `model server error ${status}: ${clip(msg)}` };
    if (status >= 400) return { kind: 'bad_request', message: `model rejected the request (${status}): ${clip(msg)}` };
    return { kind: 'malformed', message: `unexpected reply: ${clip(msg)}` };
  }
  if (err instanceof SyntaxError) return { kind: 'malformed', message: `the model's reply was not valid JSON: ${clip(err.message)}` };
  const e = err as { name?: string; message?: string };
  if (e?.name === 'AbortError') return { kind: 'timeout', message: 'the call was cancelled' };
  return { kind: 'malformed', message: clip(e?.message ?? String(err)) };
}

function causeOf(err: Error): string {
  const c = (err as { cause?: { code?: string; message?: string } }).cause;
  return clip(c?.code ?? c?.message ?? err.message);
}

function clip(s: string): string {
  return s.length > 300 ? `${s.slice(0, 300)}…` : s;
}
