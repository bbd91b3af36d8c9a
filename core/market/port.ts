/**
 * What the market activities need from the host: the feed manager owns live connections and the
 * historical loaders; activities only ask. Kept as an interface so activity tests can pass a
 * small in-memory implementation and the workflow side imports no host code.
 */
import type { Bar, Timeframe } from '../domain/market';
import type { FeedHealthView, FeedKind } from './stream-state';

export interface EnsureFeedRequest {
  symbols: string[];
  feed: FeedKind;
  /** The feed stops by itself when not renewed within this time (the workflow is gone). */
  leaseMs: number;
}

export interface HistoryRequest {
  symbol: string;
  feed: FeedKind;
  timeframe: Timeframe;
  /** [start, end) in epoch ms, aligned to the timeframe. */
  start: number;
  end: number;
}

export interface MarketFeedPort {
  ensure(req: EnsureFeedRequest): Promise<{ now: number; health: FeedHealthView }>;
  release(): Promise<void>;
  history(req: HistoryRequest, onProgress?: (loaded: number) => void): Promise<Bar[]>;
  /** Market time of the running source (the simulated market may run faster than the wall clock). */
  marketNow?(): number;
}
