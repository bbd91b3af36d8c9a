/**
 * The host the desktop app runs in its runtime process: the same core host the headless server
 * uses (Temporal dev server, workers, ledgers, agents), without the HTTP gateway — the windows
 * reach it through the main process. Secrets the user stored through the app are layered under
 * the environment into the config.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig, secretValues, SECRET_KEYS } from '../../runtime/config';
import { createLogger, Redactor } from '../../runtime/log';
import { dataPaths } from '../../runtime/paths';
import { startHost } from '../host';
import type { RuntimeHost, StartRuntimeHost } from './child';

export const startDesktopHost: StartRuntimeHost = async ({ dataDir: requested, secrets, onProgress }): Promise<RuntimeHost> => {
  const stored: Record<string, string> = {};
  for (const name of secrets?.names() ?? []) {
    const v = secrets!.get(name);
    if (v && process.env[name] === undefined) stored[name] = v;
  }
  const config = loadConfig({ ...process.env, ...stored });
  const dataDir = path.resolve(requested);
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const redactor = new Redactor(secretValues(config));
  const log = createLogger({
    file: path.join(dataPaths(dataDir).logs, 'vigil.log'),
    level: config.VIGIL_LOG_LEVEL,
    stderr: !!process.env.VIGIL_DEBUG,
    redactor,
  });
  const secretsFromEnv = new Set(SECRET_KEYS.filter((k) => Boolean(process.env[k]?.trim())));
  const host = await startHost({
    mode: 'electron',
    config,
    dataDir,
    log,
    onProgress,
    ...(secrets ? { secretStore: secrets } : {}),
    redactor,
    secretsFromEnv,
  });
  host.publish();
  return host;
};
