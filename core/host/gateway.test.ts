/**
 * The headless gateway refuses anything that is not this user's page: no token, a wrong token,
 * a foreign Host header (DNS rebinding), a cross-site Origin (CSRF), non-JSON bodies, oversized
 * bodies — and it listens on loopback only.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { dispatch } from '../api/dispatch';
import { EventBus } from './bus';
import { startGateway, type Gateway } from './gateway';
import { cspHeader, cspMeta, parseCsp } from './csp';
import { silentLogger } from '../runtime/log';

let gw: Gateway;
const bus = new EventBus();
const calls: string[] = [];
const rendererDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-renderer-'));

beforeAll(async () => {
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Vigil</title>');
  fs.writeFileSync(path.join(rendererDir, 'app.js'), 'console.log(1)');
  gw = await startGateway({
    call: async (verb, input) => {
      calls.push(verb);
      return dispatch({ get_runtime_status: async () => { throw new Error('not in this test'); } }, verb, input, { door: 'http', correlationId: 't' });
    },
    bus,
    log: silentLogger,
    rendererDir,
  });
});
afterAll(async () => {
  await gw.close();
  fs.rmSync(rendererDir, { recursive: true, force: true });
});

function raw(opts: { path: string; method?: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: gw.port, path: opts.path, method: opts.method ?? 'GET', headers: opts.headers, setHost: !opts.headers?.host }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    if (opts.body) req.write(opts.body);
    req.end();
  });
}
const call = (headers: Record<string, string>, body = JSON.stringify({ verb: 'run_smoke_workflow', input: { message: 'x' } })) =>
  raw({ path: '/api/call', method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

describe('gateway', () => {
  it('listens on 127.0.0.1 only', () => {
    expect(gw.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const others = Object.values(os.networkInterfaces()).flat().filter((i) => i && i.family === 'IPv4' && !i.internal);
    return Promise.all(
      others.map(
        (i) =>
          new Promise<void>((resolve) => {
            const req = http.get({ host: i!.address, port: gw.port, path: '/api/health', timeout: 1000 }, () => {
              throw new Error(`gateway answered on ${i!.address}`);
            });
            req.on('error', () => resolve());
            req.on('timeout', () => {
              req.destroy();
              resolve();
            });
          }),
      ),
    );
  });

  it('requires the session token', async () => {
    const before = calls.length;
    expect((await call({})).status).toBe(401);
    expect((await call({ authorization: 'Bearer wrong-token-of-some-length' })).status).toBe(401);
    expect((await call({ authorization: `Bearer ${gw.token}x` })).status).toBe(401);
    expect(calls.length).toBe(before);
    const ok = await call({ authorization: `Bearer ${gw.token}` });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toMatchObject({ ok: false, error: { code: 'unavailable' } });
  });

  it('refuses a rebound host name even with the token (DNS rebinding)', async () => {
    const r = await call({ authorization: `Bearer ${gw.token}`, host: `attacker.example:${gw.port}` });
    expect(r.status).toBe(403);
    expect(JSON.parse(r.body).error.message).toMatch(/not this gateway/);
    expect((await raw({ path: '/', headers: { host: 'evil.test' } })).status).toBe(403);
  });

  it('refuses cross-site requests (CSRF) even with the token', async () => {
    const r = await call({ authorization: `Bearer ${gw.token}`, origin: 'https://evil.example' });
    expect(r.status).toBe(403);
    const same = await call({ authorization: `Bearer ${gw.token}`, origin: gw.baseUrl });
    expect(same.status).toBe(200);
  });

  it('refuses non-JSON, malformed and oversized bodies with clear errors', async () => {
    const auth = { authorization: `Bearer ${gw.token}` };
    expect((await call({ ...auth, 'content-type': 'text/plain' })).status).toBe(415);
    const bad = await call(auth, '{not json');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error.message).toMatch(/not valid JSON/);
    expect((await call(auth, JSON.stringify({ input: {} }))).status).toBe(400);
    const big = await call(auth, JSON.stringify({ verb: 'x', input: 'y'.repeat(600 * 1024) })).catch(() => ({ status: 413, body: '' }));
    expect(big.status).toBe(413);
    const unknown = await call(auth, JSON.stringify({ verb: 'drop_tables', input: {} }));
    expect(JSON.parse(unknown.body)).toMatchObject({ ok: false, error: { code: 'unknown_verb' } });
  });

  it('serves the renderer with a strict CSP and never escapes its folder', async () => {
    const index = await raw({ path: '/' });
    expect(index.status).toBe(200);
    const csp = index.headers['content-security-policy'];
    expect(csp).toBe(cspHeader(gw.port));
    // Every HTML answer carries it, the SPA fallback for an unknown path too.
    expect((await raw({ path: '/portfolio/deep/link' })).headers['content-security-policy']).toBe(csp);
    const d = parseCsp(String(csp));
    expect(d.get('script-src')).toEqual(["'self'"]);
    expect(d.get('connect-src')).toEqual(["'self'", `ws://127.0.0.1:${gw.port}`, `ws://localhost:${gw.port}`]);
    expect(d.get('frame-ancestors')).toEqual(["'none'"]);
    expect(d.get('object-src')).toEqual(["'none'"]);
    // The header only narrows the page's own meta policy: same directives, WebSockets on this port only.
    const meta = parseCsp(cspMeta());
    for (const [name, values] of meta) if (name !== 'connect-src') expect(d.get(name)).toEqual(values);
    expect(index.headers['x-frame-options']).toBe('DENY');
    expect((await raw({ path: '/app.js' })).headers['content-type']).toMatch(/javascript/);
    const escape = await raw({ path: '/..%2f..%2fetc%2fpasswd' });
    expect(escape.body).not.toMatch(/root:/);
  });

  it('streams events only to an authorised WebSocket from this origin', async () => {
    const refused = (url: string, headers: Record<string, string> = {}) =>
      new Promise<boolean>((resolve) => {
        const ws = new WebSocket(url, { headers });
        ws.on('open', () => {
          ws.close();
          resolve(false);
        });
        ws.on('error', () => resolve(true));
      });
    const wsBase = `ws://127.0.0.1:${gw.port}/events`;
    expect(await refused(wsBase)).toBe(true);
    expect(await refused(`${wsBase}?token=nope`)).toBe(true);
    expect(await refused(`${wsBase}?token=${gw.token}`, { origin: 'https://evil.example' })).toBe(true);

    const ws = new WebSocket(`${wsBase}?token=${gw.token}`, { headers: { origin: gw.baseUrl } });
    await new Promise((r) => ws.on('open', r));
    const got = new Promise<unknown>((r) => ws.on('message', (d) => r(JSON.parse(String(d)))));
    bus.emit('notify', { kind: 'test', level: 'info', title: 't', body: 'b' });
    expect(await got).toEqual({ event: 'notify', payload: { kind: 'test', level: 'info', title: 't', body: 'b' } });
    ws.close();
  });
});
