/**
 * Market value types shared by feeds, workflows, the paper ledger, backtests and the UI, each
 * defined once as a zod schema. Prices and sizes are decimal strings (exact, as the exchange sent
 * them); times are epoch ms.
 */
import { z } from 'zod';

export type Symbol = string; // product id like BTC-USD, validated by PRODUCT_RE (./product)

export const TIMEFRAMES = ['1m', '5m', '15m', '1h', '4h', '1d'] as const;
export const TimeframeSchema = z.enum(TIMEFRAMES, { error: `timeframe must be one of ${TIMEFRAMES.join(', ')}` });
export type Timeframe = z.infer<typeof TimeframeSchema>;
export const TIMEFRAME_MS: Record<Timeframe, number> = {
  '1m': 60_000,
  '5m': 300_000,
  '15m': 900_000,
  '1h': 3_600_000,
  '4h': 14_400_000,
  '1d': 86_400_000,
};

/** One OHLCV bar of a product, exact; `time` is the bar's open time. */
export const BarSchema = z.object({
  symbol: z.string(),
  timeframe: TimeframeSchema,
  time: z.number(),
  open: z.string(),
  high: z.string(),
  low: z.string(),
  close: z.string(),
  volume: z.string(),
});
export type Bar = z.infer<typeof BarSchema>;

/** A bar's price levels: what a resting or conditional order is checked against. */
export type BarPrices = Pick<Bar, 'open' | 'high' | 'low' | 'close'>;

/**
 * One OHLCV bar as plain numbers, for statistics and charts (indicators, strategies, the chart):
 * measurements, never booked. `time` is in the unit of its series (epoch ms in core, unix seconds
 * on the chart).
 */
export const OhlcvSchema = z.object({
  time: z.number(),
  open: z.number(),
  high: z.number(),
  low: z.number(),
  close: z.number(),
  volume: z.number(),
});
export type Ohlcv = z.infer<typeof OhlcvSchema>;

/** A trade print or ticker update from a feed. */
export const TickSchema = z.object({
  symbol: z.string(),
  time: z.number(),
  price: z.string(),
  size: z.string(),
  /** Best bid/ask when the feed carries them (ticker channel). */
  bid: z.string().optional(),
  ask: z.string().optional(),
  side: z.enum(['buy', 'sell']).optional(),
  tradeId: z.string().optional(),
  sequence: z.number().optional(),
});
export type Tick = z.infer<typeof TickSchema>;
