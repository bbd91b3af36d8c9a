/**
 * Value types of the trading kernel shared by the paper ledger, the backtest engine and live
 * trading. Every amount is a decimal string; the kernel is pure and safe inside workflows.
 */
import type { DecimalString } from '../domain/decimal';

export type Side = 'buy' | 'sell';
/** Every order type a book takes (one definition: the order schema's). */
export type OrderType = import('./orders').PlaceOrder['type'];
/** Taker: the order took liquidity from the book. Maker: it rested and was crossed. */
export type Liquidity = 'taker' | 'maker';

/** Fee rates as fractions of notional, e.g. "0.012" for 1.20%. */
export interface FeeSchedule {
  taker: DecimalString;
  maker: DecimalString;
}

/** A product's trading rules, as Coinbase's `/products` endpoint publishes them. */
export interface ProductSpec {
  symbol: string;
  /** Quantity step (base currency), e.g. "0.00000001". */
  baseIncrement: DecimalString;
  /** Price step (quote currency), e.g. "0.01". */
  quoteIncrement: DecimalString;
  /** Smallest quantity accepted. */
  baseMinSize: DecimalString;
  /** Smallest notional (quantity x price) accepted, in quote currency. */
  quoteMinSize: DecimalString;
  /** Spread estimate in basis points used when no live book is known. */
  spreadBps: DecimalString;
}

/** How execution prices move away from the reference price. */
export interface SlippageModel {
  /** Fixed slippage in bps applied to every taker fill. */
  baseBps: number;
  /** Square-root impact: extra bps = impactBps * sqrt(notional / impactRefNotional). */
  impactBps: number;
  impactRefNotional: number;
  /** Ceiling so that absurd sizes do not produce absurd prices. */
  maxBps: number;
}

export interface FillModel {
  fees: FeeSchedule;
  slippage: SlippageModel;
}

/** Best bid/ask when a live book is known; otherwise the spread estimate applies. */
export interface BookTop {
  bid: DecimalString;
  ask: DecimalString;
}

/** One execution. `fee` is always in quote currency and already included in `cashDelta`. */
export interface Fill {
  id: string;
  orderId: string;
  symbol: string;
  side: Side;
  quantity: DecimalString;
  price: DecimalString;
  notional: DecimalString;
  fee: DecimalString;
  liquidity: Liquidity;
  /** Reference price (mid or limit) the price was derived from, and the total cost in bps. */
  referencePrice: DecimalString;
  slippageBps: number;
  time: number;
}

export interface Position {
  quantity: DecimalString;
  /** Total cost of the held quantity including buy fees. avg entry = costBasis / quantity. */
  costBasis: DecimalString;
  realizedPnl: DecimalString;
  feesPaid: DecimalString;
}

export interface PortfolioTotals {
  realizedPnl: DecimalString;
  feesPaid: DecimalString;
  scrapedProfits: DecimalString;
  wins: number;
  losses: number;
  grossProfit: DecimalString;
  grossLoss: DecimalString;
  /** Consecutive losing closes; reset by a winning close. Feeds the loss cooldown. */
  lossStreak: number;
  lastLossAt: number | null;
}

export interface Portfolio {
  quoteCurrency: string;
  initialCash: DecimalString;
  cash: DecimalString;
  positions: Record<string, Position>;
  totals: PortfolioTotals;
}
