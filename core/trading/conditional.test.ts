import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Dec } from '../domain/decimal';
import { newTrailing, stepConditional, type Conditional } from './conditional';
import type { BarPrices as BarOHLC } from '../domain/market';
import { DEFAULT_SLIPPAGE } from './fill';
import type { FillModel, ProductSpec } from './types';

const spec: ProductSpec = { symbol: 'BTC-USD', baseIncrement: '0.00000001', quoteIncrement: '0.01', baseMinSize: '0.00000001', quoteMinSize: '1', spreadBps: '2' };
const model: FillModel = { fees: { taker: '0.012', maker: '0.006' }, slippage: { ...DEFAULT_SLIPPAGE, impactBps: 0 } };
const bar = (open: number, high: number, low: number, close: number): BarOHLC => ({ open: String(open), high: String(high), low: String(low), close: String(close) });
const order = (o: Partial<Conditional>): Conditional => ({ kind: 'stop', side: 'sell', quantity: '0.01', stopPrice: null, limitPrice: null, trail: null, extreme: null, triggered: false, ...o });

describe('stop orders on a bar', () => {
  it('a sell stop the bar trades through fills as a market order from the stop (half the spread below it)', () => {
    const s = stepConditional(order({ stopPrice: '59000' }), bar(60000, 60100, 58800, 59100), spec, model);
    expect(s.filled).toBe(true);
    if (!s.filled) return;
    // 59000 - 1 bp half spread = 58994.10, taker fee 1.2%.
    expect(s.quote).toMatchObject({ liquidity: 'taker' });
    expect(s.quote.price.toString()).toBe('58994.1');
    expect(s.quote.fee.toString()).toBe(Dec.of('589.941').mul('0.012').toString());
    expect(s.gap).toBe(false);
  });

  it('a gap through the stop fills from the open, not the stop', () => {
    const s = stepConditional(order({ stopPrice: '59000' }), bar(57000, 57500, 56500, 57200), spec, model);
    expect(s.filled && s.gap).toBe(true);
    if (s.filled) expect(s.quote.price.toString()).toBe('56994.3');
  });

  it('does nothing when the bar stays above a sell stop; a buy stop mirrors it above the market', () => {
    expect(stepConditional(order({ stopPrice: '59000' }), bar(60000, 60100, 59001, 59500), spec, model)).toMatchObject({ filled: false });
    const buy = stepConditional(order({ side: 'buy', stopPrice: '61000' }), bar(60000, 61200, 59900, 61100), spec, model);
    expect(buy.filled).toBe(true);
    if (buy.filled) expect(buy.quote.price.toString()).toBe('61006.1');
  });

  it('a stop-limit fills at once while its limit allows, else rests and fills on a later bar at its limit', () => {
    const quick = stepConditional(order({ kind: 'stop_limit', stopPrice: '59000', limitPrice: '58900' }), bar(60000, 60000, 58950, 59000), spec, model);
    expect(quick.filled).toBe(true);
    // Gapped below the limit: no fill this bar, it rests as a limit.
    const gapped = stepConditional(order({ kind: 'stop_limit', stopPrice: '59000', limitPrice: '58900' }), bar(58000, 58500, 57900, 58400), spec, model);
    expect(gapped).toMatchObject({ filled: false, triggeredNow: true, next: { triggered: true } });
    if (gapped.filled) return;
    expect(stepConditional(gapped.next, bar(58400, 58800, 58300, 58700), spec, model)).toMatchObject({ filled: false });
    const later = stepConditional(gapped.next, bar(58700, 59100, 58600, 59000), spec, model);
    expect(later.filled).toBe(true);
    if (later.filled) expect(later.quote).toMatchObject({ liquidity: 'maker', price: Dec.of('58900') });
  });

  it('a take-profit is a resting limit: it fills at its price (maker) when the bar reaches it, even on a gap', () => {
    const tp = order({ kind: 'take_profit', limitPrice: '62000' });
    expect(stepConditional(tp, bar(60000, 61999, 59900, 61000), spec, model)).toMatchObject({ filled: false });
    const hit = stepConditional(tp, bar(63000, 63500, 62800, 63200), spec, model);
    expect(hit.filled).toBe(true);
    if (hit.filled) expect(hit.quote).toMatchObject({ price: Dec.of('62000'), liquidity: 'maker' });
  });
});

describe('trailing stops', () => {
  it('follow the best price only after checking the stop it had: a bar’s own high never protects a fall in that bar', () => {
    let o = newTrailing('sell', '0.01', { pct: '0.02' }, Dec.of('60000'), spec);
    expect(o.stopPrice).toBe('58800');
    // Up: the stop moves to 2% under 62000.
    const up = stepConditional(o, bar(60000, 62000, 59900, 61800), spec, model);
    expect(up.filled).toBe(false);
    if (up.filled) return;
    o = up.next;
    expect(o).toMatchObject({ extreme: '62000', stopPrice: '60760' });
    // A bar that spikes to 65000 and falls to 60500: judged against 60760 (from before), it fills.
    const spike = stepConditional(o, bar(61800, 65000, 60500, 60600), spec, model);
    expect(spike.filled).toBe(true);
    if (spike.filled) expect(spike.triggerPrice).toBe('60760');
  });

  it('by an amount, for a buy, trails above the lowest low', () => {
    let o = newTrailing('buy', '0.01', { amount: '500' }, Dec.of('60000'), spec);
    expect(o.stopPrice).toBe('60500');
    const down = stepConditional(o, bar(60000, 60100, 59000, 59200), spec, model);
    if (down.filled) throw new Error('should not fill');
    o = down.next;
    expect(o).toMatchObject({ extreme: '59000', stopPrice: '59500' });
    expect(stepConditional(o, bar(59200, 59600, 59100, 59550), spec, model).filled).toBe(true);
  });
});

describe('no look-ahead', () => {
  it('what happens on a bar depends only on that bar and the ones before it', () => {
    const bars = fc.array(fc.tuple(fc.integer({ min: 50_000, max: 70_000 }), fc.integer({ min: 0, max: 1500 }), fc.integer({ min: 0, max: 1500 }), fc.integer({ min: 0, max: 1000 })), { minLength: 2, maxLength: 40 });
    const kinds = fc.constantFrom<Conditional>(
      order({ stopPrice: '59000' }),
      order({ kind: 'stop_limit', stopPrice: '59000', limitPrice: '58800' }),
      order({ kind: 'take_profit', limitPrice: '62000' }),
      newTrailing('sell', '0.01', { pct: '0.03' }, Dec.of('60000'), spec),
    );
    fc.assert(
      fc.property(kinds, bars, bars, (o, a, b) => {
        const toBar = ([open, up, down, c]: [number, number, number, number]) => bar(open, open + up, open - down, Math.min(open + up, Math.max(open - down, open - down + c)));
        const run = (series: BarOHLC[]) => {
          const trace: string[] = [];
          let cur = o;
          for (const x of series) {
            const s = stepConditional(cur, x, spec, model);
            trace.push(s.filled ? `fill ${s.quote.price.toString()}` : `${s.next.stopPrice}/${String(s.next.triggered)}`);
            if (s.filled) break;
            cur = s.next;
          }
          return trace;
        };
        // The same first bars followed by different futures: identical decisions over the shared part.
        const cut = Math.min(a.length, b.length) - 1;
        const head = a.slice(0, cut).map(toBar);
        const ta = run([...head, ...a.slice(cut).map(toBar)]);
        const tb = run([...head, ...b.slice(cut).map(toBar)]);
        expect(ta.slice(0, Math.min(cut, ta.length, tb.length))).toEqual(tb.slice(0, Math.min(cut, ta.length, tb.length)));
      }),
      { numRuns: 300 },
    );
  });
});
