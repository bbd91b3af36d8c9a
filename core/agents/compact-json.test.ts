import { describe, expect, it } from 'vitest';
import { compactJson } from './compact-json';

const portfolio = {
  workflowId: 'vigil/execution-ledger/default',
  valuation: { cash: '898.8003902736508', equity: '998.7849902736508', positions: Array.from({ length: 12 }, (_, i) => ({ symbol: `C${i}-USD`, quantity: '0.00166641', avgEntry: '60729.11812', costBasis: '101.1996097263492' })) },
  recentBlocked: Array.from({ length: 40 }, (_, i) => ({ orderId: `ord-${i}`, rule: 'max_order_notional', reason: 'order value 100.00 exceeds the max order value 50' })),
  preferences: { riskLimits: { maxExposurePct: '0.9', maxOrderNotional: '50' }, note: 'x'.repeat(5000) },
};

/** A real `get_portfolio_status` answer with one position and one blocked order (1,898 characters indented). */
const status = JSON.parse(
  '{"workflowId":"vigil/execution-ledger/default","valuation":{"cash":"898.8003902736508","scrapedProfits":"0","positionsValue":"99.9846","tradingEquity":"998.7849902736508","equity":"998.7849902736508","unrealizedPnl":"-1.2150097263492","realizedPnl":"0","feesPaid":"1.1999953722492","positions":[{"symbol":"BTC-USD","quantity":"0.00166641","avgEntry":"60729.11812","costBasis":"101.1996097263492","mark":"60000","marketValue":"99.9846","unrealizedPnl":"-1.2150097263492","realizedPnl":"0","feesPaid":"1.1999953722492"}]},"initialCash":"1000","quoteCurrency":"USD","marks":{"BTC-USD":{"price":"60000","time":1796586900000}},"openOrders":[],"recentBlocked":[{"orderId":"ord-2","symbol":"BTC-USD","side":"buy","type":"market","quantity":null,"notional":"100","limitPrice":null,"rule":"max_order_notional","reason":"order value 100.00 exceeds the max order value 50","at":1796586885632,"agent":"user","correlationId":"c366e4d9-4f32-4325-922d-2d3ee9270943","idempotencyKey":"ui-mxc9g0za-171iv1f1msphjm","expectedEdgeBps":null,"rationale":"manual order from the cockpit"}],"preferences":{"profitScrapePct":"0.2","riskLimits":{"maxPositionNotional":"500","maxExposurePct":"0.9","maxOrderNotional":"50","dailyLossLimit":"100","maxTradesPerDay":100,"lossCooldown":{"losses":3,"minutes":30}},"killSwitch":false,"realLedgerRouting":false},"today":{"orders":1,"pnl":"-1.2150097263492"},"counts":{"fills":1,"blocked":1,"closedTrades":0},"fees":{"taker":"0.012","maker":"0.006","source":"default","pricingTier":null,"at":0},"spreadBps":{"BTC-USD":"2"}}',
) as Record<string, unknown>;

describe('compactJson', () => {
  it('shows a portfolio status with a position and a blocked order whole at the chat limit', () => {
    expect(JSON.stringify(status, null, 1).length).toBeGreaterThan(1500);
    expect(JSON.parse(compactJson(status, 6000))).toEqual(status);
  });

  it('is the plain JSON when it fits', () => {
    expect(compactJson({ a: 1, b: ['x'] })).toBe(JSON.stringify({ a: 1, b: ['x'] }, null, 1));
  });

  it('stays valid JSON within the limit, keeping the figures a reader looks for first', () => {
    const whole = JSON.stringify(portfolio, null, 1);
    expect(whole.length).toBeGreaterThan(1500);
    const text = compactJson(portfolio, 1500);
    expect(text.length).toBeLessThanOrEqual(1500);
    const back = JSON.parse(text) as { workflowId: string; valuation: { cash: string; equity: string; positions: unknown[] }; recentBlocked: unknown[] };
    expect(back.workflowId).toBe(portfolio.workflowId);
    expect(back.valuation.cash).toBe('898.8003902736508');
    expect(back.valuation.equity).toBe('998.7849902736508');
    // The big parts were shortened, and say by how much.
    expect(back.recentBlocked.at(-1)).toMatch(/^… \d+ more$/);
    expect(back.recentBlocked.length).toBeLessThan(40);
    expect(back.valuation.positions[0]).toEqual(portfolio.valuation.positions[0]);
  });

  it('keeps a small position list whole while a long list of blocked orders is shortened', () => {
    const status = { valuation: { cash: '1', positions: [{ symbol: 'BTC-USD', quantity: '0.1' }] }, recentBlocked: Array.from({ length: 30 }, (_, i) => ({ orderId: `ord-${i}`, reason: 'order value 100.00 exceeds the max order value 50' })) };
    const back = JSON.parse(compactJson(status, 600)) as typeof status;
    expect(back.valuation).toEqual(status.valuation);
    expect(back.recentBlocked.length).toBeLessThan(30);
  });

  it('always parses, whatever the size and shape', () => {
    for (const v of [portfolio, Array.from({ length: 5000 }, (_, i) => ({ i, s: 'y'.repeat(50) })), 'z'.repeat(10_000), { deep: { a: { b: { c: { d: { e: { f: 'g'.repeat(3000) } } } } } } }]) {
      for (const max of [200, 800, 1500]) {
        const text = compactJson(v, max);
        expect(() => JSON.parse(text)).not.toThrow();
      }
    }
  });
});
