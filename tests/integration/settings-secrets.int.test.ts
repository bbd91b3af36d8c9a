/**
 * Keys entered in Settings (headless): stored in a 0600 file in the data dir, never echoed back,
 * applied at once, kept across a restart, overridden by the environment, and refused to MCP.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startHeadless, type Headless } from '../../core/host/headless';
import { toolVerbs } from '../../core/mcp/tools';
import { workflowBundle } from '../support/temporal';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-keys-'));
const KEY = 'sk-test-settings-0123456789abcdefghij';
let hl: Headless | null = null;

async function boot(env: Record<string, string> = {}): Promise<Headless> {
  hl = await startHeadless({ dataDir, stderr: false, rendererDir: null, workflows: { bundle: await workflowBundle() }, env: { VIGIL_AUTOSTART: 'false', VIGIL_TASK_QUEUE: 'vigil-keys', OPENAI_API_KEY: '', ...env } });
  return hl;
}
const statusOf = (r: unknown, name: string) => (r as { ok: true; result: { secrets: { name: string; set: boolean; source: string | null }[] } }).result.secrets.find((s) => s.name === name);

afterAll(async () => {
  await hl?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('keys entered in Settings', () => {
  it('stores a key in a 0600 file, applies it at once, never echoes it, and keeps it across a restart', async () => {
    const h = await boot();
    const before = await h.host.call('get_secrets_status', {}, { door: 'http' });
    expect(before).toMatchObject({ ok: true, result: { protection: 'file-0600', location: path.join(dataDir, 'secrets.json') } });
    expect(statusOf(before, 'OPENAI_API_KEY')).toEqual({ name: 'OPENAI_API_KEY', set: false, source: null });

    expect(await h.host.call('set_secret', { name: 'OPENAI_API_KEY', value: '   ' }, { door: 'http' })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(await h.host.call('set_secret', { name: 'NOT_A_KEY', value: 'x' }, { door: 'http' })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    const set = await h.host.call('set_secret', { name: 'OPENAI_API_KEY', value: KEY }, { door: 'http' });
    expect(JSON.stringify(set)).not.toContain(KEY);
    expect(statusOf(set, 'OPENAI_API_KEY')).toEqual({ name: 'OPENAI_API_KEY', set: true, source: 'store' });
    expect(h.config.secrets.OPENAI_API_KEY).toBe(KEY);
    const file = path.join(dataDir, 'secrets.json');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);

    h.log.info(`a line that mentions ${KEY} by mistake`);
    await h.stop();
    expect(fs.readFileSync(path.join(dataDir, 'logs', 'vigil.log'), 'utf8')).not.toContain(KEY);

    const again = await boot();
    expect(statusOf(await again.host.call('get_secrets_status', {}, { door: 'http' }), 'OPENAI_API_KEY')).toEqual({ name: 'OPENAI_API_KEY', set: true, source: 'store' });
    expect(again.config.secrets.OPENAI_API_KEY).toBe(KEY);
    const del = await again.host.call('delete_secret', { name: 'OPENAI_API_KEY' }, { door: 'http' });
    expect(statusOf(del, 'OPENAI_API_KEY')?.set).toBe(false);
    expect(again.config.secrets.OPENAI_API_KEY).toBeUndefined();
    await again.stop();
    hl = null;
  });

  it('lets the environment win, and keeps keys away from MCP', async () => {
    const h = await boot({ OPENAI_API_KEY: 'sk-test-from-environment-000000' });
    await h.host.call('set_secret', { name: 'OPENAI_API_KEY', value: KEY }, { door: 'http' });
    expect(statusOf(await h.host.call('get_secrets_status', {}, { door: 'http' }), 'OPENAI_API_KEY')?.source).toBe('environment');
    expect(h.config.secrets.OPENAI_API_KEY).toBe('sk-test-from-environment-000000');
    expect(toolVerbs(false)).not.toEqual(expect.arrayContaining(['set_secret']));
    expect(toolVerbs(false).some((v) => /secret/.test(v))).toBe(false);
    await h.stop();
    hl = null;
  });
});

describe('models chosen in Settings', () => {
  it('validates, applies at once, survives a restart, and clears back to the default', async () => {
    const h = await boot();
    const get = async () => (await h.host.call('get_model_settings', {}, { door: 'http' })) as { ok: true; result: { settings: { name: string; value: string | null; source: string }[] } };
    const row = async (name: string) => (await get()).result.settings.find((s) => s.name === name);
    expect(await row('OPENAI_MODEL')).toEqual({ name: 'OPENAI_MODEL', value: 'gpt-4o-mini', source: 'default' });
    expect(await h.host.call('set_model_setting', { name: 'JUDGE_BASE_URL', value: 'ftp://nope' }, { door: 'http' })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(await h.host.call('set_model_setting', { name: 'NOT_A_SETTING', value: 'x' }, { door: 'http' })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect((await h.host.call('set_model_setting', { name: 'JUDGE_BASE_URL', value: 'http://127.0.0.1:11434/v1' }, { door: 'http' })).ok).toBe(true);
    expect((await h.host.call('set_model_setting', { name: 'JUDGE_MODEL', value: 'llama3.1:8b' }, { door: 'http' })).ok).toBe(true);
    expect(h.config.JUDGE_MODEL).toBe('llama3.1:8b');
    expect(await row('JUDGE_BASE_URL')).toEqual({ name: 'JUDGE_BASE_URL', value: 'http://127.0.0.1:11434/v1', source: 'app' });
    await h.stop();

    const again = await boot();
    expect(again.config.JUDGE_BASE_URL).toBe('http://127.0.0.1:11434/v1');
    expect((await again.host.call('set_model_setting', { name: 'JUDGE_MODEL', value: null }, { door: 'http' })).ok).toBe(true);
    expect(again.config.JUDGE_MODEL).toBeUndefined();
    await again.stop();
    hl = null;
  });
});
