/** Deterministic synthetic 1m candles (seeded random walk), identical for both bench pages. */
import type { Ohlcv } from '../core/domain/market';

export function makeBars(n: number, seed = 42): Ohlcv[] {
  let s = seed >>> 0;
  const rnd = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  const out: Ohlcv[] = [];
  let price = 60_000;
  const start = Math.floor(Date.UTC(2024, 0, 1) / 1000);
  for (let i = 0; i < n; i++) {
    const open = price;
    const close = Math.max(1, open * (1 + (rnd() - 0.5) * 0.004));
    const high = Math.max(open, close) * (1 + rnd() * 0.001);
    const low = Math.min(open, close) * (1 - rnd() * 0.001);
    out.push({ time: start + i * 60, open, high, low, close, volume: 1 + rnd() * 20 });
    price = close;
  }
  return out;
}

/** Resolve after the next frame has been produced (rAF, then a task after paint). */
export function afterPaint(): Promise<number> {
  return new Promise((resolve) =>
    requestAnimationFrame(() => {
      const ch = new MessageChannel();
      ch.port1.onmessage = () => resolve(performance.now());
      ch.port2.postMessage(null);
    }),
  );
}

export interface BenchApi {
  ready: Promise<number>;
  /** Push one tick; resolves with ms from push to the painted frame. */
  tick(price: number, timeMs: number): Promise<number>;
  lastTime: number;
}

declare global {
  interface Window {
    __bench?: BenchApi;
  }
}
