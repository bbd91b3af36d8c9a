import { describe, expect, it } from 'vitest';
import { isProtectiveExit, orderTerms } from './terms';

describe('orderTerms', () => {
  it('says what each order type does, with its prices', () => {
    expect(orderTerms({ side: 'BUY', orderType: 'market', limitPrice: null })).toBe('at market');
    expect(orderTerms({ side: 'BUY', orderType: 'limit', limitPrice: '50000' })).toBe('limit 50000');
    expect(orderTerms({ side: 'SELL', orderType: 'stop_limit', limitPrice: '47900', stopPrice: '48000' })).toBe('stop-limit: when the price falls to 48000, a limit sell at 47900 (not below)');
    expect(orderTerms({ side: 'BUY', orderType: 'stop_limit', limitPrice: '51100', stopPrice: '51000' })).toBe('stop-limit: when the price rises to 51000, a limit buy at 51100 (not above)');
    expect(orderTerms({ side: 'SELL', orderType: 'bracket', limitPrice: '55000', stopPrice: '45000' })).toMatch(/^bracket exit: take profit at 55000, stop at 45000/);
  });

  it('only stop-limit and bracket sells are protective exits', () => {
    expect(isProtectiveExit({ side: 'SELL', orderType: 'stop_limit' })).toBe(true);
    expect(isProtectiveExit({ side: 'SELL', orderType: 'bracket' })).toBe(true);
    expect(isProtectiveExit({ side: 'BUY', orderType: 'stop_limit' })).toBe(false);
    expect(isProtectiveExit({ side: 'SELL', orderType: 'limit' })).toBe(false);
    expect(isProtectiveExit({ side: 'SELL', orderType: 'market' })).toBe(false);
  });
});
