/**
 * `npm start` on a machine without the Electron binary: one line says so, the headless cockpit
 * comes up at a printed URL, the gateway serves the built cockpit page and its script, `vigil status` finds it through
 * runtime.json and `vigil doctor` tells the truth about what is installed.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { electronBinary } from '../../core/cli/doctor';
import { repoRoot } from '../support/cockpit-process';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-start-'));
const env = { ...process.env, VIGIL_DATA_DIR: dataDir };
let child: ReturnType<typeof spawn> | null = null;

afterAll(async () => {
  if (child && child.exitCode === null) {
    await new Promise((r) => {
      child!.once('exit', r);
      child!.kill('SIGTERM');
    });
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe.skipIf(electronBinary().present)('npm start without Electron (this machine has the binary: the desktop window opens instead)', () => {
  it('serves the headless cockpit at a printed URL and the CLI finds it', async () => {
    child = spawn(process.execPath, [path.join(repoRoot, 'scripts/start.mjs')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const url = await new Promise<string>((resolve, reject) => {
      const t = setInterval(() => {
        const m = /Open: (http:\/\/127\.0\.0\.1:\d+\/#token=\S+)/.exec(out);
        if (m) {
          clearInterval(t);
          resolve(m[1]!);
        }
      }, 50);
      child!.once('exit', (c) => reject(new Error(`npm start exited ${c}:\n${out}`)));
    });
    expect(out).toMatch(/^No desktop window: .*; serving the headless cockpit instead — open the URL below in your browser/m);
    const base = url.split('/#')[0]!;
    expect((await fetch(`${base}/api/health`)).status).toBe(200);
    // `npm start` built the renderer before serving it: the shell is the cockpit's page, and the
    // script it loads is served too (a 503 "renderer not built" is a failed start).
    const shell = await fetch(`${base}/`);
    const page = await shell.text();
    expect(shell.status, page.slice(0, 200)).toBe(200);
    expect(shell.headers.get('content-type')).toMatch(/^text\/html/);
    expect(shell.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    expect(page).toMatch(/<title>Vigil<\/title>/);
    expect(page).toContain('<div id="root"></div>');
    const entry = /<script type="module"[^>]*src="\.?\/?([^"]+\.js)"/.exec(page)?.[1];
    expect(entry, 'the page loads its bundled script').toMatch(/^assets\//);
    const script = await fetch(`${base}/${entry}`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/javascript/);
    expect((await script.text()).length).toBeGreaterThan(10_000);

    const status = spawnSync(process.execPath, [path.join(repoRoot, 'bin/vigil.mjs'), 'status', '--json'], { env, encoding: 'utf8' });
    expect(status.status, status.stderr).toBe(0);
    const s = JSON.parse(status.stdout) as { httpUrl: string; status: { temporal: { embedded: boolean } } };
    expect(s.httpUrl).toBe(base);
    expect(s.status.temporal.embedded).toBe(true);

    const doctor = spawnSync(process.execPath, [path.join(repoRoot, 'bin/vigil.mjs'), 'doctor', '--json'], { env, encoding: 'utf8' });
    const checks = JSON.parse(doctor.stdout).checks as { name: string; ok: boolean; detail: string }[];
    const by = Object.fromEntries(checks.map((c) => [c.name, c]));
    expect(by.electron!.ok).toBe(false);
    expect(by['temporal cli']!.ok).toBe(true);
    expect(by.cockpit!.detail).toMatch(/running/);
    expect(by['data dir']!.detail).toContain(dataDir);
  });
});
