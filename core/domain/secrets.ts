/** The secrets Vigil knows by name (API keys). Values live only in the environment or the secret store. */
export const SECRET_KEYS = [
  'OPENAI_API_KEY',
  'LANGFUSE_PUBLIC_KEY',
  'LANGFUSE_SECRET_KEY',
  'COINBASE_API_KEY_NAME',
  'COINBASE_API_PRIVATE_KEY',
  'TEMPORAL_API_KEY',
  /** Signs outgoing alert webhooks (HMAC-SHA256). */
  'ALERT_WEBHOOK_SECRET',
] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];
