/**
 * Push events from the host to every subscriber (renderer over IPC/WebSocket, notifications,
 * the tray). Each event has a zod schema so a subscriber can trust what it receives.
 * Capabilities add their events here.
 */
import { z } from 'zod';
import { RuntimeStatus } from './modules/system';
import { paperEvents } from '../paper/contract';
import { backtestEvents } from '../backtest/contract';
import { marketEvents } from '../market/contract';
import { dataEvents } from '../market/data/contract';
import { AlertInputSchema, AlertKindSchema } from '../alerts/kinds';

export const events = {
  'runtime.status': RuntimeStatus,
  ...paperEvents,
  ...backtestEvents,
  ...dataEvents,
  /** A domain event appended to the log (intent, decision, gate, order, fill, judge, ...). */
  'domain.event': z.object({
    id: z.string(),
    type: z.string(),
    at: z.string(),
    correlationId: z.string().nullable(),
    summary: z.string(),
    data: z.record(z.string(), z.unknown()),
  }),
  ...marketEvents,
  /** Raised by a capability; the alert service records it and routes it by kind (core/alerts). */
  alert: AlertInputSchema,
  /** An alert routed to the desktop: a native notification in Electron, a toast in the page. */
  notify: z.object({
    kind: AlertKindSchema,
    level: z.enum(['info', 'warning', 'error']),
    title: z.string(),
    body: z.string(),
  }),
  /** Streaming reply of the broker chat: deltas, then one `done` with the full text. */
  'agent.chat': z.object({ sessionId: z.string(), turn: z.number().int(), delta: z.string(), done: z.boolean() }),
  /** An agent decision, skip, evaluation or mode switch, as logged. */
  'agent.log': z.object({ agent: z.string(), kind: z.string(), at: z.number(), correlationId: z.string().nullable(), summary: z.string(), data: z.record(z.string(), z.unknown()) }),
};

export type EventMap = typeof events;
export type EventName = keyof EventMap;
export type EventPayload<K extends EventName> = z.infer<EventMap[K]>;
