/**
 * What Vigil tells the user about, by kind. Every capability raises an alert on the host's bus
 * (`bus.emit('alert', …)`); the alert service (service.ts) sends each one where the user routed
 * its kind: the desktop (a native notification in Electron, a toast in the page) and/or the
 * outgoing webhook (signed JSON, retried, logged).
 */
import { z } from 'zod';

export const ALERT_KINDS = [
  'fill',
  'stop_hit',
  'order_blocked',
  'protection',
  'kill_switch',
  'judge_mode',
  'reconcile_drift',
  'live_order_approval',
  'runtime_degraded',
  'test',
] as const;
export const AlertKindSchema = z.enum(ALERT_KINDS);
export type AlertKind = z.infer<typeof AlertKindSchema>;

/** What each kind means, for the Settings panel and the docs. */
export const ALERT_KIND_LABELS: Record<AlertKind, string> = {
  fill: 'Fills (paper and live)',
  stop_hit: 'Stops hit',
  order_blocked: 'Orders refused by the kill switch, a risk limit or the cost gate',
  protection: 'Protections engaged',
  kill_switch: 'Kill switch engaged or released',
  judge_mode: 'Judge switched the execution mode',
  reconcile_drift: 'Reconcile drift over the threshold (and reconcile failures)',
  live_order_approval: 'Live orders waiting for your approval',
  runtime_degraded: 'Runtime degraded (Temporal, workers, market feed, start-up)',
  test: 'Test alerts from Settings',
};

/** Webhook attempts before a delivery is given up (back-off 2 s doubling to 5 min: about 10 minutes in all). */
export const WEBHOOK_MAX_ATTEMPTS = 8;

export const AlertLevelSchema = z.enum(['info', 'warning', 'error']);

/** What a capability raises. */
export const AlertInputSchema = z.object({
  kind: AlertKindSchema,
  level: AlertLevelSchema,
  title: z.string().min(1).max(200),
  body: z.string().max(2000),
  data: z.record(z.string(), z.unknown()).optional(),
});
export type AlertInput = z.infer<typeof AlertInputSchema>;

/** An alert as stored, pushed and delivered. */
export const AlertSchema = AlertInputSchema.extend({
  id: z.string(),
  /** Epoch ms. */
  at: z.number(),
  data: z.record(z.string(), z.unknown()),
});
export type Alert = z.infer<typeof AlertSchema>;

export const RouteSchema = z.object({ desktop: z.boolean(), webhook: z.boolean() }).strict();
export type Route = z.infer<typeof RouteSchema>;
export const RoutesSchema = z.record(AlertKindSchema, RouteSchema);
export type Routes = Record<AlertKind, Route>;

/** Out of the box: everything on the desktop; everything but fills to the webhook once one is set. */
export function defaultRoutes(): Routes {
  const out = {} as Routes;
  for (const k of ALERT_KINDS) out[k] = { desktop: true, webhook: k !== 'fill' };
  return out;
}

/** Stored routes over the defaults (a kind added later starts with its default). */
export function mergeRoutes(stored: unknown): Routes {
  const out = defaultRoutes();
  const parsed = z.record(z.string(), RouteSchema).safeParse(stored);
  if (parsed.success) for (const [k, v] of Object.entries(parsed.data)) if (AlertKindSchema.safeParse(k).success) out[k as AlertKind] = v;
  return out;
}
