import { useMemo, useState } from 'react';
import { useAction, useVerb } from '../api/hooks';
import { Empty, ErrorState, IssuesAlert, Kpi, Loading, Panel, Q, Seg } from '../components/ui';
import { LineChart, type LineSeriesSpec } from '../components/LineChart';
import { decisionChains, type Chain } from '../lib/decisions';
import { AgentNowLine, useExecutionNow } from '../components/AgentNow';
import { diffLines } from '../lib/diff';
import { fmtDec, fmtNum, fmtTime } from '../lib/format';
import { useUi } from '../store';
import { EXECUTION_MODES } from '../../../core/agents/prompt-ids';
import './Agents.css';

const STEP_LABEL = { intent: 'intent', gate: 'gate', order: 'order', fill: 'fill', note: 'note' } as const;

function JudgeChart({ scores }: { scores: readonly Score[] }) {
  const equity = useVerb('get_equity_history', {}, { refetchInterval: 60_000 });
  const series = useMemo(() => judgeSeries(scores, equity.data ?? null), [scores, equity.data]);
  return (
    <div data-testid="judge-chart" style={{ borderBottom: '1px solid var(--line)' }}>
      <LineChart series={series} kind="line" height={170} />
    </div>
  );
}

function ChainRow({ c }: { c: Chain }) {
  return (
    <li data-testid="decision-chain" data-outcome={c.outcome} title={c.correlationId ? `correlation ${c.correlationId}` : undefined}>
      <div className="chain-head">
        <span className="mono dim">{fmtTime(c.at).slice(5)}</span>
        <span className="tag">{c.agent}</span>
        <span className={`tag outcome-${c.outcome}`}>{c.outcome}</span>
        {c.correlationId ? <span className="mono faint corr">{c.correlationId}</span> : null}
      </div>
      <ol className="chain-steps">
        {c.steps.map((st, i) => (
          <li key={i} className={st.ok === false ? 'bad' : st.ok ? 'good' : ''}>
            <span className="step">{STEP_LABEL[st.kind]}</span> {st.text}
          </li>
        ))}
      </ol>
    </li>
  );
}

type Score = { at: number; overall: number; mode: string; data: Record<string, unknown> };
type EquityHistory = { initialCash: string; points: readonly { t: number; equity: string }[] };
/**
 * Judge's overall score (left axis) over the paper portfolio's total return (right axis): from the
 * ledger's equity curve when it has one, else the return the judge saw at each evaluation.
 */
function judgeSeries(scores: readonly Score[], equity: EquityHistory | null): LineSeriesSpec[] {
  const asc = [...scores].sort((a, b) => a.at - b.at);
  const ret: LineSeriesSpec['points'] = [];
  const start = equity ? Number(equity.initialCash) : 0;
  if (equity && equity.points.length >= 2 && start > 0) {
    for (const p of equity.points) ret.push({ time: p.t, value: (Number(p.equity) / start - 1) * 100 });
  } else {
    for (const s of asc) {
      const m = s.data.metrics as { totalReturn?: unknown } | undefined;
      if (typeof m?.totalReturn === 'number') ret.push({ time: s.at, value: m.totalReturn * 100 });
    }
  }
  return [
    { name: 'return', color: '#4c9dff', points: ret, unit: '%' },
    { name: 'judge', color: '#e8b341', points: asc.map((s) => ({ time: s.at, value: s.overall })), scale: 'left', unit: '' },
  ];
}

const PROMPTS = ['execution-conservative', 'execution-standard', 'execution-aggressive', 'judge', 'broker'] as const;
type PromptId = (typeof PROMPTS)[number];

function ScoreTag({ v }: { v: number | null | undefined }) {
  if (v === null || v === undefined) return <span className="tag">—</span>;
  return <span className={`tag ${v >= 60 ? 'good' : v < 45 ? 'bad' : ''}`}>{v.toFixed(0)}</span>;
}

function PromptHistory() {
  const [id, setId] = useState<PromptId>('execution-standard');
  const q = useVerb('get_prompt_history', { promptId: id });
  const versions = useMemo(() => (q.data?.versions ?? []).slice().sort((a, b) => b.version - a.version), [q.data]);
  const [sel, setSel] = useState<number | null>(null);
  const cur = versions.find((v) => v.version === sel) ?? versions[0];
  const prev = cur ? versions.find((v) => v.version < cur.version) : undefined;
  const diff = cur ? diffLines(prev?.template ?? '', cur.template) : [];
  return (
    <Panel title="Prompt history" right={<select value={id} onChange={(e) => { setId(e.target.value as PromptId); setSel(null); }} aria-label="Prompt">{PROMPTS.map((p) => <option key={p}>{p}</option>)}</select>} testId="prompt-history">
      <Q q={q} what="Prompt history">
        {() =>
          versions.length === 0 ? (
            <Empty title="No versions" />
          ) : (
            <div className="grid" style={{ gridTemplateColumns: '220px 1fr' }}>
              <div className="scroll">
                <table>
                  <tbody>
                    {versions.map((v) => (
                      <tr key={v.version} onClick={() => setSel(v.version)} style={{ cursor: 'pointer', background: v.version === cur?.version ? '#1b2330' : undefined }}>
                        <td className="mono">v{v.version}</td>
                        <td>
                          <div>{v.author}</div>
                          <div className="faint">{v.reason}</div>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <div>
                <div className="dim" style={{ marginBottom: 4 }}>
                  {prev ? `v${prev.version} → v${cur!.version}` : `v${cur!.version} (first version)`} · {fmtTime(cur!.createdAt)}
                </div>
                <pre className="diff" data-testid="prompt-diff">
                  {diff.map((l, i) => (
                    <span key={i} className={l.op === '+' ? 'add' : l.op === '-' ? 'del' : ''}>
                      {l.op} {l.text}
                      {'\n'}
                    </span>
                  ))}
                </pre>
              </div>
            </div>
          )
        }
      </Q>
    </Panel>
  );
}

export function AgentsPage() {
  const status = useVerb('get_agent_status', {}, { refetchInterval: 60_000 });
  const exec = useVerb('get_execution_agent_status', {}, { refetchInterval: 60_000 });
  const logs = useVerb('get_agent_logs', { limit: 200 }, { refetchInterval: 60_000 });
  const fills = useVerb('get_transaction_history', { limit: 200 }, { refetchInterval: 60_000 });
  const portfolio = useVerb('get_portfolio_status', {}, { refetchInterval: 60_000 });
  const judge = useVerb('get_judge_scores', { limit: 20 }, { refetchInterval: 60_000 });
  const usage = useVerb('get_llm_usage', {}, { refetchInterval: 60_000 });
  const pause = useAction('pause_execution_agent');
  const resume = useAction('resume_execution_agent');
  const trigger = useAction('trigger_performance_evaluation');
  const setMode = useAction('set_execution_mode');
  const liveLogs = useUi((s) => s.agentLogs);
  const err = pause.error ?? resume.error ?? trigger.error ?? setMode.error;

  const entries = useMemo(() => {
    const seen = new Set<string>();
    const all = [...liveLogs.map((l) => ({ ...l, id: -1 })), ...(logs.data?.entries ?? [])];
    return all.filter((e) => {
      const k = `${e.at}|${e.agent}|${e.kind}|${e.summary}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    }).sort((a, b) => b.at - a.at).slice(0, 300);
  }, [liveLogs, logs.data]);
  const chains = useMemo(
    () => decisionChains(entries, fills.data?.transactions ?? [], portfolio.data?.recentBlocked ?? [], 120),
    [entries, fills.data, portfolio.data],
  );

  const x = exec.data;
  const agentNow = useExecutionNow();
  return (
    <div className="page">
      <div className="page-head">
        <h1>Agents</h1>
        {x ? (
          <>
            <Seg value={x.mode} options={EXECUTION_MODES} onChange={(mode) => setMode.mutate({ mode, reason: 'set from the cockpit' })} label="Execution mode" />
            {x.paused ? (
              <button className="btn primary" onClick={() => resume.mutate({})} data-testid="agent-resume">Resume execution</button>
            ) : (
              <button className="btn" onClick={() => pause.mutate({ reason: 'paused from the cockpit' })} data-testid="agent-pause">Pause execution</button>
            )}
          </>
        ) : null}
        <button className="btn" disabled={trigger.isPending} onClick={() => trigger.mutate({ reason: 'requested from the cockpit' })} data-testid="agent-evaluate">
          {trigger.isPending ? 'Evaluating…' : 'Evaluate now'}
        </button>
      </div>
      <IssuesAlert error={err} />
      {trigger.data ? (
        <div className="ok-note">
          Judge scored {trigger.data.scores.overall.toFixed(0)} — {trigger.data.decision.reason}
        </div>
      ) : null}
      {status.isLoading ? (
        <Loading rows={2} />
      ) : status.error ? (
        <ErrorState error={status.error} what="Agent status" />
      ) : status.data ? (
        <div className="kpis">
          <Kpi label="Execution" value={status.data.execution.running ? (status.data.execution.paused ? 'paused' : 'running') : 'stopped'} sub={`${status.data.execution.mode ?? '—'} · ${status.data.execution.decisions} decisions`} />
          <Kpi label="Last nudge" value={status.data.execution.lastNudgeAt ? fmtTime(status.data.execution.lastNudgeAt).slice(11) : '—'} sub={`${status.data.execution.nudges} nudges`} />
          <Kpi label="Judge" value={<ScoreTag v={status.data.judge.lastScore} />} sub={`${status.data.judge.evaluations} evaluations`} />
          {status.data.models.map((m) => (
            <span key={m.agent} title={m.error ?? m.reason ?? ''}>
              <Kpi label={`${m.agent} model`} value={m.configured ? m.model : 'built-in'} sub={m.configured ? (m.reachable ? 'reachable' : 'unreachable') : 'no model configured'} tone={m.configured && !m.reachable ? 'down' : undefined} />
            </span>
          ))}
          {usage.data ? <Kpi label="LLM cost" value={`$${fmtDec(usage.data.totals.costUsd, 4)}`} sub={`${usage.data.totals.calls} calls`} /> : null}
        </div>
      ) : null}
      <div className="grid g2">
        <Panel title="Decision timeline" flush testId="decision-timeline">
          {logs.isLoading ? (
            <Loading />
          ) : logs.error && entries.length === 0 ? (
            <ErrorState error={logs.error} what="Agent logs" />
          ) : chains.length === 0 ? (
            <Empty title="No decisions yet">
              The execution agent decides at each nudge once a market stream is running; each decision is followed here from intent through the risk gate to the order and its fill.
              {agentNow ? <AgentNowLine now={agentNow} /> : null}
            </Empty>
          ) : (
            <>
            {agentNow && agentNow.state !== 'acted' ? <AgentNowLine now={agentNow} /> : null}
            <ul className="chains scroll" style={{ maxHeight: 460 }}>
              {chains.map((c, i) => (
                <ChainRow key={c.correlationId ?? `n${i}`} c={c} />
              ))}
            </ul>
            </>
          )}
        </Panel>
        <Panel title="Judge scores" flush testId="judge-scores">
          <Q q={judge} what="Judge scores">
            {(d) =>
              d.scores.length === 0 ? (
                <Empty title="No evaluations yet">Press “Evaluate now” or wait for the judge's schedule.</Empty>
              ) : (
                <div>
                <JudgeChart scores={d.scores} />
                <div className="scroll" style={{ maxHeight: 280 }}>
                  <table>
                    <thead>
                      <tr>
                        <th>Time</th>
                        <th>Overall</th>
                        <th>Ret</th>
                        <th>Risk</th>
                        <th>Dec</th>
                        <th>Cons</th>
                        <th>Mode</th>
                        <th>Narrative</th>
                      </tr>
                    </thead>
                    <tbody>
                      {d.scores.map((s, i) => (
                        <tr key={i}>
                          <td className="mono dim">{fmtTime(s.at).slice(5)}</td>
                          <td><ScoreTag v={s.overall} /></td>
                          <td className="num">{s.returns.toFixed(0)}</td>
                          <td className="num">{s.risk.toFixed(0)}</td>
                          <td className="num">{s.decisionQuality.toFixed(0)}</td>
                          <td className="num">{s.consistency.toFixed(0)}</td>
                          <td>{s.mode}</td>
                          <td className="dim">{s.narrative}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
                </div>
              )
            }
          </Q>
        </Panel>
      </div>
      <Panel title="LLM usage by agent" flush testId="llm-usage">
        <Q q={usage} what="LLM usage">
          {(u) =>
            u.byAgent.length === 0 ? (
              <Empty title="No model calls yet">Without a configured model the agents use the built-in policy and the command language, which cost nothing.</Empty>
            ) : (
              <table>
                <thead>
                  <tr>
                    <th>Agent</th>
                    <th className="num">Calls</th>
                    <th className="num">Prompt tokens</th>
                    <th className="num">Completion tokens</th>
                    <th className="num">Cost (USD)</th>
                  </tr>
                </thead>
                <tbody>
                  {u.byAgent.map((a) => (
                    <tr key={a.agent}>
                      <td>{a.agent}</td>
                      <td className="num">{fmtNum(a.calls, 0)}</td>
                      <td className="num">{fmtNum(a.promptTokens, 0)}</td>
                      <td className="num">{fmtNum(a.completionTokens, 0)}</td>
                      <td className="num">{fmtDec(a.costUsd, 4)}</td>
                    </tr>
                  ))}
                  <tr>
                    <td className="dim">total{u.totals.failedCalls ? ` · ${u.totals.failedCalls} failed` : ''}{u.totals.unpricedCalls ? ` · ${u.totals.unpricedCalls} unpriced` : ''}</td>
                    <td className="num">{fmtNum(u.totals.calls, 0)}</td>
                    <td className="num">{fmtNum(u.totals.promptTokens, 0)}</td>
                    <td className="num">{fmtNum(u.totals.completionTokens, 0)}</td>
                    <td className="num">{fmtDec(u.totals.costUsd, 4)}</td>
                  </tr>
                </tbody>
              </table>
            )
          }
        </Q>
      </Panel>
      <PromptHistory />
    </div>
  );
}
