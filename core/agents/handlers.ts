/**
 * Handlers of the agents' verbs. Controls are updates on the execution agent and the judge
 * (update-with-start, so the first use of a fresh install starts them with the configured
 * cadence); store reads and prompt edits run `agentStoreWorkflow`, whose activity owns
 * `<dataDir>/agents.sqlite` in the host, so the CLI and MCP bridge never open it themselves.
 */
import { randomUUID } from 'node:crypto';
import { WithStartWorkflowOperation, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Handlers } from '../api/contract';
import { ApiFailure } from '../api/result';
import { WORKFLOW_IDS } from '../domain/ids';
import type { VigilConfig } from '../runtime/config';
import type { HandlerDeps } from '../host/handler-deps';
import type { AgentStoreOp } from './activities';
import type { PromptVersion, UsageSummary, LogEntry, ScoreRecord } from './store';
import type { ExecutionMode } from './prompt-ids';
import {
  executionAgentWorkflow,
  executionStatusQuery,
  pauseExecutionUpdate,
  resumeExecutionUpdate,
  setExecutionModeUpdate,
  type ExecutionAgentInput,
} from './execution-agent.workflow';
import { evaluateNowUpdate, judgeAgentWorkflow, judgeStatusQuery, type JudgeAgentInput } from './judge-agent.workflow';
import { agentStoreWorkflow, brokerAgentWorkflow, chatHistoryQuery, chatUpdate } from './broker-agent.workflow';

type AgentVerbs =
  | 'get_agent_logs'
  | 'pause_execution_agent'
  | 'resume_execution_agent'
  | 'set_execution_mode'
  | 'get_execution_agent_status'
  | 'trigger_performance_evaluation'
  | 'get_judge_scores'
  | 'get_prompt_history'
  | 'get_prompt'
  | 'update_prompt'
  | 'broker_chat'
  | 'get_chat_history'
  | 'get_llm_usage'
  | 'get_agent_status';

export function executionAgentInput(config: VigilConfig): ExecutionAgentInput {
  return {
    portfolioId: 'default',
    nudgeSeconds: config.EXECUTION_NUDGE_SECONDS,
    maxStalenessSeconds: config.EXECUTION_MAX_STALENESS_SECONDS,
    minPriceMovePct: config.EXECUTION_MIN_PRICE_MOVE_PCT,
    judgeWorkflowId: WORKFLOW_IDS.judgeAgent,
  };
}

export function judgeAgentInput(config: VigilConfig): JudgeAgentInput {
  return {
    portfolioId: 'default',
    executionWorkflowId: WORKFLOW_IDS.executionAgent,
    evaluationSeconds: config.JUDGE_EVALUATION_SECONDS,
    startupDelaySeconds: config.JUDGE_STARTUP_DELAY_SECONDS,
    threshold: config.JUDGE_REPLAN_SCORE_THRESHOLD,
    cooldownSeconds: config.JUDGE_REPLAN_COOLDOWN_SECONDS,
  };
}

const execStart = (deps: Pick<HandlerDeps, 'config' | 'taskQueue'>) =>
  new WithStartWorkflowOperation(executionAgentWorkflow, {
    workflowId: WORKFLOW_IDS.executionAgent,
    taskQueue: deps.taskQueue,
    args: [executionAgentInput(deps.config)],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });

const judgeStart = (deps: Pick<HandlerDeps, 'config' | 'taskQueue'>) =>
  new WithStartWorkflowOperation(judgeAgentWorkflow, {
    workflowId: WORKFLOW_IDS.judgeAgent,
    taskQueue: deps.taskQueue,
    args: [judgeAgentInput(deps.config)],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });

/** Start the execution agent and the judge if they are not running (the host calls this at start). */
export async function ensureAgentsStarted(client: Client, config: VigilConfig, taskQueue: string): Promise<void> {
  for (const [wf, id, args] of [
    [executionAgentWorkflow, WORKFLOW_IDS.executionAgent, [executionAgentInput(config)]],
    [judgeAgentWorkflow, WORKFLOW_IDS.judgeAgent, [judgeAgentInput(config)]],
  ] as const) {
    await client.workflow.start(wf as typeof executionAgentWorkflow, { workflowId: id, taskQueue, args: args as [ExecutionAgentInput], workflowIdConflictPolicy: 'USE_EXISTING' });
  }
}

export function createAgentHandlers(deps: HandlerDeps): Pick<Handlers, AgentVerbs> {
  async function store<T>(op: AgentStoreOp, correlationId: string): Promise<T> {
    return (await deps.client.workflow.execute(agentStoreWorkflow, {
      taskQueue: deps.taskQueue,
      workflowId: `vigil/agents/store/${op.op}/${correlationId}/${randomUUID().slice(0, 8)}`,
      args: [op],
      workflowExecutionTimeout: '2 minutes',
    })) as T;
  }

  async function queryOrNull<T>(id: string, q: typeof executionStatusQuery | typeof judgeStatusQuery): Promise<T | null> {
    try {
      return (await deps.client.workflow.getHandle(id).query(q as typeof executionStatusQuery)) as T;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError || (err as { name?: string }).name === 'QueryNotRegisteredError') return null;
      throw err;
    }
  }

  const execUpdate = <A extends unknown[]>(def: typeof pauseExecutionUpdate | typeof resumeExecutionUpdate | typeof setExecutionModeUpdate, args: A) =>
    deps.client.workflow.executeUpdateWithStart(def as typeof setExecutionModeUpdate, { args: args as never, startWorkflowOperation: execStart(deps) });

  return {
    async get_agent_logs(args, ctx) {
      return { entries: await store<LogEntry[]>({ op: 'logs', ...(args.agent ? { agent: args.agent } : {}), limit: args.limit ?? 100 }, ctx.correlationId) };
    },
    async pause_execution_agent(args) {
      return execUpdate(pauseExecutionUpdate, [{ ...(args.reason ? { reason: args.reason } : {}) }]);
    },
    async resume_execution_agent() {
      return execUpdate(resumeExecutionUpdate, []);
    },
    async set_execution_mode(args, ctx) {
      return execUpdate(setExecutionModeUpdate, [{ mode: args.mode, by: ctx.door === 'broker' ? 'broker' : `user:${ctx.door}`, reason: args.reason ?? 'set by the user' }]);
    },
    async get_execution_agent_status() {
      const st = await queryOrNull<Awaited<ReturnType<Handlers['get_execution_agent_status']>>>(WORKFLOW_IDS.executionAgent, executionStatusQuery);
      if (!st) throw new ApiFailure('unavailable', 'the execution agent is not running (it starts with the host, or with pause/resume/set_execution_mode)');
      return st;
    },
    async trigger_performance_evaluation(args) {
      return deps.client.workflow.executeUpdateWithStart(evaluateNowUpdate, { args: [{ ...(args.reason ? { reason: args.reason } : {}) }], startWorkflowOperation: judgeStart(deps) });
    },
    async get_judge_scores(args, ctx) {
      return { scores: await store<ScoreRecord[]>({ op: 'scores', limit: args.limit ?? 20 }, ctx.correlationId) };
    },
    async get_prompt_history(args, ctx) {
      return { versions: await store<PromptVersion[]>({ op: 'history', ...(args.promptId ? { promptId: args.promptId } : {}) }, ctx.correlationId) };
    },
    async get_prompt(args, ctx) {
      return store<PromptVersion>({ op: 'get_prompt', promptId: args.id }, ctx.correlationId);
    },
    async update_prompt(args, ctx) {
      try {
        return await store<PromptVersion>({ op: 'update_prompt', promptId: args.id, template: args.template, reason: args.reason, author: `user:${ctx.door}` }, ctx.correlationId);
      } catch (err) {
        const msg = (err as { cause?: { message?: string } }).cause?.message;
        if (msg?.startsWith('template refused')) throw new ApiFailure('rejected', msg);
        throw err;
      }
    },
    async broker_chat(args, ctx) {
      const op = new WithStartWorkflowOperation(brokerAgentWorkflow, {
        workflowId: WORKFLOW_IDS.brokerSession(args.sessionId),
        taskQueue: deps.taskQueue,
        args: [{ sessionId: args.sessionId, executionWorkflowId: WORKFLOW_IDS.executionAgent }],
        workflowIdConflictPolicy: 'USE_EXISTING',
      });
      return deps.client.workflow.executeUpdateWithStart(chatUpdate, { args: [{ message: args.message, correlationId: ctx.correlationId }], startWorkflowOperation: op });
    },
    async get_chat_history(args) {
      try {
        return { sessionId: args.sessionId, messages: await deps.client.workflow.getHandle(WORKFLOW_IDS.brokerSession(args.sessionId)).query(chatHistoryQuery) };
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return { sessionId: args.sessionId, messages: [] };
        throw err;
      }
    },
    async get_llm_usage(_args, ctx) {
      return store<UsageSummary>({ op: 'usage' }, ctx.correlationId);
    },
    async get_agent_status(_args, ctx) {
      const [models, exec, judge] = await Promise.all([
        store<{ agent: string; configured: boolean; model: string; baseUrl: string | null; reason: string | null; reachable: boolean; error: string | null }[]>({ op: 'models' }, ctx.correlationId),
        queryOrNull<{ mode: ExecutionMode; paused: boolean; lastNudgeAt: number | null; nudges: number; decisions: number }>(WORKFLOW_IDS.executionAgent, executionStatusQuery),
        queryOrNull<{ evaluations: number; last: { scores: { overall: number }; at: number } | null }>(WORKFLOW_IDS.judgeAgent, judgeStatusQuery),
      ]);
      return {
        models,
        execution: { running: exec !== null, mode: exec?.mode ?? null, paused: exec?.paused ?? null, lastNudgeAt: exec?.lastNudgeAt ?? null, nudges: exec?.nudges ?? 0, decisions: exec?.decisions ?? 0 },
        judge: { running: judge !== null, evaluations: judge?.evaluations ?? 0, lastScore: judge?.last?.scores.overall ?? null, lastEvaluationAt: judge?.last?.at ?? null },
      };
    },
  };
}
