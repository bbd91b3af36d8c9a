/**
 * A worker process for research fan-out tests and bench/optimize: the same workflow bundle and
 * research activities as the cockpit's worker and `vigil worker`, over a market data dir of the
 * caller's choosing (the bench's 1,152,000-bar file). Prints `ready <pid>` once polling.
 *
 *   TEMPORAL_ADDRESS=… TASK_QUEUE=… BUNDLE_PATH=… MARKET_DIR=… DATA_DIR=… [PRELOAD_SPEC=<json>] \
 *     npx tsx tests/support/research-worker.ts
 */
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createResearchActivities } from '../../core/research/activities';
import { BaseSpecSchema } from '../../core/research/types';

const env = (k: string): string => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is required`);
  return v;
};

async function main(): Promise<void> {
  Runtime.install({ shutdownSignals: ['SIGTERM', 'SIGINT'], logger: new DefaultLogger('ERROR') });
  const activities = createResearchActivities({ dataDir: env('DATA_DIR'), marketDir: env('MARKET_DIR') });
  // Load the bars before polling, so a measurement starts with every worker warm.
  if (process.env.PRELOAD_SPEC) await activities.researchPrepare({ spec: BaseSpecSchema.parse(JSON.parse(process.env.PRELOAD_SPEC)) });
  const connection = await NativeConnection.connect({ address: env('TEMPORAL_ADDRESS') });
  const worker = await Worker.create({
    connection,
    namespace: process.env.TEMPORAL_NAMESPACE ?? 'default',
    taskQueue: env('TASK_QUEUE'),
    workflowBundle: { codePath: env('BUNDLE_PATH') },
    activities,
  });
  const running = worker.run();
  process.stdout.write(`ready ${process.pid}\n`);
  await running;
  await connection.close();
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack ?? err.message}\n`);
  process.exit(1);
});
