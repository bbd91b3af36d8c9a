/**
 * kill -9 the host in the middle of a burst of paper orders, start it again on the same data dir,
 * and let the client retry every order with its idempotency key: each order fills exactly once,
 * nothing is lost, nothing is doubled, and the books still add up.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Dec } from '../../core/domain/decimal';
import { WORKFLOW_IDS } from '../../core/domain/ids';
import { buildOnce, startCockpit, type CockpitProcess } from '../support/cockpit-process';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-kill-'));
let cockpit: CockpitProcess | null = null;

beforeAll(() => buildOnce());
afterAll(async () => {
  await cockpit?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function feedPrice(c: CockpitProcess, close: string): Promise<void> {
  const t = await c.temporal();
  try {
    const now = Date.now() - (Date.now() % 60_000);
    await t.client.workflow.getHandle(WORKFLOW_IDS.paperBook('default')).signal('bars', [
      { symbol: 'BTC-USD', timeframe: '1m', time: now, open: close, high: close, low: close, close, volume: '10' },
    ]);
  } finally {
    await t.close();
  }
}

interface Fill {
  idempotencyKey: string;
  notional: string;
  fee: string;
  quantity: string;
  time: number;
}

describe('host killed mid-order', () => {
  it('loses and duplicates nothing across kill -9 and restart', async () => {
    cockpit = await startCockpit(dataDir);
    const first = await cockpit.call('get_portfolio_status', {});
    expect(first.ok).toBe(true);
    await feedPrice(cockpit, '20000');

    const orders = Array.from({ length: 24 }, (_, i) => ({
      symbol: 'BTC-USD',
      side: 'buy' as const,
      type: 'market' as const,
      notional: '10',
      idempotencyKey: `kill-test-order-${i}`,
      rationale: 'reliability test',
    }));
    // Fire the orders a few milliseconds apart — faster than the ledger answers them, so a queue
    // builds — and kill the host once some have been answered while others are still waiting for
    // their answer; the rest are never sent before the kill.
    type Answer = { ok: true; result: { orderId: string } } | { ok: false; error: { code: string; message: string } };
    let answered = 0;
    let sent = 0;
    let killed = false;
    let inFlightAtKill = 0;
    let killedAt = 0;
    const inflight: Promise<Answer>[] = [];
    const kill = (): void => {
      inFlightAtKill = sent - answered;
      killed = true;
      killedAt = Date.now();
      cockpit!.kill9();
    };
    const serverPid = Number(fs.readFileSync(path.join(dataDir, 'temporal.sqlite.pid'), 'utf8'));
    const deadline = Date.now() + 60_000;
    for (const o of orders) {
      if (answered >= 4 && sent - answered >= 2) break;
      sent++;
      inflight.push(
        cockpit.call<{ orderId: string }>('place_mock_order', o).then(
          (r) => {
            if (!killed) answered++;
            return r as Answer;
          },
          (e: Error) => ({ ok: false as const, error: { code: 'transport', message: e.message } }),
        ),
      );
      await new Promise((r) => setTimeout(r, 3));
    }
    while (!(answered >= 4 && sent - answered >= 2) && answered < sent && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
    kill();
    const before = await Promise.all(inflight);
    const acceptedBeforeKill = before.filter((r) => r.ok).length;
    // The kill hit orders in flight: sent, not answered, their answer lost with the host. Without
    // them this would be a plain restart, not a crash in the middle of a burst.
    const lostKeys = new Set(orders.filter((_, i) => before[i] && !before[i].ok && (before[i] as { error: { code: string } }).error.code === 'transport').map((o) => o.idempotencyKey));
    const lost = lostKeys.size;
    expect(inFlightAtKill, `orders in flight when the host was killed (${answered} answered of ${sent} sent)`).toBeGreaterThanOrEqual(2);
    expect(lost, 'orders whose answer was lost to the kill').toBeGreaterThanOrEqual(1);
    expect(acceptedBeforeKill).toBeGreaterThanOrEqual(4);

    // Relaunch: the orphaned dev server is reaped, the same SQLite file is reused.
    cockpit = await startCockpit(dataDir);
    expect(isAlive(serverPid)).toBe(false);
    await feedPrice(cockpit, '20000');
    const results = [];
    for (const o of orders) results.push(await cockpit.call<{ status: string; orderId: string }>('place_mock_order', o));
    for (const r of results) expect(r.ok, JSON.stringify(r)).toBe(true);

    // A retry of an order that was accepted before the kill returns the very same order.
    for (const [i, r] of before.entries()) {
      if (r.ok) expect((results[i] as { ok: true; result: { orderId: string } }).result.orderId).toBe(r.result.orderId);
    }

    const hist = await cockpit.call<{ transactions: Fill[] }>('get_transaction_history', { limit: 500 });
    if (!hist.ok) throw new Error(JSON.stringify(hist.error));
    const fills = hist.result.transactions;
    const keys = fills.map((f) => f.idempotencyKey).sort();
    expect(keys).toEqual(orders.map((o) => o.idempotencyKey).sort());

    const status = await cockpit.call<{ valuation: { cash: string; feesPaid: string }; counts: { fills: number } }>('get_portfolio_status', {});
    if (!status.ok) throw new Error(JSON.stringify(status.error));
    const spent = Dec.sum(fills.map((f) => Dec.of(f.notional).add(f.fee)));
    expect(status.result.counts.fills).toBe(orders.length);
    expect(status.result.valuation.cash).toBe(Dec.of('1000').sub(spent).toString());
    expect(status.result.valuation.feesPaid).toBe(Dec.sum(fills.map((f) => f.fee)).toString());
    // Of the lost answers, those the ledger had already filled before the kill: the retry returned the fill, it did not repeat it.
    const filledUnanswered = fills.filter((f) => lostKeys.has(f.idempotencyKey) && f.time <= killedAt).length;
    process.stderr.write(`[host-kill] at the kill: ${acceptedBeforeKill} answered, ${lost} in flight (answer lost; ${filledUnanswered} of them already filled), ${orders.length - sent} never sent; all ${fills.length} filled once after restart\n`);
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
