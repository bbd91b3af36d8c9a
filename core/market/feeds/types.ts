/** One interface for every source of market data: Coinbase, a recorded replay, a simulation. */
import type { Bar, Tick, Timeframe } from '../../domain/market';
import type { FeedKind } from '../stream-state';

export interface FeedHealth {
  state: 'ok' | 'degraded' | 'down' | 'idle';
  detail: string;
  /** Source-specific counters (reconnects, gaps, duplicates, malformed, ...). */
  counters: Record<string, number>;
}

export interface FeedSink {
  onTick(t: Tick): void;
  onHealth?(h: FeedHealth): void;
}

export interface MarketFeed {
  readonly kind: FeedKind;
  start(symbols: string[], sink: FeedSink): void;
  setSymbols(symbols: string[]): void;
  stop(): void;
  health(): FeedHealth;
  /** The historical loader: bars in [start, end), oldest first. */
  history(symbol: string, timeframe: Timeframe, start: number, end: number, onProgress?: (loaded: number) => void): Promise<Bar[]>;
}
