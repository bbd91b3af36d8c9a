/**
 * The built-in deterministic execution policy: what the execution agent does without a model
 * (formulas and numbers in docs/agents.md). It trades only when the move it can honestly expect
 * pays for the round trip, with a margin per mode:
 *
 *   expected edge = risk premium over the holding horizon + the trend still to come
 *   buy  when edge >= margin x round-trip cost (taker fee both ways + spread + slippage)
 *        and the holding is below its target share of equity
 *   sell when the edge turns negative (an expected loss), or trim a holding far above its target
 *
 * Both parts of the edge come from the market model calibrated on the recorded data
 * (core/market/calibration.ts), the one the simulated market runs: the risk premium is a Sharpe
 * ratio times the product's volatility; the trend is the EMA gap times the gain that turns it into
 * the expected remaining move under the calibrated trend persistence. The trend part is worth tens
 * of bps (against a ~245 bps round trip at Coinbase's entry-tier 1.2 % taker fee), so what pays
 * is the premium over a quarter: the policy holds a mode-sized allocation, and the trend only
 * moves the edge a little (it could delay a buy in a steep fall, or exit a holding if it ever
 * outweighed the premium).
 *
 * Pure and deterministic (no clock, no randomness): it runs inside the workflow. Indicators are
 * floats (statistics); order sizes are exact decimals.
 */
import { Dec } from '../domain/decimal';
import { MINUTES_PER_YEAR, RISK_PREMIUM_SHARPE, TREND, hasMeasuredVol, minuteVol } from '../market/calibration';
import { COINBASE_ENTRY_TIER } from '../trading/fees';
import { DEFAULT_SLIPPAGE, slippageBps } from '../trading/fill';
import { roundTripBps, type TradingCosts } from './costs';
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
  /** `costs`: the ledger's fee rates and spread estimates (the paper defaults when absent). */
  portfolio: { equity: string; cash: string; positions: PolicyPosition[]; costs?: TradingCosts };
  constraints: AgentConstraints;
  /** Seconds between history samples (a backtest's bar); live samples are taken a minute apart or closer. */
  sampleSeconds?: number;
}

export type PolicyDecision =
  | { action: 'buy'; symbol: string; notional: string; expectedEdgeBps: number; rationale: string }
  | { action: 'sell'; symbol: string; quantity: string; expectedEdgeBps: number; rationale: string }
  | { action: 'hold'; symbol: string | null; rationale: string };

interface ModeParams {
  /** Target share of equity per symbol. */
  targetWeight: string;
  /** The edge must be at least this multiple of the round-trip cost. */
  margin: number;
}

export const MODE_PARAMS: Record<ExecutionMode, ModeParams> = {
  conservative: { targetWeight: '0.05', margin: 1.5 },
  standard: { targetWeight: '0.10', margin: 1.25 },
  aggressive: { targetWeight: '0.20', margin: 1.1 },
};

/** The holding horizon the premium is earned over: a quarter. */
export const HORIZON_DAYS = 90;
/** A holding this far above its target (50 %) is trimmed back to it. */
export const TRIM_BAND = '0.5';
/** A holding is topped up only when at least this share of its target is missing. */
export const TOP_UP_MIN = '0.25';

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

const gains = new Map<string, number>();

/**
 * The expected remaining trend move per unit of EMA gap (ema_fast - ema_slow) / ema_slow, for
 * EMAs over steps of `stepMinutes`, under the calibrated trend: a drift with standard deviation
 * TREND.sd (in minute volatilities) that persists with correlation exp(-k / TREND.meanMinutes)
 * under noise of one minute volatility a minute. With c_i = b_slow^(i+1) - b_fast^(i+1) the gap's
 * weights on past returns and phi the drift's correlation per step, the best linear estimate of
 * the drift from the gap is gap x Cov(gap, drift) / Var(gap), and the drift still to come is
 * that x phi / (1 - phi): 0.68 for the feed's 12/26 EMAs on 1-minute bars.
 */
export function trendGain(fast: number, slow: number, stepMinutes: number): number {
  const key = `${fast}/${slow}/${stepMinutes}`;
  const cached = gains.get(key);
  if (cached !== undefined) return cached;
  const bf = 1 - 2 / (fast + 1);
  const bs = 1 - 2 / (slow + 1);
  const phi = Math.exp(-stepMinutes / TREND.meanMinutes);
  const driftVar = (TREND.sd * stepMinutes) ** 2;
  const noiseVar = stepMinutes;
  const n = Math.ceil(Math.log(1e-9) / Math.log(bs));
  const c = Array.from({ length: n }, (_, i) => bs ** (i + 1) - bf ** (i + 1));
  let cov = 0;
  let cc = 0;
  let dd = 0;
  for (let i = 0; i < n; i++) {
    cov += c[i]! * phi ** i;
    cc += c[i]! * c[i]!;
    for (let j = 0; j < n; j++) dd += c[i]! * c[j]! * phi ** Math.abs(i - j);
  }
  const g = phi >= 1 ? 0 : ((cov * driftVar) / (noiseVar * cc + driftVar * dd)) * (phi / (1 - phi));
  gains.set(key, g);
  return g;
}

export interface Signals {
  symbol: string;
  price: number;
  /** (EMA fast - EMA slow) / EMA slow. */
  gap: number;
  /** Annual volatility the premium is scaled by, and where it came from. */
  volAnnual: number;
  volSource: 'calibrated' | 'features' | 'samples';
  /** Expected log moves over the horizon, as fractions: premium, trend, and their sum. */
  premium: number;
  trend: number;
  edge: number;
  source: 'features' | 'history';
}

/** The premium and trend parts of a symbol's expected move (null while warming up). */
export function signalsFor(m: MarketPoint, history: readonly string[], sampleSeconds = 60): Signals | null {
  const f = m.features ?? {};
  const price = Number(m.price);
  const fast = pick(f, ['ema_fast', 'emaFast', 'ema12', 'ema_12']);
  const slow = pick(f, ['ema_slow', 'emaSlow', 'ema26', 'ema_26']);
  const series = [...history.map(Number), price].filter((x) => Number.isFinite(x) && x > 0);
  let gap: number;
  let gain: number;
  let source: Signals['source'];
  if (fast !== null && slow !== null && slow > 0) {
    gap = (fast - slow) / slow;
    gain = trendGain(12, 26, 1);
    source = 'features';
  } else {
    if (series.length < MIN_SAMPLES) return null;
    const tail = series.slice(-SLOW * 2);
    const slowE = ema(tail, SLOW);
    gap = (ema(tail, FAST) - slowE) / slowE;
    gain = trendGain(FAST, SLOW, sampleSeconds / 60);
    source = 'history';
  }
  let volAnnual: number;
  let volSource: Signals['volSource'];
  const featureVol = pick(f, ['realised_vol_30_annualised']);
  if (hasMeasuredVol(m.symbol)) {
    // The premium is a long-run prior: the volatility measured in the recorded data, not the last half hour.
    volAnnual = minuteVol(m.symbol) * Math.sqrt(MINUTES_PER_YEAR);
    volSource = 'calibrated';
  } else if (featureVol !== null && featureVol > 0) {
    volAnnual = featureVol;
    volSource = 'features';
  } else {
    if (series.length < MIN_SAMPLES) return null;
    const r = series.slice(1).map((x, i) => Math.log(x / series[i]!));
    const mean = r.reduce((a, b) => a + b, 0) / r.length;
    const sd = Math.sqrt(r.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, r.length - 1));
    volAnnual = sd * Math.sqrt((MINUTES_PER_YEAR * 60) / sampleSeconds);
    volSource = 'samples';
  }
  const premium = RISK_PREMIUM_SHARPE * volAnnual * (HORIZON_DAYS / 365);
  const trend = gain * gap;
  return { symbol: m.symbol, price, gap, volAnnual, volSource, premium, trend, edge: premium + trend, source };
}

function pick(f: Record<string, number>, keys: string[]): number | null {
  for (const k of keys) {
    const v = f[k];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
  }
  return null;
}

const bps = (x: number) => Math.round(x * 10_000);
const pct1 = (x: number) => `${(x * 100).toFixed(1)}%`;

/** Round-trip cost in bps of `notional` of `symbol`: a taker fee each way, the spread, and the impact both ways. */
export function roundTripCostBps(costs: TradingCosts | undefined, symbol: string, notional: Dec): number {
  return roundTripBps(costs, symbol) + 2 * slippageBps(notional, DEFAULT_SLIPPAGE);
}

function edgeText(s: Signals): string {
  return `expected ${bps(s.edge) >= 0 ? '+' : ''}${bps(s.edge)} bps over ${HORIZON_DAYS} days (risk premium ${bps(s.premium)}: Sharpe ${RISK_PREMIUM_SHARPE} at ${(s.volAnnual * 100).toFixed(0)}% volatility; trend ${bps(s.trend) >= 0 ? '+' : ''}${bps(s.trend)})`;
}

export function decide(input: PolicyInput): PolicyDecision {
  const p = MODE_PARAMS[input.mode];
  const equity = Dec.of(input.portfolio.equity);
  const target = equity.mul(p.targetWeight);
  const costs = input.portfolio.costs;
  const held = new Map(input.portfolio.positions.filter((x) => Dec.of(x.quantity).isPositive()).map((x) => [x.symbol, x]));
  const sigs: Signals[] = [];
  for (const m of input.markets) {
    const s = signalsFor(m, input.history[m.symbol] ?? [], input.sampleSeconds);
    if (s) sigs.push(s);
  }
  if (sigs.length === 0) return { action: 'hold', symbol: null, rationale: `warming up: fewer than ${MIN_SAMPLES} price samples and no feature vector yet` };
  const prices = new Map(input.markets.map((m) => [m.symbol, Dec.of(m.price)]));
  const value = (s: Signals) => {
    const pos = held.get(s.symbol);
    return pos ? Dec.of(pos.quantity).mul(prices.get(s.symbol)!) : Dec.ZERO;
  };
  const weight = (s: Signals) => (equity.isPositive() ? value(s).div(equity).toNumber() : 0);

  // Exits first: an expected loss, then a holding far above its target.
  for (const s of [...sigs].sort((a, b) => a.edge - b.edge)) {
    const pos = held.get(s.symbol);
    if (!pos) continue;
    if (s.edge < 0) {
      return { action: 'sell', symbol: s.symbol, quantity: pos.quantity, expectedEdgeBps: bps(-s.edge), rationale: `${input.mode}: exit ${s.symbol}: ${edgeText(s)} is a loss` };
    }
    const v = value(s);
    if (v.gt(target.mul(Dec.ONE.add(TRIM_BAND)))) {
      const qty = Dec.of(pos.quantity).mul(v.sub(target)).div(v).floorTo('0.00000001');
      if (qty.isPositive()) {
        return {
          action: 'sell',
          symbol: s.symbol,
          quantity: qty.toString(),
          expectedEdgeBps: 0,
          rationale: `${input.mode}: trim ${s.symbol} from ${pct1(weight(s))} to its ${pct1(Number(p.targetWeight))} target of equity`,
        };
      }
    }
  }

  const blocked = new Set(input.constraints.blockedSymbols ?? []);
  const minEdge = input.constraints.minExpectedEdgeBps ?? 0;
  const cashCap = Dec.of(input.portfolio.cash).mul('0.98');
  type Candidate = { s: Signals; notional: Dec; need: number; trip: number };
  const candidates: Candidate[] = [];
  const waiting: string[] = [];
  for (const s of sigs) {
    if (blocked.has(s.symbol)) {
      waiting.push(`${s.symbol} blocked by the judge`);
      continue;
    }
    const shortfall = target.sub(value(s));
    if (shortfall.lt(target.mul(TOP_UP_MIN)) || shortfall.lt(MIN_ORDER_NOTIONAL)) continue;
    let notional = shortfall;
    if (notional.gt(cashCap)) notional = cashCap;
    if (input.constraints.maxOrderNotional && notional.gt(input.constraints.maxOrderNotional)) notional = Dec.of(input.constraints.maxOrderNotional);
    notional = notional.round(2, 'down');
    const trip = roundTripCostBps(costs, s.symbol, notional);
    const need = Math.max(Math.ceil(p.margin * trip), minEdge);
    if (notional.lt(MIN_ORDER_NOTIONAL)) {
      waiting.push(`${s.symbol} worth buying but only ${notional.toString()} available to spend`);
      continue;
    }
    if (bps(s.edge) >= need) candidates.push({ s, notional, need, trip });
    else waiting.push(`${s.symbol} ${edgeText(s)} < ${need} bps needed (${p.margin} x ${trip} bps round trip)`);
  }
  const best = candidates.sort((a, b) => bps(b.s.edge) / b.need - bps(a.s.edge) / a.need)[0];
  if (best) {
    return {
      action: 'buy',
      symbol: best.s.symbol,
      notional: best.notional.toString(),
      expectedEdgeBps: bps(best.s.edge),
      rationale: `${input.mode}: buy ${best.notional.toString()} of ${best.s.symbol} toward its ${pct1(Number(p.targetWeight))} target: ${edgeText(best.s)} beats ${best.need} bps (${p.margin} x ${best.trip} bps round trip at ${(Number((costs?.fees ?? COINBASE_ENTRY_TIER).taker) * 100).toFixed(2)}% taker)`,
    };
  }
  const holding = sigs.filter((s) => held.has(s.symbol)).map((s) => `${s.symbol} ${pct1(weight(s))}`);
  const at = holding.length ? `holding ${holding.join(', ')} of equity (target ${pct1(Number(p.targetWeight))} each)` : 'no holdings';
  return {
    action: 'hold',
    symbol: waiting.length ? (sigs.find((s) => waiting[0]!.startsWith(s.symbol))?.symbol ?? null) : null,
    rationale: `${input.mode}: ${at}; ${waiting.length ? `waiting: ${waiting.join('; ')}` : 'nothing to do until a holding drifts from its target or its expected move turns negative'}`,
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
