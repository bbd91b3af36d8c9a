import { useMemo, useState, type FormEvent, type ReactNode } from 'react';
import { useAction, useVerb } from '../api/hooks';
import type { ApiCallError } from '../api/client';
import type { StrategyInfo } from '../lib/backtest';
import { LineChart } from '../components/LineChart';
import { Empty, ErrorState, IssuesAlert, Kpi, Panel, Q, Seg } from '../components/ui';
import { TIMEFRAMES } from '../lib/candles';
import { EXECUTION_MODES, type ExecutionMode } from '../../../core/agents/prompt-ids';
import { fmtNum, fmtPct, fmtTime } from '../lib/format';
import {
  defaultRangeText,
  heatColor,
  heatmap,
  numericParams,
  paramsText,
  parseRange,
  pctText,
  scatter,
  sortTrials,
  specInput,
  type OptimizeView,
  type RangeInput,
  type ResearchRun,
  type SpecForm,
  type TrialKey,
} from '../lib/research';
import { useUi } from '../store';

type Tab = 'optimize' | 'walk forward' | 'bias' | 'arena' | 'twin';
const TABS: readonly Tab[] = ['optimize', 'walk forward', 'bias', 'arena', 'twin'];
const OBJECTIVES = ['sharpe', 'sortino', 'calmar', 'net_return', 'profit_factor'] as const;

const DEFAULT_SPEC: SpecForm = { strategy: 'sma_cross', symbols: 'BTC-USD', timeframe: '1h', from: '2018-01-01', to: '2019-06-01', feePct: '0.1' };

const num = (x: number | null | undefined, d = 3) => (x === null || x === undefined ? '–' : Math.abs(x) >= 1000 ? fmtNum(x, 0) : x.toFixed(d));
const tone = (x: number | null | undefined) => (x === null || x === undefined ? '' : x >= 0 ? 'up' : 'down');
const when = (t: number | null | undefined) => (t ? fmtTime(t).slice(0, 16) : '–');

function Field({ label, children, title }: { label: string; children: ReactNode; title?: string }) {
  return (
    <label className="field" title={title}>
      {label}
      {children}
    </label>
  );
}

/** The data fields every kind of run shares. */
function SpecFields({ f, set, strategies }: { f: SpecForm; set: (f: SpecForm) => void; strategies: string[] }) {
  return (
    <>
      <div className="row">
        {strategies.length ? (
          <Field label="Strategy">
            <select value={f.strategy} data-testid="rs-strategy" onChange={(e) => set({ ...f, strategy: e.target.value })}>
              {strategies.map((s) => <option key={s}>{s}</option>)}
            </select>
          </Field>
        ) : null}
        <Field label="Timeframe">
          <select value={f.timeframe} data-testid="rs-timeframe" onChange={(e) => set({ ...f, timeframe: e.target.value })}>
            {TIMEFRAMES.map((s) => <option key={s}>{s}</option>)}
          </select>
        </Field>
      </div>
      <Field label="Symbols (comma separated)">
        <input value={f.symbols} data-testid="rs-symbols" onChange={(e) => set({ ...f, symbols: e.target.value })} />
      </Field>
      <div className="row">
        <Field label="From">
          <input type="date" value={f.from} data-testid="rs-from" onChange={(e) => set({ ...f, from: e.target.value })} />
        </Field>
        <Field label="To">
          <input type="date" value={f.to} data-testid="rs-to" onChange={(e) => set({ ...f, to: e.target.value })} />
        </Field>
        <Field label="Fee %" title="Taker and maker fee in percent (blank: Coinbase's entry tier, 1.2%)">
          <input value={f.feePct} placeholder="1.2" data-testid="rs-fee" onChange={(e) => set({ ...f, feePct: e.target.value })} style={{ width: 60 }} />
        </Field>
      </div>
    </>
  );
}

interface StudyForm {
  sampler: 'tpe' | 'random' | 'grid';
  trials: string;
  parallel: string;
  seed: string;
  objective: (typeof OBJECTIVES)[number];
  minTrades: string;
  ranges: Record<string, string>;
}
const DEFAULT_STUDY: StudyForm = { sampler: 'tpe', trials: '60', parallel: '8', seed: '1', objective: 'sharpe', minTrades: '5', ranges: {} };

type Catalog = StrategyInfo[];

/** The search: sampler, budget, objective and a range per parameter (blank: its default range). */
function StudyFields({ s, set, params }: { s: StudyForm; set: (s: StudyForm) => void; params: Catalog[number]['params'] }) {
  return (
    <>
      <div className="row" style={{ alignItems: 'end' }}>
        <Seg label="Sampler" value={s.sampler} options={['tpe', 'random', 'grid'] as const} onChange={(v) => set({ ...s, sampler: v })} />
        <Field label="Trials">
          <input value={s.trials} disabled={s.sampler === 'grid'} data-testid="rs-trials" onChange={(e) => set({ ...s, trials: e.target.value })} style={{ width: 50 }} />
        </Field>
        <Field label="In flight" title="Trials at once, over every worker">
          <input value={s.parallel} onChange={(e) => set({ ...s, parallel: e.target.value })} style={{ width: 40 }} />
        </Field>
        <Field label="Seed">
          <input value={s.seed} onChange={(e) => set({ ...s, seed: e.target.value })} style={{ width: 40 }} />
        </Field>
      </div>
      <div className="row">
        <Field label="Objective">
          <select value={s.objective} data-testid="rs-objective" onChange={(e) => set({ ...s, objective: e.target.value as StudyForm['objective'] })}>
            {OBJECTIVES.map((o) => <option key={o}>{o}</option>)}
          </select>
        </Field>
        <Field label="Min trades">
          <input value={s.minTrades} onChange={(e) => set({ ...s, minTrades: e.target.value })} style={{ width: 50 }} />
        </Field>
      </div>
      {params.map((p) => (
        <Field key={p.name} label={`${p.name} range`} title={`${p.description ?? p.name}: min..max, min..max:step, "… log", or values a, b, c`}>
          <input value={s.ranges[p.name] ?? ''} placeholder={defaultRangeText(p)} data-testid={`rs-range-${p.name}`} onChange={(e) => set({ ...s, ranges: { ...s.ranges, [p.name]: e.target.value } })} />
        </Field>
      ))}
    </>
  );
}

function studyInput(s: StudyForm, params: Catalog[number]['params']) {
  const space: Record<string, RangeInput> = {};
  for (const p of params) {
    let r: RangeInput | null;
    try {
      r = parseRange(s.ranges[p.name] ?? '', p.type !== 'string');
    } catch (e) {
      throw new Error(`${p.name}: ${(e as Error).message}`);
    }
    if (r) space[p.name] = r;
  }
  return {
    ...(Object.keys(space).length ? { space } : {}),
    sampler: s.sampler,
    seed: Number(s.seed) || 0,
    parallel: Math.max(1, Number(s.parallel) || 8),
    objective: { metric: s.objective, minTrades: Math.max(0, Number(s.minTrades) || 0) },
  };
}

interface Contestant {
  label: string;
  kind: 'policy' | 'agent';
  mode: ExecutionMode;
  every: string;
  model: string;
  baseUrl: string;
}
const DEFAULT_CONTESTANTS: Contestant[] = [
  { label: 'policy', kind: 'policy', mode: 'standard', every: '60', model: '', baseUrl: '' },
  { label: 'agent', kind: 'agent', mode: 'standard', every: '60', model: '', baseUrl: '' },
];

/** The run forms, one per kind; each starts a run and selects it. */
function RunForm({ tab, onStarted }: { tab: Tab; onStarted: (id: string) => void }) {
  const catalog = useVerb('list_backtest_strategies', {});
  const [spec, setSpec] = useState<SpecForm>(DEFAULT_SPEC);
  const [study, setStudy] = useState<StudyForm>(DEFAULT_STUDY);
  const [wf, setWf] = useState({ mode: 'rolling' as 'rolling' | 'anchored', windows: '5', isDays: '', oosDays: '', trials: '30' });
  const [bias, setBias] = useState({ cuts: '10', offsets: '50, 200, 1000', horizon: '2000' });
  const [arena, setArena] = useState({ contestants: DEFAULT_CONTESTANTS, samples: '1', maxCost: '5' });
  const [twin, setTwin] = useState({ from: '', to: '', symbols: '', strategy: 'policy' as 'policy' | 'agent', mode: 'standard' as ExecutionMode, every: '' });
  const [label, setLabel] = useState('');
  const [formError, setFormError] = useState<string | null>(null);
  const optimize = useAction('optimize_strategy');
  const walk = useAction('walk_forward');
  const check = useAction('check_bias');
  const runArena = useAction('run_arena');
  const runTwin = useAction('twin_report');
  const strategies = (catalog.data?.strategies ?? []).filter((s) => s.name !== 'agent' && s.name !== 'buy_and_hold');
  const params = strategies.find((s) => s.name === spec.strategy)?.params ?? [];
  const pending = optimize.isPending || walk.isPending || check.isPending || runArena.isPending || runTwin.isPending;
  const error: ApiCallError | null = { optimize: optimize.error, 'walk forward': walk.error, bias: check.error, arena: runArena.error, twin: runTwin.error }[tab];

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setFormError(null);
    try {
      const base = specInput(spec);
      const named = label.trim() ? { label: label.trim() } : {};
      if (tab === 'optimize') optimize.mutate({ spec: base, ...studyInput(study, params), trials: Math.max(1, Number(study.trials) || 60), ...named }, { onSuccess: (r) => onStarted(r.id) });
      else if (tab === 'walk forward')
        walk.mutate(
          {
            spec: base,
            ...studyInput(study, params),
            trialsPerWindow: Math.max(1, Number(wf.trials) || 30),
            windows: { mode: wf.mode, ...(wf.windows ? { count: Number(wf.windows) } : {}), ...(wf.isDays && wf.oosDays ? { inSampleDays: Number(wf.isDays), outOfSampleDays: Number(wf.oosDays) } : {}) },
            ...named,
          },
          { onSuccess: (r) => onStarted(r.id) },
        );
      else if (tab === 'bias')
        check.mutate(
          { spec: base, cuts: Number(bias.cuts) || 10, offsets: bias.offsets.split(',').map((x) => Number(x.trim())).filter((x) => x > 0), horizon: Number(bias.horizon) || 2000, ...named },
          { onSuccess: (r) => onStarted(r.id) },
        );
      else if (tab === 'arena')
        runArena.mutate(
          {
            spec: { ...base, strategy: 'policy' },
            contestants: arena.contestants.map((c) => ({ label: c.label, kind: c.kind, mode: c.mode, ...(c.kind === 'agent' ? { every: Number(c.every) || 60, ...(c.model ? { model: c.model } : {}), ...(c.baseUrl ? { baseUrl: c.baseUrl } : {}) } : {}) })),
            samples: Math.max(1, Number(arena.samples) || 1),
            budget: { maxCalls: 1000, maxCostUsd: arena.maxCost || '5', rpm: 60 },
            ...named,
          },
          { onSuccess: (r) => onStarted(r.id) },
        );
      else {
        if (!twin.from) throw new Error('give the session start');
        runTwin.mutate(
          {
            from: new Date(twin.from).getTime(),
            ...(twin.to ? { to: new Date(twin.to).getTime() } : {}),
            ...(twin.symbols ? { symbols: twin.symbols.split(',').map((s) => s.trim().toUpperCase()) } : {}),
            strategy: twin.strategy,
            mode: twin.mode,
            ...(twin.every ? { every: Number(twin.every) } : {}),
            ...named,
          },
          { onSuccess: (r) => onStarted(r.id) },
        );
      }
    } catch (err) {
      setFormError((err as Error).message);
    }
  };

  const setContestant = (i: number, c: Partial<Contestant>) => setArena({ ...arena, contestants: arena.contestants.map((x, k) => (k === i ? { ...x, ...c } : x)) });
  return (
    <form className="form" onSubmit={submit} data-testid={`rs-form-${tab.replace(' ', '-')}`}>
      {tab !== 'twin' ? <SpecFields f={spec} set={setSpec} strategies={tab === 'arena' ? [] : strategies.map((s) => s.name)} /> : null}
      {tab === 'optimize' || tab === 'walk forward' ? <StudyFields s={study} set={setStudy} params={params} /> : null}
      {tab === 'walk forward' ? (
        <>
          <div className="row" style={{ alignItems: 'end' }}>
            <Seg label="Windows" value={wf.mode} options={['rolling', 'anchored'] as const} onChange={(v) => setWf({ ...wf, mode: v })} />
            <Field label="Windows">
              <input value={wf.windows} onChange={(e) => setWf({ ...wf, windows: e.target.value })} style={{ width: 40 }} />
            </Field>
            <Field label="Trials / window">
              <input value={wf.trials} data-testid="rs-wf-trials" onChange={(e) => setWf({ ...wf, trials: e.target.value })} style={{ width: 50 }} />
            </Field>
          </div>
          <div className="row">
            <Field label="In-sample days" title="Blank: 80% of each window">
              <input value={wf.isDays} placeholder="auto" onChange={(e) => setWf({ ...wf, isDays: e.target.value })} />
            </Field>
            <Field label="Out-of-sample days">
              <input value={wf.oosDays} placeholder="auto" onChange={(e) => setWf({ ...wf, oosDays: e.target.value })} />
            </Field>
          </div>
        </>
      ) : null}
      {tab === 'bias' ? (
        <div className="row">
          <Field label="Cuts" title="Points where the future is cut off">
            <input value={bias.cuts} onChange={(e) => setBias({ ...bias, cuts: e.target.value })} style={{ width: 40 }} />
          </Field>
          <Field label="Start offsets (bars)">
            <input value={bias.offsets} onChange={(e) => setBias({ ...bias, offsets: e.target.value })} />
          </Field>
          <Field label="Horizon" title="Bars of feature comparison after each start">
            <input value={bias.horizon} onChange={(e) => setBias({ ...bias, horizon: e.target.value })} style={{ width: 50 }} />
          </Field>
        </div>
      ) : null}
      {tab === 'arena' ? (
        <>
          {arena.contestants.map((c, i) => (
            <div key={i} className="grid" style={{ gap: 4, borderTop: '1px solid var(--line)', paddingTop: 6 }} data-testid="rs-contestant">
              <div className="row">
                <input value={c.label} aria-label="Label" onChange={(e) => setContestant(i, { label: e.target.value })} style={{ width: 90 }} />
                <select value={c.kind} aria-label="Kind" onChange={(e) => setContestant(i, { kind: e.target.value as Contestant['kind'] })}>
                  <option>policy</option>
                  <option>agent</option>
                </select>
                <select value={c.mode} aria-label="Mode" onChange={(e) => setContestant(i, { mode: e.target.value as Contestant['mode'] })}>
                  {EXECUTION_MODES.map((m) => <option key={m}>{m}</option>)}
                </select>
                {arena.contestants.length > 2 ? (
                  <button type="button" className="btn small" onClick={() => setArena({ ...arena, contestants: arena.contestants.filter((_, k) => k !== i) })}>
                    ×
                  </button>
                ) : null}
              </div>
              {c.kind === 'agent' ? (
                <div className="row">
                  <input value={c.model} placeholder="model (default: the agent's)" aria-label="Model" onChange={(e) => setContestant(i, { model: e.target.value })} />
                  <input value={c.baseUrl} placeholder="base URL" aria-label="Base URL" onChange={(e) => setContestant(i, { baseUrl: e.target.value })} />
                  <input value={c.every} title="Bars between decisions" aria-label="Every" onChange={(e) => setContestant(i, { every: e.target.value })} style={{ width: 40 }} />
                </div>
              ) : null}
            </div>
          ))}
          <div className="row">
            <button type="button" className="btn small" disabled={arena.contestants.length >= 8} onClick={() => setArena({ ...arena, contestants: [...arena.contestants, { label: `agent ${arena.contestants.length}`, kind: 'agent', mode: 'standard', every: '60', model: '', baseUrl: '' }] })}>
              Add configuration
            </button>
            <Field label="Samples">
              <input value={arena.samples} onChange={(e) => setArena({ ...arena, samples: e.target.value })} style={{ width: 40 }} />
            </Field>
            <Field label="Max USD / run">
              <input value={arena.maxCost} onChange={(e) => setArena({ ...arena, maxCost: e.target.value })} style={{ width: 50 }} />
            </Field>
          </div>
        </>
      ) : null}
      {tab === 'twin' ? (
        <>
          <div className="row">
            <Field label="Session from">
              <input type="datetime-local" value={twin.from} data-testid="rs-twin-from" onChange={(e) => setTwin({ ...twin, from: e.target.value })} />
            </Field>
            <Field label="To (blank: now)">
              <input type="datetime-local" value={twin.to} onChange={(e) => setTwin({ ...twin, to: e.target.value })} />
            </Field>
          </div>
          <div className="row">
            <Field label="Symbols (blank: traded)">
              <input value={twin.symbols} onChange={(e) => setTwin({ ...twin, symbols: e.target.value })} />
            </Field>
            <Field label="Agent">
              <select value={twin.strategy} onChange={(e) => setTwin({ ...twin, strategy: e.target.value as 'policy' | 'agent' })}>
                <option>policy</option>
                <option>agent</option>
              </select>
            </Field>
            <Field label="Mode">
              <select value={twin.mode} onChange={(e) => setTwin({ ...twin, mode: e.target.value as ExecutionMode })}>
                {EXECUTION_MODES.map((m) => <option key={m}>{m}</option>)}
              </select>
            </Field>
          </div>
        </>
      ) : null}
      <Field label="Label (optional)">
        <input value={label} placeholder="e.g. sma grid 2018" data-testid="rs-label" onChange={(e) => setLabel(e.target.value)} />
      </Field>
      {formError ? <div className="alert" role="alert">{formError}</div> : null}
      <IssuesAlert error={error} />
      <button className="btn primary" type="submit" disabled={pending} data-testid="rs-start">
        {pending ? 'Starting…' : { optimize: 'Start study', 'walk forward': 'Walk forward', bias: 'Check for bias', arena: 'Run arena', twin: 'Build twin report' }[tab]}
      </button>
    </form>
  );
}

// ---------------------------------------------------------------------------------------------
// Run views

const W = 520;
const H = 210;
const PAD = { l: 46, r: 10, t: 10, b: 28 };

function Scatter({ view, param }: { view: OptimizeView; param: string }) {
  const pts = scatter(view, param);
  if (pts.length === 0) return <Empty title="No trial with an objective yet" />;
  const [x0, x1] = [Math.min(...pts.map((p) => p.x)), Math.max(...pts.map((p) => p.x))];
  const [y0, y1] = [Math.min(...pts.map((p) => p.y)), Math.max(...pts.map((p) => p.y))];
  const sx = (x: number) => PAD.l + (x1 > x0 ? ((x - x0) / (x1 - x0)) * (W - PAD.l - PAD.r) : (W - PAD.l - PAD.r) / 2);
  const sy = (y: number) => H - PAD.b - (y1 > y0 ? ((y - y0) / (y1 - y0)) * (H - PAD.t - PAD.b) : (H - PAD.t - PAD.b) / 2);
  return (
    <svg viewBox={`0 0 ${W} ${H}`} width="100%" data-testid="rs-scatter" role="img" aria-label={`${view.objective.metric} against ${param}`}>
      <line x1={PAD.l} y1={H - PAD.b} x2={W - PAD.r} y2={H - PAD.b} stroke="#2a3342" />
      <line x1={PAD.l} y1={PAD.t} x2={PAD.l} y2={H - PAD.b} stroke="#2a3342" />
      {y0 < 0 && y1 > 0 ? <line x1={PAD.l} y1={sy(0)} x2={W - PAD.r} y2={sy(0)} stroke="#2a3342" strokeDasharray="3 3" /> : null}
      {[x0, (x0 + x1) / 2, x1].map((x, i) => (
        <text key={i} x={sx(x)} y={H - 10} fill="#8591a3" fontSize="10" textAnchor="middle">
          {num(x, 2)}
        </text>
      ))}
      {[y0, (y0 + y1) / 2, y1].map((y, i) => (
        <text key={i} x={PAD.l - 4} y={sy(y) + 3} fill="#8591a3" fontSize="10" textAnchor="end">
          {num(y, 2)}
        </text>
      ))}
      <text x={(W + PAD.l) / 2} y={H} fill="#5b6678" fontSize="10" textAnchor="middle">
        {param}
      </text>
      {pts.map((p) => (
        <circle key={p.index} cx={sx(p.x)} cy={sy(p.y)} r={p.best ? 5 : 3} fill={p.best ? '#e8b341' : '#4c9dff'} fillOpacity={p.best ? 1 : 0.65}>
          <title>
            trial {p.index}: {param} {p.x} → {num(p.y)}
          </title>
        </circle>
      ))}
    </svg>
  );
}

function Heatmap({ view, px, py }: { view: OptimizeView; px: string; py: string }) {
  const { cells, min, max } = heatmap(view, px, py, 10);
  if (!cells.length) return <Empty title="No trials yet" />;
  const nx = Math.max(...cells.map((c) => c.i)) + 1;
  const ny = Math.max(...cells.map((c) => c.j)) + 1;
  const cw = (W - PAD.l - PAD.r) / nx;
  const ch = (H - PAD.t - PAD.b) / ny;
  return (
    <svg viewBox={`0 0 ${W} ${H}`} width="100%" data-testid="rs-heatmap" role="img" aria-label={`best ${view.objective.metric} by ${px} and ${py}`}>
      {cells.map((c) => (
        <rect key={`${c.i}-${c.j}`} x={PAD.l + c.i * cw} y={H - PAD.b - (c.j + 1) * ch} width={cw - 1} height={ch - 1} fill={heatColor(c.value, min, max)}>
          <title>
            {px} {num(c.x0, 1)}–{num(c.x1, 1)}, {py} {num(c.y0, 1)}–{num(c.y1, 1)}: {c.count} trials, best {num(c.value)}
          </title>
        </rect>
      ))}
      {[0, nx].map((i) => (
        <text key={i} x={PAD.l + i * cw} y={H - 14} fill="#8591a3" fontSize="10" textAnchor="middle">
          {num(i === 0 ? cells[0]!.x0 : cells[cells.length - 1]!.x1, 1)}
        </text>
      ))}
      {[0, ny].map((j) => (
        <text key={j} x={PAD.l - 4} y={H - PAD.b - j * ch + 3} fill="#8591a3" fontSize="10" textAnchor="end">
          {num(j === 0 ? cells[0]!.y0 : cells[cells.length - 1]!.y1, 1)}
        </text>
      ))}
      <text x={(W + PAD.l) / 2} y={H} fill="#5b6678" fontSize="10" textAnchor="middle">
        {px} →
      </text>
      <text x={10} y={(H - PAD.b) / 2} fill="#5b6678" fontSize="10" transform={`rotate(-90 10 ${(H - PAD.b) / 2})`} textAnchor="middle">
        {py} →
      </text>
    </svg>
  );
}

function useOpenBacktest() {
  const open = useAction('open_trial_backtest');
  const request = useUi((s) => s.requestPage);
  return {
    open: (id: string, trial: number) => open.mutate({ id, trial }, { onSuccess: (r) => request('backtest', r.backtestId) }),
    pending: open.isPending,
    error: open.error,
  };
}

const COLUMNS: [TrialKey, string][] = [
  ['index', '#'],
  ['value', 'objective'],
  ['netReturn', 'return'],
  ['sharpe', 'sharpe'],
  ['sortino', 'sortino'],
  ['calmar', 'calmar'],
  ['profitFactor', 'PF'],
  ['maxDrawdown', 'max dd'],
  ['trades', 'trades'],
];

function OptimizeRun({ id, view }: { id: string; view: OptimizeView }) {
  const [sort, setSort] = useState<{ key: TrialKey; dir: 'asc' | 'desc' }>({ key: 'value', dir: 'desc' });
  const numeric = numericParams(view);
  const [px, setPx] = useState<string | null>(null);
  const [py, setPy] = useState<string | null>(null);
  const x = px ?? numeric[0] ?? null;
  const y = py ?? numeric.find((p) => p !== x) ?? null;
  const rows = useMemo(() => sortTrials(view.trials, sort.key, sort.dir), [view.trials, sort]);
  const best = view.trials.find((t) => t.index === view.best) ?? null;
  const workers = new Set(view.trials.map((t) => t.worker).filter(Boolean)).size;
  const { open, pending, error } = useOpenBacktest();
  const paramKeys = view.space.dims.map((d) => d.name);
  const header = (key: TrialKey, label: string) => (
    <th key={key} className="num" style={{ cursor: 'pointer' }} aria-sort={sort.key === key ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none'} onClick={() => setSort({ key, dir: sort.key === key && sort.dir === 'desc' ? 'asc' : 'desc' })}>
      {label}
      {sort.key === key ? (sort.dir === 'desc' ? ' ▾' : ' ▴') : ''}
    </th>
  );
  return (
    <div className="grid" data-testid="rs-optimize">
      <div className="kpis">
        <Kpi label="Trials" value={`${view.trials.length} / ${view.planned}`} sub={`${view.sampler} · seed ${view.seed} · ${view.running.length} running`} />
        <Kpi label={`Best ${view.objective.metric}`} value={num(best?.value ?? null)} sub={best ? paramsText(best.params) : 'none yet'} testId="rs-best" />
        <Kpi label="Feasible" value={`${view.counts.ok}`} sub={`${view.counts.infeasible} infeasible · ${view.counts.invalid} refused · ${view.counts.failed} failed`} />
        <Kpi label="Workers" value={String(workers)} sub={`${view.runs} workflow run${view.runs > 1 ? 's' : ''} · min ${view.objective.minTrades} trades`} />
      </div>
      {best ? (
        <div className="row">
          <button className="btn primary" data-testid="rs-open-best" disabled={pending} onClick={() => open(id, best.index)}>
            Open best as backtest (trial {best.index})
          </button>
          <span className="faint">
            return {fmtPct(best.metrics?.netReturn ?? null)} · max drawdown {fmtPct(best.metrics?.maxDrawdown ?? null)} · {best.metrics?.trades ?? 0} trades
          </span>
        </div>
      ) : null}
      <ErrorState error={error} what="Opening the trial" />
      <div className="grid g2">
        <Panel
          title={`${view.objective.metric} against a parameter`}
          right={
            numeric.length > 1 ? (
              <select value={x ?? ''} aria-label="Scatter parameter" onChange={(e) => setPx(e.target.value)}>
                {numeric.map((p) => <option key={p}>{p}</option>)}
              </select>
            ) : null
          }
        >
          {x ? <Scatter view={view} param={x} /> : <Empty title="No numeric parameter" />}
        </Panel>
        <Panel
          title="Best objective by two parameters"
          right={
            numeric.length > 2 ? (
              <select value={y ?? ''} aria-label="Heatmap second parameter" onChange={(e) => setPy(e.target.value)}>
                {numeric.filter((p) => p !== x).map((p) => <option key={p}>{p}</option>)}
              </select>
            ) : null
          }
        >
          {x && y ? <Heatmap view={view} px={x} py={y} /> : <Empty title="Needs two numeric parameters" />}
        </Panel>
      </div>
      <Panel title="Trials" flush right={<span className="faint">click a column to sort</span>}>
        <div className="scroll" style={{ maxHeight: 360 }}>
          <table data-testid="rs-trials">
            <thead>
              <tr>
                {header('index', '#')}
                {paramKeys.map((k) => header(`param:${k}`, k))}
                {COLUMNS.slice(1).map(([k, l]) => header(k, l))}
                <th />
              </tr>
            </thead>
            <tbody>
              {rows.slice(0, 500).map((t) => (
                <tr key={t.index} data-testid="rs-trial" style={t.index === view.best ? { background: '#1b2330' } : undefined}>
                  <td className="num">{t.index}</td>
                  {paramKeys.map((k) => (
                    <td key={k} className="num">
                      {String(t.params[k] ?? '')}
                    </td>
                  ))}
                  <td className="num" title={t.note ?? undefined}>
                    {t.status === 'ok' ? num(t.value) : <span className="tag">{t.status}</span>}
                  </td>
                  <td className={`num ${tone(t.metrics?.netReturn)}`}>{fmtPct(t.metrics?.netReturn ?? null)}</td>
                  <td className="num">{num(t.metrics?.sharpe ?? null, 2)}</td>
                  <td className="num">{num(t.metrics?.sortino ?? null, 2)}</td>
                  <td className="num">{num(t.metrics?.calmar ?? null, 2)}</td>
                  <td className="num">{num(t.metrics?.profitFactor ?? null, 2)}</td>
                  <td className="num">{fmtPct(t.metrics?.maxDrawdown ?? null)}</td>
                  <td className="num">{t.metrics?.trades ?? '–'}</td>
                  <td>
                    {t.status !== 'invalid' ? (
                      <button className="btn small" disabled={pending} onClick={() => open(id, t.index)}>
                        Open
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Panel>
    </div>
  );
}

function WalkForwardRun({ view }: { view: NonNullable<ResearchRun['walkForward']> }) {
  const r = view.report;
  const stitched = (r?.stitched ?? []).map((p) => ({ time: Math.floor(p.t / 1000), value: p.equity }));
  const dedup = stitched.filter((p, i) => i === 0 || p.time > stitched[i - 1]!.time);
  const vals = view.windows.flatMap((w) => [w.best?.value ?? null, w.oos?.value ?? null]).filter((v): v is number => v !== null);
  const vmax = Math.max(1e-9, ...vals.map(Math.abs));
  const bw = (W - PAD.l - PAD.r) / Math.max(1, view.windows.length);
  const mid = (H - PAD.b + PAD.t) / 2;
  const bar = (v: number | null, k: number, dx: number, color: string) => {
    if (v === null) return null;
    const h = (Math.abs(v) / vmax) * (mid - PAD.t);
    return <rect key={`${k}-${dx}`} x={PAD.l + k * bw + dx} y={v >= 0 ? mid - h : mid} width={bw / 2 - 6} height={h} fill={color} />;
  };
  return (
    <div className="grid" data-testid="rs-walk-forward">
      <div className="kpis">
        <Kpi label="Windows" value={`${view.windows.filter((w) => w.status === 'done').length} / ${view.windows.length}`} sub={`${view.mode} · ${view.trialsPerWindow} ${view.sampler} trials each`} />
        <Kpi label={`Stitched OOS ${view.objective.metric}`} value={num(r?.oosValue ?? null)} sub={r ? `return ${fmtPct(r.oos.netReturn)} · max dd ${fmtPct(r.oos.maxDrawdown)}` : 'when every window is done'} tone={tone(r?.oosValue) || undefined} testId="rs-wf-oos" />
        <Kpi label="Mean IS → OOS" value={`${num(r?.isMean ?? null, 2)} → ${num(r?.oosMean ?? null, 2)}`} sub={r?.change !== null && r?.change !== undefined ? `change ${num(r.change, 2)}` : ''} />
        <Kpi label="Efficiency" value={num(r?.efficiency ?? null, 2)} sub={r ? `${r.profitableWindows} / ${r.testedWindows} OOS windows profitable` : ''} />
      </div>
      <div className="grid g2">
        <Panel title="Stitched out-of-sample equity">{dedup.length > 1 ? <LineChart series={[{ name: 'OOS equity', color: '#4c9dff', points: dedup }]} height={210} /> : <Empty title="Appears when the windows are done" />}</Panel>
        <Panel title={`${view.objective.metric} per window: in sample vs out of sample`}>
          <svg viewBox={`0 0 ${W} ${H}`} width="100%" data-testid="rs-wf-bars" role="img" aria-label="in-sample and out-of-sample objective per window">
            <line x1={PAD.l} y1={mid} x2={W - PAD.r} y2={mid} stroke="#2a3342" />
            {view.windows.map((w, k) => (
              <g key={k}>
                {bar(w.best?.value ?? null, k, 3, '#4c9dff')}
                {bar(w.oos?.value ?? null, k, bw / 2, (w.oos?.value ?? 0) >= 0 ? '#22c08a' : '#ef5a5a')}
                <text x={PAD.l + k * bw + bw / 2} y={mid + (H - PAD.b - mid) + 4} fill="#8591a3" fontSize="10" textAnchor="middle">
                  {k + 1}
                </text>
              </g>
            ))}
            <text x={W - PAD.r - 170} y={H - 10} fill="#4c9dff" fontSize="10">
              ■ in sample
            </text>
            <text x={W - PAD.r - 90} y={H - 10} fill="#22c08a" fontSize="10">
              ■ out of sample
            </text>
            <text x={PAD.l - 4} y={PAD.t + 8} fill="#8591a3" fontSize="10" textAnchor="end">
              {num(vmax, 2)}
            </text>
          </svg>
        </Panel>
      </div>
      <Panel title="Windows" flush>
        <table data-testid="rs-windows">
          <thead>
            <tr>
              <th>#</th>
              <th>in sample</th>
              <th>out of sample</th>
              <th>best parameters</th>
              <th className="num">IS</th>
              <th className="num">OOS</th>
              <th className="num">change</th>
              <th className="num">efficiency</th>
              <th className="num">OOS return</th>
            </tr>
          </thead>
          <tbody>
            {view.windows.map((w) => (
              <tr key={w.index} data-testid="rs-window">
                <td>{w.index + 1}</td>
                <td className="mono faint">
                  {when(w.isFrom).slice(0, 10)} → {when(w.isTo).slice(0, 10)}
                </td>
                <td className="mono faint">
                  {when(w.oosFrom).slice(0, 10)} → {when(w.oosTo).slice(0, 10)}
                </td>
                <td>{w.best ? paramsText(w.best.params) : <span className="tag">{w.error ?? w.status}</span>}</td>
                <td className="num">{num(w.best?.value ?? null)}</td>
                <td className={`num ${tone(w.oos?.value)}`}>{num(w.oos?.value ?? null)}</td>
                <td className={`num ${tone(w.change)}`}>{num(w.change)}</td>
                <td className="num">{num(w.efficiency, 2)}</td>
                <td className={`num ${tone(w.oos?.metrics.netReturn)}`}>{fmtPct(w.oos?.metrics.netReturn ?? null)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Panel>
    </div>
  );
}

function BiasRun({ view }: { view: NonNullable<ResearchRun['bias']> }) {
  const l = view.lookahead;
  const f = view.features;
  const w = view.warmup;
  const verdict = (bad: boolean | null) => (bad === null ? <span className="tag">running</span> : bad ? <span className="tag bad">bias found</span> : <span className="tag good">none found</span>);
  return (
    <div className="grid" data-testid="rs-bias">
      <div className="grid g2">
        <Panel title="Lookahead in the strategy" right={verdict(l ? l.differenceCount > 0 : view.parts.lookahead === 'failed' ? true : null)}>
          {l ? (
            <div className="grid" style={{ gap: 6 }}>
              <div className="dim">
                {fmtNum(l.compared, 0)} decisions recomputed with the future cut off at {l.cuts.length} cuts: {fmtNum(l.differenceCount, 0)} changed.
              </div>
              {l.differences.length ? (
                <table>
                  <thead>
                    <tr>
                      <th>symbol</th>
                      <th>bar</th>
                      <th>time</th>
                      <th className="num">full</th>
                      <th className="num">future cut</th>
                    </tr>
                  </thead>
                  <tbody>
                    {l.differences.slice(0, 20).map((d, i) => (
                      <tr key={i}>
                        <td>{d.symbol}</td>
                        <td className="num">{d.bar}</td>
                        <td className="mono">{when(d.time)}</td>
                        <td className="num">{d.full ?? 'no change'}</td>
                        <td className="num">{d.truncated ?? 'no change'}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              ) : null}
            </div>
          ) : (
            <div className="dim">{view.errors.lookahead ?? 'running…'}</div>
          )}
        </Panel>
        <Panel title="Lookahead in the features" right={verdict(f ? f.differenceCount > 0 : view.parts.features === 'failed' ? true : null)}>
          {f ? (
            <div className="scroll" style={{ maxHeight: 220 }}>
              <table>
                <thead>
                  <tr>
                    <th>feature</th>
                    <th className="num">checked</th>
                    <th className="num">differences</th>
                    <th>first</th>
                  </tr>
                </thead>
                <tbody>
                  {f.features.map((x) => (
                    <tr key={x.name}>
                      <td className="mono">{x.name}</td>
                      <td className="num">{x.checked}</td>
                      <td className={`num ${x.differences ? 'down' : ''}`}>{x.differences}</td>
                      <td className="mono faint">{x.first ? `${x.first.symbol} bar ${x.first.bar} ${when(x.first.time)}` : ''}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : (
            <div className="dim">{view.errors.features ?? 'running…'}</div>
          )}
        </Panel>
      </div>
      <Panel title="Warm-up: results against the start offset">
        {w ? (
          <div className="grid g2">
            <table>
              <thead>
                <tr>
                  <th>start</th>
                  <th className="num">decisions differ</th>
                  <th className="num">agree after</th>
                  <th className="num">return</th>
                  <th className="num">trades</th>
                </tr>
              </thead>
              <tbody>
                <tr>
                  <td className="dim">full run</td>
                  <td className="num">–</td>
                  <td className="num">–</td>
                  <td className={`num ${tone(w.reference.netReturn)}`}>{fmtPct(w.reference.netReturn)}</td>
                  <td className="num">{w.reference.trades}</td>
                </tr>
                {w.offsets.map((o) => (
                  <tr key={o.offset}>
                    <td>
                      +{o.offset} bars <span className="faint mono">{when(o.time).slice(0, 10)}</span>
                    </td>
                    <td className="num">
                      {o.mismatches} / {fmtNum(o.compared, 0)}
                    </td>
                    <td className="num">{o.convergedAfter === null ? 'never' : `${o.convergedAfter} bars`}</td>
                    <td className={`num ${tone(o.metrics.netReturn)}`}>{fmtPct(o.metrics.netReturn)}</td>
                    <td className="num">{o.metrics.trades}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <div>
              <div className="faint" style={{ marginBottom: 4 }}>
                Bars each feature needs after a start to agree with the full history (within 1e-9)
              </div>
              <div className="row" style={{ flexWrap: 'wrap', gap: 4 }}>
                {w.features.map((x) => (
                  <span key={x.name} className={`tag ${x.bars === null ? 'bad' : ''}`} style={{ whiteSpace: 'nowrap' }} title={x.bars === null ? `not within ${w.horizon} bars` : undefined}>
                    {x.name} {x.bars ?? `>${w.horizon}`}
                  </span>
                ))}
              </div>
            </div>
          </div>
        ) : (
          <div className="dim">{view.errors.warmup ?? 'running…'}</div>
        )}
      </Panel>
    </div>
  );
}

function ArenaRun({ view }: { view: NonNullable<ResearchRun['arena']> }) {
  return (
    <div className="grid" data-testid="rs-arena">
      <Panel title="Ranking: P&L net of fees and model cost" flush>
        <table data-testid="rs-ranking">
          <thead>
            <tr>
              <th>#</th>
              <th>configuration</th>
              <th className="num">P&amp;L</th>
              <th className="num">fees</th>
              <th className="num">model cost</th>
              <th className="num">net</th>
              <th className="num">spread (sd)</th>
              <th className="num">samples</th>
            </tr>
          </thead>
          <tbody>
            {view.ranking.map((r) => {
              const c = view.contestants[r.contestant]!;
              return (
                <tr key={r.contestant}>
                  <td>{r.rank}</td>
                  <td>
                    {r.label} <span className="faint">{c.kind === 'policy' ? `policy · ${c.mode}` : `${c.model ?? 'agent model'} · ${c.mode} · every ${c.every}`}</span>
                  </td>
                  <td className={`num ${tone(Number(r.pnl))}`}>{Number(r.pnl).toFixed(2)}</td>
                  <td className="num">{Number(r.fees).toFixed(2)}</td>
                  <td className="num">{Number(r.modelCost).toFixed(4)}</td>
                  <td className={`num ${tone(Number(r.net))}`}>{Number(r.net).toFixed(2)}</td>
                  <td className="num">{num(r.netStdev, 2)}</td>
                  <td className="num">{r.samples}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </Panel>
      <div className="grid g2">
        <Panel title="Decision agreement (where both decided)">
          <table>
            <thead>
              <tr>
                <th />
                {view.contestants.map((c) => (
                  <th key={c.label} className="num">
                    {c.label}
                  </th>
                ))}
                <th className="num">own samples</th>
              </tr>
            </thead>
            <tbody>
              {view.contestants.map((c, i) => (
                <tr key={c.label}>
                  <td>{c.label}</td>
                  {(view.agreement[i] ?? []).map((v, j) => (
                    <td key={j} className="num" style={{ background: v === null ? undefined : heatColor(v, 0, 1) }}>
                      {pctText(v)}
                    </td>
                  ))}
                  <td className="num">{pctText(view.selfAgreement[i] ?? null)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Panel>
        <Panel title="Runs" flush>
          <table>
            <thead>
              <tr>
                <th>configuration</th>
                <th className="num">sample</th>
                <th className="num">net</th>
                <th className="num">b / s / h</th>
                <th className="num">calls</th>
              </tr>
            </thead>
            <tbody>
              {view.runs.map((r, k) => (
                <tr key={k}>
                  <td>{view.contestants[r.contestant]!.label}</td>
                  <td className="num">{r.sample}</td>
                  <td className={`num ${tone(Number(r.net))}`} title={r.error ?? undefined}>
                    {r.status === 'ok' ? Number(r.net).toFixed(2) : <span className={`tag ${r.status === 'failed' ? 'bad' : ''}`}>{r.status}</span>}
                  </td>
                  <td className="num">{r.decisions ? `${r.decisions.buy} / ${r.decisions.sell} / ${r.decisions.hold}` : '–'}</td>
                  <td className="num">{r.calls === null ? '–' : `${r.calls} (+${r.cacheHits} cached)`}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Panel>
      </div>
    </div>
  );
}

function TwinRun({ view }: { view: NonNullable<ResearchRun['twin']> }) {
  const s = view.summary;
  return (
    <div className="grid" data-testid="rs-twin">
      <div className="kpis">
        <Kpi label="Matched" value={s ? `${s.matched} / ${s.paperFills}` : '–'} sub={s ? `${s.twinFills} twin fills` : ''} />
        <Kpi label="Mean price gap" value={s?.meanPriceGapBps === null || !s ? '–' : `${s.meanPriceGapBps.toFixed(1)} bps`} sub={s?.meanReferenceMoveBps !== null && s ? `reference ${s.meanReferenceMoveBps?.toFixed(1)} · costs ${s.meanCostGapBps?.toFixed(1)} bps` : ''} />
        <Kpi label="Mean timing" value={s?.meanTimingMs === null || !s ? '–' : `${((s.meanTimingMs ?? 0) / 1000).toFixed(0)} s`} />
        <Kpi label="Fees paper / twin" value={s ? `${Number(s.paperFees).toFixed(2)} / ${Number(s.twinFees).toFixed(2)}` : '–'} sub={view.twin ? `twin P&L ${Number(view.twin.pnl).toFixed(2)}` : ''} />
      </div>
      {view.notes.length ? (
        <Panel title="What differs as a whole">
          <ul style={{ margin: 0, paddingLeft: 16 }}>
            {view.notes.map((n, i) => (
              <li key={i} className="dim">
                {n}
              </li>
            ))}
          </ul>
        </Panel>
      ) : null}
      <Panel title="Trade by trade" flush>
        <div className="scroll" style={{ maxHeight: 360 }}>
          <table>
            <thead>
              <tr>
                <th>trade</th>
                <th>paper</th>
                <th>twin</th>
                <th className="num">gap</th>
                <th>why</th>
              </tr>
            </thead>
            <tbody>
              {view.pairs.map((p, i) => (
                <tr key={i}>
                  <td>
                    {p.side} {p.symbol}
                  </td>
                  <td className="mono">
                    {when(p.paper.time)} @ {p.paper.price}
                  </td>
                  <td className="mono">
                    {when(p.twin.time)} @ {p.twin.price}
                  </td>
                  <td className="num">{p.priceGapBps.toFixed(1)} bps</td>
                  <td className="dim">{p.explanation.join('; ')}</td>
                </tr>
              ))}
              {view.unmatched.map((u, i) => (
                <tr key={`u${i}`}>
                  <td>
                    {u.fill.side} {u.fill.symbol}
                  </td>
                  <td className="mono">{u.source === 'paper' ? `${when(u.fill.time)} @ ${u.fill.price}` : '–'}</td>
                  <td className="mono">{u.source === 'twin' ? `${when(u.fill.time)} @ ${u.fill.price}` : '–'}</td>
                  <td />
                  <td className="dim">{u.explanation}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Panel>
    </div>
  );
}

function RunView({ id }: { id: string }) {
  const q = useVerb('get_research_run', { id }, { refetchInterval: (query) => (query.state.data?.summary.status === 'running' ? 1500 : false) });
  const cancel = useAction('cancel_research_run');
  return (
    <Q q={q} what="Research run" rows={6}>
      {(r) => (
        <Panel
          title={`${r.summary.kind.replace('_', ' ')} · ${r.summary.label ?? r.summary.id}`}
          testId="rs-run"
          right={
            r.summary.status === 'running' ? (
              <span className="row" style={{ gap: 6 }}>
                <span className="faint mono">
                  {r.summary.progress.done} / {r.summary.progress.total}
                </span>
                <button className="btn small" disabled={cancel.isPending} onClick={() => cancel.mutate({ id })}>
                  Cancel
                </button>
              </span>
            ) : (
              <span className={`tag ${r.summary.status === 'completed' ? 'good' : r.summary.status === 'failed' ? 'bad' : ''}`}>{r.summary.status}</span>
            )
          }
        >
          <div className="grid">
            <div className="faint mono">
              {r.summary.id} · {r.summary.strategy ?? ''} {r.summary.symbols.join(',')} {r.summary.timeframe ?? ''} · {when(r.summary.createdAt)}
            </div>
            {r.summary.headline ? <div data-testid="rs-headline">{r.summary.headline}</div> : null}
            {r.summary.error ? <div className="alert" role="alert">{r.summary.error}</div> : null}
            {r.optimize ? <OptimizeRun id={id} view={r.optimize} /> : null}
            {r.walkForward ? <WalkForwardRun view={r.walkForward} /> : null}
            {r.bias ? <BiasRun view={r.bias} /> : null}
            {r.arena ? <ArenaRun view={r.arena} /> : null}
            {r.twin ? <TwinRun view={r.twin} /> : null}
          </div>
        </Panel>
      )}
    </Q>
  );
}

export function ResearchPage() {
  const [tab, setTab] = useState<Tab>('optimize');
  const [selected, setSelected] = useState<string | null>(null);
  const list = useVerb('list_research_runs', { limit: 50 }, { refetchInterval: (q) => (q.state.data?.runs.some((r) => r.status === 'running') ? 2000 : false) });
  const runs = list.data?.runs ?? [];
  const current = selected ?? runs[0]?.id ?? null;
  return (
    <div className="page">
      <div className="page-head">
        <h1>Research</h1>
        <span className="dim">Optimise, walk forward, check for bias, compare agents — every trial a backtest, fanned out over every worker.</span>
      </div>
      <div className="grid g-main-side" style={{ gridTemplateColumns: '370px minmax(0,1fr)' }}>
        <div className="grid" style={{ alignContent: 'start' }}>
          <Panel title={<Seg label="Kind of run" value={tab} options={TABS} onChange={setTab} />}>
            <RunForm tab={tab} onStarted={setSelected} />
          </Panel>
          <Panel title="Runs" flush testId="rs-runs">
            {list.isLoading || list.error ? (
              <Q q={list} what="Research runs">{() => null}</Q>
            ) : runs.length === 0 ? (
              <Empty title="No research yet">Start a study above; it keeps going if you leave this page, and more workers make it faster.</Empty>
            ) : (
              <div className="scroll" style={{ maxHeight: 420 }}>
                <table>
                  <tbody>
                    {runs.map((r) => (
                      <tr key={r.id} data-testid="rs-run-row" data-status={r.status} style={{ cursor: 'pointer', background: r.id === current ? '#1b2330' : undefined }} onClick={() => setSelected(r.id)}>
                        <td>
                          <div>
                            <span className="tag">{r.kind.replace('_', ' ')}</span> {r.label ?? `${r.strategy ?? ''} ${r.symbols.join(',')} ${r.timeframe ?? ''}`}
                          </div>
                          <div className="faint">{r.headline ?? (r.status === 'running' ? `${r.progress.done} / ${r.progress.total}` : r.error ?? '')}</div>
                        </td>
                        <td style={{ width: 70 }}>
                          <span className={`tag ${r.status === 'completed' ? 'good' : r.status === 'failed' ? 'bad' : ''}`}>{r.status}</span>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </Panel>
        </div>
        <div className="grid" style={{ alignContent: 'start' }}>
          {current ? (
            <RunView id={current} />
          ) : (
            <Panel title="Result">
              <Empty title="Start or pick a run">Trials, windows, bias findings, rankings and twin reports appear here.</Empty>
            </Panel>
          )}
        </div>
      </div>
    </div>
  );
}
