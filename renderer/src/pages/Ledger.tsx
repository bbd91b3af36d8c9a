import { useEffect, useMemo, useState } from 'react';
import { useAction, useVerb } from '../api/hooks';
import { LineChart } from '../components/LineChart';
import { VirtualTable, type Column } from '../components/VirtualTable';
import { Empty, ErrorState, IssuesAlert, Panel, Q } from '../components/ui';
import { fmtDec, fmtQty, fmtTime, sign } from '../lib/format';
import { OVERLAY_COLORS } from '../lib/backtest';
import { driftSeries, journalRows, type JournalRow, type ReconcileRun } from '../lib/ledger-view';
import { isProtectiveExit, orderTerms } from '../../../core/orders/terms';
import { Dec } from '../../../core/domain/decimal';

const JOURNAL_COLUMNS: Column<JournalRow>[] = [
  { key: 'at', header: 'Time', width: 118, className: 'mono dim', render: (r) => (r.head ? <span title={fmtTime(r.at)}>{fmtTime(r.at).slice(5)}</span> : '') },
  { key: 'entry', header: 'Entry', render: (r) => (r.head ? <span title={r.correlationId ? `correlation ${r.correlationId}` : undefined}><span className="tag">{r.kind}</span> {r.memo}</span> : null) },
  // Wallet ids are exchange:account:kind; the kind tells the postings of one entry apart.
  { key: 'wallet', header: 'Wallet', width: 90, className: 'mono faint', render: (r) => <span title={r.walletId}>{r.walletId.split(':').pop()}</span> },
  { key: 'amount', header: 'Amount', width: 130, className: 'num', render: (r) => <><span className={sign(r.amount) < 0 ? 'down' : 'up'}>{fmtQty(r.amount)}</span> {r.currency}</> },
];

/** Drift per wallet and currency over the reconcile runs, as % of the ledger balance. */
function DriftChart({ runs }: { runs: readonly ReconcileRun[] }) {
  const series = useMemo(
    () => driftSeries(runs).map((s, i) => ({ name: s.key.replace(/^.*:/, ''), color: OVERLAY_COLORS[i % OVERLAY_COLORS.length]!, points: s.points })),
    [runs],
  );
  if (series.every((s) => s.points.length === 0)) return null;
  return (
    <div data-testid="drift-chart" style={{ borderBottom: '1px solid var(--line)' }}>
      <LineChart series={series} kind="line" unit="%" height={160} />
    </div>
  );
}

function FractionEditor({ walletId, value }: { walletId: string; value: string }) {
  const [v, setV] = useState(value);
  const set = useAction('set_tradeable_fraction');
  return (
    <span className="row" style={{ flexWrap: 'nowrap' }}>
      <input value={v} onChange={(e) => setV(e.target.value)} style={{ width: 70 }} aria-label={`Tradeable fraction of ${walletId}`} aria-invalid={!!set.error} />
      <button className="btn small" disabled={set.isPending || v === value} onClick={() => set.mutate({ walletId, fraction: v.trim() })}>Set</button>
      {set.error ? <span className="down" title={set.error.error.issues?.map((i) => i.message).join('; ') ?? set.error.message}>{set.error.error.issues?.[0]?.message ?? set.error.message}</span> : null}
    </span>
  );
}

type LiveRequest = NonNullable<ReturnType<typeof useVerb<'list_live_order_requests'>>['data']>['requests'][number];

function timeLeft(expiresAt: number, now: number): string {
  const s = Math.max(0, Math.round((expiresAt - now) / 1000));
  return s >= 60 ? `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** Live orders asked for by MCP clients or the broker: what each would do, and Approve / Deny. */
function LiveRequests() {
  const list = useVerb('list_live_order_requests', { pendingOnly: false, limit: 20 }, { refetchInterval: 15_000 });
  const decide = useAction('decide_live_order_request');
  const [notes, setNotes] = useState<Record<string, string>>({});
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  const requests = list.data?.requests ?? [];
  if (requests.length === 0 && !list.error) return null;
  const pending = requests.filter((r) => r.status === 'pending');
  const tagOf = (r: LiveRequest) => (r.status === 'done' ? (r.outcome?.status === 'filled' ? 'good' : '') : r.status === 'pending' ? 'bad' : '');
  return (
    <Panel title={pending.length ? `Live order requests — ${pending.length} waiting for you` : 'Live order requests'} flush testId="live-requests">
      <Q q={list} what="Live order requests">
        {() => (
          <div className="scroll">
            <table>
              <thead>
                <tr>
                  <th>Requested</th>
                  <th>Order</th>
                  <th className="num">Notional</th>
                  <th className="num">Fee</th>
                  <th className="num">Cost total</th>
                  <th>Why</th>
                  <th>Decision</th>
                </tr>
              </thead>
              <tbody>
                {requests.map((r) => (
                  <tr key={r.id} data-testid="live-request-row">
                    <td className="mono dim">
                      <div>{fmtTime(new Date(r.requestedAt).toISOString())}</div>
                      <div className="faint">via {r.door}</div>
                    </td>
                    <td>
                      <b className={r.order.side === 'BUY' ? 'up' : 'down'}>{String(r.order.side)}</b> {r.plan ? `${fmtQty(r.plan.qty)} ${r.plan.product}` : `${String(r.order.qty ?? r.order.notional ?? '')} ${String(r.order.product)}`}
                      {r.plan ? <span className="dim" data-testid="live-request-terms"> {orderTerms(r.plan)}</span> : null}
                      <div className="faint mono">{String(r.order.walletId)}</div>
                      {r.plan?.gate.decision === 'blocked' ? (
                        isProtectiveExit(r.plan) ? <div className="dim">an exit of a held position: the cost gate ({r.plan.gate.reason}) does not hold it back</div> : <div className="down">cost gate: {r.plan.gate.reason}</div>
                      ) : null}
                      {r.status === 'pending' && r.plan?.liveBlocker ? <div className="down">would not go live now: {r.plan.liveBlocker}</div> : null}
                    </td>
                    <td className="num">{r.plan ? fmtDec(r.plan.gate.notional, 2) : '—'}</td>
                    <td className="num">{r.plan ? fmtDec(r.plan.gate.fee, 2) : '—'}</td>
                    <td className="num" title={r.plan ? `fee ${r.plan.gate.fee} + spread ${r.plan.gate.spread} + slippage ${r.plan.gate.slippage}; expected edge ${r.plan.gate.expectedEdgeAmount}` : undefined}>{r.plan ? fmtDec(r.plan.gate.total, 2) : '—'}</td>
                    <td className="dim" style={{ maxWidth: 260 }}>{r.reason}</td>
                    <td>
                      {r.status === 'pending' ? (
                        <div className="form" style={{ gap: 4 }}>
                          <span className="dim">denied in {timeLeft(r.expiresAt, now)}</span>
                          <input placeholder="note (optional)" value={notes[r.id] ?? ''} onChange={(e) => setNotes({ ...notes, [r.id]: e.target.value })} aria-label={`Note for ${r.id}`} style={{ width: 150 }} />
                          <span className="row" style={{ flexWrap: 'nowrap' }}>
                            <button className="btn small danger" data-testid="approve-live-request" disabled={decide.isPending} onClick={() => decide.mutate({ id: r.id, approve: true, ...(notes[r.id]?.trim() ? { note: notes[r.id]!.trim() } : {}) })}>Approve</button>
                            <button className="btn small" data-testid="deny-live-request" disabled={decide.isPending} onClick={() => decide.mutate({ id: r.id, approve: false, ...(notes[r.id]?.trim() ? { note: notes[r.id]!.trim() } : {}) })}>Deny</button>
                          </span>
                        </div>
                      ) : (
                        <>
                          <span className={`tag ${tagOf(r)}`}>{r.status}</span>
                          {r.outcome ? <span className="dim"> order {r.outcome.status}{r.outcome.reason ? `: ${r.outcome.reason}` : ''}</span> : null}
                          {r.refusal ? <div className="dim">{r.refusal}</div> : null}
                          {r.decision ? <div className="faint">{r.decision.approve ? 'approved' : 'denied'} via {r.decision.door}{r.decision.note ? `: “${r.decision.note}”` : ''}</div> : null}
                        </>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Q>
      <IssuesAlert error={decide.error} />
    </Panel>
  );
}

type LiveStop = NonNullable<ReturnType<typeof useVerb<'list_ledger_stops'>>['data']>['stops'][number];

function stopKind(s: LiveStop): string {
  if (s.trigger.kind === 'stop') return `stop ${s.trigger.stopPrice ?? ''}`;
  return `trailing ${s.trigger.trailPct !== undefined ? `${Dec.of(s.trigger.trailPct).mul('100').toString()}%` : s.trigger.trailAmount ?? ''}`;
}

/** Stops Vigil watches on the live book (Coinbase has no stop-market or trailing-stop order). */
function LiveStops() {
  const list = useVerb('list_ledger_stops', { activeOnly: false, limit: 20 }, { refetchInterval: 5_000 });
  const cancel = useAction('cancel_ledger_stop');
  const stops = list.data?.stops ?? [];
  if (stops.length === 0 && !list.error) return null;
  const waiting = stops.filter((s) => s.status === 'waiting').length;
  return (
    <Panel title={waiting ? `Live stops — ${waiting} watching` : 'Live stops'} flush testId="live-stops">
      <Q q={list} what="Live stops">
        {() => (
          <div className="scroll">
            <table>
              <thead>
                <tr>
                  <th>Stop</th>
                  <th>Order when it fires</th>
                  <th className="num">Fires at</th>
                  <th className="num">Best / last</th>
                  <th>Status</th>
                </tr>
              </thead>
              <tbody>
                {stops.map((s) => (
                  <tr key={s.key} data-testid="live-stop-row">
                    <td>
                      <div>{stopKind(s)}</div>
                      <div className="faint mono">{s.key} · via {s.placedBy ?? '?'}</div>
                    </td>
                    <td>
                      <b className={s.side === 'BUY' ? 'up' : 'down'}>{s.side}</b> {fmtQty(s.qty)} {s.product} at market{s.live ? '' : <span className="dim"> (dry run)</span>}
                    </td>
                    <td className="num">{s.stop ?? '—'}</td>
                    <td className="num dim">{s.extreme ?? '—'} / {s.lastPrice ?? '—'}</td>
                    <td>
                      <span className={`tag ${s.status === 'waiting' ? 'good' : s.status === 'refused' ? 'bad' : ''}`}>{s.status}</span>
                      {s.reason ? <div className="dim">{s.reason}</div> : null}
                      {s.status === 'fired' ? <div className="dim">fired at {s.observedPrice}{s.outcome ? `: order ${s.outcome.status}${s.outcome.rule ? ` by ${s.outcome.rule}` : ''}, filled ${fmtQty(s.outcome.filledBase)}` : ', order in progress'}</div> : null}
                      {s.status === 'waiting' ? (
                        <div>
                          <button
                            className="btn small"
                            data-testid="cancel-live-stop"
                            disabled={cancel.isPending}
                            onClick={() => {
                              if (window.confirm(`Stop watching ${stopKind(s)} on ${s.qty} ${s.product}? The position is no longer protected by it.`)) cancel.mutate({ idempotencyKey: s.key, reason: 'cancelled in the app' });
                            }}
                          >
                            Cancel
                          </button>
                        </div>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Q>
      <IssuesAlert error={cancel.error} />
    </Panel>
  );
}

export function LedgerPage() {
  const wallets = useVerb('list_wallets', {}, { refetchInterval: 60_000 });
  const journal = useVerb('get_journal', { limit: 1000 });
  const reservations = useVerb('get_reservations', { limit: 100 });
  const history = useVerb('get_reconcile_history', { limit: 50 });
  const reconcile = useAction('reconcile');
  const approve = useAction('approve_correction');
  const reject = useAction('reject_correction');

  return (
    <div className="page">
      <div className="page-head">
        <h1>Ledger</h1>
        <span className="dim">Production double-entry ledger (SQLite): wallets, journal, reservations, reconcile.</span>
        <button className="btn primary" style={{ marginLeft: 'auto' }} disabled={reconcile.isPending} onClick={() => reconcile.mutate({ threshold: '0.01' })} data-testid="reconcile">
          {reconcile.isPending ? 'Reconciling…' : 'Reconcile now'}
        </button>
      </div>
      <IssuesAlert error={reconcile.error ?? approve.error ?? reject.error} />
      <LiveRequests />
      <LiveStops />
      {reconcile.data ? <div className={reconcile.data.status === 'clean' ? 'ok-note' : 'alert'}>Reconcile {reconcile.data.status}: max drift {fmtDec(reconcile.data.maxDrift, 8)}{reconcile.data.error ? ` — ${reconcile.data.error}` : ''}</div> : null}
      <Panel title="Wallets" flush testId="wallets">
        <Q q={wallets} what="Wallets">
          {(d) =>
            d.wallets.length === 0 ? (
              <Empty title="No wallets">Seed the ledger from Coinbase with <code>vigil ledger seed-from-coinbase</code>.</Empty>
            ) : (
              <table>
                <thead>
                  <tr>
                    <th>Wallet</th>
                    <th>Kind</th>
                    <th>Balances (tradeable)</th>
                    <th>Tradeable fraction</th>
                  </tr>
                </thead>
                <tbody>
                  {d.wallets.map((w) => (
                    <tr key={w.id}>
                      <td>
                        <div>{w.name}</div>
                        <div className="faint mono">{w.exchange}:{w.exchangeAccount}</div>
                      </td>
                      <td><span className="tag">{w.kind}</span></td>
                      <td className="mono">
                        {w.balances.length === 0 ? <span className="faint">empty</span> : w.balances.map((b) => (
                          <div key={b.currency}>
                            {fmtQty(b.amount)} {b.currency} <span className="faint">({fmtQty(b.tradeable)})</span>
                          </div>
                        ))}
                      </td>
                      <td>{w.kind === 'funding' || w.kind === 'trading' ? <FractionEditor walletId={w.id} value={w.tradeableFraction} /> : <span className="faint">—</span>}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )
          }
        </Q>
      </Panel>
      <Panel title="Reconcile & drift history" flush testId="reconcile-history">
        <Q q={history} what="Reconcile history">
          {(d) =>
            d.runs.length === 0 ? (
              <Empty title="No reconcile runs yet">Reconcile compares every ledger balance with Coinbase; drift above the threshold proposes a correction for you to approve or reject.</Empty>
            ) : (
              <>
              <DriftChart runs={d.runs} />
              <div className="scroll">
                <table>
                  <thead>
                    <tr>
                      <th>Run</th>
                      <th>Status</th>
                      <th>Wallet / currency</th>
                      <th className="num">Ledger</th>
                      <th className="num">Exchange</th>
                      <th className="num">Drift</th>
                      <th>Correction</th>
                    </tr>
                  </thead>
                  <tbody>
                    {d.runs.flatMap((r) =>
                      (r.drifts.length ? r.drifts : [null]).map((x, i) => (
                        <tr key={`${r.id}-${i}`}>
                          <td className="mono dim">{i === 0 ? fmtTime(r.at) : ''}</td>
                          <td>{i === 0 ? <span className={`tag ${r.status === 'clean' ? 'good' : 'bad'}`}>{r.status}</span> : null}{i === 0 && r.error ? <span className="dim"> {r.error}</span> : null}</td>
                          {x ? (
                            <>
                              <td>{x.walletId} · {x.currency}</td>
                              <td className="num">{fmtQty(x.ledgerAmount)}</td>
                              <td className="num">{fmtQty(x.exchangeAmount)}</td>
                              <td className={`num ${x.aboveThreshold ? 'down' : ''}`}>{fmtQty(x.drift)}</td>
                              <td>
                                {x.correction === 'proposed' ? (
                                  <span className="row" style={{ flexWrap: 'nowrap' }}>
                                    <button className="btn small" data-testid="approve-correction" disabled={approve.isPending} onClick={() => approve.mutate({ driftId: x.id })}>Approve</button>
                                    <button className="btn small" data-testid="reject-correction" disabled={reject.isPending} onClick={() => reject.mutate({ driftId: x.id })}>Reject</button>
                                  </span>
                                ) : (
                                  <span className="tag">{x.correction}</span>
                                )}
                              </td>
                            </>
                          ) : (
                            <td colSpan={5} className="faint">no drift</td>
                          )}
                        </tr>
                      )),
                    )}
                  </tbody>
                </table>
              </div>
              </>
            )
          }
        </Q>
      </Panel>
      <div className="grid g2">
        <Panel title="Journal" flush testId="journal">
          <Q q={journal} what="Journal">
            {(d) =>
              d.entries.length === 0 ? (
                <Empty title="No journal entries">Opening balances, fills, fees and corrections are posted here as balanced entries.</Empty>
              ) : (
                <VirtualTable rows={journalRows(d.entries)} columns={JOURNAL_COLUMNS} rowKey={(r) => r.key} rowHeight={22} height={320} rowTestId="journal-row" />
              )
            }
          </Q>
        </Panel>
        <Panel title="Reservations" flush testId="reservations">
          <Q q={reservations} what="Reservations">
            {(d) =>
              d.reservations.length === 0 ? (
                <Empty title="No reservations" />
              ) : (
                <div className="scroll">
                  <table>
                    <thead>
                      <tr>
                        <th>Created</th>
                        <th>Wallet</th>
                        <th className="num">Amount</th>
                        <th className="num">Consumed</th>
                        <th>Status</th>
                        <th>Purpose</th>
                      </tr>
                    </thead>
                    <tbody>
                      {d.reservations.map((r) => (
                        <tr key={r.id}>
                          <td className="mono dim">{fmtTime(r.createdAt)}</td>
                          <td>{r.walletId}</td>
                          <td className="num">{fmtQty(r.amount)} {r.currency}</td>
                          <td className="num">{fmtQty(r.consumed)}</td>
                          <td><span className="tag">{r.status}</span></td>
                          <td className="dim">{r.purpose}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )
            }
          </Q>
        </Panel>
      </div>
      {approve.error || reject.error ? <ErrorState error={approve.error ?? reject.error} what="Correction" /> : null}
    </div>
  );
}
