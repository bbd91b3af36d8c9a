/**
 * Price sanity: a price that is not a positive finite decimal, or that jumps further from the
 * last accepted price than a configured bound, never reaches bars, features or agents. Each
 * rejection is returned with its reason so the caller can log it as a domain event.
 *
 * A genuine re-pricing (a listing gap, a feed that was down through a crash) would otherwise be
 * refused forever; after `rebaseAfter` consecutive out-of-bound prices that agree with each other
 * (within the bound) the guard accepts the new level and says so.
 *
 * Pure: used by the host's feed manager (ticks) and by the market stream workflow (bars).
 */
import { DECIMAL_RE } from '../domain/decimal';

export interface SanityOptions {
  /** Largest accepted move from the last accepted price, in percent (e.g. 20 = +/-20%). */
  maxJumpPct: number;
  /** Consecutive agreeing out-of-bound prices after which the new level is accepted. */
  rebaseAfter: number;
}

export const DEFAULT_SANITY: SanityOptions = { maxJumpPct: 20, rebaseAfter: 5 };

export type PriceVerdict =
  | { ok: true; value: number; rebased: boolean }
  | { ok: false; reason: 'not-a-number' | 'non-positive' | 'jump'; detail: string };

/** Parses a feed's price string: canonical decimal, finite, strictly positive. */
export function parsePrice(raw: unknown): PriceVerdict {
  if (typeof raw !== 'string' || !DECIMAL_RE.test(raw.trim())) {
    return { ok: false, reason: 'not-a-number', detail: `not a decimal price: ${JSON.stringify(String(raw).slice(0, 40))}` };
  }
  const v = Number(raw);
  if (!Number.isFinite(v)) return { ok: false, reason: 'not-a-number', detail: `price not finite: ${raw.slice(0, 40)}` };
  if (v <= 0) return { ok: false, reason: 'non-positive', detail: `price ${raw} is not positive` };
  return { ok: true, value: v, rebased: false };
}

export interface GuardState {
  last: number | null;
  /** Out-of-bound prices seen in a row (their values), for the rebase rule. */
  pending: number[];
}

export function guardInit(): GuardState {
  return { last: null, pending: [] };
}

export function checkPrice(g: GuardState, raw: unknown, o: SanityOptions = DEFAULT_SANITY): PriceVerdict {
  const p = parsePrice(raw);
  if (!p.ok) return p;
  const v = p.value;
  if (g.last === null || withinBound(g.last, v, o.maxJumpPct)) {
    g.last = v;
    g.pending = [];
    return p;
  }
  if (g.pending.length && !withinBound(g.pending[g.pending.length - 1]!, v, o.maxJumpPct)) g.pending = [];
  g.pending.push(v);
  if (g.pending.length >= o.rebaseAfter) {
    g.last = v;
    g.pending = [];
    return { ok: true, value: v, rebased: true };
  }
  const pct = ((v / g.last - 1) * 100).toFixed(2);
  return { ok: false, reason: 'jump', detail: `price ${raw} moved ${pct}% from ${g.last} (bound ${o.maxJumpPct}%)` };
}

function withinBound(ref: number, v: number, maxJumpPct: number): boolean {
  return Math.abs(v / ref - 1) * 100 <= maxJumpPct;
}
