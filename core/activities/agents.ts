/**
 * Activities of the three agents, one file per agent (core/activities/agents/): every side effect
 * their workflows need. The loops and their state live in
 * core/workflows/{execution-agent,judge-agent,broker-agent}.ts.
 */
import type { ActivityDeps } from './deps';
import type { ToolSpec } from '../agents/llm/types';
import { createAgentShared, createCommonAgentActivities, type LlmTurnInput } from './agents/shared';
import { createExecutionActivities, EXECUTION_TOOLS } from './agents/execution';
import { createJudgeActivities, JUDGE_TOOLS } from './agents/judge';
import { brokerTools, createBrokerActivities } from './agents/broker';

export type { AgentStoreOp, LlmTurnInput } from './agents/shared';
export type { ExecDecision, ExecToolInput, ExecToolResult, ExecToolStep } from './agents/execution';
export type { JudgeInputs } from './agents/judge';
export type { OrderAttempt } from '../orders/agent-orders';
export { brokerToolAllowed, brokerTools } from './agents/broker';

export function createAgentActivities(deps: ActivityDeps) {
  const shared = createAgentShared(deps);
  const toolsFor = (set: LlmTurnInput['tools']): ToolSpec[] | undefined =>
    set === 'execution' ? EXECUTION_TOOLS : set === 'broker' ? brokerTools() : set === 'judge' ? JUDGE_TOOLS : undefined;
  return {
    ...createCommonAgentActivities(deps, shared, toolsFor),
    ...createExecutionActivities(deps, shared),
    ...createJudgeActivities(deps, shared),
    ...createBrokerActivities(deps, shared),
  };
}

export type AgentActivities = ReturnType<typeof createAgentActivities>;
