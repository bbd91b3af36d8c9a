/**
 * Pure view logic of the Backtest page: progress, curves, metric rows and the comparison, typed
 * from the contract so a change in the result schema breaks the build, not the page.
 */
import type { VerbInput, VerbResult } from '../../../core/api/contract';
import { Dec } from '../../../core/domain/decimal';
import type { EventPayload } from '../../../core/api/events';
import type { ExitParamName } from '../../../core/backtest/strategies/exits';
import { fmtDec, fmtNum, fmtPct, percentToRate, rateToPercent } from './format';

export type BacktestView = VerbResult<'get_backtest_result'>;
export type BacktestSummary = VerbResult<'list_backtests'>['backtests'][number];
export type BacktestResult = NonNullable<BacktestView['result']>;
export type Performance = NonNullable<BacktestResult['performance']>;
export type CompareRow = VerbResult<'compare_backtests'>['rows'][number];
export type ProgressEvent = EventPayload<'backtest.progress'>;

export interface Progress {
  status: BacktestSummary['status'];
  barsDone: number;
  totalBars: number;
  /** 0..1 */
  ratio: number;
}

export function progressOf(p: { status: Progress['status']; barsDone: number; totalBars: number }): Progress {
  const ratio = p.status === 'completed' ? 1 : p.totalBars > 0 ? Math.min(1, Math.max(0, p.barsDone / p.totalBars)) : 0;
  return { status: p.status, barsDone: p.barsDone, totalBars: p.totalBars, ratio };
}

/** Keeps the newest progress per run; events can arrive out of order after a reconnect. */
export function foldProgress(state: Record<string, Progress>, e: ProgressEvent): Record<string, Progress> {
  const cur = state[e.id];
  if (cur && cur.status === 'running' && e.status === 'running' && e.barsDone < cur.barsDone) return state;
  if (cur && cur.status !== 'running' && e.status === 'running') return state;
  return { ...state, [e.id]: progressOf(e) };
}

export interface Point {
  time: number;
  value: number;
}

const sec = (ms: number) => Math.floor(ms / 1000);

/** Equity in quote currency and drawdown in negative percent, one point per second at most. */
export function curves(r: BacktestResult): { equity: Point[]; drawdown: Point[] } {
  return {
    equity: dedupe(r.equityCurve.map((p) => ({ time: sec(p.t), value: p.equity }))),
    drawdown: dedupe(r.drawdownCurve.map((p) => ({ time: sec(p.t), value: -Math.abs(p.drawdown) * 100 }))),
  };
}

/**
 * Each run's equity as % return on its initial cash, so runs of different sizes overlay and the
 * curve ends where the table's total return says (the first sampled point is already after fees).
 */
export function returnCurve(r: BacktestResult): Point[] {
  const base = Number(r.summary.initialCash) || r.equityCurve[0]?.equity;
  if (!base) return [];
  return dedupe(r.equityCurve.map((p) => ({ time: sec(p.t), value: (p.equity / base - 1) * 100 })));
}

function dedupe(points: Point[]): Point[] {
  const out: Point[] = [];
  for (const p of points) {
    if (!Number.isFinite(p.value)) continue;
    const last = out[out.length - 1];
    if (last && last.time === p.time) last.value = p.value;
    else if (!last || p.time > last.time) out.push({ ...p });
  }
  return out;
}

export interface MetricDef {
  key: keyof Performance;
  label: string;
  fmt: (v: number | null) => string;
  /** Which way is better, to mark the best run in a comparison. */
  better: 'high' | 'low' | null;
}

const pct = (v: number | null) => fmtPct(v);
const ratio = (v: number | null) => fmtNum(v, 2);
const days = (ms: number | null) => (ms === null ? '—' : `${fmtNum(ms / 86_400_000, 1)} d`);

export const METRICS: MetricDef[] = [
  { key: 'totalReturn', label: 'Total return', fmt: pct, better: 'high' },
  { key: 'annualizedReturn', label: 'Annualised return', fmt: pct, better: 'high' },
  { key: 'sharpe', label: 'Sharpe (daily, √365)', fmt: ratio, better: 'high' },
  { key: 'sortino', label: 'Sortino (daily, √365)', fmt: ratio, better: 'high' },
  { key: 'dailyReturns', label: 'Daily returns', fmt: (v) => fmtNum(v, 0), better: null },
  { key: 'maxDrawdown', label: 'Max drawdown', fmt: pct, better: 'low' },
  { key: 'maxDrawdownDurationMs', label: 'Longest drawdown', fmt: days, better: 'low' },
  { key: 'winRate', label: 'Win rate', fmt: pct, better: 'high' },
  { key: 'profitFactor', label: 'Profit factor', fmt: ratio, better: 'high' },
  { key: 'closedTrades', label: 'Closed trades', fmt: (v) => fmtNum(v, 0), better: null },
  { key: 'timeInMarket', label: 'Time in market', fmt: pct, better: null },
  { key: 'averageExposure', label: 'Avg exposure', fmt: pct, better: null },
  { key: 'feesPaid', label: 'Fees paid', fmt: ratio, better: 'low' },
];

export function metricValue(p: Performance | null | undefined, key: keyof Performance): number | null {
  const v = p?.[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** Index of the best run for a metric, or null when there is no direction or fewer than two values. */
export function bestIndex(values: (number | null)[], better: MetricDef['better']): number | null {
  if (!better) return null;
  let best: number | null = null;
  let seen = 0;
  values.forEach((v, i) => {
    if (v === null) return;
    seen++;
    const b = best === null ? null : values[best]!;
    if (b === null || b === undefined || (better === 'high' ? v > b : Math.abs(v) < Math.abs(b))) best = i;
  });
  return seen >= 2 ? best : null;
}

export function runLabel(s: Pick<BacktestSummary, 'id' | 'label' | 'strategy' | 'symbols' | 'timeframe'>): string {
  return s.label ?? `${s.strategy} ${s.symbols.join('+')} ${s.timeframe}`;
}

export function returnText(s: Pick<BacktestSummary, 'totalReturn'>): string {
  return s.totalReturn === null ? '—' : `${s.totalReturn >= 0 ? '+' : ''}${fmtPct(s.totalReturn)}`;
}

export function equityText(s: Pick<BacktestSummary, 'finalEquity' | 'initialCash'>): string {
  return `${fmtDec(s.initialCash)} → ${fmtDec(s.finalEquity)}`;
}

export const OVERLAY_COLORS = ['#4c9dff', '#e8b341', '#22c08a', '#c77dff', '#ef5a5a', '#5fd4e6'];

/** Date input value (YYYY-MM-DD) to the epoch-ms the spec wants; blank means "all the data". */
export function dateToMs(v: string): number | undefined {
  if (!v.trim()) return undefined;
  const ms = Date.parse(`${v}T00:00:00Z`);
  return Number.isFinite(ms) ? ms : undefined;
}

export type StrategyInfo = VerbResult<'list_backtest_strategies'>['strategies'][number];
export type StrategyParam = StrategyInfo['params'][number];
export type RunInput = VerbInput<'run_backtest'>;

/** The run form's parameter and cost fields, as typed (blank: the default). */
export interface RunExtras {
  /** Strategy parameter text by name. */
  params: Record<string, string>;
  takerPct: string;
  makerPct: string;
  spreadBps: string;
  slippage: boolean;
  scrapePct: string;
  /** Comma separated, one per symbol. */
  weights: string;
  /** Protective exits in percent of the entry fill, by param name (blank: off). */
  exits: Partial<Record<ExitParamName, string>>;
}

export const EMPTY_EXTRAS: RunExtras = { params: {}, takerPct: '', makerPct: '', spreadBps: '', slippage: true, scrapePct: '', weights: '', exits: {} };

/** The protective exits every strategy takes (catalog params of group `exit`), as the form shows them. */
export const EXIT_FIELDS: { name: ExitParamName; label: string; short: string; example: string; title: string }[] = [
  { name: 'stopLossPct', label: 'Stop-loss %', short: 'stop-loss', example: '2', title: 'Sell when the price falls this far below the entry fill (a gap fills from the open). Blank: no stop' },
  { name: 'stopLimitPct', label: 'Stop-limit %', short: 'stop-limit', example: '0.5', title: 'Make the stop a stop-limit whose limit is this far under the stop (it rests if the price gaps past it). Blank: a stop-market' },
  { name: 'takeProfitPct', label: 'Take-profit %', short: 'take-profit', example: '4', title: 'A resting sell this far above the entry fill. Blank: none' },
  { name: 'trailingPct', label: 'Trailing %', short: 'trailing', example: '1.5', title: 'A stop this far under the best price since the entry, moved only after each bar is judged. Blank: none' },
];

/** A trade's or fill's cause as the tables show it. */
export function exitReasonText(r: string | null | undefined): string {
  return r === 'stop_loss' ? 'stop-loss' : r === 'take_profit' ? 'take-profit' : r === 'trailing_stop' ? 'trailing stop' : r === 'signal' ? 'signal' : '—';
}

/** "3 stop-loss · 2 take-profit · 1 trailing" (null when the run set no exits). */
export function exitCountsText(e: { stopLoss: number; takeProfit: number; trailingStop: number } | null | undefined): string | null {
  if (!e) return null;
  return `${e.stopLoss} stop-loss · ${e.takeProfit} take-profit · ${e.trailingStop} trailing`;
}

/** "above 0% and below 100%": an exit's allowed range in percent, from the catalog. */
function exitRangeText(p: StrategyParam): string {
  const lo = p.exclusiveMinimum !== undefined ? `above ${rateToPercent(p.exclusiveMinimum)}%` : p.minimum !== undefined ? `at least ${rateToPercent(p.minimum)}%` : '';
  const hi = p.exclusiveMaximum !== undefined ? `below ${rateToPercent(p.exclusiveMaximum)}%` : p.maximum !== undefined ? `at most ${rateToPercent(p.maximum)}%` : '';
  return [lo, hi].filter(Boolean).join(' and ');
}
/** Coinbase's entry tier, what a run uses when no fee is given (core/trading/fees.ts). */
export const DEFAULT_TAKER_PCT = '1.2';
export const DEFAULT_MAKER_PCT = '0.6';



/**
 * The extra fields of run_backtest from the form, or the form fields in error with why. Numbers
 * are sent as typed numbers; a value the strategy refuses (out of bounds, fast >= slow) comes back
 * from run_backtest with the field named (params.fast).
 */
export function extrasToInput(info: StrategyInfo | undefined, x: RunExtras, symbolCount: number): { input: Partial<RunInput>; errors: Record<string, string> } {
  const input: Partial<RunInput> = {};
  const errors: Record<string, string> = {};
  const params: Record<string, unknown> = {};
  for (const p of info?.params ?? []) {
    if (p.group === 'exit') {
      // Percent in the form, the exact fraction in the spec (one decimal shift, no float product).
      const f = EXIT_FIELDS.find((e) => e.name === p.name);
      const text = (x.exits[p.name as ExitParamName] ?? '').trim();
      if (!text || !f) continue;
      const rate = percentToRate(text, '1000000');
      const v = rate === null ? null : Dec.of(rate);
      const within =
        v !== null &&
        (p.exclusiveMinimum === undefined || v.gt(Dec.fromMeasured(p.exclusiveMinimum))) &&
        (p.minimum === undefined || v.gte(Dec.fromMeasured(p.minimum))) &&
        (p.exclusiveMaximum === undefined || v.lt(Dec.fromMeasured(p.exclusiveMaximum))) &&
        (p.maximum === undefined || v.lte(Dec.fromMeasured(p.maximum)));
      if (rate === null || !within) errors[`exit.${p.name}`] = `${f.label.replace(' %', '')} must be a percentage ${exitRangeText(p)}, like ${f.example}`;
      else params[p.name] = Number(rate);
      continue;
    }
    const raw = (x.params[p.name] ?? '').trim();
    if (!raw) continue;
    if (p.type === 'string') params[p.name] = raw;
    else {
      const n = Number(raw);
      if (!Number.isFinite(n)) errors[`param.${p.name}`] = `${p.name} must be a number`;
      else params[p.name] = n;
    }
  }
  if (Object.keys(params).length) input.params = params;
  if (x.takerPct.trim() || x.makerPct.trim()) {
    const taker = percentToRate(x.takerPct.trim() || DEFAULT_TAKER_PCT);
    const maker = percentToRate(x.makerPct.trim() || DEFAULT_MAKER_PCT);
    if (taker === null) errors.takerPct = 'taker fee must be a percentage like 1.2';
    if (maker === null) errors.makerPct = 'maker fee must be a percentage like 0.6';
    if (taker !== null && maker !== null) input.fees = { taker, maker };
  }
  if (x.spreadBps.trim()) {
    const n = Number(x.spreadBps.trim());
    if (!Number.isFinite(n) || n < 0 || n > 1000) errors.spreadBps = 'spread must be 0 to 1000 bps';
    else input.spreadBps = n;
  }
  if (!x.slippage) input.slippage = false;
  if (x.scrapePct.trim()) {
    const t = x.scrapePct.trim();
    const rate = t === '100' ? '1' : percentToRate(t);
    if (rate === null) errors.scrapePct = 'profit scrape must be a percentage from 0 to 100';
    else input.profitScrapePct = rate;
  }
  if (symbolCount > 1 && x.weights.trim()) {
    const w = x.weights.split(',').map((s) => Number(s.trim()));
    if (w.length !== symbolCount || w.some((n) => !Number.isFinite(n) || n <= 0)) errors.weights = `give ${symbolCount} positive weights, one per symbol`;
    else input.weights = w;
  }
  return { input, errors };
}

/** A stored spec back to the form's extra fields ("run again with these settings"). */
export function specToExtras(spec: Record<string, unknown>): RunExtras {
  const x: RunExtras = { ...EMPTY_EXTRAS, params: {}, exits: {} };
  const params = (spec.params ?? {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(params)) {
    const exit = EXIT_FIELDS.find((e) => e.name === k);
    if (exit && typeof v === 'number') x.exits[exit.name] = rateToPercent(v);
    else if (k !== 'barMs' && (typeof v === 'number' || typeof v === 'string')) x.params[k] = String(v);
  }
  const fees = spec.fees as { taker?: string; maker?: string } | undefined;
  if (fees?.taker) x.takerPct = rateToPercent(fees.taker);
  if (fees?.maker) x.makerPct = rateToPercent(fees.maker);
  if (typeof spec.spreadBps === 'number') x.spreadBps = String(spec.spreadBps);
  if (spec.slippage === false) x.slippage = false;
  if (typeof spec.profitScrapePct === 'string' && !Dec.of(spec.profitScrapePct).isZero()) x.scrapePct = rateToPercent(spec.profitScrapePct);
  if (Array.isArray(spec.weights)) x.weights = spec.weights.join(', ');
  return x;
}

/** What a run was set up with, defaults included, as short "name value" items. */
export function specItems(spec: Record<string, unknown>, info: StrategyInfo | undefined): string[] {
  const params = (spec.params ?? {}) as Record<string, unknown>;
  const items: string[] = [];
  for (const p of info?.params ?? []) {
    if (p.group === 'exit') continue;
    const v = params[p.name] ?? p.default;
    if (v !== undefined) items.push(`${p.name} ${String(v)}`);
  }
  // The protective exits, in percent of the entry fill, when set.
  for (const f of EXIT_FIELDS) {
    const v = params[f.name];
    if (typeof v !== 'number') continue;
    items.push(f.name === 'stopLimitPct' ? `stop-limit ${rateToPercent(v)}% under the stop` : `${f.short} ${rateToPercent(v)}%`);
  }
  const fees = spec.fees as { taker: string; maker: string } | undefined;
  items.push(`taker ${fees ? rateToPercent(fees.taker) : DEFAULT_TAKER_PCT}%`, `maker ${fees ? rateToPercent(fees.maker) : DEFAULT_MAKER_PCT}%`);
  items.push(typeof spec.spreadBps === 'number' ? `spread ${spec.spreadBps} bps` : 'spread: product estimate');
  items.push(spec.slippage === false ? 'no slippage' : 'slippage on');
  const risk = spec.risk;
  items.push(`risk ${typeof risk === 'string' ? (risk === 'default' ? 'paper defaults' : risk) : 'custom'}`);
  if (typeof spec.profitScrapePct === 'string' && !Dec.of(spec.profitScrapePct).isZero()) items.push(`scrape ${rateToPercent(spec.profitScrapePct)}%`);
  if (Array.isArray(spec.weights)) items.push(`weights ${spec.weights.join(':')}`);
  return items;
}
