/**
 * The runtime inside Electron's main process: the same core host the headless server uses
 * (Temporal dev server, workers, ledger, agents), without the HTTP gateway — the renderer talks
 * over IPC. Secrets the user stored through the app are handed to the config as environment.
 */
import path from 'node:path';
import fs from 'node:fs';
import { loadConfig, secretValues, SECRET_KEYS } from '../../core/runtime/config';
import { createLogger, Redactor } from '../../core/runtime/log';
import { dataPaths, defaultDataDir } from '../../core/runtime/paths';
import { startHost, type Host } from '../../core/host/host';
import type { SecretStore } from '../../core/runtime/secret-store';

export interface Runtime {
  host: Host;
  dataDir: string;
}

export async function startRuntime(opts: { secrets: SecretStore | null; onProgress: (line: string) => void; dataDir?: string }): Promise<Runtime> {
  const stored: Record<string, string> = {};
  for (const name of opts.secrets?.names() ?? []) {
    const v = opts.secrets!.get(name);
    if (v && process.env[name] === undefined) stored[name] = v;
  }
  const config = loadConfig({ ...process.env, ...stored });
  const dataDir = path.resolve(opts.dataDir ?? config.VIGIL_DATA_DIR ?? defaultDataDir());
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
    onProgress: opts.onProgress,
    ...(opts.secrets ? { secretStore: opts.secrets } : {}),
    redactor,
    secretsFromEnv,
  });
  host.publish();
  return { host, dataDir };
}
