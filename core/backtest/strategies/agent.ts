/**
 * The execution agent with its model, as a backtest strategy. Every closed bar feeds the same
 * feature code the live market stream runs (core/indicators/features.ts, one state per symbol);
 * every `every`-th bar is a nudge: the strategy records the question (the bar's close time,
 * price and feature vector, as the live snapshot carries them) and answers DEFER. The driver
 * (core/backtest/model-driver.ts) then completes the live prompt with the engine's exact
 * portfolio, asks the model (or its response cache) and answers the engine with a target.
 *
 * Only bars up to the current one ever reach the feature state, so the question at bar i cannot
 * depend on a later bar. Everything here is plain JSON (`save()`), so a run resumed from a
 * checkpoint — even while a question waits — asks exactly the same question.
 */
import { z } from 'zod';
import { ExecutionMode } from '../../agents/prompt-ids';
import { featureInit, featureUpdate, featureValues, numericFeatures, DEFAULT_FEATURE_PARAMS, type FeatureState } from '../../indicators/features';
import { DEFER, type Strategy, type StrategyDef } from './types';

const usd = z.string().regex(/^\d{1,9}(\.\d{1,9})?$/, 'must be a USD amount like "5" or "0.25"');

export const AgentParams = z
  .object({
    /** Execution mode: picks the prompt (execution-<mode>), as the live agent's mode does. */
    mode: ExecutionMode.default('standard').describe('Execution mode: picks the prompt'),
    /** A nudge every this many bars of the symbol (60 on 1m bars: 24 decisions a day). */
    every: z.number().int().min(1).max(1_000_000).default(60).describe('Ask the model every this many bars'),
    /** Model requests per minute at most (cache hits are free and not limited). */
    rpm: z.number().positive().max(100_000).default(60).describe('Model requests per minute at most'),
    /** Model requests this run may send at most; the run fails before sending one more. */
    maxCalls: z.number().int().min(1).max(10_000_000).default(1000).describe('Model requests this run may send at most'),
    /** Estimated model spend this run may reach at most, USD. */
    maxCostUsd: usd.default('5').describe('Estimated model spend this run may reach at most, USD'),
    /** Sampling temperature sent with every request (part of the cache key); default: the server's. */
    temperature: z.number().min(0).max(2).optional().describe('Sampling temperature (blank: the server default)'),
    /** Bar length in ms: set by the runner from the spec's timeframe (features annualise with it). */
    barMs: z.number().int().positive().optional(),
  })
  .strict();
export type AgentParams = z.output<typeof AgentParams>;

/** One decision as the next prompts recall it ("Recent decisions"). */
export interface AgentDecisionNote {
  at: number;
  action: 'buy' | 'sell' | 'hold';
  symbol: string | null;
  rationale: string;
}

/** What the model is asked at a nudge (the market part; the driver adds the portfolio). */
export interface AgentQuestion {
  /** Nudge number of this symbol (1, 2, ...). */
  n: number;
  /** Close time of the bar, epoch ms: the nudge's "now". */
  time: number;
  price: string;
  features: Record<string, number>;
}

/** Counts per run, kept in the strategy state so they follow checkpoints exactly. */
export interface AgentCounts {
  decisions: number;
  /** Model requests made by the decisions (answered by the model or the cache). */
  requests: number;
  buys: number;
  sells: number;
  holds: number;
  /** Refusals by the model (a hold). */
  refusals: number;
  /** Tool calls that were garbled (bad JSON, bad arguments, unknown tool). */
  invalidCalls: number;
  /** Decisions that ended with no valid decision (no change). */
  invalidDecisions: number;
  /** Limit orders not marketable at the signal close (not simulated: no change). */
  unfilledLimits: number;
  /** Orders that could not apply (a sell with nothing held). */
  rejected: number;
  /** Nudges on a symbol's last bar: nothing could fill, so no model call was made. */
  lastBarSkips: number;
  /** Tokens and cost of every response used, cached or not (cost in nano-USD). */
  promptTokens: number;
  completionTokens: number;
  costNano: number;
  unpricedResponses: number;
}

export const EMPTY_COUNTS: AgentCounts = {
  decisions: 0,
  requests: 0,
  buys: 0,
  sells: 0,
  holds: 0,
  refusals: 0,
  invalidCalls: 0,
  invalidDecisions: 0,
  unfilledLimits: 0,
  rejected: 0,
  lastBarSkips: 0,
  promptTokens: 0,
  completionTokens: 0,
  costNano: 0,
  unpricedResponses: 0,
};

export interface AgentState {
  bars: number;
  nudges: number;
  features: FeatureState;
  lastDecisionPrice: string | null;
  recent: AgentDecisionNote[];
  question: AgentQuestion | null;
  counts: AgentCounts;
  /** Version of the prompt the last question was rendered from. */
  promptVersion?: number;
}

/** A deferring strategy instance: the driver reads the question and records the outcome. */
export interface AgentStrategy extends Strategy {
  readonly params: AgentParams;
  state(): AgentState;
  /** The decision taken for the pending question (clears it). */
  record(note: AgentDecisionNote | null, price: string): void;
}

export function isAgentStrategy(s: Strategy): s is AgentStrategy {
  return typeof (s as Partial<AgentStrategy>).record === 'function' && typeof (s as Partial<AgentStrategy>).state === 'function';
}

const MAX_RECENT = 5;

export const agentStrategy: StrategyDef<typeof AgentParams> = {
  name: 'agent',
  description: 'The execution agent with its configured model: the live prompt and tools every N bars, responses cached by request hash.',
  params: AgentParams,
  create(p, saved) {
    const barMs = p.barMs ?? DEFAULT_FEATURE_PARAMS.barMs;
    const st: AgentState = saved
      ? (structuredClone(saved) as AgentState)
      : { bars: 0, nudges: 0, features: featureInit({ ...DEFAULT_FEATURE_PARAMS, barMs }), lastDecisionPrice: null, recent: [], question: null, counts: { ...EMPTY_COUNTS } };
    return {
      params: p,
      onBar(time, open, high, low, close, volume) {
        featureUpdate(st.features, { time, open, high, low, close, volume });
        st.bars++;
        if (st.bars % p.every !== 0) return NaN;
        const closeTime = time + barMs;
        st.question = { n: ++st.nudges, time: closeTime, price: String(close), features: numericFeatures(featureValues(st.features, closeTime)) };
        return DEFER;
      },
      state: () => st,
      record(note, price) {
        st.question = null;
        st.lastDecisionPrice = price;
        if (note) {
          st.recent.push(note);
          if (st.recent.length > MAX_RECENT) st.recent.splice(0, st.recent.length - MAX_RECENT);
        }
      },
      save: () => structuredClone(st),
    } satisfies AgentStrategy;
  },
};
