/**
 * The judge's activities: what its scores are computed from (the paper book's analytics and the
 * execution agent's fills, read with the typed queries exported beside the workflows), its
 * narrative from the model, and where scores and prompt versions are kept.
 */
import type { ChatMessage, ToolSpec } from '../llm/types';
import { renderTemplate, type PromptId as PromptIdT } from '../prompts';
import type { PromptVersion } from '../store';
import type { CalibrationPair, JudgeMetrics } from '../scoring';
import { WORKFLOW_IDS } from '../../domain/ids';
import { executionStatusQuery } from '../execution-agent-messages.workflow';
import { performanceQuery, portfolioStatusQuery, transactionsQuery } from '../../paper/paper-book.workflow';
import type { ActivityDeps } from '../../activities/deps';
import type { AgentShared } from './shared';

export interface JudgeInputs {
  ok: boolean;
  error: string | null;
  metrics: JudgeMetrics;
  equity: number | null;
  calibration: CalibrationPair[];
  riskRejections: number;
  executionMode: string | null;
}

export const JUDGE_TOOLS: ToolSpec[] = [
  {
    name: 'propose_constraints',
    description: 'Propose tighter constraints for the execution agent (maxOrderNotional as a decimal string, minExpectedEdgeBps, blockedSymbols). Only tightening changes apply.',
    parameters: {
      type: 'object',
      properties: {
        maxOrderNotional: { type: 'string' },
        minExpectedEdgeBps: { type: 'integer', minimum: 0 },
        blockedSymbols: { type: 'array', items: { type: 'string' } },
        reason: { type: 'string' },
      },
      additionalProperties: false,
    },
  },
];

const finite = (x: number | null | undefined): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);

export function createJudgeActivities(_deps: ActivityDeps, sh: AgentShared) {
  return {
    /** What the judge's scores are computed from: the book's analytics and the execution agent's fills (tagged by its door). */
    async gatherJudgeInputs(input: { portfolioId: string; executionWorkflowId: string }): Promise<JudgeInputs> {
      const h = sh.client().workflow.getHandle(WORKFLOW_IDS.paperBook(input.portfolioId));
      let executionMode: string | null = null;
      try {
        executionMode = (await sh.client().workflow.getHandle(input.executionWorkflowId).query(executionStatusQuery)).mode;
      } catch {
        executionMode = null;
      }
      const empty: JudgeMetrics = { totalReturn: null, maxDrawdown: 0, sharpe: null, winRate: null, profitFactor: null, closedTrades: 0, feesPaid: 0 };
      try {
        const pm = await h.query(performanceQuery);
        const status = await h.query(portfolioStatusQuery);
        const fills = await h.query(transactionsQuery, { agent: 'execution-agent', limit: 500 });
        const calibration: CalibrationPair[] = [];
        for (const f of fills) {
          const mark = status.marks[f.symbol]?.price;
          if (f.expectedEdgeBps === null || !mark) continue;
          const px = Number(f.price);
          const move = ((Number(mark) - px) / px) * 10_000;
          const feeBps = (Number(f.fee) / Number(f.notional)) * 10_000;
          calibration.push({ expectedBps: f.expectedEdgeBps, realisedBps: (f.side === 'buy' ? move : -move) - feeBps });
        }
        const riskRejections = status.recentBlocked.filter((b) => b.agent === 'execution-agent').length;
        return {
          ok: true,
          error: null,
          metrics: {
            totalReturn: finite(pm.totalReturn),
            maxDrawdown: finite(pm.maxDrawdown) ?? 0,
            sharpe: finite(pm.sharpe),
            winRate: finite(pm.winRate),
            profitFactor: finite(pm.profitFactor),
            closedTrades: finite(pm.closedTrades) ?? 0,
            feesPaid: finite(pm.feesPaid) ?? 0,
          },
          equity: finite(pm.currentEquity),
          calibration,
          riskRejections,
          executionMode,
        };
      } catch (err) {
        return { ok: false, error: (err as Error).message, metrics: empty, equity: null, calibration: [], riskRejections: 0, executionMode };
      }
    },

    /** The judge's narrative (model) or a plain one (no model); proposals are returned raw for the workflow to validate. */
    async judgeNarrative(input: { traceId: string; view: Record<string, unknown>; fallback: string }): Promise<{ narrative: string; proposal: string | null; source: 'model' | 'rules'; promptVersion: number; error: string | null }> {
      const p = sh.activePrompt('judge');
      const c = sh.llm('judge');
      if (!c.configured) return { narrative: input.fallback, proposal: null, source: 'rules', promptVersion: p.version, error: null };
      const messages: ChatMessage[] = [
        { role: 'system', content: renderTemplate(p.template, input.view) },
        { role: 'user', content: 'Write the evaluation narrative now. Call propose_constraints only if a tighter constraint is clearly warranted.' },
      ];
      const startedAt = new Date();
      const out = await c.chat({ messages, tools: JUDGE_TOOLS });
      sh.recordUsage({ agent: 'judge', promptId: 'judge', promptVersion: p.version, traceId: input.traceId }, out, c.model.model);
      sh.getTracer().generation({ traceId: input.traceId, agent: 'judge', turn: 'judge.evaluation', promptId: 'judge', promptVersion: p.version, model: c.model.model, input: messages, outcome: out, startedAt });
      await sh.getTracer().flush();
      if (!out.ok) return { narrative: `${input.fallback} (model unavailable: ${out.error.message})`, proposal: null, source: 'rules', promptVersion: p.version, error: out.error.message };
      const proposal = out.toolCalls.find((t) => t.name === 'propose_constraints')?.arguments ?? null;
      const text = out.refusal ? `${input.fallback} (the model declined: ${out.refusal})` : (out.content ?? '').trim() || input.fallback;
      return { narrative: text.slice(0, 4000), proposal, source: 'model', promptVersion: p.version, error: null };
    },

    async saveJudgeScores(s: { key: string; overall: number; returns: number; risk: number; decisionQuality: number; consistency: number; mode: string; narrative: string; data: Record<string, unknown> }): Promise<void> {
      sh.getStore().saveScores({ ...s, at: Date.now() });
    },

    /** Record a new version of a prompt (mode switch by the judge): the template is the active one. */
    async recordPromptVersion(input: { promptId: PromptIdT; author: string; reason: string; scores: Record<string, number> | null }): Promise<PromptVersion> {
      const cur = sh.activePrompt(input.promptId);
      return sh.getStore().savePrompt({ promptId: input.promptId, template: cur.template, author: input.author, reason: input.reason, scores: input.scores, now: Date.now(), defaultTemplate: sh.getDefaults()[input.promptId] });
    },
  };
}
