/**
 * Conditional orders against one bar — the kernel the paper book and the backtest engine share, so
 * a stop fills at the same price in both (same fill model, same bar).
 *
 *   stop            when the bar trades through the stop, a market order; a gap through it fills at
 *                   the open (then the spread and impact, like any market order), never at the stop
 *   stop_limit      when triggered, a limit at limitPrice: fills at once if the trigger price (or a
 *                   gap's open) still lets it, else rests and fills on a later bar that reaches it
 *   take_profit     a resting limit at limitPrice (maker), filled at its price when the bar reaches it
 *   trailing_stop   a stop that follows the best price since placement by a percent or an amount;
 *                   it is checked against the stop from the bars before this one, and only then
 *                   moved by this bar's high (sells) or low (buys) — a bar's own extreme never
 *                   protects a fill inside that same bar, so nothing is decided with hindsight
 *
 * Sells protect a long position (stop below, take-profit above); buys mirror them (breakout entries
 * above the market). Pure and exact: state is plain strings, carried by the books.
 */
import { z } from 'zod';
import { Dec } from '../domain/decimal';
import type { BarPrices } from '../domain/market';
import { limitCrossFill, marketableLimitFill, quoteMarketFill, type FillQuote } from './fill';
import type { FillModel, ProductSpec, Side } from './types';

export const CONDITIONAL_KINDS = ['stop', 'stop_limit', 'take_profit', 'trailing_stop'] as const;
export const ConditionalKindSchema = z.enum(CONDITIONAL_KINDS);
export type ConditionalKind = z.infer<typeof ConditionalKindSchema>;

export type Trail = { pct: string } | { amount: string };

/** A conditional order's own state, as the books keep it between bars. */
export interface Conditional {
  kind: ConditionalKind;
  side: Side;
  quantity: string;
  /** stop, stop_limit: the trigger; trailing_stop: the current stop (moves with `extreme`). */
  stopPrice: string | null;
  /** stop_limit, take_profit: the limit. */
  limitPrice: string | null;
  trail: Trail | null;
  /** trailing_stop: the best price since placement (highest for a sell, lowest for a buy). */
  extreme: string | null;
  /** stop_limit: it triggered and now rests as a limit. */
  triggered: boolean;
}

export type Step =
  /** Still waiting (the state may have moved: a trailing stop, a stop-limit that triggered). */
  | { filled: false; next: Conditional; triggeredNow: boolean }
  | { filled: true; quote: Extract<FillQuote, { ok: true }>; gap: boolean; triggerPrice: string };

/** The stop a trail gives from an extreme: sells trail below the high, buys above the low. */
export function trailStop(side: Side, extreme: Dec, trail: Trail, quoteIncrement: string): Dec {
  const raw = 'pct' in trail ? (side === 'sell' ? extreme.mul(Dec.ONE.sub(trail.pct)) : extreme.mul(Dec.ONE.add(trail.pct))) : side === 'sell' ? extreme.sub(trail.amount) : extreme.add(trail.amount);
  // Round toward the protected side of the trail (a sell's stop down, a buy's up) to the price step.
  const floored = raw.floorTo(quoteIncrement);
  return side === 'sell' || floored.eq(raw) ? floored : floored.add(quoteIncrement);
}

/** A new trailing stop placed at `reference` (the mark when it is placed). */
export function newTrailing(side: Side, quantity: string, trail: Trail, reference: Dec, spec: ProductSpec): Conditional {
  return { kind: 'trailing_stop', side, quantity, stopPrice: trailStop(side, reference, trail, spec.quoteIncrement).toString(), limitPrice: null, trail, extreme: reference.toString(), triggered: false };
}

/** Whether the bar trades through a stop: a sell's when its low reaches it, a buy's when its high does. */
function through(side: Side, bar: BarPrices, stop: Dec): { hit: boolean; gap: boolean } {
  if (side === 'sell') return { hit: Dec.of(bar.low).lte(stop), gap: Dec.of(bar.open).lte(stop) };
  return { hit: Dec.of(bar.high).gte(stop), gap: Dec.of(bar.open).gte(stop) };
}

/** One bar against one conditional order. The bar must be one that opened after the order was placed. */
export function stepConditional(o: Conditional, bar: BarPrices, spec: ProductSpec, model: FillModel): Step {
  const qty = Dec.of(o.quantity);
  const wait = (next: Conditional = o, triggeredNow = false): Step => ({ filled: false, next, triggeredNow });
  const limitResting = (limit: string): Step => {
    const q = limitCrossFill(spec, o.side, qty, Dec.of(limit), bar, model);
    return q && q.ok ? { filled: true, quote: q, gap: false, triggerPrice: limit } : wait();
  };

  if (o.kind === 'take_profit' || (o.kind === 'stop_limit' && o.triggered)) return limitResting(o.limitPrice!);

  const stop = Dec.of(o.stopPrice!);
  const t = through(o.side, bar, stop);
  if (t.hit) {
    // Executed from the gap's open when the bar opened beyond the stop, else from the stop itself.
    const reference = t.gap ? Dec.of(bar.open) : stop;
    if (o.kind === 'stop_limit') {
      const q = marketableLimitFill(spec, o.side, qty, Dec.of(o.limitPrice!), reference, model);
      if (q && q.ok) return { filled: true, quote: q, gap: t.gap, triggerPrice: stop.toString() };
      // Past its limit already: it rests as a limit from the next bar on.
      return wait({ ...o, triggered: true }, true);
    }
    const q = quoteMarketFill({ spec, side: o.side, quantity: qty, mid: reference, model });
    if (q.ok) return { filled: true, quote: q, gap: t.gap, triggerPrice: stop.toString() };
    return wait();
  }
  if (o.kind === 'trailing_stop') {
    const extreme = Dec.of(o.extreme!);
    const best = o.side === 'sell' ? Dec.max(extreme, Dec.of(bar.high)) : Dec.min(extreme, Dec.of(bar.low));
    if (best.eq(extreme)) return wait();
    return wait({ ...o, extreme: best.toString(), stopPrice: trailStop(o.side, best, o.trail!, spec.quoteIncrement).toString() });
  }
  return wait();
}

/**
 * Order of evaluation inside one bar for the legs of one group (a bracket's take-profit and stop):
 * stops first. A bar that touches both cannot say which came first, so the worse outcome is assumed.
 */
export function legPriority(kind: ConditionalKind | 'limit'): number {
  return kind === 'stop' || kind === 'stop_limit' || kind === 'trailing_stop' ? 0 : 1;
}
