/** Where Vigil keeps state (data dir) and rebuildable artefacts (cache dir), per OS. */
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  const home = os.homedir();
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Vigil');
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Vigil');
  return path.join(env.XDG_DATA_HOME ?? path.join(home, '.local', 'share'), 'vigil');
}

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  const home = os.homedir();
  if (platform === 'darwin') return path.join(home, 'Library', 'Caches', 'vigil');
  if (platform === 'win32') return path.join(env.LOCALAPPDATA ?? path.join(home, 'AppData', 'Local'), 'vigil', 'cache');
  return path.join(env.XDG_CACHE_HOME ?? path.join(home, '.cache'), 'vigil');
}

export interface DataPaths {
  root: string;
  temporalDb: string;
  ledgerDb: string;
  logs: string;
  runtimeFile: string;
  lockFile: string;
  secretsFile: string;
}

export function dataPaths(root: string): DataPaths {
  return {
    root,
    temporalDb: path.join(root, 'temporal.sqlite'),
    ledgerDb: path.join(root, 'ledger.sqlite'),
    logs: path.join(root, 'logs'),
    runtimeFile: path.join(root, 'runtime.json'),
    lockFile: path.join(root, 'vigil.lock'),
    secretsFile: path.join(root, 'secrets.json'),
  };
}

/** Create the data dir (0700) and prove it is writable, with a message that says what to do. */
export function ensureWritableDir(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const probe = path.join(dir, `.write-probe-${process.pid}`);
    fs.writeFileSync(probe, 'ok');
    fs.rmSync(probe);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOSPC' ? 'the disk is full' : e.code === 'EROFS' || e.code === 'EACCES' || e.code === 'EPERM' ? 'it is not writable' : e.message;
    throw new Error(`data dir ${dir} cannot be used: ${why}. Free space, fix permissions, or set VIGIL_DATA_DIR to another folder.`);
  }
}
