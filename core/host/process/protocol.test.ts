/**
 * Both sides of the runtime-process protocol wired to each other through in-memory channels (the
 * integration test runs the real process): what does not fit the protocol is refused and logged,
 * events are checked against their schemas, a crash answers calls in flight and restarts with
 * back-off until the delays run out, and a stop is orderly.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { EventBus } from '../bus';
import type { ApiResult } from '../../api/result';
import type { SecretStore } from '../../runtime/secret-store';
import { relayedSecretStore, serveRuntime, type RuntimeHost } from './child';
import { RuntimeProcess, type RuntimeChildHandle, type RuntimeState } from './parent';

/** One runtime "process": the child side served over emitters, with a host whose calls the test scripts. */
function spawnInMemory(world: { hosts: { bus: EventBus; calls: string[]; stopped: boolean }[]; children: InMemoryChild[]; answer?: (verb: string) => Promise<ApiResult<unknown>>; failStart?: string }) {
  return (): RuntimeChildHandle => {
    const toChild = new EventEmitter();
    const toParent = new EventEmitter();
    const exit = new EventEmitter();
    const child: InMemoryChild = { toParent, exit, exited: false, die: (code) => void (child.exited || ((child.exited = true), exit.emit('exit', code))) };
    world.children.push(child);
    const host = { bus: new EventBus(), calls: [] as string[], stopped: false };
    serveRuntime({
      parent: { post: (m) => void queueMicrotask(() => !child.exited && toParent.emit('m', m)), onMessage: (fn) => void toChild.on('m', fn), onClose: () => {}, flush: () => new Promise((r) => setTimeout(r, 0)) },
      start: async (): Promise<RuntimeHost> => {
        if (world.failStart) throw new Error(world.failStart);
        world.hosts.push(host);
        return {
          bus: host.bus,
          dataDir: '/data',
          call: (verb) => {
            host.calls.push(verb);
            return world.answer ? world.answer(verb) : Promise.resolve({ ok: true, result: { verb } });
          },
          stop: async () => void (host.stopped = true),
        };
      },
      exit: (code) => child.die(code),
      log: () => {},
    });
    return {
      post: (m) => void queueMicrotask(() => !child.exited && toChild.emit('m', m)),
      onMessage: (fn) => void toParent.on('m', fn),
      onExit: (fn) => void exit.once('exit', fn),
      kill: () => child.die(null),
      pid: 1000 + world.children.length,
    };
  };
}
interface InMemoryChild {
  toParent: EventEmitter;
  exit: EventEmitter;
  exited: boolean;
  die(code: number | null): void;
}

function memoryStore(): SecretStore & { values: Map<string, string> } {
  const values = new Map([['OPENAI_API_KEY', 'sk-stored']]);
  return { values, get: (n) => values.get(n) ?? null, set: (n, v) => void values.set(n, v), delete: (n) => void values.delete(n), names: () => [...values.keys()], protection: 'os-keychain' };
}

const tick = () => new Promise((r) => setTimeout(r, 0));
async function until(fn: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (fn()) return;
    await new Promise((r) => setTimeout(r, 2));
  }
  throw new Error(`never: ${what}`);
}

describe('runtime process protocol', () => {
  it('calls go through the host and come back; events arrive on the parent bus only when they fit their schema', async () => {
    const world = { hosts: [], children: [] } as Parameters<typeof spawnInMemory>[0];
    const logs: string[] = [];
    const rp = await RuntimeProcess.start({ spawn: spawnInMemory(world), dataDir: '/data', secrets: null, log: (l) => logs.push(l) });
    expect(rp.state).toBe('ready');
    expect(await rp.call('get_runtime_status', {})).toEqual({ ok: true, result: { verb: 'get_runtime_status' } });
    const ticks: unknown[] = [];
    rp.bus.on('market.tick', (t) => ticks.push(t));
    const host = world.hosts[0]!;
    host.bus.emit('market.tick', { symbol: 'BTC-USD', price: '60000', size: '0.1', time: 1, source: 'simulated' } as never);
    host.bus.emit('market.tick', { symbol: 42 } as never);
    await until(() => logs.some((l) => l.includes('market.tick event that does not fit')), 'the misfit event logged');
    expect(ticks).toHaveLength(1);
    // Something that is not the protocol at all, from either side.
    world.children[0]!.toParent.emit('m', { type: 'result', id: 'x' });
    world.children[0]!.toParent.emit('m', { type: 'event', name: 'nope.nothing', payload: {} });
    await tick();
    expect(logs.some((l) => l.startsWith('refused a message from the runtime: id'))).toBe(true);
    expect(logs.some((l) => l.includes('unknown event "nope.nothing"'))).toBe(true);
    await rp.stop();
    expect(rp.state).toBe('stopped');
    expect(host.stopped).toBe(true);
    expect(await rp.call('get_runtime_status', {})).toMatchObject({ ok: false, error: { code: 'unavailable' } });
  });

  it('a crash answers the calls in flight, restarts after each delay, and stays down when the delays run out', async () => {
    const never = new Promise<ApiResult<unknown>>(() => {});
    const world = { hosts: [], children: [], answer: (verb: string) => (verb === 'slow' ? never : Promise.resolve({ ok: true as const, result: verb })) } as Parameters<typeof spawnInMemory>[0];
    const states: RuntimeState[] = [];
    const rp = await RuntimeProcess.start({ spawn: spawnInMemory(world), dataDir: '/data', secrets: null, restartDelaysMs: [5, 5] });
    rp.onState((s) => states.push(s));
    const inflight = rp.call('slow', {});
    await until(() => world.hosts[0]!.calls.includes('slow'), 'the call reached the host');
    world.children[0]!.die(137);
    expect(await inflight).toMatchObject({ ok: false, error: { code: 'unavailable', message: expect.stringMatching(/exited \(code 137\) before answering/) } });
    expect(await rp.call('quick', {})).toMatchObject({ ok: false, error: { code: 'unavailable', message: expect.stringMatching(/restarting/) } });
    await until(() => rp.state === 'ready' && world.children.length === 2, 'the first restart');
    expect(await rp.call('quick', {})).toEqual({ ok: true, result: 'quick' });
    world.children[1]!.die(1);
    await until(() => rp.state === 'ready' && world.children.length === 3, 'the second restart');
    world.children[2]!.die(1);
    await until(() => rp.state === 'down', 'down after the delays ran out');
    expect(world.children).toHaveLength(3);
    expect(states.filter((s) => s === 'restarting').length).toBeGreaterThanOrEqual(2);
    expect(await rp.call('quick', {})).toMatchObject({ ok: false, error: { code: 'unavailable', message: expect.stringMatching(/could not be restarted/) } });
  });

  it('a first start that fails rejects with the reason', async () => {
    const world = { hosts: [], children: [], failStart: 'the Temporal CLI could not be built' } as Parameters<typeof spawnInMemory>[0];
    await expect(RuntimeProcess.start({ spawn: spawnInMemory(world), dataDir: '/data', secrets: null })).rejects.toThrow('the Temporal CLI could not be built');
  });

  it('secrets: the stored ones are handed over at start; saved and removed ones come back to the parent store', async () => {
    const world = { hosts: [], children: [] } as Parameters<typeof spawnInMemory>[0];
    const store = memoryStore();
    let relayed: SecretStore | null = null;
    const rp = await RuntimeProcess.start({ spawn: spawnInMemory(world), dataDir: '/data', secrets: store });
    // The child side of the relay, as the runtime's handlers use it.
    const posted: unknown[] = [];
    relayed = relayedSecretStore({ OPENAI_API_KEY: 'sk-stored' }, 'os-keychain', (m) => posted.push(m));
    relayed.set('LANGFUSE_SECRET_KEY', 'sk-lf');
    relayed.delete('OPENAI_API_KEY');
    expect(relayed.names()).toEqual(['LANGFUSE_SECRET_KEY']);
    expect(posted).toEqual([
      { type: 'secret', name: 'LANGFUSE_SECRET_KEY', value: 'sk-lf' },
      { type: 'secret', name: 'OPENAI_API_KEY', value: null },
    ]);
    for (const m of posted) world.children[0]!.toParent.emit('m', m);
    expect(store.values.get('LANGFUSE_SECRET_KEY')).toBe('sk-lf');
    expect(store.values.has('OPENAI_API_KEY')).toBe(false);
    await rp.stop();
  });
});
