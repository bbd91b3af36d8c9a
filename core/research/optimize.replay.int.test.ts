/**
 * Replay of a committed TPE study history (tests/histories/optimize-study.json): the sampler runs
 * inside the workflow, so a change that would suggest different parameters for a running study —
 * and so schedule different trials on replay — fails here. Record again with
 * VIGIL_RECORD_HISTORIES=1 only for a change that is meant to break running studies.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Worker } from '@temporalio/worker';
import { cliPath, installRuntimeOnce, runWorker, startDevServer, workflowBundle } from '../../tests/support/temporal';
import { committedHistory, loadHistory, recordingHistory, saveHistory } from '../../tests/support/replay';
import { WORKFLOW_IDS } from '../domain/ids';
import { createResearchActivities } from './activities';
import { optimizeInput } from './handlers';
import { optimizeWorkflow } from './optimize.workflow';
import { batchStart, needsResults, suggest, type SamplerPlan } from './samplers';
import type { Candidate, ParamSpace } from './space';
import { OptimizeRequestSchema, type TrialRecord } from './types';

interface HistoryEvent {
  eventId: string;
  eventType: string;
  activityTaskScheduledEventAttributes?: { activityType: { name: string }; input: { payloads: { data: string }[] } };
  activityTaskCompletedEventAttributes?: { scheduledEventId: string; result: { payloads: { data: string }[] } };
  workflowExecutionStartedEventAttributes?: { input: { payloads: { data: string }[] } };
}
const payload = <T,>(p: { data: string }): T => JSON.parse(Buffer.from(p.data, 'base64').toString('utf8')) as T;

const ID = 'rs_replaystudy0001';

async function record(): Promise<void> {
  const env = await startDevServer();
  const w = await runWorker(env, { activities: createResearchActivities({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-replay-')) }) });
  try {
    const req = OptimizeRequestSchema.parse({
      spec: { strategy: 'sma_cross', symbols: ['BTC-USD'], timeframe: '1h', from: '2018-01-01', to: '2018-04-01', fees: { taker: '0.001', maker: '0.001' } },
      space: { fast: { min: 3, max: 30 }, slow: { min: 20, max: 120 } },
      sampler: 'tpe',
      trials: 12,
      parallel: 3,
      startup: 4,
      seed: 5,
      objective: { metric: 'net_return' },
    });
    const h = await env.client.workflow.start(optimizeWorkflow, { taskQueue: w.taskQueue, workflowId: WORKFLOW_IDS.research(ID), args: [{ ...optimizeInput(ID, req, 1), continueEvery: 100 }] });
    await h.result();
    saveHistory('optimize-study', { cli: cliPath(), address: env.address, namespace: env.namespace, workflowId: h.workflowId });
  } finally {
    await w.stop();
    await env.stop({ clean: true });
  }
}

describe('optimizeWorkflow replay', () => {
  it('replays a committed TPE study deterministically', async () => {
    if (recordingHistory('optimize-study')) await record();
    installRuntimeOnce();
    const history = committedHistory<{ events: unknown[] }>('optimize-study');
    // Twelve trials, each scheduled, started and completed.
    expect(history.events.length).toBeGreaterThan(12 * 3);
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle(), replayName: 'optimize-study' }, loadHistory(history), WORKFLOW_IDS.research(ID));
  });

  it('its sampler still suggests every recorded trial from the results recorded before it (a seed repeats a study)', () => {
    const events = committedHistory<{ events: HistoryEvent[] }>('optimize-study').events;
    const input = payload<{ space: ParamSpace; sampler: 'tpe'; seed: number; startup: number; parallel: number }>(events[0]!.workflowExecutionStartedEventAttributes!.input.payloads[0]!);
    const plan: SamplerPlan = { sampler: input.sampler, seed: input.seed, startup: input.startup, batch: input.parallel };
    const scheduled = new Map<string, { index: number; params: Candidate }>();
    const results = new Map<number, TrialRecord>();
    for (const e of events) {
      const s = e.activityTaskScheduledEventAttributes;
      if (s?.activityType.name === 'researchTrial') scheduled.set(e.eventId, payload(s.input.payloads[0]!));
      const c = e.activityTaskCompletedEventAttributes;
      if (c && scheduled.has(c.scheduledEventId)) {
        const r = payload<TrialRecord>(c.result.payloads[0]!);
        results.set(r.index, r);
      }
    }
    const trials = [...scheduled.values()].sort((a, b) => a.index - b.index);
    expect(trials.map((t) => t.index)).toEqual(Array.from({ length: 12 }, (_, i) => i));
    const taken: Candidate[] = [];
    for (const t of trials) {
      const seen = needsResults(plan, t.index)
        ? Array.from({ length: batchStart(plan, t.index) }, (_, k) => results.get(k)!).map((r) => ({ params: r.params, value: r.status === 'ok' ? r.value : null }))
        : [];
      expect(suggest(plan, input.space, t.index, { seen, taken }), `trial ${t.index}`).toEqual(t.params);
      taken.push(t.params);
    }
  });
});
