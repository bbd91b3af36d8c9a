/**
 * Emulated live stops on a real dev server: the verbs through dispatch, `liveTriggerWorkflow`
 * watching the local Coinbase brokerage's book with the real client, the market order it sends
 * going through the order port into the SQLite ledger.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Worker } from '@temporalio/worker';
import { dispatch } from '../api/dispatch';
import type { HandlerContext } from '../api/contract';
import { createLedgerActivities } from './activities';
import { WORKFLOW_IDS } from '../domain/ids';
import { EventBus } from '../host/bus';
import { createLedgerHandlers } from './handlers';
import { LIVE_ARM_PHRASE } from './ledger';
import { loadConfig } from '../runtime/config';
import { silentLogger } from '../runtime/log';
import { setPreferencesUpdate } from '../paper/paper-book.workflow';
import type { LiveTriggerState } from './triggers.workflow';
import { cliPath, runWorker, startDevServer, waitFor, workflowBundle, type RunningWorker, type TestServer } from '../../tests/support/temporal';
import { committedHistory, loadHistory, recordingHistory, saveHistory } from '../../tests/support/replay';
import { startBrokerageLedger, type BrokerageLedger } from '../../tests/support/brokerage-ledger';

describe('emulated live stops on a real Temporal dev server', () => {
  let env: TestServer;
  let worker: RunningWorker;
  let rig: BrokerageLedger;
  let handlers: ReturnType<typeof createLedgerHandlers>;
  const bus = new EventBus();
  const alerts: { kind: string; title: string }[] = [];
  const ctx: HandlerContext = { door: 'test', correlationId: 'it-stops' };
  const config = loadConfig({ INITIAL_PORTFOLIO_BALANCE: '10000' });
  const activities = () => createLedgerActivities({ config, dataDir: env.dir, bus, log: silentLogger, ledger: rig.ledger, exchange: rig.exchange, client: env.client });

  async function call<T>(name: string, input: unknown): Promise<T> {
    const r = await dispatch(handlers, name, input, ctx);
    if (!r.ok) throw new Error(`${name}: ${r.error.code}: ${r.error.message}`);
    return r.result as T;
  }
  const stop = (key: string) => call<{ stops: LiveTriggerState[] }>('list_ledger_stops', { limit: 100 }).then((r) => r.stops.find((s) => s.key === key)!);
  const book = (bid: string) => rig.fake.setBook('ETH-USD', { bids: [{ price: bid, size: '10' }], asks: [{ price: String(Number(bid) + 2), size: '10' }] });
  const sell = (key: string, extra: Record<string, unknown>) => ({ walletId: rig.funding, product: 'ETH-USD', side: 'SELL', qty: '0.2', idempotencyKey: key, live: true, pollSeconds: 1, ...extra });

  beforeAll(async () => {
    env = await startDevServer();
    rig = await startBrokerageLedger(env.dir, { keyName: 'organizations/it/apiKeys/stops' });
    bus.on('alert', (a) => alerts.push({ kind: a.kind, title: a.title }));
    worker = await runWorker(env, { activities: activities() });
    handlers = createLedgerHandlers({ client: env.client, config, taskQueue: worker.taskQueue, dataDir: env.dir, status: () => { throw new Error('not used'); } });
    rig.ledger.setTradeableFraction(rig.funding, '1');
    rig.ledger.armLive(LIVE_ARM_PHRASE, 'test');
  });
  afterAll(async () => {
    await worker?.stop();
    await rig?.stop();
    await env?.stop({ clean: true });
  });

  it('a sell stop waits below the market, fires when the bid reaches it, and sells at market through the order port — once per key', async () => {
    book('2999');
    const armed = await call<LiveTriggerState>('place_ledger_stop', sell('live-stop-0001', { kind: 'stop', stopPrice: '2900' }));
    expect(armed).toMatchObject({ status: 'waiting', stop: '2900', side: 'SELL', qty: '0.2', live: true, placedBy: 'test' });
    expect((await call<{ stops: LiveTriggerState[] }>('list_ledger_stops', { activeOnly: true, limit: 10 })).stops.map((s) => s.key)).toContain('live-stop-0001');
    book('2950');
    await new Promise((r) => setTimeout(r, 2500));
    expect(await stop('live-stop-0001')).toMatchObject({ status: 'waiting' });
    expect(rig.fake.orderRequests()).toBe(0);

    book('2890');
    await waitFor(async () => (await stop('live-stop-0001')).outcome !== null, 30_000);
    const fired = await stop('live-stop-0001');
    expect(fired).toMatchObject({ status: 'fired', triggerPrice: '2900', observedPrice: '2890', outcome: { status: 'filled', mode: 'live', filledBase: '0.2' } });
    const sent = rig.fake.ordersByClientId('live-stop-0001');
    expect(sent).toHaveLength(1);
    expect(sent[0]!.order_configuration).toEqual({ market_market_ioc: { base_size: '0.2' } });
    expect(rig.ledger.orderByClientId('live-stop-0001')).toMatchObject({ orderType: 'market', side: 'SELL', placedBy: 'test', status: 'filled' });
    // One story in the event log, under the caller's correlation id: armed, fired, the order.
    expect(rig.ledger.listEvents({ correlationId: 'it-stops' }).map((e) => e.type)).toEqual(expect.arrayContaining(['trigger.armed', 'trigger.fired', 'order.submitting', 'order.filled']));
    expect(alerts).toContainEqual({ kind: 'stop_hit', title: 'Live stop hit: selling 0.2 ETH-USD' });

    // The same key again answers with that stop: nothing is armed or sent a second time.
    expect(await call<LiveTriggerState>('place_ledger_stop', sell('live-stop-0001', { kind: 'stop', stopPrice: '2900' }))).toMatchObject({ status: 'fired' });
    expect(rig.fake.orderRequests()).toBe(1);
  });

  it('a trailing stop follows the best bid, keeps its trail across a worker restart, and fires on the way down', async () => {
    book('3000');
    const armed = await call<LiveTriggerState>('place_ledger_stop', sell('live-trail-0001', { kind: 'trailing_stop', trailPct: '0.05' }));
    expect(armed).toMatchObject({ status: 'waiting', stop: '2850', extreme: '3000' });
    book('3200');
    // Where the trail is now, read from the watch's heartbeat.
    await waitFor(async () => (await stop('live-trail-0001')).stop === '3040', 30_000);
    expect(await stop('live-trail-0001')).toMatchObject({ extreme: '3200', lastPrice: '3200' });
    // The trail's state lives in those heartbeats: a new worker resumes from it.
    await worker.stop();
    worker = await runWorker(env, { activities: activities(), taskQueue: worker.taskQueue });
    book('3100');
    await new Promise((r) => setTimeout(r, 3000));
    expect((await stop('live-trail-0001')).status).toBe('waiting');
    expect(rig.fake.ordersByClientId('live-trail-0001')).toHaveLength(0);
    // 3 039 is below the trail from 3 200 (3 040): it fires; from the first 3 000 it would not have.
    book('3039');
    await waitFor(async () => (await stop('live-trail-0001')).outcome !== null, 60_000);
    expect(await stop('live-trail-0001')).toMatchObject({ status: 'fired', triggerPrice: '3040', extreme: '3200', outcome: { status: 'filled' } });
    expect(rig.fake.ordersByClientId('live-trail-0001')).toHaveLength(1);
    if (recordingHistory('live-trigger')) saveHistory('live-trigger', { cli: cliPath(), address: env.address, namespace: env.namespace, workflowId: WORKFLOW_IDS.ledgerOps('trigger/live-trail-0001') });
  });

  it("replays the committed history of a trailing stop (armed, watched across a worker restart, fired, its child order) deterministically", async () => {
    const history = committedHistory<{ events: { eventType?: string }[] }>('live-trigger');
    const types = history.events.map((e) => e.eventType);
    expect(types).toContain('EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED');
    expect(types.filter((t) => t === 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED').length).toBe(3);
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle(), replayName: 'live-trigger' }, loadHistory(history), WORKFLOW_IDS.ledgerOps('trigger/live-trail-0001'));
  });

  it('a cancelled stop sends nothing when the price later passes it; a stop on the wrong side is refused with the reason', async () => {
    book('3000');
    await call('place_ledger_stop', sell('live-stop-cancel', { kind: 'stop', stopPrice: '2500' }));
    expect(await call<LiveTriggerState>('cancel_ledger_stop', { idempotencyKey: 'live-stop-cancel', reason: 'closing by hand' })).toMatchObject({ status: 'cancelled', reason: 'closing by hand' });
    book('2400');
    await new Promise((r) => setTimeout(r, 2500));
    expect(rig.fake.ordersByClientId('live-stop-cancel')).toHaveLength(0);
    expect(await call<LiveTriggerState>('cancel_ledger_stop', { idempotencyKey: 'live-stop-cancel', reason: 'again' })).toMatchObject({ status: 'cancelled' });

    const refused = await call<LiveTriggerState>('place_ledger_stop', sell('live-stop-wrong', { kind: 'stop', stopPrice: '2500' }));
    expect(refused).toMatchObject({ status: 'refused', reason: 'a sell stop at 2500 is not below the best bid 2400: it would fire at once' });
    const bad = await dispatch(handlers, 'place_ledger_stop', sell('live-stop-bad1', { kind: 'trailing_stop', trailPct: '0.05', trailAmount: '10' }), ctx);
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(JSON.stringify(bad)).toMatch(/exactly one of trailPct or trailAmount/);
    expect(await dispatch(handlers, 'cancel_ledger_stop', { idempotencyKey: 'no-such-stop', reason: 'x y z' }, ctx)).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });

  it("a live buy with exits: once it filled, a native bracket for what it bought, priced from its average fill", async () => {
    book('3000');
    const o = await call<{ status: string; filledBase: string; avgFillPrice: string; exits: { type: string; status: string; takeProfitPrice: string; stopPrice: string; clientOrderId: string } }>('place_ledger_order', {
      walletId: rig.funding,
      product: 'ETH-USD',
      side: 'BUY',
      qty: '0.1',
      expectedEdge: '0.05',
      idempotencyKey: 'live-entry-exits-1',
      live: true,
      exits: { stopPct: '0.05', takeProfitPct: '0.1' },
    });
    expect(o).toMatchObject({ status: 'filled', filledBase: '0.1', avgFillPrice: '3002' });
    expect(o.exits).toEqual({ clientOrderId: 'live-entry-exits-1:exits', type: 'bracket', takeProfitPrice: '3302.2', stopPrice: '2851.9', status: 'open', reason: expect.stringMatching(/^override: exits of live-entry-exits-1/) });
    const exit = rig.fake.ordersByClientId('live-entry-exits-1:exits');
    expect(exit).toHaveLength(1);
    expect(exit[0]!.order_configuration).toEqual({ trigger_bracket_gtc: { base_size: '0.1', limit_price: '3302.2', stop_trigger_price: '2851.9' } });
    expect(rig.ledger.orderByClientId('live-entry-exits-1:exits')).toMatchObject({ orderType: 'bracket', side: 'SELL', status: 'open', placedBy: 'test' });
    // Exits go with a buy only.
    const bad = await dispatch(handlers, 'place_ledger_order', { walletId: rig.funding, product: 'ETH-USD', side: 'SELL', qty: '0.1', expectedEdge: '0', idempotencyKey: 'live-exit-bad-01', exits: { stopPct: '0.05' } }, ctx);
    expect(JSON.stringify(bad)).toMatch(/exits go with a market or limit buy/);
    // Cancel the resting bracket so the next test starts from a quiet book.
    await rig.exchange.cancelOrders([exit[0]!.order_id]);
  });

  it('when the kill switch is on as it fires, the market order is refused by it: nothing reaches Coinbase', async () => {
    book('3000');
    await call('place_ledger_stop', sell('live-stop-kill', { kind: 'stop', stopPrice: '2900' }));
    const paper = env.client.workflow.getHandle(WORKFLOW_IDS.paperBook('default'));
    await paper.executeUpdate(setPreferencesUpdate, { args: [{ killSwitch: true }] });
    const before = rig.fake.orderRequests();
    book('2800');
    await waitFor(async () => (await stop('live-stop-kill')).outcome !== null, 30_000);
    expect(await stop('live-stop-kill')).toMatchObject({ status: 'fired', outcome: { status: 'blocked', rule: 'kill_switch' } });
    expect(rig.fake.orderRequests()).toBe(before);
    await paper.executeUpdate(setPreferencesUpdate, { args: [{ killSwitch: false }] });
  });
});
