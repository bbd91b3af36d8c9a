import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { defaultRoutes, mergeRoutes } from './kinds';
import { payloadOf, redactUrl, sign, verifySignature, webhookUrlProblem } from './webhook';

describe('webhook signature', () => {
  const body = payloadOf({ id: 'al_1', kind: 'fill', level: 'info', title: 'Bought', body: 'b', at: 1_700_000_000_000, data: { x: 1 } });
  const now = 1_700_000_100;

  it('is HMAC-SHA256 over "<t>.<body>" with the shared secret, as a receiver recomputes it', () => {
    const header = sign('s3cret', body, now);
    const independent = crypto.createHmac('sha256', 's3cret').update(`${now}.${body}`).digest('hex');
    expect(header).toBe(`t=${now},v1=${independent}`);
    expect(verifySignature('s3cret', body, header, now + 10)).toBe(true);
  });

  it('refuses a changed body, another secret, an old or future timestamp, and junk', () => {
    const header = sign('s3cret', body, now);
    expect(verifySignature('s3cret', `${body} `, header, now)).toBe(false);
    expect(verifySignature('other', body, header, now)).toBe(false);
    expect(verifySignature('s3cret', body, header, now + 301)).toBe(false);
    expect(verifySignature('s3cret', body, header, now - 301)).toBe(false);
    expect(verifySignature('s3cret', body, undefined, now)).toBe(false);
    expect(verifySignature('s3cret', body, 't=abc,v1=00', now)).toBe(false);
    expect(verifySignature('s3cret', body, `t=${now},v1=zz`, now)).toBe(false);
  });

  it('accepts https anywhere and http only to this machine; never credentials in the URL', () => {
    expect(webhookUrlProblem('https://hooks.example.com/vigil?token=abc')).toBeNull();
    expect(webhookUrlProblem('http://127.0.0.1:8787/hook')).toBeNull();
    expect(webhookUrlProblem('http://localhost/hook')).toBeNull();
    expect(webhookUrlProblem('http://hooks.example.com/vigil')).toMatch(/use https/);
    expect(webhookUrlProblem('https://user:pw@hooks.example.com/')).toMatch(/no credentials/);
    expect(webhookUrlProblem('ftp://x')).toMatch(/use https/);
    expect(webhookUrlProblem('not a url')).toBe('not a URL');
  });

  it('logs a URL without its query (it may carry a token)', () => {
    expect(redactUrl('https://hooks.example.com/vigil?token=abc')).toBe('https://hooks.example.com/vigil');
  });
});

describe('alert routes', () => {
  it('default to the desktop for everything and the webhook for everything but fills', () => {
    const r = defaultRoutes();
    expect(r.fill).toEqual({ desktop: true, webhook: false });
    expect(r.kill_switch).toEqual({ desktop: true, webhook: true });
  });

  it('keep what the user stored over the defaults and ignore what is not a kind or a route', () => {
    const r = mergeRoutes({ fill: { desktop: false, webhook: true }, nonsense: { desktop: true, webhook: true } });
    expect(r.fill).toEqual({ desktop: false, webhook: true });
    expect(r).not.toHaveProperty('nonsense');
    expect(mergeRoutes('garbage')).toEqual(defaultRoutes());
  });
});
