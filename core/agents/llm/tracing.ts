/**
 * Langfuse tracing: one trace per agent turn (a nudge, an evaluation, a chat message), one
 * generation per model call with token usage, cost and the prompt version. A turn spans several
 * activities, so the workflow hands every call the same trace id and Langfuse merges them.
 * Without both Langfuse keys tracing is off and costs nothing. Every payload passes through the
 * redactor (Langfuse's `mask` hook), so configured secrets never leave the machine.
 */
import { Langfuse } from 'langfuse';
import { Redactor } from '../../runtime/log';
import { secretValues, type VigilConfig } from '../../runtime/config';
import type { AgentName, ChatMessage, LlmOutcome } from './types';

export interface GenerationRecord {
  traceId: string;
  agent: AgentName;
  /** Trace name, e.g. "execution.nudge". */
  turn: string;
  sessionId?: string;
  promptId: string | null;
  promptVersion: number | null;
  model: string;
  input: ChatMessage[];
  outcome: LlmOutcome;
  startedAt: Date;
  metadata?: Record<string, unknown>;
}

export interface Tracer {
  readonly enabled: boolean;
  generation(rec: GenerationRecord): void;
  span(traceId: string, name: string, input: unknown, output: unknown): void;
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

const OFF: Tracer = {
  enabled: false,
  generation() {},
  span() {},
  async flush() {},
  async shutdown() {},
};

export function createTracer(config: VigilConfig): Tracer {
  const pk = config.secrets.LANGFUSE_PUBLIC_KEY;
  const sk = config.secrets.LANGFUSE_SECRET_KEY;
  if (!pk || !sk) return OFF;
  const redactor = new Redactor(secretValues(config));
  const mask = ({ data }: { data: unknown }): unknown => redactDeep(data, redactor);
  const lf = new Langfuse({
    publicKey: pk,
    secretKey: sk,
    ...(config.LANGFUSE_BASE_URL ? { baseUrl: config.LANGFUSE_BASE_URL } : {}),
    flushAt: 20,
    flushInterval: 5000,
    requestTimeout: 5000,
    fetchRetryCount: 2,
    mask,
  });
  // Tracing must never take an agent down: the SDK reports its own failures here.
  lf.on('error', () => {});
  return {
    enabled: true,
    generation(rec) {
      const trace = lf.trace({
        id: rec.traceId,
        name: rec.turn,
        ...(rec.sessionId ? { sessionId: rec.sessionId } : {}),
        tags: [rec.agent],
        metadata: { agent: rec.agent },
      });
      const o = rec.outcome;
      trace.generation({
        name: `${rec.agent}.llm`,
        model: rec.model,
        startTime: rec.startedAt,
        endTime: new Date(rec.startedAt.getTime() + o.latencyMs),
        input: rec.input,
        output: o.ok ? { content: o.content, toolCalls: o.toolCalls, refusal: o.refusal } : { error: o.error },
        level: o.ok ? (o.refusal ? 'WARNING' : 'DEFAULT') : 'ERROR',
        ...(o.ok ? {} : { statusMessage: o.error.message }),
        ...(o.ok
          ? {
              usageDetails: { input: o.usage.prompt, output: o.usage.completion, total: o.usage.total },
              costDetails: { total: Number(o.costUsd) },
            }
          : {}),
        metadata: {
          promptId: rec.promptId,
          promptVersion: rec.promptVersion,
          ...(rec.metadata ?? {}),
        },
        ...(rec.promptId ? { version: `${rec.promptId}@v${rec.promptVersion ?? 0}` } : {}),
      });
    },
    span(traceId, name, input, output) {
      lf.span({ traceId, name, input, output });
    },
    async flush() {
      await lf.flushAsync().catch(() => {});
    },
    async shutdown() {
      await lf.shutdownAsync().catch(() => {});
    },
  };
}

function redactDeep(v: unknown, r: Redactor): unknown {
  if (typeof v === 'string') return r.redact(v);
  if (Array.isArray(v)) return v.map((x) => redactDeep(x, r));
  if (v && typeof v === 'object' && !(v instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = redactDeep(x, r);
    return out;
  }
  return v;
}
