import { describe, expect, it } from 'vitest';
import { fmtDec, fmtMoney, fmtPct, fmtQty, fmtSigned, sign } from './format';

describe('format', () => {
  it('formats decimal strings without float noise', () => {
    expect(fmtDec('1234567.125')).toBe('1,234,567.12');
    expect(fmtDec('0.1')).toBe('0.10');
    expect(fmtDec('-0.004')).toBe('0.00');
    expect(fmtDec('-12.5', 0)).toBe('-12');
    expect(fmtDec('100000000000000000000.01')).toBe('100,000,000,000,000,000,000.01');
    expect(fmtDec(null)).toBe('—');
  });
  it('money, signs, quantities, ratios', () => {
    expect(fmtMoney('-5.5')).toBe('-$5.50');
    expect(fmtMoney('3', 'EUR')).toBe('3.00 EUR');
    expect(fmtSigned('2')).toBe('+2.00');
    expect(fmtSigned('0')).toBe('0.00');
    expect(sign('-0.01')).toBe(-1);
    expect(sign('0')).toBe(0);
    expect(fmtQty('0.00150000')).toBe('0.0015');
    expect(fmtQty('12')).toBe('12');
    expect(fmtPct(0.1234)).toBe('12.34%');
    expect(fmtPct(null)).toBe('—');
  });

  it('formats a decimal-string share exactly as a percentage', () => {
    expect(fmtPct('0.1234')).toBe('12.34%');
    expect(fmtPct('0.000000000005', 2)).toBe('0.00%');
    expect(fmtPct('-0.5', 0)).toBe('-50%');
    expect(fmtPct('not a number')).toBe('—');
  });
});
