/**
 * The core host: connects to Temporal (embedded dev server or an external cluster), runs the
 * workers from the prebuilt workflow bundle, starts host services, builds the handler map, and
 * shuts everything down in order. Electron's main process, the headless server, `vigil worker`
 * and the tests all start the runtime through here.
 *
 * `startHost` composes the parts in the start-up order of docs/architecture.md and stops them in
 * the reverse order: the connection to Temporal (connection.ts), the worker and its supervision
 * (workers.ts), the settings Settings changes at runtime (live-config.ts).
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { ActivityDeps } from '../activities/deps';
import type { HandlerContext, Handlers } from '../api/contract';
import { dispatch } from '../api/dispatch';
import type { ApiResult } from '../api/result';
import type { RuntimeStatus } from '../api/modules/system';
import { EventBus } from './bus';
import { connectTemporal } from './connection';
import type { HandlerDeps } from './handler-deps';
import { liveConfig, type LiveConfigOptions } from './live-config';
import type { HostService } from './services';
import { defaultWorkflowSource, superviseWorker, type WorkflowSource } from './workers';
import type { VigilConfig } from '../runtime/config';
import type { DevServer } from '../runtime/dev-server';
import type { Logger } from '../runtime/log';
import { createSettingsStore } from '../runtime/settings-store';
import { packageRoot } from '../runtime/package-root';
import { dataPaths, ensureWritableDir } from '../runtime/paths';
import { acquireLock, removeRuntimeInfo, writeRuntimeInfo } from '../runtime/runtime-file';
import type { ProgressFn } from '../runtime/temporal-cli';

export type HostMode = 'electron' | 'headless' | 'worker';

export interface HostOptions extends LiveConfigOptions {
  mode: HostMode;
  config: VigilConfig;
  dataDir: string;
  log: Logger;
  /** Workflow code: a prebuilt bundle (production) or the source path (tests/dev). */
  workflows?: WorkflowSource;
  /** Start-up progress; transient lines are the status of a long step (see ProgressFn). */
  onProgress?: ProgressFn;
  /** Extra status fields from the gateway (its URL). */
  httpUrl?: () => string | null;
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
    // Temporal: the embedded dev server (or the external cluster) and the client.
    const { devServer, address, namespace, mods, client, nativeOptions } = await connectTemporal({
      config,
      paths,
      log,
      progress,
      onCleanup: (fn) => cleanups.push(fn),
    });
    const { createActivities } = mods.activitiesMod;
    const { createHandlers } = mods.handlersMod;
    const { createServices } = mods.servicesMod;
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
    const worker = superviseWorker({
      workerMod: mods.workerMod,
      connection: nativeOptions,
      namespace,
      taskQueue,
      workflows: opts.workflows ?? defaultWorkflowSource(),
      activities: () => createActivities(activityDeps),
      log,
    });
    progress('Starting workers…');
    await worker.start();
    cleanups.push(() => worker.drain());

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
      workers: [{ taskQueue, state: worker.state.state }],
      dataDir,
      startedAt,
    });
    devServer?.on('state', () => bus.emit('runtime.status', status()));
    devServer?.on('failed', (err: Error) => bus.emit('alert', { kind: 'runtime_degraded', level: 'error', title: 'Temporal server failed', body: err.message }));

    const handlerDeps: HandlerDeps = { client, config, taskQueue, dataDir, status, ...liveConfig(config, dataDir, opts) };
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
