import type { Handlers } from '../../api/contract';
import { WORKFLOW_IDS } from '../../domain/ids';
import type { HandlerDeps } from '../handler-deps';

export function createSystemHandlers(deps: HandlerDeps): Pick<Handlers, 'get_runtime_status' | 'run_smoke_workflow'> {
  return {
    async get_runtime_status() {
      return deps.status();
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
