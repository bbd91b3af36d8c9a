/**
 * The one typed client. Verbs and events come from the contract (core/api); the transport is
 * Electron IPC (`window.vigil` from the preload) or HTTP + WebSocket (the headless gateway).
 * Pages never see the difference. Push events reach the pages through `onEvent` (live.ts), which
 * parses each one with its schema; the transport's `on` hands over raw payloads only.
 */
import type { VerbName, VerbInput, VerbResult } from '../../../core/api/contract';
import type { EventName, EventPayload } from '../../../core/api/events';
import type { ApiError, ApiResult } from '../../../core/api/result';

export type { ApiResult, ApiError, EventName, EventPayload, VerbName };
export type InputOf<K extends VerbName> = VerbInput<K>;
export type ResultOf<K extends VerbName> = VerbResult<K>;

export type ConnectionState = 'connecting' | 'open' | 'closed';

export interface Transport {
  readonly kind: 'ipc' | 'http';
  call(verb: string, input: unknown): Promise<ApiResult<unknown>>;
  on(event: string, cb: (payload: unknown) => void): () => void;
  onConnection(cb: (s: ConnectionState) => void): () => void;
}

/** What the Electron preload exposes (declared in electron/preload/vigil.d.ts). */
export interface VigilBridge {
  call(verb: string, input: unknown): Promise<ApiResult<unknown>>;
  on(event: string, cb: (payload: unknown) => void): () => void;
}

const TOKEN_KEY = 'vigil.token';

/** Reads the session token from the URL fragment once, keeps it in sessionStorage, strips it from the URL. */
export function takeToken(loc: Pick<Location, 'hash' | 'pathname' | 'search'>, storage: Pick<Storage, 'getItem' | 'setItem'>, replace: (url: string) => void): string | null {
  const m = /(?:^#|&)token=([^&]+)/.exec(loc.hash);
  if (m?.[1]) {
    const token = decodeURIComponent(m[1]);
    storage.setItem(TOKEN_KEY, token);
    const rest = loc.hash.replace(/(^#|&)token=[^&]+/, '$1').replace(/^#&/, '#');
    replace(loc.pathname + loc.search + (rest === '#' ? '' : rest));
    return token;
  }
  return storage.getItem(TOKEN_KEY);
}

/** One listener's exception must not keep the event from the others (a page's progress, a toast). */
export function deliver(cb: (p: unknown) => void, payload: unknown): void {
  try {
    cb(payload);
  } catch (err) {
    queueMicrotask(() => {
      throw err;
    });
  }
}

function networkError(message: string): ApiResult<never> {
  return { ok: false, error: { code: 'unavailable', message } };
}

export function httpTransport(baseUrl: string, token: string | null, WS: typeof WebSocket = WebSocket): Transport {
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  const connListeners = new Set<(s: ConnectionState) => void>();
  let state: ConnectionState = 'connecting';
  let ws: WebSocket | null = null;
  let retry = 500;
  const setState = (s: ConnectionState) => {
    state = s;
    for (const cb of connListeners) cb(s);
  };
  const connect = () => {
    if (!token) return setState('closed');
    const url = baseUrl.replace(/^http/, 'ws') + '/events?token=' + encodeURIComponent(token);
    setState('connecting');
    try {
      ws = new WS(url);
    } catch {
      setState('closed');
      return;
    }
    ws.onopen = () => {
      retry = 500;
      setState('open');
    };
    ws.onmessage = (m) => {
      let frame: { event?: string; payload?: unknown };
      try {
        frame = JSON.parse(String(m.data)) as { event?: string; payload?: unknown };
      } catch {
        return;
      }
      if (typeof frame.event !== 'string') return;
      const set = listeners.get(frame.event);
      if (set) for (const cb of set) deliver(cb, frame.payload);
      const all = listeners.get('*');
      if (all) for (const cb of all) deliver(cb, frame);
    };
    ws.onclose = () => {
      setState('closed');
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 10_000);
    };
  };
  connect();
  return {
    kind: 'http',
    async call(verb, input) {
      if (!token) return networkError('No session token: open the cockpit from the link `vigil serve` prints.');
      try {
        const res = await fetch(baseUrl + '/api/call', {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ verb, input: input ?? {} }),
        });
        const body = (await res.json()) as ApiResult<unknown>;
        if (body && typeof body === 'object' && 'ok' in body) return body;
        return networkError(`unexpected answer (HTTP ${res.status})`);
      } catch (err) {
        return networkError(`The cockpit host is not reachable: ${(err as Error).message}`);
      }
    },
    on(event, cb) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(cb);
      return () => set.delete(cb);
    },
    onConnection(cb) {
      connListeners.add(cb);
      cb(state);
      return () => connListeners.delete(cb);
    },
  };
}

export function ipcTransport(bridge: VigilBridge): Transport {
  return {
    kind: 'ipc',
    call: (verb, input) =>
      bridge.call(verb, input ?? {}).catch((err: Error) => networkError(`IPC failed: ${err.message}`)),
    on: (event, cb) => bridge.on(event, cb),
    onConnection(cb) {
      cb('open');
      return () => {};
    },
  };
}

export interface Client {
  readonly transport: Transport;
  call<K extends VerbName>(verb: K, input: InputOf<K>): Promise<ApiResult<ResultOf<K>>>;
  /** Like call, but throws an ApiCallError: for react-query. */
  get<K extends VerbName>(verb: K, input: InputOf<K>): Promise<ResultOf<K>>;
}

export class ApiCallError extends Error {
  constructor(readonly verb: string, readonly error: ApiError) {
    super(error.message);
    this.name = 'ApiCallError';
  }
}

export function createClient(transport: Transport): Client {
  return {
    transport,
    call: (verb, input) => transport.call(verb, input) as Promise<ApiResult<never>>,
    async get(verb, input) {
      const r = await transport.call(verb, input);
      if (!r.ok) throw new ApiCallError(verb, r.error);
      return r.result as never;
    },
  };
}

declare global {
  interface Window {
    vigil?: VigilBridge;
  }
}

let singleton: Client | null = null;
/** The app's client: IPC inside Electron, HTTP/WebSocket in a browser. */
export function client(): Client {
  if (singleton) return singleton;
  if (window.vigil) singleton = createClient(ipcTransport(window.vigil));
  else {
    const token = takeToken(window.location, window.sessionStorage, (u) => window.history.replaceState(null, '', u));
    singleton = createClient(httpTransport(window.location.origin, token));
  }
  return singleton;
}

/** Is this error the "verb not there yet" kind, to show a designed unavailable state. */
export function isUnavailable(e: ApiError | null | undefined): boolean {
  return !!e && (e.code === 'unknown_verb' || e.code === 'unavailable');
}
