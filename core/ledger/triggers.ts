/**
 * Live stops Coinbase has no order type for, emulated here: a `stop` (a market order once the price
 * reaches the stop) and a `trailing_stop` (a stop that follows the best price since it was armed,
 * by a percent or an amount). The watcher (`liveTriggerWorkflow`, its activity polling the book)
 * feeds every observed touch to `stepTrigger`; when it fires, a market order goes through the order
 * port like any other. Pure and exact; the trail rounds as the paper kernel's does (`trailStop`).
 *
 * The touch is the price a market order on that side would meet: the best bid for a sell, the best
 * ask for a buy. A step first checks the stop from earlier observations, then moves a trail by this
 * one — a price never protects a fill it is itself part of, as on paper.
 */
import { z } from 'zod';
import { Dec } from '../domain/decimal';
import { trailStop, type Trail } from '../trading/conditional';

const posDec = z.string().regex(/^\d+(\.\d+)?$/, 'a positive decimal like 0.01').refine((s) => Dec.of(s).isPositive(), 'must be above 0');
const fraction = z
  .string()
  .regex(/^0\.\d{1,8}$/, 'a fraction like "0.03" for 3%')
  .refine((s) => /[1-9]/.test(s) && Number(s) < 0.5, 'above 0 and below 0.5');

export const TriggerKindSchema = z.enum(['stop', 'trailing_stop']);
export type TriggerKind = z.infer<typeof TriggerKindSchema>;

export const TriggerSpecSchema = z
  .object({
    kind: TriggerKindSchema,
    /** stop: the price that fires it. */
    stopPrice: posDec.optional(),
    /** trailing_stop: the distance from the best price, as a fraction (0.03 = 3%) or an amount. */
    trailPct: fraction.optional(),
    trailAmount: posDec.optional(),
  })
  .strict()
  .superRefine((t, ctx) => {
    if (t.kind === 'stop') {
      if (t.stopPrice === undefined) ctx.addIssue({ code: 'custom', message: 'a stop takes stopPrice', path: ['stopPrice'] });
      if (t.trailPct !== undefined || t.trailAmount !== undefined) ctx.addIssue({ code: 'custom', message: 'trailPct and trailAmount are for a trailing_stop', path: ['trailPct'] });
    } else {
      if ((t.trailPct === undefined) === (t.trailAmount === undefined)) ctx.addIssue({ code: 'custom', message: 'a trailing_stop takes exactly one of trailPct or trailAmount', path: ['trailPct'] });
      if (t.stopPrice !== undefined) ctx.addIssue({ code: 'custom', message: 'stopPrice is for a stop (a trailing stop starts from the market)', path: ['stopPrice'] });
    }
  });
export type TriggerSpec = z.infer<typeof TriggerSpecSchema>;

export interface TriggerState {
  /** The price that fires it now (a trail moves it). */
  stop: string;
  /** trailing_stop: the best touch since armed (highest bid for a sell, lowest ask for a buy). */
  extreme: string | null;
  /** The last touch seen and when (epoch ms), for the status view. */
  lastPrice: string | null;
  lastAt: number | null;
  observations: number;
}

export interface Touch {
  bid: string | undefined;
  ask: string | undefined;
  at: number;
}

type Side = 'BUY' | 'SELL';

const trailOf = (t: TriggerSpec): Trail => (t.trailPct !== undefined ? { pct: t.trailPct } : { amount: t.trailAmount! });
const touchOf = (side: Side, t: Touch): string | undefined => (side === 'SELL' ? t.bid : t.ask);

/**
 * Arm a trigger against the book now: a stop on the wrong side of the market, or a book with no
 * price on the side it watches, is refused with the reason (it would fire the moment it arrived).
 */
export function armTrigger(spec: TriggerSpec, side: Side, touch: Touch, quoteIncrement: string): { ok: true; state: TriggerState } | { ok: false; reason: string } {
  const px = touchOf(side, touch);
  const where = side === 'SELL' ? 'best bid' : 'best ask';
  if (!px) return { ok: false, reason: `no ${where} to arm against: the book is empty on that side` };
  if (spec.kind === 'stop') {
    const stop = Dec.of(spec.stopPrice!);
    if (side === 'SELL' && !stop.lt(px)) return { ok: false, reason: `a sell stop at ${spec.stopPrice} is not below the ${where} ${px}: it would fire at once` };
    if (side === 'BUY' && !stop.gt(px)) return { ok: false, reason: `a buy stop at ${spec.stopPrice} is not above the ${where} ${px}: it would fire at once` };
    return { ok: true, state: { stop: stop.toString(), extreme: null, lastPrice: px, lastAt: touch.at, observations: 1 } };
  }
  const stop = trailStop(side === 'SELL' ? 'sell' : 'buy', Dec.of(px), trailOf(spec), quoteIncrement);
  if (!stop.isPositive()) return { ok: false, reason: `the trail is wider than the price ${px}` };
  return { ok: true, state: { stop: stop.toString(), extreme: px, lastPrice: px, lastAt: touch.at, observations: 1 } };
}

export type TriggerStep = { fired: false; state: TriggerState } | { fired: true; state: TriggerState; triggerPrice: string; observed: string };

/** One observation of the book: fire on the stop from before it, else move a trail by it. */
export function stepTrigger(spec: TriggerSpec, side: Side, state: TriggerState, touch: Touch, quoteIncrement: string): TriggerStep {
  const px = touchOf(side, touch);
  if (!px) return { fired: false, state };
  const seen = { ...state, lastPrice: px, lastAt: touch.at, observations: state.observations + 1 };
  const p = Dec.of(px);
  const reached = side === 'SELL' ? p.lte(state.stop) : p.gte(state.stop);
  if (reached) return { fired: true, state: seen, triggerPrice: state.stop, observed: px };
  if (spec.kind !== 'trailing_stop' || state.extreme === null) return { fired: false, state: seen };
  const better = side === 'SELL' ? p.gt(state.extreme) : p.lt(state.extreme);
  if (!better) return { fired: false, state: seen };
  const moved = trailStop(side === 'SELL' ? 'sell' : 'buy', p, trailOf(spec), quoteIncrement);
  // A trail only tightens: a sell's stop only rises, a buy's only falls.
  const stop = side === 'SELL' ? Dec.max(moved, Dec.of(state.stop)) : Dec.min(moved, Dec.of(state.stop));
  return { fired: false, state: { ...seen, extreme: px, stop: stop.toString() } };
}
