/**
 * Coinbase Advanced Trade public market-data REST payloads, validated at the
 * network boundary. Unknown fields pass through; prices and sizes must be decimal strings.
 */
import { z } from 'zod';
import type { Timeframe } from '../../domain/market';
import { productIdSchema } from '../../domain/product';

const decimal = z.string().regex(/^-?\d+(\.\d+)?$/, 'expected a decimal string');
const unixSeconds = z.string().regex(/^\d+$/, 'expected unix seconds');

export const ServerTime = z.object({ iso: z.string(), epochMillis: z.string().regex(/^\d+$/).optional(), epochSeconds: unixSeconds });

export const MarketProduct = z.looseObject({
  product_id: productIdSchema('expected a product id like BTC-USD'),
  price: z.union([decimal, z.literal('')]).optional(),
  base_increment: decimal,
  quote_increment: decimal,
  status: z.string().max(40).optional(),
  trading_disabled: z.boolean().optional(),
});
export type MarketProduct = z.infer<typeof MarketProduct>;
export const MarketProducts = z.object({ products: z.array(MarketProduct) });

export const Candle = z.object({ start: unixSeconds, low: decimal, high: decimal, open: decimal, close: decimal, volume: decimal });
export const Candles = z.object({ candles: z.array(Candle) });

/** Coinbase's candle granularities among Vigil's timeframes (no 4h candles there: download 1h, backtests resample). */
export const DOWNLOAD_TIMEFRAMES = ['1m', '5m', '15m', '1h', '1d'] as const satisfies readonly Timeframe[];
export type DownloadTimeframe = (typeof DOWNLOAD_TIMEFRAMES)[number];
