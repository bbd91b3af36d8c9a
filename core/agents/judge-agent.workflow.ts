/**
 * JudgeAgentWorkflow: after a start-up delay, evaluates the execution agent on a cadence, sooner
 * on a drawdown alert or on demand (`evaluate_now`). Scores are computed here, in code, from the
 * ledger's analytics (core/agents/scoring.ts); the model only writes the narrative and may propose
 * constraints, which are validated and applied only where they tighten. Below the threshold and
 * outside the cooldown it switches the execution prompt mode and records a prompt version.
 */
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  defineUpdate,
  getExternalWorkflowHandle,
  proxyActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { createAgentActivities } from './activities';
import { calibration, computeScores, ConstraintProposal, replanDecision, tighten, type Calibration, type ReplanDecision, type Scores } from './scoring';
import type { AgentConstraints } from './policy';
import { WORKFLOW_IDS } from '../domain/ids';
import { isExecutionMode, type ExecutionMode } from './prompt-ids';
import { constraintsSignal, judgeModeSignal } from './execution-agent-messages.workflow';

type Mode = ExecutionMode;

const acts = proxyActivities<ReturnType<typeof createAgentActivities>>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 3, initialInterval: '1 second' },
});
const llmActs = proxyActivities<ReturnType<typeof createAgentActivities>>({ startToCloseTimeout: '5 minutes', retry: { maximumAttempts: 1 } });

export interface Evaluation {
  n: number;
  at: number;
  correlationId: string;
  trigger: 'cadence' | 'drawdown' | 'on_demand' | 'startup';
  scores: Scores;
  calibration: Calibration;
  mode: Mode;
  decision: ReplanDecision;
  narrative: string;
  narrativeSource: 'model' | 'rules';
  constraints: { applied: string[]; refused: string[] };
  dataOk: boolean;
}

export interface JudgeState {
  started: boolean;
  evaluations: number;
  lastSwitchAt: number | null;
  /** The mode the judge last knew; refreshed from the execution agent at each evaluation. */
  mode: Mode;
  equity: number[];
  constraints: AgentConstraints;
  recent: Evaluation[];
}

export interface JudgeAgentInput {
  portfolioId?: string;
  executionWorkflowId?: string;
  evaluationSeconds: number;
  startupDelaySeconds: number;
  threshold: number;
  cooldownSeconds: number;
  continueAsNewEvery?: number;
  state?: JudgeState;
}

export interface JudgeStatus {
  evaluations: number;
  lastSwitchAt: number | null;
  mode: Mode;
  constraints: AgentConstraints;
  last: Evaluation | null;
  recent: Evaluation[];
}

export const judgeStatusQuery = defineQuery<JudgeStatus>('status');
export const evaluateNowUpdate = defineUpdate<Evaluation, [{ reason?: string }]>('evaluate_now');
export const drawdownAlertSignal = defineSignal<[{ drawdown: number }]>('drawdown_alert');
export const stopJudgeSignal = defineSignal('stop');

export async function judgeAgentWorkflow(input: JudgeAgentInput): Promise<void> {
  const portfolioId = input.portfolioId ?? 'default';
  const execId = input.executionWorkflowId ?? WORKFLOW_IDS.executionAgent;
  const s: JudgeState = input.state ?? { started: false, evaluations: 0, lastSwitchAt: null, mode: 'standard', equity: [], constraints: {}, recent: [] };
  const pending: Evaluation['trigger'][] = [];
  let stop = false;
  let running = false;

  setHandler(judgeStatusQuery, () => ({ evaluations: s.evaluations, lastSwitchAt: s.lastSwitchAt, mode: s.mode, constraints: s.constraints, last: s.recent.at(-1) ?? null, recent: [...s.recent] }));
  setHandler(drawdownAlertSignal, () => {
    if (!pending.includes('drawdown')) pending.push('drawdown');
  });
  setHandler(stopJudgeSignal, () => {
    stop = true;
  });
  setHandler(
    evaluateNowUpdate,
    async (_req: { reason?: string }): Promise<Evaluation> => {
      const target = s.evaluations + 1 + (running ? 1 : 0);
      pending.push('on_demand');
      await condition(() => s.evaluations >= target || stop);
      const last = s.recent[s.recent.length - 1];
      if (!last) throw ApplicationFailure.create({ message: 'the judge stopped before evaluating', nonRetryable: true });
      return last;
    },
    {
      validator: (_req: { reason?: string }): void => {
        if (stop) fail('the judge is stopping');
      },
    },
  );

  if (!s.started) {
    await condition(() => pending.length > 0 || stop, input.startupDelaySeconds * 1000);
    s.started = true;
    if (pending.length === 0) pending.push('startup');
  }
  const every = input.continueAsNewEvery ?? 200;
  let thisRun = 0;
  while (!stop) {
    if (pending.length === 0) await condition(() => pending.length > 0 || stop, input.evaluationSeconds * 1000);
    if (stop) break;
    const trigger = pending.shift() ?? 'cadence';
    // Coalesce triggers that arrived together into this one evaluation.
    const waiting = pending.splice(0);
    running = true;
    await evaluate(waiting.includes('on_demand') ? 'on_demand' : trigger);
    running = false;
    thisRun++;
    if (thisRun >= every || workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof judgeAgentWorkflow>({ ...input, state: s });
    }
    await sleep(1);
  }
  await condition(allHandlersFinished);

  async function evaluate(trigger: Evaluation['trigger']): Promise<void> {
    const n = s.evaluations + 1;
    const corr = `judge-${workflowInfo().runId.slice(0, 8)}-${n}`;
    const inputs = await acts.gatherJudgeInputs({ portfolioId, executionWorkflowId: execId });
    if (isExecutionMode(inputs.executionMode)) s.mode = inputs.executionMode;
    if (inputs.equity !== null) {
      s.equity.push(inputs.equity);
      if (s.equity.length > 100) s.equity.splice(0, s.equity.length - 100);
    }
    const cal = calibration(inputs.calibration);
    const scores = computeScores({ metrics: inputs.metrics, equity: s.equity, calibration: cal, riskRejections: inputs.riskRejections });
    const now = Date.parse(new Date().toISOString());
    const decision: ReplanDecision = inputs.ok
      ? replanDecision({ scores, mode: s.mode, threshold: input.threshold, cooldownMs: input.cooldownSeconds * 1000, nowMs: now, lastSwitchAtMs: s.lastSwitchAt })
      : { switch: false, reason: `no analytics: ${inputs.error ?? 'unknown'}` };
    const fallback =
      `Overall ${scores.overall}/100 (returns ${scores.returns}, risk ${scores.risk}, decisions ${scores.decisionQuality}, consistency ${scores.consistency}). ` +
      `Return ${fmtPct(inputs.metrics.totalReturn)}, max drawdown ${fmtPct(inputs.metrics.maxDrawdown)}, ${inputs.metrics.closedTrades} closed trades. ` +
      `Calibration: ${cal.summary}. ${decision.reason}.`;
    const narrative = await llmActs.judgeNarrative({
      traceId: corr,
      fallback,
      view: {
        now: new Date(now).toISOString(),
        mode: s.mode,
        scores,
        metrics: { ...inputs.metrics, totalReturn: fmtPct(inputs.metrics.totalReturn), maxDrawdown: fmtPct(inputs.metrics.maxDrawdown) },
        calibration: cal,
        recentDecisions: [],
      },
    });
    const applied: string[] = [];
    const refused: string[] = [];
    if (narrative.proposal) {
      let json: unknown = null;
      try {
        json = JSON.parse(narrative.proposal);
      } catch {
        refused.push('proposal was not valid JSON');
      }
      const p = json === null ? null : ConstraintProposal.safeParse(json);
      if (p && !p.success) refused.push(`proposal invalid: ${p.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      if (p?.success) {
        const t = tighten(s.constraints, p.data);
        applied.push(...t.applied);
        refused.push(...t.refused);
        if (t.applied.length) {
          s.constraints = t.next;
          await getExternalWorkflowHandle(execId).signal(constraintsSignal, s.constraints).catch(() => refused.push('execution agent not running: constraints kept for later'));
        }
      }
    }
    if (decision.switch) {
      const sent = await getExternalWorkflowHandle(execId)
        .signal(judgeModeSignal, { mode: decision.to, reason: decision.reason })
        .then(() => true)
        .catch(() => false);
      if (sent) {
        s.lastSwitchAt = now;
        s.mode = decision.to;
        await acts.recordPromptVersion({ promptId: `execution-${decision.to}`, author: 'judge', reason: decision.reason, scores: { ...scores } });
      }
    }
    const ev: Evaluation = {
      n,
      at: now,
      correlationId: corr,
      trigger,
      scores,
      calibration: cal,
      mode: s.mode,
      decision,
      narrative: narrative.narrative,
      narrativeSource: narrative.source,
      constraints: { applied, refused },
      dataOk: inputs.ok,
    };
    await acts.saveJudgeScores({ key: corr, ...scores, mode: s.mode, narrative: ev.narrative, data: { trigger, calibration: cal, decision, constraints: ev.constraints, metrics: inputs.metrics, promptVersion: narrative.promptVersion } });
    await acts.logAgentEvent({
      key: `${corr}:evaluation`,
      agent: 'judge',
      kind: decision.switch ? 'mode_switch' : 'evaluation',
      correlationId: corr,
      summary: `overall ${scores.overall}: ${decision.reason}`,
      data: { trigger, scores, decision, constraints: ev.constraints },
    });
    s.recent.push(ev);
    if (s.recent.length > 20) s.recent.splice(0, s.recent.length - 20);
    s.evaluations = n;
  }
}

function fmtPct(x: number | null): string {
  return x === null ? 'n/a' : `${(x * 100).toFixed(2)}%`;
}

function fail(message: string): never {
  throw ApplicationFailure.create({ message, type: 'InvalidInput', nonRetryable: true });
}
