/**
 * A short simulated soak (scripts/soak.mjs, the same runner as `npm run soak`): a real `vigil
 * serve` on the simulated feed with its market clock 60 times faster than the wall clock and the
 * agents' cadence compressed alike, sampled every few seconds for 2.5 simulated hours. Bounds and
 * conditions, not speeds: the workflows' histories stay under their continue-as-new limits (the
 * market stream continues as new on a lowered limit), open descriptors of the host and the dev
 * server do not grow, the market time is honest (one bar per simulated minute per symbol, candles
 * a minute apart, never ahead of the configured speed) and the agents reach their compressed
 * cadence's counts (waited on). Nothing here depends on how loaded the machine is: the run lasts
 * until the market clock has covered 2.5 hours (at most three times the planned wall time), and
 * memory slopes are printed but judged only by the long run (`npm run soak`, docs/reliability.md),
 * since over a few minutes they measure the garbage collector's timing as much as a leak.
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
let work = { nudges: 0, evaluations: 0 };

beforeAll(() => buildOnce());
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

describe('simulated soak (2.5 simulated hours at 60x)', () => {
  it('keeps descriptors and histories bounded and market time honest while the simulated market runs 60x (memory measured)', async () => {
    report = await runSoak({
      hours: HOURS,
      speed: SPEED,
      sampleSeconds: 3,
      symbols: 'BTC-USD,ETH-USD',
      build: false,
      keep: true,
      dataDir,
      env: { STREAM_HISTORY_LIMIT: String(STREAM_HISTORY_LIMIT) },
      // Memory slopes measured, not judged (see above); descriptors and histories are.
      limits: { hostRssMbPerHour: null, hostHeapMbPerHour: null, serverRssMbPerHour: null, fdGrowth: 8, historyCap: 5_000 },
      beforeStop: async (call) => {
        candles = ((await call('get_candles', { symbol: 'BTC-USD', limit: 500 })) as { candles: typeof candles }).candles;
        vector = (await call('get_feature_vector', { symbol: 'BTC-USD' })) as NonNullable<typeof vector>;
        // The agents on their compressed cadence — a nudge every wall second (60 simulated s), a
        // judge evaluation every 10 simulated minutes — reach the counts of the simulated time
        // covered: waited on (a loaded machine only takes longer), not timed.
        const simMinutes = HOURS * 60;
        const deadline = Date.now() + 240_000;
        for (;;) {
          const exec = (await call('get_execution_agent_status', {})) as { nudges: number };
          const scores = (await call('get_judge_scores', { limit: 500 })) as { scores: unknown[] };
          work = { nudges: exec.nudges, evaluations: scores.scores.length };
          if ((work.nudges >= simMinutes / 3 && work.evaluations >= Math.floor(simMinutes / 10) - 2) || Date.now() > deadline) break;
          await new Promise((r) => setTimeout(r, 2_000));
        }
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
    // The agents worked on the compressed cadence (counts waited on in beforeStop).
    expect(work.nudges).toBeGreaterThanOrEqual(HOURS * 60 / 3);
    expect(work.evaluations).toBeGreaterThanOrEqual(Math.floor((HOURS * 60) / 10) - 2);
  }, 900_000); // generous: the run may take up to three times its planned wall time on a loaded machine, then the agents' counts are waited on

  it('candles and features lie on the simulated timeline', () => {
    expect(report).toBeDefined();
    // The 60-minute backfill and then one candle per simulated minute: far more minutes than the run's wall time, one apart.
    const simMinutes = report.simulatedHours * 60;
    expect(candles.length).toBeGreaterThanOrEqual(Math.min(500, 60 + simMinutes - 3));
    for (let i = 1; i < candles.length; i++) expect(candles[i]!.time - candles[i - 1]!.time).toBe(60_000);
    const timed = report.samples.filter((x) => x.ok && (x.marketTime ?? 0) > 0);
    const spanH = (timed.at(-1)!.marketTime! - timed[0]!.marketTime!) / 3_600_000;
    const wallH = (timed.at(-1)!.wallSeconds - timed[0]!.wallSeconds) / 3600;
    // The market clock never ran ahead of the configured speed (bar grace and sampling blur the
    // ends). How far behind it fell is the machine's load, not the code's: the run lasted until it
    // covered HOURS of market time (expected above), within three times the planned wall time.
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
