import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Dec } from '../domain/decimal';
import {
  applyFill,
  applyFillBooked,
  checkFillable,
  checkFillableBooked,
  COINBASE_ENTRY_TIER,
  DEFAULT_FILL_MODEL,
  defaultProductSpec,
  limitCrossFill,
  limitQuantity,
  marketableLimitFill,
  newPortfolio,
  parsePortfolio,
  PlaceOrderSchema,
  quoteMarketFill,
  renderPortfolio,
  slippageBps,
  valuePortfolio,
  type Fill,
  type FillModel,
} from './index';

const BTC = defaultProductSpec('BTC-USD');
const NO_IMPACT: FillModel = { fees: COINBASE_ENTRY_TIER, slippage: { baseBps: 0, impactBps: 0, impactRefNotional: 10_000, maxBps: 500 } };

function fillOf(q: Extract<ReturnType<typeof quoteMarketFill>, { ok: true }>, side: 'buy' | 'sell', id: string, time = 0): Fill {
  return {
    id,
    orderId: id,
    symbol: 'BTC-USD',
    side,
    quantity: q.quantity.toString(),
    price: q.price.toString(),
    notional: q.notional.toString(),
    fee: q.fee.toString(),
    liquidity: q.liquidity,
    referencePrice: q.referencePrice.toString(),
    slippageBps: q.slippageBps,
    time,
  };
}

describe('fill model', () => {
  it('buys at the ask (mid + half the spread estimate) with the taker fee', () => {
    const q = quoteMarketFill({ spec: BTC, side: 'buy', quantity: Dec.of('0.01'), mid: Dec.of('50000'), model: NO_IMPACT });
    expect(q.ok).toBe(true);
    if (!q.ok) return;
    // 2 bps spread: half = 50000 * 2 / 10000 / 2 = 5
    expect(q.price.toString()).toBe('50005');
    expect(q.notional.toString()).toBe('500.05');
    expect(q.fee.toString()).toBe('6.0006');
    expect(q.slippageBps).toBe(1);
  });

  it('sells at the bid and rounds adverse prices to the price step', () => {
    const q = quoteMarketFill({ spec: BTC, side: 'sell', quantity: Dec.of('0.01'), mid: Dec.of('100.013'), model: NO_IMPACT });
    if (!q.ok) throw new Error(q.reason);
    // bid = 100.013 - 0.010001300 = 100.0029987 -> floored to 100.00
    expect(q.price.toString()).toBe('100');
  });

  it('uses the live book when given', () => {
    const q = quoteMarketFill({ spec: BTC, side: 'buy', quantity: Dec.of('1'), mid: Dec.of('100'), book: { bid: '99', ask: '101' }, model: NO_IMPACT });
    if (!q.ok) throw new Error(q.reason);
    expect(q.price.toString()).toBe('101');
  });

  it('slippage grows with the square root of size', () => {
    const m = DEFAULT_FILL_MODEL.slippage;
    expect(slippageBps(Dec.of('10000'), m)).toBe(5);
    expect(slippageBps(Dec.of('40000'), m)).toBe(10);
    expect(slippageBps(Dec.of('2500'), m)).toBe(2.5);
    expect(slippageBps(Dec.of('1e9'.replace('1e9', '1000000000000')), m)).toBe(500);
    // a $40k buy at mid 100 (spread 0 via book) pays 10 bps: 100.10
    const q = quoteMarketFill({ spec: BTC, side: 'buy', quantity: Dec.of('400'), mid: Dec.of('100'), book: { bid: '100', ask: '100' }, model: DEFAULT_FILL_MODEL });
    if (!q.ok) throw new Error(q.reason);
    expect(q.price.toString()).toBe('100.1');
    expect(q.slippageBps).toBe(10);
  });

  it('sizes notional orders down to the size step', () => {
    const q = quoteMarketFill({ spec: BTC, side: 'buy', notional: Dec.of('100'), mid: Dec.of('30000'), model: NO_IMPACT });
    if (!q.ok) throw new Error(q.reason);
    // ask 30003; 100 / 30003 = 0.00333300003 -> 0.003333
    expect(q.quantity.toString()).toBe('0.003333');
    expect(q.notional.lte('100')).toBe(true);
  });

  it('refuses sizes off the step or under the minimums, with the product named', () => {
    const a = quoteMarketFill({ spec: BTC, side: 'buy', quantity: Dec.of('0.000000001'), mid: Dec.of('50000'), model: NO_IMPACT });
    expect(a).toMatchObject({ ok: false, code: 'invalid_size' });
    const b = quoteMarketFill({ spec: BTC, side: 'buy', quantity: Dec.of('0.00001'), mid: Dec.of('50000'), model: NO_IMPACT });
    expect(b).toMatchObject({ ok: false, code: 'below_minimum' });
    if (!b.ok) expect(b.reason).toContain('BTC-USD');
    const doge = defaultProductSpec('DOGE-USD');
    expect(limitQuantity(doge, Dec.of('0.1'), Dec.of('10.05'))).toMatchObject({ ok: false, code: 'invalid_size' });
    expect(limitQuantity(BTC, Dec.of('100.001'), Dec.of('1'))).toMatchObject({ ok: false, code: 'invalid_price' });
  });

  it('rests a limit order until a bar crosses it, then fills at the limit as maker', () => {
    const q = Dec.of('0.01');
    const lim = Dec.of('49000');
    expect(limitCrossFill(BTC, 'buy', q, lim, { high: '50100', low: '49000.01' }, NO_IMPACT)).toBeNull();
    const f = limitCrossFill(BTC, 'buy', q, lim, { high: '50100', low: '48000' }, NO_IMPACT);
    expect(f).toMatchObject({ ok: true, liquidity: 'maker' });
    if (f?.ok) {
      expect(f.price.toString()).toBe('49000');
      expect(f.fee.toString()).toBe('2.94'); // 490 * 0.006
    }
    expect(limitCrossFill(BTC, 'sell', q, Dec.of('51000'), { high: '51000', low: '50000' }, NO_IMPACT)).toMatchObject({ ok: true });
  });

  it('executes a marketable limit as taker only within its limit', () => {
    const mid = Dec.of('50000');
    expect(marketableLimitFill(BTC, 'buy', Dec.of('0.01'), Dec.of('50010'), mid, NO_IMPACT)).toMatchObject({ ok: true, liquidity: 'taker' });
    expect(marketableLimitFill(BTC, 'buy', Dec.of('0.01'), Dec.of('50004.99'), mid, NO_IMPACT)).toBeNull();
  });
});

describe('portfolio kernel', () => {
  it('matches a hand-computed buy/sell ledger with profit scraping', () => {
    let p = newPortfolio('1000');
    const buy = quoteMarketFill({ spec: BTC, side: 'buy', quantity: Dec.of('0.01'), mid: Dec.of('50000'), model: NO_IMPACT });
    if (!buy.ok) throw new Error(buy.reason);
    p = applyFill(p, fillOf(buy, 'buy', 'f1'), '0.2').portfolio;
    expect(p.cash).toBe('493.9494');
    expect(p.positions['BTC-USD']).toMatchObject({ quantity: '0.01', costBasis: '506.0506' });

    const sell = quoteMarketFill({ spec: BTC, side: 'sell', quantity: Dec.of('0.004'), mid: Dec.of('52000'), model: NO_IMPACT });
    if (!sell.ok) throw new Error(sell.reason);
    expect(sell.price.toString()).toBe('51994.8');
    const r = applyFill(p, fillOf(sell, 'sell', 'f2', 1), '0.2');
    p = r.portfolio;
    // removed = 506.0506 * 0.004 / 0.01 = 202.42024; realised = 207.9792 - 2.4957504 - 202.42024
    expect(r.realizedPnl.toString()).toBe('3.0632096');
    expect(r.scraped.toString()).toBe('0.61264192');
    expect(p.cash).toBe('698.82020768');
    expect(p.positions['BTC-USD']).toMatchObject({ quantity: '0.006', costBasis: '303.63036' });
    expect(p.totals).toMatchObject({ realizedPnl: '3.0632096', scrapedProfits: '0.61264192', feesPaid: '8.4963504', wins: 1, losses: 0 });

    const v = valuePortfolio(p, { 'BTC-USD': '52000' });
    expect(v.positionsValue).toBe('312');
    expect(v.unrealizedPnl).toBe('8.36964');
    expect(v.equity).toBe('1011.43284960'.replace(/0$/, ''));
    expect(v.positions[0]!.avgEntry).toBe('50605.06');
  });

  it('refuses to overspend cash or sell what is not held', () => {
    const p = newPortfolio('100');
    expect(checkFillable(p, 'BTC-USD', 'buy', Dec.of('1'), Dec.of('99'), Dec.of('1.188'))).toContain('insufficient cash');
    expect(checkFillable(p, 'BTC-USD', 'sell', Dec.of('0.1'), Dec.of('1'), Dec.of('0'))).toContain('no short selling');
  });

  it('keeps cash + scraped + cost basis = initial + realised exactly over random fill sequences', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ side: fc.constantFrom('buy' as const, 'sell' as const), cents: fc.integer({ min: 100, max: 20_000 }), frac: fc.integer({ min: 1, max: 100 }) }), { maxLength: 40 }),
        fc.integer({ min: 0, max: 100 }),
        (steps, scrapePctInt) => {
          let p = newPortfolio('10000');
          const pct = Dec.int(scrapePctInt).div('100').toString();
          steps.forEach((s, i) => {
            const mid = Dec.int(s.cents).div('100');
            const held = Dec.of(p.positions['BTC-USD']?.quantity ?? '0');
            const qty = s.side === 'sell' ? held.mul(Dec.int(s.frac)).div('100').floorTo('0.00000001') : Dec.int(s.frac).div('10');
            if (!qty.isPositive()) return;
            const q = quoteMarketFill({ spec: BTC, side: s.side, quantity: qty, mid, model: DEFAULT_FILL_MODEL });
            if (!q.ok) return;
            if (checkFillable(p, 'BTC-USD', s.side, q.quantity, q.notional, q.fee)) return;
            p = applyFill(p, fillOf(q, s.side, `f${i}`, i), pct).portfolio;
          });
          const basis = Dec.sum(Object.values(p.positions).map((x) => x.costBasis));
          const lhs = Dec.of(p.cash).add(p.totals.scrapedProfits).add(basis);
          expect(lhs.toString()).toBe(Dec.of('10000').add(p.totals.realizedPnl).toString());
          expect(Dec.of(p.cash).isNegative()).toBe(false);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('booked portfolio (parsed values, for the backtest)', () => {
  it('books every fill exactly as applyFill: same strings, key order, P&L and refusals', () => {
    const SYMBOLS = ['BTC-USD', 'ETH-USD'];
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ side: fc.constantFrom('buy' as const, 'sell' as const), sym: fc.integer({ min: 0, max: 1 }), cents: fc.integer({ min: 100, max: 20_000 }), frac: fc.integer({ min: 1, max: 150 }) }),
          { maxLength: 40 },
        ),
        fc.integer({ min: 0, max: 100 }),
        (steps, scrapePctInt) => {
          let p = newPortfolio('10000');
          const b = parsePortfolio(p);
          const pct = Dec.int(scrapePctInt).div('100').toString();
          steps.forEach((s, i) => {
            const symbol = SYMBOLS[s.sym]!;
            const spec = defaultProductSpec(symbol);
            const mid = Dec.int(s.cents).div('100');
            const held = Dec.of(p.positions[symbol]?.quantity ?? '0');
            // frac > 100 sells more than is held: both must refuse it the same way.
            const qty = s.side === 'sell' ? held.mul(Dec.int(s.frac)).div('100').floorTo('0.00000001') : Dec.int(s.frac).div('10');
            if (!qty.isPositive()) return;
            const q = quoteMarketFill({ spec, side: s.side, quantity: qty, mid, model: DEFAULT_FILL_MODEL });
            if (!q.ok) return;
            const why = checkFillable(p, symbol, s.side, q.quantity, q.notional, q.fee);
            expect(checkFillableBooked(b, symbol, s.side, q.quantity, q.notional, q.fee)).toBe(why);
            if (why) return;
            const f = { ...fillOf(q, s.side, `f${i}`, i), symbol };
            const r = applyFill(p, f, pct);
            const rb = applyFillBooked(b, { id: f.id, symbol, side: s.side, quantity: q.quantity, notional: q.notional, fee: q.fee, time: i }, Dec.of(pct));
            p = r.portfolio;
            expect(rb.realizedPnl.toString()).toBe(r.realizedPnl.toString());
            expect(rb.scraped.toString()).toBe(r.scraped.toString());
            expect(JSON.stringify(renderPortfolio(b))).toBe(JSON.stringify(p));
          });
          expect(JSON.stringify(renderPortfolio(parsePortfolio(p)))).toBe(JSON.stringify(p));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuses an impossible fill and leaves the booked portfolio unchanged', () => {
    const b = parsePortfolio(newPortfolio('100'));
    const before = JSON.stringify(renderPortfolio(b));
    expect(() => applyFillBooked(b, { id: 'x', symbol: 'BTC-USD', side: 'buy', quantity: Dec.of('1'), notional: Dec.of('99'), fee: Dec.of('1.188'), time: 0 }, Dec.ZERO)).toThrow(
      'insufficient cash',
    );
    expect(() => applyFillBooked(b, { id: 'x', symbol: 'BTC-USD', side: 'sell', quantity: Dec.of('0.1'), notional: Dec.of('1'), fee: Dec.ZERO, time: 0 }, Dec.ZERO)).toThrow(
      'no short selling',
    );
    expect(JSON.stringify(renderPortfolio(b))).toBe(before);
  });
});

describe('order schema', () => {
  const base = { symbol: 'BTC-USD', side: 'buy', type: 'market', quantity: '0.01', idempotencyKey: 'order-0001', agent: 'user', correlationId: 'c1' };
  it('accepts a well-formed order and refuses malformed ones with the field named', () => {
    expect(PlaceOrderSchema.safeParse(base).success).toBe(true);
    const both = PlaceOrderSchema.safeParse({ ...base, notional: '10' });
    expect(both.success).toBe(false);
    expect(PlaceOrderSchema.safeParse({ ...base, quantity: '-1' }).success).toBe(false);
    expect(PlaceOrderSchema.safeParse({ ...base, quantity: '1e3' }).success).toBe(false);
    expect(PlaceOrderSchema.safeParse({ ...base, quantity: '0' }).success).toBe(false);
    expect(PlaceOrderSchema.safeParse({ ...base, type: 'limit' }).success).toBe(false);
    expect(PlaceOrderSchema.safeParse({ ...base, symbol: 'btc' }).success).toBe(false);
    expect(PlaceOrderSchema.safeParse({ ...base, extra: 1 }).success).toBe(false);
  });
});
