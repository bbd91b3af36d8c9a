import { describe, expect, it } from 'vitest';
import { isExternalUrl, isTrustedSender, isVerbShaped } from './sender';

const policy = { windowIds: new Set([1]), devOrigin: null, indexFileUrl: 'file:///opt/vigil/resources/app.asar/out/renderer/index.html' };

describe('IPC sender checks', () => {
  it('accepts the app page in its own window', () => {
    expect(isTrustedSender({ url: 'file:///opt/vigil/resources/app.asar/out/renderer/index.html#/market', isMainFrame: true, webContentsId: 1 }, policy)).toBe(true);
  });
  it('refuses a foreign sender: other origin, other file, iframe, unknown window', () => {
    expect(isTrustedSender({ url: 'https://evil.example/', isMainFrame: true, webContentsId: 1 }, policy)).toBe(false);
    expect(isTrustedSender({ url: 'file:///tmp/evil.html', isMainFrame: true, webContentsId: 1 }, policy)).toBe(false);
    expect(isTrustedSender({ url: 'file:///opt/vigil/resources/app.asar/out/renderer/index.html', isMainFrame: false, webContentsId: 1 }, policy)).toBe(false);
    expect(isTrustedSender({ url: 'file:///opt/vigil/resources/app.asar/out/renderer/index.html', isMainFrame: true, webContentsId: 7 }, policy)).toBe(false);
    expect(isTrustedSender({ url: null, isMainFrame: true, webContentsId: 1 }, policy)).toBe(false);
    expect(isTrustedSender({ url: 'http://localhost:5173/', isMainFrame: true, webContentsId: 1 }, policy)).toBe(false);
  });
  it('accepts the dev server origin only when one is configured', () => {
    const dev = { ...policy, devOrigin: 'http://localhost:5173' };
    expect(isTrustedSender({ url: 'http://localhost:5173/#/portfolio', isMainFrame: true, webContentsId: 1 }, dev)).toBe(true);
    expect(isTrustedSender({ url: 'http://localhost:5174/', isMainFrame: true, webContentsId: 1 }, dev)).toBe(false);
  });
  it('external links and verb names', () => {
    expect(isExternalUrl('https://docs.temporal.io')).toBe(true);
    expect(isExternalUrl('http://127.0.0.1:8233')).toBe(true);
    expect(isExternalUrl('http://example.com')).toBe(false);
    expect(isExternalUrl('file:///etc/passwd')).toBe(false);
    expect(isExternalUrl('javascript:alert(1)')).toBe(false);
    expect(isVerbShaped('get_portfolio_status')).toBe(true);
    expect(isVerbShaped('__proto__')).toBe(false);
    expect(isVerbShaped(42)).toBe(false);
  });
});
