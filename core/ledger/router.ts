/**
 * Routing a real order through the ledger: reserve -> cost gate -> move funds funding->trading
 * -> exchange order -> fills -> consume (and return what was not used). The same functions run
 * as Temporal activities (the cockpit, agents with ENABLE_REAL_LEDGER) and in-process from the CLI
 * when no cockpit is running.
 *
 * Exactly-once: the idempotency key is the order's client_order_id. Everything the ledger does
 * before the exchange call happens in ONE SQLite transaction that also creates the order row, so a
 * second caller with the same key finds the row and resumes instead of reserving again. The
 * exchange call is repeated safely (the exchange answers a known client_order_id with the order it
 * has) and fills are keyed by trade id, so a crash between "accepted" and "recorded" heals on retry.
 */
import { z } from 'zod';
import { Dec } from '../domain/decimal';
import { parseProduct, productIdSchema } from '../domain/product';
import type { Logger } from '../runtime/log';
import type { Account, Fill, OrderConfiguration, PreviewResponse, ProductBook } from '../exchange/coinbase/types';
import type { FeeTier } from '../exchange/coinbase/types';
import { checkOrder, type RiskVerdict } from '../risk/limits';
import { isProtectiveExit } from '../orders/terms';
import { ExitsSchema } from './exits';
export { ExitsSchema, planExits, EXIT_STOP_SLACK, type Exits, type ExitPlan } from './exits';
import { GuardRuleSchema, GuardUnavailable, KILL_SWITCH_REASON, type GuardReader, type GuardRule, type GuardState } from '../orders/guard';
import { dayStart, liveBook, liveRiskContext, productsToMark, type LiveFill } from '../orders/live-book';
import { evaluateCostGate, CostGateError, type CostGateResult } from './cost-gate';
import { LedgerError } from './errors';
import { hashRequest, Ledger, type OrderRow, type Wallet } from './ledger';

/** What the router needs from an exchange; the Coinbase client implements it. */
export interface ExchangePort {
  feeTier(): Promise<FeeTier>;
  getBook(productId: string, limit?: number): Promise<ProductBook['pricebook']>;
  getProduct(productId: string): Promise<{ base_increment: string; quote_increment: string }>;
  previewOrder(input: { productId: string; side: 'BUY' | 'SELL'; configuration: OrderConfiguration}): Promise<PreviewResponse>;
  createOrder(input: { clientOrderId: string; productId: string; side: 'BUY' | 'SELL'; configuration: OrderConfiguration}): Promise<{
    success: boolean;
    success_response?: { order_id: string };
    error_response?: { error?: string; message?: string };
  }>;
  getOrder(orderId: string): Promise<{ status: string; filled_size?: string }>;
  /** The exchange's order with this client_order_id, searched among the product's orders since `since`. */
  findOrderByClientId(productId: string, clientOrderId: string, since: string): Promise<{ order_id: string; status: string } | null>;
  listFills(filter: { orderIds?: string[] }): Promise<Fill[]>;
  listAccounts(): Promise<Account[]>;
}

export const PlaceOrderInput = z
  .object({
    walletId: z.string().min(1).max(200),
    product: productIdSchema('product must look like BTC-USD'),
    side: z.enum(['BUY', 'SELL']),
    qty: z.string().regex(/^\d+(\.\d+)?$/, 'qty must be a positive decimal').optional(),
    notional: z.string().regex(/^\d+(\.\d+)?$/, 'notional must be a positive decimal').optional(),
    limitPrice: z.string().regex(/^\d+(\.\d+)?$/, 'limit price must be a positive decimal').optional(),
    /**
     * market and limit by default (from limitPrice); stop_limit: a native stop-limit (stopPrice, limitPrice);
     * bracket: a native exit bracket on a held position (limitPrice = take-profit, stopPrice = stop trigger).
     */
    type: z.enum(['market', 'limit', 'stop_limit', 'bracket']).optional(),
    stopPrice: z.string().regex(/^\d+(\.\d+)?$/, 'stop price must be a positive decimal').optional(),
    postOnly: z.boolean().default(false),
    /** Expected edge as a fraction of notional (0.004 = 40 bps). */
    expectedEdge: z.string().regex(/^-?\d+(\.\d+)?$/, 'expected edge must be a decimal fraction like 0.004'),
    idempotencyKey: z.string().regex(/^[A-Za-z0-9._:-]{8,128}$/, 'idempotency key: 8-128 characters of A-Z a-z 0-9 . _ : -'),
    live: z.boolean().default(false),
    safetyBuffer: z.string().regex(/^\d+(\.\d+)?$/).optional(),
    override: z.object({ reason: z.string().min(3).max(300) }).optional(),
    correlationId: z.string().max(200).optional(),
    /** A buy's exits, placed once it filled (see ExitsSchema). */
    exits: ExitsSchema.optional(),
  })
  .strict()
  .refine((v) => (v.qty === undefined) !== (v.notional === undefined), { message: 'give exactly one of qty or notional', path: ['qty'] })
  .refine((v) => v.qty === undefined || Dec.of(v.qty).isPositive(), { message: 'qty must be positive', path: ['qty'] })
  .refine((v) => v.notional === undefined || Dec.of(v.notional).isPositive(), { message: 'notional must be positive', path: ['notional'] })
  .refine((v) => v.limitPrice === undefined || v.qty !== undefined, { message: 'a limit order takes qty, not notional', path: ['limitPrice'] })
  .refine((v) => (v.type !== 'stop_limit' && v.type !== 'bracket') || (v.qty !== undefined && v.limitPrice !== undefined && v.stopPrice !== undefined), { message: 'a stop-limit or bracket takes qty, limitPrice and stopPrice', path: ['stopPrice'] })
  .refine((v) => v.stopPrice === undefined || v.type === 'stop_limit' || v.type === 'bracket', { message: 'stopPrice is for a stop_limit or a bracket', path: ['stopPrice'] })
  .refine((v) => v.type !== 'bracket' || v.side === 'SELL', { message: 'a bracket closes a held position: it sells', path: ['type'] })
  .refine((v) => v.type !== 'bracket' || Dec.of(v.limitPrice!).gt(v.stopPrice!), { message: "a bracket's take-profit (limitPrice) is above its stop (stopPrice)", path: ['limitPrice'] })
  .refine((v) => v.exits === undefined || (v.side === 'BUY' && (v.type === undefined || v.type === 'market' || v.type === 'limit')), { message: 'exits go with a market or limit buy (an entry)', path: ['exits'] })
  .refine((v) => v.exits?.stopPrice === undefined || v.exits.takeProfitPrice === undefined || Dec.of(v.exits.takeProfitPrice).gt(v.exits.stopPrice), { message: "the exits' take-profit is above their stop", path: ['exits'] })
  .refine((v) => v.exits?.stopPrice === undefined || v.limitPrice === undefined || Dec.of(v.exits.stopPrice).lt(v.limitPrice), { message: "the exits' stop is below the entry's limit", path: ['exits'] });
export type PlaceOrderInput = z.output<typeof PlaceOrderInput>;

/** The order type a request asks for. */
export function orderTypeOf(input: Pick<PlaceOrderInput, 'type' | 'limitPrice'>): 'market' | 'limit' | 'stop_limit' | 'bracket' {
  return input.type ?? (input.limitPrice ? 'limit' : 'market');
}

/** An order that only closes a held position (a stop-limit or bracket sell): the cost gate does not hold it back. */
function isExit(input: Pick<PlaceOrderInput, 'type' | 'side' | 'limitPrice'>): boolean {
  return isProtectiveExit({ side: input.side, orderType: orderTypeOf(input) });
}

export interface RouterContext {
  ledger: Ledger;
  exchange: ExchangePort | null;
  log: Logger;
  /**
   * The kill switch and risk limits (core/orders/guard.ts). Required: a router without it cannot
   * place an order, so no caller can forget the guard.
   */
  guard: GuardReader;
  /** Clock for the UTC day of the risk limits (tests pin it). */
  now?: () => number;
}

export interface OrderOutcome {
  orderId: string;
  clientOrderId: string;
  status: OrderRow['status'];
  mode: 'dry_run' | 'live';
  reason: string | null;
  /** What refused a blocked order: the kill switch, a risk limit, or the cost gate. */
  rule: GuardRule | null;
  /** Who placed it (the door it came through). */
  placedBy: string | null;
  gate: CostGateResult | null;
  preview: unknown;
  filledBase: string;
  /** The average price of its fills, or null before the first. */
  avgFillPrice: string | null;
  exchangeOrderId: string | null;
  /** True when this call found the order already there (same idempotency key). */
  replayed: boolean;
  done: boolean;
}

const TERMINAL = new Set(['dry_run', 'blocked', 'filled', 'cancelled', 'rejected', 'failed']);
const RESERVE_MARGIN = '0.02';

function outcome(ledger: Ledger, order: OrderRow, replayed: boolean): OrderOutcome {
  const cost = order.costEstimateId ? ledger.costDecision(order.costEstimateId) : null;
  return {
    orderId: order.id,
    clientOrderId: order.clientOrderId,
    status: order.status,
    mode: order.mode,
    reason: order.reason,
    rule: GuardRuleSchema.safeParse(order.blockRule).data ?? null,
    placedBy: order.placedBy,
    gate: cost ? (JSON.parse(String(cost.detail_json)) as CostGateResult) : null,
    preview: order.preview,
    filledBase: order.filledBase,
    avgFillPrice: averageFillPrice(ledger, order.id),
    exchangeOrderId: order.exchangeOrderId,
    replayed,
    done: TERMINAL.has(order.status),
  };
}

function averageFillPrice(ledger: Ledger, orderId: string): string | null {
  let size = Dec.ZERO;
  let value = Dec.ZERO;
  for (const f of ledger.fillsFor(orderId)) {
    size = size.add(f.size);
    value = value.add(Dec.of(f.size).mul(f.price));
  }
  return size.isPositive() ? value.div(size).round(8).toString() : null;
}

/** Coinbase's own order configuration for an order (documented shapes: Create Order, Advanced Trade). */
export function configurationFor(o: { type: ReturnType<typeof orderTypeOf>; side: 'BUY' | 'SELL'; qty: string | null; notional: string | null; limitPrice: string | null; stopPrice: string | null; postOnly: boolean }): OrderConfiguration {
  switch (o.type) {
    case 'stop_limit':
      return { stop_limit_stop_limit_gtc: { base_size: o.qty!, limit_price: o.limitPrice!, stop_price: o.stopPrice!, stop_direction: o.side === 'SELL' ? 'STOP_DIRECTION_STOP_DOWN' : 'STOP_DIRECTION_STOP_UP' } };
    case 'bracket':
      return { trigger_bracket_gtc: { base_size: o.qty!, limit_price: o.limitPrice!, stop_trigger_price: o.stopPrice! } };
    case 'limit':
      return { limit_limit_gtc: { base_size: o.qty!, limit_price: o.limitPrice!, post_only: o.postOnly } };
    case 'market':
      return o.notional ? { market_market_ioc: { quote_size: o.notional } } : { market_market_ioc: { base_size: o.qty! } };
  }
}

function configuration(input: PlaceOrderInput, qty: string): OrderConfiguration {
  return configurationFor({ type: orderTypeOf(input), side: input.side, qty, notional: input.notional ?? null, limitPrice: input.limitPrice ?? null, stopPrice: input.stopPrice ?? null, postOnly: input.postOnly });
}

/** Why a live order may not go out, or null when it may. */
export function liveBlocker(ctx: Pick<RouterContext, 'ledger' | 'exchange'>, wallet: Wallet): string | null {
  if (!Dec.of(wallet.tradeableFraction).isPositive()) return `wallet ${wallet.id} has tradeable fraction 0: set one with \`vigil wallet set-tradeable-fraction\``;
  if (!ctx.ledger.liveStatus().armed) return 'live trading is not armed (arm it in the cockpit: Settings → Live trading, or arm_live_trading)';
  if (!ctx.exchange) return 'Coinbase is not configured (COINBASE_API_KEY_NAME / COINBASE_API_PRIVATE_KEY)';
  return null;
}

/** An order priced against the exchange's book and fee tier, with the cost gate's verdict. */
export interface Priced {
  gate: CostGateResult;
  qty: string;
  config: OrderConfiguration;
  fees: FeeTier;
}

export interface Quote extends Priced {
  preview: PreviewResponse;
}

/** Size the order, price it on the book and run the cost gate; records nothing, sends nothing. */
export async function priceOrder(ctx: Pick<RouterContext, 'exchange'>, input: PlaceOrderInput): Promise<Priced> {
  if (!ctx.exchange) throw new LedgerError('invalid', 'Coinbase is not configured (COINBASE_API_KEY_NAME / COINBASE_API_PRIVATE_KEY): the order cannot be priced');
  const [fees, book, product] = await Promise.all([ctx.exchange.feeTier(), ctx.exchange.getBook(input.product, 100), ctx.exchange.getProduct(input.product)]);
  let qty = input.qty;
  if (!qty) {
    const touch = input.side === 'BUY' ? book.asks[0] : book.bids[0];
    if (!touch) throw new LedgerError('invalid', `no ${input.side === 'BUY' ? 'asks' : 'bids'} for ${input.product}: cannot size a notional order`);
    qty = Dec.of(input.notional!).divFloorTo(touch.price, product.base_increment).toString();
    if (!Dec.of(qty).isPositive()) throw new LedgerError('invalid', `notional ${input.notional} is below one base increment of ${input.product}`);
  } else if (!Dec.of(qty).floorTo(product.base_increment).eq(qty)) {
    throw new LedgerError('invalid', `qty ${qty} is not a multiple of ${input.product}'s base increment ${product.base_increment}`);
  }
  const stopProblem = conditionalProblem(input, book);
  if (stopProblem) throw new LedgerError('invalid', stopProblem);
  let gate: CostGateResult;
  try {
    gate = evaluateCostGate({
      side: input.side,
      orderType: input.limitPrice ? 'limit' : 'market',
      qty,
      limitPrice: input.limitPrice,
      postOnly: input.postOnly,
      bids: book.bids,
      asks: book.asks,
      makerFeeRate: fees.makerFeeRate,
      takerFeeRate: fees.takerFeeRate,
      expectedEdge: input.expectedEdge,
      safetyBuffer: input.safetyBuffer,
      override: input.override,
    });
  } catch (err) {
    if (err instanceof CostGateError) throw new LedgerError('invalid', err.message);
    throw err;
  }
  return { gate, qty, config: configuration(input, qty), fees };
}

/**
 * Why a stop-limit or bracket cannot rest on this book, or null. A sell's stop sits below the best
 * bid (it protects a held position from a fall) with its limit at or below the stop; a buy's stop
 * sits above the best ask with its limit at or above it; a bracket's take-profit sits above the
 * best bid and its stop trigger below. One on the wrong side would trigger the moment it arrives.
 */
export function conditionalProblem(input: Pick<PlaceOrderInput, 'type' | 'side' | 'limitPrice' | 'stopPrice' | 'product'>, book: { bids: { price: string }[]; asks: { price: string }[] }): string | null {
  if (input.type !== 'stop_limit' && input.type !== 'bracket') return null;
  const stop = Dec.of(input.stopPrice!);
  const limit = Dec.of(input.limitPrice!);
  const bid = book.bids[0]?.price;
  const ask = book.asks[0]?.price;
  if (input.type === 'bracket') {
    if (!bid) return `no bids for ${input.product}: a bracket's legs cannot be placed against an empty book`;
    if (!limit.gt(bid)) return `the take-profit ${input.limitPrice} is not above the best bid ${bid}: it would fill at once (use a limit sell)`;
    if (!stop.lt(bid)) return `the stop trigger ${input.stopPrice} is not below the best bid ${bid}: it would trigger at once`;
    return null;
  }
  if (input.side === 'SELL') {
    if (!bid) return `no bids for ${input.product}: a sell stop cannot be checked against an empty book`;
    if (!stop.lt(bid)) return `a sell stop at ${input.stopPrice} is not below the best bid ${bid}: it would trigger at once`;
    if (limit.gt(stop)) return `a sell stop-limit's limit ${input.limitPrice} is above its stop ${input.stopPrice}: it could never fill once triggered by a fall`;
    return null;
  }
  if (!ask) return `no asks for ${input.product}: a buy stop cannot be checked against an empty book`;
  if (!stop.gt(ask)) return `a buy stop at ${input.stopPrice} is not above the best ask ${ask}: it would trigger at once`;
  if (limit.lt(stop)) return `a buy stop-limit's limit ${input.limitPrice} is below its stop ${input.stopPrice}: it could never fill once triggered by a rise`;
  return null;
}

/** Price the order and ask the exchange for a preview; records nothing. */
export async function quoteOrder(ctx: Pick<RouterContext, 'exchange'>, input: PlaceOrderInput): Promise<Quote> {
  const priced = await priceOrder(ctx, input);
  const preview = await ctx.exchange!.previewOrder({ productId: input.product, side: input.side, configuration: priced.config });
  return { ...priced, preview };
}

/** The guard state now; a read that fails refuses the order (fail closed). */
async function readGuard(ctx: RouterContext): Promise<GuardState> {
  try {
    return await ctx.guard();
  } catch (err) {
    throw new LedgerError('invalid', err instanceof GuardUnavailable ? err.message : new GuardUnavailable((err as Error).message).message);
  }
}

/** Mid price of a product on the exchange's book. */
async function midOf(exchange: ExchangePort, product: string): Promise<Dec> {
  const book = await exchange.getBook(product, 1);
  const bid = book.bids[0]?.price;
  const ask = book.asks[0]?.price;
  if (!bid || !ask) throw new LedgerError('invalid', `no two-sided book for ${product}: the live position in it cannot be valued, so the risk limits cannot be checked`);
  return Dec.of(bid).add(ask).div('2');
}

/**
 * The risk limits for one live order, on the live book (core/orders/live-book.ts): the same
 * `checkOrder` as the paper book, fed with Vigil's own live fills, positions at the exchange's
 * prices and today's live orders.
 */
export async function checkLiveRisk(ctx: RouterContext, input: PlaceOrderInput, priced: Priced, guard: GuardState, funding: Wallet): Promise<RiskVerdict> {
  const now = ctx.now?.() ?? Date.now();
  const fills: LiveFill[] = ctx.ledger.liveFills().map((f) => ({ ...f, at: Date.parse(f.at) }));
  const marks = new Map<string, Dec>([[input.product, Dec.of(priced.gate.mid)]]);
  for (const product of productsToMark(fills, liveBook(fills), now)) {
    if (!marks.has(product)) marks.set(product, await midOf(ctx.exchange!, product));
  }
  const { quote } = parseProduct(input.product);
  const trading = ctx.ledger.wallet(Ledger.walletId(funding.exchange, funding.exchangeAccount, 'trading'));
  const quoteAvailable = Dec.of(ctx.ledger.tradeable(funding.id, quote)).add(ctx.ledger.balance(trading.id, quote));
  return checkOrder(
    liveRiskContext({
      limits: guard.riskLimits,
      side: input.side === 'BUY' ? 'buy' : 'sell',
      product: input.product,
      orderNotional: Dec.of(priced.gate.notional),
      fills,
      marks,
      quoteAvailable,
      ordersToday: ctx.ledger.liveOrdersSentSince(new Date(dayStart(now)).toISOString()),
      now,
    }),
  );
}

/** What an order would do now, shown before it is sent (a live-order request, `vigil trade place --live`). */
export interface OrderPlan {
  qty: string;
  side: 'BUY' | 'SELL';
  product: string;
  walletId: string;
  orderType: 'market' | 'limit' | 'stop_limit' | 'bracket';
  limitPrice: string | null;
  /** A stop-limit's stop, a bracket's stop trigger. */
  stopPrice: string | null;
  /** The cost gate's verdict and the numbers behind it. */
  gate: { decision: 'proceed' | 'blocked' | 'override'; reason: string; notional: string; fee: string; spread: string; slippage: string; total: string; expectedEdgeAmount: string };
  /** The exchange's own preview of the order. */
  preview: { orderTotal: string | null; commissionTotal: string | null; errors: string[] };
  /** Why the order would not go out live right now (not armed, no fraction…), or null. */
  liveBlocker: string | null;
}

export type PlanResult = { ok: true; plan: OrderPlan } | { ok: false; rule: GuardRule | null; reason: string };

/**
 * The order port's verdict on an order without placing it: kill switch, risk limits, cost gate,
 * then the exchange's preview. Records nothing. A refusal names the rule; input the ledger or the
 * exchange refuses (unknown wallet, size below one increment, a refused preview) is a refusal too.
 */
export async function planOrder(ctx: RouterContext, input: PlaceOrderInput): Promise<PlanResult> {
  let wallet: Wallet;
  try {
    wallet = ctx.ledger.wallet(input.walletId);
  } catch (err) {
    if (err instanceof LedgerError) return { ok: false, rule: null, reason: err.message };
    throw err;
  }
  const funding = wallet.kind === 'funding' ? wallet : ctx.ledger.wallet(Ledger.walletId(wallet.exchange, wallet.exchangeAccount, 'funding'));
  let guard: GuardState;
  try {
    guard = await readGuard(ctx);
  } catch (err) {
    return { ok: false, rule: null, reason: (err as Error).message };
  }
  if (guard.killSwitch) return { ok: false, rule: 'kill_switch', reason: KILL_SWITCH_REASON };
  try {
    const priced = await priceOrder(ctx, input);
    const risk = await checkLiveRisk(ctx, input, priced, guard, funding);
    if (!risk.ok) return { ok: false, rule: risk.rule, reason: risk.reason };
    const preview = await ctx.exchange!.previewOrder({ productId: input.product, side: input.side, configuration: priced.config });
    const g = priced.gate;
    return {
      ok: true,
      plan: {
        qty: priced.qty,
        side: input.side,
        product: input.product,
        walletId: wallet.id,
        orderType: orderTypeOf(input),
        limitPrice: input.limitPrice ?? null,
        stopPrice: input.stopPrice ?? null,
        gate: { decision: g.decision, reason: g.reason, notional: g.notional, fee: g.fee, spread: g.spread, slippage: g.slippage, total: g.total, expectedEdgeAmount: g.expectedEdgeAmount },
        preview: { orderTotal: preview.order_total ?? null, commissionTotal: preview.commission_total ?? null, errors: preview.errs },
        liveBlocker: liveBlocker(ctx, funding),
      },
    };
  } catch (err) {
    if (err instanceof LedgerError) return { ok: false, rule: null, reason: err.message };
    const e = err as { name?: string; kind?: string; message?: string };
    if (e.name === 'CoinbaseError' && (e.kind === 'auth' || e.kind === 'rejected' || e.kind === 'not_found' || e.kind === 'bad_response')) return { ok: false, rule: null, reason: `Coinbase refused the preview: ${e.message ?? ''}` };
    throw err;
  }
}

/** Who placed an order and in which chain of events; set by the door, not by the caller. */
export interface OrderMeta {
  placedBy?: string;
}

/**
 * Step 1, the order port's production half. Idempotent: a known key returns (and, if interrupted,
 * resumes) the existing order. In order: the kill switch (before anything is priced), the risk
 * limits on the live book, the cost gate, then the exchange's preview; an order any of them refuses
 * is recorded as blocked with the rule that refused it. A dry run records the decision and the
 * preview; live reserves and funds the trading wallet, to be sent by `submitOrder`.
 */
export async function prepareOrder(ctx: RouterContext, raw: PlaceOrderInput, meta: OrderMeta = {}): Promise<OrderOutcome> {
  const input = PlaceOrderInput.parse(raw);
  const { ledger } = ctx;
  const requestHash = hashRequest({ ...input, correlationId: undefined });
  const existing = ledger.orderByClientId(input.idempotencyKey);
  if (existing) return replay(ledger, existing, requestHash);

  const wallet = ledger.wallet(input.walletId);
  if (wallet.kind !== 'funding' && wallet.kind !== 'trading') throw new LedgerError('invalid', `${wallet.id} is a ${wallet.kind} account; orders draw on a funding wallet`);
  const funding = wallet.kind === 'funding' ? wallet : ledger.wallet(Ledger.walletId(wallet.exchange, wallet.exchangeAccount, 'funding'));
  const trading = ledger.wallet(Ledger.walletId(wallet.exchange, wallet.exchangeAccount, 'trading'));
  const live = input.live && liveBlocker(ctx, funding) === null;
  const blockedLive = input.live && !live ? liveBlocker(ctx, funding) : null;
  const correlationId = input.correlationId ?? `order:${input.idempotencyKey}`;
  const placedBy = meta.placedBy ?? null;
  const row = (q: Priced | null) => ({
    clientOrderId: input.idempotencyKey,
    walletId: trading.id,
    product: input.product,
    side: input.side,
    orderType: orderTypeOf(input),
    stopPrice: input.stopPrice ?? null,
    baseSize: input.notional ? null : (q?.qty ?? input.qty ?? null),
    quoteSize: input.notional ?? null,
    limitPrice: input.limitPrice ?? null,
    postOnly: input.postOnly,
    correlationId,
    placedBy,
  });

  /** Records a refusal at the port: the order row (blocked, with its rule), the event, the key. */
  const refuse = (rule: GuardRule, reason: string, q: Priced | null): OrderOutcome =>
    ledger.tx(() => {
      const raced = ledger.orderByClientId(input.idempotencyKey);
      if (raced) return replay(ledger, raced, requestHash);
      ledger.claimKey(input.idempotencyKey, 'ledger_order', requestHash);
      const costId = q ? ledger.recordCostDecision({ clientOrderId: input.idempotencyKey, product: input.product, side: input.side, expectedEdge: input.expectedEdge, gate: q.gate, overrideReason: input.override?.reason }) : null;
      const { order } = ledger.createOrder({ ...row(q), mode: live ? 'live' : 'dry_run', status: 'blocked', reason, reservationId: null, costEstimateId: costId, preview: { requestHash }, blockRule: rule });
      ledger.appendEventInTx({
        type: 'order.blocked',
        summary: `${input.side} ${q?.qty ?? input.qty ?? `${input.notional} (notional)`} ${input.product} blocked by ${rule}: ${reason}`,
        data: { orderId: order.id, clientOrderId: order.clientOrderId, rule, reason, placedBy, ...(q ? { gate: q.gate } : {}) },
        correlationId,
      });
      ledger.completeKey(input.idempotencyKey, { orderId: order.id });
      return outcome(ledger, order, false);
    });

  const guard = await readGuard(ctx);
  if (guard.killSwitch) return refuse('kill_switch', KILL_SWITCH_REASON, null);
  const priced = await priceOrder(ctx, input);
  const risk = await checkLiveRisk(ctx, input, priced, guard, funding);
  if (!risk.ok) return refuse(risk.rule, risk.reason, priced);
  // A protective exit only closes what is held: the cost gate does not hold it back (as on paper).
  if (priced.gate.decision === 'blocked' && !isExit(input)) return refuse('cost_gate', priced.gate.reason, priced);
  const preview = await ctx.exchange!.previewOrder({ productId: input.product, side: input.side, configuration: priced.config });
  const q: Quote = { ...priced, preview };
  const { base, quote } = parseProduct(input.product);

  return ledger.tx(() => {
    // Re-check inside the write lock: a concurrent caller may have won the race.
    const raced = ledger.orderByClientId(input.idempotencyKey);
    if (raced) return replay(ledger, raced, requestHash);
    ledger.claimKey(input.idempotencyKey, 'ledger_order', requestHash);
    const costId = ledger.recordCostDecision({
      clientOrderId: input.idempotencyKey,
      product: input.product,
      side: input.side,
      expectedEdge: input.expectedEdge,
      gate: q.gate,
      overrideReason: input.override?.reason,
    });
    ledger.appendEventInTx({
      type: 'ledger.cost_gate',
      summary: `${input.side} ${q.qty} ${input.product}: ${q.gate.decision} (${q.gate.reason})`,
      data: { clientOrderId: input.idempotencyKey, costEstimateId: costId, placedBy, ...q.gate },
      correlationId,
    });
    const base_ = { ...row(q), costEstimateId: costId, preview: { ...q.preview, requestHash } };
    if (!live) {
      const why = blockedLive ? `dry run: ${blockedLive}` : 'dry run: previewed and recorded, nothing sent';
      const { order } = ledger.createOrder({ ...base_, mode: 'dry_run', status: 'dry_run', reason: why, reservationId: null });
      ledger.appendEventInTx({
        type: 'order.dry_run',
        summary: `would ${input.side} ${q.qty} ${input.product} (${why})`,
        data: { orderId: order.id, clientOrderId: order.clientOrderId, preview: q.preview, placedBy },
        correlationId,
      });
      ledger.completeKey(input.idempotencyKey, { orderId: order.id });
      return outcome(ledger, order, false);
    }
    // Live: reserve on funding (fraction and other holds apply), then move it to trading.
    const need =
      input.side === 'BUY'
        ? ledger.roundFor(quote, Dec.of(q.gate.notional).add(q.gate.fee).mul(Dec.ONE.add(RESERVE_MARGIN)), 'up')
        : ledger.roundFor(base, q.qty, 'up');
    const currency = input.side === 'BUY' ? quote : base;
    const r = ledger.reserve({ walletId: funding.id, currency, amount: need, purpose: `order ${input.idempotencyKey}`, correlationId, ttlMs: 24 * 3600_000 });
    ledger.transferInTx({
      from: funding.id,
      to: trading.id,
      currency,
      amount: need,
      memo: `fund order ${input.idempotencyKey}`,
      correlationId,
      sourceRef: `fund:${input.idempotencyKey}`,
      reservationId: r.id,
    });
    const { order } = ledger.createOrder({ ...base_, mode: 'live', status: 'submitting', reason: q.gate.decision === 'override' ? q.gate.reason : null, reservationId: r.id });
    ledger.appendEventInTx({
      type: 'order.submitting',
      summary: `sending ${input.side} ${q.qty} ${input.product} to Coinbase`,
      data: { orderId: order.id, clientOrderId: order.clientOrderId, reservationId: r.id, placedBy },
      correlationId,
    });
    return outcome(ledger, order, false);
  });
}

function replay(ledger: Ledger, order: OrderRow, requestHash: string): OrderOutcome {
  const stored = (order.preview as { requestHash?: string } | null)?.requestHash;
  if (stored && stored !== requestHash) {
    throw new LedgerError('conflict', `idempotency key ${JSON.stringify(order.clientOrderId)} was already used for a different order (${order.side} ${order.product}, ${order.mode}); use a new key`);
  }
  return outcome(ledger, order, true);
}

/** Settle an order that will not be sent: blocked with its reason, reserved funds returned. */
function blockUnsent(ledger: Ledger, orderId: string, rule: GuardRule | null, reason: string): void {
  ledger.tx(() => {
    if (ledger.order(orderId).status !== 'submitting') return;
    ledger.updateOrder(orderId, { status: 'blocked', reason, blockRule: rule });
    finalizeInTx(ledger, orderId, reason);
  });
}

/**
 * Step 2: send to the exchange (safe to repeat: client_order_id dedupes there). The kill switch is
 * read again right before the call: engaged (or unreadable), an order the exchange never saw is
 * blocked and its funds returned. One that was handed over before (a crash mid-send) is looked up
 * by its client_order_id instead of sent again — adopted if the exchange has it, blocked if not —
 * so an engaged kill switch never lets a first copy through late.
 */
export async function submitOrder(ctx: RouterContext, orderId: string): Promise<OrderOutcome> {
  const { ledger } = ctx;
  const order = ledger.order(orderId);
  if (order.status !== 'submitting') return outcome(ledger, order, true);
  if (!ctx.exchange) throw new LedgerError('invalid', 'Coinbase is not configured');
  let stop: { rule: GuardRule | null; reason: string } | null = null;
  try {
    if ((await ctx.guard()).killSwitch) stop = { rule: 'kill_switch', reason: `not sent: ${KILL_SWITCH_REASON}` };
  } catch (err) {
    stop = { rule: null, reason: `not sent: ${err instanceof GuardUnavailable ? err.message : new GuardUnavailable((err as Error).message).message}` };
  }
  if (stop) {
    if (order.sentAt) {
      const since = new Date(Date.parse(order.sentAt) - 10 * 60_000).toISOString();
      const found = await ctx.exchange.findOrderByClientId(order.product, order.clientOrderId, since);
      if (found) return adopt(ctx, orderId, found.order_id);
    }
    blockUnsent(ledger, orderId, stop.rule, stop.reason);
    return outcome(ledger, ledger.order(orderId), false);
  }
  const cfg = configurationFor({ type: order.orderType, side: order.side, qty: order.baseSize, notional: order.quoteSize, limitPrice: order.limitPrice, stopPrice: order.stopPrice, postOnly: order.postOnly });
  if (!order.sentAt) ledger.updateOrder(orderId, { sentAt: ledger.nowIso() });
  let res: Awaited<ReturnType<ExchangePort['createOrder']>>;
  try {
    res = await ctx.exchange.createOrder({ clientOrderId: order.clientOrderId, productId: order.product, side: order.side, configuration: cfg });
  } catch (err) {
    // A 4xx refusal of the request itself means no order exists: settle it as rejected. Anything
    // else (timeout, 5xx, auth) leaves it `submitting`, to be resumed with the same key.
    const e = err as { name?: string; kind?: string; message?: string };
    if (e.name !== 'CoinbaseError' || e.kind !== 'rejected') throw err;
    res = { success: false, error_response: { error: 'REQUEST_REJECTED', message: e.message } };
  }
  if (!res.success || !res.success_response) {
    const reason = `rejected by Coinbase: ${res.error_response?.error ?? 'UNKNOWN'} ${res.error_response?.message ?? ''}`.trim();
    ledger.tx(() => {
      // Another caller (the order's workflow, a sweep) may have settled it while we waited.
      if (ledger.order(orderId).status !== 'submitting') return;
      ledger.updateOrder(orderId, { status: 'rejected', reason });
      finalizeInTx(ledger, orderId, reason);
    });
    return outcome(ledger, ledger.order(orderId), false);
  }
  return adopt(ctx, orderId, res.success_response.order_id);
}

/** The exchange has the order: record its id and move it to `open` (fills follow by sync). */
function adopt(ctx: RouterContext, orderId: string, exchangeOrderId: string): OrderOutcome {
  const { ledger } = ctx;
  const order = ledger.order(orderId);
  ledger.tx(() => {
    if (ledger.order(orderId).status !== 'submitting') return;
    ledger.updateOrder(orderId, { status: 'open', exchangeOrderId });
    ledger.appendEventInTx({
      type: 'order.accepted',
      summary: `Coinbase accepted ${order.side} ${order.product} (${exchangeOrderId})`,
      data: { orderId, clientOrderId: order.clientOrderId, exchangeOrderId },
      correlationId: order.correlationId,
    });
  });
  return outcome(ledger, ledger.order(orderId), false);
}

/** Step 3: pull fills and status; record new fills; finalize when the order is done. */
export async function syncOrder(ctx: RouterContext, orderId: string): Promise<OrderOutcome> {
  const { ledger } = ctx;
  const order = ledger.order(orderId);
  if (order.status !== 'open' || !order.exchangeOrderId) return outcome(ledger, order, true);
  if (!ctx.exchange) throw new LedgerError('invalid', 'Coinbase is not configured');
  const [fills, remote] = await Promise.all([ctx.exchange.listFills({ orderIds: [order.exchangeOrderId] }), ctx.exchange.getOrder(order.exchangeOrderId)]);
  for (const f of fills) recordFillSafely(ctx, order, f);
  const terminal: Record<string, OrderRow['status']> = { FILLED: 'filled', CANCELLED: 'cancelled', EXPIRED: 'cancelled', FAILED: 'failed' };
  const next = terminal[remote.status];
  if (next) {
    ledger.tx(() => {
      if (ledger.order(orderId).status !== 'open') return;
      ledger.updateOrder(orderId, { status: next });
      finalizeInTx(ledger, orderId, `order ${next}`);
    });
  }
  return outcome(ledger, ledger.order(orderId), false);
}

function recordFillSafely(ctx: RouterContext, order: OrderRow, f: Fill): void {
  const { ledger } = ctx;
  const input = { tradeId: f.trade_id, orderId: order.id, size: f.size, price: f.price, fee: f.commission, at: f.trade_time, liquidity: f.liquidity_indicator === 'MAKER' ? ('MAKER' as const) : f.liquidity_indicator === 'TAKER' ? ('TAKER' as const) : ('UNKNOWN' as const) };
  try {
    ledger.recordFill(input);
  } catch (err) {
    if (!(err instanceof LedgerError) || err.code !== 'insufficient') throw err;
    // The exchange filled more than was moved (price moved past the margin). The fill is real, so
    // top the trading wallet up from funding for the shortfall, then record it.
    const w = ledger.wallet(order.walletId);
    const { base, quote } = parseProduct(order.product);
    const cur = order.side === 'BUY' ? quote : base;
    const need = order.side === 'BUY' ? Dec.of(f.size).mul(f.price).add(f.commission) : Dec.of(f.size);
    const short = ledger.roundFor(cur, need.sub(ledger.balance(w.id, cur)), 'up');
    ledger.tx(() => {
      ledger.transferInTx({ from: Ledger.walletId(w.exchange, w.exchangeAccount, 'funding'), to: w.id, currency: cur, amount: short, memo: `cover fill ${f.trade_id}`, correlationId: order.correlationId });
      ledger.appendEventInTx({ type: 'ledger.fill_topped_up', summary: `fill ${f.trade_id} needed ${short} ${cur} more than reserved`, data: { tradeId: f.trade_id, short }, correlationId: order.correlationId });
    });
    ledger.recordFill(input);
  }
}

/** Return what the order did not use to funding and close its reservation. */
function finalizeInTx(ledger: Ledger, orderId: string, reason: string): void {
  const order = ledger.order(orderId);
  if (!order.reservationId) return;
  const r = ledger.reservation(order.reservationId);
  const unused = Dec.of(r.amount).sub(r.consumed);
  const w = ledger.wallet(order.walletId);
  const funding = Ledger.walletId(w.exchange, w.exchangeAccount, 'funding');
  const back = Dec.min(unused, ledger.balance(w.id, r.currency));
  if (back.isPositive() && w.id !== funding) {
    ledger.transferInTx({ from: w.id, to: funding, currency: r.currency, amount: back.toString(), memo: `return unused from ${order.clientOrderId}`, correlationId: order.correlationId, sourceRef: `return:${order.clientOrderId}` });
  }
  ledger.releaseInTx(r.id, reason);
  ledger.completeKey(order.clientOrderId, { orderId });
  ledger.appendEventInTx({
    type: `order.${order.status}`,
    summary: `${order.side} ${order.product} ${order.status}: filled ${order.filledBase}`,
    data: { orderId, clientOrderId: order.clientOrderId, filledBase: order.filledBase, returned: back.toString() },
    correlationId: order.correlationId,
  });
}

export interface SweepReport {
  checked: number;
  /** Orders that were left alone because a live workflow still drives them. */
  watched: number;
  /** Orders moved on: `submitting` re-sent (same client order id), `open` synced. */
  resumed: { orderId: string; clientOrderId: string; from: OrderRow['status']; to: OrderRow['status'] }[];
  errors: { orderId: string; error: string }[];
}

/**
 * Orders nobody is driving any more: `submitting` ones whose process died before Coinbase's answer
 * was recorded, and `open` ones whose polling ended (a resting limit order outlives the order
 * workflow's poll budget). Each is resumed with its own client order id — Coinbase answers a
 * repeated id with the order it already has, so nothing is placed twice — and its fills and final
 * status recorded. `watched(order)` says whether a live workflow still drives it (left alone).
 * Errors (an unreachable exchange) are reported per order, never thrown: the next sweep retries.
 */
export async function sweepOrders(ctx: RouterContext, watched: (o: OrderRow) => Promise<boolean>): Promise<SweepReport> {
  const report: SweepReport = { checked: 0, watched: 0, resumed: [], errors: [] };
  if (!ctx.exchange) return report;
  const candidates = [...ctx.ledger.listOrders({ status: 'submitting', limit: 1000 }), ...ctx.ledger.listOrders({ status: 'open', limit: 1000 })];
  for (const o of candidates) {
    report.checked++;
    if (await watched(o)) {
      report.watched++;
      continue;
    }
    try {
      let out = o.status === 'submitting' ? await submitOrder(ctx, o.id) : null;
      if (!out || out.status === 'open') out = await syncOrder(ctx, o.id);
      if (out.status !== o.status || o.status === 'submitting') {
        report.resumed.push({ orderId: o.id, clientOrderId: o.clientOrderId, from: o.status, to: out.status });
        ctx.ledger.appendEvent({
          type: 'order.swept',
          summary: `${o.side} ${o.product} (${o.clientOrderId}) was ${o.status} with nothing driving it; now ${out.status}`,
          data: { orderId: o.id, clientOrderId: o.clientOrderId, from: o.status, to: out.status },
          correlationId: o.correlationId,
        });
      }
    } catch (err) {
      report.errors.push({ orderId: o.id, error: (err as Error).message });
    }
  }
  return report;
}

/** Cancel an open order on the exchange and settle it. */
export async function cancelLedgerOrder(ctx: RouterContext & { exchange: ExchangePort & { cancelOrders(ids: string[]): Promise<{ success: boolean }[]> } }, orderId: string): Promise<OrderOutcome> {
  const order = ctx.ledger.order(orderId);
  if (order.status === 'open' && order.exchangeOrderId) await ctx.exchange.cancelOrders([order.exchangeOrderId]);
  return syncOrder(ctx, orderId);
}

/** The whole path in-process (the CLI with no cockpit): prepare, submit, poll fills until done. */
export async function placeOrderInProcess(ctx: RouterContext, input: PlaceOrderInput, opts: { pollMs?: number; maxPolls?: number } = {}): Promise<OrderOutcome> {
  let o = await prepareOrder(ctx, input);
  if (o.status === 'submitting') o = await submitOrder(ctx, o.orderId);
  for (let i = 0; o.status === 'open' && i < (opts.maxPolls ?? 20); i++) {
    o = await syncOrder(ctx, o.orderId);
    if (o.status === 'open') await new Promise((r) => setTimeout(r, opts.pollMs ?? 500));
  }
  return o;
}

/** Exchange balances per portfolio for reconcile (available + hold). */
export async function exchangeBalances(exchange: ExchangePort): Promise<Record<string, Record<string, string>>> {
  const out: Record<string, Record<string, string>> = {};
  for (const a of await exchange.listAccounts()) {
    const pf = a.retail_portfolio_id ?? 'default';
    const total = Dec.of(a.available_balance.value).add(a.hold?.value ?? '0');
    const acct = (out[pf] ??= {});
    acct[a.currency] = Dec.of(acct[a.currency] ?? '0').add(total).toString();
  }
  return out;
}

/** First run: create the wallets of each Coinbase portfolio and post opening balances from equity. */
export async function seedFromExchange(ctx: Pick<RouterContext, 'ledger' | 'exchange' | 'log'>): Promise<{ wallets: string[]; entries: number; skipped: string[] }> {
  if (!ctx.exchange) throw new LedgerError('invalid', 'Coinbase is not configured (COINBASE_API_KEY_NAME / COINBASE_API_PRIVATE_KEY)');
  const balances = await exchangeBalances(ctx.exchange);
  const { ledger } = ctx;
  const wallets: string[] = [];
  const skipped: string[] = [];
  let entries = 0;
  for (const [pf, cur] of Object.entries(balances)) {
    const { funding } = ledger.ensureAccount('coinbase', pf, `Coinbase ${pf.slice(0, 8)}`);
    wallets.push(funding.id, Ledger.walletId('coinbase', pf, 'trading'));
    for (const [c, amount] of Object.entries(cur)) {
      const amt = ledger.roundFor(c, amount, 'down');
      if (Dec.of(amt).isZero()) continue;
      const res = ledger.post({
        kind: 'opening',
        memo: `opening balance from Coinbase: ${amt} ${c}`,
        sourceRef: `seed:${pf}:${c}`,
        postings: [
          { walletId: funding.id, currency: c, amount: amt },
          { walletId: Ledger.walletId('coinbase', pf, 'equity'), currency: c, amount: Dec.of(amt).neg().toString() },
        ],
      });
      if (res.duplicate) skipped.push(`${pf}:${c}`);
      else entries++;
    }
  }
  ledger.appendEvent({ type: 'ledger.seeded', summary: `seeded ${entries} opening balances from Coinbase`, data: { wallets, entries, skipped } });
  return { wallets, entries, skipped };
}
