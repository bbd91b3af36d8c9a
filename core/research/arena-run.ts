/**
 * One arena run: a configuration (the built-in policy, or the execution agent with a given mode,
 * prompt version and model) over the arena's window, through the same engine, costs and — for a
 * model — the same driver, response cache, rate limit and budgets as a backtest of the `agent`
 * strategy (core/backtest/model-driver.ts). Records what it decided at every bar for agreement.
 */
import { createEngine } from '../backtest/engine';
import { createModelDriver, modelUsage, RateLimiter, systemClock, type Clock, type ModelCache, type ModelPort } from '../backtest/model-driver';
import { buildResult, engineConfig } from '../backtest/runner';
import { BacktestSpecSchema } from '../backtest/spec';
import type { AgentParams } from '../backtest/strategies/agent';
import type { StrategyDef } from '../backtest/strategies/types';
import { Dec } from '../domain/decimal';
import type { ExecutionMode } from '../agents/prompt-ids';
import { encodeActions, type Action, type SymbolTape } from './arena';
import { metricsOf, type TrialMetrics } from './objective';
import type { DataCache, LoadedData, RunHooks } from './runner';
import type { BacktestResult } from '../backtest/result';
import type { BaseSpec, Contestant } from './types';

export interface ArenaRunInput {
  /** The arena's id: with the contestant and sample, the key its model spend is booked under. */
  arenaId: string;
  spec: BaseSpec;
  contestant: Contestant;
  index: number;
  sample: number;
  budget: { maxCalls: number; maxCostUsd: string; rpm: number };
}

export interface ArenaRunResult {
  contestant: number;
  sample: number;
  pnl: string;
  fees: string;
  modelCost: string;
  spentCost: string;
  /** P&L − model cost. */
  net: string;
  metrics: TrialMetrics;
  decisions: { buy: number; sell: number; hold: number };
  calls: number | null;
  cacheHits: number | null;
  model: string | null;
  promptVersion: number | null;
  tapes: SymbolTape[];
  fills?: BacktestResult['fills'];
}

export interface ArenaRunDeps {
  cache: DataCache;
  /** The model of a contestant (its model and base URL, else the execution agent's). */
  model(c: Contestant): ModelPort;
  /** The responses cache and spend book (backtests.sqlite). */
  responses: ModelCache;
  /** A prompt's template: the given version, else the active one. */
  prompt(mode: ExecutionMode, version?: number): { template: string; version: number };
  hooks?: RunHooks & { onWait?: () => void };
  signal?: AbortSignal;
  clock?: Clock;
  /** Bars to run over instead of the recorded data for the spec (the twin's: what the session saw). */
  data?: LoadedData;
  /** Keep the run's fills in the answer (the twin pairs them). */
  keepFills?: boolean;
}

/** The spend-book key of one run. */
export const arenaRunKey = (i: ArenaRunInput) => `${i.arenaId}/c${i.index}/s${i.sample}`;

/** Wraps a strategy so each instance records, per bar, whether it bought, sold or held. */
function recordingPolicy(def: StrategyDef, actions: Action[][]): StrategyDef {
  let next = 0;
  return {
    ...def,
    create(params, saved) {
      const inner = def.create(params, saved);
      const mine = actions[next++]!;
      let bar = 0;
      return {
        onBar(time, o, h, l, c, v, exposure) {
          const target = inner.onBar(time, o, h, l, c, v, exposure);
          mine[bar++] = Number.isNaN(target) ? 'h' : target > exposure + 1e-9 ? 'b' : target < exposure - 1e-9 ? 's' : 'h';
          return target;
        },
        save: () => inner.save(),
      };
    },
  };
}

export async function runArena(input: ArenaRunInput, deps: ArenaRunDeps): Promise<ArenaRunResult> {
  const c = input.contestant;
  const spec = BacktestSpecSchema.parse({
    ...input.spec,
    strategy: c.kind,
    params:
      c.kind === 'policy'
        ? { mode: c.mode }
        : { mode: c.mode, every: c.every, rpm: input.budget.rpm, maxCalls: input.budget.maxCalls, maxCostUsd: input.budget.maxCostUsd, ...(c.temperature !== undefined ? { temperature: c.temperature } : {}) },
    label: c.label,
  });
  const data = deps.data ?? deps.cache.get(spec);
  const series = data.series;
  const actions: Action[][] = series.map((s) => new Array<Action>(s.length).fill('-'));
  const base = engineConfig(spec, series);
  const cfg = c.kind === 'policy' ? { ...base, strategy: recordingPolicy(base.strategy, actions) } : base;
  const engine = createEngine(cfg, series);
  const key = arenaRunKey(input);
  let model: ModelPort | null = null;
  let promptVersion: number | null = null;
  const driver =
    c.kind === 'agent'
      ? (() => {
          model = deps.model(c);
          const p = deps.prompt(c.mode, c.promptVersion);
          promptVersion = p.version;
          return createModelDriver(cfg, series, {
            backtestId: key,
            model,
            cache: deps.responses,
            prompt: () => p,
            clock: deps.clock ?? systemClock,
            limiter: new RateLimiter(input.budget.rpm, deps.clock ?? systemClock),
            ...(deps.hooks?.onWait ? { onWait: deps.hooks.onWait } : {}),
            ...(deps.signal ? { signal: deps.signal } : {}),
            ...(input.sample > 0 ? { cacheSalt: `arena-sample-${input.sample}` } : {}),
            onDecision: (s, note) => {
              actions[s]![engine.state().cursors[s]! - 1] = note.action === 'buy' ? 'b' : note.action === 'sell' ? 's' : 'h';
            },
          });
        })()
      : null;
  const slice = deps.hooks?.slice ?? 50_000;
  while (!engine.done()) {
    if (driver) await driver.answerDeferred(engine);
    engine.run(slice);
    if (driver) await driver.answerDeferred(engine);
    await deps.hooks?.between?.(engine.state().step, engine.totalSteps);
  }
  const saved = engine.save();
  const usage =
    driver && model
      ? modelUsage({ strategies: saved.strategies, spend: deps.responses.modelSpend(key), model: (model as ModelPort).model, params: cfg.strategyParams as AgentParams, promptVersion: promptVersion ?? 0 })
      : undefined;
  const result = buildResult(spec, { cfg, ...data }, saved, { id: key, createdAt: 0, finishedAt: 0 }, usage);
  const pnl = Dec.of(result.final.equity).sub(spec.initialCash);
  const modelCost = usage?.costUsd ?? '0';
  const count = (a: Action) => actions.reduce((n, xs) => n + xs.filter((x) => x === a).length, 0);
  return {
    contestant: input.index,
    sample: input.sample,
    pnl: pnl.toString(),
    fees: result.final.feesPaid,
    modelCost,
    net: pnl.sub(modelCost).toString(),
    spentCost: usage?.spentCostUsd ?? '0',
    metrics: metricsOf(result),
    decisions: { buy: count('b'), sell: count('s'), hold: count('h') },
    calls: usage ? usage.calls : null,
    cacheHits: usage ? usage.cacheHits : null,
    model: usage ? usage.model : null,
    promptVersion,
    tapes: series.map((s, k) => ({ symbol: s.symbol, from: s.length ? s.time[0]! : 0, barMs: s.timeframeMs, actions: encodeActions(actions[k]!) })),
    ...(deps.keepFills ? { fills: result.fills } : {}),
  };
}
