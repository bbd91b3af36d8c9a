/**
 * The alert webhook's one attempt: read the alert and where it goes now (URL from the settings,
 * signing secret from the keys), post it signed, record the attempt. A failure throws so Temporal
 * retries with back-off; the last attempt is recorded as final (given up) and does not throw.
 */
import { ApplicationFailure } from '@temporalio/common';
import { Context } from '@temporalio/activity';
import { WEBHOOK_MAX_ATTEMPTS } from './kinds';
import { readAlertSettings } from './settings';
import { AlertStore } from './store';
import { postAlert, redactUrl, webhookUrlProblem } from './webhook';
import { createSettingsStore } from '../runtime/settings-store';
import type { ActivityDeps } from '../activities/deps';

export function createAlertActivities(deps: Pick<ActivityDeps, 'config' | 'dataDir' | 'log'>) {
  let store: AlertStore | null = null;
  const getStore = () => (store ??= AlertStore.open(deps.dataDir));
  return {
    async deliverAlertWebhook(input: { alertId: string; maxAttempts?: number }): Promise<{ delivered: boolean }> {
      const s = getStore();
      const alert = s.get(input.alertId);
      if (!alert) throw ApplicationFailure.nonRetryable(`no alert ${input.alertId} in the alert store`);
      const attempt = Context.current().info.attempt;
      const settings = readAlertSettings(createSettingsStore(deps.dataDir));
      const secret = deps.config.secrets.ALERT_WEBHOOK_SECRET;
      const giveUp = (why: string, url = '') => {
        s.recordDelivery({ alertId: alert.id, attempt, at: Date.now(), url, ok: false, status: null, error: why, durationMs: 0, final: true });
        return { delivered: false };
      };
      if (!settings.webhookUrl) return giveUp('no webhook URL is set any more');
      const problem = webhookUrlProblem(settings.webhookUrl);
      if (problem) return giveUp(`webhook URL refused: ${problem}`, redactUrl(settings.webhookUrl));
      if (!secret) return giveUp('no signing secret: set ALERT_WEBHOOK_SECRET in Settings → Alerts', redactUrl(settings.webhookUrl));
      const r = await postAlert(settings.webhookUrl, secret, alert);
      const final = r.ok || attempt >= (input.maxAttempts ?? WEBHOOK_MAX_ATTEMPTS);
      s.recordDelivery({ alertId: alert.id, attempt, at: Date.now(), url: redactUrl(settings.webhookUrl), ok: r.ok, status: r.status, error: r.error, durationMs: r.durationMs, final });
      if (r.ok) return { delivered: true };
      if (final) {
        deps.log.warn('alert webhook given up', { alertId: alert.id, attempts: attempt, error: r.error });
        return { delivered: false };
      }
      throw ApplicationFailure.retryable(`webhook attempt ${attempt} failed: ${r.error ?? 'unknown'}`, 'WebhookFailed');
    },
  };
}
