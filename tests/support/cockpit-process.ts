/**
 * A cockpit as its own OS process (`vigil serve`), so reliability tests can kill it with SIGKILL
 * and start it again on the same data dir, exactly as a crash and a relaunch would.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { readRuntimeInfo } from '../../core/runtime/runtime-file';
import type { ApiResult } from '../../core/api/result';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export function buildOnce(): void {
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'scripts/build.mjs'), '--no-renderer', '--quiet'], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('build failed');
}

export interface CockpitProcess {
  child: ChildProcess;
  baseUrl: string;
  token: string;
  stderr: () => string;
  call<T = unknown>(verb: string, input: unknown): Promise<ApiResult<T>>;
  /** A Temporal client of this cockpit (test set-up only, e.g. to feed bars). */
  temporal(): Promise<{ client: Client; close(): Promise<void> }>;
  kill9(): void;
  stop(): Promise<void>;
}

export async function startCockpit(dataDir: string, env: Record<string, string> = {}): Promise<CockpitProcess> {
  const child = spawn(process.execPath, [path.join(repoRoot, 'dist/cli.mjs'), 'serve', '--json'], {
    env: { ...process.env, VIGIL_DATA_DIR: dataDir, VIGIL_CLI_ENTRY: '1', VIGIL_AUTOSTART: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const line = await new Promise<string>((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d) => {
      buf += d;
      const i = buf.indexOf('\n');
      if (i >= 0) resolve(buf.slice(0, i));
    });
    child.once('exit', (code) => reject(new Error(`vigil serve exited with ${code}:\n${err}`)));
  });
  const { url, baseUrl } = JSON.parse(line) as { url: string; baseUrl: string };
  const token = url.split('#token=')[1]!;
  return {
    child,
    baseUrl,
    token,
    stderr: () => err,
    async call<T>(verb: string, input: unknown) {
      const r = await fetch(`${baseUrl}/api/call`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ verb, input }),
      });
      return (await r.json()) as ApiResult<T>;
    },
    async temporal() {
      const info = readRuntimeInfo(dataDir);
      if (!info) throw new Error('no runtime.json');
      const connection = await Connection.connect({ address: info.address });
      return { client: new Client({ connection, namespace: info.namespace }), close: () => connection.close() };
    },
    kill9() {
      child.kill('SIGKILL');
    },
    stop() {
      return new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
    },
  };
}
