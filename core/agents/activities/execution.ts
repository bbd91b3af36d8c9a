/**
 * The execution agent's activities: how it reads the market and the portfolio (typed queries on
 * the market stream and the paper book), its tools, and its door into the order port.
 *
 * Orders: the workflow decides, `executionToolStep` checks a model's `place_order` arguments (the
 * tool's schema, then the judge's constraints) and hands back an order intent, and `agentOrder`
 * routes it (core/orders/agent-orders.ts): the paper book's typed update as the `execution-agent`
 * door, or a production ledger order the workflow runs as its child. Nothing here places an order
 * the port has not guarded.
 */
import { Dec } from '../../domain/decimal';
import { WORKFLOW_IDS } from '../../domain/ids';
import type { AgentConstraints, MarketPoint } from '../policy';
import { parseSnapshot, portfolioView, type MarketRead, type PortfolioView } from '../market-view';
import { EXECUTION_TOOLS, HoldArgs, parseArgs, percentToFraction, PlaceOrderArgs, ReadFeaturesArgs } from '../tools';
import { AgentOrderIntentSchema, routeAgentOrder, type AgentOrderIntent, type AgentOrderStep, type OrderAttempt } from '../../orders/agent-orders';
import { ledgerOrderWorkflow } from '../../ledger/ledger-ops.workflow';
import { marketSnapshotQuery } from '../../market/market-stream.workflow';
import { portfolioStatusQuery } from '../../paper/paper-book.workflow';
import type { ActivityDeps } from '../../activities/deps';
import type { AgentShared } from './shared';

export { EXECUTION_TOOLS };

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

export type ExecDecision = { action: 'buy' | 'sell' | 'hold'; symbol: string | null; rationale: string; expectedEdgeBps: number | null; order: OrderAttempt | null };

export interface ExecToolResult {
  content: string;
  decision: ExecDecision | null;
}

/** A tool call checked: its answer to the model, or an order for the workflow to place through the port. */
export type ExecToolStep = { kind: 'answer'; content: string; decision: ExecDecision | null } | { kind: 'order'; intent: AgentOrderIntent };

export function createExecutionActivities(deps: ActivityDeps, sh: AgentShared) {
  const portDeps = () => ({ client: sh.client(), enabledByConfig: deps.config.ENABLE_REAL_LEDGER, ledger: deps.ledger });

  async function readPortfolio(portfolioId: string): Promise<PortfolioView> {
    return portfolioView(await sh.client().workflow.getHandle(WORKFLOW_IDS.paperBook(portfolioId)).query(portfolioStatusQuery));
  }

  /** The model's arguments checked as strictly as any door's input, then against the judge's constraints. */
  function checkTool(input: ExecToolInput): ExecToolStep {
    const answer = (content: unknown, decision: ExecDecision | null = null): ExecToolStep => ({ kind: 'answer', content: JSON.stringify(content), decision });
    switch (input.name) {
      case 'hold': {
        const a = parseArgs(HoldArgs, input.arguments);
        if (!a.ok) return answer({ error: a.error });
        return answer({ ok: true, logged: 'hold' }, { action: 'hold', symbol: a.value.symbol ?? null, rationale: a.value.rationale, expectedEdgeBps: null, order: null });
      }
      case 'place_order': {
        if (input.orderAlreadyPlaced) return answer({ error: 'one order per nudge: already placed one' });
        const a = parseArgs(PlaceOrderArgs, input.arguments);
        if (!a.ok) return answer({ error: `invalid place_order arguments: ${a.error}` });
        const o = a.value;
        const c = input.constraints;
        if (o.side === 'buy' && c.blockedSymbols?.includes(o.symbol)) return answer({ error: `${o.symbol} is blocked by the judge's constraints` });
        if (c.minExpectedEdgeBps !== undefined && o.expected_edge_bps < c.minExpectedEdgeBps && o.side === 'buy') {
          return answer({ error: `expected edge ${o.expected_edge_bps} bps is below the required ${c.minExpectedEdgeBps} bps` });
        }
        if (c.maxOrderNotional) {
          const price = input.markets.find((m) => m.symbol === o.symbol)?.price ?? o.limit_price;
          const est = o.notional ? Dec.of(o.notional) : price ? Dec.of(o.quantity!).mul(price) : null;
          if (est && est.gt(c.maxOrderNotional)) return answer({ error: `order value ${est.round(2).toString()} exceeds the agent's max order ${c.maxOrderNotional}` });
        }
        return {
          kind: 'order',
          intent: {
            symbol: o.symbol,
            side: o.side,
            type: o.limit_price ? 'limit' : 'market',
            ...(o.quantity ? { quantity: o.quantity } : { notional: o.notional! }),
            ...(o.limit_price ? { limitPrice: o.limit_price } : {}),
            idempotencyKey: input.idempotencyKey,
            expectedEdgeBps: o.expected_edge_bps,
            rationale: o.rationale,
            correlationId: input.correlationId,
            ...(o.stop_loss_pct !== undefined || o.take_profit_pct !== undefined
              ? { exits: { ...(o.stop_loss_pct !== undefined ? { stopPct: percentToFraction(o.stop_loss_pct) } : {}), ...(o.take_profit_pct !== undefined ? { takeProfitPct: percentToFraction(o.take_profit_pct) } : {}) } }
              : {}),
          },
        };
      }
      default:
        return answer({ error: `unknown tool ${input.name}; use read_features, read_portfolio, place_order or hold` });
    }
  }

  /** Routes an intent; a production order is started here only on the legacy path (see below). */
  async function placeLegacy(portfolioId: string, intent: AgentOrderIntent): Promise<OrderAttempt> {
    const step = await routeAgentOrder(portDeps(), portfolioId, intent);
    if (step.kind === 'placed') return step.attempt;
    const handle = await sh.client().workflow.start(ledgerOrderWorkflow, {
      taskQueue: deps.config.VIGIL_TASK_QUEUE,
      workflowId: step.workflowId,
      args: [{ order: step.order, placedBy: 'execution-agent' }],
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    const msg = `real ledger: ${step.order.side} ${step.order.product} handed to ${handle.workflowId}, which guards, sends and tracks it`;
    return { ok: true, ledger: 'production', summary: msg, result: null, error: null };
  }

  /** One tool call of the model: reads answered here, an order handed back as an intent for the port. */
  async function toolStep(input: ExecToolInput): Promise<ExecToolStep> {
    if (input.name === 'read_features') {
      const a = parseArgs(ReadFeaturesArgs, input.arguments);
      if (!a.ok) return { kind: 'answer', content: JSON.stringify({ error: a.error }), decision: null };
      const pts = a.value.symbol ? input.markets.filter((m) => m.symbol === a.value.symbol) : input.markets;
      return { kind: 'answer', content: JSON.stringify({ markets: pts }), decision: null };
    }
    if (input.name === 'read_portfolio') {
      try {
        return { kind: 'answer', content: JSON.stringify(await readPortfolio(input.portfolioId)), decision: null };
      } catch (err) {
        return { kind: 'answer', content: JSON.stringify({ error: `portfolio unavailable: ${(err as Error).message}` }), decision: null };
      }
    }
    return checkTool(input);
  }

  return {
    async readMarketForAgent(input: { portfolioId: string; symbols?: string[] }): Promise<MarketRead> {
      // Staleness on the market's own clock: a simulated market may run faster than the wall clock.
      const now = deps.market?.marketNow?.() ?? Date.now();
      let points: MarketPoint[] = [];
      let source: MarketRead['source'] = 'none';
      let error: string | null = null;
      try {
        points = parseSnapshot(await sh.client().workflow.getHandle(WORKFLOW_IDS.marketStream).query(marketSnapshotQuery));
        if (points.length) source = 'market-stream';
      } catch (err) {
        error = `market stream: ${(err as Error).message}`;
      }
      if (points.length === 0) {
        // Without a stream, the book's marks (the last bar closes it was sent) still let the policy work.
        try {
          const st = await sh.client().workflow.getHandle(WORKFLOW_IDS.paperBook(input.portfolioId)).query(portfolioStatusQuery);
          points = parseSnapshot(st.marks);
          if (points.length) source = 'ledger-marks';
        } catch (err) {
          error = `${error ? `${error}; ` : ''}ledger: ${(err as Error).message}`;
        }
      }
      if (input.symbols?.length) points = points.filter((p) => input.symbols!.includes(p.symbol));
      if (points.length === 0) return { ok: false, source: 'none', points, asOf: null, staleSeconds: null, readAt: now, error: error ?? 'no prices yet' };
      const asOf = Math.max(...points.map((p) => p.time));
      const oldest = Math.min(...points.map((p) => p.time));
      return { ok: true, source, points, asOf, staleSeconds: Math.max(0, (now - oldest) / 1000), readAt: now, error: null };
    },

    async readPortfolioForAgent(input: { portfolioId: string }): Promise<(PortfolioView & { ok: true }) | { ok: false; error: string }> {
      try {
        return { ok: true, ...(await readPortfolio(input.portfolioId)) };
      } catch (err) {
        return { ok: false, error: (err as Error).message };
      }
    },

    executionToolStep: toolStep,

    /**
     * The port's routing step for one agent order: placed on paper (through dispatch, as the
     * `execution-agent` door) or refused, or a production ledger order for the workflow to run as
     * its child.
     */
    async agentOrder(input: { portfolioId: string; order: AgentOrderIntent }): Promise<AgentOrderStep> {
      return routeAgentOrder(portDeps(), input.portfolioId, AgentOrderIntentSchema.parse(input.order));
    },

    /**
     * Legacy: a tool call scheduled by an execution agent from before the order port's child
     * workflows (still finishing after an upgrade). It goes through the same port; a production
     * order is handed to its own ledger order workflow instead of being awaited here.
     */
    async runExecutionTool(input: ExecToolInput): Promise<ExecToolResult> {
      const step = await toolStep(input);
      if (step.kind === 'answer') return { content: step.content, decision: step.decision };
      const attempt = await placeLegacy(input.portfolioId, step.intent);
      return {
        content: JSON.stringify(attempt.result ?? { error: attempt.error, summary: attempt.summary }),
        decision: { action: step.intent.side, symbol: step.intent.symbol, rationale: step.intent.rationale, expectedEdgeBps: step.intent.expectedEdgeBps, order: attempt },
      };
    },

    /** Legacy: a policy order scheduled by an execution agent from before the order port (see runExecutionTool). */
    async placeAgentOrder(input: { portfolioId: string; order: Record<string, unknown> }): Promise<OrderAttempt> {
      const { agent: _agent, ...rest } = input.order;
      const parsed = AgentOrderIntentSchema.safeParse(rest);
      if (!parsed.success) return { ok: false, ledger: 'paper', summary: `order refused: ${parsed.error.issues[0]?.message ?? 'invalid order'}`, result: null, error: 'invalid order' };
      return placeLegacy(input.portfolioId, parsed.data);
    },
  };
}

