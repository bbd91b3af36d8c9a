/**
 * Idempotency keys (`idempotency_keys`): one request per key. The same key with the same request
 * returns what the first one stored; with a different request it is a conflict; an expired key
 * may be used again (`purgeExpired` deletes them).
 */
import crypto from 'node:crypto';
import type { LedgerConnection, Row } from './connection';
import { LedgerError } from './errors';

export type KeyClaim = { state: 'new' } | { state: 'existing'; result: unknown };

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

export class IdempotencyKeys {
  constructor(private readonly conn: LedgerConnection) {}

  /**
   * Claim a key for one request. The same key with the same request returns what was stored
   * (`existing`); the same key with a different request is a conflict; an expired key is reused.
   */
  claim(key: string, scope: string, request: unknown, ttlMs = 24 * 3600_000): KeyClaim {
    const hash = hashRequest(request);
    return this.conn.tx(() => {
      const now = this.conn.nowIso();
      const row = this.conn.sqlite.prepare(`SELECT * FROM idempotency_keys WHERE key = ?`).get(key) as Row | undefined;
      if (row && String(row.expires_at) > now) {
        if (row.scope !== scope || row.request_hash !== hash) {
          throw new LedgerError('conflict', `idempotency key ${JSON.stringify(key)} was already used for a different request`);
        }
        return { state: 'existing', result: row.result_json === null ? null : JSON.parse(String(row.result_json)) };
      }
      this.conn.sqlite
        .prepare(
          `INSERT INTO idempotency_keys (key, scope, request_hash, result_json, created_at, expires_at) VALUES (?, ?, ?, NULL, ?, ?)
           ON CONFLICT(key) DO UPDATE SET scope = excluded.scope, request_hash = excluded.request_hash, result_json = NULL,
             created_at = excluded.created_at, expires_at = excluded.expires_at`,
        )
        .run(key, scope, hash, now, new Date(this.conn.now().getTime() + ttlMs).toISOString());
      return { state: 'new' };
    });
  }

  complete(key: string, result: unknown): void {
    this.conn.sqlite.prepare(`UPDATE idempotency_keys SET result_json = ? WHERE key = ?`).run(JSON.stringify(result ?? null), key);
  }

  purgeExpired(): number {
    return this.conn.sqlite.prepare(`DELETE FROM idempotency_keys WHERE expires_at <= ?`).run(this.conn.nowIso()).changes;
  }
}
