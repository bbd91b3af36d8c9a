/**
 * The production ledger's verbs: wallets and their tradeable fraction, the journal, reservations,
 * the domain event log, reconcile and corrections, live-trading arming, and real orders (a dry
 * run unless live trading is armed and the wallet has a fraction).
 *
 * What moves real money or widens what agents may spend — tradeable fractions, corrections,
 * arming, real orders — is the user's alone: those verbs are not MCP tools, so neither an outside
 * assistant nor the broker agent (whose tools are the MCP tools) can reach them.
 */
import { z } from 'zod';
import { LIVE_ARM_PHRASE } from './live';
import { ACTION, READ, WRITE, WRITE_IDEMPOTENT, verb } from '../api/define';
import { productIdSchema } from '../domain/product';
import { GuardRuleSchema } from '../orders/guard';
import { TriggerKindSchema, TriggerSpecSchema } from './triggers';
import { ExitsSchema } from './exits';

const dec = z.string().regex(/^-?\d+(\.\d+)?$/, 'expected a decimal string');
const posDec = z.string().regex(/^\d+(\.\d+)?$/, 'expected a non-negative decimal string');


const Wallet = z.object({
  id: z.string(),
  exchange: z.string(),
  exchangeAccount: z.string(),
  kind: z.enum(['funding', 'trading', 'equity', 'fees', 'market']),
  name: z.string(),
  tradeableFraction: dec,
  createdAt: z.string(),
});

const WalletWithBalances = Wallet.extend({
  balances: z.array(z.object({ currency: z.string(), amount: dec, tradeable: dec })),
});

const Posting = z.object({ walletId: z.string(), currency: z.string(), amount: dec });
const JournalEntry = z.object({
  id: z.string(),
  kind: z.string(),
  memo: z.string(),
  at: z.string(),
  correlationId: z.string().nullable(),
  sourceRef: z.string().nullable(),
  postings: z.array(Posting),
});

const Reservation = z.object({
  id: z.string(),
  walletId: z.string(),
  currency: z.string(),
  amount: dec,
  consumed: dec,
  status: z.enum(['active', 'consumed', 'released', 'expired']),
  purpose: z.string(),
  createdAt: z.string(),
  expiresAt: z.string(),
  closedAt: z.string().nullable(),
  correlationId: z.string().nullable(),
});

export const LedgerEvent = z.object({
  seq: z.number().int(),
  id: z.string(),
  type: z.string(),
  at: z.string(),
  recordedAt: z.string(),
  correlationId: z.string().nullable(),
  causationId: z.string().nullable(),
  summary: z.string(),
  data: z.record(z.string(), z.unknown()),
});

const Drift = z.object({
  id: z.string(),
  runId: z.string(),
  walletId: z.string(),
  currency: z.string(),
  ledgerAmount: dec,
  exchangeAmount: dec,
  drift: dec,
  aboveThreshold: z.boolean(),
  correction: z.enum(['none', 'proposed', 'approved', 'rejected', 'superseded']),
  correctionEntryId: z.string().nullable(),
  decidedAt: z.string().nullable(),
});

export const ReconcileRun = z.object({
  id: z.string(),
  at: z.string(),
  threshold: dec,
  status: z.enum(['clean', 'drift', 'failed']),
  maxDrift: dec,
  error: z.string().nullable(),
  drifts: z.array(Drift),
});

const LiveStatus = z.object({ armed: z.boolean(), armedAt: z.string().nullable(), phrase: z.string() });

const Gate = z.object({
  decision: z.enum(['proceed', 'blocked', 'override']),
  reason: z.string(),
  marketable: z.boolean(),
  mid: dec,
  touch: dec,
  vwap: dec,
  notional: dec,
  fee: dec,
  feeRate: dec,
  spread: dec,
  slippage: dec,
  transferFee: dec,
  total: dec,
  expectedEdgeAmount: dec,
  required: dec,
  safetyBuffer: dec,
  levelsWalked: z.number().int(),
});

export const LedgerOrderOutcome = z.object({
  orderId: z.string(),
  clientOrderId: z.string(),
  status: z.enum(['dry_run', 'blocked', 'submitting', 'open', 'filled', 'cancelled', 'rejected', 'failed']),
  mode: z.enum(['dry_run', 'live']),
  reason: z.string().nullable(),
  /** What refused a blocked order: kill_switch, a risk limit, or cost_gate. */
  rule: GuardRuleSchema.nullable(),
  /** Who placed it: the door it came through. */
  placedBy: z.string().nullable(),
  gate: Gate.nullable(),
  preview: z.unknown(),
  filledBase: dec,
  /** The average price of its fills (absent from outcomes recorded before it was reported). */
  avgFillPrice: dec.nullable().optional(),
  exchangeOrderId: z.string().nullable(),
  replayed: z.boolean(),
  done: z.boolean(),
  /** A filled entry's exits: the exit order placed for what it bought, or why none could be. */
  exits: z
    .object({
      clientOrderId: z.string(),
      type: z.enum(['bracket', 'stop_limit', 'limit']).nullable(),
      takeProfitPrice: dec.nullable(),
      stopPrice: dec.nullable(),
      status: z.string(),
      reason: z.string().nullable(),
    })
    .optional(),
});

/** What every production-ledger order states, whichever verb carries it. */
const ledgerOrderFields = {
  walletId: z.string().min(1).max(200),
  product: productIdSchema('product must look like BTC-USD'),
  side: z.enum(['BUY', 'SELL']),
  qty: posDec.optional(),
  notional: posDec.optional(),
  limitPrice: posDec.optional(),
  type: z
    .enum(['market', 'limit', 'stop_limit', 'bracket'])
    .optional()
    .describe(
      'market or limit (default: from limitPrice); stop_limit: a limit placed by Coinbase when the price reaches stopPrice (a sell\'s stop below the bid, a buy\'s above the ask); bracket: an exit of a held position, a take-profit limit at limitPrice and a stop at stopPrice, one cancelling the other',
    ),
  stopPrice: posDec.optional().describe("a stop_limit's stop, a bracket's stop trigger"),
  postOnly: z.boolean().default(false),
  expectedEdge: dec.describe('expected edge as a fraction of notional, e.g. 0.004 = 40 bps'),
};
const idempotencyKey = z.string().regex(/^[A-Za-z0-9._:-]{8,128}$/, 'idempotency key: 8-128 characters of A-Z a-z 0-9 . _ : -');
const costOverrides = {
  safetyBuffer: posDec.optional(),
  override: z.object({ reason: z.string().min(3).max(300) }).strict().optional(),
};
type SizeShape = { qty?: string | undefined; notional?: string | undefined; limitPrice?: string | undefined; type?: string | undefined; stopPrice?: string | undefined; side?: string; exits?: unknown };
const oneSize = (v: SizeShape) => (v.qty === undefined) !== (v.notional === undefined);
const limitTakesQty = (v: SizeShape) => v.limitPrice === undefined || v.qty !== undefined;
const conditional = (v: SizeShape) => v.type === 'stop_limit' || v.type === 'bracket';
/** The order-type rules every door checks before the order port (the router checks them again). */
function withOrderTypeRules<T extends z.ZodType<SizeShape>>(s: T) {
  return s
    .refine((v) => !conditional(v) || (v.qty !== undefined && v.limitPrice !== undefined && v.stopPrice !== undefined), { message: 'a stop_limit or bracket takes qty, limitPrice and stopPrice', path: ['stopPrice'] })
    .refine((v) => v.stopPrice === undefined || conditional(v), { message: 'stopPrice is for a stop_limit or a bracket', path: ['stopPrice'] })
    .refine((v) => v.type !== 'bracket' || v.side === 'SELL', { message: 'a bracket closes a held position: it sells', path: ['type'] })
    .refine((v) => v.type !== 'limit' || v.limitPrice !== undefined, { message: 'a limit order takes limitPrice', path: ['limitPrice'] })
    .refine((v) => v.type !== 'market' || v.limitPrice === undefined, { message: 'a market order takes no limitPrice', path: ['limitPrice'] })
    .refine((v) => v.exits === undefined || (v.side === 'BUY' && (v.type === undefined || v.type === 'market' || v.type === 'limit')), { message: 'exits go with a market or limit buy (an entry)', path: ['exits'] });
}

export const PlaceLedgerOrderInput = withOrderTypeRules(
  z
    .object({
      ...ledgerOrderFields,
      idempotencyKey,
      live: z.boolean().default(false),
      ...costOverrides,
      exits: ExitsSchema.optional().describe(
        "a buy's exits, placed on Coinbase for what it filled: a bracket (stop and take-profit), a stop-limit (stop alone, limit 1% below) or a limit sell (take-profit alone); pct values are fractions of the average fill price",
      ),
    })
    .strict()
    .refine(oneSize, { message: 'give exactly one of qty or notional', path: ['qty'] }),
);

/** An order to judge without placing it (no key: nothing is recorded). */
export const QuoteLedgerOrderInput = withOrderTypeRules(
  z
    .object({ ...ledgerOrderFields, ...costOverrides })
    .strict()
    .refine(oneSize, { message: 'give exactly one of qty or notional', path: ['qty'] })
    .refine(limitTakesQty, { message: 'a limit order takes qty, not notional', path: ['limitPrice'] }),
);

const LiveOrderPlan = z.object({
  qty: dec,
  side: z.enum(['BUY', 'SELL']),
  product: z.string(),
  walletId: z.string(),
  orderType: z.enum(['market', 'limit', 'stop_limit', 'bracket']),
  limitPrice: dec.nullable(),
  /** A stop-limit's stop, a bracket's stop trigger (absent on requests opened before they existed). */
  stopPrice: dec.nullable().optional(),
  gate: z.object({ decision: z.enum(['proceed', 'blocked', 'override']), reason: z.string(), notional: dec, fee: dec, spread: dec, slippage: dec, total: dec, expectedEdgeAmount: dec }),
  /** The exchange's preview (absent on requests opened before it was recorded). */
  preview: z.object({ orderTotal: dec.nullable(), commissionTotal: dec.nullable(), errors: z.array(z.string()) }).optional(),
  liveBlocker: z.string().nullable(),
});

export const LiveOrderRequest = z.object({
  id: z.string(),
  status: z.enum(['opening', 'refused', 'pending', 'approved', 'denied', 'expired', 'done']),
  order: z.record(z.string(), z.unknown()),
  reason: z.string(),
  door: z.string(),
  requestedAt: z.number(),
  expiresAt: z.number(),
  plan: LiveOrderPlan.nullable(),
  refusal: z.string().nullable(),
  decision: z.object({ approve: z.boolean(), note: z.string().nullable(), door: z.string(), at: z.number() }).nullable(),
  outcome: LedgerOrderOutcome.nullable(),
});
export type LiveOrderRequest = z.infer<typeof LiveOrderRequest>;

export const RequestLiveOrderInput = withOrderTypeRules(
  z
    .object({
      ...ledgerOrderFields,
      idempotencyKey: idempotencyKey.describe('also the request id: the same key returns the same request'),
      reason: z.string().trim().min(3).max(500).describe('why this order: shown to the user next to Approve / Deny'),
      timeoutSeconds: z.number().int().min(30).max(3600).default(600).describe('the request is denied if not approved within this time'),
    })
    .strict()
    .refine(oneSize, { message: 'give exactly one of qty or notional', path: ['qty'] })
    .refine(limitTakesQty, { message: 'a limit order takes qty, not notional', path: ['limitPrice'] }),
);

/** An emulated live stop (Coinbase has no stop-market or trailing-stop order): watched here, sent as a market order when it fires. */
export const PlaceLedgerStopInput = z
  .object({
    walletId: ledgerOrderFields.walletId,
    product: ledgerOrderFields.product,
    side: ledgerOrderFields.side,
    qty: posDec.describe('base size to sell (or buy) when it fires'),
    kind: TriggerKindSchema.describe('stop: a market order once the price reaches stopPrice; trailing_stop: a stop that follows the best price since it was placed'),
    stopPrice: posDec.optional().describe("a stop's price: a sell's below the best bid, a buy's above the best ask"),
    trailPct: z.string().optional().describe('a trailing stop\'s distance as a fraction, e.g. 0.03 = 3%'),
    trailAmount: posDec.optional().describe("a trailing stop's distance in the quote currency"),
    expectedEdge: dec.default('0').describe('a buy stop (an entry) states its edge for the cost gate; a sell is an exit and is not held back by it'),
    idempotencyKey: idempotencyKey.describe('the stop and the order it sends share this key'),
    live: z.boolean().default(false).describe('false: when it fires, the order is a dry run (priced, previewed, recorded)'),
    pollSeconds: z.number().int().min(1).max(60).default(2).describe('how often the book is read while it waits'),
  })
  .strict()
  .superRefine((v, ctx) => {
    const r = TriggerSpecSchema.safeParse({ kind: v.kind, stopPrice: v.stopPrice, trailPct: v.trailPct, trailAmount: v.trailAmount });
    if (!r.success) for (const i of r.error.issues) ctx.addIssue({ code: 'custom', message: i.message, path: i.path });
    if (!/^\d+(\.\d+)?$/.test(v.qty) || !/[1-9]/.test(v.qty)) ctx.addIssue({ code: 'custom', message: 'qty must be above 0', path: ['qty'] });
  });

export const LedgerStop = z.object({
  key: z.string(),
  workflowId: z.string(),
  product: z.string(),
  side: z.enum(['BUY', 'SELL']),
  qty: dec,
  walletId: z.string(),
  live: z.boolean(),
  trigger: z.object({ kind: TriggerKindSchema, stopPrice: dec.optional(), trailPct: z.string().optional(), trailAmount: dec.optional() }),
  placedBy: z.string().nullable(),
  status: z.enum(['arming', 'refused', 'waiting', 'fired', 'cancelled']),
  reason: z.string().nullable(),
  stop: dec.nullable(),
  extreme: dec.nullable(),
  lastPrice: dec.nullable(),
  lastAt: z.number().nullable(),
  armedAt: z.number().nullable(),
  firedAt: z.number().nullable(),
  triggerPrice: dec.nullable(),
  observedPrice: dec.nullable(),
  outcome: LedgerOrderOutcome.nullable(),
});
export type LedgerStop = z.infer<typeof LedgerStop>;

export const ledgerApi = {
  list_wallets: verb({
    description: 'Funding and trading wallets of the production ledger with balances and what agents may use (available x fraction - reservations).',
    input: z.object({}).strict(),
    output: z.object({ wallets: z.array(WalletWithBalances) }),
    annotations: READ,
    temporal: 'workflow',
    mcp: true,
  }),
  set_tradeable_fraction: verb({
    description: 'Set the share (0..1) of a wallet that agents may trade; 0 means nothing is tradeable.',
    input: z.object({ walletId: z.string().min(1).max(200), fraction: posDec.refine((v) => Number(v) <= 1, 'fraction must be between 0 and 1') }).strict(),
    output: Wallet,
    annotations: WRITE_IDEMPOTENT,
    temporal: 'workflow',
    mcp: false,
  }),
  get_journal: verb({
    description: 'Recent journal entries of the production ledger, each with its balanced postings.',
    input: z.object({ walletId: z.string().max(200).optional(), correlationId: z.string().max(200).optional(), limit: z.number().int().min(1).max(1000).optional() }).strict(),
    output: z.object({ entries: z.array(JournalEntry) }),
    annotations: READ,
    temporal: 'workflow',
    mcp: true,
  }),
  get_reservations: verb({
    description: 'Reservations (holds) on ledger wallets, newest first.',
    input: z.object({ status: z.enum(['active', 'consumed', 'released', 'expired']).optional(), limit: z.number().int().min(1).max(1000).optional() }).strict(),
    output: z.object({ reservations: z.array(Reservation) }),
    annotations: READ,
    temporal: 'workflow',
    mcp: true,
  }),
  get_ledger_events: verb({
    description: 'The domain event log (intent, decision, gate, order, fill, judge...), filtered by correlation id or type (a trailing * matches a prefix).',
    input: z
      .object({
        correlationId: z.string().max(200).optional(),
        type: z.string().max(100).optional(),
        limit: z.number().int().min(1).max(5000).optional(),
        afterSeq: z.number().int().min(0).optional(),
      })
      .strict(),
    output: z.object({ events: z.array(LedgerEvent) }),
    annotations: READ,
    temporal: 'workflow',
    mcp: true,
  }),
  reconcile: verb({
    description: 'Compare ledger balances with Coinbase per currency, store the drift, and propose corrections above the threshold.',
    input: z.object({ threshold: posDec.default('0.01') }).strict(),
    output: ReconcileRun,
    annotations: ACTION,
    temporal: 'workflow',
    mcp: true,
  }),
  get_reconcile_history: verb({
    description: 'Past reconcile runs with their drift per currency and the state of each proposed correction.',
    input: z.object({ limit: z.number().int().min(1).max(500).optional() }).strict(),
    output: z.object({ runs: z.array(ReconcileRun) }),
    annotations: READ,
    temporal: 'workflow',
    mcp: true,
  }),
  approve_correction: verb({
    description: 'Approve a proposed reconcile correction: posts the correcting entry (the exchange is taken as the truth).',
    input: z.object({ driftId: z.string().min(1).max(100) }).strict(),
    output: Drift,
    annotations: WRITE,
    temporal: 'workflow',
    mcp: false,
  }),
  reject_correction: verb({
    description: 'Reject a proposed reconcile correction; the ledger stays as it is.',
    input: z.object({ driftId: z.string().min(1).max(100) }).strict(),
    output: Drift,
    annotations: WRITE,
    temporal: 'workflow',
    mcp: false,
  }),
  get_live_trading_status: verb({
    description: 'Whether live trading is armed (off by default) and the exact phrase that arms it.',
    input: z.object({}).strict(),
    output: LiveStatus,
    annotations: READ,
    temporal: 'workflow',
    mcp: true,
  }),
  arm_live_trading: verb({
    description: `Arm live trading: real orders will be sent to Coinbase. Requires confirm to be exactly "${LIVE_ARM_PHRASE}".`,
    input: z.object({ confirm: z.string().max(200) }).strict(),
    output: LiveStatus,
    annotations: WRITE,
    temporal: 'workflow',
    mcp: false,
  }),
  disarm_live_trading: verb({
    description: 'Disarm live trading: every order becomes a dry run again.',
    input: z.object({}).strict(),
    output: LiveStatus,
    annotations: WRITE_IDEMPOTENT,
    temporal: 'workflow',
    mcp: true,
  }),
  request_live_order: verb({
    description:
      'Ask the user to approve a live (real-money) Coinbase order. Refused unless the user allowed such requests in Settings. The order is priced now (cost gate and exchange preview) and waits for Approve or Deny in the app; it is denied when timeoutSeconds pass. Poll get_live_order_request for the decision and the order outcome.',
    input: RequestLiveOrderInput,
    output: LiveOrderRequest,
    annotations: WRITE,
    temporal: 'workflow',
    mcp: true,
  }),
  get_live_order_request: verb({
    description: 'One live-order request: its status (pending, approved, denied, expired, refused, done), what it would do, the decision and the order outcome.',
    input: z.object({ id: idempotencyKey }).strict(),
    output: LiveOrderRequest,
    annotations: READ,
    temporal: 'query',
    mcp: true,
  }),
  list_live_order_requests: verb({
    description: 'Recent live-order requests, newest first; pendingOnly for those waiting for a decision.',
    input: z.object({ pendingOnly: z.boolean().default(false), limit: z.number().int().min(1).max(100).default(20) }).strict(),
    output: z.object({ requests: z.array(LiveOrderRequest) }),
    annotations: READ,
    temporal: 'query',
    mcp: true,
  }),
  decide_live_order_request: verb({
    description: 'Approve or deny a pending live-order request. Only from the app itself: an approved order goes to Coinbase if live trading is armed and the wallet has a tradeable fraction.',
    input: z.object({ id: idempotencyKey, approve: z.boolean(), note: z.string().trim().max(300).optional() }).strict(),
    output: LiveOrderRequest,
    annotations: WRITE,
    temporal: 'update',
    mcp: false,
  }),
  quote_ledger_order: verb({
    description:
      'What a production-ledger order would do now, without placing it: the kill switch and risk limits, the cost gate (edge vs fee + spread + slippage), Coinbase\'s preview, and whether it would go out live or as a dry run. Records nothing.',
    input: QuoteLedgerOrderInput,
    output: z.object({ plan: LiveOrderPlan.nullable(), refusal: z.object({ rule: GuardRuleSchema.nullable(), reason: z.string() }).nullable() }),
    annotations: READ,
    temporal: 'workflow',
    mcp: true,
  }),
  place_ledger_stop: verb({
    description:
      'A stop or trailing stop on the production ledger, for what Coinbase has no order type for: Vigil watches the book and, when the price reaches the stop, sends a market order through the order port (kill switch and risk limits apply then). A sell stop protects a held position. Refused now if it would fire at once. For a stop-limit or an exit bracket that rest on Coinbase itself, use place_ledger_order with type stop_limit or bracket.',
    input: PlaceLedgerStopInput,
    output: LedgerStop,
    annotations: WRITE,
    temporal: 'workflow',
    mcp: false,
  }),
  list_ledger_stops: verb({
    description: 'Live stops Vigil watches (emulated stop and trailing-stop orders): waiting ones with their current stop, and recent fired, cancelled or refused ones with the order each sent.',
    input: z.object({ activeOnly: z.boolean().default(false), limit: z.number().int().min(1).max(100).default(20) }).strict(),
    output: z.object({ stops: z.array(LedgerStop) }),
    annotations: READ,
    temporal: 'query',
    mcp: true,
  }),
  cancel_ledger_stop: verb({
    description: 'Stop watching a live stop before it fires (the position it protected is no longer protected by it).',
    input: z.object({ idempotencyKey, reason: z.string().trim().min(3).max(300) }).strict(),
    output: LedgerStop,
    annotations: WRITE_IDEMPOTENT,
    temporal: 'update',
    mcp: false,
  }),
  place_ledger_order: verb({
    description:
      'Route an order through the production ledger: reserve, cost gate (edge vs fee + spread + slippage), fund, Coinbase order, fills. A dry run (previewed and recorded) unless live is requested, armed, and the wallet has a fraction. idempotencyKey makes retries safe.',
    input: PlaceLedgerOrderInput,
    output: LedgerOrderOutcome,
    annotations: WRITE,
    temporal: 'workflow',
    mcp: false,
  }),
};
