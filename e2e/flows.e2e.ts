/**
 * Cockpit flows across pages, in Chromium against a real headless host: a paper order chatted to
 * the broker shows up in Portfolio, as a marker on the Market chart and as a chain on Agents; a
 * backtest shows its progress, results and a comparison; the production ledger reconciles
 * against a local Coinbase brokerage, drift is charted and a correction approved. The steps live
 * in scenarios.ts and run unchanged in the Electron window (electron.e2e.ts). Screenshots go to
 * e2e/artifacts/flow-*.png.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCockpit, startLocalBrokerage, type Cockpit, type LocalBrokerage } from './fixtures';
import { backtestInvalidScenario, backtestScenario, brokerOrderScenario, ledgerReconcileScenario, researchScenario } from './scenarios';

let c: Cockpit;
let brokerage: LocalBrokerage;

beforeAll(async () => {
  brokerage = await startLocalBrokerage();
  c = await startCockpit({ env: brokerage.env, prepare: (dataDir) => brokerage.seed(dataDir) });
  await c.page.goto(c.headless.url);
  await c.page.waitForSelector('[data-testid=status-temporal][data-state=ready]', { timeout: 30_000 });
});

afterAll(async () => {
  await c?.stop();
  await brokerage?.stop();
});

describe('a paper order chatted to the broker', () => {
  it('fills, appears in Portfolio, is marked on the Market chart and chained on Agents', () => brokerOrderScenario(c));
});

describe('a backtest from the Backtest page', () => {
  it('shows progress, then equity, metrics and trades; two runs overlay in a comparison', () => backtestScenario(c));
  it('refuses an invalid run with the field named', () => backtestInvalidScenario(c));
});

describe('a study from the Research page', () => {
  it('runs its trials, charts them, sorts them and opens the best as a backtest', () => researchScenario(c));
});

describe('the production ledger against a local Coinbase brokerage', () => {
  it('shows seeded wallets, edits the tradeable fraction, reconciles clean, then shows drift and approves the correction', () => ledgerReconcileScenario(c, brokerage.exchange));

  it('a live order asked for over MCP waits on the Ledger page, shows what it would do, and runs once approved', async () => {
    const { page } = c;
    await c.open('settings');
    const allow = page.locator('input[aria-label="Allow live-order requests from MCP clients and the broker"]');
    await allow.click();
    await expect.poll(async () => c.call('get_safety_settings', {}), { timeout: 10_000 }).toMatchObject({ ok: true, result: { mcpLiveOrders: true } });
    const wallets = (await c.call('list_wallets', {})) as { ok: true; result: { wallets: { id: string; kind: string }[] } };
    const funding = wallets.result.wallets.find((w) => w.kind === 'funding')!.id;
    // As an MCP client would ask (the bridge's door).
    const asked = await c.headless.host.call('request_live_order', { walletId: funding, product: 'ETH-USD', side: 'BUY', qty: '0.05', expectedEdge: '0.01', idempotencyKey: 'e2e-live-req-0001', reason: 'ETH broke its daily high; 1% expected edge' }, { door: 'mcp' });
    expect(asked).toMatchObject({ ok: true, result: { status: 'pending' } });
    await c.open('ledger');
    await expect.poll(() => page.textContent('[data-testid=live-requests]'), { timeout: 20_000 }).toContain('1 waiting for you');
    const row = page.locator('[data-testid=live-request-row]').first();
    await expect.poll(() => row.textContent()).toMatch(/BUY\s*0\.05 ETH-USD.*would not go live now: live trading is not armed/s);
    await c.shot('flow-live-request-pending');
    await row.locator('[data-testid=approve-live-request]').click();
    // Not armed: the approved order is a dry run (previewed and recorded), never sent.
    await expect.poll(() => page.textContent('[data-testid=live-requests]'), { timeout: 30_000 }).toMatch(/done\s*order dry_run/);
    expect(brokerage.exchange.ordersByClientId('e2e-live-req-0001')).toHaveLength(0);
    await c.shot('flow-live-request-approved');
  });

  it('a trailing stop Vigil watches shows on the Ledger page, follows the price up, and is cancelled only after a confirmation', async () => {
    const { page } = c;
    const wallets = (await c.call('list_wallets', {})) as { ok: true; result: { wallets: { id: string; kind: string }[] } };
    const funding = wallets.result.wallets.find((w) => w.kind === 'funding')!.id;
    brokerage.exchange.setBook('ETH-USD', { bids: [{ price: '3000', size: '10' }], asks: [{ price: '3002', size: '10' }] });
    const placed = await c.call('place_ledger_stop', { walletId: funding, product: 'ETH-USD', side: 'SELL', qty: '0.1', kind: 'trailing_stop', trailPct: '0.05', idempotencyKey: 'e2e-live-trail-01', pollSeconds: 1 });
    expect(placed).toMatchObject({ ok: true, result: { status: 'waiting', stop: '2850' } });
    await c.open('ledger');
    const row = page.locator('[data-testid=live-stop-row]').first();
    await expect.poll(() => page.textContent('[data-testid=live-stops]'), { timeout: 20_000 }).toContain('1 watching');
    await expect.poll(() => row.textContent()).toMatch(/trailing 5%.*SELL\s*0\.1 ETH-USD at market \(dry run\).*2850/s);
    // The price rises: the stop follows (read from the watch's heartbeat, refreshed every 5 s).
    brokerage.exchange.setBook('ETH-USD', { bids: [{ price: '3200', size: '10' }], asks: [{ price: '3202', size: '10' }] });
    await expect.poll(() => row.textContent(), { timeout: 40_000 }).toContain('3040');
    await c.shot('flow-live-stop-trailing');
    // Cancelling asks first; dismissed, nothing changes.
    page.once('dialog', (d) => void d.dismiss());
    await row.locator('[data-testid=cancel-live-stop]').click();
    await expect.poll(() => row.textContent()).toContain('waiting');
    page.once('dialog', (d) => {
      expect(d.message()).toMatch(/no longer protected/);
      void d.accept();
    });
    await row.locator('[data-testid=cancel-live-stop]').click();
    await expect.poll(() => row.textContent(), { timeout: 20_000 }).toMatch(/cancelled\s*cancelled in the app/);
    // The price falls through where the stop was: nothing is sent.
    brokerage.exchange.setBook('ETH-USD', { bids: [{ price: '2900', size: '10' }], asks: [{ price: '2902', size: '10' }] });
    await new Promise((r) => setTimeout(r, 2500));
    expect(brokerage.exchange.ordersByClientId('e2e-live-trail-01')).toHaveLength(0);
  });
});
