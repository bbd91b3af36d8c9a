/**
 * Risk limits, enforced in code on every order (paper, backtest, live): pure checks returning the
 * first rule an order breaks and a sentence saying why, so a blocked order can be shown and
 * audited. Sells reduce risk in a long-only book, so the loss-based and size-based rules apply to
 * buys only; the kill switch, the order-size cap and the trade count apply to every order.
 */
import { z } from 'zod';
import { Dec } from '../domain/decimal';
import type { Side } from '../trading/types';

const decStr = z.string().regex(/^\d+(\.\d+)?$/, 'must be a non-negative decimal string like "250" or "0.8"');

export const RiskLimitsSchema = z
  .object({
    /** Largest value (quote) one symbol's position may reach through a buy. */
    maxPositionNotional: decStr.nullable(),
    /** Largest share of equity held in positions after a buy, e.g. "0.9". */
    maxExposurePct: decStr.nullable(),
    /** Largest single order value (quote). */
    maxOrderNotional: decStr.nullable(),
    /** Once today's mark-to-market loss reaches this (quote), buys stop until the next UTC day. */
    dailyLossLimit: decStr.nullable(),
    /** Orders accepted per UTC day. */
    maxTradesPerDay: z.number().int().min(0).max(100_000).nullable(),
    /** After `losses` consecutive losing closes, buys pause for `minutes`. */
    lossCooldown: z.object({ losses: z.number().int().min(1).max(1000), minutes: z.number().min(0).max(60 * 24 * 30) }).nullable(),
  })
  .strict();
export type RiskLimits = z.infer<typeof RiskLimitsSchema>;

/** Defaults scaled to the starting cash so they mean the same for 1,000 or 100,000. */
export function defaultRiskLimits(initialCash: string): RiskLimits {
  const c = Dec.of(initialCash);
  return {
    maxPositionNotional: c.mul('0.5').toString(),
    maxExposurePct: '0.9',
    maxOrderNotional: c.mul('0.25').toString(),
    dailyLossLimit: c.mul('0.1').toString(),
    maxTradesPerDay: 100,
    lossCooldown: { losses: 3, minutes: 30 },
  };
}

export type RiskRule =
  | 'kill_switch'
  | 'max_order_notional'
  | 'max_trades_per_day'
  | 'daily_loss_limit'
  | 'loss_cooldown'
  | 'max_position'
  | 'max_exposure';

export interface RiskContext {
  limits: RiskLimits;
  killSwitch: boolean;
  side: Side;
  symbol: string;
  /** Estimated order value in quote currency. */
  orderNotional: Dec;
  /** Current market value of this symbol's position. */
  positionValue: Dec;
  /** Current market value of all positions. */
  exposure: Dec;
  /** Account value used as the exposure denominator. */
  equity: Dec;
  /** Mark-to-market P&L since the start of the UTC day (negative = loss). */
  dayPnl: Dec;
  /** Orders accepted so far this UTC day. */
  tradesToday: number;
  lossStreak: number;
  lastLossAt: number | null;
  now: number;
}

export type RiskVerdict = { ok: true } | { ok: false; rule: RiskRule; reason: string };

const fmt = (d: Dec) => d.toFixed(2);

/** What every door answers while the kill switch is on. */
export const KILL_SWITCH_REASON = 'kill switch is on: new orders are paused (existing positions stay)';

export function checkOrder(c: RiskContext): RiskVerdict {
  const L = c.limits;
  const no = (rule: RiskRule, reason: string): RiskVerdict => ({ ok: false, rule, reason });
  if (c.killSwitch) return no('kill_switch', KILL_SWITCH_REASON);
  if (L.maxOrderNotional !== null && c.orderNotional.gt(L.maxOrderNotional)) {
    return no('max_order_notional', `order value ${fmt(c.orderNotional)} exceeds the max order value ${L.maxOrderNotional}`);
  }
  if (L.maxTradesPerDay !== null && c.tradesToday >= L.maxTradesPerDay) {
    return no('max_trades_per_day', `${c.tradesToday} orders today already: the limit is ${L.maxTradesPerDay} per UTC day`);
  }
  if (c.side === 'sell') return { ok: true };
  if (L.dailyLossLimit !== null && c.dayPnl.neg().gte(L.dailyLossLimit) && Dec.of(L.dailyLossLimit).isPositive()) {
    return no('daily_loss_limit', `today's loss ${fmt(c.dayPnl.neg())} reached the daily loss limit ${L.dailyLossLimit}: buys resume next UTC day`);
  }
  if (L.lossCooldown !== null && c.lossStreak >= L.lossCooldown.losses && c.lastLossAt !== null) {
    const until = c.lastLossAt + L.lossCooldown.minutes * 60_000;
    if (c.now < until) {
      const mins = Math.ceil((until - c.now) / 60_000);
      return no('loss_cooldown', `${c.lossStreak} losing trades in a row: buys pause for ${L.lossCooldown.minutes} min (${mins} min left)`);
    }
  }
  if (L.maxPositionNotional !== null) {
    const after = c.positionValue.add(c.orderNotional);
    if (after.gt(L.maxPositionNotional)) {
      return no('max_position', `${c.symbol} position would be ${fmt(after)}, above the max position ${L.maxPositionNotional}`);
    }
  }
  if (L.maxExposurePct !== null && c.equity.isPositive()) {
    const share = c.exposure.add(c.orderNotional).div(c.equity);
    if (share.gt(L.maxExposurePct)) {
      return no('max_exposure', `exposure would be ${share.mul('100').toFixed(1)}% of equity, above the max ${Dec.of(L.maxExposurePct).mul('100').toString()}%`);
    }
  }
  return { ok: true };
}
