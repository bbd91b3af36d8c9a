/**
 * The fill function: what a market or limit order would execute at, given a reference price,
 * the product's rules, fees, the spread and size-dependent slippage. Shared by the paper ledger
 * and the backtest engine so that both price an order the same way.
 *
 * Prices always move against the trader: a buy pays the ask plus slippage rounded up to the
 * price step, a sell receives the bid minus slippage rounded down.
 */
import { Dec } from '../domain/decimal';
import type { BarPrices } from '../domain/market';
import { COINBASE_ENTRY_TIER, feeFor } from './fees';
import type { BookTop, FillModel, Liquidity, ProductSpec, Side, SlippageModel } from './types';

export const DEFAULT_SLIPPAGE: SlippageModel = { baseBps: 0, impactBps: 5, impactRefNotional: 10_000, maxBps: 500 };
export const DEFAULT_FILL_MODEL: FillModel = { fees: COINBASE_ENTRY_TIER, slippage: DEFAULT_SLIPPAGE };

const BPS = Dec.int(10_000);

export type RejectCode = 'invalid_size' | 'below_minimum' | 'invalid_price' | 'no_price';

export type FillQuote =
  | {
      ok: true;
      quantity: Dec;
      price: Dec;
      notional: Dec;
      fee: Dec;
      liquidity: Liquidity;
      referencePrice: Dec;
      /** Adverse distance of `price` from `referencePrice`, in bps (spread + impact). */
      slippageBps: number;
    }
  | { ok: false; code: RejectCode; reason: string };

export type Reject = Extract<FillQuote, { ok: false }>;
const reject = (code: RejectCode, reason: string): Reject => ({ ok: false, code, reason });

/** Smallest multiple of `inc` that is >= x (x >= 0). */
export function ceilTo(x: Dec, inc: Dec | string): Dec {
  const f = x.floorTo(inc);
  return f.lt(x) ? f.add(inc) : f;
}

/**
 * Impact in bps for a taker order of this notional: base + k * sqrt(notional / ref), capped.
 * The square-root law of market impact (Almgren et al. 2005; Bouchaud et al. 2018) in its
 * simplest form, with the book depth folded into `impactRefNotional`. Rounded to 1/10000 bp so
 * that the same inputs give the same price on every platform.
 */
export function slippageBps(notional: Dec, model: SlippageModel): number {
  // No impact term: the size does not matter.
  if (model.impactBps === 0) return Math.round(Math.min(model.maxBps, model.baseBps) * 10_000) / 10_000;
  const n = Math.max(0, notional.toNumber());
  const raw = model.baseBps + model.impactBps * Math.sqrt(n / model.impactRefNotional);
  return Math.round(Math.min(model.maxBps, raw) * 10_000) / 10_000;
}

/** Checks a quantity against the product's step and minimum. */
export function checkQuantity(spec: ProductSpec, quantity: Dec): Reject | null {
  if (!quantity.isPositive()) return reject('invalid_size', `quantity must be positive, got ${quantity.toString()}`);
  if (!quantity.floorTo(spec.baseIncrement).eq(quantity)) {
    return reject('invalid_size', `quantity ${quantity.toString()} is not a multiple of ${spec.symbol}'s size step ${spec.baseIncrement}`);
  }
  if (quantity.lt(spec.baseMinSize)) {
    return reject('below_minimum', `quantity ${quantity.toString()} is below ${spec.symbol}'s minimum size ${spec.baseMinSize}`);
  }
  return null;
}

export function checkNotional(spec: ProductSpec, notional: Dec): Reject | null {
  if (notional.lt(spec.quoteMinSize)) {
    return reject('below_minimum', `order value ${notional.toFixed(2)} is below ${spec.symbol}'s minimum ${spec.quoteMinSize}`);
  }
  return null;
}

export function checkLimitPrice(spec: ProductSpec, limitPrice: Dec): Reject | null {
  if (!limitPrice.isPositive()) return reject('invalid_price', `limit price must be positive, got ${limitPrice.toString()}`);
  if (!limitPrice.floorTo(spec.quoteIncrement).eq(limitPrice)) {
    return reject('invalid_price', `limit price ${limitPrice.toString()} is not a multiple of ${spec.symbol}'s price step ${spec.quoteIncrement}`);
  }
  return null;
}

/** The touch price a taker crosses: the live book when known, else mid +/- half the estimated spread. */
export function touchPrice(side: Side, mid: Dec, spec: ProductSpec, book?: BookTop): Dec {
  if (book) return Dec.of(side === 'buy' ? book.ask : book.bid);
  const spread = Dec.of(spec.spreadBps);
  if (spread.isZero()) return mid;
  const half = mid.mul(spread).div(BPS).div('2');
  return side === 'buy' ? mid.add(half) : mid.sub(half);
}

export interface MarketFillArgs {
  spec: ProductSpec;
  side: Side;
  /** Exactly one of quantity (base) or notional (quote, fees excluded). */
  quantity?: Dec;
  notional?: Dec;
  /** The mark: last trade or mid. */
  mid: Dec;
  book?: BookTop;
  model: FillModel;
}

/** Prices a market (taker) order. Does not look at cash or positions: see `checkFillable`. */
export function quoteMarketFill(a: MarketFillArgs): FillQuote {
  if (!a.mid.isPositive()) return reject('no_price', `no valid market price for ${a.spec.symbol}`);
  if ((a.quantity === undefined) === (a.notional === undefined)) return reject('invalid_size', 'give exactly one of quantity or notional');
  const touch = touchPrice(a.side, a.mid, a.spec, a.book);
  const estNotional = a.notional ?? a.quantity!.mul(touch);
  const bps = slippageBps(estNotional, a.model.slippage);
  // No slippage: the factor is exactly 1.
  const raw = bps === 0 ? touch : touch.mul(Dec.ONE.add(Dec.fromMeasured(a.side === 'buy' ? bps : -bps).div(BPS)));
  const price = a.side === 'buy' ? ceilTo(raw, a.spec.quoteIncrement) : raw.floorTo(a.spec.quoteIncrement);
  if (!price.isPositive()) return reject('no_price', `slippage leaves no positive price for ${a.spec.symbol}`);
  const quantity = a.quantity ?? a.notional!.divFloorTo(price, a.spec.baseIncrement);
  const bad = checkQuantity(a.spec, quantity);
  if (bad) return bad;
  const notional = quantity.mul(price);
  const small = checkNotional(a.spec, notional);
  if (small) return small;
  return {
    ok: true,
    quantity,
    price,
    notional,
    fee: feeFor(notional, 'taker', a.model.fees),
    liquidity: 'taker',
    referencePrice: a.mid,
    slippageBps: adverseBps(a.side, price, a.mid),
  };
}

/** The adverse move from reference to price in bps, for reporting (float: a statistic). */
export function adverseBps(side: Side, price: Dec, reference: Dec): number {
  if (price === reference) return 0;
  const d = side === 'buy' ? price.sub(reference) : reference.sub(price);
  if (d.isZero()) return 0;
  return Math.round(d.div(reference).toNumber() * 1e4 * 1e4) / 1e4;
}

/** Quantity of a limit order: given, or notional / limit price floored to the size step. */
export function limitQuantity(spec: ProductSpec, limitPrice: Dec, quantity?: Dec, notional?: Dec): Dec | Reject {
  if ((quantity === undefined) === (notional === undefined)) return reject('invalid_size', 'give exactly one of quantity or notional');
  const badPrice = checkLimitPrice(spec, limitPrice);
  if (badPrice) return badPrice;
  const q = quantity ?? notional!.divFloorTo(limitPrice, spec.baseIncrement);
  const bad = checkQuantity(spec, q) ?? checkNotional(spec, q.mul(limitPrice));
  return bad ?? q;
}

/**
 * A resting limit order against one bar: fills at its own price, as maker, when the bar's range
 * reaches it (buy: low <= limit; sell: high >= limit). Returns null when not crossed. Filling at
 * the limit even on a gap is the conservative reading of a bar: it never grants price improvement
 * the bar cannot prove.
 */
export function limitCrossFill(spec: ProductSpec, side: Side, quantity: Dec, limitPrice: Dec, bar: Pick<BarPrices, 'high' | 'low'>, model: FillModel): FillQuote | null {
  const crossed = side === 'buy' ? Dec.of(bar.low).lte(limitPrice) : Dec.of(bar.high).gte(limitPrice);
  if (!crossed) return null;
  const notional = quantity.mul(limitPrice);
  return {
    ok: true,
    quantity,
    price: limitPrice,
    notional,
    fee: feeFor(notional, 'maker', model.fees),
    liquidity: 'maker',
    referencePrice: limitPrice,
    slippageBps: 0,
  };
}

/**
 * A limit order that would cross the touch at once executes as a taker (like a market order
 * capped at the limit). Returns null when it should rest instead.
 */
export function marketableLimitFill(spec: ProductSpec, side: Side, quantity: Dec, limitPrice: Dec, mid: Dec, model: FillModel, book?: BookTop): FillQuote | null {
  const q = quoteMarketFill({ spec, side, quantity, mid, model, ...(book ? { book } : {}) });
  if (!q.ok) return null;
  const withinLimit = side === 'buy' ? q.price.lte(limitPrice) : q.price.gte(limitPrice);
  return withinLimit ? q : null;
}
