/**
 * From a validated spec to an engine and from an engine's state to a result: data loading,
 * product rules, strategy parameters, analytics (core/analytics, the same as the paper ledger).
 */
import { accountDailyReturns, DAY_MS, performanceMetrics, riskMetrics, type DailyEquity } from '../analytics';
import { Dec } from '../domain/decimal';
import { TIMEFRAME_MS } from '../domain/market';
import { COINBASE_ENTRY_TIER, DEFAULT_SLIPPAGE, defaultProductSpec, valuePortfolio } from '../trading';
import type { ProductSpec } from '../trading/types';
import { defaultRiskLimits } from '../risk/limits';
import type { BarSeries } from './bars';
import { loadRecorded } from '../market/data/columns';
import { countSteps, type EngineConfig, type EngineState } from './engine';
import type { BacktestResult, BacktestSummary, ModelUsage } from './result';
import type { BacktestSpec } from './spec';
import { exitsOf, STRATEGIES } from './strategies';

export class SpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SpecError';
  }
}

export interface Prepared {
  cfg: EngineConfig;
  series: BarSeries[];
  reports: BacktestResult['data'];
  totalSteps: number;
}

/** Engine configuration for a spec over already-loaded series (tests and the bench use this directly). */
export function engineConfig(spec: BacktestSpec, series: BarSeries[]): EngineConfig {
  const def = STRATEGIES[spec.strategy];
  if (!def) throw new SpecError(`unknown strategy ${spec.strategy}`);
  const params = def.params.safeParse(spec.params ?? {});
  if (!params.success) {
    const msg = params.error.issues.map((i) => `${i.path.join('.') || 'params'}: ${i.message}`).join('; ');
    throw new SpecError(`${spec.strategy} params: ${msg}`);
  }
  const raw = spec.weights ?? spec.symbols.map(() => 1);
  const sum = raw.reduce((a, b) => a + b, 0);
  const specs: ProductSpec[] = spec.symbols.map((s) => {
    const p = defaultProductSpec(s);
    return spec.spreadBps === undefined ? p : { ...p, spreadBps: String(spec.spreadBps) };
  });
  const steps = countSteps(series);
  return {
    symbols: spec.symbols,
    weights: raw.map((w) => w / sum),
    initialCash: spec.initialCash,
    fees: spec.fees ?? COINBASE_ENTRY_TIER,
    slippage: spec.slippage ? DEFAULT_SLIPPAGE : { baseBps: 0, impactBps: 0, impactRefNotional: 1, maxBps: 0 },
    specs,
    riskLimits: spec.risk === 'none' ? null : spec.risk === 'default' ? defaultRiskLimits(spec.initialCash) : spec.risk,
    profitScrapePct: spec.profitScrapePct,
    strategy: def,
    // The agent's features annualise with the bar length, which only the spec knows; the built-in
    // policy also weighs the run's own fees and spread.
    strategyParams:
      spec.strategy === 'agent'
        ? { ...(params.data as object), barMs: TIMEFRAME_MS[spec.timeframe] }
        : spec.strategy === 'policy'
          ? { ...(params.data as object), barMs: TIMEFRAME_MS[spec.timeframe], fees: spec.fees ?? COINBASE_ENTRY_TIER, spreadBps: String(Math.max(...specs.map((x) => Number(x.spreadBps)))) }
          : params.data,
    sampleEvery: Math.max(1, Math.ceil(steps / spec.maxCurvePoints)),
    rebalanceBand: spec.rebalanceBand,
    // Every strategy's params carry the protective exits (strategies/exits.ts); the engine places them.
    exits: exitsOf(params.data),
  };
}

/** Loads the spec's series from `marketDirs` (one directory, or several in order of precedence: the data dir's datasets, then the shipped recordings). */
export function prepare(spec: BacktestSpec, marketDirs: string | readonly string[]): Prepared {
  const loaded = spec.symbols.map((symbol) => loadRecorded(marketDirs, symbol, spec.timeframe, { from: spec.from, to: spec.to }));
  const series: BarSeries[] = loaded;
  const cfg = engineConfig(spec, series);
  return { cfg, series, reports: loaded.map(({ report: r }) => ({ symbol: r.symbol, files: r.files, rows: r.rows, duplicates: r.duplicates, gaps: r.missingBars, sourceTimeframeMs: r.sourceTimeframeMs, bars: r.bars })), totalSteps: countSteps(series) };
}

export interface SummaryMeta {
  id: string;
  createdAt: number;
  finishedAt: number;
}

/** The result of a finished engine state. */
export function buildResult(spec: BacktestSpec, p: Pick<Prepared, 'cfg' | 'series' | 'reports'>, st: EngineState, meta: SummaryMeta, model?: ModelUsage): BacktestResult {
  const marks: Record<string, string> = {};
  p.cfg.symbols.forEach((s, k) => {
    if (!Number.isNaN(st.lastClose[k]!) && st.lastClose[k] !== null) marks[s] = String(st.lastClose[k]);
  });
  const v = valuePortfolio(st.portfolio, marks);
  const t = st.portfolio.totals;
  const curve = st.curve.map((c) => ({ t: c.t, equity: String(c.equity), exposure: String(c.exposure) }));
  // Ratios and VaR from the equity at every UTC day's close (the engine's day rows, from every
  // bar), not from the sampled curve, whose stride grows with the run's length.
  const daily: DailyEquity[] = st.days.map((d) => ({ day: Date.parse(`${d.date}T00:00:00Z`) / DAY_MS, equity: d.closeEquity }));
  const perf = performanceMetrics(spec.initialCash, curve, { wins: t.wins, losses: t.losses, grossProfit: t.grossProfit, grossLoss: t.grossLoss, feesPaid: t.feesPaid }, v.equity, { daily, maxDrawdown: st.maxDrawdown });
  const risk = riskMetrics({
    equity: v.equity,
    cash: v.cash,
    tradingEquity: v.tradingEquity,
    positions: v.positions.map((x) => ({ symbol: x.symbol, marketValue: x.marketValue })),
    returns: accountDailyReturns(spec.initialCash, curve, daily),
  });
  const first = p.series.reduce((m, s) => (s.length > 0 ? Math.min(m, s.time[0]!) : m), Infinity);
  const last = p.series.reduce((m, s) => (s.length > 0 ? Math.max(m, s.time[s.length - 1]! + s.timeframeMs) : m), -Infinity);
  const openTrades = st.open.filter((x): x is NonNullable<typeof x> => x !== null);
  const summary: BacktestSummary = {
    id: meta.id,
    label: spec.label ?? null,
    strategy: spec.strategy,
    symbols: spec.symbols,
    timeframe: spec.timeframe,
    status: 'completed',
    createdAt: meta.createdAt,
    finishedAt: meta.finishedAt,
    bars: st.barsSeen,
    from: Number.isFinite(first) ? first : null,
    to: Number.isFinite(last) ? last : null,
    initialCash: spec.initialCash,
    finalEquity: v.equity,
    totalReturn: perf.totalReturn,
    maxDrawdown: st.maxDrawdown,
    sharpe: perf.sharpe,
    trades: st.trades.length,
    fills: st.fillCount,
    feesPaid: t.feesPaid,
    error: null,
    ...(model ? { model: { calls: model.calls, cacheHits: model.cacheHits, decisions: model.decisions, costUsd: model.costUsd, spentCostUsd: model.spentCostUsd } } : {}),
    ...(p.cfg.exits ? { exits: { ...st.exitCounts } } : {}),
  };
  return {
    summary,
    spec: JSON.parse(JSON.stringify(spec)) as Record<string, unknown>,
    performance: perf,
    risk: { var95: risk.var95, var99: risk.var99, exposure: risk.exposure, cashShare: risk.cashShare, herfindahl: risk.herfindahl },
    final: {
      cash: v.cash,
      scrapedProfits: v.scrapedProfits,
      positionsValue: v.positionsValue,
      equity: v.equity,
      realizedPnl: v.realizedPnl,
      unrealizedPnl: v.unrealizedPnl,
      feesPaid: v.feesPaid,
      positions: v.positions.map((x) => ({ symbol: x.symbol, quantity: x.quantity, avgEntry: x.avgEntry, mark: x.mark, marketValue: x.marketValue })),
    },
    maxDrawdownAllBars: st.maxDrawdown,
    equityCurve: st.curve.map((c) => ({ t: c.t, equity: c.equity, exposure: c.exposure })),
    drawdownCurve: st.curve.map((c) => ({ t: c.t, drawdown: c.drawdown })),
    trades: [...st.trades, ...openTrades],
    fills: st.fills,
    fillsTotal: st.fillCount,
    days: st.days,
    blocked: st.blocked,
    blockedByRule: st.blockedByRule,
    data: p.reports,
    ...(model ? { model } : {}),
  };
}

/** Exact final equity as a Dec (tests compare it to hand-computed values). */
export function finalEquity(r: BacktestResult): Dec {
  return Dec.of(r.final.equity);
}
