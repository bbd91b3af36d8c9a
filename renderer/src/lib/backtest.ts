/**
 * Pure view logic of the Backtest page: progress, curves, metric rows and the comparison, typed
 * from the contract so a change in the result schema breaks the build, not the page.
 */
import type { VerbResult } from '../../../core/api/contract';
import type { EventPayload } from '../../../core/api/events';
import { fmtDec, fmtNum, fmtPct } from './format';

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
  { key: 'sharpe', label: 'Sharpe', fmt: ratio, better: 'high' },
  { key: 'sortino', label: 'Sortino', fmt: ratio, better: 'high' },
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
