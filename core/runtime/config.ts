/**
 * Configuration from the environment (and `.env` in the data dir / checkout), validated once at
 * start. Every variable is documented in `.env.example`. Secrets are kept in `secrets` and are
 * never logged: `describeConfig` prints only whether each one is set.
 */
import { z } from 'zod';
import { SECRET_KEYS, type SecretKey } from '../domain/secrets';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off', ''])
  .transform((v) => v === 'true' || v === '1' || v === 'yes' || v === 'on');
const num = (def: number, min: number, max: number) =>
  z.coerce.number().refine(Number.isFinite, 'must be a finite number').pipe(z.number().min(min).max(max)).default(def);
const decimalStr = (def: string) => z.string().regex(/^\d+(\.\d+)?$/, 'must be a non-negative decimal like 1000 or 0.2').default(def);
const optStr = z.string().trim().min(1).optional().catch(undefined);

export const ConfigSchema = z.object({
  VIGIL_DATA_DIR: optStr,
  VIGIL_CACHE_DIR: optStr,
  VIGIL_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  VIGIL_HTTP_PORT: num(0, 0, 65535),
  VIGIL_TASK_QUEUE: z.string().regex(/^[a-zA-Z0-9._-]{1,100}$/).default('vigil'),
  VIGIL_AUTOSTART: bool.default(true),

  TEMPORAL_CLI_PATH: optStr,
  TEMPORAL_CLI_VERSION: z.string().default('1.5.1'),
  TEMPORAL_ADDRESS: optStr,
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_TLS_CERT_PATH: optStr,
  TEMPORAL_TLS_KEY_PATH: optStr,
  TEMPORAL_TLS_CA_PATH: optStr,
  TEMPORAL_API_KEY: optStr,

  MARKET_FEED: z.enum(['coinbase', 'replay', 'simulated']).default('simulated'),
  MARKET_SYMBOLS: z.string().default('BTC-USD,ETH-USD'),
  COINBASE_REST_URL: z.string().url().default('https://api.coinbase.com'),
  COINBASE_WS_URL: z.string().url().default('wss://advanced-trade-ws.coinbase.com'),
  COINBASE_USER_WS_URL: z.string().url().default('wss://advanced-trade-ws-user.coinbase.com'),
  STREAM_CONTINUE_EVERY: num(3600, 1, 1_000_000),
  STREAM_HISTORY_LIMIT: num(9000, 100, 50_000),
  BACKFILL_MINUTES: num(60, 0, 60 * 24 * 30),
  /** A price further than this (percent) from the last accepted one is rejected as insane. */
  MARKET_MAX_JUMP_PCT: num(20, 0.1, 1000),
  /** Replay speed: 1 real time, N times faster, 0 as fast as possible. */
  MARKET_REPLAY_SPEED: num(1, 0, 10_000),
  MARKET_SIM_SEED: num(42, 0, 2 ** 31),
  MARKET_SIM_TRADES_PER_SECOND: num(5, 0.1, 100_000),
  /**
   * The simulated market runs this many times faster than the wall clock (60: a 1m bar every
   * second). Trades per second count market seconds. Coinbase, replay, ledgers and Temporal's
   * timers are unaffected; compress the agents' cadence with EXECUTION_NUDGE_SECONDS / JUDGE_*.
   */
  MARKET_SIM_SPEED: z.coerce
    .number()
    .refine((n) => Number.isFinite(n) && n >= 1 && n <= 10_000, 'must be a number from 1 (real time) to 10000 (times faster than the wall clock)')
    .default(1),
  /** How often the market stream renews its feed lease (a restarted host resumes within it). */
  MARKET_LEASE_SECONDS: num(30, 1, 3600),

  INITIAL_PORTFOLIO_BALANCE: decimalStr('1000'),
  PROFIT_SCRAPE_PCT: decimalStr('0.2'),
  ENABLE_REAL_LEDGER: bool.default(false),

  EXECUTION_NUDGE_SECONDS: num(25, 1, 86_400),
  EXECUTION_MAX_STALENESS_SECONDS: num(1800, 1, 86_400 * 7),
  EXECUTION_MIN_PRICE_MOVE_PCT: num(0.1, 0, 100),
  JUDGE_EVALUATION_SECONDS: num(600, 10, 86_400),
  JUDGE_STARTUP_DELAY_SECONDS: num(120, 0, 86_400),
  JUDGE_REPLAN_SCORE_THRESHOLD: num(45, 0, 100),
  JUDGE_REPLAN_COOLDOWN_SECONDS: num(1800, 0, 86_400 * 7),

  OPENAI_BASE_URL: optStr,
  OPENAI_MODEL: z.string().default('gpt-4o-mini'),
  LANGFUSE_BASE_URL: optStr,
  /** Per-agent model overrides; `off` keeps that agent on its built-in deterministic behaviour. */
  EXECUTION_MODEL: optStr,
  JUDGE_MODEL: optStr,
  BROKER_MODEL: optStr,
  EXECUTION_BASE_URL: optStr,
  JUDGE_BASE_URL: optStr,
  BROKER_BASE_URL: optStr,
  LLM_TIMEOUT_SECONDS: num(60, 1, 600),
  LLM_MAX_RETRIES: num(2, 0, 10),
  /** Context budget of agent conversations, in tokens. */
  AGENT_CONTEXT_MAX_TOKENS: num(8000, 500, 1_000_000),
  AGENT_CONTEXT_SUMMARISE_AT: num(6000, 200, 1_000_000),
  AGENT_CONTEXT_KEEP_LAST: num(5, 1, 100),
  MCP_READ_ONLY: bool.default(false),
});

export { SECRET_KEYS, type SecretKey };

export type VigilConfig = z.infer<typeof ConfigSchema> & { secrets: Partial<Record<SecretKey, string>> };

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): VigilConfig {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}\nSee .env.example for every variable.`);
  }
  const secrets: Partial<Record<SecretKey, string>> = {};
  for (const k of SECRET_KEYS) {
    const v = env[k]?.trim();
    if (v) secrets[k] = v;
  }
  return { ...parsed.data, secrets };
}

/** All secret values currently configured, for redaction in logs and exports. */
export function secretValues(cfg: VigilConfig): string[] {
  return Object.values(cfg.secrets).filter((v): v is string => typeof v === 'string' && v.length >= 4);
}
