/**
 * Opening the ledger file: refuse what we must not touch (not a SQLite file, a corrupt one, one
 * written by a newer Vigil), then migrate. Nothing here ever deletes or recreates a file: a bad
 * ledger is reported and left exactly as it was for the user (or a backup tool) to deal with.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import * as schema from './schema';
import { LedgerError } from './errors';

export type SqliteDb = Database.Database;
export type LedgerDrizzle = BetterSQLite3Database<typeof schema>;

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

export interface OpenDbOptions {
  migrationsFolder?: string;
  /** Milliseconds a writer waits for another process's lock (the host and the CLI share the file). */
  busyTimeoutMs?: number;
}

interface JournalFile {
  entries: { idx: number; when: number; tag: string }[];
}

export function defaultMigrationsFolder(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [
    path.resolve(here, '../../drizzle'),
    path.resolve(here, '../drizzle'),
    path.resolve(process.cwd(), 'drizzle'),
    ...(typeof (process as { resourcesPath?: string }).resourcesPath === 'string'
      ? [path.join((process as unknown as { resourcesPath: string }).resourcesPath, 'drizzle')]
      : []),
  ];
  for (const c of candidates) if (fs.existsSync(path.join(c, 'meta', '_journal.json'))) return c;
  throw new LedgerError('integrity', `ledger migrations not found (looked in ${candidates.join(', ')})`);
}

function readJournal(folder: string): JournalFile {
  const raw = JSON.parse(fs.readFileSync(path.join(folder, 'meta', '_journal.json'), 'utf8')) as JournalFile;
  if (!Array.isArray(raw.entries) || raw.entries.length === 0) throw new LedgerError('integrity', `no migrations in ${folder}`);
  return raw;
}

/** Header check before SQLite sees the file: a non-database file must be reported, not "repaired". */
export function checkHeader(file: string): void {
  if (!fs.existsSync(file)) return;
  const st = fs.statSync(file);
  if (!st.isFile()) throw new LedgerError('corrupt', `${file} is not a regular file`);
  if (st.size === 0) return;
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(16);
    fs.readSync(fd, buf, 0, 16, 0);
    if (!buf.equals(SQLITE_HEADER)) {
      throw new LedgerError('corrupt', `${file} is not a SQLite database (bad header); it was left untouched. Move it aside or restore a backup.`);
    }
  } finally {
    fs.closeSync(fd);
  }
}

export function openDb(file: string, opts: OpenDbOptions = {}): { sqlite: SqliteDb; db: LedgerDrizzle; schemaVersion: number } {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  checkHeader(file);
  const folder = opts.migrationsFolder ?? defaultMigrationsFolder();
  const journal = readJournal(folder);
  const known = journal.entries.length;
  const lastWhen = Math.max(...journal.entries.map((e) => e.when));

  let sqlite: SqliteDb;
  try {
    sqlite = new Database(file);
  } catch (err) {
    throw new LedgerError('corrupt', `cannot open ${file}: ${(err as Error).message}; it was left untouched`);
  }
  try {
    sqlite.pragma(`busy_timeout = ${opts.busyTimeoutMs ?? 5000}`);
    const check = sqlite.pragma('quick_check', { simple: true });
    if (check !== 'ok') {
      throw new LedgerError('corrupt', `${file} failed its integrity check (${String(check).slice(0, 200)}); it was left untouched. Restore a backup.`);
    }
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');

    const userVersion = Number(sqlite.pragma('user_version', { simple: true }));
    const hasTable = sqlite.prepare(`SELECT 1 FROM sqlite_master WHERE type='table' AND name='__drizzle_migrations'`).get();
    let applied = 0;
    let appliedLast = 0;
    if (hasTable) {
      const row = sqlite.prepare(`SELECT count(*) AS n, max(created_at) AS last FROM __drizzle_migrations`).get() as { n: number; last: number | null };
      applied = row.n;
      appliedLast = Number(row.last ?? 0);
    }
    if (userVersion > known || applied > known || appliedLast > lastWhen) {
      throw new LedgerError(
        'newer_version',
        `${file} was written by a newer version of Vigil (ledger schema ${Math.max(userVersion, applied)}, this build knows ${known}). Upgrade Vigil; the file was not changed.`,
      );
    }
    const db = drizzle(sqlite, { schema });
    migrate(db, { migrationsFolder: folder });
    if (userVersion !== known) sqlite.pragma(`user_version = ${known}`);
    if (sqlite.pragma('foreign_keys', { simple: true }) !== 1) throw new LedgerError('integrity', 'foreign keys could not be enabled');
    return { sqlite, db, schemaVersion: known };
  } catch (err) {
    sqlite.close();
    if (err instanceof LedgerError) throw err;
    const msg = (err as Error).message;
    if (/not a database|malformed|corrupt/i.test(msg)) throw new LedgerError('corrupt', `${file} is corrupt (${msg}); it was left untouched`);
    throw err;
  }
}
