import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevServer, runWorker, type TestServer, type RunningWorker } from '../support/temporal';
import { smokeWorkflow, releaseSignal, noteSignal, notesQuery } from '../../core/workflows/smoke';

describe('integration harness', () => {
  let env: TestServer;
  let w: RunningWorker;
  beforeAll(async () => {
    env = await startDevServer();
    w = await runWorker(env);
  });
  afterAll(async () => {
    await w?.stop();
    await env?.stop({ clean: true });
  });

  it('runs a workflow on the real dev server with signals and queries', async () => {
    const h = await env.client.workflow.start(smokeWorkflow, {
      taskQueue: w.taskQueue,
      workflowId: `smoke-${Date.now()}`,
      args: [{ message: 'hello', waitForRelease: true }],
    });
    await h.signal(noteSignal, 'first');
    expect(await h.query(notesQuery)).toEqual(['first']);
    await h.signal(releaseSignal, 'go');
    expect(await h.result()).toEqual({ echoed: 'hello', notes: ['first'], releasedWith: 'go' });
  });
});
