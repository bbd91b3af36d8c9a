/**
 * Switching the feed source (stop + start on another feed): the new source's prices are judged
 * on their own, and bars never mix prints of two sources.
 */
import { describe, expect, it } from 'vitest';
import type { Bar, Tick } from '../domain/market';
import { EventBus } from '../host/bus';
import { loadConfig } from '../runtime/config';
import { silentLogger } from '../runtime/log';
import { FeedManager } from './feed-manager';
import type { FeedHealth, FeedSink, MarketFeed } from './feeds/types';

class ScriptedFeed implements MarketFeed {
  sink: FeedSink | null = null;
  constructor(readonly kind: 'replay' | 'simulated') {}
  start(_symbols: string[], sink: FeedSink): void {
    this.sink = sink;
  }
  setSymbols(): void {}
  stop(): void {
    this.sink = null;
  }
  health(): FeedHealth {
    return { state: this.sink ? 'ok' : 'idle', detail: this.kind, counters: {} };
  }
  async history(): Promise<Bar[]> {
    return [];
  }
  trade(t: Omit<Tick, 'symbol' | 'size'>): void {
    this.sink?.onTick({ symbol: 'BTC-USD', size: '1', ...t });
  }
}

describe('FeedManager feed switch', () => {
  it('resets open bars and price guards when the source changes', async () => {
    const a = new ScriptedFeed('replay');
    const b = new ScriptedFeed('simulated');
    const delivered: Bar[] = [];
    const rejected: string[] = [];
    const bus = new EventBus();
    bus.on('domain.event', (e) => rejected.push(e.type));
    const fm = new FeedManager({ config: loadConfig({}), bus, log: silentLogger, feeds: { replay: () => a, simulated: () => b }, deliver: async (bars) => void delivered.push(...bars), tickMs: 10_000 });
    const T = Date.UTC(2025, 0, 1, 0, 0);
    await fm.ensure({ symbols: ['BTC-USD'], feed: 'replay', leaseMs: 60_000 });
    a.trade({ time: T, price: '100', tradeId: 'a1' });
    a.trade({ time: T + 1_000, price: '101', tradeId: 'a2' });
    await fm.ensure({ symbols: ['BTC-USD'], feed: 'simulated', leaseMs: 60_000 });
    // 200 would be a 98% jump from the old source's 101: a fresh source is judged on its own.
    b.trade({ time: T + 2_000, price: '200', tradeId: 'b1' });
    b.trade({ time: T + 60_000, price: '201', tradeId: 'b2' });
    await fm.flush();
    expect(rejected).toEqual([]);
    expect(delivered).toEqual([{ symbol: 'BTC-USD', timeframe: '1m', time: T, open: '200', high: '200', low: '200', close: '200', volume: '1' }]);
    await fm.stop();
  });
});
