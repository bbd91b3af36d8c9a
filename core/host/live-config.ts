/**
 * Live config: what Settings changes while the cockpit runs. A key stored or removed there is
 * applied to the running config and to the log's redactor at once; a non-secret setting (the model
 * per agent) is applied to the running config, and cleared goes back to the schema's default.
 * Whatever the environment set at start wins over both.
 */
import path from 'node:path';
import type { SecretKey } from '../domain/secrets';
import { ConfigSchema, type VigilConfig } from '../runtime/config';
import type { Redactor } from '../runtime/log';
import type { SecretStore } from '../runtime/secret-store';
import type { SettingsStore } from '../runtime/settings-store';
import type { HandlerDeps } from './handler-deps';

export interface LiveConfigOptions {
  /** Where Settings stores keys; with the log's redactor so a key entered later is redacted too. */
  secretStore?: SecretStore;
  redactor?: Redactor;
  /** Keys set in the environment at start (they win over stored ones). */
  secretsFromEnv?: Set<SecretKey>;
  /** Non-secret settings changed in the app (models per agent), and which the environment set. */
  settingsStore?: SettingsStore;
  settingsFromEnv?: Set<string>;
}

/** The handlers' way to change settings and keys at runtime (absent without a store). */
export function liveConfig(config: VigilConfig, dataDir: string, opts: LiveConfigOptions): Pick<HandlerDeps, 'settings' | 'secrets'> {
  const out: Pick<HandlerDeps, 'settings' | 'secrets'> = {};
  if (opts.settingsStore) {
    const live = config as unknown as Record<string, unknown>;
    out.settings = {
      store: opts.settingsStore,
      fromEnvironment: opts.settingsFromEnv ?? new Set(),
      applied(name, value) {
        if (opts.settingsFromEnv?.has(name)) return; // the environment still wins
        const field = (ConfigSchema.shape as Record<string, { parse(v: unknown): unknown }>)[name];
        // Cleared: back to the schema's default (e.g. OPENAI_MODEL) or unset.
        live[name] = value ?? field?.parse(undefined);
      },
    };
  }
  const store = opts.secretStore;
  if (store) {
    out.secrets = {
      store,
      location: path.join(dataDir, store.protection === 'os-keychain' ? 'secrets.enc' : 'secrets.json'),
      fromEnvironment: opts.secretsFromEnv ?? new Set(),
      applied(name, value) {
        if (opts.secretsFromEnv?.has(name)) return; // the environment still wins
        if (value) {
          config.secrets[name] = value;
          opts.redactor?.add(value);
        } else delete config.secrets[name];
      },
    };
  }
  return out;
}
