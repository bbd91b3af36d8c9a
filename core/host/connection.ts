/**
 * The host's way to Temporal: an external cluster (`TEMPORAL_ADDRESS`) or the embedded dev server
 * (the CLI resolved, the server spawned, readiness awaited), then the client connection. The heavy
 * modules (Temporal SDK, activities, handlers, services) load while the dev server boots on the
 * other core. What it starts is handed to `onCleanup` as soon as it exists, so a failed start
 * stops what was started.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Client, ConnectionOptions } from '@temporalio/client';
import type { NativeConnectionOptions } from '@temporalio/worker';
import type { VigilConfig } from '../runtime/config';
import { DevServer } from '../runtime/dev-server';
import type { Logger } from '../runtime/log';
import { defaultCacheDir, type DataPaths } from '../runtime/paths';
import { resolveTemporalCli, type ProgressFn } from '../runtime/temporal-cli';

let runtimeInstalled = false;
function installRuntime(w: typeof import('@temporalio/worker')): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    // The host handles SIGINT/SIGTERM itself so it can shut down in order.
    w.Runtime.install({ shutdownSignals: [], logger: new w.DefaultLogger('WARN') });
  } catch {
    // Installed already in this process (tests start several hosts).
  }
}

/**
 * The heavy modules (Temporal SDK, activities with their clients) load while the dev server boots
 * on the other core: this is most of what keeps Vigil's start close to the bare server's.
 */
async function loadModules() {
  const [clientMod, workerMod, activitiesMod, handlersMod, servicesMod] = await Promise.all([
    import('@temporalio/client'),
    import('@temporalio/worker'),
    import('../activities'),
    import('./handlers'),
    import('./services'),
  ]);
  return { clientMod, workerMod, activitiesMod, handlersMod, servicesMod };
}

export type HostModules = Awaited<ReturnType<typeof loadModules>>;

function tlsOptions(cfg: VigilConfig): ConnectionOptions['tls'] {
  if (!cfg.TEMPORAL_TLS_CERT_PATH && !cfg.TEMPORAL_TLS_CA_PATH && !cfg.secrets.TEMPORAL_API_KEY) return undefined;
  const read = (p?: string) => (p ? fs.readFileSync(p) : undefined);
  const cert = read(cfg.TEMPORAL_TLS_CERT_PATH);
  const key = read(cfg.TEMPORAL_TLS_KEY_PATH);
  const ca = read(cfg.TEMPORAL_TLS_CA_PATH);
  return {
    ...(ca ? { serverRootCACertificate: ca } : {}),
    ...(cert && key ? { clientCertPair: { crt: cert, key } } : {}),
  };
}

export interface TemporalConnection {
  /** The embedded server, or null with an external cluster. */
  devServer: DevServer | null;
  address: string;
  namespace: string;
  mods: HostModules;
  client: Client;
  /** What a worker's native connection uses: the client's address, TLS and API key. */
  nativeOptions: NativeConnectionOptions;
}

export async function connectTemporal(args: {
  config: VigilConfig;
  paths: DataPaths;
  log: Logger;
  progress: ProgressFn;
  onCleanup: (fn: () => Promise<void> | void) => void;
}): Promise<TemporalConnection> {
  const { config, paths, log, progress } = args;
  const namespace = config.TEMPORAL_NAMESPACE;
  const external = config.TEMPORAL_ADDRESS;
  let devServer: DevServer | null = null;
  let address: string;
  let mods: HostModules;
  if (external) {
    address = external;
    progress(`Using the Temporal cluster at ${address} (namespace ${namespace}); no embedded server.`);
    mods = await loadModules();
  } else {
    progress('Preparing the Temporal CLI…');
    const cli = await resolveTemporalCli({
      version: config.TEMPORAL_CLI_VERSION,
      cacheDir: config.VIGIL_CACHE_DIR ?? defaultCacheDir(),
      envPath: config.TEMPORAL_CLI_PATH,
      onProgress: progress,
    });
    progress(`Starting the Temporal dev server (${cli.source}: ${cli.path})…`);
    devServer = new DevServer({
      cliPath: cli.path,
      dbFile: paths.temporalDb,
      namespace,
      logFile: path.join(paths.logs, 'temporal.log'),
      log: log.child('temporal'),
    });
    const ds = devServer;
    args.onCleanup(() => ds.stop());
    await devServer.launch();
    mods = await loadModules();
    await devServer.whenReady();
    address = devServer.address;
  }
  const { Client, Connection } = mods.clientMod;
  installRuntime(mods.workerMod);

  const tls = tlsOptions(config);
  const apiKey = config.secrets.TEMPORAL_API_KEY;
  const connection = await Connection.connect({ address, ...(tls ? { tls } : {}), ...(apiKey ? { apiKey } : {}) });
  args.onCleanup(() => connection.close());
  const client = new Client({ connection, namespace });
  const nativeOptions: NativeConnectionOptions = { address, ...(tls ? { tls } : {}), ...(apiKey ? { apiKey } : {}) };
  return { devServer, address, namespace, mods, client, nativeOptions };
}
