/**
 * The host side of market data. Owns the live feed connection, checks every price, sends ticks to
 * the event bus at full rate, folds trades into 1m bars and, on each bar close, signals the
 * MarketStreamWorkflow with the closed bars (one signal per close batch, not per tick).
 *
 * The workflow decides what runs: it calls `ensure()` (through the marketEnsureFeed activity) with
 * the symbols and source it wants, and renews that lease periodically. A host that restarts
 * resumes the feed at the next renewal; a feed whose lease lapses (the stream stopped) shuts down.
 */
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import { WORKFLOW_IDS } from '../domain/ids';
import type { Bar, Tick, Timeframe } from '../domain/market';
import type { EventBus } from '../api/bus';
import type { VigilConfig } from '../runtime/config';
import type { Logger } from '../runtime/log';
import { BarAggregator } from './aggregator';
import { CoinbaseFeed } from './feeds/coinbase';
import { ReplayFeed } from './feeds/replay';
import { SimulatedFeed } from './feeds/simulated';
import type { FeedHealth, MarketFeed } from './feeds/types';
import type { EnsureFeedRequest, HistoryRequest, MarketFeedPort } from './port';
import { checkPrice, guardInit, DEFAULT_SANITY, type GuardState, type SanityOptions } from './sanity';
import { type FeedHealthView, type FeedKind } from './stream-state';
import { PRODUCT_RE } from '../domain/product';

export interface FeedManagerOptions {
  config: VigilConfig;
  bus: EventBus;
  log: Logger;
  client?: Client;
  taskQueue?: string;
  /** Override how a source is built (tests point Coinbase at a local server this way too). */
  feeds?: Partial<Record<FeedKind, () => MarketFeed>>;
  /** Override where closed bars go (default: the `bars` signal of the market stream workflow). */
  deliver?: (bars: Bar[]) => Promise<void>;
  sanity?: SanityOptions;
  timeframe?: Timeframe;
  /** How often bars are flushed and the lease checked. */
  tickMs?: number;
  barGraceMs?: number;
  /** Wall clock (leases, events). */
  now?: () => number;
  /**
   * The simulated market's clock (core/market/sim-clock.ts, MARKET_SIM_SPEED): the simulated feed's
   * trade times, bar closing and the market time reported to the stream. Default: `now`. Other
   * feeds always read `now`.
   */
  simulatedNow?: () => number;
}

export interface FeedManagerStats {
  ticks: number;
  rejected: number;
  /** Of `rejected`: ticks whose symbol is not a product id. */
  badSymbols: number;
  barsClosed: number;
  barsDelivered: number;
  deliveryFailures: number;
  duplicates: number;
  late: number;
}

export class FeedManager implements MarketFeedPort {
  readonly name = 'market';
  private feed: MarketFeed | null = null;
  private feedKind: FeedKind | null = null;
  private symbols: string[] = [];
  private leaseUntil = 0;
  private timer: NodeJS.Timeout | null = null;
  private agg: BarAggregator;
  private guards = new Map<string, GuardState>();
  private lastRejectEvent = new Map<string, number>();
  private outbox: Bar[] = [];
  private delivering: Promise<void> | null = null;
  private lastHealth: FeedHealth = { state: 'idle', detail: 'no feed requested', counters: {} };
  readonly stats: FeedManagerStats = { ticks: 0, rejected: 0, badSymbols: 0, barsClosed: 0, barsDelivered: 0, deliveryFailures: 0, duplicates: 0, late: 0 };

  constructor(private readonly o: FeedManagerOptions) {
    this.agg = new BarAggregator(o.timeframe ?? '1m', { graceMs: o.barGraceMs ?? 2_000 });
  }

  private now(): number {
    return this.o.now ? this.o.now() : Date.now();
  }

  /** Market time of the current source: the simulated clock for the simulated feed, else the wall clock. */
  marketNow(): number {
    return this.feedKind === 'simulated' && this.o.simulatedNow ? this.o.simulatedNow() : this.now();
  }

  async start(): Promise<void> {
    if (this.timer) return;
    this.timer = setInterval(() => this.onTimer(), this.o.tickMs ?? 500);
    this.timer.unref?.();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.stopFeed('host stopping');
    await this.flush().catch(() => undefined);
  }

  // --- MarketFeedPort (called by activities) --------------------------------------------------

  async ensure(req: EnsureFeedRequest): Promise<{ now: number; health: FeedHealthView }> {
    await this.start();
    this.leaseUntil = this.now() + req.leaseMs;
    if (!this.feed || this.feed.kind !== req.feed) {
      this.stopFeed(`switching to ${req.feed}`);
      // Another source's open bars and last prices must not mix into this one's.
      if (this.feedKind && this.feedKind !== req.feed) {
        this.agg = new BarAggregator(this.o.timeframe ?? '1m', { graceMs: this.o.barGraceMs ?? 2_000 });
        this.guards.clear();
      }
      this.feedKind = req.feed;
      this.feed = this.build(req.feed);
      this.symbols = [...req.symbols];
      this.feed.start(this.symbols, { onTick: (t) => this.ingest(t), onHealth: (h) => this.onHealth(h) });
      this.o.log.info('market feed started', { feed: req.feed, symbols: this.symbols });
    } else if (!sameSet(this.symbols, req.symbols)) {
      for (const s of this.symbols) if (!req.symbols.includes(s)) this.agg.forget(s);
      this.symbols = [...req.symbols];
      this.feed.setSymbols(this.symbols);
      this.o.log.info('market feed symbols changed', { symbols: this.symbols });
    }
    return { now: this.marketNow(), health: this.healthView() };
  }

  async release(): Promise<void> {
    this.leaseUntil = 0;
    this.stopFeed('market stream stopped');
    await this.flush().catch(() => undefined);
  }

  async history(req: HistoryRequest, onProgress?: (loaded: number) => void): Promise<Bar[]> {
    const source = this.feed && this.feed.kind === req.feed ? this.feed : this.build(req.feed);
    return source.history(req.symbol, req.timeframe, req.start, req.end, onProgress);
  }

  // --- the pipeline ----------------------------------------------------------------------------

  /** One tick from the feed: sanity, then the bus, then (for trades) the bar aggregator. */
  ingest(t: Tick): void {
    // A symbol is outside text: anything not shaped like a product id (a sentence, a newline) is
    // counted and dropped here, before it can reach the bus, a bar, an event summary or an agent.
    if (typeof t.symbol !== 'string' || !PRODUCT_RE.test(t.symbol)) {
      this.stats.rejected++;
      this.stats.badSymbols++;
      return;
    }
    let g = this.guards.get(t.symbol);
    if (!g) this.guards.set(t.symbol, (g = guardInit()));
    const v = checkPrice(g, t.price, this.o.sanity ?? DEFAULT_SANITY);
    if (!v.ok) {
      this.stats.rejected++;
      this.reportRejection(t, v.reason, v.detail);
      return;
    }
    if (v.rebased) this.reportRejection(t, 'rebased', `accepted a new price level ${t.price} after repeated out-of-bound prices`);
    this.stats.ticks++;
    this.o.bus.emit('market.tick', t);
    if (!t.tradeId) return;
    const closed = this.agg.add(t);
    if (closed.length) this.closeBars(closed);
  }

  private closeBars(bars: Bar[]): void {
    this.stats.barsClosed += bars.length;
    for (const b of bars) this.o.bus.emit('market.bar', b);
    this.outbox.push(...bars);
    // Bounded: a stream that cannot be reached for a long time loses its oldest bars, not the host's memory.
    if (this.outbox.length > 5_000) this.outbox.splice(0, this.outbox.length - 5_000);
    queueMicrotask(() => void this.flush());
  }

  /** Delivers the outbox as one signal; failures keep the bars for the next attempt. */
  async flush(): Promise<void> {
    if (this.delivering) return this.delivering;
    if (this.outbox.length === 0) return;
    const batch = this.outbox.splice(0, this.outbox.length);
    this.delivering = (async () => {
      try {
        await this.deliver(batch);
        this.stats.barsDelivered += batch.length;
      } catch (err) {
        this.stats.deliveryFailures++;
        if (err instanceof WorkflowNotFoundError) {
          this.o.log.debug('market stream not running; bars not delivered', { bars: batch.length });
        } else {
          this.outbox.unshift(...batch);
          this.o.log.warn('bar delivery failed; will retry', { bars: batch.length, error: (err as Error).message });
        }
      } finally {
        this.delivering = null;
      }
    })();
    return this.delivering;
  }

  private deliver(bars: Bar[]): Promise<void> {
    if (this.o.deliver) return this.o.deliver(bars);
    if (!this.o.client) return Promise.reject(new Error('no Temporal client to deliver bars'));
    return this.o.client.workflow.getHandle(WORKFLOW_IDS.marketStream).signal('bars', bars);
  }

  private onTimer(): void {
    const now = this.now();
    if (this.feed && this.leaseUntil && now > this.leaseUntil) {
      this.o.log.info('market feed lease lapsed; stopping the feed');
      this.stopFeed('lease lapsed (no market stream renewed it)');
    }
    const closed = this.agg.flush(this.marketNow());
    if (closed.length) this.closeBars(closed);
    else if (this.outbox.length) void this.flush();
  }

  private stopFeed(why: string): void {
    if (!this.feed) return;
    this.feed.stop();
    this.feed = null;
    this.onHealth({ state: 'idle', detail: why, counters: {} });
  }

  private onHealth(h: FeedHealth): void {
    const changed = h.state !== this.lastHealth.state || h.detail !== this.lastHealth.detail;
    this.lastHealth = h;
    if (!changed) return;
    const level = h.state === 'ok' || h.state === 'idle' ? 'info' : 'warn';
    this.o.log[level]('market feed health', { state: h.state, detail: h.detail });
    this.o.bus.emit('market.health', { feed: this.feed?.kind ?? null, state: h.state, detail: h.detail, symbols: [...this.symbols], counters: h.counters, at: this.now() });
  }

  health(): FeedHealth {
    const h = this.feed ? this.feed.health() : this.lastHealth;
    const counters = { ...h.counters, ticks: this.stats.ticks, rejected: this.stats.rejected, badSymbols: this.stats.badSymbols, barsClosed: this.stats.barsClosed, duplicateTrades: this.agg.stats.duplicates, lateTrades: this.agg.stats.late };
    return { ...h, counters };
  }

  private healthView(): FeedHealthView {
    const h = this.health();
    return { state: h.state, detail: h.detail, at: this.marketNow() };
  }

  private reportRejection(t: Tick, reason: string, detail: string): void {
    const now = this.now();
    // One event per symbol per 5 s: a broken feed must not flood the log; the counter has the total.
    if ((this.lastRejectEvent.get(t.symbol) ?? 0) + 5_000 > now) return;
    this.lastRejectEvent.set(t.symbol, now);
    this.o.log.warn('market price rejected', { symbol: t.symbol, reason, detail });
    this.o.bus.emit('domain.event', {
      id: `mkt_tick_${t.symbol}_${t.time}_${this.stats.rejected}`,
      type: reason === 'rebased' ? 'market.price_rebased' : 'market.price_rejected',
      at: new Date(now).toISOString(),
      correlationId: null,
      summary: `${t.symbol}: ${detail}`,
      data: { symbol: t.symbol, time: t.time, price: String(t.price).slice(0, 40), reason, rejectedSoFar: this.stats.rejected },
    });
  }

  private build(kind: FeedKind): MarketFeed {
    const f = this.o.feeds?.[kind];
    if (f) return f();
    const c = this.o.config;
    if (kind === 'coinbase') return new CoinbaseFeed({ restUrl: c.COINBASE_REST_URL, wsUrl: c.COINBASE_WS_URL });
    if (kind === 'replay') return new ReplayFeed({ speed: c.MARKET_REPLAY_SPEED });
    const simNow = this.o.simulatedNow;
    return new SimulatedFeed({ seed: c.MARKET_SIM_SEED, tradesPerSecond: c.MARKET_SIM_TRADES_PER_SECOND, ...(simNow ? { now: simNow } : {}) });
  }
}

function sameSet(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}
