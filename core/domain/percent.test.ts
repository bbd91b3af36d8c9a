import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Dec } from './decimal';
import { fractionToPercent, percentToFraction } from './percent';

describe('percent <-> fraction', () => {
  it('shifts the decimal point exactly, where a float product would not', () => {
    // 1.1 * 0.01 is 0.011000000000000001 in floats; 0.07 * 0.01 is 0.0007000000000000001.
    expect(percentToFraction('1.1')).toBe('0.011');
    expect(percentToFraction('0.07')).toBe('0.0007');
    expect(percentToFraction('2')).toBe('0.02');
    expect(percentToFraction(' 1.5 ')).toBe('0.015');
    expect(percentToFraction('0')).toBe('0');
  });

  it('refuses what is not a plain percentage below the bound', () => {
    for (const bad of ['', '-1', '100', '1e2', '2%', 'abc', '1.2.3', '.5']) expect(percentToFraction(bad), bad).toBeNull();
    expect(percentToFraction('150')).toBeNull();
    expect(percentToFraction('150', '1000')).toBe('1.5');
  });

  it('reads a fraction back as the percentage typed, from a string or from the number a spec holds', () => {
    expect(fractionToPercent('0.011')).toBe('1.1');
    expect(fractionToPercent(0.011)).toBe('1.1');
    expect(fractionToPercent(0.0025)).toBe('0.25');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9_999_999 }), fc.integer({ min: 0, max: 5 }), (m, e) => {
        const typed = Dec.of(String(m)).div(String(10 ** e)).toString();
        if (Dec.of(typed).gte('100')) return;
        const f = percentToFraction(typed)!;
        expect(fractionToPercent(f)).toBe(typed);
        // Through the number a spec holds and back: still the same percentage.
        expect(fractionToPercent(Number(f))).toBe(typed);
      }),
      { numRuns: 500, seed: 7 },
    );
  });
});
