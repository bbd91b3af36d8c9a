/**
 * Worker supervision: the worker on the host's task queue, from the prebuilt workflow bundle (or
 * the workflow source in tests and development), over its own native connection. A worker whose
 * `run()` fails is recreated with back-off (1 s doubling to 30 s); draining shuts it down, waits
 * for its run to end and closes its connection.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { NativeConnection, NativeConnectionOptions, Worker } from '@temporalio/worker';
import type { Logger } from '../runtime/log';
import { packageRoot } from '../runtime/package-root';

/** Workflow code: a prebuilt bundle (production) or the source path (tests/dev). */
export type WorkflowSource = { bundlePath: string } | { workflowsPath: string } | { bundle: { code: string } };

export function defaultWorkflowSource(): WorkflowSource {
  const { root } = packageRoot();
  const bundlePath = path.join(root, 'dist', 'workflow-bundle.js');
  if (fs.existsSync(bundlePath)) return { bundlePath };
  return { workflowsPath: path.join(root, 'core', 'workflows', 'index.ts') };
}

export interface WorkerSupervisor {
  /** What the runtime status reports: `starting`, `running`, `restarting`, `failed`, `stopped`. */
  readonly state: { state: string; restarts: number };
  /** Connect and create the worker, and let it run (restarted with back-off if its run fails). */
  start(): Promise<void>;
  /** Stop restarting, shut the worker down, wait for its run to end, close its connection. */
  drain(): Promise<void>;
}

export function superviseWorker(args: {
  workerMod: typeof import('@temporalio/worker');
  connection: NativeConnectionOptions;
  namespace: string;
  taskQueue: string;
  workflows: WorkflowSource;
  /** A fresh set of activities for each worker created. */
  activities: () => object;
  log: Logger;
}): WorkerSupervisor {
  const { NativeConnection, Worker } = args.workerMod;
  const { namespace, taskQueue, workflows, log } = args;
  const workerState = { state: 'starting', restarts: 0 };
  let stopping = false;
  let worker: Worker | null = null;
  let workerRun: Promise<void> | null = null;
  let nativeConn: NativeConnection | null = null;
  const startWorker = async (): Promise<void> => {
    nativeConn = await NativeConnection.connect(args.connection);
    const source =
      'bundlePath' in workflows
        ? { workflowBundle: { codePath: workflows.bundlePath } }
        : 'bundle' in workflows
          ? { workflowBundle: workflows.bundle }
          : { workflowsPath: workflows.workflowsPath };
    worker = await Worker.create({
      connection: nativeConn,
      namespace,
      taskQueue,
      activities: args.activities(),
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
  return {
    state: workerState,
    start: startWorker,
    async drain() {
      stopping = true;
      const w = worker as Worker | null;
      if (w && w.getState() === 'RUNNING') w.shutdown();
      await (workerRun as Promise<void> | null)?.catch(() => {});
      await (nativeConn as NativeConnection | null)?.close().catch(() => {});
    },
  };
}
