/**
 * The cost gate: an order goes ahead only when its expected edge pays for everything it costs,
 * with a margin. Pure and exact (Dec), so the same function serves the paper ledger, the backtest
 * and live routing, and every number it used is returned for the record.
 *
 *   total    = fee + spread + slippage + transfer fee            (quote currency, for this quantity)
 *   fee      = executed notional x (taker rate if marketable, else maker rate)
 *   spread   = marketable ? qty x |touch - mid| : 0               (half the spread, paid on entry)
 *   slippage = marketable ? qty x |VWAP walking the book - touch| : 0
 *   required = total x (1 + safety buffer)                       (buffer default 10%)
 *   proceed  iff expected edge (quote amount) >= required, or an override with a reason
 */
import { Dec } from '../domain/decimal';

export interface BookLevel {
  price: string;
  size: string;
}

export interface CostGateInput {
  side: 'BUY' | 'SELL';
  orderType: 'market' | 'limit';
  /** Base quantity. */
  qty: string;
  limitPrice?: string;
  postOnly?: boolean;
  /** Best first. */
  bids: BookLevel[];
  asks: BookLevel[];
  makerFeeRate: string;
  takerFeeRate: string;
  /** Fee (quote currency) for moving funds to the trading wallet; 0 between portfolios. */
  transferFee?: string;
  /** Expected edge as a fraction of notional (0.004 = 40 bps). */
  expectedEdge: string;
  safetyBuffer?: string;
  override?: { reason: string };
}

export interface CostGateResult {
  decision: 'proceed' | 'blocked' | 'override';
  reason: string;
  marketable: boolean;
  mid: string;
  touch: string;
  vwap: string;
  notional: string;
  fee: string;
  feeRate: string;
  spread: string;
  slippage: string;
  transferFee: string;
  total: string;
  expectedEdgeAmount: string;
  required: string;
  safetyBuffer: string;
  levelsWalked: number;
}

export class CostGateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CostGateError';
  }
}

/** Average price for `qty` walking `levels`; refuses when the book cannot fill it. */
export function walkBook(levels: BookLevel[], qty: Dec): { vwap: Dec; levels: number } {
  let left = qty;
  let cost = Dec.ZERO;
  let used = 0;
  for (const l of levels) {
    if (left.lte(Dec.ZERO)) break;
    const size = Dec.of(l.size);
    if (size.lte(Dec.ZERO)) continue;
    const take = Dec.min(size, left);
    cost = cost.add(take.mul(l.price));
    left = left.sub(take);
    used++;
  }
  if (left.gt(Dec.ZERO)) throw new CostGateError(`order book too thin: ${left.toString()} of ${qty.toString()} could not be matched in ${levels.length} levels`);
  return { vwap: cost.div(qty), levels: used };
}

export const DEFAULT_SAFETY_BUFFER = '0.1';

/**
 * The gate's rule itself, shared by the production ledger (costs from the exchange's book) and the
 * paper book (costs from its fill model): proceed iff the expected edge pays the total cost plus
 * the safety buffer, or an override with a reason says go anyway.
 */
export function costVerdict(i: { edgeAmount: Dec; total: Dec; buffer: Dec; override?: { reason: string } | undefined; places?: number }): { decision: CostGateResult['decision']; reason: string; required: Dec } {
  const required = i.total.mul(Dec.ONE.add(i.buffer));
  const p = i.places ?? 8;
  if (i.edgeAmount.gte(required)) return { decision: 'proceed', reason: `expected edge ${i.edgeAmount.toFixed(p)} covers cost ${i.total.toFixed(p)} x (1 + ${i.buffer.toString()})`, required };
  if (i.override) return { decision: 'override', reason: `override: ${i.override.reason} (edge ${i.edgeAmount.toFixed(p)} < required ${required.toFixed(p)})`, required };
  return { decision: 'blocked', reason: `expected edge ${i.edgeAmount.toFixed(p)} is below the required ${required.toFixed(p)} (cost ${i.total.toFixed(p)} + ${i.buffer.mul('100').toString()}% buffer)`, required };
}

export function evaluateCostGate(input: CostGateInput): CostGateResult {
  const qty = Dec.of(input.qty);
  if (!qty.isPositive()) throw new CostGateError('quantity must be positive');
  const bestBid = input.bids[0];
  const bestAsk = input.asks[0];
  if (!bestBid || !bestAsk) throw new CostGateError('order book is empty: cannot price the order');
  const bid = Dec.of(bestBid.price);
  const ask = Dec.of(bestAsk.price);
  if (ask.lt(bid)) throw new CostGateError(`crossed book (bid ${bid.toString()} > ask ${ask.toString()})`);
  const mid = bid.add(ask).div('2');
  const buffer = Dec.of(input.safetyBuffer ?? DEFAULT_SAFETY_BUFFER);
  if (buffer.isNegative()) throw new CostGateError('safety buffer cannot be negative');
  const edgeFrac = Dec.of(input.expectedEdge);

  const touch = input.side === 'BUY' ? ask : bid;
  let marketable = input.orderType === 'market';
  if (input.orderType === 'limit') {
    if (!input.limitPrice) throw new CostGateError('a limit order needs a limit price');
    const lp = Dec.of(input.limitPrice);
    marketable = input.side === 'BUY' ? lp.gte(ask) : lp.lte(bid);
    if (marketable && input.postOnly) throw new CostGateError('post-only limit order would cross the book');
  }

  let vwap = touch;
  let levelsWalked = 0;
  let execPrice: Dec;
  if (marketable) {
    const walked = walkBook(input.side === 'BUY' ? input.asks : input.bids, qty);
    vwap = walked.vwap;
    levelsWalked = walked.levels;
    execPrice = vwap;
  } else {
    execPrice = Dec.of(input.limitPrice as string);
  }
  const notional = qty.mul(execPrice);
  const feeRate = Dec.of(marketable ? input.takerFeeRate : input.makerFeeRate);
  const fee = notional.mul(feeRate);
  const spread = marketable ? qty.mul(touch.sub(mid).abs()) : Dec.ZERO;
  const slippage = marketable ? qty.mul(vwap.sub(touch).abs()) : Dec.ZERO;
  const transferFee = Dec.of(input.transferFee ?? '0');
  const total = fee.add(spread).add(slippage).add(transferFee);
  const edgeAmount = qty.mul(mid).mul(edgeFrac);
  const { decision, reason, required } = costVerdict({ edgeAmount, total, buffer, override: input.override });
  const s = (d: Dec) => d.round(12).toString();
  return {
    decision,
    reason,
    marketable,
    mid: s(mid),
    touch: touch.toString(),
    vwap: s(vwap),
    notional: s(notional),
    fee: s(fee),
    feeRate: feeRate.toString(),
    spread: s(spread),
    slippage: s(slippage),
    transferFee: transferFee.toString(),
    total: s(total),
    expectedEdgeAmount: s(edgeAmount),
    required: s(required),
    safetyBuffer: buffer.toString(),
    levelsWalked,
  };
}
