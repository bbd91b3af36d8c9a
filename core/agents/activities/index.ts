/**
 * Activities of the three agents, one file per agent (this folder): every side effect
 * their workflows need. The loops and their state live in
 * core/agents/{execution-agent,judge-agent,broker-agent}.workflow.ts.
 */
import type { ActivityDeps } from '../../activities/deps';
import type { ToolSpec } from '../llm/types';
import { createAgentShared, createCommonAgentActivities, type LlmTurnInput } from './shared';
import { createExecutionActivities, EXECUTION_TOOLS } from './execution';
import { createJudgeActivities, JUDGE_TOOLS } from './judge';
import { brokerTools, createBrokerActivities } from './broker';

export type { AgentStoreOp, LlmTurnInput } from './shared';
export type { ExecDecision, ExecToolInput, ExecToolResult, ExecToolStep } from './execution';
export type { JudgeInputs } from './judge';
export type { OrderAttempt } from '../../orders/agent-orders';
export { brokerToolAllowed, brokerTools } from './broker';

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
