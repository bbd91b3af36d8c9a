/**
 * Paper trading verbs: orders into the paper book workflow (Temporal updates), portfolio,
 * history and analytics out of it (queries). The MCP tool names are these verb names.
 */
import { z } from 'zod';
import { READ, WRITE, WRITE_IDEMPOTENT, verb } from '../api/define';
import { GuardRuleSchema } from '../orders/guard';
import { PROTECTION_RULES, ProtectionsSchema } from '../risk/protections';
import { BracketSchema, OrderAgent, OrderTypeSchema, PlaceOrderFields, refineOrder } from '../trading/orders';
import { CONDITIONAL_KINDS } from '../trading/conditional';
import { CancelOrderSchema, FeeRateSchema as FeeRate, PaperRiskSchema, PreferencesPatchSchema, PreferencesSchema, TransactionFilterSchema } from './book';
import { PerformanceMetricsSchema } from '../analytics/schema';

export const FeeSettingSchema = z.object({
  taker: z.string(),
  maker: z.string(),
  source: z.enum(['default', 'manual', 'coinbase']),
  /** The exchange's name for the tier, when the rates came from it. */
  pricingTier: z.string().nullable(),
  /** When the rates were set (ms; 0: the defaults the book started with). */
  at: z.number(),
});

const dec = z.string();
const side = z.enum(['buy', 'sell']);
/** The order port's rules (kill switch, risk limits, cost gate), then what only the paper book refuses. */
const blockRule = z.enum([
  ...GuardRuleSchema.options,
  'no_price',
  'invalid_size',
  'below_minimum',
  'invalid_price',
  'insufficient_funds',
]);

const orderMeta = {
  agent: OrderAgent,
  correlationId: z.string(),
  idempotencyKey: z.string(),
  expectedEdgeBps: z.number().nullable(),
  rationale: z.string().nullable(),
};

export const FillRecordSchema = z.object({
  id: z.string(),
  orderId: z.string(),
  symbol: z.string(),
  side,
  quantity: dec,
  price: dec,
  notional: dec,
  fee: dec,
  liquidity: z.enum(['taker', 'maker']),
  referencePrice: dec,
  slippageBps: z.number(),
  time: z.number(),
  realizedPnl: dec,
  scraped: dec,
  cashAfter: dec,
  ...orderMeta,
});

export const BlockedOrderSchema = z.object({
  orderId: z.string(),
  symbol: z.string(),
  side,
  type: OrderTypeSchema,
  quantity: dec.nullable(),
  notional: dec.nullable(),
  limitPrice: dec.nullable(),
  rule: blockRule,
  reason: z.string(),
  at: z.number(),
  ...orderMeta,
});

export const OrderResultSchema = z.object({
  orderId: z.string(),
  idempotencyKey: z.string(),
  status: z.enum(['filled', 'open', 'rejected', 'cancelled']),
  symbol: z.string(),
  side,
  type: OrderTypeSchema,
  fill: z
    .object({ price: dec, quantity: dec, notional: dec, fee: dec, liquidity: z.enum(['taker', 'maker']), realizedPnl: dec, scraped: dec })
    .nullable(),
  rule: blockRule.nullable(),
  reason: z.string().nullable(),
  duplicate: z.boolean(),
});

const PositionSchema = z.object({
  symbol: z.string(),
  quantity: dec,
  avgEntry: dec,
  costBasis: dec,
  mark: dec.nullable(),
  marketValue: dec,
  unrealizedPnl: dec,
  realizedPnl: dec,
  feesPaid: dec,
});

const OpenOrderSchema = z.object({
  orderId: z.string(),
  symbol: z.string(),
  side,
  quantity: dec,
  /** Empty for a stop or a trailing stop. */
  limitPrice: z.string(),
  placedAt: z.number(),
  afterBatch: z.number(),
  /** Absent: a plain limit order. */
  kind: z.enum(['limit', ...CONDITIONAL_KINDS]).optional(),
  stopPrice: dec.nullable().optional(),
  trail: z.union([z.object({ pct: dec }), z.object({ amount: dec })]).nullable().optional(),
  extreme: dec.nullable().optional(),
  triggered: z.boolean().optional(),
  /** The bracket (the entry's order id) this leg belongs to: one fill cancels the other legs. */
  oco: z.string().nullable().optional(),
  bracket: BracketSchema.nullable().optional(),
  ...orderMeta,
});

export const PortfolioStatusSchema = z.object({
  workflowId: z.string(),
  valuation: z.object({
    cash: dec,
    scrapedProfits: dec,
    positionsValue: dec,
    tradingEquity: dec,
    equity: dec,
    unrealizedPnl: dec,
    realizedPnl: dec,
    feesPaid: dec,
    positions: z.array(PositionSchema),
  }),
  initialCash: dec,
  quoteCurrency: z.string(),
  marks: z.record(z.string(), z.object({ price: dec, time: z.number() })),
  openOrders: z.array(OpenOrderSchema),
  recentBlocked: z.array(BlockedOrderSchema),
  preferences: PreferencesSchema,
  today: z.object({ orders: z.number(), pnl: dec }),
  counts: z.object({ fills: z.number(), blocked: z.number(), closedTrades: z.number() }),
  /** Fee rates fills are charged with and where they come from, and the spread estimate (bps) per marked symbol. */
  fees: FeeSettingSchema,
  spreadBps: z.record(z.string(), dec),
  /** Protections: on for this book, their settings, the locks in force (symbol null: every entry). */
  protections: z.object({
    on: z.boolean(),
    settings: ProtectionsSchema,
    locks: z.array(z.object({ symbol: z.string().nullable(), rule: z.enum(PROTECTION_RULES), until: z.number(), reason: z.string() })),
  }),
});

export { PerformanceMetricsSchema };

/**
 * What a caller sends. Who placed it is not an input: the handler takes it from the door (an MCP
 * client naming itself the execution agent is refused like any unknown key). The correlation id
 * defaults to the call's.
 */
export const PlaceMockOrderInput = PlaceOrderFields.omit({ agent: true }).extend({ correlationId: z.string().min(1).max(128).optional() }).superRefine(refineOrder);

export const paperApi = {
  place_mock_order: verb({
    description:
      'Place a paper order (market or limit, buy or sell, quantity in base units or notional in quote currency) in the execution ledger. Same idempotencyKey returns the first result; risk-limit rejections come back with status "rejected" and the reason.',
    input: PlaceMockOrderInput,
    output: OrderResultSchema,
    annotations: WRITE_IDEMPOTENT,
    temporal: 'update',
    mcp: true,
  }),
  cancel_order: verb({
    description: 'Cancel a resting paper limit order by orderId or idempotencyKey.',
    input: CancelOrderSchema,
    output: z.object({ orderId: z.string(), cancelled: z.boolean(), reason: z.string().nullable() }),
    annotations: WRITE,
    temporal: 'update',
    mcp: true,
  }),
  get_portfolio_status: verb({
    description: 'Cash, positions with average entry and unrealised P&L, scraped profits, fees, open orders, recent blocked orders and preferences.',
    input: z.object({}).strict(),
    output: PortfolioStatusSchema,
    annotations: READ,
    temporal: 'query',
    mcp: true,
  }),
  get_transaction_history: verb({
    description: 'Paper fills, newest first, filtered by symbol, side, time range (epoch ms), agent and limit.',
    input: TransactionFilterSchema,
    output: z.object({ transactions: z.array(FillRecordSchema) }),
    annotations: READ,
    temporal: 'query',
    mcp: true,
  }),
  get_performance_metrics: verb({
    description: 'Return, annualised return, Sharpe and Sortino (annualised for 24x7 markets), max drawdown and duration, win rate, profit factor, average win/loss, exposure and fees.',
    input: z.object({}).strict(),
    output: PerformanceMetricsSchema,
    annotations: READ,
    temporal: 'query',
    mcp: true,
  }),
  get_equity_history: verb({
    description: 'The paper portfolio\'s equity over time, sampled at bar closes (equity and the market value of positions), oldest first; thinned evenly as it grows, so it spans the whole life of the portfolio.',
    input: z.object({ since: z.number().int().min(0).optional().describe('only points at or after this time (ms since epoch)') }).strict(),
    output: z.object({ initialCash: dec, points: z.array(z.object({ t: z.number(), equity: dec, exposure: dec })) }),
    annotations: READ,
    temporal: 'query',
    mcp: true,
  }),
  get_risk_metrics: verb({
    description: 'Concentration per symbol, exposure, cash share, leverage, historical VaR/CVaR, and the risk limits with today\'s usage.',
    input: z.object({}).strict(),
    output: PaperRiskSchema,
    annotations: READ,
    temporal: 'query',
    mcp: true,
  }),
  set_user_preferences: verb({
    description: 'Change the profit scrape share (0..1), risk limits (null turns a limit off), the kill switch or real-ledger routing.',
    input: PreferencesPatchSchema,
    output: PreferencesSchema,
    annotations: WRITE_IDEMPOTENT,
    temporal: 'update',
    mcp: true,
  }),
  set_paper_fees: verb({
    description:
      'Set the fee rates later paper fills are charged with: rates by hand ({taker, maker} as fractions, "0.006" for 0.60%), the account\'s Coinbase fee tier ({source: "coinbase"}, needs a Coinbase key), or the entry-tier defaults ({source: "default"}). Fills already booked keep their fees.',
    input: z.union([
      z.object({ taker: FeeRate, maker: FeeRate }).strict(),
      z.object({ source: z.enum(['coinbase', 'default']) }).strict(),
    ]),
    output: FeeSettingSchema,
    annotations: WRITE_IDEMPOTENT,
    temporal: 'update',
    // Not an MCP or broker tool: an agent that could lower its own costs would flatter the
    // scores the judge reads from this book.
    mcp: false,
  }),
  get_user_preferences: verb({
    description: 'Current profit scrape share, risk limits, kill switch and real-ledger routing.',
    input: z.object({}).strict(),
    output: PreferencesSchema,
    annotations: READ,
    temporal: 'query',
    mcp: true,
  }),
  set_kill_switch: verb({
    description: 'Turn the kill switch on (pause all new orders; positions stay) or off.',
    input: z.object({ on: z.boolean() }).strict(),
    output: PreferencesSchema,
    annotations: WRITE_IDEMPOTENT,
    temporal: 'update',
    mcp: true,
  }),
};

export const paperEvents = {
  'trading.fill': z.object({ portfolioId: z.string(), fill: FillRecordSchema }),
  'trading.blocked': z.object({ portfolioId: z.string(), order: BlockedOrderSchema }),
  'trading.cancelled': z.object({ portfolioId: z.string(), orderId: z.string(), symbol: z.string(), reason: z.string() }),
};
