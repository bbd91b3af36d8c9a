/**
 * The cockpit scenarios, written once against a CockpitDriver so the same steps run in Chromium
 * against the headless gateway (flows.e2e.ts) and in the Electron window (electron.e2e.ts).
 */
import { expect } from 'vitest';
import type { FakeCoinbaseBrokerage } from '../core/testing/fake-coinbase-brokerage/server';
import { fatalConsoleErrors, type CockpitDriver } from './fixtures';

/** A paper order chatted to the broker fills, shows in Portfolio, on the Market chart and as a chain on Agents. */
export async function brokerOrderScenario(c: CockpitDriver): Promise<void> {
  const { page } = c;
  await c.open('market');
  await page.click('[data-testid=stream-start]');
  const bars = async () => Number((await page.textContent('[data-testid=bar-count]'))?.split(' ')[0] ?? '0');
  await expect.poll(bars, { timeout: 60_000, interval: 1000 }).toBeGreaterThan(0);
  await expect.poll(async () => (await page.textContent('[data-testid=last-price]'))?.trim() ?? '', { timeout: 30_000 }).toMatch(/\d/);
  const last = (await page.textContent('[data-testid=last-price]'))!.trim().replace(/,/g, '').split(/\s/)[0]!;
  expect(Number(last)).toBeGreaterThan(0);
  // The paper ledger prices market orders from closed bars; a bar at the live price makes the fill immediate.
  expect((await c.call('get_portfolio_status', {})).ok).toBe(true);
  await c.feedPrice('BTC-USD', last);

  await c.open('broker');
  await page.waitForSelector('[data-testid=command-hint]', { timeout: 20_000 });
  await page.fill('[data-testid=chat-input]', 'buy $100 BTC-USD');
  await page.press('[data-testid=chat-input]', 'Enter');
  await expect.poll(() => page.locator('.msg.assistant').count(), { timeout: 60_000, interval: 500 }).toBeGreaterThan(0);
  await page.waitForSelector('[data-testid=chat-streaming]', { state: 'detached', timeout: 60_000 });
  const reply = (await page.locator('.msg.assistant').last().textContent()) ?? '';
  expect(reply).toMatch(/fill|bought|BTC-USD/i);
  // The verb's result is a collapsed card with the key fields, not raw JSON.
  const card = page.locator('.msg.assistant').last().locator('[data-testid=chat-data-card]');
  expect(await card.count()).toBe(1);
  expect(await card.locator('summary').textContent()).toMatch(/status\s*filled/);
  expect(await card.locator('pre').isVisible()).toBe(false);
  await c.shot('flow-broker-order');

  await c.open('portfolio');
  await page.waitForSelector('[data-testid=fill-row]', { timeout: 20_000 });
  expect(await page.locator('[data-testid=fill-row]').first().textContent()).toContain('BTC-USD');
  await expect.poll(() => page.textContent('[data-testid=positions]'), { timeout: 15_000 }).toContain('BTC-USD');
  await c.shot('flow-portfolio-after-chat');

  // An order placed behind the page's back (as an agent would) reaches the page by push: its fill
  // event arrives at the page, and the row appears — waited on, not timed (the event invalidating
  // the fills query is renderer/src/api/live.test.ts's check).
  const before = await page.locator('[data-testid=fill-row]').count();
  const pushed = await c.recordPushes('trading.fill');
  const key = `e2e-push-${Date.now()}`;
  const placed = await c.call('place_mock_order', { symbol: 'BTC-USD', side: 'buy', type: 'market', notional: '50', idempotencyKey: key, rationale: 'e2e: pushed to the page' });
  expect(placed.ok).toBe(true);
  const fillKeys = async () => (await pushed()).map((p) => (p as { fill?: { idempotencyKey?: string } }).fill?.idempotencyKey);
  await expect.poll(fillKeys, { timeout: 30_000, interval: 200 }).toContain(key);
  await expect.poll(() => page.locator('[data-testid=fill-row]').count(), { timeout: 30_000, interval: 200 }).toBe(before + 1);

  await c.open('market');
  await expect.poll(() => page.textContent('[data-testid=page-market]'), { timeout: 30_000, interval: 1000 }).toMatch(/(^|\D)2 fills for BTC-USD marked/);
  await c.shot('flow-market-fill-marker');

  // The same order on the Agents page: one chain from the chat turn through the risk gate to the
  // fill, under the turn's correlation id.
  await c.open('agents');
  await page.waitForSelector('[data-testid=decision-chain][data-outcome=filled]', { timeout: 30_000 });
  // (The order placed behind the page's back above is a chain of its own.)
  const chain = page.locator('[data-testid=decision-chain][data-outcome=filled]', { hasText: 'chat:' });
  await expect.poll(() => chain.count(), { timeout: 15_000 }).toBe(1);
  const text = (await chain.textContent()) ?? '';
  expect(text).toMatch(/chat: buy \$100 BTC-USD/);
  expect(text).toMatch(/fill\s*buy [\d.]+ BTC-USD @/);
  expect(await chain.getAttribute('title')).toMatch(/correlation broker-/);
  await page.click('[data-testid=agent-evaluate]');
  await page.waitForSelector('[data-testid=judge-chart] canvas', { timeout: 60_000 });
  await c.shot('flow-agents');
}

/** A backtest: pushed progress, results (virtualised trades), a second run and the comparison. */
export async function backtestScenario(c: CockpitDriver): Promise<void> {
  const { page } = c;
  await c.open('backtest');
  await page.waitForSelector('[data-testid=backtest-form]');
  // Three hourly series with no date bounds (about 50,000 bars). The engine replays them in
  // well under a second here, so the bar is rarely on screen long enough to catch; what must
  // hold is that the pushed progress reached the page and matches the stored run.
  await page.fill('[data-testid=bt-symbols]', 'BTC-USD, ETH-USD, LTC-USD');
  await page.fill('[data-testid=bt-from]', '');
  await page.fill('[data-testid=bt-to]', '');
  await page.fill('[data-testid=bt-label]', 'sma three coins');
  // The strategy's parameters and the costs come from the form (list_backtest_strategies).
  await page.fill('[data-testid=bt-param-fast]', '8');
  await page.fill('[data-testid=bt-param-slow]', '21');
  await page.fill('[data-testid=bt-takerPct]', '0.4');
  await page.fill('[data-testid=bt-weights]', '2, 1, 1');
  // Protective exits in percent, on any strategy.
  await page.fill('[data-testid=bt-exit-stopLossPct]', '3');
  await page.fill('[data-testid=bt-exit-trailingPct]', '2');
  await page.click('[data-testid=bt-run]');
  const progressShown = await page
    .waitForSelector('[data-testid=backtest-progress]', { timeout: 5_000 })
    .then(() => true)
    .catch(() => false);
  if (progressShown) await c.shot('flow-backtest-progress');
  await page.waitForSelector('[data-testid=backtest-result][data-status=completed]', { timeout: 180_000 });
  const row = page.locator('[data-testid=bt-run-row]', { hasText: 'sma three coins' });
  await expect.poll(() => row.getAttribute('data-pushed-bars'), { timeout: 15_000 }).toMatch(/^\d+$/);
  const pushedBars = Number(await row.getAttribute('data-pushed-bars'));
  expect(pushedBars).toBeGreaterThan(40_000);
  expect(await page.textContent('[data-testid=backtest-result]')).toContain(`${pushedBars.toLocaleString('en-US')} bars`);
  await page.waitForSelector('[data-testid=backtest-kpis]');
  expect(await page.textContent('[data-testid=backtest-spec]')).toBe('fast 8 · slow 21 · stop-loss 3% · trailing 2% · taker 0.4% · maker 0.6% · spread: product estimate · slippage on · risk none · weights 2:1:1');
  expect(await page.textContent('[data-testid=bt-kpi-trades]')).toMatch(/fills · [\d,]+ closed by exits$/);
  expect(await page.textContent('[data-testid=bt-exit-counts]')).toMatch(/^closed by exits: \d+ stop-loss · 0 take-profit · \d+ trailing$/);
  expect(await page.textContent('[data-testid=backtest-metrics]')).toMatch(/Sharpe/);
  const total = Number(await page.getAttribute('[data-testid=backtest-trades] .vt', 'data-rows'));
  const inDom = await page.locator('[data-testid=trade-row]').count();
  expect(total).toBeGreaterThan(0);
  expect(inDom).toBeLessThanOrEqual(total);
  if (total > 60) expect(inDom).toBeLessThan(60);
  await c.shot('flow-backtest-result');

  // Another strategy clears the parameters; "Use these settings" brings the run's back.
  await page.selectOption('[data-testid=bt-strategy]', 'rsi_reversion');
  expect(await page.inputValue('[data-testid=bt-param-period]')).toBe('');
  await page.fill('[data-testid=bt-exit-stopLossPct]', '');
  await page.click('[data-testid=bt-reuse]');
  expect(await page.inputValue('[data-testid=bt-strategy]')).toBe('sma_cross');
  expect(await page.inputValue('[data-testid=bt-param-slow]')).toBe('21');
  expect(await page.inputValue('[data-testid=bt-takerPct]')).toBe('0.4');
  expect(await page.inputValue('[data-testid=bt-exit-stopLossPct]')).toBe('3');
  expect(await page.inputValue('[data-testid=bt-exit-trailingPct]')).toBe('2');
  await page.fill('[data-testid=bt-exit-stopLossPct]', '');
  await page.fill('[data-testid=bt-exit-trailingPct]', '');

  await page.selectOption('[data-testid=bt-strategy]', 'buy_and_hold');
  await page.fill('[data-testid=bt-label]', 'hold three coins');
  await page.click('[data-testid=bt-run]');
  await page.waitForSelector('[data-testid=backtest-result][data-status=completed] >> text=hold three coins', { timeout: 180_000 });
  await expect.poll(() => page.locator('[data-testid=bt-run-row][data-status=completed]').count(), { timeout: 30_000 }).toBe(2);
  const boxes = page.locator('[data-testid=bt-run-row] input[type=checkbox]');
  await boxes.nth(0).check();
  await boxes.nth(1).check();
  await page.click('[data-testid=bt-compare]');
  await page.waitForSelector('[data-testid=compare-table]', { timeout: 60_000 });
  const table = (await page.textContent('[data-testid=compare-table]')) ?? '';
  expect(table).toContain('sma three coins');
  expect(table).toContain('hold three coins');
  await c.shot('flow-backtest-compare');
}

/** An invalid run is refused with the field named and marked. */
export async function backtestInvalidScenario(c: CockpitDriver): Promise<void> {
  const { page } = c;
  await page.fill('[data-testid=bt-initialCash]', '-5');
  await page.click('[data-testid=bt-run]');
  await page.waitForSelector('[data-testid=error-alert]');
  expect(await page.textContent('[data-testid=error-alert]')).toContain('initialCash');
  expect(await page.getAttribute('[data-testid=bt-initialCash]', 'aria-invalid')).toBe('true');
  await c.shot('flow-backtest-invalid');
  await page.fill('[data-testid=bt-initialCash]', '10000');
  expect(await page.locator('[data-testid=error-alert]').count()).toBe(0);
  // A strategy parameter the strategy refuses is named by run_backtest and marked.
  await page.selectOption('[data-testid=bt-strategy]', 'sma_cross');
  await page.fill('[data-testid=bt-param-fast]', '30');
  await page.fill('[data-testid=bt-param-slow]', '10');
  await page.click('[data-testid=bt-run]');
  await page.waitForSelector('[data-testid=error-alert]');
  expect(await page.textContent('[data-testid=error-alert]')).toContain('fast must be shorter than slow');
  expect(await page.getAttribute('[data-testid=bt-param-fast]', 'aria-invalid')).toBe('true');
  // A fee that is not a percentage is refused in the form, before any run.
  await page.fill('[data-testid=bt-param-fast]', '');
  await page.fill('[data-testid=bt-param-slow]', '');
  await page.fill('[data-testid=bt-takerPct]', 'a lot');
  await page.click('[data-testid=bt-run]');
  expect(await page.textContent('[data-testid=error-alert]')).toContain('taker fee must be a percentage');
  expect(await page.getAttribute('[data-testid=bt-takerPct]', 'aria-invalid')).toBe('true');
  await page.fill('[data-testid=bt-takerPct]', '');
  expect(await page.locator('[data-testid=error-alert]').count()).toBe(0);
}

/** The production ledger seeded from the local brokerage: fraction edit, clean reconcile, drift, approval. */
export async function ledgerReconcileScenario(c: CockpitDriver, exchange: FakeCoinbaseBrokerage): Promise<void> {
  const { page } = c;
  await c.open('ledger');
  await expect.poll(() => page.textContent('[data-testid=wallets]'), { timeout: 20_000 }).toContain('5,000 USD');
  expect(await page.textContent('[data-testid=wallets]')).toContain('1 ETH');

  const fraction = page.locator('input[aria-label^="Tradeable fraction of"]').first();
  await fraction.fill('0.5');
  await fraction.locator('xpath=following-sibling::button').click();
  await expect.poll(() => page.textContent('[data-testid=wallets]'), { timeout: 15_000 }).toContain('(2,500)');

  await page.click('[data-testid=reconcile]');
  await expect.poll(() => page.textContent('[data-testid=page-ledger]'), { timeout: 60_000, interval: 500 }).toMatch(/Reconcile clean/);

  exchange.setBalance('ETH', '0.9');
  await page.click('[data-testid=reconcile]');
  await expect.poll(() => page.textContent('[data-testid=page-ledger]'), { timeout: 60_000, interval: 500 }).toMatch(/Reconcile drift/);
  await expect.poll(() => page.locator('[data-testid=approve-correction]').count(), { timeout: 15_000 }).toBeGreaterThan(0);
  await page.waitForSelector('[data-testid=drift-chart] canvas');
  await c.shot('flow-ledger-drift');

  const journalBefore = await page.locator('[data-testid=journal-row]').count();
  await page.locator('[data-testid=approve-correction]').first().click();
  await expect.poll(() => page.textContent('[data-testid=reconcile-history]'), { timeout: 30_000 }).toContain('approved');
  await expect.poll(() => page.textContent('[data-testid=wallets]'), { timeout: 15_000 }).toContain('0.9 ETH');
  // The correction is a balanced journal entry (two postings) on top of the opening balances.
  await expect.poll(() => page.locator('[data-testid=journal-row]').count(), { timeout: 15_000 }).toBe(journalBefore + 2);
  await c.shot('flow-ledger-approved');
  expect(fatalConsoleErrors(c.consoleErrors)).toEqual([]);
}

/** A study from the Research page: trials, scatter and heatmap, a sorted table, the best trial opened as a backtest. */
export async function researchScenario(c: CockpitDriver): Promise<void> {
  const { page } = c;
  await c.open('research');
  await page.waitForSelector('[data-testid=rs-form-optimize]');
  await page.fill('[data-testid=rs-from]', '2018-01-01');
  await page.fill('[data-testid=rs-to]', '2018-07-01');
  await page.fill('[data-testid=rs-trials]', '12');
  await page.click('button:has-text("random")');
  // A range outside the strategy's bounds is refused with the field named.
  await page.fill('[data-testid=rs-range-fast]', '0..30');
  await page.click('[data-testid=rs-start]');
  await page.waitForSelector('[data-testid=error-alert]');
  expect(await page.textContent('[data-testid=error-alert]')).toContain("space.fast: 0 is below fast's minimum 1");
  await page.fill('[data-testid=rs-range-fast]', '3..30');
  await page.fill('[data-testid=rs-range-slow]', '20..120');
  await page.fill('[data-testid=rs-label]', 'e2e study');
  await page.click('[data-testid=rs-start]');
  await page.waitForSelector('[data-testid=rs-run-row][data-status=completed]', { timeout: 120_000 });
  expect(await page.textContent('[data-testid=rs-run-row][data-status=completed]')).toContain('e2e study');
  await expect.poll(() => page.locator('[data-testid=rs-trial]').count(), { timeout: 15_000 }).toBe(12);
  expect(await page.locator('[data-testid=rs-scatter] circle').count()).toBeGreaterThan(0);
  expect(await page.locator('[data-testid=rs-heatmap] rect').count()).toBeGreaterThan(0);
  // Sorted by the objective, best first; a click on the column turns it around.
  const objective = async () => Number((await page.locator('[data-testid=rs-trial] td:nth-child(4)').first().textContent()) ?? 'NaN');
  const top = await objective();
  await page.click('[data-testid=rs-trials] th:has-text("objective")');
  expect(await objective()).toBeLessThanOrEqual(top);
  await c.shot('flow-research-study');
  const best = (await page.textContent('[data-testid=rs-open-best]'))!;
  const trial = /trial (\d+)/.exec(best)![1];
  await page.click('[data-testid=rs-open-best]');
  await page.waitForSelector('[data-testid=backtest-result][data-status=completed]', { timeout: 120_000 });
  expect(await page.textContent('[data-testid=backtest-result]')).toContain(`e2e study · trial ${trial}`);
  await c.shot('flow-research-best-backtest');
}
