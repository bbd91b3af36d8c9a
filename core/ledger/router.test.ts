import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Dec } from '../domain/decimal';
import { CoinbaseClient } from '../exchange/coinbase/client';
import { generateCdpKey } from '../exchange/coinbase/jwt';
import { silentLogger } from '../runtime/log';
import { FakeCoinbaseBrokerage } from '../testing/fake-coinbase-brokerage/server';
import { LIVE_ARM_PHRASE, Ledger, openLedger } from './ledger';
import { GuardUnavailable, type GuardState } from '../orders/guard';
import { defaultRiskLimits } from '../risk/limits';
import { exchangeBalances, placeOrderInProcess, prepareOrder, seedFromExchange, submitOrder, syncOrder, type ExchangePort, type RouterContext, sweepOrders } from './router';

const key = generateCdpKey('EdDSA', 'organizations/test/apiKeys/router');
let dir: string;
let fake: FakeCoinbaseBrokerage;
let client: CoinbaseClient;
let ledger: Ledger;
let ctx: RouterContext;
let funding: string;
let trading: string;
/** The account's kill switch and risk limits as the paper book would answer them (off by default here). */
const NO_LIMITS = { maxPositionNotional: null, maxExposurePct: null, maxOrderNotional: null, dailyLossLimit: null, maxTradesPerDay: null, lossCooldown: null };
let guard: GuardState | Error;

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-router-'));
  fake = new FakeCoinbaseBrokerage({
    keys: [key],
    products: [
      {
        id: 'BTC-USD',
        bids: [
          { price: '49990', size: '1' },
          { price: '49900', size: '2' },
        ],
        asks: [
          { price: '50010', size: '1' },
          { price: '50100', size: '2' },
        ],
      },
    ],
    balances: { USD: '10000', BTC: '0.5' },
    makerFeeRate: '0.004',
    takerFeeRate: '0.006',
  });
  const urls = await fake.start();
  client = new CoinbaseClient({ ...urls, keyName: key.name, privateKey: key.privateKey, log: silentLogger, timeoutMs: 1000 });
  ledger = openLedger(path.join(dir, 'ledger.sqlite'), { log: silentLogger });
  guard = { killSwitch: false, riskLimits: NO_LIMITS };
  ctx = { ledger, exchange: client, log: silentLogger, guard: async () => { if (guard instanceof Error) throw guard; return guard; } };
  const seeded = await seedFromExchange(ctx);
  expect(seeded.entries).toBe(2);
  funding = Ledger.walletId('coinbase', fake.portfolioId, 'funding');
  trading = Ledger.walletId('coinbase', fake.portfolioId, 'trading');
});
afterEach(async () => {
  ledger.close();
  await fake.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const buy = (k: string, extra: Record<string, unknown> = {}) => ({
  walletId: funding,
  product: 'BTC-USD',
  side: 'BUY' as const,
  qty: '0.01',
  expectedEdge: '0.02',
  idempotencyKey: k,
  live: true,
  postOnly: false,
  ...extra,
});

function arm() {
  ledger.setTradeableFraction(funding, '0.5');
  ledger.armLive(LIVE_ARM_PHRASE, 'test');
}

async function reconcileClean() {
  const run = ledger.reconcile({ exchange: 'coinbase', exchangeBalances: await exchangeBalances(client), threshold: '0.00000001' });
  return run;
}

describe('order routing', () => {
  it('seeding twice does not double the opening balances', async () => {
    const again = await seedFromExchange(ctx);
    expect(again.entries).toBe(0);
    expect(ledger.balance(funding, 'USD')).toBe('10000');
  });

  it('is a dry run unless live is armed and the wallet has a fraction; the dry run records the preview', async () => {
    const o1 = await placeOrderInProcess(ctx, buy('dry-key-0001', { live: false }));
    expect(o1).toMatchObject({ status: 'dry_run', mode: 'dry_run' });
    expect((o1.preview as { order_total: string }).order_total).toBeTruthy();
    expect(o1.gate?.decision).toBe('proceed');
    const o2 = await placeOrderInProcess(ctx, buy('dry-key-0002'));
    expect(o2.status).toBe('dry_run');
    expect(o2.reason).toMatch(/fraction 0/);
    ledger.setTradeableFraction(funding, '0.5');
    const o3 = await placeOrderInProcess(ctx, buy('dry-key-0003'));
    expect(o3.reason).toMatch(/not armed/);
    expect(fake.orders.size).toBe(0);
    expect(fake.requests.filter((r) => r.path === '/api/v3/brokerage/orders')).toHaveLength(0);
    ledger.armLive(LIVE_ARM_PHRASE, 'test');
    const armed = await placeOrderInProcess(ctx, buy('armed-key-0004'));
    expect(armed.status).toBe('filled');
    expect(fake.orders.size).toBe(1);
  });

  it('blocks an order whose edge does not pay its cost, storing the numbers', async () => {
    arm();
    const o = await placeOrderInProcess(ctx, buy('thin-edge-01', { expectedEdge: '0.001' }));
    expect(o.status).toBe('blocked');
    expect(o.gate).toMatchObject({ decision: 'blocked', feeRate: '0.006' });
    expect(Dec.of(o.gate!.required).gt(o.gate!.expectedEdgeAmount)).toBe(true);
    expect(fake.orders.size).toBe(0);
    const forced = await placeOrderInProcess(ctx, buy('thin-edge-02', { expectedEdge: '0.001', override: { reason: 'manual rebalance' } }));
    expect(forced.status).toBe('filled');
    expect(forced.reason).toMatch(/override: manual rebalance/);
  });

  it('a live buy reserves, funds trading, fills, consumes, returns the unused part, and reconciles clean', async () => {
    arm();
    const o = await placeOrderInProcess(ctx, buy('live-buy-001'));
    expect(o).toMatchObject({ status: 'filled', mode: 'live', filledBase: '0.01' });
    expect(ledger.balance(trading, 'BTC')).toBe('0.01');
    expect(ledger.balance(trading, 'USD')).toBe('0');
    const spent = Dec.of('500.1').add(Dec.of('500.1').mul('0.006').round(8, 'up'));
    expect(ledger.balance(funding, 'USD')).toBe(Dec.of('10000').sub(spent).toString());
    const r = ledger.listReservations()[0]!;
    expect(r.status).toBe('consumed');
    expect(r.consumed).toBe(spent.toString());
    expect(ledger.verify()).toEqual([]);
    expect((await reconcileClean()).status).toBe('clean');
    const timeline = ledger.listEvents({ correlationId: 'order:live-buy-001' }).map((e) => e.type);
    expect(timeline).toEqual(['ledger.cost_gate', 'ledger.reserved', 'order.submitting', 'order.accepted', 'order.fill', 'ledger.reservation_closed', 'order.filled']);
  });

  it('the same key placed twice, in sequence and concurrently, yields one order and one set of fills', async () => {
    arm();
    const a = await placeOrderInProcess(ctx, buy('same-key-01'));
    const b = await placeOrderInProcess(ctx, buy('same-key-01'));
    expect(b).toMatchObject({ orderId: a.orderId, replayed: true, status: 'filled' });
    const [c, d] = await Promise.all([placeOrderInProcess(ctx, buy('same-key-02')), placeOrderInProcess(ctx, buy('same-key-02'))]);
    expect(c.orderId).toBe(d.orderId);
    expect(fake.ordersByClientId('same-key-02')).toHaveLength(1);
    expect(ledger.fillsFor(c.orderId)).toHaveLength(1);
    expect(ledger.listReservations().length).toBe(2);
    await expect(placeOrderInProcess(ctx, buy('same-key-02', { qty: '0.02' }))).rejects.toThrow(/already used for a different order/);
    expect(ledger.verify()).toEqual([]);
    expect((await reconcileClean()).status).toBe('clean');
  });

  it('a crash between "accepted by the exchange" and "recorded" heals on retry without a second order', async () => {
    arm();
    // The process dies right after Coinbase accepted: nothing of the answer reaches the ledger.
    const dying = diesAfterAccept();
    await expect(placeOrderInProcess(dying, buy('crash-key-01'))).rejects.toThrow(/process killed/);
    expect(fake.ordersByClientId('crash-key-01')).toHaveLength(1);
    expect(ledger.orderByClientId('crash-key-01')?.status).toBe('submitting');
    // Restart: the same call with the same key resumes.
    const o = await placeOrderInProcess(ctx, buy('crash-key-01'));
    expect(o).toMatchObject({ status: 'filled', replayed: false });
    expect(fake.ordersByClientId('crash-key-01')).toHaveLength(1);
    expect(ledger.fillsFor(o.orderId)).toHaveLength(1);
    expect(ledger.verify()).toEqual([]);
    expect((await reconcileClean()).status).toBe('clean');
  });

  it('the sweep finishes a submitting order nobody drives any more, without a second order', async () => {
    arm();
    const dying = diesAfterAccept();
    await expect(placeOrderInProcess(dying, buy('sweep-sub-01'))).rejects.toThrow(/process killed/);
    expect(ledger.orderByClientId('sweep-sub-01')?.status).toBe('submitting');
    // A live workflow still driving it: left alone.
    expect(await sweepOrders(ctx, async () => true)).toMatchObject({ checked: 1, watched: 1, resumed: [] });
    expect(ledger.orderByClientId('sweep-sub-01')?.status).toBe('submitting');
    const report = await sweepOrders(ctx, async () => false);
    expect(report).toMatchObject({ checked: 1, watched: 0, errors: [], resumed: [{ clientOrderId: 'sweep-sub-01', from: 'submitting', to: 'filled' }] });
    expect(fake.ordersByClientId('sweep-sub-01')).toHaveLength(1);
    const o = ledger.orderByClientId('sweep-sub-01')!;
    expect(ledger.fillsFor(o.id)).toHaveLength(1);
    expect(ledger.listEvents({ type: 'order.swept' })).toHaveLength(1);
    expect(ledger.verify()).toEqual([]);
    expect((await reconcileClean()).status).toBe('clean');
    // Nothing left to do: a second sweep checks nothing.
    expect(await sweepOrders(ctx, async () => false)).toMatchObject({ checked: 0, resumed: [] });
  });

  it('the sweep settles a resting limit order that filled after its polling ended; an unreachable exchange is reported, not thrown', async () => {
    arm();
    let o = await prepareOrder(ctx, buy('sweep-lim-01', { qty: '0.02', limitPrice: '49000' }));
    o = await submitOrder(ctx, o.orderId);
    o = await syncOrder(ctx, o.orderId);
    expect(o.status).toBe('open');
    // Still resting: synced, nothing to report.
    expect(await sweepOrders(ctx, async () => false)).toMatchObject({ checked: 1, resumed: [] });
    fake.fillRest(o.exchangeOrderId!);
    const offline: RouterContext = { ...ctx, exchange: { ...bind(client), listFills: async () => { throw new Error('connect ECONNREFUSED'); } } };
    expect(await sweepOrders(offline, async () => false)).toMatchObject({ checked: 1, resumed: [], errors: [{ orderId: o.orderId, error: expect.stringMatching(/ECONNREFUSED/) }] });
    const report = await sweepOrders(ctx, async () => false);
    expect(report.resumed).toEqual([{ orderId: o.orderId, clientOrderId: 'sweep-lim-01', from: 'open', to: 'filled' }]);
    expect(ledger.order(o.orderId)).toMatchObject({ status: 'filled', filledBase: '0.02' });
    expect(ledger.listReservations()[0]!.status).not.toBe('active');
    expect(ledger.verify()).toEqual([]);
    expect((await reconcileClean()).status).toBe('clean');
  });

  it('two callers syncing one order at once settle it once', async () => {
    arm();
    fake.inject({ kind: 'partial_fill', fraction: '0.5' });
    let o = await prepareOrder(ctx, buy('sync-race-01', { qty: '0.02' }));
    o = await submitOrder(ctx, o.orderId);
    fake.fillRest(o.exchangeOrderId!);
    const [a, b] = await Promise.all([syncOrder(ctx, o.orderId), syncOrder(ctx, o.orderId)]);
    expect(a.status).toBe('filled');
    expect(b.status).toBe('filled');
    expect(ledger.listEvents({ type: 'order.filled' })).toHaveLength(1);
    expect(ledger.fillsFor(o.orderId)).toHaveLength(2);
    expect(ledger.verify()).toEqual([]);
    expect((await reconcileClean()).status).toBe('clean');
  });

  it('a timeout after the order was accepted: the client retry finds it, one order', async () => {
    arm();
    fake.inject({ kind: 'timeout_after_accept' });
    const o = await placeOrderInProcess(ctx, buy('timeout-key-1'));
    expect(o.status).toBe('filled');
    expect(fake.ordersByClientId('timeout-key-1')).toHaveLength(1);
    expect(ledger.fillsFor(o.orderId)).toHaveLength(1);
  });

  it('a rejected order returns the funds and releases the reservation', async () => {
    arm();
    fake.inject({ kind: 'reject', reason: 'Insufficient balance in source account' });
    const o = await placeOrderInProcess(ctx, buy('reject-key-1'));
    expect(o.status).toBe('rejected');
    expect(o.reason).toMatch(/INSUFFICIENT_FUND/);
    expect(ledger.balance(funding, 'USD')).toBe('10000');
    expect(ledger.balance(trading, 'USD')).toBe('0');
    expect(ledger.listReservations()[0]!.status).toBe('released');
    expect(ledger.tradeable(funding, 'USD')).toBe('5000');
    expect(ledger.verify()).toEqual([]);
  });

  it('an order request the exchange refuses outright (HTTP 400) settles as rejected, funds returned', async () => {
    arm();
    fake.inject({ kind: 'bad_request', message: 'size below minimum' });
    const o = await placeOrderInProcess(ctx, buy('bad-request-1'));
    expect(o.status).toBe('rejected');
    expect(o.reason).toMatch(/size below minimum/);
    expect(ledger.balance(funding, 'USD')).toBe('10000');
    expect(ledger.listReservations()[0]!.status).toBe('released');
    expect(fake.orders.size).toBe(0);
  });

  it('partial fills are recorded as they come and settle when the rest fills', async () => {
    arm();
    fake.inject({ kind: 'partial_fill', fraction: '0.4' });
    let o = await prepareOrder(ctx, buy('partial-key-1', { qty: '0.05' }));
    o = await submitOrder(ctx, o.orderId);
    o = await syncOrder(ctx, o.orderId);
    expect(o).toMatchObject({ status: 'open', filledBase: '0.02' });
    expect(ledger.listReservations()[0]!.status).toBe('active');
    fake.fillRest(o.exchangeOrderId!);
    o = await syncOrder(ctx, o.orderId);
    expect(o).toMatchObject({ status: 'filled', filledBase: '0.05' });
    o = await syncOrder(ctx, o.orderId);
    expect(ledger.fillsFor(o.orderId)).toHaveLength(2);
    expect(ledger.verify()).toEqual([]);
    expect((await reconcileClean()).status).toBe('clean');
  });

  it('sells draw on the base currency', async () => {
    arm();
    const o = await placeOrderInProcess(ctx, { ...buy('sell-key-001'), side: 'SELL', qty: '0.1' });
    expect(o.status).toBe('filled');
    expect(ledger.balance(funding, 'BTC')).toBe('0.4');
    expect((await reconcileClean()).status).toBe('clean');
  });

  it('an engaged kill switch refuses before anything is priced: nothing reaches Coinbase, the refusal is recorded with its rule', async () => {
    arm();
    guard = { killSwitch: true, riskLimits: NO_LIMITS };
    const before = fake.requests.length;
    const o = await placeOrderInProcess(ctx, buy('kill-key-0001'), undefined);
    expect(o).toMatchObject({ status: 'blocked', rule: 'kill_switch', reason: expect.stringMatching(/kill switch is on/) });
    expect(fake.requests.length).toBe(before);
    expect(fake.orderRequests()).toBe(0);
    expect(ledger.listEvents({ type: 'order.blocked' })[0]?.data).toMatchObject({ rule: 'kill_switch' });
    expect(ledger.listReservations()).toHaveLength(0);
    // The key is spent on the refusal, like any recorded decision.
    expect(await placeOrderInProcess(ctx, buy('kill-key-0001'))).toMatchObject({ status: 'blocked', replayed: true });
  });

  it('an unreadable guard refuses the order (fail closed) and records nothing', async () => {
    arm();
    guard = new GuardUnavailable('the account workflow did not answer');
    await expect(placeOrderInProcess(ctx, buy('noguard-0001'))).rejects.toThrow(/could not be read.*no order is sent/);
    expect(ledger.orderByClientId('noguard-0001')).toBeNull();
    expect(fake.orderRequests()).toBe(0);
  });

  it('risk limits judge a live order on the live book: max order value, then the day loss after live fills', async () => {
    arm();
    guard = { killSwitch: false, riskLimits: { ...NO_LIMITS, maxOrderNotional: '400' } };
    const big = await placeOrderInProcess(ctx, buy('risk-big-0001'));
    expect(big).toMatchObject({ status: 'blocked', rule: 'max_order_notional', reason: expect.stringMatching(/exceeds the max order value 400/) });
    expect(fake.requests.filter((r) => r.path.endsWith('/orders/preview') || r.path.endsWith('/orders'))).toHaveLength(0);
    // A losing round trip (bought at the ask, sold at the bid, fees both ways) today…
    guard = { killSwitch: false, riskLimits: { ...NO_LIMITS, dailyLossLimit: '5' } };
    expect(await placeOrderInProcess(ctx, buy('risk-rt-buy-1'))).toMatchObject({ status: 'filled' });
    expect(await placeOrderInProcess(ctx, { ...buy('risk-rt-sell-1'), side: 'SELL' })).toMatchObject({ status: 'filled' });
    // …lost 0.2 on the spread and 6.0 in fees: buys stop, sells still reduce risk.
    const after = await placeOrderInProcess(ctx, buy('risk-rt-buy-2'));
    expect(after).toMatchObject({ status: 'blocked', rule: 'daily_loss_limit' });
    expect(after.reason).toMatch(/today's loss 6\.20 reached the daily loss limit 5/);
    expect(fake.ordersByClientId('risk-rt-buy-2')).toHaveLength(0);
    expect((await placeOrderInProcess(ctx, { ...buy('risk-rt-sell-2'), side: 'SELL' })).status).toBe('filled');
    // The same limits the paper book uses, with the same defaults.
    guard = { killSwitch: false, riskLimits: defaultRiskLimits('1000') };
    expect(await placeOrderInProcess(ctx, buy('risk-default-1'))).toMatchObject({ status: 'blocked', rule: 'max_order_notional' });
    expect(ledger.verify()).toEqual([]);
  });

  it('a kill switch engaged after the gate stops the order at the send step and returns its funds', async () => {
    arm();
    let o = await prepareOrder(ctx, buy('late-kill-0001'));
    expect(o.status).toBe('submitting');
    guard = { killSwitch: true, riskLimits: NO_LIMITS };
    o = await submitOrder(ctx, o.orderId);
    expect(o).toMatchObject({ status: 'blocked', rule: 'kill_switch', reason: expect.stringMatching(/^not sent: kill switch is on/) });
    expect(fake.orderRequests()).toBe(0);
    expect(ledger.balance(funding, 'USD')).toBe('10000');
    expect(ledger.listReservations()[0]!.status).toBe('released');
    expect(ledger.verify()).toEqual([]);
  });

  it('after a crash mid-send, an engaged kill switch looks the order up instead of sending it again', async () => {
    arm();
    const dying = diesAfterAccept();
    await expect(placeOrderInProcess(dying, buy('midsend-0001'))).rejects.toThrow(/process killed/);
    // Another one never got out: the process died before the request left.
    let lost = await prepareOrder(ctx, buy('midsend-0002'));
    ledger.updateOrder(lost.orderId, { sentAt: ledger.nowIso() });
    guard = { killSwitch: true, riskLimits: NO_LIMITS };
    const sent = fake.orderRequests();
    const found = await placeOrderInProcess(ctx, buy('midsend-0001'));
    expect(found).toMatchObject({ status: 'filled' });
    lost = await submitOrder(ctx, lost.orderId);
    expect(lost).toMatchObject({ status: 'blocked', rule: 'kill_switch' });
    expect(fake.orderRequests()).toBe(sent);
    expect(fake.ordersByClientId('midsend-0001')).toHaveLength(1);
    expect(fake.ordersByClientId('midsend-0002')).toHaveLength(0);
    expect(ledger.verify()).toEqual([]);
    expect((await reconcileClean()).status).toBe('clean');
  });

  it('reconcile sees a deposit made outside Vigil as drift and corrects it only on approval', async () => {
    fake.setBalance('USD', '10250');
    const run = await reconcileClean();
    expect(run.status).toBe('drift');
    const d = run.drifts.find((x) => x.currency === 'USD')!;
    expect(d.drift).toBe('250');
    ledger.approveCorrection(d.id, 'test');
    expect((await reconcileClean()).status).toBe('clean');
  });
});

describe('native conditional orders (stop-limit, trigger bracket)', () => {
  const sell = (k: string, extra: Record<string, unknown>) => ({ ...buy(k), side: 'SELL' as const, qty: '0.1', expectedEdge: '0', ...extra });
  const bookAt = (bid: string, ask: string) => ({ bids: [{ price: bid, size: '5' }], asks: [{ price: ask, size: '5' }] });
  const sent = (clientOrderId: string) => fake.ordersByClientId(clientOrderId)[0]!;

  it('a stop-limit sell rests on Coinbase in its documented shape, holds the coins, and fills once the bid falls to its stop', async () => {
    arm();
    const o = await placeOrderInProcess(ctx, sell('stop-sell-0001', { type: 'stop_limit', stopPrice: '48000', limitPrice: '47900' }), { maxPolls: 1, pollMs: 1 });
    // A protective exit is not held back by the cost gate (its edge is zero), and it rests untriggered.
    expect(o).toMatchObject({ status: 'open', mode: 'live' });
    expect(sent('stop-sell-0001').order_configuration).toEqual({ stop_limit_stop_limit_gtc: { base_size: '0.1', limit_price: '47900', stop_price: '48000', stop_direction: 'STOP_DIRECTION_STOP_DOWN' } });
    expect(ledger.order(o.orderId)).toMatchObject({ orderType: 'stop_limit', stopPrice: '48000', limitPrice: '47900' });
    // The coins are reserved and moved to trading while it rests; the exchange holds them too.
    expect(ledger.balance(funding, 'BTC')).toBe('0.4');
    expect(ledger.balance(trading, 'BTC')).toBe('0.1');
    expect((await reconcileClean()).status).toBe('clean');
    // Above the stop nothing happens.
    fake.setBook('BTC-USD', bookAt('48500', '48520'));
    expect((await syncOrder(ctx, o.orderId)).status).toBe('open');
    // The bid reaches the stop: the limit at 47 900 sells into the bids at or above it.
    fake.setBook('BTC-USD', bookAt('47950', '47970'));
    const done = await syncOrder(ctx, o.orderId);
    expect(done).toMatchObject({ status: 'filled', filledBase: '0.1' });
    const fill = ledger.fillsFor(o.orderId)[0]!;
    expect(fill.price).toBe('47950');
    const fee = Dec.of('4795').mul('0.006').round(8, 'up');
    expect(ledger.balance(trading, 'USD')).toBe(Dec.of('4795').sub(fee).toString());
    expect(ledger.balance(funding, 'USD')).toBe('10000');
    expect(ledger.balance(trading, 'BTC')).toBe('0');
    expect(ledger.verify()).toEqual([]);
    expect((await reconcileClean()).status).toBe('clean');
  });

  it('a gap through a stop-limit leaves it resting as a limit: no fill below its limit', async () => {
    arm();
    const o = await placeOrderInProcess(ctx, sell('stop-gap-0001', { type: 'stop_limit', stopPrice: '48000', limitPrice: '47900' }), { maxPolls: 1, pollMs: 1 });
    fake.setBook('BTC-USD', bookAt('47000', '47020'));
    expect(await syncOrder(ctx, o.orderId)).toMatchObject({ status: 'open', filledBase: '0' });
    expect(sent('stop-gap-0001').triggered).toBe(true);
    fake.setBook('BTC-USD', bookAt('47900', '47920'));
    expect(await syncOrder(ctx, o.orderId)).toMatchObject({ status: 'filled', filledBase: '0.1' });
  });

  it('a buy stop-limit (a breakout entry) goes out with STOP_UP and still answers to the cost gate', async () => {
    arm();
    const thin = await placeOrderInProcess(ctx, { ...buy('stop-buy-0001', { expectedEdge: '0.001' }), type: 'stop_limit', stopPrice: '51000', limitPrice: '51100' });
    expect(thin).toMatchObject({ status: 'blocked', rule: 'cost_gate' });
    const o = await placeOrderInProcess(ctx, { ...buy('stop-buy-0002'), type: 'stop_limit', stopPrice: '51000', limitPrice: '51100' }, { maxPolls: 1, pollMs: 1 });
    expect(o.status).toBe('open');
    expect(sent('stop-buy-0002').order_configuration).toEqual({ stop_limit_stop_limit_gtc: { base_size: '0.01', limit_price: '51100', stop_price: '51000', stop_direction: 'STOP_DIRECTION_STOP_UP' } });
    fake.setBook('BTC-USD', bookAt('51040', '51050'));
    expect(await syncOrder(ctx, o.orderId)).toMatchObject({ status: 'filled', filledBase: '0.01' });
    expect(ledger.balance(trading, 'BTC')).toBe('0.01');
    expect((await reconcileClean()).status).toBe('clean');
  });

  it('a trigger bracket on a held position: the take-profit fills when the bid reaches it, one order, no second exit', async () => {
    arm();
    const o = await placeOrderInProcess(ctx, sell('bracket-tp-0001', { type: 'bracket', limitPrice: '55000', stopPrice: '45000' }), { maxPolls: 1, pollMs: 1 });
    expect(o.status).toBe('open');
    expect(sent('bracket-tp-0001').order_configuration).toEqual({ trigger_bracket_gtc: { base_size: '0.1', limit_price: '55000', stop_trigger_price: '45000' } });
    expect(ledger.order(o.orderId)).toMatchObject({ orderType: 'bracket', limitPrice: '55000', stopPrice: '45000' });
    fake.setBook('BTC-USD', bookAt('55010', '55030'));
    const done = await syncOrder(ctx, o.orderId);
    expect(done).toMatchObject({ status: 'filled', filledBase: '0.1' });
    expect(ledger.fillsFor(o.orderId).map((f) => f.price)).toEqual(['55000']);
    expect(fake.fills.filter((f) => f.order_id === sent('bracket-tp-0001').order_id).map((f) => f.liquidity_indicator)).toEqual(['MAKER']);
    // The stop leg went with it: a later fall sells nothing more.
    fake.setBook('BTC-USD', bookAt('44000', '44020'));
    expect(fake.fills.filter((f) => f.order_id === sent('bracket-tp-0001').order_id)).toHaveLength(1);
    expect(ledger.balance(funding, 'BTC')).toBe('0.4');
    expect((await reconcileClean()).status).toBe('clean');
  });

  it("a trigger bracket's stop leg sells at market when the bid falls to its trigger", async () => {
    arm();
    const o = await placeOrderInProcess(ctx, sell('bracket-sl-0001', { type: 'bracket', limitPrice: '55000', stopPrice: '45000' }), { maxPolls: 1, pollMs: 1 });
    fake.setBook('BTC-USD', { bids: [{ price: '44900', size: '0.04' }, { price: '44800', size: '1' }], asks: [{ price: '44950', size: '1' }] });
    const done = await syncOrder(ctx, o.orderId);
    expect(done).toMatchObject({ status: 'filled', filledBase: '0.1' });
    // Two bid levels walked: 0.04 at 44 900 and 0.06 at 44 800, as a taker.
    const f = ledger.fillsFor(o.orderId)[0]!;
    expect(fake.fills.find((x) => x.trade_id === f.tradeId)?.liquidity_indicator).toBe('TAKER');
    expect(Dec.of(f.price).mul(f.size).toString()).toBe('4484');
    expect(ledger.verify()).toEqual([]);
    expect((await reconcileClean()).status).toBe('clean');
  });

  it('a stop on the wrong side of the market, or a malformed one, is refused with the reason; nothing reaches Coinbase', async () => {
    arm();
    await expect(prepareOrder(ctx, sell('stop-bad-0001', { type: 'stop_limit', stopPrice: '50000', limitPrice: '49900' }))).rejects.toThrow(/sell stop at 50000 is not below the best bid 49990/);
    await expect(prepareOrder(ctx, sell('stop-bad-0002', { type: 'stop_limit', stopPrice: '48000', limitPrice: '48100' }))).rejects.toThrow(/limit 48100 is above its stop 48000/);
    await expect(prepareOrder(ctx, { ...buy('stop-bad-0003'), type: 'stop_limit', stopPrice: '50000', limitPrice: '50100' })).rejects.toThrow(/buy stop at 50000 is not above the best ask 50010/);
    await expect(prepareOrder(ctx, sell('stop-bad-0004', { type: 'bracket', limitPrice: '49000', stopPrice: '45000' }))).rejects.toThrow(/take-profit 49000 is not above the best bid/);
    await expect(prepareOrder(ctx, sell('stop-bad-0005', { type: 'bracket', limitPrice: '55000', stopPrice: '49990' }))).rejects.toThrow(/stop trigger 49990 is not below the best bid/);
    await expect(prepareOrder(ctx, { ...buy('stop-bad-0006'), type: 'bracket', limitPrice: '55000', stopPrice: '45000' })).rejects.toThrow(/a bracket closes a held position: it sells/);
    await expect(prepareOrder(ctx, sell('stop-bad-0007', { stopPrice: '48000' }))).rejects.toThrow(/stopPrice is for a stop_limit or a bracket/);
    await expect(prepareOrder(ctx, sell('stop-bad-0008', { type: 'stop_limit', stopPrice: '48000' }))).rejects.toThrow(/takes qty, limitPrice and stopPrice/);
    await expect(prepareOrder(ctx, sell('stop-bad-0009', { type: 'bracket', limitPrice: '45000', stopPrice: '55000' }))).rejects.toThrow(/take-profit \(limitPrice\) is above its stop/);
    expect(fake.orderRequests()).toBe(0);
    expect(ledger.listOrders({ limit: 100 })).toHaveLength(0);
  });

  it('the kill switch refuses a stop like any order, and one set after it rests blocks a new one', async () => {
    arm();
    const resting = await placeOrderInProcess(ctx, sell('stop-kill-0001', { type: 'stop_limit', stopPrice: '48000', limitPrice: '47900' }), { maxPolls: 1, pollMs: 1 });
    expect(resting.status).toBe('open');
    guard = { killSwitch: true, riskLimits: NO_LIMITS };
    const o = await placeOrderInProcess(ctx, sell('stop-kill-0002', { type: 'stop_limit', stopPrice: '47000', limitPrice: '46900' }));
    expect(o).toMatchObject({ status: 'blocked', rule: 'kill_switch' });
    expect(fake.orderRequests()).toBe(1);
  });
});

/** The process dies right after Coinbase accepted an order: nothing of the answer is recorded. */
function diesAfterAccept(): RouterContext {
  return {
    ...ctx,
    exchange: {
      ...bind(client),
      async createOrder(input) {
        await client.createOrder(input);
        throw new Error('process killed');
      },
    },
  };
}

function bind(c: CoinbaseClient): ExchangePort {
  return {
    feeTier: () => c.feeTier(),
    getBook: (p, l) => c.getBook(p, l),
    getProduct: (p) => c.getProduct(p),
    previewOrder: (i) => c.previewOrder(i),
    createOrder: (i) => c.createOrder(i),
    getOrder: (id) => c.getOrder(id),
    listFills: (f) => c.listFills(f),
    listAccounts: () => c.listAccounts(),
    findOrderByClientId: (p, id, since) => c.findOrderByClientId(p, id, since),
  };
}
