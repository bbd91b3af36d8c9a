import { describe, expect, it } from 'vitest';
import { Dec } from '../domain/decimal';
import type { Bar } from '../domain/market';
import { cancelOrder, createLedgerState, LIMITS, onBars, placeOrder, setFees, SetFeesSchema, status } from './ledger';
import type { PlaceOrder } from './orders';

const bar = (i: number, close: string, high = close, low = close): Bar => ({ symbol: 'BTC-USD', timeframe: '1m', time: i * 60_000, open: close, high, low, close, volume: '1' });
let k = 0;
const o = (x: Partial<PlaceOrder>): PlaceOrder => ({ symbol: 'BTC-USD', side: 'buy', type: 'market', idempotencyKey: `key-${String(++k).padStart(6, '0')}`, agent: 'test', correlationId: 'c', ...x });
const off = { maxPositionNotional: null, maxExposurePct: null, maxOrderNotional: null, dailyLossLimit: null, maxTradesPerDay: null, lossCooldown: null };

describe('paper ledger state machine', () => {
  it('reserves cash for resting buys so a later order cannot spend it twice', () => {
    const s = createLedgerState({ initialCash: '1000', riskLimits: off });
    onBars(s, [bar(0, '100')], 0);
    // 9 @ 100 + 0.6% maker fee = 905.4 reserved
    expect(placeOrder(s, o({ type: 'limit', quantity: '9', limitPrice: '100' }), 1)).toMatchObject({ status: 'open' });
    const second = placeOrder(s, o({ quantity: '1' }), 2);
    expect(second).toMatchObject({ status: 'rejected', rule: 'insufficient_funds' });
    expect(cancelOrder(s, { orderId: 'ord-1' })).toEqual({ orderId: 'ord-1', cancelled: true, reason: null });
    expect(placeOrder(s, o({ quantity: '1' }), 3)).toMatchObject({ status: 'filled' });
    expect(cancelOrder(s, { orderId: 'ord-1' })).toMatchObject({ cancelled: false, reason: 'order ord-1 is cancelled, not open' });
  });

  it('fills a resting order only on bars arriving after it, at the limit, as maker', () => {
    const s = createLedgerState({ initialCash: '1000', riskLimits: off });
    onBars(s, [bar(0, '100')], 0);
    placeOrder(s, o({ type: 'limit', quantity: '1', limitPrice: '95' }), 1);
    onBars(s, [bar(1, '97', '98', '96')], 2);
    expect(s.openOrders).toHaveLength(1);
    onBars(s, [bar(2, '96', '97', '94')], 3);
    expect(s.openOrders).toHaveLength(0);
    expect(s.fills[0]).toMatchObject({ price: '95', liquidity: 'maker', fee: '0.57', time: 180_000 });
    expect(s.results[s.fills[0]!.idempotencyKey]).toMatchObject({ status: 'filled' });
    expect(status(s).valuation.positions[0]).toMatchObject({ quantity: '1', mark: '96' });
  });

  it('charges later fills the fee rates set, keeps booked fills as they were, and says where the rates came from', () => {
    const s = createLedgerState({ initialCash: '1000', riskLimits: off });
    onBars(s, [bar(0, '100')], 0);
    expect(status(s).fees).toEqual({ taker: '0.012', maker: '0.006', source: 'default', pricingTier: null, at: 0 });
    placeOrder(s, o({ quantity: '1' }), 1);
    const feeRate = (i: number) => Dec.of(s.fills[i]!.fee).div(s.fills[i]!.notional).toString();
    expect(feeRate(0)).toBe('0.012');
    expect(setFees(s, SetFeesSchema.parse({ taker: '0.004', maker: '0.0025', source: 'coinbase', pricingTier: 'Advanced 2' }), 5)).toEqual({ taker: '0.004', maker: '0.0025', source: 'coinbase', pricingTier: 'Advanced 2', at: 5 });
    placeOrder(s, o({ quantity: '1' }), 6);
    expect([feeRate(0), feeRate(1)]).toEqual(['0.012', '0.004']);
    expect(status(s).fees.source).toBe('coinbase');
    for (const bad of [{ taker: '0.1', maker: '0' }, { taker: '-0.01', maker: '0' }, { taker: '1%', maker: '0' }, { taker: '0.000000001', maker: '0' }]) {
      expect(SetFeesSchema.safeParse({ ...bad, source: 'manual' }).success, JSON.stringify(bad)).toBe(false);
    }
  });

  it("the cost gate: a buy's stated edge must pay the fee and the adverse price plus 10%; sells and edgeless orders pass", () => {
    const s = createLedgerState({ initialCash: '1000', riskLimits: off });
    onBars(s, [bar(0, '100')], 0);
    const gate = { costGate: true };
    // Default entry tier: 1.2% taker + half the spread + impact ≈ 124 bps; x 1.1 ≈ 136 bps needed.
    const thin = placeOrder(s, o({ notional: '100', expectedEdgeBps: 40 }), 1, gate);
    expect(thin).toMatchObject({ status: 'rejected', rule: 'cost_gate' });
    expect(thin.reason).toMatch(/^expected edge 40 bps \(0\.\d\d\) does not pay the costs 12\d\.\d bps .* plus the 10% buffer$/);
    expect(s.fills).toHaveLength(0);
    expect(s.blocked.at(-1)).toMatchObject({ rule: 'cost_gate', expectedEdgeBps: 40 });
    expect(placeOrder(s, o({ notional: '100', expectedEdgeBps: 140 }), 2, gate)).toMatchObject({ status: 'filled' });
    // Exits are never held back by it; a person's order states no edge and has nothing to weigh.
    expect(placeOrder(s, o({ side: 'sell', quantity: '0.1', expectedEdgeBps: 1 }), 3, gate)).toMatchObject({ status: 'filled' });
    expect(placeOrder(s, o({ notional: '50' }), 4, gate)).toMatchObject({ status: 'filled' });
    // A resting limit buy pays the maker fee only (0.6% x 1.1 = 66 bps).
    expect(placeOrder(s, o({ type: 'limit', quantity: '1', limitPrice: '95', expectedEdgeBps: 60 }), 5, gate)).toMatchObject({ status: 'rejected', rule: 'cost_gate' });
    expect(placeOrder(s, o({ type: 'limit', quantity: '1', limitPrice: '95', expectedEdgeBps: 70 }), 6, gate)).toMatchObject({ status: 'open' });
    // Without the gate (a book replaying a history from before it) the thin edge fills as it did.
    expect(placeOrder(s, o({ notional: '100', expectedEdgeBps: 40 }), 7)).toMatchObject({ status: 'filled' });
  });

  it('bounds the equity curve by halving the sampling rate', () => {
    const s = createLedgerState({ initialCash: '1000' });
    for (let i = 0; i < LIMITS.equity * 3; i++) onBars(s, [bar(i, '100')], i);
    expect(s.equity.length).toBeLessThanOrEqual(LIMITS.equity + 1);
    expect(s.equityStride).toBeGreaterThan(1);
    expect(s.equity[s.equity.length - 1]!.t).toBeGreaterThan(s.equity[0]!.t);
  });
});
