/**
 * The portfolio kernel: applying a fill to cash and positions. Long-only spot accounting in the
 * quote currency with average-cost positions:
 *
 *   buy : cash -= notional + fee;  costBasis += notional + fee;  quantity += q
 *   sell: removed = costBasis * q / quantity (rounded to 12 places, the rest stays in the basis)
 *         realised = notional - fee - removed
 *         cash += notional - fee;  if realised > 0: scraped = realised * scrapePct, cash -= scraped
 *
 * Buy fees are part of the cost basis, so realised P&L is net of both legs' fees and the identity
 *   cash + scraped + sum(costBasis) = initialCash + realisedPnl
 * holds exactly after every fill (tested). Unrealised P&L is market value - cost basis.
 */
import { Dec } from '../domain/decimal';
import type { Fill, Portfolio, Position, Side } from './types';

const REMOVED_COST_PLACES = 12;

export class KernelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KernelError';
  }
}

export function newPortfolio(initialCash: string, quoteCurrency = 'USD'): Portfolio {
  const cash = Dec.of(initialCash);
  if (cash.isNegative()) throw new KernelError(`initial cash must not be negative, got ${initialCash}`);
  return {
    quoteCurrency,
    initialCash: cash.toString(),
    cash: cash.toString(),
    positions: {},
    totals: { realizedPnl: '0', feesPaid: '0', scrapedProfits: '0', wins: 0, losses: 0, grossProfit: '0', grossLoss: '0', lossStreak: 0, lastLossAt: null },
  };
}

const EMPTY: Position = { quantity: '0', costBasis: '0', realizedPnl: '0', feesPaid: '0' };

export function positionOf(p: Portfolio, symbol: string): Position {
  return p.positions[symbol] ?? EMPTY;
}

/** Why a fill of this size cannot be applied (cash for buys, holdings for sells), or null. */
export function checkFillable(p: Portfolio, symbol: string, side: Side, quantity: Dec, notional: Dec, fee: Dec): string | null {
  if (side === 'buy') {
    const need = notional.add(fee);
    if (need.gt(p.cash)) {
      return `insufficient cash: order needs ${need.toFixed(2)} ${p.quoteCurrency} including fee, available ${Dec.of(p.cash).toFixed(2)}`;
    }
    return null;
  }
  const held = Dec.of(positionOf(p, symbol).quantity);
  if (quantity.gt(held)) return `insufficient ${symbol.split('-')[0]}: selling ${quantity.toString()}, holding ${held.toString()} (no short selling)`;
  return null;
}

export interface ApplyResult {
  portfolio: Portfolio;
  /** Realised P&L of this fill (0 for buys). */
  realizedPnl: Dec;
  /** Amount moved from cash to scraped profits by this fill. */
  scraped: Dec;
}

/** Applies one fill. Pure: returns a new portfolio; throws KernelError if the fill is impossible. */
export function applyFill(p: Portfolio, fill: Fill, scrapePct: string): ApplyResult {
  const q = Dec.of(fill.quantity);
  const notional = Dec.of(fill.notional);
  const fee = Dec.of(fill.fee);
  const pct = Dec.of(scrapePct);
  if (!q.isPositive()) throw new KernelError(`fill ${fill.id}: quantity must be positive`);
  if (pct.isNegative() || pct.gt(Dec.ONE)) throw new KernelError(`profit scrape share must be within 0..1, got ${scrapePct}`);
  const why = checkFillable(p, fill.symbol, fill.side, q, notional, fee);
  if (why) throw new KernelError(`fill ${fill.id}: ${why}`);

  const pos = positionOf(p, fill.symbol);
  const t = p.totals;
  let cash = Dec.of(p.cash);
  let realized = Dec.ZERO;
  let scraped = Dec.ZERO;
  let next: Position;
  const totals = { ...t, feesPaid: Dec.of(t.feesPaid).add(fee).toStringKept() };

  if (fill.side === 'buy') {
    cash = cash.sub(notional).sub(fee);
    next = {
      quantity: Dec.of(pos.quantity).add(q).toStringKept(),
      costBasis: Dec.of(pos.costBasis).add(notional).add(fee).toStringKept(),
      realizedPnl: pos.realizedPnl,
      feesPaid: Dec.of(pos.feesPaid).add(fee).toStringKept(),
    };
  } else {
    const held = Dec.of(pos.quantity);
    const basis = Dec.of(pos.costBasis);
    const remaining = held.sub(q);
    const removed = remaining.isZero() ? basis : basis.mul(q).div(held).round(REMOVED_COST_PLACES);
    realized = notional.sub(fee).sub(removed);
    cash = cash.add(notional).sub(fee);
    if (realized.isPositive()) {
      scraped = realized.mul(pct);
      cash = cash.sub(scraped);
    }
    next = {
      quantity: remaining.toStringKept(),
      costBasis: basis.sub(removed).toStringKept(),
      realizedPnl: Dec.of(pos.realizedPnl).add(realized).toStringKept(),
      feesPaid: Dec.of(pos.feesPaid).add(fee).toStringKept(),
    };
    totals.realizedPnl = Dec.of(t.realizedPnl).add(realized).toStringKept();
    totals.scrapedProfits = Dec.of(t.scrapedProfits).add(scraped).toStringKept();
    if (realized.isPositive()) {
      totals.wins = t.wins + 1;
      totals.grossProfit = Dec.of(t.grossProfit).add(realized).toStringKept();
      totals.lossStreak = 0;
    } else if (realized.isNegative()) {
      totals.losses = t.losses + 1;
      totals.grossLoss = Dec.of(t.grossLoss).add(realized.neg()).toStringKept();
      totals.lossStreak = t.lossStreak + 1;
      totals.lastLossAt = fill.time;
    }
  }
  // Same key order as a spread with the symbol last; built by assignment, which V8 keeps on its
  // fast path (a computed key inside a spread literal is not).
  const positions = { ...p.positions };
  positions[fill.symbol] = next;
  return {
    portfolio: { ...p, cash: cash.toStringKept(), positions, totals },
    realizedPnl: realized,
    scraped,
  };
}

export interface PositionValuation {
  symbol: string;
  quantity: string;
  avgEntry: string;
  costBasis: string;
  mark: string | null;
  marketValue: string;
  unrealizedPnl: string;
  realizedPnl: string;
  feesPaid: string;
}

export interface Valuation {
  cash: string;
  scrapedProfits: string;
  positionsValue: string;
  /** cash + positions: the capital that trades. */
  tradingEquity: string;
  /** cash + positions + scraped profits: what the account is worth. */
  equity: string;
  unrealizedPnl: string;
  realizedPnl: string;
  feesPaid: string;
  positions: PositionValuation[];
}

/**
 * Marks every open position. A position without a mark is valued at its cost basis (and shows
 * `mark: null`) rather than at zero, so a missing feed never reads as a crash.
 */
export function valuePortfolio(p: Portfolio, marks: Record<string, string>): Valuation {
  let value = Dec.ZERO;
  let unreal = Dec.ZERO;
  const positions: PositionValuation[] = [];
  for (const symbol of Object.keys(p.positions).sort()) {
    const pos = p.positions[symbol]!;
    const q = Dec.of(pos.quantity);
    if (q.isZero()) continue;
    const basis = Dec.of(pos.costBasis);
    const mark = marks[symbol] ?? null;
    const mv = mark === null ? basis : q.mul(mark);
    const u = mv.sub(basis);
    value = value.add(mv);
    unreal = unreal.add(u);
    positions.push({
      symbol,
      quantity: pos.quantity,
      avgEntry: basis.div(q).round(12).toString(),
      costBasis: pos.costBasis,
      mark,
      marketValue: mv.toString(),
      unrealizedPnl: u.toString(),
      realizedPnl: pos.realizedPnl,
      feesPaid: pos.feesPaid,
    });
  }
  const trading = Dec.of(p.cash).add(value);
  return {
    cash: p.cash,
    scrapedProfits: p.totals.scrapedProfits,
    positionsValue: value.toString(),
    tradingEquity: trading.toString(),
    equity: trading.add(p.totals.scrapedProfits).toString(),
    unrealizedPnl: unreal.toString(),
    realizedPnl: p.totals.realizedPnl,
    feesPaid: p.totals.feesPaid,
    positions,
  };
}
