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

/**
 * The same accounting on parsed values, for callers that book many fills in a row (the backtest
 * engine): a `BookedPortfolio` holds `Dec`s instead of strings and `applyFillBooked` updates it in
 * place, so an order neither parses nor prints the portfolio. `renderPortfolio` writes the plain
 * `Portfolio` (same strings, same key order as `applyFill` would have produced) when a checkpoint
 * or a result is taken. The paper ledger keeps the string functions above: its state format is
 * `Portfolio`. Tested against `applyFill` fill by fill (kernel.test.ts).
 */
export interface BookedPosition {
  quantity: Dec;
  costBasis: Dec;
  realizedPnl: Dec;
  feesPaid: Dec;
}

export interface BookedTotals {
  realizedPnl: Dec;
  feesPaid: Dec;
  scrapedProfits: Dec;
  wins: number;
  losses: number;
  grossProfit: Dec;
  grossLoss: Dec;
  lossStreak: number;
  lastLossAt: number | null;
}

export interface BookedPortfolio {
  quoteCurrency: string;
  initialCash: string;
  cash: Dec;
  /** In the order of the string portfolio's keys (new symbols last, as `applyFill` adds them). */
  positions: Map<string, BookedPosition>;
  totals: BookedTotals;
}

/** The fields of a fill that the accounting reads. */
export interface BookedFill {
  /** For error messages only. */
  id: string;
  symbol: string;
  side: Side;
  quantity: Dec;
  notional: Dec;
  fee: Dec;
  time: number;
}

export function parsePortfolio(p: Portfolio): BookedPortfolio {
  const positions = new Map<string, BookedPosition>();
  for (const symbol of Object.keys(p.positions)) {
    const x = p.positions[symbol]!;
    positions.set(symbol, { quantity: Dec.of(x.quantity), costBasis: Dec.of(x.costBasis), realizedPnl: Dec.of(x.realizedPnl), feesPaid: Dec.of(x.feesPaid) });
  }
  const t = p.totals;
  return {
    quoteCurrency: p.quoteCurrency,
    initialCash: p.initialCash,
    cash: Dec.of(p.cash),
    positions,
    totals: {
      realizedPnl: Dec.of(t.realizedPnl),
      feesPaid: Dec.of(t.feesPaid),
      scrapedProfits: Dec.of(t.scrapedProfits),
      wins: t.wins,
      losses: t.losses,
      grossProfit: Dec.of(t.grossProfit),
      grossLoss: Dec.of(t.grossLoss),
      lossStreak: t.lossStreak,
      lastLossAt: t.lastLossAt,
    },
  };
}

export function renderPortfolio(b: BookedPortfolio): Portfolio {
  const positions: Record<string, Position> = {};
  for (const [symbol, x] of b.positions) {
    positions[symbol] = { quantity: x.quantity.toString(), costBasis: x.costBasis.toString(), realizedPnl: x.realizedPnl.toString(), feesPaid: x.feesPaid.toString() };
  }
  const t = b.totals;
  return {
    quoteCurrency: b.quoteCurrency,
    initialCash: b.initialCash,
    cash: b.cash.toString(),
    positions,
    totals: {
      realizedPnl: t.realizedPnl.toString(),
      feesPaid: t.feesPaid.toString(),
      scrapedProfits: t.scrapedProfits.toString(),
      wins: t.wins,
      losses: t.losses,
      grossProfit: t.grossProfit.toString(),
      grossLoss: t.grossLoss.toString(),
      lossStreak: t.lossStreak,
      lastLossAt: t.lastLossAt,
    },
  };
}

/** `checkFillable` on a booked portfolio: the same verdict and message. */
export function checkFillableBooked(b: BookedPortfolio, symbol: string, side: Side, quantity: Dec, notional: Dec, fee: Dec): string | null {
  if (side === 'buy') {
    const need = notional.add(fee);
    if (need.gt(b.cash)) {
      return `insufficient cash: order needs ${need.toFixed(2)} ${b.quoteCurrency} including fee, available ${b.cash.toFixed(2)}`;
    }
    return null;
  }
  const held = b.positions.get(symbol)?.quantity ?? Dec.ZERO;
  if (quantity.gt(held)) return `insufficient ${symbol.split('-')[0]}: selling ${quantity.toString()}, holding ${held.toString()} (no short selling)`;
  return null;
}

/**
 * `applyFill` on a booked portfolio, in place: the same arithmetic, so `renderPortfolio` after it
 * equals `applyFill`'s portfolio. Throws KernelError (and changes nothing) if the fill is impossible.
 */
export function applyFillBooked(b: BookedPortfolio, fill: BookedFill, scrapePct: Dec): { realizedPnl: Dec; scraped: Dec } {
  const q = fill.quantity;
  const notional = fill.notional;
  const fee = fill.fee;
  if (!q.isPositive()) throw new KernelError(`fill ${fill.id}: quantity must be positive`);
  if (scrapePct.isNegative() || scrapePct.gt(Dec.ONE)) throw new KernelError(`profit scrape share must be within 0..1, got ${scrapePct.toString()}`);
  const why = checkFillableBooked(b, fill.symbol, fill.side, q, notional, fee);
  if (why) throw new KernelError(`fill ${fill.id}: ${why}`);

  let pos = b.positions.get(fill.symbol);
  if (pos === undefined) {
    pos = { quantity: Dec.ZERO, costBasis: Dec.ZERO, realizedPnl: Dec.ZERO, feesPaid: Dec.ZERO };
    b.positions.set(fill.symbol, pos);
  }
  const t = b.totals;
  let realized = Dec.ZERO;
  let scraped = Dec.ZERO;
  t.feesPaid = t.feesPaid.add(fee);
  if (fill.side === 'buy') {
    b.cash = b.cash.sub(notional).sub(fee);
    pos.quantity = pos.quantity.add(q);
    pos.costBasis = pos.costBasis.add(notional).add(fee);
    pos.feesPaid = pos.feesPaid.add(fee);
    return { realizedPnl: realized, scraped };
  }
  const held = pos.quantity;
  const basis = pos.costBasis;
  const remaining = held.sub(q);
  const removed = remaining.isZero() ? basis : basis.mul(q).div(held).round(REMOVED_COST_PLACES);
  realized = notional.sub(fee).sub(removed);
  let cash = b.cash.add(notional).sub(fee);
  if (realized.isPositive()) {
    scraped = realized.mul(scrapePct);
    cash = cash.sub(scraped);
  }
  b.cash = cash;
  pos.quantity = remaining;
  pos.costBasis = basis.sub(removed);
  pos.realizedPnl = pos.realizedPnl.add(realized);
  pos.feesPaid = pos.feesPaid.add(fee);
  t.realizedPnl = t.realizedPnl.add(realized);
  t.scrapedProfits = t.scrapedProfits.add(scraped);
  if (realized.isPositive()) {
    t.wins++;
    t.grossProfit = t.grossProfit.add(realized);
    t.lossStreak = 0;
  } else if (realized.isNegative()) {
    t.losses++;
    t.grossLoss = t.grossLoss.add(realized.neg());
    t.lossStreak++;
    t.lastLossAt = fill.time;
  }
  return { realizedPnl: realized, scraped };
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
