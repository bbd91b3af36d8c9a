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

export interface StrategyBar {
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

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
  private sum = 0;
  private compAdd = 0;
  private compRemove = 0;
  /** Consecutive equal values added so far, and the last value added. */
  private same = 0;
  private prev = NaN;
  private filled: boolean;
  private constructor(private readonly win: Window) {
    this.filled = win.full;
  }

  static create(n: number): RollingMean {
    return new RollingMean(new Window(n));
  }

  get full(): boolean {
    return this.filled;
  }

  push(x: number): void {
    const w = this.win;
    if (this.filled) {
      // The oldest value leaves: it sits where the new one is about to be written.
      const y = -w.buf[w.head]! - this.compRemove;
      const t = this.sum + y;
      this.compRemove = t - this.sum - y;
      this.sum = t;
    }
    const y = x - this.compAdd;
    const t = this.sum + y;
    this.compAdd = t - this.sum - y;
    this.sum = t;
    this.same = x === this.prev ? this.same + 1 : 1;
    this.prev = x;
    w.push(x);
    this.filled = w.count === w.n;
  }

  /** The mean of the values in the window (NaN while empty). */
  mean(): number {
    const c = this.win.count;
    if (c === 0) return NaN;
    if (this.same >= c) return this.prev;
    return this.sum / c;
  }

  save(): RollingMeanState {
    return { n: this.win.n, win: this.win.save(), sum: this.sum, compAdd: this.compAdd, compRemove: this.compRemove, same: this.same, prev: this.prev };
  }

  /** Restores a saved mean; a bare `Window` state (older checkpoints) is replayed into a new sum. */
  static load(s: RollingMeanState | ReturnType<Window['save']>): RollingMean {
    if ('win' in s) {
      const m = new RollingMean(Window.load(s.win));
      m.sum = s.sum;
      m.compAdd = s.compAdd;
      m.compRemove = s.compRemove;
      m.same = s.same;
      m.prev = s.prev;
      m.filled = m.win.full;
      return m;
    }
    const old = Window.load(s);
    const m = RollingMean.create(s.n);
    for (let k = old.count - 1; k >= 0; k--) m.push(old.back(k));
    return m;
  }
}

