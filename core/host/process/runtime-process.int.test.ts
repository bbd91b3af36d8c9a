/**
 * The desktop app's runtime process for real: the entry the app forks (built to
 * dist/host-process.mjs, the same code as out/main/runtime.js) started with Node's fork, its host
 * on a real Temporal dev server, a paper order through it, its events on the parent's bus, secrets
 * relayed to the parent's store, a kill -9 survived by a restart, and an orderly stop.
 */
import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SecretStore } from '../../runtime/secret-store';
import type { EventPayload } from '../../api/events';
import { Client, Connection } from '@temporalio/client';
import { buildOnce } from '../../../tests/support/cockpit-process';
import { readRuntimeInfo } from '../../runtime/runtime-file';
import { WORKFLOW_IDS } from '../../domain/ids';
import { nodeChildHandle, RuntimeProcess, type RuntimeState } from './parent';

const repoRoot = path.resolve(__dirname, '../../..');
const entry = path.join(repoRoot, 'dist/host-process.mjs');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-runtime-process-'));
const env = {
  ...process.env,
  VIGIL_TASK_QUEUE: 'vigil-runtime-process',
  VIGIL_AUTOSTART: 'false',
  MARKET_FEED: 'simulated',
  MARKET_SYMBOLS: 'BTC-USD',
};

/** The main process's keychain-backed store, in memory: what the runtime relays must land here. */
function memoryStore(): SecretStore & { values: Map<string, string> } {
  const values = new Map<string, string>([['LANGFUSE_PUBLIC_KEY', 'pk-lf-stored-in-the-app']]);
  return { values, get: (n) => values.get(n) ?? null, set: (n, v) => void values.set(n, v), delete: (n) => void values.delete(n), names: () => [...values.keys()], protection: 'os-keychain' };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMs = 120_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

let rp: RuntimeProcess;
const store = memoryStore();
const states: RuntimeState[] = [];
const progress: string[] = [];
/** What the parent logged: refused messages, dropped events (none expected). */
const logs: string[] = [];

beforeAll(async () => {
  buildOnce();
  rp = await RuntimeProcess.start({
    spawn: () => nodeChildHandle(fork(entry, [], { env, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] })),
    dataDir,
    secrets: store,
    onProgress: (l) => progress.push(l),
    restartDelaysMs: [200, 200],
    log: (l) => logs.push(l),
  });
  rp.onState((s) => states.push(s));
}, 300_000);

afterAll(async () => {
  await rp?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('the runtime process behind the desktop window', () => {
  it('hosts the runtime in another process and answers verbs through the protocol, the door set to ipc', async () => {
    expect(rp.state).toBe('ready');
    expect(rp.pid).toBeGreaterThan(0);
    expect(rp.pid).not.toBe(process.pid);
    expect(progress.length).toBeGreaterThan(0);
    const status = await rp.call('get_runtime_status', {});
    expect(status.ok, JSON.stringify(status)).toBe(true);
    // The contract's validation runs over there and its refusal comes back whole.
    const bad = await rp.call('place_mock_order', { symbol: 'BTC-USD', side: 'buy', type: 'market', notional: '-5', idempotencyKey: 'rp-bad', rationale: 'x' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(await rp.call('no_such_verb', {})).toMatchObject({ ok: false, error: { code: 'unknown_verb' } });
  });

  it('a paper order fills over there and its fill event reaches the parent bus, checked against its schema', async () => {
    // The paper book starts with the first read; a bar gives it a price (the market stream is
    // not started in this test), then a market order fills on it.
    expect((await rp.call('get_portfolio_status', {})).ok).toBe(true);
    const info = readRuntimeInfo(dataDir);
    if (!info) throw new Error('the runtime published no runtime.json');
    const connection = await Connection.connect({ address: info.address });
    try {
      const now = Date.now() - (Date.now() % 60_000);
      await new Client({ connection, namespace: info.namespace })
        .workflow.getHandle(WORKFLOW_IDS.paperBook('default'))
        .signal('bars', [{ symbol: 'BTC-USD', timeframe: '1m', time: now, open: '60000', high: '60000', low: '60000', close: '60000', volume: '10' }]);
    } finally {
      await connection.close();
    }
    const fills: EventPayload<'trading.fill'>[] = [];
    const off = rp.bus.on('trading.fill', (f) => fills.push(f));
    const r = await rp.call('place_mock_order', { symbol: 'BTC-USD', side: 'buy', type: 'market', notional: '25', idempotencyKey: 'rp-first', rationale: 'through the runtime process' });
    expect(r).toMatchObject({ ok: true, result: { status: 'filled' } });
    await waitFor('the fill event', () => fills.length > 0, 30_000).catch((e: Error) => {
      throw new Error(`${e.message}; order ${JSON.stringify(r)}; the parent logged: ${logs.join(' | ') || 'nothing'}`);
    });
    off();
    // Placed through the window's door: recorded as the user's, whatever the page might claim.
    expect(fills[0]!.fill).toMatchObject({ symbol: 'BTC-USD', idempotencyKey: 'rp-first', agent: 'user' });
  });

  it('secrets: the app’s stored keys reach the runtime; keys saved or removed over there land in the parent’s store', async () => {
    const before = await rp.call('get_secrets_status', {});
    expect(JSON.stringify(before)).toMatch(/LANGFUSE_PUBLIC_KEY/);
    const set = await rp.call('set_secret', { name: 'OPENAI_API_KEY', value: 'sk-relayed-0001' });
    expect(set.ok, JSON.stringify(set)).toBe(true);
    await waitFor('the relayed secret', () => store.values.get('OPENAI_API_KEY') === 'sk-relayed-0001', 5_000);
    expect(JSON.stringify(set)).not.toContain('sk-relayed-0001');
    const del = await rp.call('delete_secret', { name: 'OPENAI_API_KEY' });
    expect(del.ok).toBe(true);
    await waitFor('the removed secret', () => !store.values.has('OPENAI_API_KEY'), 5_000);
  });

  it('kill -9 of the runtime: calls in flight answer unavailable, it restarts, and the order it filled is still there', async () => {
    const first = rp.pid!;
    const inflight = rp.call('get_portfolio_status', {});
    process.kill(first, 'SIGKILL');
    const answer = await inflight;
    // Either it answered before the kill landed, or it says plainly that it could not.
    if (!answer.ok) expect(answer.error.code).toBe('unavailable');
    await waitFor('the restart', () => rp.state === 'ready' && rp.pid !== first, 240_000);
    expect(states).toContain('restarting');
    expect(alive(first)).toBe(false);
    const p = await waitFor('the portfolio after the restart', async () => {
      const s = await rp.call('get_portfolio_status', {});
      return s.ok ? (s.result as { valuation: { positions: { symbol: string }[] } }) : null;
    });
    expect(p.valuation.positions.map((x) => x.symbol)).toContain('BTC-USD');
    // The same idempotency key after the restart is the same order, not a second one.
    const again = await rp.call('place_mock_order', { symbol: 'BTC-USD', side: 'buy', type: 'market', notional: '25', idempotencyKey: 'rp-first', rationale: 'through the runtime process' });
    expect(again.ok, JSON.stringify(again)).toBe(true);
    const h = await rp.call('get_transaction_history', {});
    if (!h.ok) throw new Error(h.error.message);
    const mine = (h.result as { transactions: { idempotencyKey: string }[] }).transactions.filter((t) => t.idempotencyKey === 'rp-first');
    expect(mine).toHaveLength(1);
  }, 300_000);

  it('stops the host in order: the runtime process and its Temporal server are gone', async () => {
    const pid = rp.pid!;
    const pidFile = path.join(dataDir, 'temporal.sqlite.pid');
    const server = fs.existsSync(pidFile) ? Number(fs.readFileSync(pidFile, 'utf8')) : null;
    await rp.stop();
    expect(rp.state).toBe('stopped');
    await waitFor('the runtime process to exit', () => !alive(pid), 10_000);
    if (server) await waitFor('the Temporal server to stop', () => !alive(server), 30_000);
    expect(await rp.call('get_runtime_status', {})).toMatchObject({ ok: false, error: { code: 'unavailable' } });
  }, 120_000);
});
