/**
 * Runs backtests for the research lab inside an activity: the same engine, strategies, costs and
 * analytics as `run_backtest` (core/backtest/runner.ts `engineConfig` and `buildResult`), over
 * bars loaded once per worker and shared by every trial that asks for the same data.
 *
 * A run goes in slices of steps; between slices the caller heartbeats and yields, so a long trial
 * stays cancellable and a worker that dies is noticed within the heartbeat timeout.
 */
import os from 'node:os';
import { rangeSeries, type BarSeries } from '../backtest/bars';
import { createEngine, type EngineState } from '../backtest/engine';
import type { BacktestResult } from '../backtest/result';
import { buildResult, engineConfig, prepare, SpecError, type Prepared } from '../backtest/runner';
import type { BacktestSpec } from '../backtest/spec';
import { evaluate, metricsOf, type Objective } from './objective';
import { checkParams, type Candidate } from './space';
import { thin } from './walk-forward';
import type { BaseSpec, TrialRecord } from './types';

export interface LoadedData {
  series: BarSeries[];
  reports: Prepared['reports'];
}

/** Which data a spec needs: the same key, the same bars. */
export function dataKey(spec: Pick<BaseSpec, 'symbols' | 'timeframe' | 'from' | 'to'>): string {
  return JSON.stringify([spec.symbols, spec.timeframe, spec.from ?? null, spec.to ?? null]);
}

/** Bars per data key for the life of a worker (a few keys: a study asks for one). */
export class DataCache {
  private readonly entries = new Map<string, LoadedData>();
  constructor(
    private readonly marketDir: string,
    private readonly max = 4,
  ) {}

  get(spec: BaseSpec): LoadedData {
    const key = dataKey(spec);
    let d = this.entries.get(key);
    if (d) {
      // Most recently used last.
      this.entries.delete(key);
      this.entries.set(key, d);
      return d;
    }
    // Load with a strategy that takes no parameters: the study's own are checked trial by trial.
    const p = prepare({ ...spec, strategy: 'buy_and_hold', params: {} } as BacktestSpec, this.marketDir);
    d = { series: p.series, reports: p.reports };
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, d);
    return d;
  }
}

/** Bars of every series in [from, to) (views, no copy). */
export function windowData(d: LoadedData, from?: number, to?: number): LoadedData {
  if (from === undefined && to === undefined) return d;
  const series = d.series.map((s) => rangeSeries(s, from, to));
  return { series, reports: d.reports.map((r, k) => ({ ...r, bars: series[k]!.length })) };
}

export interface RunHooks {
  /** Steps per slice (default 100,000). */
  slice?: number;
  /** Called between slices: heartbeat, yield, throw when cancelled. */
  between?: (stepsDone: number, totalSteps: number) => Promise<void>;
}

/** A whole backtest of `spec` over `data` to its result (analytics included). */
export async function runToResult(spec: BacktestSpec, data: LoadedData, hooks: RunHooks = {}): Promise<{ result: BacktestResult; state: EngineState }> {
  if (data.series.some((s) => s.length === 0)) throw new Error(`no bars for ${data.series.filter((s) => s.length === 0).map((s) => s.symbol).join(', ')} in this window`);
  const cfg = engineConfig(spec, data.series);
  const engine = createEngine(cfg, data.series);
  const slice = hooks.slice ?? 100_000;
  while (!engine.done()) {
    engine.run(slice);
    await hooks.between?.(engine.state().step, engine.totalSteps);
  }
  const state = engine.state();
  const result = buildResult(spec, { cfg, series: data.series, reports: data.reports }, state, { id: 'research', createdAt: 0, finishedAt: 0 });
  return { result, state };
}

export const workerIdentity = (): string => `${os.hostname()}:${process.pid}`;

export interface TrialInput {
  index: number;
  spec: BaseSpec;
  params: Candidate;
  objective: Objective;
  /** Only the bars in [from, to) of the spec's data (walk-forward windows). */
  window?: { from: number; to: number };
}

/** One trial: the strategy's verdict on the parameters, then the backtest and its objective. */
export async function runTrial(input: TrialInput, cache: DataCache, hooks: RunHooks & { attempt?: number } = {}): Promise<TrialRecord> {
  const params = { ...input.spec.params, ...input.params };
  const base = { index: input.index, params: input.params, worker: workerIdentity(), attempt: hooks.attempt ?? 1 };
  const refused = checkParams(input.spec.strategy, params);
  if (refused) return { ...base, status: 'invalid', value: null, note: refused, metrics: null, ms: 0 };
  const t0 = performance.now();
  const data = cache.get(input.spec);
  const w = input.window ? windowData(data, input.window.from, input.window.to) : data;
  const spec = { ...input.spec, params } as BacktestSpec;
  const { result } = await runToResult(spec, w, hooks);
  const metrics = metricsOf(result);
  const { value, infeasible } = evaluate(metrics, input.objective);
  return { ...base, status: infeasible ? 'infeasible' : 'ok', value, note: infeasible, metrics, ms: Math.round(performance.now() - t0) };
}

/** A trial that also returns its equity curve and trade totals (walk-forward OOS runs). */
export async function runWithCurve(input: TrialInput, cache: DataCache, hooks: RunHooks & { attempt?: number } = {}) {
  const params = { ...input.spec.params, ...input.params };
  const refused = checkParams(input.spec.strategy, params);
  if (refused) throw new SpecError(`${input.spec.strategy} params: ${refused}`);
  const t0 = performance.now();
  const data = cache.get(input.spec);
  const w = input.window ? windowData(data, input.window.from, input.window.to) : data;
  const { result, state } = await runToResult({ ...input.spec, params } as BacktestSpec, w, hooks);
  const metrics = metricsOf(result);
  const { value, infeasible } = evaluate(metrics, input.objective);
  const t = state.portfolio.totals;
  return {
    value,
    note: infeasible,
    metrics,
    ms: Math.round(performance.now() - t0),
    // The curve for the chart, thinned; the daily closes for the stitched run's ratios (a fixed period).
    curve: thin(result.equityCurve, 300).map((p) => ({ t: p.t, equity: p.equity })),
    days: result.days.map((d) => ({ t: Date.parse(`${d.date}T00:00:00Z`) + 86_400_000, equity: d.closeEquity })),
    totals: { wins: t.wins, losses: t.losses, grossProfit: t.grossProfit, grossLoss: t.grossLoss, feesPaid: t.feesPaid },
  };
}
