/**
 * Advanced Trade payloads, validated at the network boundary. Only the fields Vigil uses are
 * required; unknown fields pass through (the API grows). Amounts stay decimal strings.
 */
import { z } from 'zod';

const decimal = z.string().regex(/^-?\d+(\.\d+)?$/, 'expected a decimal string');
const optDecimal = z.union([decimal, z.literal('')]).optional();

export const Amount = z.object({ value: decimal, currency: z.string() });

export const Account = z.object({
  uuid: z.string(),
  name: z.string().optional(),
  currency: z.string(),
  available_balance: Amount,
  hold: Amount.optional(),
  retail_portfolio_id: z.string().optional(),
  type: z.string().optional(),
});
export type Account = z.infer<typeof Account>;

export const AccountsPage = z.object({
  accounts: z.array(Account),
  has_next: z.boolean().optional(),
  cursor: z.string().optional(),
});

export const Product = z.object({
  product_id: z.string(),
  price: optDecimal,
  base_increment: decimal,
  quote_increment: decimal,
  base_min_size: optDecimal,
  base_max_size: optDecimal,
  quote_min_size: optDecimal,
  base_currency_id: z.string().optional(),
  quote_currency_id: z.string().optional(),
  trading_disabled: z.boolean().optional(),
});
export type Product = z.infer<typeof Product>;

const Level = z.object({ price: decimal, size: decimal });
export const ProductBook = z.object({
  pricebook: z.object({ product_id: z.string(), bids: z.array(Level), asks: z.array(Level), time: z.string().optional() }),
});
export type ProductBook = z.infer<typeof ProductBook>;

export const TransactionSummary = z.object({
  total_volume: z.number().optional(),
  total_fees: z.number().optional(),
  fee_tier: z.object({
    pricing_tier: z.string().optional(),
    maker_fee_rate: decimal,
    taker_fee_rate: decimal,
  }),
});
export type FeeTier = { makerFeeRate: string; takerFeeRate: string; pricingTier: string | null };

export const StopDirection = z.enum(['STOP_DIRECTION_STOP_UP', 'STOP_DIRECTION_STOP_DOWN']);

export const OrderConfiguration = z.union([
  z.object({ market_market_ioc: z.object({ base_size: decimal.optional(), quote_size: decimal.optional() }) }),
  z.object({ limit_limit_gtc: z.object({ base_size: decimal, limit_price: decimal, post_only: z.boolean().optional() }) }),
  /** A limit placed when the last trade reaches the stop (down for a sell's stop-loss, up for a buy's). */
  z.object({ stop_limit_stop_limit_gtc: z.object({ base_size: decimal, limit_price: decimal, stop_price: decimal, stop_direction: StopDirection }) }),
  /** An exit bracket on a held position: a take-profit limit and a stop trigger, one cancelling the other. */
  z.object({ trigger_bracket_gtc: z.object({ base_size: decimal, limit_price: decimal, stop_trigger_price: decimal }) }),
]);
export type OrderConfiguration = z.infer<typeof OrderConfiguration>;

export const PreviewResponse = z.object({
  order_total: optDecimal,
  commission_total: optDecimal,
  errs: z.array(z.string()).default([]),
  warning: z.array(z.string()).default([]),
  preview_id: z.string().optional(),
  base_size: optDecimal,
  quote_size: optDecimal,
  best_bid: optDecimal,
  best_ask: optDecimal,
  slippage: optDecimal,
});
export type PreviewResponse = z.infer<typeof PreviewResponse>;

export const CreateOrderResponse = z.object({
  success: z.boolean(),
  success_response: z.object({ order_id: z.string(), product_id: z.string().optional(), side: z.string().optional(), client_order_id: z.string() }).optional(),
  error_response: z
    .object({ error: z.string().optional(), message: z.string().optional(), error_details: z.string().optional(), preview_failure_reason: z.string().optional() })
    .optional(),
});
export type CreateOrderResponse = z.infer<typeof CreateOrderResponse>;

export const OrderStatusEnum = z.enum(['PENDING', 'OPEN', 'FILLED', 'CANCELLED', 'EXPIRED', 'FAILED', 'UNKNOWN_ORDER_STATUS', 'QUEUED', 'CANCEL_QUEUED']);

export const Order = z.object({
  order_id: z.string(),
  client_order_id: z.string(),
  product_id: z.string(),
  side: z.enum(['BUY', 'SELL']),
  status: OrderStatusEnum,
  filled_size: optDecimal,
  average_filled_price: optDecimal,
  total_fees: optDecimal,
  created_time: z.string().optional(),
});
export type Order = z.infer<typeof Order>;

export const OrdersPage = z.object({ orders: z.array(Order), has_next: z.boolean().optional(), cursor: z.string().optional() });

export const Fill = z.object({
  entry_id: z.string().optional(),
  trade_id: z.string(),
  order_id: z.string(),
  trade_time: z.string(),
  price: decimal,
  size: decimal,
  commission: decimal,
  product_id: z.string(),
  liquidity_indicator: z.enum(['MAKER', 'TAKER', 'UNKNOWN_LIQUIDITY_INDICATOR']).optional(),
  side: z.enum(['BUY', 'SELL']),
});
export type Fill = z.infer<typeof Fill>;

export const FillsPage = z.object({ fills: z.array(Fill), cursor: z.string().optional() });

export const CancelResponse = z.object({
  results: z.array(z.object({ success: z.boolean(), failure_reason: z.string().optional(), order_id: z.string() })),
});

export const UserOrderUpdate = z.object({
  order_id: z.string(),
  client_order_id: z.string(),
  status: z.string(),
  product_id: z.string().optional(),
  cumulative_quantity: optDecimal,
  leaves_quantity: optDecimal,
  avg_price: optDecimal,
  total_fees: optDecimal,
});
export type UserOrderUpdate = z.infer<typeof UserOrderUpdate>;

export const UserChannelMessage = z.object({
  channel: z.string(),
  timestamp: z.string().optional(),
  sequence_num: z.number().optional(),
  events: z.array(z.object({ type: z.string(), orders: z.array(UserOrderUpdate).optional() })).default([]),
});
