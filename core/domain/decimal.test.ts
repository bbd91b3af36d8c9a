import DecimalJs from 'decimal.js';
import { describe, expect, it } from 'vitest';
import { DECIMAL_RE, Dec, dec, type Rounding } from './decimal';

describe('Dec', () => {
  it('adds without binary float error', () => {
    expect(dec('0.1').add('0.2').toString()).toBe('0.3');
    expect(dec('1000').sub('999.99999999').toString()).toBe('0.00000001');
  });

  it('refuses exponents, NaN, Infinity and junk', () => {
    for (const bad of ['1e5', 'NaN', 'Infinity', '', ' ', '0x10', '1,000', '--1', '1.2.3', '01', '-', '.', '-.', '+1', '1.2.', '-01.5', '1 2']) {
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

/** The reference semantics: decimal.js at 60 significant digits, half-even (Dec's contract). */
const R = DecimalJs.clone({ precision: 60, rounding: DecimalJs.ROUND_HALF_EVEN, toExpNeg: -40, toExpPos: 60 });
type RD = InstanceType<typeof R>;
const RMODE: Record<Rounding, DecimalJs.Rounding> = { down: DecimalJs.ROUND_DOWN, up: DecimalJs.ROUND_UP, 'half-even': DecimalJs.ROUND_HALF_EVEN, 'half-up': DecimalJs.ROUND_HALF_UP };
const canon = (d: RD): string => (d.isZero() ? '0' : d.toFixed());

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return s / 4294967296;
  };
}

/** Random decimal strings: money-like sizes, long fractions, up to 60 digits, ties and zeros. */
function randomDecimal(r: () => number): string {
  const kind = r();
  if (kind < 0.05) return ['0', '1', '-1', '0.5', '-0.5', '2.5', '0.00000001', '100000000'][Math.floor(r() * 8)]!;
  const total = kind < 0.7 ? 1 + Math.floor(r() * 20) : 1 + Math.floor(r() * 60);
  const places = Math.floor(r() * Math.min(total, kind < 0.7 ? 12 : 60));
  let digits = '';
  for (let i = 0; i < total; i++) digits += String(Math.floor(r() * 10));
  if (r() < 0.2) digits = digits.slice(0, Math.max(1, digits.length - 3)) + '500'.slice(0, Math.min(3, digits.length - 1));
  let int = digits.slice(0, total - places).replace(/^0+/, '') || '0';
  let frac = digits.slice(total - places);
  if (r() < 0.3) frac = frac.replace(/0+$/, '');
  if (r() < 0.1) int = '0';
  const s = frac ? `${int}.${frac}` : int;
  return r() < 0.4 && /[1-9]/.test(s) ? `-${s}` : s;
}

describe('Dec matches decimal.js at precision 60 (its contract)', () => {
  it('on every operation over random and edge inputs', () => {
    const r = rng(20261128);
    const modes: Rounding[] = ['down', 'up', 'half-even', 'half-up'];
    for (let i = 0; i < 5_000; i++) {
      const a = randomDecimal(r);
      const b = randomDecimal(r);
      const x = Dec.of(a);
      const y = Dec.of(b);
      const ra = new R(a);
      const rb = new R(b);
      const ctx = `${a} ${b}`;
      expect(x.toString(), ctx).toBe(canon(ra));
      expect(x.add(y).toString(), `add ${ctx}`).toBe(canon(ra.plus(rb)));
      expect(x.sub(y).toString(), `sub ${ctx}`).toBe(canon(ra.minus(rb)));
      expect(x.mul(y).toString(), `mul ${ctx}`).toBe(canon(ra.times(rb)));
      if (!rb.isZero()) expect(x.div(y).toString(), `div ${ctx}`).toBe(canon(ra.dividedBy(rb).toSignificantDigits(40, DecimalJs.ROUND_HALF_EVEN)));
      expect(x.cmp(y), `cmp ${ctx}`).toBe(ra.comparedTo(rb));
      const places = Math.floor(r() * 14);
      const mode = modes[Math.floor(r() * 4)]!;
      expect(x.round(places, mode).toString(), `round ${a} ${places} ${mode}`).toBe(canon(ra.toDecimalPlaces(places, RMODE[mode])));
      const fixed = ra.toFixed(places, RMODE[mode]);
      expect(x.toFixed(places, mode), `toFixed ${a} ${places} ${mode}`).toBe(/^-0(\.0+)?$/.test(fixed) ? fixed.slice(1) : fixed);
      expect(x.decimalPlaces(), `dp ${a}`).toBe(ra.decimalPlaces());
      expect(x.toNumber(), `toNumber ${a}`).toBe(ra.isZero() ? 0 : ra.toNumber());
      expect([x.isZero(), x.isNegative(), x.isPositive()], a).toEqual([ra.isZero(), ra.isNegative() && !ra.isZero(), ra.isPositive() && !ra.isZero()]);
      const inc = ['0.00000001', '0.01', '0.1', '1', '5', '0.25', '0.0001'][Math.floor(r() * 7)]!;
      expect(x.floorTo(inc).toString(), `floorTo ${a} ${inc}`).toBe(canon(ra.dividedToIntegerBy(inc).times(inc)));
      const f = (r() - 0.5) * 10 ** Math.floor(r() * 40 - 20);
      expect(Dec.fromMeasured(f).toString(), `fromMeasured ${f}`).toBe(canon(new R(String(f))));
    }
  });

  it('takes measured floats with few decimals (prices, sizes) to the same value as their shortest string', () => {
    const r = rng(20261128);
    const fixed = [0, -0, 1, -1, 0.1, 0.5, 19881.08, 0.07, 1e-12, 3e-13, 123456.123456, 2 ** 50 - 1, 2 ** 50, 2 ** 50 + 2, 1125899906842.624, 0.000001, 1e-7];
    const values: number[] = [...fixed, ...fixed.map((x) => -x)];
    for (let i = 0; i < 100_000; i++) {
      const places = Math.floor(r() * 14);
      const digits = 1 + Math.floor(r() * 16);
      const m = Math.floor(r() * 10 ** digits);
      const x = Number(`${m}e-${places}`);
      values.push(r() < 0.5 ? x : -x);
      values.push(x * (1 + (r() - 0.5) * 1e-3)); // and a nearby full-precision float
    }
    for (const f of values) expect(Dec.fromMeasured(f).toString(), `fromMeasured ${f}`).toBe(canon(new R(String(f))));
  });

  it('divFloorTo equals div then floorTo, including quotients a hair below a multiple', () => {
    const r = rng(7);
    const incs = ['0.00000001', '0.01', '1', '5', '0.25', '0.0001', '0.000001', '100'];
    const num = () => {
      const digits = String(Math.floor(r() * 2 ** 53)).slice(0, 1 + Math.floor(r() * 16));
      const places = Math.floor(r() * 12);
      return digits.length > places ? `${digits.slice(0, digits.length - places)}.${digits.slice(digits.length - places)}`.replace(/\.?0+$/, '') || '0' : `0.${digits.padStart(places, '0')}`.replace(/\.?0+$/, '') || '0';
    };
    const cases: [string, string, string][] = [
      // exact multiples, and quotients 10^-41 and 10^-30 below one: the first is rounded up by div
      ['10', '4', '0.25'],
      [Dec.of('3').sub('0.' + '0'.repeat(40) + '3').toString(), '1', '1'],
      [Dec.of('3').sub('0.' + '0'.repeat(29) + '3').toString(), '1', '1'],
      [Dec.of('990.0990099').mul('10.5').sub('0.' + '0'.repeat(45) + '1').toString(), '10.5', '0.00000001'],
      ['0', '7', '0.01'],
      ['-12.5', '3', '0.01'],
      ['1' + '0'.repeat(45), '3', '0.00000001'],
    ];
    for (let i = 0; i < 50_000; i++) {
      const d = num();
      if (Dec.of(d).isZero()) continue;
      cases.push([num(), d, incs[Math.floor(r() * incs.length)]!]);
      // a dividend one unit of its last place away from an exact multiple of d * inc
      const inc = incs[Math.floor(r() * incs.length)]!;
      const exact = Dec.of(d).mul(inc).mul(String(1 + Math.floor(r() * 1e6)));
      const unit = '0.' + '0'.repeat(Math.floor(r() * 45)) + '1';
      cases.push([exact.sub(unit).toString(), d, inc], [exact.add(unit).toString(), d, inc]);
    }
    for (const [a, d, inc] of cases) {
      expect(Dec.of(a).divFloorTo(d, inc).toString(), `${a} / ${d} to ${inc}`).toBe(Dec.of(a).div(d).floorTo(inc).toString());
    }
    // 10^-41 below 3: div rounds up to 3 and so does divFloorTo (not the exact floor, 2)
    expect(Dec.of(cases[1]![0]).divFloorTo('1', '1').toString()).toBe('3');
    expect(Dec.of(cases[2]![0]).divFloorTo('1', '1').toString()).toBe('2');
  });

  it('converts to the float that parsing its string gives (the direct path for short mantissas)', () => {
    const r = rng(20261129);
    const cases = ['0', '1', '-1', '0.1', '0.3', '9007199254740991', '-9007199254740991', '9007199254740992', '0.9007199254740991', '1e-22', '123456789.12345678'];
    for (let i = 0; i < 20_000; i++) {
      const digits = String(Math.floor(r() * 2 ** 53)).slice(0, 1 + Math.floor(r() * 17));
      const places = Math.floor(r() * 26);
      const int = digits.length > places ? digits.slice(0, digits.length - places) : '0';
      const frac = digits.length > places ? digits.slice(digits.length - places) : digits.padStart(places, '0');
      const s = places > 0 ? `${int}.${frac}` : int;
      cases.push(r() < 0.5 ? s : `-${s}`);
    }
    for (const c of cases) {
      if (!DECIMAL_RE.test(c)) continue;
      const x = Dec.of(c);
      expect(x.toNumber(), c).toBe(Number(x.toString()));
      // Unnormalised mantissas (trailing zeros kept by arithmetic) give the same float.
      expect(x.mul('1.000').toNumber(), c).toBe(Number(x.toString()));
      expect(x.div('4').toNumber(), c).toBe(Number(x.div('4').toString()));
    }
  });

  it('rounds results longer than 60 digits and division ties as decimal.js does', () => {
    const big = '9'.repeat(60);
    const cases: [string, string][] = [
      [big, '1'],
      [big, big],
      ['0.' + '1'.repeat(59), '1' + '0'.repeat(40)],
      ['1' + '0'.repeat(59), '0.' + '0'.repeat(30) + '1'],
      ['1' + '2'.repeat(59), '3'],
      ['2' + '0'.repeat(58) + '5', '2'],
      ['1' + '0'.repeat(39) + '5', '1'],
      ['1' + '0'.repeat(38) + '15', '10'],
      ['123456789012345678901234567890123456789012345', '0.001'],
    ];
    for (const [a, b] of cases) {
      for (const [p, q] of [[a, b], [b, a], [`-${a}`, b]] as const) {
        const x = Dec.of(p);
        const ra = new R(p);
        const rb = new R(q);
        expect(x.add(q).toString(), `add ${p} ${q}`).toBe(canon(ra.plus(rb)));
        expect(x.sub(q).toString(), `sub ${p} ${q}`).toBe(canon(ra.minus(rb)));
        expect(x.mul(q).toString(), `mul ${p} ${q}`).toBe(canon(ra.times(rb)));
        expect(x.div(q).toString(), `div ${p} ${q}`).toBe(canon(ra.dividedBy(rb).toSignificantDigits(40, DecimalJs.ROUND_HALF_EVEN)));
        expect(x.floorTo(q.replace('-', '')).toString(), `floorTo ${p} ${q}`).toBe(canon(ra.dividedToIntegerBy(rb.abs()).times(rb.abs())));
      }
    }
    expect(Dec.fromMeasured(1e300).add('1').toString()).toBe(canon(new R('1e300').plus(1)));
  });

  it('keeps the accepted input forms and canonical output', () => {
    expect(Dec.of('-.5').toString()).toBe('-0.5');
    expect(Dec.of('5.').toString()).toBe('5');
    expect(Dec.of(' 1.2500 ').toString()).toBe('1.25');
    expect(Dec.of('-0').toString()).toBe('0');
    expect(Dec.of('-0.000').isNegative()).toBe(false);
    expect(Dec.of('0.5').neg().toJSON()).toBe('-0.5');
    expect(Dec.fromMeasured(1e21).toString()).toBe('1000000000000000000000');
    expect(Dec.fromMeasured(-1.5e-7).toString()).toBe('-0.00000015');
    expect(() => Dec.of('1').round(-1)).toThrow(/decimal places/);
    const kept = dec('1.25').mul('3.10');
    expect(kept.toStringKept()).toBe('3.875');
    expect(Dec.of('3.875')).toBe(kept);
    expect(Dec.of(' 3.875').toString()).toBe('3.875');
  });
});
