/**
 * Money, Price and Quantity: immutable exact values with a currency / precision, built from
 * decimal strings. Mixing currencies is an error, not a silent conversion.
 */
import { Dec, DecimalError, type DecimalString, type Rounding } from './decimal';

export const CURRENCY_RE = /^[A-Z0-9]{2,10}$/;

export class Money {
  private constructor(
    readonly amount: Dec,
    readonly currency: string,
  ) {}

  static of(amount: string | Dec, currency: string): Money {
    if (!CURRENCY_RE.test(currency)) throw new DecimalError(`invalid currency code: ${JSON.stringify(currency)}`);
    return new Money(Dec.of(amount), currency);
  }
  static zero(currency: string): Money {
    return Money.of(Dec.ZERO, currency);
  }

  private same(o: Money): void {
    if (o.currency !== this.currency) throw new DecimalError(`currency mismatch: ${this.currency} vs ${o.currency}`);
  }
  add(o: Money): Money {
    this.same(o);
    return new Money(this.amount.add(o.amount), this.currency);
  }
  sub(o: Money): Money {
    this.same(o);
    return new Money(this.amount.sub(o.amount), this.currency);
  }
  mul(f: Dec | string): Money {
    return new Money(this.amount.mul(f), this.currency);
  }
  round(places: number, mode: Rounding = 'half-even'): Money {
    return new Money(this.amount.round(places, mode), this.currency);
  }
  cmp(o: Money): -1 | 0 | 1 {
    this.same(o);
    return this.amount.cmp(o.amount);
  }
  isNegative(): boolean {
    return this.amount.isNegative();
  }
  toJSON(): { amount: DecimalString; currency: string } {
    return { amount: this.amount.toString(), currency: this.currency };
  }
  toString(): string {
    return `${this.amount.toString()} ${this.currency}`;
  }
}

/** A product id such as BTC-USD split into base and quote. */
export interface ProductId {
  base: string;
  quote: string;
}

export const PRODUCT_RE = /^[A-Z0-9]{2,10}-[A-Z0-9]{2,10}$/;

export function parseProduct(symbol: string): ProductId {
  if (!PRODUCT_RE.test(symbol)) throw new DecimalError(`invalid product id ${JSON.stringify(symbol.slice(0, 30))}: expected BASE-QUOTE like BTC-USD`);
  const [base, quote] = symbol.split('-') as [string, string];
  return { base, quote };
}
