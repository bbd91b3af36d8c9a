/**
 * The embedded runtime, proven end to end: the real resolver finds the CLI, the host starts the
 * dev server on a SQLite file in the data dir, a workflow waits on a signal, everything stops,
 * starts again on the same data dir, and the workflow completes with the state it had before.
 * Then the server is killed with SIGKILL and the supervisor brings it back under the worker.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startHost, type Host } from '../../core/host/host';
import { loadConfig } from '../../core/runtime/config';
import { silentLogger } from '../../core/runtime/log';
import { readRuntimeInfo } from '../../core/runtime/runtime-file';
import { noteSignal, notesQuery, releaseSignal, smokeWorkflow } from '../../core/workflows/smoke';
import { waitFor, workflowBundle } from '../support/temporal';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-runtime-'));
const hosts: Host[] = [];

async function boot(): Promise<Host> {
  const config = loadConfig({ VIGIL_DATA_DIR: dataDir, VIGIL_TASK_QUEUE: 'vigil-it', PATH: process.env.PATH ?? '' });
  const host = await startHost({ mode: 'headless', config, dataDir, log: silentLogger, workflows: { bundle: await workflowBundle() } });
  hosts.push(host);
  return host;
}

afterAll(async () => {
  for (const h of hosts) await h.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('embedded runtime', () => {
  it('keeps a waiting workflow across a full stop and start of host and server', async () => {
    const first = await boot();
    expect(first.devServer?.state).toBe('ready');
    expect(fs.existsSync(path.join(dataDir, 'temporal.sqlite'))).toBe(true);
    const info = readRuntimeInfo(dataDir);
    expect(info?.address).toBe(first.status().temporal.address);
    expect(info?.pid).toBe(process.pid);

    const h = await first.client.workflow.start(smokeWorkflow, {
      taskQueue: first.taskQueue,
      workflowId: 'durable-smoke',
      args: [{ message: 'survive', waitForRelease: true }],
    });
    await h.signal(noteSignal, 'before-restart');
    expect(await h.query(notesQuery)).toEqual(['before-restart']);
    const serverPid = first.devServer?.pid;
    await first.stop();
    expect(serverPid && isAlive(serverPid)).toBe(false);
    expect(readRuntimeInfo(dataDir)).toBeNull();
    expect(fs.existsSync(path.join(dataDir, 'vigil.lock'))).toBe(false);

    const second = await boot();
    const again = second.client.workflow.getHandle('durable-smoke');
    expect(await again.query(notesQuery)).toEqual(['before-restart']);
    await again.signal(noteSignal, 'after-restart');
    await again.signal(releaseSignal, 'released');
    expect(await again.result()).toEqual({ echoed: 'survive', notes: ['before-restart', 'after-restart'], releasedWith: 'released' });
  });

  it('refuses a second cockpit on the same data dir', async () => {
    const config = loadConfig({ VIGIL_DATA_DIR: dataDir });
    await expect(startHost({ mode: 'headless', config, dataDir, log: silentLogger })).rejects.toThrow(/already using the data dir/);
  });

  it('brings a killed server back and the worker carries on', async () => {
    const host = hosts[hosts.length - 1]!;
    const ds = host.devServer!;
    const oldPid = ds.pid!;
    const addr = ds.address;
    const waiting = await host.client.workflow.start(smokeWorkflow, {
      taskQueue: host.taskQueue,
      workflowId: 'waiting-through-kill',
      args: [{ message: 'through-kill', waitForRelease: true }],
    });
    await waiting.signal(noteSignal, 'before-kill');
    process.kill(oldPid, 'SIGKILL');
    await waitFor(() => ds.state === 'restarting', 10_000);
    await waitFor(() => ds.state === 'ready' && ds.pid !== oldPid, 60_000);
    expect(ds.address).toBe(addr);
    expect(host.status().temporal.restarts).toBeGreaterThanOrEqual(1);

    const r = await host.call('run_smoke_workflow', { message: 'after-kill' }, { door: 'test', correlationId: 'kill-1' });
    expect(r).toMatchObject({ ok: true, result: { echoed: 'after-kill', workflowId: 'vigil/smoke/kill-1' } });
    // The workflow that was waiting when the server died continues from its SQLite state.
    await waiting.signal(releaseSignal, 'after-kill');
    expect(await waiting.result()).toEqual({ echoed: 'through-kill', notes: ['before-kill'], releasedWith: 'after-kill' });
  });

  it('answers bad calls with clear errors, never a crash', async () => {
    const host = hosts[hosts.length - 1]!;
    expect(await host.call('no_such_verb', {})).toMatchObject({ ok: false, error: { code: 'unknown_verb' } });
    const bad = await host.call('run_smoke_workflow', { message: 42 });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(JSON.stringify(bad)).toMatch(/message/);
    expect(await host.call('run_smoke_workflow', { message: 'x', extra: true })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
