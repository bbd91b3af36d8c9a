import { describe, expect, it } from 'vitest';
import { emptySeries } from './bars';
import { createEngine } from './engine';
import type { ModelUsage } from './result';
import { buildResult, engineConfig } from './runner';
import { BacktestSpecSchema } from './spec';
import type { CliContext } from '../cli/registry';
import { backtestCommands, describeParamLine, printResult, runBacktestInput, RunFlags } from './cli';

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

describe('vigil backtest run: protective exits', () => {
  const base = { strategy: 'sma_cross', symbols: 'BTC-USD', timeframe: '1h' };

  it('take percentages and send the exact fractions as strategy params', () => {
    const a = RunFlags.parse({ ...base, 'stop-loss-pct': '2', 'take-profit-pct': '1.1', 'trailing-pct': '1.5', 'stop-limit-pct': '0.07', params: '{"fast":5,"slow":20}' });
    const spec = BacktestSpecSchema.parse(runBacktestInput(a));
    // 1.1% and 0.07% are 0.011 and 0.0007 exactly (a float product would give 0.011000000000000001).
    expect(spec.params).toEqual({ fast: 5, slow: 20, stopLossPct: 0.02, takeProfitPct: 0.011, trailingPct: 0.015, stopLimitPct: 0.0007 });
    const cfg = engineConfig(spec, [emptySeries('BTC-USD', 3_600_000, 0)]);
    expect(cfg.exits).toEqual({ stopLoss: '0.02', stopLimit: '0.0007', takeProfit: '0.011', trailing: '0.015' });
    // Without exit flags nothing is added.
    expect(runBacktestInput(RunFlags.parse(base))).not.toHaveProperty('params');
  });

  it('are refused with the flag named and the allowed range in percent', () => {
    const msg = (flags: Record<string, string>) => RunFlags.safeParse({ ...base, ...flags }).error?.issues.map((i) => i.message);
    expect(msg({ 'stop-loss-pct': '100' })).toEqual(['--stop-loss-pct must be a percentage above 0% and below 100%, like 2']);
    expect(msg({ 'trailing-pct': '0' })).toEqual(['--trailing-pct must be a percentage above 0% and below 50%, like 2']);
    expect(msg({ 'take-profit-pct': '4%' })).toEqual(['--take-profit-pct must be a percentage above 0% and below 1000%, like 2']);
    expect(msg({ 'stop-limit-pct': '-1' })).toEqual(['--stop-limit-pct must be a percentage at least 0% and below 50%, like 0.5']);
    // A stop-limit offset without a stop is refused at the door, the field named.
    const spec = BacktestSpecSchema.safeParse(runBacktestInput(RunFlags.parse({ ...base, 'stop-limit-pct': '0.5' })));
    expect(spec.error!.issues[0]!.path).toEqual(['params', 'stopLimitPct']);
  });

  it('print in the result: counts by exit and each trade’s exit', () => {
    const s = emptySeries('BTC-USD', 3_600_000, 4);
    [
      [100, 100, 100, 100],
      [100, 101, 99, 100],
      [100, 101, 90, 95],
      [95, 96, 94, 95],
    ].forEach(([o, h, l, c], i) => {
      s.time[i] = Date.UTC(2020, 0, 1) + i * 3_600_000;
      s.open[i] = o!;
      s.high[i] = h!;
      s.low[i] = l!;
      s.close[i] = c!;
      s.volume[i] = 1;
    });
    const spec = BacktestSpecSchema.parse({ strategy: 'buy_and_hold', symbols: ['BTC-USD'], timeframe: '1h', params: { stopLossPct: 0.02 } });
    const cfg = engineConfig(spec, [s]);
    const e = createEngine(cfg, [s]);
    e.run(Infinity);
    const r = buildResult(spec, { cfg, series: [s], reports: [] }, e.state(), { id: 'bt_exits000001', createdAt: 0, finishedAt: 1 });
    const lines: string[] = [];
    const ctx = { json: false, io: { out: (t: string) => lines.push(t), err: () => undefined, interactive: false, ask: async () => '' } } as unknown as CliContext;
    printResult(ctx, { id: r.summary.id, status: 'completed', progress: { stepsDone: 4, totalSteps: 4, barsDone: 4, totalBars: 4 }, summary: r.summary, result: r });
    const text = lines.join('\n');
    expect(text).toContain('exits: stop-loss 1, take-profit 0, trailing stop 0');
    expect(text).toMatch(/pnl -\d+\.\d\d {2}\(stop loss\)/);
  });

  it('are listed once for every strategy by `vigil backtest strategies`', async () => {
    expect(describeParamLine({ name: 'stopLossPct', type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1, description: 'Stop-loss' })).toBe('number, >0..<1 — Stop-loss');
    const lines: string[] = [];
    const ctx = { json: false, io: { out: (t: string) => lines.push(t), err: () => undefined, interactive: false, ask: async () => '' } } as unknown as CliContext;
    const cmd = backtestCommands.find((c) => c.name === 'backtest strategies')!;
    await cmd.run({}, ctx);
    expect(lines.filter((l) => l.trimStart().startsWith('stopLossPct'))).toEqual([expect.stringMatching(/^ {2}stopLossPct {4}--stop-loss-pct {2}number, >0\.\.<1 — Stop-loss/)]);
    expect(lines).toContain('protective exits — every strategy; fractions in --params, percent with the flags of `vigil backtest run`');
    expect(lines.filter((l) => /--(stop-loss|stop-limit|take-profit|trailing)-pct/.test(l))).toHaveLength(4);
  });
});
