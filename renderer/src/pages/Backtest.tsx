import { useEffect, useMemo, useState } from 'react';
import { useQueries, useQueryClient, type UseQueryResult } from '@tanstack/react-query';
import { useAction, useEvent, useVerb } from '../api/hooks';
import { client, type ApiCallError, type InputOf, type ResultOf } from '../api/client';
import { LineChart } from '../components/LineChart';
import { VirtualTable, type Column } from '../components/VirtualTable';
import { Empty, ErrorState, IssuesAlert, Kpi, Loading, Panel, Q } from '../components/ui';
import { TIMEFRAMES } from '../lib/candles';
import { useUi } from '../store';
import { fmtDec, fmtNum, fmtPct, fmtQty, fmtSigned, fmtTime, sign } from '../lib/format';
import {
  DEFAULT_MAKER_PCT,
  DEFAULT_TAKER_PCT,
  EMPTY_EXTRAS,
  EXIT_FIELDS,
  METRICS,
  OVERLAY_COLORS,
  bestIndex,
  curves,
  dateToMs,
  equityText,
  exitCountsText,
  exitReasonText,
  extrasToInput,
  foldProgress,
  metricValue,
  progressOf,
  returnCurve,
  returnText,
  runLabel,
  specItems,
  specToExtras,
  type BacktestResult,
  type RunExtras,
  type StrategyInfo,
  type StrategyParam,
  type BacktestSummary,
  type BacktestView,
  type Progress,
} from '../lib/backtest';

// Shown first; the catalog (list_backtest_strategies) supplies descriptions and parameters.
const STRATEGIES = ['sma_cross', 'buy_and_hold', 'rsi_reversion', 'breakout', 'policy', 'agent'] as const;
type Strategy = (typeof STRATEGIES)[number];

interface FormState {
  strategy: Strategy;
  symbols: string;
  timeframe: string;
  from: string;
  to: string;
  initialCash: string;
  risk: 'none' | 'default';
  label: string;
}

// The recorded Coinbase hourly files span mid-2017 to mid-2019 (resources/market/SOURCES.md).
const DEFAULT_FORM: FormState = { strategy: 'sma_cross', symbols: 'BTC-USD', timeframe: '1h', from: '2018-01-01', to: '2019-06-01', initialCash: '10000', risk: 'none', label: '' };

function ProgressBar({ p, testId }: { p: Progress | undefined; testId?: string }) {
  if (!p || p.status !== 'running') return null;
  return (
    <div className="row" style={{ flexWrap: 'nowrap', gap: 6 }} data-testid={testId} data-ratio={p.ratio.toFixed(3)}>
      <div className="progress" style={{ flex: 1 }} role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(p.ratio * 100)}>
        <div style={{ width: `${(p.ratio * 100).toFixed(1)}%` }} />
      </div>
      <span className="mono faint" style={{ flex: 'none' }}>
        {fmtNum(p.barsDone, 0)} / {fmtNum(p.totalBars, 0)}
      </span>
    </div>
  );
}

/** The agent strategy's model use: decisions by outcome, requests answered by the model or the cache, tokens, cost. */
function ModelUsagePanel({ m }: { m: NonNullable<BacktestResult['model']> }) {
  const rows: [string, string][] = [
    ['Model', `${m.model}${m.baseUrl ? ` · ${m.baseUrl}` : ''}`],
    ['Prompt', `${m.promptId} v${m.promptVersion} · a nudge every ${fmtNum(m.every, 0)} bars`],
    ['Decisions', `${fmtNum(m.decisions, 0)}: buy ${m.buys}, sell ${m.sells}, hold ${m.holds}, refused ${m.refusals}`],
    ['Invalid', `${fmtNum(m.invalidDecisions, 0)} without a valid decision · ${fmtNum(m.invalidCalls, 0)} garbled tool calls · ${m.unfilledLimits} unfilled limits · ${m.rejected} rejected · ${m.lastBarSkips} not asked on the last bar (nothing could fill)`],
    ['Requests', `${fmtNum(m.requests, 0)}: ${fmtNum(m.calls, 0)} sent, ${fmtNum(m.cacheHits, 0)} from the cache`],
    ['Tokens', `${fmtNum(m.promptTokens, 0)} in · ${fmtNum(m.completionTokens, 0)} out`],
    ['Cost', `${m.costUsd} USD${m.priced ? '' : ' (unpriced model)'} · this run paid ${m.spentCostUsd} USD`],
  ];
  return (
    <Panel title="Model" flush testId="backtest-model">
      <table>
        <tbody>
          {rows.map(([k, v]) => (
            <tr key={k}>
              <td className="dim">{k}</td>
              <td className="mono">{v}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Panel>
  );
}

function StatusTag({ status }: { status: BacktestSummary['status'] }) {
  const cls = status === 'completed' ? 'good' : status === 'failed' ? 'bad' : '';
  return <span className={`tag ${cls}`}>{status}</span>;
}

type Trade = BacktestResult['trades'][number];
const TRADE_COLUMNS: Column<Trade>[] = [
  { key: 'symbol', header: 'Symbol', width: 80, render: (t) => t.symbol },
  { key: 'entry', header: 'Entry', width: 150, className: 'mono dim', render: (t) => fmtTime(t.entryTime) },
  { key: 'entryPrice', header: 'Entry px', className: 'num', render: (t) => fmtDec(t.entryPrice) },
  { key: 'qty', header: 'Qty', className: 'num', render: (t) => fmtQty(t.quantity) },
  { key: 'exit', header: 'Exit', width: 150, className: 'mono dim', render: (t) => (t.exitTime === null ? 'open' : fmtTime(t.exitTime)) },
  { key: 'exitPrice', header: 'Exit px', className: 'num', render: (t) => fmtDec(t.exitPrice) },
  {
    key: 'exitReason',
    header: 'Closed by',
    width: 100,
    render: (t) => (t.exitReason && t.exitReason !== 'signal' ? <span className={`tag ${sign(t.pnl) > 0 ? 'good' : sign(t.pnl) < 0 ? 'bad' : ''}`}>{exitReasonText(t.exitReason)}</span> : <span className="dim">{t.exitTime === null ? '' : exitReasonText(t.exitReason ?? 'signal')}</span>),
  },
  { key: 'fees', header: 'Fees', className: 'num', render: (t) => fmtDec(t.fees) },
  { key: 'pnl', header: 'P&L', className: 'num', render: (t) => <span className={sign(t.pnl) > 0 ? 'up' : sign(t.pnl) < 0 ? 'down' : ''}>{fmtSigned(t.pnl)}</span> },
];

/**
 * The trade pages as one list once every page is in (null while any is loading, or when there
 * are none). A module-level function, so react-query reruns it only when a page changes and keeps
 * the previous list when nothing in it did.
 */
function combineTradePages(pages: UseQueryResult<ResultOf<'get_backtest_rows'>>[]): { trades: Trade[] | null; loading: boolean } {
  const loading = pages.some((q) => q.isLoading);
  return { trades: pages.length > 0 && !loading ? pages.flatMap((q) => q.data?.trades ?? []) : null, loading };
}

/**
 * Every round trip of a run: the result carries the newest ones; when the run had more, the rest
 * page in with get_backtest_rows (2,000 a page, so no payload grows with the run).
 */
function useAllTrades(id: string, r: BacktestView['result']): { trades: Trade[]; total: number; loading: boolean } {
  const shown = r?.trades ?? [];
  const total = r?.tradesTotal ?? shown.length;
  const more = useQueries({
    queries:
      r && total > shown.length
        ? Array.from({ length: Math.ceil(total / 2000) }, (_, i) => ({
            queryKey: ['get_backtest_rows', { id, list: 'trades', offset: i * 2000, limit: 2000 }],
            queryFn: () => client().get('get_backtest_rows', { id, list: 'trades', offset: i * 2000, limit: 2000 }),
            staleTime: Infinity,
          }))
        : [],
    combine: combineTradePages,
  });
  return { trades: more.trades ?? shown, total, loading: more.loading };
}

function ResultView({ view, live, catalog, onReuse }: { view: BacktestView; live: Progress | undefined; catalog: StrategyInfo[] | undefined; onReuse: (spec: Record<string, unknown>) => void }) {
  const s = view.summary;
  const r = view.result;
  const all = useAllTrades(view.id, r);
  const progress = live ?? progressOf({ status: view.status, barsDone: view.progress.barsDone, totalBars: view.progress.totalBars });
  const c = useMemo(() => (r ? curves(r) : null), [r]);
  const eqSeries = useMemo(() => (c ? [{ name: 'equity', color: '#4c9dff', points: c.equity }] : []), [c]);
  const ddSeries = useMemo(() => (c ? [{ name: 'drawdown', color: '#ef5a5a', points: c.drawdown }] : []), [c]);
  const blocked = r ? Object.entries(r.blockedByRule).sort((a, b) => b[1] - a[1]) : [];

  return (
    <div className="grid" data-testid="backtest-result" data-status={view.status}>
      <Panel
        title={runLabel(s)}
        right={
          <span className="row" style={{ flexWrap: 'nowrap', gap: 6 }}>
            {r ? (
              <button className="btn small" data-testid="bt-reuse" title="Load this run's settings into the form" onClick={() => onReuse(r.spec)}>
                Use these settings
              </button>
            ) : null}
            <StatusTag status={view.status} />
          </span>
        }
      >
        <div className="grid" style={{ gap: 6 }}>
          <div className="dim mono">
            {s.id} · {s.symbols.join(', ')} · {s.timeframe} · {fmtTime(s.from)} → {fmtTime(s.to)} · {fmtNum(s.bars, 0)} bars
          </div>
          {r ? (
            <div className="faint mono" data-testid="backtest-spec">
              {specItems(r.spec, catalog?.find((x) => x.name === s.strategy)).join(' · ')}
            </div>
          ) : null}
          <ProgressBar p={progress} testId="backtest-progress" />
          {s.error ? <div className="alert" role="alert">{s.error}</div> : null}
        </div>
      </Panel>
      {view.status === 'running' ? (
        <Panel title="Running">
          <Empty title={`${fmtPct(progress.ratio, 0)} of the bars replayed`}>Equity, drawdown, metrics and trades appear when the run finishes.</Empty>
        </Panel>
      ) : !r ? (
        <Panel title="Result">
          <Empty title={view.status === 'cancelled' ? 'Cancelled before a result was stored' : 'No result stored'}>{s.error ?? 'The run ended without a result.'}</Empty>
        </Panel>
      ) : (
        <>
          <div className="kpis" data-testid="backtest-kpis">
            <Kpi label="Final equity" value={fmtDec(r.final.equity)} sub={`from ${fmtDec(s.initialCash)}`} />
            <Kpi label="Return" value={returnText(s)} tone={s.totalReturn === null ? undefined : s.totalReturn >= 0 ? 'up' : 'down'} />
            <Kpi label="Max drawdown" value={fmtPct(r.performance?.maxDrawdown ?? null)} />
            <Kpi label="Sharpe" value={fmtNum(r.performance?.sharpe ?? null)} />
            <Kpi
              label="Trades"
              value={fmtNum(all.total, 0)}
              sub={`${fmtNum(r.fillsTotal, 0)} fills${s.exits ? ` · ${fmtNum(s.exits.stopLoss + s.exits.takeProfit + s.exits.trailingStop, 0)} closed by exits` : ''}`}
              testId="bt-kpi-trades"
            />
            <Kpi label="Fees" value={fmtDec(r.final.feesPaid)} sub={`scraped ${fmtDec(r.final.scrapedProfits)}`} />
          </div>
          {r.model ? <ModelUsagePanel m={r.model} /> : null}
          <div className="grid g2">
            <Panel title="Equity" flush>
              {c && c.equity.length ? <LineChart series={eqSeries} /> : <Empty title="No equity points" />}
            </Panel>
            <Panel title="Drawdown" flush>
              {c && c.drawdown.length ? <LineChart series={ddSeries} unit="%" /> : <Empty title="No drawdown points" />}
            </Panel>
          </div>
          <div className="grid g2">
            <Panel title="Metrics" flush testId="backtest-metrics">
              <table>
                <tbody>
                  {METRICS.map((m) => (
                    <tr key={m.key}>
                      <td className="dim">{m.label}</td>
                      <td className="num">{m.fmt(metricValue(r.performance, m.key))}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </Panel>
            <Panel title="Blocked orders by rule" flush>
              {blocked.length === 0 ? (
                <Empty title="Nothing blocked">{s.error ? null : 'No order was refused by a risk limit in this run.'}</Empty>
              ) : (
                <table>
                  <tbody>
                    {blocked.map(([rule, n]) => (
                      <tr key={rule}>
                        <td className="mono">{rule}</td>
                        <td className="num">{fmtNum(n, 0)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
              {r.data.length ? (
                <div className="faint" style={{ padding: '6px 10px' }}>
                  {r.data.map((d) => `${d.symbol}: ${fmtNum(d.rows, 0)} rows, ${d.gaps} gaps, ${d.duplicates} duplicates`).join(' · ')}
                </div>
              ) : null}
            </Panel>
          </div>
          <Panel
            title={`Trades (${fmtNum(all.total, 0)})${all.loading ? ` — loading the ${fmtNum(all.total - r.trades.length, 0)} older ones…` : ''}`}
            right={s.exits ? <span className="faint mono" data-testid="bt-exit-counts">closed by exits: {exitCountsText(s.exits)}</span> : undefined}
            flush
            testId="backtest-trades"
          >
            {all.trades.length === 0 ? (
              <Empty title="No trades">The strategy never entered a position over this range.</Empty>
            ) : (
              <VirtualTable rows={all.trades} columns={TRADE_COLUMNS} rowKey={(_, i) => i} rowHeight={24} height={340} rowTestId="trade-row" />
            )}
          </Panel>
        </>
      )}
    </div>
  );
}

function SelectedRun({ id, live, catalog, onReuse }: { id: string; live: Progress | undefined; catalog: StrategyInfo[] | undefined; onReuse: (spec: Record<string, unknown>) => void }) {
  // Progress comes by push; the slow refetch only covers events missed during a reconnect.
  const q = useVerb('get_backtest_result', { id, full: true }, { refetchInterval: (query) => (query.state.data?.status === 'running' ? 15_000 : false) });
  // A run keeps the worker busy, so the first read can wait until it ends; the pushed progress
  // is shown meanwhile instead of a skeleton.
  if (q.isLoading && live?.status === 'running') {
    return (
      <Panel title="Running" testId="backtest-result" right={<StatusTag status="running" />}>
        <div className="grid" style={{ gap: 6 }} data-status="running">
          <div className="dim mono">{id}</div>
          <ProgressBar p={live} testId="backtest-progress" />
          <Empty title={`${fmtPct(live.ratio, 0)} of the bars replayed`}>Equity, drawdown, metrics and trades appear when the run finishes.</Empty>
        </div>
      </Panel>
    );
  }
  return (
    <Q q={q} what="Backtest result" rows={8}>
      {(v) => <ResultView view={v} live={live} catalog={catalog} onReuse={onReuse} />}
    </Q>
  );
}

/**
 * The runs' return curves for the overlay, whether any is still loading and the first error. A
 * module-level function, so react-query reruns it only when a run's query changes and keeps the
 * previous series when nothing in them did.
 */
function combineCurves(results: UseQueryResult<BacktestView>[]): { series: { name: string; color: string; points: ReturnType<typeof returnCurve> }[]; loading: boolean; error: ApiCallError | undefined } {
  return {
    series: results.flatMap((q, i) => {
      const v = q.data;
      if (!v?.result) return [];
      return [{ name: runLabel(v.summary), color: OVERLAY_COLORS[i % OVERLAY_COLORS.length]!, points: returnCurve(v.result) }];
    }),
    loading: results.some((q) => q.isLoading),
    error: results.find((q) => q.error)?.error as ApiCallError | undefined,
  };
}

/** Several runs overlaid as % return from each run's own start, with the metrics side by side. */
function Comparison({ ids, onClose }: { ids: string[]; onClose: () => void }) {
  const cmp = useVerb('compare_backtests', { ids });
  const { series, loading: loadingCurves, error: curveError } = useQueries({
    queries: ids.map((id) => ({ queryKey: ['get_backtest_result', { id, full: true }], queryFn: () => client().get('get_backtest_result', { id, full: true }) })),
    combine: combineCurves,
  });

  return (
    <Panel title={`Comparison of ${ids.length} runs`} testId="backtest-compare" right={<button className="btn small" onClick={onClose}>Close</button>}>
      <div className="grid">
        {loadingCurves ? <Loading rows={4} /> : curveError ? <ErrorState error={curveError} what="Run curves" /> : series.length ? <LineChart series={series} kind="line" unit="%" height={240} /> : <Empty title="No finished runs to overlay" />}
        <div className="row faint" style={{ flexWrap: 'wrap' }}>
          {series.map((s) => (
            <span key={s.name} style={{ flex: 'none' }}>
              <span style={{ display: 'inline-block', width: 10, height: 3, background: s.color, marginRight: 5, verticalAlign: 'middle' }} />
              {s.name}
            </span>
          ))}
        </div>
        <Q q={cmp} what="Comparison" rows={6}>
          {(d) => (
            <table data-testid="compare-table">
              <thead>
                <tr>
                  <th>Metric</th>
                  {d.rows.map((r, i) => (
                    <th key={r.id} className="num" title={r.id}>
                      <span style={{ color: OVERLAY_COLORS[i % OVERLAY_COLORS.length] }}>■</span> {runLabel(r.summary)}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {METRICS.map((m) => {
                  const values = d.rows.map((r) => metricValue(r.performance, m.key));
                  const best = bestIndex(values, m.better);
                  return (
                    <tr key={m.key}>
                      <td className="dim">{m.label}</td>
                      {values.map((v, i) => (
                        <td key={i} className="num" style={best === i ? { color: 'var(--accent)', fontWeight: 600 } : undefined}
                          title={best === i ? 'best of the compared runs' : undefined}>
                          {m.fmt(v)}
                        </td>
                      ))}
                    </tr>
                  );
                })}
                <tr>
                  <td className="dim">Blocked orders</td>
                  {d.rows.map((r) => (
                    <td key={r.id} className="num">{fmtNum(Object.values(r.blockedByRule).reduce((a, b) => a + b, 0), 0)}</td>
                  ))}
                </tr>
              </tbody>
            </table>
          )}
        </Q>
      </div>
    </Panel>
  );
}

/** One strategy parameter: a choice, or a number/text box showing the default it falls back to. */
function ParamField({ p, value, invalid, onChange }: { p: StrategyParam; value: string; invalid: boolean; onChange: (v: string) => void }) {
  const testId = `bt-param-${p.name}`;
  const bounds = p.minimum !== undefined || p.maximum !== undefined ? ` (${p.minimum ?? p.exclusiveMinimum ?? ''}–${p.maximum ?? ''})` : '';
  return (
    <label className="field" title={`${p.description ?? p.name}${bounds}`}>
      {p.name}
      {p.options ? (
        <select value={value || String(p.default ?? '')} aria-invalid={invalid || undefined} data-testid={testId} onChange={(e) => onChange(e.target.value)}>
          {p.options.map((o) => <option key={o}>{o}</option>)}
        </select>
      ) : (
        <input
          value={value}
          placeholder={p.default === undefined ? 'default' : String(p.default)}
          inputMode={p.type === 'integer' ? 'numeric' : 'decimal'}
          aria-invalid={invalid || undefined}
          data-testid={testId}
          onChange={(e) => onChange(e.target.value)}
        />
      )}
    </label>
  );
}

export function BacktestPage() {
  const qc = useQueryClient();
  const [form, setForm] = useState<FormState>(DEFAULT_FORM);
  const [extras, setExtras] = useState<RunExtras>(EMPTY_EXTRAS);
  const [formErrors, setFormErrors] = useState<Record<string, string>>({});
  const catalog = useVerb('list_backtest_strategies', {}, { staleTime: Infinity });
  const info: StrategyInfo | undefined = catalog.data?.strategies.find((x) => x.name === form.strategy);
  const [selected, setSelected] = useState<string | null>(null);
  // A backtest opened from another page (a study's trial on the Research page).
  const opened = useUi((s) => s.pageRequest);
  useEffect(() => {
    if (opened?.backtestId) setSelected(opened.backtestId);
  }, [opened]);
  const [checked, setChecked] = useState<string[]>([]);
  const [comparing, setComparing] = useState<string[] | null>(null);
  const [progress, setProgress] = useState<Record<string, Progress>>({});
  // Progress comes by push; while a run is unfinished the list also refreshes itself, so a missed
  // final event cannot leave a row "running".
  const list = useVerb('list_backtests', { limit: 100 }, { refetchInterval: (query) => (query.state.data?.backtests.some((b) => b.status === 'running') ? 2_000 : false) });
  const run = useAction('run_backtest', ['list_backtests']);
  const cancel = useAction('cancel_backtest', ['list_backtests', 'get_backtest_result']);

  // Progress arrives by push; a run's end refreshes the list and its result once.
  useEvent('backtest.progress', (e) => {
    setProgress((s) => foldProgress(s, e));
    if (e.status !== 'running') {
      void qc.invalidateQueries({ queryKey: ['list_backtests'] });
      void qc.invalidateQueries({ queryKey: ['get_backtest_result', { id: e.id }] });
      void qc.invalidateQueries({ queryKey: ['compare_backtests'] });
    }
  });

  const issues = run.error?.error.issues ?? [];
  const invalid = new Set(issues.map((i) => String(i.path).split('.')[0]));
  const invalidParams = new Set(issues.map((i) => String(i.path)).filter((p) => p.startsWith('params.')).map((p) => p.split('.')[1]));
  const symbolCount = form.symbols.split(',').filter((s) => s.trim()).length;
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    const extra = extrasToInput(info, extras, symbolCount);
    setFormErrors(extra.errors);
    if (Object.keys(extra.errors).length) return;
    const input: InputOf<'run_backtest'> = {
      ...extra.input,
      strategy: form.strategy,
      symbols: form.symbols.split(',').map((s) => s.trim().toUpperCase()).filter(Boolean),
      timeframe: form.timeframe as InputOf<'run_backtest'>['timeframe'],
      initialCash: form.initialCash.trim(),
      risk: form.risk,
    };
    const from = dateToMs(form.from);
    const to = dateToMs(form.to);
    if (from !== undefined) input.from = from;
    if (to !== undefined) input.to = to;
    if (form.label.trim()) input.label = form.label.trim();
    run.mutate(input, {
      onSuccess: (r) => {
        setSelected(r.id);
        // A short run's pushed progress (even its end) can arrive before this reply: never go back over it.
        setProgress((s) => (s[r.id] ? s : { ...s, [r.id]: progressOf({ status: 'running', barsDone: 0, totalBars: r.totalBars }) }));
      },
    });
  };
  const field = <K extends keyof FormState>(k: K) => ({
    value: form[k],
    'aria-invalid': invalid.has(k) || undefined,
    'data-testid': `bt-${k}`,
    onChange: (e: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>) => {
      if (run.error) run.reset();
      setForm({ ...form, [k]: e.target.value as FormState[K] });
    },
  });
  const extra = <K extends Exclude<keyof RunExtras, 'params' | 'slippage'>>(k: K) => ({
    value: extras[k],
    'aria-invalid': k in formErrors || invalid.has(k === 'takerPct' || k === 'makerPct' ? 'fees' : k === 'scrapePct' ? 'profitScrapePct' : k) || undefined,
    'data-testid': `bt-${k}`,
    onChange: (e: React.ChangeEvent<HTMLInputElement>) => {
      if (run.error) run.reset();
      setFormErrors({});
      setExtras({ ...extras, [k]: e.target.value });
    },
  });
  const setExit = (name: string, v: string) => {
    if (run.error) run.reset();
    setFormErrors({});
    setExtras({ ...extras, exits: { ...extras.exits, [name]: v } });
  };
  const setParam = (name: string, v: string) => {
    if (run.error) run.reset();
    setFormErrors({});
    setExtras({ ...extras, params: { ...extras.params, [name]: v } });
  };
  /** A finished run's settings back into the form, to rerun or vary them. */
  const reuse = (spec: Record<string, unknown>) => {
    if (run.error) run.reset();
    setFormErrors({});
    const symbols = Array.isArray(spec.symbols) ? spec.symbols.join(', ') : form.symbols;
    const day = (ms: unknown) => (typeof ms === 'number' ? new Date(ms).toISOString().slice(0, 10) : '');
    setForm({
      ...form,
      strategy: STRATEGIES.includes(spec.strategy as Strategy) ? (spec.strategy as Strategy) : form.strategy,
      symbols,
      timeframe: typeof spec.timeframe === 'string' ? spec.timeframe : form.timeframe,
      from: day(spec.from),
      to: day(spec.to),
      initialCash: typeof spec.initialCash === 'string' ? spec.initialCash : form.initialCash,
      risk: spec.risk === 'default' ? 'default' : 'none',
      label: '',
    });
    setExtras(specToExtras(spec));
  };
  const runs = list.data?.backtests ?? [];

  return (
    <div className="page">
      <div className="page-head">
        <h1>Backtest</h1>
        <span className="dim">Recorded candles through the same strategy, fill, fee and risk code as paper and live trading.</span>
      </div>
      <div className="grid g-main-side" style={{ gridTemplateColumns: '320px minmax(0,1fr)' }}>
        <div className="grid" style={{ alignContent: 'start' }}>
          <Panel title="Run">
            <form className="form" onSubmit={submit} data-testid="backtest-form">
              <div className="row">
                <label className="field">
                  Strategy
                  <select
                    {...field('strategy')}
                    onChange={(e) => {
                      if (run.error) run.reset();
                      setFormErrors({});
                      setForm({ ...form, strategy: e.target.value as Strategy });
                      setExtras({ ...extras, params: {} });
                    }}
                  >
                    {STRATEGIES.map((s) => <option key={s}>{s}</option>)}
                  </select>
                </label>
                <label className="field">
                  Timeframe
                  <select {...field('timeframe')}>{TIMEFRAMES.map((s) => <option key={s}>{s}</option>)}</select>
                </label>
              </div>
              <label className="field">
                Symbols (comma separated)
                <input {...field('symbols')} placeholder="BTC-USD, ETH-USD" />
              </label>
              <div className="row">
                <label className="field">
                  From
                  <input {...field('from')} type="date" />
                </label>
                <label className="field">
                  To
                  <input {...field('to')} type="date" />
                </label>
              </div>
              <div className="row">
                <label className="field">
                  Initial cash
                  <input {...field('initialCash')} inputMode="decimal" />
                </label>
                <label className="field">
                  Risk limits
                  <select {...field('risk')}>
                    <option value="none">none</option>
                    <option value="default">paper defaults</option>
                  </select>
                </label>
              </div>
              {info && info.params.length ? (
                <fieldset className="form" style={{ border: 0, padding: 0, margin: 0 }} data-testid="bt-params">
                  <div className="faint">{info.description}</div>
                  <div className="fields">
                    {info.params.filter((p) => p.group !== 'exit').map((p) => (
                      <ParamField key={p.name} p={p} value={extras.params[p.name] ?? ''} invalid={invalidParams.has(p.name) || `param.${p.name}` in formErrors} onChange={(v) => setParam(p.name, v)} />
                    ))}
                  </div>
                </fieldset>
              ) : info ? (
                <div className="faint">{info.description}</div>
              ) : null}
              <fieldset className="form" style={{ border: 0, padding: 0, margin: 0 }} data-testid="bt-exits">
                <div className="faint" title="Placed after every entry fill, judged from the next bar with the paper book's stop and take-profit code; a bar reaching both takes the stop; after an exit the strategy must signal again before buying">
                  Protective exits — % of the entry fill, on any strategy
                </div>
                <div className="fields">
                  {EXIT_FIELDS.map((f) => (
                    <label key={f.name} className="field" title={f.title}>
                      {f.label}
                      <input
                        value={extras.exits[f.name] ?? ''}
                        placeholder="off"
                        inputMode="decimal"
                        aria-invalid={invalidParams.has(f.name) || `exit.${f.name}` in formErrors || undefined}
                        data-testid={`bt-exit-${f.name}`}
                        onChange={(e) => setExit(f.name, e.target.value)}
                      />
                    </label>
                  ))}
                </div>
              </fieldset>
              <div className="fields">
                <label className="field" title="Taker fee per order, percent of its value (blank: Coinbase's entry tier)">
                  Taker fee %
                  <input {...extra('takerPct')} placeholder={DEFAULT_TAKER_PCT} inputMode="decimal" />
                </label>
                <label className="field" title="Maker fee, percent (blank: Coinbase's entry tier)">
                  Maker fee %
                  <input {...extra('makerPct')} placeholder={DEFAULT_MAKER_PCT} inputMode="decimal" />
                </label>
                <label className="field" title="Spread in basis points for every symbol (blank: each product's own estimate)">
                  Spread bps
                  <input {...extra('spreadBps')} placeholder="product" inputMode="decimal" />
                </label>
              </div>
              <div className="fields">
                <label className="field" title="Share of each realised profit moved out of trading cash, percent">
                  Profit scrape %
                  <input {...extra('scrapePct')} placeholder="0" inputMode="decimal" />
                </label>
                {symbolCount > 1 ? (
                  <label className="field" title="Allocation per symbol, same order as the symbols (blank: equal)">
                    Weights
                    <input {...extra('weights')} placeholder="equal" />
                  </label>
                ) : null}
                <label className="field check" title="Size-dependent slippage (square-root impact), as paper trading applies it">
                  <input
                    type="checkbox"
                    checked={extras.slippage}
                    data-testid="bt-slippage"
                    onChange={(e) => {
                      if (run.error) run.reset();
                      setExtras({ ...extras, slippage: e.target.checked });
                    }}
                  />
                  Slippage
                </label>
              </div>
              <label className="field">
                Label (optional)
                <input {...field('label')} placeholder="e.g. sma 20/50 2018" maxLength={120} />
              </label>
              <button className="btn primary" type="submit" disabled={run.isPending} data-testid="bt-run">
                {run.isPending ? 'Loading data…' : 'Run backtest'}
              </button>
              <IssuesAlert error={run.error} />
              {Object.keys(formErrors).length ? (
                <div className="alert" role="alert" data-testid="error-alert">
                  {Object.values(formErrors).join('; ')}
                </div>
              ) : null}
              <div className="faint">Blank dates use all recorded data. Hourly data: BTC, ETH, LTC-USD 2017–2019; 1m: BTC/ETH-USDT, two days each.</div>
            </form>
          </Panel>
          <Panel
            title="Runs"
            flush
            testId="backtest-runs"
            right={
              checked.length >= 2 ? (
                <button className="btn small primary" data-testid="bt-compare" onClick={() => setComparing([...checked])}>
                  Compare {checked.length}
                </button>
              ) : (
                <span className="faint">tick 2+ to compare</span>
              )
            }
          >
            {list.isLoading || list.error ? (
              <Q q={list} what="Backtests">{() => null}</Q>
            ) : runs.length === 0 ? (
              <Empty title="No backtests yet">Run one above; it keeps going if you leave this page.</Empty>
            ) : (
              <div className="scroll" style={{ maxHeight: 420 }}>
                <table>
                  <tbody>
                    {runs.map((r) => {
                      const pushed = progress[r.id];
                      const p = pushed ?? (r.status === 'running' ? undefined : progressOf(r.status === 'completed' ? { status: r.status, barsDone: r.bars, totalBars: r.bars } : { status: r.status, barsDone: 0, totalBars: r.bars }));
                      // A finished run's stored status is final; a pushed "running" may be older than it.
                      const status = r.status !== 'running' ? r.status : (p?.status ?? r.status);
                      return (
                        <tr key={r.id} data-testid="bt-run-row" data-status={status} data-pushed-bars={pushed ? pushed.barsDone : undefined} style={{ cursor: 'pointer', background: r.id === selected ? '#1b2330' : undefined }} onClick={() => setSelected(r.id)}>
                          <td style={{ width: 22 }} onClick={(e) => e.stopPropagation()}>
                            <input
                              type="checkbox"
                              aria-label={`Compare ${runLabel(r)}`}
                              disabled={status !== 'completed'}
                              checked={checked.includes(r.id)}
                              onChange={(e) => setChecked((c) => (e.target.checked ? [...c, r.id] : c.filter((x) => x !== r.id)))}
                            />
                          </td>
                          <td>
                            <div>{runLabel(r)}</div>
                            <div className="faint mono">
                              {fmtTime(r.createdAt).slice(5, 16)} · {equityText(r)}
                            </div>
                            <ProgressBar p={p} />
                          </td>
                          <td className={`num ${r.totalReturn === null ? '' : r.totalReturn >= 0 ? 'up' : 'down'}`}>{returnText(r)}</td>
                          <td style={{ width: 70 }}>
                            {status === 'running' ? (
                              <button className="btn small" data-testid="bt-cancel" disabled={cancel.isPending} onClick={(e) => { e.stopPropagation(); cancel.mutate({ id: r.id }); }}>
                                Cancel
                              </button>
                            ) : (
                              <StatusTag status={status} />
                            )}
                          </td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </div>
            )}
            {cancel.error ? <ErrorState error={cancel.error} what="Cancel" /> : null}
          </Panel>
        </div>
        <div className="grid" style={{ alignContent: 'start' }}>
          {comparing ? <Comparison ids={comparing} onClose={() => setComparing(null)} /> : null}
          {selected ? (
            <SelectedRun id={selected} live={progress[selected]} catalog={catalog.data?.strategies} onReuse={reuse} />
          ) : comparing ? null : (
            <Panel title="Result">
              <Empty title="Pick or run a backtest">Equity and drawdown, metrics, blocked orders and every trade appear here; tick two or more finished runs to overlay them.</Empty>
            </Panel>
          )}
        </div>
      </div>
    </div>
  );
}
