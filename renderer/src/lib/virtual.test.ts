import { describe, expect, it } from 'vitest';
import { scrollToReveal, windowFor } from './virtual';

describe('windowFor', () => {
  it('renders only the rows in view plus overscan, spacers fill the rest', () => {
    const w = windowFor({ scrollTop: 2_000, viewport: 300, rowHeight: 20, count: 100_000, overscan: 5 });
    expect(w.start).toBe(95);
    expect(w.end).toBe(100 + 16 + 5);
    expect(w.end - w.start).toBeLessThan(40);
    expect(w.padTop).toBe(95 * 20);
    expect(w.padTop + (w.end - w.start) * 20 + w.padBottom).toBe(w.total);
    expect(w.total).toBe(2_000_000);
  });

  it('clamps at both ends', () => {
    const top = windowFor({ scrollTop: -50, viewport: 100, rowHeight: 10, count: 1_000, overscan: 3 });
    expect(top.start).toBe(0);
    expect(top.padTop).toBe(0);
    const past = windowFor({ scrollTop: 1e9, viewport: 100, rowHeight: 10, count: 1_000, overscan: 3 });
    expect(past.end).toBe(1_000);
    expect(past.padBottom).toBe(0);
    expect(past.start).toBe(990 - 3);
  });

  it('short lists render whole, empty lists render nothing', () => {
    expect(windowFor({ scrollTop: 0, viewport: 400, rowHeight: 22, count: 7 })).toMatchObject({ start: 0, end: 7, padTop: 0, padBottom: 0 });
    expect(windowFor({ scrollTop: 0, viewport: 400, rowHeight: 22, count: 0 })).toEqual({ start: 0, end: 0, padTop: 0, padBottom: 0, total: 0 });
  });
});

describe('scrollToReveal', () => {
  it('moves only as far as needed', () => {
    expect(scrollToReveal(5, 0, 100, 20)).toBe(20);
    expect(scrollToReveal(2, 100, 100, 20)).toBe(40);
    expect(scrollToReveal(6, 100, 100, 20)).toBe(100);
  });
});
