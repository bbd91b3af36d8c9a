/**
 * The cockpit end to end: a real headless host (Temporal dev server, workers, ledger) serving the
 * built renderer, driven in Chromium. Screenshots of every page go to e2e/artifacts/.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startHeadless, type Headless } from '../core/host/headless';
import { WORKFLOW_IDS } from '../core/domain/ids';

const root = path.resolve(__dirname, '..');
const artifacts = path.join(root, 'e2e', 'artifacts');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-e2e-'));
let cockpit: Headless;
let browser: Browser;
let page: Page;
const consoleErrors: string[] = [];

async function shot(name: string): Promise<void> {
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(artifacts, `${name}.png`) });
}

async function open(id: string): Promise<void> {
  await page.click(`[data-testid=nav-${id}]`);
  await page.waitForSelector(`[data-testid=page-${id}]`);
}

/** Error and "not available" states shown on a page (each a failure here). */
async function problems(id: string): Promise<string[]> {
  const root = `[data-testid=page-${id}]`;
  return page.locator(`${root} [role=alert], ${root} [data-testid=unavailable]`).allInnerTexts();
}

/** Opens a page and waits until none of its panels is loading any more (a page that never settles fails); then its text. */
async function settled(id: string): Promise<string> {
  await open(id);
  await page.waitForSelector(`[data-testid=page-${id}] [aria-busy=true]`, { state: 'detached', timeout: 30_000 });
  expect(await problems(id)).toEqual([]);
  return page.innerText(`[data-testid=page-${id}]`);
}

async function feedPrice(close: string): Promise<void> {
  const now = Date.now() - (Date.now() % 60_000);
  await cockpit.host.client.workflow
    .getHandle(WORKFLOW_IDS.paperBook('default'))
    .signal('bars', [{ symbol: 'BTC-USD', timeframe: '1m', time: now, open: close, high: close, low: close, close, volume: '10' }]);
}

beforeAll(async () => {
  fs.mkdirSync(artifacts, { recursive: true });
  const b = spawnSync(process.execPath, [path.join(root, 'scripts/build.mjs'), '--quiet'], { cwd: root, stdio: 'inherit' });
  if (b.status !== 0) throw new Error('build failed');
  cockpit = await startHeadless({ dataDir, stderr: false, env: { VIGIL_AUTOSTART: 'false', MARKET_FEED: 'simulated' } });
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
});

afterAll(async () => {
  await browser?.close();
  await cockpit?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('cockpit in Chromium', () => {
  it('loads with the token taken from the URL and a green status bar', async () => {
    await page.goto(cockpit.url);
    await page.waitForSelector('[data-testid=statusbar]');
    expect(page.url()).not.toContain('token=');
    await page.waitForSelector('[data-testid=status-temporal][data-state=ready]', { timeout: 30_000 });
    await page.waitForSelector('[data-testid=led-host].ok');
    expect(await page.textContent('[data-testid=status-workers]')).toContain('1/1');
    expect(await page.textContent('[data-testid=mode-badge]')).toBe('PAPER');
  });

  it('Market: the designed empty state, then the streamed chart with live prices and features', async () => {
    await open('market');
    await page.waitForSelector('.chart-legend', { state: 'detached', timeout: 20_000 });
    // No stream yet: the designed empty states, not an error or "not available".
    expect(await problems('market')).toEqual([]);
    expect(await page.textContent('[data-testid=candles-state]')).toContain('No candles for BTC-USD yet');
    expect(await page.textContent('[data-testid=ticker]')).toContain('No ticks yet');
    await expect.poll(() => page.innerText('[data-testid=page-market]'), { timeout: 20_000 }).toContain('BTC-USD is not streamed');
    await shot('market-empty');

    await page.click('[data-testid=stream-start]');
    // The backfilled hour is on the chart (BACKFILL_MINUTES, 60 one-minute bars), then bars build live.
    const count = async () => Number((await page.textContent('[data-testid=bar-count]'))?.split(' ')[0] ?? '0');
    await expect.poll(count, { timeout: 60_000, interval: 500 }).toBeGreaterThanOrEqual(60);
    await page.waitForSelector('[data-testid=candles-state]', { state: 'detached', timeout: 10_000 });
    expect(await page.locator('[data-testid=page-market] [data-testid=candle-chart] canvas').count()).toBeGreaterThan(0);
    await expect.poll(() => page.textContent('[data-testid=ticker]'), { timeout: 30_000 }).toMatch(/BTC-USD\s*[\d,]+\.?\d*/);
    const firstPrice = await page.textContent('[data-testid=last-price]');
    expect(firstPrice).toMatch(/^[\d,]+(\.\d+)?$/);
    await expect.poll(() => page.textContent('[data-testid=last-price]'), { timeout: 30_000, interval: 500 }).not.toBe(firstPrice);
    // Features from the backfilled bars: numbers, not placeholders.
    const feature = (name: string) =>
      page
        .locator('[data-testid=page-market] tr')
        .filter({ has: page.locator('td.dim', { hasText: new RegExp(`^${name}$`) }) })
        .locator('td.num')
        .textContent();
    await expect.poll(() => feature('rsi_14'), { timeout: 30_000, interval: 500 }).toMatch(/^\d{1,3}\.\d{2}$/);
    expect(Number(await feature('rsi_14'))).toBeLessThanOrEqual(100);
    expect(await feature('sma_20')).toMatch(/^[\d,]+\.\d{2}$/);
    expect(await problems('market')).toEqual([]);
    await shot('market');
  });

  it('Portfolio: a paper order from the ticket fills and shows up; an invalid one shows the error', async () => {
    const warm = await cockpit.host.call('get_portfolio_status', {});
    expect(warm.ok).toBe(true);
    await feedPrice('60000');
    await open('portfolio');
    await page.waitForSelector('[data-testid=kpi-equity]');
    // No position yet: the empty state says what the execution agent is doing — not running here (VIGIL_AUTOSTART=false).
    await page.waitForSelector('[data-testid=positions] [data-testid=agent-now][data-state=off]', { timeout: 15_000 });
    expect(await page.textContent('[data-testid=positions] [data-testid=agent-now]')).toContain('The execution agent is not running');
    await page.fill('[data-testid=ticket-size]', '100');
    await page.click('[data-testid=ticket-submit]');
    await page.waitForSelector('[data-testid=order-result]', { timeout: 30_000 });
    expect(await page.textContent('[data-testid=order-result]')).toContain('Filled');
    await page.waitForSelector('[data-testid=fill-row]', { timeout: 15_000 });
    await expect.poll(() => page.textContent('[data-testid=positions]'), { timeout: 15_000 }).toContain('BTC-USD');
    await shot('portfolio');

    await page.fill('[data-testid=ticket-size]', '12abc');
    await page.click('[data-testid=ticket-submit]');
    await page.waitForSelector('[data-testid=error-alert]');
    expect(await page.textContent('[data-testid=error-alert]')).toMatch(/notional/i);
    expect(await page.getAttribute('[data-testid=ticket-size]', 'aria-invalid')).toBe('true');
    await shot('portfolio-invalid-order');
  });

  it('Settings: a lower max order notional takes effect on the next order', async () => {
    await open('settings');
    await page.waitForSelector('[data-testid=limit-maxOrderNotional]');
    await page.fill('[data-testid=limit-maxOrderNotional]', '50');
    await page.click('[data-testid=save-preferences]');
    await page.waitForSelector('[data-testid=saved]', { timeout: 15_000 });
    await shot('settings');

    await open('portfolio');
    await page.fill('[data-testid=ticket-size]', '100');
    await page.click('[data-testid=ticket-submit]');
    await page.waitForSelector('[data-testid=order-rejected]', { timeout: 30_000 });
    expect(await page.textContent('[data-testid=order-rejected]')).toContain('max_order_notional');
    await expect.poll(() => page.textContent('[data-testid=blocked]'), { timeout: 15_000 }).toContain('max_order_notional');
    await shot('portfolio-blocked');
  });

  it('Broker: a session ready for the command language, since no model is configured', async () => {
    const text = await settled('broker');
    expect(text).toContain('Your chat with the broker agent');
    expect(await page.textContent('[data-testid=command-hint]')).toMatch(/No model configured — the broker understands commands:.*status.*buy \$100 BTC-USD/);
    expect(await page.isEnabled('[data-testid=chat-input]')).toBe(true);
    await shot('broker');
  });

  it('Agents: built-in agents, the user’s orders in the decision timeline, no evaluations yet, the shipped prompts', async () => {
    const text = await settled('agents');
    expect(text.match(/no model configured/g)?.length).toBe(3);
    // The decision timeline follows the two orders of the Portfolio and Settings tests: the user's
    // order through the gate to its fill, then the one the lowered limit blocked.
    const filled = await page.locator('[data-testid=decision-chain][data-outcome=filled]').allInnerTexts();
    const blocked = await page.locator('[data-testid=decision-chain][data-outcome=blocked]').allInnerTexts();
    expect(filled).toHaveLength(1);
    expect(filled[0]).toMatch(/user[\s\S]*GATE risk limits passed[\s\S]*FILL buy [\d.]+ BTC-USD @ [\d,.]+ · fee [\d.]+/);
    expect(blocked).toHaveLength(1);
    expect(blocked[0]).toMatch(/user[\s\S]*GATE buy BTC-USD blocked by max_order_notional/);
    expect(text).toContain('No evaluations yet');
    expect(text).toContain('No model calls yet');
    for (const p of ['execution-conservative', 'execution-standard', 'execution-aggressive', 'judge', 'broker']) expect(text).toContain(p);
    expect(await page.textContent('[data-testid=prompt-diff]')).toContain("You are Vigil's execution agent");
    expect(await page.isEnabled('[data-testid=agent-evaluate]')).toBe(true);
    await shot('agents');
  });

  it('Backtest: the run form with the strategies, no runs yet, no result', async () => {
    const text = await settled('backtest');
    const strategies = await page.locator('[data-testid=backtest-form] select').first().locator('option').allTextContents();
    expect(strategies).toEqual(expect.arrayContaining(['sma_cross', 'buy_and_hold', 'rsi_reversion', 'breakout', 'policy', 'agent']));
    expect(await page.isEnabled('[data-testid=bt-run]')).toBe(true);
    expect(text).toContain('No backtests yet');
    expect(text).toContain('Pick or run a backtest');
    await shot('backtest');
  });

  it('Ledger: reconcile offered; no wallets (how to seed them), runs, entries or holds', async () => {
    const text = await settled('ledger');
    expect(text).toContain('No wallets');
    expect(text).toContain('vigil ledger seed-from-coinbase');
    expect(text).toContain('No reconcile runs yet');
    expect(text).toContain('No journal entries');
    expect(text).toContain('No reservations');
    expect(await page.isVisible('[data-testid=reconcile]')).toBe(true);
    await shot('ledger');
  });

  it('keyboard navigation, and no CSP refusal or uncaught error on any page', async () => {
    // Keyboard navigation: "1" back to Market, "g p" to Portfolio.
    await page.locator('body').click({ position: { x: 5, y: 880 } });
    await page.keyboard.press('1');
    await page.waitForSelector('[data-testid=page-market]');
    await page.keyboard.press('g');
    await page.keyboard.press('p');
    await page.waitForSelector('[data-testid=page-portfolio]');
    const bad = consoleErrors.filter((e) => /Content Security Policy|pageerror/i.test(e));
    expect(bad).toEqual([]);
  });
});

describe('broker chat without a model', () => {
  it('answers in the command language: the portfolio status with the real cash, and help for what it does not understand', async () => {
    await open('broker');
    await page.waitForSelector('[data-testid=command-hint]', { timeout: 20_000 });
    // One message, one new assistant reply, read once it has finished streaming (the streaming
    // bubble is an assistant message too, replaced by the reply when it is done).
    const replies = page.locator('.msg.assistant:not([data-testid=chat-streaming])');
    const say = async (text: string, done: RegExp) => {
      const before = await replies.count();
      await page.fill('[data-testid=chat-input]', text);
      await page.press('[data-testid=chat-input]', 'Enter');
      await expect.poll(() => replies.count(), { timeout: 60_000, interval: 500 }).toBe(before + 1);
      await page.waitForSelector('[data-testid=chat-streaming]', { state: 'detached', timeout: 60_000 });
      const reply = replies.nth(before);
      expect(await reply.innerText()).toMatch(done);
      return reply;
    };
    const status = await cockpit.host.call('get_portfolio_status', {});
    if (!status.ok) throw new Error(JSON.stringify(status.error));
    const portfolio = status.result as { valuation: { cash: string; positions: { symbol: string; quantity: string }[] } };
    expect(portfolio.valuation.cash).not.toBe('1000'); // the Portfolio test's fill moved it

    const reply = await say('status', /command language \(no model\)/);
    expect(await reply.innerText()).toContain('No language model is configured');
    expect(await reply.innerText()).toContain('Done: portfolio status.');
    // The answer carries the ledger's own figures, shown as a card over the raw result.
    const card = reply.locator('[data-testid=chat-data-card]');
    expect(await card.count(), await reply.innerText()).toBe(1);
    expect(await card.locator('summary').innerText()).toMatch(/valuation\.cash\s+\d/);
    const shown = JSON.parse((await card.locator('pre').textContent()) ?? 'null') as typeof portfolio;
    expect(shown.valuation.cash).toBe(portfolio.valuation.cash);
    expect(shown.valuation.positions.map((p) => [p.symbol, p.quantity])).toEqual(portfolio.valuation.positions.map((p) => [p.symbol, p.quantity]));

    const help = await (await say('frobnicate', /Risk limits apply to every order/)).innerText();
    expect(help).toContain('I did not understand "frobnicate"');
    expect(help).toMatch(/buy \$100 BTC-USD\s+- paper market order by notional/);
    await shot('broker-chat');
  });
});
