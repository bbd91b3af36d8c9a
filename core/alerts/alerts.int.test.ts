/**
 * Alerts end to end on a real dev server: capabilities raise alerts on the bus, the alert service
 * routes them, and a local HTTP receiver (a real server on 127.0.0.1 that checks every signature)
 * gets the webhook deliveries — retried with back-off through a durable workflow, every attempt in
 * the delivery log. The kill switch, thrown through the paper book, is one of them.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../activities';
import { dispatch } from '../api/dispatch';
import type { EventPayload } from '../api/events';
import { EventBus } from '../host/bus';
import { createHandlers } from '../host/handlers';
import type { HandlerDeps } from '../host/handler-deps';
import { loadConfig } from '../runtime/config';
import { silentLogger } from '../runtime/log';
import { createSettingsStore } from '../runtime/settings-store';
import { WORKFLOW_IDS } from '../domain/ids';
import { alertDeliveryWorkflow } from './delivery.workflow';
import { runWorker, startDevServer, waitFor, type RunningWorker, type TestServer } from '../../tests/support/temporal';
import { createAlertService, type AlertService } from './service';
import { DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, verifySignature } from './webhook';

const SECRET = 'whsec-alerts-int-test-0001';

/** Polls until `fn` gives a value. */
async function until<T>(fn: () => Promise<T | null | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface Received {
  body: string;
  signatureOk: boolean;
  delivery: string;
  event: string;
}

/** A webhook receiver: answers `plan` in order (then 200), records what it got. */
async function startReceiver() {
  const received: Received[] = [];
  const plan: number[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({ body, signatureOk: verifySignature(SECRET, body, req.headers[SIGNATURE_HEADER] as string | undefined), delivery: String(req.headers[DELIVERY_HEADER]), event: String(req.headers[EVENT_HEADER]) });
      res.writeHead(plan.shift() ?? 200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/vigil?token=t0k3n`, received, plan, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('alerts: routing, signed webhooks with retries, the delivery log', () => {
  let env: TestServer;
  let worker: RunningWorker;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let service: AlertService;
  const bus = new EventBus();
  const notes: EventPayload<'notify'>[] = [];
  let handlers: ReturnType<typeof createHandlers>;
  const call = async <T,>(verb: string, input: unknown): Promise<T> => {
    const r = await dispatch(handlers, verb, input, { door: 'test', correlationId: 'alerts-it' });
    if (!r.ok) throw new Error(`${verb}: ${r.error.code} ${r.error.message}`);
    return r.result as T;
  };

  beforeAll(async () => {
    env = await startDevServer();
    receiver = await startReceiver();
    const config = loadConfig({ ALERT_WEBHOOK_SECRET: SECRET });
    const settings = createSettingsStore(env.dir);
    worker = await runWorker(env, { activities: createActivities({ config, dataDir: env.dir, bus, log: silentLogger, client: env.client }) });
    service = createAlertService({ bus, dataDir: env.dir, settings, client: env.client, taskQueue: worker.taskQueue, log: silentLogger, hasSecret: () => true });
    service.start();
    bus.on('notify', (n) => notes.push(n));
    const deps: HandlerDeps = { client: env.client, config, taskQueue: worker.taskQueue, dataDir: env.dir, status: () => { throw new Error('n/a'); }, settings: { store: settings, fromEnvironment: new Set(), applied: () => {} } };
    handlers = createHandlers(deps);
  });
  afterAll(async () => {
    service?.stop();
    await worker?.stop();
    await receiver?.close();
    await env?.stop({ clean: true });
  });

  it('refuses a webhook that is not https or local, and shows the URL without its query', async () => {
    const bad = await dispatch(handlers, 'set_alert_webhook', { url: 'http://hooks.example.com/x' }, { door: 'test', correlationId: 'c' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid_input', issues: [{ path: 'url', message: expect.stringMatching(/use https/) }] } });
    const s = await call<{ webhook: { url: string; ready: boolean; secretSet: boolean } }>('set_alert_webhook', { url: receiver.url });
    expect(s.webhook).toEqual({ url: receiver.url.split('?')[0], source: 'app', secretSet: true, ready: true });
  });

  it('a test delivery reaches the receiver signed, and says what it answered', async () => {
    const r = await call<{ delivered: boolean; status: number; alertId: string }>('test_alert_webhook', {});
    expect(r).toMatchObject({ delivered: true, status: 200 });
    expect(receiver.received.at(-1)).toMatchObject({ signatureOk: true, delivery: r.alertId, event: 'test' });
    receiver.plan.push(503);
    expect(await call('test_alert_webhook', {})).toMatchObject({ delivered: false, status: 503, error: 'HTTP 503' });
  });

  it('routes by kind: the desktop gets what is routed there, the webhook retries with back-off until the receiver takes it', async () => {
    await call('set_alert_routes', { routes: { order_blocked: { webhook: true, desktop: false }, fill: { desktop: true, webhook: false } } });
    const before = receiver.received.length;
    receiver.plan.push(500, 502);
    bus.emit('alert', { kind: 'fill', level: 'info', title: 'Bought 0.001 BTC-USD', body: 'at 60000', data: {} });
    bus.emit('alert', { kind: 'order_blocked', level: 'warning', title: 'Order blocked by max_order_notional: buy BTC-USD', body: 'order value 900.00 exceeds the max order value 250', data: { rule: 'max_order_notional' } });
    const log = await until(async () => {
      const l = await call<{ alerts: { kind: string; webhookState: string; deliveries: { attempt: number; ok: boolean; status: number | null; final: boolean; url: string }[] }[] }>('get_alert_log', { limit: 10 });
      const blocked = l.alerts.find((a) => a.kind === 'order_blocked');
      return blocked?.webhookState === 'delivered' ? l : null;
    }, 60_000);
    const blocked = log.alerts.find((a) => a.kind === 'order_blocked')!;
    expect(blocked.deliveries.map((d) => [d.attempt, d.ok, d.status, d.final])).toEqual([
      [1, false, 500, false],
      [2, false, 502, false],
      [3, true, 200, true],
    ]);
    expect(blocked.deliveries.every((d) => d.url === receiver.url.split('?')[0])).toBe(true);
    const got = receiver.received.slice(before);
    expect(got).toHaveLength(3);
    expect(got.every((g) => g.signatureOk && g.event === 'order_blocked')).toBe(true);
    // One alert, one delivery id across its retries: a receiver can de-duplicate.
    expect(new Set(got.map((g) => g.delivery)).size).toBe(1);
    expect(JSON.parse(got[2]!.body)).toMatchObject({ kind: 'order_blocked', level: 'warning', data: { rule: 'max_order_notional' }, source: 'vigil' });
    // The fill went to the desktop only; the block did not.
    expect(notes.map((n) => n.kind)).toContain('fill');
    expect(notes.map((n) => n.kind)).not.toContain('order_blocked');
    expect(log.alerts.find((a) => a.kind === 'fill')?.webhookState).toBe('not_sent');
  });

  it('gives up after its attempts and records the failure as final', async () => {
    bus.emit('alert', { kind: 'reconcile_drift', level: 'warning', title: 'Ledger drift', body: '0.5 ETH', data: {} });
    const a = await until(async () => (await call<{ alerts: { id: string; kind: string }[] }>('get_alert_log', { kind: 'reconcile_drift' })).alerts[0] ?? null);
    // The service's own delivery goes through first; then a shorter one for the same alert, against a
    // receiver that keeps failing, to watch it give up.
    const own = await until(async () => {
      try {
        return (await env.client.workflow.getHandle(WORKFLOW_IDS.alertDelivery(a.id)).result()) as { delivered: boolean };
      } catch (err) {
        if ((err as Error).name === 'WorkflowNotFoundError') return null; // started a moment after it was logged
        throw err;
      }
    });
    expect(own).toEqual({ delivered: true });
    receiver.plan.push(500, 500);
    const h = await env.client.workflow.start(alertDeliveryWorkflow, { taskQueue: worker.taskQueue, workflowId: `${WORKFLOW_IDS.alertDelivery(a.id)}/again`, args: [{ alertId: a.id, maxAttempts: 2, firstRetrySeconds: 1 }] });
    expect(await h.result()).toEqual({ delivered: false });
    const log = await call<{ alerts: { id: string; webhookState: string; deliveries: { ok: boolean; final: boolean }[] }[] }>('get_alert_log', { kind: 'reconcile_drift' });
    const entry = log.alerts.find((x) => x.id === a.id)!;
    expect(entry.deliveries.at(-1)).toMatchObject({ ok: false, final: true });
    expect(entry.webhookState).toBe('failed');
  });

  it('the kill switch, thrown on the paper book from any door, raises an alert that reaches the webhook', async () => {
    const before = receiver.received.length;
    await call('get_portfolio_status', {});
    await call('set_kill_switch', { on: true });
    await waitFor(() => receiver.received.slice(before).some((r) => r.event === 'kill_switch'), 30_000);
    const got = receiver.received.slice(before).find((r) => r.event === 'kill_switch')!;
    expect(got.signatureOk).toBe(true);
    expect(JSON.parse(got.body)).toMatchObject({ kind: 'kill_switch', title: 'Kill switch engaged', data: { on: true } });
    expect(notes.some((n) => n.kind === 'kill_switch' && n.title === 'Kill switch engaged')).toBe(true);
    // Setting it to what it already is announces nothing.
    const n = notes.length;
    await call('set_kill_switch', { on: true });
    await call('set_kill_switch', { on: false });
    await waitFor(() => notes.some((x) => x.title === 'Kill switch released'), 30_000);
    expect(notes.slice(n).filter((x) => x.kind === 'kill_switch').map((x) => x.title)).toEqual(['Kill switch released']);
    expect(fs.existsSync(`${env.dir}/alerts.sqlite`)).toBe(true);
  });
});
