/**
 * The production ledger's tables. Money is stored as canonical decimal strings (TEXT) and, where
 * the database itself must add amounts up (the balance check on every journal entry), also as
 * INTEGER units at the currency's precision: integer sums are exact, REAL sums are not.
 *
 * Triggers the schema builder cannot express (append-only postings, the per-currency balance
 * check when an entry is sealed) live in a hand-written migration in drizzle/.
 */
import { sql } from 'drizzle-orm';
import { check, index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

export const currencies = sqliteTable(
  'currencies',
  {
    code: text('code').primaryKey(),
    /** Decimal places the ledger keeps for this currency; amounts finer than this are refused. */
    precision: integer('precision').notNull(),
  },
  (t) => [check('currencies_precision', sql`${t.precision} BETWEEN 0 AND 12`)],
);

/**
 * Every account that postings touch. `funding` and `trading` are the user's real wallets (per
 * exchange account); `equity`, `fees` and `market` are the counter-accounts that keep every entry
 * balanced (opening balances and reconcile corrections, fees paid, the other side of trades).
 */
export const wallets = sqliteTable(
  'wallets',
  {
    id: text('id').primaryKey(),
    exchange: text('exchange').notNull(),
    /** The exchange-side account (portfolio uuid for Coinbase). */
    exchangeAccount: text('exchange_account').notNull(),
    kind: text('kind', { enum: ['funding', 'trading', 'equity', 'fees', 'market'] }).notNull(),
    name: text('name').notNull(),
    /** Share of the available balance agents may use: 0 (default) means nothing is tradeable. */
    tradeableFraction: text('tradeable_fraction').notNull().default('0'),
    createdAt: text('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('wallets_account_kind').on(t.exchange, t.exchangeAccount, t.kind),
    check('wallets_kind', sql`${t.kind} IN ('funding','trading','equity','fees','market')`),
  ],
);

export const journalEntries = sqliteTable(
  'journal_entries',
  {
    id: text('id').primaryKey(),
    kind: text('kind').notNull(),
    memo: text('memo').notNull(),
    at: text('at').notNull(),
    /** Open while postings are written; sealing runs the balance check trigger. */
    sealed: integer('sealed').notNull().default(0),
    correlationId: text('correlation_id'),
    /** What caused it (order id, fill id, reconcile correction id): unique per kind to refuse replays. */
    sourceRef: text('source_ref'),
  },
  (t) => [uniqueIndex('journal_entries_source').on(t.kind, t.sourceRef), index('journal_entries_at').on(t.at)],
);

export const postings = sqliteTable(
  'postings',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    entryId: text('entry_id')
      .notNull()
      .references(() => journalEntries.id),
    walletId: text('wallet_id')
      .notNull()
      .references(() => wallets.id),
    currency: text('currency')
      .notNull()
      .references(() => currencies.code),
    amount: text('amount').notNull(),
    units: integer('units').notNull(),
  },
  (t) => [index('postings_entry').on(t.entryId), index('postings_wallet_currency').on(t.walletId, t.currency)],
);

/** Projection of postings; `rebuildBalances` recomputes it and `verifyBalances` proves it. */
export const balances = sqliteTable(
  'balances',
  {
    walletId: text('wallet_id')
      .notNull()
      .references(() => wallets.id),
    currency: text('currency')
      .notNull()
      .references(() => currencies.code),
    amount: text('amount').notNull(),
    units: integer('units').notNull(),
  },
  (t) => [uniqueIndex('balances_pk').on(t.walletId, t.currency)],
);

export const reservations = sqliteTable(
  'reservations',
  {
    id: text('id').primaryKey(),
    walletId: text('wallet_id')
      .notNull()
      .references(() => wallets.id),
    currency: text('currency')
      .notNull()
      .references(() => currencies.code),
    amount: text('amount').notNull(),
    units: integer('units').notNull(),
    consumed: text('consumed').notNull().default('0'),
    status: text('status', { enum: ['active', 'consumed', 'released', 'expired'] }).notNull(),
    purpose: text('purpose').notNull(),
    createdAt: text('created_at').notNull(),
    expiresAt: text('expires_at').notNull(),
    closedAt: text('closed_at'),
    correlationId: text('correlation_id'),
  },
  (t) => [
    index('reservations_wallet_status').on(t.walletId, t.currency, t.status),
    check('reservations_status', sql`${t.status} IN ('active','consumed','released','expired')`),
    check('reservations_units_not_negative', sql`${t.units} >= 0`),
  ],
);

export const orders = sqliteTable(
  'orders',
  {
    id: text('id').primaryKey(),
    /** The idempotency key; sent to the exchange as client_order_id. */
    clientOrderId: text('client_order_id').notNull(),
    exchangeOrderId: text('exchange_order_id'),
    walletId: text('wallet_id')
      .notNull()
      .references(() => wallets.id),
    product: text('product').notNull(),
    side: text('side', { enum: ['BUY', 'SELL'] }).notNull(),
    orderType: text('order_type', { enum: ['market', 'limit', 'stop_limit', 'bracket'] }).notNull(),
    baseSize: text('base_size'),
    quoteSize: text('quote_size'),
    limitPrice: text('limit_price'),
    postOnly: integer('post_only').notNull().default(0),
    mode: text('mode', { enum: ['dry_run', 'live'] }).notNull(),
    status: text('status', {
      enum: ['dry_run', 'blocked', 'submitting', 'open', 'filled', 'cancelled', 'rejected', 'failed'],
    }).notNull(),
    reason: text('reason'),
    filledBase: text('filled_base').notNull().default('0'),
    reservationId: text('reservation_id').references(() => reservations.id),
    costEstimateId: text('cost_estimate_id'),
    previewJson: text('preview_json'),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
    correlationId: text('correlation_id'),
    /** Who placed it, set by the door it came through (user, cli, mcp, broker, execution-agent). */
    placedBy: text('placed_by'),
    /** The rule that refused a blocked order: kill_switch, a risk limit, or cost_gate. */
    blockRule: text('block_rule'),
    /** When the order was first handed to the exchange (before its answer): a resend may find it there. */
    sentAt: text('sent_at'),
    /** A stop-limit's stop, a bracket's stop trigger. */
    stopPrice: text('stop_price'),
  },
  (t) => [uniqueIndex('orders_client_order_id').on(t.clientOrderId), index('orders_exchange_order_id').on(t.exchangeOrderId)],
);

export const fills = sqliteTable(
  'fills',
  {
    /** Exchange trade id: a fill seen twice (retry, WebSocket + REST) is recorded once. */
    tradeId: text('trade_id').primaryKey(),
    orderId: text('order_id')
      .notNull()
      .references(() => orders.id),
    product: text('product').notNull(),
    side: text('side', { enum: ['BUY', 'SELL'] }).notNull(),
    size: text('size').notNull(),
    price: text('price').notNull(),
    fee: text('fee').notNull(),
    feeCurrency: text('fee_currency').notNull(),
    liquidity: text('liquidity', { enum: ['MAKER', 'TAKER', 'UNKNOWN'] }).notNull(),
    at: text('at').notNull(),
    entryId: text('entry_id')
      .notNull()
      .references(() => journalEntries.id),
  },
  (t) => [index('fills_order').on(t.orderId)],
);

export const costEstimates = sqliteTable('cost_estimates', {
  id: text('id').primaryKey(),
  clientOrderId: text('client_order_id').notNull(),
  product: text('product').notNull(),
  side: text('side').notNull(),
  quoteCurrency: text('quote_currency').notNull(),
  notional: text('notional').notNull(),
  fee: text('fee').notNull(),
  spread: text('spread').notNull(),
  slippage: text('slippage').notNull(),
  transferFee: text('transfer_fee').notNull(),
  total: text('total').notNull(),
  expectedEdge: text('expected_edge').notNull(),
  required: text('required').notNull(),
  safetyBuffer: text('safety_buffer').notNull(),
  decision: text('decision', { enum: ['proceed', 'blocked', 'override'] }).notNull(),
  overrideReason: text('override_reason'),
  /** Every input the decision used (fee rates, book levels walked, marketability). */
  detailJson: text('detail_json').notNull(),
  at: text('at').notNull(),
});

export const idempotencyKeys = sqliteTable('idempotency_keys', {
  key: text('key').primaryKey(),
  scope: text('scope').notNull(),
  requestHash: text('request_hash').notNull(),
  resultJson: text('result_json'),
  createdAt: text('created_at').notNull(),
  expiresAt: text('expires_at').notNull(),
});

export const reconcileRuns = sqliteTable('reconcile_runs', {
  id: text('id').primaryKey(),
  at: text('at').notNull(),
  threshold: text('threshold').notNull(),
  status: text('status', { enum: ['clean', 'drift', 'failed'] }).notNull(),
  maxDrift: text('max_drift').notNull(),
  error: text('error'),
});

export const reconcileDrifts = sqliteTable(
  'reconcile_drifts',
  {
    id: text('id').primaryKey(),
    runId: text('run_id')
      .notNull()
      .references(() => reconcileRuns.id),
    walletId: text('wallet_id')
      .notNull()
      .references(() => wallets.id),
    currency: text('currency').notNull(),
    ledgerAmount: text('ledger_amount').notNull(),
    exchangeAmount: text('exchange_amount').notNull(),
    /** exchange - ledger */
    drift: text('drift').notNull(),
    aboveThreshold: integer('above_threshold').notNull(),
    /** A proposed correcting entry awaits the user's approval. */
    correction: text('correction', { enum: ['none', 'proposed', 'approved', 'rejected', 'superseded'] }).notNull(),
    correctionEntryId: text('correction_entry_id'),
    decidedAt: text('decided_at'),
  },
  (t) => [index('reconcile_drifts_run').on(t.runId)],
);

export const settings = sqliteTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
  updatedAt: text('updated_at').notNull(),
});

/** The domain event log: intent -> decision -> gate -> order -> fill -> judge, by correlation id. */
export const events = sqliteTable(
  'events',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    id: text('id').notNull(),
    type: text('type').notNull(),
    /** When it happened (event time). */
    at: text('at').notNull(),
    /** When the ledger stored it (record time). */
    recordedAt: text('recorded_at').notNull(),
    correlationId: text('correlation_id'),
    causationId: text('causation_id'),
    summary: text('summary').notNull(),
    dataJson: text('data_json').notNull(),
  },
  (t) => [
    uniqueIndex('events_id').on(t.id),
    index('events_correlation').on(t.correlationId, t.seq),
    index('events_type').on(t.type, t.seq),
  ],
);
