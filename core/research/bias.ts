/**
 * Bias checks: does a strategy, or any feature of the feature vector, use bars it could not have
 * seen, and how much do its results depend on where the run starts?
 *
 * - Lookahead (strategy): run it over all the data, recording every decision (the target it
 *   returns for each closed bar); then, for each cut, run it again over the bars before the cut
 *   alone. Every decision before the cut must be identical; any difference is reported with its
 *   bar. (freqtrade's lookahead-analysis asks the same question.) For the `agent` strategy the
 *   decision is the model's, so its question is compared instead — time, price and every feature
 *   at each nudge — without calling a model.
 * - Lookahead (features): the feature vector at a bar, from a pass over all the data, against the
 *   same vector recomputed from the bars up to that bar alone — every feature, at every cut.
 * - Warm-up (recursive): the run started `k` bars later. Decisions after the start are compared
 *   with the full run's at the same bars: how many disagree, and after how many bars they agree
 *   for good; the results of each start; and for every feature, how many bars it needs after a
 *   start to agree with the full-history value (within 1e-9 relative), which is what recursive
 *   indicators (EMA, Wilder RSI, ATR, MACD) need as warm-up.
 */
import { rangeSeries, sliceSeries, lowerBound, type BarSeries } from '../backtest/bars';
import { createEngine, type EngineConfig } from '../backtest/engine';
import { buildResult, engineConfig } from '../backtest/runner';
import type { BacktestSpec } from '../backtest/spec';
import { DEFER, type StrategyDef } from '../backtest/strategies/types';
import { isAgentStrategy, type AgentStrategy } from '../backtest/strategies/agent';
import { DEFAULT_FEATURE_PARAMS, featureInit, featureUpdate, featureValues } from '../indicators/features';
import { metricsOf, type TrialMetrics } from './objective';
import type { LoadedData, RunHooks } from './runner';
import type { Difference, FeatureLookaheadReport, LookaheadReport, WarmupReport } from './types';

export const MAX_REPORTED = 100;

/**
 * Per symbol: the time of each bar the strategy saw, the target it answered (NaN: no change) and,
 * for the `agent` strategy, the question the model would be asked at a nudge (time, price, every
 * feature; '' on other bars).
 */
export interface Tape {
  times: number[];
  targets: number[];
  questions: string[];
}

/** The strategy wrapped so each instance (one per symbol, in series order) records its decisions. */
function recording(def: StrategyDef, tapes: Tape[]): StrategyDef {
  return {
    ...def,
    create(params, saved) {
      const inner = def.create(params, saved);
      const tape: Tape = { times: [], targets: [], questions: [] };
      tapes.push(tape);
      const agent = isAgentStrategy(inner) ? inner : null;
      const wrapped = {
        onBar(time: number, o: number, h: number, l: number, c: number, v: number, exposure: number) {
          const target = inner.onBar(time, o, h, l, c, v, exposure);
          tape.times.push(time);
          tape.targets.push(target);
          tape.questions.push(agent && target === DEFER ? JSON.stringify(agent.state().question) : '');
          return target;
        },
        save: () => inner.save(),
      };
      return agent ? { ...wrapped, params: agent.params, state: () => agent.state(), record: (n: Parameters<AgentStrategy['record']>[0], p: string) => agent.record(n, p) } : wrapped;
    },
  };
}

/** Bars as a run's data, with the report a loaded recording would carry. */
export function asData(series: BarSeries[]): LoadedData {
  return { series, reports: series.map((s) => ({ symbol: s.symbol, files: [], rows: s.length, duplicates: 0, gaps: 0, sourceTimeframeMs: s.timeframeMs, bars: s.length })) };
}

/** A whole run of `spec` over `series`: every decision, and the run's figures. */
export async function tapedRun(spec: BacktestSpec, series: BarSeries[], hooks: RunHooks = {}, strategy?: (series: BarSeries[]) => StrategyDef): Promise<{ tapes: Tape[]; metrics: TrialMetrics }> {
  const base = engineConfig(spec, series);
  const tapes: Tape[] = [];
  const cfg: EngineConfig = { ...base, strategy: recording(strategy ? strategy(series) : base.strategy, tapes) };
  const engine = createEngine(cfg, series);
  const slice = hooks.slice ?? 100_000;
  while (!engine.done()) {
    engine.run(slice);
    // The agent strategy's questions are recorded, not asked: every nudge is answered "no change",
    // so its inputs are checked without a model (equal questions get equal answers).
    for (const k of engine.deferred()) {
      const a = engine.strategy(k);
      if (isAgentStrategy(a)) a.record(null, a.state().question?.price ?? '0');
      engine.answer(k, NaN);
    }
    await hooks.between?.(engine.state().step, engine.totalSteps);
  }
  const result = buildResult(spec, { cfg, ...asData(series) }, engine.state(), { id: 'bias', createdAt: 0, finishedAt: 0 });
  return { tapes, metrics: metricsOf(result) };
}

const same = (a: number, b: number) => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));
const shown = (x: number): number | null => (Number.isFinite(x) ? x : null);

export type { Difference, LookaheadReport };

/** Cut times spread evenly over the first series (after the first tenth, so strategies have warmed up). */
export function cutTimes(series: BarSeries[], n: number): number[] {
  const s = series.reduce((a, b) => (b.length > a.length ? b : a), series[0]!);
  const out: number[] = [];
  for (let k = 1; k <= n; k++) {
    const i = Math.floor(s.length * (0.1 + (0.9 * k) / (n + 1)));
    if (i > 0 && i < s.length) out.push(s.time[i]!);
  }
  return [...new Set(out)];
}

export async function lookaheadCheck(spec: BacktestSpec, series: BarSeries[], cuts: number[], hooks: RunHooks = {}, strategy?: (series: BarSeries[]) => StrategyDef): Promise<LookaheadReport> {
  const { tapes: full } = await tapedRun(spec, series, hooks, strategy);
  const report: LookaheadReport = { cuts: [], compared: 0, differenceCount: 0, differences: [] };
  for (const cut of cuts) {
    const truncated = series.map((s) => rangeSeries(s, undefined, cut));
    if (truncated.some((s) => s.length === 0)) continue;
    const { tapes } = await tapedRun(spec, truncated, hooks, strategy);
    let compared = 0;
    let diffs = 0;
    tapes.forEach((t, s) => {
      const f = full[s]!;
      for (let j = 0; j < t.targets.length; j++) {
        compared++;
        if (same(t.targets[j]!, f.targets[j]!) && t.questions[j] === f.questions[j]) continue;
        diffs++;
        if (report.differences.length < MAX_REPORTED) report.differences.push({ symbol: series[s]!.symbol, bar: j, time: f.times[j]!, full: shown(f.targets[j]!), truncated: shown(t.targets[j]!) });
      }
    });
    report.cuts.push({ time: cut, compared, differences: diffs });
    report.compared += compared;
    report.differenceCount += diffs;
  }
  report.differences.sort((a, b) => a.time - b.time || a.symbol.localeCompare(b.symbol));
  return report;
}

// ---------------------------------------------------------------------------------------------
// Features

export type FeatureRow = Record<string, number | null>;

/** Computes the feature vector at the given bars of a series (from whatever bars it looks at). */
export interface FeatureSource {
  valuesAt(s: BarSeries, at: readonly number[], barMs: number): FeatureRow[];
}

/** The feature vector the market stream and the agent strategy compute (core/indicators/features.ts), bar by bar. */
export const liveFeatures: FeatureSource = {
  valuesAt(s, at, barMs) {
    const state = featureInit({ ...DEFAULT_FEATURE_PARAMS, barMs });
    const want = new Set(at);
    const out = new Map<number, FeatureRow>();
    const last = at.length ? Math.max(...at) : -1;
    for (let i = 0; i <= last && i < s.length; i++) {
      featureUpdate(state, { time: s.time[i]!, open: s.open[i]!, high: s.high[i]!, low: s.low[i]!, close: s.close[i]!, volume: s.volume[i]! });
      if (!want.has(i)) continue;
      // As of the bar's close: staleness 0, as the stream reads it when the bar arrives.
      const v = featureValues(state, s.time[i]! + barMs) as unknown as Record<string, number | null>;
      out.set(i, { ...v });
    }
    return at.map((i) => out.get(i) ?? {});
  },
};

export interface FeatureCheck {
  name: string;
  checked: number;
  differences: number;
  maxAbsDiff: number;
  first: { symbol: string; bar: number; time: number; full: number | null; truncated: number | null } | null;
}

export type { FeatureLookaheadReport };

const differs = (a: number | null | undefined, b: number | null | undefined) => !(a === b || (a === null && b === undefined) || (a === undefined && b === null) || (typeof a === 'number' && typeof b === 'number' && same(a, b)));

/** Every feature at each cut: a pass over all bars against a recomputation from the bars up to the cut. */
export async function featureLookahead(series: BarSeries[], cuts: number[], hooks: RunHooks = {}, source: FeatureSource = liveFeatures): Promise<FeatureLookaheadReport> {
  const checks = new Map<string, FeatureCheck>();
  const check = (name: string) => {
    let c = checks.get(name);
    if (!c) checks.set(name, (c = { name, checked: 0, differences: 0, maxAbsDiff: 0, first: null }));
    return c;
  };
  let n = 0;
  for (const s of series) {
    const at = cuts.map((t) => lowerBound(s.time, t) - 1).filter((i) => i >= 0);
    const full = source.valuesAt(s, at, s.timeframeMs);
    for (let k = 0; k < at.length; k++) {
      const i = at[k]!;
      const alone = source.valuesAt(sliceSeries(s, 0, i + 1), [i], s.timeframeMs)[0]!;
      n++;
      for (const name of new Set([...Object.keys(full[k]!), ...Object.keys(alone)])) {
        const c = check(name);
        const a = full[k]![name];
        const b = alone[name];
        c.checked++;
        if (!differs(a, b)) continue;
        c.differences++;
        if (typeof a === 'number' && typeof b === 'number') c.maxAbsDiff = Math.max(c.maxAbsDiff, Math.abs(a - b));
        if (!c.first || s.time[i]! < c.first.time) c.first = { symbol: s.symbol, bar: i, time: s.time[i]!, full: a ?? null, truncated: b ?? null };
      }
      await hooks.between?.(n, cuts.length * series.length);
    }
  }
  const features = [...checks.values()];
  return { cuts: n, features, differenceCount: features.reduce((a, c) => a + c.differences, 0) };
}

// ---------------------------------------------------------------------------------------------
// Warm-up

export interface OffsetReport {
  /** Bars skipped at the start. */
  offset: number;
  time: number;
  /** Decisions compared with the full run's at the same bars. */
  compared: number;
  mismatches: number;
  /** Bars after the start until decisions agree with the full run for good (null: they never do). */
  convergedAfter: number | null;
  firstMismatch: Difference | null;
  metrics: TrialMetrics;
}

export interface FeatureWarmup {
  name: string;
  /** Most bars after a start any offset needed to agree within 1e-9 relative for good (null: not within the horizon). */
  bars: number | null;
}

export type { WarmupReport };

const TOLERANCE = 1e-9;
const close = (a: number | null | undefined, b: number | null | undefined) => {
  if (a === null || a === undefined || b === null || b === undefined) return (a ?? null) === (b ?? null);
  return Math.abs(a - b) <= TOLERANCE * Math.max(1, Math.abs(a), Math.abs(b));
};

export async function warmupCheck(spec: BacktestSpec, series: BarSeries[], offsets: number[], horizon: number, hooks: RunHooks = {}, source: FeatureSource = liveFeatures): Promise<WarmupReport> {
  const { tapes: full, metrics: reference } = await tapedRun(spec, series, hooks);
  const lead = series.reduce((a, b) => (b.length > a.length ? b : a), series[0]!);
  const out: OffsetReport[] = [];
  for (const offset of offsets) {
    if (offset <= 0 || offset >= lead.length) continue;
    const start = lead.time[offset]!;
    const sliced = series.map((s) => rangeSeries(s, start));
    if (sliced.some((s) => s.length === 0)) continue;
    const { tapes, metrics } = await tapedRun(spec, sliced, hooks);
    let compared = 0;
    let mismatches = 0;
    let lastMismatch = -1;
    let firstMismatch: Difference | null = null;
    tapes.forEach((t, s) => {
      const f = full[s]!;
      const k = lowerBound(series[s]!.time, start);
      for (let j = 0; j < t.targets.length; j++) {
        compared++;
        if (same(t.targets[j]!, f.targets[j + k]!) && t.questions[j] === f.questions[j + k]) continue;
        mismatches++;
        lastMismatch = Math.max(lastMismatch, j);
        if (!firstMismatch || f.times[j + k]! < firstMismatch.time) firstMismatch = { symbol: series[s]!.symbol, bar: j + k, time: f.times[j + k]!, full: shown(f.targets[j + k]!), truncated: shown(t.targets[j]!) };
      }
    });
    const longest = Math.max(...tapes.map((t) => t.targets.length));
    out.push({ offset, time: start, compared, mismatches, convergedAfter: lastMismatch < 0 ? 0 : lastMismatch + 1 < longest ? lastMismatch + 1 : null, firstMismatch, metrics });
  }
  // Features: from each start, bars until every value agrees with the full history's for good.
  const need = new Map<string, number | null>();
  for (const s of series) {
    for (const offset of offsets) {
      if (offset <= 0 || offset + 1 >= s.length) continue;
      const end = Math.min(s.length, offset + horizon);
      const idx = Array.from({ length: end - offset }, (_, j) => offset + j);
      const ref = source.valuesAt(s, idx, s.timeframeMs);
      const fromStart = source.valuesAt(sliceSeries(s, offset, end), idx.map((i) => i - offset), s.timeframeMs);
      const names = new Set(ref.flatMap((r) => Object.keys(r)));
      for (const name of names) {
        let last = -1;
        for (let j = 0; j < idx.length; j++) if (!close(ref[j]![name], fromStart[j]![name])) last = j;
        const bars = last < 0 ? 0 : last + 1 < idx.length ? last + 1 : null;
        const prev = need.get(name);
        need.set(name, prev === null || bars === null ? null : Math.max(prev ?? 0, bars));
      }
      await hooks.between?.(offset, s.length);
    }
  }
  return { reference, offsets: out, features: [...need.entries()].map(([name, bars]) => ({ name, bars })), horizon };
}
