/**
 * Risk of the current book: concentration, exposure, cash share, leverage, and historical
 * VaR / CVaR of daily returns. References in docs/analytics.md. Every value is a decimal string:
 * money (equity, cash, position values, VaR amounts) exact or to 8 places, shares of equity
 * computed exactly from the amounts and rounded to 12 places, VaR fractions as the measured
 * return's shortest decimal (returns are float measurements).
 */
import { Dec } from '../domain/decimal';
import type { RiskMetrics, TailRisk } from './schema';

/** Places a share of equity is rounded to. */
const SHARE_PLACES = 12;

/** A measured fraction of an exact amount, as a decimal string rounded to 8 places. */
function amountOf(equity: string, fraction: number): string {
  return Dec.of(equity).mul(Dec.fromMeasured(fraction)).round(8).toString();
}

/** An exact amount as a share of another, to 12 places. */
function shareOf(part: Dec, whole: Dec): string {
  return part.div(whole).round(SHARE_PLACES).toString();
}

/**
 * Historical VaR / CVaR at `confidence` (e.g. 0.95): sort returns ascending, k = ceil(n * (1 - c)),
 * VaR = -r_(k), CVaR = -mean(r_(1..k)) (Acerbi & Tasche 2002, discrete expected shortfall).
 * Null with fewer than 1 / (1 - c) returns: the tail would hold less than one observation.
 */
export function historicalVaR(returns: readonly number[], confidence: number, equity: string): TailRisk | null {
  const tail = 1 - confidence;
  if (!(tail > 0 && tail < 1)) return null;
  if (returns.length < Math.ceil(1 / tail - 1e-9)) return null;
  const s = [...returns].sort((a, b) => a - b);
  const k = Math.max(1, Math.ceil(s.length * tail - 1e-9));
  const v = -s[k - 1]!;
  let sum = 0;
  for (let i = 0; i < k; i++) sum += s[i]!;
  const cv = -(sum / k);
  return { var: Dec.fromMeasured(v).toString(), cvar: Dec.fromMeasured(cv).toString(), varAmount: amountOf(equity, v), cvarAmount: amountOf(equity, cv) };
}

export interface BookPosition {
  symbol: string;
  /** Decimal string. */
  marketValue: string;
}

export function riskMetrics(args: { equity: string; cash: string; tradingEquity: string; positions: readonly BookPosition[]; returns: readonly number[] }): RiskMetrics {
  const { positions, returns } = args;
  const equity = Dec.of(args.equity);
  const values = positions.map((p) => ({ symbol: p.symbol, value: Dec.of(p.marketValue) }));
  const gross = Dec.sum(values.map((p) => p.value.abs()));
  const conc = values
    .map((p) => ({ symbol: p.symbol, marketValue: p.value.toString(), share: equity.isPositive() ? shareOf(p.value, equity) : '0' }))
    .sort((a, b) => Dec.of(b.share).cmp(a.share) || a.symbol.localeCompare(b.symbol));
  // Sum of squared weights, each exact to the division's 40 digits, then rounded once.
  const hhi = gross.isPositive() ? Dec.sum(values.map((p) => { const w = p.value.abs().div(gross); return w.mul(w); })).round(SHARE_PLACES).toString() : null;
  const tradingEquity = Dec.of(args.tradingEquity);
  return {
    equity: equity.toString(),
    cash: Dec.of(args.cash).toString(),
    positionsValue: gross.toString(),
    exposure: equity.isPositive() ? shareOf(gross, equity) : null,
    cashShare: equity.isPositive() ? shareOf(Dec.of(args.cash), equity) : null,
    leverage: tradingEquity.isPositive() ? shareOf(gross, tradingEquity) : null,
    concentration: conc,
    herfindahl: hhi,
    var95: historicalVaR(returns, 0.95, args.equity),
    var99: historicalVaR(returns, 0.99, args.equity),
    returnsUsed: returns.length,
  };
}
