import { describe, expect, it } from 'vitest';
import { Dec, dec } from './decimal';
import { Money, parseProduct } from './money';

describe('Dec', () => {
  it('adds without binary float error', () => {
    expect(dec('0.1').add('0.2').toString()).toBe('0.3');
    expect(dec('1000').sub('999.99999999').toString()).toBe('0.00000001');
  });

  it('refuses exponents, NaN, Infinity and junk', () => {
    for (const bad of ['1e5', 'NaN', 'Infinity', '', ' ', '0x10', '1,000', '--1', '1.2.3']) {
      expect(() => Dec.of(bad), bad).toThrow(/not a decimal/);
    }
  });

  it('refuses absurdly long inputs', () => {
    expect(() => Dec.of('1'.repeat(200))).toThrow(/too many digits/);
  });

  it('rounds half-even by default and floors to increments', () => {
    expect(dec('2.5').round(0).toString()).toBe('2');
    expect(dec('3.5').round(0).toString()).toBe('4');
    expect(dec('0.123456789').floorTo('0.0001').toString()).toBe('0.1234');
    expect(dec('-0.00001').round(2).toString()).toBe('0');
  });

  it('divides to 40 significant digits and refuses division by zero', () => {
    expect(dec('1').div('3').toString()).toBe('0.3333333333333333333333333333333333333333');
    expect(() => dec('1').div('0')).toThrow(/division by zero/);
  });

  it('builds from measured floats by shortest representation', () => {
    expect(Dec.fromMeasured(0.1 + 0.2).toString()).toBe('0.30000000000000004');
    expect(() => Dec.fromMeasured(Number.NaN)).toThrow();
  });
});

describe('Money', () => {
  it('refuses to mix currencies', () => {
    expect(() => Money.of('1', 'USD').add(Money.of('1', 'BTC'))).toThrow(/currency mismatch/);
    expect(Money.of('1.5', 'USD').add(Money.of('2.25', 'USD')).toString()).toBe('3.75 USD');
  });
  it('parses product ids', () => {
    expect(parseProduct('BTC-USD')).toEqual({ base: 'BTC', quote: 'USD' });
    expect(() => parseProduct('btc/usd')).toThrow(/BASE-QUOTE/);
  });
});
