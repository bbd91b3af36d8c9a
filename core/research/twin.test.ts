import { describe, expect, it } from 'vitest';
import { pairFills, type TwinFill } from './twin';

const MIN = 60_000;
const fill = (over: Partial<TwinFill>): TwinFill => ({ symbol: 'BTC-USD', side: 'buy', time: 0, quantity: '0.1', price: '20000', notional: '2000', fee: '24', referencePrice: '19990', slippageBps: 5, ...over });

describe('twin pairing', () => {
  it('pairs each paper fill with the nearest twin fill of the same symbol and side, and splits the gaps', () => {
    const paper = [fill({ time: 10 * MIN + 20_000 }), fill({ side: 'sell', time: 50 * MIN, price: '21000', referencePrice: '21010', notional: '2100', fee: '25.2' })];
    const twin = [
      fill({ time: 11 * MIN, price: '20030', referencePrice: '20010', slippageBps: 10, quantity: '0.099', notional: '1982.97', fee: '23.79564' }),
      fill({ time: 30 * MIN }), // too far from either paper fill
      fill({ side: 'sell', time: 51 * MIN, price: '21000', referencePrice: '21010', notional: '2100', fee: '21' }),
    ];
    const r = pairFills(paper, twin, { window: 10 * MIN, barMs: MIN });
    expect(r.pairs).toHaveLength(2);
    const [buy, sell] = r.pairs;
    expect(buy!.timingMs).toBe(40_000);
    expect(buy!.priceGapBps).toBeCloseTo(15, 9); // 20030 vs 20000
    expect(buy!.referenceMoveBps).toBeCloseTo((20 / 19990) * 10_000, 9);
    expect(buy!.priceGapBps - buy!.referenceMoveBps).toBeCloseTo(buy!.costGapBps, 12);
    expect(buy!.feeGap).toBe('-0.20436');
    expect(buy!.quantityGap).toBe('-0.001');
    expect(buy!.explanation[0]).toMatch(/^timing: the twin filled 40\.0 s later — it fills at the open of the bar after its decision bar/);
    expect(buy!.explanation.some((e) => e.startsWith('price: the reference moved'))).toBe(true);
    expect(buy!.explanation.some((e) => e.startsWith('size: the twin traded less'))).toBe(true);
    // Same notional, different fee: the rate differs (1.2% vs 1.0%).
    expect(sell!.explanation).toContain('fee: a different rate (paper 1.2%, twin 1% of notional)');
    expect(r.unmatched).toEqual([{ source: 'twin', fill: twin[1], explanation: expect.stringMatching(/^the session did not buy BTC-USD within 10\.0 min/) }]);
    expect(r.summary).toMatchObject({ paperFills: 2, twinFills: 3, matched: 2, paperFees: '49.2', twinFees: '68.79564', meanTimingMs: 50_000 });
  });

  it('leaves a paper fill unmatched when the twin traded the other way or another symbol', () => {
    const r = pairFills([fill({ time: 0 })], [fill({ time: 0, side: 'sell' }), fill({ time: 0, symbol: 'ETH-USD' })], { window: MIN, barMs: MIN });
    expect(r.pairs).toEqual([]);
    expect(r.unmatched.map((u) => u.source)).toEqual(['paper', 'twin', 'twin']);
    expect(r.summary.meanPriceGapBps).toBeNull();
  });
});
