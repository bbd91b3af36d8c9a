/**
 * The agents' local store, `<dataDir>/agents.sqlite`: token usage and cost per call (so the
 * cockpit can show P&L net of inference), prompt versions with their history, the agents'
 * decision log and the judge's scores. Written only from activities in the host process.
 * Costs are integer nano-USD so sums are exact.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { nanoToUsd } from './llm/pricing';
import { validateTemplate, type PromptId } from './prompts';
import type { AgentName } from './llm/types';
import type { PromptVersion } from './contract';

const SCHEMA = `
PRAGMA journal_mode = WAL;
PRAGMA busy_timeout = 5000;
CREATE TABLE IF NOT EXISTS llm_usage (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  agent TEXT NOT NULL,
  prompt_id TEXT,
  prompt_version INTEGER,
  model TEXT NOT NULL,
  prompt_tokens INTEGER NOT NULL,
  completion_tokens INTEGER NOT NULL,
  cost_nano_usd INTEGER NOT NULL,
  priced INTEGER NOT NULL,
  ok INTEGER NOT NULL,
  error_kind TEXT,
  latency_ms INTEGER NOT NULL,
  trace_id TEXT
);
CREATE INDEX IF NOT EXISTS llm_usage_agent ON llm_usage(agent, prompt_id, prompt_version);
CREATE TABLE IF NOT EXISTS prompt_versions (
  prompt_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  template TEXT NOT NULL,
  author TEXT NOT NULL,
  reason TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  scores_json TEXT,
  PRIMARY KEY (prompt_id, version)
);
CREATE TABLE IF NOT EXISTS agent_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  key TEXT UNIQUE,
  at INTEGER NOT NULL,
  agent TEXT NOT NULL,
  kind TEXT NOT NULL,
  correlation_id TEXT,
  summary TEXT NOT NULL,
  data_json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS agent_log_agent ON agent_log(agent, id);
CREATE TABLE IF NOT EXISTS judge_scores (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  key TEXT UNIQUE,
  at INTEGER NOT NULL,
  overall REAL NOT NULL,
  returns REAL NOT NULL,
  risk REAL NOT NULL,
  decision_quality REAL NOT NULL,
  consistency REAL NOT NULL,
  mode TEXT NOT NULL,
  narrative TEXT NOT NULL,
  data_json TEXT NOT NULL
);
`;

export interface UsageRow {
  at: number;
  agent: AgentName;
  promptId: string | null;
  promptVersion: number | null;
  model: string;
  promptTokens: number;
  completionTokens: number;
  costNanoUsd: number;
  priced: boolean;
  ok: boolean;
  errorKind: string | null;
  latencyMs: number;
  traceId: string | null;
}

export interface UsageGroup {
  agent: string;
  promptId: string | null;
  promptVersion: number | null;
  model: string;
  calls: number;
  failedCalls: number;
  promptTokens: number;
  completionTokens: number;
  costUsd: string;
}

export interface UsageSummary {
  totals: { calls: number; failedCalls: number; promptTokens: number; completionTokens: number; costUsd: string; unpricedCalls: number };
  byAgent: { agent: string; calls: number; promptTokens: number; completionTokens: number; costUsd: string }[];
  byPromptVersion: UsageGroup[];
}

export type { PromptVersion };

export interface LogEntry {
  id: number;
  at: number;
  agent: string;
  kind: string;
  correlationId: string | null;
  summary: string;
  data: Record<string, unknown>;
}

export interface ScoreRecord {
  at: number;
  overall: number;
  returns: number;
  risk: number;
  decisionQuality: number;
  consistency: number;
  mode: string;
  narrative: string;
  data: Record<string, unknown>;
}

export class PromptRejected extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PromptRejected';
  }
}

/** Agent log entries (decisions, skips, chats) older than this are deleted as new ones arrive. */
export const LOG_RETENTION_DAYS = 90;
/** Inserts between two retention passes. */
const PRUNE_EVERY = 500;

/** The author of the versions Vigil itself wrote: the first shipped default and shipped updates. */
const SHIPPED_AUTHOR = 'vigil';

export class AgentStore {
  private insertsSincePrune = 0;

  private constructor(private readonly db: Database.Database) {}

  static open(dataDir: string): AgentStore {
    fs.mkdirSync(dataDir, { recursive: true });
    const db = new Database(path.join(dataDir, 'agents.sqlite'));
    db.exec(SCHEMA);
    return new AgentStore(db);
  }

  close(): void {
    this.db.close();
  }

  recordUsage(u: UsageRow): void {
    this.db
      .prepare(
        `INSERT INTO llm_usage (at, agent, prompt_id, prompt_version, model, prompt_tokens, completion_tokens, cost_nano_usd, priced, ok, error_kind, latency_ms, trace_id)
         VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)`,
      )
      .run(u.at, u.agent, u.promptId, u.promptVersion, u.model, u.promptTokens, u.completionTokens, u.costNanoUsd, u.priced ? 1 : 0, u.ok ? 1 : 0, u.errorKind, u.latencyMs, u.traceId);
  }

  usageSummary(): UsageSummary {
    const t = this.db
      .prepare(
        `SELECT COUNT(*) calls, COALESCE(SUM(1-ok),0) failed, COALESCE(SUM(prompt_tokens),0) pt, COALESCE(SUM(completion_tokens),0) ct,
                COALESCE(SUM(cost_nano_usd),0) cost, COALESCE(SUM(CASE WHEN ok=1 AND priced=0 THEN 1 ELSE 0 END),0) unpriced FROM llm_usage`,
      )
      .get() as { calls: number; failed: number; pt: number; ct: number; cost: number; unpriced: number };
    const byAgent = this.db
      .prepare(`SELECT agent, COUNT(*) calls, SUM(prompt_tokens) pt, SUM(completion_tokens) ct, SUM(cost_nano_usd) cost FROM llm_usage GROUP BY agent ORDER BY agent`)
      .all() as { agent: string; calls: number; pt: number; ct: number; cost: number }[];
    const byPrompt = this.db
      .prepare(
        `SELECT agent, prompt_id, prompt_version, model, COUNT(*) calls, SUM(1-ok) failed, SUM(prompt_tokens) pt, SUM(completion_tokens) ct, SUM(cost_nano_usd) cost
         FROM llm_usage GROUP BY agent, prompt_id, prompt_version, model ORDER BY agent, prompt_id, prompt_version`,
      )
      .all() as { agent: string; prompt_id: string | null; prompt_version: number | null; model: string; calls: number; failed: number; pt: number; ct: number; cost: number }[];
    return {
      totals: { calls: t.calls, failedCalls: t.failed, promptTokens: t.pt, completionTokens: t.ct, costUsd: nanoToUsd(t.cost), unpricedCalls: t.unpriced },
      byAgent: byAgent.map((r) => ({ agent: r.agent, calls: r.calls, promptTokens: r.pt, completionTokens: r.ct, costUsd: nanoToUsd(r.cost) })),
      byPromptVersion: byPrompt.map((r) => ({
        agent: r.agent,
        promptId: r.prompt_id,
        promptVersion: r.prompt_version,
        model: r.model,
        calls: r.calls,
        failedCalls: r.failed,
        promptTokens: r.pt,
        completionTokens: r.ct,
        costUsd: nanoToUsd(r.cost),
      })),
    };
  }

  /**
   * The latest version of a prompt; the shipped default becomes version 1 on first use. When the
   * shipped default has changed since (a new release) and nobody has edited the text — the latest
   * version's template is one Vigil shipped (a judge mode switch keeps the text) — the new default
   * becomes the next version ("shipped update"); edited text is left as its author wrote it.
   */
  activePrompt(id: PromptId, defaultTemplate: string, now: number): PromptVersion {
    const row = this.db.prepare(`SELECT * FROM prompt_versions WHERE prompt_id = ? ORDER BY version DESC LIMIT 1`).get(id) as PromptRow | undefined;
    if (row && defaultTemplate.trim() !== '' && row.template !== defaultTemplate && this.isShippedText(id, row.template)) {
      this.db
        .prepare(`INSERT OR IGNORE INTO prompt_versions (prompt_id, version, template, author, reason, created_at, scores_json) VALUES (?,?,?,?,?,?,NULL)`)
        .run(id, row.version + 1, defaultTemplate, SHIPPED_AUTHOR, 'shipped update', now);
      return this.activePrompt(id, defaultTemplate, now);
    }
    if (row) return fromPromptRow(row);
    this.db
      .prepare(`INSERT OR IGNORE INTO prompt_versions (prompt_id, version, template, author, reason, created_at, scores_json) VALUES (?,1,?,?,?,?,NULL)`)
      .run(id, defaultTemplate, SHIPPED_AUTHOR, 'shipped default', now);
    return this.activePrompt(id, defaultTemplate, now);
  }

  private isShippedText(id: PromptId, template: string): boolean {
    return this.db.prepare(`SELECT 1 FROM prompt_versions WHERE prompt_id = ? AND author = ? AND template = ? LIMIT 1`).get(id, SHIPPED_AUTHOR, template) !== undefined;
  }

  /** Save a new version; a template that does not validate is refused and nothing is written. */
  savePrompt(p: { promptId: PromptId; template: string; author: string; reason: string; scores?: Record<string, number> | null; now: number; defaultTemplate: string }): PromptVersion {
    const check = validateTemplate(p.promptId, p.template);
    if (!check.ok) throw new PromptRejected(check.error);
    const tx = this.db.transaction(() => {
      this.activePrompt(p.promptId, p.defaultTemplate, p.now);
      const max = (this.db.prepare(`SELECT MAX(version) v FROM prompt_versions WHERE prompt_id = ?`).get(p.promptId) as { v: number }).v;
      this.db
        .prepare(`INSERT INTO prompt_versions (prompt_id, version, template, author, reason, created_at, scores_json) VALUES (?,?,?,?,?,?,?)`)
        .run(p.promptId, max + 1, p.template, p.author, p.reason, p.now, p.scores ? JSON.stringify(p.scores) : null);
      return max + 1;
    });
    const v = tx();
    return fromPromptRow(this.db.prepare(`SELECT * FROM prompt_versions WHERE prompt_id = ? AND version = ?`).get(p.promptId, v) as PromptRow);
  }

  promptHistory(id?: PromptId): PromptVersion[] {
    const rows = id
      ? this.db.prepare(`SELECT * FROM prompt_versions WHERE prompt_id = ? ORDER BY created_at DESC, version DESC`).all(id)
      : this.db.prepare(`SELECT * FROM prompt_versions ORDER BY created_at DESC, prompt_id, version DESC`).all();
    return (rows as PromptRow[]).map(fromPromptRow);
  }

  /** Append to the decision log; `key` makes a retried activity write once. */
  log(e: { key?: string; at: number; agent: string; kind: string; correlationId: string | null; summary: string; data: Record<string, unknown> }): number | null {
    const r = this.db
      .prepare(`INSERT OR IGNORE INTO agent_log (key, at, agent, kind, correlation_id, summary, data_json) VALUES (?,?,?,?,?,?,?)`)
      .run(e.key ?? null, e.at, e.agent, e.kind, e.correlationId, e.summary, JSON.stringify(e.data));
    // A nudge every 25 s logs ~3,500 entries a day: keep the file bounded by age.
    if (r.changes > 0 && ++this.insertsSincePrune >= PRUNE_EVERY) this.pruneLogs(e.at);
    return r.changes > 0 ? Number(r.lastInsertRowid) : null;
  }

  /** Deletes log entries older than the retention window before `now`; returns how many. */
  pruneLogs(now: number, days = LOG_RETENTION_DAYS): number {
    this.insertsSincePrune = 0;
    return this.db.prepare(`DELETE FROM agent_log WHERE at < ?`).run(now - days * 86_400_000).changes;
  }

  logs(q: { agent?: string; kind?: string; limit?: number } = {}): LogEntry[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (q.agent) {
      where.push('agent = ?');
      args.push(q.agent);
    }
    if (q.kind) {
      where.push('kind = ?');
      args.push(q.kind);
    }
    const rows = this.db
      .prepare(`SELECT * FROM agent_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`)
      .all(...args, Math.min(q.limit ?? 100, 1000)) as { id: number; at: number; agent: string; kind: string; correlation_id: string | null; summary: string; data_json: string }[];
    return rows.map((r) => ({ id: r.id, at: r.at, agent: r.agent, kind: r.kind, correlationId: r.correlation_id, summary: r.summary, data: JSON.parse(r.data_json) as Record<string, unknown> }));
  }

  saveScores(s: ScoreRecord & { key?: string }): void {
    this.db
      .prepare(`INSERT OR IGNORE INTO judge_scores (key, at, overall, returns, risk, decision_quality, consistency, mode, narrative, data_json) VALUES (?,?,?,?,?,?,?,?,?,?)`)
      .run(s.key ?? null, s.at, s.overall, s.returns, s.risk, s.decisionQuality, s.consistency, s.mode, s.narrative, JSON.stringify(s.data));
  }

  scores(limit = 50): ScoreRecord[] {
    const rows = this.db.prepare(`SELECT * FROM judge_scores ORDER BY id DESC LIMIT ?`).all(Math.min(limit, 1000)) as {
      at: number;
      overall: number;
      returns: number;
      risk: number;
      decision_quality: number;
      consistency: number;
      mode: string;
      narrative: string;
      data_json: string;
    }[];
    return rows.map((r) => ({
      at: r.at,
      overall: r.overall,
      returns: r.returns,
      risk: r.risk,
      decisionQuality: r.decision_quality,
      consistency: r.consistency,
      mode: r.mode,
      narrative: r.narrative,
      data: JSON.parse(r.data_json) as Record<string, unknown>,
    }));
  }
}

interface PromptRow {
  prompt_id: string;
  version: number;
  template: string;
  author: string;
  reason: string;
  created_at: number;
  scores_json: string | null;
}

function fromPromptRow(r: PromptRow): PromptVersion {
  return {
    promptId: r.prompt_id as PromptId,
    version: r.version,
    template: r.template,
    author: r.author,
    reason: r.reason,
    createdAt: r.created_at,
    scores: r.scores_json ? (JSON.parse(r.scores_json) as Record<string, number>) : null,
  };
}
