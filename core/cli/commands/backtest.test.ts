import { describe, expect, it } from 'vitest';
import { emptySeries } from '../../backtest/bars';
import { createEngine } from '../../backtest/engine';
import type { ModelUsage } from '../../backtest/result';
import { buildResult, engineConfig } from '../../backtest/runner';
import { BacktestSpecSchema } from '../../backtest/spec';
import type { CliContext } from '../registry';
import { describeParamLine, printResult, runBacktestInput, RunFlags } from './backtest';

describe('vigil backtest run: agent flags', () => {
  it('become the agent strategy params, validated by its own schema', () => {
    const a = RunFlags.parse({ strategy: 'agent', symbols: 'btc-usd', timeframe: '1h', mode: 'aggressive', every: '30', rpm: '20', 'max-calls': '200', 'max-cost': '2.5' });
    const spec = BacktestSpecSchema.parse(runBacktestInput(a));
    expect(spec.params).toEqual({ mode: 'aggressive', every: 30, rpm: 20, maxCalls: 200, maxCostUsd: '2.5' });
    const cfg = engineConfig(spec, [emptySeries('BTC-USD', 3_600_000, 0)]);
    expect(cfg.strategyParams).toEqual({ mode: 'aggressive', every: 30, rpm: 20, maxCalls: 200, maxCostUsd: '2.5', barMs: 3_600_000 });
  });

  it('are refused with the flag named', () => {
    const bad = RunFlags.safeParse({ strategy: 'agent', symbols: 'BTC-USD', timeframe: '1h', 'max-cost': 'five' });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0]!.message).toMatch(/--max-cost must be a decimal/);
    const badMode = RunFlags.safeParse({ strategy: 'agent', symbols: 'BTC-USD', timeframe: '1h', mode: 'reckless' });
    expect(badMode.error!.issues[0]!.message).toMatch(/--mode must be conservative, standard or aggressive/);
    // A strategy without those params refuses them through its own schema, at the door.
    expect(() => BacktestSpecSchema.parse(runBacktestInput(RunFlags.parse({ strategy: 'sma_cross', symbols: 'BTC-USD', timeframe: '1h', every: '5' })))).toThrow(/sma_cross params/);
  });
});

describe('vigil backtest show', () => {
  it('prints the model use of an agent run: decisions, requests, cache hits, tokens, cost', () => {
    const s = emptySeries('BTC-USD', 3_600_000, 3);
    [100, 101, 102].forEach((p, i) => {
      s.time[i] = Date.UTC(2020, 0, 1) + i * 3_600_000;
      s.open[i] = s.high[i] = s.low[i] = s.close[i] = p;
      s.volume[i] = 1;
    });
    const spec = BacktestSpecSchema.parse({ strategy: 'buy_and_hold', symbols: ['BTC-USD'], timeframe: '1h' });
    const cfg = engineConfig(spec, [s]);
    const e = createEngine(cfg, [s]);
    e.run(Infinity);
    const usage: ModelUsage = {
      model: 'gpt-4o-mini',
      baseUrl: null,
      mode: 'standard',
      promptId: 'execution-standard',
      promptVersion: 2,
      every: 60,
      decisions: 24,
      requests: 30,
      calls: 12,
      cacheHits: 18,
      buys: 5,
      sells: 4,
      holds: 13,
      refusals: 0,
      invalidCalls: 3,
      invalidDecisions: 2,
      unfilledLimits: 0,
      rejected: 0,
      lastBarSkips: 0,
      promptTokens: 30_000,
      completionTokens: 1_500,
      costUsd: '0.0054',
      spentPromptTokens: 12_000,
      spentCompletionTokens: 600,
      spentCostUsd: '0.00216',
      priced: true,
    };
    const r = buildResult(spec, { cfg, series: [s], reports: [] }, e.state(), { id: 'bt_print000001', createdAt: 0, finishedAt: 1 }, usage);
    const lines: string[] = [];
    const ctx = { json: false, io: { out: (t: string) => lines.push(t), err: () => undefined, interactive: false, ask: async () => '' } } as unknown as CliContext;
    printResult(ctx, { id: r.summary.id, status: 'completed', progress: { stepsDone: 3, totalSteps: 3, barsDone: 3, totalBars: 3 }, summary: r.summary, result: r });
    const text = lines.join('\n');
    expect(text).toContain('model: 24 decisions, 12 calls, 18 cache hits, cost 0.0054 USD (this run paid 0.00216)');
    expect(text).toContain('model gpt-4o-mini, prompt execution-standard v2, a nudge every 60 bars');
    expect(text).toContain('decisions 24: buy 5, sell 4, hold 13, refused 0, no valid decision 2, garbled tool calls 3');
    expect(text).toContain('requests 30: 12 sent, 18 from the cache · tokens 30000 in / 1500 out · cost 0.0054 USD · this run paid 0.00216 USD');
  });
});

describe('vigil backtest strategies', () => {
  it('prints a parameter with its choices or type, default, bounds and meaning', () => {
    expect(describeParamLine({ name: 'fast', type: 'integer', default: 10, minimum: 1, maximum: 10_000, description: 'Fast moving average, in bars' })).toBe('integer, default 10, 1..10000 — Fast moving average, in bars');
    expect(describeParamLine({ name: 'mode', type: 'string', default: 'standard', options: ['conservative', 'standard', 'aggressive'] })).toBe('conservative | standard | aggressive, default standard');
    expect(describeParamLine({ name: 'rpm', type: 'number', default: 60, exclusiveMinimum: 0, maximum: 100_000 })).toBe('number, default 60, >0..100000');
  });
});
