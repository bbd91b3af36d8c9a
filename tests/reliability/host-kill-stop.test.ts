/**
 * kill -9 the host while a protective stop rests in the paper book: after the relaunch the stop is
 * still working (its state lives in the book's workflow), fires on the bar that trades through it,
 * exactly once, and its bracket sibling is gone with it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WORKFLOW_IDS } from '../../core/domain/ids';
import { buildOnce, startCockpit, type CockpitProcess } from '../support/cockpit-process';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-kill-stop-'));
let cockpit: CockpitProcess | null = null;

beforeAll(() => buildOnce());
afterAll(async () => {
  await cockpit?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function feed(c: CockpitProcess, minute: number, o: { open: string; high: string; low: string; close: string }): Promise<void> {
  const t = await c.temporal();
  try {
    await t.client.workflow.getHandle(WORKFLOW_IDS.paperBook('default')).signal('bars', [{ symbol: 'BTC-USD', timeframe: '1m', time: minute * 60_000, volume: '10', ...o }]);
  } finally {
    await t.close();
  }
}

interface Status {
  openOrders: { orderId: string; kind?: string; oco?: string | null }[];
  counts: { fills: number };
}
interface Fill {
  side: string;
  price: string;
  quantity: string;
  referencePrice: string;
}

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => null);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('host killed with a resting stop', () => {
  it('after kill -9 and relaunch the stop still works and fires once', async () => {
    cockpit = await startCockpit(dataDir);
    const c0 = cockpit;
    expect((await c0.call('get_portfolio_status', {})).ok).toBe(true);
    const base = Math.floor(Date.now() / 60_000) - 10;
    await feed(c0, base, { open: '20000', high: '20000', low: '20000', close: '20000' });
    await until('a mark', async () => {
      const s = await c0.call<{ marks: Record<string, unknown> }>('get_portfolio_status', {});
      return s.ok && s.result.marks['BTC-USD'];
    });
    const entry = await c0.call<{ status: string }>('place_mock_order', { symbol: 'BTC-USD', side: 'buy', type: 'market', quantity: '0.01', idempotencyKey: 'kill-stop-entry-01', bracket: { takeProfit: { limitPrice: '25000' }, stopLoss: { stopPrice: '19000' } } });
    expect(entry).toMatchObject({ ok: true, result: { status: 'filled' } });
    const before = await c0.call<Status>('get_portfolio_status', {});
    if (!before.ok) throw new Error(JSON.stringify(before.error));
    expect(before.result.openOrders.map((o) => o.kind).sort()).toEqual(['stop', 'take_profit']);

    cockpit.kill9();
    await new Promise<void>((r) => c0.child.once('exit', () => r()));
    cockpit = await startCockpit(dataDir);
    const c1 = cockpit;
    const after = await c1.call<Status>('get_portfolio_status', {});
    if (!after.ok) throw new Error(JSON.stringify(after.error));
    // The same legs, still working.
    expect(after.result.openOrders.map((o) => o.orderId).sort()).toEqual(before.result.openOrders.map((o) => o.orderId).sort());

    // A bar that stays above the stop, then one that gaps through it, then another below it.
    await feed(c1, base + 1, { open: '19900', high: '20100', low: '19500', close: '19800' });
    await feed(c1, base + 2, { open: '18500', high: '18700', low: '18000', close: '18200' });
    await feed(c1, base + 3, { open: '18200', high: '18300', low: '17000', close: '17500' });
    const done = await until('the stop to fire', async () => {
      const s = await c1.call<Status>('get_portfolio_status', {});
      return s.ok && s.result.openOrders.length === 0 ? s.result : null;
    });
    expect(done.counts.fills).toBe(2);
    const hist = await c1.call<{ transactions: Fill[] }>('get_transaction_history', { limit: 10 });
    if (!hist.ok) throw new Error(JSON.stringify(hist.error));
    const sells = hist.result.transactions.filter((f) => f.side === 'sell');
    // Once, from the gap's open (18500), not at the stop.
    expect(sells).toHaveLength(1);
    expect(sells[0]).toMatchObject({ quantity: '0.01', referencePrice: '18500' });
  });
});
