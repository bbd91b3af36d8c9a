/**
 * Protections: code, not prompts, that keeps an account out of trouble after things went wrong —
 * applied by the order port to every new entry (a buy), whoever sends it:
 *
 *   stop_cooldown    after a stop-out on a symbol, buys of it pause for `minutes`
 *   stoploss_guard   `stops` stop-outs of a symbol within `windowMinutes` pause it for `pauseMinutes`
 *   drawdown_halt    equity `pct` below its peak halts every new entry for `hours`; when the halt
 *                    ends the peak starts again from the equity then (a new drawdown re-arms it)
 *   pair_lock        a symbol whose last `trades` closed trades lost money in sum is locked for
 *                    `hours` from the last of them
 *
 * and one more the port applies to the execution agent's entries: every one gets a stop
 * (`agentStopPct` below its fill) unless it came with its own. Exits (sells) are never refused by a
 * protection. Pure: the paper book keeps the state (stop-outs, closed trades, the equity peak).
 */
import { z } from 'zod';
import { Dec } from '../domain/decimal';

const fraction = z
  .string()
  .regex(/^0\.\d{1,8}$/, 'a fraction like "0.03" for 3%')
  .refine((s) => /[1-9]/.test(s) && Number(s) < 0.9, 'above 0 and below 0.9');
const minutes = z.number().int().min(1).max(60 * 24 * 30);

export const ProtectionsSchema = z
  .object({
    /** The stop every execution-agent entry gets when it brings none: this far below its fill. */
    agentStopPct: fraction,
    stopCooldown: z.object({ minutes }).strict().nullable(),
    stoplossGuard: z.object({ stops: z.number().int().min(1).max(100), windowMinutes: minutes, pauseMinutes: minutes }).strict().nullable(),
    drawdownHalt: z.object({ pct: fraction, hours: z.number().min(0.1).max(24 * 30) }).strict().nullable(),
    pairLock: z.object({ trades: z.number().int().min(1).max(50), hours: z.number().min(0.1).max(24 * 30) }).strict().nullable(),
  })
  .strict();
export type Protections = z.infer<typeof ProtectionsSchema>;

export function defaultProtections(): Protections {
  return {
    agentStopPct: '0.03',
    stopCooldown: { minutes: 60 },
    stoplossGuard: { stops: 3, windowMinutes: 24 * 60, pauseMinutes: 12 * 60 },
    drawdownHalt: { pct: '0.15', hours: 12 },
    pairLock: { trades: 4, hours: 24 },
  };
}

export const PROTECTION_RULES = ['stop_cooldown', 'stoploss_guard', 'drawdown_halt', 'pair_lock'] as const;
export type ProtectionRule = (typeof PROTECTION_RULES)[number];

/** What the book remembers for its protections (bounded). */
export interface ProtectionState {
  stopOuts: { symbol: string; at: number }[];
  /** Realised P&L of each closing fill (sells), oldest first. */
  closes: { symbol: string; pnl: string; at: number }[];
  peakEquity: string | null;
  haltUntil: number | null;
}

export const PROTECTION_LIMITS = { stopOuts: 200, closes: 500 } as const;

export function newProtectionState(): ProtectionState {
  return { stopOuts: [], closes: [], peakEquity: null, haltUntil: null };
}

export interface Lock {
  /** null: every symbol (the drawdown halt). */
  symbol: string | null;
  rule: ProtectionRule;
  until: number;
  reason: string;
}

const MIN = 60_000;
const mins = (ms: number) => Math.max(1, Math.ceil(ms / MIN));

/** Every lock in force at `now`, for `symbols` (and the account). */
export function activeLocks(p: Protections, st: ProtectionState, symbols: readonly string[], now: number): Lock[] {
  const out: Lock[] = [];
  if (p.drawdownHalt && st.haltUntil !== null && now < st.haltUntil) {
    out.push({ symbol: null, rule: 'drawdown_halt', until: st.haltUntil, reason: `equity fell ${Dec.of(p.drawdownHalt.pct).mul('100').toString()}% below its peak: new entries are halted for ${mins(st.haltUntil - now)} more min` });
  }
  for (const symbol of symbols) {
    const stops = st.stopOuts.filter((s) => s.symbol === symbol);
    const last = stops.at(-1);
    if (p.stopCooldown && last && now < last.at + p.stopCooldown.minutes * MIN) {
      const until = last.at + p.stopCooldown.minutes * MIN;
      out.push({ symbol, rule: 'stop_cooldown', until, reason: `${symbol} was stopped out ${mins(now - last.at)} min ago: buys of it pause for ${mins(until - now)} more min` });
    }
    if (p.stoplossGuard && stops.length >= p.stoplossGuard.stops) {
      const g = p.stoplossGuard;
      // The Nth stop-out counted back from the newest, inside the window ending at the newest.
      const recent = stops.slice(-g.stops);
      const span = recent.at(-1)!.at - recent[0]!.at;
      const until = recent.at(-1)!.at + g.pauseMinutes * MIN;
      if (span <= g.windowMinutes * MIN && now < until) out.push({ symbol, rule: 'stoploss_guard', until, reason: `${g.stops} stop-outs of ${symbol} within ${g.windowMinutes} min: it is paused for ${mins(until - now)} more min` });
    }
    if (p.pairLock) {
      const closes = st.closes.filter((c) => c.symbol === symbol).slice(-p.pairLock.trades);
      if (closes.length === p.pairLock.trades) {
        const sum = closes.reduce((a, c) => a.add(c.pnl), Dec.ZERO);
        const until = closes.at(-1)!.at + p.pairLock.hours * 3_600_000;
        if (sum.isNegative() && now < until) out.push({ symbol, rule: 'pair_lock', until, reason: `${symbol}'s last ${p.pairLock.trades} closed trades lost ${sum.neg().toFixed(2)} in sum: locked for ${mins(until - now)} more min` });
      }
    }
  }
  return out;
}

/** The first lock that refuses a buy of `symbol` now, or null. */
export function entryLock(p: Protections, st: ProtectionState, symbol: string, now: number): Lock | null {
  return activeLocks(p, st, [symbol], now)[0] ?? null;
}

/**
 * Follows equity for the drawdown halt; returns the lock when a halt starts now. A halt that has
 * ended lets the peak start again from the current equity.
 */
export function noteEquity(p: Protections, st: ProtectionState, equity: Dec, now: number): Lock | null {
  if (st.haltUntil !== null && now >= st.haltUntil) {
    st.haltUntil = null;
    st.peakEquity = equity.toString();
  }
  if (st.peakEquity === null || equity.gt(st.peakEquity)) st.peakEquity = equity.toString();
  const h = p.drawdownHalt;
  if (!h || st.haltUntil !== null) return null;
  const peak = Dec.of(st.peakEquity);
  if (!peak.isPositive() || Dec.ONE.sub(equity.div(peak)).lt(h.pct)) return null;
  st.haltUntil = now + h.hours * 3_600_000;
  return activeLocks(p, st, [], now)[0] ?? null;
}

export function noteStopOut(st: ProtectionState, symbol: string, at: number): void {
  st.stopOuts.push({ symbol, at });
  if (st.stopOuts.length > PROTECTION_LIMITS.stopOuts) st.stopOuts.splice(0, st.stopOuts.length - PROTECTION_LIMITS.stopOuts);
}

export function noteClose(st: ProtectionState, symbol: string, pnl: string, at: number): void {
  st.closes.push({ symbol, pnl, at });
  if (st.closes.length > PROTECTION_LIMITS.closes) st.closes.splice(0, st.closes.length - PROTECTION_LIMITS.closes);
}
