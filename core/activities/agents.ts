/**
 * Activities of the three agents: every side effect their workflows need (model calls, prompt
 * rendering, reading market and ledger, placing orders, the store). The loops and their state
 * live in core/workflows/{execution-agent,judge-agent,broker-agent}.ts.
 */
import path from 'node:path';
import { z } from 'zod';
import { ApplicationFailure } from '@temporalio/common';
import { Dec } from '../domain/decimal';
import { WORKFLOW_IDS } from '../domain/ids';
import { api } from '../api/contract';
import { packageRoot } from '../runtime/package-root';
import { LlmClient } from '../agents/llm/client';
import { resolveAgentModel } from '../agents/llm/models';
import { costNanoUsd, priceOf } from '../agents/llm/pricing';
import { createTracer, type Tracer } from '../agents/llm/tracing';
import type { AgentModel, AgentName, ChatMessage, LlmOutcome, ToolSpec } from '../agents/llm/types';
import { compact, extractiveSummary, type ContextBudget, type Summariser } from '../agents/context';
import { loadDefaultTemplates, renderTemplate, PromptId, type PromptId as PromptIdT } from '../agents/prompts';
import { AgentStore, PromptRejected, type PromptVersion } from '../agents/store';
import { LEDGER_MESSAGES, readMarket, readPortfolio, type MarketRead, type PortfolioView } from '../agents/market-view';
import { EXECUTION_TOOLS, HoldArgs, parseArgs, PlaceOrderArgs, ReadFeaturesArgs } from '../agents/tools';
import { COMMAND_HELP, parseCommand } from '../agents/commands';
import { brokerCallRefusal } from '../agents/broker-guard';
import type { AgentConstraints, MarketPoint } from '../agents/policy';
import type { CalibrationPair, JudgeMetrics } from '../agents/scoring';
import type { ActivityDeps } from './deps';
import { realRoutingOn, routeToRealLedger, type AgentOrder } from './real-ledger-routing';
import { compactJson } from '../agents/compact-json';

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

export interface OrderAttempt {
  ok: boolean;
  /** What the tool result says to the model / the log. */
  summary: string;
  result: Record<string, unknown> | null;
  error: string | null;
}

export interface ExecToolInput {
  name: string;
  arguments: string;
  portfolioId: string;
  idempotencyKey: string;
  correlationId: string;
  constraints: AgentConstraints;
  markets: MarketPoint[];
  orderAlreadyPlaced: boolean;
}

export interface ExecToolResult {
  content: string;
  decision: null | { action: 'buy' | 'sell' | 'hold'; symbol: string | null; rationale: string; expectedEdgeBps: number | null; order: OrderAttempt | null };
}

export interface JudgeInputs {
  ok: boolean;
  error: string | null;
  metrics: JudgeMetrics;
  equity: number | null;
  calibration: CalibrationPair[];
  riskRejections: number;
  executionMode: string | null;
}

const JUDGE_TOOLS: ToolSpec[] = [
  {
    name: 'propose_constraints',
    description: 'Propose tighter constraints for the execution agent (maxOrderNotional as a decimal string, minExpectedEdgeBps, blockedSymbols). Only tightening changes apply.',
    parameters: {
      type: 'object',
      properties: {
        maxOrderNotional: { type: 'string' },
        minExpectedEdgeBps: { type: 'integer', minimum: 0 },
        blockedSymbols: { type: 'array', items: { type: 'string' } },
        reason: { type: 'string' },
      },
      additionalProperties: false,
    },
  },
];

/** Verbs the broker must not call on itself or that only the user may use in the cockpit. */
const BROKER_EXCLUDED = /^(broker_chat|get_chat_history)$|live|arm/i;

/** Whether the broker may call this verb: an MCP tool that is not excluded. */
export function brokerToolAllowed(name: string): boolean {
  if (!Object.prototype.hasOwnProperty.call(api, name)) return false;
  return (api as Record<string, { mcp: boolean }>)[name]!.mcp && !BROKER_EXCLUDED.test(name);
}

export function brokerTools(): ToolSpec[] {
  const out: ToolSpec[] = [];
  for (const [name, def] of Object.entries(api)) {
    if (!def.mcp || BROKER_EXCLUDED.test(name)) continue;
    let parameters: Record<string, unknown>;
    try {
      parameters = z.toJSONSchema(def.input, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
    } catch {
      parameters = { type: 'object' };
    }
    delete parameters.$schema;
    out.push({ name, description: def.description, parameters });
  }
  return out;
}

export function createAgentActivities(deps: ActivityDeps) {
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
  const budget: ContextBudget = {
    maxTokens: deps.config.AGENT_CONTEXT_MAX_TOKENS,
    summariseAt: Math.min(deps.config.AGENT_CONTEXT_SUMMARISE_AT, deps.config.AGENT_CONTEXT_MAX_TOKENS),
    keepLast: deps.config.AGENT_CONTEXT_KEEP_LAST,
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

  async function placeOrder(portfolioId: string, order: Record<string, unknown>): Promise<OrderAttempt> {
    if (await realRoutingOn(client(), deps.config.ENABLE_REAL_LEDGER, portfolioId)) {
      return routeToRealLedger(client(), deps.config.VIGIL_TASK_QUEUE, deps.ledger, order as unknown as AgentOrder);
    }
    try {
      const res = (await client().workflow.getHandle(WORKFLOW_IDS.executionLedger(portfolioId)).executeUpdate(LEDGER_MESSAGES.placeOrder, { args: [order] })) as Record<string, unknown>;
      const status = String(res.status);
      const fill = res.fill as { price?: string; quantity?: string } | null;
      const summary =
        status === 'filled' && fill
          ? `filled ${String(res.side)} ${fill.quantity} ${String(res.symbol)} at ${fill.price}`
          : status === 'rejected'
            ? `rejected by ${String(res.rule)}: ${String(res.reason)}`
            : `${status} ${String(res.side)} ${String(res.symbol)}`;
      return { ok: status !== 'rejected', summary, result: res, error: status === 'rejected' ? String(res.reason) : null };
    } catch (err) {
      const e = err as { cause?: { message?: string }; message?: string };
      const msg = e.cause?.message ?? e.message ?? String(err);
      return { ok: false, summary: `order refused: ${msg}`, result: null, error: msg };
    }
  }

  return {
    async agentModelInfo(agent: AgentName): Promise<AgentModel> {
      return resolveAgentModel(deps.config, agent);
    },

    async readMarketForAgent(input: { portfolioId: string; symbols?: string[] }): Promise<MarketRead> {
      // Staleness on the market's own clock: a simulated market may run faster than the wall clock.
      const now = deps.market?.marketNow?.() ?? Date.now();
      return readMarket(client(), { portfolioId: input.portfolioId, ...(input.symbols ? { symbols: input.symbols } : {}), now });
    },

    async readPortfolioForAgent(input: { portfolioId: string }): Promise<(PortfolioView & { ok: true }) | { ok: false; error: string }> {
      try {
        return { ok: true, ...(await readPortfolio(client(), input.portfolioId)) };
      } catch (err) {
        return { ok: false, error: (err as Error).message };
      }
    },

    async renderAgentPrompt(input: { promptId: PromptIdT; view: Record<string, unknown> }): Promise<{ text: string; version: number }> {
      const p = activePrompt(input.promptId);
      return { text: renderTemplate(p.template, input.view), version: p.version };
    },

    /** One model call: traced, usage and cost stored, failures returned as values. */
    async llmTurn(input: LlmTurnInput): Promise<LlmOutcome> {
      const c = llm(input.agent);
      const tools = input.tools === 'execution' ? EXECUTION_TOOLS : input.tools === 'broker' ? brokerTools() : input.tools === 'judge' ? JUDGE_TOOLS : undefined;
      const startedAt = new Date();
      const stream = input.stream;
      const out = await c.chat({
        messages: input.messages,
        ...(tools ? { tools } : {}),
        ...(stream ? { onDelta: (delta: string) => deps.bus.emit('agent.chat', { sessionId: stream.sessionId, turn: stream.turn, delta, done: false }) } : {}),
      });
      if (c.configured) {
        recordUsage(input, out, c.model.model);
        const t = getTracer();
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
      const c = llm(input.agent);
      const summarise: Summariser = async (older, maxTokens) => {
        if (!c.configured) return extractiveSummary(older, maxTokens);
        const digest = await extractiveSummary(older, Math.max(maxTokens * 3, 1500));
        const msgs: ChatMessage[] = [
          { role: 'system', content: `Summarise this conversation digest for yourself in at most ${Math.floor(maxTokens * 0.7)} words. Keep facts, numbers, orders and open requests. Plain text.` },
          { role: 'user', content: digest },
        ];
        const out = await c.chat({ messages: msgs });
        recordUsage({ agent: input.agent, promptId: null, promptVersion: null, traceId: input.traceId }, out, c.model.model);
        return out.ok && out.content ? out.content : extractiveSummary(older, maxTokens);
      };
      return compact(input.messages, budget, summarise);
    },

    /** Run one execution-agent tool call. The order key comes from the workflow, so a retry never places twice. */
    async runExecutionTool(input: ExecToolInput): Promise<ExecToolResult> {
      switch (input.name) {
        case 'read_features': {
          const a = parseArgs(ReadFeaturesArgs, input.arguments);
          if (!a.ok) return { content: JSON.stringify({ error: a.error }), decision: null };
          const pts = a.value.symbol ? input.markets.filter((m) => m.symbol === a.value.symbol) : input.markets;
          return { content: JSON.stringify({ markets: pts }), decision: null };
        }
        case 'read_portfolio': {
          try {
            return { content: JSON.stringify(await readPortfolio(client(), input.portfolioId)), decision: null };
          } catch (err) {
            return { content: JSON.stringify({ error: `portfolio unavailable: ${(err as Error).message}` }), decision: null };
          }
        }
        case 'hold': {
          const a = parseArgs(HoldArgs, input.arguments);
          if (!a.ok) return { content: JSON.stringify({ error: a.error }), decision: null };
          return { content: JSON.stringify({ ok: true, logged: 'hold' }), decision: { action: 'hold', symbol: a.value.symbol ?? null, rationale: a.value.rationale, expectedEdgeBps: null, order: null } };
        }
        case 'place_order': {
          if (input.orderAlreadyPlaced) return { content: JSON.stringify({ error: 'one order per nudge: already placed one' }), decision: null };
          const a = parseArgs(PlaceOrderArgs, input.arguments);
          if (!a.ok) return { content: JSON.stringify({ error: `invalid place_order arguments: ${a.error}` }), decision: null };
          const o = a.value;
          const c = input.constraints;
          if (o.side === 'buy' && c.blockedSymbols?.includes(o.symbol)) return { content: JSON.stringify({ error: `${o.symbol} is blocked by the judge's constraints` }), decision: null };
          if (c.minExpectedEdgeBps !== undefined && o.expected_edge_bps < c.minExpectedEdgeBps && o.side === 'buy') {
            return { content: JSON.stringify({ error: `expected edge ${o.expected_edge_bps} bps is below the required ${c.minExpectedEdgeBps} bps` }), decision: null };
          }
          if (c.maxOrderNotional) {
            const price = input.markets.find((m) => m.symbol === o.symbol)?.price ?? o.limit_price;
            const est = o.notional ? Dec.of(o.notional) : price ? Dec.of(o.quantity!).mul(price) : null;
            if (est && est.gt(c.maxOrderNotional)) return { content: JSON.stringify({ error: `order value ${est.round(2).toString()} exceeds the agent's max order ${c.maxOrderNotional}` }), decision: null };
          }
          const order = {
            symbol: o.symbol,
            side: o.side,
            type: o.limit_price ? 'limit' : 'market',
            ...(o.quantity ? { quantity: o.quantity } : { notional: o.notional }),
            ...(o.limit_price ? { limitPrice: o.limit_price } : {}),
            idempotencyKey: input.idempotencyKey,
            expectedEdgeBps: o.expected_edge_bps,
            rationale: o.rationale,
            agent: 'execution-agent',
            correlationId: input.correlationId,
          };
          const res = await placeOrder(input.portfolioId, order);
          return {
            content: JSON.stringify(res.result ?? { error: res.error }),
            decision: { action: o.side, symbol: o.symbol, rationale: o.rationale, expectedEdgeBps: o.expected_edge_bps, order: res },
          };
        }
        default:
          return { content: JSON.stringify({ error: `unknown tool ${input.name}; use read_features, read_portfolio, place_order or hold` }), decision: null };
      }
    },

    /** Place an order decided by the built-in policy. */
    async placeAgentOrder(input: { portfolioId: string; order: Record<string, unknown> }): Promise<OrderAttempt> {
      return placeOrder(input.portfolioId, input.order);
    },

    async logAgentEvent(e: { key: string; agent: string; kind: string; correlationId: string | null; summary: string; data: Record<string, unknown> }): Promise<void> {
      logEntry(e);
    },

    /** What the judge's scores are computed from: the ledger's analytics and fills. */
    async gatherJudgeInputs(input: { portfolioId: string; executionWorkflowId: string }): Promise<JudgeInputs> {
      const h = client().workflow.getHandle(WORKFLOW_IDS.executionLedger(input.portfolioId));
      let executionMode: string | null = null;
      try {
        executionMode = ((await client().workflow.getHandle(input.executionWorkflowId).query('status')) as { mode?: string }).mode ?? null;
      } catch {
        executionMode = null;
      }
      const empty: JudgeMetrics = { totalReturn: null, maxDrawdown: 0, sharpe: null, winRate: null, profitFactor: null, closedTrades: 0, feesPaid: 0 };
      try {
        const pm = (await h.query(LEDGER_MESSAGES.performance)) as Record<string, unknown>;
        const status = (await h.query(LEDGER_MESSAGES.status)) as { marks?: Record<string, { price: string }>; counts?: { blocked?: number }; recentBlocked?: { agent?: string; rule?: string }[] };
        const fills = (await h.query(LEDGER_MESSAGES.transactions, { agent: 'execution-agent', limit: 500 })) as {
          side: string;
          symbol: string;
          price: string;
          notional: string;
          fee: string;
          expectedEdgeBps: number | null;
        }[];
        const n = (k: string) => (typeof pm[k] === 'number' && Number.isFinite(pm[k]) ? (pm[k] as number) : null);
        const calibration: CalibrationPair[] = [];
        for (const f of fills) {
          const mark = status.marks?.[f.symbol]?.price;
          if (f.expectedEdgeBps === null || f.expectedEdgeBps === undefined || !mark) continue;
          const px = Number(f.price);
          const move = ((Number(mark) - px) / px) * 10_000;
          const feeBps = (Number(f.fee) / Number(f.notional)) * 10_000;
          calibration.push({ expectedBps: f.expectedEdgeBps, realisedBps: (f.side === 'buy' ? move : -move) - feeBps });
        }
        const riskRejections = (status.recentBlocked ?? []).filter((b) => b.agent === 'execution-agent').length;
        return {
          ok: true,
          error: null,
          metrics: {
            totalReturn: n('totalReturn'),
            maxDrawdown: n('maxDrawdown') ?? 0,
            sharpe: n('sharpe'),
            winRate: n('winRate'),
            profitFactor: n('profitFactor'),
            closedTrades: n('closedTrades') ?? 0,
            feesPaid: n('feesPaid') ?? 0,
          },
          equity: n('currentEquity'),
          calibration,
          riskRejections,
          executionMode,
        };
      } catch (err) {
        return { ok: false, error: (err as Error).message, metrics: empty, equity: null, calibration: [], riskRejections: 0, executionMode };
      }
    },

    /** The judge's narrative (model) or a plain one (no model); proposals are returned raw for the workflow to validate. */
    async judgeNarrative(input: { traceId: string; view: Record<string, unknown>; fallback: string }): Promise<{ narrative: string; proposal: string | null; source: 'model' | 'rules'; promptVersion: number; error: string | null }> {
      const p = activePrompt('judge');
      const c = llm('judge');
      if (!c.configured) return { narrative: input.fallback, proposal: null, source: 'rules', promptVersion: p.version, error: null };
      const messages: ChatMessage[] = [
        { role: 'system', content: renderTemplate(p.template, input.view) },
        { role: 'user', content: 'Write the evaluation narrative now. Call propose_constraints only if a tighter constraint is clearly warranted.' },
      ];
      const startedAt = new Date();
      const out = await c.chat({ messages, tools: JUDGE_TOOLS });
      recordUsage({ agent: 'judge', promptId: 'judge', promptVersion: p.version, traceId: input.traceId }, out, c.model.model);
      getTracer().generation({ traceId: input.traceId, agent: 'judge', turn: 'judge.evaluation', promptId: 'judge', promptVersion: p.version, model: c.model.model, input: messages, outcome: out, startedAt });
      await getTracer().flush();
      if (!out.ok) return { narrative: `${input.fallback} (model unavailable: ${out.error.message})`, proposal: null, source: 'rules', promptVersion: p.version, error: out.error.message };
      const proposal = out.toolCalls.find((t) => t.name === 'propose_constraints')?.arguments ?? null;
      const text = out.refusal ? `${input.fallback} (the model declined: ${out.refusal})` : (out.content ?? '').trim() || input.fallback;
      return { narrative: text.slice(0, 4000), proposal, source: 'model', promptVersion: p.version, error: null };
    },

    async saveJudgeScores(s: { key: string; overall: number; returns: number; risk: number; decisionQuality: number; consistency: number; mode: string; narrative: string; data: Record<string, unknown> }): Promise<void> {
      getStore().saveScores({ ...s, at: Date.now() });
    },

    /** Record a new version of a prompt (mode switch by the judge): the template is the active one. */
    async recordPromptVersion(input: { promptId: PromptIdT; author: string; reason: string; scores: Record<string, number> | null }): Promise<PromptVersion> {
      const cur = activePrompt(input.promptId);
      return getStore().savePrompt({ promptId: input.promptId, template: cur.template, author: input.author, reason: input.reason, scores: input.scores, now: Date.now(), defaultTemplate: getDefaults()[input.promptId] });
    },

    /** One broker tool call through dispatch (door 'agent'): validated like any user input. */
    async callBrokerTool(input: { name: string; arguments: string; correlationId?: string }): Promise<string> {
      if (!deps.callVerb) return JSON.stringify({ error: 'tools are not available in this runtime' });
      // Only the tools the model was offered: a model talked into naming any other verb
      // (keys, tradeable fractions, corrections, real orders) gets nowhere.
      if (!brokerToolAllowed(input.name)) return JSON.stringify({ error: `${input.name} is not available to the assistant` });
      let args: unknown;
      try {
        args = input.arguments.trim() === '' ? {} : JSON.parse(input.arguments);
      } catch (err) {
        return JSON.stringify({ error: `arguments are not valid JSON: ${(err as Error).message}` });
      }
      // Offered tools that would loosen the safety net (limits, routing, releasing the kill switch) stay the user's.
      const refusal = brokerCallRefusal(input.name, args);
      if (refusal) return JSON.stringify({ error: refusal.reason });
      // Orders from the chat are the broker's, whatever the model wrote in `agent`.
      // and carry the chat turn's correlation id, so the turn, the order and its fill link up.
      if (input.name === 'place_mock_order' && args && typeof args === 'object') args = { ...(args as Record<string, unknown>), agent: 'broker', ...(input.correlationId ? { correlationId: input.correlationId } : {}) };
      const res = await deps.callVerb(input.name, args, input.correlationId ? { correlationId: input.correlationId } : {});
      const text = JSON.stringify(res);
      return text.length > 12_000 ? `${text.slice(0, 12_000)}… (truncated)` : text;
    },

    /** The broker without a model: the command language, run through the same verbs. */
    async brokerCommand(input: { text: string; orderKey: string; note: string | null; correlationId?: string }): Promise<string> {
      const cmd = parseCommand(input.text, input.orderKey);
      const prefix = input.note ? `${input.note}\n` : '';
      if (cmd.kind === 'help') return prefix + COMMAND_HELP;
      if (cmd.kind === 'unknown') return `${prefix}I did not understand "${cmd.text.slice(0, 80)}". ${COMMAND_HELP}`;
      if (!deps.callVerb) return `${prefix}I would ${cmd.describe}, but tools are not available in this runtime.`;
      const corr = input.correlationId ? { correlationId: input.correlationId } : {};
      const res = await deps.callVerb(cmd.verb, cmd.verb === 'place_mock_order' ? { ...cmd.input, agent: 'broker', ...corr } : cmd.input, corr);
      if (!res.ok) return `${prefix}Could not ${cmd.describe}: ${res.error.message}${res.error.issues ? ` (${res.error.issues.map((i) => `${i.path}: ${i.message}`).join('; ')})` : ''}`;
      return `${prefix}Done: ${cmd.describe}.\n${summarise(res.result)}`;
    },

    /** Execution agent state for the broker's prompt; a missing agent reads as not running. */
    async executionStatusForBroker(input: { executionWorkflowId: string | null }): Promise<{ mode: string; paused: boolean; running: boolean }> {
      try {
        const st = (await client().workflow.getHandle(input.executionWorkflowId ?? WORKFLOW_IDS.executionAgent).query('status')) as { mode: string; paused: boolean };
        return { mode: st.mode, paused: st.paused, running: true };
      } catch {
        return { mode: 'unknown', paused: true, running: false };
      }
    },

    /** Reads and prompt edits for the handlers (they reach the store through Temporal). */
    async agentStoreOp(op: AgentStoreOp): Promise<unknown> {
      const s = getStore();
      switch (op.op) {
        case 'logs':
          return s.logs({ ...(op.agent ? { agent: op.agent } : {}), limit: op.limit ?? 100 });
        case 'scores':
          return s.scores(op.limit ?? 20);
        case 'usage':
          return s.usageSummary();
        case 'history':
          for (const id of PromptId.options) activePrompt(id);
          return s.promptHistory(op.promptId);
        case 'get_prompt':
          return activePrompt(op.promptId);
        case 'update_prompt':
          try {
            const v = s.savePrompt({ promptId: op.promptId, template: op.template, author: op.author, reason: op.reason, now: Date.now(), defaultTemplate: getDefaults()[op.promptId] });
            logEntry({ agent: 'user', kind: 'prompt', correlationId: null, summary: `prompt ${op.promptId} v${v.version}: ${op.reason}`, data: { promptId: op.promptId, version: v.version } });
            return v;
          } catch (err) {
            if (err instanceof PromptRejected) throw ApplicationFailure.nonRetryable(`template refused: ${err.message}`, 'PromptRejected');
            throw err;
          }
        case 'models': {
          const out = [];
          for (const a of ['execution', 'judge', 'broker'] as const) {
            const c = llm(a);
            const probe = await c.probe(2000);
            out.push({ ...c.model, reachable: probe.reachable, error: probe.error });
          }
          return out;
        }
      }
    },
  };
}

export type AgentStoreOp =
  | { op: 'logs'; agent?: string; limit?: number }
  | { op: 'scores'; limit?: number }
  | { op: 'usage' }
  | { op: 'history'; promptId?: PromptIdT }
  | { op: 'get_prompt'; promptId: PromptIdT }
  | { op: 'update_prompt'; promptId: PromptIdT; template: string; author: string; reason: string }
  | { op: 'models' };

/**
 * The command's result for the chat, whole up to 6,000 characters (a portfolio status with a few
 * positions and blocked orders), shortened beyond but always valid JSON: the cockpit shows it as a
 * card. It was cut mid-value at 1,500, which a status with one position and one block exceeded.
 */
function summarise(v: unknown): string {
  return compactJson(v, 6000);
}

export type AgentActivities = ReturnType<typeof createAgentActivities>;
