import { describe, expect, it } from 'vitest';
import { bestIndex, curves, dateToMs, foldProgress, progressOf, returnCurve, runLabel, type BacktestResult } from './backtest';

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
