/**
 * The production ledger over one SQLite file: the facade every caller uses (router, activities,
 * CLI, tests). The work lives in one module per concern, all over the same connection and the
 * same transaction (`connection.ts`):
 *
 *   wallets.ts        currencies and wallets, the tradeable fraction
 *   journal.ts        entries, postings, the balance projection, verify and rebuild
 *   reservations.ts   holds on user wallets, what is tradeable, transfers that carry a hold
 *   orders.ts         orders, fills, cost-gate decisions
 *   keys.ts           idempotency keys
 *   settings.ts       persisted settings, live trading armed or not
 *   events.ts         the domain event log
 *   reconcile.ts      runs, drifts and their corrections
 *
 * Every write that touches money is one SQLite transaction: it either happens whole or not at
 * all, and the database's own triggers refuse an unbalanced or edited entry. Drizzle owns the
 * schema and migrations.
 */
import type { Dec } from '../domain/decimal';
import type { Logger } from '../runtime/log';
import { LedgerConnection, type Row } from './connection';
import type { LedgerDrizzle, SqliteDb } from './db';
import { EventLog, type AppendEventInput, type DomainEvent, type EventQuery } from './events';
import { Journal, type EntryInput, type JournalEntry, type JournalQuery, type PostResult } from './journal';
import { IdempotencyKeys, type KeyClaim } from './keys';
import { LIVE_ARM_PHRASE } from './live';
import {
  Orders,
  type CostDecisionInput,
  type FillInput,
  type FillRecord,
  type LiveFillRow,
  type NewOrderInput,
  type OrderPatch,
  type OrderRow,
  type OrderStatus,
} from './orders';
import { Reconciler, type DriftRow, type ReconcileInput, type ReconcileRun } from './reconcile';
import { Reservations, type Reservation, type ReservationQuery, type ReserveInput, type TransferInput } from './reservations';
import { Settings, type LiveStatus } from './settings';
import { walletId, Wallets, type EnsureWalletInput, type Wallet, type WalletKind } from './wallets';

export { LIVE_ARM_PHRASE };
export { hashRequest } from './keys';
export { USER_WALLET_KINDS } from './wallets';
export type { Wallet, WalletKind } from './wallets';
export type { EntryInput, PostingInput, PostResult } from './journal';
export type { Reservation } from './reservations';
export type { FillInput, LiveFillRow, OrderRow, OrderStatus } from './orders';
export type { AppendEventInput, DomainEvent } from './events';
export type { DriftRow, ReconcileRun } from './reconcile';

export interface LedgerOptions {
  log: Logger;
  migrationsFolder?: string;
  /** Injected clock (tests); ISO strings are what the ledger stores. */
  now?: () => Date;
  /** New event listener (the host forwards these to the bus as `domain.event`). */
  onEvent?: (e: DomainEvent) => void;
  defaultPrecision?: number;
}

export class Ledger {
  readonly sqlite: SqliteDb;
  readonly db: LedgerDrizzle;
  readonly schemaVersion: number;
  private readonly conn: LedgerConnection;
  private readonly eventLog: EventLog;
  private readonly walletBook: Wallets;
  private readonly journalBook: Journal;
  private readonly reservationBook: Reservations;
  private readonly orderBook: Orders;
  private readonly keys: IdempotencyKeys;
  private readonly settings: Settings;
  private readonly reconciler: Reconciler;

  constructor(
    readonly file: string,
    opts: LedgerOptions,
  ) {
    this.conn = new LedgerConnection(file, opts);
    this.sqlite = this.conn.sqlite;
    this.db = this.conn.db;
    this.schemaVersion = this.conn.schemaVersion;
    this.eventLog = new EventLog(this.conn, opts.onEvent);
    this.walletBook = new Wallets(this.conn, this.eventLog, opts.defaultPrecision ?? 8);
    this.journalBook = new Journal(this.conn, this.walletBook);
    this.reservationBook = new Reservations(this.conn, this.walletBook, this.journalBook, this.eventLog);
    this.orderBook = new Orders(this.conn, this.walletBook, this.journalBook, this.reservationBook, this.eventLog);
    this.keys = new IdempotencyKeys(this.conn);
    this.settings = new Settings(this.conn, this.eventLog);
    this.reconciler = new Reconciler(this.conn, this.walletBook, this.journalBook, this.eventLog);
  }

  close(): void {
    this.conn.close();
  }

  nowIso(): string {
    return this.conn.nowIso();
  }

  /** One immediate transaction (see `LedgerConnection.tx`); nested calls are savepoints. */
  tx<T>(fn: () => T): T {
    return this.conn.tx(fn);
  }

  // ---------------------------------------------------------------- currencies and wallets (wallets.ts)

  ensureCurrency(code: string, precision?: number): number {
    return this.walletBook.ensureCurrency(code, precision);
  }

  precision(code: string): number {
    return this.walletBook.precision(code);
  }

  /** Round an amount to what the ledger keeps for the currency (creating the currency if new). */
  roundFor(code: string, amount: Dec | string, mode?: 'half-even' | 'up' | 'down'): string {
    return this.walletBook.roundFor(code, amount, mode);
  }

  static walletId(exchange: string, account: string, kind: WalletKind): string {
    return walletId(exchange, account, kind);
  }

  ensureWallet(input: EnsureWalletInput): Wallet {
    return this.walletBook.ensure(input);
  }

  /** The funding and trading wallets of one exchange account, plus their counter-accounts. */
  ensureAccount(exchange: string, exchangeAccount: string, name?: string): { funding: Wallet; trading: Wallet } {
    return this.walletBook.ensureAccount(exchange, exchangeAccount, name);
  }

  wallet(id: string): Wallet {
    return this.walletBook.get(id);
  }

  listWallets(opts?: { includeCounter?: boolean }): Wallet[] {
    return this.walletBook.list(opts);
  }

  setTradeableFraction(walletId: string, fraction: string): Wallet {
    return this.walletBook.setTradeableFraction(walletId, fraction);
  }

  // ---------------------------------------------------------------- journal (journal.ts)

  /** Post one balanced entry; the whole entry (postings, balances, seal) is one transaction. */
  post(entry: EntryInput): PostResult {
    return this.journalBook.post(entry);
  }

  /** Post many entries in one transaction (imports, the bench); each is checked on its own. */
  postMany(entries: EntryInput[]): PostResult[] {
    return this.journalBook.postMany(entries);
  }

  /** Post one entry inside the caller's `tx()`. */
  postInTx(entry: EntryInput): PostResult {
    return this.journalBook.postInTx(entry);
  }

  balance(walletId: string, currency: string): string {
    return this.journalBook.balance(walletId, currency);
  }

  balances(walletId?: string): { walletId: string; currency: string; amount: string }[] {
    return this.journalBook.balances(walletId);
  }

  journal(opts?: JournalQuery): JournalEntry[] {
    return this.journalBook.entries(opts);
  }

  /** Problems found, empty when the projection equals the postings and every entry balances. */
  verify(): string[] {
    return this.journalBook.verify();
  }

  /** Recompute the balance projection from the postings (the postings are the truth). */
  rebuildBalances(): void {
    this.journalBook.rebuildBalances();
  }

  // ---------------------------------------------------------------- reservations (reservations.ts)

  /** What an agent may still use: available x fraction - active reservations (never below 0). */
  tradeable(walletId: string, currency: string): string {
    return this.reservationBook.tradeable(walletId, currency);
  }

  reserve(input: ReserveInput): Reservation {
    return this.reservationBook.reserve(input);
  }

  reservation(id: string): Reservation {
    return this.reservationBook.get(id);
  }

  listReservations(opts?: ReservationQuery): Reservation[] {
    return this.reservationBook.list(opts);
  }

  /** Count `amount` of an active reservation as spent, inside the caller's `tx()`. */
  consumeInTx(reservationId: string, amount: string): Reservation {
    return this.reservationBook.consumeInTx(reservationId, amount);
  }

  consume(reservationId: string, amount: string): Reservation {
    return this.reservationBook.consume(reservationId, amount);
  }

  /** Close an active reservation, freeing what was not consumed. */
  release(reservationId: string, reason?: string): Reservation {
    return this.reservationBook.release(reservationId, reason);
  }

  releaseInTx(reservationId: string, reason?: string): Reservation {
    return this.reservationBook.releaseInTx(reservationId, reason);
  }

  expireReservations(): number {
    return this.reservationBook.expire();
  }

  /** Move funds between two user wallets (funding -> trading and back), carrying a reservation along. */
  transferInTx(input: TransferInput): PostResult {
    return this.reservationBook.transferInTx(input);
  }

  transfer(input: TransferInput): PostResult {
    return this.reservationBook.transfer(input);
  }

  // ---------------------------------------------------------------- orders and fills (orders.ts)

  /** Insert the order unless its client_order_id exists; returns the stored row either way. */
  createOrder(input: NewOrderInput): { order: OrderRow; created: boolean } {
    return this.orderBook.create(input);
  }

  order(id: string): OrderRow {
    return this.orderBook.get(id);
  }

  orderByClientId(clientOrderId: string): OrderRow | null {
    return this.orderBook.byClientId(clientOrderId);
  }

  listOrders(opts?: { status?: OrderStatus; limit?: number }): OrderRow[] {
    return this.orderBook.list(opts);
  }

  updateOrder(id: string, patch: OrderPatch): OrderRow {
    return this.orderBook.update(id, patch);
  }

  /** Record one exchange fill whole (entry, fill row, filled size, reservation); a trade id seen before is ignored. */
  recordFill(fill: FillInput): { duplicate: boolean; entryId: string } {
    return this.orderBook.recordFill(fill);
  }

  fillsFor(orderId: string): FillRecord[] {
    return this.orderBook.fillsFor(orderId);
  }

  /** Fills of live orders at or after `sinceIso` (all when absent), oldest first: what the risk limits count. */
  liveFills(sinceIso?: string): LiveFillRow[] {
    return this.orderBook.liveFills(sinceIso);
  }

  /** Live orders sent to the exchange (or being sent) since `sinceIso`: the day's trade count. */
  liveOrdersSentSince(sinceIso: string): number {
    return this.orderBook.liveOrdersSentSince(sinceIso);
  }

  recordCostDecision(input: CostDecisionInput): string {
    return this.orderBook.recordCostDecision(input);
  }

  costDecision(id: string): Row | null {
    return this.orderBook.costDecision(id);
  }

  // ---------------------------------------------------------------- idempotency keys (keys.ts)

  /**
   * Claim a key for one request. The same key with the same request returns what was stored
   * (`existing`); the same key with a different request is a conflict; an expired key is reused.
   */
  claimKey(key: string, scope: string, request: unknown, ttlMs?: number): KeyClaim {
    return this.keys.claim(key, scope, request, ttlMs);
  }

  completeKey(key: string, result: unknown): void {
    this.keys.complete(key, result);
  }

  purgeExpiredKeys(): number {
    return this.keys.purgeExpired();
  }

  // ---------------------------------------------------------------- settings and live mode (settings.ts)

  getSetting(key: string): string | null {
    return this.settings.get(key);
  }

  setSetting(key: string, value: string): void {
    this.settings.set(key, value);
  }

  liveStatus(): LiveStatus {
    return this.settings.liveStatus();
  }

  armLive(confirm: string, door: string): LiveStatus {
    return this.settings.armLive(confirm, door);
  }

  disarmLive(door: string): LiveStatus {
    return this.settings.disarmLive(door);
  }

  // ---------------------------------------------------------------- domain event log (events.ts)

  appendEvent(input: AppendEventInput): DomainEvent {
    return this.eventLog.append(input);
  }

  /** Append inside the caller's transaction; listeners hear of it only once it is stored. */
  appendEventInTx(input: AppendEventInput): DomainEvent {
    return this.eventLog.appendInTx(input);
  }

  listEvents(opts?: EventQuery): DomainEvent[] {
    return this.eventLog.list(opts);
  }

  // ---------------------------------------------------------------- reconcile (reconcile.ts)

  /** Compare the ledger with the exchange; drift above the threshold is proposed as a correction. */
  reconcile(input: ReconcileInput): ReconcileRun {
    return this.reconciler.reconcile(input);
  }

  reconcileRun(id: string): ReconcileRun {
    return this.reconciler.run(id);
  }

  reconcileHistory(limit?: number): ReconcileRun[] {
    return this.reconciler.history(limit);
  }

  /** Post the proposed correction (exchange is the truth; equity takes the other side). */
  approveCorrection(driftId: string, door: string): DriftRow {
    return this.reconciler.approveCorrection(driftId, door);
  }

  rejectCorrection(driftId: string, door: string): DriftRow {
    return this.reconciler.rejectCorrection(driftId, door);
  }

  drift(id: string): DriftRow {
    return this.reconciler.drift(id);
  }
}

/** Open (creating or migrating) `<dataDir>/ledger.sqlite` or any ledger file. */
export function openLedger(file: string, opts: LedgerOptions): Ledger {
  return new Ledger(file, opts);
}
