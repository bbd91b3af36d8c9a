/** The stored and returned shape of a finished backtest (validated on the way out of every door). */
import { z } from 'zod';
import { Dec } from '../domain/decimal';
import { DecimalText, PerformanceMetricsSchema } from '../analytics/schema';
import { EXIT_REASONS } from './strategies/exits';
import { ExecutionMode } from '../agents/prompt-ids';

const num = z.number().nullable();

/** Why a fill happened or a round trip ended: the strategy's order, or a protective exit. */
export const ExitReasonSchema = z.enum(EXIT_REASONS);

/** Positions closed by each protective exit over the whole run. */
export const ExitCountsSchema = z.object({ stopLoss: z.number(), takeProfit: z.number(), trailingStop: z.number() });
export type ExitCounts = z.infer<typeof ExitCountsSchema>;

export const PerformanceSchema = PerformanceMetricsSchema;

/**
 * A risk value as results store it: a decimal string, or the number a result stored before risk
 * metrics were decimal strings holds, read as its shortest decimal.
 */
const storedRatio = z.union([z.string(), z.number().transform((n) => Dec.fromMeasured(n).toString())]).pipe(DecimalText);
const StoredTail = z.object({ var: storedRatio, cvar: storedRatio, varAmount: DecimalText, cvarAmount: DecimalText }).nullable();

/** The book's risk at the end of a run: VaR / CVaR, exposure, cash share and concentration (the values of RiskMetricsSchema, core/analytics/schema.ts). */
export const BacktestRiskSchema = z.object({ var95: StoredTail, var99: StoredTail, exposure: storedRatio.nullable(), cashShare: storedRatio.nullable(), herfindahl: storedRatio.nullable() });

/** The `agent` strategy's model use: decisions by outcome, cache, tokens and cost. */
export const ModelUsageSchema = z.object({
  model: z.string(),
  baseUrl: z.string().nullable(),
  mode: ExecutionMode,
  promptId: z.string(),
  promptVersion: z.number(),
  every: z.number(),
  decisions: z.number(),
  /** Model requests the decisions made (up to 5 steps each), answered by the model or the cache. */
  requests: z.number(),
  /** Requests this run sent to the model; the rest were cache hits. */
  calls: z.number(),
  cacheHits: z.number(),
  buys: z.number(),
  sells: z.number(),
  holds: z.number(),
  refusals: z.number(),
  /** Garbled tool calls (bad JSON, bad arguments, unknown tool): answered with the error, as live. */
  invalidCalls: z.number(),
  /** Decisions with no valid answer within the steps: no change. */
  invalidDecisions: z.number(),
  unfilledLimits: z.number(),
  rejected: z.number(),
  lastBarSkips: z.number(),
  promptTokens: z.number(),
  completionTokens: z.number(),
  /** Cost of every response used, cached or not (USD, exact decimal string). */
  costUsd: z.string(),
  spentPromptTokens: z.number(),
  spentCompletionTokens: z.number(),
  /** What this run paid: its own requests only. */
  spentCostUsd: z.string(),
  /** false: the model is not on the price list (a local model); costs read 0. */
  priced: z.boolean(),
});
export type ModelUsage = z.infer<typeof ModelUsageSchema>;

export const BacktestSummarySchema = z.object({
  id: z.string(),
  label: z.string().nullable(),
  strategy: z.string(),
  symbols: z.array(z.string()),
  timeframe: z.string(),
  status: z.enum(['running', 'completed', 'failed', 'cancelled']),
  createdAt: z.number(),
  finishedAt: z.number().nullable(),
  bars: z.number(),
  from: z.number().nullable(),
  to: z.number().nullable(),
  initialCash: z.string(),
  finalEquity: z.string().nullable(),
  totalReturn: num,
  maxDrawdown: num,
  sharpe: num,
  trades: z.number().nullable(),
  fills: z.number().nullable(),
  feesPaid: z.string().nullable(),
  error: z.string().nullable(),
  /** Model calls, cache hits and cost of an `agent` run (absent for other strategies). */
  model: z.object({ calls: z.number(), cacheHits: z.number(), decisions: z.number(), costUsd: z.string(), spentCostUsd: z.string() }).nullable().optional(),
  /** Positions closed by each protective exit (absent when the run set none). */
  exits: ExitCountsSchema.nullable().optional(),
});
export type BacktestSummary = z.infer<typeof BacktestSummarySchema>;

export const BacktestResultSchema = z.object({
  summary: BacktestSummarySchema,
  spec: z.record(z.string(), z.unknown()),
  performance: PerformanceSchema,
  risk: BacktestRiskSchema,
  /** Exact end state: cash, scraped profits, positions at the last closes, realised P&L. */
  final: z.object({
    cash: z.string(),
    scrapedProfits: z.string(),
    positionsValue: z.string(),
    equity: z.string(),
    realizedPnl: z.string(),
    unrealizedPnl: z.string(),
    feesPaid: z.string(),
    positions: z.array(z.object({ symbol: z.string(), quantity: z.string(), avgEntry: z.string(), mark: z.string().nullable(), marketValue: z.string() })),
  }),
  /** Max drawdown over every bar's close (the performance block's is over the sampled curve). */
  maxDrawdownAllBars: z.number(),
  equityCurve: z.array(z.object({ t: z.number(), equity: z.number(), exposure: z.number() })),
  drawdownCurve: z.array(z.object({ t: z.number(), drawdown: z.number() })),
  trades: z.array(
    z.object({
      symbol: z.string(),
      entryTime: z.number(),
      entryBar: z.number(),
      entryPrice: z.string(),
      quantity: z.string(),
      exitTime: z.number().nullable(),
      exitBar: z.number().nullable(),
      exitPrice: z.string().nullable(),
      pnl: z.string(),
      fees: z.string(),
      /** What closed it: the strategy (`signal`) or a protective exit; null while open (absent in results stored before exits). */
      exitReason: ExitReasonSchema.nullable().optional(),
    }),
  ),
  fills: z.array(
    z.object({
      id: z.string(),
      symbol: z.string(),
      side: z.enum(['buy', 'sell']),
      quantity: z.string(),
      price: z.string(),
      notional: z.string(),
      fee: z.string(),
      referencePrice: z.string(),
      slippageBps: z.number(),
      time: z.number(),
      signalTime: z.number(),
      bar: z.number(),
      realizedPnl: z.string(),
      scraped: z.string(),
      cashAfter: z.string(),
      /** The strategy's order (`signal`) or the protective exit that filled (absent in results stored before exits). */
      reason: ExitReasonSchema.optional(),
    }),
  ),
  fillsTotal: z.number(),
  /**
   * Round trips in the whole run. A result read through the verbs carries the most recent
   * RESULT_TRADES of them (and RESULT_FILLS fills): the rest page in with get_backtest_rows.
   */
  tradesTotal: z.number().optional(),
  days: z.array(
    z.object({ date: z.string(), openEquity: z.number(), closeEquity: z.number(), high: z.number(), low: z.number(), pnl: z.number(), returnPct: z.number(), fills: z.number(), fees: z.number(), blocked: z.number() }),
  ),
  blocked: z.array(z.object({ symbol: z.string(), side: z.enum(['buy', 'sell']), time: z.number(), rule: z.string(), reason: z.string(), notional: z.string().nullable() })),
  blockedByRule: z.record(z.string(), z.number()),
  data: z.array(z.object({ symbol: z.string(), files: z.array(z.string()), rows: z.number(), duplicates: z.number(), gaps: z.number(), sourceTimeframeMs: z.number(), bars: z.number() })),
  /** The `agent` strategy's model use (absent for other strategies). */
  model: ModelUsageSchema.nullable().optional(),
});
export type BacktestResult = z.infer<typeof BacktestResultSchema>;
export const BacktestTradeSchema = BacktestResultSchema.shape.trades.element;
export const BacktestFillSchema = BacktestResultSchema.shape.fills.element;

/** Rows of each list a result carries when read (payloads stay far below Temporal's 2 MB limit). */
export const RESULT_TRADES = 500;
export const RESULT_FILLS = 200;

/** A stored result as the verbs return it: the newest trades and fills, with the totals. */
export function capResult(r: BacktestResult): BacktestResult {
  return { ...r, trades: r.trades.slice(-RESULT_TRADES), tradesTotal: r.trades.length, fills: r.fills.slice(-RESULT_FILLS) };
}
