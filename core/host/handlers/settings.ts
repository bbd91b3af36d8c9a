import type { Handlers } from '../../api/contract';
import type { SecretsStatus } from '../../api/modules/settings';
import { ApiFailure } from '../../api/result';
import { SECRET_KEYS, type SecretKey } from '../../domain/secrets';
import type { HandlerDeps } from '../handler-deps';

export function createSettingsHandlers(deps: HandlerDeps): Pick<Handlers, 'get_secrets_status' | 'set_secret' | 'delete_secret'> {
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
