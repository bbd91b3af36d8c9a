import { useMemo } from 'react';
import { useAction, useVerb } from '../api/hooks';
import { OrderTicket } from '../components/OrderTicket';
import { AgentNowLine, useExecutionNow } from '../components/AgentNow';
import { LineChart } from '../components/LineChart';
import { Empty, ErrorState, Kpi, Loading, Panel, Q } from '../components/ui';
import { feeRatesText, fmtDec, fmtMoney, fmtNum, fmtPct, fmtQty, fmtSigned, fmtTime, sign } from '../lib/format';
import type { ConditionalKind } from '../../../core/trading/conditional';

function tone(v: string | null | undefined) {
  const s = sign(v);
  return s > 0 ? 'up' : s < 0 ? 'down' : undefined;
}

function Gauge({ label, used, limit, text }: { label: string; used: number | null; limit: number | null; text: string }) {
  const ratio = used !== null && limit ? Math.min(1, Math.abs(used) / limit) : 0;
  return (
    <div className="gauge-row">
      <span className="dim">{label}</span>
      <div className={`gauge ${ratio > 0.9 ? 'bad' : ratio > 0.7 ? 'warn' : ''}`}>
        <div style={{ width: `${(ratio * 100).toFixed(1)}%` }} />
      </div>
      <span className="num">{text}</span>
    </div>
  );
}

function RiskPanel() {
  const q = useVerb('get_risk_metrics', {}, { refetchInterval: 60_000 });
  const kill = useAction('set_kill_switch');
  return (
    <Panel
      title="Risk"
      testId="risk-panel"
      right={
        q.data ? (
          <button className={`btn small kill ${q.data.killSwitch ? 'on' : ''}`} data-testid="kill-switch" disabled={kill.isPending} onClick={() => kill.mutate({ on: !q.data!.killSwitch })}>
            {q.data.killSwitch ? 'KILL SWITCH ON — resume' : 'Kill switch'}
          </button>
        ) : null
      }
    >
      <Q q={q} what="Risk metrics">
        {(r) => {
          const L = r.limits;
          const n = (s: string | null) => (s === null ? null : Number(s));
          return (
            <div>
              <Gauge label="Exposure" used={n(r.exposure)} limit={n(L.maxExposurePct)} text={`${fmtPct(r.exposure)} / ${L.maxExposurePct === null ? 'off' : fmtPct(Number(L.maxExposurePct), 0)}`} />
              <Gauge label="Trades today" used={r.usage.ordersToday} limit={L.maxTradesPerDay} text={`${r.usage.ordersToday} / ${L.maxTradesPerDay ?? 'off'}`} />
              <Gauge label="Day loss" used={Math.min(0, Number(r.usage.dayPnl))} limit={n(L.dailyLossLimit)} text={`${fmtSigned(r.usage.dayPnl)} / ${L.dailyLossLimit === null ? 'off' : fmtDec(L.dailyLossLimit)}`} />
              <Gauge label="Loss streak" used={r.usage.lossStreak} limit={L.lossCooldown?.losses ?? null} text={`${r.usage.lossStreak} / ${L.lossCooldown?.losses ?? 'off'}`} />
              <div className="row" style={{ marginTop: 6 }}>
                <span className="dim" title={`one-day historical VaR from ${r.returnsUsed} daily returns (20 needed)`}>VaR95 1d <b className="mono">{r.var95 ? fmtDec(r.var95.varAmount) : '—'}</b></span>
                <span className="dim">CVaR95 1d <b className="mono">{r.var95 ? fmtDec(r.var95.cvarAmount) : '—'}</b></span>
                <span className="dim">HHI <b className="mono">{fmtDec(r.herfindahl, 3)}</b></span>
              </div>
            </div>
          );
        }}
      </Q>
      {kill.error ? <ErrorState error={kill.error} what="Kill switch" /> : null}
    </Panel>
  );
}

/** Equity and the market value of positions over time, from the paper ledger's own samples. */
function EquityPanel() {
  const h = useVerb('get_equity_history', {}, { refetchInterval: 60_000 });
  const series = useMemo(() => {
    const pts = h.data?.points ?? [];
    return [
      { name: 'equity', color: '#4c9dff', points: pts.map((p) => ({ time: p.t, value: Number(p.equity) })) },
      // Its own (left) axis, so the equity line keeps its detail.
      { name: 'positions', color: '#e8b341', points: pts.map((p) => ({ time: p.t, value: Number(p.exposure) })), scale: 'left' as const },
    ];
  }, [h.data]);
  return (
    <Panel title="Equity" flush testId="equity-history">
      <Q q={h} what="Equity history">
        {(d) =>
          d.points.length < 2 ? (
            <Empty title="No equity history yet">The paper ledger samples its equity at every closed bar once the market stream runs.</Empty>
          ) : (
            <LineChart series={series} height={190} />
          )
        }
      </Q>
    </Panel>
  );
}

type OpenOrderView = { kind?: 'limit' | ConditionalKind | undefined; limitPrice: string; stopPrice?: string | null | undefined; trail?: { pct: string } | { amount: string } | null | undefined; triggered?: boolean | undefined };

/** What kind of resting order it is, in words. */
function openOrderKind(o: OpenOrderView): string {
  switch (o.kind) {
    case 'stop':
      return 'stop';
    case 'stop_limit':
      return o.triggered ? 'stop-limit (triggered)' : 'stop-limit';
    case 'take_profit':
      return 'take-profit';
    case 'trailing_stop':
      return o.trail && 'pct' in o.trail ? `trailing ${Number(o.trail.pct) * 100}%` : `trailing ${o.trail && 'amount' in o.trail ? o.trail.amount : ''}`;
    case 'limit':
    case undefined: // absent: a plain limit order
      return 'limit';
  }
}

/** Its prices: the stop and/or the limit. */
function openOrderPrice(o: OpenOrderView, fmt: (v: string) => string): string {
  const parts: string[] = [];
  if (o.stopPrice) parts.push(`stop ${fmt(o.stopPrice)}`);
  if (o.limitPrice) parts.push(`@ ${fmt(o.limitPrice)}`);
  return parts.join(' · ');
}

export function PortfolioPage() {
  const p = useVerb('get_portfolio_status', {}, { refetchInterval: 30_000 });
  const fills = useVerb('get_transaction_history', { limit: 50 }, { refetchInterval: 60_000 });
  const perf = useVerb('get_performance_metrics', {}, { refetchInterval: 60_000 });
  const ccy = p.data?.quoteCurrency ?? 'USD';
  const v = p.data?.valuation;
  const agentNow = useExecutionNow();

  return (
    <div className="page">
      <div className="page-head">
        <h1>Portfolio</h1>
        <span className="tag">paper</span>
        {p.data?.preferences.killSwitch ? <span className="tag bad">kill switch on</span> : null}
      </div>
      {p.isLoading ? (
        <Loading rows={2} />
      ) : p.error ? (
        <ErrorState error={p.error} what="Portfolio" />
      ) : v ? (
        <div className="kpis" data-testid="portfolio-kpis">
          <Kpi label="Equity" value={fmtMoney(v.equity, ccy)} sub={`start ${fmtMoney(p.data!.initialCash, ccy)}`} testId="kpi-equity" />
          <Kpi label="Cash" value={fmtMoney(v.cash, ccy)} testId="kpi-cash" />
          <Kpi label="Positions" value={fmtMoney(v.positionsValue, ccy)} />
          <Kpi label="Unrealised P&L" value={fmtSigned(v.unrealizedPnl)} tone={tone(v.unrealizedPnl)} />
          <Kpi label="Realised P&L" value={fmtSigned(v.realizedPnl)} tone={tone(v.realizedPnl)} />
          <Kpi label="Scraped profits" value={fmtMoney(v.scrapedProfits, ccy)} sub={`${fmtPct(Number(p.data!.preferences.profitScrapePct), 0)} of gains`} />
          <Kpi label="Fees" value={fmtMoney(v.feesPaid, ccy)} sub={feeRatesText(p.data!.fees)} />
          <Kpi label="Today" value={fmtSigned(p.data!.today.pnl)} tone={tone(p.data!.today.pnl)} sub={`${p.data!.today.orders} orders`} />
          <Kpi label="Return" value={perf.data ? fmtPct(perf.data.totalReturn) : '—'} sub={perf.data ? `Sharpe ${fmtNum(perf.data.sharpe)} · DD ${fmtPct(perf.data.maxDrawdown)}` : undefined} />
        </div>
      ) : null}
      <div className="grid g-main-side">
        <div className="grid" style={{ alignContent: 'start' }}>
          <EquityPanel />
          <Panel title="Positions" flush testId="positions">
            {v && v.positions.length === 0 ? (
              <Empty title="No open positions">
                Place an order from the ticket, or let the execution agent trade: it buys when the move it expects beats what the trade costs.
                {agentNow ? <AgentNowLine now={agentNow} /> : null}
              </Empty>
            ) : v ? (
              <table>
                <thead>
                  <tr>
                    <th>Symbol</th>
                    <th className="num">Qty</th>
                    <th className="num">Avg entry</th>
                    <th className="num">Mark</th>
                    <th className="num">Value</th>
                    <th className="num">Unrealised</th>
                    <th className="num">Realised</th>
                  </tr>
                </thead>
                <tbody>
                  {v.positions.map((x) => (
                    <tr key={x.symbol}>
                      <td>{x.symbol}</td>
                      <td className="num">{fmtQty(x.quantity)}</td>
                      <td className="num">{fmtDec(x.avgEntry)}</td>
                      <td className="num">{fmtDec(x.mark)}</td>
                      <td className="num">{fmtDec(x.marketValue)}</td>
                      <td className={`num ${tone(x.unrealizedPnl) ?? ''}`}>{fmtSigned(x.unrealizedPnl)}</td>
                      <td className={`num ${tone(x.realizedPnl) ?? ''}`}>{fmtSigned(x.realizedPnl)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <Loading />
            )}
            {v && v.positions.length > 0 && agentNow && agentNow.state !== 'acted' ? <AgentNowLine now={agentNow} /> : null}
          </Panel>
          <Panel title="Recent fills" flush testId="fills">
            <Q q={fills} what="Fills">
              {(d) =>
                d.transactions.length === 0 ? (
                  <Empty title="No fills yet" />
                ) : (
                  <div className="scroll">
                    <table>
                      <thead>
                        <tr>
                          <th>Time</th>
                          <th>Symbol</th>
                          <th>Side</th>
                          <th className="num">Qty</th>
                          <th className="num">Price</th>
                          <th className="num">Notional</th>
                          <th className="num">Fee</th>
                          <th className="num">P&L</th>
                          <th>Agent</th>
                        </tr>
                      </thead>
                      <tbody>
                        {d.transactions.map((f) => (
                          <tr key={f.id} data-testid="fill-row">
                            <td className="mono dim">{fmtTime(f.time)}</td>
                            <td>{f.symbol}</td>
                            <td className={f.side === 'buy' ? 'up' : 'down'}>{f.side}</td>
                            <td className="num">{fmtQty(f.quantity)}</td>
                            <td className="num">{fmtDec(f.price)}</td>
                            <td className="num">{fmtDec(f.notional)}</td>
                            <td className="num">{fmtDec(f.fee, 4)}</td>
                            <td className={`num ${tone(f.realizedPnl) ?? ''}`}>{fmtSigned(f.realizedPnl)}</td>
                            <td className="dim">{f.agent}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </div>
                )
              }
            </Q>
          </Panel>
          <Panel title="Blocked orders" flush testId="blocked">
            {p.data && p.data.recentBlocked.length === 0 ? (
              <Empty title="Nothing blocked">Orders refused by a risk limit appear here with the reason.</Empty>
            ) : p.data ? (
              <div className="scroll">
                <table>
                  <thead>
                    <tr>
                      <th>Time</th>
                      <th>Order</th>
                      <th>Rule</th>
                      <th>Reason</th>
                    </tr>
                  </thead>
                  <tbody>
                    {p.data.recentBlocked.slice().reverse().map((b) => (
                      <tr key={b.orderId}>
                        <td className="mono dim">{fmtTime(b.at)}</td>
                        <td>
                          {b.side} {b.symbol} {b.notional ? `$${fmtDec(b.notional)}` : fmtQty(b.quantity)}
                        </td>
                        <td>
                          <span className="tag bad">{b.rule}</span>
                        </td>
                        <td className="dim">{b.reason}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ) : null}
          </Panel>
        </div>
        <div className="grid" style={{ alignContent: 'start' }}>
          <Panel title="Order ticket">
            <OrderTicket />
          </Panel>
          <RiskPanel />
          {p.data?.protections.on ? (
            <Panel title="Protections" testId="protection-locks">
              {p.data.protections.locks.length === 0 ? (
                <div className="dim">No locks: new entries are open. Every agent entry leaves with a stop {Number(p.data.protections.settings.agentStopPct) * 100}% below its fill.</div>
              ) : (
                <table>
                  <tbody>
                    {p.data.protections.locks.map((l) => (
                      <tr key={`${l.rule}-${l.symbol ?? 'all'}`} data-testid="protection-lock">
                        <td>{l.symbol ?? 'all entries'}</td>
                        <td className="down">{l.rule.replace('_', ' ')}</td>
                        <td className="dim">until {new Date(l.until).toLocaleTimeString()}</td>
                        <td className="faint">{l.reason}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </Panel>
          ) : null}
          {p.data && p.data.openOrders.length ? (
            <Panel title="Open orders" flush>
              <table>
                <tbody>
                  {p.data.openOrders.map((o) => (
                    <tr key={o.orderId} data-testid="open-order">
                      <td>{o.side} {o.symbol}</td>
                      <td className="dim">{openOrderKind(o)}{o.oco ? ' · bracket' : ''}</td>
                      <td className="num">{fmtQty(o.quantity)} {openOrderPrice(o, fmtDec)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </Panel>
          ) : null}
        </div>
      </div>
    </div>
  );
}
