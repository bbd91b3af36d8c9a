import { describe, expect, it } from 'vitest';
import { createClient, ipcTransport, takeToken } from './client';

describe('takeToken', () => {
  it('reads the token from the fragment once, stores it and strips it from the URL', () => {
    const store = new Map<string, string>();
    const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) };
    let replaced = '';
    expect(takeToken({ hash: '#token=abc%2D1', pathname: '/', search: '' }, storage, (u) => (replaced = u))).toBe('abc-1');
    expect(replaced).toBe('/');
    expect(takeToken({ hash: '', pathname: '/', search: '' }, storage, () => { throw new Error('no replace'); })).toBe('abc-1');
  });
});

describe('ipc transport', () => {
  it('passes results through and turns bridge failures into error results', async () => {
    const c = createClient(ipcTransport({ call: async (verb) => (verb === 'boom' ? Promise.reject(new Error('gone')) : { ok: true, result: { verb } }), on: () => () => {} }));
    expect(await c.call('get_runtime_status', {})).toEqual({ ok: true, result: { verb: 'get_runtime_status' } });
    const bad = await c.transport.call('boom', {});
    expect(bad.ok).toBe(false);
    await expect(c.get('list_backtests', {})).resolves.toEqual({ verb: 'list_backtests' });
  });
});
