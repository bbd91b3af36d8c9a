import { describe, expect, it } from 'vitest';
import { RollingMean, Window } from './types';

/** pandas' roll_mean for one fixed window, written out step by step as the reference. */
function pandasRollingMean(values: number[], n: number): number[] {
  let sum = 0;
  let compAdd = 0;
  let compRemove = 0;
  let same = 0;
  let prev = values[0]!;
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) {
    if (i >= n) {
      const y = -values[i - n]! - compRemove;
      const t = sum + y;
      compRemove = t - sum - y;
      sum = t;
    }
    const v = values[i]!;
    const y = v - compAdd;
    const t = sum + y;
    compAdd = t - sum - y;
    sum = t;
    same = v === prev ? same + 1 : 1;
    prev = v;
    const nobs = Math.min(i + 1, n);
    out.push(nobs < n ? NaN : same >= nobs ? prev : sum / nobs);
  }
  return out;
}

function walk(len: number, seed: number): number[] {
  let x = 30_000;
  let s = seed;
  const out: number[] = [];
  for (let i = 0; i < len; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    // Prices on a 0.01 grid with runs of equal values, as recorded candles have.
    if (s % 5 !== 0) x = Math.round((x + ((s % 2001) - 1000) / 100) * 100) / 100;
    out.push(x);
  }
  return out;
}

describe('RollingMean', () => {
  it('equals the pandas rolling mean bit for bit, including runs of equal values', () => {
    const values = walk(5_000, 7);
    for (const n of [1, 2, 3, 10, 50, 200]) {
      const m = RollingMean.create(n);
      const got = values.map((v) => {
        const pushed = m.push(v);
        expect(Object.is(pushed, m.mean())).toBe(true);
        return m.full ? m.mean() : NaN;
      });
      expect(got, `n=${n}`).toEqual(pandasRollingMean(values, n));
    }
    const flat = RollingMean.create(3);
    for (const v of [0.1, 0.7, 0.7, 0.7]) flat.push(v);
    expect(flat.mean()).toBe(0.7);
    // A run far longer than the window keeps answering the repeated value.
    for (let i = 0; i < 10; i++) {
      const mean = flat.push(0.3);
      if (i >= 2) expect(mean).toBe(0.3);
    }
  });

  it('stays within float rounding of the re-summed window mean', () => {
    const values = walk(3_000, 11);
    const m = RollingMean.create(30);
    const w = new Window(30);
    for (const v of values) {
      m.push(v);
      w.push(v);
      if (w.full) expect(Math.abs(m.mean() - w.mean()) / w.mean()).toBeLessThan(1e-12);
    }
  });

  it('resumes from its JSON state exactly where it stopped', () => {
    const values = walk(2_000, 3);
    const whole = RollingMean.create(20);
    let part = RollingMean.create(20);
    for (let i = 0; i < values.length; i++) {
      whole.push(values[i]!);
      part.push(values[i]!);
      if (i % 97 === 0) part = RollingMean.load(JSON.parse(JSON.stringify(part.save())) as ReturnType<RollingMean['save']>);
      expect(part.mean()).toBe(whole.mean());
    }
  });

  it('loads a checkpoint that holds a bare window by replaying it oldest first', () => {
    const w = new Window(4);
    for (const v of [1, 2, 3, 4, 5, 6]) w.push(v);
    const m = RollingMean.load(w.save());
    expect(m.full).toBe(true);
    expect(m.mean()).toBe(4.5);
    m.push(7);
    expect(m.mean()).toBe(5.5);
  });
});
