/**
 * The paper book as a plain state machine: orders in, fills and rejections recorded, marks from
 * bars, resting limit orders crossed by bars. The paper book workflow
 * (core/paper/paper-book.workflow.ts) keeps one `PaperBookState` and forwards each message here;
 * tests and tools can drive it without Temporal.
 *
 * Mutates the state in place (it is the workflow's own object) and never reads a clock: callers
 * pass `now`. Bounded: fills, blocked orders, idempotency keys and the equity curve are capped
 * so that continue-as-new carries a small payload; the SQLite ledger (core/ledger) is the
 * permanent record.
 */
import { z } from 'zod';
import { Dec } from '../domain/decimal';
import { TIMEFRAME_MS, type Bar } from '../domain/market';
import { performanceMetrics, type EquitySample, type PerformanceMetrics } from '../analytics/performance';
import { riskMetrics } from '../analytics/risk';
import { RiskMetricsSchema } from '../analytics/schema';
import { dayOfClose, type DailyEquity } from '../analytics/stats';
import { accountDailyReturns } from '../analytics/performance';
import { checkOrder, defaultRiskLimits, RiskLimitsSchema, type RiskLimits, type RiskRule } from '../risk/limits';
import {
  activeLocks,
  defaultProtections,
  entryLock,
  newProtectionState,
  noteClose,
  noteEquity,
  noteStopOut,
  ProtectionsSchema,
  type Lock,
  type ProtectionRule,
  type Protections,
  type ProtectionState,
} from '../risk/protections';
import { costVerdict, DEFAULT_SAFETY_BUFFER } from '../ledger/cost-gate';
import { COINBASE_ENTRY_TIER } from '../trading/fees';
import { checkLimitPrice, checkQuantity, DEFAULT_SLIPPAGE, limitCrossFill, limitQuantity, marketableLimitFill, quoteMarketFill, type FillQuote } from '../trading/fill';
import type { Bracket, OrderAgent, PlaceOrder } from '../trading/orders';
import type { OrderType } from '../trading/types';
import { legPriority, newTrailing, stepConditional, type Conditional, type ConditionalKind, type Trail } from '../trading/conditional';

import { applyFill, checkFillable, newPortfolio, valuePortfolio, type Valuation } from '../trading/portfolio';
import { productSpec } from '../trading/products';
import type { FeeSchedule, Fill, Portfolio, ProductSpec, Side, SlippageModel } from '../trading/types';

export const LIMITS = { fills: 500, blocked: 100, keys: 1000, equity: 1000, daily: 3660, rationale: 280 } as const;
const DAY_MS = 86_400_000;

export const PreferencesSchema = z
  .object({
    profitScrapePct: z.string().regex(/^(0(\.\d{1,6})?|1(\.0{1,6})?)$/, 'must be a share between 0 and 1, like "0.2"'),
    riskLimits: RiskLimitsSchema,
    killSwitch: z.boolean(),
    realLedgerRouting: z.boolean(),
    /** Absent in books from before protections (their defaults apply once they are on). */
    protections: ProtectionsSchema.optional(),
  })
  .strict();
export type Preferences = z.infer<typeof PreferencesSchema>;

export const PreferencesPatchSchema = z
  .object({
    profitScrapePct: PreferencesSchema.shape.profitScrapePct.optional(),
    riskLimits: RiskLimitsSchema.partial().optional(),
    killSwitch: z.boolean().optional(),
    realLedgerRouting: z.boolean().optional(),
    protections: ProtectionsSchema.partial().optional(),
  })
  .strict();
export type PreferencesPatch = z.infer<typeof PreferencesPatchSchema>;

export interface OrderMeta {
  agent: OrderAgent;
  correlationId: string;
  idempotencyKey: string;
  expectedEdgeBps: number | null;
  rationale: string | null;
}

export interface FillRecord extends Fill, OrderMeta {
  realizedPnl: string;
  scraped: string;
  /** Cash after this fill: lets the history be audited line by line. */
  cashAfter: string;
}

export interface OpenOrder extends OrderMeta {
  orderId: string;
  symbol: string;
  side: Side;
  quantity: string;
  /** The limit of a limit order, a stop-limit or a take-profit; empty for a stop or a trailing stop. */
  limitPrice: string;
  placedAt: number;
  /** Only bars that arrive after this count of bar batches can cross the order. */
  afterBatch: number;
  /** Absent: a plain limit order (books from before conditional orders keep working). */
  kind?: 'limit' | ConditionalKind;
  stopPrice?: string | null;
  trail?: Trail | null;
  extreme?: string | null;
  triggered?: boolean;
  /** Legs of one bracket share it: when one fills the others are cancelled. */
  oco?: string | null;
  /** A resting entry's bracket, placed when it fills. */
  bracket?: Bracket | null;
}

export type BlockRule = RiskRule | ProtectionRule | 'cost_gate' | 'no_price' | 'invalid_size' | 'below_minimum' | 'invalid_price' | 'insufficient_funds';

export interface BlockedOrder extends OrderMeta {
  orderId: string;
  symbol: string;
  side: Side;
  type: OrderType;
  quantity: string | null;
  notional: string | null;
  limitPrice: string | null;
  rule: BlockRule;
  reason: string;
  at: number;
}

export type OrderStatus = 'filled' | 'open' | 'rejected' | 'cancelled';

export interface OrderResult {
  orderId: string;
  idempotencyKey: string;
  status: OrderStatus;
  symbol: string;
  side: Side;
  type: OrderType;
  /** Present when filled at once. */
  fill: { price: string; quantity: string; notional: string; fee: string; liquidity: 'taker' | 'maker'; realizedPnl: string; scraped: string } | null;
  rule: BlockRule | null;
  reason: string | null;
  /** True when this is the stored result of an earlier call with the same key. */
  duplicate: boolean;
}

/** What the paper book wants announced (fills, blocks); the workflow hands these to an activity. */
export type PaperBookEvent =
  | { kind: 'fill'; fill: FillRecord }
  | { kind: 'blocked'; order: BlockedOrder }
  | { kind: 'cancelled'; orderId: string; symbol: string; reason: string }
  /** The kill switch changed (engaged or released), whoever changed it. */
  | { kind: 'kill_switch'; on: boolean; at: number }
  /** A protection started a lock of its own (the drawdown halt): new entries are refused until `until`. */
  | { kind: 'protection'; lock: Lock; at: number }
  /** A stop (stop, stop-limit, trailing) filled: the position it protected was closed by it. */
  | { kind: 'stop_hit'; orderId: string; symbol: string; side: Side; type: ConditionalKind; triggerPrice: string; price: string; quantity: string; gap: boolean; at: number };

export interface PaperBookConfig {
  initialCash: string;
  quoteCurrency?: string;
  profitScrapePct?: string;
  riskLimits?: Partial<RiskLimits>;
  fees?: FeeSchedule;
  slippage?: SlippageModel;
  products?: Record<string, ProductSpec>;
}

export interface PaperBookState {
  portfolio: Portfolio;
  prefs: Preferences;
  fees: FeeSchedule;
  /** Where `fees` came from (absent: the defaults the book started with). */
  feeSource?: { source: FeeSource; pricingTier: string | null; at: number };
  slippage: SlippageModel;
  products: Record<string, ProductSpec>;
  marks: Record<string, { price: string; time: number }>;
  openOrders: OpenOrder[];
  fills: FillRecord[];
  blocked: BlockedOrder[];
  results: Record<string, OrderResult>;
  resultKeys: string[];
  equity: EquitySample[];
  equityStride: number;
  /** Equity at each UTC day's close, from every bar batch (the ratios' input; the curve is sampled). Absent in states carried from before. */
  /**
   * Protections' memory (stop-outs, closed trades, the equity peak). Present once protections are on
   * (the workflow turns them on, versioned); a book replaying an older history has none.
   */
  protect?: ProtectionState;
  daily?: { day: number; equity: string }[];
  barBatches: number;
  day: { index: number; startEquity: string; orders: number };
  seq: number;
  outbox: PaperBookEvent[];
}

export function createPaperBook(c: PaperBookConfig): PaperBookState {
  const portfolio = newPortfolio(c.initialCash, c.quoteCurrency ?? 'USD');
  return {
    portfolio,
    prefs: {
      profitScrapePct: c.profitScrapePct ?? '0.2',
      riskLimits: { ...defaultRiskLimits(c.initialCash), ...(c.riskLimits ?? {}) },
      killSwitch: false,
      realLedgerRouting: false,
    },
    fees: c.fees ?? COINBASE_ENTRY_TIER,
    slippage: c.slippage ?? DEFAULT_SLIPPAGE,
    products: c.products ?? {},
    marks: {},
    openOrders: [],
    fills: [],
    blocked: [],
    results: {},
    resultKeys: [],
    equity: [],
    equityStride: 1,
    daily: [],
    barBatches: 0,
    day: { index: -1, startEquity: portfolio.initialCash, orders: 0 },
    seq: 0,
    outbox: [],
  };
}

function marksOf(s: PaperBookState): Record<string, string> {
  const m: Record<string, string> = {};
  for (const [k, v] of Object.entries(s.marks)) m[k] = v.price;
  return m;
}

/** The protections in force (their defaults for a book whose preferences predate them). */
export function protectionsOf(s: PaperBookState): Protections {
  return s.prefs.protections ?? defaultProtections();
}

/** Turns protections on for this book (the workflow does, versioned); idempotent. */
export function enableProtections(s: PaperBookState): void {
  s.protect ??= newProtectionState();
  s.prefs.protections ??= defaultProtections();
}

/** The kill switch and the risk limits on a new order of `orderNotional`, against the book as it is now. */
function guardVerdict(s: PaperBookState, v: Valuation, o: { side: Side; symbol: string }, orderNotional: Dec, now: number): ReturnType<typeof checkOrder> {
  return checkOrder({
    limits: s.prefs.riskLimits,
    killSwitch: s.prefs.killSwitch,
    side: o.side,
    symbol: o.symbol,
    orderNotional,
    positionValue: Dec.of(v.positions.find((p) => p.symbol === o.symbol)?.marketValue ?? '0'),
    exposure: Dec.of(v.positionsValue),
    equity: Dec.of(v.equity),
    dayPnl: Dec.of(v.equity).sub(s.day.startEquity),
    tradesToday: s.day.orders,
    lossStreak: s.portfolio.totals.lossStreak,
    lastLossAt: s.portfolio.totals.lastLossAt,
    now,
  });
}

export function valuation(s: PaperBookState): Valuation {
  return valuePortfolio(s.portfolio, marksOf(s));
}

function rollDay(s: PaperBookState, now: number): void {
  const index = Math.floor(now / DAY_MS);
  if (index !== s.day.index) s.day = { index, startEquity: valuation(s).equity, orders: 0 };
}

function pushCapped<T>(list: T[], item: T, cap: number): void {
  list.push(item);
  if (list.length > cap) list.splice(0, list.length - cap);
}

function metaOf(o: PlaceOrder): OrderMeta {
  return {
    agent: o.agent,
    correlationId: o.correlationId,
    idempotencyKey: o.idempotencyKey,
    expectedEdgeBps: o.expectedEdgeBps ?? null,
    rationale: o.rationale ? o.rationale.slice(0, LIMITS.rationale) : null,
  };
}

function remember(s: PaperBookState, r: OrderResult): OrderResult {
  s.results[r.idempotencyKey] = r;
  s.resultKeys.push(r.idempotencyKey);
  while (s.resultKeys.length > LIMITS.keys) delete s.results[s.resultKeys.shift()!];
  return r;
}

/**
 * Cash and base units already promised to resting orders. `base` counts every sell; `free` leaves
 * out the exits of filled entries (bracket legs), which a sell of the position they protect may
 * shrink instead of being refused (see `shrinkExits`).
 */
function reserved(s: PaperBookState, symbol: string): { cash: Dec; base: Dec; free: Dec } {
  let free = Dec.ZERO;
  let cash = Dec.ZERO;
  let base = Dec.ZERO;
  const groups = new Set<string>();
  for (const o of s.openOrders) {
    if (o.side === 'buy') {
      // A resting limit pays the maker fee at its limit; a stop buys as a taker from its stop.
      const resting = !o.kind || o.kind === 'limit' || o.kind === 'take_profit';
      const price = o.limitPrice || o.stopPrice || o.extreme || '0';
      cash = cash.add(Dec.of(o.quantity).mul(price).mul(Dec.ONE.add(resting ? s.fees.maker : s.fees.taker)));
    } else if (o.symbol === symbol) {
      // The legs of one bracket sell the same coins: only one of them can fill.
      if (o.oco) {
        if (groups.has(o.oco)) continue;
        groups.add(o.oco);
      } else free = free.add(o.quantity);
      base = base.add(o.quantity);
    }
  }
  return { cash, base, free };
}

/**
 * What a sell filled now must count as already promised: with protections on, the exits of filled
 * entries give way to a sell of the position they protect (a trim, an exit by hand), so only other
 * resting sells count; without protections (older books), every resting sell does. An order that
 * rests (a limit, a stop) still counts every exit: it must not leave part of a position unprotected
 * before it fills.
 */
function promisedFor(s: PaperBookState, res: { base: Dec; free: Dec }): Dec {
  return s.protect ? res.free : res.base;
}

/**
 * After a sell of `quantity` is accepted, the bracket exits of `symbol` shrink, newest first, so
 * that together with the other resting sells they never sell more than is left; an exit left with
 * nothing is cancelled. A stop therefore keeps protecting what remains of a trimmed position.
 */
function shrinkExits(s: PaperBookState, symbol: string, quantity: Dec, res: { base: Dec; free: Dec }): void {
  if (!s.protect) return;
  const held = Dec.of(s.portfolio.positions[symbol]?.quantity ?? '0');
  let excess = quantity.add(res.base).sub(held);
  if (!excess.isPositive()) return;
  const groups: string[] = [];
  for (const o of s.openOrders) if (o.side === 'sell' && o.symbol === symbol && o.oco && !groups.includes(o.oco)) groups.push(o.oco);
  const gone = new Set<OpenOrder>();
  for (const g of groups.reverse()) {
    if (!excess.isPositive()) break;
    const legs = s.openOrders.filter((o) => o.oco === g && o.side === 'sell');
    const size = Dec.of(legs[0]!.quantity);
    const cut = Dec.min(size, excess);
    excess = excess.sub(cut);
    const left = size.sub(cut);
    for (const o of legs) {
      if (left.isPositive()) {
        o.quantity = left.toString();
        continue;
      }
      gone.add(o);
      const why = `the position it protected was sold (${quantity.toString()} ${symbol})`;
      const prev = s.results[o.idempotencyKey];
      if (prev) s.results[o.idempotencyKey] = { ...prev, status: 'cancelled', reason: why };
      s.outbox.push({ kind: 'cancelled', orderId: o.orderId, symbol: o.symbol, reason: why });
    }
  }
  if (gone.size) s.openOrders = s.openOrders.filter((o) => !gone.has(o));
}

/** An open order as the conditional kernel sees it. */
function asConditional(o: OpenOrder): Conditional {
  return { kind: o.kind as ConditionalKind, side: o.side, quantity: o.quantity, stopPrice: o.stopPrice ?? null, limitPrice: o.limitPrice || null, trail: o.trail ?? null, extreme: o.extreme ?? null, triggered: o.triggered ?? false };
}

/**
 * The exits of a filled entry: a take-profit and/or a stop (stop, stop-limit or trailing) selling
 * what the entry bought, in one group — when one fills the other is cancelled. They work from the
 * next bar batch on (never on the bar that filled the entry).
 */
function attachBracket(s: PaperBookState, entry: { orderId: string; symbol: string; quantity: Dec; price: Dec; meta: OrderMeta }, b: Bracket, now: number): void {
  const spec = productSpec(entry.symbol, s.products);
  const leg = (suffix: string, o: Omit<OpenOrder, keyof OrderMeta | 'orderId' | 'symbol' | 'side' | 'quantity' | 'placedAt' | 'afterBatch' | 'oco'>): void => {
    const orderId = `ord-${++s.seq}`;
    // An exit states no edge of its own: the entry's prediction is judged once, on the entry.
    const meta = { ...entry.meta, expectedEdgeBps: null, idempotencyKey: `${entry.meta.idempotencyKey}:${suffix}`.slice(0, 128) };
    s.openOrders.push({ ...meta, ...o, orderId, symbol: entry.symbol, side: 'sell', quantity: entry.quantity.toString(), placedAt: now, afterBatch: s.barBatches, oco: entry.orderId });
    remember(s, { orderId, idempotencyKey: meta.idempotencyKey, status: 'open', symbol: entry.symbol, side: 'sell', type: o.kind ?? 'limit', fill: null, rule: null, reason: null, duplicate: false });
  };
  if (b.takeProfit) {
    // A percent target rounds up to the price step (never below what was asked).
    const raw = b.takeProfit.pct ? entry.price.mul(Dec.ONE.add(b.takeProfit.pct)) : Dec.of(b.takeProfit.limitPrice!);
    const tp = raw.floorTo(spec.quoteIncrement).eq(raw) ? raw : raw.floorTo(spec.quoteIncrement).add(spec.quoteIncrement);
    leg('tp', { kind: 'take_profit', limitPrice: tp.toString() });
  }
  const sl = b.stopLoss;
  if (sl) {
    const trail: Trail | null = sl.trailingPct ? { pct: sl.trailingPct } : sl.trailingAmount ? { amount: sl.trailingAmount } : null;
    if (trail) {
      const t = newTrailing('sell', entry.quantity.toString(), trail, entry.price, spec);
      leg('sl', { kind: 'trailing_stop', limitPrice: '', stopPrice: t.stopPrice, trail, extreme: t.extreme, triggered: false });
    } else {
      // A percent stop rounds down to the price step (never closer than asked).
      const stop = sl.stopPct ? entry.price.mul(Dec.ONE.sub(sl.stopPct)).floorTo(spec.quoteIncrement) : Dec.of(sl.stopPrice!);
      leg('sl', { kind: sl.limitPrice ? 'stop_limit' : 'stop', limitPrice: sl.limitPrice ?? '', stopPrice: stop.toString(), trail: null, extreme: null, triggered: false });
    }
  }
}

/**
 * The execution agent's entries always leave with a stop: its own, or the protections' default
 * distance below the fill. Only once protections are on (older books replay as they were).
 */
function withAgentStop(s: PaperBookState, o: PlaceOrder): Bracket | undefined {
  if (!s.protect || o.agent !== 'execution-agent' || o.side !== 'buy' || o.bracket?.stopLoss) return o.bracket;
  return { ...(o.bracket ?? {}), stopLoss: { stopPct: protectionsOf(s).agentStopPct } };
}

/** Why a bracket cannot protect an entry at `price`: a take-profit at or below it, a stop at or above it. */
function bracketProblem(b: Bracket, price: Dec): string | null {
  if (b.takeProfit?.limitPrice && Dec.of(b.takeProfit.limitPrice).lte(price)) return `the bracket's take-profit ${b.takeProfit.limitPrice} is not above the entry price ${price.toString()}`;
  if (b.stopLoss?.stopPrice && Dec.of(b.stopLoss.stopPrice).gte(price)) return `the bracket's stop ${b.stopLoss.stopPrice} is not below the entry price ${price.toString()}`;
  return null;
}

function record(s: PaperBookState, q: Extract<FillQuote, { ok: true }>, symbol: string, side: Side, orderId: string, meta: OrderMeta, now: number): FillRecord {
  const fill: Fill = {
    id: `${orderId}-f`,
    orderId,
    symbol,
    side,
    quantity: q.quantity.toString(),
    price: q.price.toString(),
    notional: q.notional.toString(),
    fee: q.fee.toString(),
    liquidity: q.liquidity,
    referencePrice: q.referencePrice.toString(),
    slippageBps: q.slippageBps,
    time: now,
  };
  const r = applyFill(s.portfolio, fill, s.prefs.profitScrapePct);
  s.portfolio = r.portfolio;
  const rec: FillRecord = { ...fill, ...meta, realizedPnl: r.realizedPnl.toString(), scraped: r.scraped.toString(), cashAfter: s.portfolio.cash };
  if (s.protect && side === 'sell') noteClose(s.protect, symbol, rec.realizedPnl, now);
  pushCapped(s.fills, rec, LIMITS.fills);
  s.outbox.push({ kind: 'fill', fill: rec });
  return rec;
}

function fillSummary(f: FillRecord): NonNullable<OrderResult['fill']> {
  return { price: f.price, quantity: f.quantity, notional: f.notional, fee: f.fee, liquidity: f.liquidity, realizedPnl: f.realizedPnl, scraped: f.scraped };
}

export interface PlaceOptions {
  /**
   * Weigh a buy's stated expected edge against what the fill costs (the order port's cost gate).
   * The workflow turns it on for new executions (versioned); a book replaying an older history
   * keeps deciding as it did.
   */
  costGate: boolean;
}

/**
 * The cost gate on the paper book's own fill model — the rule the production ledger applies with
 * the exchange's book (core/ledger/cost-gate.ts costVerdict): a buy that states an expected edge
 * goes ahead only if that edge pays the fee and the adverse price (half spread + impact) plus the
 * 10% safety buffer. Sells close risk and are never held back by it; an order without a stated
 * edge (a person's order from the ticket) has nothing to weigh.
 */
export function paperCostGate(o: PlaceOrder, q: { quantity: Dec; notional: Dec; fee: Dec; adverse: Dec; mid: Dec }): { ok: true } | { ok: false; reason: string } {
  if (o.side !== 'buy' || o.expectedEdgeBps === undefined) return { ok: true };
  // Measured at the mid, as the production gate does.
  const edgeAmount = q.quantity.mul(q.mid).mul(Dec.fromMeasured(o.expectedEdgeBps)).div(BPS);
  const total = q.fee.add(q.adverse);
  const v = costVerdict({ edgeAmount, total, buffer: Dec.of(DEFAULT_SAFETY_BUFFER), places: 2 });
  if (v.decision !== 'blocked') return { ok: true };
  const bps = (x: Dec) => (q.notional.isPositive() ? x.mul(BPS).div(q.notional).toFixed(1) : '0');
  return { ok: false, reason: `expected edge ${o.expectedEdgeBps} bps (${edgeAmount.toFixed(2)}) does not pay the costs ${bps(total)} bps (${total.toFixed(2)}: fee ${q.fee.toFixed(2)} + spread and impact ${q.adverse.toFixed(2)}) plus the ${Dec.of(DEFAULT_SAFETY_BUFFER).mul('100').toString()}% buffer` };
}

const BPS = Dec.int(10_000);

/** Places one order. Never throws for a business rejection: it is recorded and returned. */
export function placeOrder(s: PaperBookState, o: PlaceOrder, now: number, opts: PlaceOptions = { costGate: false }): OrderResult {
  const seen = s.results[o.idempotencyKey];
  if (seen) return { ...seen, duplicate: true };
  rollDay(s, now);
  const orderId = `ord-${++s.seq}`;
  const meta = metaOf(o);
  const base = { orderId, idempotencyKey: o.idempotencyKey, symbol: o.symbol, side: o.side, type: o.type, duplicate: false } as const;
  const reject = (rule: BlockRule, reason: string): OrderResult => {
    const b: BlockedOrder = {
      ...meta,
      orderId,
      symbol: o.symbol,
      side: o.side,
      type: o.type,
      quantity: o.quantity ?? null,
      notional: o.notional ?? null,
      limitPrice: o.limitPrice ?? null,
      rule,
      reason,
      at: now,
    };
    pushCapped(s.blocked, b, LIMITS.blocked);
    s.outbox.push({ kind: 'blocked', order: b });
    return remember(s, { ...base, status: 'rejected', fill: null, rule, reason });
  };
  if (o.type !== 'market' && o.type !== 'limit') return placeConditional(s, o, now, { orderId, meta, base, reject });

  const spec = productSpec(o.symbol, s.products);
  const mark = s.marks[o.symbol];
  const qty = o.quantity !== undefined ? Dec.of(o.quantity) : undefined;
  const notional = o.notional !== undefined ? Dec.of(o.notional) : undefined;
  const model = { fees: s.fees, slippage: s.slippage };

  // Price the order first: risk is judged on what it would actually cost.
  let quote: FillQuote | null = null;
  let limitQty: Dec | null = null;
  let estNotional: Dec;
  if (o.type === 'market') {
    if (!mark) return reject('no_price', `no market price for ${o.symbol}: start a market stream`);
    quote = quoteMarketFill({ spec, side: o.side, mid: Dec.of(mark.price), model, ...(qty ? { quantity: qty } : {}), ...(notional ? { notional } : {}) });
    if (!quote.ok) return reject(quote.code, quote.reason);
    estNotional = quote.notional;
  } else {
    const lp = Dec.of(o.limitPrice!);
    const q = limitQuantity(spec, lp, qty, notional);
    if (!(q instanceof Dec)) return reject(q.code, q.reason);
    limitQty = q;
    estNotional = q.mul(lp);
    if (mark) quote = marketableLimitFill(spec, o.side, q, lp, Dec.of(mark.price), model);
  }

  const v = valuation(s);
  const verdict = guardVerdict(s, v, o, estNotional, now);
  if (!verdict.ok) return reject(verdict.rule, verdict.reason);
  // Protections hold back new entries (never exits) while a lock is in force.
  if (s.protect && o.side === 'buy') {
    const lock = entryLock(protectionsOf(s), s.protect, o.symbol, now);
    if (lock) return reject(lock.rule, lock.reason);
  }

  if (opts.costGate) {
    const gate =
      quote && quote.ok
        ? paperCostGate(o, { quantity: quote.quantity, notional: quote.notional, fee: quote.fee, adverse: quote.price.sub(quote.referencePrice).abs().mul(quote.quantity), mid: quote.referencePrice })
        : paperCostGate(o, { quantity: limitQty!, notional: estNotional, fee: estNotional.mul(s.fees.maker), adverse: Dec.ZERO, mid: mark ? Dec.of(mark.price) : Dec.of(o.limitPrice!) });
    if (!gate.ok) return reject('cost_gate', gate.reason);
  }

  const res = reserved(s, o.symbol);
  if (quote && quote.ok) {
    const avail = { ...s.portfolio, cash: Dec.of(s.portfolio.cash).sub(res.cash).toString() };
    const why = o.side === 'sell' ? checkFillable(s.portfolio, o.symbol, 'sell', quote.quantity.add(promisedFor(s, res)), quote.notional, quote.fee) : checkFillable(avail, o.symbol, 'buy', quote.quantity, quote.notional, quote.fee);
    if (why) return reject('insufficient_funds', why);
    const bracket = withAgentStop(s, o);
    if (bracket) {
      const bad = bracketProblem(bracket, quote.price);
      if (bad) return reject('invalid_price', bad);
    }
    if (o.side === 'sell') shrinkExits(s, o.symbol, quote.quantity, res);
    s.day.orders++;
    const f = record(s, quote, o.symbol, o.side, orderId, meta, now);
    if (bracket) attachBracket(s, { orderId, symbol: o.symbol, quantity: quote.quantity, price: quote.price, meta }, bracket, now);
    return remember(s, { ...base, status: 'filled', fill: fillSummary(f), rule: null, reason: null });
  }

  // A resting limit order: reserve what it will need when crossed.
  const lp = Dec.of(o.limitPrice!);
  const bracket = withAgentStop(s, o);
  if (bracket) {
    const bad = bracketProblem(bracket, lp);
    if (bad) return reject('invalid_price', bad);
  }
  const need = limitQty!.mul(lp);
  const fee = need.mul(s.fees.maker);
  const avail = { ...s.portfolio, cash: Dec.of(s.portfolio.cash).sub(res.cash).toString() };
  const why = o.side === 'sell' ? checkFillable(s.portfolio, o.symbol, 'sell', limitQty!.add(res.base), need, fee) : checkFillable(avail, o.symbol, 'buy', limitQty!, need, fee);
  if (why) return reject('insufficient_funds', why);
  s.day.orders++;
  s.openOrders.push({ ...meta, orderId, symbol: o.symbol, side: o.side, quantity: limitQty!.toString(), limitPrice: o.limitPrice!, placedAt: now, afterBatch: s.barBatches, ...(bracket ? { bracket } : {}) });
  return remember(s, { ...base, status: 'open', fill: null, rule: null, reason: null });
}

/**
 * A stop, stop-limit, take-profit or trailing stop: checked now as any new order is (the kill
 * switch, the risk limits on its value at its trigger price, holdings or cash reserved), then it
 * waits in the book for a later bar (core/trading/conditional.ts).
 */
function placeConditional(
  s: PaperBookState,
  o: PlaceOrder,
  now: number,
  c: { orderId: string; meta: OrderMeta; base: Pick<OrderResult, 'orderId' | 'idempotencyKey' | 'symbol' | 'side' | 'type' | 'duplicate'>; reject: (rule: BlockRule, reason: string) => OrderResult },
): OrderResult {
  const spec = productSpec(o.symbol, s.products);
  const mark = s.marks[o.symbol];
  const qty = Dec.of(o.quantity!);
  const bad = checkQuantity(spec, qty) ?? [o.stopPrice, o.limitPrice].map((p) => (p === undefined ? null : checkLimitPrice(spec, Dec.of(p)))).find((x) => x !== null) ?? null;
  if (bad) return c.reject(bad.code, bad.reason);
  const trail: Trail | null = o.trailingPct ? { pct: o.trailingPct } : o.trailingAmount ? { amount: o.trailingAmount } : null;
  if (trail && !mark) return c.reject('no_price', `no market price for ${o.symbol} to start the trail from: start a market stream`);
  const started = trail ? newTrailing(o.side, qty.toString(), trail, Dec.of(mark!.price), spec) : null;
  const trigger = Dec.of(o.stopPrice ?? started?.stopPrice ?? o.limitPrice!);
  const value = qty.mul(o.limitPrice ?? trigger.toString());
  const v = valuation(s);
  const verdict = guardVerdict(s, v, o, value, now);
  if (!verdict.ok) return c.reject(verdict.rule, verdict.reason);
  if (s.protect && o.side === 'buy') {
    const lock = entryLock(protectionsOf(s), s.protect, o.symbol, now);
    if (lock) return c.reject(lock.rule, lock.reason);
  }
  const res = reserved(s, o.symbol);
  const resting = o.type === 'take_profit';
  const fee = value.mul(resting ? s.fees.maker : s.fees.taker);
  const avail = { ...s.portfolio, cash: Dec.of(s.portfolio.cash).sub(res.cash).toString() };
  const why = o.side === 'sell' ? checkFillable(s.portfolio, o.symbol, 'sell', qty.add(res.base), value, fee) : checkFillable(avail, o.symbol, 'buy', qty, value, fee);
  if (why) return c.reject('insufficient_funds', why);
  s.day.orders++;
  s.openOrders.push({
    ...c.meta,
    orderId: c.orderId,
    symbol: o.symbol,
    side: o.side,
    quantity: qty.toString(),
    limitPrice: o.limitPrice ?? '',
    placedAt: now,
    afterBatch: s.barBatches,
    kind: o.type as ConditionalKind,
    stopPrice: o.stopPrice ?? started?.stopPrice ?? null,
    trail,
    extreme: started?.extreme ?? null,
    triggered: false,
    oco: null,
  });
  return remember(s, { ...c.base, status: 'open', fill: null, rule: null, reason: null });
}

export const CancelOrderSchema = z
  .object({ orderId: z.string().min(1).max(64).optional(), idempotencyKey: z.string().min(1).max(128).optional() })
  .strict()
  .refine((c) => (c.orderId === undefined) !== (c.idempotencyKey === undefined), 'give exactly one of orderId or idempotencyKey');
export type CancelOrder = z.infer<typeof CancelOrderSchema>;

export interface CancelResult {
  orderId: string;
  cancelled: boolean;
  reason: string | null;
}

export function cancelOrder(s: PaperBookState, c: CancelOrder): CancelResult {
  const i = s.openOrders.findIndex((o) => (c.orderId !== undefined ? o.orderId === c.orderId : o.idempotencyKey === c.idempotencyKey));
  const ref = c.orderId ?? s.results[c.idempotencyKey ?? '']?.orderId ?? c.idempotencyKey ?? '';
  if (i < 0) {
    const r = c.orderId !== undefined ? Object.values(s.results).find((x) => x.orderId === c.orderId) : s.results[c.idempotencyKey!];
    return { orderId: ref, cancelled: false, reason: r ? `order ${r.orderId} is ${r.status}, not open` : `no open order ${ref}` };
  }
  const [o] = s.openOrders.splice(i, 1);
  const prev = s.results[o!.idempotencyKey];
  if (prev) s.results[o!.idempotencyKey] = { ...prev, status: 'cancelled' };
  s.outbox.push({ kind: 'cancelled', orderId: o!.orderId, symbol: o!.symbol, reason: 'cancelled on request' });
  return { orderId: o!.orderId, cancelled: true, reason: null };
}

/** Marks from closed bars, then resting limit orders crossed by them, then one equity sample. */
export function onBars(s: PaperBookState, bars: readonly Bar[], now: number): void {
  if (bars.length === 0) return;
  s.barBatches++;
  rollDay(s, now);
  let sampleT = 0;
  for (const b of bars) {
    const closeT = b.time + (TIMEFRAME_MS[b.timeframe] ?? 60_000);
    sampleT = Math.max(sampleT, closeT);
    const prev = s.marks[b.symbol];
    if (!prev || closeT >= prev.time) s.marks[b.symbol] = { price: b.close, time: closeT };
    if (s.openOrders.length > 0) crossRestingOrders(s, b, closeT);
  }
  sampleEquity(s, sampleT);
}

function crossRestingOrders(s: PaperBookState, b: Bar, time: number): void {
  const model = { fees: s.fees, slippage: s.slippage };
  // Placement order, except that the legs of one bracket are judged together, stops first: a bar
  // that reaches both cannot say which came first, so the worse one is taken.
  const first = new Map<string, number>();
  s.openOrders.forEach((o, i) => o.oco && !first.has(o.oco) && first.set(o.oco, i));
  const order = s.openOrders.map((o, i) => ({ o, i })).sort((x, y) => (x.o.oco ? first.get(x.o.oco)! : x.i) - (y.o.oco ? first.get(y.o.oco)! : y.i) || legPriority(x.o.kind ?? 'limit') - legPriority(y.o.kind ?? 'limit') || x.i - y.i);
  const still: { o: OpenOrder; i: number }[] = [];
  const filledGroups = new Set<string>();
  const cancel = (o: OpenOrder, why: string) => {
    const prev = s.results[o.idempotencyKey];
    if (prev) s.results[o.idempotencyKey] = { ...prev, status: 'cancelled', reason: why };
    s.outbox.push({ kind: 'cancelled', orderId: o.orderId, symbol: o.symbol, reason: why });
  };
  for (const { o, i } of order) {
    if (o.oco && filledGroups.has(o.oco)) {
      cancel(o, 'the other leg of its bracket filled');
      continue;
    }
    if (o.symbol !== b.symbol || o.afterBatch >= s.barBatches) {
      still.push({ o, i });
      continue;
    }
    const spec = productSpec(o.symbol, s.products);
    let q: FillQuote | null;
    let stop: { triggerPrice: string; gap: boolean } | null = null;
    if (!o.kind || o.kind === 'limit') q = limitCrossFill(spec, o.side, Dec.of(o.quantity), Dec.of(o.limitPrice), b, model);
    else {
      const step = stepConditional(asConditional(o), b, spec, model);
      if (!step.filled) {
        const n = step.next;
        still.push({ o: { ...o, stopPrice: n.stopPrice, extreme: n.extreme, triggered: n.triggered }, i });
        continue;
      }
      q = step.quote;
      if (o.kind !== 'take_profit') stop = { triggerPrice: step.triggerPrice, gap: step.gap };
    }
    if (!q || !q.ok) {
      still.push({ o, i });
      continue;
    }
    // A buy that triggers now is new exposure: the guard is asked again (an exit never is).
    if (o.side === 'buy' && o.kind && o.kind !== 'limit' && o.kind !== 'take_profit') {
      const v = valuation(s);
      const verdict = checkOrder({
        limits: s.prefs.riskLimits,
        killSwitch: s.prefs.killSwitch,
        side: 'buy',
        symbol: o.symbol,
        orderNotional: q.notional,
        positionValue: Dec.of(v.positions.find((p) => p.symbol === o.symbol)?.marketValue ?? '0'),
        exposure: Dec.of(v.positionsValue),
        equity: Dec.of(v.equity),
        dayPnl: Dec.of(v.equity).sub(s.day.startEquity),
        tradesToday: s.day.orders,
        lossStreak: s.portfolio.totals.lossStreak,
        lastLossAt: s.portfolio.totals.lastLossAt,
        now: time,
      });
      if (!verdict.ok) {
        cancel(o, `${verdict.rule}: ${verdict.reason}`);
        continue;
      }
      const lock = s.protect ? entryLock(protectionsOf(s), s.protect, o.symbol, time) : null;
      if (lock) {
        cancel(o, `${lock.rule}: ${lock.reason}`);
        continue;
      }
    }
    const why = checkFillable(s.portfolio, o.symbol, o.side, q.quantity, q.notional, q.fee);
    if (why) {
      // Cash or holdings moved since placement (e.g. a manual sell): cancel, never overdraw.
      cancel(o, why);
      continue;
    }
    const meta: OrderMeta = { agent: o.agent, correlationId: o.correlationId, idempotencyKey: o.idempotencyKey, expectedEdgeBps: o.expectedEdgeBps, rationale: o.rationale };
    const f = record(s, q, o.symbol, o.side, o.orderId, meta, time);
    const prev = s.results[o.idempotencyKey];
    if (prev) s.results[o.idempotencyKey] = { ...prev, status: 'filled', fill: fillSummary(f) };
    if (o.oco) filledGroups.add(o.oco);
    if (stop && s.protect && o.side === 'sell') noteStopOut(s.protect, o.symbol, time);
    if (stop) s.outbox.push({ kind: 'stop_hit', orderId: o.orderId, symbol: o.symbol, side: o.side, type: o.kind as ConditionalKind, triggerPrice: stop.triggerPrice, price: f.price, quantity: f.quantity, gap: stop.gap, at: time });
    if (o.bracket) attachBracket(s, { orderId: o.orderId, symbol: o.symbol, quantity: q.quantity, price: q.price, meta }, o.bracket, time);
  }
  // Legs judged before their group filled later in this bar are cancelled too; the book keeps its order.
  const kept: OpenOrder[] = [];
  for (const x of still.sort((p, q) => p.i - q.i)) {
    if (x.o.oco && filledGroups.has(x.o.oco)) cancel(x.o, 'the other leg of its bracket filled');
    else kept.push(x.o);
  }
  // Brackets attached above were appended to s.openOrders by attachBracket: keep them after the rest.
  const attached = s.openOrders.slice(order.length);
  s.openOrders = [...kept, ...attached];
}

/** The day's closing equity so far, on every batch; a state from before days were kept starts from its curve. */
function recordDay(s: PaperBookState, t: number, equity: string): void {
  s.daily ??= dailyFromCurve(s.equity);
  const day = dayOfClose(t);
  const last = s.daily[s.daily.length - 1];
  if (last && last.day === day) last.equity = equity;
  else if (!last || day > last.day) {
    s.daily.push({ day, equity });
    if (s.daily.length > LIMITS.daily) s.daily.shift();
  }
}

function dailyFromCurve(curve: readonly EquitySample[]): { day: number; equity: string }[] {
  const out: { day: number; equity: string }[] = [];
  for (const p of curve) {
    const day = dayOfClose(p.t);
    const last = out[out.length - 1];
    if (last && last.day === day) last.equity = p.equity;
    else if (!last || day > last.day) out.push({ day, equity: p.equity });
  }
  return out;
}

function dailyOf(s: PaperBookState): DailyEquity[] {
  return (s.daily ?? dailyFromCurve(s.equity)).map((d) => ({ day: d.day, equity: Number(d.equity) }));
}

/** Appends a sample; on overflow keeps every other one and samples half as often from then on. */
function sampleEquity(s: PaperBookState, t: number): void {
  const v = valuation(s);
  recordDay(s, t, v.equity);
  if (s.protect) {
    const halt = noteEquity(protectionsOf(s), s.protect, Dec.of(v.equity), t);
    if (halt) s.outbox.push({ kind: 'protection', lock: halt, at: t });
  }
  if (s.barBatches % s.equityStride !== 0) return;
  const sample: EquitySample = { t, equity: v.equity, exposure: v.positionsValue };
  const last = s.equity[s.equity.length - 1];
  if (last && last.t >= t) {
    s.equity[s.equity.length - 1] = { ...sample, t: last.t };
    return;
  }
  s.equity.push(sample);
  if (s.equity.length > LIMITS.equity) {
    const lastPoint = s.equity[s.equity.length - 1]!;
    s.equity = s.equity.filter((_, i) => i % 2 === 0);
    if (s.equity[s.equity.length - 1] !== lastPoint) s.equity.push(lastPoint);
    s.equityStride *= 2;
  }
}

export function setPreferences(s: PaperBookState, patch: PreferencesPatch, opts: { announce: boolean; now: number } = { announce: false, now: 0 }): Preferences {
  if (opts.announce && patch.killSwitch !== undefined && patch.killSwitch !== s.prefs.killSwitch) s.outbox.push({ kind: 'kill_switch', on: patch.killSwitch, at: opts.now });
  const protections = patch.protections ? { ...protectionsOf(s), ...patch.protections } : s.prefs.protections;
  s.prefs = {
    ...(protections ? { protections } : {}),
    profitScrapePct: patch.profitScrapePct ?? s.prefs.profitScrapePct,
    riskLimits: { ...s.prefs.riskLimits, ...(patch.riskLimits ?? {}) },
    killSwitch: patch.killSwitch ?? s.prefs.killSwitch,
    realLedgerRouting: patch.realLedgerRouting ?? s.prefs.realLedgerRouting,
  };
  return s.prefs;
}

/** A fee rate as the paper book stores it: a decimal fraction below 10% ("0.006" is 0.60%). */
const FEE_RATE_RE = /^0(\.\d{1,8})?$/;
export const FeeRateSchema = z
  .string()
  .regex(FEE_RATE_RE, 'a fee rate is a decimal fraction like "0.006" for 0.60%')
  // (zod runs this after a failed regex too: only a well-formed rate is compared)
  .refine((r) => !FEE_RATE_RE.test(r) || Dec.of(r).lt('0.1'), 'a fee rate must be below 0.1 (10%)');

/** Where the paper book's fee rates come from. */
export const FeeSourceSchema = z.enum(['default', 'manual', 'coinbase']);
export type FeeSource = z.infer<typeof FeeSourceSchema>;

export const SetFeesSchema = z
  .object({
    taker: FeeRateSchema,
    maker: FeeRateSchema,
    source: FeeSourceSchema,
    /** The exchange's name for the tier, when the rates came from it. */
    pricingTier: z.string().max(80).nullable().default(null),
  })
  .strict();
export type SetFees = z.input<typeof SetFeesSchema>;

export interface FeeSetting {
  taker: string;
  maker: string;
  source: FeeSource;
  pricingTier: string | null;
  /** When they were set (ms; 0 for the defaults the book started with). */
  at: number;
}

/** The fee rates later fills are charged with; fills already booked keep theirs. */
export function setFees(s: PaperBookState, f: z.output<typeof SetFeesSchema>, now: number): FeeSetting {
  s.fees = { taker: f.taker, maker: f.maker };
  s.feeSource = { source: f.source, pricingTier: f.pricingTier, at: now };
  return feeSetting(s);
}

export function feeSetting(s: PaperBookState): FeeSetting {
  const src = s.feeSource ?? { source: 'default' as const, pricingTier: null, at: 0 };
  return { taker: s.fees.taker, maker: s.fees.maker, ...src };
}

export const TransactionFilterSchema = z
  .object({
    symbol: z.string().max(30).optional(),
    side: z.enum(['buy', 'sell']).optional(),
    from: z.number().int().min(0).optional(),
    to: z.number().int().min(0).optional(),
    agent: z.string().max(40).optional(),
    limit: z.number().int().min(1).max(LIMITS.fills).optional(),
  })
  .strict();
export type TransactionFilter = z.infer<typeof TransactionFilterSchema>;

/** Newest first. */
export function transactions(s: PaperBookState, f: TransactionFilter = {}): FillRecord[] {
  const out: FillRecord[] = [];
  const limit = f.limit ?? 100;
  for (let i = s.fills.length - 1; i >= 0 && out.length < limit; i--) {
    const x = s.fills[i]!;
    if (f.symbol && x.symbol !== f.symbol) continue;
    if (f.side && x.side !== f.side) continue;
    if (f.from !== undefined && x.time < f.from) continue;
    if (f.to !== undefined && x.time > f.to) continue;
    if (f.agent && x.agent !== f.agent) continue;
    out.push(x);
  }
  return out;
}

export interface PortfolioStatus {
  valuation: Valuation;
  initialCash: string;
  quoteCurrency: string;
  marks: Record<string, { price: string; time: number }>;
  openOrders: OpenOrder[];
  recentBlocked: BlockedOrder[];
  preferences: Preferences;
  today: { orders: number; pnl: string };
  counts: { fills: number; blocked: number; closedTrades: number };
  /** The fee rates fills are charged with (and their source), and the spread estimate (bps) per marked symbol. */
  fees: FeeSetting;
  spreadBps: Record<string, string>;
  /** Protections: whether they are on for this book, their settings, and the locks in force now. */
  protections: { on: boolean; settings: Protections; locks: Lock[] };
}

/** Symbols the book knows of (marked, held, or stopped out / closed), for the locks it may hold. */
function knownSymbols(s: PaperBookState): string[] {
  const out = new Set([...Object.keys(s.marks), ...Object.keys(s.portfolio.positions)]);
  for (const x of s.protect?.stopOuts ?? []) out.add(x.symbol);
  for (const x of s.protect?.closes ?? []) out.add(x.symbol);
  return [...out].sort();
}

/** `now`: the time locks are judged at (workflow time in the book). */
export function status(s: PaperBookState, now = 0): PortfolioStatus {
  const v = valuation(s);
  const t = s.portfolio.totals;
  return {
    valuation: v,
    initialCash: s.portfolio.initialCash,
    quoteCurrency: s.portfolio.quoteCurrency,
    marks: { ...s.marks },
    openOrders: [...s.openOrders],
    recentBlocked: s.blocked.slice(-20).reverse(),
    preferences: s.prefs,
    today: { orders: s.day.orders, pnl: Dec.of(v.equity).sub(s.day.startEquity).toString() },
    counts: { fills: s.fills.length, blocked: s.blocked.length, closedTrades: t.wins + t.losses },
    fees: feeSetting(s),
    spreadBps: Object.fromEntries(Object.keys(s.marks).map((sym) => [sym, productSpec(sym, s.products).spreadBps])),
    protections: { on: s.protect !== undefined, settings: protectionsOf(s), locks: s.protect ? activeLocks(protectionsOf(s), s.protect, knownSymbols(s), now) : [] },
  };
}

export function performance(s: PaperBookState): PerformanceMetrics {
  const t = s.portfolio.totals;
  return performanceMetrics(s.portfolio.initialCash, s.equity, { wins: t.wins, losses: t.losses, grossProfit: t.grossProfit, grossLoss: t.grossLoss, feesPaid: t.feesPaid }, valuation(s).equity, { daily: dailyOf(s) });
}

/** The paper book's risk: the book's metrics, its limits and today's use of them. */
export const PaperRiskSchema = RiskMetricsSchema.extend({
  limits: RiskLimitsSchema,
  killSwitch: z.boolean(),
  usage: z.object({ ordersToday: z.number(), dayPnl: z.string(), lossStreak: z.number(), lastLossAt: z.number().nullable() }),
});
export type PaperRisk = z.infer<typeof PaperRiskSchema>;

export function risk(s: PaperBookState): PaperRisk {
  const v = valuation(s);
  const m = riskMetrics({
    equity: v.equity,
    cash: v.cash,
    tradingEquity: v.tradingEquity,
    positions: v.positions.map((p) => ({ symbol: p.symbol, marketValue: p.marketValue })),
    returns: accountDailyReturns(s.portfolio.initialCash, s.equity, dailyOf(s)),
  });
  const t = s.portfolio.totals;
  return {
    ...m,
    limits: s.prefs.riskLimits,
    killSwitch: s.prefs.killSwitch,
    usage: { ordersToday: s.day.orders, dayPnl: Dec.of(v.equity).sub(s.day.startEquity).toString(), lossStreak: t.lossStreak, lastLossAt: t.lastLossAt },
  };
}

