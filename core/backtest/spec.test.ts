import { describe, expect, it } from 'vitest';
import { BacktestSpecSchema } from './spec';

const base = { symbols: ['BTC-USD'], timeframe: '1h' } as const;

describe('BacktestSpecSchema', () => {
  it("checks the strategy's own parameters at the door and names the field", () => {
    const bad = BacktestSpecSchema.safeParse({ ...base, strategy: 'sma_cross', params: { fast: 30, slow: 10 } });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues).toEqual([expect.objectContaining({ path: ['params', 'fast'], message: 'sma_cross params: fast: fast must be shorter than slow' })]);
    const range = BacktestSpecSchema.safeParse({ ...base, strategy: 'rsi_reversion', params: { low: 120 } });
    expect(range.error!.issues[0]!.path).toEqual(['params', 'low']);
    const unknown = BacktestSpecSchema.safeParse({ ...base, strategy: 'breakout', params: { lookbak: 5 } });
    expect(unknown.error!.issues[0]).toMatchObject({ path: ['params'], message: expect.stringMatching(/^breakout params: .*lookbak/) });
  });

  it('accepts parameters within bounds and leaves unknown strategies to the strategy enum', () => {
    expect(BacktestSpecSchema.parse({ ...base, strategy: 'sma_cross', params: { fast: 5, slow: 20 } }).params).toEqual({ fast: 5, slow: 20 });
    expect(BacktestSpecSchema.parse({ ...base, strategy: 'buy_and_hold' }).params).toBeUndefined();
    const wrong = BacktestSpecSchema.safeParse({ ...base, strategy: 'martingale' });
    expect(wrong.error!.issues.map((i) => i.path[0])).toEqual(['strategy']);
  });
});
