import { describe, expect, it } from 'vitest';
import { pageForKey } from './keys';

describe('pageForKey', () => {
  it('digits and g-prefixed letters, never inside fields or with modifiers', () => {
    const s = { pendingG: false };
    expect(pageForKey('2', s, false, false)).toBe('portfolio');
    expect(pageForKey('g', s, false, false)).toBeNull();
    expect(pageForKey('l', s, false, false)).toBe('ledger');
    expect(pageForKey('l', s, false, false)).toBeNull();
    expect(pageForKey('3', s, true, false)).toBeNull();
    expect(pageForKey('3', s, false, true)).toBeNull();
    expect(pageForKey('6', s, false, false)).toBe('data');
    expect(pageForKey('8', s, false, false)).toBe('settings');
    expect(pageForKey('9', s, false, false)).toBe('research');
    expect(pageForKey('0', s, false, false)).toBeNull();
  });
});
