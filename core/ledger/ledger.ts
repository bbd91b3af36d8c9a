/**
 * The production ledger: double-entry journal, balance projection, reservations, orders, fills,
 * cost decisions, idempotency keys, reconcile history, settings and the domain event log, over one
 * SQLite file. Every write that touches money is one SQLite transaction: it either happens whole
 * or not at all, and the database's own triggers refuse an unbalanced or edited entry.
 *
 * Hot paths use prepared statements (the bench target is tens of thousands of entries a second);
 * drizzle owns the schema and migrations.
 */
import crypto from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import { Dec } from '../domain/decimal';
import { CURRENCY_RE, parseProduct } from '../domain/product';
import type { Logger } from '../runtime/log';
import { openDb, type LedgerDrizzle, type SqliteDb } from './db';
import { LedgerError } from './errors';
import { LIVE_ARM_PHRASE, SETTING_LIVE_ARMED } from './live';
import { fromUnits, toUnits } from './units';
import type { CostGateResult } from './cost-gate';

export type WalletKind = 'funding' | 'trading' | 'equity' | 'fees' | 'market';
export const USER_WALLET_KINDS: readonly WalletKind[] = ['funding', 'trading'];

export interface Wallet {
  id: string;
  exchange: string;
  exchangeAccount: string;
  kind: WalletKind;
  name: string;
  tradeableFraction: string;
  createdAt: string;
}

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

export interface Reservation {
  id: string;
  walletId: string;
  currency: string;
  amount: string;
  consumed: string;
  status: 'active' | 'consumed' | 'released' | 'expired';
  purpose: string;
  createdAt: string;
  expiresAt: string;
  closedAt: string | null;
  correlationId: string | null;
}

export type OrderStatus = 'dry_run' | 'blocked' | 'submitting' | 'open' | 'filled' | 'cancelled' | 'rejected' | 'failed';

export interface OrderRow {
  id: string;
  clientOrderId: string;
  exchangeOrderId: string | null;
  walletId: string;
  product: string;
  side: 'BUY' | 'SELL';
  orderType: 'market' | 'limit' | 'stop_limit' | 'bracket';
  baseSize: string | null;
  quoteSize: string | null;
  limitPrice: string | null;
  postOnly: boolean;
  mode: 'dry_run' | 'live';
  status: OrderStatus;
  reason: string | null;
  filledBase: string;
  reservationId: string | null;
  costEstimateId: string | null;
  preview: unknown;
  createdAt: string;
  updatedAt: string;
  correlationId: string | null;
  /** Who placed it: the door it came through (user, cli, mcp, broker, execution-agent, test). */
  placedBy: string | null;
  /** What refused a blocked order: kill_switch, a risk limit's rule, or cost_gate. */
  blockRule: string | null;
  /** When it was first handed to the exchange (before any answer), or null if it never was. */
  sentAt: string | null;
  /** A stop-limit's stop, a bracket's stop trigger. */
  stopPrice: string | null;
}

/** A fill of a live order, as the order port's risk check reads them. */
export interface LiveFillRow {
  product: string;
  side: 'BUY' | 'SELL';
  size: string;
  price: string;
  fee: string;
  /** ISO time of the trade. */
  at: string;
}

export interface FillInput {
  tradeId: string;
  orderId: string;
  size: string;
  price: string;
  fee: string;
  liquidity?: 'MAKER' | 'TAKER' | 'UNKNOWN';
  at?: string;
}

export interface DomainEvent {
  seq: number;
  id: string;
  type: string;
  at: string;
  recordedAt: string;
  correlationId: string | null;
  causationId: string | null;
  summary: string;
  data: Record<string, unknown>;
}

export interface AppendEventInput {
  type: string;
  summary: string;
  data?: Record<string, unknown>;
  id?: string;
  at?: string;
  correlationId?: string | null;
  causationId?: string | null;
}

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

export interface LedgerOptions {
  log: Logger;
  migrationsFolder?: string;
  /** Injected clock (tests); ISO strings are what the ledger stores. */
  now?: () => Date;
  /** New event listener (the host forwards these to the bus as `domain.event`). */
  onEvent?: (e: DomainEvent) => void;
  defaultPrecision?: number;
}

const FIAT_LIKE = new Set(['USD', 'USDC', 'USDT', 'EUR', 'GBP']);
const DEFAULT_RESERVATION_TTL_MS = 15 * 60_000;

export { LIVE_ARM_PHRASE };

type Row = Record<string, unknown>;

// Time-ordered ids: index inserts land at the right edge of the b-tree instead of at random
// pages (a large share of posting throughput), and ids sort in creation order.
const ID_SALT = crypto.randomBytes(3).toString('hex');
let idSeq = 0;
function rid(prefix: string): string {
  idSeq = (idSeq + 1) % 0x1000000;
  return `${prefix}_${Date.now().toString(36).padStart(9, '0')}${idSeq.toString(36).padStart(5, '0')}${ID_SALT}`;
}

export function hashRequest(value: unknown): string {
  return crypto.createHash('sha256').update(stableJson(value)).digest('hex');
}

function stableJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`)
    .join(',')}}`;
}

export class Ledger {
  readonly sqlite: SqliteDb;
  readonly db: LedgerDrizzle;
  readonly schemaVersion: number;
  private readonly log: Logger;
  private readonly clock: () => Date;
  private readonly onEvent?: (e: DomainEvent) => void;
  private readonly defaultPrecision: number;
  private readonly precisions = new Map<string, number>();
  private readonly walletKinds = new Map<string, WalletKind>();
  private readonly st: Record<string, Statement>;

  constructor(
    readonly file: string,
    opts: LedgerOptions,
  ) {
    const { sqlite, db, schemaVersion } = openDb(file, { migrationsFolder: opts.migrationsFolder });
    this.sqlite = sqlite;
    this.db = db;
    this.schemaVersion = schemaVersion;
    this.log = opts.log.child('ledger');
    this.clock = opts.now ?? (() => new Date());
    this.onEvent = opts.onEvent;
    this.defaultPrecision = opts.defaultPrecision ?? 8;
    const p = (s: string) => sqlite.prepare(s);
    this.st = {
      insertEntry: p(`INSERT INTO journal_entries (id, kind, memo, at, sealed, correlation_id, source_ref) VALUES (?, ?, ?, ?, 1, ?, ?)`),
      entryBySource: p(`SELECT id FROM journal_entries WHERE kind = ? AND source_ref = ?`),
      insertPosting: p(`INSERT INTO postings (entry_id, wallet_id, currency, amount, units) VALUES (?, ?, ?, ?, ?)`),
      balanceUnits: p(`SELECT units FROM balances WHERE wallet_id = ? AND currency = ?`).safeIntegers(true),
      upsertBalance: p(
        `INSERT INTO balances (wallet_id, currency, amount, units) VALUES (?, ?, ?, ?)
         ON CONFLICT(wallet_id, currency) DO UPDATE SET amount = excluded.amount, units = excluded.units`,
      ),
      reservedUnits: p(`SELECT coalesce(sum(units), 0) AS u FROM reservations WHERE wallet_id = ? AND currency = ? AND status = 'active'`).safeIntegers(
        true,
      ),
      insertEvent: p(
        `INSERT INTO events (id, type, at, recorded_at, correlation_id, causation_id, summary, data_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
    };
    for (const r of sqlite.prepare(`SELECT code, precision FROM currencies`).all() as { code: string; precision: number }[]) {
      this.precisions.set(r.code, r.precision);
    }
    for (const r of sqlite.prepare(`SELECT id, kind FROM wallets`).all() as { id: string; kind: WalletKind }[]) this.walletKinds.set(r.id, r.kind);
  }

  close(): void {
    if (this.sqlite.open) this.sqlite.close();
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

  private pending: Map<string, { walletId: string; currency: string; units: bigint; precision: number; dirty: boolean }> | null = null;

  private flushBalances(): void {
    if (!this.pending) return;
    for (const b of this.pending.values()) {
      if (b.dirty) this.st.upsertBalance!.run(b.walletId, b.currency, fromUnits(b.units, b.precision), b.units);
    }
  }

  private currentUnits(walletId: string, currency: string): bigint {
    const cached = this.pending?.get(`${walletId}\u0000${currency}`);
    if (cached) return cached.units;
    return (this.st.balanceUnits!.get(walletId, currency) as { units: bigint } | undefined)?.units ?? 0n;
  }

  // ---------------------------------------------------------------- currencies and wallets

  ensureCurrency(code: string, precision?: number): number {
    const known = this.precisions.get(code);
    if (known !== undefined) return known;
    if (!CURRENCY_RE.test(code)) throw new LedgerError('invalid', `invalid currency code ${JSON.stringify(code)}`);
    const p = precision ?? (FIAT_LIKE.has(code) ? 8 : this.defaultPrecision);
    if (!Number.isInteger(p) || p < 0 || p > 12) throw new LedgerError('invalid', `precision for ${code} must be 0..12`);
    this.sqlite.prepare(`INSERT OR IGNORE INTO currencies (code, precision) VALUES (?, ?)`).run(code, p);
    const row = this.sqlite.prepare(`SELECT precision FROM currencies WHERE code = ?`).get(code) as { precision: number };
    this.precisions.set(code, row.precision);
    return row.precision;
  }

  precision(code: string): number {
    const p = this.precisions.get(code);
    if (p === undefined) throw new LedgerError('not_found', `unknown currency ${code}`);
    return p;
  }

  /** Round an amount to what the ledger keeps for the currency (creating the currency if new). */
  roundFor(code: string, amount: Dec | string, mode: 'half-even' | 'up' | 'down' = 'half-even'): string {
    return Dec.of(amount).round(this.ensureCurrency(code), mode).toString();
  }

  static walletId(exchange: string, account: string, kind: WalletKind): string {
    return `${exchange}:${account}:${kind}`;
  }

  ensureWallet(input: { exchange: string; exchangeAccount: string; kind: WalletKind; name?: string }): Wallet {
    const id = Ledger.walletId(input.exchange, input.exchangeAccount, input.kind);
    const at = this.nowIso();
    this.sqlite
      .prepare(
        `INSERT OR IGNORE INTO wallets (id, exchange, exchange_account, kind, name, tradeable_fraction, created_at) VALUES (?, ?, ?, ?, ?, '0', ?)`,
      )
      .run(id, input.exchange, input.exchangeAccount, input.kind, input.name ?? `${input.exchange} ${input.kind}`, at);
    this.walletKinds.set(id, input.kind);
    return this.wallet(id);
  }

  /** The funding and trading wallets of one exchange account, plus their counter-accounts. */
  ensureAccount(exchange: string, exchangeAccount: string, name?: string): { funding: Wallet; trading: Wallet } {
    return this.tx(() => {
      for (const kind of ['equity', 'fees', 'market'] as const) this.ensureWallet({ exchange, exchangeAccount, kind, name: `${name ?? exchange} ${kind}` });
      return {
        funding: this.ensureWallet({ exchange, exchangeAccount, kind: 'funding', name: `${name ?? exchange} funding` }),
        trading: this.ensureWallet({ exchange, exchangeAccount, kind: 'trading', name: `${name ?? exchange} trading` }),
      };
    });
  }

  wallet(id: string): Wallet {
    const r = this.sqlite.prepare(`SELECT * FROM wallets WHERE id = ?`).get(id) as Row | undefined;
    if (!r) throw new LedgerError('not_found', `no wallet ${JSON.stringify(id)}; list them with \`vigil wallet list\``);
    return mapWallet(r);
  }

  listWallets(opts: { includeCounter?: boolean } = {}): Wallet[] {
    const rows = this.sqlite
      .prepare(`SELECT * FROM wallets ${opts.includeCounter ? '' : `WHERE kind IN ('funding','trading')`} ORDER BY exchange, exchange_account, kind`)
      .all() as Row[];
    return rows.map(mapWallet);
  }

  setTradeableFraction(walletId: string, fraction: string): Wallet {
    const f = Dec.of(fraction);
    if (f.isNegative() || f.gt(Dec.ONE)) throw new LedgerError('invalid', `tradeable fraction must be between 0 and 1, got ${fraction}`);
    const w = this.wallet(walletId);
    if (!USER_WALLET_KINDS.includes(w.kind)) throw new LedgerError('invalid', `${walletId} is a ${w.kind} account, not a wallet`);
    this.tx(() => {
      this.sqlite.prepare(`UPDATE wallets SET tradeable_fraction = ? WHERE id = ?`).run(f.toString(), walletId);
      this.appendEventInTx({
        type: 'wallet.fraction_set',
        summary: `${walletId}: tradeable fraction ${w.tradeableFraction} -> ${f.toString()}`,
        data: { walletId, from: w.tradeableFraction, to: f.toString() },
      });
    });
    return this.wallet(walletId);
  }

  // ---------------------------------------------------------------- journal

  /** Post one balanced entry; the whole entry (postings, balances, seal) is one transaction. */
  post(entry: EntryInput): PostResult {
    return this.tx(() => this.postInTx(entry));
  }

  /** Post many entries in one transaction (imports, the bench); each is checked on its own. */
  postMany(entries: EntryInput[]): PostResult[] {
    return this.tx(() => entries.map((e) => this.postInTx(e)));
  }

  postInTx(entry: EntryInput): PostResult {
    if (entry.sourceRef) {
      const existing = this.st.entryBySource!.get(entry.kind, entry.sourceRef) as { id: string } | undefined;
      if (existing) return { entryId: existing.id, duplicate: true };
    }
    if (!Array.isArray(entry.postings) || entry.postings.length < 2) throw new LedgerError('invalid', 'a journal entry needs at least two postings');
    const sums = new Map<string, bigint>();
    const prepared: { walletId: string; currency: string; amount: string; units: bigint; precision: number }[] = [];
    for (const p of entry.postings) {
      const kind = this.walletKinds.get(p.walletId);
      if (!kind) throw new LedgerError('not_found', `no wallet ${JSON.stringify(p.walletId)}`);
      const precision = this.precisions.get(p.currency) ?? this.ensureCurrency(p.currency);
      const units = toUnits(p.amount, precision, `${p.currency} amount`);
      if (units === 0n) throw new LedgerError('invalid', 'a posting of zero is not allowed');
      sums.set(p.currency, (sums.get(p.currency) ?? 0n) + units);
      prepared.push({ walletId: p.walletId, currency: p.currency, amount: fromUnits(units, precision), units, precision });
    }
    for (const [cur, sum] of sums) {
      if (sum !== 0n) throw new LedgerError('invalid', `entry does not balance in ${cur}: off by ${fromUnits(sum, this.precision(cur))}`);
    }
    const id = rid('je');
    if (!this.pending) throw new LedgerError('integrity', 'postInTx must run inside Ledger.tx');
    for (const p of prepared) {
      this.st.insertPosting!.run(id, p.walletId, p.currency, p.amount, p.units);
      const key = `${p.walletId}\u0000${p.currency}`;
      let bal = this.pending.get(key);
      if (!bal) {
        bal = { walletId: p.walletId, currency: p.currency, units: this.currentUnits(p.walletId, p.currency), precision: p.precision, dirty: false };
        this.pending.set(key, bal);
      }
      const next = bal.units + p.units;
      if (next < 0n && USER_WALLET_KINDS.includes(this.walletKinds.get(p.walletId) as WalletKind)) {
        throw new LedgerError('insufficient', `${p.walletId} would go negative in ${p.currency}: balance ${fromUnits(bal.units, p.precision)}, posting ${p.amount}`);
      }
      bal.units = next;
      bal.dirty = true;
    }
    this.st.insertEntry!.run(id, entry.kind, entry.memo, entry.at ?? this.nowIso(), entry.correlationId ?? null, entry.sourceRef ?? null);
    return { entryId: id, duplicate: false };
  }

  balance(walletId: string, currency: string): string {
    const units = this.currentUnits(walletId, currency);
    if (units === 0n) return '0';
    return fromUnits(units, this.precision(currency));
  }

  balances(walletId?: string): { walletId: string; currency: string; amount: string }[] {
    const rows = (
      walletId
        ? this.sqlite.prepare(`SELECT wallet_id, currency, amount FROM balances WHERE wallet_id = ? ORDER BY currency`).all(walletId)
        : this.sqlite.prepare(`SELECT wallet_id, currency, amount FROM balances ORDER BY wallet_id, currency`).all()
    ) as { wallet_id: string; currency: string; amount: string }[];
    return rows.map((r) => ({ walletId: r.wallet_id, currency: r.currency, amount: r.amount }));
  }

  journal(opts: { walletId?: string; correlationId?: string; limit?: number; before?: string } = {}): {
    id: string;
    kind: string;
    memo: string;
    at: string;
    correlationId: string | null;
    sourceRef: string | null;
    postings: PostingInput[];
  }[] {
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
    const entries = this.sqlite
      .prepare(`SELECT e.* FROM journal_entries e WHERE ${where.join(' AND ')} ORDER BY e.at DESC, e.rowid DESC LIMIT ${limit}`)
      .all(...args) as Row[];
    const ps = this.sqlite.prepare(`SELECT wallet_id, currency, amount FROM postings WHERE entry_id = ? ORDER BY id`);
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
    const problems: string[] = [];
    const unbalanced = this.sqlite
      .prepare(`SELECT entry_id, currency, sum(units) AS s FROM postings GROUP BY entry_id, currency HAVING sum(units) <> 0 LIMIT 20`)
      .all() as { entry_id: string; currency: string }[];
    for (const u of unbalanced) problems.push(`entry ${u.entry_id} does not balance in ${u.currency}`);
    const open = this.sqlite.prepare(`SELECT id FROM journal_entries WHERE sealed = 0 LIMIT 20`).all() as { id: string }[];
    for (const o of open) problems.push(`entry ${o.id} was never sealed`);
    const mismatched = this.sqlite
      .prepare(
        `WITH p AS (SELECT wallet_id, currency, sum(units) AS u FROM postings GROUP BY wallet_id, currency)
         SELECT coalesce(p.wallet_id, b.wallet_id) AS w, coalesce(p.currency, b.currency) AS c, p.u AS pu, b.units AS bu
         FROM p FULL OUTER JOIN balances b ON b.wallet_id = p.wallet_id AND b.currency = p.currency
         WHERE coalesce(p.u, 0) <> coalesce(b.units, 0) LIMIT 20`,
      )
      .safeIntegers(true)
      .all() as { w: string; c: string; pu: bigint | null; bu: bigint | null }[];
    for (const m of mismatched) problems.push(`balance of ${m.w} ${m.c} is ${String(m.bu ?? 0n)} units but postings sum to ${String(m.pu ?? 0n)}`);
    const textMismatch = this.sqlite.prepare(`SELECT wallet_id, currency, amount, units FROM balances`).safeIntegers(true).all() as {
      wallet_id: string;
      currency: string;
      amount: string;
      units: bigint;
    }[];
    for (const b of textMismatch) {
      if (fromUnits(b.units, this.precision(b.currency)) !== b.amount) problems.push(`balance text of ${b.wallet_id} ${b.currency} disagrees with its units`);
    }
    const negative = this.sqlite
      .prepare(`SELECT b.wallet_id, b.currency FROM balances b JOIN wallets w ON w.id = b.wallet_id WHERE w.kind IN ('funding','trading') AND b.units < 0`)
      .all() as { wallet_id: string; currency: string }[];
    for (const n of negative) problems.push(`${n.wallet_id} is negative in ${n.currency}`);
    return problems;
  }

  /** Recompute the balance projection from the postings (the postings are the truth). */
  rebuildBalances(): void {
    this.tx(() => {
      this.sqlite.prepare(`DELETE FROM balances`).run();
      const rows = this.sqlite
        .prepare(`SELECT wallet_id, currency, sum(units) AS u FROM postings GROUP BY wallet_id, currency`)
        .safeIntegers(true)
        .all() as { wallet_id: string; currency: string; u: bigint }[];
      for (const r of rows) this.st.upsertBalance!.run(r.wallet_id, r.currency, fromUnits(r.u, this.precision(r.currency)), r.u);
    });
  }

  // ---------------------------------------------------------------- reservations

  /** What an agent may still use: available x fraction - active reservations (never below 0). */
  tradeable(walletId: string, currency: string): string {
    this.expireReservations();
    return this.tradeableInTx(walletId, currency);
  }

  private tradeableInTx(walletId: string, currency: string): string {
    const w = this.wallet(walletId);
    const precision = this.ensureCurrency(currency);
    const bal = this.currentUnits(walletId, currency);
    const reserved = (this.st.reservedUnits!.get(walletId, currency) as { u: bigint }).u;
    const allowed = Dec.of(fromUnits(bal, precision)).mul(w.tradeableFraction).round(precision, 'down');
    const left = allowed.sub(fromUnits(reserved, precision));
    return left.isNegative() ? '0' : left.toString();
  }

  reserve(input: {
    walletId: string;
    currency: string;
    amount: string;
    purpose: string;
    ttlMs?: number;
    correlationId?: string | null;
    id?: string;
  }): Reservation {
    return this.tx(() => {
      if (input.id) {
        const existing = this.sqlite.prepare(`SELECT * FROM reservations WHERE id = ?`).get(input.id) as Row | undefined;
        if (existing) return mapReservation(existing);
      }
      this.expireReservationsInTx();
      const precision = this.ensureCurrency(input.currency);
      const amount = Dec.of(input.amount);
      if (!amount.isPositive()) throw new LedgerError('invalid', 'a reservation must be positive');
      const units = toUnits(amount, precision, 'reservation');
      const w = this.wallet(input.walletId);
      if (!USER_WALLET_KINDS.includes(w.kind)) throw new LedgerError('invalid', `cannot reserve on a ${w.kind} account`);
      const left = this.tradeableInTx(input.walletId, input.currency);
      if (amount.gt(left)) {
        throw new LedgerError(
          'insufficient',
          `cannot reserve ${amount.toString()} ${input.currency} on ${input.walletId}: only ${left} is tradeable (balance ${this.balance(input.walletId, input.currency)} x fraction ${w.tradeableFraction} - active reservations)`,
        );
      }
      const now = this.clock();
      const id = input.id ?? rid('rsv');
      this.sqlite
        .prepare(
          `INSERT INTO reservations (id, wallet_id, currency, amount, units, consumed, status, purpose, created_at, expires_at, correlation_id)
           VALUES (?, ?, ?, ?, ?, '0', 'active', ?, ?, ?, ?)`,
        )
        .run(
          id,
          input.walletId,
          input.currency,
          amount.toString(),
          units,
          input.purpose,
          now.toISOString(),
          new Date(now.getTime() + (input.ttlMs ?? DEFAULT_RESERVATION_TTL_MS)).toISOString(),
          input.correlationId ?? null,
        );
      this.appendEventInTx({
        type: 'ledger.reserved',
        summary: `reserved ${amount.toString()} ${input.currency} on ${input.walletId} for ${input.purpose}`,
        data: { reservationId: id, walletId: input.walletId, currency: input.currency, amount: amount.toString() },
        correlationId: input.correlationId ?? null,
      });
      return this.reservation(id);
    });
  }

  reservation(id: string): Reservation {
    const r = this.sqlite.prepare(`SELECT * FROM reservations WHERE id = ?`).get(id) as Row | undefined;
    if (!r) throw new LedgerError('not_found', `no reservation ${id}`);
    return mapReservation(r);
  }

  listReservations(opts: { status?: Reservation['status']; walletId?: string; limit?: number } = {}): Reservation[] {
    this.expireReservations();
    const where: string[] = [];
    const args: unknown[] = [];
    if (opts.status) {
      where.push('status = ?');
      args.push(opts.status);
    }
    if (opts.walletId) {
      where.push('wallet_id = ?');
      args.push(opts.walletId);
    }
    const limit = Math.min(Math.max(opts.limit ?? 100, 1), 1000);
    return (
      this.sqlite
        .prepare(`SELECT * FROM reservations ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC LIMIT ${limit}`)
        .all(...args) as Row[]
    ).map(mapReservation);
  }

  /** Count `amount` of an active reservation as spent; the hold shrinks by the same amount. */
  consumeInTx(reservationId: string, amount: string): Reservation {
    const r = this.reservation(reservationId);
    if (r.status !== 'active') throw new LedgerError('conflict', `reservation ${reservationId} is ${r.status}`);
    const precision = this.precision(r.currency);
    const consumed = Dec.of(r.consumed).add(amount);
    if (consumed.gt(r.amount)) {
      throw new LedgerError('insufficient', `reservation ${reservationId} holds ${r.amount} ${r.currency}; consuming ${consumed.toString()} would exceed it`);
    }
    const remaining = Dec.of(r.amount).sub(consumed);
    const remainingUnits = toUnits(remaining.round(precision, 'down'), precision);
    if (remainingUnits === 0n) {
      this.sqlite
        .prepare(`UPDATE reservations SET consumed = ?, status = 'consumed', closed_at = ?, units = 0 WHERE id = ?`)
        .run(consumed.toString(), this.nowIso(), reservationId);
    } else {
      // `units` tracks the remaining hold so tradeable() needs one indexed sum.
      this.sqlite.prepare(`UPDATE reservations SET consumed = ?, units = ? WHERE id = ?`).run(consumed.toString(), remainingUnits, reservationId);
    }
    return this.reservation(reservationId);
  }

  consume(reservationId: string, amount: string): Reservation {
    return this.tx(() => this.consumeInTx(reservationId, amount));
  }

  /** Close an active reservation, freeing what was not consumed. */
  release(reservationId: string, reason = 'released'): Reservation {
    return this.tx(() => this.releaseInTx(reservationId, reason));
  }

  releaseInTx(reservationId: string, reason = 'released'): Reservation {
    const r = this.reservation(reservationId);
    if (r.status !== 'active') return r;
    const status = Dec.of(r.consumed).isPositive() ? 'consumed' : 'released';
    this.sqlite.prepare(`UPDATE reservations SET status = ?, closed_at = ?, units = 0 WHERE id = ?`).run(status, this.nowIso(), reservationId);
    this.appendEventInTx({
      type: 'ledger.reservation_closed',
      summary: `reservation ${reservationId} ${status} (${r.consumed} of ${r.amount} ${r.currency} used): ${reason}`,
      data: { reservationId, status, consumed: r.consumed, amount: r.amount, reason },
      correlationId: r.correlationId,
    });
    return this.reservation(reservationId);
  }

  expireReservations(): number {
    return this.tx(() => this.expireReservationsInTx());
  }

  private expireReservationsInTx(): number {
    const now = this.nowIso();
    const res = this.sqlite
      .prepare(`UPDATE reservations SET status = 'expired', closed_at = ?, units = 0 WHERE status = 'active' AND expires_at <= ?`)
      .run(now, now);
    return res.changes;
  }

  /** Move funds between two user wallets (funding -> trading and back), carrying a reservation along. */
  transferInTx(input: {
    from: string;
    to: string;
    currency: string;
    amount: string;
    memo: string;
    correlationId?: string | null;
    sourceRef?: string | null;
    reservationId?: string;
  }): PostResult {
    const res = this.postInTx({
      kind: 'transfer',
      memo: input.memo,
      correlationId: input.correlationId,
      sourceRef: input.sourceRef,
      postings: [
        { walletId: input.from, currency: input.currency, amount: Dec.of(input.amount).neg().toString() },
        { walletId: input.to, currency: input.currency, amount: input.amount },
      ],
    });
    if (!res.duplicate && input.reservationId) {
      this.sqlite.prepare(`UPDATE reservations SET wallet_id = ? WHERE id = ? AND status = 'active'`).run(input.to, input.reservationId);
    }
    return res;
  }

  transfer(input: Parameters<Ledger['transferInTx']>[0]): PostResult {
    return this.tx(() => this.transferInTx(input));
  }

  // ---------------------------------------------------------------- orders and fills

  /** Insert the order unless its client_order_id exists; returns the stored row either way. */
  createOrder(
    input: Omit<OrderRow, 'id' | 'createdAt' | 'updatedAt' | 'filledBase' | 'exchangeOrderId' | 'placedBy' | 'blockRule' | 'sentAt' | 'stopPrice'> & {
      id?: string;
      placedBy?: string | null;
      blockRule?: string | null;
      stopPrice?: string | null;
    },
  ): {
    order: OrderRow;
    created: boolean;
  } {
    return this.tx(() => {
      const existing = this.orderByClientId(input.clientOrderId);
      if (existing) return { order: existing, created: false };
      const now = this.nowIso();
      const id = input.id ?? rid('ord');
      this.sqlite
        .prepare(
          `INSERT INTO orders (id, client_order_id, exchange_order_id, wallet_id, product, side, order_type, base_size, quote_size, limit_price,
             post_only, mode, status, reason, filled_base, reservation_id, cost_estimate_id, preview_json, created_at, updated_at, correlation_id,
             placed_by, block_rule, stop_price)
           VALUES (?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '0', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          id,
          input.clientOrderId,
          input.walletId,
          input.product,
          input.side,
          input.orderType,
          input.baseSize,
          input.quoteSize,
          input.limitPrice,
          input.postOnly ? 1 : 0,
          input.mode,
          input.status,
          input.reason,
          input.reservationId,
          input.costEstimateId,
          input.preview === undefined || input.preview === null ? null : JSON.stringify(input.preview),
          now,
          now,
          input.correlationId,
          input.placedBy ?? null,
          input.blockRule ?? null,
          input.stopPrice ?? null,
        );
      return { order: this.order(id), created: true };
    });
  }

  order(id: string): OrderRow {
    const r = this.sqlite.prepare(`SELECT * FROM orders WHERE id = ?`).get(id) as Row | undefined;
    if (!r) throw new LedgerError('not_found', `no order ${id}`);
    return mapOrder(r);
  }

  orderByClientId(clientOrderId: string): OrderRow | null {
    const r = this.sqlite.prepare(`SELECT * FROM orders WHERE client_order_id = ?`).get(clientOrderId) as Row | undefined;
    return r ? mapOrder(r) : null;
  }

  listOrders(opts: { status?: OrderStatus; limit?: number } = {}): OrderRow[] {
    const limit = Math.min(Math.max(opts.limit ?? 100, 1), 1000);
    const rows = (
      opts.status
        ? this.sqlite.prepare(`SELECT * FROM orders WHERE status = ? ORDER BY created_at DESC LIMIT ${limit}`).all(opts.status)
        : this.sqlite.prepare(`SELECT * FROM orders ORDER BY created_at DESC LIMIT ${limit}`).all()
    ) as Row[];
    return rows.map(mapOrder);
  }

  updateOrder(
    id: string,
    patch: Partial<Pick<OrderRow, 'status' | 'reason' | 'exchangeOrderId' | 'costEstimateId' | 'reservationId' | 'preview' | 'mode' | 'blockRule' | 'sentAt'>>,
  ): OrderRow {
    const cols: string[] = [];
    const args: unknown[] = [];
    const map: Record<string, string> = {
      status: 'status',
      reason: 'reason',
      exchangeOrderId: 'exchange_order_id',
      costEstimateId: 'cost_estimate_id',
      reservationId: 'reservation_id',
      mode: 'mode',
      blockRule: 'block_rule',
      sentAt: 'sent_at',
    };
    for (const [k, col] of Object.entries(map)) {
      if (k in patch) {
        cols.push(`${col} = ?`);
        args.push((patch as Record<string, unknown>)[k] ?? null);
      }
    }
    if ('preview' in patch) {
      cols.push('preview_json = ?');
      args.push(patch.preview === undefined || patch.preview === null ? null : JSON.stringify(patch.preview));
    }
    cols.push('updated_at = ?');
    args.push(this.nowIso());
    this.sqlite.prepare(`UPDATE orders SET ${cols.join(', ')} WHERE id = ?`).run(...args, id);
    return this.order(id);
  }

  /**
   * Record one exchange fill: the trade entry (trading wallet <-> market, fee to the fees account),
   * the fill row, the order's filled size, and the reservation consumed - all or nothing. A trade id
   * seen before is ignored, so WebSocket and REST may both report it.
   */
  recordFill(fill: FillInput): { duplicate: boolean; entryId: string } {
    return this.tx(() => {
      const seen = this.sqlite.prepare(`SELECT entry_id FROM fills WHERE trade_id = ?`).get(fill.tradeId) as { entry_id: string } | undefined;
      if (seen) return { duplicate: true, entryId: seen.entry_id };
      const order = this.order(fill.orderId);
      const w = this.wallet(order.walletId);
      const { base, quote } = parseProduct(order.product);
      const market = Ledger.walletId(w.exchange, w.exchangeAccount, 'market');
      const fees = Ledger.walletId(w.exchange, w.exchangeAccount, 'fees');
      const size = this.roundFor(base, fill.size);
      const notional = this.roundFor(quote, Dec.of(fill.size).mul(fill.price));
      const fee = this.roundFor(quote, fill.fee, 'up');
      if (!Dec.of(size).isPositive()) throw new LedgerError('invalid', `fill ${fill.tradeId} has no size`);
      if (Dec.of(fee).isNegative()) throw new LedgerError('invalid', `fill ${fill.tradeId} has a negative fee`);
      const n = (x: string) => Dec.of(x).neg().toString();
      const postings: PostingInput[] =
        order.side === 'BUY'
          ? [
              { walletId: w.id, currency: quote, amount: n(Dec.of(notional).add(fee).toString()) },
              { walletId: w.id, currency: base, amount: size },
              { walletId: market, currency: quote, amount: notional },
              { walletId: market, currency: base, amount: n(size) },
            ]
          : [
              { walletId: w.id, currency: base, amount: n(size) },
              { walletId: w.id, currency: quote, amount: Dec.of(notional).sub(fee).toString() },
              { walletId: market, currency: base, amount: size },
              { walletId: market, currency: quote, amount: n(notional) },
            ];
      if (Dec.of(fee).isPositive()) postings.push({ walletId: fees, currency: quote, amount: fee });
      const cleaned = postings.filter((p) => !Dec.of(p.amount).isZero());
      const { entryId } = this.postInTx({
        kind: 'fill',
        memo: `${order.side} ${size} ${order.product} @ ${fill.price} (fee ${fee} ${quote})`,
        correlationId: order.correlationId,
        sourceRef: fill.tradeId,
        postings: cleaned,
        at: fill.at,
      });
      this.sqlite
        .prepare(
          `INSERT INTO fills (trade_id, order_id, product, side, size, price, fee, fee_currency, liquidity, at, entry_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(fill.tradeId, order.id, order.product, order.side, size, fill.price, fee, quote, fill.liquidity ?? 'UNKNOWN', fill.at ?? this.nowIso(), entryId);
      const filled = Dec.of(order.filledBase).add(size);
      this.sqlite.prepare(`UPDATE orders SET filled_base = ?, updated_at = ? WHERE id = ?`).run(filled.toString(), this.nowIso(), order.id);
      if (order.reservationId) {
        const r = this.reservation(order.reservationId);
        if (r.status === 'active') {
          const spent = order.side === 'BUY' ? Dec.of(notional).add(fee) : Dec.of(size);
          const room = Dec.of(r.amount).sub(r.consumed);
          this.consumeInTx(r.id, Dec.min(spent, room).toString());
        }
      }
      this.appendEventInTx({
        type: 'order.fill',
        summary: `fill ${order.side} ${size} ${order.product} @ ${fill.price}, fee ${fee} ${quote}`,
        data: { orderId: order.id, clientOrderId: order.clientOrderId, tradeId: fill.tradeId, size, price: fill.price, fee, entryId },
        correlationId: order.correlationId,
      });
      return { duplicate: false, entryId };
    });
  }

  fillsFor(orderId: string): { tradeId: string; size: string; price: string; fee: string; at: string; entryId: string }[] {
    return (
      this.sqlite.prepare(`SELECT trade_id, size, price, fee, at, entry_id FROM fills WHERE order_id = ? ORDER BY at, trade_id`).all(orderId) as Row[]
    ).map((r) => ({
      tradeId: String(r.trade_id),
      size: String(r.size),
      price: String(r.price),
      fee: String(r.fee),
      at: String(r.at),
      entryId: String(r.entry_id),
    }));
  }

  /** Fills of live orders at or after `sinceIso` (all when absent), oldest first: what the risk limits count. */
  liveFills(sinceIso?: string): LiveFillRow[] {
    const rows = this.sqlite
      .prepare(
        `SELECT f.product, f.side, f.size, f.price, f.fee, f.at FROM fills f JOIN orders o ON o.id = f.order_id
         WHERE o.mode = 'live' ${sinceIso ? 'AND f.at >= ?' : ''} ORDER BY f.at, f.trade_id`,
      )
      .all(...(sinceIso ? [sinceIso] : [])) as Row[];
    return rows.map((r) => ({ product: String(r.product), side: r.side as LiveFillRow['side'], size: String(r.size), price: String(r.price), fee: String(r.fee), at: String(r.at) }));
  }

  /** Live orders sent to the exchange (or being sent) since `sinceIso`: the day's trade count. */
  liveOrdersSentSince(sinceIso: string): number {
    const r = this.sqlite
      .prepare(`SELECT count(*) AS n FROM orders WHERE mode = 'live' AND status IN ('submitting', 'open', 'filled', 'cancelled', 'failed') AND created_at >= ?`)
      .get(sinceIso) as { n: number };
    return Number(r.n);
  }

  recordCostDecision(input: { clientOrderId: string; product: string; side: string; expectedEdge: string; gate: CostGateResult; overrideReason?: string }): string {
    const id = rid('cost');
    const { quote } = parseProduct(input.product);
    const g = input.gate;
    this.sqlite
      .prepare(
        `INSERT INTO cost_estimates (id, client_order_id, product, side, quote_currency, notional, fee, spread, slippage, transfer_fee, total,
           expected_edge, required, safety_buffer, decision, override_reason, detail_json, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        id,
        input.clientOrderId,
        input.product,
        input.side,
        quote,
        g.notional,
        g.fee,
        g.spread,
        g.slippage,
        g.transferFee,
        g.total,
        g.expectedEdgeAmount,
        g.required,
        g.safetyBuffer,
        g.decision,
        input.overrideReason ?? null,
        JSON.stringify({ ...g, expectedEdgeFraction: input.expectedEdge }),
        this.nowIso(),
      );
    return id;
  }

  costDecision(id: string): Row | null {
    return (this.sqlite.prepare(`SELECT * FROM cost_estimates WHERE id = ?`).get(id) as Row | undefined) ?? null;
  }

  // ---------------------------------------------------------------- idempotency keys

  /**
   * Claim a key for one request. The same key with the same request returns what was stored
   * (`existing`); the same key with a different request is a conflict; an expired key is reused.
   */
  claimKey(key: string, scope: string, request: unknown, ttlMs = 24 * 3600_000): { state: 'new' } | { state: 'existing'; result: unknown } {
    const hash = hashRequest(request);
    return this.tx(() => {
      const now = this.nowIso();
      const row = this.sqlite.prepare(`SELECT * FROM idempotency_keys WHERE key = ?`).get(key) as Row | undefined;
      if (row && String(row.expires_at) > now) {
        if (row.scope !== scope || row.request_hash !== hash) {
          throw new LedgerError('conflict', `idempotency key ${JSON.stringify(key)} was already used for a different request`);
        }
        return { state: 'existing', result: row.result_json === null ? null : JSON.parse(String(row.result_json)) };
      }
      this.sqlite
        .prepare(
          `INSERT INTO idempotency_keys (key, scope, request_hash, result_json, created_at, expires_at) VALUES (?, ?, ?, NULL, ?, ?)
           ON CONFLICT(key) DO UPDATE SET scope = excluded.scope, request_hash = excluded.request_hash, result_json = NULL,
             created_at = excluded.created_at, expires_at = excluded.expires_at`,
        )
        .run(key, scope, hash, now, new Date(this.clock().getTime() + ttlMs).toISOString());
      return { state: 'new' };
    });
  }

  completeKey(key: string, result: unknown): void {
    this.sqlite.prepare(`UPDATE idempotency_keys SET result_json = ? WHERE key = ?`).run(JSON.stringify(result ?? null), key);
  }

  purgeExpiredKeys(): number {
    return this.sqlite.prepare(`DELETE FROM idempotency_keys WHERE expires_at <= ?`).run(this.nowIso()).changes;
  }

  // ---------------------------------------------------------------- settings and live mode

  getSetting(key: string): string | null {
    const r = this.sqlite.prepare(`SELECT value FROM settings WHERE key = ?`).get(key) as { value: string } | undefined;
    return r?.value ?? null;
  }

  setSetting(key: string, value: string): void {
    this.sqlite
      .prepare(`INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`)
      .run(key, value, this.nowIso());
  }

  liveStatus(): { armed: boolean; armedAt: string | null; phrase: string } {
    const raw = this.getSetting(SETTING_LIVE_ARMED);
    const parsed = raw ? (JSON.parse(raw) as { armed: boolean; at: string }) : null;
    return { armed: parsed?.armed === true, armedAt: parsed?.armed ? parsed.at : null, phrase: LIVE_ARM_PHRASE };
  }

  armLive(confirm: string, door: string): { armed: boolean; armedAt: string | null; phrase: string } {
    if (confirm !== LIVE_ARM_PHRASE) {
      throw new LedgerError('invalid', `live trading not armed: type the phrase exactly: "${LIVE_ARM_PHRASE}"`);
    }
    this.tx(() => {
      this.setSetting(SETTING_LIVE_ARMED, JSON.stringify({ armed: true, at: this.nowIso(), door }));
      this.appendEventInTx({ type: 'live_trading.armed', summary: `live trading armed via ${door}`, data: { door } });
    });
    return this.liveStatus();
  }

  disarmLive(door: string): { armed: boolean; armedAt: string | null; phrase: string } {
    this.tx(() => {
      this.setSetting(SETTING_LIVE_ARMED, JSON.stringify({ armed: false, at: this.nowIso(), door }));
      this.appendEventInTx({ type: 'live_trading.disarmed', summary: `live trading disarmed via ${door}`, data: { door } });
    });
    return this.liveStatus();
  }

  // ---------------------------------------------------------------- domain event log

  appendEvent(input: AppendEventInput): DomainEvent {
    const e = this.appendEventInTx(input);
    return e;
  }

  /** Append inside the caller's transaction; listeners hear of it only once it is stored. */
  appendEventInTx(input: AppendEventInput): DomainEvent {
    const id = input.id ?? rid('evt');
    const existing = input.id ? (this.sqlite.prepare(`SELECT * FROM events WHERE id = ?`).get(id) as Row | undefined) : undefined;
    if (existing) return mapEvent(existing);
    const at = input.at ?? this.nowIso();
    const recordedAt = this.nowIso();
    const data = input.data ?? {};
    const info = this.st.insertEvent!.run(
      id,
      input.type,
      at,
      recordedAt,
      input.correlationId ?? null,
      input.causationId ?? null,
      input.summary.slice(0, 500),
      JSON.stringify(data),
    );
    const ev: DomainEvent = {
      seq: Number(info.lastInsertRowid),
      id,
      type: input.type,
      at,
      recordedAt,
      correlationId: input.correlationId ?? null,
      causationId: input.causationId ?? null,
      summary: input.summary.slice(0, 500),
      data,
    };
    if (this.onEvent) {
      const notify = () => {
        try {
          this.onEvent?.(ev);
        } catch (err) {
          this.log.warn('event listener failed', { error: (err as Error).message });
        }
      };
      if (this.sqlite.inTransaction) queueMicrotask(notify);
      else notify();
    }
    return ev;
  }

  listEvents(opts: { correlationId?: string; type?: string; limit?: number; afterSeq?: number } = {}): DomainEvent[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (opts.correlationId) {
      where.push('correlation_id = ?');
      args.push(opts.correlationId);
    }
    if (opts.type) {
      if (opts.type.endsWith('*')) {
        where.push(`type LIKE ? ESCAPE '\\'`);
        args.push(`${opts.type.slice(0, -1).replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      } else {
        where.push('type = ?');
        args.push(opts.type);
      }
    }
    if (opts.afterSeq !== undefined) {
      where.push('seq > ?');
      args.push(opts.afterSeq);
    }
    const limit = Math.min(Math.max(opts.limit ?? 200, 1), 5000);
    const rows = this.sqlite
      .prepare(`SELECT * FROM events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ${limit}`)
      .all(...args) as Row[];
    return rows.map(mapEvent).reverse();
  }

  // ---------------------------------------------------------------- reconcile

  /**
   * Compare the ledger with the exchange per exchange account and currency (funding + trading
   * wallets together: both live in the same exchange account when it has one portfolio). Stores
   * the run and each drift; drift above the threshold gets a proposed correcting entry that waits
   * for the user's approval.
   */
  reconcile(input: {
    exchange: string;
    /** exchange account -> currency -> amount reported by the exchange */
    exchangeBalances: Record<string, Record<string, string>>;
    threshold: string;
    error?: string;
  }): ReconcileRun {
    const threshold = Dec.of(input.threshold);
    if (threshold.isNegative()) throw new LedgerError('invalid', 'threshold cannot be negative');
    return this.tx(() => {
      const runId = rid('rec');
      const at = this.nowIso();
      if (input.error) {
        this.sqlite
          .prepare(`INSERT INTO reconcile_runs (id, at, threshold, status, max_drift, error) VALUES (?, ?, ?, 'failed', '0', ?)`)
          .run(runId, at, threshold.toString(), input.error.slice(0, 500));
        return this.reconcileRun(runId);
      }
      // Older proposals are replaced by this run's view.
      this.sqlite.prepare(`UPDATE reconcile_drifts SET correction = 'superseded' WHERE correction = 'proposed'`).run();
      this.sqlite.prepare(`INSERT INTO reconcile_runs (id, at, threshold, status, max_drift, error) VALUES (?, ?, ?, 'clean', '0', NULL)`).run(runId, at, threshold.toString());
      let maxDrift = Dec.ZERO;
      const insert = this.sqlite.prepare(
        `INSERT INTO reconcile_drifts (id, run_id, wallet_id, currency, ledger_amount, exchange_amount, drift, above_threshold, correction)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      const accounts = new Set<string>(Object.keys(input.exchangeBalances));
      for (const w of this.listWallets()) if (w.exchange === input.exchange) accounts.add(w.exchangeAccount);
      for (const account of accounts) {
        const { funding } = this.ensureAccountInTx(input.exchange, account);
        const trading = Ledger.walletId(input.exchange, account, 'trading');
        const ex = input.exchangeBalances[account] ?? {};
        const currencies = new Set<string>(Object.keys(ex));
        for (const b of [...this.balances(funding.id), ...this.balances(trading)]) currencies.add(b.currency);
        for (const cur of [...currencies].sort()) {
          this.ensureCurrency(cur);
          const ledgerAmt = Dec.of(this.balance(funding.id, cur)).add(this.balance(trading, cur));
          const exAmt = Dec.of(this.roundFor(cur, ex[cur] ?? '0', 'down'));
          const drift = exAmt.sub(ledgerAmt);
          const above = drift.abs().gt(threshold);
          if (drift.abs().gt(maxDrift)) maxDrift = drift.abs();
          insert.run(rid('drift'), runId, funding.id, cur, ledgerAmt.toString(), exAmt.toString(), drift.toString(), above ? 1 : 0, above ? 'proposed' : 'none');
        }
      }
      const status = maxDrift.gt(threshold) ? 'drift' : 'clean';
      this.sqlite.prepare(`UPDATE reconcile_runs SET status = ?, max_drift = ? WHERE id = ?`).run(status, maxDrift.toString(), runId);
      this.appendEventInTx({
        type: status === 'drift' ? 'reconcile.drift' : 'reconcile.clean',
        summary: status === 'drift' ? `reconcile found drift up to ${maxDrift.toString()} (threshold ${threshold.toString()})` : 'reconcile: ledger matches the exchange',
        data: { runId, maxDrift: maxDrift.toString(), threshold: threshold.toString() },
      });
      return this.reconcileRun(runId);
    });
  }

  private ensureAccountInTx(exchange: string, account: string): { funding: Wallet; trading: Wallet } {
    for (const kind of ['equity', 'fees', 'market'] as const) this.ensureWallet({ exchange, exchangeAccount: account, kind });
    return {
      funding: this.ensureWallet({ exchange, exchangeAccount: account, kind: 'funding' }),
      trading: this.ensureWallet({ exchange, exchangeAccount: account, kind: 'trading' }),
    };
  }

  reconcileRun(id: string): ReconcileRun {
    const r = this.sqlite.prepare(`SELECT * FROM reconcile_runs WHERE id = ?`).get(id) as Row | undefined;
    if (!r) throw new LedgerError('not_found', `no reconcile run ${id}`);
    const drifts = (this.sqlite.prepare(`SELECT * FROM reconcile_drifts WHERE run_id = ? ORDER BY wallet_id, currency`).all(id) as Row[]).map(mapDrift);
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

  reconcileHistory(limit = 20): ReconcileRun[] {
    const ids = this.sqlite.prepare(`SELECT id FROM reconcile_runs ORDER BY at DESC, rowid DESC LIMIT ?`).all(Math.min(Math.max(limit, 1), 500)) as { id: string }[];
    return ids.map((r) => this.reconcileRun(r.id));
  }

  /** Post the proposed correction (exchange is the truth; equity takes the other side). */
  approveCorrection(driftId: string, door: string): DriftRow {
    return this.tx(() => {
      const d = this.drift(driftId);
      if (d.correction !== 'proposed') throw new LedgerError('conflict', `drift ${driftId} has no pending correction (it is ${d.correction})`);
      const w = this.wallet(d.walletId);
      const equity = Ledger.walletId(w.exchange, w.exchangeAccount, 'equity');
      const { entryId } = this.postInTx({
        kind: 'reconcile_correction',
        memo: `reconcile correction ${d.drift} ${d.currency} (approved via ${door})`,
        sourceRef: driftId,
        postings: [
          { walletId: d.walletId, currency: d.currency, amount: d.drift },
          { walletId: equity, currency: d.currency, amount: Dec.of(d.drift).neg().toString() },
        ],
      });
      this.sqlite.prepare(`UPDATE reconcile_drifts SET correction = 'approved', correction_entry_id = ?, decided_at = ? WHERE id = ?`).run(entryId, this.nowIso(), driftId);
      this.appendEventInTx({
        type: 'reconcile.correction_approved',
        summary: `correction of ${d.drift} ${d.currency} on ${d.walletId} approved`,
        data: { driftId, entryId, door },
      });
      return this.drift(driftId);
    });
  }

  rejectCorrection(driftId: string, door: string): DriftRow {
    return this.tx(() => {
      const d = this.drift(driftId);
      if (d.correction !== 'proposed') throw new LedgerError('conflict', `drift ${driftId} has no pending correction (it is ${d.correction})`);
      this.sqlite.prepare(`UPDATE reconcile_drifts SET correction = 'rejected', decided_at = ? WHERE id = ?`).run(this.nowIso(), driftId);
      this.appendEventInTx({ type: 'reconcile.correction_rejected', summary: `correction of ${d.drift} ${d.currency} rejected`, data: { driftId, door } });
      return this.drift(driftId);
    });
  }

  drift(id: string): DriftRow {
    const r = this.sqlite.prepare(`SELECT * FROM reconcile_drifts WHERE id = ?`).get(id) as Row | undefined;
    if (!r) throw new LedgerError('not_found', `no drift ${id}`);
    return mapDrift(r);
  }
}

function mapWallet(r: Row): Wallet {
  return {
    id: String(r.id),
    exchange: String(r.exchange),
    exchangeAccount: String(r.exchange_account),
    kind: r.kind as WalletKind,
    name: String(r.name),
    tradeableFraction: String(r.tradeable_fraction),
    createdAt: String(r.created_at),
  };
}

function mapReservation(r: Row): Reservation {
  return {
    id: String(r.id),
    walletId: String(r.wallet_id),
    currency: String(r.currency),
    amount: String(r.amount),
    consumed: String(r.consumed),
    status: r.status as Reservation['status'],
    purpose: String(r.purpose),
    createdAt: String(r.created_at),
    expiresAt: String(r.expires_at),
    closedAt: (r.closed_at as string | null) ?? null,
    correlationId: (r.correlation_id as string | null) ?? null,
  };
}

function mapOrder(r: Row): OrderRow {
  return {
    id: String(r.id),
    clientOrderId: String(r.client_order_id),
    exchangeOrderId: (r.exchange_order_id as string | null) ?? null,
    walletId: String(r.wallet_id),
    product: String(r.product),
    side: r.side as OrderRow['side'],
    orderType: r.order_type as OrderRow['orderType'],
    baseSize: (r.base_size as string | null) ?? null,
    quoteSize: (r.quote_size as string | null) ?? null,
    limitPrice: (r.limit_price as string | null) ?? null,
    postOnly: r.post_only === 1,
    mode: r.mode as OrderRow['mode'],
    status: r.status as OrderStatus,
    reason: (r.reason as string | null) ?? null,
    filledBase: String(r.filled_base),
    reservationId: (r.reservation_id as string | null) ?? null,
    costEstimateId: (r.cost_estimate_id as string | null) ?? null,
    preview: r.preview_json ? (JSON.parse(String(r.preview_json)) as unknown) : null,
    createdAt: String(r.created_at),
    updatedAt: String(r.updated_at),
    correlationId: (r.correlation_id as string | null) ?? null,
    placedBy: (r.placed_by as string | null) ?? null,
    blockRule: (r.block_rule as string | null) ?? null,
    sentAt: (r.sent_at as string | null) ?? null,
    stopPrice: (r.stop_price as string | null) ?? null,
  };
}

function mapEvent(r: Row): DomainEvent {
  return {
    seq: Number(r.seq),
    id: String(r.id),
    type: String(r.type),
    at: String(r.at),
    recordedAt: String(r.recorded_at),
    correlationId: (r.correlation_id as string | null) ?? null,
    causationId: (r.causation_id as string | null) ?? null,
    summary: String(r.summary),
    data: JSON.parse(String(r.data_json)) as Record<string, unknown>,
  };
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

/** Open (creating or migrating) `<dataDir>/ledger.sqlite` or any ledger file. */
export function openLedger(file: string, opts: LedgerOptions): Ledger {
  return new Ledger(file, opts);
}
