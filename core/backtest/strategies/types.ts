/**
 * The strategy contract of the backtest engine. A strategy is an incremental state machine: the
 * engine hands it ONE closed bar at a time as plain numbers and never the arrays, so it cannot
 * read a bar that has not closed yet (no look-ahead by construction, and proved in engine.test.ts
 * by perturbing the future). Its answer is a target exposure for its symbol: the fraction (0..1)
 * of the symbol's allocation it wants held, or NaN for "no change". The order that follows fills
 * at the NEXT bar's open.
 *
 * Indicator math is float (statistics, not money); it never books anything. State must be
 * JSON-able (`save()`), so a backtest resumed from a checkpoint continues bit-for-bit.
 */
import type { z } from 'zod';

/**
 * A strategy's answer meaning "ask me again outside the bar loop": the engine finishes the step,
 * stops, and the runner obtains the target asynchronously (a model call) and hands it over with
 * `engine.answer()`. The order still fills at the next bar's open, as an immediate answer would.
 */
export const DEFER = Number.NEGATIVE_INFINITY;

export interface Strategy {
  /**
   * One closed bar. `exposure` is what is held now as a fraction of the allocation (at the bar's
   * close). Returns the target fraction in [0, 1], NaN to leave the position as it is, or DEFER.
   */
  onBar(time: number, open: number, high: number, low: number, close: number, volume: number, exposure: number): number;
  /** Plain-JSON state for checkpoints. */
  save(): unknown;
}

export interface StrategyDef<P extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  params: P;
  create(params: z.output<P>, saved?: unknown): Strategy;
}

/** A fixed-size window of the last `n` values, as a ring over a Float64Array. */
export class Window {
  readonly buf: Float64Array;
  count = 0;
  head = 0;
  constructor(readonly n: number) {
    this.buf = new Float64Array(n);
  }
  push(x: number): void {
    this.buf[this.head] = x;
    this.head = this.head + 1 === this.n ? 0 : this.head + 1;
    if (this.count < this.n) this.count++;
  }
  get full(): boolean {
    return this.count === this.n;
  }
  /**
   * Mean of the window, summed afresh each call (n adds): no running-sum drift over millions of
   * bars, and a resumed run computes exactly what an uninterrupted one does.
   */
  mean(): number {
    let s = 0;
    for (let i = 0; i < this.count; i++) s += this.buf[i]!;
    return s / this.count;
  }
  max(): number {
    let m = -Infinity;
    for (let i = 0; i < this.count; i++) if (this.buf[i]! > m) m = this.buf[i]!;
    return m;
  }
  min(): number {
    let m = Infinity;
    for (let i = 0; i < this.count; i++) if (this.buf[i]! < m) m = this.buf[i]!;
    return m;
  }
  /** The k-th most recent value (0 = newest). */
  back(k: number): number {
    return this.buf[(this.head - 1 - k + 2 * this.n) % this.n]!;
  }
  save(): { n: number; count: number; head: number; buf: number[] } {
    return { n: this.n, count: this.count, head: this.head, buf: Array.from(this.buf) };
  }
  static load(s: { n: number; count: number; head: number; buf: number[] }): Window {
    const w = new Window(s.n);
    w.buf.set(s.buf);
    w.count = s.count;
    w.head = s.head;
    return w;
  }
}

export interface RollingMeanState {
  n: number;
  win: ReturnType<Window['save']>;
  sum: number;
  compAdd: number;
  compRemove: number;
  same: number;
  prev: number;
}

/**
 * Mean of the last `n` values kept as a running, Kahan-compensated sum: O(1) per value instead of
 * re-summing the window. It follows pandas' rolling mean (pandas/_libs/window/aggregations.pyx
 * `roll_mean`) operation for operation: the value leaving the window is removed with its own
 * compensation term before the new one is added with another; when the last `n` values added
 * were all equal the mean is that value. The results are therefore bit-identical to
 * `Series.rolling(n).mean()`, which is what the backtesting.py peer uses. (Inputs are finite
 * prices: NaN handling and the sign checks pandas applies to negative inputs do not arise.)
 *
 * The running terms are part of `save()`, so a resumed run continues bit-for-bit.
 */
export class RollingMean {
  // State in typed arrays rather than fields: a double stored in a field is a boxed heap number
  // behind a pointer, and this is the per-bar hot path of every SMA strategy.
  /** [sum, compAdd, compRemove, prev]: the running sum, its two compensation terms, the last value. */
  private readonly f = new Float64Array(4);
  /** [head, count, same]: ring position, values held, consecutive equal values added. */
  private readonly k = new Int32Array(3);
  private readonly buf: Float64Array;
  private readonly n: number;
  private constructor(n: number) {
    this.n = n;
    this.buf = new Float64Array(n);
    this.f[3] = NaN;
  }

  static create(n: number): RollingMean {
    return new RollingMean(n);
  }

  get full(): boolean {
    return this.k[1] === this.n;
  }

  /** Adds a value; returns the new mean (what `mean()` returns next), read from the locals at hand. */
  push(x: number): number {
    const f = this.f;
    const k = this.k;
    const buf = this.buf;
    const n = this.n;
    const head = k[0]!;
    let count = k[1]!;
    let sum = f[0]!;
    if (count === n) {
      // The oldest value leaves: it sits where the new one is about to be written.
      const y = -buf[head]! - f[2]!;
      const t = sum + y;
      f[2] = t - sum - y;
      sum = t;
    } else k[1] = ++count;
    const y = x - f[1]!;
    const t = sum + y;
    f[1] = t - sum - y;
    f[0] = t;
    // Capped at n (all the test below needs: same >= count, count <= n), so it never overflows.
    const prevSame = k[2]!;
    const same = x !== f[3] ? 1 : prevSame < n ? prevSame + 1 : n;
    k[2] = same;
    f[3] = x;
    buf[head] = x;
    k[0] = head + 1 === n ? 0 : head + 1;
    return same >= count ? x : t / count;
  }

  /** The mean of the values in the window (NaN while empty). */
  mean(): number {
    const c = this.k[1]!;
    if (c === 0) return NaN;
    if (this.k[2]! >= c) return this.f[3]!;
    return this.f[0]! / c;
  }

  save(): RollingMeanState {
    const k = this.k;
    const f = this.f;
    return {
      n: this.n,
      win: { n: this.n, count: k[1]!, head: k[0]!, buf: Array.from(this.buf) },
      sum: f[0]!,
      compAdd: f[1]!,
      compRemove: f[2]!,
      same: k[2]!,
      prev: f[3]!,
    };
  }

  /** Restores a saved mean; a bare `Window` state (older checkpoints) is replayed into a new sum. */
  static load(s: RollingMeanState | ReturnType<Window['save']>): RollingMean {
    if ('win' in s) {
      const m = new RollingMean(s.win.n);
      m.buf.set(s.win.buf);
      m.k[0] = s.win.head;
      m.k[1] = s.win.count;
      m.k[2] = s.same;
      m.f[0] = s.sum;
      m.f[1] = s.compAdd;
      m.f[2] = s.compRemove;
      m.f[3] = s.prev;
      return m;
    }
    const old = Window.load(s);
    const m = RollingMean.create(s.n);
    for (let j = old.count - 1; j >= 0; j--) m.push(old.back(j));
    return m;
  }
}

