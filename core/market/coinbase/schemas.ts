/**
 * Coinbase Advanced Trade public market-data payloads (REST and WebSocket), validated at the
 * network boundary. Unknown fields pass through; prices and sizes must be decimal strings.
 */
import { z } from 'zod';

const decimal = z.string().regex(/^-?\d+(\.\d+)?$/, 'expected a decimal string');
const unixSeconds = z.string().regex(/^\d+$/, 'expected unix seconds');

export const ServerTime = z.object({ iso: z.string(), epochMillis: z.string().regex(/^\d+$/).optional(), epochSeconds: unixSeconds });

export const MarketProduct = z.looseObject({
  product_id: z.string(),
  price: z.union([decimal, z.literal('')]).optional(),
  base_increment: decimal,
  quote_increment: decimal,
  status: z.string().optional(),
  trading_disabled: z.boolean().optional(),
});
export type MarketProduct = z.infer<typeof MarketProduct>;
export const MarketProducts = z.object({ products: z.array(MarketProduct) });

export const Candle = z.object({ start: unixSeconds, low: decimal, high: decimal, open: decimal, close: decimal, volume: decimal });
export const Candles = z.object({ candles: z.array(Candle) });

export const Trade = z.object({
  trade_id: z.string().min(1),
  product_id: z.string(),
  price: decimal,
  size: decimal,
  side: z.enum(['BUY', 'SELL']),
  time: z.string(),
});

export const Ticker = z.looseObject({
  type: z.literal('ticker').optional(),
  product_id: z.string(),
  price: decimal,
  best_bid: z.union([decimal, z.literal('')]).optional(),
  best_ask: z.union([decimal, z.literal('')]).optional(),
});

const envelope = { client_id: z.string().optional(), timestamp: z.string(), sequence_num: z.number().int().nonnegative() };

export const WsMessage = z.discriminatedUnion('channel', [
  z.object({ channel: z.literal('market_trades'), ...envelope, events: z.array(z.object({ type: z.string(), trades: z.array(Trade) })) }),
  z.object({ channel: z.literal('ticker'), ...envelope, events: z.array(z.object({ type: z.string(), tickers: z.array(Ticker) })) }),
  z.object({ channel: z.literal('heartbeats'), ...envelope, events: z.array(z.object({ current_time: z.string(), heartbeat_counter: z.union([z.string(), z.number()]) })) }),
  z.object({ channel: z.literal('subscriptions'), ...envelope, events: z.array(z.unknown()) }),
]);
export type WsMessage = z.infer<typeof WsMessage>;

/** RFC 3339 with up to nanoseconds ("2023-02-09T20:19:35.39625135Z") to epoch ms. */
export function parseExchangeTime(s: string): number {
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})?/.exec(s);
  if (!m) return NaN;
  const frac = (m[3] ?? '').slice(0, 3).padEnd(3, '0');
  return Date.parse(`${m[1]}T${m[2]}.${frac}${m[4] ?? 'Z'}`);
}
