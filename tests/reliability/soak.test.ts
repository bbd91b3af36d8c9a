/**
 * A short simulated soak (scripts/soak.mjs, the same runner as `npm run soak`): a real `vigil
 * serve` on the simulated feed with its market clock 60 times faster than the wall clock and the
 * agents' cadence compressed alike, sampled every few seconds for 2.5 simulated hours. Bounds, not
 * speeds: the workflows' histories stay under their continue-as-new limits (the market stream
 * continues as new on a lowered limit), open descriptors of the host and the dev server do not
 * grow, memory growth over the second half stays under a generous per-hour slope, and the market
 * time is honest (one bar per simulated minute per symbol, candles a minute apart).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSoak, type SoakReport } from '../../scripts/soak.mjs';
import { buildOnce } from '../support/cockpit-process';

const HOURS = 2.5;
const SPEED = 60;
const STREAM_HISTORY_LIMIT = 600;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-soak-test-'));
let report: SoakReport;
let candles: { time: number; close: string }[] = [];
let vector: { barTime: number | null; asOf: number; values: Record<string, number | null> } | null = null;

beforeAll(() => buildOnce());
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

describe('simulated soak (2.5 simulated hours at 60x)', () => {
  it('keeps memory, descriptors and histories bounded while the simulated market runs 60x', async () => {
    report = await runSoak({
      hours: HOURS,
      speed: SPEED,
      sampleSeconds: 3,
      symbols: 'BTC-USD,ETH-USD',
      build: false,
      keep: true,
      dataDir,
      env: { STREAM_HISTORY_LIMIT: String(STREAM_HISTORY_LIMIT) },
      // Looser than the 24-hour run's limits for RSS: in a 2.5-hour run the processes' RSS is still settling
      // (V8 and SQLite caches reach their steady size); a leak of the size that matters still trips them.
      // The live heap has settled by then and keeps a tight limit.
      limits: { hostRssMbPerHour: 60, hostHeapMbPerHour: 5, serverRssMbPerHour: 40, fdGrowth: 8, historyCap: 5_000 },
      beforeStop: async (call) => {
        candles = ((await call('get_candles', { symbol: 'BTC-USD', limit: 500 })) as { candles: typeof candles }).candles;
        vector = (await call('get_feature_vector', { symbol: 'BTC-USD' })) as NonNullable<typeof vector>;
      },
    });
    const s = report.summary!;
    process.stderr.write(
      `[soak] ${report.samples.length} samples, ${report.simulatedHours} simulated h in ${report.wallSeconds} s; ` +
        report.verdict.checks.map((c) => `${c.check}: ${c.value}`).join('; ') +
        `; runs ${Object.entries(s.workflows).map(([k, w]) => `${k} ${w.runs}`).join(', ')}\n`,
    );

    expect(report.hostDied).toBe(false);
    expect(report.hostExit).toEqual({ code: 0, signal: null });
    expect(report.simulatedHours).toBeGreaterThanOrEqual(HOURS);
    const failed = report.verdict.checks.filter((c) => !c.pass);
    expect(failed).toEqual([]);
    expect(report.verdict.pass).toBe(true);

    // The stream continued as new on its history limit and never went past it.
    expect(s.workflows.marketStream.runs).toBeGreaterThanOrEqual(2);
    expect(s.workflows.marketStream.historyLength!.max).toBeLessThanOrEqual(STREAM_HISTORY_LIMIT);
    for (const w of Object.values(s.workflows)) expect(w.historyLength).not.toBeNull();

    // Honest compression: one bar per simulated minute per symbol after the 60-minute backfill.
    const last = report.samples.filter((x) => x.ok).at(-1)!;
    const liveBars = (last.barsAccepted ?? 0) - 2 * 60;
    const simMinutes = last.simHours! * 60;
    // (The first sample's market time is read a few simulated minutes after the feed started.)
    expect(liveBars).toBeGreaterThanOrEqual(2 * (simMinutes - 5));
    expect(liveBars).toBeLessThanOrEqual(2 * (simMinutes + 8));
    // The agents worked on the compressed cadence: a nudge every 1 s of wall time (60 simulated s) plus its own work, an evaluation per 10 simulated minutes.
    expect(last.work.nudges!).toBeGreaterThan(simMinutes / 3);
    expect(last.work.evaluations!).toBeGreaterThanOrEqual(Math.floor(simMinutes / 10) - 2);
  });

  it('candles and features lie on the simulated timeline', () => {
    expect(report).toBeDefined();
    // The 60-minute backfill and then one candle per simulated minute: far more minutes than the run's wall time, one apart.
    const simMinutes = report.simulatedHours * 60;
    expect(candles.length).toBeGreaterThanOrEqual(Math.min(500, 60 + simMinutes - 3));
    for (let i = 1; i < candles.length; i++) expect(candles[i]!.time - candles[i - 1]!.time).toBe(60_000);
    const timed = report.samples.filter((x) => x.ok && (x.marketTime ?? 0) > 0);
    const spanH = (timed.at(-1)!.marketTime! - timed[0]!.marketTime!) / 3_600_000;
    const wallH = (timed.at(-1)!.wallSeconds - timed[0]!.wallSeconds) / 3600;
    // Market time advanced about SPEED times the wall time sampled (bar grace and lease renewals blur the ends).
    expect(spanH / wallH).toBeGreaterThan(SPEED * 0.7);
    expect(spanH / wallH).toBeLessThan(SPEED * 1.3);
    // The features were read just after the candles: at or a bar or two past the newest candle, fresh on the market's clock.
    expect(vector).not.toBeNull();
    expect(vector!.barTime!).toBeGreaterThanOrEqual(candles.at(-1)!.time);
    expect(vector!.barTime! - candles.at(-1)!.time).toBeLessThanOrEqual(2 * 60_000);
    expect(vector!.values.staleness_s).not.toBeNull();
    expect(vector!.values.staleness_s!).toBeLessThan(5 * 60);
    expect(vector!.values.rsi_14).not.toBeNull();
  });
});
