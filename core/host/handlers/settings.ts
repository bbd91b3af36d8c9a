import type { Handlers } from '../../api/contract';
import { MODEL_SETTINGS, type SecretsStatus } from '../../api/modules/settings';
import { ApiFailure } from '../../api/result';
import { SECRET_KEYS, type SecretKey } from '../../domain/secrets';
import type { HandlerDeps } from '../handler-deps';
import { createSettingsStore, MCP_LIVE_ORDERS_SETTING } from '../../runtime/settings-store';

export function createSettingsHandlers(deps: HandlerDeps): Pick<Handlers, 'get_secrets_status' | 'set_secret' | 'delete_secret' | 'get_model_settings' | 'set_model_setting' | 'get_safety_settings' | 'set_mcp_live_orders'> {
  // Read from the data dir's settings file on every call: the live-order activity reads the same file.
  const safety = () => ({
    mcpLiveOrders: (deps.settings?.store ?? createSettingsStore(deps.dataDir)).all()[MCP_LIVE_ORDERS_SETTING] === 'true',
    mcpReadOnly: deps.config.MCP_READ_ONLY,
  });
  const models = () => {
    const saved = deps.settings?.store.all() ?? {};
    return {
      settings: MODEL_SETTINGS.map((name) => {
        const value = (deps.config as unknown as Record<string, unknown>)[name];
        const source = deps.settings?.fromEnvironment.has(name) ? ('environment' as const) : saved[name] !== undefined ? ('app' as const) : ('default' as const);
        return { name, value: typeof value === 'string' && value ? value : null, source };
      }),
    };
  };
  const store = () => {
    if (!deps.secrets) throw new ApiFailure('unavailable', 'keys can be entered only in the running cockpit (Settings), not from here');
    return deps.secrets;
  };
  const status = (): SecretsStatus => {
    const s = deps.secrets?.store ?? null;
    const stored = new Set(s?.names() ?? []);
    return {
      protection: s?.protection ?? 'none',
      location: deps.secrets?.location ?? null,
      secrets: SECRET_KEYS.map((name) => {
        const fromEnv = deps.secrets?.fromEnvironment.has(name) ?? Boolean(deps.config.secrets[name]);
        const set = fromEnv || stored.has(name);
        return { name, set, source: fromEnv ? ('environment' as const) : stored.has(name) ? ('store' as const) : null };
      }),
    };
  };
  return {
    async get_safety_settings() {
      return safety();
    },
    async set_mcp_live_orders({ enabled }) {
      const st = deps.settings;
      if (!st) throw new ApiFailure('unavailable', 'safety settings can be changed only in the running cockpit (Settings)');
      if (enabled) st.store.set(MCP_LIVE_ORDERS_SETTING, 'true');
      else st.store.delete(MCP_LIVE_ORDERS_SETTING);
      return safety();
    },
    async get_model_settings() {
      return models();
    },
    async set_model_setting({ name, value }) {
      const st = deps.settings;
      if (!st) throw new ApiFailure('unavailable', 'model settings can be changed only in the running cockpit (Settings)');
      if (value === null) st.store.delete(name);
      else st.store.set(name, value);
      st.applied(name, value);
      return models();
    },
    async get_secrets_status() {
      return status();
    },
    async set_secret({ name, value }) {
      const s = store();
      s.store.set(name, value.trim());
      s.applied(name as SecretKey, value.trim());
      return status();
    },
    async delete_secret({ name }) {
      const s = store();
      s.store.delete(name);
      s.applied(name as SecretKey, null);
      return status();
    },
  };
}
