/**
 * Alerts in the page, end to end: Settings → Alerts against a real local webhook receiver (an HTTP
 * server on 127.0.0.1 that checks every signature). The user sets the URL, generates the signing
 * secret (shown once), sends a test alert and sees it delivered; a paper fill then shows up as a
 * toast, and the kill switch thrown from the page reaches the webhook, signed with that secret.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySignature, EVENT_HEADER, SIGNATURE_HEADER } from '../core/alerts/webhook';
import { fatalConsoleErrors, startCockpit, type Cockpit } from './fixtures';

let c: Cockpit;
let server: http.Server;
let url = '';
const received: { body: string; signature: string | undefined; event: string }[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      received.push({ body: Buffer.concat(chunks).toString('utf8'), signature: req.headers[SIGNATURE_HEADER] as string | undefined, event: String(req.headers[EVENT_HEADER]) });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/vigil-hook`;
  c = await startCockpit();
  await c.page.goto(c.headless.url);
}, 240_000);

afterAll(async () => {
  await c?.stop();
  await new Promise<void>((r) => server.close(() => r()));
});

describe('alerts', () => {
  it('Settings → Alerts: a webhook with a generated secret, a test alert delivered and verifiable', async () => {
    const { page } = c;
    await c.open('settings');
    await page.waitForSelector('[data-testid=alerts-settings]');
    await expect.poll(() => page.textContent('[data-testid=alert-webhook-state]')).toMatch(/No webhook/);
    await page.fill('[data-testid=alert-webhook-url]', url);
    await page.click('[data-testid=alert-webhook-save]');
    await expect.poll(() => page.textContent('[data-testid=alert-webhook-state]')).toMatch(/no signing secret/);
    await page.click('[data-testid=alert-secret-generate]');
    const secret = (await page.locator('[data-testid=alert-secret-shown] code').textContent({ timeout: 10_000 }))!.trim();
    expect(secret).toMatch(/^whsec_[0-9a-f]{64}$/);
    await expect.poll(() => page.textContent('[data-testid=alert-webhook-state]')).toMatch(/Webhook on: http:\/\/127\.0\.0\.1:\d+\/vigil-hook, signed/);
    await page.click('[data-testid=alert-webhook-test]');
    await expect.poll(() => page.textContent('[data-testid=alert-test-result]'), { timeout: 15_000 }).toMatch(/Delivered: HTTP 200/);
    const test = received.find((r) => r.event === 'test')!;
    expect(verifySignature(secret, test.body, test.signature)).toBe(true);
    expect(verifySignature('not-the-secret', test.body, test.signature)).toBe(false);
    await expect.poll(() => page.textContent('[data-testid=alert-log]'), { timeout: 10_000 }).toMatch(/Test alert from Vigil\s*delivered/);
    await c.shot('alerts-settings');

    // A paper fill is a toast on the page (desktop route); the kill switch reaches the webhook.
    await c.call('get_portfolio_status', {});
    await c.feedPrice('BTC-USD', '60000');
    const placed = await c.call('place_mock_order', { symbol: 'BTC-USD', side: 'buy', type: 'market', notional: '25', idempotencyKey: 'e2e-alert-fill-01' });
    expect(placed).toMatchObject({ ok: true, result: { status: 'filled' } });
    await expect.poll(() => page.textContent('.toasts'), { timeout: 15_000 }).toMatch(/Bought 0\.\d+ BTC-USD/);
    await c.call('set_kill_switch', { on: true });
    await expect.poll(() => received.some((r) => r.event === 'kill_switch'), { timeout: 30_000 }).toBe(true);
    const kill = received.find((r) => r.event === 'kill_switch')!;
    expect(verifySignature(secret, kill.body, kill.signature)).toBe(true);
    expect(JSON.parse(kill.body)).toMatchObject({ kind: 'kill_switch', title: 'Kill switch engaged' });
    await expect.poll(() => page.textContent('.toasts'), { timeout: 15_000 }).toMatch(/Kill switch engaged/);
    await c.shot('alerts-toast');
    expect(fatalConsoleErrors(c.consoleErrors)).toEqual([]);
  });
});
