/**
 * Backtest verbs: each run is a Temporal workflow (chunks of engine steps as activities, progress
 * queryable, cancellable); results are read back through a short read workflow over the host's
 * `backtests.sqlite`, so the UI, CLI and MCP share one path.
 */
import { z } from 'zod';
import { ACTION, READ, WRITE_IDEMPOTENT, verb } from '../api/define';
import { BacktestFillSchema, BacktestResultSchema, BacktestSummarySchema, BacktestTradeSchema, PerformanceSchema, RESULT_FILLS, RESULT_TRADES } from './result';
import { BacktestSpecSchema } from './spec';
import { StrategyInfoSchema } from './strategies/catalog';

const Id = z.string().regex(/^bt_[A-Za-z0-9]{6,40}$/, 'a backtest id looks like bt_3f9a0c1d2e4b');

export const BacktestProgressSchema = z.object({
  stepsDone: z.number(),
  totalSteps: z.number(),
  barsDone: z.number(),
  totalBars: z.number(),
});
export type BacktestProgress = z.infer<typeof BacktestProgressSchema>;

export const backtestEvents = {
  /** Progress of a running backtest (after each slice of bars) and its end. */
  'backtest.progress': z.object({
    id: z.string(),
    status: z.enum(['running', 'completed', 'failed', 'cancelled']),
    barsDone: z.number(),
    totalBars: z.number(),
    stepsDone: z.number(),
    totalSteps: z.number(),
  }),
};

export const backtestApi = {
  list_backtest_strategies: verb({
    description: 'The strategies run_backtest accepts, each with its parameters (type, default, bounds, choices) as its params field takes them.',
    input: z.object({}).strict(),
    output: z.object({ strategies: z.array(StrategyInfoSchema) }),
    annotations: READ,
    temporal: 'none',
    mcp: true,
  }),
  run_backtest: verb({
    description:
      'Start a backtest of a strategy (policy, buy_and_hold, sma_cross, rsi_reversion, breakout, or agent: the execution agent with its configured model every params.every bars, rate-limited by params.rpm, within params.maxCalls / params.maxCostUsd, answers cached by request so a rerun is free) over recorded candles, with the paper ledger’s fills, fees, risk limits and profit scraping. Every strategy also takes protective exits as fractions of the entry price: params.stopLossPct (0.02 = 2%), params.stopLimitPct (the stop as a stop-limit, its limit that far under the stop), params.takeProfitPct, params.trailingPct — placed after each entry fill and judged from the next bar with the paper book’s stop and take-profit code. Returns the id at once; poll get_backtest_result for progress.',
    input: BacktestSpecSchema,
    output: z.object({ id: z.string(), workflowId: z.string(), totalBars: z.number() }),
    annotations: ACTION,
    temporal: 'workflow',
    mcp: true,
  }),
  get_backtest_result: verb({
    description: `Status, progress (bars done / total) and, once finished, the result of a backtest: equity and drawdown curves, per-day reports, analytics, blocked orders by reason, the newest ${RESULT_TRADES} round trips and ${RESULT_FILLS} fills (tradesTotal / fillsTotal count them all; get_backtest_rows pages through the rest), and for the agent strategy its model calls, cache hits, tokens and cost.`,
    input: z.object({ id: Id, full: z.boolean().default(true) }).strict(),
    output: z.object({
      id: z.string(),
      status: z.enum(['running', 'completed', 'failed', 'cancelled']),
      progress: BacktestProgressSchema,
      summary: BacktestSummarySchema,
      result: BacktestResultSchema.nullable(),
    }),
    annotations: READ,
    temporal: 'query',
    mcp: true,
  }),
  get_backtest_rows: verb({
    description: 'Page through a finished backtest\'s round trips or fills, oldest first (offset/limit), with the total.',
    input: z.object({ id: Id, list: z.enum(['trades', 'fills']), offset: z.number().int().min(0).default(0), limit: z.number().int().min(1).max(2000).default(500) }).strict(),
    output: z.object({ id: z.string(), list: z.enum(['trades', 'fills']), total: z.number(), offset: z.number(), trades: z.array(BacktestTradeSchema).optional(), fills: z.array(BacktestFillSchema).optional() }),
    annotations: READ,
    temporal: 'query',
    mcp: true,
  }),
  list_backtests: verb({
    description: 'Backtests run so far, newest first, with their headline numbers.',
    input: z.object({ limit: z.number().int().min(1).max(1000).default(100) }).strict(),
    output: z.object({ backtests: z.array(BacktestSummarySchema) }),
    annotations: READ,
    temporal: 'workflow',
    mcp: true,
  }),
  compare_backtests: verb({
    description: 'Side-by-side performance of several backtests (return, drawdown, Sharpe, Sortino, win rate, profit factor, fees, blocked orders).',
    input: z.object({ ids: z.array(Id).min(2).max(20) }).strict(),
    output: z.object({
      rows: z.array(z.object({ id: z.string(), summary: BacktestSummarySchema, performance: PerformanceSchema.nullable(), blockedByRule: z.record(z.string(), z.number()) })),
    }),
    annotations: READ,
    temporal: 'workflow',
    mcp: true,
  }),
  cancel_backtest: verb({
    description: 'Cancel a running backtest; the partial run is kept as cancelled.',
    input: z.object({ id: Id }).strict(),
    output: z.object({ id: z.string(), cancelled: z.boolean(), status: z.string() }),
    annotations: WRITE_IDEMPOTENT,
    temporal: 'signal',
    mcp: true,
  }),
};
