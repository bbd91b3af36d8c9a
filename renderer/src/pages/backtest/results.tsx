/** The selected run: its spec, progress, KPIs, model use, equity and drawdown, metrics, blocked orders and every trade. */
import { useMemo } from 'react';
import { useQueries, type UseQueryResult } from '@tanstack/react-query';
import { useVerb } from '../../api/hooks';
import { client, type ResultOf } from '../../api/client';
import { LineChart } from '../../components/LineChart';
import { VirtualTable, type Column } from '../../components/VirtualTable';
import { Empty, Kpi, Panel, Q } from '../../components/ui';
import { fmtDec, fmtNum, fmtPct, fmtQty, fmtSigned, fmtTime, sign } from '../../lib/format';
import { METRICS, curves, exitCountsText, exitReasonText, metricValue, progressOf, returnText, runLabel, specItems, type BacktestResult, type BacktestView, type Progress, type StrategyInfo } from '../../lib/backtest';
import { ProgressBar, StatusTag } from './status';

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

export function SelectedRun({ id, live, catalog, onReuse }: { id: string; live: Progress | undefined; catalog: StrategyInfo[] | undefined; onReuse: (spec: Record<string, unknown>) => void }) {
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
