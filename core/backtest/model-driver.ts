/**
 * The driver of the `agent` strategy: answers the engine's deferred decisions with the execution
 * agent's model. For a waiting symbol it builds the live prompt (core/agents/execution-prompt.ts:
 * the mode's system prompt over the strategy's feature vector and the engine's exact portfolio),
 * runs the live tool loop (read_features, read_portfolio, place_order, hold; up to 5 model steps)
 * and turns the decision into a target exposure for the engine:
 *
 * - hold, a refusal, or no valid decision → no change (NaN);
 * - place_order buy of notional X (or quantity q at the signal close) → (held value + X) / the
 *   symbol's allocation; sell → (held value − X) / allocation, 0 when it covers the holding;
 * - a limit order fills only when marketable at the signal close; otherwise no change.
 *
 * Every request is looked up in the response cache first (sha256 of the model and the whole
 * request: messages, tools, parameters); only a miss goes to the model — rate-limited, within the
 * run's call and cost budget, booked with its tokens and cost. A rerun of the same spec therefore
 * sends nothing and decides exactly as before.
 */
import { createHash } from 'node:crypto';
import { countMessages, countText } from '../agents/context';
import { EXECUTION_MAX_MODEL_STEPS, executionNudgeMessage, executionPromptView, type ExecutionRecentDecision } from '../agents/execution-prompt';
import type { ChatRequest } from '../agents/llm/client';
import { costNanoUsd, nanoToUsd, priceOf } from '../agents/llm/pricing';
import type { AgentModel, ChatMessage, LlmOutcome, ToolCall } from '../agents/llm/types';
import type { PortfolioView } from '../agents/market-view';
import type { MarketPoint } from '../agents/policy';
import { executionPromptId, type ExecutionMode } from '../agents/prompt-ids';
import { renderTemplate } from '../agents/prompts';
import { EXECUTION_TOOLS, HoldArgs, parseArgs, PlaceOrderArgs, ReadFeaturesArgs } from '../agents/tools';
import { Dec } from '../domain/decimal';
import { valuePortfolio } from '../trading';
import type { Engine, EngineConfig, EngineState } from './engine';
import type { BarSeries } from './bars';
import type { ModelUsage } from './result';
import type { CachedResponse, ModelSpend, StoredReply } from './store';
import { isAgentStrategy, type AgentCounts, type AgentDecisionNote, type AgentParams, type AgentQuestion, type AgentStrategy } from './strategies/agent';

/** The model: `LlmClient` in the app, the same class against a local server in tests. */
export interface ModelPort {
  readonly model: AgentModel;
  chat(req: ChatRequest): Promise<LlmOutcome>;
}

export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(abortError(signal));
      const t = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(t);
        reject(abortError(signal!));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('cancelled');
}

export interface ModelCache {
  cachedResponse(key: string): CachedResponse | null;
  recordModelCall(backtestId: string, key: string, at: number, c: CachedResponse): void;
  modelSpend(backtestId: string): ModelSpend;
}

/** The run may not send another request: the message names the parameter to raise. */
export class ModelBudgetExceeded extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelBudgetExceeded';
  }
}

/** The model failed after the client's own retries. `retryable`: worth running the chunk again. */
export class ModelCallFailed extends Error {
  constructor(
    readonly kind: string,
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'ModelCallFailed';
  }
}

/** Spaces requests at least 60 s / rpm apart on the given clock, waiting in slices (heartbeats). */
export class RateLimiter {
  private next = -Infinity;
  constructor(
    private readonly rpm: number,
    private readonly clock: Clock,
    private readonly slice = 5_000,
  ) {}

  async acquire(onWait?: () => void, signal?: AbortSignal): Promise<void> {
    const interval = 60_000 / this.rpm;
    for (;;) {
      const now = this.clock.now();
      if (now >= this.next) {
        this.next = now + interval;
        return;
      }
      onWait?.();
      await this.clock.sleep(Math.min(this.slice, this.next - now), signal);
    }
  }
}

export interface ModelDriverDeps {
  backtestId: string;
  model: ModelPort;
  cache: ModelCache;
  /** The active template of a prompt and its version (agents.sqlite in the app). */
  prompt(mode: ExecutionMode): { template: string; version: number };
  clock?: Clock;
  /** The run's limiter, kept across chunks by the caller (default: a new one on `clock`). */
  limiter?: RateLimiter;
  /** Called while waiting (rate limit, a model call in flight): the activity heartbeats. */
  onWait?: () => void;
  signal?: AbortSignal;
  /**
   * Part of every request's cache key, never sent: repeated samples of the same configuration
   * (an arena's) each get their own answers, and a rerun of a sample gets its own back.
   */
  cacheSalt?: string;
  /** Every decision as it is taken: the symbol, what the model chose and the target given to the engine. */
  onDecision?: (symbolIndex: number, note: AgentDecisionNote, target: number) => void;
}

/** Tokens the tool definitions add to every request (for the cost estimate only). */
const TOOL_TOKENS = countText(JSON.stringify(EXECUTION_TOOLS));
/** Completion assumed for the cost estimate before the run has seen one. */
const FIRST_COMPLETION_ESTIMATE = 1000;

export interface ModelDriver {
  /** Answers every deferred decision of the engine; returns the model requests sent (cache misses). */
  answerDeferred(engine: Engine): Promise<number>;
  /** The opening messages of the question a symbol waits with (system prompt and nudge). */
  questionMessages(engine: Engine, s: number): ChatMessage[];
}

export function createModelDriver(cfg: EngineConfig, series: BarSeries[], deps: ModelDriverDeps): ModelDriver {
  const params = cfg.strategyParams as AgentParams;
  const clock = deps.clock ?? systemClock;
  const limiter = deps.limiter ?? new RateLimiter(params.rpm, clock);
  const maxCostNano = Dec.of(params.maxCostUsd).mul('1000000000').round(0, 'down').toNumber();
  const quote = cfg.symbols[0]!.split('-')[1] ?? 'USD';

  function strategyOf(engine: Engine, s: number): AgentStrategy {
    const st = engine.strategy(s);
    if (!isAgentStrategy(st)) throw new Error(`backtest ${deps.backtestId}: the model driver needs the agent strategy, not ${cfg.strategy.name}`);
    return st;
  }

  function marks(st: EngineState): Record<string, string> {
    const m: Record<string, string> = {};
    cfg.symbols.forEach((sym, k) => {
      const c = st.lastClose[k];
      if (c !== undefined && c !== null && !Number.isNaN(c)) m[sym] = String(c);
    });
    return m;
  }

  /** The engine's exact portfolio in the shape the live agent reads from the paper ledger. */
  function portfolioView(st: EngineState): PortfolioView {
    const mk = marks(st);
    const v = valuePortfolio(st.portfolio, mk);
    const limits = cfg.riskLimits
      ? Object.entries(cfg.riskLimits)
          .filter(([, x]) => x !== null && x !== undefined)
          .map(([name, x]) => ({ name, value: typeof x === 'object' ? JSON.stringify(x) : String(x) }))
      : [];
    return {
      quote,
      equity: v.equity,
      cash: v.cash,
      initialCash: cfg.initialCash,
      positions: v.positions.filter((p) => p.quantity !== '0').map((p) => ({ symbol: p.symbol, quantity: p.quantity, avgPrice: p.avgEntry, marketValue: p.marketValue, unrealizedPnl: p.unrealizedPnl })),
      limits,
      killSwitch: false,
      marks: mk,
      // This run's own fees and spreads, which the engine prices its fills with.
      costs: { fees: cfg.fees, spreadBps: Object.fromEntries(cfg.specs.map((sp) => [sp.symbol, sp.spreadBps])) },
    };
  }

  function point(s: number, q: AgentQuestion): MarketPoint {
    return { symbol: cfg.symbols[s]!, price: q.price, time: q.time, ...(Object.keys(q.features).length ? { features: q.features } : {}) };
  }

  function opening(s: number, agent: AgentStrategy, q: AgentQuestion, portfolio: PortfolioView): ChatMessage[] {
    const a = agent.state();
    const symbol = cfg.symbols[s]!;
    const view = executionPromptView({
      now: new Date(q.time).toISOString(),
      mode: params.mode,
      points: [point(s, q)],
      lastDecisionPrices: a.lastDecisionPrice ? { [symbol]: a.lastDecisionPrice } : {},
      portfolio,
      constraints: {},
      recent: a.recent as readonly ExecutionRecentDecision[],
      costs: portfolio.costs,
    });
    const p = deps.prompt(params.mode);
    a.promptVersion = p.version;
    return [
      { role: 'system', content: renderTemplate(p.template, view) },
      { role: 'user', content: executionNudgeMessage(q.n) },
    ];
  }

  function requestKey(messages: ChatMessage[]): string {
    const body = { model: deps.model.model.model, messages, tools: EXECUTION_TOOLS, ...(params.temperature !== undefined ? { temperature: params.temperature } : {}), ...(deps.cacheSalt ? { sample: deps.cacheSalt } : {}) };
    return createHash('sha256').update(stableJson(body)).digest('hex');
  }

  async function ask(messages: ChatMessage[]): Promise<{ response: CachedResponse; fresh: boolean }> {
    const key = requestKey(messages);
    const hit = deps.cache.cachedResponse(key);
    if (hit) return { response: hit, fresh: false };
    if (deps.signal?.aborted) throw abortError(deps.signal);
    const spend = deps.cache.modelSpend(deps.backtestId);
    if (spend.calls + 1 > params.maxCalls) {
      throw new ModelBudgetExceeded(`model budget reached: ${spend.calls} requests sent, maxCalls is ${params.maxCalls} (raise params.maxCalls to go on; cached answers stay free)`);
    }
    const modelName = deps.model.model.model;
    if (priceOf(modelName)) {
      const estimate = costNanoUsd(modelName, { prompt: countMessages(messages) + TOOL_TOKENS, completion: Math.max(spend.maxCompletionTokens, spend.calls ? 0 : FIRST_COMPLETION_ESTIMATE) });
      if (spend.costNano + estimate > maxCostNano) {
        throw new ModelBudgetExceeded(
          `model budget reached: spent ${nanoToUsd(spend.costNano)} USD, the next request is estimated at ${nanoToUsd(estimate)} USD and maxCostUsd is ${params.maxCostUsd} (raise params.maxCostUsd to go on)`,
        );
      }
    }
    await limiter.acquire(deps.onWait, deps.signal);
    const beat = deps.onWait ? setInterval(deps.onWait, 5_000) : null;
    beat?.unref();
    let out: LlmOutcome;
    try {
      out = await deps.model.chat({ messages, tools: EXECUTION_TOOLS, ...(params.temperature !== undefined ? { temperature: params.temperature } : {}), ...(deps.signal ? { signal: deps.signal } : {}) });
    } finally {
      if (beat) clearInterval(beat);
    }
    if (deps.signal?.aborted) throw abortError(deps.signal);
    if (!out.ok) {
      const permanent = out.error.kind === 'auth' || out.error.kind === 'bad_request' || out.error.kind === 'not_configured';
      throw new ModelCallFailed(out.error.kind, `the execution model failed (${out.error.kind}): ${out.error.message}`, !permanent);
    }
    const reply: StoredReply = { content: out.content, toolCalls: out.toolCalls, refusal: out.refusal, finishReason: out.finishReason, model: out.model };
    const response: CachedResponse = {
      reply,
      promptTokens: out.usage.prompt,
      completionTokens: out.usage.completion,
      costNano: costNanoUsd(out.model, out.usage),
      priced: priceOf(out.model) !== null,
    };
    deps.cache.recordModelCall(deps.backtestId, key, clock.now(), response);
    return { response, fresh: true };
  }

  interface Decision {
    action: 'buy' | 'sell' | 'hold';
    symbol: string | null;
    rationale: string;
    order: PlaceOrderArgs | null;
  }

  /** One tool call with the live semantics; `content` goes back to the model. */
  function runTool(call: ToolCall, s: number, q: AgentQuestion, portfolio: PortfolioView, placed: boolean, counts: AgentCounts): { content: string; decision: Decision | null } {
    const bad = (error: string) => {
      counts.invalidCalls++;
      return { content: JSON.stringify({ error }), decision: null };
    };
    switch (call.name) {
      case 'read_features': {
        const a = parseArgs(ReadFeaturesArgs, call.arguments);
        if (!a.ok) return bad(a.error);
        const pts = [point(s, q)].filter((m) => !a.value.symbol || m.symbol === a.value.symbol);
        return { content: JSON.stringify({ markets: pts }), decision: null };
      }
      case 'read_portfolio':
        return { content: JSON.stringify(portfolio), decision: null };
      case 'hold': {
        const a = parseArgs(HoldArgs, call.arguments);
        if (!a.ok) return bad(a.error);
        return { content: JSON.stringify({ ok: true, logged: 'hold' }), decision: { action: 'hold', symbol: a.value.symbol ?? null, rationale: a.value.rationale, order: null } };
      }
      case 'place_order': {
        if (placed) return bad('one order per nudge: already placed one');
        const a = parseArgs(PlaceOrderArgs, call.arguments);
        if (!a.ok) return bad(`invalid place_order arguments: ${a.error}`);
        const o = a.value;
        return { content: JSON.stringify({ status: 'accepted', symbol: o.symbol, side: o.side }), decision: { action: o.side, symbol: o.symbol, rationale: o.rationale, order: o } };
      }
      default:
        return bad(`unknown tool ${call.name}; use read_features, read_portfolio, place_order or hold`);
    }
  }

  /** The engine's target for a decision (NaN: no change), counted by outcome. */
  function targetOf(d: Decision, s: number, q: AgentQuestion, st: EngineState, counts: AgentCounts): number {
    if (!d.order) {
      counts.holds++;
      return NaN;
    }
    const o = d.order;
    const symbol = cfg.symbols[s]!;
    if (o.symbol !== symbol) {
      counts.rejected++;
      return NaN;
    }
    const price = Number(q.price);
    if (o.limit_price !== undefined) {
      const limit = Number(o.limit_price);
      if ((o.side === 'buy' && limit < price) || (o.side === 'sell' && limit > price)) {
        counts.unfilledLimits++;
        return NaN;
      }
    }
    let trading = Number(st.portfolio.cash);
    cfg.symbols.forEach((sym, k) => {
      const qty = Number(st.portfolio.positions[sym]?.quantity ?? '0');
      if (qty !== 0) trading += qty * st.lastClose[k]!;
    });
    const alloc = trading * cfg.weights[s]!;
    const held = Number(st.portfolio.positions[symbol]?.quantity ?? '0');
    const value = held * price;
    const amount = o.notional !== undefined ? Number(o.notional) : Number(o.quantity) * price;
    if (!(alloc > 0) || !(amount > 0)) {
      counts.rejected++;
      return NaN;
    }
    if (o.side === 'buy') {
      counts.buys++;
      return Math.min(1, (value + amount) / alloc);
    }
    if (held <= 0) {
      counts.rejected++;
      return NaN;
    }
    counts.sells++;
    return amount >= value ? 0 : Math.max(0, (value - amount) / alloc);
  }

  async function decide(engine: Engine, s: number): Promise<number> {
    const agent = strategyOf(engine, s);
    const q = agent.state().question;
    if (!q) throw new Error(`backtest ${deps.backtestId}: symbol ${cfg.symbols[s]} deferred without a question`);
    const st = engine.state();
    const counts = agent.state().counts;
    counts.decisions++;
    // On a symbol's last bar nothing can fill any more: no reason to pay for the answer.
    if (st.cursors[s]! >= series[s]!.length) {
      counts.lastBarSkips++;
      agent.record(null, q.price);
      engine.answer(s, NaN);
      return 0;
    }
    const portfolio = portfolioView(st);
    const messages = opening(s, agent, q, portfolio);
    let sent = 0;
    let placed = false;
    let decision: Decision | null = null;
    for (let step = 0; step < EXECUTION_MAX_MODEL_STEPS && !decision; step++) {
      const { response, fresh } = await ask(messages);
      if (fresh) sent++;
      counts.requests++;
      counts.promptTokens += response.promptTokens;
      counts.completionTokens += response.completionTokens;
      counts.costNano += response.costNano;
      if (!response.priced) counts.unpricedResponses++;
      const r = response.reply;
      if (r.refusal) {
        counts.refusals++;
        decision = { action: 'hold', symbol: null, rationale: `model refused: ${r.refusal.slice(0, 300)}`, order: null };
        break;
      }
      messages.push({ role: 'assistant', content: r.content, ...(r.toolCalls.length ? { toolCalls: r.toolCalls } : {}) });
      if (r.toolCalls.length === 0) {
        decision = { action: 'hold', symbol: null, rationale: (r.content ?? 'no decision given').slice(0, 500), order: null };
        break;
      }
      for (const call of r.toolCalls) {
        const t = runTool(call, s, q, portfolio, placed, counts);
        messages.push({ role: 'tool', toolCallId: call.id, name: call.name, content: t.content });
        if (t.decision?.order) placed = true;
        if (t.decision && (!decision || t.decision.order)) decision = t.decision;
      }
    }
    let target = NaN;
    let note: AgentDecisionNote;
    if (!decision) {
      counts.invalidDecisions++;
      note = { at: q.time, action: 'hold', symbol: null, rationale: `no decision within ${EXECUTION_MAX_MODEL_STEPS} model steps` };
    } else {
      target = targetOf(decision, s, q, st, counts);
      note = { at: q.time, action: decision.action, symbol: decision.symbol, rationale: decision.rationale };
    }
    agent.record(note, q.price);
    engine.answer(s, target);
    deps.onDecision?.(s, note, target);
    return sent;
  }

  return {
    async answerDeferred(engine) {
      let sent = 0;
      for (const s of engine.deferred()) sent += await decide(engine, s);
      return sent;
    },
    questionMessages(engine, s) {
      const agent = strategyOf(engine, s);
      const q = agent.state().question;
      if (!q) throw new Error(`symbol ${cfg.symbols[s]} has no question waiting`);
      return opening(s, agent, q, portfolioView(engine.state()));
    },
  };
}

/** JSON with object keys sorted at every level: the same request always hashes the same. */
export function stableJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map((x) => stableJson(x === undefined ? null : x)).join(',')}]`;
  const entries = Object.entries(v as Record<string, unknown>)
    .filter(([, x]) => x !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${stableJson(x)}`).join(',')}}`;
}

/** Per-run model usage for the result: counts from the strategies' states, spend from the store. */
/** `promptVersion`: the version to report when no decision rendered a prompt (the active one). */
export function modelUsage(input: { strategies: unknown[]; spend: ModelSpend; model: AgentModel; params: AgentParams; promptVersion: number }): ModelUsage {
  const c: AgentCounts = { decisions: 0, requests: 0, buys: 0, sells: 0, holds: 0, refusals: 0, invalidCalls: 0, invalidDecisions: 0, unfilledLimits: 0, rejected: 0, lastBarSkips: 0, promptTokens: 0, completionTokens: 0, costNano: 0, unpricedResponses: 0 };
  let promptVersion = input.promptVersion;
  for (const raw of input.strategies) {
    const v = (raw as { promptVersion?: unknown } | null)?.promptVersion;
    if (typeof v === 'number') promptVersion = v;
    const counts = (raw as { counts?: Partial<AgentCounts> } | null)?.counts;
    if (!counts) continue;
    for (const k of Object.keys(c) as (keyof AgentCounts)[]) c[k] += counts[k] ?? 0;
  }
  return {
    model: input.model.model,
    baseUrl: input.model.baseUrl,
    mode: input.params.mode,
    promptId: executionPromptId(input.params.mode),
    promptVersion,
    every: input.params.every,
    decisions: c.decisions,
    requests: c.requests,
    calls: input.spend.calls,
    cacheHits: Math.max(0, c.requests - input.spend.calls),
    buys: c.buys,
    sells: c.sells,
    holds: c.holds,
    refusals: c.refusals,
    invalidCalls: c.invalidCalls,
    invalidDecisions: c.invalidDecisions,
    unfilledLimits: c.unfilledLimits,
    rejected: c.rejected,
    lastBarSkips: c.lastBarSkips,
    promptTokens: c.promptTokens,
    completionTokens: c.completionTokens,
    costUsd: nanoToUsd(c.costNano),
    spentPromptTokens: input.spend.promptTokens,
    spentCompletionTokens: input.spend.completionTokens,
    spentCostUsd: nanoToUsd(input.spend.costNano),
    priced: priceOf(input.model.model) !== null,
  };
}
