import { describe, expect, it } from 'vitest';
import { bollinger, ema, macd, rsi, sma } from './indicators';

describe('indicators', () => {
  const v = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  it('sma and ema line up with inputs, null during warm-up', () => {
    expect(sma(v, 3)).toEqual([null, null, 2, 3, 4, 5, 6, 7, 8, 9]);
    const e = ema(v, 3);
    expect(e[1]).toBeNull();
    expect(e[2]).toBe(2);
    expect(e[3]).toBeCloseTo(3);
  });
  it('bollinger bands are symmetric around the mean', () => {
    const b = bollinger([2, 4, 4, 4, 5, 5, 7, 9], 8, 2);
    expect(b.mid[7]).toBe(5);
    expect(b.upper[7]).toBe(9);
    expect(b.lower[7]).toBe(1);
  });
  it('rsi: 100 for a steady rise, bounded otherwise', () => {
    expect(rsi(v, 5)[9]).toBe(100);
    const zig = Array.from({ length: 40 }, (_, i) => 100 + (i % 2 ? 1 : -1) * (i % 5));
    for (const x of rsi(zig, 14).filter((x): x is number => x !== null)) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThanOrEqual(100);
    }
  });
  it('macd histogram = line - signal', () => {
    const series = Array.from({ length: 60 }, (_, i) => 100 + Math.sin(i / 4) * 5);
    const m = macd(series);
    expect(m.macd[24]).toBeNull();
    expect(m.macd[25]).not.toBeNull();
    expect(m.signal[33]).not.toBeNull();
    expect(m.hist[40]).toBeCloseTo(m.macd[40]! - m.signal[40]!);
  });
});
