import { describe, expect, it } from 'vitest';
import { bestIndex, curves, dateToMs, EMPTY_EXTRAS, exitCountsText, exitReasonText, extrasToInput, foldProgress, progressOf, returnCurve, runLabel, specItems, specToExtras, type BacktestResult, type StrategyInfo } from './backtest';
import { feeRatesText, percentToRate, rateToPercent } from './format';

describe('backtest view logic', () => {
  it('computes progress and keeps the newest event per run', () => {
    expect(progressOf({ status: 'running', barsDone: 250, totalBars: 1000 }).ratio).toBe(0.25);
    expect(progressOf({ status: 'completed', barsDone: 0, totalBars: 0 }).ratio).toBe(1);
    let s = foldProgress({}, { id: 'bt_a', status: 'running', barsDone: 500, totalBars: 1000, stepsDone: 1, totalSteps: 2 });
    s = foldProgress(s, { id: 'bt_a', status: 'running', barsDone: 100, totalBars: 1000, stepsDone: 0, totalSteps: 2 });
    expect(s.bt_a!.barsDone).toBe(500);
    s = foldProgress(s, { id: 'bt_a', status: 'completed', barsDone: 1000, totalBars: 1000, stepsDone: 2, totalSteps: 2 });
    s = foldProgress(s, { id: 'bt_a', status: 'running', barsDone: 900, totalBars: 1000, stepsDone: 1, totalSteps: 2 });
    expect(s.bt_a!.status).toBe('completed');
  });

  it('turns curves into chart points: seconds, drawdown negative percent, duplicates collapsed', () => {
    const r = {
      equityCurve: [
        { t: 1_000_000, equity: 100, exposure: 0 },
        { t: 1_000_400, equity: 101, exposure: 0 },
        { t: 2_000_000, equity: 90, exposure: 0.5 },
      ],
      drawdownCurve: [{ t: 2_000_000, drawdown: 0.1089 }],
      summary: { initialCash: '100' },
    } as unknown as BacktestResult;
    const c = curves(r);
    expect(c.equity).toEqual([{ time: 1000, value: 101 }, { time: 2000, value: 90 }]);
    expect(c.drawdown[0]!.value).toBeCloseTo(-10.89, 6);
    expect(returnCurve(r).map((p) => Math.round(p.value * 100) / 100)).toEqual([1, -10]);
  });

  it('marks the best run by the metric direction', () => {
    expect(bestIndex([0.1, 0.3, null], 'high')).toBe(1);
    expect(bestIndex([-0.2, -0.05, -0.3], 'low')).toBe(1);
    expect(bestIndex([0.1, null], 'high')).toBeNull();
    expect(bestIndex([1, 2], null)).toBeNull();
  });

  it('labels runs and reads form dates as UTC', () => {
    expect(runLabel({ id: 'bt_x', label: null, strategy: 'sma_cross', symbols: ['BTC-USD', 'ETH-USD'], timeframe: '1h' })).toBe('sma_cross BTC-USD+ETH-USD 1h');
    expect(dateToMs('2018-01-01')).toBe(Date.UTC(2018, 0, 1));
    expect(dateToMs(' ')).toBeUndefined();
  });
});

describe('backtest run settings', () => {
  const sma: StrategyInfo = {
    name: 'sma_cross',
    description: 'cross',
    params: [
      { name: 'fast', type: 'integer', default: 10, minimum: 1 },
      { name: 'slow', type: 'integer', default: 30, minimum: 1 },
    ],
  };
  const agent: StrategyInfo = { name: 'agent', description: 'model', params: [{ name: 'mode', type: 'string', default: 'standard', options: ['conservative', 'standard', 'aggressive'] }, { name: 'maxCostUsd', type: 'string', default: '5' }] };

  it('converts percentages to exact rate strings and back', () => {
    expect(percentToRate('1.2')).toBe('0.012');
    expect(percentToRate('0.05')).toBe('0.0005');
    expect(percentToRate('0')).toBe('0');
    for (const bad of ['', '-1', '100', '1e2', 'abc', '1.2.3']) expect(percentToRate(bad), bad).toBeNull();
    expect(rateToPercent('0.012')).toBe('1.2');
    expect(feeRatesText({ taker: '0.012', maker: '0.006' })).toBe('taker 1.2% · maker 0.6%');
  });

  it('sends only what was typed: parameters as numbers or text, fees as exact rates', () => {
    expect(extrasToInput(sma, EMPTY_EXTRAS, 1)).toEqual({ input: {}, errors: {} });
    const r = extrasToInput(sma, { ...EMPTY_EXTRAS, params: { fast: '5', slow: '' }, takerPct: '0.4', spreadBps: '2', slippage: false, scrapePct: '25' }, 1);
    expect(r.errors).toEqual({});
    expect(r.input).toEqual({ params: { fast: 5 }, fees: { taker: '0.004', maker: '0.006' }, spreadBps: 2, slippage: false, profitScrapePct: '0.25' });
    expect(extrasToInput(agent, { ...EMPTY_EXTRAS, params: { mode: 'aggressive', maxCostUsd: '2.5' } }, 1).input).toEqual({ params: { mode: 'aggressive', maxCostUsd: '2.5' } });
    expect(extrasToInput(sma, { ...EMPTY_EXTRAS, weights: '3, 1' }, 2).input).toEqual({ weights: [3, 1] });
    expect(extrasToInput(sma, { ...EMPTY_EXTRAS, scrapePct: '100' }, 1).input).toEqual({ profitScrapePct: '1' });
  });

  it('names the fields it cannot send', () => {
    const r = extrasToInput(sma, { ...EMPTY_EXTRAS, params: { fast: 'ten' }, takerPct: 'x', makerPct: '150', spreadBps: '-1', scrapePct: '120', weights: '1' }, 2);
    expect(Object.keys(r.errors).sort()).toEqual(['makerPct', 'param.fast', 'scrapePct', 'spreadBps', 'takerPct', 'weights']);
    expect(r.input.fees).toBeUndefined();
  });

  it('shows a stored spec with defaults filled in, and loads it back into the form', () => {
    const spec = { strategy: 'sma_cross', params: { fast: 5 }, fees: { taker: '0.004', maker: '0.002' }, slippage: false, risk: 'none', profitScrapePct: '0.25', weights: [3, 1] };
    expect(specItems(spec, sma)).toEqual(['fast 5', 'slow 30', 'taker 0.4%', 'maker 0.2%', 'spread: product estimate', 'no slippage', 'risk none', 'scrape 25%', 'weights 3:1']);
    expect(specItems({ risk: 'default', profitScrapePct: '0' }, undefined)).toEqual(['taker 1.2%', 'maker 0.6%', 'spread: product estimate', 'slippage on', 'risk paper defaults']);
    const x = specToExtras(spec);
    expect(x).toEqual({ params: { fast: '5' }, takerPct: '0.4', makerPct: '0.2', spreadBps: '', slippage: false, scrapePct: '25', weights: '3, 1', exits: {} });
    expect(extrasToInput(sma, x, 2).input).toEqual({ params: { fast: 5 }, fees: { taker: '0.004', maker: '0.002' }, slippage: false, profitScrapePct: '0.25', weights: [3, 1] });
    expect(specToExtras({ params: { mode: 'standard', barMs: 60000 } }).params).toEqual({ mode: 'standard' });
  });

  describe('protective exits', () => {
    // As list_backtest_strategies describes them (core/backtest/strategies/exits.ts).
    const exits: StrategyInfo['params'] = [
      { name: 'stopLossPct', type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1, group: 'exit' },
      { name: 'stopLimitPct', type: 'number', minimum: 0, exclusiveMaximum: 0.5, group: 'exit' },
      { name: 'takeProfitPct', type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 10, group: 'exit' },
      { name: 'trailingPct', type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 0.5, group: 'exit' },
    ];
    const smaX: StrategyInfo = { ...sma, params: [...sma.params, ...exits] };

    it('sends percentages as the exact fractions, beside the strategy’s own parameters', () => {
      const r = extrasToInput(smaX, { ...EMPTY_EXTRAS, params: { fast: '5' }, exits: { stopLossPct: '2', stopLimitPct: '0.25', takeProfitPct: '4', trailingPct: '1.5' } }, 1);
      expect(r.errors).toEqual({});
      expect(r.input.params).toEqual({ fast: 5, stopLossPct: 0.02, stopLimitPct: 0.0025, takeProfitPct: 0.04, trailingPct: 0.015 });
      // A take-profit may be above 100%; blank fields stay off.
      expect(extrasToInput(smaX, { ...EMPTY_EXTRAS, exits: { takeProfitPct: '150', stopLossPct: ' ' } }, 1).input).toEqual({ params: { takeProfitPct: 1.5 } });
    });

    it('names the exit fields it cannot send, with the range in percent', () => {
      const r = extrasToInput(smaX, { ...EMPTY_EXTRAS, exits: { stopLossPct: '100', trailingPct: '0', takeProfitPct: '4%', stopLimitPct: '50' } }, 1);
      expect(r.errors).toEqual({
        'exit.stopLossPct': 'Stop-loss must be a percentage above 0% and below 100%, like 2',
        'exit.trailingPct': 'Trailing must be a percentage above 0% and below 50%, like 1.5',
        'exit.takeProfitPct': 'Take-profit must be a percentage above 0% and below 1000%, like 4',
        'exit.stopLimitPct': 'Stop-limit must be a percentage at least 0% and below 50%, like 0.5',
      });
      expect(r.input.params).toBeUndefined();
    });

    it('shows a run’s exits in its settings line, and “Use these settings” restores them in percent', () => {
      const spec = { strategy: 'sma_cross', params: { fast: 5, stopLossPct: 0.02, stopLimitPct: 0.0025, takeProfitPct: 0.04, trailingPct: 0.015 }, risk: 'none' };
      expect(specItems(spec, smaX).slice(0, 6)).toEqual(['fast 5', 'slow 30', 'stop-loss 2%', 'stop-limit 0.25% under the stop', 'take-profit 4%', 'trailing 1.5%']);
      const x = specToExtras(spec);
      expect(x.exits).toEqual({ stopLossPct: '2', stopLimitPct: '0.25', takeProfitPct: '4', trailingPct: '1.5' });
      expect(x.params).toEqual({ fast: '5' });
      expect(extrasToInput(smaX, x, 1).input.params).toEqual(spec.params);
    });

    it('labels what closed a trade and counts the exits', () => {
      expect(['signal', 'stop_loss', 'take_profit', 'trailing_stop', null].map(exitReasonText)).toEqual(['signal', 'stop-loss', 'take-profit', 'trailing stop', '—']);
      expect(exitCountsText({ stopLoss: 3, takeProfit: 2, trailingStop: 1 })).toBe('3 stop-loss · 2 take-profit · 1 trailing');
      expect(exitCountsText(undefined)).toBeNull();
    });
  });
});
