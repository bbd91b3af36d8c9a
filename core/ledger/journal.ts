/**
 * The double-entry journal: entries and their postings, the balance projection they feed, and the
 * checks that prove the two agree. Every entry balances per currency (checked here with BigInt
 * sums, and again by the database's trigger when the entry row is written sealed); a user wallet
 * never goes negative.
 *
 * Hot paths use prepared statements (the bench target is tens of thousands of entries a second).
 */
import type { Statement } from 'better-sqlite3';
import { balanceKey, type LedgerConnection, type Row } from './connection';
import { LedgerError } from './errors';
import { rid } from './ids';
import { fromUnits, toUnits } from './units';
import { USER_WALLET_KINDS, type WalletKind, type Wallets } from './wallets';

export interface PostingInput {
  walletId: string;
  currency: string;
  amount: string;
}

export interface EntryInput {
  kind: string;
  memo: string;
  postings: PostingInput[];
  at?: string;
  correlationId?: string | null;
  /** Unique per kind: posting the same source twice returns the first entry. */
  sourceRef?: string | null;
}

export interface PostResult {
  entryId: string;
  duplicate: boolean;
}

/** A sealed entry with its postings, as `journal()` lists them. */
export interface JournalEntry {
  id: string;
  kind: string;
  memo: string;
  at: string;
  correlationId: string | null;
  sourceRef: string | null;
  postings: PostingInput[];
}

export interface JournalQuery {
  walletId?: string;
  correlationId?: string;
  limit?: number;
  before?: string;
}

export class Journal {
  private readonly insertEntry: Statement;
  private readonly entryBySource: Statement;
  private readonly insertPosting: Statement;

  constructor(
    private readonly conn: LedgerConnection,
    private readonly wallets: Wallets,
  ) {
    const p = (s: string) => conn.sqlite.prepare(s);
    this.insertEntry = p(`INSERT INTO journal_entries (id, kind, memo, at, sealed, correlation_id, source_ref) VALUES (?, ?, ?, ?, 1, ?, ?)`);
    this.entryBySource = p(`SELECT id FROM journal_entries WHERE kind = ? AND source_ref = ?`);
    this.insertPosting = p(`INSERT INTO postings (entry_id, wallet_id, currency, amount, units) VALUES (?, ?, ?, ?, ?)`);
  }

  /** Post one balanced entry; the whole entry (postings, balances, seal) is one transaction. */
  post(entry: EntryInput): PostResult {
    return this.conn.tx(() => this.postInTx(entry));
  }

  /** Post many entries in one transaction (imports, the bench); each is checked on its own. */
  postMany(entries: EntryInput[]): PostResult[] {
    return this.conn.tx(() => entries.map((e) => this.postInTx(e)));
  }

  postInTx(entry: EntryInput): PostResult {
    if (entry.sourceRef) {
      const existing = this.entryBySource.get(entry.kind, entry.sourceRef) as { id: string } | undefined;
      if (existing) return { entryId: existing.id, duplicate: true };
    }
    if (!Array.isArray(entry.postings) || entry.postings.length < 2) throw new LedgerError('invalid', 'a journal entry needs at least two postings');
    const sums = new Map<string, bigint>();
    const prepared: { walletId: string; currency: string; amount: string; units: bigint; precision: number }[] = [];
    for (const p of entry.postings) {
      const kind = this.wallets.kindOf(p.walletId);
      if (!kind) throw new LedgerError('not_found', `no wallet ${JSON.stringify(p.walletId)}`);
      const precision = this.wallets.knownPrecision(p.currency) ?? this.wallets.ensureCurrency(p.currency);
      const units = toUnits(p.amount, precision, `${p.currency} amount`);
      if (units === 0n) throw new LedgerError('invalid', 'a posting of zero is not allowed');
      sums.set(p.currency, (sums.get(p.currency) ?? 0n) + units);
      prepared.push({ walletId: p.walletId, currency: p.currency, amount: fromUnits(units, precision), units, precision });
    }
    for (const [cur, sum] of sums) {
      if (sum !== 0n) throw new LedgerError('invalid', `entry does not balance in ${cur}: off by ${fromUnits(sum, this.wallets.precision(cur))}`);
    }
    const id = rid('je');
    const pending = this.conn.pendingBalances();
    if (!pending) throw new LedgerError('integrity', 'postInTx must run inside Ledger.tx');
    for (const p of prepared) {
      this.insertPosting.run(id, p.walletId, p.currency, p.amount, p.units);
      const key = balanceKey(p.walletId, p.currency);
      let bal = pending.get(key);
      if (!bal) {
        bal = { walletId: p.walletId, currency: p.currency, units: this.conn.currentUnits(p.walletId, p.currency), precision: p.precision, dirty: false };
        pending.set(key, bal);
      }
      const next = bal.units + p.units;
      if (next < 0n && USER_WALLET_KINDS.includes(this.wallets.kindOf(p.walletId) as WalletKind)) {
        throw new LedgerError('insufficient', `${p.walletId} would go negative in ${p.currency}: balance ${fromUnits(bal.units, p.precision)}, posting ${p.amount}`);
      }
      bal.units = next;
      bal.dirty = true;
    }
    this.insertEntry.run(id, entry.kind, entry.memo, entry.at ?? this.conn.nowIso(), entry.correlationId ?? null, entry.sourceRef ?? null);
    return { entryId: id, duplicate: false };
  }

  balance(walletId: string, currency: string): string {
    const units = this.conn.currentUnits(walletId, currency);
    if (units === 0n) return '0';
    return fromUnits(units, this.wallets.precision(currency));
  }

  balances(walletId?: string): { walletId: string; currency: string; amount: string }[] {
    const rows = (
      walletId
        ? this.conn.sqlite.prepare(`SELECT wallet_id, currency, amount FROM balances WHERE wallet_id = ? ORDER BY currency`).all(walletId)
        : this.conn.sqlite.prepare(`SELECT wallet_id, currency, amount FROM balances ORDER BY wallet_id, currency`).all()
    ) as { wallet_id: string; currency: string; amount: string }[];
    return rows.map((r) => ({ walletId: r.wallet_id, currency: r.currency, amount: r.amount }));
  }

  entries(opts: JournalQuery = {}): JournalEntry[] {
    const where: string[] = ['e.sealed = 1'];
    const args: unknown[] = [];
    if (opts.walletId) {
      where.push(`e.id IN (SELECT entry_id FROM postings WHERE wallet_id = ?)`);
      args.push(opts.walletId);
    }
    if (opts.correlationId) {
      where.push('e.correlation_id = ?');
      args.push(opts.correlationId);
    }
    if (opts.before) {
      where.push('e.at < ?');
      args.push(opts.before);
    }
    const limit = Math.min(Math.max(opts.limit ?? 100, 1), 1000);
    const entries = this.conn.sqlite
      .prepare(`SELECT e.* FROM journal_entries e WHERE ${where.join(' AND ')} ORDER BY e.at DESC, e.rowid DESC LIMIT ${limit}`)
      .all(...args) as Row[];
    const ps = this.conn.sqlite.prepare(`SELECT wallet_id, currency, amount FROM postings WHERE entry_id = ? ORDER BY id`);
    return entries.map((e) => ({
      id: String(e.id),
      kind: String(e.kind),
      memo: String(e.memo),
      at: String(e.at),
      correlationId: (e.correlation_id as string | null) ?? null,
      sourceRef: (e.source_ref as string | null) ?? null,
      postings: (ps.all(e.id) as { wallet_id: string; currency: string; amount: string }[]).map((p) => ({
        walletId: p.wallet_id,
        currency: p.currency,
        amount: p.amount,
      })),
    }));
  }

  /** Problems found, empty when the projection equals the postings and every entry balances. */
  verify(): string[] {
    const sqlite = this.conn.sqlite;
    const problems: string[] = [];
    const unbalanced = sqlite
      .prepare(`SELECT entry_id, currency, sum(units) AS s FROM postings GROUP BY entry_id, currency HAVING sum(units) <> 0 LIMIT 20`)
      .all() as { entry_id: string; currency: string }[];
    for (const u of unbalanced) problems.push(`entry ${u.entry_id} does not balance in ${u.currency}`);
    const open = sqlite.prepare(`SELECT id FROM journal_entries WHERE sealed = 0 LIMIT 20`).all() as { id: string }[];
    for (const o of open) problems.push(`entry ${o.id} was never sealed`);
    const mismatched = sqlite
      .prepare(
        `WITH p AS (SELECT wallet_id, currency, sum(units) AS u FROM postings GROUP BY wallet_id, currency)
         SELECT coalesce(p.wallet_id, b.wallet_id) AS w, coalesce(p.currency, b.currency) AS c, p.u AS pu, b.units AS bu
         FROM p FULL OUTER JOIN balances b ON b.wallet_id = p.wallet_id AND b.currency = p.currency
         WHERE coalesce(p.u, 0) <> coalesce(b.units, 0) LIMIT 20`,
      )
      .safeIntegers(true)
      .all() as { w: string; c: string; pu: bigint | null; bu: bigint | null }[];
    for (const m of mismatched) problems.push(`balance of ${m.w} ${m.c} is ${String(m.bu ?? 0n)} units but postings sum to ${String(m.pu ?? 0n)}`);
    const textMismatch = sqlite.prepare(`SELECT wallet_id, currency, amount, units FROM balances`).safeIntegers(true).all() as {
      wallet_id: string;
      currency: string;
      amount: string;
      units: bigint;
    }[];
    for (const b of textMismatch) {
      if (fromUnits(b.units, this.wallets.precision(b.currency)) !== b.amount) problems.push(`balance text of ${b.wallet_id} ${b.currency} disagrees with its units`);
    }
    const negative = sqlite
      .prepare(`SELECT b.wallet_id, b.currency FROM balances b JOIN wallets w ON w.id = b.wallet_id WHERE w.kind IN ('funding','trading') AND b.units < 0`)
      .all() as { wallet_id: string; currency: string }[];
    for (const n of negative) problems.push(`${n.wallet_id} is negative in ${n.currency}`);
    return problems;
  }

  /** Recompute the balance projection from the postings (the postings are the truth). */
  rebuildBalances(): void {
    this.conn.tx(() => {
      this.conn.sqlite.prepare(`DELETE FROM balances`).run();
      const rows = this.conn.sqlite
        .prepare(`SELECT wallet_id, currency, sum(units) AS u FROM postings GROUP BY wallet_id, currency`)
        .safeIntegers(true)
        .all() as { wallet_id: string; currency: string; u: bigint }[];
      for (const r of rows) this.conn.writeBalance(r.wallet_id, r.currency, r.u, this.wallets.precision(r.currency));
    });
  }
}
