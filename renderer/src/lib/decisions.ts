/**
 * The decision timeline: every step that shares a correlation id — the agent's intent, the risk
 * gate, the order, the fill — folded into one chain, newest first. Sources are the agents' log,
 * the paper fills and the blocked orders; each carries the correlation id it was created under.
 */
import type { VerbResult } from '../../../core/api/contract';
import { fmtDec, fmtQty } from './format';

export type LogEntry = Pick<VerbResult<'get_agent_logs'>['entries'][number], 'at' | 'agent' | 'kind' | 'correlationId' | 'summary' | 'data'>;
export type Fill = VerbResult<'get_transaction_history'>['transactions'][number];
export type Blocked = Pick<VerbResult<'get_portfolio_status'>['recentBlocked'][number], 'symbol' | 'side' | 'rule' | 'reason' | 'at' | 'correlationId' | 'agent'>;

export type StepKind = 'intent' | 'gate' | 'order' | 'fill' | 'note';
export interface Step {
  kind: StepKind;
  at: number;
  ok: boolean | null;
  text: string;
}

export interface Chain {
  correlationId: string | null;
  at: number;
  agent: string;
  /** What the chain came to: filled, blocked, held, skipped, or the last step's kind. */
  outcome: 'filled' | 'blocked' | 'rejected' | 'hold' | 'skip' | 'open' | 'note';
  steps: Step[];
}

const rec = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

function intentOf(e: LogEntry): Step[] {
  const d = rec(e.data);
  const edge = typeof d.expectedEdgeBps === 'number' ? ` · edge ${d.expectedEdgeBps.toFixed(0)} bps` : '';
  const by = typeof d.source === 'string' ? ` (${d.source})` : '';
  const steps: Step[] = [{ kind: 'intent', at: e.at, ok: null, text: `${e.summary}${edge}${by}` }];
  const order = rec(d.order);
  if (typeof order.ok === 'boolean') steps.push({ kind: 'order', at: e.at, ok: order.ok, text: String(order.summary ?? (order.ok ? 'order placed' : 'order refused')) });
  return steps;
}

export function decisionChains(logs: readonly LogEntry[], fills: readonly Fill[], blocked: readonly Blocked[], limit = 100): Chain[] {
  const byId = new Map<string, Chain>();
  const loose: Chain[] = [];
  const chainFor = (id: string | null, at: number, agent: string): Chain => {
    if (!id) {
      const c: Chain = { correlationId: null, at, agent, outcome: 'note', steps: [] };
      loose.push(c);
      return c;
    }
    let c = byId.get(id);
    if (!c) byId.set(id, (c = { correlationId: id, at, agent, outcome: 'note', steps: [] }));
    c.at = Math.max(c.at, at);
    return c;
  };

  for (const e of logs) {
    const c = chainFor(e.correlationId, e.at, e.agent);
    if (e.kind === 'decision' || e.kind === 'skip') c.steps.push(...intentOf(e));
    // A chat turn is the intent behind the orders it placed (they share its correlation id).
    else if (e.kind === 'chat') c.steps.push({ kind: 'intent', at: e.at, ok: null, text: `chat: ${e.summary}` });
    else c.steps.push({ kind: 'note', at: e.at, ok: null, text: `${e.kind}: ${e.summary}` });
    const action = rec(e.data).action;
    if (e.kind === 'skip' || action === 'skip') c.outcome = c.outcome === 'note' ? 'skip' : c.outcome;
    else if (action === 'hold') c.outcome = c.outcome === 'note' ? 'hold' : c.outcome;
  }
  for (const b of blocked) {
    const c = chainFor(b.correlationId, b.at, b.agent);
    c.steps.push({ kind: 'gate', at: b.at, ok: false, text: `${b.side} ${b.symbol} blocked by ${b.rule}: ${b.reason}` });
    c.outcome = 'blocked';
  }
  for (const f of fills) {
    const c = chainFor(f.correlationId, f.time, f.agent);
    if (!c.steps.some((s) => s.kind === 'gate')) c.steps.push({ kind: 'gate', at: f.time, ok: true, text: 'risk limits passed' });
    c.steps.push({ kind: 'fill', at: f.time, ok: true, text: `${f.side} ${fmtQty(f.quantity)} ${f.symbol} @ ${fmtDec(f.price)} · fee ${fmtDec(f.fee, 4)}` });
    c.outcome = 'filled';
  }
  const order: Record<StepKind, number> = { intent: 0, gate: 1, order: 2, fill: 3, note: 4 };
  const all = [...byId.values(), ...loose];
  for (const c of all) {
    c.steps.sort((a, b) => order[a.kind] - order[b.kind] || a.at - b.at);
    if (c.outcome === 'note') {
      const o = c.steps.find((s) => s.kind === 'order');
      if (o) c.outcome = o.ok ? 'open' : 'rejected';
    }
  }
  return all.sort((a, b) => b.at - a.at).slice(0, limit);
}
