import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigSchema, ConfigError, loadConfig, SECRET_KEYS, secretValues } from './config';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('config', () => {
  it('.env.example documents every variable and every secret', () => {
    const documented = new Set([...fs.readFileSync(path.join(root, '.env.example'), 'utf8').matchAll(/^([A-Z0-9_]+)=/gm)].map((m) => m[1]));
    const missing = [...Object.keys(ConfigSchema.shape), ...SECRET_KEYS].filter((k) => !documented.has(k));
    expect(missing).toEqual([]);
  });

  it('applies defaults and keeps secrets apart', () => {
    const c = loadConfig({ OPENAI_API_KEY: ' sk-test-123456 ' });
    expect(c.INITIAL_PORTFOLIO_BALANCE).toBe('1000');
    expect(c.EXECUTION_NUDGE_SECONDS).toBe(25);
    expect(c.ENABLE_REAL_LEDGER).toBe(false);
    expect(c.secrets.OPENAI_API_KEY).toBe('sk-test-123456');
    expect(secretValues(c)).toEqual(['sk-test-123456']);
    expect(JSON.stringify({ ...c, secrets: undefined })).not.toContain('sk-test');
  });

  it('names the variable that is wrong', () => {
    expect(() => loadConfig({ INITIAL_PORTFOLIO_BALANCE: '1e3' })).toThrow(ConfigError);
    expect(() => loadConfig({ INITIAL_PORTFOLIO_BALANCE: '1e3' })).toThrow(/INITIAL_PORTFOLIO_BALANCE/);
    expect(() => loadConfig({ EXECUTION_NUDGE_SECONDS: 'NaN' })).toThrow(/EXECUTION_NUDGE_SECONDS/);
    expect(() => loadConfig({ MARKET_FEED: 'bloomberg' })).toThrow(/MARKET_FEED/);
    expect(() => loadConfig({ ENABLE_REAL_LEDGER: 'sure' })).toThrow(/ENABLE_REAL_LEDGER/);
  });
});
