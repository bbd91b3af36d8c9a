/**
 * Ledger posting throughput: balanced entries per second through `Ledger.postMany` (per-entry
 * balance check in code, the seal trigger's per-currency integer sum in SQLite, balance
 * projection upserts, overdraft check), beside raw inserts of the same rows into the same
 * tables of the same file in the same run (no checks, no projection, no seal).
 *
 *   npx tsx bench/ledger.ts [entries=100000] [batch=1000]
 *
 * Targets: >= 50,000 balanced entries/s and >= 0.25 of the raw insert rate.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openLedger, Ledger, type EntryInput } from '../core/ledger/ledger';
import { silentLogger } from '../core/runtime/log';

const N = Number(process.argv[2] ?? 100_000);
const BATCH = Number(process.argv[3] ?? 1000);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-ledger-'));
const file = path.join(dir, 'ledger.sqlite');
const ledger = openLedger(file, { log: silentLogger });

const { funding, trading } = ledger.ensureAccount('coinbase', 'bench');
const equity = Ledger.walletId('coinbase', 'bench', 'equity');
ledger.post({
  kind: 'opening',
  memo: 'seed',
  postings: [
    { walletId: funding.id, currency: 'USD', amount: '100000000' },
    { walletId: equity, currency: 'USD', amount: '-100000000' },
  ],
});

function entry(i: number): EntryInput {
  const k = i >> 1; // out and back by the same amount, so balances stay positive
  const amt = `${(k % 997) + 1}.${String(k % 100).padStart(2, "0")}`;
  const there = i % 2 === 0;
  return {
    kind: 'transfer',
    memo: 'bench',
    postings: [
      { walletId: there ? funding.id : trading.id, currency: 'USD', amount: `-${amt}` },
      { walletId: there ? trading.id : funding.id, currency: 'USD', amount: amt },
    ],
  };
}

function measureLedger(): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < N; i += BATCH) {
    const batch: EntryInput[] = [];
    for (let j = i; j < Math.min(i + BATCH, N); j++) batch.push(entry(j));
    ledger.postMany(batch);
  }
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function measureRaw(): number {
  const db = ledger.sqlite;
  const insEntry = db.prepare(`INSERT INTO bench_raw_entries (id, kind, memo, at, sealed, correlation_id, source_ref) VALUES (?, ?, ?, ?, 1, NULL, NULL)`);
  const rawPostings = db.prepare(`INSERT INTO bench_raw_postings (entry_id, wallet_id, currency, amount, units) VALUES (?, ?, ?, ?, ?)`);
  const at = new Date().toISOString();
  const start = process.hrtime.bigint();
  for (let i = 0; i < N; i += BATCH) {
    db.transaction(() => {
      for (let j = i; j < Math.min(i + BATCH, N); j++) {
        const e = entry(j);
        const id = `raw_${j}`;
        insEntry.run(id, e.kind, e.memo, at);
        for (const p of e.postings) rawPostings.run(id, p.walletId, p.currency, p.amount, 0);
      }
    }).immediate();
  }
  return Number(process.hrtime.bigint() - start) / 1e9;
}

// The raw baseline writes into twin tables with the same columns and indexes but none of the
// ledger's triggers or foreign keys, which is exactly the cost being measured.
ledger.sqlite.exec(`CREATE TABLE bench_raw_entries AS SELECT * FROM journal_entries WHERE 0;
  CREATE UNIQUE INDEX bench_raw_entries_id ON bench_raw_entries (id);
  CREATE UNIQUE INDEX bench_raw_entries_source ON bench_raw_entries (kind, source_ref);
  CREATE INDEX bench_raw_entries_at ON bench_raw_entries (at);
  CREATE TABLE bench_raw_postings AS SELECT * FROM postings WHERE 0;
  CREATE INDEX bench_raw_postings_entry ON bench_raw_postings (entry_id);
  CREATE INDEX bench_raw_postings_wc ON bench_raw_postings (wallet_id, currency);`);

// Warm both paths (JIT, page cache) before measuring.
ledger.postMany([entry(0), entry(1)]);
const rawS = measureRaw();
const ledgerS = measureLedger();
const problems = ledger.verify();
const ledgerRate = N / ledgerS;
const rawRate = N / rawS;
const ratio = ledgerRate / rawRate;
const result = {
  entries: N,
  batch: BATCH,
  balancedEntriesPerSec: Math.round(ledgerRate),
  rawInsertEntriesPerSec: Math.round(rawRate),
  ratioToRaw: Number(ratio.toFixed(3)),
  postingsPerSec: Math.round(ledgerRate * 2),
  verify: problems.length === 0 ? 'ok' : problems,
  targets: { balancedEntriesPerSec: ledgerRate >= 50_000, ratioToRaw: ratio >= 0.25 },
};
ledger.close();
fs.rmSync(dir, { recursive: true, force: true });
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
process.exitCode = problems.length === 0 ? 0 : 1;
