/**
 * The outgoing webhook: one JSON POST per alert, signed so the receiver can tell it came from this
 * cockpit and was not replayed.
 *
 *   X-Vigil-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
 *   X-Vigil-Delivery:  the alert id (the same on every retry: receivers can de-duplicate)
 *   X-Vigil-Event:     the alert kind
 *
 * A receiver recomputes the HMAC over the exact bytes received with the shared secret, compares it
 * in constant time, and rejects timestamps older than a few minutes (`verifySignature`).
 */
import crypto from 'node:crypto';
import type { Alert } from './kinds';

export { webhookUrlProblem } from './webhook-url';

export const SIGNATURE_HEADER = 'x-vigil-signature';
export const DELIVERY_HEADER = 'x-vigil-delivery';
export const EVENT_HEADER = 'x-vigil-event';
/** How old a signed timestamp may be when verified. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

export function sign(secret: string, body: string, t: number): string {
  const mac = crypto.createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  return `t=${t},v1=${mac}`;
}

/** For receivers (and the tests): true when the header signs this body with this secret, recently. */
export function verifySignature(secret: string, body: string, header: string | undefined, nowSeconds = Math.floor(Date.now() / 1000)): boolean {
  if (!header) return false;
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=', 2) as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || Math.abs(nowSeconds - t) > SIGNATURE_TOLERANCE_SECONDS || !parts.v1) return false;
  const expected = Buffer.from(sign(secret, body, t).split('v1=')[1]!, 'hex');
  const got = Buffer.from(parts.v1, 'hex');
  return got.length === expected.length && crypto.timingSafeEqual(got, expected);
}

/** The URL as logs and the delivery log show it: origin and path, no query (it may carry a token). */
export function redactUrl(raw: string): string {
  try {
    const u = new URL(raw);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

export interface DeliveryResult {
  ok: boolean;
  status: number | null;
  error: string | null;
  durationMs: number;
}

export function payloadOf(alert: Alert): string {
  return JSON.stringify({ id: alert.id, kind: alert.kind, level: alert.level, title: alert.title, body: alert.body, at: new Date(alert.at).toISOString(), data: alert.data, source: 'vigil' });
}

/** One attempt: 2xx is delivered; anything else (or no answer in `timeoutMs`) is a failure to retry. */
export async function postAlert(url: string, secret: string, alert: Alert, opts: { timeoutMs?: number; now?: () => number } = {}): Promise<DeliveryResult> {
  const body = payloadOf(alert);
  const started = Date.now();
  const t = Math.floor((opts.now?.() ?? Date.now()) / 1000);
  try {
    const r = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'vigil-alerts', [SIGNATURE_HEADER]: sign(secret, body, t), [DELIVERY_HEADER]: alert.id, [EVENT_HEADER]: alert.kind },
      body,
      redirect: 'error',
      signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
    });
    await r.arrayBuffer().catch(() => undefined);
    return { ok: r.ok, status: r.status, error: r.ok ? null : `HTTP ${r.status}`, durationMs: Date.now() - started };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    return { ok: false, status: null, error: e.name === 'TimeoutError' ? 'no answer in time' : (e.cause?.code ?? e.message).slice(0, 200), durationMs: Date.now() - started };
  }
}
