/**
 * Risk of the current book: concentration, exposure, cash share, leverage, and historical
 * VaR / CVaR of the equity curve's period returns. References in docs/analytics.md.
 */
import { finite } from './stats';

export interface TailRisk {
  /** Loss fraction not exceeded with this confidence over one sampling period (positive = loss). */
  var: number;
  /** Mean loss fraction in the worst (1 - confidence) tail (expected shortfall). */
  cvar: number;
  /** The same in quote currency against current equity. */
  varAmount: number;
  cvarAmount: number;
}

/**
 * Historical VaR / CVaR at `confidence` (e.g. 0.95): sort returns ascending, k = ceil(n * (1 - c)),
 * VaR = -r_(k), CVaR = -mean(r_(1..k)) (Acerbi & Tasche 2002, discrete expected shortfall).
 * Null with fewer than 1 / (1 - c) returns: the tail would hold less than one observation.
 */
export function historicalVaR(returns: readonly number[], confidence: number, equity: number): TailRisk | null {
  const tail = 1 - confidence;
  if (!(tail > 0 && tail < 1)) return null;
  if (returns.length < Math.ceil(1 / tail - 1e-9)) return null;
  const s = [...returns].sort((a, b) => a - b);
  const k = Math.max(1, Math.ceil(s.length * tail - 1e-9));
  const v = -s[k - 1]!;
  let sum = 0;
  for (let i = 0; i < k; i++) sum += s[i]!;
  const cv = -(sum / k);
  return { var: v, cvar: cv, varAmount: v * equity, cvarAmount: cv * equity };
}

export interface BookPosition {
  symbol: string;
  marketValue: number;
}

export interface RiskMetrics {
  equity: number;
  cash: number;
  positionsValue: number;
  /** Positions value / equity. */
  exposure: number | null;
  /** Cash / equity. */
  cashShare: number | null;
  /** Gross position value / (cash + positions): 1 or less for a fully funded spot book. */
  leverage: number | null;
  /** Per-symbol share of equity, largest first. */
  concentration: { symbol: string; share: number; marketValue: number }[];
  /** Herfindahl-Hirschman index of position weights (1 = all in one symbol). */
  herfindahl: number | null;
  var95: TailRisk | null;
  var99: TailRisk | null;
  returnsUsed: number;
}

export function riskMetrics(args: { equity: number; cash: number; tradingEquity: number; positions: readonly BookPosition[]; returns: readonly number[] }): RiskMetrics {
  const { equity, cash, positions, returns } = args;
  const gross = positions.reduce((s, p) => s + Math.abs(p.marketValue), 0);
  const conc = positions
    .map((p) => ({ symbol: p.symbol, marketValue: p.marketValue, share: equity > 0 ? p.marketValue / equity : 0 }))
    .sort((a, b) => b.share - a.share || a.symbol.localeCompare(b.symbol));
  const hhi = gross > 0 ? positions.reduce((s, p) => s + (Math.abs(p.marketValue) / gross) ** 2, 0) : null;
  return {
    equity,
    cash,
    positionsValue: gross,
    exposure: equity > 0 ? finite(gross / equity) : null,
    cashShare: equity > 0 ? finite(cash / equity) : null,
    leverage: args.tradingEquity > 0 ? finite(gross / args.tradingEquity) : null,
    concentration: conc,
    herfindahl: hhi,
    var95: historicalVaR(returns, 0.95, equity),
    var99: historicalVaR(returns, 0.99, equity),
    returnsUsed: returns.length,
  };
}
