// Where Electron's desktop binary is, and the note scripts/install-electron.mjs leaves about it
// (installed, skipped or failed, and why) for `npm start` to explain a missing window in one line.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

/** node_modules/electron, or null when the package is not installed. */
export function electronDir(root) {
  try {
    return path.dirname(createRequire(path.join(root, 'package.json')).resolve('electron/package.json'));
  } catch {
    return null;
  }
}

/** The Electron executable when its download completed, else null. */
export function electronBinary(root) {
  const dir = electronDir(root);
  if (!dir) return null;
  const txt = path.join(dir, 'path.txt');
  if (!fs.existsSync(txt)) return null;
  const bin = path.join(dir, 'dist', fs.readFileSync(txt, 'utf8').trim());
  return fs.existsSync(bin) ? bin : null;
}

export function electronNoteFile(root) {
  return path.join(root, 'node_modules', '.cache', 'vigil', 'electron-install.json');
}

export function writeElectronNote(root, note) {
  const file = electronNoteFile(root);
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `${JSON.stringify({ ...note, at: new Date().toISOString() })}\n`);
  } catch {
    // The note only improves a message; an unwritable node_modules must not fail the install.
  }
}

/** The note, or null when there is none (installed before the note existed, or scripts were ignored). */
export function readElectronNote(root) {
  try {
    const n = JSON.parse(fs.readFileSync(electronNoteFile(root), 'utf8'));
    return n && typeof n.status === 'string' ? n : null;
  } catch {
    return null;
  }
}

/** One line saying why `npm start` opens no window. */
export function noWindowLine(root) {
  const note = readElectronNote(root);
  const serve = 'serving the headless cockpit instead — open the URL below in your browser';
  if (!electronDir(root)) return `No desktop window: the electron package is not installed (dev dependencies omitted); ${serve}.`;
  if (note?.status === 'failed') return `No desktop window: Electron's binary could not be downloaded during npm install (${note.reason}); ${serve}. Retry: node scripts/install-electron.mjs`;
  if (note?.status === 'skipped') return `No desktop window: Electron's binary download was skipped (${note.reason}); ${serve}.`;
  return `No desktop window: Electron's binary is not installed here; ${serve}. Install it: node scripts/install-electron.mjs`;
}
