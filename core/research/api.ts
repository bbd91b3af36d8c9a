/**
 * Research verbs: optimise a strategy's parameters, walk forward, check for bias, run agents in an
 * arena, replay a paper session as its twin. Each run is a workflow (`vigil/research/<id>`) whose
 * state is queryable while it runs and stored in research.sqlite; trials and runs fan out as
 * activities over every worker polling the task queue.
 */
import { z } from 'zod';
import { ACTION, ACTION_IDEMPOTENT, READ, WRITE_IDEMPOTENT, verb } from '../api/define';
import { OptimizeRequestSchema, OptimizeStateSchema, RESEARCH_KINDS, ResearchIdSchema, ResearchSummarySchema, WalkForwardRequestSchema, WalkForwardStateSchema, BiasRequestSchema, BiasStateSchema, ArenaRequestSchema, ArenaStateSchema, TwinRequestSchema, TwinStateSchema } from './types';
import { ParamSpaceSchema } from './space';

const Started = z.object({ id: z.string(), workflowId: z.string(), summary: ResearchSummarySchema });

export const ResearchRunSchema = z.object({
  summary: ResearchSummarySchema,
  /** Present for kind optimize. */
  optimize: OptimizeStateSchema.optional(),
  /** Present for kind walk_forward. */
  walkForward: WalkForwardStateSchema.optional(),
  /** Present for kind bias. */
  bias: BiasStateSchema.optional(),
  /** Present for kind arena. */
  arena: ArenaStateSchema.optional(),
  /** Present for kind twin. */
  twin: TwinStateSchema.optional(),
});
export type ResearchRun = z.infer<typeof ResearchRunSchema>;

export const researchApi = {
  optimize_strategy: verb({
    description:
      'Start a study of a strategy’s parameters (vigil backtest optimize): grid, seeded random or TPE search over the parameters list_backtest_strategies declares, each trial a backtest fanned out over every worker, ranked by the objective (net_return, sharpe, sortino, calmar, profit_factor) with a minimum of closed trades. Returns the id at once; get_research_run shows the trials.',
    input: OptimizeRequestSchema,
    output: Started.extend({ planned: z.number(), space: ParamSpaceSchema }),
    annotations: ACTION,
    temporal: 'workflow',
    mcp: true,
  }),
  walk_forward: verb({
    description:
      'Start a walk-forward analysis (vigil backtest walk-forward): rolling or anchored windows, each optimised in-sample (a study like optimize_strategy) and its best parameters run out-of-sample; the out-of-sample runs are stitched into one equity curve, with in-sample vs out-of-sample degradation per window and overall.',
    input: WalkForwardRequestSchema,
    output: Started,
    annotations: ACTION,
    temporal: 'workflow',
    mcp: true,
  }),
  check_bias: verb({
    description:
      'Start the bias checks of a backtest spec (vigil backtest bias): lookahead in the strategy (its decisions recomputed with the future cut off at each cut; for the agent strategy its questions, without a model) and in every feature of the feature vector, any difference reported with its bar; and the warm-up check: decisions, results and feature values against the start offset.',
    input: BiasRequestSchema,
    output: Started,
    annotations: ACTION,
    temporal: 'workflow',
    mcp: true,
  }),
  run_arena: verb({
    description:
      'Start an arena (vigil backtest arena): the same window through several configurations — the built-in policy, the execution agent with a mode, a prompt version, a model and base URL — on identical bars and costs, ranked by P&L net of fees and of model cost, with decision agreement between them and spread across repeated samples. Model answers are cached per sample (a rerun costs nothing) and each run is bounded by the budget.',
    input: ArenaRequestSchema,
    output: Started,
    annotations: ACTION,
    temporal: 'workflow',
    mcp: true,
  }),
  twin_report: verb({
    description:
      'Start a twin report (vigil backtest twin): a finished paper session (the paper ledger’s fills in [from, to) and the bars the market stream gave it) replayed as a backtest of the same agent version over the same bars, trade by trade, each pair’s timing, price (reference move and costs), fee and size gaps explained, and the fills either side made alone.',
    input: TwinRequestSchema,
    output: Started,
    annotations: ACTION,
    temporal: 'workflow',
    mcp: true,
  }),
  get_research_run: verb({
    description: 'A research run (study, walk-forward, bias check, arena, twin) with its progress and everything it found so far: trials, windows, differences, rankings.',
    input: z.object({ id: ResearchIdSchema }).strict(),
    output: ResearchRunSchema,
    annotations: READ,
    temporal: 'query',
    mcp: true,
  }),
  list_research_runs: verb({
    description: 'Research runs, newest first, each with a one-line headline of what it found.',
    input: z.object({ kind: z.enum(RESEARCH_KINDS).optional(), limit: z.number().int().min(1).max(500).default(50) }).strict(),
    output: z.object({ runs: z.array(ResearchSummarySchema) }),
    annotations: READ,
    temporal: 'workflow',
    mcp: true,
  }),
  cancel_research_run: verb({
    description: 'Cancel a running research run; what it finished is kept, marked cancelled.',
    input: z.object({ id: ResearchIdSchema }).strict(),
    output: z.object({ id: z.string(), cancelled: z.boolean(), status: z.string() }),
    annotations: WRITE_IDEMPOTENT,
    temporal: 'signal',
    mcp: true,
  }),
  open_trial_backtest: verb({
    description: 'The full backtest of one trial of a study (its spec and parameters): started on the first call, the same backtest id on every later call.',
    input: z.object({ id: ResearchIdSchema, trial: z.number().int().min(0) }).strict(),
    output: z.object({ backtestId: z.string(), created: z.boolean() }),
    annotations: ACTION_IDEMPOTENT,
    temporal: 'workflow',
    mcp: true,
  }),
};
