/**
 * The built-in policy as it was before the expected-edge policy (core/agents/policy.ts): trend
 * following with an RSI filter and an edge of trend x 10,000 bps. Frozen: the execution agent
 * workflow still runs it when it replays a history recorded before the `policy-expected-edge`
 * patch, so a run started by an older release continues deterministically. Nothing else calls it.
 */
import { Dec } from '../domain/decimal';
import type { ExecutionMode } from './prompt-ids';
import type { MarketPoint, PolicyDecision, PolicyInput } from './policy';

interface ModeParams {
  buyTrend: number;
  rsiLow: number;
  rsiHigh: number;
  sellTrend: number;
  sellRsi: number;
  sizePct: string;
  minEdgeBps: number;
}

const MODE_PARAMS: Record<ExecutionMode, ModeParams> = {
  conservative: { buyTrend: 0.002, rsiLow: 40, rsiHigh: 60, sellTrend: 0, sellRsi: 70, sizePct: '0.05', minEdgeBps: 20 },
  standard: { buyTrend: 0.001, rsiLow: 45, rsiHigh: 70, sellTrend: -0.0005, sellRsi: 75, sizePct: '0.10', minEdgeBps: 10 },
  aggressive: { buyTrend: 0.0003, rsiLow: 0, rsiHigh: 75, sellTrend: -0.001, sellRsi: 80, sizePct: '0.20', minEdgeBps: 3 },
};

const FAST = 5;
const SLOW = 15;
const MIN_SAMPLES = 6;
const MIN_ORDER_NOTIONAL = Dec.of('1');

function ema(values: readonly number[], period: number): number {
  const k = 2 / (period + 1);
  let e = values[0]!;
  for (let i = 1; i < values.length; i++) e = values[i]! * k + e * (1 - k);
  return e;
}

/** RSI over the last `period` changes (Cutler's simple-average variant: no seed dependence). */
function rsi(values: readonly number[], period = 14): number {
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

interface Signals {
  symbol: string;
  price: number;
  trend: number;
  rsi: number;
  samples: number;
  source: 'features' | 'history';
}

/** Trend = (fast EMA - slow EMA) / slow EMA, from the feed's features when present. */
function signalsFor(m: MarketPoint, history: readonly string[]): Signals | null {
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

export function decideLegacy(input: PolicyInput): PolicyDecision {
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
