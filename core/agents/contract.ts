/**
 * Verbs of the three agents: the execution agent's controls, the judge, prompts, the broker chat,
 * logs and LLM usage. Every one is also an MCP tool except prompt editing by outside assistants
 * (a prompt is the agents' behaviour; only the user edits it, in the app or the CLI).
 */
import { z } from 'zod';
import { ACTION, READ, WRITE, WRITE_IDEMPOTENT, verb } from '../api/define';
import { ExecutionMode, PROMPT_IDS } from './prompt-ids';

const Mode = ExecutionMode;
const PromptIdSchema = z.enum(PROMPT_IDS);
const Scores = z.object({ overall: z.number(), returns: z.number(), risk: z.number(), decisionQuality: z.number(), consistency: z.number() });

const Decision = z.object({
  nudge: z.number(),
  at: z.number(),
  correlationId: z.string(),
  action: z.enum(['buy', 'sell', 'hold', 'skip']),
  symbol: z.string().nullable(),
  rationale: z.string(),
  expectedEdgeBps: z.number().nullable(),
  source: z.enum(['model', 'policy', 'gate']),
  order: z.object({ ok: z.boolean(), summary: z.string() }).nullable(),
});

export const ExecutionStatusSchema = z.object({
  mode: Mode,
  paused: z.boolean(),
  nudges: z.number(),
  decisions: z.number(),
  skips: z.number(),
  lastNudgeAt: z.number().nullable(),
  lastDecision: Decision.nullable(),
  recent: z.array(Decision),
  constraints: z.object({ maxOrderNotional: z.string().optional(), minExpectedEdgeBps: z.number().optional(), blockedSymbols: z.array(z.string()).optional() }),
  modeChanges: z.array(z.object({ at: z.number(), from: Mode, to: Mode, by: z.string(), reason: z.string() })),
  model: z.object({ configured: z.boolean(), model: z.string(), lastError: z.string().nullable() }),
});

export const EvaluationSchema = z.object({
  n: z.number(),
  at: z.number(),
  correlationId: z.string(),
  trigger: z.string(),
  scores: Scores,
  calibration: z.object({ n: z.number(), meanAbsErrorBps: z.number().nullable(), biasBps: z.number().nullable(), score: z.number().nullable(), summary: z.string() }),
  mode: Mode,
  decision: z.object({ switch: z.boolean(), to: Mode.optional(), reason: z.string() }),
  dataOk: z.boolean(),
  narrative: z.string(),
  narrativeSource: z.enum(['model', 'rules']),
  constraints: z.object({ applied: z.array(z.string()), refused: z.array(z.string()) }),
});

export const PromptVersionSchema = z.object({
  promptId: PromptIdSchema,
  version: z.number().int(),
  template: z.string(),
  author: z.string(),
  reason: z.string(),
  createdAt: z.number(),
  scores: z.record(z.string(), z.number()).nullable(),
});
export type PromptVersion = z.infer<typeof PromptVersionSchema>;

const UsageTotals = z.object({ calls: z.number(), promptTokens: z.number(), completionTokens: z.number(), costUsd: z.string() });
export const UsageSchema = z.object({
  totals: UsageTotals.extend({ failedCalls: z.number(), unpricedCalls: z.number() }),
  byAgent: z.array(UsageTotals.extend({ agent: z.string() })),
  byPromptVersion: z.array(UsageTotals.extend({ agent: z.string(), promptId: z.string().nullable(), promptVersion: z.number().nullable(), model: z.string(), failedCalls: z.number() })),
});

const SessionId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'session id: 1-64 letters, digits, _ or -');

export const agentsApi = {
  get_agent_logs: verb({
    description: 'The agents\' log, newest first: every execution decision (hold included) and skip with its reasoning and correlation id, judge evaluations and mode switches, chat turns.',
    input: z.object({ agent: z.enum(['execution', 'judge', 'broker', 'user']).optional(), limit: z.number().int().min(1).max(1000).optional() }).strict(),
    output: z.object({
      entries: z.array(z.object({ id: z.number(), at: z.number(), agent: z.string(), kind: z.string(), correlationId: z.string().nullable(), summary: z.string(), data: z.record(z.string(), z.unknown()) })),
    }),
    annotations: READ,
    temporal: 'workflow',
    mcp: true,
  }),
  pause_execution_agent: verb({
    description: 'Pause the execution agent: no decisions or orders until resumed (positions stay).',
    input: z.object({ reason: z.string().max(500).optional() }).strict(),
    output: ExecutionStatusSchema,
    annotations: WRITE_IDEMPOTENT,
    temporal: 'update',
    mcp: true,
  }),
  resume_execution_agent: verb({
    description: 'Resume the execution agent; it decides at the next nudge.',
    input: z.object({}).strict(),
    output: ExecutionStatusSchema,
    annotations: WRITE_IDEMPOTENT,
    temporal: 'update',
    mcp: true,
  }),
  set_execution_mode: verb({
    description: 'Switch the execution agent\'s prompt mode: conservative, standard or aggressive.',
    input: z.object({ mode: Mode, reason: z.string().max(500).optional() }).strict(),
    output: ExecutionStatusSchema,
    annotations: WRITE_IDEMPOTENT,
    temporal: 'update',
    mcp: true,
  }),
  get_execution_agent_status: verb({
    description: 'The execution agent\'s mode, pause state, counters, constraints and recent decisions.',
    input: z.object({}).strict(),
    output: ExecutionStatusSchema,
    annotations: READ,
    temporal: 'query',
    mcp: true,
  }),
  trigger_performance_evaluation: verb({
    description: 'Run the judge now: scores for returns, risk, decision quality and consistency, a narrative, and a mode switch if the score is below threshold and outside the cooldown.',
    input: z.object({ reason: z.string().max(500).optional() }).strict(),
    output: EvaluationSchema,
    annotations: ACTION,
    temporal: 'update',
    mcp: true,
  }),
  get_judge_scores: verb({
    description: 'The judge\'s past evaluations, newest first.',
    input: z.object({ limit: z.number().int().min(1).max(500).optional() }).strict(),
    output: z.object({
      scores: z.array(Scores.extend({ at: z.number(), mode: z.string(), narrative: z.string(), data: z.record(z.string(), z.unknown()) })),
    }),
    annotations: READ,
    temporal: 'workflow',
    mcp: true,
  }),
  get_prompt_history: verb({
    description: 'Every version of the agents\' prompts (or one prompt\'s): who changed it, when, why, with the judge\'s scores for judge-made switches.',
    input: z.object({ promptId: PromptIdSchema.optional() }).strict(),
    output: z.object({ versions: z.array(PromptVersionSchema) }),
    annotations: READ,
    temporal: 'workflow',
    mcp: true,
  }),
  get_prompt: verb({
    description: 'The active version of one prompt template (mustache).',
    input: z.object({ id: PromptIdSchema }).strict(),
    output: PromptVersionSchema,
    annotations: READ,
    temporal: 'workflow',
    mcp: true,
  }),
  update_prompt: verb({
    description: 'Save a new version of a prompt template. A template that does not parse or uses unknown variables is refused with the error and not saved.',
    input: z.object({ id: PromptIdSchema, template: z.string().min(1).max(20_000), reason: z.string().min(1).max(500) }).strict(),
    output: PromptVersionSchema,
    annotations: WRITE,
    temporal: 'workflow',
    mcp: false,
  }),
  broker_chat: verb({
    description: 'Send a message to the broker agent in a chat session and get its reply (deltas stream as agent.chat events).',
    input: z.object({ sessionId: SessionId, message: z.string().min(1).max(4000) }).strict(),
    output: z.object({ sessionId: z.string(), turn: z.number(), reply: z.string(), source: z.enum(['model', 'commands']), tools: z.array(z.string()) }),
    annotations: WRITE,
    temporal: 'update',
    mcp: true,
  }),
  get_chat_history: verb({
    description: 'The transcript of one broker chat session.',
    input: z.object({ sessionId: SessionId }).strict(),
    output: z.object({
      sessionId: z.string(),
      messages: z.array(z.object({ turn: z.number(), role: z.enum(['user', 'assistant']), content: z.string(), at: z.number(), source: z.enum(['model', 'commands']).optional(), tools: z.array(z.string()).optional() })),
    }),
    annotations: READ,
    temporal: 'query',
    mcp: true,
  }),
  get_llm_usage: verb({
    description: 'Tokens and estimated inference cost (USD) per agent and per prompt version, so P&L can be read net of inference cost.',
    input: z.object({}).strict(),
    output: UsageSchema,
    annotations: READ,
    temporal: 'workflow',
    mcp: true,
  }),
  get_agent_status: verb({
    description: 'For each agent: model configured and reachable; the execution agent\'s mode, pause state and last nudge; the judge\'s last evaluation.',
    input: z.object({}).strict(),
    output: z.object({
      models: z.array(z.object({ agent: z.string(), configured: z.boolean(), model: z.string(), baseUrl: z.string().nullable(), reason: z.string().nullable(), reachable: z.boolean(), error: z.string().nullable() })),
      execution: z.object({ running: z.boolean(), mode: Mode.nullable(), paused: z.boolean().nullable(), lastNudgeAt: z.number().nullable(), nudges: z.number(), decisions: z.number() }),
      judge: z.object({ running: z.boolean(), evaluations: z.number(), lastScore: z.number().nullable(), lastEvaluationAt: z.number().nullable() }),
    }),
    annotations: READ,
    temporal: 'query',
    mcp: true,
  }),
};
