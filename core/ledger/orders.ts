/**
 * Orders (one per idempotency key: `client_order_id` is unique), their fills (one per exchange
 * trade id, each booked as a journal entry that consumes the order's reservation) and the cost
 * gate's decisions.
 */
import { Dec } from '../domain/decimal';
import { parseProduct } from '../domain/product';
import type { LedgerConnection, Row } from './connection';
import type { CostGateResult } from './cost-gate';
import { LedgerError } from './errors';
import type { EventLog } from './events';
import { rid } from './ids';
import type { Journal, PostingInput } from './journal';
import type { Reservations } from './reservations';
import { walletId, type Wallets } from './wallets';

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

export type NewOrderInput = Omit<
  OrderRow,
  'id' | 'createdAt' | 'updatedAt' | 'filledBase' | 'exchangeOrderId' | 'placedBy' | 'blockRule' | 'sentAt' | 'stopPrice'
> & {
  id?: string;
  placedBy?: string | null;
  blockRule?: string | null;
  stopPrice?: string | null;
};

export type OrderPatch = Partial<
  Pick<OrderRow, 'status' | 'reason' | 'exchangeOrderId' | 'costEstimateId' | 'reservationId' | 'preview' | 'mode' | 'blockRule' | 'sentAt'>
>;

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

/** A recorded fill of one order and the journal entry that booked it. */
export interface FillRecord {
  tradeId: string;
  size: string;
  price: string;
  fee: string;
  at: string;
  entryId: string;
}

export interface CostDecisionInput {
  clientOrderId: string;
  product: string;
  side: string;
  expectedEdge: string;
  gate: CostGateResult;
  overrideReason?: string;
}

export class Orders {
  constructor(
    private readonly conn: LedgerConnection,
    private readonly wallets: Wallets,
    private readonly journal: Journal,
    private readonly reservations: Reservations,
    private readonly events: EventLog,
  ) {}

  /** Insert the order unless its client_order_id exists; returns the stored row either way. */
  create(input: NewOrderInput): { order: OrderRow; created: boolean } {
    return this.conn.tx(() => {
      const existing = this.byClientId(input.clientOrderId);
      if (existing) return { order: existing, created: false };
      const now = this.conn.nowIso();
      const id = input.id ?? rid('ord');
      this.conn.sqlite
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
      return { order: this.get(id), created: true };
    });
  }

  get(id: string): OrderRow {
    const r = this.conn.sqlite.prepare(`SELECT * FROM orders WHERE id = ?`).get(id) as Row | undefined;
    if (!r) throw new LedgerError('not_found', `no order ${id}`);
    return mapOrder(r);
  }

  byClientId(clientOrderId: string): OrderRow | null {
    const r = this.conn.sqlite.prepare(`SELECT * FROM orders WHERE client_order_id = ?`).get(clientOrderId) as Row | undefined;
    return r ? mapOrder(r) : null;
  }

  list(opts: { status?: OrderStatus; limit?: number } = {}): OrderRow[] {
    const limit = Math.min(Math.max(opts.limit ?? 100, 1), 1000);
    const rows = (
      opts.status
        ? this.conn.sqlite.prepare(`SELECT * FROM orders WHERE status = ? ORDER BY created_at DESC LIMIT ${limit}`).all(opts.status)
        : this.conn.sqlite.prepare(`SELECT * FROM orders ORDER BY created_at DESC LIMIT ${limit}`).all()
    ) as Row[];
    return rows.map(mapOrder);
  }

  update(id: string, patch: OrderPatch): OrderRow {
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
    args.push(this.conn.nowIso());
    this.conn.sqlite.prepare(`UPDATE orders SET ${cols.join(', ')} WHERE id = ?`).run(...args, id);
    return this.get(id);
  }

  /**
   * Record one exchange fill: the trade entry (trading wallet <-> market, fee to the fees account),
   * the fill row, the order's filled size, and the reservation consumed - all or nothing. A trade id
   * seen before is ignored, so WebSocket and REST may both report it.
   */
  recordFill(fill: FillInput): { duplicate: boolean; entryId: string } {
    return this.conn.tx(() => {
      const seen = this.conn.sqlite.prepare(`SELECT entry_id FROM fills WHERE trade_id = ?`).get(fill.tradeId) as { entry_id: string } | undefined;
      if (seen) return { duplicate: true, entryId: seen.entry_id };
      const order = this.get(fill.orderId);
      const w = this.wallets.get(order.walletId);
      const { base, quote } = parseProduct(order.product);
      const market = walletId(w.exchange, w.exchangeAccount, 'market');
      const fees = walletId(w.exchange, w.exchangeAccount, 'fees');
      const size = this.wallets.roundFor(base, fill.size);
      const notional = this.wallets.roundFor(quote, Dec.of(fill.size).mul(fill.price));
      const fee = this.wallets.roundFor(quote, fill.fee, 'up');
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
      const { entryId } = this.journal.postInTx({
        kind: 'fill',
        memo: `${order.side} ${size} ${order.product} @ ${fill.price} (fee ${fee} ${quote})`,
        correlationId: order.correlationId,
        sourceRef: fill.tradeId,
        postings: cleaned,
        at: fill.at,
      });
      this.conn.sqlite
        .prepare(
          `INSERT INTO fills (trade_id, order_id, product, side, size, price, fee, fee_currency, liquidity, at, entry_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(fill.tradeId, order.id, order.product, order.side, size, fill.price, fee, quote, fill.liquidity ?? 'UNKNOWN', fill.at ?? this.conn.nowIso(), entryId);
      const filled = Dec.of(order.filledBase).add(size);
      this.conn.sqlite.prepare(`UPDATE orders SET filled_base = ?, updated_at = ? WHERE id = ?`).run(filled.toString(), this.conn.nowIso(), order.id);
      if (order.reservationId) {
        const r = this.reservations.get(order.reservationId);
        if (r.status === 'active') {
          const spent = order.side === 'BUY' ? Dec.of(notional).add(fee) : Dec.of(size);
          const room = Dec.of(r.amount).sub(r.consumed);
          this.reservations.consumeInTx(r.id, Dec.min(spent, room).toString());
        }
      }
      this.events.appendInTx({
        type: 'order.fill',
        summary: `fill ${order.side} ${size} ${order.product} @ ${fill.price}, fee ${fee} ${quote}`,
        data: { orderId: order.id, clientOrderId: order.clientOrderId, tradeId: fill.tradeId, size, price: fill.price, fee, entryId },
        correlationId: order.correlationId,
      });
      return { duplicate: false, entryId };
    });
  }

  fillsFor(orderId: string): FillRecord[] {
    return (
      this.conn.sqlite.prepare(`SELECT trade_id, size, price, fee, at, entry_id FROM fills WHERE order_id = ? ORDER BY at, trade_id`).all(orderId) as Row[]
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
    const rows = this.conn.sqlite
      .prepare(
        `SELECT f.product, f.side, f.size, f.price, f.fee, f.at FROM fills f JOIN orders o ON o.id = f.order_id
         WHERE o.mode = 'live' ${sinceIso ? 'AND f.at >= ?' : ''} ORDER BY f.at, f.trade_id`,
      )
      .all(...(sinceIso ? [sinceIso] : [])) as Row[];
    return rows.map((r) => ({ product: String(r.product), side: r.side as LiveFillRow['side'], size: String(r.size), price: String(r.price), fee: String(r.fee), at: String(r.at) }));
  }

  /** Live orders sent to the exchange (or being sent) since `sinceIso`: the day's trade count. */
  liveOrdersSentSince(sinceIso: string): number {
    const r = this.conn.sqlite
      .prepare(`SELECT count(*) AS n FROM orders WHERE mode = 'live' AND status IN ('submitting', 'open', 'filled', 'cancelled', 'failed') AND created_at >= ?`)
      .get(sinceIso) as { n: number };
    return Number(r.n);
  }

  recordCostDecision(input: CostDecisionInput): string {
    const id = rid('cost');
    const { quote } = parseProduct(input.product);
    const g = input.gate;
    this.conn.sqlite
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
        this.conn.nowIso(),
      );
    return id;
  }

  costDecision(id: string): Row | null {
    return (this.conn.sqlite.prepare(`SELECT * FROM cost_estimates WHERE id = ?`).get(id) as Row | undefined) ?? null;
  }
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
