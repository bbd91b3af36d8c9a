import { describe, expect, it } from 'vitest';
import { Dec } from '../domain/decimal';
import type { Bar } from '../domain/market';
import { cancelOrder, createPaperBook, enableProtections, LIMITS, onBars, placeOrder, setFees, SetFeesSchema, setPreferences, status } from './book';
import fc from 'fast-check';
import type { PlaceOrder } from '../trading/orders';

const bar = (i: number, close: string, high = close, low = close): Bar => ({ symbol: 'BTC-USD', timeframe: '1m', time: i * 60_000, open: close, high, low, close, volume: '1' });
let k = 0;
const o = (x: Partial<PlaceOrder>): PlaceOrder => ({ symbol: 'BTC-USD', side: 'buy', type: 'market', idempotencyKey: `key-${String(++k).padStart(6, '0')}`, agent: 'test', correlationId: 'c', ...x });
const off = { maxPositionNotional: null, maxExposurePct: null, maxOrderNotional: null, dailyLossLimit: null, maxTradesPerDay: null, lossCooldown: null };

describe('paper book state machine', () => {
  it('reserves cash for resting buys so a later order cannot spend it twice', () => {
    const s = createPaperBook({ initialCash: '1000', riskLimits: off });
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
    const s = createPaperBook({ initialCash: '1000', riskLimits: off });
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
    const s = createPaperBook({ initialCash: '1000', riskLimits: off });
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
    const s = createPaperBook({ initialCash: '1000', riskLimits: off });
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

  it('a stop-loss on a held position fills on the bar that trades through it — from the open on a gap — and says so', () => {
    const s = createPaperBook({ initialCash: '1000', riskLimits: off });
    onBars(s, [bar(0, '100')], 0);
    expect(placeOrder(s, o({ quantity: '2' }), 1)).toMatchObject({ status: 'filled' });
    const stop = placeOrder(s, o({ side: 'sell', type: 'stop', quantity: '2', stopPrice: '95' }), 2);
    expect(stop).toMatchObject({ status: 'open', type: 'stop' });
    // A bar that stays above the stop leaves it working.
    onBars(s, [{ ...bar(1, '97', '98', '96'), open: '97' }], 3);
    expect(s.openOrders).toHaveLength(1);
    s.outbox.splice(0);
    onBars(s, [{ ...bar(2, '90', '92', '89'), open: '91' }], 4);
    expect(s.openOrders).toHaveLength(0);
    const f = s.fills.at(-1)!;
    // Gapped through 95: referenced at the open 91, minus half the 2 bp default spread, floored to the cent.
    expect(f).toMatchObject({ side: 'sell', quantity: '2', liquidity: 'taker', referencePrice: '91' });
    expect(Dec.of(f.price).lt('91')).toBe(true);
    expect(s.outbox.find((e) => e.kind === 'stop_hit')).toMatchObject({ kind: 'stop_hit', type: 'stop', triggerPrice: '95', gap: true });
    expect(s.results[stop.idempotencyKey]).toMatchObject({ status: 'filled' });
  });

  it('a bracket: exits placed when the entry fills, working from the next batch; the take-profit filling cancels the stop', () => {
    const s = createPaperBook({ initialCash: '1000', riskLimits: off });
    onBars(s, [bar(0, '100')], 0);
    expect(placeOrder(s, o({ quantity: '1', bracket: { takeProfit: { limitPrice: '110' }, stopLoss: { stopPrice: '90' } } }), 1)).toMatchObject({ status: 'filled' });
    expect(s.openOrders.map((x) => [x.kind, x.side, x.oco !== null])).toEqual([['take_profit', 'sell', true], ['stop', 'sell', true]]);
    // The legs sell the same coin once: a further sell of it is refused for lack of holdings.
    expect(placeOrder(s, o({ side: 'sell', quantity: '0.5' }), 2)).toMatchObject({ status: 'rejected', rule: 'insufficient_funds' });
    onBars(s, [bar(1, '105', '112', '104')], 3);
    expect(s.openOrders).toHaveLength(0);
    expect(s.fills.at(-1)).toMatchObject({ side: 'sell', price: '110', liquidity: 'maker' });
    expect(s.outbox.some((e) => e.kind === 'cancelled' && e.reason === 'the other leg of its bracket filled')).toBe(true);
    // A bracket that cannot protect its entry is refused with the order.
    expect(placeOrder(s, o({ quantity: '1', bracket: { stopLoss: { stopPrice: '200' } } }), 4)).toMatchObject({ status: 'rejected', rule: 'invalid_price', reason: expect.stringMatching(/stop 200 is not below the entry/) });
  });

  it('a bar that reaches both legs takes the stop (the worse outcome: a bar cannot say which came first)', () => {
    const s = createPaperBook({ initialCash: '1000', riskLimits: off });
    onBars(s, [bar(0, '100')], 0);
    placeOrder(s, o({ quantity: '1', bracket: { takeProfit: { limitPrice: '110' }, stopLoss: { stopPrice: '90' } } }), 1);
    onBars(s, [bar(1, '100', '115', '85')], 2);
    expect(s.fills.at(-1)).toMatchObject({ side: 'sell', liquidity: 'taker', referencePrice: '90' });
    expect(s.openOrders).toHaveLength(0);
  });

  it('a resting entry carries its bracket; a trailing stop follows the high from the fill', () => {
    const s = createPaperBook({ initialCash: '1000', riskLimits: off });
    onBars(s, [bar(0, '100')], 0);
    expect(placeOrder(s, o({ type: 'limit', quantity: '1', limitPrice: '98', bracket: { stopLoss: { trailingPct: '0.05' } } }), 1)).toMatchObject({ status: 'open' });
    onBars(s, [bar(1, '99', '100', '97')], 2);
    expect(s.openOrders.map((x) => [x.kind, x.stopPrice, x.extreme])).toEqual([['trailing_stop', '93.1', '98']]);
    onBars(s, [bar(2, '110', '120', '108')], 3);
    expect(s.openOrders[0]).toMatchObject({ extreme: '120', stopPrice: '114' });
    onBars(s, [{ ...bar(3, '113', '118', '112'), open: '117' }], 4);
    expect(s.fills.at(-1)).toMatchObject({ side: 'sell', referencePrice: '114' });
  });

  it('a buy stop that triggers while the kill switch is on is cancelled with the rule, not filled', () => {
    const s = createPaperBook({ initialCash: '1000', riskLimits: off });
    onBars(s, [bar(0, '100')], 0);
    expect(placeOrder(s, o({ type: 'stop', quantity: '1', stopPrice: '105' }), 1)).toMatchObject({ status: 'open' });
    setPreferences(s, { killSwitch: true });
    onBars(s, [bar(1, '106', '107', '104')], 2);
    expect(s.fills).toHaveLength(0);
    expect(s.outbox.find((e) => e.kind === 'cancelled')).toMatchObject({ reason: expect.stringMatching(/^kill_switch: /) });
  });

  it('property: an open bracket never leaves both legs or neither leg live while its position is held', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 80, max: 120 }), fc.integer({ min: 0, max: 15 }), fc.integer({ min: 0, max: 15 })), { minLength: 1, maxLength: 30 }), fc.boolean(), (moves, trailing) => {
        const s = createPaperBook({ initialCash: '1000', riskLimits: off });
        onBars(s, [bar(0, '100')], 0);
        placeOrder(s, o({ quantity: '1', bracket: { takeProfit: { limitPrice: '112' }, stopLoss: trailing ? { trailingPct: '0.08' } : { stopPrice: '91', limitPrice: '90' } } }), 1);
        moves.forEach(([open, up, down], k) => {
          onBars(s, [{ ...bar(k + 1, String(open), String(open + up), String(open - down)), open: String(open) }], k + 2);
          const legs = s.openOrders.filter((x) => x.oco);
          const held = Dec.of(s.portfolio.positions['BTC-USD']?.quantity ?? '0');
          const exits = s.fills.filter((f) => f.side === 'sell').length;
          // Held: both legs still working (a stop-limit past its limit rests, and still counts).
          if (held.isPositive()) expect(legs.length).toBe(2);
          // Sold: exactly one leg filled, none left.
          else {
            expect(exits).toBe(1);
            expect(legs).toHaveLength(0);
          }
        });
      }),
      { numRuns: 300 },
    );
  });

  it("protections: the execution agent's entries always get a stop; a person's do not", () => {
    const s = createPaperBook({ initialCash: '1000', riskLimits: off });
    enableProtections(s);
    onBars(s, [bar(0, '100')], 0);
    placeOrder(s, o({ quantity: '1', agent: 'execution-agent' }), 1);
    // 3% below the fill, rounded down to the cent.
    const below = (pct: string, i: number) => Dec.of(s.fills[i]!.price).mul(Dec.ONE.sub(pct)).floorTo('0.01').toString();
    expect(s.openOrders.map((x) => [x.kind, x.stopPrice])).toEqual([['stop', below('0.03', 0)]]);
    placeOrder(s, o({ quantity: '1', agent: 'execution-agent', bracket: { stopLoss: { stopPct: '0.05' } } }), 2);
    expect(s.openOrders.map((x) => x.stopPrice)).toEqual([below('0.03', 0), below('0.05', 1)]);
    placeOrder(s, o({ quantity: '1' }), 3);
    expect(s.openOrders).toHaveLength(2);
    // Not on (a book replaying an older history): no stop is added.
    const old = createPaperBook({ initialCash: '1000', riskLimits: off });
    onBars(old, [bar(0, '100')], 0);
    placeOrder(old, o({ quantity: '1', agent: 'execution-agent' }), 1);
    expect(old.openOrders).toHaveLength(0);
  });

  it('protections: selling part of a protected position shrinks its exits to what is left, newest first; a resting sell still may not take their coins', () => {
    const s = createPaperBook({ initialCash: '10000', riskLimits: off });
    enableProtections(s);
    onBars(s, [bar(0, '100')], 0);
    placeOrder(s, o({ quantity: '1', agent: 'execution-agent', bracket: { takeProfit: { limitPrice: '130' } } }), 1);
    placeOrder(s, o({ quantity: '2', agent: 'execution-agent' }), 2);
    const exits = () => s.openOrders.map((x) => [x.kind, x.quantity]);
    expect(exits()).toEqual([['take_profit', '1'], ['stop', '1'], ['stop', '2']]);
    // A resting limit sell of the whole position would leave it unprotected until it fills: refused.
    expect(placeOrder(s, o({ side: 'sell', type: 'limit', quantity: '1', limitPrice: '120' }), 3)).toMatchObject({ status: 'rejected', rule: 'insufficient_funds' });
    // A trim of 2.5 now: the newest entry's stop goes (2), the older bracket keeps 0.5 on both legs.
    expect(placeOrder(s, o({ side: 'sell', quantity: '2.5', agent: 'execution-agent' }), 4)).toMatchObject({ status: 'filled' });
    expect(exits()).toEqual([['take_profit', '0.5'], ['stop', '0.5']]);
    expect(s.outbox.filter((e) => e.kind === 'cancelled').map((e) => (e as { reason: string }).reason)).toEqual(['the position it protected was sold (2.5 BTC-USD)']);
    // The rest still exits on its stop, for what is left.
    onBars(s, [bar(1, '90', '90', '90')], 5);
    onBars(s, [bar(2, '90', '90', '90')], 6);
    expect(s.openOrders).toHaveLength(0);
    expect(s.fills.at(-1)).toMatchObject({ side: 'sell', quantity: '0.5' });
    expect(status(s).valuation.positions.find((p) => p.symbol === 'BTC-USD')?.quantity ?? '0').toBe('0');
    // A sell larger than the position is still refused.
    placeOrder(s, o({ quantity: '1', agent: 'execution-agent' }), 7);
    expect(placeOrder(s, o({ side: 'sell', quantity: '1.5' }), 8)).toMatchObject({ status: 'rejected', rule: 'insufficient_funds' });
    // Without protections (an older book) every resting sell still holds its coins.
    const old = createPaperBook({ initialCash: '1000', riskLimits: off });
    onBars(old, [bar(0, '100')], 0);
    placeOrder(old, o({ quantity: '1', bracket: { stopLoss: { stopPrice: '90' } } }), 1);
    expect(placeOrder(old, o({ side: 'sell', quantity: '0.5' }), 2)).toMatchObject({ status: 'rejected', rule: 'insufficient_funds' });
  });

  it('protections: a stop-out cools the symbol down, repeated stops pause it, losing closes lock it — buys only, with the rule named', () => {
    const s = createPaperBook({ initialCash: '10000', riskLimits: off });
    enableProtections(s);
    setPreferences(s, { protections: { stopCooldown: { minutes: 30 }, stoplossGuard: { stops: 2, windowMinutes: 600, pauseMinutes: 120 }, pairLock: null, drawdownHalt: null } });
    onBars(s, [bar(0, '100')], 0);
    const stopOut = (k: number, t: number) => {
      placeOrder(s, o({ quantity: '1', bracket: { stopLoss: { stopPrice: '95' } } }), t);
      onBars(s, [{ ...bar(k, '94', '96', '93'), open: '96' }], t + 1);
      onBars(s, [bar(k + 1, '100')], t + 2);
    };
    stopOut(1, 60_000);
    expect(s.protect!.stopOuts).toHaveLength(1);
    const out = s.protect!.stopOuts[0]!.at;
    expect(placeOrder(s, o({ quantity: '1' }), out + 10 * 60_000)).toMatchObject({ status: 'rejected', rule: 'stop_cooldown', reason: expect.stringMatching(/stopped out 10 min ago: buys of it pause for 20 more min/) });
    // Another symbol is not held back by it (it has no price here, which is its own refusal).
    expect(placeOrder(s, o({ symbol: 'ETH-USD', quantity: '1' }), out + 10 * 60_000)).toMatchObject({ rule: 'no_price' });
    expect(status(s, out + 10 * 60_000).protections.locks).toEqual([expect.objectContaining({ symbol: 'BTC-USD', rule: 'stop_cooldown' })]);
    // The cooldown over, a second stop-out inside the window pauses the symbol.
    stopOut(3, 60 * 60_000);
    const second = s.protect!.stopOuts[1]!.at;
    expect(placeOrder(s, o({ quantity: '1' }), second + 45 * 60_000)).toMatchObject({ status: 'rejected', rule: 'stoploss_guard' });
    expect(placeOrder(s, o({ quantity: '1.5' }), second + 121 * 60_000)).toMatchObject({ status: 'filled' });
    // Losing closes: the last two lost in sum → locked.
    setPreferences(s, { protections: { pairLock: { trades: 2, hours: 1 }, stopCooldown: null, stoplossGuard: null } });
    const t0 = 4 * 3_600_000;
    expect(placeOrder(s, o({ side: 'sell', quantity: '1' }), t0)).toMatchObject({ status: 'filled' });
    expect(placeOrder(s, o({ quantity: '1' }), t0 + 1)).toMatchObject({ status: 'rejected', rule: 'pair_lock', reason: expect.stringMatching(/last 2 closed trades lost/) });
    // Exits are never held back by a protection.
    expect(placeOrder(s, o({ side: 'sell', quantity: '0.5' }), t0 + 2)).toMatchObject({ status: 'filled' });
  });

  it('protections: a drawdown from the peak halts new entries for a while, says so once, then starts from the new equity', () => {
    const s = createPaperBook({ initialCash: '1000', riskLimits: off });
    enableProtections(s);
    setPreferences(s, { protections: { drawdownHalt: { pct: '0.1', hours: 1 }, pairLock: null } });
    onBars(s, [bar(0, '100')], 0);
    placeOrder(s, o({ quantity: '9' }), 1);
    s.outbox.splice(0);
    onBars(s, [bar(1, '85')], 60_000);
    expect(s.outbox.filter((e) => e.kind === 'protection')).toEqual([expect.objectContaining({ lock: expect.objectContaining({ symbol: null, rule: 'drawdown_halt' }) })]);
    expect(placeOrder(s, o({ symbol: 'BTC-USD', quantity: '0.1' }), 120_000)).toMatchObject({ status: 'rejected', rule: 'drawdown_halt' });
    onBars(s, [bar(2, '84')], 180_000);
    expect(s.outbox.filter((e) => e.kind === 'protection')).toHaveLength(1);
    onBars(s, [bar(62, '84')], 60_000 + 3_600_000);
    expect(placeOrder(s, o({ quantity: '0.1' }), 60_000 + 3_600_001)).toMatchObject({ status: 'filled' });
  });

  it('bounds the equity curve by halving the sampling rate', () => {
    const s = createPaperBook({ initialCash: '1000' });
    for (let i = 0; i < LIMITS.equity * 3; i++) onBars(s, [bar(i, '100')], i);
    expect(s.equity.length).toBeLessThanOrEqual(LIMITS.equity + 1);
    expect(s.equityStride).toBeGreaterThan(1);
    expect(s.equity[s.equity.length - 1]!.t).toBeGreaterThan(s.equity[0]!.t);
  });
});
