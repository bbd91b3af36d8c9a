/**
 * Market value types shared by feeds, workflows, the paper ledger, backtests and the UI.
 * Prices and sizes are decimal strings (exact, as the exchange sent them); times are epoch ms.
 */
import type { DecimalString } from './decimal';

export type Symbol = string; // product id like BTC-USD, validated by PRODUCT_RE

export type Timeframe = '1m' | '5m' | '15m' | '1h' | '4h' | '1d';
export const TIMEFRAME_MS: Record<Timeframe, number> = {
  '1m': 60_000,
  '5m': 300_000,
  '15m': 900_000,
  '1h': 3_600_000,
  '4h': 14_400_000,
  '1d': 86_400_000,
};

/** One OHLCV bar; `time` is the bar's open time. */
export interface Bar {
  symbol: Symbol;
  timeframe: Timeframe;
  time: number;
  open: DecimalString;
  high: DecimalString;
  low: DecimalString;
  close: DecimalString;
  volume: DecimalString;
}

/** A trade print or ticker update from a feed. */
export interface Tick {
  symbol: Symbol;
  time: number;
  price: DecimalString;
  size: DecimalString;
  /** Best bid/ask when the feed carries them (ticker channel). */
  bid?: DecimalString;
  ask?: DecimalString;
  side?: 'buy' | 'sell';
  tradeId?: string;
  sequence?: number;
}
