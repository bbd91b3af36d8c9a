import { describe, expect, it } from 'vitest';
import { evaluateCostGate, walkBook, CostGateError } from './cost-gate';
import { Dec } from '../domain/decimal';

const book = {
  bids: [
    { price: '99.9', size: '1' },
    { price: '99.5', size: '2' },
  ],
  asks: [
    { price: '100.1', size: '1' },
    { price: '100.5', size: '2' },
  ],
};

describe('cost gate', () => {
  it('prices a marketable buy: taker fee, half spread, slippage from walking the book', () => {
    const g = evaluateCostGate({ side: 'BUY', orderType: 'market', qty: '2', ...book, makerFeeRate: '0.004', takerFeeRate: '0.006', expectedEdge: '0.02' });
    // vwap = (1*100.1 + 1*100.5) / 2 = 100.3 ; notional = 200.6 ; fee = 1.2036
    expect(g.marketable).toBe(true);
    expect(g.vwap).toBe('100.3');
    expect(g.fee).toBe('1.2036');
    expect(g.spread).toBe('0.2'); // 2 x (100.1 - 100)
    expect(g.slippage).toBe('0.4'); // 2 x (100.3 - 100.1)
    expect(g.total).toBe('1.8036');
    expect(g.required).toBe('1.98396');
    expect(g.expectedEdgeAmount).toBe('4'); // 2 x 100 x 0.02
    expect(g.decision).toBe('proceed');
    expect(g.levelsWalked).toBe(2);
  });

  it('blocks when the edge does not cover cost x (1 + buffer), and records an override', () => {
    const base = { side: 'SELL' as const, orderType: 'market' as const, qty: '1', ...book, makerFeeRate: '0.004', takerFeeRate: '0.006' };
    // cost = 0.5994 fee + 0.1 spread + 0 slippage = 0.6994 ; required = 0.76934 ; edge at 0.0075 = 0.75
    const blocked = evaluateCostGate({ ...base, expectedEdge: '0.0075' });
    expect(blocked.total).toBe('0.6994');
    expect(blocked.decision).toBe('blocked');
    expect(blocked.reason).toMatch(/below the required 0.76934/);
    expect(evaluateCostGate({ ...base, expectedEdge: '0.0077' }).decision).toBe('proceed');
    expect(evaluateCostGate({ ...base, expectedEdge: '0.0075', safetyBuffer: '0' }).decision).toBe('proceed');
    const ov = evaluateCostGate({ ...base, expectedEdge: '0', override: { reason: 'rebalance' } });
    expect(ov.decision).toBe('override');
    expect(ov.reason).toMatch(/rebalance/);
  });

  it('a resting limit pays the maker fee and no spread or slippage', () => {
    const g = evaluateCostGate({ side: 'BUY', orderType: 'limit', limitPrice: '99', qty: '1', ...book, makerFeeRate: '0.004', takerFeeRate: '0.006', expectedEdge: '0.01', transferFee: '0.5' });
    expect(g.marketable).toBe(false);
    expect(g.fee).toBe('0.396');
    expect(g.spread).toBe('0');
    expect(g.slippage).toBe('0');
    expect(g.total).toBe('0.896');
    const crossing = evaluateCostGate({ side: 'BUY', orderType: 'limit', limitPrice: '101', qty: '1', ...book, makerFeeRate: '0.004', takerFeeRate: '0.006', expectedEdge: '0.01' });
    expect(crossing.marketable).toBe(true);
    expect(() => evaluateCostGate({ side: 'BUY', orderType: 'limit', limitPrice: '101', postOnly: true, qty: '1', ...book, makerFeeRate: '0', takerFeeRate: '0', expectedEdge: '0' })).toThrow(
      /post-only/,
    );
  });

  it('refuses to price against a thin, empty or crossed book', () => {
    expect(() => walkBook(book.asks, Dec.of('3.5'))).toThrow(CostGateError);
    expect(() => evaluateCostGate({ side: 'BUY', orderType: 'market', qty: '1', bids: [], asks: [], makerFeeRate: '0', takerFeeRate: '0', expectedEdge: '0' })).toThrow(/empty/);
    expect(() =>
      evaluateCostGate({ side: 'BUY', orderType: 'market', qty: '1', bids: [{ price: '101', size: '1' }], asks: [{ price: '100', size: '1' }], makerFeeRate: '0', takerFeeRate: '0', expectedEdge: '0' }),
    ).toThrow(/crossed/);
  });
});
