/**
 * Authenticated Coinbase Advanced Trade client (REST + the user WebSocket channel).
 *
 * Order creation is safe to retry: `client_order_id` is the idempotency key, and the exchange
 * answers a repeated id with the order it already holds. So a timeout after the exchange accepted
 * an order, followed by a retry, still yields one order.
 */
import WebSocket from 'ws';
import { z } from 'zod';
import type { Logger } from '../../runtime/log';
import { parseCdpKey, signCdpJwt, type CdpKey } from './jwt';
import {
  AccountsPage,
  CancelResponse,
  CreateOrderResponse,
  FillsPage,
  Order,
  OrdersPage,
  Product,
  ProductBook,
  PreviewResponse,
  TransactionSummary,
  UserChannelMessage,
  type Account,
  type FeeTier,
  type Fill,
  type OrderConfiguration,
  type UserOrderUpdate,
} from './types';

const OrderEnvelope = z.object({ order: Order });

export type CoinbaseErrorKind = 'auth' | 'rate_limited' | 'timeout' | 'rejected' | 'not_found' | 'bad_response' | 'network' | 'server';

export class CoinbaseError extends Error {
  constructor(
    readonly kind: CoinbaseErrorKind,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'CoinbaseError';
  }
}

export interface CoinbaseClientOptions {
  restUrl: string;
  userWsUrl?: string;
  keyName: string;
  privateKey: string;
  log: Logger;
  timeoutMs?: number;
  /** Retries for 429 and 5xx on requests that are safe to repeat (all of ours are). */
  maxRetries?: number;
  feeTierTtlMs?: number;
}

export interface CreateOrderInput {
  clientOrderId: string;
  productId: string;
  side: 'BUY' | 'SELL';
  configuration: OrderConfiguration;
}

export class CoinbaseClient {
  private readonly key: CdpKey;
  private readonly base: URL;
  private readonly log: Logger;
  private feeCache: { at: number; tier: FeeTier } | null = null;

  constructor(private readonly opts: CoinbaseClientOptions) {
    this.key = parseCdpKey(opts.keyName, opts.privateKey);
    this.base = new URL(opts.restUrl);
    this.log = opts.log.child('coinbase');
  }

  private async request<S extends z.ZodType>(method: 'GET' | 'POST', path: string, schema: S, opts: { query?: URLSearchParams; body?: unknown } = {}): Promise<z.output<S>> {
    const url = new URL(path, this.base);
    if (opts.query) url.search = opts.query.toString();
    const maxRetries = this.opts.maxRetries ?? 4;
    for (let attempt = 0; ; attempt++) {
      const jwt = signCdpJwt(this.key, { uri: `${method} ${url.host}${url.pathname}` });
      const ctrl = new AbortController();
      const timer = setTimeout(() => ctrl.abort(), this.opts.timeoutMs ?? 10_000);
      let res: Response;
      try {
        res = await fetch(url, {
          method,
          headers: { authorization: `Bearer ${jwt}`, 'content-type': 'application/json', accept: 'application/json' },
          body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
          signal: ctrl.signal,
        });
      } catch (err) {
        clearTimeout(timer);
        if (ctrl.signal.aborted) throw new CoinbaseError('timeout', `${method} ${url.pathname} timed out after ${this.opts.timeoutMs ?? 10_000} ms`);
        throw new CoinbaseError('network', `${method} ${url.pathname} failed: ${(err as Error).message}`);
      }
      let text: string;
      try {
        text = await res.text();
      } catch (err) {
        clearTimeout(timer);
        if (ctrl.signal.aborted) throw new CoinbaseError('timeout', `${method} ${url.pathname} timed out reading the response`);
        throw new CoinbaseError('network', `${method} ${url.pathname}: ${(err as Error).message}`);
      } finally {
        clearTimeout(timer);
      }
      if ((res.status === 429 || res.status >= 500) && attempt < maxRetries) {
        const retryAfter = Number(res.headers.get('retry-after'));
        const wait = Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter * 1000, 10_000) : Math.min(200 * 2 ** attempt, 5_000);
        this.log.warn('coinbase asked us to slow down; retrying', { status: res.status, path: url.pathname, waitMs: wait, attempt: attempt + 1 });
        await new Promise((r) => setTimeout(r, wait));
        continue;
      }
      if (res.status === 401 || res.status === 403) throw new CoinbaseError('auth', `Coinbase refused the credentials (${res.status}): ${snippet(text)}`, res.status);
      if (res.status === 404) throw new CoinbaseError('not_found', `${url.pathname}: not found`, 404);
      if (res.status === 429) throw new CoinbaseError('rate_limited', `rate limited on ${url.pathname} after ${maxRetries} retries`, 429);
      if (res.status >= 500) throw new CoinbaseError('server', `Coinbase error ${res.status} on ${url.pathname}`, res.status);
      if (res.status >= 400) throw new CoinbaseError('rejected', `Coinbase rejected ${method} ${url.pathname} (${res.status}): ${snippet(text)}`, res.status);
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw new CoinbaseError('bad_response', `${url.pathname} returned non-JSON`);
      }
      const parsed = schema.safeParse(json);
      if (!parsed.success) {
        throw new CoinbaseError('bad_response', `${url.pathname} returned an unexpected shape: ${parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      }
      return parsed.data;
    }
  }

  async listAccounts(): Promise<Account[]> {
    const out: Account[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 100; page++) {
      const q = new URLSearchParams({ limit: '250' });
      if (cursor) q.set('cursor', cursor);
      const r = await this.request('GET', '/api/v3/brokerage/accounts', AccountsPage, { query: q });
      out.push(...r.accounts);
      if (!r.has_next || !r.cursor) break;
      cursor = r.cursor;
    }
    return out;
  }

  async getProduct(productId: string): Promise<z.output<typeof Product>> {
    return this.request('GET', `/api/v3/brokerage/products/${encodeURIComponent(productId)}`, Product);
  }

  async getBook(productId: string, limit = 50): Promise<z.output<typeof ProductBook>['pricebook']> {
    const r = await this.request('GET', '/api/v3/brokerage/product_book', ProductBook, { query: new URLSearchParams({ product_id: productId, limit: String(limit) }) });
    return r.pricebook;
  }

  /** The account's fee tier; cached because it changes at most daily and costs a request per order otherwise. */
  async feeTier(): Promise<FeeTier> {
    const ttl = this.opts.feeTierTtlMs ?? 15 * 60_000;
    if (this.feeCache && Date.now() - this.feeCache.at < ttl) return this.feeCache.tier;
    const r = await this.request('GET', '/api/v3/brokerage/transaction_summary', TransactionSummary);
    const tier: FeeTier = { makerFeeRate: r.fee_tier.maker_fee_rate, takerFeeRate: r.fee_tier.taker_fee_rate, pricingTier: r.fee_tier.pricing_tier ?? null };
    this.feeCache = { at: Date.now(), tier };
    return tier;
  }

  async previewOrder(input: Omit<CreateOrderInput, 'clientOrderId'>): Promise<z.output<typeof PreviewResponse>> {
    return this.request('POST', '/api/v3/brokerage/orders/preview', PreviewResponse, {
      body: { product_id: input.productId, side: input.side, order_configuration: input.configuration },
    });
  }

  /**
   * Place an order. A timeout or network error is retried with the same client_order_id (the
   * exchange returns the existing order rather than placing a second one); an explicit rejection
   * is returned as `{ success: false }` for the caller to record.
   */
  async createOrder(input: CreateOrderInput, retries = 2): Promise<z.output<typeof CreateOrderResponse>> {
    const body = { client_order_id: input.clientOrderId, product_id: input.productId, side: input.side, order_configuration: input.configuration };
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.request('POST', '/api/v3/brokerage/orders', CreateOrderResponse, { body });
      } catch (err) {
        const retryable = err instanceof CoinbaseError && (err.kind === 'timeout' || err.kind === 'network' || err.kind === 'server');
        if (!retryable || attempt >= retries) throw err;
        this.log.warn('order request did not complete; retrying with the same client_order_id', { clientOrderId: input.clientOrderId, attempt: attempt + 1 });
      }
    }
  }

  async getOrder(orderId: string): Promise<z.output<typeof Order>> {
    const r = await this.request('GET', `/api/v3/brokerage/orders/historical/${encodeURIComponent(orderId)}`, OrderEnvelope);
    return r.order;
  }

  async cancelOrders(orderIds: string[]): Promise<z.output<typeof CancelResponse>['results']> {
    const r = await this.request('POST', '/api/v3/brokerage/orders/batch_cancel', CancelResponse, { body: { order_ids: orderIds } });
    return r.results;
  }

  /** Orders of a product created at or after `since` (newest first, paged): finds an order by its client_order_id. */
  async listOrders(filter: { productIds: string[]; since: string }): Promise<z.output<typeof Order>[]> {
    const out: z.output<typeof Order>[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 100; page++) {
      const q = new URLSearchParams({ limit: '250', start_date: filter.since });
      for (const id of filter.productIds) q.append('product_ids', id);
      if (cursor) q.set('cursor', cursor);
      const r = await this.request('GET', '/api/v3/brokerage/orders/historical/batch', OrdersPage, { query: q });
      out.push(...r.orders);
      if (!r.has_next || !r.cursor) break;
      cursor = r.cursor;
    }
    return out;
  }

  /** The exchange's order with this client_order_id, if it has one (searched from `since`). */
  async findOrderByClientId(productId: string, clientOrderId: string, since: string): Promise<{ order_id: string; status: string } | null> {
    const hit = (await this.listOrders({ productIds: [productId], since })).find((o) => o.client_order_id === clientOrderId);
    return hit ? { order_id: hit.order_id, status: hit.status } : null;
  }

  async listFills(filter: { orderIds?: string[]; productIds?: string[] }): Promise<Fill[]> {
    const out: Fill[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 100; page++) {
      const q = new URLSearchParams({ limit: '250' });
      for (const id of filter.orderIds ?? []) q.append('order_ids', id);
      for (const id of filter.productIds ?? []) q.append('product_ids', id);
      if (cursor) q.set('cursor', cursor);
      const r = await this.request('GET', '/api/v3/brokerage/orders/historical/fills', FillsPage, { query: q });
      out.push(...r.fills);
      if (!r.cursor) break;
      cursor = r.cursor;
    }
    return out;
  }

  /**
   * Subscribe to the user channel (order updates). Reconnects with backoff until closed; each
   * subscribe carries a fresh JWT. Returns a handle to close it.
   */
  subscribeUser(productIds: string[], onUpdate: (u: UserOrderUpdate) => void, onState?: (s: 'open' | 'closed' | 'error', detail?: string) => void): { close(): void } {
    const url = this.opts.userWsUrl;
    if (!url) throw new CoinbaseError('network', 'no user WebSocket URL configured (COINBASE_USER_WS_URL)');
    let ws: WebSocket | null = null;
    let closed = false;
    let backoff = 500;
    const connect = () => {
      if (closed) return;
      ws = new WebSocket(url);
      ws.on('open', () => {
        backoff = 500;
        ws?.send(JSON.stringify({ type: 'subscribe', channel: 'user', product_ids: productIds, jwt: signCdpJwt(this.key) }));
        onState?.('open');
      });
      ws.on('message', (data) => {
        let msg: unknown;
        try {
          msg = JSON.parse(String(data));
        } catch {
          return;
        }
        const parsed = UserChannelMessage.safeParse(msg);
        if (!parsed.success || parsed.data.channel !== 'user') return;
        for (const ev of parsed.data.events) for (const o of ev.orders ?? []) onUpdate(o);
      });
      ws.on('error', (err) => onState?.('error', err.message));
      ws.on('close', () => {
        onState?.('closed');
        if (closed) return;
        setTimeout(connect, backoff);
        backoff = Math.min(backoff * 2, 30_000);
      });
    };
    connect();
    return {
      close() {
        closed = true;
        ws?.close();
      },
    };
  }
}

function snippet(text: string): string {
  return text.replace(/\s+/g, ' ').slice(0, 300);
}
