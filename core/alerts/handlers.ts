/**
 * The alerts' handlers. Settings and the test delivery are host-local (the settings file, the keys
 * and the alert store sit with the host); the CLI and MCP read the log from the same store.
 */
import { randomUUID } from 'node:crypto';
import type { Handlers } from '../api/contract';
import { ApiFailure } from '../api/result';
import type { HandlerDeps } from '../host/handler-deps';
import { createSettingsStore } from '../runtime/settings-store';
import { ALERT_KIND_LABELS, ALERT_KINDS, type Alert, type AlertKind } from './kinds';
import { ALERT_WEBHOOK_URL_SETTING, readAlertSettings, writeRoutes } from './settings';
import { AlertStore } from './store';
import { postAlert, redactUrl } from './webhook';

type AlertVerbs = 'get_alert_settings' | 'set_alert_routes' | 'set_alert_webhook' | 'test_alert_webhook' | 'get_alert_log';

export function createAlertHandlers(deps: HandlerDeps): Pick<Handlers, AlertVerbs> {
  const settings = () => deps.settings?.store ?? createSettingsStore(deps.dataDir);
  const writable = () => {
    if (!deps.settings) throw new ApiFailure('unavailable', 'alert settings can be changed only in the running cockpit (Settings → Alerts)');
    return deps.settings.store;
  };
  let store: AlertStore | null = null;
  const alerts = () => (store ??= AlertStore.open(deps.dataDir));
  const view = () => {
    const s = readAlertSettings(settings());
    const secretSet = Boolean(deps.config.secrets.ALERT_WEBHOOK_SECRET);
    return {
      kinds: ALERT_KINDS.map((kind) => ({ kind, label: ALERT_KIND_LABELS[kind], ...s.routes[kind] })),
      webhook: { url: s.webhookUrl ? redactUrl(s.webhookUrl) : null, source: s.webhookUrlSource, secretSet, ready: s.webhookUrl !== null && secretSet },
    };
  };
  return {
    async get_alert_settings() {
      return view();
    },
    async set_alert_routes({ routes }) {
      const st = writable();
      const cur = readAlertSettings(st).routes;
      for (const [k, r] of Object.entries(routes)) if (r) cur[k as AlertKind] = { ...cur[k as AlertKind], ...r };
      writeRoutes(st, cur);
      return view();
    },
    async set_alert_webhook({ url }) {
      const st = writable();
      if (url === null) st.delete(ALERT_WEBHOOK_URL_SETTING);
      else st.set(ALERT_WEBHOOK_URL_SETTING, url);
      return view();
    },
    async test_alert_webhook() {
      const s = readAlertSettings(settings());
      const secret = deps.config.secrets.ALERT_WEBHOOK_SECRET;
      if (!s.webhookUrl) throw new ApiFailure('rejected', 'no webhook URL is set (Settings → Alerts)');
      if (!secret) throw new ApiFailure('rejected', 'no signing secret: set ALERT_WEBHOOK_SECRET (Settings → Alerts, Generate)');
      const a: Alert = { id: `al_${randomUUID().replace(/-/g, '').slice(0, 20)}`, kind: 'test', level: 'info', title: 'Test alert from Vigil', body: 'If you can read this, the webhook works and its signature checks out.', at: Date.now(), data: {} };
      alerts().add(a, { desktop: false, webhook: true });
      const r = await postAlert(s.webhookUrl, secret, a);
      alerts().recordDelivery({ alertId: a.id, attempt: 1, at: Date.now(), url: redactUrl(s.webhookUrl), ok: r.ok, status: r.status, error: r.error, durationMs: r.durationMs, final: true });
      return { alertId: a.id, delivered: r.ok, status: r.status, error: r.error, durationMs: r.durationMs };
    },
    async get_alert_log({ limit, kind }) {
      return { alerts: alerts().log({ limit, ...(kind ? { kind } : {}) }) };
    },
  };
}
