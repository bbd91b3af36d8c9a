/**
 * The paper book on a real Temporal dev server: a scripted sequence checked against a
 * hand-computed book to the last unit, across continue-as-new and a worker restart; duplicate
 * keys; every risk limit; the kill switch; and the verbs through the real handler map.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { runWorker, startDevServer, waitFor, type RunningWorker, type TestServer } from '../../tests/support/temporal';
import { createPaperActivities } from './activities';
import { dispatch } from '../api/dispatch';
import type { Bar } from '../domain/market';
import { WORKFLOW_IDS } from '../domain/ids';
import { EventBus } from '../host/bus';
import { createPaperHandlers } from './handlers';
import { loadConfig } from '../runtime/config';
import { silentLogger } from '../runtime/log';
import type { PlaceOrder } from '../trading/orders';
import { barsSignal, blockedOrdersQuery, equityHistoryQuery, executionLedgerWorkflow, placeOrderUpdate, portfolioStatusQuery, transactionsQuery } from './paper-book.workflow';

const T0 = Date.UTC(2025, 0, 6, 12, 0);
const bar = (symbol: string, i: number, close: string, high = close, low = close): Bar => ({ symbol, timeframe: '1m', time: T0 + i * 60_000, open: close, high, low, close, volume: '1' });
const order = (o: Partial<PlaceOrder> & Pick<PlaceOrder, 'symbol' | 'side' | 'idempotencyKey'>): PlaceOrder => ({ type: 'market', agent: 'test', correlationId: `c-${o.idempotencyKey}`, ...o });

describe('the paper book workflow (executionLedgerWorkflow) on a real dev server', () => {
  let env: TestServer;
  let w: RunningWorker;
  const bus = new EventBus();
  const seen: string[] = [];
  bus.onAny((name) => seen.push(name));
  const activities = createPaperActivities({ bus, log: silentLogger });
  const taskQueue = `ledger-it-${process.pid}`;

  beforeAll(async () => {
    env = await startDevServer();
    w = await runWorker(env, { activities, taskQueue });
  });
  afterAll(async () => {
    await w?.stop();
    await env?.stop({ clean: true });
  });

  it('matches a hand-computed book across continue-as-new and a worker restart', async () => {
    const id = WORKFLOW_IDS.paperBook('scripted');
    const h = await env.client.workflow.start(executionLedgerWorkflow, {
      taskQueue,
      workflowId: id,
      args: [{ portfolioId: 'scripted', initialCash: '1000', profitScrapePct: '0.2', continueAsNewEvery: 4 }],
    });
    const firstRun = h.firstExecutionRunId;
    await h.signal(barsSignal, [bar('BTC-USD', 0, '50000'), bar('ETH-USD', 0, '3000')]);

    const b1 = await h.executeUpdate(placeOrderUpdate, { args: [order({ symbol: 'BTC-USD', side: 'buy', quantity: '0.004', idempotencyKey: 'scripted-k1' })] });
    // ask 50005, impact 5 * sqrt(200.02 / 10000) = 0.7072 bps -> 50008.5363536, rounded up to 50008.54
    expect(b1).toMatchObject({ status: 'filled', duplicate: false, fill: { price: '50008.54', notional: '200.03416', fee: '2.40040992' } });
    const again = await h.executeUpdate(placeOrderUpdate, { args: [order({ symbol: 'BTC-USD', side: 'buy', quantity: '0.004', idempotencyKey: 'scripted-k1' })] });
    expect(again).toEqual({ ...b1, duplicate: true });

    const e1 = await h.executeUpdate(placeOrderUpdate, { args: [order({ symbol: 'ETH-USD', side: 'buy', notional: '200', idempotencyKey: 'scripted-k2' })] });
    expect(e1).toMatchObject({ status: 'filled', fill: { price: '3000.67', quantity: '0.06665178' } });

    // 4 messages handled: the book continues as new; the key must survive it.
    await waitFor(async () => (await env.client.workflow.getHandle(id).describe()).runId !== firstRun);
    const afterCan = await env.client.workflow.getHandle(id).executeUpdate(placeOrderUpdate, { args: [order({ symbol: 'BTC-USD', side: 'buy', quantity: '0.004', idempotencyKey: 'scripted-k1' })] });
    expect(afterCan).toEqual({ ...b1, duplicate: true });

    const lim = await h.executeUpdate(placeOrderUpdate, { args: [order({ symbol: 'BTC-USD', side: 'sell', type: 'limit', quantity: '0.002', limitPrice: '52000', idempotencyKey: 'scripted-k3' })] });
    expect(lim).toMatchObject({ status: 'open' });
    await h.signal(barsSignal, [bar('BTC-USD', 1, '52050', '52100', '51900')]);

    // The whole app goes away mid-sequence: stop the worker, start a fresh one, carry on.
    await w.stop();
    w = await runWorker(env, { activities, taskQueue });

    await h.signal(barsSignal, [bar('ETH-USD', 2, '2900')]);
    const e2 = await h.executeUpdate(placeOrderUpdate, { args: [order({ symbol: 'ETH-USD', side: 'sell', quantity: '0.06665178', idempotencyKey: 'scripted-k4' })] });
    expect(e2).toMatchObject({ status: 'filled', fill: { price: '2899.36', realizedPnl: '-11.4714618504408', scraped: '0' } });
    const b2 = await h.executeUpdate(placeOrderUpdate, { args: [order({ symbol: 'BTC-USD', side: 'sell', quantity: '0.002', idempotencyKey: 'scripted-k5' })] });
    expect(b2).toMatchObject({ status: 'filled', fill: { price: '52042.14', realizedPnl: '1.61798368', scraped: '0.323596736' } });

    const s = await h.query(portfolioStatusQuery);
    // Hand-computed book (docs/paper-trading.md): every fee and P&L line, 1000 starting cash.
    expect(s.valuation.cash).toBe('991.5498971255592');
    expect(s.valuation.feesPaid).toBe('8.9923912986408');
    expect(s.valuation.realizedPnl).toBe('-7.6947631304408');
    expect(s.valuation.scrapedProfits).toBe('0.755339744');
    expect(s.valuation.positions).toEqual([]);
    expect(s.valuation.equity).toBe('992.3052368695592');
    expect(s.openOrders).toEqual([]);

    const tx = await h.query(transactionsQuery, {});
    expect(tx.map((t) => [t.idempotencyKey, t.side, t.liquidity])).toEqual([
      ['scripted-k5', 'sell', 'taker'],
      ['scripted-k4', 'sell', 'taker'],
      ['scripted-k3', 'sell', 'maker'],
      ['scripted-k2', 'buy', 'taker'],
      ['scripted-k1', 'buy', 'taker'],
    ]);
    expect(tx.find((t) => t.idempotencyKey === 'scripted-k3')).toMatchObject({ price: '52000', fee: '0.624', realizedPnl: '2.15871504', scraped: '0.431743008' });
    expect((await h.query(transactionsQuery, { symbol: 'ETH-USD', side: 'sell' })).map((t) => t.idempotencyKey)).toEqual(['scripted-k4']);
    await waitFor(() => seen.filter((n) => n === 'trading.fill').length >= 5, 20_000);

    // One equity sample per bar batch, kept across continue-as-new and the worker restart: the
    // first, before any order, is exactly the starting cash.
    const eq = await h.query(equityHistoryQuery);
    expect(eq.initialCash).toBe('1000');
    expect(eq.points).toHaveLength(3);
    expect(eq.points[0]).toMatchObject({ equity: '1000', exposure: '0' });
    expect(eq.points.map((p) => p.t)).toEqual([...eq.points.map((p) => p.t)].sort((a, b) => a - b));
    expect(Number(eq.points[1]!.exposure)).toBeGreaterThan(0);
  });

  it('refuses malformed orders in the validator and loses nothing', async () => {
    const h = env.client.workflow.getHandle(WORKFLOW_IDS.paperBook('scripted'));
    const before = await h.query(portfolioStatusQuery);
    const bad = { ...order({ symbol: 'BTC-USD', side: 'buy', idempotencyKey: 'scripted-bad' }), quantity: '-1' };
    await expect(h.executeUpdate(placeOrderUpdate, { args: [bad] })).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
    await expect(h.executeUpdate(placeOrderUpdate, { args: [bad] })).rejects.toMatchObject({ cause: { message: expect.stringContaining('invalid order: quantity') } });
    expect((await h.query(portfolioStatusQuery)).valuation).toEqual(before.valuation);
  });

  it('enforces every risk limit and the kill switch through the verbs, recording why', async () => {
    const config = loadConfig({});
    const handlers = createPaperHandlers({ client: env.client, config, taskQueue, dataDir: env.dir, status: () => { throw new Error('unused'); } }, 'risk');
    const ctx = { door: 'test' as const, correlationId: 'risk-test' };
    const call = async (verb: string, input: unknown) => {
      const r = await dispatch(handlers, verb, input, ctx);
      if (!r.ok) throw new Error(`${verb}: ${r.error.code} ${r.error.message} ${JSON.stringify(r.error.issues ?? [])}`);
      return r.result as Record<string, unknown>;
    };
    let n = 0;
    const buy = (extra: Record<string, unknown> = {}) => call('place_mock_order', { symbol: 'BTC-USD', side: 'buy', type: 'market', notional: '50', idempotencyKey: `risk-order-${++n}`, ...extra });

    // The first order of a fresh install starts the book; without a mark it is refused clearly.
    expect(await buy()).toMatchObject({ status: 'rejected', rule: 'no_price', reason: 'no market price for BTC-USD: start a market stream' });
    await env.client.workflow.getHandle(WORKFLOW_IDS.paperBook('risk')).signal(barsSignal, [bar('BTC-USD', 0, '50000')]);

    await call('set_kill_switch', { on: true });
    expect(await buy()).toMatchObject({ status: 'rejected', rule: 'kill_switch' });
    await call('set_kill_switch', { on: false });
    expect(await buy({ notional: '300' })).toMatchObject({ status: 'rejected', rule: 'max_order_notional' });
    await call('set_user_preferences', { riskLimits: { maxPositionNotional: '10' } });
    expect(await buy()).toMatchObject({ status: 'rejected', rule: 'max_position' });
    await call('set_user_preferences', { riskLimits: { maxPositionNotional: '500', maxExposurePct: '0.01' } });
    expect(await buy()).toMatchObject({ status: 'rejected', rule: 'max_exposure' });
    await call('set_user_preferences', { riskLimits: { maxExposurePct: '0.9', lossCooldown: { losses: 1, minutes: 60 } } });

    const filled = await buy({ notional: '100' });
    expect(filled).toMatchObject({ status: 'filled' });
    const qty = (filled.fill as { quantity: string }).quantity;
    // Selling straight back loses the spread and both fees: a losing close starts the cooldown.
    expect(await call('place_mock_order', { symbol: 'BTC-USD', side: 'sell', type: 'market', quantity: qty, idempotencyKey: `risk-order-${++n}` })).toMatchObject({ status: 'filled' });
    expect(await buy()).toMatchObject({ status: 'rejected', rule: 'loss_cooldown' });
    await call('set_user_preferences', { riskLimits: { lossCooldown: null, dailyLossLimit: '0.01' } });
    expect(await buy()).toMatchObject({ status: 'rejected', rule: 'daily_loss_limit' });
    await call('set_user_preferences', { riskLimits: { dailyLossLimit: null, maxTradesPerDay: 2 } });
    expect(await buy()).toMatchObject({ status: 'rejected', rule: 'max_trades_per_day' });

    const blocked = await env.client.workflow.getHandle(WORKFLOW_IDS.paperBook('risk')).query(blockedOrdersQuery);
    expect(new Set(blocked.map((b) => b.rule))).toEqual(
      new Set(['no_price', 'kill_switch', 'max_order_notional', 'max_position', 'max_exposure', 'loss_cooldown', 'daily_loss_limit', 'max_trades_per_day']),
    );
    expect(blocked.every((b) => b.reason.length > 10 && b.agent === 'test')).toBe(true);

    // Bad input at the door: a clear error, nothing recorded.
    const bad = await dispatch(handlers, 'place_mock_order', { symbol: 'BTC-USD', side: 'buy', type: 'market', quantity: '1', notional: '5', idempotencyKey: 'risk-bad-1' }, ctx);
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid_input' } });

    const status = await call('get_portfolio_status', {});
    expect(status).toMatchObject({ workflowId: WORKFLOW_IDS.paperBook('risk'), initialCash: '1000', today: { orders: 2 } });
    expect((await call('get_transaction_history', { side: 'sell' })).transactions).toHaveLength(1);
    expect((await call('get_transaction_history', { agent: 'test', limit: 1 })).transactions).toHaveLength(1);
    const perf = await call('get_performance_metrics', {});
    expect(perf).toMatchObject({ closedTrades: 1, winRate: 0 });
    expect(perf.feesPaid as number).toBeGreaterThan(1.1);
    const risk = await call('get_risk_metrics', {});
    expect(risk).toMatchObject({ exposure: '0', cashShare: '1', killSwitch: false, usage: { ordersToday: 2, lossStreak: 1 } });
    expect(await call('get_user_preferences', {})).toMatchObject({ profitScrapePct: '0.2', killSwitch: false });
    expect(await call('cancel_order', { orderId: 'ord-404' })).toMatchObject({ cancelled: false });
  });
});
