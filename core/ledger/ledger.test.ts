import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../runtime/log';
import { LedgerError } from './errors';
import { LIVE_ARM_PHRASE, Ledger, openLedger } from './ledger';

let dir: string;
let file: string;
let ledger: Ledger;
let t = Date.parse('2026-01-01T00:00:00Z');
const now = () => new Date(t);

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-ledger-'));
  file = path.join(dir, 'ledger.sqlite');
  t = Date.parse('2026-01-01T00:00:00Z');
  ledger = openLedger(file, { log: silentLogger, now });
});
afterEach(() => {
  ledger.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function seeded(usd = '1000') {
  const { funding, trading } = ledger.ensureAccount('coinbase', 'pf1');
  ledger.post({
    kind: 'opening',
    memo: 'opening balance',
    postings: [
      { walletId: funding.id, currency: 'USD', amount: usd },
      { walletId: Ledger.walletId('coinbase', 'pf1', 'equity'), currency: 'USD', amount: `-${usd}` },
    ],
  });
  return { funding, trading };
}

describe('opening the file', () => {
  it('runs in WAL mode with foreign keys on and records the schema version', () => {
    expect(ledger.sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(ledger.sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(ledger.sqlite.pragma('user_version', { simple: true })).toBe(ledger.schemaVersion);
    ledger.close();
    ledger = openLedger(file, { log: silentLogger, now });
    expect(ledger.verify()).toEqual([]);
  });

  it('posts in the first transaction after reopening an existing file', () => {
    const { funding, trading } = seeded('10');
    ledger.close();
    ledger = openLedger(file, { log: silentLogger, now });
    ledger.transfer({ from: funding.id, to: trading.id, currency: 'USD', amount: '1', memo: 'first after reopen' });
    expect(ledger.balance(trading.id, 'USD')).toBe('1');
  });

  it('refuses a database written by a newer version and leaves it unchanged', () => {
    ledger.close();
    const raw = new Database(file);
    raw.pragma(`user_version = ${ledger.schemaVersion + 5}`);
    raw.close();
    const before = fs.readFileSync(file);
    expect(() => openLedger(file, { log: silentLogger })).toThrow(/newer version of Vigil/);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
    const raw2 = new Database(file);
    raw2.pragma(`user_version = ${ledger.schemaVersion}`);
    raw2.prepare(`INSERT INTO __drizzle_migrations (hash, created_at) VALUES ('future', 99999999999999)`).run();
    raw2.close();
    expect(() => openLedger(file, { log: silentLogger })).toThrow(/newer version/);
  });

  it('reports a file that is not a database and never overwrites it', () => {
    ledger.close();
    const junk = path.join(dir, 'junk.sqlite');
    fs.writeFileSync(junk, 'this is my tax spreadsheet, not a database'.repeat(100));
    const before = fs.readFileSync(junk);
    const err = (() => {
      try {
        openLedger(junk, { log: silentLogger });
      } catch (e) {
        return e as LedgerError;
      }
      return null;
    })();
    expect(err?.code).toBe('corrupt');
    expect(err?.message).toMatch(/not a SQLite database.*left untouched/);
    expect(fs.readFileSync(junk).equals(before)).toBe(true);
  });

  it('detects a corrupted page with quick_check and leaves the file alone', () => {
    seeded();
    for (let i = 0; i < 300; i++) ledger.appendEvent({ type: 'filler', summary: `event ${i}`.padEnd(400, 'x') });
    ledger.sqlite.pragma('wal_checkpoint(TRUNCATE)');
    ledger.close();
    const buf = fs.readFileSync(file);
    // Scribble over the middle of the file but keep the header, as a bad disk sector would.
    for (let i = 4096 * 3; i < 4096 * 6 && i < buf.length; i++) buf[i] = (i * 7) & 0xff;
    fs.writeFileSync(file, buf);
    const before = fs.readFileSync(file);
    expect(() => openLedger(file, { log: silentLogger })).toThrow(LedgerError);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
  });
});

describe('journal', () => {
  it('posts balanced entries and keeps balances as the sum of postings', () => {
    const { funding, trading } = seeded('1000');
    ledger.transfer({ from: funding.id, to: trading.id, currency: 'USD', amount: '250.5', memo: 'move' });
    expect(ledger.balance(funding.id, 'USD')).toBe('749.5');
    expect(ledger.balance(trading.id, 'USD')).toBe('250.5');
    expect(ledger.verify()).toEqual([]);
    const j = ledger.journal({ walletId: trading.id });
    expect(j).toHaveLength(1);
    expect(j[0]!.postings.map((p) => p.amount).sort()).toEqual(['-250.5', '250.5']);
  });

  it('refuses an unbalanced entry, an over-precise amount and an overdraft, changing nothing', () => {
    const { funding, trading } = seeded('10');
    expect(() =>
      ledger.post({ kind: 'x', memo: 'bad', postings: [{ walletId: funding.id, currency: 'USD', amount: '-1' }, { walletId: trading.id, currency: 'USD', amount: '2' }] }),
    ).toThrow(/does not balance in USD/);
    expect(() =>
      ledger.post({
        kind: 'x',
        memo: 'bad',
        postings: [
          { walletId: funding.id, currency: 'USD', amount: '-0.000000001' },
          { walletId: trading.id, currency: 'USD', amount: '0.000000001' },
        ],
      }),
    ).toThrow(/more than 8 decimal places/);
    expect(() => ledger.transfer({ from: funding.id, to: trading.id, currency: 'USD', amount: '10.01', memo: 'too much' })).toThrow(/would go negative/);
    expect(ledger.balance(funding.id, 'USD')).toBe('10');
    expect(ledger.journal()).toHaveLength(1);
    expect(ledger.verify()).toEqual([]);
  });

  it('the database itself refuses unbalanced, edited or deleted entries (tamper attempts)', () => {
    const { funding, trading } = seeded('10');
    const db = ledger.sqlite;
    // Write an unbalanced entry by hand and try to seal it.
    const attempt = db.transaction(() => {
      db.prepare(`INSERT INTO journal_entries (id, kind, memo, at, sealed) VALUES ('je_evil', 'x', 'evil', '2026', 0)`).run();
      db.prepare(`INSERT INTO postings (entry_id, wallet_id, currency, amount, units) VALUES ('je_evil', ?, 'USD', '5', 500000000)`).run(trading.id);
      db.prepare(`INSERT INTO postings (entry_id, wallet_id, currency, amount, units) VALUES ('je_evil', ?, 'USD', '-4', -400000000)`).run(funding.id);
      db.prepare(`UPDATE journal_entries SET sealed = 1 WHERE id = 'je_evil'`).run();
    });
    expect(() => attempt()).toThrow(/does not balance/);
    // The same, written the way the ledger writes: postings first, then the sealed entry row.
    expect(() =>
      db.transaction(() => {
        db.pragma('defer_foreign_keys = ON');
        db.prepare(`INSERT INTO postings (entry_id, wallet_id, currency, amount, units) VALUES ('je_evil2', ?, 'USD', '5', 500000000)`).run(trading.id);
        db.prepare(`INSERT INTO postings (entry_id, wallet_id, currency, amount, units) VALUES ('je_evil2', ?, 'USD', '-5', -400000000)`).run(funding.id);
        db.prepare(`INSERT INTO journal_entries (id, kind, memo, at, sealed) VALUES ('je_evil2', 'x', 'evil', '2026', 1)`).run();
      })(),
    ).toThrow(/does not balance/);
    // Postings whose entry never appears fail the deferred foreign key at commit.
    expect(() =>
      db.transaction(() => {
        db.pragma('defer_foreign_keys = ON');
        db.prepare(`INSERT INTO postings (entry_id, wallet_id, currency, amount, units) VALUES ('je_ghost', ?, 'USD', '5', 500000000)`).run(trading.id);
      })(),
    ).toThrow(/FOREIGN KEY/);
    // A single-posting entry is refused too.
    expect(() =>
      db.transaction(() => {
        db.prepare(`INSERT INTO journal_entries (id, kind, memo, at, sealed) VALUES ('je_one', 'x', 'one', '2026', 0)`).run();
        db.prepare(`UPDATE journal_entries SET sealed = 1 WHERE id = 'je_one'`).run();
      })(),
    ).toThrow(/does not balance/);
    expect(() => db.prepare(`UPDATE postings SET units = units * 2`).run()).toThrow(/append-only/);
    expect(() => db.prepare(`DELETE FROM postings`).run()).toThrow(/append-only/);
    expect(() => db.prepare(`UPDATE journal_entries SET memo = 'changed'`).run()).toThrow(/immutable/);
    expect(() => db.prepare(`DELETE FROM journal_entries`).run()).toThrow(/immutable/);
    const entryId = ledger.journal()[0]!.id;
    expect(() => db.prepare(`INSERT INTO postings (entry_id, wallet_id, currency, amount, units) VALUES (?, ?, 'USD', '1', 100000000)`).run(entryId, trading.id)).toThrow(
      /open journal entry/,
    );
    expect(() => db.prepare(`UPDATE balances SET units = -1 WHERE wallet_id = ?`).run(funding.id)).toThrow(/cannot go negative/);
    ledger.appendEvent({ type: 'probe', summary: 'probe' });
    expect(() => db.prepare(`DELETE FROM events`).run()).toThrow(/append-only/);
    expect(() => db.prepare(`UPDATE events SET summary = 'x'`).run()).toThrow(/append-only/);
    expect(ledger.verify()).toEqual([]);
  });

  it('replaying the same source returns the first entry', () => {
    const { funding, trading } = seeded('10');
    const a = ledger.transfer({ from: funding.id, to: trading.id, currency: 'USD', amount: '1', memo: 'm', sourceRef: 'x1' });
    const b = ledger.transfer({ from: funding.id, to: trading.id, currency: 'USD', amount: '1', memo: 'm', sourceRef: 'x1' });
    expect(b).toEqual({ entryId: a.entryId, duplicate: true });
    expect(ledger.balance(trading.id, 'USD')).toBe('1');
  });

  it('rebuilds the projection from postings', () => {
    const { funding, trading } = seeded('10');
    ledger.transfer({ from: funding.id, to: trading.id, currency: 'USD', amount: '3', memo: 'm' });
    const before = ledger.balances();
    ledger.rebuildBalances();
    expect(ledger.balances()).toEqual(before);
    expect(ledger.verify()).toEqual([]);
  });
});

describe('tradeable fraction and reservations', () => {
  it('nothing is tradeable until the user sets a fraction', () => {
    const { funding } = seeded('1000');
    expect(ledger.tradeable(funding.id, 'USD')).toBe('0');
    expect(() => ledger.reserve({ walletId: funding.id, currency: 'USD', amount: '1', purpose: 'test' })).toThrow(/only 0 is tradeable/);
    ledger.setTradeableFraction(funding.id, '0.25');
    expect(ledger.tradeable(funding.id, 'USD')).toBe('250');
    const r = ledger.reserve({ walletId: funding.id, currency: 'USD', amount: '200', purpose: 'test' });
    expect(ledger.tradeable(funding.id, 'USD')).toBe('50');
    expect(() => ledger.reserve({ walletId: funding.id, currency: 'USD', amount: '50.01', purpose: 'test' })).toThrow(LedgerError);
    ledger.consume(r.id, '120');
    expect(ledger.tradeable(funding.id, 'USD')).toBe('170');
    expect(() => ledger.consume(r.id, '81')).toThrow(/would exceed/);
    const closed = ledger.release(r.id);
    expect(closed.status).toBe('consumed');
    expect(ledger.tradeable(funding.id, 'USD')).toBe('250');
    expect(() => ledger.setTradeableFraction(funding.id, '1.5')).toThrow(/between 0 and 1/);
    expect(() => ledger.setTradeableFraction('nope', '0.5')).toThrow(/no wallet/);
  });

  it('reservations expire after their TTL', () => {
    const { funding } = seeded('100');
    ledger.setTradeableFraction(funding.id, '1');
    const r = ledger.reserve({ walletId: funding.id, currency: 'USD', amount: '100', purpose: 'test', ttlMs: 60_000 });
    expect(ledger.tradeable(funding.id, 'USD')).toBe('0');
    t += 61_000;
    expect(ledger.tradeable(funding.id, 'USD')).toBe('100');
    expect(ledger.reservation(r.id).status).toBe('expired');
  });
});

describe('orders and fills', () => {
  it('records a buy fill as a balanced entry, once, and consumes the reservation', () => {
    const { funding, trading } = seeded('1000');
    ledger.setTradeableFraction(funding.id, '1');
    const r = ledger.reserve({ walletId: funding.id, currency: 'USD', amount: '101', purpose: 'order' });
    ledger.transfer({ from: funding.id, to: trading.id, currency: 'USD', amount: '101', memo: 'fund', reservationId: r.id });
    const { order } = ledger.createOrder({
      clientOrderId: 'k1',
      walletId: trading.id,
      product: 'BTC-USD',
      side: 'BUY',
      orderType: 'market',
      baseSize: '0.002',
      quoteSize: null,
      limitPrice: null,
      postOnly: false,
      mode: 'live',
      status: 'open',
      reason: null,
      reservationId: r.id,
      costEstimateId: null,
      preview: null,
      correlationId: 'c1',
    });
    expect(ledger.createOrder({ ...order, clientOrderId: 'k1' }).created).toBe(false);
    ledger.recordFill({ tradeId: 't1', orderId: order.id, size: '0.001', price: '50000', fee: '0.3' });
    expect(ledger.recordFill({ tradeId: 't1', orderId: order.id, size: '0.001', price: '50000', fee: '0.3' }).duplicate).toBe(true);
    ledger.recordFill({ tradeId: 't2', orderId: order.id, size: '0.001', price: '50010', fee: '0.30006' });
    expect(ledger.balance(trading.id, 'BTC')).toBe('0.002');
    expect(ledger.balance(trading.id, 'USD')).toBe('0.38994');
    expect(ledger.balance(Ledger.walletId('coinbase', 'pf1', 'fees'), 'USD')).toBe('0.60006');
    expect(ledger.order(order.id).filledBase).toBe('0.002');
    expect(ledger.reservation(r.id).consumed).toBe('100.61006');
    expect(ledger.fillsFor(order.id)).toHaveLength(2);
    expect(ledger.verify()).toEqual([]);
    expect(ledger.listEvents({ correlationId: 'c1', type: 'order.fill' })).toHaveLength(2);
  });
});

describe('idempotency keys', () => {
  it('returns the stored result for the same request, refuses a different one, and reuses an expired key', () => {
    expect(ledger.claimKey('k', 'order', { a: 1, b: 2 }, 1000)).toEqual({ state: 'new' });
    ledger.completeKey('k', { orderId: 'o1' });
    expect(ledger.claimKey('k', 'order', { b: 2, a: 1 })).toEqual({ state: 'existing', result: { orderId: 'o1' } });
    expect(() => ledger.claimKey('k', 'order', { a: 2 })).toThrow(/different request/);
    t += 2000;
    expect(ledger.claimKey('k', 'order', { a: 2 })).toEqual({ state: 'new' });
    t += 10 * 24 * 3600_000;
    expect(ledger.purgeExpiredKeys()).toBe(1);
  });
});

describe('live trading setting', () => {
  it('is off by default and arms only with the exact phrase', () => {
    expect(ledger.liveStatus().armed).toBe(false);
    expect(() => ledger.armLive('yes', 'test')).toThrow(/type the phrase exactly/);
    expect(ledger.liveStatus().armed).toBe(false);
    expect(ledger.armLive(LIVE_ARM_PHRASE, 'test').armed).toBe(true);
    ledger.close();
    ledger = openLedger(file, { log: silentLogger, now });
    expect(ledger.liveStatus().armed).toBe(true);
    expect(ledger.disarmLive('test').armed).toBe(false);
    expect(ledger.listEvents({ type: 'live_trading.*' }).map((e) => e.type)).toEqual(['live_trading.armed', 'live_trading.disarmed']);
  });
});

describe('event log', () => {
  it('appends with correlation and causation ids, filters, and refuses a replayed id', () => {
    const heard: string[] = [];
    ledger.close();
    ledger = openLedger(file, { log: silentLogger, now, onEvent: (e) => heard.push(e.type) });
    const a = ledger.appendEvent({ type: 'intent', summary: 'buy', correlationId: 'c9', data: { x: '1' } });
    ledger.appendEvent({ type: 'decision', summary: 'ok', correlationId: 'c9', causationId: a.id });
    ledger.appendEvent({ type: 'intent', summary: 'other', correlationId: 'c10' });
    const again = ledger.appendEvent({ id: a.id, type: 'intent', summary: 'dup' });
    expect(again.seq).toBe(a.seq);
    const timeline = ledger.listEvents({ correlationId: 'c9' });
    expect(timeline.map((e) => e.type)).toEqual(['intent', 'decision']);
    expect(timeline[1]!.causationId).toBe(a.id);
    expect(ledger.listEvents({ type: 'intent', limit: 1 }).map((e) => e.summary)).toEqual(['other']);
    expect(heard).toEqual(['intent', 'decision', 'intent']);
  });
});

describe('reconcile', () => {
  it('stores drift, proposes a correction, and posts it only when approved', () => {
    const { funding } = seeded('100');
    const clean = ledger.reconcile({ exchange: 'coinbase', exchangeBalances: { pf1: { USD: '100' } }, threshold: '0.01' });
    expect(clean.status).toBe('clean');
    const run = ledger.reconcile({ exchange: 'coinbase', exchangeBalances: { pf1: { USD: '97.5', BTC: '0.1' } }, threshold: '0.01' });
    expect(run.status).toBe('drift');
    expect(run.maxDrift).toBe('2.5');
    const usd = run.drifts.find((d) => d.currency === 'USD')!;
    const btc = run.drifts.find((d) => d.currency === 'BTC')!;
    expect(usd).toMatchObject({ drift: '-2.5', correction: 'proposed', aboveThreshold: true });
    expect(ledger.balance(funding.id, 'USD')).toBe('100');
    ledger.approveCorrection(usd.id, 'test');
    expect(ledger.balance(funding.id, 'USD')).toBe('97.5');
    expect(() => ledger.approveCorrection(usd.id, 'test')).toThrow(/no pending correction/);
    ledger.rejectCorrection(btc.id, 'test');
    expect(ledger.balance(funding.id, 'BTC')).toBe('0');
    expect(ledger.reconcileHistory()).toHaveLength(2);
    expect(ledger.listEvents({ type: 'reconcile.drift' })).toHaveLength(1);
    expect(ledger.verify()).toEqual([]);
  });
});
