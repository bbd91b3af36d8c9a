/**
 * Live orders requested from outside the app (MCP clients, the broker agent): refused unless the
 * user allowed them, priced and shown first, a durable wait for Approve/Deny in the app that
 * survives a worker restart and denies on timeout, and an approved order routed like every ledger
 * order. Real dev server, real SQLite ledger, the real Coinbase client against the local brokerage.
 */
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../api/dispatch';
import type { HandlerContext } from '../api/contract';
import type { ApiResult } from '../api/result';
import { createLedgerActivities } from './activities';
import { EventBus } from '../host/bus';
import { createLedgerHandlers } from './handlers';
import { createSettingsHandlers } from '../host/handlers/settings';
import { Ledger, LIVE_ARM_PHRASE } from './ledger';
import { loadConfig } from '../runtime/config';
import { silentLogger } from '../runtime/log';
import { createSettingsStore } from '../runtime/settings-store';
import { WORKFLOW_IDS } from '../domain/ids';
import { FakeCoinbaseBrokerage } from '../testing/fake-coinbase-brokerage/server';
import { cliPath, installRuntimeOnce, runWorker, startDevServer, waitFor, workflowBundle, type RunningWorker, type TestServer } from '../../tests/support/temporal';
import { committedHistory, loadHistory, recordingHistory, saveHistory } from '../../tests/support/replay';
import { startBrokerageLedger, type BrokerageLedger } from '../../tests/support/brokerage-ledger';
import { liveOrderRequestWorkflow, type LiveOrderRequestState } from './live-orders.workflow';

/**
 * The approved request's history, committed: today's workflow code must replay it, and a missing
 * one fails. Re-record only for an intended, versioned change:
 * `npm run record:histories -- live-order-request` (docs/reliability.md).
 */
const HISTORY = 'live-order-request';

describe('live-order requests from outside the app', () => {
  let env: TestServer;
  let worker: RunningWorker;
  let fake: FakeCoinbaseBrokerage;
  let ledger: Ledger;
  let rig: BrokerageLedger;
  let activities: ReturnType<typeof createLedgerActivities>;
  let handlers: ReturnType<typeof createLedgerHandlers> & ReturnType<typeof createSettingsHandlers>;
  const notes: string[] = [];
  const as = (door: HandlerContext['door']) => (name: string, input: unknown) => dispatch(handlers, name, input, { door, correlationId: `it-${door}` });
  const mcp = as('mcp');
  const app = as('http');
  const result = <T,>(r: ApiResult<unknown>): T => {
    if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
    return r.result as T;
  };
  let funding = '';
  const order = (key: string) => ({ walletId: funding, product: 'ETH-USD', side: 'BUY', qty: '0.25', expectedEdge: '0.01', idempotencyKey: key, reason: 'momentum on ETH, 1% expected edge' });

  beforeAll(async () => {
    env = await startDevServer();
    rig = await startBrokerageLedger(env.dir, { keyName: 'organizations/it/apiKeys/live-requests' });
    ({ fake, ledger, funding } = rig);
    const exchange = rig.exchange;
    // Risk limits scale with the starting cash: 10,000 lets these orders (≈ 750) through the max order value.
    const config = loadConfig({ INITIAL_PORTFOLIO_BALANCE: '10000' });
    const bus = new EventBus();
    bus.on('alert', (n) => notes.push(n.title));
    // With the Temporal client the order port reads the account's kill switch and limits.
    activities = createLedgerActivities({ config, dataDir: env.dir, bus, log: silentLogger, ledger, exchange, client: env.client });
    worker = await runWorker(env, { activities });
    const deps = {
      client: env.client,
      config,
      taskQueue: worker.taskQueue,
      dataDir: env.dir,
      settings: { store: createSettingsStore(env.dir), fromEnvironment: new Set<string>(), applied: () => {} },
      status: () => {
        throw new Error('not used');
      },
    };
    handlers = { ...createLedgerHandlers(deps), ...createSettingsHandlers(deps) };
  });
  afterAll(async () => {
    await worker?.stop();
    await rig?.stop();
    await env?.stop({ clean: true });
  });

  it('refuses requests from MCP while the setting is off, and records the refusal', async () => {
    expect(result(await app('get_safety_settings', {}))).toEqual({ mcpLiveOrders: false, mcpReadOnly: false });
    const r = result<LiveOrderRequestState>(await mcp('request_live_order', order('it-req-off-001')));
    expect(r).toMatchObject({ status: 'refused', refusal: expect.stringMatching(/switched off.*Settings/), plan: null });
    expect(ledger.listEvents({ type: 'live_order.refused' })).toHaveLength(1);
    expect(fake.orders.size).toBe(0);
  });

  it('the setting is the app’s alone: MCP cannot switch it on and cannot decide', async () => {
    // Neither verb is an MCP tool (checked by the bridge tests); a call through the mcp door to
    // decide is refused by the handler as well.
    expect(await mcp('decide_live_order_request', { id: 'it-req-off-001', approve: true })).toMatchObject({ ok: false, error: { code: 'rejected', message: expect.stringMatching(/only in the app/) } });
    expect(result(await app('set_mcp_live_orders', { enabled: true }))).toEqual({ mcpLiveOrders: true, mcpReadOnly: false });
  });

  it('prices the order and waits; the wait survives a worker restart; Deny ends it with nothing sent', async () => {
    const r = result<LiveOrderRequestState>(await mcp('request_live_order', order('it-req-deny-01')));
    expect(r.status).toBe('pending');
    expect(r.plan).toMatchObject({ side: 'BUY', qty: '0.25', product: 'ETH-USD', orderType: 'market', gate: { decision: 'proceed' }, liveBlocker: expect.stringMatching(/tradeable fraction 0|not armed/) });
    expect(notes).toContain('Live order waiting for your approval');
    const pending = result<{ requests: LiveOrderRequestState[] }>(await app('list_live_order_requests', { pendingOnly: true }));
    expect(pending.requests.map((x) => x.id)).toContain('it-req-deny-01');

    // Restart the worker: the request is still waiting (its state lives in Temporal).
    await worker.stop();
    worker = await runWorker(env, { activities, taskQueue: worker.taskQueue });
    expect(result<LiveOrderRequestState>(await mcp('get_live_order_request', { id: 'it-req-deny-01' })).status).toBe('pending');

    // The same key with another order is refused; the same request again is the same request.
    expect(await mcp('request_live_order', { ...order('it-req-deny-01'), qty: '5' })).toMatchObject({ ok: false, error: { code: 'rejected', message: expect.stringMatching(/different request/) } });
    expect(result<LiveOrderRequestState>(await mcp('request_live_order', order('it-req-deny-01'))).requestedAt).toBe(r.requestedAt);

    const denied = result<LiveOrderRequestState>(await app('decide_live_order_request', { id: 'it-req-deny-01', approve: false, note: 'not today' }));
    expect(denied).toMatchObject({ status: 'denied', decision: { approve: false, note: 'not today', door: 'http' } });
    expect(await app('decide_live_order_request', { id: 'it-req-deny-01', approve: true })).toMatchObject({ ok: false, error: { code: 'rejected' } });
    await waitFor(async () => ledger.listEvents({ type: 'live_order.denied' }).length === 1, 20_000);
    expect(fake.orders.size).toBe(0);
  });

  it('an approved request becomes one live order through the ledger (armed, wallet with a fraction)', async () => {
    result(await app('set_tradeable_fraction', { walletId: funding, fraction: '0.5' }));
    result(await app('arm_live_trading', { confirm: LIVE_ARM_PHRASE }));
    const r = result<LiveOrderRequestState>(await mcp('request_live_order', order('it-req-ok-0001')));
    expect(r).toMatchObject({ status: 'pending', plan: { liveBlocker: null } });
    expect(result<LiveOrderRequestState>(await app('decide_live_order_request', { id: 'it-req-ok-0001', approve: true, note: 'ok' })).status).toBe('approved');
    let done: LiveOrderRequestState | null = null;
    await waitFor(async () => {
      done = result<LiveOrderRequestState>(await mcp('get_live_order_request', { id: 'it-req-ok-0001' }));
      return done.status === 'done';
    }, 60_000);
    expect(done!.outcome).toMatchObject({ status: 'filled', mode: 'live', filledBase: '0.25', clientOrderId: 'it-req-ok-0001' });
    expect(fake.ordersByClientId('it-req-ok-0001')).toHaveLength(1);
    expect(ledger.listEvents({ type: 'live_order.approved' })).toHaveLength(1);
    if (recordingHistory(HISTORY)) saveHistory(HISTORY, { cli: cliPath(), address: env.address, namespace: env.namespace, workflowId: WORKFLOW_IDS.liveOrderRequest('it-req-ok-0001') });
  });

  it('replays the committed history of an approved request deterministically', async () => {
    installRuntimeOnce();
    const history = committedHistory(HISTORY);
    expect(history.events.length).toBeGreaterThan(15);
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle(), replayName: 'live-order-request' }, loadHistory(history), WORKFLOW_IDS.liveOrderRequest('it-req-ok-0001'));
  });

  it('denies on timeout when nobody decides', async () => {
    // The verb's minimum is 30 s; the workflow itself takes any timeout, so start it directly.
    const { reason: _r, ...raw } = order('it-req-timeout1');
    const s = await env.client.workflow.execute(liveOrderRequestWorkflow, {
      workflowId: WORKFLOW_IDS.liveOrderRequest('it-req-timeout1'),
      taskQueue: worker.taskQueue,
      args: [{ order: { ...raw, side: 'BUY' as const, postOnly: false }, reason: 'no one answers', door: 'mcp', requestedAt: Date.now(), timeoutSeconds: 2 }],
    });
    expect(s.status).toBe('expired');
    expect(ledger.listEvents({ type: 'live_order.expired' })).toHaveLength(1);
    expect(fake.ordersByClientId('it-req-timeout1')).toHaveLength(0);
  });

  it('validates the request at the boundary', async () => {
    expect(await mcp('request_live_order', { ...order('it-req-bad-001'), timeoutSeconds: 5 })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(await mcp('request_live_order', { ...order('it-req-bad-002'), reason: '' })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(await mcp('request_live_order', { ...order('it-req-bad-003'), notional: '10' })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(await mcp('get_live_order_request', { id: 'it-never-existed' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });
});
