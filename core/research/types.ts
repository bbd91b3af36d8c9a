/**
 * The shapes of the research lab: what each kind of run is asked (validated at every door) and
 * what it holds while it runs and once it is stored (the workflow's state is the stored state).
 */
import { z } from 'zod';
import { productIdSchema } from '../domain/product';
import { ExecutionMode } from '../agents/prompt-ids';
import { BacktestSpecFields, BacktestSpecSchema, checkSpec } from '../backtest/spec';
import { ObjectiveSchema, TrialMetricsSchema } from './objective';
import { ParamSpaceSchema, SpaceInputSchema } from './space';

export const RESEARCH_KINDS = ['optimize', 'walk_forward', 'bias', 'arena', 'twin'] as const;
export type ResearchKind = (typeof RESEARCH_KINDS)[number];
export const RunStatusSchema = z.enum(['running', 'completed', 'failed', 'cancelled']);
export type RunStatus = z.infer<typeof RunStatusSchema>;

export const ResearchIdSchema = z.string().regex(/^rs_[A-Za-z0-9]{6,40}$/, 'a research run id looks like rs_3f9a0c1d2e4b');

/** Trials a study may hold (each a backtest); its state stays far below Temporal's payload limit. */
export const MAX_TRIALS = 2000;

/** A backtest spec whose strategy parameters are checked trial by trial, not at the door. */
export const BaseSpecSchema = BacktestSpecFields.superRefine((s, ctx) => checkSpec(s, ctx, { params: false }));
export type BaseSpec = z.output<typeof BaseSpecSchema>;

const CandidateSchema = z.record(z.string(), z.union([z.number(), z.string()]));

// ---------------------------------------------------------------------------------------------
// Optimise

export const SAMPLERS = ['grid', 'random', 'tpe'] as const;

export const OptimizeRequestSchema = z
  .object({
    /** The backtest every trial runs: data, window, costs; `params` are the fixed parameters. */
    spec: BaseSpecSchema,
    /** What varies: per parameter a range {min, max, step?, log?} or {values}. Default: every parameter over its default range. */
    space: SpaceInputSchema.optional(),
    sampler: z.enum(SAMPLERS, { error: 'sampler must be grid, random or tpe' }).default('tpe'),
    /** Trials to run (a grid runs each of its points: this is ignored). */
    trials: z.number().int().min(1).max(MAX_TRIALS).default(100),
    /** Same seed, same space, same data: the same trials and the same results. */
    seed: z.number().int().min(0).max(2 ** 31 - 1).default(1),
    objective: ObjectiveSchema.default({ metric: 'sharpe', minTrades: 0 }),
    /** Trials in flight at once, spread over every worker polling the task queue (TPE: its batch). */
    parallel: z.number().int().min(1).max(64).default(8),
    /** TPE: random trials before the model takes over. */
    startup: z.number().int().min(1).max(500).optional(),
    label: z.string().max(120).optional(),
  })
  .strict();
export type OptimizeRequest = z.output<typeof OptimizeRequestSchema>;

export const TrialStatusSchema = z.enum(['ok', 'infeasible', 'invalid', 'failed']);

export const TrialRecordSchema = z.object({
  index: z.number().int(),
  params: CandidateSchema,
  /** ok: ran and met the constraints; infeasible: ran, but below minTrades or no objective value; invalid: the strategy refused the parameters; failed: the run failed. */
  status: TrialStatusSchema,
  /** The objective (null unless ok). */
  value: z.number().nullable(),
  note: z.string().nullable(),
  metrics: TrialMetricsSchema.nullable(),
  /** Run time of the backtest, ms. */
  ms: z.number(),
  /** Which worker process ran it (host:pid) and on which attempt. */
  worker: z.string().nullable(),
  attempt: z.number().int(),
});
export type TrialRecord = z.infer<typeof TrialRecordSchema>;

export const OptimizeStateSchema = z.object({
  spec: z.record(z.string(), z.unknown()),
  space: ParamSpaceSchema,
  sampler: z.enum(SAMPLERS),
  seed: z.number(),
  objective: ObjectiveSchema,
  parallel: z.number(),
  startup: z.number(),
  /** Trials this study runs in all. */
  planned: z.number(),
  /** Finished trials, by index. */
  trials: z.array(TrialRecordSchema),
  /** Trials in flight now. */
  running: z.array(z.object({ index: z.number(), params: CandidateSchema })),
  /** Index of the best ok trial (highest objective; ties: the earlier trial). */
  best: z.number().nullable(),
  counts: z.object({ ok: z.number(), infeasible: z.number(), invalid: z.number(), failed: z.number() }),
  /** Workflow runs so far (continue-as-new keeps the history bounded). */
  runs: z.number(),
});
export type OptimizeState = z.infer<typeof OptimizeStateSchema>;

// ---------------------------------------------------------------------------------------------
// Every run

export const ProgressSchema = z.object({ done: z.number(), total: z.number() });

export const ResearchSummarySchema = z.object({
  id: z.string(),
  kind: z.enum(RESEARCH_KINDS),
  status: RunStatusSchema,
  label: z.string().nullable(),
  strategy: z.string().nullable(),
  symbols: z.array(z.string()),
  timeframe: z.string().nullable(),
  createdAt: z.number(),
  finishedAt: z.number().nullable(),
  progress: ProgressSchema,
  /** One line on the outcome (best trial, degradation, bias found, winner). */
  headline: z.string().nullable(),
  error: z.string().nullable(),
});
export type ResearchSummary = z.infer<typeof ResearchSummarySchema>;

// ---------------------------------------------------------------------------------------------
// Walk forward

export const CurvePointSchema = z.object({ t: z.number(), equity: z.number() });
export type CurvePoint = z.infer<typeof CurvePointSchema>;

export const WindowsInputSchema = z
  .object({
    /** rolling: the in-sample window slides; anchored: it always starts at the first bar. */
    mode: z.enum(['rolling', 'anchored']).default('rolling'),
    /** Windows wanted (default 5; with both lengths given: as many as fit). */
    count: z.number().int().min(1).max(50).optional(),
    inSampleDays: z.number().positive().max(36_500).optional(),
    outOfSampleDays: z.number().positive().max(36_500).optional(),
  })
  .strict()
  .refine((w) => (w.inSampleDays === undefined) === (w.outOfSampleDays === undefined), { message: 'give both inSampleDays and outOfSampleDays, or neither', path: ['inSampleDays'] });

export const WalkForwardRequestSchema = z
  .object({
    spec: BaseSpecSchema,
    space: SpaceInputSchema.optional(),
    sampler: z.enum(SAMPLERS, { error: 'sampler must be grid, random or tpe' }).default('tpe'),
    /** Trials of each window's in-sample study (a grid: its points). */
    trialsPerWindow: z.number().int().min(1).max(500).default(50),
    seed: z.number().int().min(0).max(2 ** 31 - 1).default(1),
    objective: ObjectiveSchema.default({ metric: 'sharpe', minTrades: 0 }),
    parallel: z.number().int().min(1).max(64).default(8),
    startup: z.number().int().min(1).max(500).optional(),
    windows: WindowsInputSchema.default({ mode: 'rolling' }),
    label: z.string().max(120).optional(),
  })
  .strict();
export type WalkForwardRequest = z.output<typeof WalkForwardRequestSchema>;

export const WindowStateSchema = z.object({
  index: z.number(),
  isFrom: z.number(),
  isTo: z.number(),
  oosFrom: z.number(),
  oosTo: z.number(),
  status: z.enum(['pending', 'optimising', 'testing', 'done', 'failed']),
  /** Trials of the in-sample study that ran. */
  trials: z.number(),
  best: z.object({ index: z.number(), params: CandidateSchema, value: z.number(), metrics: TrialMetricsSchema }).nullable(),
  oos: z.object({ value: z.number().nullable(), note: z.string().nullable(), metrics: TrialMetricsSchema }).nullable(),
  /** The OOS equity curve of this window (thinned). */
  curve: z.array(CurvePointSchema),
  /** OOS objective − IS objective. */
  change: z.number().nullable(),
  /** OOS objective / IS objective (when IS is positive). */
  ratio: z.number().nullable(),
  /** OOS annualised return / IS annualised return (when IS made money). */
  efficiency: z.number().nullable(),
  error: z.string().nullable(),
});
export type WindowState = z.infer<typeof WindowStateSchema>;

export const WalkForwardReportSchema = z.object({
  /** Every OOS window traded one after another, compounded (thinned). */
  stitched: z.array(CurvePointSchema),
  /** The stitched run's figures (shared analytics over the stitched curve). */
  oos: TrialMetricsSchema,
  /** The objective of the stitched run. */
  oosValue: z.number().nullable(),
  /** Mean in-sample objective of the windows' best trials. */
  isMean: z.number().nullable(),
  /** Mean out-of-sample objective of the windows. */
  oosMean: z.number().nullable(),
  /** oosMean − isMean. */
  change: z.number().nullable(),
  /** Stitched OOS annualised return / mean IS annualised return. */
  efficiency: z.number().nullable(),
  /** OOS windows that made money, of the windows tested. */
  profitableWindows: z.number(),
  testedWindows: z.number(),
});
export type WalkForwardReport = z.infer<typeof WalkForwardReportSchema>;

export const WalkForwardStateSchema = z.object({
  spec: z.record(z.string(), z.unknown()),
  space: ParamSpaceSchema,
  sampler: z.enum(SAMPLERS),
  seed: z.number(),
  objective: ObjectiveSchema,
  parallel: z.number(),
  trialsPerWindow: z.number(),
  mode: z.enum(['rolling', 'anchored']),
  windows: z.array(WindowStateSchema),
  report: WalkForwardReportSchema.nullable(),
});
export type WalkForwardState = z.infer<typeof WalkForwardStateSchema>;

// ---------------------------------------------------------------------------------------------
// Bias checks

export const BiasRequestSchema = z
  .object({
    /** The backtest to check: strategy, parameters, data, window. */
    spec: BacktestSpecSchema,
    /** Cuts at which the future is removed (spread evenly after the first tenth of the data). */
    cuts: z.number().int().min(1).max(50).default(10),
    /** Start offsets (bars skipped) of the warm-up check. */
    offsets: z.array(z.number().int().min(1).max(10_000_000)).min(1).max(10).default([50, 200, 1000]),
    /** Bars after each start over which feature values are compared with the full history's. */
    horizon: z.number().int().min(50).max(20_000).default(2000),
    label: z.string().max(120).optional(),
  })
  .strict();
export type BiasRequest = z.output<typeof BiasRequestSchema>;

export const DifferenceSchema = z.object({
  symbol: z.string(),
  /** Bar index in the full series. */
  bar: z.number(),
  time: z.number(),
  full: z.number().nullable(),
  truncated: z.number().nullable(),
});
export type Difference = z.infer<typeof DifferenceSchema>;

export const LookaheadReportSchema = z.object({
  cuts: z.array(z.object({ time: z.number(), compared: z.number(), differences: z.number() })),
  compared: z.number(),
  differenceCount: z.number(),
  /** The first differences (up to 100), oldest first: a decision (target; null = no change) that changed when the future was cut. */
  differences: z.array(DifferenceSchema),
});
export type LookaheadReport = z.infer<typeof LookaheadReportSchema>;

export const FeatureLookaheadReportSchema = z.object({
  cuts: z.number(),
  features: z.array(z.object({ name: z.string(), checked: z.number(), differences: z.number(), maxAbsDiff: z.number(), first: DifferenceSchema.nullable() })),
  differenceCount: z.number(),
});
export type FeatureLookaheadReport = z.infer<typeof FeatureLookaheadReportSchema>;

export const WarmupReportSchema = z.object({
  /** The full run's figures. */
  reference: TrialMetricsSchema,
  offsets: z.array(
    z.object({
      offset: z.number(),
      time: z.number(),
      compared: z.number(),
      mismatches: z.number(),
      /** Bars after the start until decisions are the full run's for good (null: never). */
      convergedAfter: z.number().nullable(),
      firstMismatch: DifferenceSchema.nullable(),
      /** The run started at this offset. */
      metrics: TrialMetricsSchema,
    }),
  ),
  /** Per feature: bars after a start until it agrees with the full history within 1e-9 relative (null: not within the horizon). */
  features: z.array(z.object({ name: z.string(), bars: z.number().nullable() })),
  horizon: z.number(),
});
export type WarmupReport = z.infer<typeof WarmupReportSchema>;

const PartStatus = z.enum(['running', 'done', 'failed']);

export const BiasStateSchema = z.object({
  spec: z.record(z.string(), z.unknown()),
  cuts: z.number(),
  offsets: z.array(z.number()),
  horizon: z.number(),
  /** Bars loaded (null until the data is loaded). */
  bars: z.number().nullable(),
  parts: z.object({ lookahead: PartStatus, features: PartStatus, warmup: PartStatus }),
  errors: z.record(z.string(), z.string()),
  lookahead: LookaheadReportSchema.nullable(),
  features: FeatureLookaheadReportSchema.nullable(),
  warmup: WarmupReportSchema.nullable(),
});
export type BiasState = z.infer<typeof BiasStateSchema>;

// ---------------------------------------------------------------------------------------------
// Arena

const Mode = ExecutionMode;
const usd = z.string().regex(/^\d{1,9}(\.\d{1,9})?$/, 'must be a USD amount like "5" or "0.25"');

export const ContestantSchema = z
  .object({
    label: z.string().min(1).max(60),
    /** policy: the built-in deterministic policy; agent: the execution agent with a model. */
    kind: z.enum(['policy', 'agent']),
    mode: Mode.default('standard'),
    /** agent: bars between the model's decisions. */
    every: z.number().int().min(1).max(1_000_000).default(60),
    /** agent: a stored version of the mode's prompt (execution-<mode>); default the active one. */
    promptVersion: z.number().int().min(1).optional(),
    /** agent: the model name; default the execution agent's. */
    model: z.string().min(1).max(200).optional(),
    /** agent: an OpenAI-compatible endpoint (Ollama, vLLM, LM Studio, a proxy); default the execution agent's. */
    baseUrl: z.string().url().max(500).optional(),
    temperature: z.number().min(0).max(2).optional(),
  })
  .strict();
export type Contestant = z.output<typeof ContestantSchema>;

export const ArenaRequestSchema = z
  .object({
    /** The window, symbols, timeframe and costs every contestant trades (its strategy and params are ignored). */
    spec: BaseSpecSchema,
    contestants: z.array(ContestantSchema).min(2).max(8).refine((cs) => new Set(cs.map((c) => c.label)).size === cs.length, { message: 'contestant labels must be distinct' }),
    /** Runs of each model contestant (their answers differ with sampling); the policy runs once. */
    samples: z.number().int().min(1).max(10).default(1),
    /** Per run: requests sent at most, estimated spend at most, requests per minute. */
    budget: z.object({ maxCalls: z.number().int().min(1).max(100_000).default(1000), maxCostUsd: usd.default('5'), rpm: z.number().positive().max(100_000).default(60) }).strict().default({ maxCalls: 1000, maxCostUsd: '5', rpm: 60 }),
    label: z.string().max(120).optional(),
  })
  .strict();
export type ArenaRequest = z.output<typeof ArenaRequestSchema>;

/** One symbol's decisions, one action per bar from `from`, run-length encoded ("3-1b2h"). */
export const SymbolTapeSchema = z.object({ symbol: z.string(), from: z.number(), barMs: z.number(), actions: z.string() });
export type SymbolTape = z.infer<typeof SymbolTapeSchema>;

export const ArenaRunSchema = z.object({
  contestant: z.number(),
  sample: z.number(),
  status: z.enum(['running', 'ok', 'failed']),
  pnl: z.string().nullable(),
  fees: z.string().nullable(),
  modelCost: z.string().nullable(),
  /** What this run itself paid (answers not in the cache). */
  spentCost: z.string().nullable(),
  net: z.string().nullable(),
  metrics: TrialMetricsSchema.nullable(),
  decisions: z.object({ buy: z.number(), sell: z.number(), hold: z.number() }).nullable(),
  calls: z.number().nullable(),
  cacheHits: z.number().nullable(),
  model: z.string().nullable(),
  promptVersion: z.number().nullable(),
  error: z.string().nullable(),
});
export type ArenaRun = z.infer<typeof ArenaRunSchema>;

export const ArenaStateSchema = z.object({
  spec: z.record(z.string(), z.unknown()),
  /** Bars loaded (null until the data is loaded). */
  bars: z.number().nullable(),
  contestants: z.array(ContestantSchema),
  samples: z.number(),
  runs: z.array(ArenaRunSchema),
  ranking: z.array(
    z.object({
      contestant: z.number(),
      label: z.string(),
      samples: z.number(),
      pnl: z.string(),
      fees: z.string(),
      modelCost: z.string(),
      net: z.string(),
      netStdev: z.number().nullable(),
      netMin: z.string().nullable(),
      netMax: z.string().nullable(),
      rank: z.number(),
    }),
  ),
  agreement: z.array(z.array(z.number().nullable())),
  selfAgreement: z.array(z.number().nullable()),
});
export type ArenaState = z.infer<typeof ArenaStateSchema>;

// ---------------------------------------------------------------------------------------------
// Twin

const timeInput = z.union([z.number().int().min(0), z.string().min(4)]).transform((v, ctx) => {
  const ms = typeof v === 'number' ? v : Date.parse(v);
  if (!Number.isFinite(ms)) {
    ctx.addIssue({ code: 'custom', message: `not a date: ${JSON.stringify(v)} (use ISO like 2026-01-05T09:00Z or epoch ms)` });
    return z.NEVER;
  }
  return ms;
});

export const TwinRequestSchema = z
  .object({
    /** The paper portfolio whose session is replayed. */
    portfolio: z.string().regex(/^[a-z0-9-]{1,40}$/, 'a portfolio id like default').default('default'),
    /** The session: fills and bars in [from, to). */
    from: timeInput,
    to: timeInput.optional(),
    /** Default: every symbol the session traded. */
    symbols: z.array(productIdSchema('product ids like BTC-USD')).min(1).max(20).optional(),
    /** The agent version to replay: the built-in policy, or the execution agent with its model. */
    strategy: z.enum(['policy', 'agent']).default('policy'),
    mode: Mode.default('standard'),
    /** agent: 1m bars between decisions (default: the execution agent's nudge interval). */
    every: z.number().int().min(1).max(100_000).optional(),
    label: z.string().max(120).optional(),
  })
  .strict()
  .refine((r) => r.to === undefined || r.to > r.from, { message: '`to` must be after `from`', path: ['to'] });
export type TwinRequest = z.output<typeof TwinRequestSchema>;

export const TwinFillSchema = z.object({ symbol: z.string(), side: z.enum(['buy', 'sell']), time: z.number(), quantity: z.string(), price: z.string(), notional: z.string(), fee: z.string(), referencePrice: z.string(), slippageBps: z.number() });
export type TwinFill = z.infer<typeof TwinFillSchema>;

export const TwinStateSchema = z.object({
  portfolio: z.string(),
  strategy: z.enum(['policy', 'agent']),
  mode: Mode,
  every: z.number(),
  from: z.number(),
  to: z.number().nullable(),
  symbols: z.array(z.string()),
  /** Where the bars came from: the market stream (what the session saw) or the recorded data for the window. */
  barsSource: z.record(z.string(), z.enum(['market-stream', 'recorded'])),
  bars: z.number(),
  initialCash: z.string().nullable(),
  fees: z.object({ taker: z.string(), maker: z.string() }).nullable(),
  paper: z.object({ fills: z.number(), fees: z.string(), realizedPnl: z.string() }).nullable(),
  twin: z.object({ pnl: z.string(), fees: z.string(), metrics: TrialMetricsSchema, model: z.string().nullable(), promptVersion: z.number().nullable(), calls: z.number().nullable() }).nullable(),
  summary: z
    .object({
      paperFills: z.number(),
      twinFills: z.number(),
      matched: z.number(),
      paperFees: z.string(),
      twinFees: z.string(),
      meanTimingMs: z.number().nullable(),
      meanPriceGapBps: z.number().nullable(),
      meanReferenceMoveBps: z.number().nullable(),
      meanCostGapBps: z.number().nullable(),
    })
    .nullable(),
  pairs: z.array(
    z.object({
      symbol: z.string(),
      side: z.enum(['buy', 'sell']),
      paper: TwinFillSchema,
      twin: TwinFillSchema,
      timingMs: z.number(),
      priceGapBps: z.number(),
      referenceMoveBps: z.number(),
      costGapBps: z.number(),
      feeGap: z.string(),
      quantityGap: z.string(),
      explanation: z.array(z.string()),
    }),
  ),
  unmatched: z.array(z.object({ source: z.enum(['paper', 'twin']), fill: TwinFillSchema, explanation: z.string() })),
  /** What differs between the session and the twin as a whole (start, fees, cadence, data). */
  notes: z.array(z.string()),
});
export type TwinState = z.infer<typeof TwinStateSchema>;
