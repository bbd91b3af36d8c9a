/**
 * The production ledger through Temporal: verbs dispatched into the handler map, workflows on a
 * real dev server, activities over a real SQLite ledger and the real Coinbase client talking to
 * the local brokerage.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../api/dispatch';
import { WORKFLOW_IDS } from '../domain/ids';
import { ledgerOrderWorkflow } from './ledger-ops.workflow';
import type { HandlerContext } from '../api/contract';
import { createLedgerActivities } from './activities';
import { EventBus } from '../host/bus';
import { createLedgerHandlers, ensureReconcileSchedule } from './handlers';
import { Ledger, LIVE_ARM_PHRASE } from './ledger';
import { loadConfig } from '../runtime/config';
import { silentLogger } from '../runtime/log';
import { FakeCoinbaseBrokerage } from '../testing/fake-coinbase-brokerage/server';
import { runWorker, startDevServer, type RunningWorker, type TestServer } from '../../tests/support/temporal';
import { startBrokerageLedger, type BrokerageLedger } from '../../tests/support/brokerage-ledger';

describe('ledger workflows on a real Temporal dev server', () => {
  let env: TestServer;
  let worker: RunningWorker;
  let fake: FakeCoinbaseBrokerage;
  let ledger: Ledger;
  let rig: BrokerageLedger;
  let handlers: ReturnType<typeof createLedgerHandlers>;
  const bus = new EventBus();
  const notes: string[] = [];
  const ctx: HandlerContext = { door: 'test', correlationId: 'it-corr-1' };
  const call = (name: string, input: unknown) => dispatch(handlers, name, input, ctx);

  beforeAll(async () => {
    env = await startDevServer();
    rig = await startBrokerageLedger(env.dir, { keyName: 'organizations/it/apiKeys/ledger', onEvent: (e) => bus.emit('domain.event', { ...e }) });
    ({ fake, ledger } = rig);
    const exchange = rig.exchange;
    // Risk limits scale with the starting cash: 10,000 lets these orders (≈ 1,500) through the max order value.
    const config = loadConfig({ INITIAL_PORTFOLIO_BALANCE: '10000' });
    bus.on('alert', (n) => notes.push(n.title));
    worker = await runWorker(env, { activities: createLedgerActivities({ config, dataDir: env.dir, bus, log: silentLogger, ledger, exchange, client: env.client }) });
    handlers = createLedgerHandlers({
      client: env.client,
      config,
      taskQueue: worker.taskQueue,
      dataDir: env.dir,
      status: () => {
        throw new Error('not used');
      },
    });
  });
  afterAll(async () => {
    await worker?.stop();
    await rig?.stop();
    await env?.stop({ clean: true });
  });

  it('lists wallets, sets the fraction, arms live trading with the exact phrase only', async () => {
    const wallets = await call('list_wallets', {});
    expect(wallets.ok).toBe(true);
    const funding = Ledger.walletId('coinbase', fake.portfolioId, 'funding');
    const list = (wallets as { ok: true; result: { wallets: { id: string; balances: { currency: string; amount: string; tradeable: string }[] }[] } }).result.wallets;
    expect(list.find((w) => w.id === funding)?.balances).toEqual([
      { currency: 'ETH', amount: '1', tradeable: '0' },
      { currency: 'USD', amount: '5000', tradeable: '0' },
    ]);
    expect(await call('set_tradeable_fraction', { walletId: funding, fraction: '1.5' })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(await call('set_tradeable_fraction', { walletId: 'nope', fraction: '0.5' })).toMatchObject({ ok: false, error: { code: 'not_found', message: expect.stringMatching(/no wallet/) } });
    expect(await call('set_tradeable_fraction', { walletId: funding, fraction: '0.5' })).toMatchObject({ ok: true, result: { tradeableFraction: '0.5' } });
    expect(await call('arm_live_trading', { confirm: 'yes' })).toMatchObject({ ok: false, error: { code: 'rejected', message: expect.stringMatching(/type the phrase exactly/) } });
    expect(await call('get_live_trading_status', {})).toMatchObject({ ok: true, result: { armed: false } });
  });

  it('place_ledger_order is a dry run until armed; the same key concurrently yields one live order', async () => {
    const funding = Ledger.walletId('coinbase', fake.portfolioId, 'funding');
    const order = { walletId: funding, product: 'ETH-USD', side: 'BUY', qty: '0.5', expectedEdge: '0.01', live: true };
    const dry = await call('place_ledger_order', { ...order, idempotencyKey: 'it-dry-0001' });
    expect(dry).toMatchObject({ ok: true, result: { status: 'dry_run', mode: 'dry_run', reason: expect.stringMatching(/not armed/) } });
    expect(fake.orders.size).toBe(0);
    expect(await call('arm_live_trading', { confirm: LIVE_ARM_PHRASE })).toMatchObject({ ok: true, result: { armed: true } });
    const [a, b] = await Promise.all([
      call('place_ledger_order', { ...order, idempotencyKey: 'it-live-0001' }),
      call('place_ledger_order', { ...order, idempotencyKey: 'it-live-0001' }),
    ]);
    expect(a).toMatchObject({ ok: true, result: { status: 'filled', mode: 'live', filledBase: '0.5' } });
    expect(b.ok && a.ok && (b.result as { orderId: string }).orderId === (a.result as { orderId: string }).orderId).toBe(true);
    expect(fake.ordersByClientId('it-live-0001')).toHaveLength(1);
    expect(fake.fills).toHaveLength(1);
    const again = await call('place_ledger_order', { ...order, idempotencyKey: 'it-live-0001' });
    expect(again).toMatchObject({ ok: true, result: { status: 'filled', replayed: true } });
    expect(fake.ordersByClientId('it-live-0001')).toHaveLength(1);
    const events = await call('get_ledger_events', { correlationId: 'it-corr-1' });
    expect(events.ok && (events.result as { events: { type: string }[] }).events.map((e) => e.type)).toContain('order.fill');
    expect(ledger.verify()).toEqual([]);
  });

  it('reconciles clean, then raises drift with a notification and a correction the user approves', async () => {
    const clean = await call('reconcile', { threshold: '0.00000001' });
    expect(clean).toMatchObject({ ok: true, result: { status: 'clean' } });
    fake.setBalance('ETH', '2.5');
    const drift = await call('reconcile', { threshold: '0.01' });
    expect(drift).toMatchObject({ ok: true, result: { status: 'drift' } });
    expect(notes).toContain('Ledger drift');
    const d = (drift as { ok: true; result: { drifts: { id: string; currency: string; correction: string }[] } }).result.drifts.find((x) => x.currency === 'ETH')!;
    expect(d.correction).toBe('proposed');
    expect(await call('approve_correction', { driftId: d.id })).toMatchObject({ ok: true, result: { correction: 'approved' } });
    expect(await call('reconcile', { threshold: '0.00000001' })).toMatchObject({ ok: true, result: { status: 'clean' } });
    const history = await call('get_reconcile_history', { limit: 10 });
    expect(history.ok && (history.result as { runs: unknown[] }).runs.length).toBe(3);
  });

  it('reconcile resumes an order nothing watches any more (a resting limit order past its workflow’s polling)', async () => {
    const funding = Ledger.walletId('coinbase', fake.portfolioId, 'funding');
    const order = { walletId: funding, product: 'ETH-USD', side: 'BUY' as const, qty: '0.1', limitPrice: '2900', expectedEdge: '0.01', idempotencyKey: 'it-resting-0001', live: true, postOnly: false };
    const out = await env.client.workflow.execute(ledgerOrderWorkflow, { workflowId: WORKFLOW_IDS.ledgerOps('order/it-resting-0001'), taskQueue: worker.taskQueue, args: [{ order, pollSeconds: 1, maxPolls: 1 }] });
    expect(out).toMatchObject({ status: 'open', mode: 'live' });
    fake.fillRest(out.exchangeOrderId!);
    expect(await call('reconcile', { threshold: '0.00000001' })).toMatchObject({ ok: true, result: { status: 'clean' } });
    expect(ledger.order(out.orderId)).toMatchObject({ status: 'filled', filledBase: '0.1' });
    expect(ledger.listEvents({ type: 'order.swept' })).toHaveLength(1);
    expect(notes).toContain('Orders resumed');
    expect(ledger.verify()).toEqual([]);
  });

  it('creates the reconcile schedule idempotently, and a triggered run records a reconcile', async () => {
    const id = await ensureReconcileSchedule(env.client, worker.taskQueue, { everyMinutes: 60, threshold: '0.01' });
    await ensureReconcileSchedule(env.client, worker.taskQueue, { everyMinutes: 30, threshold: '0.01' });
    const handle = env.client.schedule.getHandle(id);
    const desc = await handle.describe();
    expect(desc.spec.intervals?.[0]?.every).toBe(30 * 60_000);
    const before = ledger.reconcileHistory(100).length;
    await handle.trigger();
    const deadline = Date.now() + 60_000;
    while (ledger.reconcileHistory(100).length === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(ledger.reconcileHistory(100).length).toBe(before + 1);
    await handle.delete();
    expect(fs.existsSync(path.join(env.dir, 'ledger.sqlite'))).toBe(true);
  });
});
