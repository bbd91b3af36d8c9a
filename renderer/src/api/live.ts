/**
 * Push events enter the renderer here. Each event is parsed with its schema from the contract
 * (core/api/events.ts) once, where it arrives from the transport; a malformed one is dropped with a
 * console warning naming the event and what was wrong, and never reaches a page. Pages, the store
 * wiring (App.tsx) and the live invalidation all subscribe through `onEvent`.
 *
 * Live data by push: each event the host emits names the server state it changed, and the
 * queries of those verbs are invalidated (refetched only if a page shows them) by the one table in
 * invalidation.ts. Pages keep at most a slow refetch as a safety net for events missed while the
 * connection was down.
 */
import { useEffect } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { events, type EventName, type EventPayload } from '../../../core/api/events';
import { client, deliver, type Transport, type VerbName } from './client';
import { LIVE_EVENTS, refreshesAtOnce, verbsToRefresh } from './invalidation';

export type Warn = (message: string) => void;
const consoleWarn: Warn = (message) => console.warn(message);

/** The payload parsed with the event's schema, or undefined (and a warning) when it does not match. */
export function parseEvent<E extends EventName>(event: E, payload: unknown, warn: Warn = consoleWarn): EventPayload<E> | undefined {
  const parsed = events[event].safeParse(payload);
  if (parsed.success) return parsed.data as EventPayload<E>;
  const issues = parsed.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(payload)'}: ${i.message}`).join('; ');
  warn(`Dropped a malformed '${event}' push event: ${issues}`);
  return undefined;
}

export interface EventHub {
  on<E extends EventName>(event: E, cb: (payload: EventPayload<E>) => void): () => void;
}

/**
 * One transport subscription per event name, whatever the number of listeners: each event is
 * parsed once and warned about once. A listener's exception does not keep the event from the others.
 */
export function createEventHub(transport: Pick<Transport, 'on'>, warn: Warn = consoleWarn): EventHub {
  const subs = new Map<EventName, { off: () => void; listeners: Set<(payload: unknown) => void> }>();
  return {
    on(event, cb) {
      let sub = subs.get(event);
      if (!sub) {
        const listeners = new Set<(payload: unknown) => void>();
        const off = transport.on(event, (raw) => {
          const payload = parseEvent(event, raw, warn);
          if (payload === undefined) return;
          for (const l of [...listeners]) deliver(l, payload);
        });
        sub = { off, listeners };
        subs.set(event, sub);
      }
      const listener = cb as (payload: unknown) => void;
      const own = sub;
      own.listeners.add(listener);
      return () => {
        own.listeners.delete(listener);
        if (own.listeners.size === 0 && subs.get(event) === own) {
          own.off();
          subs.delete(event);
        }
      };
    },
  };
}

let hub: EventHub | null = null;
/** Subscribe to a push event of the app's client; the payload has been parsed with its schema. */
export function onEvent<E extends EventName>(event: E, cb: (payload: EventPayload<E>) => void): () => void {
  hub ??= createEventHub(client().transport);
  return hub.on(event, cb);
}

/**
 * Collects verbs and flushes them once per `delay`: a burst of fills or log lines becomes one
 * refetch per query, not one per event.
 */
export function createCoalescer(flush: (verbs: VerbName[]) => void, delay = 250, timers: { set: (fn: () => void, ms: number) => ReturnType<typeof setTimeout>; clear: (t: ReturnType<typeof setTimeout>) => void } = { set: (fn, ms) => setTimeout(fn, ms), clear: (t) => clearTimeout(t) }) {
  let pending = new Set<VerbName>();
  let timer: ReturnType<typeof setTimeout> | null = null;
  return {
    add(verbs: readonly VerbName[]) {
      if (!verbs.length) return;
      for (const v of verbs) pending.add(v);
      if (timer === null)
        timer = timers.set(() => {
          timer = null;
          const out = [...pending];
          pending = new Set();
          flush(out);
        }, delay);
    },
    /** Refresh these and whatever is pending at once (the end of a run: the page shows it now). */
    now(verbs: readonly VerbName[]) {
      for (const v of verbs) pending.add(v);
      if (timer !== null) timers.clear(timer);
      timer = null;
      const out = [...pending];
      pending = new Set();
      if (out.length) flush(out);
    },
    cancel() {
      if (timer !== null) timers.clear(timer);
      timer = null;
      pending = new Set();
    },
  };
}

/** Wire once at the top of the app. */
export function useLiveInvalidation(): void {
  const qc = useQueryClient();
  useEffect(() => {
    const co = createCoalescer((verbs) => {
      for (const v of verbs) void qc.invalidateQueries({ queryKey: [v] });
    });
    const offs = LIVE_EVENTS.map((e) =>
      onEvent(e, (payload) => {
        const verbs = verbsToRefresh(e, payload);
        if (refreshesAtOnce(e, payload)) co.now(verbs);
        else co.add(verbs);
      }),
    );
    // Back from a dropped connection: whatever changed meanwhile is unknown, so refresh it all.
    const offConn = client().transport.onConnection((s) => {
      if (s === 'open') void qc.invalidateQueries();
    });
    return () => {
      offs.forEach((o) => o());
      offConn();
      co.cancel();
    };
  }, [qc]);
}
