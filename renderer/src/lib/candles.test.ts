import { describe, expect, it } from 'vitest';
import { applyTick, normalizeCandles } from './candles';

describe('candles', () => {
  it('normalises ms/s times, string prices, duplicates and order', () => {
    const bars = normalizeCandles({ candles: [
      { time: 1_700_000_120_000, open: '2', high: '3', low: '1', close: '2.5', volume: '7' },
      { time: 1_700_000_060, open: 1, high: 2, low: 1, close: 2 },
      { time: '1700000120', open: '2', high: '4', low: '1', close: '3', volume: '1' },
      { time: 'bad', open: 1, high: 1, low: 1, close: 1 },
    ] });
    expect(bars.map((b) => b.time)).toEqual([1_700_000_060, 1_700_000_120]);
    expect(bars[1]!.high).toBe(4);
    expect(normalizeCandles(null)).toEqual([]);
  });
  it('folds ticks into the current bar and opens the next one', () => {
    const bars = normalizeCandles([{ time: 60, open: 10, high: 10, low: 10, close: 10 }]);
    expect(applyTick(bars, 12, 61_000, '1m').isNew).toBe(false);
    expect(bars[0]).toMatchObject({ high: 12, close: 12 });
    const r = applyTick(bars, 9, 125_000, '1m');
    expect(r.isNew).toBe(true);
    expect(r.bar).toMatchObject({ time: 120, open: 12, high: 12, low: 9, close: 9 });
    expect(applyTick(bars, 50, 1_000, '1m').isNew).toBe(false);
  });
});
