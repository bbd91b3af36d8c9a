/**
 * kill -9 the host in the middle of a backtest that checkpoints every 1,000 steps, relaunch on the
 * same data dir: the workflow resumes from its last stored chunk and finishes with exactly the
 * result of the same backtest run without interruption.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BacktestSpecSchema } from '../../core/backtest/spec';
import { WORKFLOW_IDS } from '../../core/domain/ids';
import { buildOnce, startCockpit, type CockpitProcess } from '../support/cockpit-process';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-kill-bt-'));
let cockpit: CockpitProcess | null = null;
const root = fileURLToPath(new URL('../..', import.meta.url));
const SPEC = { strategy: 'sma_cross', symbols: ['BTC-USD', 'ETH-USD', 'LTC-USD'], timeframe: '1h', params: { fast: 10, slow: 30 } } as const;

interface Summary { status: string; finalEquity: string | null; trades: number | null; fills: number | null; bars: number }

beforeAll(() => buildOnce());
afterAll(async () => {
  await cockpit?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function progressOf(c: CockpitProcess, id: string): Promise<{ status: string; chunk: number; stepsDone: number; totalSteps: number } | null> {
  const t = await c.temporal();
  try {
    return (await t.client.workflow.getHandle(WORKFLOW_IDS.backtest(id)).query('backtestProgress')) as { status: string; chunk: number; stepsDone: number; totalSteps: number };
  } catch {
    return null;
  } finally {
    await t.close();
  }
}

async function summaryOf(c: CockpitProcess, id: string, ms = 120_000): Promise<Summary> {
  const deadline = Date.now() + ms;
  for (;;) {
    const r = await c.call<{ status: string; summary: Summary }>('get_backtest_result', { id, full: false });
    if (r.ok && r.result.status !== 'running') return r.result.summary;
    if (Date.now() > deadline) throw new Error(`backtest ${id} not finished: ${JSON.stringify(r).slice(0, 300)}`);
    await new Promise((res) => setTimeout(res, 500));
  }
}

describe('host killed mid-backtest', () => {
  it('resumes from the last checkpoint and ends with the uninterrupted result', async () => {
    cockpit = await startCockpit(dataDir);
    const id = 'bt_killmidrun0001';
    const t = await cockpit.temporal();
    await t.client.workflow.start('backtestWorkflow', {
      taskQueue: 'vigil',
      workflowId: WORKFLOW_IDS.backtest(id),
      args: [{ id, spec: BacktestSpecSchema.parse(SPEC), createdAt: Date.now(), chunkSteps: 1000 }],
    });
    await t.close();

    let before: Awaited<ReturnType<typeof progressOf>> = null;
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      before = await progressOf(cockpit, id);
      if (before && before.status === 'running' && before.chunk >= 3) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(before?.status, 'the backtest should be running when the host is killed').toBe('running');
    cockpit.kill9();

    cockpit = await startCockpit(dataDir);
    const resumed = await summaryOf(cockpit, id);
    expect(resumed.status).toBe('completed');

    const again = await cockpit.call<{ id: string }>('run_backtest', SPEC);
    if (!again.ok) throw new Error(again.error.message);
    const straight = await summaryOf(cockpit, again.result.id);
    expect(straight.status).toBe('completed');
    expect({ equity: resumed.finalEquity, trades: resumed.trades, fills: resumed.fills, bars: resumed.bars }).toEqual({
      equity: straight.finalEquity,
      trades: straight.trades,
      fills: straight.fills,
      bars: straight.bars,
    });
    // The CLI prints the whole result to a pipe (it once exited before a pipe took more than 64 KiB).
    const shown = execFileSync(process.execPath, [path.join(root, 'bin', 'vigil.mjs'), 'backtest', 'show', id, '--json'], { env: { ...process.env, VIGIL_DATA_DIR: dataDir }, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' });
    expect(shown.length).toBeGreaterThan(65_536);
    expect((JSON.parse(shown) as { summary: Summary }).summary.finalEquity).toBe(resumed.finalEquity);
    process.stderr.write(`[host-kill-backtest] killed at chunk ${before!.chunk} (${before!.stepsDone}/${before!.totalSteps} steps); resumed result = uninterrupted result (equity ${resumed.finalEquity}, ${resumed.trades} trades)\n`);
  });
});
