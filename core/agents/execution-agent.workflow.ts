/**
 * ExecutionAgentWorkflow: the trading loop. A durable timer nudges it every
 * EXECUTION_NUDGE_SECONDS; each nudge reads the market, skips when prices are stale or have not
 * moved enough, and otherwise decides — through the model with tools when one is configured, or
 * through the built-in deterministic policy — and logs the decision (hold included) with its
 * reasoning and correlation id. Orders carry an idempotency key derived from the run epoch and the
 * nudge number, so an activity retry or a replay never places twice. Risk limits live in the
 * ledger; nothing here can loosen them.
 */
import {
  ApplicationFailure,
  ParentClosePolicy,
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  patched,
  proxyActivities,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { createAgentActivities, ExecDecision, ExecToolResult, OrderAttempt } from './activities';
import type { AgentOrderIntent } from '../orders/agent-orders';
import { productionSummary } from '../orders/summary';
import type { OrderOutcome } from '../ledger/router';
import { ledgerOrderWorkflow } from '../ledger/ledger-ops.workflow';
import { decide, maxMovePct, type MarketPoint, type PolicyDecision } from './policy';
import { decideLegacy } from './policy-legacy';
import type { ChatMessage } from './llm/types';
import { EXECUTION_MAX_MODEL_STEPS, executionNudgeMessage, executionPromptView } from './execution-prompt';
import type { TradingCosts } from './costs';
import { WORKFLOW_IDS } from '../domain/ids';
import { EXECUTION_MODES, isExecutionMode } from './prompt-ids';
import {
  constraintsSignal,
  drawdownAlertSignalName,
  executionStatusQuery,
  judgeModeSignal,
  nudgeNowSignal,
  pauseExecutionUpdate,
  resumeExecutionUpdate,
  setExecutionModeUpdate,
  stopExecutionSignal,
  type DecisionRecord,
  type ExecutionAgentMode,
  type ExecutionAgentState,
  type ExecutionStatus,
} from './execution-agent-messages.workflow';

// The agent's messages are defined beside it; importers of the workflow get them here too.
export * from './execution-agent-messages.workflow';

type Mode = ExecutionAgentMode;

const acts = proxyActivities<ReturnType<typeof createAgentActivities>>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 3, initialInterval: '1 second' },
});
// The client retries model calls itself with back-off; a second layer would multiply waits.
const llmActs = proxyActivities<ReturnType<typeof createAgentActivities>>({
  startToCloseTimeout: '5 minutes',
  retry: { maximumAttempts: 1 },
});

export interface ExecutionAgentInput {
  portfolioId?: string;
  mode?: Mode;
  nudgeSeconds: number;
  maxStalenessSeconds: number;
  minPriceMovePct: number;
  /** Judge to alert on high drawdown (default WORKFLOW_IDS.judgeAgent). */
  judgeWorkflowId?: string;
  /** Drawdown from the initial cash (fraction) that asks the judge to evaluate early. */
  drawdownAlert?: number;
  continueAsNewEvery?: number;
  symbols?: string[];
  state?: ExecutionAgentState;
}

const MAX_RECENT = 30;
const MAX_HISTORY = 60;

/**
 * Marker for the order port: orders go to the port as intents (the paper book's typed update as the
 * `execution-agent` door, or a production ledger order run as this workflow's child). Histories from before it replay the old activities.
 */
export const ORDER_PORT_PATCH = 'order-port';
/** How long a nudge waits for its child ledger order before moving on (the child keeps tracking fills). */
const CHILD_ORDER_WAIT = '2 minutes';

export async function executionAgentWorkflow(input: ExecutionAgentInput): Promise<void> {
  const portfolioId = input.portfolioId ?? 'default';
  const s: ExecutionAgentState = input.state ?? {
    epoch: workflowInfo().runId,
    mode: input.mode ?? 'standard',
    paused: false,
    nudges: 0,
    decisions: 0,
    skips: 0,
    lastNudgeAt: null,
    lastDecisionPrices: {},
    history: {},
    recent: [],
    constraints: {},
    modeChanges: [],
    lastModel: { configured: false, model: 'deterministic', lastError: null },
  };
  let nudgeRequested = false;
  let stop = false;
  let alerted = false;

  const status = (): ExecutionStatus => ({
    mode: s.mode,
    paused: s.paused,
    nudges: s.nudges,
    decisions: s.decisions,
    skips: s.skips,
    lastNudgeAt: s.lastNudgeAt,
    lastDecision: s.recent.at(-1) ?? null,
    recent: [...s.recent],
    constraints: s.constraints,
    modeChanges: [...s.modeChanges],
    model: s.lastModel,
  });
  const changeMode = (to: Mode, by: string, reason: string) => {
    if (to === s.mode) return;
    s.modeChanges.push({ at: Date.parse(new Date().toISOString()), from: s.mode, to, by, reason });
    if (s.modeChanges.length > 50) s.modeChanges.shift();
    s.mode = to;
  };

  setHandler(executionStatusQuery, status);
  setHandler(
    pauseExecutionUpdate,
    () => {
      s.paused = true;
      return status();
    },
    { validator: (a) => void (a && typeof a !== 'object' ? fail('pause takes { reason? }') : undefined) },
  );
  setHandler(resumeExecutionUpdate, () => {
    s.paused = false;
    nudgeRequested = true;
    return status();
  }, { validator: () => undefined });
  setHandler(
    setExecutionModeUpdate,
    ({ mode, by, reason }) => {
      changeMode(mode, by, reason);
      return status();
    },
    { validator: (a) => void (!a || !isExecutionMode(a.mode) ? fail(`mode must be one of ${EXECUTION_MODES.join(', ')}`) : undefined) },
  );
  setHandler(judgeModeSignal, ({ mode, reason }) => {
    if (isExecutionMode(mode)) changeMode(mode, 'judge', reason);
  });
  setHandler(constraintsSignal, (c) => {
    s.constraints = c;
  });
  setHandler(nudgeNowSignal, () => {
    nudgeRequested = true;
  });
  setHandler(stopExecutionSignal, () => {
    stop = true;
  });

  const every = input.continueAsNewEvery ?? 500;
  let handledThisRun = 0;
  while (!stop) {
    await condition(() => nudgeRequested || stop, input.nudgeSeconds * 1000);
    if (stop) break;
    nudgeRequested = false;
    if (!s.paused) {
      await nudge();
      handledThisRun++;
    }
    if (handledThisRun >= every || workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof executionAgentWorkflow>({ ...input, mode: s.mode, state: s });
    }
  }
  await condition(allHandlersFinished);

  async function nudge(): Promise<void> {
    s.nudges++;
    const n = s.nudges;
    const corr = `exec-${s.epoch.slice(0, 8)}-${n}`;
    const market = await acts.readMarketForAgent({ portfolioId, ...(input.symbols ? { symbols: input.symbols } : {}) });
    s.lastNudgeAt = market.readAt;
    if (!market.ok) return skip(n, corr, market.readAt, `no market data (${market.error ?? 'unknown'})`);
    // Sample every fresh price, decided on or not: the policy's own indicators need the series.
    for (const p of market.points) {
      const h = (s.history[p.symbol] ??= []);
      if (h.length === 0 || h[h.length - 1] !== p.price || (market.staleSeconds ?? 0) < input.nudgeSeconds * 2) h.push(p.price);
      if (h.length > MAX_HISTORY) h.splice(0, h.length - MAX_HISTORY);
    }
    if ((market.staleSeconds ?? Infinity) > input.maxStalenessSeconds) {
      return skip(n, corr, market.readAt, `prices stale: ${Math.round(market.staleSeconds ?? 0)}s old (max ${input.maxStalenessSeconds}s)`);
    }
    const move = maxMovePct(market.points, s.lastDecisionPrices);
    if (move !== null && move < input.minPriceMovePct) {
      return skip(n, corr, market.readAt, `prices moved ${move.toFixed(3)}% since the last decision (< ${input.minPriceMovePct}%)`);
    }
    const portfolio = await acts.readPortfolioForAgent({ portfolioId });
    if (!portfolio.ok) return skip(n, corr, market.readAt, `portfolio unavailable: ${portfolio.error}`);
    maybeAlertJudge(portfolio.equity, portfolio.initialCash);

    const model = await acts.agentModelInfo('execution');
    let record: DecisionRecord | null = null;
    let modelError: string | null = null;
    if (model.configured) {
      const r = await decideWithModel(n, corr, market.points, portfolio);
      record = r.record;
      modelError = r.error;
    }
    s.lastModel = { configured: model.configured, model: model.model, lastError: modelError };
    if (!record) record = await decideWithPolicy(n, corr, market.points, portfolio, modelError, market.readAt);
    s.lastDecisionPrices = Object.fromEntries(market.points.map((p) => [p.symbol, p.price]));
    s.decisions++;
    remember(record);
    await acts.logAgentEvent({
      key: `${corr}:decision`,
      agent: 'execution',
      kind: 'decision',
      correlationId: corr,
      summary: `${record.action}${record.symbol ? ` ${record.symbol}` : ''}: ${record.rationale}`.slice(0, 500),
      data: { ...record, mode: s.mode, marketSource: market.source },
    });
  }

  async function skip(n: number, corr: string, at: number, why: string): Promise<void> {
    s.skips++;
    remember({ nudge: n, at, correlationId: corr, action: 'skip', symbol: null, rationale: why, expectedEdgeBps: null, source: 'gate', order: null });
    await acts.logAgentEvent({ key: `${corr}:skip`, agent: 'execution', kind: 'skip', correlationId: corr, summary: `skip: ${why}`, data: { nudge: n, mode: s.mode } });
  }

  function remember(r: DecisionRecord): void {
    s.recent.push(r);
    if (s.recent.length > MAX_RECENT) s.recent.splice(0, s.recent.length - MAX_RECENT);
  }

  function maybeAlertJudge(equity: string, initial: string): void {
    const dd = 1 - Number(equity) / Number(initial);
    const limit = input.drawdownAlert ?? 0.05;
    if (dd >= limit && !alerted) {
      alerted = true;
      const judge = getExternalWorkflowHandle(input.judgeWorkflowId ?? WORKFLOW_IDS.judgeAgent);
      // The judge may not be running; the alert is best effort and the cadence still applies.
      void judge.signal(drawdownAlertSignalName, { drawdown: dd }).catch(() => undefined);
    } else if (dd < limit / 2) alerted = false;
  }

  /** A model's tool call: answered by the activity, or an order placed through the port. */
  async function toolThroughPort(input: Parameters<typeof acts.executionToolStep>[0]): Promise<ExecToolResult> {
    const step = await acts.executionToolStep(input);
    if (step.kind === 'answer') return { content: step.content, decision: step.decision };
    const attempt = await placeThroughPort(step.intent);
    const o = step.intent;
    return {
      content: JSON.stringify(attempt.result ?? { error: attempt.error }),
      decision: { action: o.side, symbol: o.symbol, rationale: o.rationale, expectedEdgeBps: o.expectedEdgeBps, order: attempt },
    };
  }

  /**
   * The order port for this agent: the activity routes the intent (the paper book's typed update as
   * the `execution-agent` door); a production order runs as this workflow's child, one per idempotency
   * key, so a restart mid-order resumes the same ledger order. The nudge waits for it a while; past
   * that the child keeps sending and tracking fills on its own (it outlives this run).
   */
  async function placeThroughPort(intent: AgentOrderIntent): Promise<OrderAttempt> {
    const step = await acts.agentOrder({ portfolioId, order: intent });
    if (step.kind === 'placed') return step.attempt;
    const what = { side: step.order.side, product: step.order.product };
    let outcome: OrderOutcome | undefined;
    let failure: string | undefined;
    try {
      const child = await startChild(ledgerOrderWorkflow, {
        workflowId: step.workflowId,
        args: [{ order: step.order, placedBy: 'execution-agent' }],
        parentClosePolicy: ParentClosePolicy.ABANDON,
      });
      child.result().then(
        (o) => void (outcome = o),
        (err: unknown) => void (failure = innermost(err)),
      );
      await condition(() => outcome !== undefined || failure !== undefined, CHILD_ORDER_WAIT);
    } catch (err) {
      failure = innermost(err);
    }
    if (failure !== undefined) return { ok: false, ledger: 'production', summary: `real ledger: ${what.side} ${what.product} refused — ${failure}`, result: null, error: failure };
    if (!outcome) {
      const msg = `real ledger: ${what.side} ${what.product} sent; ${step.workflowId} keeps tracking its fills`;
      return { ok: true, ledger: 'production', summary: msg, result: null, error: null };
    }
    const ok = !['blocked', 'rejected', 'failed'].includes(outcome.status);
    const result = { orderId: outcome.orderId, clientOrderId: outcome.clientOrderId, status: outcome.status, mode: outcome.mode, reason: outcome.reason, rule: outcome.rule, filledBase: outcome.filledBase, exchangeOrderId: outcome.exchangeOrderId, workflowId: step.workflowId };
    return { ok, ledger: 'production', summary: productionSummary({ ...what, ...outcome }), result, error: ok ? null : (outcome.reason ?? outcome.status) };
  }

  async function decideWithPolicy(
    n: number,
    corr: string,
    points: MarketPoint[],
    portfolio: { equity: string; cash: string; positions: { symbol: string; quantity: string; avgPrice: string }[]; costs?: TradingCosts },
    modelError: string | null,
    at: number,
  ): Promise<DecisionRecord> {
    // Runs recorded before the expected-edge policy replay with the policy they were decided by.
    const policy = patched('policy-expected-edge') ? decide : decideLegacy;
    const d: PolicyDecision = policy({ mode: s.mode, markets: points, history: s.history, portfolio, constraints: s.constraints });
    const note = modelError ? ` (model unavailable: ${modelError}; built-in policy)` : '';
    if (d.action === 'hold') return { nudge: n, at, correlationId: corr, action: 'hold', symbol: d.symbol, rationale: d.rationale + note, expectedEdgeBps: null, source: 'policy', order: null };
    const intent: AgentOrderIntent = {
      symbol: d.symbol,
      side: d.action,
      type: 'market',
      ...(d.action === 'buy' ? { notional: d.notional } : { quantity: d.quantity }),
      idempotencyKey: `exec:${s.epoch}:${n}:0`,
      expectedEdgeBps: d.expectedEdgeBps,
      rationale: d.rationale.slice(0, 2000),
      correlationId: corr,
    };
    const res = patched(ORDER_PORT_PATCH) ? await placeThroughPort(intent) : await acts.placeAgentOrder({ portfolioId, order: { ...intent, agent: 'execution-agent' } });
    return { nudge: n, at, correlationId: corr, action: d.action, symbol: d.symbol, rationale: d.rationale + note, expectedEdgeBps: d.expectedEdgeBps, source: 'policy', order: { ok: res.ok, summary: res.summary } };
  }

  async function decideWithModel(
    n: number,
    corr: string,
    points: MarketPoint[],
    portfolio: { equity: string; cash: string; quote: string; positions: { symbol: string; quantity: string; avgPrice: string; unrealizedPnl: string }[]; limits: { name: string; value: string }[]; costs?: TradingCosts },
  ): Promise<{ record: DecisionRecord | null; error: string | null }> {
    const promptId = `execution-${s.mode}` as const;
    const view = executionPromptView({ now: new Date().toISOString(), mode: s.mode, points, lastDecisionPrices: s.lastDecisionPrices, portfolio, constraints: s.constraints, recent: s.recent, ...(portfolio.costs ? { costs: portfolio.costs } : {}) });
    const prompt = await acts.renderAgentPrompt({ promptId, view });
    const messages: ChatMessage[] = [
      { role: 'system', content: prompt.text },
      { role: 'user', content: executionNudgeMessage(n) },
    ];
    let placed = false;
    let decision: ExecDecision | null = null;
    for (let step = 0; step < EXECUTION_MAX_MODEL_STEPS && !decision; step++) {
      const out = await llmActs.llmTurn({ agent: 'execution', turn: 'execution.nudge', traceId: corr, promptId, promptVersion: prompt.version, messages, tools: 'execution' });
      if (!out.ok) return { record: null, error: `${out.error.kind}: ${out.error.message}` };
      if (out.refusal) {
        decision = { action: 'hold', symbol: null, rationale: `model refused: ${out.refusal.slice(0, 300)}`, expectedEdgeBps: null, order: null };
        break;
      }
      messages.push({ role: 'assistant', content: out.content, ...(out.toolCalls.length ? { toolCalls: out.toolCalls } : {}) });
      if (out.toolCalls.length === 0) {
        decision = { action: 'hold', symbol: null, rationale: (out.content ?? 'no decision given').slice(0, 500), expectedEdgeBps: null, order: null };
        break;
      }
      for (const [i, call] of out.toolCalls.entries()) {
        const toolInput = {
          name: call.name,
          arguments: call.arguments,
          portfolioId,
          idempotencyKey: `exec:${s.epoch}:${n}:${step}${i}`,
          correlationId: corr,
          constraints: s.constraints,
          markets: points,
          orderAlreadyPlaced: placed,
        };
        const r = patched(ORDER_PORT_PATCH) ? await toolThroughPort(toolInput) : await acts.runExecutionTool(toolInput);
        messages.push({ role: 'tool', toolCallId: call.id, name: call.name, content: r.content });
        if (r.decision?.order) placed = true;
        if (r.decision && (!decision || r.decision.order)) decision = r.decision;
      }
    }
    const at = Date.parse(new Date().toISOString());
    if (!decision) decision = { action: 'hold', symbol: null, rationale: 'no decision within 5 model steps', expectedEdgeBps: null, order: null };
    return {
      record: {
        nudge: n,
        at,
        correlationId: corr,
        action: decision.action,
        symbol: decision.symbol,
        rationale: decision.rationale,
        expectedEdgeBps: decision.expectedEdgeBps,
        source: 'model',
        order: decision.order ? { ok: decision.order.ok, summary: decision.order.summary } : null,
      },
      error: null,
    };
  }
}

/** The most specific message in a failure chain (child failed -> activity failed -> the ledger's refusal). */
function innermost(err: unknown): string {
  let cur = err as { message?: string; cause?: unknown } | undefined;
  let msg = 'failed';
  for (let i = 0; cur && i < 8; i++) {
    if (cur.message && !/^(Child Workflow execution failed|Activity task failed|Workflow execution failed)$/.test(cur.message)) msg = cur.message;
    cur = cur.cause as typeof cur;
  }
  return msg.slice(0, 500);
}

function fail(message: string): never {
  throw ApplicationFailure.create({ message, type: 'InvalidInput', nonRetryable: true });
}
