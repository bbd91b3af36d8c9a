/**
 * Coinbase public market data over REST: server time, products and candles. Candles are paged
 * (the exchange returns at most 350 per request), requests are spaced to stay under the public
 * rate limit, and a 429 is retried after the Retry-After the exchange sends, with back-off.
 */
import { z } from 'zod';
import { Dec } from '../../domain/decimal';
import { PRODUCT_RE } from '../../domain/product';
import { TIMEFRAME_MS, type Bar, type Timeframe } from '../../domain/market';
import type { Logger } from '../../runtime/log';
import { Candles, MarketProducts, MarketProduct, ServerTime, type DownloadTimeframe, type MarketProduct as MarketProductT } from './schemas';

/** The exchange's cap per request. */
export const CANDLES_PER_REQUEST = 350;
/**
 * Open times asked per page. Whether `end` is inclusive is not something to bet 1 candle in 350
 * on: pages of 300 with `end` one step past the last wanted open time stay under the cap either
 * way, and the overlap is de-duplicated by open time.
 */
export const CANDLES_PER_PAGE = 300;
const GRANULARITY: Partial<Record<Timeframe, string>> = { '1m': 'ONE_MINUTE', '5m': 'FIVE_MINUTE', '15m': 'FIFTEEN_MINUTE', '1h': 'ONE_HOUR', '1d': 'ONE_DAY' } satisfies Record<DownloadTimeframe, string>;

/** Symbols going out to the exchange are product ids; anything else is refused before a request. */
function assertProductId(id: string): void {
  if (typeof id !== 'string' || !PRODUCT_RE.test(id)) throw new MarketDataError('unsupported', `invalid product id ${JSON.stringify(String(id).slice(0, 40))}: expected one like BTC-USD`);
}

export class MarketDataError extends Error {
  constructor(
    readonly kind: 'rate_limited' | 'http' | 'invalid_response' | 'network' | 'unsupported',
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'MarketDataError';
  }
}

export interface MarketRestOptions {
  baseUrl: string;
  log?: Logger;
  /** Requests per second this client allows itself (Coinbase public endpoints: 10/s per IP). */
  maxRps?: number;
  maxRetries?: number;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export class CoinbaseMarketRest {
  private readonly minGapMs: number;
  private nextSlot = 0;
  private readonly fetchImpl: typeof fetch;
  readonly stats = { requests: 0, retries: 0, rateLimited: 0 };

  constructor(private readonly opts: MarketRestOptions) {
    this.minGapMs = 1000 / (opts.maxRps ?? 10);
    this.fetchImpl = opts.fetch ?? fetch;
  }

  async serverTime(): Promise<number> {
    const t = await this.get('/api/v3/brokerage/time', ServerTime);
    return t.epochMillis ? Number(t.epochMillis) : Number(t.epochSeconds) * 1000;
  }

  async products(ids: readonly string[] = []): Promise<MarketProductT[]> {
    ids.forEach(assertProductId);
    const q = ids.map((id) => `product_ids=${encodeURIComponent(id)}`).join('&');
    return (await this.get(`/api/v3/brokerage/market/products${q ? `?${q}` : ''}`, MarketProducts)).products;
  }

  async product(id: string): Promise<MarketProductT> {
    assertProductId(id);
    return this.get(`/api/v3/brokerage/market/products/${encodeURIComponent(id)}`, MarketProduct);
  }

  /**
   * Closed candles of `symbol` with open time in [start, end), oldest first, de-duplicated.
   * `onPage` reports candles loaded so far (for backfill progress and activity heartbeats).
   */
  async candles(symbol: string, timeframe: Timeframe, start: number, end: number, onPage?: (loaded: number) => void): Promise<Bar[]> {
    assertProductId(symbol);
    const granularity = GRANULARITY[timeframe];
    if (!granularity) throw new MarketDataError('unsupported', `Coinbase has no ${timeframe} candles`);
    const tf = TIMEFRAME_MS[timeframe];
    const from = Math.ceil(start / tf) * tf;
    const byTime = new Map<number, Bar>();
    for (let pageStart = from; pageStart < end; pageStart += CANDLES_PER_PAGE * tf) {
      const pageEnd = Math.min(Math.ceil(end / tf) * tf, pageStart + CANDLES_PER_PAGE * tf);
      const path = `/api/v3/brokerage/market/products/${encodeURIComponent(symbol)}/candles?start=${Math.floor(pageStart / 1000)}&end=${Math.floor(pageEnd / 1000)}&granularity=${granularity}&limit=${CANDLES_PER_PAGE + 1}`;
      const page = await this.get(path, Candles);
      for (const c of page.candles) {
        const time = Number(c.start) * 1000;
        if (time < start || time >= end || byTime.has(time)) continue;
        for (const v of [c.open, c.high, c.low, c.close]) if (!Dec.of(v).isPositive()) throw new MarketDataError('invalid_response', `${symbol} candle at ${new Date(time).toISOString()} has a non-positive price`);
        byTime.set(time, { symbol, timeframe, time, open: canon(c.open), high: canon(c.high), low: canon(c.low), close: canon(c.close), volume: canon(c.volume) });
      }
      onPage?.(byTime.size);
    }
    return [...byTime.values()].sort((a, b) => a.time - b.time);
  }

  private async slot(): Promise<void> {
    const now = Date.now();
    const at = Math.max(now, this.nextSlot);
    this.nextSlot = at + this.minGapMs;
    if (at > now) await sleep(at - now);
  }

  private async get<T extends z.ZodType>(path: string, schema: T): Promise<z.output<T>> {
    const maxRetries = this.opts.maxRetries ?? 4;
    for (let attempt = 0; ; attempt++) {
      await this.slot();
      this.stats.requests++;
      let res: Response;
      try {
        res = await this.fetchImpl(new URL(path, this.opts.baseUrl), { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000) });
      } catch (err) {
        if (attempt < maxRetries) {
          this.stats.retries++;
          await sleep(Math.min(250 * 2 ** attempt, 5_000));
          continue;
        }
        throw new MarketDataError('network', `GET ${path.split('?')[0]}: ${(err as Error).message}`);
      }
      if ((res.status === 429 || res.status >= 500) && attempt < maxRetries) {
        if (res.status === 429) this.stats.rateLimited++;
        this.stats.retries++;
        const retryAfter = Number(res.headers.get('retry-after'));
        const wait = Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter * 1000, 30_000) : Math.min(250 * 2 ** attempt, 5_000);
        this.opts.log?.warn('coinbase market data asked us to slow down; retrying', { status: res.status, path: path.split('?')[0], waitMs: wait, attempt: attempt + 1 });
        await res.body?.cancel();
        await sleep(wait);
        continue;
      }
      if (res.status === 429) throw new MarketDataError('rate_limited', `rate limited on ${path.split('?')[0]} after ${maxRetries} retries`, 429);
      const text = await res.text();
      if (!res.ok) throw new MarketDataError('http', `GET ${path.split('?')[0]} answered ${res.status}: ${text.slice(0, 200)}`, res.status);
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw new MarketDataError('invalid_response', `GET ${path.split('?')[0]}: not JSON`);
      }
      const parsed = schema.safeParse(body);
      if (!parsed.success) throw new MarketDataError('invalid_response', `GET ${path.split('?')[0]}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ').slice(0, 300)}`);
      return parsed.data;
    }
  }
}

const canon = (s: string) => Dec.of(s).toString();
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
