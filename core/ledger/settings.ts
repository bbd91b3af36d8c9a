/**
 * Persisted settings (`settings`) and the one that matters most: whether live trading is armed.
 * Arming takes the exact phrase; arming and disarming are events.
 */
import type { LedgerConnection } from './connection';
import { LedgerError } from './errors';
import type { EventLog } from './events';
import { LIVE_ARM_PHRASE, SETTING_LIVE_ARMED } from './live';

export interface LiveStatus {
  armed: boolean;
  armedAt: string | null;
  phrase: string;
}

export class Settings {
  constructor(
    private readonly conn: LedgerConnection,
    private readonly events: EventLog,
  ) {}

  get(key: string): string | null {
    const r = this.conn.sqlite.prepare(`SELECT value FROM settings WHERE key = ?`).get(key) as { value: string } | undefined;
    return r?.value ?? null;
  }

  set(key: string, value: string): void {
    this.conn.sqlite
      .prepare(`INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`)
      .run(key, value, this.conn.nowIso());
  }

  liveStatus(): LiveStatus {
    const raw = this.get(SETTING_LIVE_ARMED);
    const parsed = raw ? (JSON.parse(raw) as { armed: boolean; at: string }) : null;
    return { armed: parsed?.armed === true, armedAt: parsed?.armed ? parsed.at : null, phrase: LIVE_ARM_PHRASE };
  }

  armLive(confirm: string, door: string): LiveStatus {
    if (confirm !== LIVE_ARM_PHRASE) {
      throw new LedgerError('invalid', `live trading not armed: type the phrase exactly: "${LIVE_ARM_PHRASE}"`);
    }
    this.conn.tx(() => {
      this.set(SETTING_LIVE_ARMED, JSON.stringify({ armed: true, at: this.conn.nowIso(), door }));
      this.events.appendInTx({ type: 'live_trading.armed', summary: `live trading armed via ${door}`, data: { door } });
    });
    return this.liveStatus();
  }

  disarmLive(door: string): LiveStatus {
    this.conn.tx(() => {
      this.set(SETTING_LIVE_ARMED, JSON.stringify({ armed: false, at: this.conn.nowIso(), door }));
      this.events.appendInTx({ type: 'live_trading.disarmed', summary: `live trading disarmed via ${door}`, data: { door } });
    });
    return this.liveStatus();
  }
}
