/**
 * The alert service (host side). Capabilities raise alerts on the bus (`alert`); this records each
 * one, then sends it where its kind is routed:
 *
 *   desktop  the bus's `notify` event — a native notification in Electron, a toast in the page;
 *   webhook  a durable delivery (`alertDeliveryWorkflow`, one per alert): signed POST, retried with
 *            back-off, every attempt in the delivery log.
 *
 * It also turns events other parts already publish into alerts: live fills (the ledger's
 * `order.fill` domain events), the judge's mode switches (`agent.log`), and the runtime or the
 * market feed going degraded.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { EventBus } from '../api/bus';
import type { Logger } from '../runtime/log';
import type { SettingsStore } from '../runtime/settings-store';
import { WORKFLOW_IDS } from '../domain/ids';
import { alertDeliveryWorkflow } from './delivery.workflow';
import { AlertInputSchema, type Alert, type AlertInput, type Route } from './kinds';
import { readAlertSettings } from './settings';
import { AlertStore } from './store';

export interface AlertServiceDeps {
  bus: EventBus;
  dataDir: string;
  settings: SettingsStore;
  client: Client;
  taskQueue: string;
  log: Logger;
  /** Whether a webhook signing secret is configured right now. */
  hasSecret: () => boolean;
}

export function createAlertService(d: AlertServiceDeps) {
  const store = AlertStore.open(d.dataDir);
  const offs: (() => void)[] = [];
  const lastHealth = new Map<string, string>();

  function raise(input: AlertInput): Alert | null {
    const parsed = AlertInputSchema.safeParse(input);
    if (!parsed.success) {
      d.log.warn('alert refused: malformed', { issue: parsed.error.issues[0]?.message });
      return null;
    }
    const a: Alert = { ...parsed.data, id: `al_${randomUUID().replace(/-/g, '').slice(0, 20)}`, at: Date.now(), data: parsed.data.data ?? {} };
    const s = readAlertSettings(d.settings);
    const wanted = s.routes[a.kind];
    const route: Route = { desktop: wanted.desktop, webhook: wanted.webhook && s.webhookUrl !== null };
    store.add(a, route);
    if (route.desktop) d.bus.emit('notify', { kind: a.kind, level: a.level, title: a.title, body: a.body });
    if (route.webhook) {
      d.client.workflow
        .start(alertDeliveryWorkflow, { workflowId: WORKFLOW_IDS.alertDelivery(a.id), taskQueue: d.taskQueue, args: [{ alertId: a.id }] })
        .catch((err: Error) => {
          store.recordDelivery({ alertId: a.id, attempt: 0, at: Date.now(), url: '', ok: false, status: null, error: `could not schedule the delivery: ${err.message}`.slice(0, 300), durationMs: 0, final: true });
        });
    }
    return a;
  }

  return {
    store,
    raise,
    start() {
      offs.push(d.bus.on('alert', (a) => void raise(a)));
      offs.push(
        d.bus.on('domain.event', (e) => {
          if (e.type !== 'order.fill') return;
          const x = e.data as { size?: unknown; price?: unknown; fee?: unknown };
          raise({ kind: 'fill', level: 'info', title: `Live fill: ${e.summary.replace(/^fill /, '')}`, body: `Coinbase filled ${String(x.size ?? '?')} at ${String(x.price ?? '?')}, fee ${String(x.fee ?? '?')}`, data: { ...e.data, correlationId: e.correlationId } });
        }),
      );
      offs.push(
        d.bus.on('agent.log', (e) => {
          if (e.kind !== 'mode_switch') return;
          raise({ kind: 'judge_mode', level: 'warning', title: 'The judge switched the execution mode', body: e.summary, data: e.data });
        }),
      );
      offs.push(
        d.bus.on('runtime.status', (s) => {
          const parts: [string, string, string][] = [['temporal', s.temporal.state, `the Temporal server is ${s.temporal.state} (${s.temporal.restarts} restarts)`], ...s.workers.map((w): [string, string, string] => [`worker:${w.taskQueue}`, w.state, `the worker on ${w.taskQueue} is ${w.state}`])];
          for (const [key, state, body] of parts) {
            const prev = lastHealth.get(key);
            lastHealth.set(key, state);
            if (prev !== state && (state === 'restarting' || state === 'failed')) {
              raise({ kind: 'runtime_degraded', level: state === 'failed' ? 'error' : 'warning', title: `Runtime ${state}`, body });
            }
          }
        }),
      );
      offs.push(
        d.bus.on('market.health', (h) => {
          const key = `market:${h.feed ?? 'none'}`;
          const prev = lastHealth.get(key);
          lastHealth.set(key, h.state);
          if ((h.state === 'down' || h.state === 'degraded') && prev !== h.state && prev !== undefined) {
            raise({ kind: 'runtime_degraded', level: h.state === 'down' ? 'error' : 'warning', title: `Market feed ${h.state}`, body: h.detail.slice(0, 500), data: { feed: h.feed, symbols: h.symbols } });
          }
        }),
      );
    },
    stop() {
      for (const off of offs.splice(0)) off();
      store.close();
    },
    webhookReady(): boolean {
      return readAlertSettings(d.settings).webhookUrl !== null && d.hasSecret();
    },
  };
}

export type AlertService = ReturnType<typeof createAlertService>;
