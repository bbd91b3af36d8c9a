/**
 * What the execution agent's prompt is rendered from: the mustache view of one nudge and the
 * nudge's user message. The live workflow (core/agents/execution-agent.workflow.ts) and the backtest's
 * `agent` strategy (core/backtest/model-driver.ts) both build their prompts here, so a backtest
 * asks the model exactly what the live agent would have asked at that moment.
 *
 * Pure and deterministic (the caller supplies the time): safe to import from workflows.
 */
import { Dec } from '../domain/decimal';
import { PRODUCT_RE } from '../domain/product';
import { COINBASE_ENTRY_TIER } from '../trading/fees';
import type { AgentConstraints, MarketPoint } from './policy';
import type { ExecutionMode } from './prompt-ids';
import { roundTripBps, type TradingCosts } from './costs';

/** Model steps per nudge (each a model call; tool results go back to the model in between). */
export const EXECUTION_MAX_MODEL_STEPS = 5;

export interface ExecutionPortfolioView {
  equity: string;
  cash: string;
  quote: string;
  positions: { symbol: string; quantity: string; avgPrice: string; unrealizedPnl: string }[];
  limits: { name: string; value: string }[];
}

export interface ExecutionRecentDecision {
  at: number;
  action: 'buy' | 'sell' | 'hold' | 'skip';
  symbol: string | null;
  rationale: string;
}

export interface ExecutionViewInput {
  /** ISO time of the nudge. */
  now: string;
  mode: ExecutionMode;
  points: MarketPoint[];
  /** Prices at the last decision, per symbol (for "% since last decision"). */
  lastDecisionPrices: Record<string, string>;
  portfolio: ExecutionPortfolioView;
  constraints: AgentConstraints;
  /** Decisions so far, oldest first (skips are left out; the last 5 are shown). */
  recent: readonly ExecutionRecentDecision[];
  /** The ledger's fees and spreads (absent in older recorded reads: the paper defaults). */
  costs?: TradingCosts;
}

export function executionPromptView(i: ExecutionViewInput): Record<string, unknown> {
  const fees = i.costs?.fees ?? COINBASE_ENTRY_TIER;
  const trips = i.points.map((p) => roundTripBps(i.costs, p.symbol));
  return {
    now: i.now,
    mode: i.mode,
    costs: {
      takerPct: Dec.of(fees.taker).mul('100').toString(),
      makerPct: Dec.of(fees.maker).mul('100').toString(),
      // The dearest market shown (a fee-only figure when none is).
      roundTripBps: trips.length ? Math.max(...trips) : Math.round(2 * Number(fees.taker) * 10_000),
    },
    markets: i.points.map((p, k) => ({
      symbol: p.symbol,
      roundTripBps: trips[k],
      price: p.price,
      changePct: i.lastDecisionPrices[p.symbol] ? (((Number(p.price) - Number(i.lastDecisionPrices[p.symbol])) / Number(i.lastDecisionPrices[p.symbol])) * 100).toFixed(3) : 'n/a',
      features: Object.entries(p.features ?? {}).map(([name, value]) => ({ name, value: Number(value.toPrecision(6)) })),
    })),
    portfolio: i.portfolio,
    limits: i.portfolio.limits,
    constraints: Object.keys(i.constraints).length ? JSON.stringify(i.constraints) : null,
    recentDecisions: i.recent
      .filter((r) => r.action !== 'skip')
      .slice(-5)
      .map((r) => ({ at: new Date(r.at).toISOString(), action: r.action, symbol: r.symbol && PRODUCT_RE.test(r.symbol) ? r.symbol : '', rationale: quoteAsData(r.rationale) })),
  };
}


/**
 * Free text that reaches a prompt (a model's earlier rationale, exchange or user text): one line,
 * bounded, in JSON quotes, so the prompt shows it as a quoted value rather than as instructions.
 */
export function quoteAsData(text: string, max = 200): string {
  const line = String(text)
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ')
    .trim();
  return JSON.stringify(line.length > max ? `${line.slice(0, max)}…` : line);
}

/** The user message that asks for the decision of nudge `n`. */
export function executionNudgeMessage(n: number): string {
  return `Nudge ${n}: decide now with the tools (place_order or hold).`;
}
