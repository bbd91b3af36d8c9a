/**
 * Backtest results and checkpoints in `<dataDir>/backtests.sqlite` (better-sqlite3). One row per
 * backtest: the spec, status, summary and the full result as JSON; one checkpoint row per running
 * backtest (the engine state after the last finished chunk), deleted when the result is stored.
 * The agent strategy's model responses are cached here by request hash (shared by every run), and
 * each run's own model calls are booked for its spend and budget.
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
-- Model responses of the agent strategy, by sha256 of (model, request): a rerun asks the cache.
CREATE TABLE IF NOT EXISTS model_responses (
  key TEXT PRIMARY KEY,
  model TEXT NOT NULL,
  response TEXT NOT NULL,
  prompt_tokens INTEGER NOT NULL,
  completion_tokens INTEGER NOT NULL,
  cost_nano INTEGER NOT NULL,
  priced INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
-- Requests a backtest actually sent to a model (cache misses): its spend and budget.
CREATE TABLE IF NOT EXISTS backtest_model_calls (
  backtest_id TEXT NOT NULL,
  key TEXT NOT NULL,
  at INTEGER NOT NULL,
  prompt_tokens INTEGER NOT NULL,
  completion_tokens INTEGER NOT NULL,
  cost_nano INTEGER NOT NULL,
  PRIMARY KEY (backtest_id, key)
);
`;

/** A cached model response (the reply without its latency) and its usage. */
export interface CachedResponse {
  reply: StoredReply;
  promptTokens: number;
  completionTokens: number;
  costNano: number;
  priced: boolean;
}

export interface StoredReply {
  content: string | null;
  toolCalls: { id: string; name: string; arguments: string }[];
  refusal: string | null;
  finishReason: string;
  model: string;
}

/** What one backtest has sent to a model so far. */
export interface ModelSpend {
  calls: number;
  promptTokens: number;
  completionTokens: number;
  costNano: number;
  /** Largest completion seen (the cost budget's estimate for the next call). */
  maxCompletionTokens: number;
}

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

  cachedResponse(key: string): CachedResponse | null {
    const r = this.db.prepare('SELECT response, prompt_tokens, completion_tokens, cost_nano, priced FROM model_responses WHERE key = ?').get(key) as
      | { response: string; prompt_tokens: number; completion_tokens: number; cost_nano: number; priced: number }
      | undefined;
    return r ? { reply: JSON.parse(r.response) as StoredReply, promptTokens: r.prompt_tokens, completionTokens: r.completion_tokens, costNano: r.cost_nano, priced: r.priced === 1 } : null;
  }

  /** Stores a fresh response and books the call against the backtest, in one transaction. */
  recordModelCall(backtestId: string, key: string, at: number, c: CachedResponse): void {
    this.db.transaction(() => {
      this.db
        .prepare('INSERT INTO model_responses (key, model, response, prompt_tokens, completion_tokens, cost_nano, priced, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(key) DO NOTHING')
        .run(key, c.reply.model, JSON.stringify(c.reply), c.promptTokens, c.completionTokens, c.costNano, c.priced ? 1 : 0, at);
      this.db
        .prepare('INSERT INTO backtest_model_calls (backtest_id, key, at, prompt_tokens, completion_tokens, cost_nano) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(backtest_id, key) DO NOTHING')
        .run(backtestId, key, at, c.promptTokens, c.completionTokens, c.costNano);
    })();
  }

  modelSpend(backtestId: string): ModelSpend {
    const r = this.db
      .prepare('SELECT COUNT(*) n, COALESCE(SUM(prompt_tokens),0) p, COALESCE(SUM(completion_tokens),0) c, COALESCE(SUM(cost_nano),0) cost, COALESCE(MAX(completion_tokens),0) mx FROM backtest_model_calls WHERE backtest_id = ?')
      .get(backtestId) as { n: number; p: number; c: number; cost: number; mx: number };
    return { calls: r.n, promptTokens: r.p, completionTokens: r.c, costNano: r.cost, maxCompletionTokens: r.mx };
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
