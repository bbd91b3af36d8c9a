/**
 * What the three agents' activities share: the agent store, the tracer, one model client per
 * agent, the prompt templates, and the activities every agent uses (a model turn, compaction,
 * prompt rendering, the log and the store). Built once per worker and handed to each agent's file.
 */
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { packageRoot } from '../../runtime/package-root';
import { LlmClient } from '../llm/client';
import { resolveAgentModel } from '../llm/models';
import { costNanoUsd, priceOf } from '../llm/pricing';
import { createTracer, type Tracer } from '../llm/tracing';
import type { AgentModel, AgentName, ChatMessage, LlmOutcome, ToolSpec } from '../llm/types';
import { compact, extractiveSummary, type ContextBudget, type Summariser } from '../context';
import { loadDefaultTemplates, renderTemplate, PromptId, type PromptId as PromptIdT } from '../prompts';
import { AgentStore, PromptRejected, type PromptVersion } from '../store';
import type { ActivityDeps } from '../../activities/deps';

export interface LlmTurnInput {
  agent: AgentName;
  turn: string;
  traceId: string;
  sessionId?: string;
  promptId: PromptIdT | null;
  promptVersion: number | null;
  messages: ChatMessage[];
  /** 'execution' and 'broker' pick the agent's tool set; none for plain completions. */
  tools: 'execution' | 'broker' | 'judge' | 'none';
  /** Stream content deltas to the bus as 'agent.chat' events for this session turn. */
  stream?: { sessionId: string; turn: number };
}

export type AgentStoreOp =
  | { op: 'logs'; agent?: string; limit?: number }
  | { op: 'scores'; limit?: number }
  | { op: 'usage' }
  | { op: 'history'; promptId?: PromptIdT }
  | { op: 'get_prompt'; promptId: PromptIdT }
  | { op: 'update_prompt'; promptId: PromptIdT; template: string; author: string; reason: string }
  | { op: 'models' };

export function createAgentShared(deps: ActivityDeps) {
  let store: AgentStore | null = null;
  let tracer: Tracer | null = null;
  let defaults: Record<PromptIdT, string> | null = null;
  const clients = new Map<AgentName, LlmClient>();
  const getStore = () => (store ??= AgentStore.open(deps.dataDir));
  const getTracer = () => (tracer ??= createTracer(deps.config));
  const getDefaults = () => (defaults ??= loadDefaultTemplates(path.join(packageRoot().root, 'prompts')));
  const llm = (agent: AgentName) => {
    let c = clients.get(agent);
    if (!c) clients.set(agent, (c = LlmClient.forAgent(deps.config, agent)));
    return c;
  };
  const client = () => {
    if (!deps.client) throw ApplicationFailure.nonRetryable('agent activities need a Temporal client in ActivityDeps');
    return deps.client;
  };

  function recordUsage(input: { agent: AgentName; promptId: string | null; promptVersion: number | null; traceId: string }, out: LlmOutcome, model: string): void {
    getStore().recordUsage({
      at: Date.now(),
      agent: input.agent,
      promptId: input.promptId,
      promptVersion: input.promptVersion,
      model: out.ok ? out.model : model,
      promptTokens: out.ok ? out.usage.prompt : 0,
      completionTokens: out.ok ? out.usage.completion : 0,
      costNanoUsd: out.ok ? costNanoUsd(out.model, out.usage) : 0,
      priced: out.ok ? priceOf(out.model) !== null : false,
      ok: out.ok,
      errorKind: out.ok ? null : out.error.kind,
      latencyMs: out.latencyMs,
      traceId: input.traceId,
    });
  }

  function logEntry(e: { key?: string; agent: string; kind: string; correlationId: string | null; summary: string; data: Record<string, unknown> }): void {
    const at = Date.now();
    const id = getStore().log({ ...e, at });
    if (id !== null) deps.bus.emit('agent.log', { agent: e.agent, kind: e.kind, at, correlationId: e.correlationId, summary: e.summary, data: e.data });
  }

  function activePrompt(id: PromptIdT): PromptVersion {
    return getStore().activePrompt(id, getDefaults()[id], Date.now());
  }

  return { getStore, getTracer, getDefaults, llm, client, recordUsage, logEntry, activePrompt };
}

export type AgentShared = ReturnType<typeof createAgentShared>;

/** Activities every agent uses. `toolsFor` maps a turn's tool set to the specs the model sees. */
export function createCommonAgentActivities(deps: ActivityDeps, sh: AgentShared, toolsFor: (set: LlmTurnInput['tools']) => ToolSpec[] | undefined) {
  const budget: ContextBudget = {
    maxTokens: deps.config.AGENT_CONTEXT_MAX_TOKENS,
    summariseAt: Math.min(deps.config.AGENT_CONTEXT_SUMMARISE_AT, deps.config.AGENT_CONTEXT_MAX_TOKENS),
    keepLast: deps.config.AGENT_CONTEXT_KEEP_LAST,
  };
  return {
    async agentModelInfo(agent: AgentName): Promise<AgentModel> {
      return resolveAgentModel(deps.config, agent);
    },

    async renderAgentPrompt(input: { promptId: PromptIdT; view: Record<string, unknown> }): Promise<{ text: string; version: number }> {
      const p = sh.activePrompt(input.promptId);
      return { text: renderTemplate(p.template, input.view), version: p.version };
    },

    /** One model call: traced, usage and cost stored, failures returned as values. */
    async llmTurn(input: LlmTurnInput): Promise<LlmOutcome> {
      const c = sh.llm(input.agent);
      const tools = toolsFor(input.tools);
      const startedAt = new Date();
      const stream = input.stream;
      const out = await c.chat({
        messages: input.messages,
        ...(tools ? { tools } : {}),
        ...(stream ? { onDelta: (delta: string) => deps.bus.emit('agent.chat', { sessionId: stream.sessionId, turn: stream.turn, delta, done: false }) } : {}),
      });
      if (c.configured) {
        sh.recordUsage(input, out, c.model.model);
        const t = sh.getTracer();
        t.generation({
          traceId: input.traceId,
          agent: input.agent,
          turn: input.turn,
          ...(input.sessionId ? { sessionId: input.sessionId } : {}),
          promptId: input.promptId,
          promptVersion: input.promptVersion,
          model: c.model.model,
          input: input.messages,
          outcome: out,
          startedAt,
        });
        await t.flush();
      }
      if (!out.ok) deps.log.warn('model call failed', { agent: input.agent, kind: out.error.kind, message: out.error.message });
      return out;
    },

    /** Keep a conversation inside its token budget (summarising with the agent's model when it has one). */
    async compactConversation(input: { agent: AgentName; traceId: string; messages: ChatMessage[] }): Promise<{ messages: ChatMessage[]; summarised: boolean; tokensBefore: number; tokensAfter: number }> {
      const c = sh.llm(input.agent);
      const summarise: Summariser = async (older, maxTokens) => {
        if (!c.configured) return extractiveSummary(older, maxTokens);
        const digest = await extractiveSummary(older, Math.max(maxTokens * 3, 1500));
        const msgs: ChatMessage[] = [
          { role: 'system', content: `Summarise this conversation digest for yourself in at most ${Math.floor(maxTokens * 0.7)} words. Keep facts, numbers, orders and open requests. Plain text.` },
          { role: 'user', content: digest },
        ];
        const out = await c.chat({ messages: msgs });
        sh.recordUsage({ agent: input.agent, promptId: null, promptVersion: null, traceId: input.traceId }, out, c.model.model);
        return out.ok && out.content ? out.content : extractiveSummary(older, maxTokens);
      };
      return compact(input.messages, budget, summarise);
    },

    async logAgentEvent(e: { key: string; agent: string; kind: string; correlationId: string | null; summary: string; data: Record<string, unknown> }): Promise<void> {
      sh.logEntry(e);
    },

    /** Reads and prompt edits for the handlers (they reach the store through Temporal). */
    async agentStoreOp(op: AgentStoreOp): Promise<unknown> {
      const s = sh.getStore();
      switch (op.op) {
        case 'logs':
          return s.logs({ ...(op.agent ? { agent: op.agent } : {}), limit: op.limit ?? 100 });
        case 'scores':
          return s.scores(op.limit ?? 20);
        case 'usage':
          return s.usageSummary();
        case 'history':
          for (const id of PromptId.options) sh.activePrompt(id);
          return s.promptHistory(op.promptId);
        case 'get_prompt':
          return sh.activePrompt(op.promptId);
        case 'update_prompt':
          try {
            const v = s.savePrompt({ promptId: op.promptId, template: op.template, author: op.author, reason: op.reason, now: Date.now(), defaultTemplate: sh.getDefaults()[op.promptId] });
            sh.logEntry({ agent: 'user', kind: 'prompt', correlationId: null, summary: `prompt ${op.promptId} v${v.version}: ${op.reason}`, data: { promptId: op.promptId, version: v.version } });
            return v;
          } catch (err) {
            if (err instanceof PromptRejected) throw ApplicationFailure.nonRetryable(`template refused: ${err.message}`, 'PromptRejected');
            throw err;
          }
        case 'models': {
          const out = [];
          for (const a of ['execution', 'judge', 'broker'] as const) {
            const c = sh.llm(a);
            const probe = await c.probe(2000);
            out.push({ ...c.model, reachable: probe.reachable, error: probe.error });
          }
          return out;
        }
      }
    },
  };
}
