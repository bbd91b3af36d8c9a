/**
 * Agent orders with real-ledger routing on: refused without a tradeable wallet, a recorded dry run
 * until live trading is armed, then one real order at the (local) Coinbase brokerage per key —
 * all through ledgerOrderWorkflow on a real dev server.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLedgerActivities } from './ledger';
import { routeToRealLedger, realRoutingOn, type AgentOrder } from './real-ledger-routing';
import { EventBus } from '../host/bus';
import { CoinbaseClient } from '../exchange/coinbase/client';
import { generateCdpKey } from '../exchange/coinbase/jwt';
import { Ledger, LIVE_ARM_PHRASE, openLedger } from '../ledger/ledger';
import { seedFromExchange } from '../ledger/router';
import { loadConfig } from '../runtime/config';
import { silentLogger } from '../runtime/log';
import { FakeCoinbaseBrokerage } from '../testing/fake-coinbase-brokerage/server';
import { runWorker, startDevServer, type RunningWorker, type TestServer } from '../../tests/support/temporal';

describe('real-ledger routing of agent orders', () => {
  let env: TestServer;
  let worker: RunningWorker;
  let fake: FakeCoinbaseBrokerage;
  let ledger: Ledger;
  const order = (key: string): AgentOrder => ({ symbol: 'ETH-USD', side: 'buy', type: 'market', notional: '30', idempotencyKey: key, expectedEdgeBps: 400, correlationId: `corr-${key}` });

  beforeAll(async () => {
    env = await startDevServer();
    const key = generateCdpKey('ES256', 'organizations/it/apiKeys/routing');
    fake = new FakeCoinbaseBrokerage({
      keys: [key],
      products: [{ id: 'ETH-USD', bids: [{ price: '2999', size: '10' }], asks: [{ price: '3001', size: '10' }] }],
      balances: { USD: '5000', ETH: '1' },
    });
    const urls = await fake.start();
    const exchange = new CoinbaseClient({ ...urls, keyName: key.name, privateKey: key.privateKey, log: silentLogger });
    ledger = openLedger(path.join(env.dir, 'ledger.sqlite'), { log: silentLogger });
    await seedFromExchange({ ledger, exchange, log: silentLogger });
    worker = await runWorker(env, { activities: createLedgerActivities({ config: loadConfig({}), dataDir: env.dir, bus: new EventBus(), log: silentLogger, ledger, exchange }) });
  });
  afterAll(async () => {
    await worker?.stop();
    ledger?.close();
    await fake?.stop();
    await env?.stop({ clean: true });
  });

  it('is off by default and on by config', async () => {
    expect(await realRoutingOn(env.client, false, 'nobody')).toBe(false);
    expect(await realRoutingOn(env.client, true, 'nobody')).toBe(true);
  });

  it('refuses without a tradeable wallet, dry-runs until armed, then places one live order per key', async () => {
    const refused = await routeToRealLedger(env.client, worker.taskQueue, ledger, order('agent-order-0001'));
    expect(refused.ok).toBe(false);
    expect(refused.summary).toMatch(/no funding wallet has a tradeable fraction/);

    ledger.setTradeableFraction(Ledger.walletId('coinbase', fake.portfolioId, 'funding'), '0.5');
    const dry = await routeToRealLedger(env.client, worker.taskQueue, ledger, order('agent-order-0002'));
    expect(dry.ok, dry.summary).toBe(true);
    expect(dry.summary).toMatch(/dry run/);
    expect(fake.ordersByClientId('agent-order-0002')).toHaveLength(0);

    ledger.armLive(LIVE_ARM_PHRASE, 'test');
    const live = await routeToRealLedger(env.client, worker.taskQueue, ledger, order('agent-order-0003'));
    expect(live.ok, live.summary).toBe(true);
    expect((live.result as { mode: string }).mode).toBe('live');
    const again = await routeToRealLedger(env.client, worker.taskQueue, ledger, order('agent-order-0003'));
    expect(again.ok).toBe(true);
    expect(fake.ordersByClientId('agent-order-0003')).toHaveLength(1);
  });
});
