/**
 * View logic of the Ledger page: drift over reconcile runs as a share of the ledger balance (so
 * USD and ETH drift share one axis), and the journal flattened to one posting per row so the
 * virtualised table can use a fixed row height.
 */
import type { VerbResult } from '../../../core/api/contract';
import { Dec } from '../../../core/domain/decimal';

export type ReconcileRun = VerbResult<'get_reconcile_history'>['runs'][number];
export type JournalEntry = VerbResult<'get_journal'>['entries'][number];

export interface DriftSeries {
  key: string;
  currency: string;
  walletId: string;
  /** time in epoch seconds, value in percent of the ledger balance (signed: exchange minus ledger). */
  points: { time: number; value: number }[];
  /** Runs where this balance was above the threshold. */
  breaches: number;
}

/** Drift in percent of the ledger amount; a balance the ledger thinks is zero counts as 100% when the exchange has any. */
export function driftPct(ledgerAmount: string, drift: string): number {
  const l = Dec.of(ledgerAmount);
  const d = Dec.of(drift);
  if (d.isZero()) return 0;
  if (l.isZero()) return d.isNegative() ? -100 : 100;
  // Display ratio for a chart axis, computed exactly and only then turned into a float.
  return Number(d.div(l.abs()).mul(Dec.of('100')).toFixed(6));
}

export function driftSeries(runs: readonly ReconcileRun[]): DriftSeries[] {
  const by = new Map<string, DriftSeries>();
  const ordered = [...runs].filter((r) => r.status !== 'failed').sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  for (const r of ordered) {
    const time = Math.floor(Date.parse(r.at) / 1000);
    if (!Number.isFinite(time)) continue;
    for (const d of r.drifts) {
      const key = `${d.walletId} · ${d.currency}`;
      let s = by.get(key);
      if (!s) by.set(key, (s = { key, currency: d.currency, walletId: d.walletId, points: [], breaches: 0 }));
      const value = driftPct(d.ledgerAmount, d.drift);
      const last = s.points[s.points.length - 1];
      // Two runs in one second: the later one wins (the chart needs strictly increasing times).
      if (last && last.time === time) last.value = value;
      else s.points.push({ time, value });
      if (d.aboveThreshold) s.breaches++;
    }
  }
  return [...by.values()].sort((a, b) => b.breaches - a.breaches || a.key.localeCompare(b.key));
}

export interface JournalRow {
  key: string;
  entryId: string;
  /** First posting of its entry: carries the time, kind and memo. */
  head: boolean;
  at: string;
  kind: string;
  memo: string;
  correlationId: string | null;
  walletId: string;
  currency: string;
  amount: string;
}

export function journalRows(entries: readonly JournalEntry[]): JournalRow[] {
  const out: JournalRow[] = [];
  for (const e of entries) {
    e.postings.forEach((p, i) =>
      out.push({ key: `${e.id}:${i}`, entryId: e.id, head: i === 0, at: e.at, kind: e.kind, memo: e.memo, correlationId: e.correlationId, walletId: p.walletId, currency: p.currency, amount: p.amount }),
    );
  }
  return out;
}
