import { describe, expect, it } from 'vitest';
import { defaultRangeText, heatColor, heatmap, parseRange, scatter, sortTrials, specInput, type Trial } from './research';

const trial = (index: number, params: Record<string, number | string>, value: number | null, over: Partial<Trial> = {}): Trial => ({
  index,
  params,
  status: value === null ? 'infeasible' : 'ok',
  value,
  note: null,
  metrics: value === null ? null : { netReturn: value / 10, annualizedReturn: null, sharpe: value, sortino: null, calmar: null, profitFactor: null, maxDrawdown: 0.1, trades: index, winRate: null, feesPaid: '0', finalEquity: '0', exposure: null },
  ms: 1,
  worker: 'h:1',
  attempt: 1,
  ...over,
});

describe('research page logic', () => {
  const trials = [trial(0, { fast: 5, slow: 20 }, 0.5), trial(1, { fast: 10, slow: 40 }, null), trial(2, { fast: 20, slow: 30 }, 1.5), trial(3, { fast: 15, slow: 60 }, -0.2)];

  it('sorts trials by any column, missing values last either way', () => {
    expect(sortTrials(trials, 'value', 'desc').map((t) => t.index)).toEqual([2, 0, 3, 1]);
    expect(sortTrials(trials, 'value', 'asc').map((t) => t.index)).toEqual([3, 0, 2, 1]);
    expect(sortTrials(trials, 'param:fast', 'asc').map((t) => t.index)).toEqual([0, 1, 3, 2]);
    expect(sortTrials(trials, 'trades', 'desc').map((t) => t.index)).toEqual([3, 2, 0, 1]);
  });

  it('plots the objective against a parameter, the best marked', () => {
    expect(scatter({ trials, best: 2 }, 'fast')).toEqual([
      { index: 0, x: 5, y: 0.5, best: false },
      { index: 2, x: 20, y: 1.5, best: true },
      { index: 3, x: 15, y: -0.2, best: false },
    ]);
  });

  it('bins two parameters and keeps the best objective of each cell', () => {
    const h = heatmap({ trials }, 'fast', 'slow', 2);
    expect(h.cells).toHaveLength(4);
    // fast 5..20 and slow 20..60 split in halves: (5,20) low/low, (20,30) high/low, (15,60) high/high, (10,40) low/high (no value).
    const at = (i: number, j: number) => h.cells.find((c) => c.i === i && c.j === j)!;
    expect([at(0, 0).value, at(1, 0).value, at(1, 1).value, at(0, 1).value]).toEqual([0.5, 1.5, -0.2, null]);
    expect(at(0, 1).count).toBe(1);
    expect([h.min, h.max]).toEqual([-0.2, 1.5]);
    expect(heatColor(null, 0, 1)).toBe('#161c26');
    expect(heatColor(1, 0, 1)).toBe('rgb(30,170,110)');
  });

  it('reads a typed range: min..max, a step, a log scale, values', () => {
    expect(parseRange('', true)).toBeNull();
    expect(parseRange('5..50', true)).toEqual({ min: 5, max: 50 });
    expect(parseRange('5 .. 50 : 5', true)).toEqual({ min: 5, max: 50, step: 5 });
    expect(parseRange('0.01..1 log', true)).toEqual({ min: 0.01, max: 1, log: true });
    expect(parseRange('10, 20,30', true)).toEqual({ values: [10, 20, 30] });
    expect(parseRange('conservative, aggressive', false)).toEqual({ values: ['conservative', 'aggressive'] });
    expect(() => parseRange('50..5', true)).toThrow(/max below min/);
    expect(() => parseRange('a..b', true)).toThrow(/min\.\.max/);
    expect(() => parseRange('1..5', false)).toThrow(/choice/);
    expect(defaultRangeText({ type: 'integer', default: 10, minimum: 1, maximum: 10000 })).toBe('5..20');
    expect(defaultRangeText({ type: 'number', default: 30, minimum: 0, maximum: 100 })).toBe('15..45');
    expect(defaultRangeText({ type: 'string', options: ['a', 'b'] })).toBe('a, b');
  });

  it('builds the spec: symbols upper-cased, dates to ms, the fee percent to an exact rate', () => {
    expect(specInput({ strategy: 'sma_cross', symbols: 'btc-usd, eth-usd', timeframe: '1h', from: '2018-01-01', to: '', feePct: '0.1' })).toEqual({
      strategy: 'sma_cross',
      symbols: ['BTC-USD', 'ETH-USD'],
      timeframe: '1h',
      from: Date.UTC(2018, 0, 1),
      fees: { taker: '0.001', maker: '0.001' },
    });
    expect(() => specInput({ strategy: 'sma_cross', symbols: 'BTC-USD', timeframe: '1h', from: '', to: '', feePct: 'abc' })).toThrow(/percentage/);
  });
});
