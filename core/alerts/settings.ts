/**
 * Where alerts go, as the user set it: routes per kind and the webhook URL live in the data dir's
 * settings (`settings.json`; ALERT_WEBHOOK_URL in the environment wins), the signing secret with
 * the other keys (ALERT_WEBHOOK_SECRET in the secret store or the environment).
 */
import type { SettingsStore } from '../runtime/settings-store';
import { mergeRoutes, type Routes } from './kinds';

export const ALERT_ROUTES_SETTING = 'ALERT_ROUTES';
export const ALERT_WEBHOOK_URL_SETTING = 'ALERT_WEBHOOK_URL';

export interface AlertSettings {
  routes: Routes;
  webhookUrl: string | null;
  webhookUrlSource: 'environment' | 'app' | null;
}

export function readAlertSettings(store: SettingsStore, env: NodeJS.ProcessEnv = process.env): AlertSettings {
  const all = store.all();
  let stored: unknown = null;
  try {
    stored = all[ALERT_ROUTES_SETTING] ? (JSON.parse(all[ALERT_ROUTES_SETTING]) as unknown) : null;
  } catch {
    stored = null;
  }
  const fromEnv = env.ALERT_WEBHOOK_URL?.trim() || null;
  const fromApp = all[ALERT_WEBHOOK_URL_SETTING] ?? null;
  return { routes: mergeRoutes(stored), webhookUrl: fromEnv ?? fromApp, webhookUrlSource: fromEnv ? 'environment' : fromApp ? 'app' : null };
}

export function writeRoutes(store: SettingsStore, routes: Routes): void {
  store.set(ALERT_ROUTES_SETTING, JSON.stringify(routes));
}
