/** researchReadWorkflow: one read of research.sqlite (the store lives with the host's workers). */
import { proxyActivities } from '@temporalio/workflow';
import type { createResearchActivities, ResearchReadOp } from './activities';

const { researchRead } = proxyActivities<ReturnType<typeof createResearchActivities>>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 3, initialInterval: '1 second' },
});

export async function researchReadWorkflow(op: ResearchReadOp): Promise<unknown> {
  return researchRead(op);
}
