/**
 * The runtime process's side of the protocol (./protocol.ts): it starts the host when the main
 * process says so, answers calls through the host's dispatch (the IPC door), forwards every bus
 * event, relays secrets saved in Settings back to the main process (only it can reach the OS
 * keychain) and stops the host in order when asked or when its parent goes away.
 */
import type { Host } from '../host';
import type { SecretStore } from '../../runtime/secret-store';
import type { ApiResult } from '../../api/result';
import { describeRefusal, ToRuntimeSchema, type FromRuntime, type ToRuntime } from './protocol';

export interface ParentChannel {
  post(message: FromRuntime): void;
  onMessage(fn: (message: unknown) => void): void;
  /** Called when the parent is gone (its end of the channel closed). */
  onClose(fn: () => void): void;
  /** Resolves once what was posted has left the process (before it exits). */
  flush(): Promise<void>;
}

export type RuntimeHost = Pick<Host, 'call' | 'bus' | 'stop' | 'dataDir'>;
export type StartRuntimeHost = (opts: { dataDir: string; secrets: SecretStore | null; onProgress: (line: string) => void }) => Promise<RuntimeHost>;

/** A secret store whose values the main process handed over at start; writes go back to it. */
export function relayedSecretStore(initial: Record<string, string>, protection: SecretStore['protection'], post: (m: FromRuntime) => void): SecretStore {
  const values = new Map(Object.entries(initial));
  return {
    get: (name) => values.get(name) ?? null,
    set(name, value) {
      values.set(name, value);
      post({ type: 'secret', name, value });
    },
    delete(name) {
      values.delete(name);
      post({ type: 'secret', name, value: null });
    },
    names: () => [...values.keys()],
    protection,
  };
}

export function serveRuntime(opts: { parent: ParentChannel; start: StartRuntimeHost; exit: (code: number) => void; log: (line: string) => void }): { stop(code: number): Promise<void> } {
  const { parent, log } = opts;
  let host: RuntimeHost | null = null;
  let started = false;
  let stopping: Promise<void> | null = null;

  const answer = (id: number, result: ApiResult<unknown>) => parent.post({ type: 'result', id, result });

  const stop = (code: number): Promise<void> => {
    stopping ??= (async () => {
      try {
        await host?.stop();
      } catch (err) {
        log(`the host did not stop cleanly: ${(err as Error).message}`);
        code = code || 1;
      }
      parent.post({ type: 'stopped' });
      await parent.flush();
      opts.exit(code);
    })();
    return stopping;
  };

  const start = async (m: Extract<ToRuntime, { type: 'start' }>) => {
    if (started) return log('a second start was ignored');
    started = true;
    const secrets = m.secretProtection ? relayedSecretStore(m.secrets, m.secretProtection, (x) => parent.post(x)) : null;
    try {
      host = await opts.start({ dataDir: m.dataDir, secrets, onProgress: (line) => parent.post({ type: 'progress', line }) });
    } catch (err) {
      parent.post({ type: 'failed', message: (err as Error).message });
      await parent.flush();
      opts.exit(1);
      return;
    }
    if (stopping) return;
    host.bus.onAny((name, payload) => parent.post({ type: 'event', name, payload }));
    parent.post({ type: 'ready', dataDir: host.dataDir, pid: process.pid });
  };

  parent.onMessage((raw) => {
    const parsed = ToRuntimeSchema.safeParse(raw);
    if (!parsed.success) return log(`refused a message from the main process: ${describeRefusal(parsed.error)}`);
    const m = parsed.data;
    switch (m.type) {
      case 'start':
        void start(m);
        return;
      case 'call': {
        const h = host;
        if (!h || stopping) return answer(m.id, { ok: false, error: { code: 'unavailable', message: stopping ? 'the runtime is stopping' : 'the runtime is still starting' } });
        h.call(m.verb, m.input, { door: 'ipc' }).then(
          (r) => answer(m.id, r),
          (err: unknown) => answer(m.id, { ok: false, error: { code: 'internal', message: (err as Error).message } }),
        );
        return;
      }
      case 'stop':
        void stop(0);
        return;
    }
  });
  parent.onClose(() => {
    log('the main process went away: stopping');
    void stop(0);
  });
  return { stop };
}
