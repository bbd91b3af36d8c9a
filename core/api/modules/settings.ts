/**
 * Keys the user enters in Settings. Values go in and never come out: the status says which keys
 * are set and from where. Host-local (the store sits with the host), and not MCP tools: no
 * outside assistant or agent reads or replaces a key.
 */
import { z } from 'zod';
import { SECRET_KEYS } from '../../domain/secrets';
import { READ, WRITE_IDEMPOTENT, verb } from '../define';

const SecretName = z.enum(SECRET_KEYS);

export const SecretsStatus = z.object({
  protection: z.enum(['os-keychain', 'file-0600', 'none']),
  /** Where stored keys live, for the Settings page to say so. */
  location: z.string().nullable(),
  secrets: z.array(z.object({ name: SecretName, set: z.boolean(), source: z.enum(['environment', 'store']).nullable() })),
});
export type SecretsStatus = z.infer<typeof SecretsStatus>;

export const settingsApi = {
  get_secrets_status: verb({
    description: 'Which API keys are set (never their values), from the environment or the app’s secret store, and how the store protects them.',
    input: z.object({}).strict(),
    output: SecretsStatus,
    annotations: READ,
    temporal: 'none',
    mcp: false,
  }),
  set_secret: verb({
    description: 'Store an API key (OS keychain in the desktop app, a 0600 file headless); it takes effect at once. An environment variable of the same name still wins.',
    input: z
      .object({
        name: SecretName,
        value: z
          .string()
          .min(1)
          .max(10_000)
          .refine((v) => v.trim().length > 0, 'the key is blank'),
      })
      .strict(),
    output: SecretsStatus,
    annotations: WRITE_IDEMPOTENT,
    temporal: 'none',
    mcp: false,
  }),
  delete_secret: verb({
    description: 'Remove a stored API key.',
    input: z.object({ name: SecretName }).strict(),
    output: SecretsStatus,
    annotations: WRITE_IDEMPOTENT,
    temporal: 'none',
    mcp: false,
  }),
};
