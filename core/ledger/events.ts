/**
 * The domain event log (`events`): intent -> decision -> gate -> order -> fill -> judge, by
 * correlation id. Append-only (triggers refuse UPDATE and DELETE); listeners hear of an event only
 * once it is stored.
 */
import type { Statement } from 'better-sqlite3';
import type { LedgerConnection, Row } from './connection';
import { rid } from './ids';

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

export interface EventQuery {
  correlationId?: string;
  type?: string;
  limit?: number;
  afterSeq?: number;
}

export class EventLog {
  private readonly insertEvent: Statement;

  constructor(
    private readonly conn: LedgerConnection,
    private readonly onEvent?: (e: DomainEvent) => void,
  ) {
    this.insertEvent = conn.sqlite.prepare(
      `INSERT INTO events (id, type, at, recorded_at, correlation_id, causation_id, summary, data_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
  }

  append(input: AppendEventInput): DomainEvent {
    return this.appendInTx(input);
  }

  /** Append inside the caller's transaction; listeners hear of it only once it is stored. */
  appendInTx(input: AppendEventInput): DomainEvent {
    const id = input.id ?? rid('evt');
    const existing = input.id ? (this.conn.sqlite.prepare(`SELECT * FROM events WHERE id = ?`).get(id) as Row | undefined) : undefined;
    if (existing) return mapEvent(existing);
    const at = input.at ?? this.conn.nowIso();
    const recordedAt = this.conn.nowIso();
    const data = input.data ?? {};
    const info = this.insertEvent.run(
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
          this.conn.log.warn('event listener failed', { error: (err as Error).message });
        }
      };
      if (this.conn.sqlite.inTransaction) queueMicrotask(notify);
      else notify();
    }
    return ev;
  }

  list(opts: EventQuery = {}): DomainEvent[] {
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
    const rows = this.conn.sqlite
      .prepare(`SELECT * FROM events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ${limit}`)
      .all(...args) as Row[];
    return rows.map(mapEvent).reverse();
  }
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
