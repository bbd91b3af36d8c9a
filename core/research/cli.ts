/**
 * The research lab on the command line, through a running cockpit (its workers own the data and
 * research.sqlite; trials fan out over every worker):
 *
 *   vigil backtest optimize | walk-forward | bias | arena | twin
 *   vigil research list | show | cancel | open
 */
import { z } from 'zod';
import type { VerbResult } from '../api/contract';
import { RunFlags, runBacktestInput } from '../backtest/cli';
import { command, EXIT, type CliCommand, type CliContext, type ExitCode } from '../cli/registry';
import { callVerb, withRuntime } from '../cli/remote';
import type { RemoteRuntime } from '../cli/connect';
import type { ResearchRun } from './api';
import { OBJECTIVES } from './objective';
import { ExecutionMode } from '../agents/prompt-ids';
import { RESEARCH_KINDS, type TrialRecord } from './types';

const json = (what: string) =>
  z.string().transform((s, c) => {
    try {
      return JSON.parse(s) as unknown;
    } catch {
      c.addIssue({ code: 'custom', message: `${what} must be JSON` });
      return z.NEVER;
    }
  });

const fmt = (x: number | null | undefined, d = 3) => (x === null || x === undefined ? '-' : Math.abs(x) >= 1000 ? x.toFixed(0) : x.toFixed(d));
const pct = (x: number | null | undefined) => (x === null || x === undefined ? '-' : `${(x * 100).toFixed(2)}%`);
const when = (t: number | null | undefined) => (t ? new Date(t).toISOString().slice(0, 16).replace('T', ' ') : '-');

/** Flags every study shares: the search and its objective. */
const StudyFlags = {
  space: json('--space').optional(),
  sampler: z.enum(['grid', 'random', 'tpe'], { error: '--sampler must be grid, random or tpe' }).optional(),
  seed: z.coerce.number().int().min(0).optional(),
  objective: z.enum(OBJECTIVES, { error: `--objective must be one of ${OBJECTIVES.join(', ')}` }).optional(),
  'min-trades': z.coerce.number().int().min(0).optional(),
  parallel: z.coerce.number().int().min(1).optional(),
};
const studyFlagSpec = {
  space: { type: 'string' },
  sampler: { type: 'string' },
  seed: { type: 'string' },
  objective: { type: 'string' },
  'min-trades': { type: 'string' },
  parallel: { type: 'string' },
} as const;
const specFlagSpec = {
  strategy: { type: 'string' },
  symbols: { type: 'string' },
  weights: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  timeframe: { type: 'string' },
  fee: { type: 'string' },
  'maker-fee': { type: 'string' },
  params: { type: 'string' },
  cash: { type: 'string' },
  'spread-bps': { type: 'string' },
  'no-slippage': { type: 'boolean' },
  risk: { type: 'string' },
  scrape: { type: 'string' },
  label: { type: 'string' },
  detach: { type: 'boolean' },
} as const;

function studyInput(a: { space?: unknown; sampler?: string; seed?: number; objective?: string; 'min-trades'?: number; parallel?: number }) {
  return {
    ...(a.space !== undefined ? { space: a.space } : {}),
    ...(a.sampler ? { sampler: a.sampler } : {}),
    ...(a.seed !== undefined ? { seed: a.seed } : {}),
    ...(a.objective || a['min-trades'] !== undefined ? { objective: { ...(a.objective ? { metric: a.objective } : {}), ...(a['min-trades'] !== undefined ? { minTrades: a['min-trades'] } : {}) } } : {}),
    ...(a.parallel ? { parallel: a.parallel } : {}),
  };
}

/** The spec of a study: `vigil backtest run`'s flags, the strategy's fixed params in --params. */
function specOf(a: z.output<typeof RunFlags>) {
  const { label: _label, ...spec } = runBacktestInput(a);
  return spec;
}

function printTrials(ctx: CliContext, trials: TrialRecord[], metric: string, n = 10): void {
  const ranked = [...trials].sort((a, b) => (b.value ?? -Infinity) - (a.value ?? -Infinity) || a.index - b.index).slice(0, n);
  ctx.io.out(`  ${'trial'.padStart(5)}  ${metric.padStart(10)}  ${'return'.padStart(9)}  ${'sharpe'.padStart(7)}  ${'max dd'.padStart(7)}  ${'trades'.padStart(6)}  params`);
  for (const t of ranked) {
    const m = t.metrics;
    ctx.io.out(`  ${String(t.index).padStart(5)}  ${fmt(t.value).padStart(10)}  ${pct(m?.netReturn).padStart(9)}  ${fmt(m?.sharpe, 2).padStart(7)}  ${pct(m?.maxDrawdown).padStart(7)}  ${String(m?.trades ?? '-').padStart(6)}  ${Object.entries(t.params).map(([k, v]) => `${k}=${v}`).join(' ')}${t.status !== 'ok' ? `  (${t.status}: ${t.note ?? ''})` : ''}`);
  }
}

export function printRun(ctx: CliContext, r: ResearchRun): void {
  const s = r.summary;
  ctx.io.out(`${s.id}  ${s.kind}  ${s.status}  ${s.strategy ?? ''} ${s.symbols.join(',')} ${s.timeframe ?? ''}${s.label ? `  "${s.label}"` : ''}  ${s.progress.done}/${s.progress.total}`);
  if (s.headline) ctx.io.out(`  ${s.headline}`);
  if (s.error) ctx.io.out(`  error: ${s.error}`);
  if (r.optimize) {
    const o = r.optimize;
    ctx.io.out(`  ${o.sampler} search, seed ${o.seed}, objective ${o.objective.metric} (min ${o.objective.minTrades} trades): ${o.counts.ok} ok, ${o.counts.infeasible} infeasible, ${o.counts.invalid} refused, ${o.counts.failed} failed; ${new Set(o.trials.map((t) => t.worker)).size} worker process(es)`);
    printTrials(ctx, o.trials, o.objective.metric);
    if (o.best !== null) ctx.io.out(`  open the best as a backtest: vigil research open ${s.id} ${o.best}`);
  }
  if (r.walkForward) {
    const w = r.walkForward;
    ctx.io.out(`  ${w.mode} windows, ${w.trialsPerWindow} ${w.sampler} trials each, objective ${w.objective.metric}`);
    ctx.io.out(`  ${'#'.padStart(2)}  ${'in sample'.padEnd(33)}  ${'out of sample'.padEnd(33)}  ${'IS'.padStart(8)}  ${'OOS'.padStart(8)}  ${'change'.padStart(8)}  ${'eff.'.padStart(6)}  best`);
    for (const x of w.windows) {
      ctx.io.out(
        `  ${String(x.index + 1).padStart(2)}  ${`${when(x.isFrom)} → ${when(x.isTo)}`.padEnd(33)}  ${`${when(x.oosFrom)} → ${when(x.oosTo)}`.padEnd(33)}  ${fmt(x.best?.value).padStart(8)}  ${fmt(x.oos?.value).padStart(8)}  ${fmt(x.change).padStart(8)}  ${fmt(x.efficiency, 2).padStart(6)}  ${x.best ? Object.entries(x.best.params).map(([k, v]) => `${k}=${v}`).join(' ') : (x.error ?? x.status)}`,
      );
    }
    if (w.report) ctx.io.out(`  stitched OOS: return ${pct(w.report.oos.netReturn)}, sharpe ${fmt(w.report.oos.sharpe, 2)}, max dd ${pct(w.report.oos.maxDrawdown)}, ${w.report.oos.trades} trades; mean IS ${fmt(w.report.isMean)} → mean OOS ${fmt(w.report.oosMean)}`);
  }
  if (r.bias) {
    const b = r.bias;
    if (b.lookahead) {
      ctx.io.out(`  lookahead: ${b.lookahead.differenceCount} of ${b.lookahead.compared} decisions changed with the future cut off (${b.lookahead.cuts.length} cuts)`);
      for (const d of b.lookahead.differences.slice(0, 10)) ctx.io.out(`    ${d.symbol} bar ${d.bar} ${when(d.time)}: full ${d.full ?? 'no change'}, truncated ${d.truncated ?? 'no change'}`);
    }
    if (b.features) {
      const bad = b.features.features.filter((f) => f.differences > 0);
      ctx.io.out(`  features: ${b.features.features.length} checked at ${b.features.cuts} cuts, ${bad.length ? `lookahead in ${bad.map((f) => `${f.name} (first ${f.first?.symbol} bar ${f.first?.bar} ${when(f.first?.time)})`).join(', ')}` : 'no difference'}`);
    }
    if (b.warmup) {
      for (const o of b.warmup.offsets) ctx.io.out(`  start +${o.offset} bars (${when(o.time)}): ${o.mismatches}/${o.compared} decisions differ, ${o.convergedAfter === null ? 'never agree for good' : `agree after ${o.convergedAfter} bars`}; return ${pct(o.metrics.netReturn)}, trades ${o.metrics.trades}`);
      ctx.io.out(`  feature warm-up (bars to agree within 1e-9): ${b.warmup.features.map((f) => `${f.name} ${f.bars ?? `>${b.warmup!.horizon}`}`).join(', ')}`);
    }
    for (const [k, m] of Object.entries(b.errors)) ctx.io.out(`  ${k} failed: ${m}`);
  }
  if (r.arena) {
    const a = r.arena;
    ctx.io.out(`  ${'rank'.padStart(4)}  ${'configuration'.padEnd(20)}  ${'P&L'.padStart(12)}  ${'fees'.padStart(10)}  ${'model'.padStart(10)}  ${'net'.padStart(12)}  ${'sd'.padStart(8)}  samples`);
    for (const x of a.ranking) ctx.io.out(`  ${String(x.rank).padStart(4)}  ${x.label.padEnd(20)}  ${Number(x.pnl).toFixed(2).padStart(12)}  ${Number(x.fees).toFixed(2).padStart(10)}  ${Number(x.modelCost).toFixed(4).padStart(10)}  ${Number(x.net).toFixed(2).padStart(12)}  ${fmt(x.netStdev, 2).padStart(8)}  ${x.samples}`);
    if (a.agreement.length) {
      ctx.io.out('  decision agreement:');
      a.contestants.forEach((c, i) => ctx.io.out(`    ${c.label.padEnd(20)} ${a.agreement[i]!.map((v) => (v === null ? '   -' : `${(v * 100).toFixed(0)}%`.padStart(4))).join(' ')}${a.selfAgreement[i] !== null ? `  (samples agree ${((a.selfAgreement[i] ?? 0) * 100).toFixed(0)}%)` : ''}`));
    }
    for (const x of a.runs.filter((y) => y.status === 'failed')) ctx.io.out(`  ${a.contestants[x.contestant]!.label} sample ${x.sample} failed: ${x.error}`);
  }
  if (r.twin) {
    const t = r.twin;
    if (t.summary) ctx.io.out(`  paper ${t.summary.paperFills} fills (fees ${t.summary.paperFees}) · twin ${t.summary.twinFills} fills (fees ${t.summary.twinFees}, P&L ${t.twin?.pnl ?? '-'}) · matched ${t.summary.matched}`);
    for (const n of t.notes) ctx.io.out(`  note: ${n}`);
    for (const p of t.pairs.slice(0, 20)) {
      ctx.io.out(`  ${p.side} ${p.symbol} paper ${when(p.paper.time)} @ ${p.paper.price} · twin ${when(p.twin.time)} @ ${p.twin.price} · gap ${p.priceGapBps.toFixed(1)} bps`);
      for (const e of p.explanation) ctx.io.out(`      ${e}`);
    }
    for (const u of t.unmatched.slice(0, 20)) ctx.io.out(`  ${u.source} only: ${u.fill.side} ${u.fill.symbol} ${when(u.fill.time)} @ ${u.fill.price} — ${u.explanation}`);
  }
}

/** Waits for a run (a progress line on a terminal), prints it, exits 0 when it completed. */
async function follow(ctx: CliContext, rt: RemoteRuntime, started: { id: string; summary: { progress: { total: number } } }, detach: boolean | undefined): Promise<ExitCode> {
  if (detach) {
    ctx.io.out(ctx.json ? JSON.stringify(started) : `started ${started.id}; see \`vigil research show ${started.id}\``);
    return EXIT.ok;
  }
  if (!ctx.json) ctx.io.err(`${started.id}: ${started.summary.progress.total} steps`);
  let r: ResearchRun;
  for (;;) {
    r = await callVerb<ResearchRun>(rt, 'get_research_run', { id: started.id });
    if (ctx.io.interactive && !ctx.json) process.stderr.write(`\r${r.summary.progress.done}/${r.summary.progress.total}  ${r.summary.headline ?? ''}`.slice(0, 160).padEnd(160));
    if (r.summary.status !== 'running') break;
    await new Promise((res) => setTimeout(res, 500));
  }
  if (ctx.io.interactive && !ctx.json) process.stderr.write('\n');
  if (ctx.json) ctx.io.out(JSON.stringify(r, null, 2));
  else printRun(ctx, r);
  return r.summary.status === 'completed' ? EXIT.ok : EXIT.failed;
}

export const OptimizeFlags = RunFlags.extend({ ...StudyFlags, trials: z.coerce.number().int().min(1).optional() });

const optimize = command({
  name: 'backtest optimize',
  summary: 'Optimise a strategy’s parameters: grid, random or TPE search, each trial a backtest fanned out over every worker.',
  help: [
    'The backtest flags of `vigil backtest run` (--params fixes parameters), plus:',
    '  --space \'{"fast":{"min":5,"max":50},"slow":{"min":20,"max":200,"step":5}}\'  (default: every parameter over its default range)',
    '  --sampler tpe|random|grid (tpe)  --trials 100  --seed 1  --parallel 8 (trials in flight)',
    `  --objective ${OBJECTIVES.join('|')} (sharpe)  --min-trades 0`,
    'Start `vigil worker` in another process or on another machine to run trials there too.',
    '',
    'Example: vigil backtest optimize --strategy sma_cross --symbols BTC-USD --timeframe 1h \\',
    '           --from 2018-01-01 --to 2021-01-01 --objective calmar --min-trades 20 --trials 200',
  ].join('\n'),
  flags: { ...specFlagSpec, ...studyFlagSpec, trials: { type: 'string' } },
  schema: OptimizeFlags,
  async run(a, ctx) {
    const input = { spec: specOf(a), ...studyInput(a), ...(a.trials ? { trials: a.trials } : {}), ...(a.label ? { label: a.label } : {}) };
    return withRuntime(ctx, async (rt) => follow(ctx, rt, await callVerb<VerbResult<'optimize_strategy'>>(rt, 'optimize_strategy', input), a.detach));
  },
});

const walkForward = command({
  name: 'backtest walk-forward',
  summary: 'Walk forward: optimise each window in sample, run its best out of sample, stitch and report the degradation.',
  help: [
    'The flags of `vigil backtest optimize` (--trials-per-window instead of --trials), plus:',
    '  --mode rolling|anchored (rolling)  --windows 5  --in-sample-days N --out-of-sample-days M',
    'Without lengths, each window is 80% in sample and 20% out of sample.',
  ].join('\n'),
  flags: { ...specFlagSpec, ...studyFlagSpec, 'trials-per-window': { type: 'string' }, mode: { type: 'string' }, windows: { type: 'string' }, 'in-sample-days': { type: 'string' }, 'out-of-sample-days': { type: 'string' } },
  schema: RunFlags.omit({ mode: true }).extend({
    ...StudyFlags,
    'trials-per-window': z.coerce.number().int().min(1).optional(),
    mode: z.enum(['rolling', 'anchored'], { error: '--mode must be rolling or anchored' }).optional(),
    windows: z.coerce.number().int().min(1).optional(),
    'in-sample-days': z.coerce.number().positive().optional(),
    'out-of-sample-days': z.coerce.number().positive().optional(),
  }),
  async run(a, ctx) {
    const input = {
      spec: specOf({ ...a, mode: undefined }),
      ...studyInput(a),
      ...(a['trials-per-window'] ? { trialsPerWindow: a['trials-per-window'] } : {}),
      windows: {
        mode: a.mode ?? 'rolling',
        ...(a.windows ? { count: a.windows } : {}),
        ...(a['in-sample-days'] ? { inSampleDays: a['in-sample-days'] } : {}),
        ...(a['out-of-sample-days'] ? { outOfSampleDays: a['out-of-sample-days'] } : {}),
      },
      ...(a.label ? { label: a.label } : {}),
    };
    return withRuntime(ctx, async (rt) => follow(ctx, rt, await callVerb<VerbResult<'walk_forward'>>(rt, 'walk_forward', input), a.detach));
  },
});

const bias = command({
  name: 'backtest bias',
  summary: 'Bias checks: lookahead in the strategy and in every feature, and results against the start offset.',
  help: ['The backtest flags of `vigil backtest run`, plus:', '  --cuts 10  --offsets 50,200,1000  --horizon 2000 (bars of feature comparison after each start)'].join('\n'),
  flags: { ...specFlagSpec, mode: { type: 'string' }, every: { type: 'string' }, cuts: { type: 'string' }, offsets: { type: 'string' }, horizon: { type: 'string' } },
  schema: RunFlags.extend({
    cuts: z.coerce.number().int().min(1).optional(),
    offsets: z
      .string()
      .transform((s) => s.split(',').map((x) => Number(x.trim())))
      .optional(),
    horizon: z.coerce.number().int().optional(),
  }),
  async run(a, ctx) {
    const { label, ...spec } = runBacktestInput(a);
    const input = { spec, ...(a.cuts ? { cuts: a.cuts } : {}), ...(a.offsets ? { offsets: a.offsets } : {}), ...(a.horizon ? { horizon: a.horizon } : {}), ...(label ? { label } : {}) };
    return withRuntime(ctx, async (rt) => follow(ctx, rt, await callVerb<VerbResult<'check_bias'>>(rt, 'check_bias', input), a.detach));
  },
});

const arena = command({
  name: 'backtest arena',
  summary: 'The same window through several agent configurations, ranked by P&L net of fees and model cost.',
  help: [
    'The data flags of `vigil backtest run` (--symbols --timeframe --from --to --fee ...), plus:',
    '  --contestants \'[{"label":"policy","kind":"policy"},{"label":"4o-mini","kind":"agent","model":"gpt-4o-mini","every":60},',
    '                 {"label":"local","kind":"agent","model":"llama3.1","baseUrl":"http://127.0.0.1:11434/v1","mode":"aggressive"}]\'',
    '  --samples 1 (runs per model configuration)  --max-calls 1000  --max-cost 5 (USD per run)  --rpm 60',
  ].join('\n'),
  flags: { ...specFlagSpec, contestants: { type: 'string' }, samples: { type: 'string' }, 'max-calls': { type: 'string' }, 'max-cost': { type: 'string' }, rpm: { type: 'string' } },
  schema: RunFlags.omit({ strategy: true }).extend({
    contestants: json('--contestants'),
    samples: z.coerce.number().int().min(1).optional(),
  }),
  async run(a, ctx) {
    const { label, ...spec } = runBacktestInput({ ...a, strategy: 'policy' });
    const budget = { ...(a['max-calls'] ? { maxCalls: a['max-calls'] } : {}), ...(a['max-cost'] ? { maxCostUsd: a['max-cost'] } : {}), ...(a.rpm ? { rpm: a.rpm } : {}) };
    delete (spec as { params?: unknown }).params;
    const input = { spec, contestants: a.contestants, ...(a.samples ? { samples: a.samples } : {}), ...(Object.keys(budget).length ? { budget } : {}), ...(label ? { label } : {}) };
    return withRuntime(ctx, async (rt) => follow(ctx, rt, await callVerb<VerbResult<'run_arena'>>(rt, 'run_arena', input), a.detach));
  },
});

const twin = command({
  name: 'backtest twin',
  summary: 'A finished paper session replayed as a backtest of the same agent, trade by trade, the gaps explained.',
  help: ['Usage: vigil backtest twin --from <time> [--to <time>] [--symbols BTC-USD] [--strategy policy|agent] [--mode standard] [--every <1m bars>] [--portfolio default]'].join('\n'),
  flags: { from: { type: 'string' }, to: { type: 'string' }, symbols: { type: 'string' }, strategy: { type: 'string' }, mode: { type: 'string' }, every: { type: 'string' }, portfolio: { type: 'string' }, label: { type: 'string' }, detach: { type: 'boolean' } },
  schema: z.object({
    from: z.string({ error: '--from is required: the session start (ISO time or epoch ms)' }),
    to: z.string().optional(),
    symbols: z
      .string()
      .transform((s) => s.split(',').map((x) => x.trim().toUpperCase()))
      .optional(),
    strategy: z.enum(['policy', 'agent']).optional(),
    mode: ExecutionMode.optional(),
    every: z.coerce.number().int().min(1).optional(),
    portfolio: z.string().optional(),
    label: z.string().optional(),
    detach: z.boolean().optional(),
  }),
  async run(a, ctx) {
    const num = (s: string) => (/^\d+$/.test(s) ? Number(s) : s);
    const { detach, ...rest } = a;
    const input = { ...rest, from: num(a.from), ...(a.to ? { to: num(a.to) } : {}) };
    return withRuntime(ctx, async (rt) => follow(ctx, rt, await callVerb<VerbResult<'twin_report'>>(rt, 'twin_report', input), detach));
  },
});

const list = command({
  name: 'research list',
  summary: 'Research runs (studies, walk-forwards, bias checks, arenas, twins), newest first.',
  help: `Usage: vigil research list [--kind ${RESEARCH_KINDS.join('|')}] [--limit 50]`,
  flags: { kind: { type: 'string' }, limit: { type: 'string' } },
  schema: z.object({ kind: z.enum(RESEARCH_KINDS, { error: `--kind must be one of ${RESEARCH_KINDS.join(', ')}` }).optional(), limit: z.coerce.number().int().min(1).max(500).default(50) }),
  async run(a, ctx) {
    return withRuntime(ctx, async (rt) => {
      const r = await callVerb<VerbResult<'list_research_runs'>>(rt, 'list_research_runs', { limit: a.limit, ...(a.kind ? { kind: a.kind } : {}) });
      if (ctx.json) ctx.io.out(JSON.stringify(r, null, 2));
      else if (r.runs.length === 0) ctx.io.out('no research runs yet: `vigil backtest optimize --help`');
      else for (const s of r.runs) ctx.io.out(`${s.id}  ${s.kind.padEnd(12)} ${s.status.padEnd(9)} ${when(s.createdAt)}  ${(s.strategy ?? '').padEnd(13)} ${s.symbols.join(',').padEnd(16)} ${s.headline ?? ''}`);
      return EXIT.ok;
    });
  },
});

const show = command({
  name: 'research show',
  summary: 'One research run with everything it found.',
  help: 'Usage: vigil research show <id> [--json]',
  flags: {},
  positionals: ['id'],
  schema: z.object({ id: z.string({ error: 'give the run id: vigil research show <id>' }) }),
  async run(a, ctx) {
    return withRuntime(ctx, async (rt) => {
      const r = await callVerb<ResearchRun>(rt, 'get_research_run', { id: a.id });
      if (ctx.json) ctx.io.out(JSON.stringify(r, null, 2));
      else printRun(ctx, r);
      return EXIT.ok;
    });
  },
});

const cancel = command({
  name: 'research cancel',
  summary: 'Cancel a running research run (what finished is kept).',
  help: 'Usage: vigil research cancel <id>',
  flags: {},
  positionals: ['id'],
  schema: z.object({ id: z.string({ error: 'give the run id' }) }),
  async run(a, ctx) {
    return withRuntime(ctx, async (rt) => {
      const r = await callVerb<VerbResult<'cancel_research_run'>>(rt, 'cancel_research_run', { id: a.id });
      ctx.io.out(ctx.json ? JSON.stringify(r) : r.cancelled ? `${r.id}: cancelling` : `${r.id}: not running (${r.status})`);
      return r.cancelled ? EXIT.ok : EXIT.rejected;
    });
  },
});

const open = command({
  name: 'research open',
  summary: 'The full backtest of one trial of a study (started once, the same id after).',
  help: 'Usage: vigil research open <study id> <trial>',
  flags: {},
  positionals: ['id', 'trial'],
  schema: z.object({ id: z.string({ error: 'give the study id' }), trial: z.coerce.number({ error: 'give the trial number' }).int().min(0) }),
  async run(a, ctx) {
    return withRuntime(ctx, async (rt) => {
      const r = await callVerb<VerbResult<'open_trial_backtest'>>(rt, 'open_trial_backtest', { id: a.id, trial: a.trial });
      ctx.io.out(ctx.json ? JSON.stringify(r) : `${r.backtestId}${r.created ? ' started' : ''}: vigil backtest show ${r.backtestId}`);
      return EXIT.ok;
    });
  },
});

export const researchCommands: CliCommand[] = [optimize, walkForward, bias, arena, twin, list, show, cancel, open];
