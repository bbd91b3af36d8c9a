/**
 * Paper fees: the rates later paper fills pay, set by hand, from the account's Coinbase fee tier
 * (read by the production ledger's activity through the real client against the local brokerage), or back
 * to the entry tier. Real dev server; the paper book workflow takes the update.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../api/dispatch';
import { Dec } from '../domain/decimal';
import type { ApiResult } from '../api/result';
import { createLedgerActivities } from '../ledger/activities';
import { EventBus } from '../host/bus';
import { createPaperHandlers } from './handlers';
import { loadConfig } from '../runtime/config';
import { silentLogger } from '../runtime/log';
import { runWorker, startDevServer, type RunningWorker, type TestServer } from '../../tests/support/temporal';
import { startBrokerageLedger, type BrokerageLedger } from '../../tests/support/brokerage-ledger';

describe('paper trading fees', () => {
  let env: TestServer;
  let worker: RunningWorker;
  let rig: BrokerageLedger;
  let handlers: ReturnType<typeof createPaperHandlers>;
  const call = (name: string, input: unknown, door: 'http' | 'mcp' = 'http') => dispatch(handlers, name, input, { door, correlationId: 'it-fees' });
  const result = <T,>(r: ApiResult<unknown>): T => {
    if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
    return r.result as T;
  };

  beforeAll(async () => {
    env = await startDevServer();
    rig = await startBrokerageLedger(env.dir, { keyName: 'organizations/it/apiKeys/paper-fees' });
    const config = loadConfig({});
    const activities = createLedgerActivities({ config, dataDir: env.dir, bus: new EventBus(), log: silentLogger, ledger: rig.ledger, exchange: rig.exchange });
    worker = await runWorker(env, { activities });
    handlers = createPaperHandlers(
      {
        client: env.client,
        config,
        taskQueue: worker.taskQueue,
        dataDir: env.dir,
        status: () => {
          throw new Error('not used');
        },
      },
      'it-paper-fees',
    );
  });
  afterAll(async () => {
    await worker?.stop();
    await rig?.stop();
    await env?.stop({ clean: true });
  });

  it('starts on the entry tier, takes rates by hand, then the Coinbase tier, then the default again', async () => {
    const fees = async () => result<{ fees: Record<string, unknown> }>(await call('get_portfolio_status', {})).fees;
    expect(await fees()).toEqual({ taker: '0.012', maker: '0.006', source: 'default', pricingTier: null, at: 0 });
    expect(result(await call('set_paper_fees', { taker: '0.004', maker: '0.0025' }))).toMatchObject({ taker: '0.004', maker: '0.0025', source: 'manual', pricingTier: null });
    const tier = await rig.exchange.feeTier();
    expect(result(await call('set_paper_fees', { source: 'coinbase' }))).toMatchObject({ taker: Dec.of(tier.takerFeeRate).toString(), maker: Dec.of(tier.makerFeeRate).toString(), source: 'coinbase', pricingTier: 'Advanced 1' });
    expect(await fees()).toMatchObject({ source: 'coinbase', pricingTier: 'Advanced 1' });
    expect(result(await call('set_paper_fees', { source: 'default' }))).toMatchObject({ taker: '0.012', maker: '0.006', source: 'default' });
  });

  it('refuses rates that are not fractions below 10%, naming the field, and changes nothing', async () => {
    for (const bad of [{ taker: '0.2', maker: '0' }, { taker: '1.2%', maker: '0.006' }, { taker: '0.004' }]) {
      const r = await call('set_paper_fees', bad);
      expect(r.ok, JSON.stringify(bad)).toBe(false);
      if (!r.ok) expect(r.error.code).toBe('invalid_input');
    }
    expect(result<{ fees: { source: string } }>(await call('get_portfolio_status', {})).fees.source).toBe('default');
  });

  it('says plainly when there is no Coinbase key to read a tier with', async () => {
    const keyless = createLedgerActivities({ config: loadConfig({}), dataDir: env.dir, bus: new EventBus(), log: silentLogger, ledger: rig.ledger });
    await expect(keyless.ledgerOp({ op: 'get_fee_tier' })).rejects.toThrow(/Coinbase is not configured/);
  });
});
