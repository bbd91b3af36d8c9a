/**
 * The built-in deterministic execution policy: what the execution agent does without a model,
 * so the cockpit trades on paper out of the box (formulas in docs/agents.md). Trend-following
 * with an RSI filter, sized as a share of equity per mode, one order per nudge at most.
 * Pure and deterministic (no clock, no randomness): it runs inside the workflow.
 * Indicators are floats (statistics); order sizes are exact decimals.
 */
import { Dec } from '../domain/decimal';
import type { ExecutionMode } from './prompt-ids';

export interface MarketPoint {
  symbol: string;
  price: string;
  time: number;
  /** Feature vector from the market stream when it has one (ema/rsi/...); else computed here. */
  features?: Record<string, number>;
}

export interface PolicyPosition {
  symbol: string;
  quantity: string;
  avgPrice: string;
}

export interface AgentConstraints {
  /** Largest order this agent may send (quote), on top of the ledger's own limits. */
  maxOrderNotional?: string;
  /** Smallest expected edge (bps) an order needs. */
  minExpectedEdgeBps?: number;
  /** Symbols the agent must not buy. */
  blockedSymbols?: string[];
}

export interface PolicyInput {
  mode: ExecutionMode;
  markets: MarketPoint[];
  /** Prices sampled at previous nudges per symbol, oldest first. */
  history: Record<string, string[]>;
  portfolio: { equity: string; cash: string; positions: PolicyPosition[] };
  constraints: AgentConstraints;
}

export type PolicyDecision =
  | { action: 'buy'; symbol: string; notional: string; expectedEdgeBps: number; rationale: string }
  | { action: 'sell'; symbol: string; quantity: string; expectedEdgeBps: number; rationale: string }
  | { action: 'hold'; symbol: string | null; rationale: string };

interface ModeParams {
  buyTrend: number;
  rsiLow: number;
  rsiHigh: number;
  sellTrend: number;
  sellRsi: number;
  sizePct: string;
  minEdgeBps: number;
}

export const MODE_PARAMS: Record<ExecutionMode, ModeParams> = {
  conservative: { buyTrend: 0.002, rsiLow: 40, rsiHigh: 60, sellTrend: 0, sellRsi: 70, sizePct: '0.05', minEdgeBps: 20 },
  standard: { buyTrend: 0.001, rsiLow: 45, rsiHigh: 70, sellTrend: -0.0005, sellRsi: 75, sizePct: '0.10', minEdgeBps: 10 },
  aggressive: { buyTrend: 0.0003, rsiLow: 0, rsiHigh: 75, sellTrend: -0.001, sellRsi: 80, sizePct: '0.20', minEdgeBps: 3 },
};

export const FAST = 5;
export const SLOW = 15;
export const MIN_SAMPLES = 6;
const MIN_ORDER_NOTIONAL = Dec.of('1');

export function ema(values: readonly number[], period: number): number {
  const k = 2 / (period + 1);
  let e = values[0]!;
  for (let i = 1; i < values.length; i++) e = values[i]! * k + e * (1 - k);
  return e;
}

/** RSI over the last `period` changes (Cutler's simple-average variant: no seed dependence). */
export function rsi(values: readonly number[], period = 14): number {
  const xs = values.slice(-(period + 1));
  let gain = 0;
  let loss = 0;
  for (let i = 1; i < xs.length; i++) {
    const d = xs[i]! - xs[i - 1]!;
    if (d > 0) gain += d;
    else loss -= d;
  }
  if (gain + loss === 0) return 50;
  if (loss === 0) return 100;
  return 100 - 100 / (1 + gain / loss);
}

export interface Signals {
  symbol: string;
  price: number;
  trend: number;
  rsi: number;
  samples: number;
  source: 'features' | 'history';
}

/** Trend = (fast EMA - slow EMA) / slow EMA, from the feed's features when present. */
export function signalsFor(m: MarketPoint, history: readonly string[]): Signals | null {
  const f = m.features ?? {};
  const price = Number(m.price);
  const fast = pick(f, ['ema_fast', 'emaFast', 'ema12', 'ema_12', 'ema9', 'ema_9']);
  const slow = pick(f, ['ema_slow', 'emaSlow', 'ema26', 'ema_26', 'ema21', 'ema_21', 'sma20', 'sma_20']);
  const r = pick(f, ['rsi', 'rsi14', 'rsi_14']);
  if (fast !== null && slow !== null && slow > 0) {
    return { symbol: m.symbol, price, trend: (fast - slow) / slow, rsi: r ?? 50, samples: history.length + 1, source: 'features' };
  }
  const series = [...history.map(Number), price].filter((x) => Number.isFinite(x) && x > 0);
  if (series.length < MIN_SAMPLES) return null;
  const slowE = ema(series.slice(-SLOW * 2), SLOW);
  const fastE = ema(series.slice(-SLOW * 2), FAST);
  return { symbol: m.symbol, price, trend: (fastE - slowE) / slowE, rsi: r ?? rsi(series), samples: series.length, source: 'history' };
}

function pick(f: Record<string, number>, keys: string[]): number | null {
  for (const k of keys) {
    const v = f[k];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
  }
  return null;
}

const pct = (x: number) => `${(x * 100).toFixed(3)}%`;

export function decide(input: PolicyInput): PolicyDecision {
  const p = MODE_PARAMS[input.mode];
  const minEdge = Math.max(p.minEdgeBps, input.constraints.minExpectedEdgeBps ?? 0);
  const held = new Map(input.portfolio.positions.filter((x) => Dec.of(x.quantity).isPositive()).map((x) => [x.symbol, x]));
  const sigs: Signals[] = [];
  for (const m of input.markets) {
    const s = signalsFor(m, input.history[m.symbol] ?? []);
    if (s) sigs.push(s);
  }
  if (sigs.length === 0) return { action: 'hold', symbol: null, rationale: `warming up: fewer than ${MIN_SAMPLES} price samples and no feature vector yet` };

  // Exits first: reducing risk never waits for a better entry elsewhere.
  for (const s of [...sigs].sort((a, b) => a.trend - b.trend)) {
    const pos = held.get(s.symbol);
    if (!pos) continue;
    if (s.trend < p.sellTrend || s.rsi > p.sellRsi) {
      const why = s.trend < p.sellTrend ? `trend ${pct(s.trend)} below ${pct(p.sellTrend)}` : `RSI ${s.rsi.toFixed(1)} above ${p.sellRsi}`;
      return {
        action: 'sell',
        symbol: s.symbol,
        quantity: pos.quantity,
        expectedEdgeBps: Math.round(Math.max(-s.trend, 0) * 10_000),
        rationale: `${input.mode}: exit ${s.symbol}, ${why}`,
      };
    }
  }

  const candidates = sigs
    .filter((s) => !held.has(s.symbol) && !(input.constraints.blockedSymbols ?? []).includes(s.symbol))
    .filter((s) => s.trend > p.buyTrend && s.rsi >= p.rsiLow && s.rsi <= p.rsiHigh)
    .map((s) => ({ s, edge: Math.round(s.trend * 10_000) }))
    .filter((c) => c.edge >= minEdge)
    .sort((a, b) => b.edge - a.edge);
  const best = candidates[0];
  if (!best) {
    const top = [...sigs].sort((a, b) => b.trend - a.trend)[0]!;
    return {
      action: 'hold',
      symbol: top.symbol,
      rationale: `${input.mode}: no entry; strongest trend ${top.symbol} ${pct(top.trend)} (needs > ${pct(p.buyTrend)}, edge >= ${minEdge} bps), RSI ${top.rsi.toFixed(1)} (needs ${p.rsiLow}-${p.rsiHigh})`,
    };
  }
  let notional = Dec.of(input.portfolio.equity).mul(p.sizePct);
  const cashCap = Dec.of(input.portfolio.cash).mul('0.98');
  if (notional.gt(cashCap)) notional = cashCap;
  if (input.constraints.maxOrderNotional && notional.gt(input.constraints.maxOrderNotional)) notional = Dec.of(input.constraints.maxOrderNotional);
  notional = notional.round(2, 'down');
  if (notional.lt(MIN_ORDER_NOTIONAL)) {
    return { action: 'hold', symbol: best.s.symbol, rationale: `${input.mode}: entry signal on ${best.s.symbol} but only ${notional.toString()} available to spend` };
  }
  return {
    action: 'buy',
    symbol: best.s.symbol,
    notional: notional.toString(),
    expectedEdgeBps: best.edge,
    rationale: `${input.mode}: trend ${pct(best.s.trend)} and RSI ${best.s.rsi.toFixed(1)} on ${best.s.symbol}; buying ${notional.toString()} (${Number(p.sizePct) * 100}% of equity)`,
  };
}

/** Largest absolute move (%) of any symbol since the last decision's prices. */
export function maxMovePct(now: readonly MarketPoint[], last: Record<string, string>): number | null {
  let best: number | null = null;
  for (const m of now) {
    const prev = last[m.symbol];
    if (!prev) return null; // a symbol never decided on counts as moved
    const move = Dec.of(m.price).sub(prev).abs().div(prev).mul('100').toNumber();
    best = best === null ? move : Math.max(best, move);
  }
  return best;
}
