/**
 * Provider-neutral chat messages and tools. These are the shapes kept in workflow state and in
 * activity inputs/outputs, so they are plain JSON (no class instances) and pure: workflows may
 * import this file.
 */
export type AgentName = 'execution' | 'judge' | 'broker';
export const AGENT_NAMES: readonly AgentName[] = ['execution', 'judge', 'broker'];

export interface ToolCall {
  id: string;
  name: string;
  /** Raw JSON text as the model produced it; parsed and validated by the tool executor. */
  arguments: string;
}

export type ChatMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string }
  | { role: 'assistant'; content: string | null; toolCalls?: ToolCall[] }
  | { role: 'tool'; toolCallId: string; name: string; content: string };

export interface ToolSpec {
  name: string;
  description: string;
  /** JSON Schema of the arguments object. */
  parameters: Record<string, unknown>;
}

export interface TokenUsage {
  prompt: number;
  completion: number;
  total: number;
}

export type LlmErrorKind =
  | 'not_configured'
  | 'unreachable'
  | 'timeout'
  | 'auth'
  | 'rate_limited'
  | 'bad_request'
  | 'server'
  | 'malformed';

export interface LlmError {
  kind: LlmErrorKind;
  message: string;
}

export interface LlmReply {
  content: string | null;
  toolCalls: ToolCall[];
  /** The provider's refusal text when it declined to answer. */
  refusal: string | null;
  finishReason: string;
  usage: TokenUsage;
  /** Estimated cost in USD as a decimal string ("0" for unpriced/local models). */
  costUsd: string;
  model: string;
  latencyMs: number;
}

export type LlmOutcome = ({ ok: true } & LlmReply) | { ok: false; error: LlmError; latencyMs: number };

/** The model an agent uses, resolved from configuration. */
export interface AgentModel {
  agent: AgentName;
  configured: boolean;
  model: string;
  /** Base URL of the OpenAI-compatible endpoint; null means api.openai.com. */
  baseUrl: string | null;
  /** Why the agent runs without a model, for the status panel. */
  reason: string | null;
}
