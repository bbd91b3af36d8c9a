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
