/**
 * Determinism guard: replays a committed history of a real paper book run (workflow type
 * `executionLedgerWorkflow`: orders, a duplicate key, a resting limit crossed by bars, risk blocks,
 * preference changes, the event activity) against today's workflow code. A change that would
 * break running books fails here.
 *
 * A missing history fails. The history keeps the name it was recorded under, `execution-ledger`.
 * Re-record only for an intended, versioned change: `npm run record:histories -- execution-ledger`
 * (docs/reliability.md, "Committed histories").
 */
import { describe, expect, it } from 'vitest';
import { Worker } from '@temporalio/worker';
import { cliPath, installRuntimeOnce, runWorker, startDevServer, waitFor, workflowBundle } from '../../tests/support/temporal';
import { createPaperActivities } from './activities';
import { EventBus } from '../host/bus';
import { silentLogger } from '../runtime/log';
import type { Bar } from '../domain/market';
import { barsSignal, cancelOrderUpdate, executionLedgerWorkflow, placeOrderUpdate, portfolioStatusQuery, setPreferencesUpdate } from './paper-book.workflow';
import { committedHistory, loadHistory, recordingHistory, saveHistory } from '../../tests/support/replay';

const T0 = Date.UTC(2025, 0, 6, 12, 0);
const bar = (symbol: string, i: number, close: string, high = close, low = close): Bar => ({ symbol, timeframe: '1m', time: T0 + i * 60_000, open: close, high, low, close, volume: '1' });

async function record(): Promise<void> {
  const env = await startDevServer();
  const w = await runWorker(env, { activities: createPaperActivities({ bus: new EventBus(), log: silentLogger }) });
  try {
    const h = await env.client.workflow.start(executionLedgerWorkflow, {
      taskQueue: w.taskQueue,
      workflowId: 'vigil/execution-ledger/replay',
      args: [{ portfolioId: 'replay', initialCash: '1000', profitScrapePct: '0.2' }],
    });
    const o = (k: string, extra: Record<string, unknown>) => ({ symbol: 'BTC-USD', side: 'buy' as const, type: 'market' as const, agent: 'test' as const, correlationId: `c-${k}`, idempotencyKey: `replay-${k}`, ...extra });
    await h.executeUpdate(placeOrderUpdate, { args: [o('nomark', { quantity: '0.001' })] });
    await h.signal(barsSignal, [bar('BTC-USD', 0, '50000'), bar('ETH-USD', 0, '3000')]);
    await h.executeUpdate(placeOrderUpdate, { args: [o('b1', { quantity: '0.002' })] });
    await h.executeUpdate(placeOrderUpdate, { args: [o('b1', { quantity: '0.002' })] });
    await h.executeUpdate(placeOrderUpdate, { args: [o('e1', { symbol: 'ETH-USD', notional: '100' })] });
    await h.executeUpdate(placeOrderUpdate, { args: [o('l1', { side: 'sell', type: 'limit', quantity: '0.001', limitPrice: '51000' })] });
    await h.executeUpdate(placeOrderUpdate, { args: [o('l2', { type: 'limit', quantity: '0.001', limitPrice: '40000' })] });
    await h.executeUpdate(cancelOrderUpdate, { args: [{ idempotencyKey: 'replay-l2' }] });
    await h.signal(barsSignal, [bar('BTC-USD', 1, '51020', '51100', '50900')]);
    await h.executeUpdate(setPreferencesUpdate, { args: [{ killSwitch: true, profitScrapePct: '0.5' }] });
    await h.executeUpdate(placeOrderUpdate, { args: [o('k1', { quantity: '0.001' })] });
    await h.executeUpdate(setPreferencesUpdate, { args: [{ killSwitch: false }] });
    await h.executeUpdate(placeOrderUpdate, { args: [o('s1', { side: 'sell', quantity: '0.001' })] });
    await h.executeUpdate(placeOrderUpdate, { args: [o('big', { notional: '900' })] });
    await waitFor(async () => (await h.query(portfolioStatusQuery)).counts.fills === 4);
    await new Promise((r) => setTimeout(r, 1500)); // let the event activity batches complete in history
    saveHistory('execution-ledger', { cli: cliPath(), address: env.address, namespace: env.namespace, workflowId: h.workflowId });
    await h.terminate('recorded');
  } finally {
    await w.stop();
    await env.stop({ clean: true });
  }
}

describe('paper book (executionLedgerWorkflow) replay', () => {
  it('replays the committed history deterministically', async () => {
    if (recordingHistory('execution-ledger')) await record();
    installRuntimeOnce();
    const history = committedHistory('execution-ledger');
    expect(history.events.length).toBeGreaterThan(30);
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle(), replayName: 'execution-ledger' }, loadHistory(history), 'vigil/execution-ledger/replay');
  });
});
