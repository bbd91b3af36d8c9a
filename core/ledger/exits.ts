/**
 * A live entry's exits (pure: shared by the contract, the router and the order workflow): what a
 * buy asks for, and the exit order that is placed for what it filled.
 */
import { z } from 'zod';
import { Dec } from '../domain/decimal';

const exitFraction = z
  .string()
  .regex(/^0\.\d{1,8}$/, 'a fraction like "0.03" for 3%')
  .refine((s) => /[1-9]/.test(s) && Number(s) < 0.9, 'above 0 and below 0.9');

/**
 * A buy's exits, placed for what it filled once it is done (`ledgerOrderWorkflow`): a native
 * bracket when both are given, a native stop-limit for a stop alone (its limit `EXIT_STOP_SLACK`
 * below the stop), a limit sell for a take-profit alone. Percentages are of the average fill price.
 */
export const ExitsSchema = z
  .object({
    stopPct: exitFraction.optional(),
    stopPrice: z.string().regex(/^\d+(\.\d+)?$/, 'stop price must be a positive decimal').optional(),
    takeProfitPct: exitFraction.optional(),
    takeProfitPrice: z.string().regex(/^\d+(\.\d+)?$/, 'take-profit price must be a positive decimal').optional(),
  })
  .strict()
  .refine((e) => !(e.stopPct !== undefined && e.stopPrice !== undefined), { message: 'give the stop as stopPct or stopPrice, not both', path: ['stopPct'] })
  .refine((e) => !(e.takeProfitPct !== undefined && e.takeProfitPrice !== undefined), { message: 'give the take-profit as takeProfitPct or takeProfitPrice, not both', path: ['takeProfitPct'] })
  .refine((e) => Object.values(e).some((v) => v !== undefined), { message: 'exits need a stop, a take-profit or both' });
export type Exits = z.infer<typeof ExitsSchema>;

/** How far below its stop an exit stop-limit's limit sits: room to fill in a fast fall. */
export const EXIT_STOP_SLACK = '0.01';

/** The exit order for a filled entry: its type and prices, on the product's price step. */
export interface ExitPlan {
  type: 'bracket' | 'stop_limit' | 'limit';
  limitPrice: string;
  stopPrice: string | null;
}

/**
 * The exit order for `qty` bought at `avgPrice`: a stop rounds down to the price step (never closer
 * than asked), a take-profit up. Null when a price came out at or below zero.
 */
export function planExits(exits: Exits, avgPrice: string, quoteIncrement: string): ExitPlan | { error: string } {
  const avg = Dec.of(avgPrice);
  const up = (d: Dec) => (d.floorTo(quoteIncrement).eq(d) ? d : d.floorTo(quoteIncrement).add(quoteIncrement));
  const stop = exits.stopPrice !== undefined ? Dec.of(exits.stopPrice) : exits.stopPct !== undefined ? avg.mul(Dec.ONE.sub(exits.stopPct)).floorTo(quoteIncrement) : null;
  const tp = exits.takeProfitPrice !== undefined ? Dec.of(exits.takeProfitPrice) : exits.takeProfitPct !== undefined ? up(avg.mul(Dec.ONE.add(exits.takeProfitPct))) : null;
  if (stop && !stop.isPositive()) return { error: `the stop comes out at ${stop.toString()}` };
  if (tp && stop) return { type: 'bracket', limitPrice: tp.toString(), stopPrice: stop.toString() };
  if (stop) {
    const limit = stop.mul(Dec.ONE.sub(EXIT_STOP_SLACK)).floorTo(quoteIncrement);
    if (!limit.isPositive()) return { error: `the stop's limit comes out at ${limit.toString()}` };
    return { type: 'stop_limit', limitPrice: limit.toString(), stopPrice: stop.toString() };
  }
  return { type: 'limit', limitPrice: tp!.toString(), stopPrice: null };
}
