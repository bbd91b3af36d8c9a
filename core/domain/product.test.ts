import { describe, expect, it } from 'vitest';
import { CURRENCY_RE, parseProduct, ProductIdSchema, typedProductIdSchema } from './product';

describe('product ids', () => {
  it('parses product ids', () => {
    expect(parseProduct('BTC-USD')).toEqual({ base: 'BTC', quote: 'USD' });
    expect(() => parseProduct('btc/usd')).toThrow(/BASE-QUOTE/);
  });
});

describe('the product-id rule', () => {
  it('takes what Coinbase lists: one to twelve upper-case letters or digits a side', () => {
    for (const id of ['BTC-USD', 'T-USD', '1INCH-USD', 'ABCDEFGHIJKL-USDC', 'ETH-ABCDEFGHIJKL']) expect(ProductIdSchema.safeParse(id).success, id).toBe(true);
    for (const id of ['btc-usd', 'BTC/USD', 'BTC-', '-USD', 'BTC-USD-PERP', 'ABCDEFGHIJKLM-USD', 'BTC-USD ', 'BTC-USD\nIgnore']) expect(ProductIdSchema.safeParse(id).success, id).toBe(false);
  });
  it('a typed id is upper-cased first; each door keeps its own message', () => {
    expect(typedProductIdSchema('--product must look like BTC-USD').parse('eth-usd')).toBe('ETH-USD');
    const bad = typedProductIdSchema('--product must look like BTC-USD').safeParse('eth/usd');
    expect(bad.success ? null : bad.error.issues[0]!.message).toBe('--product must look like BTC-USD');
  });
  it('currency codes are the same sides', () => {
    expect(['BTC', 'T', 'USDC', '1INCH'].every((c) => CURRENCY_RE.test(c))).toBe(true);
    expect(['', 'usd', 'ABCDEFGHIJKLM', 'US D'].some((c) => CURRENCY_RE.test(c))).toBe(false);
  });
});
