/**
 * What every part of the ledger works over: one better-sqlite3 connection to the ledger file, the
 * clock, and the transaction. A business operation (a post, a reservation, a fill, a reconcile
 * run) is one `tx()`: it happens whole or not at all.
 *
 * The transaction also holds the balance changes of the postings written inside it: they are
 * accumulated in memory while the IMMEDIATE transaction holds the write lock and written once per
 * wallet and currency before commit; a throw discards them with the rollback.
 */
import type { Statement } from 'better-sqlite3';
import type { Logger } from '../runtime/log';
import { openDb, type LedgerDrizzle, type SqliteDb } from './db';
import { fromUnits } from './units';

/** A row as better-sqlite3 returns it. */
export type Row = Record<string, unknown>;

/** A wallet's balance in one currency as the current transaction has changed it. */
export interface PendingBalance {
  walletId: string;
  currency: string;
  units: bigint;
  precision: number;
  dirty: boolean;
}

export class LedgerConnection {
  readonly sqlite: SqliteDb;
  readonly db: LedgerDrizzle;
  readonly schemaVersion: number;
  readonly log: Logger;
  private readonly clock: () => Date;
  private readonly balanceUnits: Statement;
  private readonly upsertBalance: Statement;
  private pending: Map<string, PendingBalance> | null = null;

  constructor(file: string, opts: { log: Logger; migrationsFolder?: string; now?: () => Date }) {
    const { sqlite, db, schemaVersion } = openDb(file, { migrationsFolder: opts.migrationsFolder });
    this.sqlite = sqlite;
    this.db = db;
    this.schemaVersion = schemaVersion;
    this.log = opts.log.child('ledger');
    this.clock = opts.now ?? (() => new Date());
    this.balanceUnits = sqlite.prepare(`SELECT units FROM balances WHERE wallet_id = ? AND currency = ?`).safeIntegers(true);
    this.upsertBalance = sqlite.prepare(
      `INSERT INTO balances (wallet_id, currency, amount, units) VALUES (?, ?, ?, ?)
         ON CONFLICT(wallet_id, currency) DO UPDATE SET amount = excluded.amount, units = excluded.units`,
    );
  }

  close(): void {
    if (this.sqlite.open) this.sqlite.close();
  }

  now(): Date {
    return this.clock();
  }

  nowIso(): string {
    return this.clock().toISOString();
  }

  /**
   * Run `fn` in one immediate transaction (takes the write lock up front: no upgrade deadlocks).
   * Balance changes are accumulated in memory while the transaction holds the write lock and
   * written once per wallet and currency before commit; a throw discards them with the rollback.
   */
  tx<T>(fn: () => T): T {
    if (this.pending) {
      // A nested call is a savepoint: if it rolls back, so must its share of the pending balances.
      const snapshot = new Map([...this.pending].map(([k, v]) => [k, { ...v }]));
      try {
        return this.sqlite.transaction(fn)();
      } catch (err) {
        this.pending = snapshot;
        throw err;
      }
    }
    return this.sqlite.transaction(() => {
      // Postings precede their entry row (whose insert trigger checks the balance); the foreign key
      // from postings to the entry is checked at commit. Reset by SQLite when the transaction ends.
      // Not a cached prepared statement: on a freshly opened connection a prepared copy of this
      // pragma turned out to be a no-op for the first transaction.
      this.sqlite.exec('PRAGMA defer_foreign_keys = ON');
      this.pending = new Map();
      try {
        const out = fn();
        this.flushBalances();
        return out;
      } finally {
        this.pending = null;
      }
    }).immediate();
  }

  /** The balance changes of the open transaction, keyed by `balanceKey`; null outside `tx()`. */
  pendingBalances(): Map<string, PendingBalance> | null {
    return this.pending;
  }

  /** A wallet's balance in units: as the open transaction left it, else as stored. */
  currentUnits(walletId: string, currency: string): bigint {
    const cached = this.pending?.get(balanceKey(walletId, currency));
    if (cached) return cached.units;
    return (this.balanceUnits.get(walletId, currency) as { units: bigint } | undefined)?.units ?? 0n;
  }

  /** Write one row of the balance projection (text and units). */
  writeBalance(walletId: string, currency: string, units: bigint, precision: number): void {
    this.upsertBalance.run(walletId, currency, fromUnits(units, precision), units);
  }

  private flushBalances(): void {
    if (!this.pending) return;
    for (const b of this.pending.values()) {
      if (b.dirty) this.writeBalance(b.walletId, b.currency, b.units, b.precision);
    }
  }
}

export function balanceKey(walletId: string, currency: string): string {
  return `${walletId}\u0000${currency}`;
}
