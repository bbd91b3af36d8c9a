/**
 * The headless cockpit: the core host plus the HTTP/WebSocket gateway serving the built renderer.
 * `npm start` without an Electron binary, `npm run headless`, `vigil serve` and the e2e tests all
 * come through here.
 */
import path from 'node:path';
import fs from 'node:fs';
import { loadConfig, secretValues, SECRET_KEYS, type SecretKey, type VigilConfig } from '../runtime/config';
import { createSecretStore } from '../runtime/secret-store';
import { createSettingsStore } from '../runtime/settings-store';
import { MODEL_SETTINGS } from '../api/modules/settings';
import { createLogger, Redactor, type Logger } from '../runtime/log';
import { packageRoot } from '../runtime/package-root';
import { dataPaths, defaultDataDir } from '../runtime/paths';
import { startGateway, type Gateway } from './gateway';
import { startHost, type Host, type HostOptions } from './host';
import type { ProgressFn } from '../runtime/temporal-cli';

export interface HeadlessOptions {
  dataDir?: string;
  /** Extra environment (merged over process.env) — tests pass their fake servers' URLs here. */
  env?: Record<string, string>;
  port?: number;
  rendererDir?: string | null;
  workflows?: HostOptions['workflows'];
  onProgress?: ProgressFn;
  /** Log to stderr as well as the log file (default true). */
  stderr?: boolean;
}

export interface Headless {
  host: Host;
  gateway: Gateway;
  /** Open this: it carries the session token in the fragment. */
  url: string;
  baseUrl: string;
  token: string;
  dataDir: string;
  config: VigilConfig;
  log: Logger;
  stop(): Promise<void>;
}

export function resolveDataDir(config: VigilConfig): string {
  return path.resolve(config.VIGIL_DATA_DIR ?? defaultDataDir());
}

export async function startHeadless(opts: HeadlessOptions = {}): Promise<Headless> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...(opts.env ?? {}), ...(opts.dataDir ? { VIGIL_DATA_DIR: opts.dataDir } : {}) };
  const dataDir = resolveDataDir(loadConfig(env));
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // Headless keeps keys entered in Settings in a 0600 file in the data dir (the UI says so);
  // the environment wins over a stored key of the same name.
  const secretStore = createSecretStore(dataDir, null);
  const secretsFromEnv = new Set(SECRET_KEYS.filter((k) => Boolean(env[k]?.trim())));
  const stored: Record<string, string> = {};
  for (const name of secretStore.names()) {
    const v = secretStore.get(name);
    if (v && !secretsFromEnv.has(name as SecretKey)) stored[name] = v;
  }
  // Models chosen in Settings, likewise under the environment.
  const settingsStore = createSettingsStore(dataDir);
  const settingsFromEnv = new Set<string>(MODEL_SETTINGS.filter((k) => Boolean(env[k]?.trim())));
  const saved = Object.fromEntries(Object.entries(settingsStore.all()).filter(([k]) => (MODEL_SETTINGS as readonly string[]).includes(k) && !settingsFromEnv.has(k)));
  const config = loadConfig({ ...env, ...saved, ...stored });
  const redactor = new Redactor(secretValues(config));
  const log = createLogger({
    file: path.join(dataPaths(dataDir).logs, 'vigil.log'),
    level: config.VIGIL_LOG_LEVEL,
    stderr: opts.stderr ?? true,
    redactor,
  });
  let gateway: Gateway | null = null;
  const host = await startHost({
    mode: 'headless',
    config,
    dataDir,
    log,
    ...(opts.workflows ? { workflows: opts.workflows } : {}),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    httpUrl: () => gateway?.baseUrl ?? null,
    secretStore,
    redactor,
    secretsFromEnv,
    settingsStore,
    settingsFromEnv,
  });
  try {
    const rendererDir = opts.rendererDir === undefined ? path.join(packageRoot().root, 'dist', 'renderer') : opts.rendererDir;
    gateway = await startGateway({
      call: (verb, input) => host.call(verb, input, { door: 'http' }),
      bus: host.bus,
      log: log.child('gateway'),
      rendererDir,
      port: opts.port ?? (config.VIGIL_HTTP_PORT || 0),
    });
  } catch (err) {
    await host.stop();
    throw err;
  }
  host.publish();
  const gw = gateway;
  return {
    host,
    gateway: gw,
    url: gw.openUrl,
    baseUrl: gw.baseUrl,
    token: gw.token,
    dataDir,
    config,
    log,
    async stop() {
      await gw.close();
      await host.stop();
    },
  };
}
