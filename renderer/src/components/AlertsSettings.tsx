import { useState } from 'react';
import { useAction, useVerb } from '../api/hooks';
import { ErrorState, IssuesAlert, Loading } from './ui';

/** A signing secret made here, never sent anywhere but the cockpit's key store. */
function newSecret(): string {
  const bytes = new Uint8Array(32);
  crypto.getRandomValues(bytes);
  return `whsec_${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

const when = (ms: number) => new Date(ms).toLocaleTimeString();

/**
 * Settings → Alerts: which kinds go to the desktop (a notification in the app, a toast in the
 * page) and which to the webhook; the webhook's URL and signing secret; a test delivery; and the
 * last alerts with what became of their deliveries.
 */
export function AlertsSettings() {
  const settings = useVerb('get_alert_settings', {});
  const log = useVerb('get_alert_log', { limit: 8 }, { refetchInterval: 5000 });
  const keys = useVerb('get_secrets_status', {});
  const routes = useAction('set_alert_routes');
  const webhook = useAction('set_alert_webhook');
  const saveSecret = useAction('set_secret');
  const test = useAction('test_alert_webhook');
  const [url, setUrl] = useState('');
  const [shown, setShown] = useState<string | null>(null);
  if (settings.isLoading) return <Loading rows={6} />;
  if (settings.error) return <ErrorState error={settings.error} what="Alert settings" />;
  const s = settings.data!;
  const secretFromEnv = keys.data?.secrets.find((k) => k.name === 'ALERT_WEBHOOK_SECRET')?.source === 'environment';
  const generate = () => {
    const v = newSecret();
    saveSecret.mutate({ name: 'ALERT_WEBHOOK_SECRET', value: v }, { onSuccess: () => setShown(v) });
  };
  return (
    <div className="form" data-testid="alerts-settings">
      <table data-testid="alert-routes">
        <thead>
          <tr><th>Alert</th><th>Desktop</th><th>Webhook</th></tr>
        </thead>
        <tbody>
          {s.kinds.map((k) => (
            <tr key={k.kind}>
              <td>{k.label}</td>
              <td><input type="checkbox" checked={k.desktop} disabled={routes.isPending} aria-label={`${k.label}: desktop`} onChange={(e) => routes.mutate({ routes: { [k.kind]: { desktop: e.target.checked } } })} /></td>
              <td><input type="checkbox" checked={k.webhook} disabled={routes.isPending} aria-label={`${k.label}: webhook`} onChange={(e) => routes.mutate({ routes: { [k.kind]: { webhook: e.target.checked } } })} /></td>
            </tr>
          ))}
        </tbody>
      </table>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          webhook.mutate({ url: url.trim() }, { onSuccess: () => setUrl('') });
        }}
      >
        <label className="field" style={{ flex: 1 }}>
          Webhook URL
          <input value={url} onChange={(e) => setUrl(e.target.value)} placeholder={s.webhook.url ?? 'https://… (http only to 127.0.0.1)'} disabled={s.webhook.source === 'environment'} data-testid="alert-webhook-url" autoComplete="off" />
        </label>
        <button className="btn" type="submit" disabled={!url.trim() || webhook.isPending} data-testid="alert-webhook-save">Save</button>
        {s.webhook.source === 'app' ? <button className="btn" type="button" disabled={webhook.isPending} onClick={() => webhook.mutate({ url: null })}>Remove</button> : null}
      </form>
      <div data-testid="alert-webhook-state">
        {s.webhook.ready ? (
          <span className="up">Webhook on: {s.webhook.url}, signed.</span>
        ) : s.webhook.url ? (
          <span className="down">Webhook set ({s.webhook.url}) but no signing secret: nothing is sent until one is set.</span>
        ) : (
          <span className="dim">No webhook: alerts go to the desktop only.</span>
        )}
      </div>
      <div className="row">
        {secretFromEnv ? (
          <span className="faint">The signing secret comes from the environment (ALERT_WEBHOOK_SECRET).</span>
        ) : (
          <button className="btn small" type="button" disabled={saveSecret.isPending} onClick={generate} data-testid="alert-secret-generate">{s.webhook.secretSet ? 'Replace the signing secret' : 'Generate a signing secret'}</button>
        )}
        <button className="btn small" type="button" disabled={!s.webhook.ready || test.isPending} onClick={() => test.mutate({})} data-testid="alert-webhook-test">Send a test alert</button>
      </div>
      {shown ? (
        <div className="notice" data-testid="alert-secret-shown">
          Copy it to your receiver now; it is not shown again: <code className="mono">{shown}</code>
        </div>
      ) : null}
      {test.data ? (
        <div data-testid="alert-test-result" className={test.data.delivered ? 'up' : 'down'}>
          {test.data.delivered ? `Delivered: HTTP ${test.data.status} in ${test.data.durationMs} ms.` : `Not delivered: ${test.data.error ?? 'unknown'}.`}
        </div>
      ) : null}
      <div className="faint">
        Each POST carries X-Vigil-Signature: t=…,v1=HMAC-SHA256(secret, “t.body”) and X-Vigil-Delivery (the same on retries). Failed deliveries are retried with back-off for about ten minutes.
      </div>
      <IssuesAlert error={routes.error ?? webhook.error ?? saveSecret.error ?? test.error} />
      {log.data && log.data.alerts.length > 0 ? (
        <table data-testid="alert-log">
          <thead>
            <tr><th>When</th><th>Alert</th><th>Webhook</th></tr>
          </thead>
          <tbody>
            {log.data.alerts.map((a) => {
              const last = a.deliveries.at(-1);
              return (
                <tr key={a.id}>
                  <td className="mono dim">{when(a.at)}</td>
                  <td>{a.title}</td>
                  <td className={a.webhookState === 'delivered' ? 'up' : a.webhookState === 'failed' ? 'down' : 'dim'}>
                    {a.webhookState === 'not_sent' ? '—' : `${a.webhookState}${last ? ` (${last.status ?? last.error ?? ''}, attempt ${last.attempt})` : ''}`}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}
