/** Pure logic of the Research page: trial sorting, the scatter and heatmap, run forms to verb inputs. */
import type { InputOf, ResultOf } from '../api/client';
import { dateToMs } from './backtest';
import { percentToRate } from './format';

export type ResearchRun = ResultOf<'get_research_run'>;
export type OptimizeView = NonNullable<ResearchRun['optimize']>;
export type Trial = OptimizeView['trials'][number];
export type TrialKey = 'index' | 'value' | 'netReturn' | 'sharpe' | 'sortino' | 'calmar' | 'profitFactor' | 'maxDrawdown' | 'trades' | `param:${string}`;

export function trialValue(t: Trial, key: TrialKey): number | string | null {
  if (key === 'index') return t.index;
  if (key === 'value') return t.value;
  if (key.startsWith('param:')) return t.params[key.slice(6)] ?? null;
  const m = t.metrics;
  if (!m) return null;
  return m[key as keyof typeof m] as number | null;
}

/** Trials sorted by a column; missing values last whichever the direction, ties by trial number. */
export function sortTrials(trials: readonly Trial[], key: TrialKey, dir: 'asc' | 'desc'): Trial[] {
  const sign = dir === 'asc' ? 1 : -1;
  return [...trials].sort((a, b) => {
    const x = trialValue(a, key);
    const y = trialValue(b, key);
    if (x === null && y === null) return a.index - b.index;
    if (x === null) return 1;
    if (y === null) return -1;
    const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
    return c !== 0 ? sign * c : a.index - b.index;
  });
}

/** Parameters that vary over numbers (the scatter's x, the heatmap's axes). */
export function numericParams(view: Pick<OptimizeView, 'space'>): string[] {
  return view.space.dims.filter((d) => d.kind !== 'choice' || d.values.every((v) => typeof v === 'number')).map((d) => d.name);
}

export interface ScatterPoint {
  index: number;
  x: number;
  y: number;
  best: boolean;
}

/** Objective against one parameter, for every trial with an objective. */
export function scatter(view: Pick<OptimizeView, 'trials' | 'best'>, param: string): ScatterPoint[] {
  return view.trials.flatMap((t) => {
    const x = t.params[param];
    return typeof x === 'number' && t.value !== null ? [{ index: t.index, x, y: t.value, best: t.index === view.best }] : [];
  });
}

export interface HeatCell {
  i: number;
  j: number;
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  /** The best objective of the trials in the cell (null: none with one). */
  value: number | null;
  count: number;
}

/** The best objective over a grid of two parameters' ranges, `bins` × `bins`. */
export function heatmap(view: Pick<OptimizeView, 'trials'>, px: string, py: string, bins = 12): { cells: HeatCell[]; min: number | null; max: number | null } {
  const pts = view.trials.flatMap((t) => {
    const x = t.params[px];
    const y = t.params[py];
    return typeof x === 'number' && typeof y === 'number' ? [{ x, y, v: t.value }] : [];
  });
  if (pts.length === 0) return { cells: [], min: null, max: null };
  const xs = pts.map((p) => p.x);
  const ys = pts.map((p) => p.y);
  const [xmin, xmax, ymin, ymax] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const nx = xmax > xmin ? bins : 1;
  const ny = ymax > ymin ? bins : 1;
  const cx = (x: number) => (nx === 1 ? 0 : Math.min(nx - 1, Math.floor(((x - xmin) / (xmax - xmin)) * nx)));
  const cy = (y: number) => (ny === 1 ? 0 : Math.min(ny - 1, Math.floor(((y - ymin) / (ymax - ymin)) * ny)));
  const cells: HeatCell[] = [];
  for (let i = 0; i < nx; i++)
    for (let j = 0; j < ny; j++)
      cells.push({ i, j, x0: xmin + ((xmax - xmin) * i) / nx, x1: xmin + ((xmax - xmin) * (i + 1)) / nx, y0: ymin + ((ymax - ymin) * j) / ny, y1: ymin + ((ymax - ymin) * (j + 1)) / ny, value: null, count: 0 });
  for (const p of pts) {
    const c = cells[cx(p.x) * ny + cy(p.y)]!;
    c.count++;
    if (p.v !== null && (c.value === null || p.v > c.value)) c.value = p.v;
  }
  const vals = cells.map((c) => c.value).filter((v): v is number => v !== null);
  return { cells, min: vals.length ? Math.min(...vals) : null, max: vals.length ? Math.max(...vals) : null };
}

/** A colour from red (low) through grey to green (high) for a value in [min, max]. */
export function heatColor(v: number | null, min: number | null, max: number | null): string {
  if (v === null || min === null || max === null) return '#161c26';
  const f = max > min ? (v - min) / (max - min) : 1;
  const lerp = (a: number, b: number, t: number) => Math.round(a + (b - a) * t);
  const [r, g, b] = f < 0.5 ? [lerp(150, 60, f * 2), lerp(50, 66, f * 2), lerp(55, 80, f * 2)] : [lerp(60, 30, (f - 0.5) * 2), lerp(66, 170, (f - 0.5) * 2), lerp(80, 110, (f - 0.5) * 2)];
  return `rgb(${r},${g},${b})`;
}

/** "fast 12 · slow 40" */
export function paramsText(p: Record<string, number | string>): string {
  return Object.entries(p)
    .map(([k, v]) => `${k} ${typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(6)) : v}`)
    .join(' · ');
}

export interface SpecForm {
  strategy: string;
  symbols: string;
  timeframe: string;
  from: string;
  to: string;
  /** Taker fee in percent, blank: the entry tier. */
  feePct: string;
}

/** The backtest spec the research verbs take, from the page's common fields. Fee in percent → rate string. */
export function specInput(f: SpecForm): InputOf<'optimize_strategy'>['spec'] {
  const symbols = f.symbols
    .split(',')
    .map((s) => s.trim().toUpperCase())
    .filter(Boolean);
  const fee = f.feePct.trim();
  const rate = fee ? percentToRate(fee) : null;
  if (fee && rate === null) throw new Error('the fee must be a percentage below 100, like 0.1');
  return {
    strategy: f.strategy as InputOf<'optimize_strategy'>['spec']['strategy'],
    symbols,
    timeframe: f.timeframe as InputOf<'optimize_strategy'>['spec']['timeframe'],
    ...(dateToMs(f.from) !== undefined ? { from: dateToMs(f.from)! } : {}),
    ...(dateToMs(f.to) !== undefined ? { to: dateToMs(f.to)! } : {}),
    ...(rate ? { fees: { taker: rate, maker: rate } } : {}),
  };
}

/** Share as a percentage, or a dash. */
export const pctText = (x: number | null | undefined, d = 0) => (x === null || x === undefined ? '–' : `${(x * 100).toFixed(d)}%`);

export type RangeInput = { min: number; max: number; step?: number; log?: boolean } | { values: (number | string)[] };

/**
 * A parameter's search range as typed: "5..50", "5..50:5" (a step), "0.01..1 log", or values
 * "conservative, aggressive" / "10, 20, 30". Blank: null (the default range). Throws what is wrong.
 */
export function parseRange(text: string, numeric: boolean): RangeInput | null {
  const t = text.trim();
  if (!t) return null;
  const m = /^(-?\d+(?:\.\d+)?)\s*\.\.\s*(-?\d+(?:\.\d+)?)(?:\s*:\s*(\d+(?:\.\d+)?))?(\s+log)?$/.exec(t);
  if (m) {
    if (!numeric) throw new Error('a choice takes values separated by commas');
    const r: RangeInput = { min: Number(m[1]), max: Number(m[2]) };
    if (m[3]) r.step = Number(m[3]);
    if (m[4]) r.log = true;
    if (r.max < r.min) throw new Error('max below min');
    return r;
  }
  const values = t.split(',').map((x) => x.trim()).filter(Boolean);
  if (numeric) {
    const nums = values.map(Number);
    if (nums.some((x) => !Number.isFinite(x))) throw new Error('write min..max, min..max:step or numbers separated by commas');
    return { values: nums };
  }
  return { values };
}

/** The default range a study uses for a parameter (as core/research/space.ts `defaultRange`), as placeholder text. */
export function defaultRangeText(p: { type: string; default?: number | string; minimum?: number; maximum?: number; options?: string[]; group?: 'exit' }): string {
  if (p.options) return p.options.join(', ');
  // A protective exit is off unless a study names a range for it, as a fraction of the entry.
  if (p.group === 'exit') return 'off · e.g. 0.01..0.05 (fraction)';
  if (typeof p.default !== 'number') return '';
  const lo = p.minimum ?? -Infinity;
  const hi = p.maximum ?? Infinity;
  if (p.type === 'integer') {
    const min = Math.max(lo, Math.max(1, Math.ceil(p.default / 2)));
    return `${min}..${Math.min(hi, Math.max(min + 1, p.default * 2))}`;
  }
  return `${Math.max(lo, p.default / 2)}..${Math.min(hi, p.default * 1.5)}`;
}
