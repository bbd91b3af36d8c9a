/**
 * Exact decimal arithmetic for money, prices and quantities.
 *
 * Values cross every boundary (workflow state, JSON, SQLite, the UI) as canonical decimal
 * strings; arithmetic happens on `Dec` instances. Floats are never used for money: building
 * a `Dec` from a JS number is refused unless the caller states it is a measured quantity
 * (`Dec.fromMeasured`), e.g. an indicator value.
 *
 * Representation: a scaled integer (`m / 10^e`, BigInt mantissa, e >= 0). The semantics are
 * those of decimal.js at 60 significant digits, half-even, which this class wrapped before:
 * add/sub/mul are exact whenever the exact result fits 60 digits (always, for money) and fall
 * back to decimal.js otherwise; division is rounded to 60 significant digits and then to 40,
 * half-even, as before; canonical strings are byte-identical. Zero has no sign (decimal.js kept a
 * negative zero, visible only as `toNumber()` returning -0).
 *
 * Pure and deterministic: safe to import from Temporal workflows.
 */
import DecimalJs from 'decimal.js';

const D = DecimalJs.clone({ precision: 60, rounding: DecimalJs.ROUND_HALF_EVEN, toExpNeg: -40, toExpPos: 60 });

/** A canonical decimal string: optional minus, digits, optional fraction. No exponent. */
export const DECIMAL_RE = /^-?(0|[1-9]\d*)(\.\d+)?$/;
const MAX_DIGITS = 60;

export type DecimalString = string;

export type Rounding = 'down' | 'up' | 'half-even' | 'half-up';

export class DecimalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DecimalError';
  }
}

const POW10: bigint[] = [1n];
/** 10^k as a BigInt (cached). */
function pow10(k: number): bigint {
  for (let i = POW10.length; i <= k; i++) POW10.push(POW10[i - 1]! * 10n);
  return POW10[k]!;
}
/** Mantissas below this have at most 60 digits: decimal.js at precision 60 keeps them exactly. */
const LIMIT = pow10(MAX_DIGITS);
const NEG_LIMIT = -LIMIT;
const DIV_DIGITS = 40;
/** `divFloorTo`'s direct path: results under 38 digits, 10^39 the bound on div's rounding. */
const FLOOR_M_LIMIT = pow10(38);
/** Mantissas below this divide by one exactly (no 40-digit rounding). */
const DIV_EXACT = pow10(DIV_DIGITS);
const DIV_GUARD = pow10(39);
/** Integers up to 2^53 - 1 and powers of ten up to 10^22 are exact doubles. */
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MAX_EXACT_POW10 = 22;
const POW10_F: number[] = Array.from({ length: MAX_EXACT_POW10 + 1 }, (_, k) => 10 ** k);
/** `fromMeasured`'s direct path: up to this many decimals, mantissas below 2^50. */
const FAST_MEASURED_PLACES = 12;
const FAST_MEASURED_LIMIT = 2 ** 50;

/**
 * Canonical strings recently parsed, with their values: ledgers and the backtest re-read the same
 * strings (product steps, fee rates, portfolio fields) on every order. Bounded (cleared when
 * full) and invisible in results: a hit returns the value a parse would.
 */
const PARSED = new Map<string, Dec>();
const PARSED_MAX = 1024;
function remember(s: string, d: Dec): void {
  if (PARSED.size >= PARSED_MAX) PARSED.clear();
  PARSED.set(s, d);
}

const TRIM_STEPS = [16, 8, 4, 2, 1];
/** Drops trailing zeros of m / 10^e while e > 0 (the same value, shorter mantissa). */
function trimmed(m: bigint, e: number): [bigint, number] {
  if (m === 0n) return [0n, 0];
  if (e === 0 || m % 10n !== 0n) return [m, e];
  for (const k of TRIM_STEPS) {
    const p = pow10(k);
    while (e >= k && m % p === 0n) {
      m /= p;
      e -= k;
    }
  }
  return [m, e];
}

const NOT_CANONICAL = -2;
/**
 * Whether `s` matches DECIMAL_RE, by a scan (the common case, without a regular expression):
 * the index of its point, -1 when it has none, NOT_CANONICAL when it does not match.
 */
function scanCanonical(s: string): number {
  const n = s.length;
  let i = 0;
  if (n === 0) return NOT_CANONICAL;
  if (s.charCodeAt(0) === 45) {
    i = 1;
    if (n === 1) return NOT_CANONICAL;
  }
  let c = s.charCodeAt(i);
  if (c === 48) i++;
  else if (c >= 49 && c <= 57) {
    i++;
    while (i < n) {
      c = s.charCodeAt(i);
      if (c < 48 || c > 57) break;
      i++;
    }
  } else return NOT_CANONICAL;
  if (i === n) return -1;
  if (s.charCodeAt(i) !== 46 || i + 1 === n) return NOT_CANONICAL;
  const dot = i;
  for (i++; i < n; i++) {
    c = s.charCodeAt(i);
    if (c < 48 || c > 57) return NOT_CANONICAL;
  }
  return dot;
}

const absB = (a: bigint): bigint => (a < 0n ? -a : a);
/** Number of decimal digits of |a| (1 for 0), by binary search over the powers of ten. */
function digitsOf(a: bigint): number {
  const x = a < 0n ? -a : a;
  let hi = 1;
  while (pow10(hi) <= x) hi *= 2;
  let lo = 0; // 10^lo <= x < 10^hi (or x = 0)
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (pow10(mid) <= x) lo = mid;
    else hi = mid;
  }
  return lo + 1;
}

/**
 * Rounds the integer quotient `q` (remainder `r`, divisor `d` > 0, all of q's sign) to an integer
 * after dividing out nothing further: the fraction r/d decides. Returns q adjusted by one unit
 * away from zero when the rounding mode says so.
 */
function roundQuotient(q: bigint, r: bigint, d: bigint, mode: Rounding, negative: boolean): bigint {
  if (r === 0n) return q;
  let up: boolean;
  if (mode === 'down') up = false;
  else if (mode === 'up') up = true;
  else {
    const twice = absB(r) * 2n;
    if (twice > d) up = true;
    else if (twice < d) up = false;
    else up = mode === 'half-up' || (absB(q) & 1n) === 1n;
  }
  if (!up) return q;
  return negative ? q - 1n : q + 1n;
}

function checkPlaces(places: number): void {
  if (!Number.isInteger(places) || places < 0 || places > 1e9) throw new DecimalError(`invalid number of decimal places: ${places}`);
}

export class Dec {
  /** Canonical string, computed on first use. */
  private str: string | undefined;
  /** The value is `m / 10^e`; e >= 0, trailing zeros allowed (canonical form strips them). */
  private constructor(
    private readonly m: bigint,
    private readonly e: number,
  ) {}

  static readonly ZERO = new Dec(0n, 0);
  static readonly ONE = new Dec(1n, 0);

  /** Parse a decimal string such as "1234.5600". Rejects exponents, NaN, Infinity, blanks. */
  static of(value: string | Dec): Dec {
    if (value instanceof Dec) return value;
    if (typeof value !== 'string') throw new DecimalError(`expected a decimal string, got ${typeof value}`);
    const known = PARSED.get(value);
    if (known !== undefined) return known;
    let s = value;
    let dot = scanCanonical(s);
    const canonical = dot !== NOT_CANONICAL;
    if (!canonical) {
      s = value.trim();
      if (!DECIMAL_RE.test(s) && !/^-?\.\d+$/.test(s) && !/^-?\d+\.$/.test(s)) {
        throw new DecimalError(`not a decimal number: ${JSON.stringify(value.slice(0, 40))}`);
      }
      dot = s.indexOf('.');
    }
    const neg = s.charCodeAt(0) === 45; // '-'
    if (s.length - (neg ? 1 : 0) - (dot >= 0 ? 1 : 0) > MAX_DIGITS) throw new DecimalError(`too many digits: ${s.slice(0, 40)}…`);
    const d = Dec.parse(s, neg, dot);
    // A canonical input is its own canonical string unless it carries trailing zeros or is "-0".
    if (canonical && (dot < 0 || s.charCodeAt(s.length - 1) !== 48) && (d.m !== 0n || s === '0')) {
      d.str = s;
      remember(s, d);
    }
    return d;
  }

  /** A checked decimal string (sign, digits, at most one point) to a value, any length. */
  private static parse(s: string, neg: boolean, dot: number): Dec {
    if (dot < 0) return new Dec(BigInt(s), 0);
    const int = s.slice(neg ? 1 : 0, dot);
    const frac = s.slice(dot + 1);
    const m = BigInt((int || '0') + frac);
    return new Dec(neg ? -m : m, frac.length);
  }

  /** Integer constructor for counts and small constants. */
  static int(n: number): Dec {
    if (!Number.isSafeInteger(n)) throw new DecimalError(`not a safe integer: ${n}`);
    return new Dec(BigInt(n), 0);
  }

  /**
   * From a measured float (an indicator, a ratio from a feed that only speaks floats).
   * Uses the shortest round-trip representation, never binary expansion noise.
   */
  static fromMeasured(n: number): Dec {
    if (!Number.isFinite(n)) throw new DecimalError(`not a finite number: ${n}`);
    // Few decimals (prices, sizes): the first k with round(|n| * 10^k) / 10^k === |n| is the
    // shortest round trip, so the same value as the string path below, without the string.
    // Exact because the mantissa stays below 2^50: there the product's rounding error is far
    // below 0.5, and only one k-decimal number can round-trip to n.
    const a = n < 0 ? -n : n;
    for (let k = 0; k <= FAST_MEASURED_PLACES; k++) {
      const scaled = a * POW10_F[k]!;
      if (scaled >= FAST_MEASURED_LIMIT) break;
      const m = Math.round(scaled);
      if (m / POW10_F[k]! === a) {
        if (m === 0) return Dec.ZERO;
        const b = BigInt(m);
        return new Dec(n < 0 ? -b : b, k);
      }
    }
    const s = String(n);
    const x = s.indexOf('e');
    const mant = x < 0 ? s : s.slice(0, x);
    const exp = x < 0 ? 0 : Number(s.slice(x + 1));
    const neg = mant.charCodeAt(0) === 45;
    const dot = mant.indexOf('.');
    const digits = dot < 0 ? mant.slice(neg ? 1 : 0) : mant.slice(neg ? 1 : 0, dot) + mant.slice(dot + 1);
    let m = BigInt(digits);
    let e = (dot < 0 ? 0 : mant.length - dot - 1) - exp;
    if (e < 0) {
      m *= pow10(-e);
      e = 0;
    }
    return new Dec(neg ? -m : m, e);
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

  /** An exact result whose mantissa is only long because of trailing zeros, or null. */
  private static fit(m: bigint, e: number): Dec | null {
    const [tm, te] = trimmed(m, e);
    return tm < LIMIT && tm > NEG_LIMIT ? new Dec(tm, te) : null;
  }

  /** decimal.js, for the rare results longer than 60 digits (rounded to 60, as before). */
  private static slow(op: 'plus' | 'minus' | 'times' | 'dividedToIntegerBy', a: Dec, b: Dec): Dec {
    const r = new D(a.toString())[op](new D(b.toString()));
    const t = r.isZero() ? '0' : r.toFixed();
    return Dec.parse(t, t.charCodeAt(0) === 45, t.indexOf('.'));
  }

  add(o: Dec | string): Dec {
    const b = Dec.of(o);
    // Adding zero (a zero fee, nothing scraped) is the value itself.
    if (b.m === 0n) return this;
    if (this.m === 0n) return b;
    let m: bigint;
    let e = this.e;
    if (e === b.e) m = this.m + b.m;
    else if (e > b.e) m = this.m + b.m * pow10(e - b.e);
    else {
      m = this.m * pow10(b.e - e) + b.m;
      e = b.e;
    }
    if (m >= LIMIT || m <= NEG_LIMIT) return Dec.fit(m, e) ?? Dec.slow('plus', this, b);
    return new Dec(m, m === 0n ? 0 : e);
  }
  sub(o: Dec | string): Dec {
    const b = Dec.of(o);
    if (b.m === 0n) return this;
    let m: bigint;
    let e = this.e;
    if (e === b.e) m = this.m - b.m;
    else if (e > b.e) m = this.m - b.m * pow10(e - b.e);
    else {
      m = this.m * pow10(b.e - e) - b.m;
      e = b.e;
    }
    if (m >= LIMIT || m <= NEG_LIMIT) return Dec.fit(m, e) ?? Dec.slow('minus', this, b);
    return new Dec(m, m === 0n ? 0 : e);
  }
  mul(o: Dec | string): Dec {
    const b = Dec.of(o);
    if (this.m === 0n || b.m === 0n) return Dec.ZERO;
    const m = this.m * b.m;
    if (m >= LIMIT || m <= NEG_LIMIT) return Dec.fit(m, this.e + b.e) ?? Dec.slow('times', this, b);
    return new Dec(m, this.e + b.e);
  }
  /** Division to 40 significant places, half-even; round to a precision afterwards. */
  div(o: Dec | string): Dec {
    const d = Dec.of(o);
    if (d.isZero()) throw new DecimalError('division by zero');
    if (this.m === 0n) return Dec.ZERO;
    // By one (1 + a zero fee rate), short enough to need no rounding: the value itself.
    if (d.m === 1n && d.e === 0 && this.m < DIV_EXACT && this.m > -DIV_EXACT) return this;
    const negative = this.m < 0n !== d.m < 0n;
    const a = absB(this.m);
    const b = absB(d.m);
    // Quotient a/b to 60 significant digits, half-even on the exact remainder (decimal.js
    // divides at precision 60, correctly rounded), then to 40 digits, half-even.
    const dA = digitsOf(a);
    const dB = digitsOf(b);
    if (dA <= DIV_DIGITS && b === pow10(dB - 1)) {
      // By a power of ten (1, 10000 bps, ...): exact, and short enough to need no rounding.
      let e = this.e - d.e + dB - 1;
      let m = a;
      if (e < 0) {
        m *= pow10(-e);
        e = 0;
      }
      return new Dec(negative ? -m : m, e);
    }
    const k = MAX_DIGITS + 1 - (dA - dB);
    const n = k >= 0 ? a * pow10(k) : a;
    const den = k >= 0 ? b : b * pow10(-k);
    const q = n / den;
    const r = n - q * den;
    // q has 61 or 62 digits; drop the extra ones with the remainder as the sticky part.
    const drop = q >= pow10(MAX_DIGITS + 1) ? 2 : 1;
    const unit = pow10(drop);
    let q60 = q / unit;
    const rest = (q - q60 * unit) * den + r;
    const twice = rest * 2n;
    const half = unit * den;
    if (twice > half || (twice === half && (q60 & 1n) === 1n)) q60 += 1n;
    // q60 has 60 digits, or 61 when rounding carried it to 10^60.
    const drop2 = (q60 >= LIMIT ? MAX_DIGITS + 1 : MAX_DIGITS) - DIV_DIGITS;
    const u2 = pow10(drop2);
    const q40 = q60 / u2;
    let m = roundQuotient(q40, q60 - q40 * u2, u2, 'half-even', false);
    const shift = drop - k + drop2;
    // value = m * 10^shift * 10^(d.e - this.e)
    const exp = shift + d.e - this.e;
    if (exp > 0) {
      m *= pow10(exp);
      return new Dec(negative ? -m : m, 0);
    }
    // Up to 40 digits, often with trailing zeros (10 / 4 = 2.5000…): keep the mantissa short so
    // that later products stay on the exact BigInt path.
    const [tm, te] = trimmed(m, -exp);
    return new Dec(negative ? -tm : tm, te);
  }
  /**
   * `this.div(divisor).floorTo(increment)` (an order size: notional / price to the size step), the
   * same value, in one exact integer division when the exact quotient is not within `div`'s
   * 40-digit rounding of the next multiple of `increment`; otherwise through `div` and `floorTo`.
   */
  divFloorTo(divisor: Dec | string, increment: Dec | string): Dec {
    const d = Dec.of(divisor);
    const inc = Dec.of(increment);
    if (this.m > 0n && d.m > 0n && inc.m > 0n) {
      // this / d / inc = (this.m * 10^(d.e + inc.e - this.e)) / (d.m * inc.m)
      let num = this.m;
      let den = d.m * inc.m;
      const shift = d.e + inc.e - this.e;
      if (shift >= 0) num *= pow10(shift);
      else den *= pow10(-shift);
      const q = num / den;
      const m = inc.m === 1n ? q : q * inc.m;
      // div() is off the exact quotient v by at most v * 10^-39, and q * inc (under 38 digits) is
      // exact at 40 digits; so when the next multiple is further than that, div rounds to a value
      // in [q * inc, (q + 1) * inc) and floorTo gives q * inc. The distance (den - r) / den is
      // checked in floats with a factor of 2 to spare, exactly when that is not conclusive.
      if (m < FLOOR_M_LIMIT) {
        const gap = den - (num - q * den);
        const far = Number(gap) / Number(den) > 2e-39 * (Number(q) + 1) || gap * DIV_GUARD > (q + 1n) * den;
        if (far) return m === 0n ? Dec.ZERO : new Dec(m, inc.e);
      }
    }
    return this.div(d).floorTo(inc);
  }

  neg(): Dec {
    return this.m === 0n ? this : new Dec(-this.m, this.e);
  }
  abs(): Dec {
    return this.m < 0n ? new Dec(-this.m, this.e) : this;
  }

  /** Round to `places` decimal places. */
  round(places: number, mode: Rounding = 'half-even'): Dec {
    checkPlaces(places);
    if (places >= this.e) return this;
    const unit = pow10(this.e - places);
    const q = this.m / unit;
    const m = roundQuotient(q, this.m - q * unit, unit, mode, this.m < 0n);
    return new Dec(m, m === 0n ? 0 : places);
  }

  /** Round down (towards zero) to a multiple of `increment`, e.g. a base increment of 0.00000001. */
  floorTo(increment: Dec | string): Dec {
    const inc = Dec.of(increment);
    if (inc.m === 1n) {
      // A power-of-ten step (0.01, 0.00000001, 1): truncate to its places.
      if (this.e <= inc.e) return this;
      const q = this.m / pow10(this.e - inc.e);
      return q === 0n ? Dec.ZERO : new Dec(q, inc.e);
    }
    if (inc.m <= 0n) throw new DecimalError('increment must be positive');
    let q: bigint;
    if (this.e === inc.e) q = this.m / inc.m;
    else if (this.e > inc.e) q = this.m / (inc.m * pow10(this.e - inc.e));
    else q = (this.m * pow10(inc.e - this.e)) / inc.m;
    const m = q * inc.m;
    if (q >= LIMIT || q <= NEG_LIMIT || m >= LIMIT || m <= NEG_LIMIT) return Dec.slow('dividedToIntegerBy', this, inc).mul(inc);
    if (m === this.m && inc.e === this.e) return this; // already a multiple
    return m === 0n ? Dec.ZERO : new Dec(m, inc.e);
  }

  cmp(o: Dec | string): -1 | 0 | 1 {
    const b = Dec.of(o);
    if (b === this) return 0;
    let x = this.m;
    let y = b.m;
    if (this.e > b.e) y *= pow10(this.e - b.e);
    else if (this.e < b.e) x *= pow10(b.e - this.e);
    return x < y ? -1 : x > y ? 1 : 0;
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
    return this.m === 0n;
  }
  isNegative(): boolean {
    return this.m < 0n;
  }
  isPositive(): boolean {
    return this.m > 0n;
  }
  /** Number of decimal places in the canonical form. */
  decimalPlaces(): number {
    if (this.m === 0n) return 0;
    let m = this.m;
    let e = this.e;
    while (e > 0 && m % 10n === 0n) {
      m /= 10n;
      e--;
    }
    return e;
  }

  /** Canonical string: no exponent, no trailing zeros, "-0" normalised to "0". */
  toString(): DecimalString {
    if (this.str !== undefined) return this.str;
    let s: string;
    if (this.m === 0n) s = '0';
    else {
      const neg = this.m < 0n;
      let digits = (neg ? -this.m : this.m).toString();
      const e = this.e;
      if (e > 0) {
        if (digits.length <= e) digits = '0'.repeat(e - digits.length + 1) + digits;
        let end = digits.length;
        const point = end - e;
        while (end > point && digits.charCodeAt(end - 1) === 48) end--;
        digits = end === point ? digits.slice(0, point) : `${digits.slice(0, point)}.${digits.slice(point, end)}`;
      }
      s = neg ? `-${digits}` : digits;
    }
    this.str = s;
    return s;
  }
  /**
   * The canonical string, remembered so that `Dec.of` of this very string returns this value
   * without parsing: for fields that are written as strings and read back on the next call
   * (a portfolio's cash and positions, a fill handed to the kernel).
   */
  toStringKept(): DecimalString {
    const s = this.toString();
    remember(s, this);
    return s;
  }
  /** Fixed number of places (for display and exchange payloads). */
  toFixed(places: number, mode: Rounding = 'half-even'): string {
    const r = this.round(places, mode);
    if (r.m === 0n) return places > 0 ? `0.${'0'.repeat(places)}` : '0';
    const neg = r.m < 0n;
    let digits = (neg ? -r.m : r.m).toString();
    // Bring the scale to exactly `places` (round() leaves shorter scales as they are).
    if (r.e < places) digits += '0'.repeat(places - r.e);
    if (places > 0) {
      if (digits.length <= places) digits = '0'.repeat(places - digits.length + 1) + digits;
      digits = `${digits.slice(0, digits.length - places)}.${digits.slice(digits.length - places)}`;
    }
    return neg ? `-${digits}` : digits;
  }
  /** A float for charts and statistics only; never feed it back into money. */
  toNumber(): number {
    const m = this.m;
    // Both m and 10^e are exact doubles here, so one IEEE division is the correctly rounded
    // value: the same number `Number(this.toString())` parses, without building the string.
    if (this.e <= MAX_EXACT_POW10 && m <= MAX_SAFE && m >= -MAX_SAFE) return Number(m) / POW10_F[this.e]!;
    return Number(this.toString());
  }
  toJSON(): DecimalString {
    return this.toString();
  }
}

/** Shorthand: `dec('1.25')`. */
export const dec = (v: string | Dec): Dec => Dec.of(v);
