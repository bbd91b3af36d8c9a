/**
 * The network guard refuses and reports what leaves the machine, and lets loopback through.
 * The attempts run in a child process with the guard preloaded (as every child of a test is) and
 * its own report file, so these deliberate attempts do not fail this test through the guard.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTarget, isLoopbackHost, isOnThisMachine } from './net-guard.mjs';

const preload = path.join(__dirname, 'net-guard-child.mjs');
let server: http.Server;
let port = 0;

beforeAll(async () => {
  server = http.createServer((_req, res) => res.end('local'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

async function runGuarded(code: string): Promise<{ out: Record<string, string>; reported: { kind: string; target: string }[] }> {
  const log = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-guard-test-')), 'guard.jsonl');
  // Asynchronous: this process serves the loopback requests meanwhile.
  const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = execFile(process.execPath, ['--input-type=module', '-e', code], { env: { ...process.env, NODE_OPTIONS: `--import=${preload}`, VIGIL_NET_GUARD_LOG: log }, timeout: 30_000 }, (_err, stdout, stderr) =>
      resolve({ code: child.exitCode, stdout, stderr }),
    );
  });
  expect(r.code, r.stderr).toBe(0);
  const reported = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { kind: string; target: string }) : [];
  fs.rmSync(path.dirname(log), { recursive: true, force: true });
  return { out: JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, string>, reported };
}

describe('test network guard', () => {
  it('knows loopback from everything else', () => {
    for (const h of [undefined, '', 'localhost', 'LOCALHOST.', '127.0.0.1', '127.8.9.10', '::1', '[::1]', '::ffff:127.0.0.1', 'app.localhost']) expect(isLoopbackHost(h), String(h)).toBe(true);
    for (const h of ['api.coinbase.com', 'cloud.langfuse.com', '10.0.0.1', '192.168.1.2', '0.0.0.0', '8.8.8.8', '::', '2001:db8::1', '::ffff:8.8.8.8', 'localhost.evil.com', '127.0.0.1.nip.io']) expect(isLoopbackHost(h), h).toBe(false);
    const mine = Object.values(os.networkInterfaces()).flat().filter((i) => i && !i.internal).map((i) => i!.address);
    for (const a of mine) expect(isOnThisMachine(a), a).toBe(true);
    for (const h of ['8.8.8.8', '0.0.0.0', 'api.coinbase.com']) expect(isOnThisMachine(h), h).toBe(false);
    expect(connectTarget([{ path: '/tmp/x.sock' }])).toEqual({ kind: 'unix', path: '/tmp/x.sock' });
    expect(connectTarget([[{ host: 'api.coinbase.com', port: 443 }, null]])).toEqual({ kind: 'tcp', host: 'api.coinbase.com', port: 443 });
    expect(connectTarget([443, 'api.openai.com'])).toEqual({ kind: 'tcp', host: 'api.openai.com', port: 443 });
    expect(connectTarget(['/run/x.sock'])).toEqual({ kind: 'unix', path: '/run/x.sock' });
  });

  it('refuses and reports fetch, https, tls, raw TCP and DNS to other hosts; loopback passes', async () => {
    const { out, reported } = await runGuarded(`
      import net from 'node:net'; import tls from 'node:tls'; import https from 'node:https'; import dns from 'node:dns';
      const settle = (p) => p.then((v) => 'ok ' + v, (e) => 'refused ' + (e.code ?? e.cause?.code ?? e.message));
      const sock = (mk) => new Promise((res, rej) => { const s = mk(); s.on('connect', () => { s.destroy(); res('connected'); }); s.on('secureConnect', () => { s.destroy(); res('connected'); }); s.on('error', rej); });
      const out = {
        fetchRemote: await settle(fetch('https://api.coinbase.com/api/v3/brokerage/time').then((r) => r.status)),
        fetchLocal: await settle(fetch('http://127.0.0.1:${'${PORT}'}/').then((r) => r.text())),
        fetchLocalhost: await settle(fetch('http://localhost:${'${PORT}'}/').then((r) => r.text())),
        https: await settle(new Promise((res, rej) => https.get('https://cloud.langfuse.com/', (r) => res(r.statusCode)).on('error', rej))),
        tls: await settle(sock(() => tls.connect(443, 'api.openai.com'))),
        tcpIp: await settle(sock(() => net.connect(80, '93.184.216.34'))),
        tcpLocal: await settle(sock(() => net.connect(${'${PORT}'}, '127.0.0.1'))),
        lookup: await settle(dns.promises.lookup('example.com').then((a) => a.address)),
        lookupCb: await settle(new Promise((res, rej) => dns.lookup('example.org', (e, a) => (e ? rej(e) : res(a))))),
        lookupLocal: await settle(dns.promises.lookup('localhost').then(() => 'resolved')),
        resolve: await settle(dns.promises.resolve4('example.net')),
      };
      console.log(JSON.stringify(out));
    `.replaceAll('${PORT}', String(port)));
    expect(out).toEqual({
      fetchRemote: 'refused ECONNREFUSED',
      fetchLocal: 'ok local',
      fetchLocalhost: 'ok local',
      https: 'refused ECONNREFUSED',
      tls: 'refused ECONNREFUSED',
      tcpIp: 'refused ECONNREFUSED',
      tcpLocal: 'ok connected',
      lookup: 'refused ENOTFOUND',
      lookupCb: 'refused ENOTFOUND',
      lookupLocal: 'ok resolved',
      resolve: 'refused ENOTFOUND',
    });
    expect(reported.map((r) => `${r.kind} ${r.target}`).sort()).toEqual(
      ['connect api.coinbase.com:443', 'connect cloud.langfuse.com:443', 'connect api.openai.com:443', 'connect 93.184.216.34:80', 'lookup example.com', 'lookup example.org', 'resolve4 example.net'].sort(),
    );
  });
});
