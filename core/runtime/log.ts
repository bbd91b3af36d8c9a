/**
 * Structured logger: JSON lines to a rotating file in the data dir, short lines to stderr.
 * Every line passes through the redactor, which replaces configured secret values and
 * anything that looks like a key or bearer token.
 */
import fs from 'node:fs';
import path from 'node:path';

export type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, data?: Record<string, unknown>): void;
  info(msg: string, data?: Record<string, unknown>): void;
  warn(msg: string, data?: Record<string, unknown>): void;
  error(msg: string, data?: Record<string, unknown>): void;
  child(scope: string): Logger;
}

const PATTERNS: RegExp[] = [
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g,
  /\b(sk|pk|lf)-[A-Za-z0-9_-]{8,}/g,
  /\bBearer\s+[A-Za-z0-9._~+/-]{8,}=*/gi,
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g,
];

export class Redactor {
  private secrets: string[];
  constructor(secrets: string[] = []) {
    this.secrets = [...new Set(secrets.filter((s) => s.length >= 4))].sort((a, b) => b.length - a.length);
  }
  /** A secret entered while running (Settings) is redacted from then on. */
  add(secret: string): void {
    if (secret.length < 4 || this.secrets.includes(secret)) return;
    this.secrets = [...this.secrets, secret].sort((a, b) => b.length - a.length);
  }
  redact(text: string): string {
    let out = text;
    for (const s of this.secrets) out = out.split(s).join('[redacted]');
    for (const p of PATTERNS) out = out.replace(p, '[redacted]');
    return out;
  }
}

export interface LoggerOptions {
  file?: string;
  level?: Level;
  stderr?: boolean;
  redactor?: Redactor;
  /** Rotate when the file passes this size; keep `keep` old files. */
  maxBytes?: number;
  keep?: number;
}

export class RotatingFile {
  private size = 0;
  private fd: number | null = null;
  constructor(
    private readonly file: string,
    private readonly maxBytes = 5 * 1024 * 1024,
    private readonly keep = 3,
  ) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.open();
  }
  private open(): void {
    this.fd = fs.openSync(this.file, 'a', 0o600);
    this.size = fs.fstatSync(this.fd).size;
  }
  write(line: string): void {
    if (this.fd === null) return;
    const buf = Buffer.from(line.endsWith('\n') ? line : `${line}\n`);
    if (this.size + buf.length > this.maxBytes) this.rotate();
    try {
      fs.writeSync(this.fd, buf);
      this.size += buf.length;
    } catch {
      // Disk full or read-only: logging must never take the process down.
    }
  }
  private rotate(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    for (let i = this.keep - 1; i >= 1; i--) {
      const from = `${this.file}.${i}`;
      if (fs.existsSync(from)) fs.renameSync(from, `${this.file}.${i + 1}`);
    }
    if (fs.existsSync(this.file)) fs.renameSync(this.file, `${this.file}.1`);
    this.open();
  }
  close(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
  }
}

export function createLogger(opts: LoggerOptions = {}, scope = 'vigil'): Logger {
  const level = opts.level ?? 'info';
  const redactor = opts.redactor ?? new Redactor();
  const sink = opts.file ? new RotatingFile(opts.file, opts.maxBytes, opts.keep) : null;
  const toStderr = opts.stderr ?? true;
  const make = (sc: string): Logger => {
    const emit = (lv: Level, msg: string, data?: Record<string, unknown>) => {
      if (ORDER[lv] < ORDER[level]) return;
      let extra = '';
      if (data) {
        try {
          extra = JSON.stringify(data);
        } catch {
          extra = '"[unserialisable]"';
        }
      }
      const at = new Date().toISOString();
      if (sink) sink.write(redactor.redact(JSON.stringify({ at, level: lv, scope: sc, msg, ...(data ? { data: JSON.parse(extra) } : {}) })));
      if (toStderr) process.stderr.write(redactor.redact(`${at.slice(11, 19)} ${lv.padEnd(5)} [${sc}] ${msg}${extra ? ` ${extra}` : ''}`) + '\n');
    };
    return {
      debug: (m, d) => emit('debug', m, d),
      info: (m, d) => emit('info', m, d),
      warn: (m, d) => emit('warn', m, d),
      error: (m, d) => emit('error', m, d),
      child: (s) => make(`${sc}:${s}`),
    };
  };
  return make(scope);
}

/** A logger that drops everything (tests that do not care). */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};
