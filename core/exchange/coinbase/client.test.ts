import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../runtime/log';
import { FakeCoinbaseBrokerage } from '../../testing/fake-coinbase-brokerage/server';
import { CoinbaseClient, CoinbaseError } from './client';
import { generateCdpKey, parseCdpKey, signCdpJwt, verifyCdpJwt } from './jwt';
import type { UserOrderUpdate } from './types';

const book = {
  id: 'BTC-USD',
  bids: [
    { price: '49990', size: '0.5' },
    { price: '49900', size: '1' },
  ],
  asks: [
    { price: '50010', size: '0.5' },
    { price: '50100', size: '1' },
  ],
};

describe('CDP JWT', () => {
  for (const alg of ['ES256', 'EdDSA'] as const) {
    it(`signs and verifies ${alg} tokens bound to the request`, () => {
      const k = generateCdpKey(alg, `organizations/o/apiKeys/${alg}`);
      const key = parseCdpKey(k.name, alg === 'ES256' ? k.privateKey.replace(/\n/g, '\\n') : k.privateKey);
      expect(key.alg).toBe(alg);
      const token = signCdpJwt(key, { uri: 'GET api.coinbase.com/api/v3/brokerage/accounts' });
      const v = verifyCdpJwt(token, new Map([[k.name, k.publicKey]]));
      expect(v.payload).toMatchObject({ sub: k.name, iss: 'cdp', uri: 'GET api.coinbase.com/api/v3/brokerage/accounts' });
      expect(v.header.kid).toBe(k.name);
      const [h, p, s] = token.split('.');
      const tampered = `${h}.${Buffer.from(JSON.stringify({ ...v.payload, uri: 'POST x/y' })).toString('base64url')}.${s}`;
      expect(() => verifyCdpJwt(tampered, new Map([[k.name, k.publicKey]]))).toThrow(/bad signature/);
      expect(() => verifyCdpJwt(token, new Map([[k.name, k.publicKey]]), v.payload.exp + 1)).toThrow(/expired/);
      expect(p).toBeTruthy();
    });
  }

  it('refuses unreadable keys without echoing them', () => {
    const secret = 'not-a-key-but-secret-material-1234567890';
    try {
      parseCdpKey('k', secret);
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).not.toContain(secret);
    }
    expect(() => parseCdpKey('k', '-----BEGIN EC PRIVATE KEY-----\ngarbage\n-----END EC PRIVATE KEY-----')).toThrow(/not a readable PEM/);
  });
});

describe('Coinbase client against the local brokerage', () => {
  let fake: FakeCoinbaseBrokerage;
  let client: CoinbaseClient;
  let urls: { restUrl: string; userWsUrl: string };
  const es = generateCdpKey('ES256', 'organizations/o/apiKeys/es');
  const ed = generateCdpKey('EdDSA', 'organizations/o/apiKeys/ed');

  beforeEach(async () => {
    fake = new FakeCoinbaseBrokerage({ keys: [es, ed], products: [book], balances: { USD: '100000', BTC: '1' } });
    urls = await fake.start();
    client = new CoinbaseClient({ ...urls, keyName: es.name, privateKey: es.privateKey, log: silentLogger, timeoutMs: 1500 });
  });
  afterEach(async () => {
    await fake.stop();
  });

  it('authenticates with both key kinds and reads accounts, products, book and the cached fee tier', async () => {
    const accounts = await client.listAccounts();
    expect(accounts.map((a) => [a.currency, a.available_balance.value])).toEqual([
      ['USD', '100000'],
      ['BTC', '1'],
    ]);
    const edClient = new CoinbaseClient({ ...urls, keyName: ed.name, privateKey: ed.privateKey, log: silentLogger });
    expect((await edClient.getProduct('BTC-USD')).base_increment).toBe('0.00000001');
    expect((await client.getBook('BTC-USD')).asks[0]).toEqual({ price: '50010', size: '0.5' });
    const tier = await client.feeTier();
    fake.setFees('0.001', '0.002');
    expect(await client.feeTier()).toEqual(tier);
    expect(fake.requests.filter((r) => r.path.endsWith('transaction_summary'))).toHaveLength(1);
    expect(new Set(fake.requests.map((r) => r.kid))).toEqual(new Set([es.name, ed.name]));
    expect(fake.authFailures).toEqual([]);
  });

  it('is refused with a wrong key, with a clear auth error', async () => {
    const stranger = generateCdpKey('ES256', es.name);
    const bad = new CoinbaseClient({ ...urls, keyName: es.name, privateKey: stranger.privateKey, log: silentLogger });
    await expect(bad.listAccounts()).rejects.toMatchObject({ kind: 'auth' });
    expect(fake.authFailures).toContain('bad signature');
  });

  it('previews, places, and reads fills of a market order', async () => {
    const preview = await client.previewOrder({ productId: 'BTC-USD', side: 'BUY', configuration: { market_market_ioc: { base_size: '0.6' } } });
    expect(preview.errs).toEqual([]);
    expect(preview.base_size).toBe('0.6');
    const r = await client.createOrder({ clientOrderId: 'c-1', productId: 'BTC-USD', side: 'BUY', configuration: { market_market_ioc: { base_size: '0.6' } } });
    expect(r.success).toBe(true);
    const fills = await client.listFills({ orderIds: [r.success_response!.order_id] });
    expect(fills).toHaveLength(1);
    expect(fills[0]!.size).toBe('0.6');
    const order = await client.getOrder(r.success_response!.order_id);
    expect(order.status).toBe('FILLED');
  });

  it('reports a rejected order as success=false', async () => {
    fake.inject({ kind: 'reject', reason: 'Insufficient balance in source account' });
    const r = await client.createOrder({ clientOrderId: 'c-rej', productId: 'BTC-USD', side: 'BUY', configuration: { market_market_ioc: { base_size: '0.1' } } });
    expect(r.success).toBe(false);
    expect(r.error_response?.error).toBe('INSUFFICIENT_FUND');
    expect(fake.orders.size).toBe(0);
  });

  it('a timeout after the exchange accepted the order is retried without placing it twice', async () => {
    fake.inject({ kind: 'timeout_after_accept' });
    const r = await client.createOrder({ clientOrderId: 'c-timeout', productId: 'BTC-USD', side: 'BUY', configuration: { market_market_ioc: { base_size: '0.1' } } });
    expect(r.success).toBe(true);
    expect(fake.ordersByClientId('c-timeout')).toHaveLength(1);
    expect(fake.fills).toHaveLength(1);
  });

  it('backs off and retries on 429, then gives up with a rate-limit error', async () => {
    fake.inject({ kind: 'rate_limit', count: 2 });
    expect(await client.listAccounts()).toHaveLength(2);
    const impatient = new CoinbaseClient({ ...urls, keyName: es.name, privateKey: es.privateKey, log: silentLogger, maxRetries: 1 });
    fake.inject({ kind: 'rate_limit', count: 5 });
    await expect(impatient.listAccounts()).rejects.toBeInstanceOf(CoinbaseError);
  });

  it('cancels a resting order and streams order updates on the user channel', async () => {
    const updates: UserOrderUpdate[] = [];
    let opened!: () => void;
    const open = new Promise<void>((r) => (opened = r));
    const sub = client.subscribeUser(['BTC-USD'], (u) => updates.push(u), (s) => s === 'open' && opened());
    await open;
    await new Promise((r) => setTimeout(r, 50));
    const r = await client.createOrder({ clientOrderId: 'c-rest', productId: 'BTC-USD', side: 'BUY', configuration: { limit_limit_gtc: { base_size: '0.2', limit_price: '49000' } } });
    const id = r.success_response!.order_id;
    expect((await client.getOrder(id)).status).toBe('OPEN');
    const res = await client.cancelOrders([id]);
    expect(res[0]).toMatchObject({ success: true, order_id: id });
    await new Promise((r) => setTimeout(r, 100));
    sub.close();
    expect(updates.filter((u) => u.order_id === id).map((u) => u.status)).toEqual(['OPEN', 'CANCELLED']);
  });
});
