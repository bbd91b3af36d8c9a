/**
 * Reservations: holds on a user wallet so that an order never spends what another already counts
 * on. Agents may use `available x tradeable_fraction - active reservations` (never below 0), checked
 * inside the write lock. Transfers between a user's funding and trading wallets carry the order's
 * reservation along.
 */
import type { Statement } from 'better-sqlite3';
import { Dec } from '../domain/decimal';
import type { LedgerConnection, Row } from './connection';
import { LedgerError } from './errors';
import type { EventLog } from './events';
import { rid } from './ids';
import type { Journal, PostResult } from './journal';
import { fromUnits, toUnits } from './units';
import { USER_WALLET_KINDS, type Wallets } from './wallets';

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

export interface ReserveInput {
  walletId: string;
  currency: string;
  amount: string;
  purpose: string;
  ttlMs?: number;
  correlationId?: string | null;
  id?: string;
}

export interface ReservationQuery {
  status?: Reservation['status'];
  walletId?: string;
  limit?: number;
}

export interface TransferInput {
  from: string;
  to: string;
  currency: string;
  amount: string;
  memo: string;
  correlationId?: string | null;
  sourceRef?: string | null;
  reservationId?: string;
}

const DEFAULT_RESERVATION_TTL_MS = 15 * 60_000;

export class Reservations {
  private readonly reservedUnits: Statement;

  constructor(
    private readonly conn: LedgerConnection,
    private readonly wallets: Wallets,
    private readonly journal: Journal,
    private readonly events: EventLog,
  ) {
    this.reservedUnits = conn.sqlite
      .prepare(`SELECT coalesce(sum(units), 0) AS u FROM reservations WHERE wallet_id = ? AND currency = ? AND status = 'active'`)
      .safeIntegers(true);
  }

  /** What an agent may still use: available x fraction - active reservations (never below 0). */
  tradeable(walletId: string, currency: string): string {
    this.expire();
    return this.tradeableInTx(walletId, currency);
  }

  private tradeableInTx(walletId: string, currency: string): string {
    const w = this.wallets.get(walletId);
    const precision = this.wallets.ensureCurrency(currency);
    const bal = this.conn.currentUnits(walletId, currency);
    const reserved = (this.reservedUnits.get(walletId, currency) as { u: bigint }).u;
    const allowed = Dec.of(fromUnits(bal, precision)).mul(w.tradeableFraction).round(precision, 'down');
    const left = allowed.sub(fromUnits(reserved, precision));
    return left.isNegative() ? '0' : left.toString();
  }

  reserve(input: ReserveInput): Reservation {
    return this.conn.tx(() => {
      if (input.id) {
        const existing = this.conn.sqlite.prepare(`SELECT * FROM reservations WHERE id = ?`).get(input.id) as Row | undefined;
        if (existing) return mapReservation(existing);
      }
      this.expireInTx();
      const precision = this.wallets.ensureCurrency(input.currency);
      const amount = Dec.of(input.amount);
      if (!amount.isPositive()) throw new LedgerError('invalid', 'a reservation must be positive');
      const units = toUnits(amount, precision, 'reservation');
      const w = this.wallets.get(input.walletId);
      if (!USER_WALLET_KINDS.includes(w.kind)) throw new LedgerError('invalid', `cannot reserve on a ${w.kind} account`);
      const left = this.tradeableInTx(input.walletId, input.currency);
      if (amount.gt(left)) {
        throw new LedgerError(
          'insufficient',
          `cannot reserve ${amount.toString()} ${input.currency} on ${input.walletId}: only ${left} is tradeable (balance ${this.journal.balance(input.walletId, input.currency)} x fraction ${w.tradeableFraction} - active reservations)`,
        );
      }
      const now = this.conn.now();
      const id = input.id ?? rid('rsv');
      this.conn.sqlite
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
      this.events.appendInTx({
        type: 'ledger.reserved',
        summary: `reserved ${amount.toString()} ${input.currency} on ${input.walletId} for ${input.purpose}`,
        data: { reservationId: id, walletId: input.walletId, currency: input.currency, amount: amount.toString() },
        correlationId: input.correlationId ?? null,
      });
      return this.get(id);
    });
  }

  get(id: string): Reservation {
    const r = this.conn.sqlite.prepare(`SELECT * FROM reservations WHERE id = ?`).get(id) as Row | undefined;
    if (!r) throw new LedgerError('not_found', `no reservation ${id}`);
    return mapReservation(r);
  }

  list(opts: ReservationQuery = {}): Reservation[] {
    this.expire();
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
      this.conn.sqlite
        .prepare(`SELECT * FROM reservations ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC LIMIT ${limit}`)
        .all(...args) as Row[]
    ).map(mapReservation);
  }

  /** Count `amount` of an active reservation as spent; the hold shrinks by the same amount. */
  consumeInTx(reservationId: string, amount: string): Reservation {
    const r = this.get(reservationId);
    if (r.status !== 'active') throw new LedgerError('conflict', `reservation ${reservationId} is ${r.status}`);
    const precision = this.wallets.precision(r.currency);
    const consumed = Dec.of(r.consumed).add(amount);
    if (consumed.gt(r.amount)) {
      throw new LedgerError('insufficient', `reservation ${reservationId} holds ${r.amount} ${r.currency}; consuming ${consumed.toString()} would exceed it`);
    }
    const remaining = Dec.of(r.amount).sub(consumed);
    const remainingUnits = toUnits(remaining.round(precision, 'down'), precision);
    if (remainingUnits === 0n) {
      this.conn.sqlite
        .prepare(`UPDATE reservations SET consumed = ?, status = 'consumed', closed_at = ?, units = 0 WHERE id = ?`)
        .run(consumed.toString(), this.conn.nowIso(), reservationId);
    } else {
      // `units` tracks the remaining hold so tradeable() needs one indexed sum.
      this.conn.sqlite.prepare(`UPDATE reservations SET consumed = ?, units = ? WHERE id = ?`).run(consumed.toString(), remainingUnits, reservationId);
    }
    return this.get(reservationId);
  }

  consume(reservationId: string, amount: string): Reservation {
    return this.conn.tx(() => this.consumeInTx(reservationId, amount));
  }

  /** Close an active reservation, freeing what was not consumed. */
  release(reservationId: string, reason = 'released'): Reservation {
    return this.conn.tx(() => this.releaseInTx(reservationId, reason));
  }

  releaseInTx(reservationId: string, reason = 'released'): Reservation {
    const r = this.get(reservationId);
    if (r.status !== 'active') return r;
    const status = Dec.of(r.consumed).isPositive() ? 'consumed' : 'released';
    this.conn.sqlite.prepare(`UPDATE reservations SET status = ?, closed_at = ?, units = 0 WHERE id = ?`).run(status, this.conn.nowIso(), reservationId);
    this.events.appendInTx({
      type: 'ledger.reservation_closed',
      summary: `reservation ${reservationId} ${status} (${r.consumed} of ${r.amount} ${r.currency} used): ${reason}`,
      data: { reservationId, status, consumed: r.consumed, amount: r.amount, reason },
      correlationId: r.correlationId,
    });
    return this.get(reservationId);
  }

  expire(): number {
    return this.conn.tx(() => this.expireInTx());
  }

  private expireInTx(): number {
    const now = this.conn.nowIso();
    const res = this.conn.sqlite
      .prepare(`UPDATE reservations SET status = 'expired', closed_at = ?, units = 0 WHERE status = 'active' AND expires_at <= ?`)
      .run(now, now);
    return res.changes;
  }

  /** Move funds between two user wallets (funding -> trading and back), carrying a reservation along. */
  transferInTx(input: TransferInput): PostResult {
    const res = this.journal.postInTx({
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
      this.conn.sqlite.prepare(`UPDATE reservations SET wallet_id = ? WHERE id = ? AND status = 'active'`).run(input.to, input.reservationId);
    }
    return res;
  }

  transfer(input: TransferInput): PostResult {
    return this.conn.tx(() => this.transferInTx(input));
  }
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
