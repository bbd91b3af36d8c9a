/**
 * Risk of the current book: concentration, exposure, cash share, leverage, and historical
 * VaR / CVaR of daily returns. References in docs/analytics.md. Money (equity, cash, position
 * values, VaR amounts) is returned as decimal strings; shares and return fractions are floats
 * (measurements).
 */
import { Dec } from '../domain/decimal';
import { finite } from './stats';

export interface TailRisk {
  /** Loss fraction not exceeded with this confidence over one day (positive = loss). */
  var: number;
  /** Mean loss fraction in the worst (1 - confidence) tail (expected shortfall). */
  cvar: number;
  /** The same in quote currency against current equity (decimal strings, 8 places). */
  varAmount: string;
  cvarAmount: string;
}

/** A measured fraction of an exact amount, as a decimal string rounded to 8 places. */
function amountOf(equity: string, fraction: number): string {
  return Dec.of(equity).mul(Dec.fromMeasured(fraction)).round(8).toString();
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
  return { var: v, cvar: cv, varAmount: amountOf(equity, v), cvarAmount: amountOf(equity, cv) };
}

export interface BookPosition {
  symbol: string;
  /** Decimal string. */
  marketValue: string;
}

export interface RiskMetrics {
  equity: string;
  cash: string;
  /** Gross value of the positions (sum of |market value|), exact. */
  positionsValue: string;
  /** Positions value / equity. */
  exposure: number | null;
  /** Cash / equity. */
  cashShare: number | null;
  /** Gross position value / (cash + positions): 1 or less for a fully funded spot book. */
  leverage: number | null;
  /** Per-symbol share of equity, largest first. */
  concentration: { symbol: string; share: number; marketValue: string }[];
  /** Herfindahl-Hirschman index of position weights (1 = all in one symbol). */
  herfindahl: number | null;
  /** One-day VaR / CVaR from daily returns. */
  var95: TailRisk | null;
  var99: TailRisk | null;
  /** Daily returns the VaR was computed from. */
  returnsUsed: number;
}

export function riskMetrics(args: { equity: string; cash: string; tradingEquity: string; positions: readonly BookPosition[]; returns: readonly number[] }): RiskMetrics {
  const { positions, returns } = args;
  const equity = Number(args.equity);
  const grossDec = Dec.sum(positions.map((p) => Dec.of(p.marketValue).abs()));
  const gross = grossDec.toNumber();
  const conc = positions
    .map((p) => ({ symbol: p.symbol, marketValue: Dec.of(p.marketValue).toString(), share: equity > 0 ? Number(p.marketValue) / equity : 0 }))
    .sort((a, b) => b.share - a.share || a.symbol.localeCompare(b.symbol));
  const hhi = gross > 0 ? positions.reduce((s, p) => s + (Math.abs(Number(p.marketValue)) / gross) ** 2, 0) : null;
  const tradingEquity = Number(args.tradingEquity);
  return {
    equity: Dec.of(args.equity).toString(),
    cash: Dec.of(args.cash).toString(),
    positionsValue: grossDec.toString(),
    exposure: equity > 0 ? finite(gross / equity) : null,
    cashShare: equity > 0 ? finite(Number(args.cash) / equity) : null,
    leverage: tradingEquity > 0 ? finite(gross / tradingEquity) : null,
    concentration: conc,
    herfindahl: hhi,
    var95: historicalVaR(returns, 0.95, args.equity),
    var99: historicalVaR(returns, 0.99, args.equity),
    returnsUsed: returns.length,
  };
}
