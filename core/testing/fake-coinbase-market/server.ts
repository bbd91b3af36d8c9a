/**
 * A local Coinbase Advanced Trade public market-data server for tests, demos and benchmarks: a real
 * HTTP + WebSocket server on 127.0.0.1 speaking the exchange's formats (recorded shapes):
 *
 *   GET /api/v3/brokerage/market/products                 { products: [...], num_products }
 *   GET /api/v3/brokerage/market/products/{id}            product
 *   GET /api/v3/brokerage/market/products/{id}/candles    ?start&end (unix s)&granularity&limit
 *       newest first, at most 350 per request (400 INVALID_ARGUMENT beyond), like the exchange
 *   WS  /  subscribe { type, product_ids, channel } to ticker | market_trades | heartbeats;
 *       every message carries a per-connection sequence_num
 *
 * Faults are injected on purpose: drop every connection, malformed frames, duplicated and
 * out-of-order messages, skipped sequence numbers, heartbeats that stop, 429 rate limits, 5xx.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { TIMEFRAME_MS, type Bar } from '../../domain/market';

const GRANULARITY_S: Record<string, number> = {
  ONE_MINUTE: 60,
  FIVE_MINUTE: 300,
  FIFTEEN_MINUTE: 900,
  THIRTY_MINUTE: 1800,
  ONE_HOUR: 3600,
  TWO_HOUR: 7200,
  SIX_HOUR: 21600,
  ONE_DAY: 86400,
};
export const MAX_CANDLES_PER_REQUEST = 350;

export interface FakeMarketProduct {
  id: string;
  price: string;
  baseIncrement?: string;
  quoteIncrement?: string;
}

export interface FakeTrade {
  symbol: string;
  price: string;
  size: string;
  side?: 'BUY' | 'SELL';
  /** Epoch ms; defaults to the server's clock. */
  time?: number;
  tradeId?: string;
}

interface Conn {
  ws: WebSocket;
  seq: number;
  channels: Record<string, Set<string>>;
}

export interface FakeMarketStats {
  restRequests: number;
  candleRequests: number;
  maxCandlesPerRequest: number;
  rateLimited: number;
  wsConnections: number;
  subscribes: number;
  messagesSent: number;
}

export class FakeCoinbaseMarket {
  private server: http.Server | null = null;
  private wss: WebSocketServer | null = null;
  private readonly conns = new Set<Conn>();
  private readonly products = new Map<string, FakeMarketProduct>();
  /** Per product and granularity (`BTC-USD|60`): candles by open time (ms). */
  private readonly candles = new Map<string, Map<number, Bar>>();
  private hbTimer: NodeJS.Timeout | null = null;
  private hbCounter = 0;
  private tradeSeq = 1;
  private bucket: { tokens: number; at: number };

  readonly stats: FakeMarketStats = { restRequests: 0, candleRequests: 0, maxCandlesPerRequest: 0, rateLimited: 0, wsConnections: 0, subscribes: 0, messagesSent: 0 };
  /** Fault switches; tests flip them. */
  readonly faults = {
    heartbeats: true,
    /** The next n WS messages are sent as broken JSON instead. */
    malformedNext: 0,
    /** The next n WS messages are sent twice. */
    duplicateNext: 0,
    /** The next n messages are held and sent after the one that follows (swapped pairs). */
    reorderNext: 0,
    /** Skip this many sequence numbers before the next message. */
    skipSequence: 0,
    /** Answer the next n REST requests with 429. */
    rateLimitNext: 0,
    /** Answer the next n REST requests with 503. */
    failNext: 0,
    /** Refuse new WebSocket connections (HTTP 503 on upgrade). */
    refuseConnections: false,
  };
  private held: { conn: Conn; text: string } | null = null;

  constructor(
    private readonly opts: {
      products: FakeMarketProduct[];
      heartbeatMs?: number;
      /** Requests per second before 429 (the exchange allows 10/s on public endpoints). */
      maxRps?: number;
      now?: () => number;
    },
  ) {
    for (const p of opts.products) this.products.set(p.id, p);
    this.bucket = { tokens: opts.maxRps ?? 10, at: this.now() };
  }

  private now(): number {
    return this.opts.now ? this.opts.now() : Date.now();
  }

  async start(port = 0): Promise<{ restUrl: string; wsUrl: string }> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    this.wss = new WebSocketServer({ noServer: true });
    this.server.on('upgrade', (req, socket, head) => {
      if (this.faults.refuseConnections) {
        socket.end('HTTP/1.1 503 Service Unavailable\r\n\r\n');
        return;
      }
      this.wss!.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws));
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    const { port: p } = this.server.address() as AddressInfo;
    this.hbTimer = setInterval(() => this.beat(), this.opts.heartbeatMs ?? 1000);
    return { restUrl: `http://127.0.0.1:${p}`, wsUrl: `ws://127.0.0.1:${p}/ws` };
  }

  async stop(): Promise<void> {
    if (this.hbTimer) clearInterval(this.hbTimer);
    for (const c of this.conns) c.ws.terminate();
    this.conns.clear();
    await new Promise<void>((r) => (this.wss ? this.wss.close(() => r()) : r()));
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
    this.server?.closeAllConnections?.();
  }

  // --- data -----------------------------------------------------------------------------------

  /** Serves `bars` as the product's candles at their timeframe's granularity (1m, 5m, 15m, 1h, 1d). */
  setCandles(symbol: string, bars: Bar[]): void {
    for (const b of bars) {
      const key = `${symbol}|${TIMEFRAME_MS[b.timeframe] / 1000}`;
      let m = this.candles.get(key);
      if (!m) this.candles.set(key, (m = new Map()));
      m.set(b.time, b);
    }
  }

  /** Publishes trades on market_trades (one message per call) and a ticker update per product. */
  publishTrades(trades: FakeTrade[]): void {
    const now = this.now();
    const bySymbol = new Map<string, FakeTrade[]>();
    for (const t of trades) {
      const list = bySymbol.get(t.symbol) ?? [];
      list.push(t);
      bySymbol.set(t.symbol, list);
      const p = this.products.get(t.symbol);
      if (p) p.price = t.price;
    }
    const rendered = trades.map((t) => ({
      trade_id: t.tradeId ?? String(this.tradeSeq++),
      product_id: t.symbol,
      price: t.price,
      size: t.size,
      side: t.side ?? 'BUY',
      time: new Date(t.time ?? now).toISOString(),
    }));
    for (const c of this.conns) {
      const subs = c.channels['market_trades'];
      if (subs) {
        const mine = rendered.filter((t) => subs.has(t.product_id));
        if (mine.length) this.send(c, { channel: 'market_trades', client_id: '', timestamp: iso(now), events: [{ type: 'update', trades: mine }] });
      }
      const tick = c.channels['ticker'];
      if (tick) {
        const tickers = [...bySymbol.keys()].filter((s) => tick.has(s)).map((s) => this.ticker(s, bySymbol.get(s)!.at(-1)!.price));
        if (tickers.length) this.send(c, { channel: 'ticker', client_id: '', timestamp: iso(now), events: [{ type: 'update', tickers }] });
      }
    }
  }

  /** A message on `channel` with arbitrary events, in sequence, to every connection (hostile-payload tests). */
  publishEvents(channel: string, events: unknown[]): void {
    for (const c of this.conns) this.send(c, { channel, client_id: '', timestamp: iso(this.now()), events });
  }

  /** A raw frame to every connection (for malformed-input tests). */
  sendRaw(text: string): void {
    for (const c of this.conns) c.ws.send(text);
  }

  /** Closes every WebSocket (the client must reconnect and resubscribe). */
  dropConnections(): void {
    for (const c of this.conns) c.ws.terminate();
    this.conns.clear();
  }

  /** Products subscribed on `channel` across open connections. */
  subscribed(channel: string): string[] {
    const out = new Set<string>();
    for (const c of this.conns) for (const id of c.channels[channel] ?? []) out.add(id);
    return [...out].sort();
  }

  connectionCount(): number {
    return this.conns.size;
  }

  // --- WebSocket -------------------------------------------------------------------------------

  private onConnection(ws: WebSocket): void {
    const c: Conn = { ws, seq: 0, channels: {} };
    this.conns.add(c);
    this.stats.wsConnections++;
    ws.on('close', () => this.conns.delete(c));
    ws.on('error', () => this.conns.delete(c));
    ws.on('message', (data) => {
      let msg: { type?: unknown; product_ids?: unknown; channel?: unknown };
      try {
        msg = JSON.parse(String(data));
      } catch {
        this.send(c, { type: 'error', message: 'failure to parse message' });
        return;
      }
      const channel = typeof msg.channel === 'string' ? msg.channel : '';
      const ids = Array.isArray(msg.product_ids) ? msg.product_ids.filter((x): x is string => typeof x === 'string') : [];
      if (!['ticker', 'market_trades', 'heartbeats'].includes(channel)) {
        this.send(c, { type: 'error', message: `Failed to subscribe: unknown channel ${channel}` });
        return;
      }
      const set = (c.channels[channel] ??= new Set());
      if (msg.type === 'unsubscribe') for (const id of ids) set.delete(id);
      else {
        this.stats.subscribes++;
        for (const id of ids) set.add(id);
      }
      const subs: Record<string, string[]> = {};
      for (const [ch, s] of Object.entries(c.channels)) subs[ch] = [...s];
      this.send(c, { channel: 'subscriptions', client_id: '', timestamp: iso(this.now()), events: [{ subscriptions: subs }] });
      if (msg.type === 'subscribe' && channel === 'ticker') {
        const tickers = ids.filter((id) => this.products.has(id)).map((id) => this.ticker(id, this.products.get(id)!.price));
        if (tickers.length) this.send(c, { channel: 'ticker', client_id: '', timestamp: iso(this.now()), events: [{ type: 'snapshot', tickers }] });
      }
    });
  }

  private ticker(id: string, price: string) {
    return { type: 'ticker', product_id: id, price, volume_24_h: '0', low_24_h: price, high_24_h: price, low_52_w: price, high_52_w: price, price_percent_chg_24_h: '0', best_bid: price, best_bid_quantity: '1', best_ask: price, best_ask_quantity: '1' };
  }

  private beat(): void {
    if (!this.faults.heartbeats) return;
    this.hbCounter++;
    for (const c of this.conns) {
      if (!c.channels['heartbeats']) continue;
      this.send(c, { channel: 'heartbeats', client_id: '', timestamp: iso(this.now()), events: [{ current_time: new Date(this.now()).toISOString(), heartbeat_counter: String(this.hbCounter) }] });
    }
  }

  private send(c: Conn, body: Record<string, unknown>): void {
    if (this.faults.skipSequence > 0) {
      c.seq += this.faults.skipSequence;
      this.faults.skipSequence = 0;
    }
    const text = JSON.stringify({ ...body, sequence_num: c.seq++ });
    let out = text;
    if (this.faults.malformedNext > 0) {
      this.faults.malformedNext--;
      out = text.slice(0, Math.max(1, Math.floor(text.length / 2)));
    }
    const sendNow = (t: string) => {
      if (c.ws.readyState !== c.ws.OPEN) return;
      c.ws.send(t);
      this.stats.messagesSent++;
    };
    if (this.faults.reorderNext > 0 && !this.held) {
      this.faults.reorderNext--;
      this.held = { conn: c, text: out };
      return;
    }
    sendNow(out);
    if (this.held && this.held.conn === c) {
      sendNow(this.held.text);
      this.held = null;
    }
    if (this.faults.duplicateNext > 0) {
      this.faults.duplicateNext--;
      sendNow(out);
    }
  }

  // --- REST ------------------------------------------------------------------------------------

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.stats.restRequests++;
    const url = new URL(req.url ?? '/', 'http://x');
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    if (this.faults.failNext > 0) {
      this.faults.failNext--;
      return json(503, { error: 'UNAVAILABLE', message: 'service unavailable' });
    }
    if (this.faults.rateLimitNext > 0 || !this.takeToken()) {
      if (this.faults.rateLimitNext > 0) this.faults.rateLimitNext--;
      this.stats.rateLimited++;
      return json(429, { error: 'RATE_LIMIT_EXCEEDED', message: 'Too many requests' }, { 'retry-after': '0.2' });
    }
    if (req.method !== 'GET') return json(405, { error: 'METHOD_NOT_ALLOWED' });
    const m = /^\/api\/v3\/brokerage\/market\/products(?:\/([^/]+)(\/candles)?)?\/?$/.exec(url.pathname);
    if (!m) return json(404, { error: 'NOT_FOUND', message: 'Not Found' });
    const [, id, isCandles] = m;
    if (!id) {
      const products = [...this.products.values()].map((p) => this.renderProduct(p));
      return json(200, { products, num_products: products.length });
    }
    const p = this.products.get(decodeURIComponent(id));
    if (!p) return json(404, { error: 'NOT_FOUND', error_details: 'ProductID is invalid', message: 'ProductID is invalid' });
    if (!isCandles) return json(200, this.renderProduct(p));
    this.stats.candleRequests++;
    const start = Number(url.searchParams.get('start'));
    const end = Number(url.searchParams.get('end'));
    const gran = GRANULARITY_S[url.searchParams.get('granularity') ?? ''];
    if (!gran) return json(400, { error: 'INVALID_ARGUMENT', error_details: 'Invalid granularity', message: 'Invalid granularity' });
    if (!Number.isInteger(start) || !Number.isInteger(end) || end <= start) return json(400, { error: 'INVALID_ARGUMENT', error_details: 'start and end argument is invalid', message: 'start and end argument is invalid' });
    const n = Math.ceil((end - start) / gran);
    const limit = url.searchParams.has('limit') ? Number(url.searchParams.get('limit')) : MAX_CANDLES_PER_REQUEST;
    if (n > MAX_CANDLES_PER_REQUEST || limit > MAX_CANDLES_PER_REQUEST) {
      return json(400, { error: 'INVALID_ARGUMENT', error_details: `start and end argument is invalid - number of candles requested should be less than ${MAX_CANDLES_PER_REQUEST}`, message: 'start and end argument is invalid - number of candles requested should be less than 350' });
    }
    this.stats.maxCandlesPerRequest = Math.max(this.stats.maxCandlesPerRequest, n);
    const all = this.candles.get(`${p.id}|${gran}`) ?? new Map<number, Bar>();
    const out: Record<string, string>[] = [];
    for (let t = Math.ceil(start / gran) * gran * 1000; t < end * 1000; t += gran * 1000) {
      const b = all.get(t);
      if (b) out.push({ start: String(t / 1000), low: b.low, high: b.high, open: b.open, close: b.close, volume: b.volume });
    }
    out.reverse(); // the exchange answers newest first
    return json(200, { candles: out.slice(0, limit) });
  }

  private renderProduct(p: FakeMarketProduct) {
    const [base, quote] = p.id.split('-');
    return {
      product_id: p.id,
      price: p.price,
      price_percentage_change_24h: '0',
      volume_24h: '0',
      base_increment: p.baseIncrement ?? '0.00000001',
      quote_increment: p.quoteIncrement ?? '0.01',
      quote_min_size: '1',
      quote_max_size: '10000000',
      base_min_size: '0.00000001',
      base_max_size: '3400',
      base_name: base,
      quote_name: quote,
      status: 'online',
      cancel_only: false,
      limit_only: false,
      post_only: false,
      trading_disabled: false,
      product_type: 'SPOT',
      base_currency_id: base,
      quote_currency_id: quote,
    };
  }

  private takeToken(): boolean {
    const rate = this.opts.maxRps ?? 10;
    const now = Date.now();
    this.bucket.tokens = Math.min(rate, this.bucket.tokens + ((now - this.bucket.at) / 1000) * rate);
    this.bucket.at = now;
    if (this.bucket.tokens < 1) return false;
    this.bucket.tokens -= 1;
    return true;
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
