/**
 * Integration-test harness: a REAL Temporal dev server (SQLite file in a temp dir), the workflow
 * bundle built once per test file, and workers over injected activities.
 *
 *   const env = await startDevServer();            // in beforeAll
 *   const worker = await runWorker(env, { activities });
 *   ... env.client.workflow.start(...)
 *   await worker.stop(); await env.stop();          // in afterAll
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker, bundleWorkflowCode, type WorkerOptions } from '@temporalio/worker';
import { DevServer } from '../../core/runtime/dev-server';
import { silentLogger } from '../../core/runtime/log';

export interface TestServer {
  address: string;
  namespace: string;
  dir: string;
  dbFile: string;
  server: DevServer;
  connection: Connection;
  client: Client;
  /** Stop the server and close the client (keeps the temp dir unless `clean`). */
  stop(opts?: { clean?: boolean }): Promise<void>;
}

let runtimeInstalled = false;
export function installRuntimeOnce(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    // Tests own their lifecycle; the SDK must not install SIGINT/SIGTERM handlers of its own.
    Runtime.install({ shutdownSignals: [], logger: new DefaultLogger('WARN') });
  } catch {
    // Already installed by an earlier import in this process.
  }
}

export function cliPath(): string {
  const fromEnv = process.env.TEMPORAL_CLI_PATH;
  try {
    return inject('temporalCliPath');
  } catch {
    if (fromEnv) return fromEnv;
    throw new Error('no Temporal CLI: run this test through the integration project (vitest --project integration)');
  }
}

export async function startDevServer(opts: { dir?: string; port?: number; namespace?: string } = {}): Promise<TestServer> {
  installRuntimeOnce();
  const dir = opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-it-'));
  const namespace = opts.namespace ?? 'default';
  const dbFile = path.join(dir, 'temporal.sqlite');
  const server = new DevServer({
    cliPath: cliPath(),
    dbFile,
    namespace,
    logFile: path.join(dir, 'logs', 'temporal.log'),
    log: silentLogger,
    headless: true,
    ...(opts.port ? { port: opts.port } : {}),
  });
  await server.start();
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection, namespace });
  return {
    address: server.address,
    namespace,
    dir,
    dbFile,
    server,
    connection,
    client,
    async stop(o = {}) {
      await connection.close().catch(() => {});
      await server.stop();
      if (o.clean) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

let bundlePromise: Promise<{ code: string }> | null = null;
/** The workflow bundle of core/workflows/index.ts, built once per test file (process). */
export function workflowBundle(): Promise<{ code: string }> {
  bundlePromise ??= bundleWorkflowCode({
    workflowsPath: fileURLToPath(new URL('../../core/workflows/index.ts', import.meta.url)),
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error: (m: string) => process.stderr.write(`${m}\n`), log() {} } as never,
  });
  return bundlePromise;
}

export interface RunningWorker {
  worker: Worker;
  taskQueue: string;
  connection: NativeConnection;
  /** Shut the worker down and wait for it to finish. */
  stop(): Promise<void>;
}

let queueSeq = 0;
/** Start a worker on the test server; returns once it is polling. */
export async function runWorker(
  env: { address: string; namespace: string },
  opts: { activities?: object; taskQueue?: string } & Partial<Omit<WorkerOptions, 'connection' | 'taskQueue' | 'activities'>> = {},
): Promise<RunningWorker> {
  installRuntimeOnce();
  const connection = await NativeConnection.connect({ address: env.address });
  const taskQueue = opts.taskQueue ?? `test-${process.pid}-${++queueSeq}`;
  const { activities, taskQueue: _tq, ...rest } = opts;
  const worker = await Worker.create({
    connection,
    namespace: env.namespace,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: activities ?? {},
    ...rest,
  });
  const running = worker.run();
  await waitFor(() => worker.getState() === 'RUNNING', 10_000);
  return {
    worker,
    taskQueue,
    connection,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running.catch(() => {});
      await connection.close().catch(() => {});
    },
  };
}

export async function waitFor(pred: () => boolean | Promise<boolean>, timeoutMs = 30_000, stepMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await pred()) return;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
