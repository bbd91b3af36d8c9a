/**
 * The alerts' verbs: where each kind goes, the webhook, a test delivery, and the log of what was
 * raised and delivered. Settings are the user's: not MCP tools (the log is readable to MCP).
 */
import { z } from 'zod';
import { READ, WRITE, WRITE_IDEMPOTENT, verb } from '../api/define';
import { AlertKindSchema, AlertLevelSchema, RouteSchema } from './kinds';
import { webhookUrlProblem } from './webhook-url';

export const AlertSettingsSchema = z.object({
  kinds: z.array(z.object({ kind: AlertKindSchema, label: z.string(), desktop: z.boolean(), webhook: z.boolean() })),
  webhook: z.object({
    /** Origin and path only: a query may carry a token. */
    url: z.string().nullable(),
    source: z.enum(['environment', 'app']).nullable(),
    /** Whether ALERT_WEBHOOK_SECRET is set (in Settings → Keys or the environment). */
    secretSet: z.boolean(),
    /** Deliveries happen: a URL and a signing secret. */
    ready: z.boolean(),
  }),
});

const DeliverySchema = z.object({
  attempt: z.number().int(),
  at: z.number(),
  url: z.string(),
  ok: z.boolean(),
  status: z.number().int().nullable(),
  error: z.string().nullable(),
  durationMs: z.number(),
  final: z.boolean(),
});

export const AlertLogSchema = z.object({
  alerts: z.array(
    z.object({
      id: z.string(),
      kind: AlertKindSchema,
      level: AlertLevelSchema,
      title: z.string(),
      body: z.string(),
      at: z.number(),
      data: z.record(z.string(), z.unknown()),
      route: RouteSchema,
      webhookState: z.enum(['not_sent', 'pending', 'delivered', 'failed']),
      deliveries: z.array(DeliverySchema),
    }),
  ),
});

export const alertsApi = {
  get_alert_settings: verb({
    description: 'Where each kind of alert goes (desktop notification / toast, outgoing webhook), and the webhook: its URL (origin and path), whether the signing secret is set.',
    input: z.object({}).strict(),
    output: AlertSettingsSchema,
    annotations: READ,
    temporal: 'none',
    mcp: false,
  }),
  set_alert_routes: verb({
    description: 'Route kinds of alerts to the desktop and/or the webhook; kinds not named keep their route.',
    input: z.object({ routes: z.partialRecord(AlertKindSchema, RouteSchema.partial().strict()) }).strict(),
    output: AlertSettingsSchema,
    annotations: WRITE_IDEMPOTENT,
    temporal: 'none',
    mcp: false,
  }),
  set_alert_webhook: verb({
    description: 'Set the outgoing webhook URL (https, or http to 127.0.0.1/localhost), or null to stop deliveries. Payloads are signed with ALERT_WEBHOOK_SECRET (X-Vigil-Signature: t=…,v1=HMAC-SHA256).',
    input: z
      .object({ url: z.string().trim().max(2000).nullable() })
      .strict()
      .superRefine((v, ctx) => {
        const p = v.url === null ? null : webhookUrlProblem(v.url);
        if (p) ctx.addIssue({ code: 'custom', path: ['url'], message: p });
      }),
    output: AlertSettingsSchema,
    annotations: WRITE_IDEMPOTENT,
    temporal: 'none',
    mcp: false,
  }),
  test_alert_webhook: verb({
    description: 'Send a test alert to the webhook now (one attempt, no retries) and say what the receiver answered; recorded in the alert log.',
    input: z.object({}).strict(),
    output: z.object({ alertId: z.string(), delivered: z.boolean(), status: z.number().int().nullable(), error: z.string().nullable(), durationMs: z.number() }),
    annotations: WRITE,
    temporal: 'none',
    mcp: false,
  }),
  get_alert_log: verb({
    description: 'Alerts raised, newest first, with where each went and every webhook delivery attempt.',
    input: z.object({ limit: z.number().int().min(1).max(500).default(50), kind: AlertKindSchema.optional() }).strict(),
    output: AlertLogSchema,
    annotations: READ,
    temporal: 'none',
    mcp: true,
  }),
};
