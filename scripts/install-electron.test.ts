/**
 * scripts/install-electron.mjs against local mirrors (this network cannot reach GitHub): a copy
 * of the electron package in a scratch project, Electron's real installer and @electron/get,
 * and a local HTTP server standing in for the release host. The install never fails; a missing
 * binary is said in one line and noted for `npm start`.
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';

const repo = path.resolve(__dirname, '..');
const electronPkg = JSON.parse(fs.readFileSync(path.join(repo, 'node_modules/electron/package.json'), 'utf8')) as { version: string };
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-install-electron-'));
let project = '';

/** A stored (uncompressed) zip: what extract-zip reads, with unix modes in the external attributes. */
function zip(files: { name: string; data: Buffer; mode: number }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const f of files) {
    const name = Buffer.from(f.name);
    const crc = zlib.crc32(f.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(f.data.length, 18);
    local.writeUInt32LE(f.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, f.data);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by unix
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(f.data.length, 20);
    central.writeUInt32LE(f.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(((0o100000 | f.mode) << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += 30 + name.length + f.data.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** A scratch project: the two scripts, a copy of the electron package, links to its dependencies. */
function makeProject(): string {
  const dir = fs.mkdtempSync(path.join(scratch, 'p-'));
  fs.mkdirSync(path.join(dir, 'scripts'));
  for (const f of ['install-electron.mjs', 'electron-note.mjs', 'start.mjs']) fs.copyFileSync(path.join(repo, 'scripts', f), path.join(dir, 'scripts', f));
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'scratch', type: 'module' }));
  const el = path.join(dir, 'node_modules/electron');
  fs.mkdirSync(el, { recursive: true });
  for (const f of ['package.json', 'install.js', 'index.js', 'checksums.json']) fs.copyFileSync(path.join(repo, 'node_modules/electron', f), path.join(el, f));
  for (const dep of ['@electron', 'extract-zip']) fs.symlinkSync(path.join(repo, 'node_modules', dep), path.join(dir, 'node_modules', dep));
  return dir;
}

function run(env: Record<string, string>, script = 'install-electron.mjs'): Promise<{ code: number | null; out: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(project, 'scripts', script)], {
      cwd: project,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', electron_config_cache: path.join(project, '.electron-cache'), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code) => resolve({ code, out, ms: Date.now() - started }));
  });
}

const note = () => JSON.parse(fs.readFileSync(path.join(project, 'node_modules/.cache/vigil/electron-install.json'), 'utf8')) as { status: string; reason: string | null };
const lines = (s: string) => s.split('\n').filter((l) => l.trim());

function serve(handler: http.RequestListener): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer(handler);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
        close: () => {
          server.closeAllConnections();
          return new Promise<void>((r) => server.close(() => r()));
        },
      }),
    ),
  );
}

beforeEach(() => {
  project = makeProject();
});
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

describe('scripts/install-electron.mjs (npm install’s postinstall)', () => {
  it('downloads, checks and unpacks the binary from a reachable release host, silently', async () => {
    const file = `electron-v${electronPkg.version}-${process.platform === 'darwin' ? 'darwin' : 'linux'}-${process.arch}.zip`;
    const body = zip([
      { name: 'electron', data: Buffer.from('#!/bin/sh\necho electron\n'), mode: 0o755 },
      { name: 'version', data: Buffer.from(electronPkg.version), mode: 0o644 },
    ]);
    const sums = `${crypto.createHash('sha256').update(body).digest('hex')} *${file}\n`;
    const asked: string[] = [];
    const host = await serve((req, res) => {
      asked.push(req.url ?? '');
      if (req.url === `/v${electronPkg.version}/${file}`) res.end(body);
      else if (req.url === `/v${electronPkg.version}/SHASUMS256.txt`) res.end(sums);
      else res.writeHead(404).end();
    });
    try {
      const r = await run({ ELECTRON_MIRROR: host.url, electron_use_remote_checksums: '1' });
      expect(r.code).toBe(0);
      expect(r.out).toBe('');
      expect(asked).toContain(`/v${electronPkg.version}/${file}`);
      const bin = path.join(project, 'node_modules/electron/dist/electron');
      expect(fs.statSync(bin).mode & 0o111).not.toBe(0);
      expect(fs.readFileSync(path.join(project, 'node_modules/electron/path.txt'), 'utf8')).toBe('electron');
      expect(note()).toMatchObject({ status: 'installed', reason: null });
      const { electronBinary } = (await import(path.join(project, 'scripts/electron-note.mjs'))) as { electronBinary: (root: string) => string | null };
      expect(electronBinary(project)).toBe(bin);
    } finally {
      await host.close();
    }
  });

  it('exits 0 with one line saying why when the release host cannot be reached', async () => {
    const closed = await serve(() => undefined);
    await closed.close(); // a port nothing listens on: connection refused
    const r = await run({ ELECTRON_MIRROR: closed.url });
    expect(r.code).toBe(0);
    expect(lines(r.out)).toHaveLength(1);
    expect(r.out).toMatch(/^vigil: Electron's desktop binary could not be downloaded \(.*ECONNREFUSED.*\): `npm start` will serve the headless cockpit/);
    expect(note()).toMatchObject({ status: 'failed' });
    expect(note().reason).toMatch(/ECONNREFUSED/);
    expect(fs.existsSync(path.join(project, 'node_modules/electron/path.txt'))).toBe(false);
    const { noWindowLine } = (await import(path.join(project, 'scripts/electron-note.mjs'))) as { noWindowLine: (root: string) => string };
    expect(noWindowLine(project)).toMatch(/^No desktop window: Electron's binary could not be downloaded during npm install \(.*ECONNREFUSED.*\); serving the headless cockpit/);
  });

  it('gives up after the bounded wait when the host never answers', async () => {
    const silent = await serve(() => undefined); // accepts, never responds
    try {
      const r = await run({ ELECTRON_MIRROR: silent.url, VIGIL_ELECTRON_INSTALL_TIMEOUT_SECONDS: '2' });
      expect(r.code).toBe(0);
      expect(r.ms).toBeLessThan(15_000);
      expect(lines(r.out)).toHaveLength(1);
      expect(r.out).toMatch(/could not be downloaded \(no answer within 2 s \(VIGIL_ELECTRON_INSTALL_TIMEOUT_SECONDS\)\)/);
      expect(note()).toMatchObject({ status: 'failed' });
    } finally {
      await silent.close();
    }
  });

  it('honours ELECTRON_SKIP_BINARY_DOWNLOAD without touching the network', async () => {
    const r = await run({ ELECTRON_SKIP_BINARY_DOWNLOAD: '1', ELECTRON_MIRROR: 'http://127.0.0.1:9/' });
    expect(r.code).toBe(0);
    expect(lines(r.out)).toEqual(["vigil: Electron's desktop binary was not downloaded (ELECTRON_SKIP_BINARY_DOWNLOAD is set): `npm start` will serve the headless cockpit in your browser instead."]);
    expect(note()).toMatchObject({ status: 'skipped' });
    const { noWindowLine } = (await import(path.join(project, 'scripts/electron-note.mjs'))) as { noWindowLine: (root: string) => string };
    expect(noWindowLine(project)).toMatch(/^No desktop window: Electron's binary download was skipped \(ELECTRON_SKIP_BINARY_DOWNLOAD is set\)/);
  });

  it('does nothing when the electron package is not installed (dev dependencies omitted)', async () => {
    fs.rmSync(path.join(project, 'node_modules/electron'), { recursive: true });
    const r = await run({});
    expect(r).toMatchObject({ code: 0, out: '' });
  });
});
