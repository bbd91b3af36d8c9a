/**
 * The event bus as the contract's side of it: what a publisher or a subscriber may rely on, typed by
 * the event map (core/api/events.ts). Activities, the market feed manager and the alert service
 * take a bus through this interface; the host owns the one implementation (core/host/bus.ts), and
 * the gateway and the Electron IPC router forward every event to subscribed windows.
 * Fan-out is synchronous: a slow subscriber must buffer on its own side.
 */
import type { EventName, EventPayload } from './events';

export type Listener<K extends EventName> = (payload: EventPayload<K>) => void;
export type AnyListener = <K extends EventName>(name: K, payload: EventPayload<K>) => void;

export interface EventBus {
  /** Subscribe to one event; returns the unsubscribe function. */
  on<K extends EventName>(name: K, fn: Listener<K>): () => void;
  /** Subscribe to every event; returns the unsubscribe function. */
  onAny(fn: AnyListener): () => void;
  /** Deliver to every subscriber now; a subscriber that throws does not stop the others. */
  emit<K extends EventName>(name: K, payload: EventPayload<K>): void;
  /** How many subscriptions are open. */
  listenerCount(): number;
}
