import { useMemo, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useAction, useEvent, useVerb } from '../api/hooks';
import type { InputOf } from '../api/client';
import { LineChart, type LinePoint } from '../components/LineChart';
import { Empty, ErrorState, IssuesAlert, Panel, Q } from '../components/ui';
import { TIMEFRAMES } from '../lib/candles';
import { fmtNum, fmtTime } from '../lib/format';
import { isRec, listOf, num, pick, str, type Rec } from '../lib/shape';

const STRATEGIES = ['buy_and_hold', 'sma_cross', 'rsi_reversion', 'breakout', 'policy'];

function idOf(r: unknown): string {
  return str(pick(r, 'id', 'backtestId', 'runId'), '');
}

function curveOf(result: unknown): Rec[] {
  const inner = pick(result, 'result') ?? result;
  return listOf(pick(inner, 'curve', 'equityCurve', 'equity') ?? [], 'points');
}

function metricsOf(result: unknown): [string, unknown][] {
  const inner = pick(result, 'result') ?? result;
  const m = { ...(isRec(pick(inner, 'summary')) ? (pick(inner, 'summary') as Rec) : {}), ...(isRec(pick(inner, 'performance')) ? (pick(inner, 'performance') as Rec) : {}), ...(isRec(pick(inner, 'metrics')) ? (pick(inner, 'metrics') as Rec) : {}) };
  return Object.entries(m).filter(([, v]) => typeof v === 'number');
}

function ResultView({ id }: { id: string }) {
  const q = useVerb('get_backtest_result', { id }, { refetchInterval: (query) => (str(pick(query.state.data, 'status'), '') === 'running' ? 2000 : false) });
  const curve = useMemo(() => curveOf(q.data), [q.data]);
  const series = useMemo(() => {
    const eq: LinePoint[] = [];
    const dd: LinePoint[] = [];
    let peak = -Infinity;
    for (const p of curve) {
      const t = num(pick(p, 't', 'time', 'at'));
      const e = num(pick(p, 'equity', 'value'));
      if (e !== null) peak = Math.max(peak, e);
      const d = num(pick(p, 'drawdown')) ?? (e !== null && peak > 0 ? (peak - e) / peak : null);
      if (t === null) continue;
      if (e !== null) eq.push({ time: t, value: e });
      if (d !== null) dd.push({ time: t, value: -d * 100 });
    }
    return { eq: [{ name: 'equity', color: '#4c9dff', points: eq }], dd: [{ name: 'drawdown %', color: '#ef5a5a', points: dd }] };
  }, [curve]);
  const trades = listOf(pick(pick(q.data, 'result') ?? q.data, 'trades', 'fills'));
  return (
    <Q q={q} what="Backtest result">
      {(d) => (
        <div className="grid">
          <div className="dim">
            {str(pick(d, 'status'), '')} {str(pick(d, 'label'), '')}
          </div>
          {curve.length ? (
            <div className="grid g2">
              <Panel title="Equity" flush>
                <LineChart series={series.eq} />
              </Panel>
              <Panel title="Drawdown" flush>
                <LineChart series={series.dd} />
              </Panel>
            </div>
          ) : (
            <Empty title="No equity curve yet" />
          )}
          <Panel title="Metrics">
            <div className="kpis">
              {metricsOf(d).map(([k, v]) => (
                <div key={k} className="kpi">
                  <div className="k">{k}</div>
                  <div className="v" style={{ fontSize: 13 }}>{typeof v === 'number' ? fmtNum(v, Math.abs(v) < 10 ? 4 : 2) : str(v)}</div>
                </div>
              ))}
            </div>
          </Panel>
          <Panel title={`Trades (${trades.length})`} flush>
            {trades.length === 0 ? (
              <Empty title="No trades" />
            ) : (
              <div className="scroll">
                <table>
                  <thead>
                    <tr>
                      {Object.keys(trades[0]!).slice(0, 9).map((k) => (
                        <th key={k}>{k}</th>
                      ))}
                    </tr>
                  </thead>
                  <tbody>
                    {trades.slice(0, 500).map((t, i) => (
                      <tr key={i}>
                        {Object.keys(trades[0]!).slice(0, 9).map((k) => (
                          <td key={k} className={typeof t[k] === 'number' || /^-?\d/.test(str(t[k], '')) ? 'num' : ''}>
                            {k === 'time' || k === 't' ? fmtTime(t[k] as number) : str(t[k])}
                          </td>
                        ))}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </Panel>
        </div>
      )}
    </Q>
  );
}

export function BacktestPage() {
  const qc = useQueryClient();
  const [form, setForm] = useState({ strategy: 'sma_cross', symbols: 'BTC-USD', timeframe: '1h', from: '2024-01-01', to: '2024-06-30', initialCash: '10000' });
  const [selected, setSelected] = useState<string | null>(null);
  const [compareIds, setCompareIds] = useState<string[]>([]);
  const [progress, setProgress] = useState<Record<string, number>>({});
  const list = useVerb('list_backtests', { limit: 50 }, { refetchInterval: 10_000 });
  const run = useAction('run_backtest', ['list_backtests']);
  const cancel = useAction('cancel_backtest', ['list_backtests']);
  const compare = useAction('compare_backtests');
  useEvent('backtest.progress', (p) => {
    const id = str(pick(p, 'id', 'backtestId'), '');
    const done = num(pick(p, 'barsDone'));
    const total = num(pick(p, 'totalBars'));
    const v = done !== null && total ? done / total : num(pick(p, 'progress', 'pct'));
    if (id && v !== null) setProgress((s) => ({ ...s, [id]: v > 1 ? v / 100 : v }));
    if (pick(p, 'done') || (pick(p, 'status') && pick(p, 'status') !== 'running')) void qc.invalidateQueries({ queryKey: ['list_backtests'] });
  });
  const runs = listOf(list.data, 'backtests', 'runs', 'items');

  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    run.mutate(
      { strategy: form.strategy, symbols: form.symbols.split(',').map((s) => s.trim().toUpperCase()).filter(Boolean), timeframe: form.timeframe, from: form.from, to: form.to, initialCash: form.initialCash } as InputOf<'run_backtest'>,
      { onSuccess: (r) => idOf(r) && setSelected(idOf(r)) },
    );
  };
  const f = (k: keyof typeof form) => ({ value: form[k], onChange: (e: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>) => setForm({ ...form, [k]: e.target.value }) });

  return (
    <div className="page">
      <div className="page-head">
        <h1>Backtest</h1>
        <span className="dim">Same strategy, fill, fee and risk code as paper and live trading.</span>
      </div>
      <div className="grid g-main-side" style={{ gridTemplateColumns: '300px minmax(0,1fr)' }}>
        <div className="grid" style={{ alignContent: 'start' }}>
          <Panel title="Run">
            <form className="form" onSubmit={submit} data-testid="backtest-form">
              <label className="field">
                Strategy
                <select {...f('strategy')}>{STRATEGIES.map((s) => <option key={s}>{s}</option>)}</select>
              </label>
              <label className="field">
                Symbols (comma separated)
                <input {...f('symbols')} />
              </label>
              <div className="row">
                <label className="field">
                  Timeframe
                  <select {...f('timeframe')}>{TIMEFRAMES.map((s) => <option key={s}>{s}</option>)}</select>
                </label>
                <label className="field">
                  Initial cash
                  <input {...f('initialCash')} inputMode="decimal" />
                </label>
              </div>
              <div className="row">
                <label className="field">
                  From
                  <input {...f('from')} type="date" />
                </label>
                <label className="field">
                  To
                  <input {...f('to')} type="date" />
                </label>
              </div>
              <button className="btn primary" type="submit" disabled={run.isPending}>{run.isPending ? 'Starting…' : 'Run backtest'}</button>
              <IssuesAlert error={run.error} />
            </form>
          </Panel>
          <Panel title="Runs" flush right={compareIds.length >= 2 ? <button className="btn small" onClick={() => compare.mutate({ ids: compareIds })}>Compare {compareIds.length}</button> : <span className="faint">tick 2+ to compare</span>}>
            {list.isLoading || list.error ? (
              <Q q={list} what="Backtests">{() => null}</Q>
            ) : runs.length === 0 ? (
              <Empty title="No backtests yet" />
            ) : (
              <div className="scroll">
                <table>
                  <tbody>
                    {runs.map((r) => {
                      const id = idOf(r);
                      const p = progress[id];
                      const running = str(pick(r, 'status'), '') === 'running';
                      return (
                        <tr key={id} style={{ cursor: 'pointer', background: id === selected ? '#1b2330' : undefined }} onClick={() => setSelected(id)}>
                          <td onClick={(e) => e.stopPropagation()}>
                            <input type="checkbox" checked={compareIds.includes(id)} onChange={(e) => setCompareIds((c) => (e.target.checked ? [...c, id] : c.filter((x) => x !== id)))} />
                          </td>
                          <td>
                            <div>{str(pick(r, 'label', 'strategy'), id)}</div>
                            <div className="faint mono">{id.slice(0, 18)}</div>
                            {running || (p !== undefined && p < 1) ? <div className="progress"><div style={{ width: `${((p ?? 0) * 100).toFixed(0)}%` }} /></div> : null}
                          </td>
                          <td className="dim">{str(pick(r, 'status'), '')}</td>
                          <td>{running ? <button className="btn small" onClick={(e) => { e.stopPropagation(); cancel.mutate({ id }); }}>Cancel</button> : null}</td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </div>
            )}
          </Panel>
        </div>
        <div className="grid" style={{ alignContent: 'start' }}>
          {compare.error ? <ErrorState error={compare.error} what="Compare" /> : null}
          {compare.data ? (
            <Panel title="Comparison">
              <CompareTable data={compare.data} />
            </Panel>
          ) : null}
          {selected ? <ResultView id={selected} /> : <Panel title="Result"><Empty title="Pick or run a backtest">Equity, drawdown, metrics and trades appear here.</Empty></Panel>}
        </div>
      </div>
    </div>
  );
}

function CompareTable({ data }: { data: unknown }) {
  const rows = listOf(data, 'runs', 'results', 'items');
  if (!rows.length) return <pre className="mono dim">{JSON.stringify(data, null, 2)}</pre>;
  const flat = rows.map((r) => ({ ...(isRec(r.summary) ? r.summary : {}), ...(isRec(r.performance) ? r.performance : {}), ...(isRec(r.metrics) ? r.metrics : {}) }) as Rec);
  const keys = [...new Set(flat.flatMap((r) => Object.entries(r).filter(([, v]) => typeof v === 'number').map(([k]) => k)))].slice(0, 16);
  return (
    <table>
      <thead>
        <tr>
          <th>Metric</th>
          {rows.map((r, i) => <th key={i} className="num">{str(pick(r.summary, 'label', 'strategy') ?? r.id)}</th>)}
        </tr>
      </thead>
      <tbody>
        {keys.map((k) => (
          <tr key={k}>
            <td className="dim">{k}</td>
            {flat.map((r, i) => <td key={i} className="num">{fmtNum(num(r[k]), 4)}</td>)}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
