/**
 * Reconcile: the ledger against the exchange per exchange account and currency. Every run and its
 * drifts are stored; drift above the threshold becomes a proposed correcting entry (wallet <->
 * equity) that waits for the user to approve or reject it.
 */
import { Dec } from '../domain/decimal';
import type { LedgerConnection, Row } from './connection';
import { LedgerError } from './errors';
import type { EventLog } from './events';
import { rid } from './ids';
import type { Journal } from './journal';
import { walletId, type Wallets } from './wallets';

export interface DriftRow {
  id: string;
  runId: string;
  walletId: string;
  currency: string;
  ledgerAmount: string;
  exchangeAmount: string;
  drift: string;
  aboveThreshold: boolean;
  correction: 'none' | 'proposed' | 'approved' | 'rejected' | 'superseded';
  correctionEntryId: string | null;
  decidedAt: string | null;
}

export interface ReconcileRun {
  id: string;
  at: string;
  threshold: string;
  status: 'clean' | 'drift' | 'failed';
  maxDrift: string;
  error: string | null;
  drifts: DriftRow[];
}

export interface ReconcileInput {
  exchange: string;
  /** exchange account -> currency -> amount reported by the exchange */
  exchangeBalances: Record<string, Record<string, string>>;
  threshold: string;
  error?: string;
}

export class Reconciler {
  constructor(
    private readonly conn: LedgerConnection,
    private readonly wallets: Wallets,
    private readonly journal: Journal,
    private readonly events: EventLog,
  ) {}

  /**
   * Compare the ledger with the exchange per exchange account and currency (funding + trading
   * wallets together: both live in the same exchange account when it has one portfolio). Stores
   * the run and each drift; drift above the threshold gets a proposed correcting entry that waits
   * for the user's approval.
   */
  reconcile(input: ReconcileInput): ReconcileRun {
    const threshold = Dec.of(input.threshold);
    if (threshold.isNegative()) throw new LedgerError('invalid', 'threshold cannot be negative');
    const sqlite = this.conn.sqlite;
    return this.conn.tx(() => {
      const runId = rid('rec');
      const at = this.conn.nowIso();
      if (input.error) {
        sqlite
          .prepare(`INSERT INTO reconcile_runs (id, at, threshold, status, max_drift, error) VALUES (?, ?, ?, 'failed', '0', ?)`)
          .run(runId, at, threshold.toString(), input.error.slice(0, 500));
        return this.run(runId);
      }
      // Older proposals are replaced by this run's view.
      sqlite.prepare(`UPDATE reconcile_drifts SET correction = 'superseded' WHERE correction = 'proposed'`).run();
      sqlite.prepare(`INSERT INTO reconcile_runs (id, at, threshold, status, max_drift, error) VALUES (?, ?, ?, 'clean', '0', NULL)`).run(runId, at, threshold.toString());
      let maxDrift = Dec.ZERO;
      const insert = sqlite.prepare(
        `INSERT INTO reconcile_drifts (id, run_id, wallet_id, currency, ledger_amount, exchange_amount, drift, above_threshold, correction)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      const accounts = new Set<string>(Object.keys(input.exchangeBalances));
      for (const w of this.wallets.list()) if (w.exchange === input.exchange) accounts.add(w.exchangeAccount);
      for (const account of accounts) {
        const { funding } = this.wallets.ensureAccountInTx(input.exchange, account);
        const trading = walletId(input.exchange, account, 'trading');
        const ex = input.exchangeBalances[account] ?? {};
        const currencies = new Set<string>(Object.keys(ex));
        for (const b of [...this.journal.balances(funding.id), ...this.journal.balances(trading)]) currencies.add(b.currency);
        for (const cur of [...currencies].sort()) {
          this.wallets.ensureCurrency(cur);
          const ledgerAmt = Dec.of(this.journal.balance(funding.id, cur)).add(this.journal.balance(trading, cur));
          const exAmt = Dec.of(this.wallets.roundFor(cur, ex[cur] ?? '0', 'down'));
          const drift = exAmt.sub(ledgerAmt);
          const above = drift.abs().gt(threshold);
          if (drift.abs().gt(maxDrift)) maxDrift = drift.abs();
          insert.run(rid('drift'), runId, funding.id, cur, ledgerAmt.toString(), exAmt.toString(), drift.toString(), above ? 1 : 0, above ? 'proposed' : 'none');
        }
      }
      const status = maxDrift.gt(threshold) ? 'drift' : 'clean';
      sqlite.prepare(`UPDATE reconcile_runs SET status = ?, max_drift = ? WHERE id = ?`).run(status, maxDrift.toString(), runId);
      this.events.appendInTx({
        type: status === 'drift' ? 'reconcile.drift' : 'reconcile.clean',
        summary: status === 'drift' ? `reconcile found drift up to ${maxDrift.toString()} (threshold ${threshold.toString()})` : 'reconcile: ledger matches the exchange',
        data: { runId, maxDrift: maxDrift.toString(), threshold: threshold.toString() },
      });
      return this.run(runId);
    });
  }

  run(id: string): ReconcileRun {
    const r = this.conn.sqlite.prepare(`SELECT * FROM reconcile_runs WHERE id = ?`).get(id) as Row | undefined;
    if (!r) throw new LedgerError('not_found', `no reconcile run ${id}`);
    const drifts = (this.conn.sqlite.prepare(`SELECT * FROM reconcile_drifts WHERE run_id = ? ORDER BY wallet_id, currency`).all(id) as Row[]).map(mapDrift);
    return {
      id: String(r.id),
      at: String(r.at),
      threshold: String(r.threshold),
      status: r.status as ReconcileRun['status'],
      maxDrift: String(r.max_drift),
      error: (r.error as string | null) ?? null,
      drifts,
    };
  }

  history(limit = 20): ReconcileRun[] {
    const ids = this.conn.sqlite.prepare(`SELECT id FROM reconcile_runs ORDER BY at DESC, rowid DESC LIMIT ?`).all(Math.min(Math.max(limit, 1), 500)) as { id: string }[];
    return ids.map((r) => this.run(r.id));
  }

  /** Post the proposed correction (exchange is the truth; equity takes the other side). */
  approveCorrection(driftId: string, door: string): DriftRow {
    return this.conn.tx(() => {
      const d = this.drift(driftId);
      if (d.correction !== 'proposed') throw new LedgerError('conflict', `drift ${driftId} has no pending correction (it is ${d.correction})`);
      const w = this.wallets.get(d.walletId);
      const equity = walletId(w.exchange, w.exchangeAccount, 'equity');
      const { entryId } = this.journal.postInTx({
        kind: 'reconcile_correction',
        memo: `reconcile correction ${d.drift} ${d.currency} (approved via ${door})`,
        sourceRef: driftId,
        postings: [
          { walletId: d.walletId, currency: d.currency, amount: d.drift },
          { walletId: equity, currency: d.currency, amount: Dec.of(d.drift).neg().toString() },
        ],
      });
      this.conn.sqlite
        .prepare(`UPDATE reconcile_drifts SET correction = 'approved', correction_entry_id = ?, decided_at = ? WHERE id = ?`)
        .run(entryId, this.conn.nowIso(), driftId);
      this.events.appendInTx({
        type: 'reconcile.correction_approved',
        summary: `correction of ${d.drift} ${d.currency} on ${d.walletId} approved`,
        data: { driftId, entryId, door },
      });
      return this.drift(driftId);
    });
  }

  rejectCorrection(driftId: string, door: string): DriftRow {
    return this.conn.tx(() => {
      const d = this.drift(driftId);
      if (d.correction !== 'proposed') throw new LedgerError('conflict', `drift ${driftId} has no pending correction (it is ${d.correction})`);
      this.conn.sqlite.prepare(`UPDATE reconcile_drifts SET correction = 'rejected', decided_at = ? WHERE id = ?`).run(this.conn.nowIso(), driftId);
      this.events.appendInTx({ type: 'reconcile.correction_rejected', summary: `correction of ${d.drift} ${d.currency} rejected`, data: { driftId, door } });
      return this.drift(driftId);
    });
  }

  drift(id: string): DriftRow {
    const r = this.conn.sqlite.prepare(`SELECT * FROM reconcile_drifts WHERE id = ?`).get(id) as Row | undefined;
    if (!r) throw new LedgerError('not_found', `no drift ${id}`);
    return mapDrift(r);
  }
}

function mapDrift(r: Row): DriftRow {
  return {
    id: String(r.id),
    runId: String(r.run_id),
    walletId: String(r.wallet_id),
    currency: String(r.currency),
    ledgerAmount: String(r.ledger_amount),
    exchangeAmount: String(r.exchange_amount),
    drift: String(r.drift),
    aboveThreshold: r.above_threshold === 1,
    correction: r.correction as DriftRow['correction'],
    correctionEntryId: (r.correction_entry_id as string | null) ?? null,
    decidedAt: (r.decided_at as string | null) ?? null,
  };
}
