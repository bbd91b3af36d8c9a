/**
 * A local Coinbase Advanced Trade brokerage for tests and demos: a real HTTP + WebSocket server on
 * 127.0.0.1 that verifies CDP JWTs exactly as the exchange does (signature, kid, expiry, the
 * "METHOD host/path" uri claim), keeps accounts, orders and fills, matches market and crossing
 * limit orders against a configured book, rests stop-limit and trigger-bracket orders until a book
 * set with `setBook` reaches their trigger, and pushes user-channel updates. Faults can be queued:
 * a rejected order, a timeout after the order was accepted, partial fills, 429 rate limits.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { Dec } from '../../domain/decimal';
import { verifyCdpJwt } from '../../exchange/coinbase/jwt';

export interface FakeBookLevel {
  price: string;
  size: string;
}

export interface FakeProduct {
  id: string;
  bids: FakeBookLevel[];
  asks: FakeBookLevel[];
  baseIncrement?: string;
  quoteIncrement?: string;
}

export type Fault =
  | { kind: 'reject'; reason?: string }
  /** Accept and record the order, then never answer (the client times out). */
  | { kind: 'timeout_after_accept' }
  /** Fill only this fraction now; the rest stays open until `fillRest`. */
  | { kind: 'partial_fill'; fraction: string }
  /** Refuse the next order request itself with HTTP 400 (no order is created). */
  | { kind: 'bad_request'; message?: string }
  /** Answer the next `count` requests with 429. */
  | { kind: 'rate_limit'; count: number }
  /**
   * Hold the next order request unprocessed (the exchange has not seen it yet) until `release`:
   * lets a test kill the caller while its order is in flight.
   */
  | { kind: 'hold' };

type FakeOrderType = 'market' | 'limit' | 'stop_limit' | 'bracket';
type StopDirection = 'STOP_DIRECTION_STOP_UP' | 'STOP_DIRECTION_STOP_DOWN';

interface ParsedConfig {
  type: FakeOrderType;
  baseSize: Dec | null;
  quoteSize: Dec | null;
  limit: string | null;
  postOnly: boolean;
  stop: string | null;
  direction: StopDirection | null;
}

export interface FakeOrder {
  order_id: string;
  client_order_id: string;
  product_id: string;
  side: 'BUY' | 'SELL';
  status: 'OPEN' | 'FILLED' | 'CANCELLED' | 'FAILED';
  type: FakeOrderType;
  base_size: string;
  limit_price: string | null;
  /** A stop-limit's stop, a bracket's stop trigger. */
  stop_price: string | null;
  stop_direction: StopDirection | null;
  /** A stop-limit whose stop was reached (now a resting limit), a bracket whose stop leg fired. */
  triggered: boolean;
  /** The order_configuration as it arrived, for tests that check the request's shape. */
  order_configuration: Record<string, unknown>;
  filled_size: string;
  filled_value: string;
  total_fees: string;
  created_time: string;
}

interface FakeFill {
  entry_id: string;
  trade_id: string;
  order_id: string;
  trade_time: string;
  price: string;
  size: string;
  commission: string;
  product_id: string;
  liquidity_indicator: 'MAKER' | 'TAKER';
  side: 'BUY' | 'SELL';
}

export interface FakeBrokerageOptions {
  /** CDP key names and their public keys (from `generateCdpKey`). */
  keys: { name: string; publicKey: crypto.KeyObject }[];
  products: FakeProduct[];
  /** currency -> available balance, in the default portfolio. */
  balances: Record<string, string>;
  portfolioId?: string;
  makerFeeRate?: string;
  takerFeeRate?: string;
}

export class FakeCoinbaseBrokerage {
  readonly portfolioId: string;
  readonly balances = new Map<string, Dec>();
  readonly orders = new Map<string, FakeOrder>();
  readonly fills: FakeFill[] = [];
  /** Every authenticated request, for assertions (method, path, key name). */
  readonly requests: { method: string; path: string; kid: string }[] = [];
  readonly authFailures: string[] = [];
  private readonly faults: Fault[] = [];
  private readonly keys = new Map<string, crypto.KeyObject>();
  private readonly products = new Map<string, FakeProduct>();
  private readonly server: http.Server;
  private readonly wss: WebSocketServer;
  private readonly subscribers = new Set<WebSocket>();
  private readonly hung = new Set<http.ServerResponse>();
  private rateLimited = 0;
  private held_: { body: Record<string, unknown>; res: http.ServerResponse; send: (s: number, b: unknown) => void } | null = null;
  private heldWaiters: (() => void)[] = [];
  private seq = 0;
  private makerFeeRate: string;
  private takerFeeRate: string;
  port = 0;

  constructor(opts: FakeBrokerageOptions) {
    for (const k of opts.keys) this.keys.set(k.name, k.publicKey);
    for (const p of opts.products) this.products.set(p.id, p);
    for (const [c, v] of Object.entries(opts.balances)) this.balances.set(c, Dec.of(v));
    this.portfolioId = opts.portfolioId ?? 'fake-portfolio-0001';
    this.makerFeeRate = opts.makerFeeRate ?? '0.004';
    this.takerFeeRate = opts.takerFeeRate ?? '0.006';
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.wss = new WebSocketServer({ server: this.server, path: '/ws/user' });
    this.wss.on('connection', (ws) => this.onSocket(ws));
  }

  async start(): Promise<{ restUrl: string; userWsUrl: string }> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.server.address() as AddressInfo).port;
    return { restUrl: `http://127.0.0.1:${this.port}`, userWsUrl: `ws://127.0.0.1:${this.port}/ws/user` };
  }

  async stop(): Promise<void> {
    for (const r of this.hung) r.destroy();
    this.held_?.res.destroy();
    for (const s of this.subscribers) s.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  inject(f: Fault): void {
    if (f.kind === 'rate_limit') this.rateLimited += f.count;
    else this.faults.push(f);
  }

  /** POST /orders requests received (processed or held): what "reached the order endpoint" means. */
  orderRequests(): number {
    return this.requests.filter((r) => r.method === 'POST' && r.path === '/api/v3/brokerage/orders').length;
  }

  /** Resolves once an order request is being held (see the `hold` fault). */
  async whenHolding(timeoutMs = 60_000): Promise<void> {
    if (this.held_) return;
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no order request was held in time')), timeoutMs);
      this.heldWaiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  /**
   * Let the held order request go: `accept` processes it (the order exists; the answer goes to a
   * caller that may be gone), `drop` discards it as if it never arrived.
   */
  release(mode: 'accept' | 'drop'): void {
    const h = this.held_;
    if (!h) throw new Error('no order request is held');
    this.held_ = null;
    if (mode === 'accept') this.createOrder(h.body, h.res, h.send);
    else h.res.destroy();
  }

  setFees(maker: string, taker: string): void {
    this.makerFeeRate = maker;
    this.takerFeeRate = taker;
  }

  /** Change a balance behind the ledger's back (a deposit, a withdrawal) for reconcile tests. */
  setBalance(currency: string, value: string): void {
    this.balances.set(currency, Dec.of(value));
  }

  ordersByClientId(clientOrderId: string): FakeOrder[] {
    return [...this.orders.values()].filter((o) => o.client_order_id === clientOrderId);
  }

  /**
   * Move a product's book (a later market). Open orders on it react as the exchange's would: a
   * stop-limit whose stop the touch reaches (a sell's when the best bid falls to it, a buy's when
   * the best ask rises to it) turns into a limit and matches what it can; a bracket's take-profit
   * fills when the best bid reaches it, its stop leg sells at market when the bid falls to the
   * trigger; a resting limit the new book crosses fills as a maker.
   */
  setBook(productId: string, book: { bids: FakeBookLevel[]; asks: FakeBookLevel[] }): void {
    const product = this.products.get(productId);
    if (!product) throw new Error(`unknown product ${productId}`);
    product.bids = book.bids;
    product.asks = book.asks;
    for (const o of [...this.orders.values()]) {
      if (o.product_id !== productId || o.status !== 'OPEN') continue;
      if (this.step(o, product)) this.push(o);
    }
  }

  /** Trigger and match one resting order against the product's book; true when it changed. */
  private step(o: FakeOrder, product: FakeProduct): boolean {
    const bid = product.bids[0]?.price;
    const ask = product.asks[0]?.price;
    const left = Dec.of(o.base_size).sub(o.filled_size);
    if (!left.isPositive()) return false;
    if (o.type === 'bracket') {
      if (bid && Dec.of(bid).gte(o.limit_price!)) {
        this.execute(o, left, o.limit_price!, 'MAKER');
        return true;
      }
      if (bid && Dec.of(bid).lte(o.stop_price!)) {
        o.triggered = true;
        const m = this.match(product, 'SELL', left, null, null);
        if (m.size.isPositive()) this.execute(o, m.size, m.value.div(m.size).round(8).toString(), 'TAKER');
        return true;
      }
      return false;
    }
    let changed = false;
    if (o.type === 'stop_limit' && !o.triggered) {
      const reached = o.stop_direction === 'STOP_DIRECTION_STOP_DOWN' ? bid !== undefined && Dec.of(bid).lte(o.stop_price!) : ask !== undefined && Dec.of(ask).gte(o.stop_price!);
      if (!reached) return false;
      o.triggered = true;
      changed = true;
    }
    if (o.type === 'limit' || o.type === 'stop_limit') {
      const m = this.match(product, o.side, left, null, o.limit_price);
      if (m.size.isPositive()) {
        this.execute(o, m.size, m.value.div(m.size).round(8).toString(), o.type === 'stop_limit' ? 'TAKER' : 'MAKER');
        changed = true;
      }
    }
    return changed;
  }

  /** Fill what is left of an open order at its limit (or the touch), as a later match would. */
  fillRest(orderId: string): void {
    const o = this.orders.get(orderId);
    if (!o || o.status !== 'OPEN') throw new Error(`order ${orderId} is not open`);
    const left = Dec.of(o.base_size).sub(o.filled_size);
    const product = this.products.get(o.product_id)!;
    const price = o.limit_price ?? (o.side === 'BUY' ? product.asks[0]!.price : product.bids[0]!.price);
    this.execute(o, left, price, o.type === 'limit' ? 'MAKER' : 'TAKER');
    this.push(o);
  }

  // ------------------------------------------------------------------ HTTP

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    const auth = req.headers.authorization ?? '';
    const token = auth.startsWith('Bearer ') ? auth.slice(7) : '';
    let kid: string;
    try {
      const v = verifyCdpJwt(token, this.keys);
      const expected = `${req.method} ${req.headers.host}${url.pathname}`;
      if (v.payload.uri !== expected) throw new Error(`uri claim ${JSON.stringify(v.payload.uri)} does not match ${JSON.stringify(expected)}`);
      kid = v.header.kid;
    } catch (err) {
      this.authFailures.push((err as Error).message);
      return send(401, { error: 'UNAUTHENTICATED', message: 'Unauthorized' });
    }
    this.requests.push({ method: req.method ?? '', path: url.pathname, kid });
    if (this.rateLimited > 0) {
      this.rateLimited--;
      return send(429, { error: 'RATE_LIMIT_EXCEEDED', message: 'Too many requests' }, { 'retry-after': '0' });
    }
    let body: Record<string, unknown> = {};
    if (req.method === 'POST') {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      } catch {
        return send(400, { error: 'INVALID_ARGUMENT', message: 'invalid JSON' });
      }
    }
    const p = url.pathname;
    if (req.method === 'GET' && p === '/api/v3/brokerage/accounts') return send(200, this.accounts());
    if (req.method === 'GET' && p === '/api/v3/brokerage/transaction_summary') {
      return send(200, { total_volume: 0, total_fees: 0, fee_tier: { pricing_tier: 'Advanced 1', maker_fee_rate: this.makerFeeRate, taker_fee_rate: this.takerFeeRate } });
    }
    if (req.method === 'GET' && p === '/api/v3/brokerage/product_book') {
      const prod = this.products.get(url.searchParams.get('product_id') ?? '');
      if (!prod) return send(404, { error: 'NOT_FOUND', message: 'product not found' });
      return send(200, { pricebook: { product_id: prod.id, bids: prod.bids, asks: prod.asks, time: new Date().toISOString() } });
    }
    const prodMatch = /^\/api\/v3\/brokerage\/products\/([^/]+)$/.exec(p);
    if (req.method === 'GET' && prodMatch) {
      const prod = this.products.get(decodeURIComponent(prodMatch[1]!));
      if (!prod) return send(404, { error: 'NOT_FOUND', message: 'product not found' });
      const [base, quote] = prod.id.split('-');
      return send(200, {
        product_id: prod.id,
        price: prod.bids[0]?.price ?? '',
        base_increment: prod.baseIncrement ?? '0.00000001',
        quote_increment: prod.quoteIncrement ?? '0.01',
        base_min_size: '0.00000001',
        base_max_size: '1000',
        quote_min_size: '1',
        base_currency_id: base,
        quote_currency_id: quote,
        trading_disabled: false,
      });
    }
    if (req.method === 'POST' && p === '/api/v3/brokerage/orders/preview') return send(200, this.preview(body));
    if (req.method === 'POST' && p === '/api/v3/brokerage/orders') {
      if (this.faults[0]?.kind === 'hold') {
        this.faults.shift();
        this.held_ = { body, res, send };
        for (const w of this.heldWaiters.splice(0)) w();
        return;
      }
      return this.createOrder(body, res, send);
    }
    if (req.method === 'POST' && p === '/api/v3/brokerage/orders/batch_cancel') {
      const ids = Array.isArray(body.order_ids) ? (body.order_ids as string[]) : [];
      return send(200, {
        results: ids.map((id) => {
          const o = this.orders.get(id);
          if (!o) return { success: false, failure_reason: 'UNKNOWN_CANCEL_ORDER', order_id: id };
          if (o.status !== 'OPEN') return { success: false, failure_reason: 'INVALID_CANCEL_REQUEST', order_id: id };
          o.status = 'CANCELLED';
          this.releaseHold(o);
          this.push(o);
          return { success: true, order_id: id };
        }),
      });
    }
    if (req.method === 'GET' && p === '/api/v3/brokerage/orders/historical/fills') {
      const ids = url.searchParams.getAll('order_ids');
      const prods = url.searchParams.getAll('product_ids');
      const fills = this.fills.filter((f) => (ids.length === 0 || ids.includes(f.order_id)) && (prods.length === 0 || prods.includes(f.product_id)));
      return send(200, { fills, cursor: '' });
    }
    if (req.method === 'GET' && p === '/api/v3/brokerage/orders/historical/batch') {
      const prods = url.searchParams.getAll('product_ids');
      const since = Date.parse(url.searchParams.get('start_date') ?? '');
      const orders = [...this.orders.values()]
        .filter((o) => (prods.length === 0 || prods.includes(o.product_id)) && (Number.isNaN(since) || Date.parse(o.created_time) >= since))
        .sort((a, b) => b.created_time.localeCompare(a.created_time))
        .map((o) => this.view(o));
      return send(200, { orders, has_next: false, cursor: '' });
    }
    const orderMatch = /^\/api\/v3\/brokerage\/orders\/historical\/([^/]+)$/.exec(p);
    if (req.method === 'GET' && orderMatch) {
      const o = this.orders.get(decodeURIComponent(orderMatch[1]!));
      if (!o) return send(404, { error: 'NOT_FOUND', message: 'order not found' });
      return send(200, { order: this.view(o) });
    }
    return send(404, { error: 'NOT_FOUND', message: `no route ${req.method} ${p}` });
  }

  private accounts() {
    return {
      accounts: [...this.balances].map(([currency, v]) => ({
        uuid: `acct-${currency.toLowerCase()}`,
        name: `${currency} Wallet`,
        currency,
        // Coinbase's available balance excludes what open orders hold.
        available_balance: { value: v.sub(this.held(currency)).toString(), currency },
        hold: { value: this.held(currency).toString(), currency },
        retail_portfolio_id: this.portfolioId,
        type: currency === 'USD' ? 'ACCOUNT_TYPE_FIAT' : 'ACCOUNT_TYPE_CRYPTO',
      })),
      has_next: false,
      cursor: '',
    };
  }

  private held(currency: string): Dec {
    let h = Dec.ZERO;
    for (const o of this.orders.values()) {
      if (o.status !== 'OPEN' || o.type === 'market') continue;
      const [base, quote] = o.product_id.split('-');
      const left = Dec.of(o.base_size).sub(o.filled_size);
      if (o.side === 'BUY' && quote === currency) h = h.add(left.mul(o.limit_price!));
      if (o.side === 'SELL' && base === currency) h = h.add(left);
    }
    return h;
  }

  private parseConfig(body: Record<string, unknown>): ParsedConfig | string {
    const cfg = body.order_configuration as Record<string, Record<string, unknown>> | undefined;
    if (!cfg) return 'missing order_configuration';
    try {
      if (cfg.market_market_ioc) {
        const m = cfg.market_market_ioc;
        return {
          type: 'market',
          baseSize: typeof m.base_size === 'string' ? Dec.of(m.base_size) : null,
          quoteSize: typeof m.quote_size === 'string' ? Dec.of(m.quote_size) : null,
          limit: null,
          postOnly: false,
          stop: null,
          direction: null,
        };
      }
      if (cfg.limit_limit_gtc) {
        const l = cfg.limit_limit_gtc;
        return { type: 'limit', baseSize: Dec.of(String(l.base_size)), quoteSize: null, limit: Dec.of(String(l.limit_price)).toString(), postOnly: l.post_only === true, stop: null, direction: null };
      }
      if (cfg.stop_limit_stop_limit_gtc) {
        const s = cfg.stop_limit_stop_limit_gtc;
        if (s.stop_direction !== 'STOP_DIRECTION_STOP_UP' && s.stop_direction !== 'STOP_DIRECTION_STOP_DOWN') return 'stop_direction must be STOP_DIRECTION_STOP_UP or STOP_DIRECTION_STOP_DOWN';
        const stop = Dec.of(String(s.stop_price)).toString();
        return { type: 'stop_limit', baseSize: Dec.of(String(s.base_size)), quoteSize: null, limit: Dec.of(String(s.limit_price)).toString(), postOnly: false, stop, direction: s.stop_direction };
      }
      if (cfg.trigger_bracket_gtc) {
        const b = cfg.trigger_bracket_gtc;
        const stop = Dec.of(String(b.stop_trigger_price)).toString();
        return { type: 'bracket', baseSize: Dec.of(String(b.base_size)), quoteSize: null, limit: Dec.of(String(b.limit_price)).toString(), postOnly: false, stop, direction: null };
      }
    } catch {
      return 'invalid size or price';
    }
    return 'unsupported order_configuration';
  }

  /** Base size and VWAP of the part of an order the book would fill now. */
  private match(product: FakeProduct, side: 'BUY' | 'SELL', base: Dec | null, quote: Dec | null, limit: string | null): { size: Dec; value: Dec } {
    const levels = side === 'BUY' ? product.asks : product.bids;
    let size = Dec.ZERO;
    let value = Dec.ZERO;
    for (const l of levels) {
      if (limit && (side === 'BUY' ? Dec.of(l.price).gt(limit) : Dec.of(l.price).lt(limit))) break;
      let take = Dec.of(l.size);
      if (base) take = Dec.min(take, base.sub(size));
      if (quote) take = Dec.min(take, quote.sub(value).div(l.price).floorTo(product.baseIncrement ?? '0.00000001'));
      if (take.lte(Dec.ZERO)) break;
      size = size.add(take);
      value = value.add(take.mul(l.price));
    }
    return { size, value };
  }

  private preview(body: Record<string, unknown>) {
    const product = this.products.get(String(body.product_id));
    const cfg = this.parseConfig(body);
    if (!product || typeof cfg === 'string') return { errs: [typeof cfg === 'string' ? cfg : 'UNKNOWN_PRODUCT'], warning: [] };
    const side = body.side === 'SELL' ? 'SELL' : 'BUY';
    const m = cfg.type === 'stop_limit' || cfg.type === 'bracket' ? { size: Dec.ZERO, value: Dec.ZERO } : this.match(product, side, cfg.baseSize, cfg.quoteSize, cfg.limit);
    const crosses = m.size.isPositive();
    const fee = m.value.mul(crosses ? this.takerFeeRate : this.makerFeeRate);
    const errs: string[] = [];
    const [base, quote] = product.id.split('-') as [string, string];
    if (side === 'BUY' && m.value.add(fee).gt(this.balances.get(quote) ?? Dec.ZERO)) errs.push('PREVIEW_INSUFFICIENT_FUND');
    if (side === 'SELL' && (cfg.baseSize ?? Dec.ZERO).gt(this.balances.get(base) ?? Dec.ZERO)) errs.push('PREVIEW_INSUFFICIENT_FUND');
    return {
      order_total: m.value.add(side === 'BUY' ? fee : fee.neg()).round(8).toString(),
      commission_total: fee.round(8).toString(),
      errs,
      warning: [],
      preview_id: crypto.randomUUID(),
      base_size: m.size.toString(),
      quote_size: m.value.round(8).toString(),
      best_bid: product.bids[0]?.price ?? '',
      best_ask: product.asks[0]?.price ?? '',
      slippage: '0',
    };
  }

  private createOrder(body: Record<string, unknown>, res: http.ServerResponse, send: (s: number, b: unknown) => void): void {
    const clientOrderId = typeof body.client_order_id === 'string' ? body.client_order_id : '';
    if (!clientOrderId) return send(400, { error: 'INVALID_ARGUMENT', message: 'client_order_id is required' });
    // The exchange's idempotency: a known client_order_id returns the order it already has.
    const existing = [...this.orders.values()].find((o) => o.client_order_id === clientOrderId);
    if (existing) {
      return send(200, { success: true, success_response: { order_id: existing.order_id, product_id: existing.product_id, side: existing.side, client_order_id: clientOrderId } });
    }
    const fault = this.faults.shift();
    if (fault?.kind === 'bad_request') return send(400, { error: 'INVALID_ARGUMENT', message: fault.message ?? 'invalid order request' });
    const product = this.products.get(String(body.product_id));
    const side = body.side === 'SELL' ? 'SELL' : body.side === 'BUY' ? 'BUY' : null;
    const cfg = this.parseConfig(body);
    const fail = (error: string, message: string) => send(200, { success: false, error_response: { error, message, error_details: message } });
    if (fault?.kind === 'reject') return fail('INSUFFICIENT_FUND', fault.reason ?? 'Insufficient balance in source account');
    if (!product) return fail('UNKNOWN_PRODUCT', `unknown product ${String(body.product_id)}`);
    if (!side) return fail('INVALID_SIDE', 'side must be BUY or SELL');
    if (typeof cfg === 'string') return fail('INVALID_ORDER_CONFIG', cfg);
    const [base, quote] = product.id.split('-') as [string, string];
    if (cfg.type === 'bracket' && side !== 'SELL') return fail('INVALID_ORDER_CONFIG', 'a trigger bracket sells a held position');
    const conditional = cfg.type === 'stop_limit' || cfg.type === 'bracket';
    const m = conditional ? { size: Dec.ZERO, value: Dec.ZERO } : this.match(product, side, cfg.baseSize, cfg.quoteSize, cfg.limit);
    if (cfg.postOnly && m.size.isPositive()) return fail('INVALID_LIMIT_PRICE_POST_ONLY', 'post-only order would cross');
    const baseSize = cfg.baseSize ?? m.size;
    const needQuote = side === 'BUY' ? (cfg.limit ? baseSize.mul(cfg.limit) : m.value).mul(Dec.ONE.add(this.takerFeeRate)) : Dec.ZERO;
    if (side === 'BUY' && needQuote.gt((this.balances.get(quote) ?? Dec.ZERO).sub(this.held(quote)))) return fail('INSUFFICIENT_FUND', 'Insufficient balance in source account');
    if (side === 'SELL' && baseSize.gt((this.balances.get(base) ?? Dec.ZERO).sub(this.held(base)))) return fail('INSUFFICIENT_FUND', 'Insufficient balance in source account');
    if (cfg.type === 'market' && !m.size.isPositive()) return fail('INSUFFICIENT_LIQUIDITY', 'no liquidity');

    const o: FakeOrder = {
      order_id: crypto.randomUUID(),
      client_order_id: clientOrderId,
      product_id: product.id,
      side,
      status: 'OPEN',
      type: cfg.type,
      base_size: baseSize.toString(),
      limit_price: cfg.limit,
      stop_price: cfg.stop,
      stop_direction: cfg.direction,
      triggered: false,
      order_configuration: body.order_configuration as Record<string, unknown>,
      filled_size: '0',
      filled_value: '0',
      total_fees: '0',
      created_time: new Date().toISOString(),
    };
    this.orders.set(o.order_id, o);
    let fillSize = m.size;
    if (fault?.kind === 'partial_fill') fillSize = m.size.mul(fault.fraction).floorTo(product.baseIncrement ?? '0.00000001');
    if (fillSize.isPositive()) {
      const vwap = m.value.div(m.size);
      this.execute(o, fillSize, vwap.round(8).toString(), 'TAKER');
    }
    if (o.type === 'market' && o.status === 'OPEN' && fault?.kind !== 'partial_fill') {
      o.status = 'CANCELLED'; // IOC: whatever did not match is cancelled
    }
    if (conditional) this.step(o, product); // a trigger already reached fires on arrival
    this.push(o);
    if (fault?.kind === 'timeout_after_accept') {
      this.hung.add(res);
      return;
    }
    send(200, { success: true, success_response: { order_id: o.order_id, product_id: o.product_id, side: o.side, client_order_id: clientOrderId } });
  }

  private execute(o: FakeOrder, size: Dec, price: string, liquidity: 'MAKER' | 'TAKER'): void {
    const [base, quote] = o.product_id.split('-') as [string, string];
    const value = size.mul(price);
    const fee = value.mul(liquidity === 'MAKER' ? this.makerFeeRate : this.takerFeeRate).round(8, 'up');
    const bal = (c: string) => this.balances.get(c) ?? Dec.ZERO;
    if (o.side === 'BUY') {
      this.balances.set(quote, bal(quote).sub(value.round(8)).sub(fee));
      this.balances.set(base, bal(base).add(size));
    } else {
      this.balances.set(base, bal(base).sub(size));
      this.balances.set(quote, bal(quote).add(value.round(8)).sub(fee));
    }
    this.seq++;
    this.fills.push({
      entry_id: crypto.randomUUID(),
      trade_id: `trade-${this.seq}-${crypto.randomUUID().slice(0, 8)}`,
      order_id: o.order_id,
      trade_time: new Date().toISOString(),
      price,
      size: size.toString(),
      commission: fee.toString(),
      product_id: o.product_id,
      liquidity_indicator: liquidity,
      side: o.side,
    });
    o.filled_size = Dec.of(o.filled_size).add(size).toString();
    o.filled_value = Dec.of(o.filled_value).add(value).toString();
    o.total_fees = Dec.of(o.total_fees).add(fee).toString();
    if (Dec.of(o.filled_size).gte(o.base_size)) o.status = 'FILLED';
  }

  private releaseHold(_o: FakeOrder): void {
    // Holds are computed from open orders, so cancelling frees them.
  }

  private view(o: FakeOrder) {
    const filled = Dec.of(o.filled_size);
    return {
      order_id: o.order_id,
      client_order_id: o.client_order_id,
      product_id: o.product_id,
      side: o.side,
      status: o.status,
      order_type: { market: 'MARKET', limit: 'LIMIT', stop_limit: 'STOP_LIMIT', bracket: 'BRACKET' }[o.type],
      order_configuration: o.order_configuration,
      filled_size: o.filled_size,
      average_filled_price: filled.isPositive() ? Dec.of(o.filled_value).div(filled).round(8).toString() : '0',
      total_fees: o.total_fees,
      created_time: o.created_time,
    };
  }

  // ------------------------------------------------------------------ user channel

  private onSocket(ws: WebSocket): void {
    let authed = false;
    ws.on('message', (data) => {
      let msg: { type?: string; channel?: string; jwt?: string };
      try {
        msg = JSON.parse(String(data)) as typeof msg;
      } catch {
        return ws.send(JSON.stringify({ type: 'error', message: 'invalid JSON' }));
      }
      if (msg.type !== 'subscribe' || msg.channel !== 'user') return ws.send(JSON.stringify({ type: 'error', message: 'only the user channel is served' }));
      try {
        verifyCdpJwt(msg.jwt ?? '', this.keys);
      } catch (err) {
        this.authFailures.push(`ws: ${(err as Error).message}`);
        ws.send(JSON.stringify({ type: 'error', message: 'authentication failure' }));
        return ws.close();
      }
      authed = true;
      this.subscribers.add(ws);
      ws.send(JSON.stringify({ channel: 'user', timestamp: new Date().toISOString(), sequence_num: 0, events: [{ type: 'snapshot', orders: [...this.orders.values()].map((o) => this.userView(o)) }] }));
    });
    ws.on('close', () => {
      if (authed) this.subscribers.delete(ws);
    });
  }

  private userView(o: FakeOrder) {
    const filled = Dec.of(o.filled_size);
    return {
      order_id: o.order_id,
      client_order_id: o.client_order_id,
      status: o.status,
      product_id: o.product_id,
      cumulative_quantity: o.filled_size,
      leaves_quantity: Dec.of(o.base_size).sub(filled).toString(),
      avg_price: filled.isPositive() ? Dec.of(o.filled_value).div(filled).round(8).toString() : '0',
      total_fees: o.total_fees,
    };
  }

  private push(o: FakeOrder): void {
    const msg = JSON.stringify({ channel: 'user', timestamp: new Date().toISOString(), sequence_num: this.seq, events: [{ type: 'update', orders: [this.userView(o)] }] });
    for (const s of this.subscribers) s.send(msg);
  }
}
