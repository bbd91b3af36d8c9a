/**
 * Price sanity, property-checked: whatever string a feed sends, the guard never accepts a price
 * that is not a positive finite decimal, never accepts a jump beyond the bound unless the new
 * level has been confirmed `rebaseAfter` times in a row, and always accepts a move within it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkPrice, guardInit, parsePrice, DEFAULT_SANITY } from './sanity';

describe('price sanity', () => {
  it('accepts only positive, finite, canonical decimal strings', () => {
    for (const bad of ['0', '0.0', '-1', '-0.01', 'NaN', 'Infinity', '1e5', '', ' ', 'abc', '1,000', '0x10']) {
      expect(parsePrice(bad).ok, bad).toBe(false);
    }
    for (const bad of [5, null, undefined, {}, ['1']]) expect(parsePrice(bad).ok).toBe(false);
    expect(parsePrice('0.00000001')).toMatchObject({ ok: true, value: 1e-8 });
    expect(parsePrice('64123.45')).toMatchObject({ ok: true, value: 64123.45 });
  });

  it('never lets an arbitrary string through unless it is a positive decimal', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const v = parsePrice(s);
        if (v.ok) {
          expect(s.trim()).toMatch(/^\d+(\.\d+)?$/);
          expect(v.value).toBeGreaterThan(0);
        }
      }),
    );
  });

  it('accepts moves within the bound and refuses larger ones until the new level is confirmed', () => {
    fc.assert(
      fc.property(fc.double({ min: 1, max: 1e6, noNaN: true }), fc.double({ min: -0.19, max: 0.19, noNaN: true }), fc.double({ min: 0.21, max: 5, noNaN: true }), (p0, small, big) => {
        const g = guardInit();
        expect(checkPrice(g, p0.toFixed(2)).ok).toBe(true);
        const near = (Number(p0.toFixed(2)) * (1 + small)).toFixed(2);
        if (Number(near) > 0) expect(checkPrice(g, near).ok).toBe(true);
        const ref = g.last!;
        const far = (ref * (1 + big)).toFixed(2);
        // Refused rebaseAfter - 1 times, then accepted as a rebase (the level held).
        for (let i = 1; i < DEFAULT_SANITY.rebaseAfter; i++) expect(checkPrice(g, far)).toMatchObject({ ok: false, reason: 'jump' });
        expect(checkPrice(g, far)).toMatchObject({ ok: true, rebased: true });
        expect(g.last).toBe(Number(far));
      }),
    );
  });

  it('a single spike between normal prints is refused and does not move the reference', () => {
    const g = guardInit();
    checkPrice(g, '100');
    expect(checkPrice(g, '150')).toMatchObject({ ok: false, reason: 'jump' });
    expect(checkPrice(g, '101')).toMatchObject({ ok: true, rebased: false });
    // Out-of-bound prints that disagree with each other never add up to a rebase.
    for (const p of ['200', '400', '200', '400', '200', '400']) expect(checkPrice(g, p).ok).toBe(false);
    expect(g.last).toBe(101);
  });
});
