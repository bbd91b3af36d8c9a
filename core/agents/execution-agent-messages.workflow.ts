/**
 * The execution agent's messages: its state and status types and the queries, updates and signals
 * that reach its workflow (core/agents/execution-agent.workflow.ts). Kept apart from the workflow body
 * so that the activities that read the agent's status (the judge's, the broker's) import these
 * definitions without depending on the workflow, which imports the activities' types.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { AgentConstraints } from './policy';
import type { ExecutionMode } from './prompt-ids';

export type ExecutionAgentMode = ExecutionMode;
type Mode = ExecutionAgentMode;

export interface DecisionRecord {
  nudge: number;
  at: number;
  correlationId: string;
  action: 'buy' | 'sell' | 'hold' | 'skip';
  symbol: string | null;
  rationale: string;
  expectedEdgeBps: number | null;
  source: 'model' | 'policy' | 'gate';
  order: { ok: boolean; summary: string } | null;
}

export interface ExecutionAgentState {
  epoch: string;
  mode: Mode;
  paused: boolean;
  nudges: number;
  decisions: number;
  skips: number;
  lastNudgeAt: number | null;
  lastDecisionPrices: Record<string, string>;
  history: Record<string, string[]>;
  recent: DecisionRecord[];
  constraints: AgentConstraints;
  modeChanges: { at: number; from: Mode; to: Mode; by: string; reason: string }[];
  lastModel: { configured: boolean; model: string; lastError: string | null };
}

export interface ExecutionStatus {
  mode: Mode;
  paused: boolean;
  nudges: number;
  decisions: number;
  skips: number;
  lastNudgeAt: number | null;
  lastDecision: DecisionRecord | null;
  recent: DecisionRecord[];
  constraints: AgentConstraints;
  modeChanges: ExecutionAgentState['modeChanges'];
  model: ExecutionAgentState['lastModel'];
}

export const executionStatusQuery = defineQuery<ExecutionStatus>('status');
export const pauseExecutionUpdate = defineUpdate<ExecutionStatus, [{ reason?: string }]>('pause');
export const resumeExecutionUpdate = defineUpdate<ExecutionStatus, []>('resume');
export const setExecutionModeUpdate = defineUpdate<ExecutionStatus, [{ mode: Mode; by: string; reason: string }]>('set_mode');
/** From the judge (workflows cannot send updates): same effect as set_mode. */
export const judgeModeSignal = defineSignal<[{ mode: Mode; reason: string }]>('judge_mode');
export const constraintsSignal = defineSignal<[AgentConstraints]>('constraints');
export const nudgeNowSignal = defineSignal('nudge_now');
export const stopExecutionSignal = defineSignal('stop');
/** Sent to the judge when drawdown is high (defined here so the judge can import it by type). */
export const drawdownAlertSignalName = 'drawdown_alert';
