/**
 * Exact decimal arithmetic for money, prices and quantities.
 *
 * Values cross every boundary (workflow state, JSON, SQLite, the UI) as canonical decimal
 * strings; arithmetic happens on `Dec` instances. Floats are never used for money: building
 * a `Dec` from a JS number is refused unless the caller states it is a measured quantity
 * (`Dec.fromMeasured`), e.g. an indicator value.
 *
 * Pure and deterministic: safe to import from Temporal workflows.
 */
import DecimalJs from 'decimal.js';

const D = DecimalJs.clone({ precision: 60, rounding: DecimalJs.ROUND_HALF_EVEN, toExpNeg: -40, toExpPos: 60 });
type DInstance = InstanceType<typeof D>;

/** A canonical decimal string: optional minus, digits, optional fraction. No exponent. */
export const DECIMAL_RE = /^-?(0|[1-9]\d*)(\.\d+)?$/;
const MAX_DIGITS = 60;

export type DecimalString = string;

export type Rounding = 'down' | 'up' | 'half-even' | 'half-up';

const ROUNDING: Record<Rounding, DecimalJs.Rounding> = {
  down: DecimalJs.ROUND_DOWN,
  up: DecimalJs.ROUND_UP,
  'half-even': DecimalJs.ROUND_HALF_EVEN,
  'half-up': DecimalJs.ROUND_HALF_UP,
};

export class DecimalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DecimalError';
  }
}

export class Dec {
  private constructor(private readonly v: DInstance) {}

  static readonly ZERO = new Dec(new D(0));
  static readonly ONE = new Dec(new D(1));

  /** Parse a decimal string such as "1234.5600". Rejects exponents, NaN, Infinity, blanks. */
  static of(value: string | Dec): Dec {
    if (value instanceof Dec) return value;
    if (typeof value !== 'string') throw new DecimalError(`expected a decimal string, got ${typeof value}`);
    const s = value.trim();
    if (!DECIMAL_RE.test(s) && !/^-?\.\d+$/.test(s) && !/^-?\d+\.$/.test(s)) {
      throw new DecimalError(`not a decimal number: ${JSON.stringify(value.slice(0, 40))}`);
    }
    if (s.replace(/[-.]/g, '').length > MAX_DIGITS) throw new DecimalError(`too many digits: ${s.slice(0, 40)}…`);
    return new Dec(new D(s));
  }

  /** Integer constructor for counts and small constants. */
  static int(n: number): Dec {
    if (!Number.isSafeInteger(n)) throw new DecimalError(`not a safe integer: ${n}`);
    return new Dec(new D(n));
  }

  /**
   * From a measured float (an indicator, a ratio from a feed that only speaks floats).
   * Uses the shortest round-trip representation, never binary expansion noise.
   */
  static fromMeasured(n: number): Dec {
    if (!Number.isFinite(n)) throw new DecimalError(`not a finite number: ${n}`);
    return new Dec(new D(String(n)));
  }

  static isDecimalString(s: unknown): s is DecimalString {
    return typeof s === 'string' && DECIMAL_RE.test(s) && s.replace(/[-.]/g, '').length <= MAX_DIGITS;
  }

  static sum(values: Iterable<Dec | string>): Dec {
    let acc = Dec.ZERO;
    for (const v of values) acc = acc.add(v);
    return acc;
  }

  static max(a: Dec | string, b: Dec | string): Dec {
    const x = Dec.of(a);
    const y = Dec.of(b);
    return x.gte(y) ? x : y;
  }

  static min(a: Dec | string, b: Dec | string): Dec {
    const x = Dec.of(a);
    const y = Dec.of(b);
    return x.lte(y) ? x : y;
  }

  add(o: Dec | string): Dec {
    return new Dec(this.v.plus(Dec.of(o).v));
  }
  sub(o: Dec | string): Dec {
    return new Dec(this.v.minus(Dec.of(o).v));
  }
  mul(o: Dec | string): Dec {
    return new Dec(this.v.times(Dec.of(o).v));
  }
  /** Division to 40 significant places, half-even; round to a precision afterwards. */
  div(o: Dec | string): Dec {
    const d = Dec.of(o);
    if (d.isZero()) throw new DecimalError('division by zero');
    return new Dec(this.v.dividedBy(d.v).toSignificantDigits(40, DecimalJs.ROUND_HALF_EVEN));
  }
  neg(): Dec {
    return new Dec(this.v.negated());
  }
  abs(): Dec {
    return new Dec(this.v.abs());
  }

  /** Round to `places` decimal places. */
  round(places: number, mode: Rounding = 'half-even'): Dec {
    return new Dec(this.v.toDecimalPlaces(places, ROUNDING[mode]));
  }

  /** Round down (towards zero) to a multiple of `increment`, e.g. a base increment of 0.00000001. */
  floorTo(increment: Dec | string): Dec {
    const inc = Dec.of(increment);
    if (inc.lte(Dec.ZERO)) throw new DecimalError('increment must be positive');
    return new Dec(this.v.dividedToIntegerBy(inc.v).times(inc.v));
  }

  cmp(o: Dec | string): -1 | 0 | 1 {
    return this.v.comparedTo(Dec.of(o).v) as -1 | 0 | 1;
  }
  eq(o: Dec | string): boolean {
    return this.cmp(o) === 0;
  }
  gt(o: Dec | string): boolean {
    return this.cmp(o) > 0;
  }
  gte(o: Dec | string): boolean {
    return this.cmp(o) >= 0;
  }
  lt(o: Dec | string): boolean {
    return this.cmp(o) < 0;
  }
  lte(o: Dec | string): boolean {
    return this.cmp(o) <= 0;
  }
  isZero(): boolean {
    return this.v.isZero();
  }
  isNegative(): boolean {
    return this.v.isNegative() && !this.v.isZero();
  }
  isPositive(): boolean {
    return this.v.isPositive() && !this.v.isZero();
  }
  /** Number of decimal places in the canonical form. */
  decimalPlaces(): number {
    return this.v.decimalPlaces();
  }

  /** Canonical string: no exponent, no trailing zeros, "-0" normalised to "0". */
  toString(): DecimalString {
    if (this.v.isZero()) return '0';
    return this.v.toFixed();
  }
  /** Fixed number of places (for display and exchange payloads). */
  toFixed(places: number, mode: Rounding = 'half-even'): string {
    const s = this.v.toFixed(places, ROUNDING[mode]);
    return /^-0(\.0+)?$/.test(s) ? s.slice(1) : s;
  }
  /** A float for charts and statistics only; never feed it back into money. */
  toNumber(): number {
    return this.v.toNumber();
  }
  toJSON(): DecimalString {
    return this.toString();
  }
}

/** Shorthand: `dec('1.25')`. */
export const dec = (v: string | Dec): Dec => Dec.of(v);
