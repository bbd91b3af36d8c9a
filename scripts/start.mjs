#!/usr/bin/env node
// `npm start`: the desktop window when the Electron binary is installed; otherwise the headless
// cockpit, served on 127.0.0.1 with the URL printed. `npm run headless` forces the latter.
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { electronBinary, noWindowLine } from './electron-note.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const forceHeadless = process.argv.includes('--headless');

const build = spawnSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const electron = forceHeadless ? null : electronBinary(root);
let child;
if (electron) {
  child = spawn(process.execPath, [path.join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'preview'], { stdio: 'inherit', cwd: root });
} else {
  if (!forceHeadless) console.log(noWindowLine(root));
  child = spawn(process.execPath, [path.join(root, 'bin/vigil.mjs'), 'serve', ...process.argv.slice(2).filter((a) => a !== '--headless')], { stdio: 'inherit', cwd: root });
}
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
