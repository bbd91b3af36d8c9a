/** Coinbase Advanced Trade as a MarketFeed: WebSocket for live trades, REST for history. */
import type { Bar, Timeframe } from '../../domain/market';
import { CoinbaseMarketRest } from '../coinbase/rest';
import { CoinbaseMarketWs, type WsHealth } from '../coinbase/ws';
import type { FeedHealth, FeedSink, MarketFeed } from './types';

export interface CoinbaseFeedOptions {
  restUrl: string;
  wsUrl: string;
  staleAfterMs?: number;
  backoffMs?: { initial: number; max: number };
  maxRps?: number;
}

export class CoinbaseFeed implements MarketFeed {
  readonly kind = 'coinbase' as const;
  readonly rest: CoinbaseMarketRest;
  private ws: CoinbaseMarketWs | null = null;

  constructor(private readonly o: CoinbaseFeedOptions) {
    this.rest = o.maxRps ? new CoinbaseMarketRest({ baseUrl: o.restUrl, maxRps: o.maxRps }) : new CoinbaseMarketRest({ baseUrl: o.restUrl });
  }

  start(symbols: string[], sink: FeedSink): void {
    this.ws?.stop();
    this.ws = new CoinbaseMarketWs({
      url: this.o.wsUrl,
      onTick: (t) => sink.onTick(t),
      onHealth: (h) => sink.onHealth?.(toHealth(h)),
      ...(this.o.staleAfterMs ? { staleAfterMs: this.o.staleAfterMs } : {}),
      ...(this.o.backoffMs ? { backoffMs: this.o.backoffMs } : {}),
    });
    this.ws.start(symbols);
  }

  setSymbols(symbols: string[]): void {
    this.ws?.setSymbols(symbols);
  }

  stop(): void {
    this.ws?.stop();
    this.ws = null;
  }

  health(): FeedHealth {
    return this.ws ? toHealth(this.ws.health) : { state: 'idle', detail: 'not started', counters: {} };
  }

  history(symbol: string, timeframe: Timeframe, start: number, end: number, onProgress?: (loaded: number) => void): Promise<Bar[]> {
    return this.rest.candles(symbol, timeframe, start, end, onProgress);
  }
}

function toHealth(h: WsHealth): FeedHealth {
  const state = h.state === 'connecting' ? 'degraded' : h.state;
  return {
    state,
    detail: h.detail,
    counters: { connects: h.connects, reconnects: h.reconnects, gaps: h.gaps, missedMessages: h.missedMessages, duplicates: h.duplicates, malformed: h.malformed, staleEvents: h.staleEvents },
  };
}
