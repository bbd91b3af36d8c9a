/**
 * The main process's side of the runtime process (./protocol.ts): starts it, calls verbs through
 * it, re-emits its events on a local bus for the windows, the tray and notifications, writes the
 * secrets it relays into the keychain-backed store, and supervises it — a runtime that dies is
 * started again after a back-off (Temporal keeps every workflow's state, so a restart resumes the
 * agents and orders where they were), calls in flight get a clear "unavailable" instead of
 * hanging. How the process is spawned is injected: Electron's `utilityProcess.fork` in the app,
 * Node's `child_process.fork` in tests (`nodeChildHandle`).
 */
import type { ChildProcess } from 'node:child_process';
import type { ApiResult } from '../../api/result';
import { events, type EventName } from '../../api/events';
import type { SecretStore } from '../../runtime/secret-store';
import { EventBus } from '../bus';
import { describeRefusal, FromRuntimeSchema, type FromRuntime, type ToRuntime } from './protocol';

export interface RuntimeChildHandle {
  post(message: ToRuntime): void;
  onMessage(fn: (message: unknown) => void): void;
  onExit(fn: (code: number | null) => void): void;
  /** Terminate (SIGTERM: the runtime stops its host in order). */
  kill(): void;
  readonly pid: number | undefined;
}

export function nodeChildHandle(child: ChildProcess): RuntimeChildHandle {
  return {
    post: (m) => void child.send(m),
    onMessage: (fn) => void child.on('message', (m: unknown) => fn(m)),
    onExit: (fn) => void child.once('exit', (code) => fn(code)),
    kill: () => void child.kill('SIGTERM'),
    get pid() {
      return child.pid;
    },
  };
}

export type RuntimeState = 'starting' | 'ready' | 'restarting' | 'down' | 'stopping' | 'stopped';

export interface RuntimeProcessOptions {
  spawn: () => RuntimeChildHandle;
  dataDir: string;
  /** The keychain-backed store of secrets saved through the app (null: none). */
  secrets: SecretStore | null;
  onProgress?: (line: string) => void;
  log?: (line: string) => void;
  /** Back-off before each restart after a crash; when the list runs out the runtime stays down. */
  restartDelaysMs?: readonly number[];
  /** A runtime that stayed up this long earns its restarts back. */
  stableAfterMs?: number;
  /** How long a stop waits for the host to shut down in order before it is killed. */
  stopTimeoutMs?: number;
}

const DEFAULT_RESTART_DELAYS_MS = [1_000, 3_000, 10_000, 30_000] as const;

export class RuntimeProcess {
  /** The runtime's events, re-emitted here after their schema was checked. */
  readonly bus = new EventBus();
  private child: RuntimeChildHandle | null = null;
  private state_: RuntimeState = 'starting';
  private readonly pending = new Map<number, (r: ApiResult<unknown>) => void>();
  private nextId = 1;
  private restarts = 0;
  private readyAt = 0;
  private readonly stateListeners = new Set<(s: RuntimeState, detail: string) => void>();
  private firstStart: { resolve: () => void; reject: (e: Error) => void } | null = null;
  private stopped: { resolve: () => void; promise: Promise<void> } | null = null;
  private restartTimer: NodeJS.Timeout | null = null;
  private pid_: number | undefined;

  private constructor(private readonly opts: RuntimeProcessOptions) {}

  /** Starts the runtime process; resolves once its host is ready, rejects if the first start fails. */
  static start(opts: RuntimeProcessOptions): Promise<RuntimeProcess> {
    const rp = new RuntimeProcess(opts);
    return new Promise<RuntimeProcess>((resolve, reject) => {
      rp.firstStart = { resolve: () => resolve(rp), reject };
      rp.spawn();
    });
  }

  get state(): RuntimeState {
    return this.state_;
  }

  /** The runtime process's pid while one runs. */
  get pid(): number | undefined {
    return this.pid_;
  }

  onState(fn: (s: RuntimeState, detail: string) => void): () => void {
    this.stateListeners.add(fn);
    return () => this.stateListeners.delete(fn);
  }

  call(verb: string, input: unknown): Promise<ApiResult<unknown>> {
    const child = this.child;
    if (!child || this.state_ !== 'ready') {
      const why = this.state_ === 'restarting' ? 'the runtime is restarting after a crash' : this.state_ === 'down' ? 'the runtime stopped and could not be restarted (see the log)' : `the runtime is ${this.state_}`;
      return Promise.resolve({ ok: false, error: { code: 'unavailable', message: why } });
    }
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      child.post({ type: 'call', id, verb, input });
    });
  }

  /** Stops the host in order (then kills it if it does not finish in time). */
  stop(): Promise<void> {
    if (this.stopped) return this.stopped.promise;
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    this.stopped = { resolve, promise };
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child) {
      this.setState('stopped', 'no runtime was running');
      resolve();
      return promise;
    }
    this.setState('stopping', 'stopping the host');
    child.post({ type: 'stop' });
    const t = setTimeout(() => {
      this.log(`the runtime did not stop within ${this.opts.stopTimeoutMs ?? 60_000} ms: terminating it`);
      child.kill();
    }, this.opts.stopTimeoutMs ?? 60_000);
    t.unref();
    void promise.then(() => clearTimeout(t));
    return promise;
  }

  private log(line: string): void {
    this.opts.log?.(line);
  }

  private setState(s: RuntimeState, detail: string): void {
    this.state_ = s;
    for (const fn of this.stateListeners) fn(s, detail);
  }

  private spawn(): void {
    const child = this.opts.spawn();
    this.child = child;
    this.pid_ = child.pid;
    this.setState(this.restarts === 0 ? 'starting' : 'restarting', `runtime process ${child.pid ?? '?'} starting`);
    child.onMessage((raw) => this.receive(child, raw));
    child.onExit((code) => this.exited(child, code));
    const secrets: Record<string, string> = {};
    for (const name of this.opts.secrets?.names() ?? []) {
      const v = this.opts.secrets!.get(name);
      if (v !== null) secrets[name] = v;
    }
    child.post({ type: 'start', dataDir: this.opts.dataDir, secrets, secretProtection: this.opts.secrets?.protection ?? null });
  }

  private receive(child: RuntimeChildHandle, raw: unknown): void {
    if (child !== this.child) return;
    const parsed = FromRuntimeSchema.safeParse(raw);
    if (!parsed.success) return this.log(`refused a message from the runtime: ${describeRefusal(parsed.error)}`);
    const m: FromRuntime = parsed.data;
    switch (m.type) {
      case 'progress':
        this.opts.onProgress?.(m.line);
        return;
      case 'ready':
        this.readyAt = Date.now();
        this.pid_ = m.pid;
        this.setState('ready', `runtime process ${m.pid} ready`);
        this.firstStart?.resolve();
        this.firstStart = null;
        return;
      case 'failed':
        this.log(`the runtime could not start: ${m.message}`);
        if (this.firstStart) {
          this.firstStart.reject(new Error(m.message));
          this.firstStart = null;
          this.stopped = { resolve: () => {}, promise: Promise.resolve() };
        }
        return;
      case 'result': {
        const done = this.pending.get(m.id);
        if (!done) return this.log(`an answer to no call (${m.id}) was dropped`);
        this.pending.delete(m.id);
        done(m.result as ApiResult<unknown>);
        return;
      }
      case 'event': {
        if (!(m.name in events)) return this.log(`an unknown event ${JSON.stringify(m.name.slice(0, 60))} was dropped`);
        const name = m.name as EventName;
        const payload = events[name].safeParse(m.payload);
        if (!payload.success) return this.log(`a ${name} event that does not fit its schema was dropped: ${describeRefusal(payload.error)}`);
        this.bus.emit(name, payload.data as never);
        return;
      }
      case 'secret':
        if (!this.opts.secrets) return this.log(`a secret (${m.name}) could not be stored: no secret store in this app`);
        try {
          if (m.value === null) this.opts.secrets.delete(m.name);
          else this.opts.secrets.set(m.name, m.value);
        } catch (err) {
          this.log(`the secret ${m.name} could not be stored: ${(err as Error).message}`);
        }
        return;
      case 'stopped':
        return;
    }
  }

  private exited(child: RuntimeChildHandle, code: number | null): void {
    if (child !== this.child) return;
    this.child = null;
    this.pid_ = undefined;
    const lost = [...this.pending.values()];
    this.pending.clear();
    for (const done of lost) done({ ok: false, error: { code: 'unavailable', message: `the runtime process exited (code ${code ?? 'signal'}) before answering; the call may or may not have taken effect` } });
    if (this.stopped) {
      this.setState('stopped', `runtime process exited (code ${code ?? 'signal'})`);
      this.stopped.resolve();
      return;
    }
    if (this.firstStart) {
      this.firstStart.reject(new Error(`the runtime process exited (code ${code ?? 'signal'}) before it was ready`));
      this.firstStart = null;
      this.stopped = { resolve: () => {}, promise: Promise.resolve() };
      this.setState('down', 'the first start failed');
      return;
    }
    if (this.readyAt && Date.now() - this.readyAt >= (this.opts.stableAfterMs ?? 10 * 60_000)) this.restarts = 0;
    const delays = this.opts.restartDelaysMs ?? DEFAULT_RESTART_DELAYS_MS;
    const delay = delays[this.restarts];
    if (delay === undefined) {
      this.setState('down', `the runtime process exited (code ${code ?? 'signal'}) after ${this.restarts} restarts; not restarting again`);
      return;
    }
    this.restarts++;
    this.readyAt = 0;
    this.setState('restarting', `the runtime process exited (code ${code ?? 'signal'}); restart ${this.restarts} of ${delays.length} in ${delay} ms`);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (!this.stopped) this.spawn();
    }, delay);
  }
}
