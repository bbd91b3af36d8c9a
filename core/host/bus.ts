/**
 * The host's in-process event bus, the implementation of the contract's bus interface
 * (core/api/bus.ts). Typed by the event map; the gateway and the Electron IPC router forward every
 * event to subscribed windows. Synchronous fan-out: a slow subscriber must buffer on its own side
 * (the WebSocket adapter drops frames for a client that falls behind).
 */
import type { AnyListener, EventBus as Bus, Listener } from '../api/bus';
import type { EventName, EventPayload } from '../api/events';

export type { AnyListener, Listener } from '../api/bus';

export class EventBus implements Bus {
  private readonly byName = new Map<EventName, Set<(p: unknown) => void>>();
  private readonly any = new Set<AnyListener>();

  on<K extends EventName>(name: K, fn: Listener<K>): () => void {
    let set = this.byName.get(name);
    if (!set) this.byName.set(name, (set = new Set()));
    set.add(fn as (p: unknown) => void);
    return () => set.delete(fn as (p: unknown) => void);
  }

  onAny(fn: AnyListener): () => void {
    this.any.add(fn);
    return () => this.any.delete(fn);
  }

  emit<K extends EventName>(name: K, payload: EventPayload<K>): void {
    const set = this.byName.get(name);
    if (set) for (const fn of set) safe(() => fn(payload));
    for (const fn of this.any) safe(() => fn(name, payload));
  }

  listenerCount(): number {
    let n = this.any.size;
    for (const s of this.byName.values()) n += s.size;
    return n;
  }
}

function safe(f: () => void): void {
  try {
    f();
  } catch (err) {
    // A subscriber's bug must not stop the fan-out or the feed that emitted.
    process.stderr.write(`[bus] listener failed: ${(err as Error).message}\n`);
  }
}
