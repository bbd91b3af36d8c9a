/**
 * The embedded Temporal dev server as a supervised child process: SQLite-persisted in the data
 * dir, free ports picked at first start and kept across restarts (so clients and workers
 * reconnect to the same address), readiness proven by a real RPC rather than a sleep, its output
 * captured to a rotating log, restarted with back-off if it dies, SIGTERM on shutdown.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { EventEmitter } from 'node:events';
import { freePort } from './ports';
import { RotatingFile, type Logger } from './log';

export type ServerState = 'stopped' | 'starting' | 'ready' | 'restarting' | 'failed';

export interface DevServerOptions {
  cliPath: string;
  dbFile: string;
  namespace: string;
  logFile: string;
  log: Logger;
  ip?: string;
  port?: number;
  uiPort?: number | null;
  /** No Web UI at all (tests). */
  headless?: boolean;
  readyTimeoutMs?: number;
  /** Back-off for restarts: base * 2^n, capped. */
  restartBaseMs?: number;
  restartMaxMs?: number;
  maxRestarts?: number;
}

/** The dynamic-config values the SDK's own ephemeral server passes (updates enabled). */
export const DEV_SERVER_DYNAMIC_CONFIG = [
  'frontend.enableServerVersionCheck=false',
  'frontend.enableUpdateWorkflowExecution=true',
  'frontend.enableUpdateWorkflowExecutionAsyncAccepted=true',
  'frontend.enableExecuteMultiOperation=true',
  'system.enableEagerWorkflowStart=true',
];

export class DevServer extends EventEmitter {
  private child: ChildProcess | null = null;
  private logSink: RotatingFile;
  private stopping = false;
  private restarts = 0;
  private consecutiveFailures = 0;
  private healthyTimer: NodeJS.Timeout | null = null;
  private restartTimer: NodeJS.Timeout | null = null;
  state: ServerState = 'stopped';
  port = 0;
  uiPort: number | null = null;
  readonly ip: string;

  constructor(private readonly opts: DevServerOptions) {
    super();
    this.ip = opts.ip ?? '127.0.0.1';
    this.logSink = new RotatingFile(opts.logFile, 5 * 1024 * 1024, 3);
  }

  get address(): string {
    return `${this.ip}:${this.port}`;
  }
  get uiUrl(): string | null {
    return this.uiPort ? `http://${this.ip}:${this.uiPort}` : null;
  }
  get pid(): number | null {
    return this.child?.pid ?? null;
  }
  get restartCount(): number {
    return this.restarts;
  }

  private pendingReady: Promise<void> | null = null;

  async start(): Promise<void> {
    await this.launch();
    await this.whenReady();
  }

  /**
   * Spawn the server and return at once; `whenReady()` waits for it. The host loads its heavy
   * modules in between, while the server boots on the other core.
   */
  async launch(): Promise<void> {
    this.stopping = false;
    this.port = this.opts.port ?? (this.port || (await freePort(this.ip)));
    if (!this.opts.headless) this.uiPort = this.opts.uiPort ?? (this.uiPort || (await freePort(this.ip)));
    this.pendingReady = this.spawnAndWait();
    // Observed by whenReady(); keep an early failure from being reported as unhandled meanwhile.
    this.pendingReady.catch(() => {});
  }

  async whenReady(): Promise<void> {
    if (!this.pendingReady) throw new Error('dev server not launched');
    try {
      await this.pendingReady;
    } catch (err) {
      // A server that never came up is reported, not retried: the caller shows the error.
      this.stopping = true;
      this.child?.kill('SIGKILL');
      this.setState('failed');
      throw err;
    }
  }

  private args(): string[] {
    const a = [
      'server',
      'start-dev',
      '--ip',
      this.ip,
      '--port',
      String(this.port),
      '--db-filename',
      this.opts.dbFile,
      '--namespace',
      this.opts.namespace,
      '--log-format',
      'json',
      '--log-level',
      'warn',
    ];
    for (const kv of DEV_SERVER_DYNAMIC_CONFIG) a.push('--dynamic-config-value', kv);
    if (this.uiPort) a.push('--ui-port', String(this.uiPort), '--ui-ip', this.ip);
    else a.push('--headless');
    return a;
  }

  private get pidFile(): string {
    return `${this.opts.dbFile}.pid`;
  }

  /**
   * A host killed with SIGKILL cannot stop its server, which then keeps the SQLite file and the
   * port. Before starting, end a server an earlier run left behind on this same database.
   */
  async reapOrphan(): Promise<number | null> {
    let pid: number;
    try {
      pid = Number.parseInt(fs.readFileSync(this.pidFile, 'utf8'), 10);
    } catch {
      return null;
    }
    if (!Number.isInteger(pid) || pid <= 0 || !alive(pid) || !commandLineMentions(pid, this.opts.dbFile)) {
      fs.rmSync(this.pidFile, { force: true });
      return null;
    }
    this.opts.log.warn('stopping a Temporal server left running by an earlier run', { pid });
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + 10_000;
    while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    if (alive(pid)) process.kill(pid, 'SIGKILL');
    while (alive(pid)) await new Promise((r) => setTimeout(r, 50));
    fs.rmSync(this.pidFile, { force: true });
    return pid;
  }

  private async spawnAndWait(): Promise<void> {
    this.setState(this.restarts > 0 ? 'restarting' : 'starting');
    await this.reapOrphan();
    const child = spawn(this.opts.cliPath, this.args(), { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    if (child.pid) fs.writeFileSync(this.pidFile, String(child.pid));
    const capture = (buf: Buffer) => {
      for (const line of buf.toString().split('\n')) if (line.trim()) this.logSink.write(line);
    };
    child.stdout?.on('data', capture);
    child.stderr?.on('data', capture);
    let exitedEarly: string | null = null;
    child.once('exit', (code, signal) => {
      exitedEarly = `exited with ${signal ?? code}`;
      this.onExit(child, code, signal);
    });
    child.once('error', (err) => {
      exitedEarly = err.message;
    });
    await this.waitReady(() => exitedEarly);
    this.consecutiveFailures = 0;
    this.setState('ready');
    this.opts.log.info('temporal dev server ready', { address: this.address, ui: this.uiUrl, pid: child.pid });
    // A server that stays up for a minute has earned a fresh back-off budget.
    this.healthyTimer = setTimeout(() => {
      this.consecutiveFailures = 0;
    }, 60_000);
    this.healthyTimer.unref();
  }

  private async waitReady(exited: () => string | null): Promise<void> {
    const deadline = Date.now() + (this.opts.readyTimeoutMs ?? 60_000);
    let lastErr = '';
    const { Connection } = await import('@temporalio/client');
    while (Date.now() < deadline) {
      const gone = exited();
      if (gone) throw new Error(`temporal dev server ${gone} before it was ready; see ${this.opts.logFile}`);
      try {
        const conn = await Connection.connect({ address: this.address, connectTimeout: 1000 });
        try {
          await conn.workflowService.describeNamespace({ namespace: this.opts.namespace });
          return;
        } finally {
          await conn.close();
        }
      } catch (err) {
        lastErr = (err as Error).message;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`temporal dev server did not become ready at ${this.address}: ${lastErr}`);
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child !== child) return;
    this.child = null;
    if (this.healthyTimer) clearTimeout(this.healthyTimer);
    fs.rmSync(this.pidFile, { force: true });
    if (this.stopping) {
      this.setState('stopped');
      return;
    }
    this.opts.log.warn('temporal dev server exited unexpectedly', { code, signal });
    const max = this.opts.maxRestarts ?? 20;
    if (this.consecutiveFailures >= max) {
      this.setState('failed');
      this.emit('failed', new Error(`temporal dev server keeps exiting (${max} restarts); see ${this.opts.logFile}`));
      return;
    }
    const delay = Math.min((this.opts.restartBaseMs ?? 500) * 2 ** this.consecutiveFailures, this.opts.restartMaxMs ?? 30_000);
    this.consecutiveFailures++;
    this.restarts++;
    this.setState('restarting');
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.stopping) return;
      this.spawnAndWait().then(
        () => this.emit('restarted'),
        (err: Error) => {
          this.opts.log.error('temporal dev server restart failed', { error: err.message });
          // Killing a child that is up but not ready lets its exit handler schedule the next attempt.
          this.child?.kill('SIGKILL');
        },
      );
    }, delay);
  }

  async stop(timeoutMs = 10_000): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    if (this.healthyTimer) clearTimeout(this.healthyTimer);
    const child = this.child;
    if (!child || child.exitCode !== null) {
      this.setState('stopped');
      this.logSink.close();
      return;
    }
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
      child.kill('SIGTERM');
    });
    this.setState('stopped');
    this.logSink.close();
  }

  private setState(s: ServerState): void {
    if (this.state === s) return;
    this.state = s;
    this.emit('state', s);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether a pid's command line names this database: never kill an unrelated process that reused the pid. */
function commandLineMentions(pid: number, needle: string): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(needle);
  } catch {
    const r = spawnSync('ps', ['-p', String(pid), '-o', 'command='], { encoding: 'utf8' });
    return r.status === 0 && r.stdout.includes(needle);
  }
}
