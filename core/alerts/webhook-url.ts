/**
 * Which webhook URLs Vigil accepts. Pure: the alerts' contract checks a URL with it before anything
 * is stored, and the delivery activity checks it again before posting (./webhook.ts).
 */

/**
 * Where a webhook may point: https anywhere, plain http only to this machine (a local receiver,
 * a test). Null when acceptable, else why not.
 */
export function webhookUrlProblem(raw: string): string | null {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return 'not a URL';
  }
  if (u.username || u.password) return 'no credentials in the URL: the payload is signed with the secret instead';
  if (u.protocol === 'https:') return null;
  if (u.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname)) return null;
  return 'use https (plain http only to 127.0.0.1 or localhost)';
}
