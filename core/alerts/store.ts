/**
 * `<dataDir>/alerts.sqlite`: every alert raised (what, when, where it was routed) and every webhook
 * delivery attempt (status, error, time taken) — the delivery log the Settings page shows. Kept
 * bounded: the newest 5,000 alerts and their attempts.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { AlertSchema, type Alert, type AlertKind, type Route } from './kinds';

const SCHEMA = `
PRAGMA journal_mode = WAL;
PRAGMA busy_timeout = 5000;
CREATE TABLE IF NOT EXISTS alerts (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  level TEXT NOT NULL,
  title TEXT NOT NULL,
  body TEXT NOT NULL,
  at INTEGER NOT NULL,
  data_json TEXT NOT NULL,
  desktop INTEGER NOT NULL,
  webhook INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS deliveries (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  alert_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  at INTEGER NOT NULL,
  url TEXT NOT NULL,
  ok INTEGER NOT NULL,
  status INTEGER,
  error TEXT,
  duration_ms INTEGER NOT NULL,
  final INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS deliveries_alert ON deliveries(alert_id, seq);
`;

const KEEP = 5000;

export interface DeliveryRow {
  alertId: string;
  attempt: number;
  at: number;
  url: string;
  ok: boolean;
  status: number | null;
  error: string | null;
  durationMs: number;
  /** The last attempt there will be: delivered, or given up after the retries. */
  final: boolean;
}

export interface AlertLogEntry extends Alert {
  route: Route;
  /** Where the webhook stands: not routed there, on its way, delivered, or given up. */
  webhookState: 'not_sent' | 'pending' | 'delivered' | 'failed';
  deliveries: DeliveryRow[];
}

type Row = Record<string, unknown>;

export class AlertStore {
  private constructor(private readonly db: Database.Database) {}

  static open(dataDir: string): AlertStore {
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const db = new Database(path.join(dataDir, 'alerts.sqlite'));
    db.exec(SCHEMA);
    return new AlertStore(db);
  }

  close(): void {
    this.db.close();
  }

  /** Records an alert once (a repeated id is ignored). */
  add(a: Alert, route: Route): void {
    this.db
      .prepare(`INSERT OR IGNORE INTO alerts (id, kind, level, title, body, at, data_json, desktop, webhook) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(a.id, a.kind, a.level, a.title, a.body, a.at, JSON.stringify(a.data), route.desktop ? 1 : 0, route.webhook ? 1 : 0);
    const r = this.db.prepare(`SELECT max(seq) AS s FROM alerts`).get() as { s: number | null };
    if (r.s !== null && r.s % 500 === 0) this.prune();
  }

  get(id: string): Alert | null {
    const r = this.db.prepare(`SELECT * FROM alerts WHERE id = ?`).get(id) as Row | undefined;
    return r ? mapAlert(r) : null;
  }

  recordDelivery(d: DeliveryRow): void {
    this.db
      .prepare(`INSERT INTO deliveries (alert_id, attempt, at, url, ok, status, error, duration_ms, final) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(d.alertId, d.attempt, d.at, d.url, d.ok ? 1 : 0, d.status, d.error, d.durationMs, d.final ? 1 : 0);
  }

  deliveries(alertId: string): DeliveryRow[] {
    return (this.db.prepare(`SELECT * FROM deliveries WHERE alert_id = ? ORDER BY seq`).all(alertId) as Row[]).map(mapDelivery);
  }

  /** Newest first. */
  log(opts: { limit?: number; kind?: AlertKind } = {}): AlertLogEntry[] {
    const limit = Math.min(Math.max(opts.limit ?? 50, 1), 500);
    const rows = (
      opts.kind
        ? this.db.prepare(`SELECT * FROM alerts WHERE kind = ? ORDER BY seq DESC LIMIT ${limit}`).all(opts.kind)
        : this.db.prepare(`SELECT * FROM alerts ORDER BY seq DESC LIMIT ${limit}`).all()
    ) as Row[];
    return rows.map((r) => {
      const a = mapAlert(r);
      const route = { desktop: r.desktop === 1, webhook: r.webhook === 1 };
      const deliveries = this.deliveries(a.id);
      const last = deliveries.at(-1);
      const webhookState: AlertLogEntry['webhookState'] = !route.webhook ? 'not_sent' : last?.ok ? 'delivered' : last?.final ? 'failed' : 'pending';
      return { ...a, route, webhookState, deliveries };
    });
  }

  private prune(): void {
    const cut = this.db.prepare(`SELECT seq FROM alerts ORDER BY seq DESC LIMIT 1 OFFSET ${KEEP}`).get() as { seq: number } | undefined;
    if (!cut) return;
    this.db.prepare(`DELETE FROM deliveries WHERE alert_id IN (SELECT id FROM alerts WHERE seq <= ?)`).run(cut.seq);
    this.db.prepare(`DELETE FROM alerts WHERE seq <= ?`).run(cut.seq);
  }
}

function mapAlert(r: Row): Alert {
  return AlertSchema.parse({ id: r.id, kind: r.kind, level: r.level, title: r.title, body: r.body, at: Number(r.at), data: JSON.parse(String(r.data_json)) as unknown });
}

function mapDelivery(r: Row): DeliveryRow {
  return {
    alertId: String(r.alert_id),
    attempt: Number(r.attempt),
    at: Number(r.at),
    url: String(r.url),
    ok: r.ok === 1,
    status: r.status === null ? null : Number(r.status),
    error: (r.error as string | null) ?? null,
    durationMs: Number(r.duration_ms),
    final: r.final === 1,
  };
}
