/**
 * The judge's scores, computed in code from the ledger's analytics (formulas and references in
 * docs/agents.md). The model only writes the narrative. Pure and deterministic: the judge
 * workflow calls `replanDecision` directly, so a replay reproduces every mode switch.
 */
import { z } from 'zod';
import { PRODUCT_RE } from '../domain/product';
import type { ExecutionMode } from './prompt-ids';
import type { AgentConstraints } from './policy';

export interface JudgeMetrics {
  totalReturn: number | null;
  maxDrawdown: number;
  sharpe: number | null;
  winRate: number | null;
  profitFactor: number | null;
  closedTrades: number;
  feesPaid: number;
}

export interface CalibrationPair {
  expectedBps: number;
  realisedBps: number;
}

export interface Calibration {
  n: number;
  meanAbsErrorBps: number | null;
  biasBps: number | null;
  score: number | null;
  summary: string;
}

export interface Scores {
  overall: number;
  returns: number;
  risk: number;
  decisionQuality: number;
  consistency: number;
}

export const WEIGHTS = { returns: 0.3, risk: 0.3, decisionQuality: 0.25, consistency: 0.15 } as const;
/** A return of this size scores ~88 (tanh(1) mapped to 50..100). */
export const RETURN_REF = 0.02;
/** A drawdown of this size scores 0 on risk. */
export const DRAWDOWN_REF = 0.1;
/** Calibration error at which the calibration score falls to 1/e. */
export const CALIBRATION_REF_BPS = 100;

const clamp = (x: number) => Math.min(100, Math.max(0, x));
const r1 = (x: number) => Math.round(x * 10) / 10;

export function calibration(pairs: readonly CalibrationPair[]): Calibration {
  const ok = pairs.filter((p) => Number.isFinite(p.expectedBps) && Number.isFinite(p.realisedBps));
  if (ok.length === 0) return { n: 0, meanAbsErrorBps: null, biasBps: null, score: null, summary: 'no orders with a stated expected edge yet' };
  const mae = ok.reduce((a, p) => a + Math.abs(p.expectedBps - p.realisedBps), 0) / ok.length;
  const bias = ok.reduce((a, p) => a + (p.expectedBps - p.realisedBps), 0) / ok.length;
  const score = clamp(100 * Math.exp(-mae / CALIBRATION_REF_BPS));
  const lean = bias > 5 ? 'over-promises' : bias < -5 ? 'under-promises' : 'is about right';
  return {
    n: ok.length,
    meanAbsErrorBps: r1(mae),
    biasBps: r1(bias),
    score: r1(score),
    summary: `${ok.length} orders; mean |expected - realised| ${r1(mae)} bps; the agent ${lean} (bias ${r1(bias)} bps)`,
  };
}

/** R^2 of a least-squares line through the equity curve, signed by its slope, mapped to 0..100. */
export function consistencyScore(equity: readonly number[]): number {
  const ys = equity.filter(Number.isFinite);
  const n = ys.length;
  if (n < 3) return 50;
  const mx = (n - 1) / 2;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  ys.forEach((y, i) => {
    sxy += (i - mx) * (y - my);
    sxx += (i - mx) ** 2;
    syy += (y - my) ** 2;
  });
  if (syy === 0) return 50;
  const r2 = (sxy * sxy) / (sxx * syy);
  return clamp(sxy >= 0 ? 50 + 50 * r2 : 50 - 50 * r2);
}

export function computeScores(a: { metrics: JudgeMetrics; equity: readonly number[]; calibration: Calibration; riskRejections: number }): Scores {
  const m = a.metrics;
  const returns = clamp(50 + 50 * Math.tanh((m.totalReturn ?? 0) / RETURN_REF));
  const risk = clamp(100 * (1 - Math.min(1, m.maxDrawdown / DRAWDOWN_REF)) - Math.min(30, 5 * a.riskRejections));
  const wr = m.winRate === null ? 50 : 100 * m.winRate;
  const pf = m.profitFactor === null ? (m.closedTrades > 0 ? 100 : 50) : (100 * m.profitFactor) / (1 + m.profitFactor);
  const cal = a.calibration.score ?? 50;
  const decisionQuality = clamp(0.4 * wr + 0.3 * pf + 0.3 * cal);
  const consistency = consistencyScore(a.equity);
  const overall =
    WEIGHTS.returns * returns + WEIGHTS.risk * risk + WEIGHTS.decisionQuality * decisionQuality + WEIGHTS.consistency * consistency;
  return { overall: r1(overall), returns: r1(returns), risk: r1(risk), decisionQuality: r1(decisionQuality), consistency: r1(consistency) };
}

export interface ReplanInput {
  scores: Scores;
  mode: ExecutionMode;
  threshold: number;
  cooldownMs: number;
  nowMs: number;
  lastSwitchAtMs: number | null;
}

export type ReplanDecision = { switch: true; to: ExecutionMode; reason: string } | { switch: false; reason: string };

/**
 * Below the threshold and outside the cooldown: losing or risky play steps one mode towards
 * conservative; a conservative book that is not at risk but still scores low (too timid to
 * cover its costs) steps to standard; otherwise (poor decisions, risk fine) step to standard.
 */
export function replanDecision(i: ReplanInput): ReplanDecision {
  const s = i.scores;
  if (s.overall >= i.threshold) return { switch: false, reason: `overall ${s.overall} >= threshold ${i.threshold}` };
  if (i.lastSwitchAtMs !== null && i.nowMs - i.lastSwitchAtMs < i.cooldownMs) {
    const left = Math.ceil((i.cooldownMs - (i.nowMs - i.lastSwitchAtMs)) / 1000);
    return { switch: false, reason: `overall ${s.overall} < ${i.threshold} but within cooldown (${left}s left)` };
  }
  const poor = s.risk < 50 || s.returns < 50;
  let to: ExecutionMode;
  if (poor) to = i.mode === 'aggressive' ? 'standard' : i.mode === 'standard' ? 'conservative' : s.risk >= 50 ? 'standard' : 'conservative';
  else to = 'standard';
  if (to === i.mode) return { switch: false, reason: `overall ${s.overall} < ${i.threshold}; already ${i.mode}, which is where the rules point` };
  const why = poor ? (s.risk < 50 ? `risk ${s.risk}` : `returns ${s.returns}`) : `decision quality ${s.decisionQuality}`;
  return { switch: true, to, reason: `overall ${s.overall} < ${i.threshold} (${why}); ${i.mode} -> ${to}` };
}

const dec = z.string().regex(/^\d+(\.\d+)?$/, 'must be a decimal string like "50"');
/** What the judge's model may propose; applied only where it tightens. */
export const ConstraintProposal = z
  .object({
    maxOrderNotional: dec.optional(),
    minExpectedEdgeBps: z.number().int().min(0).max(10_000).optional(),
    blockedSymbols: z.array(z.string().regex(PRODUCT_RE)).max(50).optional(),
    reason: z.string().max(500).optional(),
  })
  .strict();
export type ConstraintProposal = z.infer<typeof ConstraintProposal>;

/** Merge a validated proposal into the current constraints, keeping only tightening changes. */
export function tighten(current: AgentConstraints, p: ConstraintProposal): { next: AgentConstraints; applied: string[]; refused: string[] } {
  const next: AgentConstraints = { ...current, ...(current.blockedSymbols ? { blockedSymbols: [...current.blockedSymbols] } : {}) };
  const applied: string[] = [];
  const refused: string[] = [];
  if (p.maxOrderNotional !== undefined) {
    const cur = current.maxOrderNotional;
    if (Number(p.maxOrderNotional) <= 0) refused.push('maxOrderNotional must be above 0');
    else if (cur === undefined || Number(p.maxOrderNotional) < Number(cur)) {
      next.maxOrderNotional = p.maxOrderNotional;
      applied.push(`maxOrderNotional ${cur ?? 'none'} -> ${p.maxOrderNotional}`);
    } else refused.push(`maxOrderNotional ${p.maxOrderNotional} would loosen ${cur}`);
  }
  if (p.minExpectedEdgeBps !== undefined) {
    const cur = current.minExpectedEdgeBps ?? 0;
    if (p.minExpectedEdgeBps > cur) {
      next.minExpectedEdgeBps = p.minExpectedEdgeBps;
      applied.push(`minExpectedEdgeBps ${cur} -> ${p.minExpectedEdgeBps}`);
    } else refused.push(`minExpectedEdgeBps ${p.minExpectedEdgeBps} would not tighten ${cur}`);
  }
  if (p.blockedSymbols?.length) {
    const set = new Set(next.blockedSymbols ?? []);
    const added = p.blockedSymbols.filter((s) => !set.has(s));
    if (added.length) {
      next.blockedSymbols = [...set, ...added];
      applied.push(`blocked ${added.join(', ')}`);
    }
  }
  return { next, applied, refused };
}
