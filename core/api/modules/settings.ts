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

/** Which model and OpenAI-compatible server each agent uses (per-agent values override the default). */
export const MODEL_SETTINGS = ['OPENAI_BASE_URL', 'OPENAI_MODEL', 'EXECUTION_MODEL', 'EXECUTION_BASE_URL', 'JUDGE_MODEL', 'JUDGE_BASE_URL', 'BROKER_MODEL', 'BROKER_BASE_URL'] as const;
const ModelSettingName = z.enum(MODEL_SETTINGS);

export const ModelSettings = z.object({
  settings: z.array(z.object({ name: ModelSettingName, value: z.string().nullable(), source: z.enum(['environment', 'app', 'default']) })),
});

const modelValue = z
  .string()
  .trim()
  .min(1)
  .max(300)
  .refine((v) => !/\s/.test(v), 'no spaces');

export const SafetySettings = z.object({
  /** MCP clients and the broker agent may ask for live orders; each one still waits for approval in the app. */
  mcpLiveOrders: z.boolean(),
  /** The MCP bridge exposes read-only tools only (MCP_READ_ONLY, environment). */
  mcpReadOnly: z.boolean(),
});

export const settingsApi = {
  get_safety_settings: verb({
    description: 'Safety switches: whether MCP clients and the broker agent may request live orders (each still approved in the app), and whether the MCP bridge is read-only.',
    input: z.object({}).strict(),
    output: SafetySettings,
    annotations: READ,
    temporal: 'none',
    mcp: false,
  }),
  set_mcp_live_orders: verb({
    description: 'Allow or forbid live-order requests from MCP clients and the broker agent. Off by default; when on, every such order still waits for Approve in the app and is denied on timeout.',
    input: z.object({ enabled: z.boolean() }).strict(),
    output: SafetySettings,
    annotations: WRITE_IDEMPOTENT,
    temporal: 'none',
    mcp: false,
  }),
  get_model_settings: verb({
    description: 'The model and OpenAI-compatible base URL each agent uses, and where each value comes from.',
    input: z.object({}).strict(),
    output: ModelSettings,
    annotations: READ,
    temporal: 'none',
    mcp: false,
  }),
  set_model_setting: verb({
    description: 'Set (or, with null, clear) the default or a per-agent model / base URL; it applies to the next model call. An environment variable of the same name still wins.',
    input: z
      .object({ name: ModelSettingName, value: modelValue.nullable() })
      .strict()
      .superRefine((v, ctx) => {
        if (v.value !== null && v.name.endsWith('BASE_URL') && !/^https?:\/\/[^\s/]+/.test(v.value)) ctx.addIssue({ code: 'custom', path: ['value'], message: 'a base URL starts with http:// or https://, e.g. http://127.0.0.1:11434/v1' });
      }),
    output: ModelSettings,
    annotations: WRITE_IDEMPOTENT,
    temporal: 'none',
    mcp: false,
  }),
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
