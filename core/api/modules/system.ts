import { z } from 'zod';
import { READ, ACTION_IDEMPOTENT, verb } from '../define';

export const RuntimeStatus = z.object({
  version: z.string(),
  mode: z.enum(['electron', 'headless', 'cli', 'mcp']),
  temporal: z.object({
    address: z.string(),
    namespace: z.string(),
    uiUrl: z.string().nullable(),
    embedded: z.boolean(),
    state: z.enum(['starting', 'ready', 'restarting', 'failed', 'external']),
    restarts: z.number().int(),
  }),
  workers: z.array(z.object({ taskQueue: z.string(), state: z.string() })),
  dataDir: z.string(),
  startedAt: z.string(),
});
export type RuntimeStatus = z.infer<typeof RuntimeStatus>;

export const Diagnostics = z.object({
  pid: z.number().int(),
  uptimeSeconds: z.number(),
  memory: z.object({ rss: z.number(), heapUsed: z.number(), heapTotal: z.number(), external: z.number(), arrayBuffers: z.number() }),
  /** Live libuv resources by type (timers, sockets, file handles...). */
  activeResources: z.record(z.string(), z.number().int()),
  /** Open file descriptors of this process (null where /proc/self/fd is not available). */
  openFds: z.number().int().nullable(),
});
export type Diagnostics = z.infer<typeof Diagnostics>;

export const systemApi = {
  get_runtime_status: verb({
    description: 'Status of the runtime: Temporal server, workers, data dir.',
    input: z.object({}).strict(),
    output: RuntimeStatus,
    annotations: READ,
    temporal: 'none',
    mcp: true,
  }),
  get_diagnostics: verb({
    description: 'Memory, live resources and open file descriptors of the process answering (the host, through its gateway). Read-only; for soak tests and support.',
    input: z.object({}).strict(),
    output: Diagnostics,
    annotations: READ,
    temporal: 'none',
    mcp: false,
  }),
  run_smoke_workflow: verb({
    description: 'Run the smoke workflow end to end through Temporal and return its echo.',
    input: z.object({ message: z.string().min(1).max(200) }).strict(),
    output: z.object({ echoed: z.string(), workflowId: z.string(), runId: z.string() }),
    annotations: ACTION_IDEMPOTENT,
    temporal: 'workflow',
    mcp: false,
  }),
};
