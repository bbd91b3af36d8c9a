/**
 * Backtest results and checkpoints in `<dataDir>/backtests.sqlite` (better-sqlite3). One row per
 * backtest: the spec, status, summary and the full result as JSON; one checkpoint row per running
 * backtest (the engine state after the last finished chunk), deleted when the result is stored.
 */
import Database from 'better-sqlite3';
import path from 'node:path';
import { fromJson, toJson } from './json';
import type { EngineState } from './engine';
import type { BacktestResult, BacktestSummary } from './result';
import type { BacktestSpec } from './spec';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS backtests (
  id TEXT PRIMARY KEY,
  spec TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('running','completed','failed','cancelled')),
  created_at INTEGER NOT NULL,
  finished_at INTEGER,
  total_bars INTEGER NOT NULL DEFAULT 0,
  total_steps INTEGER NOT NULL DEFAULT 0,
  summary TEXT,
  result TEXT,
  error TEXT
);
CREATE TABLE IF NOT EXISTS backtest_checkpoints (
  id TEXT PRIMARY KEY REFERENCES backtests(id) ON DELETE CASCADE,
  chunk INTEGER NOT NULL,
  steps_done INTEGER NOT NULL,
  bars_done INTEGER NOT NULL,
  state TEXT NOT NULL
);
`;

export interface BacktestRow {
  id: string;
  spec: BacktestSpec;
  status: BacktestSummary['status'];
  createdAt: number;
  finishedAt: number | null;
  totalBars: number;
  totalSteps: number;
  summary: BacktestSummary | null;
  error: string | null;
}

export interface Checkpoint {
  chunk: number;
  stepsDone: number;
  barsDone: number;
  state: EngineState;
}

interface RawRow {
  id: string;
  spec: string;
  status: BacktestSummary['status'];
  created_at: number;
  finished_at: number | null;
  total_bars: number;
  total_steps: number;
  summary: string | null;
  error: string | null;
}

export class BacktestStore {
  private readonly db: Database.Database;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('foreign_keys = ON');
    this.db.exec(SCHEMA);
  }

  static forDataDir(dataDir: string): BacktestStore {
    return new BacktestStore(path.join(dataDir, 'backtests.sqlite'));
  }

  close(): void {
    this.db.close();
  }

  /** Registers a backtest; a repeated call (activity retry) keeps the first row. */
  create(id: string, spec: BacktestSpec, createdAt: number, totalBars: number, totalSteps: number): void {
    this.db
      .prepare('INSERT INTO backtests (id, spec, status, created_at, total_bars, total_steps) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING')
      .run(id, JSON.stringify(spec), 'running', createdAt, totalBars, totalSteps);
  }

  saveCheckpoint(id: string, cp: Checkpoint): void {
    this.db
      .prepare(
        'INSERT INTO backtest_checkpoints (id, chunk, steps_done, bars_done, state) VALUES (?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET chunk = excluded.chunk, steps_done = excluded.steps_done, bars_done = excluded.bars_done, state = excluded.state',
      )
      .run(id, cp.chunk, cp.stepsDone, cp.barsDone, toJson(cp.state));
  }

  checkpoint(id: string): Checkpoint | null {
    const r = this.db.prepare('SELECT chunk, steps_done, bars_done, state FROM backtest_checkpoints WHERE id = ?').get(id) as { chunk: number; steps_done: number; bars_done: number; state: string } | undefined;
    return r ? { chunk: r.chunk, stepsDone: r.steps_done, barsDone: r.bars_done, state: fromJson<EngineState>(r.state) } : null;
  }

  /** Stores the result and drops the checkpoint in one transaction. */
  finish(result: BacktestResult): void {
    const s = result.summary;
    this.db.transaction(() => {
      this.db
        .prepare("UPDATE backtests SET status = 'completed', finished_at = ?, summary = ?, result = ?, error = NULL WHERE id = ?")
        .run(s.finishedAt, JSON.stringify(s), toJson(result), s.id);
      this.db.prepare('DELETE FROM backtest_checkpoints WHERE id = ?').run(s.id);
    })();
  }

  mark(id: string, status: 'failed' | 'cancelled', error: string | null, at: number): void {
    this.db.prepare("UPDATE backtests SET status = ?, error = ?, finished_at = ? WHERE id = ? AND status = 'running'").run(status, error, at, id);
  }

  get(id: string): BacktestRow | null {
    const r = this.db.prepare('SELECT id, spec, status, created_at, finished_at, total_bars, total_steps, summary, error FROM backtests WHERE id = ?').get(id) as RawRow | undefined;
    return r ? toRow(r) : null;
  }

  result(id: string): BacktestResult | null {
    const r = this.db.prepare('SELECT result FROM backtests WHERE id = ?').get(id) as { result: string | null } | undefined;
    return r?.result ? fromJson<BacktestResult>(r.result) : null;
  }

  list(limit = 200): BacktestRow[] {
    const rows = this.db.prepare('SELECT id, spec, status, created_at, finished_at, total_bars, total_steps, summary, error FROM backtests ORDER BY created_at DESC, id LIMIT ?').all(limit) as RawRow[];
    return rows.map(toRow);
  }
}

function toRow(r: RawRow): BacktestRow {
  return {
    id: r.id,
    spec: JSON.parse(r.spec) as BacktestSpec,
    status: r.status,
    createdAt: r.created_at,
    finishedAt: r.finished_at,
    totalBars: r.total_bars,
    totalSteps: r.total_steps,
    summary: r.summary ? (JSON.parse(r.summary) as BacktestSummary) : null,
    error: r.error,
  };
}

/** A summary for a row that has no result (running, failed, cancelled). */
export function rowSummary(r: BacktestRow): BacktestSummary {
  if (r.summary) return r.summary;
  return {
    id: r.id,
    label: r.spec.label ?? null,
    strategy: r.spec.strategy,
    symbols: r.spec.symbols,
    timeframe: r.spec.timeframe,
    status: r.status,
    createdAt: r.createdAt,
    finishedAt: r.finishedAt,
    bars: r.totalBars,
    from: r.spec.from ?? null,
    to: r.spec.to ?? null,
    initialCash: r.spec.initialCash,
    finalEquity: null,
    totalReturn: null,
    maxDrawdown: null,
    sharpe: null,
    trades: null,
    fills: null,
    feesPaid: null,
    error: r.error,
  };
}
