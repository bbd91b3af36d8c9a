/**
 * Push events from the host to every subscriber (renderer over IPC/WebSocket, notifications,
 * the tray). Each event has a zod schema so a subscriber can trust what it receives.
 * Capabilities add their events here.
 */
import { z } from 'zod';
import { RuntimeStatus } from './modules/system';
import { tradingEvents } from './modules/trading';

export const events = {
  'runtime.status': RuntimeStatus,
  ...tradingEvents,
  /** A domain event appended to the log (intent, decision, gate, order, fill, judge, ...). */
  'domain.event': z.object({
    id: z.string(),
    type: z.string(),
    at: z.string(),
    correlationId: z.string().nullable(),
    summary: z.string(),
    data: z.record(z.string(), z.unknown()),
  }),
  /** Something the user should notice (fills, risk blocks, judge mode switches, reconcile drift). */
  notify: z.object({
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
