import fs from 'node:fs';
import type { Handlers } from '../../api/contract';
import { ApiFailure } from '../../api/result';
import { WORKFLOW_IDS } from '../../domain/ids';
import type { HandlerDeps } from '../handler-deps';

export function createSystemHandlers(deps: HandlerDeps): Pick<Handlers, 'get_runtime_status' | 'get_diagnostics' | 'run_smoke_workflow'> {
  return {
    async get_runtime_status() {
      const status = deps.status();
      // Prove Temporal answers now, rather than repeating what was true at start.
      try {
        await deps.client.connection.withDeadline(Date.now() + 3000, () => deps.client.workflowService.getSystemInfo({}));
      } catch (err) {
        throw new ApiFailure('unavailable', `Temporal at ${status.temporal.address} does not answer: ${(err as Error).message.split('\n')[0]}`);
      }
      return status;
    },
    async get_diagnostics() {
      const m = process.memoryUsage();
      const activeResources: Record<string, number> = {};
      for (const r of process.getActiveResourcesInfo()) activeResources[r] = (activeResources[r] ?? 0) + 1;
      let openFds: number | null = null;
      try {
        openFds = fs.readdirSync('/proc/self/fd').length;
      } catch {
        openFds = null;
      }
      return {
        pid: process.pid,
        uptimeSeconds: process.uptime(),
        memory: { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers },
        activeResources,
        openFds,
      };
    },
    async run_smoke_workflow({ message }, ctx) {
      const workflowId = WORKFLOW_IDS.smoke(ctx.correlationId);
      const handle = await deps.client.workflow.start('smokeWorkflow', {
        taskQueue: deps.taskQueue,
        workflowId,
        args: [{ message, waitForRelease: false }],
      });
      const result = (await handle.result()) as { echoed: string };
      return { echoed: result.echoed, workflowId, runId: handle.firstExecutionRunId };
    },
  };
}
