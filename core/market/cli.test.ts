/** `vigil market snapshot`'s line about gaps in the live feed (the rest needs a running cockpit). */
import { describe, expect, it } from 'vitest';
import { gapsLine } from './cli';

describe('market snapshot: gaps line', () => {
  it('is absent until the live feed has had a gap', () => {
    expect(gapsLine({ pending: 0, filled: 0, unfilled: 0, barsRefilled: 0, recent: [] })).toBeNull();
  });

  it('counts the gaps and names the latest, with its error when it was given up', () => {
    const start = Date.UTC(2026, 10, 28, 15, 5);
    const line = gapsLine({
      pending: 0,
      filled: 1,
      unfilled: 1,
      barsRefilled: 8,
      recent: [
        { symbol: 'ETH-USD', start, end: start + 600_000, state: 'filled', attempts: 0, bars: 8, error: null },
        { symbol: 'BTC-USD', start, end: start + 120_000, state: 'unfilled', attempts: 3, bars: 0, error: 'HTTP 503' },
      ],
    });
    expect(line).toBe('gaps in the live feed: 1 refilled (8 bars), 1 unfilled, 0 pending; latest: BTC-USD 2026-11-28T15:05:00.000Z to 2026-11-28T15:07:00.000Z unfilled (HTTP 503)');
  });
});
