/**
 * The simulated market's clock. At speed 1 it is the wall clock; at speed N the simulated market
 * lives N times faster (a 1m bar every 60/N s of wall time), so a day of bars, features and agent
 * decisions can be run in a fraction of a day (MARKET_SIM_SPEED, soak tests).
 *
 * Market time never goes backwards for a data dir: the anchor (wall time, market time, speed) and
 * the market time reached (written every few seconds) are kept in `<data>/market-sim-clock.json`,
 * so a host that restarts, or restarts at another speed, continues the simulated timeline where it
 * stopped instead of starting over at the wall clock (the market stream drops bars at or before a
 * symbol's newest one, so a clock going back would stall it for as long as it had run ahead). The
 * simulated market does not run while no host runs it. Only the simulated feed reads this clock:
 * Coinbase and replay, ledger timestamps and Temporal's timers stay on the wall clock.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

export const SIM_CLOCK_FILE = 'market-sim-clock.json';
export const MAX_SIM_SPEED = 10_000;

const Anchor = z.object({
  wall: z.number().int().nonnegative(),
  market: z.number().int().nonnegative(),
  speed: z.number().min(1).max(MAX_SIM_SPEED),
  /** Market time reached when last written. */
  reached: z.number().int().nonnegative(),
});
type Anchor = z.infer<typeof Anchor>;

export interface MarketClock {
  readonly speed: number;
  /** Market time, epoch ms. */
  now(): number;
}

export interface SimClockOptions {
  speed: number;
  /** Data dir holding the anchor; without it the clock starts at the wall clock and is not persisted. */
  dataDir?: string;
  /** How often (wall ms) the market time reached is written. */
  persistEveryMs?: number;
  wallNow?: () => number;
}

export function validateSpeed(speed: number): number {
  if (!Number.isFinite(speed) || speed < 1 || speed > MAX_SIM_SPEED) {
    throw new RangeError(`simulated market speed must be a number from 1 to ${MAX_SIM_SPEED} (got ${speed})`);
  }
  return speed;
}

/** Market time under an anchor at a given wall time. */
export function marketTimeAt(a: Pick<Anchor, 'wall' | 'market' | 'speed'>, wall: number): number {
  return a.market + Math.floor((wall - a.wall) * a.speed);
}

export function createSimClock(o: SimClockOptions): MarketClock {
  const speed = validateSpeed(o.speed);
  const wallNow = o.wallNow ?? Date.now;
  const file = o.dataDir ? path.join(o.dataDir, SIM_CLOCK_FILE) : null;
  const wall = wallNow();
  const previous = file ? readAnchor(file) : null;
  if (speed === 1 && !previous) return { speed, now: wallNow };
  // Continue the previous timeline where it stopped (never behind the wall clock, never backwards).
  const market = previous ? Math.max(wall, previous.reached) : wall;
  const anchor = { wall, market, speed };
  const every = o.persistEveryMs ?? 5_000;
  let last = market;
  let written = wall;
  if (file) writeAnchor(file, { ...anchor, reached: market });
  return {
    speed,
    now() {
      const w = wallNow();
      // Monotonic even if the wall clock is stepped back.
      last = Math.max(last, marketTimeAt(anchor, w));
      if (file && w - written >= every) {
        written = w;
        try {
          writeAnchor(file, { ...anchor, reached: last });
        } catch {
          // A failed write (disk full) only means a restart resumes from an older point; the next attempt may succeed.
        }
      }
      return last;
    },
  };
}

function readAnchor(file: string): Anchor | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new Error(`${file} is not valid JSON; delete it to restart the simulated market's clock at the wall clock`);
  }
  const parsed = Anchor.safeParse(raw);
  if (!parsed.success) throw new Error(`${file} is not a simulated clock anchor (${parsed.error.issues[0]?.message ?? 'invalid'}); delete it to restart the clock at the wall clock`);
  return parsed.data;
}

function writeAnchor(file: string, a: Anchor): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(a)}\n`, { mode: 0o600 });
  fs.renameSync(tmp, file);
}
