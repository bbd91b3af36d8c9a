/**
 * `vigil backtest run|list|show|compare|cancel|strategies`: the backtest verbs, with a progress
 * bar on a terminal. Through the running cockpit when there is one (its workers run the backtest
 * and its Backtest page shows it live); without one, run, list, show and compare work in this
 * process over the same activities and the same `<dataDir>/backtests.sqlite`
 * (core/backtest/cli-local.ts). Cancelling another process's run needs the cockpit.
 */
import { z } from 'zod';
import type { VerbResult } from '../api/contract';
import { CliError, command, EXIT, noCockpitMessage, type CliCommand, type CliContext } from '../cli/registry';
import { callVerb, withBacktests, withRuntime } from '../cli/remote';
import { strategyCatalog, type StrategyParam } from './strategies/catalog';
import { EXECUTION_MODES } from '../agents/prompt-ids';
import { EXIT_FLAGS, EXIT_PARAM_NAMES, exitFromPercent, type ExitParamName } from './strategies/exits';

const call = callVerb;

const pct = (x: number | null | undefined) => (x === null || x === undefined ? '-' : `${(x * 100).toFixed(2)}%`);
const num = (x: number | null | undefined, d = 2) => (x === null || x === undefined ? '-' : x.toFixed(d));
const money = (s: string | null) => (s === null ? '-' : Number(s).toFixed(2));

type Got = VerbResult<'get_backtest_result'>;
type Summary = Got['summary'];

function bar(done: number, total: number): string {
  const w = 30;
  const f = total > 0 ? Math.min(1, done / total) : 0;
  return `[${'#'.repeat(Math.round(f * w)).padEnd(w, '.')}] ${(f * 100).toFixed(0).padStart(3)}% ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} bars`;
}

function printSummary(ctx: CliContext, s: Summary): void {
  ctx.io.out(`${s.id}  ${s.status}  ${s.strategy} ${s.symbols.join(',')} ${s.timeframe}${s.label ? `  "${s.label}"` : ''}`);
  ctx.io.out(`  bars ${s.bars.toLocaleString('en-US')}  ${s.from ? new Date(s.from).toISOString().slice(0, 16) : '-'} .. ${s.to ? new Date(s.to).toISOString().slice(0, 16) : '-'}`);
  ctx.io.out(`  equity ${money(s.initialCash)} -> ${money(s.finalEquity)}  return ${pct(s.totalReturn)}  max drawdown ${pct(s.maxDrawdown)}  sharpe ${num(s.sharpe)}`);
  ctx.io.out(`  trades ${s.trades ?? '-'}  fills ${s.fills ?? '-'}  fees ${money(s.feesPaid)}${s.error ? `  error: ${s.error}` : ''}`);
  if (s.exits) ctx.io.out(`  exits: stop-loss ${s.exits.stopLoss}, take-profit ${s.exits.takeProfit}, trailing stop ${s.exits.trailingStop}`);
  if (s.model) ctx.io.out(`  model: ${s.model.decisions} decisions, ${s.model.calls} calls, ${s.model.cacheHits} cache hits, cost ${s.model.costUsd} USD (this run paid ${s.model.spentCostUsd})`);
}

export function printResult(ctx: CliContext, g: Got): void {
  printSummary(ctx, g.summary);
  const r = g.result;
  if (!r) return;
  const p = r.performance;
  ctx.io.out(`  sortino ${num(p.sortino)}  win rate ${pct(p.winRate)}  profit factor ${num(p.profitFactor)}  time in market ${pct(p.timeInMarket)}  VaR95 ${pct(r.risk.var95 ? Number(r.risk.var95.var) : null)}`);
  const m = r.model;
  if (m) {
    ctx.io.out(`  model ${m.model}${m.baseUrl ? ` at ${m.baseUrl}` : ''}, prompt ${m.promptId} v${m.promptVersion}, a nudge every ${m.every} bars`);
    ctx.io.out(`    decisions ${m.decisions}: buy ${m.buys}, sell ${m.sells}, hold ${m.holds}, refused ${m.refusals}, no valid decision ${m.invalidDecisions}, garbled tool calls ${m.invalidCalls}, unfilled limits ${m.unfilledLimits}, rejected ${m.rejected}, not asked on the last bar ${m.lastBarSkips}`);
    ctx.io.out(`    requests ${m.requests}: ${m.calls} sent, ${m.cacheHits} from the cache · tokens ${m.promptTokens} in / ${m.completionTokens} out · cost ${m.costUsd} USD${m.priced ? '' : ' (unpriced model)'} · this run paid ${m.spentCostUsd} USD`);
  }
  const blocked = Object.entries(r.blockedByRule);
  if (blocked.length) ctx.io.out(`  blocked orders: ${blocked.map(([k, n]) => `${k} ${n}`).join(', ')}`);
  ctx.io.out('  last trades:');
  for (const t of r.trades.slice(-10)) {
    ctx.io.out(`    ${t.symbol} ${new Date(t.entryTime).toISOString().slice(0, 16)} @ ${t.entryPrice} -> ${t.exitTime ? `${new Date(t.exitTime).toISOString().slice(0, 16)} @ ${t.exitPrice}` : 'open'}  qty ${t.quantity}  pnl ${money(t.pnl)}${t.exitReason && t.exitReason !== 'signal' ? `  (${t.exitReason.replace('_', ' ')})` : ''}`);
  }
}

const decimalFlag = (what: string) => z.string().regex(/^\d+(\.\d+)?$/, `${what} must be a decimal like 0.012`);

/** An exit in percent at the CLI (`--stop-loss-pct 2`), the fraction the spec holds (0.02). */
const exitFlag = (name: ExitParamName) =>
  z
    .string()
    .transform((v, c) => {
      const r = exitFromPercent(name, v);
      if (r.ok) return r.value;
      c.addIssue({ code: 'custom', message: `--${EXIT_FLAGS[name]} ${r.message}` });
      return z.NEVER;
    })
    .optional();

/** Flags of `vigil backtest run` (validated before anything is sent). */
export const RunFlags = z.object({
  strategy: z.string({ error: '--strategy is required (policy, buy_and_hold, sma_cross, rsi_reversion, breakout, agent)' }),
  symbols: z.string({ error: '--symbols is required, e.g. BTC-USD or BTC-USD,ETH-USD' }).transform((s) => s.split(',').map((x) => x.trim().toUpperCase())),
  weights: z
    .string()
    .transform((s) => s.split(',').map(Number))
    .optional(),
  from: z.string().optional(),
  to: z.string().optional(),
  timeframe: z.string({ error: '--timeframe is required: 1m, 5m, 15m, 1h, 4h or 1d' }),
  fee: decimalFlag('--fee').optional(),
  'maker-fee': decimalFlag('--maker-fee').optional(),
  params: z
    .string()
    .transform((s, c) => {
      try {
        return JSON.parse(s) as Record<string, unknown>;
      } catch {
        c.addIssue({ code: 'custom', message: '--params must be a JSON object like {"fast":10,"slow":30}' });
        return z.NEVER;
      }
    })
    .optional(),
  cash: z.string().optional(),
  'spread-bps': z.coerce.number().optional(),
  'no-slippage': z.boolean().optional(),
  risk: z.enum(['none', 'default'], { error: '--risk must be none or default' }).optional(),
  scrape: z.string().optional(),
  label: z.string().optional(),
  detach: z.boolean().optional(),
  mode: z.enum(EXECUTION_MODES, { error: '--mode must be conservative, standard or aggressive' }).optional(),
  every: z.coerce.number({ error: '--every must be a number of bars' }).int().min(1).optional(),
  rpm: z.coerce.number({ error: '--rpm must be requests per minute' }).positive().optional(),
  'max-calls': z.coerce.number({ error: '--max-calls must be a whole number' }).int().min(1).optional(),
  'max-cost': decimalFlag('--max-cost').optional(),
  'stop-loss-pct': exitFlag('stopLossPct'),
  'stop-limit-pct': exitFlag('stopLimitPct'),
  'take-profit-pct': exitFlag('takeProfitPct'),
  'trailing-pct': exitFlag('trailingPct'),
});

/** The protective exits given as flags, as strategy params (fractions). */
function exitParams(a: z.output<typeof RunFlags>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of EXIT_PARAM_NAMES) {
    const v = a[EXIT_FLAGS[name] as 'stop-loss-pct'];
    if (v !== undefined) out[name] = v;
  }
  return out;
}

/** The `run_backtest` input for parsed flags: the agent's flags and the exits become strategy params. */
export function runBacktestInput(a: z.output<typeof RunFlags>) {
  const exits = exitParams(a);
  return {
    strategy: a.strategy,
    symbols: a.symbols,
    timeframe: a.timeframe,
    ...(a.weights ? { weights: a.weights } : {}),
    ...(a.from ? { from: a.from } : {}),
    ...(a.to ? { to: a.to } : {}),
    ...(a.fee ? { fees: { taker: a.fee, maker: a['maker-fee'] ?? a.fee } } : {}),
    ...(a.params || a.mode || a.every || a.rpm || a['max-calls'] || a['max-cost'] || Object.keys(exits).length
      ? {
          params: {
            ...a.params,
            ...exits,
            ...(a.mode ? { mode: a.mode } : {}),
            ...(a.every ? { every: a.every } : {}),
            ...(a.rpm ? { rpm: a.rpm } : {}),
            ...(a['max-calls'] ? { maxCalls: a['max-calls'] } : {}),
            ...(a['max-cost'] ? { maxCostUsd: a['max-cost'] } : {}),
          },
        }
      : {}),
    ...(a.cash ? { initialCash: a.cash } : {}),
    ...(a['spread-bps'] !== undefined ? { spreadBps: a['spread-bps'] } : {}),
    ...(a['no-slippage'] ? { slippage: false } : {}),
    ...(a.risk ? { risk: a.risk } : {}),
    ...(a.scrape ? { profitScrapePct: a.scrape } : {}),
    ...(a.label ? { label: a.label } : {}),
  };
}

const run = command({
  name: 'backtest run',
  summary: 'Run a backtest over recorded candles and wait for it (progress bar on a terminal).',
  help: [
    'Strategies: policy, buy_and_hold, sma_cross, rsi_reversion, breakout, agent.',
    'agent is the execution agent with its configured model (EXECUTION_MODEL / OPENAI_MODEL, Settings):',
    '  --mode conservative|standard|aggressive  --every <bars per nudge, 60>  --rpm <requests/min, 60>',
    '  --max-calls <1000>  --max-cost <USD, 5>; answers are cached, so a rerun costs nothing.',
    'Protective exits, in percent of the entry fill, on every strategy:',
    '  --stop-loss-pct 2  --stop-limit-pct 0.5 (the stop as a stop-limit, its limit 0.5% under the stop)',
    '  --take-profit-pct 4  --trailing-pct 1.5. Judged from the bar after the entry; a gap fills from',
    '  the open; a bar reaching a stop and the take-profit takes the stop. After an exit the strategy',
    '  must signal afresh before it buys again.',
    'Data: BTC-USD / ETH-USD / LTC-USD (Coinbase, 1h and 1d) and BTC-USDT / ETH-USDT (Binance, 1m);',
    'timeframes 1m 5m 15m 1h 4h 1d (resampled from the recording).',
    '',
    'Example: vigil backtest run --strategy sma_cross --symbols BTC-USD --timeframe 4h \\',
    '           --from 2018-01-01 --to 2019-01-01 --fee 0.012 --params \'{"fast":10,"slow":30}\'',
    '',
    'Orders fill at the next bar’s open with the paper ledger’s fee, spread and slippage model.',
    '',
    'Runs through the running cockpit when there is one (it shows on the Backtest page), else in',
    'this process with the same engine and store (Ctrl-C cancels). --json prints the full result.',
    'Exit codes: 0 completed · 1 failed or cancelled · 2 bad arguments · 3 rejected (no data for the',
    'range) · 4 the cockpit is registered but does not answer.',
  ].join('\n'),
  flags: {
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
    mode: { type: 'string' },
    every: { type: 'string' },
    rpm: { type: 'string' },
    'max-calls': { type: 'string' },
    'max-cost': { type: 'string' },
    'stop-loss-pct': { type: 'string' },
    'stop-limit-pct': { type: 'string' },
    'take-profit-pct': { type: 'string' },
    'trailing-pct': { type: 'string' },
  },
  schema: RunFlags,
  async run(a, ctx) {
    const input = runBacktestInput(a);
    return withBacktests(ctx, async (door) => {
      if (a.detach && door.via === 'in-process') {
        throw new CliError(EXIT.usage, `--detach needs a running cockpit: without one the backtest runs in this process and ends with it (${noCockpitMessage(ctx.dataDir)})`);
      }
      const started = await call<VerbResult<'run_backtest'>>(door, 'run_backtest', input);
      if (a.detach) {
        ctx.io.out(ctx.json ? JSON.stringify(started) : `started ${started.id} (${started.totalBars.toLocaleString('en-US')} bars); see \`vigil backtest show ${started.id}\``);
        return EXIT.ok;
      }
      if (!ctx.json) ctx.io.err(`backtest ${started.id}: ${started.totalBars.toLocaleString('en-US')} bars, ${door.via === 'cockpit' ? 'through the running cockpit' : 'in this process (no cockpit running; Ctrl-C cancels)'}`);
      const interrupt = () => door.cancel?.();
      if (door.cancel) process.once('SIGINT', interrupt);
      let g: Got;
      try {
        for (;;) {
          g = await call<Got>(door, 'get_backtest_result', { id: started.id, full: false });
          if (ctx.io.interactive && !ctx.json) process.stderr.write(`\r${bar(g.progress.barsDone, g.progress.totalBars)}`);
          if (g.status !== 'running') break;
          await new Promise((r) => setTimeout(r, door.via === 'cockpit' ? 300 : 100));
        }
      } finally {
        process.removeListener('SIGINT', interrupt);
      }
      if (ctx.io.interactive && !ctx.json) process.stderr.write('\n');
      g = await call<Got>(door, 'get_backtest_result', { id: started.id, full: true });
      if (ctx.json) ctx.io.out(JSON.stringify(g, null, 2));
      else printResult(ctx, g);
      return g.status === 'completed' ? EXIT.ok : EXIT.failed;
    });
  },
});

const list = command({
  name: 'backtest list',
  summary: 'Backtests run so far, newest first.',
  help: 'One line per backtest: id, status, strategy, symbols, timeframe, return, drawdown, trades.',
  flags: { limit: { type: 'string' } },
  schema: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(50) }),
  async run(a, ctx) {
    return withBacktests(ctx, async (rt) => {
      const r = await call<VerbResult<'list_backtests'>>(rt, 'list_backtests', { limit: a.limit });
      if (ctx.json) ctx.io.out(JSON.stringify(r, null, 2));
      else if (r.backtests.length === 0) ctx.io.out('no backtests yet: `vigil backtest run --help`');
      else
        for (const s of r.backtests) {
          ctx.io.out(`${s.id}  ${s.status.padEnd(9)}  ${s.strategy.padEnd(13)}  ${s.symbols.join(',').padEnd(16)} ${s.timeframe.padEnd(3)}  return ${pct(s.totalReturn).padStart(8)}  dd ${pct(s.maxDrawdown).padStart(7)}  trades ${s.trades ?? '-'}`);
        }
      return EXIT.ok;
    });
  },
});

const show = command({
  name: 'backtest show',
  summary: 'Show one backtest: status, progress, analytics, blocked orders, last trades.',
  help: 'Usage: vigil backtest show <id> [--json for the full result: curves, fills, per-day reports]',
  flags: {},
  positionals: ['id'],
  schema: z.object({ id: z.string({ error: 'give the backtest id: vigil backtest show <id>' }) }),
  async run(a, ctx) {
    return withBacktests(ctx, async (rt) => {
      const g = await call<Got>(rt, 'get_backtest_result', { id: a.id, full: true });
      if (ctx.json) ctx.io.out(JSON.stringify(g, null, 2));
      else {
        printResult(ctx, g);
        if (g.status === 'running') ctx.io.out(`  ${bar(g.progress.barsDone, g.progress.totalBars)}`);
      }
      return EXIT.ok;
    });
  },
});

const compare = command({
  name: 'backtest compare',
  summary: 'Compare backtests side by side.',
  help: 'Usage: vigil backtest compare <id>,<id>[,<id>...]',
  flags: {},
  positionals: ['ids'],
  schema: z.object({ ids: z.string({ error: 'give two or more ids separated by commas' }).transform((s) => s.split(',').map((x) => x.trim())) }),
  async run(a, ctx) {
    return withBacktests(ctx, async (rt) => {
      const r = await call<VerbResult<'compare_backtests'>>(rt, 'compare_backtests', { ids: a.ids });
      if (ctx.json) {
        ctx.io.out(JSON.stringify(r, null, 2));
        return EXIT.ok;
      }
      const rows: [string, (x: (typeof r.rows)[number]) => string][] = [
        ['strategy', (x) => x.summary.strategy],
        ['symbols', (x) => `${x.summary.symbols.join(',')} ${x.summary.timeframe}`],
        ['final equity', (x) => money(x.summary.finalEquity)],
        ['return', (x) => pct(x.performance?.totalReturn)],
        ['max drawdown', (x) => pct(x.summary.maxDrawdown)],
        ['sharpe', (x) => num(x.performance?.sharpe)],
        ['sortino', (x) => num(x.performance?.sortino)],
        ['win rate', (x) => pct(x.performance?.winRate)],
        ['profit factor', (x) => num(x.performance?.profitFactor)],
        ['trades', (x) => String(x.performance?.closedTrades ?? '-')],
        ['fees', (x) => money(x.summary.feesPaid)],
        ['blocked', (x) => String(Object.values(x.blockedByRule).reduce((s, n) => s + n, 0))],
      ];
      ctx.io.out(['', ...r.rows.map((x) => x.id)].map((c, i) => (i === 0 ? c.padEnd(14) : c.padStart(22))).join(''));
      for (const [name, f] of rows) ctx.io.out([name.padEnd(14), ...r.rows.map((x) => f(x).padStart(22))].join(''));
      return EXIT.ok;
    });
  },
});

const cancel = command({
  name: 'backtest cancel',
  summary: 'Cancel a running backtest.',
  help: 'Usage: vigil backtest cancel <id>\nCancels a backtest the running cockpit runs (exit 4 without one); a backtest running in a\nterminal without a cockpit stops with Ctrl-C there.',
  flags: {},
  positionals: ['id'],
  schema: z.object({ id: z.string({ error: 'give the backtest id' }) }),
  async run(a, ctx) {
    return withRuntime(ctx, async (rt) => {
      const r = await call<VerbResult<'cancel_backtest'>>(rt, 'cancel_backtest', { id: a.id });
      ctx.io.out(ctx.json ? JSON.stringify(r) : r.cancelled ? `${r.id}: cancelling` : `${r.id}: not running (${r.status})`);
      return r.cancelled ? EXIT.ok : EXIT.rejected;
    });
  },
});

const strategies = command({
  name: 'backtest strategies',
  summary: 'The strategies a backtest can run, with their parameters, defaults and bounds.',
  help: 'Usage: vigil backtest strategies [--json]\nPass parameters to `vigil backtest run` as --params \'{"fast":10,"slow":30}\'.',
  flags: {},
  schema: z.object({}),
  async run(_a, ctx) {
    // The catalog comes from the strategies' own schemas: no cockpit needed.
    const catalog = strategyCatalog();
    if (ctx.json) {
      ctx.io.out(JSON.stringify({ strategies: catalog }, null, 2));
      return EXIT.ok;
    }
    for (const s of catalog) {
      ctx.io.out(`${s.name} — ${s.description}`);
      for (const p of s.params) if (p.group !== 'exit') ctx.io.out(`  ${p.name.padEnd(12)} ${describeParamLine(p)}`);
    }
    // The exits are the same on every strategy: listed once.
    const exits = catalog[0]?.params.filter((p) => p.group === 'exit') ?? [];
    if (exits.length) {
      ctx.io.out('protective exits — every strategy; fractions in --params, percent with the flags of `vigil backtest run`');
      for (const p of exits) ctx.io.out(`  ${p.name.padEnd(14)} --${EXIT_FLAGS[p.name as ExitParamName]}  ${describeParamLine(p)}`);
    }
    return EXIT.ok;
  },
});

/** "integer, default 10, 1..10000 — Fast moving average, in bars" */
export function describeParamLine(p: StrategyParam): string {
  const bits: string[] = [p.options ? p.options.join(' | ') : p.type];
  if (p.default !== undefined) bits.push(`default ${p.default}`);
  const lo = p.exclusiveMinimum !== undefined ? `>${p.exclusiveMinimum}` : p.minimum !== undefined ? String(p.minimum) : null;
  const hi = p.exclusiveMaximum !== undefined ? `<${p.exclusiveMaximum}` : p.maximum !== undefined ? String(p.maximum) : null;
  if (lo !== null || hi !== null) bits.push(`${lo ?? ''}..${hi ?? ''}`);
  return `${bits.join(', ')}${p.description ? ` — ${p.description}` : ''}`;
}

export const backtestCommands: CliCommand[] = [run, list, show, compare, cancel, strategies];
