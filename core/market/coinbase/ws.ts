/**
 * Coinbase Advanced Trade market-data WebSocket (public channels: ticker, market_trades,
 * heartbeats). Watches the feed's own health:
 *
 * - heartbeats: any message resets a watchdog; silence beyond `staleAfterMs` means the connection
 *   is dead even if TCP says otherwise, so it is terminated and reopened;
 * - sequence_num: per connection, strictly increasing; a jump is a gap (messages lost: the feed
 *   reports degraded until a clean run of messages), a repeat or step back is a duplicate or
 *   out-of-order message and is dropped;
 * - malformed frames and payloads that fail validation are counted and skipped;
 * - reconnects use exponential back-off with jitter, reset once a connection is healthy.
 */
import WebSocket from 'ws';
import { z } from 'zod';
import type { Tick } from '../../domain/market';
import { PRODUCT_RE } from '../../domain/product';

export type FeedState = 'idle' | 'connecting' | 'ok' | 'degraded' | 'down';

export interface WsHealth {
  state: FeedState;
  detail: string;
  connects: number;
  reconnects: number;
  gaps: number;
  missedMessages: number;
  duplicates: number;
  malformed: number;
  staleEvents: number;
  lastMessageAt: number | null;
}

const Envelope = z.looseObject({ channel: z.string(), sequence_num: z.number().int().nonnegative(), events: z.array(z.unknown()).optional() });
// Exchange text is data: a product id must be one (BTC-USD), numbers must be decimal strings,
// anything else — a symbol carrying a sentence, a newline, markup — is a malformed item, dropped
// and counted, and never reaches the pipeline, the UI or an agent.
const productId = z.string().regex(PRODUCT_RE);
const decimal = z.string().regex(/^\d{1,20}(\.\d{1,20})?$/);
const Trade = z.looseObject({ trade_id: z.string().regex(/^[\w.:-]{1,64}$/), product_id: productId, price: decimal, size: decimal, side: z.string().optional(), time: z.string().max(40) });
const Ticker = z.looseObject({ product_id: productId, price: decimal, best_bid: decimal.optional(), best_ask: decimal.optional() });
const TradeEvent = z.looseObject({ trades: z.array(z.unknown()) });
const TickerEvent = z.looseObject({ tickers: z.array(z.unknown()) });

/** Exchange error text for the health detail: one line, printable, bounded, quoted as data. */
export function exchangeText(v: unknown): string {
  const s = String(v ?? '')
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ')
    .trim()
    .slice(0, 160);
  return JSON.stringify(s);
}

export interface CoinbaseWsOptions {
  url: string;
  onTick: (t: Tick) => void;
  onHealth?: (h: WsHealth) => void;
  /** No message at all for this long (heartbeats come every second) means stale. */
  staleAfterMs?: number;
  backoffMs?: { initial: number; max: number };
  /** Also subscribe to the ticker channel (best bid/ask for the UI). */
  ticker?: boolean;
  now?: () => number;
}

export class CoinbaseMarketWs {
  private ws: WebSocket | null = null;
  private symbols: string[] = [];
  private stopped = true;
  private expectedSeq: number | null = null;
  private cleanSinceGap = 0;
  private watchdog: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private attempt = 0;
  readonly health: WsHealth = { state: 'idle', detail: 'not started', connects: 0, reconnects: 0, gaps: 0, missedMessages: 0, duplicates: 0, malformed: 0, staleEvents: 0, lastMessageAt: null };

  constructor(private readonly o: CoinbaseWsOptions) {}

  private now(): number {
    return this.o.now ? this.o.now() : Date.now();
  }

  start(symbols: string[]): void {
    this.symbols = [...symbols];
    this.stopped = false;
    this.connect();
  }

  /** Changes the subscription on the open connection (or on the next one). */
  setSymbols(symbols: string[]): void {
    const removed = this.symbols.filter((s) => !symbols.includes(s));
    const added = symbols.filter((s) => !this.symbols.includes(s));
    this.symbols = [...symbols];
    if (this.ws?.readyState !== WebSocket.OPEN) return;
    for (const ch of this.channels()) {
      if (removed.length) this.ws.send(JSON.stringify({ type: 'unsubscribe', product_ids: removed, channel: ch }));
      if (added.length) this.ws.send(JSON.stringify({ type: 'subscribe', product_ids: added, channel: ch }));
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.watchdog) clearInterval(this.watchdog);
    this.retryTimer = null;
    this.watchdog = null;
    this.ws?.removeAllListeners();
    this.ws?.on('error', () => {});
    this.ws?.terminate();
    this.ws = null;
    this.setState('idle', 'stopped');
  }

  private channels(): string[] {
    return this.o.ticker === false ? ['heartbeats', 'market_trades'] : ['heartbeats', 'market_trades', 'ticker'];
  }

  private connect(): void {
    if (this.stopped) return;
    this.setState(this.health.connects ? 'degraded' : 'connecting', this.health.connects ? 'reconnecting' : 'connecting');
    this.expectedSeq = null;
    const ws = new WebSocket(this.o.url, { handshakeTimeout: 10_000 });
    this.ws = ws;
    ws.on('open', () => {
      this.health.connects++;
      this.health.lastMessageAt = this.now();
      for (const ch of this.channels()) ws.send(JSON.stringify({ type: 'subscribe', product_ids: this.symbols, channel: ch }));
      this.armWatchdog();
    });
    ws.on('message', (data) => this.onMessage(String(data)));
    ws.on('error', (err) => {
      this.health.detail = `socket error: ${err.message}`;
    });
    ws.on('close', () => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.watchdog) clearInterval(this.watchdog);
      this.watchdog = null;
      this.scheduleReconnect('connection closed');
    });
  }

  private scheduleReconnect(why: string): void {
    if (this.stopped || this.retryTimer) return;
    const b = this.o.backoffMs ?? { initial: 250, max: 30_000 };
    const wait = Math.min(b.max, b.initial * 2 ** this.attempt) * (0.75 + Math.random() * 0.5);
    this.attempt = Math.min(this.attempt + 1, 20);
    this.health.reconnects++;
    this.setState(this.attempt > 5 ? 'down' : 'degraded', `${why}; reconnecting in ${Math.round(wait)} ms`);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, wait);
  }

  private armWatchdog(): void {
    if (this.watchdog) clearInterval(this.watchdog);
    const stale = this.o.staleAfterMs ?? 5_000;
    this.watchdog = setInterval(() => {
      const last = this.health.lastMessageAt ?? 0;
      if (this.now() - last <= stale) return;
      this.health.staleEvents++;
      const ws = this.ws;
      this.ws = null;
      if (this.watchdog) clearInterval(this.watchdog);
      this.watchdog = null;
      ws?.removeAllListeners();
      ws?.on('error', () => {});
      ws?.terminate();
      this.scheduleReconnect(`no heartbeat for ${Math.round((this.now() - last) / 1000)} s`);
    }, Math.max(50, Math.min(1000, stale / 4)));
  }

  private onMessage(text: string): void {
    this.health.lastMessageAt = this.now();
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      this.health.malformed++;
      return;
    }
    const env = Envelope.safeParse(raw);
    if (!env.success) {
      const t = (raw as { type?: unknown })?.type;
      if (t === 'error') this.health.detail = `exchange error: ${exchangeText((raw as { message?: unknown }).message)}`;
      else this.health.malformed++;
      return;
    }
    const seq = env.data.sequence_num;
    if (this.expectedSeq !== null && seq < this.expectedSeq) {
      this.health.duplicates++;
      return;
    }
    if (this.expectedSeq !== null && seq > this.expectedSeq) {
      this.health.gaps++;
      this.health.missedMessages += seq - this.expectedSeq;
      this.cleanSinceGap = 0;
      this.setState('degraded', `sequence gap: expected ${this.expectedSeq}, got ${seq}`);
    }
    this.expectedSeq = seq + 1;
    this.cleanSinceGap++;
    if (this.health.state !== 'ok' && this.cleanSinceGap >= 3 && env.data.channel !== 'subscriptions') {
      this.attempt = 0;
      this.setState('ok', `streaming ${this.symbols.length} symbols`);
    }
    if (env.data.channel === 'market_trades') {
      for (const e of env.data.events ?? []) {
        const ev = TradeEvent.safeParse(e);
        if (!ev.success) {
          this.health.malformed++;
          continue;
        }
        for (const item of ev.data.trades) {
          const parsed = Trade.safeParse(item);
          if (!parsed.success) {
            this.health.malformed++;
            continue;
          }
          if (!this.symbols.includes(parsed.data.product_id)) continue; // not (or no longer) subscribed
          const t = parsed.data;
          const time = Date.parse(t.time);
          if (!Number.isFinite(time)) {
            this.health.malformed++;
            continue;
          }
          this.o.onTick({ symbol: t.product_id, time, price: t.price, size: t.size, tradeId: t.trade_id, sequence: seq, ...(t.side === 'BUY' || t.side === 'SELL' ? { side: t.side === 'BUY' ? 'buy' : 'sell' } : {}) });
        }
      }
    } else if (env.data.channel === 'ticker') {
      for (const e of env.data.events ?? []) {
        const ev = TickerEvent.safeParse(e);
        if (!ev.success) {
          this.health.malformed++;
          continue;
        }
        for (const item of ev.data.tickers) {
          const parsed = Ticker.safeParse(item);
          if (!parsed.success) {
            this.health.malformed++;
            continue;
          }
          if (!this.symbols.includes(parsed.data.product_id)) continue; // not (or no longer) subscribed
          const t = parsed.data;
          this.o.onTick({ symbol: t.product_id, time: this.now(), price: t.price, size: '0', sequence: seq, ...(t.best_bid ? { bid: t.best_bid } : {}), ...(t.best_ask ? { ask: t.best_ask } : {}) });
        }
      }
    }
  }

  private setState(state: FeedState, detail: string): void {
    const changed = state !== this.health.state || detail !== this.health.detail;
    this.health.state = state;
    this.health.detail = detail;
    if (changed) this.o.onHealth?.({ ...this.health });
  }
}
