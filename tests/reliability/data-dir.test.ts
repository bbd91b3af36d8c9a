/**
 * A data dir that cannot be written (read-only file system, disk full) stops the start with a
 * clear message and touches nothing. Needs root to mount a small tmpfs; elsewhere it says so.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startHost } from '../../core/host/host';
import { loadConfig } from '../../core/runtime/config';
import { silentLogger } from '../../core/runtime/log';

const isRoot = process.getuid?.() === 0;
const mounts: string[] = [];

function tmpfs(sizeKb: number): string | null {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-mnt-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k`, 'tmpfs', dir], { stdio: 'ignore' });
    mounts.push(dir);
    return dir;
  } catch {
    return null;
  }
}

afterEach(() => {
  for (const m of mounts.splice(0)) {
    try {
      execFileSync('umount', [m], { stdio: 'ignore' });
    } catch {
      // best effort
    }
  }
});

async function start(dataDir: string) {
  return startHost({ mode: 'headless', config: loadConfig({ VIGIL_DATA_DIR: dataDir, PATH: process.env.PATH ?? '' }), dataDir, log: silentLogger });
}

describe.skipIf(!isRoot)('data dir faults (mounts a tmpfs: needs root)', () => {
  it('refuses a read-only data dir with a clear message and writes nothing', async () => {
    const dir = tmpfs(1024);
    expect(dir, 'mount failed').not.toBeNull();
    fs.writeFileSync(path.join(dir!, 'ledger.sqlite'), 'existing bytes');
    execFileSync('mount', ['-o', 'remount,ro', dir!]);
    await expect(start(dir!)).rejects.toThrow(/cannot be used: it is not writable.*VIGIL_DATA_DIR/);
    expect(fs.readFileSync(path.join(dir!, 'ledger.sqlite'), 'utf8')).toBe('existing bytes');
    expect(fs.readdirSync(dir!)).toEqual(['ledger.sqlite']);
  });

  it('refuses a full disk with a clear message and keeps what is there', async () => {
    const dir = tmpfs(64);
    expect(dir, 'mount failed').not.toBeNull();
    fs.writeFileSync(path.join(dir!, 'ledger.sqlite'), 'existing bytes');
    try {
      fs.writeFileSync(path.join(dir!, 'filler'), Buffer.alloc(256 * 1024));
    } catch {
      // ENOSPC: the disk is now full, which is the point
    }
    await expect(start(dir!)).rejects.toThrow(/cannot be used: the disk is full/);
    expect(fs.readFileSync(path.join(dir!, 'ledger.sqlite'), 'utf8')).toBe('existing bytes');
  });
});
