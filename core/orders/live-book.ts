/**
 * The live side of the risk limits: the numbers `checkOrder` needs, built from Vigil's own live
 * fills in the production ledger, so the same limits (one state, see guard.ts) mean the same thing
 * for live orders as for paper ones. Pure and exact.
 *
 *   position     net base bought through Vigil's live orders, per product (average cost; selling
 *                more than was bought — holdings from before — closes at the sale price, no P&L)
 *   exposure     the sum of positions at their marks
 *   equity       quote the agent may trade with (tradeable funding + trading balance) + exposure
 *   day P&L      P&L of today's live fills (UTC day) marked to now, fees included:
 *                Σ sells' proceeds − Σ buys' cost − Σ fees + (base bought − sold today) × mark.
 *                Positions carried from earlier days are not re-marked: the daily loss limit
 *                stops a day of trading that lost, as the paper book's does for its day.
 *   trades today live orders sent to the exchange since the UTC day began
 *   loss streak  consecutive losing closes (sells below average cost, fees included), newest last
 */
import { Dec } from '../domain/decimal';
import type { RiskContext, RiskLimits } from '../risk/limits';

export interface LiveFill {
  product: string;
  side: 'BUY' | 'SELL';
  size: string;
  price: string;
  fee: string;
  /** Epoch ms. */
  at: number;
}

export interface LivePosition {
  qty: Dec;
  /** Average cost per unit, fees included. */
  avgCost: Dec;
}

export interface LiveBook {
  positions: Map<string, LivePosition>;
  lossStreak: number;
  lastLossAt: number | null;
}

export const DAY_MS = 86_400_000;

export function dayStart(now: number): number {
  return Math.floor(now / DAY_MS) * DAY_MS;
}

/** Replays live fills (oldest first) into positions and the closing-loss streak. */
export function liveBook(fills: readonly LiveFill[]): LiveBook {
  const positions = new Map<string, LivePosition>();
  let lossStreak = 0;
  let lastLossAt: number | null = null;
  for (const f of fills) {
    const size = Dec.of(f.size);
    const price = Dec.of(f.price);
    const fee = Dec.of(f.fee);
    const p = positions.get(f.product) ?? { qty: Dec.ZERO, avgCost: Dec.ZERO };
    if (f.side === 'BUY') {
      const qty = p.qty.add(size);
      const cost = p.qty.mul(p.avgCost).add(size.mul(price)).add(fee);
      positions.set(f.product, { qty, avgCost: qty.isPositive() ? cost.div(qty) : Dec.ZERO });
      continue;
    }
    // A sell closes what Vigil bought first; anything beyond it was held before and has no basis here.
    const closing = Dec.min(size, p.qty);
    if (closing.isPositive()) {
      const pnl = closing.mul(price.sub(p.avgCost)).sub(fee.mul(closing).div(size));
      if (pnl.isNegative()) {
        lossStreak++;
        lastLossAt = f.at;
      } else lossStreak = 0;
    }
    const qty = p.qty.sub(closing);
    positions.set(f.product, { qty, avgCost: qty.isPositive() ? p.avgCost : Dec.ZERO });
  }
  return { positions, lossStreak, lastLossAt };
}

/** P&L of the fills made since `since`, marked to `marks` (fees included). Missing marks throw. */
export function tradingPnlSince(fills: readonly LiveFill[], since: number, marks: ReadonlyMap<string, Dec>): Dec {
  let cash = Dec.ZERO;
  const net = new Map<string, Dec>();
  for (const f of fills) {
    if (f.at < since) continue;
    const notional = Dec.of(f.size).mul(f.price);
    cash = f.side === 'BUY' ? cash.sub(notional) : cash.add(notional);
    cash = cash.sub(f.fee);
    net.set(f.product, (net.get(f.product) ?? Dec.ZERO).add(f.side === 'BUY' ? f.size : Dec.of(f.size).neg()));
  }
  for (const [product, qty] of net) {
    if (qty.isZero()) continue;
    const mark = marks.get(product);
    if (!mark) throw new Error(`no price for ${product} to value today's fills`);
    cash = cash.add(qty.mul(mark));
  }
  return cash;
}

/** Products whose value the risk check needs: open positions and today's traded products. */
export function productsToMark(fills: readonly LiveFill[], book: LiveBook, now: number): string[] {
  const out = new Set<string>();
  for (const [product, p] of book.positions) if (p.qty.isPositive()) out.add(product);
  const since = dayStart(now);
  for (const f of fills) if (f.at >= since) out.add(f.product);
  return [...out].sort();
}

export interface LiveRiskInput {
  limits: RiskLimits;
  side: 'buy' | 'sell';
  product: string;
  /** The order's value at the gate's price (quote). */
  orderNotional: Dec;
  fills: readonly LiveFill[];
  /** Price per product in quote currency (the order's product and every product in productsToMark). */
  marks: ReadonlyMap<string, Dec>;
  /** Quote currency the agent may trade with right now (tradeable funding + trading balance). */
  quoteAvailable: Dec;
  /** Live orders sent since the UTC day began. */
  ordersToday: number;
  now: number;
}

/** The risk context for one live order; the kill switch is checked before this is built. */
export function liveRiskContext(i: LiveRiskInput): RiskContext {
  const book = liveBook(i.fills);
  let exposure = Dec.ZERO;
  let positionValue = Dec.ZERO;
  for (const [product, p] of book.positions) {
    if (!p.qty.isPositive()) continue;
    const mark = i.marks.get(product);
    if (!mark) throw new Error(`no price for ${product} to value the live position`);
    const value = p.qty.mul(mark);
    exposure = exposure.add(value);
    if (product === i.product) positionValue = value;
  }
  return {
    limits: i.limits,
    killSwitch: false,
    side: i.side,
    symbol: i.product,
    orderNotional: i.orderNotional,
    positionValue,
    exposure,
    equity: i.quoteAvailable.add(exposure),
    dayPnl: tradingPnlSince(i.fills, dayStart(i.now), i.marks),
    tradesToday: i.ordersToday,
    lossStreak: book.lossStreak,
    lastLossAt: book.lastLossAt,
    now: i.now,
  };
}
