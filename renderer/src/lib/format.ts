/**
 * Display formatting. Money and quantities arrive as decimal strings and are formatted as
 * strings (grouping, fixed places by rounding the digits) — never through float arithmetic.
 */
import { Dec } from '../../../core/domain/decimal';
import { fractionToPercent, percentToFraction } from '../../../core/domain/percent';

function group(intPart: string): string {
  return intPart.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** "12345.678" -> "12,345.68" (half-even via Dec), keeps the sign; null/invalid -> "—". */
export function fmtDec(v: string | null | undefined, places = 2): string {
  if (v === null || v === undefined || v === '') return '—';
  let d: Dec;
  try {
    d = Dec.of(v);
  } catch {
    return String(v);
  }
  const s = d.toFixed(places);
  const neg = s.startsWith('-');
  const [i = '0', f] = (neg ? s.slice(1) : s).split('.');
  const out = group(i) + (f ? '.' + f : '');
  return neg && /[1-9]/.test(out) ? '-' + out : out;
}

export function fmtMoney(v: string | null | undefined, ccy = 'USD', places = 2): string {
  const s = fmtDec(v, places);
  if (s === '—') return s;
  const sym = ccy === 'USD' || ccy === 'USDC' ? '$' : '';
  if (s.startsWith('-')) return `-${sym}${s.slice(1)}${sym ? '' : ' ' + ccy}`;
  return `${sym}${s}${sym ? '' : ' ' + ccy}`;
}

/** A signed amount with an explicit "+" for gains. */
export function fmtSigned(v: string | null | undefined, places = 2): string {
  const s = fmtDec(v, places);
  if (s === '—' || s.startsWith('-') || !/[1-9]/.test(s)) return s;
  return '+' + s;
}

/** -1, 0, 1 for a decimal string (0 for missing). */
export function sign(v: string | null | undefined): -1 | 0 | 1 {
  if (!v) return 0;
  try {
    const d = Dec.of(v);
    return d.isNegative() ? -1 : d.isZero() ? 0 : 1;
  } catch {
    return 0;
  }
}

/** Trim a quantity for display: up to `max` places, no trailing zeros. */
export function fmtQty(v: string | null | undefined, max = 8): string {
  if (v === null || v === undefined || v === '') return '—';
  const s = fmtDec(v, max);
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

/** A ratio as a percentage: a measured float, or a decimal string (shifted exactly, never through a float). */
export function fmtPct(n: number | string | null | undefined, places = 2): string {
  if (typeof n === 'string') return Dec.isDecimalString(n) ? `${Dec.of(fractionToPercent(n)).toFixed(places)}%` : '—';
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  return `${(n * 100).toFixed(places)}%`;
}

export function fmtNum(n: number | null | undefined, places = 2): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  return n.toLocaleString('en-US', { minimumFractionDigits: places, maximumFractionDigits: places });
}

export function fmtTime(t: number | string | null | undefined): string {
  if (t === null || t === undefined) return '—';
  const d = new Date(t);
  if (Number.isNaN(d.getTime())) return String(t);
  return d.toISOString().replace('T', ' ').slice(0, 19);
}

export function fmtAgo(t: number, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  return `${Math.floor(s / 3600)}h ago`;
}

/** An exact rate "0.012" as percent text "1.2" (no float on the way). */
export function rateToPercent(rate: string | number): string {
  return fractionToPercent(rate);
}

/** The fee schedule fills are charged with: "taker 1.2% · maker 0.6%". */
export function feeRatesText(fees: { taker: string; maker: string }): string {
  return `taker ${rateToPercent(fees.taker)}% · maker ${rateToPercent(fees.maker)}%`;
}

/** "1.2" (percent) to the exact rate string "0.012"; null unless a percentage in [0, below), 100 unless given. */
export function percentToRate(v: string, below = '100'): string | null {
  return percentToFraction(v, below);
}
