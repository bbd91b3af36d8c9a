import { describe, expect, it } from 'vitest';
import { decide, maxMovePct, rsi, signalsFor, type PolicyInput } from './policy';

const rising = (n: number, start = 100, step = 0.5) => Array.from({ length: n }, (_, i) => String(start + i * step));
const base = (over: Partial<PolicyInput> = {}): PolicyInput => ({
  mode: 'standard',
  markets: [{ symbol: 'BTC-USD', price: '110', time: 1 }],
  history: { 'BTC-USD': rising(20) },
  portfolio: { equity: '1000', cash: '1000', positions: [] },
  constraints: {},
  ...over,
});

describe('deterministic policy', () => {
  it('holds while warming up', () => {
    const d = decide(base({ history: { 'BTC-USD': ['100', '101'] } }));
    expect(d.action).toBe('hold');
    expect(d.rationale).toMatch(/warming up/);
  });

  it('computes RSI at the extremes and for a flat series', () => {
    expect(rsi([1, 2, 3, 4])).toBe(100);
    expect(rsi([4, 3, 2, 1])).toBe(0);
    expect(rsi([2, 2, 2])).toBe(50);
  });

  it('prefers the feed features when present', () => {
    const s = signalsFor({ symbol: 'ETH-USD', price: '2000', time: 1, features: { ema12: 2010, ema26: 2000, rsi14: 55 } }, []);
    expect(s).toMatchObject({ source: 'features', rsi: 55 });
    expect(s!.trend).toBeCloseTo(0.005);
  });

  it('buys a moderate uptrend in standard mode, sized at 10% of equity, with an expected edge', () => {
    // a rising series with real pullbacks keeps RSI near 62
    const h = Array.from({ length: 30 }, (_, i) => String(100 + i * 0.1 + (i % 2 === 0 ? 0 : -0.4)));
    const d = decide(base({ history: { 'BTC-USD': h }, markets: [{ symbol: 'BTC-USD', price: '103', time: 1 }] }));
    expect(d.action).toBe('buy');
    if (d.action !== 'buy') return;
    expect(d.notional).toBe('100');
    expect(d.expectedEdgeBps).toBeGreaterThanOrEqual(10);
  });

  it('respects constraints: max order notional and blocked symbols', () => {
    const h = Array.from({ length: 30 }, (_, i) => String(100 + i * 0.1 + (i % 2 === 0 ? 0 : -0.4)));
    const m = [{ symbol: 'BTC-USD', price: '103', time: 1 }];
    const capped = decide(base({ history: { 'BTC-USD': h }, markets: m, constraints: { maxOrderNotional: '25.5' } }));
    expect(capped.action === 'buy' && capped.notional).toBe('25.5');
    expect(decide(base({ history: { 'BTC-USD': h }, markets: m, constraints: { blockedSymbols: ['BTC-USD'] } })).action).toBe('hold');
  });

  it('sells a held position when the trend turns down', () => {
    const falling = Array.from({ length: 20 }, (_, i) => String(120 - i));
    const d = decide(base({ history: { 'BTC-USD': falling }, markets: [{ symbol: 'BTC-USD', price: '100', time: 1 }], portfolio: { equity: '1000', cash: '500', positions: [{ symbol: 'BTC-USD', quantity: '4.5', avgPrice: '110' }] } }));
    expect(d).toMatchObject({ action: 'sell', symbol: 'BTC-USD', quantity: '4.5' });
  });

  it('is deterministic and never spends more than the cash', () => {
    const input = base({ mode: 'aggressive', portfolio: { equity: '1000', cash: '50', positions: [] } });
    const a = decide(input);
    expect(decide(input)).toEqual(a);
    if (a.action === 'buy') expect(Number(a.notional)).toBeLessThanOrEqual(49);
  });

  it('measures the largest move since the last decision', () => {
    expect(maxMovePct([{ symbol: 'BTC-USD', price: '101', time: 0 }], { 'BTC-USD': '100' })).toBeCloseTo(1);
    expect(maxMovePct([{ symbol: 'BTC-USD', price: '101', time: 0 }], {})).toBeNull();
  });
});
