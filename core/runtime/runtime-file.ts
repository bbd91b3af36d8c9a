/**
 * runtime.json tells the CLI and the MCP bridge where a running cockpit is; the lock file stops
 * two cockpits from sharing one data dir. A stale lock (its pid is gone) is taken over.
 */
import fs from 'node:fs';
import { z } from 'zod';
import { dataPaths } from './paths';

export const RuntimeInfo = z.object({
  pid: z.number().int(),
  version: z.string(),
  mode: z.enum(['electron', 'headless', 'worker']),
  address: z.string(),
  namespace: z.string(),
  taskQueue: z.string(),
  uiUrl: z.string().nullable(),
  httpUrl: z.string().nullable(),
  embedded: z.boolean(),
  startedAt: z.string(),
});
export type RuntimeInfo = z.infer<typeof RuntimeInfo>;

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function writeRuntimeInfo(dataDir: string, info: RuntimeInfo): void {
  const file = dataPaths(dataDir).runtimeFile;
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(info, null, 2), { mode: 0o600 });
  fs.renameSync(tmp, file);
}

/** What the CLI and the MCP bridge say when no cockpit is registered for the data dir. */
export function noCockpitMessage(dataDir: string): string {
  return `no Vigil cockpit is running for the data dir ${dataDir}. Start one with \`npm start\` (or \`vigil serve\`), or pass --data-dir.`;
}

/** The running cockpit for this data dir, or null (no file, unreadable, or its process is gone). */
export function readRuntimeInfo(dataDir: string): RuntimeInfo | null {
  const file = dataPaths(dataDir).runtimeFile;
  let raw: string;
  try {
    raw = fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return null;
  }
  const info = RuntimeInfo.safeParse(parsed);
  if (!info.success || !pidAlive(info.data.pid)) return null;
  return info.data;
}

export function removeRuntimeInfo(dataDir: string): void {
  const file = dataPaths(dataDir).runtimeFile;
  const info = readRuntimeInfoRaw(file);
  if (info?.pid === process.pid) fs.rmSync(file, { force: true });
}

function readRuntimeInfoRaw(file: string): { pid?: number } | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as { pid?: number };
  } catch {
    return null;
  }
}

export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(`another Vigil (pid ${pid}) is already using the data dir ${dataDir}. Stop it first, or set VIGIL_DATA_DIR to another folder.`);
    this.name = 'DataDirLockedError';
  }
}

const heldHere = new Set<string>();

/** Take the data dir's lock; returns a release function. */
export function acquireLock(dataDir: string): () => void {
  const file = dataPaths(dataDir).lockFile;
  if (heldHere.has(file)) throw new DataDirLockedError(dataDir, process.pid);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = fs.openSync(file, 'wx', 0o600);
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      heldHere.add(file);
      return () => {
        heldHere.delete(file);
        try {
          if (fs.readFileSync(file, 'utf8').trim() === String(process.pid)) fs.rmSync(file, { force: true });
        } catch {
          // already gone
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number.parseInt(safeRead(file), 10);
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && pidAlive(holder)) {
        throw new DataDirLockedError(dataDir, holder);
      }
      // Stale lock from a crashed process: take it over.
      fs.rmSync(file, { force: true });
    }
  }
  throw new Error(`could not take the lock ${file}`);
}

function safeRead(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return '';
  }
}
