/**
 * Research runs in `<dataDir>/research.sqlite`: one row per run (optimisation, walk-forward, bias
 * check, arena, twin) with its summary and its whole state as JSON. The workflow is the live
 * record while a run goes on; it writes the row when it starts, at each continue-as-new and when
 * it ends, so a finished run outlives the Temporal history.
 */
import Database from 'better-sqlite3';
import path from 'node:path';
import type { ResearchKind, ResearchSummary } from './types';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS research_runs (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('running','completed','failed','cancelled')),
  created_at INTEGER NOT NULL,
  finished_at INTEGER,
  summary TEXT NOT NULL,
  state TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS research_runs_created ON research_runs(created_at DESC);
`;

export interface StoredRun<S = unknown> {
  summary: ResearchSummary;
  state: S;
}

export class ResearchStore {
  private readonly db: Database.Database;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
  }

  static forDataDir(dataDir: string): ResearchStore {
    return new ResearchStore(path.join(dataDir, 'research.sqlite'));
  }

  close(): void {
    this.db.close();
  }

  /** Writes a run's summary and state (a later write of the same run replaces it). */
  save(summary: ResearchSummary, state: unknown): void {
    this.db
      .prepare(
        `INSERT INTO research_runs (id, kind, status, created_at, finished_at, summary, state) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET status = excluded.status, finished_at = excluded.finished_at, summary = excluded.summary, state = excluded.state`,
      )
      .run(summary.id, summary.kind, summary.status, summary.createdAt, summary.finishedAt, JSON.stringify(summary), JSON.stringify(state));
  }

  get<S = unknown>(id: string): StoredRun<S> | null {
    const r = this.db.prepare('SELECT summary, state FROM research_runs WHERE id = ?').get(id) as { summary: string; state: string } | undefined;
    return r ? { summary: JSON.parse(r.summary) as ResearchSummary, state: JSON.parse(r.state) as S } : null;
  }

  list(opts: { kind?: ResearchKind; limit: number }): ResearchSummary[] {
    const rows = (
      opts.kind
        ? this.db.prepare('SELECT summary FROM research_runs WHERE kind = ? ORDER BY created_at DESC, id LIMIT ?').all(opts.kind, opts.limit)
        : this.db.prepare('SELECT summary FROM research_runs ORDER BY created_at DESC, id LIMIT ?').all(opts.limit)
    ) as { summary: string }[];
    return rows.map((r) => JSON.parse(r.summary) as ResearchSummary);
  }

  /** Marks a run that ended outside its workflow's control (terminated, lost) with its status. */
  mark(id: string, status: ResearchSummary['status'], error: string | null, at: number): void {
    const r = this.get(id);
    if (!r) return;
    this.save({ ...r.summary, status, error, finishedAt: at }, r.state);
  }
}
