#!/usr/bin/env node
// `npm install`'s postinstall: obtain Electron's desktop binary, or say in one line why not and
// carry on. package.json's `allowScripts` denies Electron's own postinstall (it exits 1 when
// GitHub cannot be reached, which failed the whole install); this runs the same installer
// (node_modules/electron/install.js) with a bounded wait, never fails the install, and leaves
// a note that `npm start` (scripts/start.mjs) reads to say why there is no window.
//
//   ELECTRON_SKIP_BINARY_DOWNLOAD=1        skip the download (the headless cockpit still works)
//   VIGIL_ELECTRON_INSTALL_TIMEOUT_SECONDS how long the download may take (default 300)
//
// Run it again at any time: `node scripts/install-electron.mjs`.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { electronDir, electronBinary, writeElectronNote } from './electron-note.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const HEADLESS = '`npm start` will serve the headless cockpit in your browser instead';

function timeoutMs() {
  const raw = process.env.VIGIL_ELECTRON_INSTALL_TIMEOUT_SECONDS;
  const s = raw === undefined || raw === '' ? 300 : Number(raw);
  if (!Number.isFinite(s) || s <= 0) {
    console.log(`vigil: VIGIL_ELECTRON_INSTALL_TIMEOUT_SECONDS must be a positive number of seconds (got ${JSON.stringify(raw)}); using 300`);
    return 300_000;
  }
  return Math.round(s * 1000);
}

/** The first line of the installer's error that says what went wrong (not a stack frame). */
export function reasonFrom(output) {
  const lines = output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('at ') && !/^[\^~\s]+$/.test(l) && !l.startsWith('Node.js v'));
  const err = lines.find((l) => /error|ENOTFOUND|ECONN|ETIMEDOUT|EAI_AGAIN|status code|checksum|EACCES|ENOSPC/i.test(l));
  return (err ?? lines.at(-1) ?? 'no output').replace(/^(Error|RequestError|HTTPError):\s*/, '').slice(0, 200);
}

async function main() {
  const dir = electronDir(root);
  // Electron is a dev dependency: absent with --omit=dev, and then there is nothing to do.
  if (!dir) return;
  if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) {
    writeElectronNote(root, { status: 'skipped', reason: 'ELECTRON_SKIP_BINARY_DOWNLOAD is set' });
    console.log(`vigil: Electron's desktop binary was not downloaded (ELECTRON_SKIP_BINARY_DOWNLOAD is set): ${HEADLESS}.`);
    return;
  }
  if (electronBinary(root)) {
    writeElectronNote(root, { status: 'installed', reason: null });
    return;
  }
  const limit = timeoutMs();
  const started = Date.now();
  const result = await new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(dir, 'install.js')], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    let output = '';
    const keep = (b) => {
      output = (output + b.toString()).slice(-20_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve({ ok: false, reason: `no answer within ${Math.round(limit / 1000)} s (VIGIL_ELECTRON_INSTALL_TIMEOUT_SECONDS)` });
    }, limit);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ ok: false, reason: err.message });
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code === 0 ? { ok: true } : { ok: false, reason: reasonFrom(output) });
    });
  });
  if (result.ok && electronBinary(root)) {
    writeElectronNote(root, { status: 'installed', reason: null });
    return;
  }
  const reason = result.ok ? 'the installer finished but the binary is missing' : result.reason;
  writeElectronNote(root, { status: 'failed', reason, seconds: Math.round((Date.now() - started) / 1000) });
  console.log(`vigil: Electron's desktop binary could not be downloaded (${reason}): ${HEADLESS}. Retry: node scripts/install-electron.mjs`);
}

if (process.argv[1] && fs.realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    // Never fail `npm install` over the optional desktop binary.
    console.log(`vigil: Electron's desktop binary could not be installed (${err.message}): ${HEADLESS}.`);
  });
}
