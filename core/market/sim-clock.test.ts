/**
 * The simulated market's clock: N times the wall clock, persisted per data dir so a restart
 * continues the timeline, and what the feed manager builds from it — trade times, 1m bars and the
 * market time reported to the stream on the simulated timeline, the lease on the wall clock.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Bar } from '../domain/market';
import { EventBus } from '../host/bus';
import { ConfigError, loadConfig } from '../runtime/config';
import { silentLogger } from '../runtime/log';
import { FeedManager } from './feed-manager';
import { createSimClock, SIM_CLOCK_FILE } from './sim-clock';

const T0 = Date.UTC(2026, 0, 5, 9, 0);
const MIN = 60_000;

describe('createSimClock', () => {
  let dir: string;
  let wall: number;
  const wallNow = () => wall;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-simclock-'));
    wall = T0;
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is the wall clock at speed 1 and writes nothing', () => {
    const c = createSimClock({ speed: 1, dataDir: dir, wallNow });
    wall += 12_345;
    expect(c.now()).toBe(T0 + 12_345);
    expect(fs.existsSync(path.join(dir, SIM_CLOCK_FILE))).toBe(false);
  });

  it('runs N times faster than the wall clock from the wall clock at start', () => {
    const c = createSimClock({ speed: 60, dataDir: dir, wallNow });
    expect(c.now()).toBe(T0);
    wall += 1_000;
    expect(c.now()).toBe(T0 + MIN);
    wall += 59_000;
    expect(c.now()).toBe(T0 + 60 * MIN);
  });

  it('continues where the previous host stopped, at any speed, never backwards or behind the wall clock', () => {
    const a = createSimClock({ speed: 60, dataDir: dir, wallNow, persistEveryMs: 1_000 });
    wall += 10_000;
    expect(a.now()).toBe(T0 + 10 * MIN);
    // The host is down for 100 s of wall time: the simulated market does not run meanwhile.
    wall += 100_000;
    const b = createSimClock({ speed: 60, dataDir: dir, wallNow, persistEveryMs: 1_000 });
    expect(b.now()).toBe(T0 + 10 * MIN);
    wall += 2_000;
    expect(b.now()).toBe(T0 + 12 * MIN);
    // Back to real time: the timeline continues from where it is, at speed 1.
    const c = createSimClock({ speed: 1, dataDir: dir, wallNow });
    const start = c.now();
    expect(start).toBeGreaterThanOrEqual(T0 + 12 * MIN);
    wall += 5_000;
    expect(c.now()).toBe(start + 5_000);
    // A timeline the wall clock has overtaken resumes at the wall clock.
    wall += 3_600_000;
    expect(createSimClock({ speed: 10, dataDir: dir, wallNow }).now()).toBe(wall);
  });

  it('stays monotonic when the wall clock steps back', () => {
    const c = createSimClock({ speed: 30, wallNow });
    wall += 2_000;
    const t = c.now();
    wall -= 60_000;
    expect(c.now()).toBe(t);
  });

  it('refuses a bad speed and a damaged anchor file with what to do', () => {
    expect(() => createSimClock({ speed: 0, wallNow })).toThrow(/from 1 to 10000/);
    expect(() => createSimClock({ speed: Number.NaN, wallNow })).toThrow(/from 1 to 10000/);
    fs.writeFileSync(path.join(dir, SIM_CLOCK_FILE), '{"wall": "x"}');
    expect(() => createSimClock({ speed: 5, dataDir: dir, wallNow })).toThrow(/not a simulated clock anchor.*delete it/);
    fs.writeFileSync(path.join(dir, SIM_CLOCK_FILE), 'not json');
    expect(() => createSimClock({ speed: 5, dataDir: dir, wallNow })).toThrow(/not valid JSON/);
  });

  it('MARKET_SIM_SPEED is validated with the variable named', () => {
    expect(loadConfig({}).MARKET_SIM_SPEED).toBe(1);
    expect(loadConfig({ MARKET_SIM_SPEED: '60' }).MARKET_SIM_SPEED).toBe(60);
    for (const bad of ['0', '0.5', '10001', 'fast', 'Infinity']) {
      expect(() => loadConfig({ MARKET_SIM_SPEED: bad })).toThrow(ConfigError);
      expect(() => loadConfig({ MARKET_SIM_SPEED: bad })).toThrow(/MARKET_SIM_SPEED/);
    }
  });
});

describe('FeedManager on a compressed simulated clock', () => {
  afterEach(() => vi.useRealTimers());

  it('builds 1m bars on the simulated timeline while the lease stays on the wall clock', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'] });
    let wall = T0;
    const clock = createSimClock({ speed: 60, wallNow: () => wall });
    const batches: Bar[][] = [];
    const mgr = new FeedManager({
      config: loadConfig({ MARKET_SIM_TRADES_PER_SECOND: '2' }),
      bus: new EventBus(),
      log: silentLogger,
      deliver: async (bars) => void batches.push(bars),
      now: () => wall,
      simulatedNow: () => clock.now(),
    });
    const r = await mgr.ensure({ symbols: ['BTC-USD'], feed: 'simulated', leaseMs: 30_000 });
    expect(r.now).toBe(T0);
    // 20 s of wall time in 100 ms steps: 20 simulated minutes.
    for (let i = 0; i < 200; i++) {
      wall += 100;
      await vi.advanceTimersByTimeAsync(100);
    }
    const bars = batches.flat();
    // Minutes 0..18 are closed (the 20th is still open, the 19th closes with the grace period or the next trade).
    expect(bars.length).toBeGreaterThanOrEqual(19);
    expect(bars.map((b) => b.time).slice(0, 19)).toEqual(Array.from({ length: 19 }, (_, i) => T0 + i * MIN));
    // Each simulated minute carries a minute's worth of trades at 2 per market second: its volume is a sum of ~120 sizes.
    expect(mgr.health().counters.ticks).toBeGreaterThanOrEqual(20 * 60 * 2 - 2);
    expect((await mgr.ensure({ symbols: ['BTC-USD'], feed: 'simulated', leaseMs: 30_000 })).now).toBe(T0 + 20 * MIN);
    // The lease counts wall time: 35 s without renewal (35 simulated minutes) stops the feed.
    for (let i = 0; i < 70; i++) {
      wall += 500;
      await vi.advanceTimersByTimeAsync(500);
    }
    expect(mgr.health().state).toBe('idle');
    await mgr.stop();
  });
});
