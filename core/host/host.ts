/**
 * The core host: connects to Temporal (embedded dev server or an external cluster), runs the
 * workers from the prebuilt workflow bundle, starts host services, builds the handler map, and
 * shuts everything down in order. Electron's main process, the headless server, `vigil worker`
 * and the tests all start the runtime through here.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Client, ConnectionOptions } from '@temporalio/client';
import type { NativeConnection, NativeConnectionOptions, Worker } from '@temporalio/worker';
import type { ActivityDeps } from '../activities/deps';
import type { HandlerContext, Handlers } from '../api/contract';
import { dispatch } from '../api/dispatch';
import type { ApiResult } from '../api/result';
import type { RuntimeStatus } from '../api/modules/system';
import { EventBus } from './bus';
import type { HandlerDeps } from './handler-deps';
import type { HostService } from './services';
import type { VigilConfig } from '../runtime/config';
import { DevServer } from '../runtime/dev-server';
import type { Logger, Redactor } from '../runtime/log';
import type { SecretStore } from '../runtime/secret-store';
import { createSettingsStore, type SettingsStore } from '../runtime/settings-store';
import { ConfigSchema } from '../runtime/config';
import type { SecretKey } from '../domain/secrets';
import { packageRoot } from '../runtime/package-root';
import { dataPaths, defaultCacheDir, ensureWritableDir } from '../runtime/paths';
import { acquireLock, removeRuntimeInfo, writeRuntimeInfo } from '../runtime/runtime-file';
import { resolveTemporalCli, type ProgressFn } from '../runtime/temporal-cli';

export type HostMode = 'electron' | 'headless' | 'worker';

export interface HostOptions {
  mode: HostMode;
  config: VigilConfig;
  dataDir: string;
  log: Logger;
  /** Workflow code: a prebuilt bundle (production) or the source path (tests/dev). */
  workflows?: { bundlePath: string } | { workflowsPath: string } | { bundle: { code: string } };
  /** Start-up progress; transient lines are the status of a long step (see ProgressFn). */
  onProgress?: ProgressFn;
  /** Extra status fields from the gateway (its URL). */
  httpUrl?: () => string | null;
  /** Where Settings stores keys; with the log's redactor so a key entered later is redacted too. */
  secretStore?: SecretStore;
  redactor?: Redactor;
  /** Keys set in the environment at start (they win over stored ones). */
  secretsFromEnv?: Set<SecretKey>;
  /** Non-secret settings changed in the app (models per agent), and which the environment set. */
  settingsStore?: SettingsStore;
  settingsFromEnv?: Set<string>;
}

export interface Host {
  readonly client: Client;
  readonly bus: EventBus;
  readonly handlers: Partial<Handlers>;
  readonly config: VigilConfig;
  readonly dataDir: string;
  readonly log: Logger;
  readonly taskQueue: string;
  status(): RuntimeStatus;
  call(verb: string, input: unknown, ctx?: Partial<HandlerContext>): Promise<ApiResult<unknown>>;
  /** Publish runtime.json (after the gateway is up so it can include its URL). */
  publish(): void;
  stop(): Promise<void>;
  /** For tests and supervision: the embedded server, when there is one. */
  readonly devServer: DevServer | null;
}

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

export function defaultWorkflowSource(): HostOptions['workflows'] {
  const { root } = packageRoot();
  const bundlePath = path.join(root, 'dist', 'workflow-bundle.js');
  if (fs.existsSync(bundlePath)) return { bundlePath };
  return { workflowsPath: path.join(root, 'core', 'workflows', 'index.ts') };
}

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

export async function startHost(opts: HostOptions): Promise<Host> {
  const { config, dataDir, log } = opts;
  let loggedStep: string | null = null;
  const progress: ProgressFn =
    opts.onProgress ??
    ((l, meta) => {
      // The log is not a terminal: a transient status line only when its step starts.
      if (meta?.transient && meta.step === loggedStep) return;
      loggedStep = meta?.transient ? meta.step : null;
      log.info(l);
    });
  const startedAt = new Date().toISOString();
  const version = packageRoot().version;
  const paths = dataPaths(dataDir);
  ensureWritableDir(dataDir);
  const releaseLock = opts.mode === 'worker' ? () => {} : acquireLock(dataDir);
  const cleanups: (() => Promise<void> | void)[] = [releaseLock];
  const cleanup = async () => {
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => {});
  };

  try {
    const namespace = config.TEMPORAL_NAMESPACE;
    const external = config.TEMPORAL_ADDRESS;
    let devServer: DevServer | null = null;
    let address: string;
    let mods: Awaited<ReturnType<typeof loadModules>>;
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
      cleanups.push(() => ds.stop());
      await devServer.launch();
      mods = await loadModules();
      await devServer.whenReady();
      address = devServer.address;
    }
    const { Client, Connection } = mods.clientMod;
    const { NativeConnection, Worker } = mods.workerMod;
    const { createActivities } = mods.activitiesMod;
    const { createHandlers } = mods.handlersMod;
    const { createServices } = mods.servicesMod;
    installRuntime(mods.workerMod);

    const tls = tlsOptions(config);
    const apiKey = config.secrets.TEMPORAL_API_KEY;
    const connection = await Connection.connect({ address, ...(tls ? { tls } : {}), ...(apiKey ? { apiKey } : {}) });
    cleanups.push(() => connection.close());
    const client = new Client({ connection, namespace });
    const bus = new EventBus();
    const taskQueue = config.VIGIL_TASK_QUEUE;

    // Alerts first, so what the start-up itself raises is recorded and routed (not in `vigil worker`:
    // the cockpit it serves routes its alerts).
    if (opts.mode !== 'worker') {
      const { createAlertService } = await import('../alerts/service');
      const alerts = createAlertService({ bus, dataDir, settings: opts.settingsStore ?? createSettingsStore(dataDir), client, taskQueue, log: log.child('alerts'), hasSecret: () => Boolean(config.secrets.ALERT_WEBHOOK_SECRET) });
      alerts.start();
      cleanups.push(() => alerts.stop());
    }

    const built = await createServices({ config, dataDir, bus, log, client, taskQueue });
    const services: HostService[] = built.services;
    for (const s of services) {
      await s.start();
      cleanups.push(() => s.stop());
    }

    let handlers: Partial<Handlers> = {};
    const call = (verb: string, input: unknown, ctx: Partial<HandlerContext> = {}) =>
      dispatch(handlers, verb, input, { door: ctx.door ?? 'test', correlationId: ctx.correlationId ?? randomUUID() });

    const activityDeps: ActivityDeps = {
      config,
      dataDir,
      bus,
      log: log.child('activity'),
      ...built.activityDeps,
      client,
      // The agents' tools and orders: model-chosen arguments go through dispatch like any user input.
      callVerb: (name, input, ctx) => call(name, input, { door: ctx.door, ...(ctx.correlationId ? { correlationId: ctx.correlationId } : {}) }),
    };

    // Workers: restarted with back-off if one stops on a fatal error (e.g. the server vanished for long).
    const workflows = opts.workflows ?? defaultWorkflowSource();
    const workerState = { state: 'starting', restarts: 0 };
    let stopping = false;
    let worker: Worker | null = null;
    let workerRun: Promise<void> | null = null;
    let nativeConn: NativeConnection | null = null;
    const nativeOpts: NativeConnectionOptions = { address, ...(tls ? { tls } : {}), ...(apiKey ? { apiKey } : {}) };
    const startWorker = async (): Promise<void> => {
      nativeConn = await NativeConnection.connect(nativeOpts);
      const source =
        workflows && 'bundlePath' in workflows
          ? { workflowBundle: { codePath: workflows.bundlePath } }
          : workflows && 'bundle' in workflows
            ? { workflowBundle: workflows.bundle }
            : { workflowsPath: (workflows as { workflowsPath: string }).workflowsPath };
      worker = await Worker.create({
        connection: nativeConn,
        namespace,
        taskQueue,
        activities: createActivities(activityDeps),
        ...source,
      });
      const w = worker;
      workerState.state = 'running';
      workerRun = w.run().then(
        () => {
          workerState.state = 'stopped';
        },
        (err: Error) => {
          workerState.state = 'failed';
          log.error('worker stopped with an error', { error: err.message });
          if (!stopping) scheduleWorkerRestart();
        },
      );
    };
    const scheduleWorkerRestart = () => {
      const delay = Math.min(1000 * 2 ** workerState.restarts, 30_000);
      workerState.restarts++;
      workerState.state = 'restarting';
      setTimeout(() => {
        if (stopping) return;
        void (async () => {
          await (nativeConn as NativeConnection | null)?.close().catch(() => {});
          await startWorker().catch((err: Error) => {
            log.error('worker restart failed', { error: err.message });
            scheduleWorkerRestart();
          });
        })();
      }, delay).unref();
    };
    progress('Starting workers…');
    await startWorker();
    cleanups.push(async () => {
      stopping = true;
      const w = worker as Worker | null;
      if (w && w.getState() === 'RUNNING') w.shutdown();
      await (workerRun as Promise<void> | null)?.catch(() => {});
      await (nativeConn as NativeConnection | null)?.close().catch(() => {});
    });

    const status = (): RuntimeStatus => ({
      version,
      mode: opts.mode === 'worker' ? 'headless' : opts.mode,
      temporal: {
        address,
        namespace,
        uiUrl: devServer?.uiUrl ?? null,
        embedded: devServer !== null,
        state: devServer ? (devServer.state === 'stopped' ? 'failed' : devServer.state) : 'external',
        restarts: devServer?.restartCount ?? 0,
      },
      workers: [{ taskQueue, state: workerState.state }],
      dataDir,
      startedAt,
    });
    devServer?.on('state', () => bus.emit('runtime.status', status()));
    devServer?.on('failed', (err: Error) => bus.emit('alert', { kind: 'runtime_degraded', level: 'error', title: 'Temporal server failed', body: err.message }));

    const handlerDeps: HandlerDeps = { client, config, taskQueue, dataDir, status };
    if (opts.settingsStore) {
      const live = config as unknown as Record<string, unknown>;
      handlerDeps.settings = {
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
      handlerDeps.secrets = {
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
    handlers = createHandlers(handlerDeps);

    const publish = () => {
      if (opts.mode === 'worker') return;
      writeRuntimeInfo(dataDir, {
        pid: process.pid,
        version,
        mode: opts.mode,
        address,
        namespace,
        taskQueue,
        uiUrl: devServer?.uiUrl ?? null,
        httpUrl: opts.httpUrl?.() ?? null,
        embedded: devServer !== null,
        startedAt,
      });
    };
    publish();
    cleanups.splice(1, 0, () => removeRuntimeInfo(dataDir));
    // Autostart runs behind "ready": the cockpit serves at once and the stream and agents come up
    // a moment later (each step idempotent; failures become notifications).
    let booting: Promise<void> = Promise.resolve();
    if (opts.mode !== 'worker') {
      booting = import('./bootstrap')
        .then(({ bootstrap }) => bootstrap({ client, config, taskQueue, log, bus, call }))
        .then((boot) => {
          if (boot.started.length) progress(`Started: ${boot.started.join(', ')}.`);
        })
        .catch((err: Error) => log.error('autostart failed', { error: err.message }));
      cleanups.push(() => booting);
    }
    progress('Runtime ready.');

    let stopped: Promise<void> | null = null;
    return {
      client,
      bus,
      get handlers() {
        return handlers;
      },
      config,
      dataDir,
      log,
      taskQueue,
      devServer,
      status,
      call,
      publish,
      stop() {
        stopped ??= cleanup();
        return stopped;
      },
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
