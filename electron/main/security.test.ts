/**
 * The desktop shell's security checklist, one test per decision, plus static checks over the
 * source of electron/ that every window uses the secure preferences, every load goes through the
 * loadable check, and every webContents and the session get the guards. (The window itself
 * needs the Electron binary; e2e/electron.e2e.ts covers it where the binary exists.)
 */
import fs from 'node:fs';
import path from 'node:path';
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { cspMeta, parseCsp } from '../../core/host/csp';
import {
  ALLOWED_PERMISSIONS,
  SECURE_WEB_PREFERENCES,
  assertLoadable,
  devServerUrl,
  guardContents,
  guardSession,
  isAppUrl,
  isExternalUrl,
  isSplashUrl,
  navigationDecision,
  permissionDecision,
  secureWebPreferences,
  webPreferencesProblems,
  windowOpenDecision,
  type AppOrigin,
  type GuardableContents,
  type GuardableSession,
} from './security';

const root = path.resolve(__dirname, '../..');
const INDEX = 'file:///opt/vigil/resources/app.asar/out/renderer/index.html';
const packaged: AppOrigin = { indexFileUrl: INDEX, devOrigin: null };
const dev: AppOrigin = { indexFileUrl: INDEX, devOrigin: 'http://localhost:5173' };
const SPLASH = `data:text/html;charset=utf-8,${encodeURIComponent(`<!doctype html><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'"><body>VIGIL</body>`)}`;

describe('webPreferences', () => {
  it('are context-isolated, sandboxed, without Node, webview or experimental features', () => {
    const p = secureWebPreferences({ preload: '/opt/vigil/out/preload/index.cjs' });
    expect(p).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      preload: '/opt/vigil/out/preload/index.cjs',
    });
    expect(p.enableBlinkFeatures).toBeUndefined();
    expect(webPreferencesProblems(p as Record<string, unknown>)).toEqual([]);
    expect(Object.isFrozen(SECURE_WEB_PREFERENCES)).toBe(true);
  });
  it('names every insecure or missing preference', () => {
    const problems = webPreferencesProblems({ ...SECURE_WEB_PREFERENCES, contextIsolation: false, sandbox: undefined, nodeIntegration: true, webviewTag: true, enableBlinkFeatures: 'CSSPseudoHas' });
    expect(problems).toEqual(
      expect.arrayContaining([
        'contextIsolation must be true, is false',
        'sandbox must be true, is unset',
        'nodeIntegration must be false, is true',
        'webviewTag must be false, is true',
        'enableBlinkFeatures must not be set',
      ]),
    );
  });
  it('refuses a relative preload path', () => {
    expect(() => secureWebPreferences({ preload: 'preload.js' })).toThrow(/absolute path/);
  });
});

describe('no remote code: what a window may load', () => {
  it('the packaged index.html and the start-up screen', () => {
    expect(assertLoadable(INDEX, packaged)).toBe(INDEX);
    expect(assertLoadable(`${INDEX}#/market`, packaged)).toBe(`${INDEX}#/market`);
    expect(isSplashUrl(SPLASH)).toBe(true);
    expect(assertLoadable(SPLASH, packaged)).toBe(SPLASH);
  });
  it('the dev server only in development', () => {
    expect(assertLoadable('http://localhost:5173/', dev)).toBe('http://localhost:5173/');
    expect(() => assertLoadable('http://localhost:5173/', packaged)).toThrow(/only the app's own page/);
  });
  it('never another page, file, data page without the CSP, or script URL', () => {
    const scripted = `data:text/html;charset=utf-8,${encodeURIComponent(`<!doctype html><meta http-equiv="Content-Security-Policy" content="default-src 'none'"><script>alert(1)</script>`)}`;
    const lateCsp = `data:text/html;charset=utf-8,${encodeURIComponent(`<!doctype html><img src=x onerror=alert(1)><meta http-equiv="Content-Security-Policy" content="default-src 'none'">`)}`;
    for (const url of [scripted, lateCsp, 'data:text/html;charset=utf-8,%E0%A4%A']) expect(isSplashUrl(url), url).toBe(false);
    for (const url of ['https://evil.example/', 'http://127.0.0.1:8233/', 'file:///tmp/evil.html', 'file://evil-host/opt/vigil/resources/app.asar/out/renderer/index.html', 'javascript:alert(1)', 'data:text/html,<script>alert(1)</script>', 'http://localhost:5174/', 'http://user:pw@localhost:5173/', 'not a url']) {
      expect(() => assertLoadable(url, dev), url).toThrow(/refusing to load/);
    }
  });
  it('takes the dev server only unpackaged and on loopback', () => {
    expect(devServerUrl('http://localhost:5173', false)).toBe('http://localhost:5173/');
    expect(devServerUrl('http://localhost:5173', true)).toBeNull();
    expect(devServerUrl(undefined, false)).toBeNull();
    expect(() => devServerUrl('https://evil.example/', false)).toThrow(/ELECTRON_RENDERER_URL must be/);
    expect(() => devServerUrl('file:///tmp/x.html', false)).toThrow(/ELECTRON_RENDERER_URL must be/);
  });
});

describe('navigation', () => {
  it('stays on the app page (hash routes allowed)', () => {
    expect(navigationDecision(`${INDEX}#/ledger`, packaged)).toEqual({ allow: true });
    expect(isAppUrl(`${INDEX}?x=1`, packaged)).toBe(true);
    expect(navigationDecision('http://localhost:5173/#/agents', dev)).toEqual({ allow: true });
  });
  it('blocks everything else; allow-listed links go to the system browser instead', () => {
    const away = navigationDecision('https://docs.temporal.io/workflows', packaged);
    expect(away).toMatchObject({ allow: false, openExternal: 'https://docs.temporal.io/workflows' });
    for (const url of ['https://evil.example/phish', 'file:///etc/passwd', 'javascript:fetch(1)', 'http://example.com/', 'data:text/html,x']) {
      expect(navigationDecision(url, packaged), url).toMatchObject({ allow: false, openExternal: null });
    }
  });
});

describe('window.open', () => {
  it('is always denied; only allow-listed links are handed to the system browser', () => {
    expect(windowOpenDecision('https://github.com/temporalio/cli')).toEqual({ action: 'deny', openExternal: 'https://github.com/temporalio/cli' });
    expect(windowOpenDecision('http://127.0.0.1:8233/namespaces/default')).toEqual({ action: 'deny', openExternal: 'http://127.0.0.1:8233/namespaces/default' });
    for (const url of ['https://evil.example/', 'https://github.com.evil.example/', 'https://user:pw@github.com/', 'http://example.com/', 'file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share', INDEX]) {
      expect(windowOpenDecision(url), url).toEqual({ action: 'deny', openExternal: null });
    }
    expect(isExternalUrl('https://docs.temporal.io')).toBe(true);
  });
});

describe('permissions', () => {
  it('denies every permission but a sanitized clipboard write from the app', () => {
    expect([...ALLOWED_PERMISSIONS]).toEqual(['clipboard-sanitized-write']);
    expect(permissionDecision('clipboard-sanitized-write', INDEX, packaged)).toBe(true);
    expect(permissionDecision('clipboard-sanitized-write', 'file:///', packaged)).toBe(true);
    expect(permissionDecision('clipboard-sanitized-write', 'http://localhost:5173', dev)).toBe(true);
    for (const p of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'fileSystem', 'hid', 'serial', 'usb', 'midiSysex', 'pointerLock', 'fullscreen']) {
      expect(permissionDecision(p, INDEX, packaged), p).toBe(false);
    }
    expect(permissionDecision('clipboard-sanitized-write', 'https://evil.example', packaged)).toBe(false);
    expect(permissionDecision('clipboard-sanitized-write', 'http://localhost:5173', packaged)).toBe(false);
    expect(permissionDecision('clipboard-sanitized-write', null, packaged)).toBe(false);
  });
});

/** A webContents stand-in: an EventEmitter with the window-open handler slot. */
class FakeContents extends EventEmitter implements GuardableContents {
  openHandler: ((d: { url: string }) => { action: 'deny' }) | null = null;
  setWindowOpenHandler(h: (d: { url: string }) => { action: 'deny' }): void {
    this.openHandler = h;
  }
}
function preventable(): { prevented: boolean; preventDefault(): void } {
  return {
    prevented: false,
    preventDefault() {
      this.prevented = true;
    },
  };
}

describe('guards wired onto a webContents and the session', () => {
  it('blocks navigation, redirects, frame navigation and webviews; opens allow-listed links outside', () => {
    const wc = new FakeContents();
    const opened: string[] = [];
    guardContents(wc, () => packaged, (u) => opened.push(u));
    for (const ev of ['will-navigate', 'will-redirect']) {
      const own = preventable();
      wc.emit(ev, own, `${INDEX}#/portfolio`);
      expect(own.prevented, ev).toBe(false);
      const evil = preventable();
      wc.emit(ev, evil, 'https://evil.example/');
      expect(evil.prevented, ev).toBe(true);
    }
    // will-frame-navigate carries the URL on the event.
    const frame = { ...preventable(), url: 'https://evil.example/frame' };
    wc.emit('will-frame-navigate', frame);
    expect(frame.prevented).toBe(true);
    const docs = preventable();
    wc.emit('will-navigate', docs, 'https://docs.temporal.io/');
    expect(docs.prevented).toBe(true);
    const webview = preventable();
    wc.emit('will-attach-webview', webview);
    expect(webview.prevented).toBe(true);
    expect(wc.openHandler?.({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    expect(wc.openHandler?.({ url: 'https://github.com/' })).toEqual({ action: 'deny' });
    expect(opened).toEqual(['https://docs.temporal.io/', 'https://github.com/']);
  });
  it('answers permission requests and checks through the decision', () => {
    let request: Parameters<GuardableSession['setPermissionRequestHandler']>[0] | null = null;
    let check: Parameters<GuardableSession['setPermissionCheckHandler']>[0] | null = null;
    guardSession({ setPermissionRequestHandler: (h) => (request = h), setPermissionCheckHandler: (h) => (check = h) }, () => packaged);
    const answers: boolean[] = [];
    request!(null, 'media', (g) => answers.push(g), { requestingUrl: INDEX });
    request!(null, 'clipboard-sanitized-write', (g) => answers.push(g), { requestingUrl: INDEX });
    request!(null, 'clipboard-sanitized-write', (g) => answers.push(g), { requestingUrl: 'https://evil.example/' });
    expect(answers).toEqual([false, true, false]);
    expect(check!(null, 'geolocation', 'file:///')).toBe(false);
    expect(check!(null, 'clipboard-sanitized-write', 'file:///')).toBe(true);
  });
});

describe('CSP: one policy for the Electron page and the gateway', () => {
  it('renderer/index.html carries exactly the shared policy', () => {
    const html = fs.readFileSync(path.join(root, 'renderer/index.html'), 'utf8');
    const metas = [...html.matchAll(/<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]*)"/gi)].map((m) => m[1]);
    expect(metas).toEqual([cspMeta()]);
    const d = parseCsp(cspMeta());
    expect(d.get('script-src')).toEqual(["'self'"]);
    expect(d.get('object-src')).toEqual(["'none'"]);
    expect(d.get('frame-src')).toEqual(["'none'"]);
    expect(d.get('base-uri')).toEqual(["'none'"]);
    // No inline script or eval anywhere in the policy; frame-ancestors only works as a header.
    expect([...d.values()].flat()).not.toContain("'unsafe-eval'");
    expect(d.get('script-src')).not.toContain("'unsafe-inline'");
    expect(d.has('frame-ancestors')).toBe(false);
    // The page itself has no inline script.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
  });
});

/** Every .ts under electron/ except tests, comments removed: the static checks read them as text. */
function sources(): { file: string; text: string }[] {
  const out: { file: string; text: string }[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('.d.ts')) out.push({ file: path.relative(root, p), text: stripComments(fs.readFileSync(p, 'utf8')) });
    }
  };
  walk(path.join(root, 'electron'));
  return out;
}
function stripComments(ts: string): string {
  return ts.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|\s)\/\/.*$/gm, '$1');
}
/** The text of a call's argument list starting at `open` (the index of its '('). */
function argsAt(text: string, open: number): string {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '(' || text[i] === '{' || text[i] === '[') depth++;
    else if (text[i] === ')' || text[i] === '}' || text[i] === ']') {
      depth--;
      if (depth === 0) return text.slice(open + 1, i);
    }
  }
  throw new Error('unbalanced call');
}

describe('static checks over electron/', () => {
  const src = sources();
  const all = (re: RegExp) => src.flatMap(({ file, text }) => [...text.matchAll(re)].map((m) => ({ file, text, index: m.index })));

  it('finds the shell', () => {
    expect(src.map((s) => s.file)).toEqual(expect.arrayContaining(['electron/main/index.ts', 'electron/main/windows.ts', 'electron/preload/index.ts']));
  });
  it('every new BrowserWindow takes its webPreferences from secureWebPreferences() and overrides none', () => {
    const windows = all(/new BrowserWindow\(/g);
    expect(windows.length).toBeGreaterThanOrEqual(2);
    for (const w of windows) {
      const args = argsAt(w.text, w.index! + 'new BrowserWindow'.length);
      const prefs = /webPreferences:\s*(secureWebPreferences\([^)]*\))\s*[,}\n]/.exec(args);
      expect(prefs, `${w.file}: ${args.slice(0, 120)}`).not.toBeNull();
      expect(args).not.toMatch(/\.\.\.SECURE|webPreferences:\s*\{/);
    }
    for (const { file, text } of src) {
      if (file === 'electron/main/security.ts') continue;
      expect(text, file).not.toMatch(/(contextIsolation|sandbox|webSecurity)\s*:\s*false|(nodeIntegration\w*|webviewTag|experimentalFeatures|allowRunningInsecureContent)\s*:\s*true|enableBlinkFeatures|enableRemoteModule/);
    }
  });
  it("the start-up screen in windows.ts is a loadable splash (its own CSP, no script)", () => {
    const windows = src.find((s) => s.file === 'electron/main/windows.ts')!.text;
    const html = /encodeURIComponent\(`([\s\S]*?)`\)/.exec(windows)?.[1];
    expect(html).toBeDefined();
    const url = `data:text/html;charset=utf-8,${encodeURIComponent(html!.replace('${version}', '1.2.3'))}`;
    expect(isSplashUrl(url)).toBe(true);
    expect(assertLoadable(url, packaged)).toBe(url);
  });
  it('every loadURL goes through assertLoadable; nothing uses loadFile or a BrowserView', () => {
    const loads = all(/\.loadURL\(/g);
    expect(loads.length).toBeGreaterThanOrEqual(2);
    for (const l of loads) expect(argsAt(l.text, l.index! + '.loadURL'.length), l.file).toMatch(/^assertLoadable\(/);
    expect(all(/\.loadFile\(|BrowserView|WebContentsView|<webview/g)).toEqual([]);
  });
  it('every webContents and the session get the guards; the sandbox is on for all renderers', () => {
    const index = src.find((s) => s.file === 'electron/main/index.ts')!.text;
    expect(index).toMatch(/app\.enableSandbox\(\)/);
    expect(index).toMatch(/app\.on\('web-contents-created',\s*\(_e, contents\)\s*=>\s*guardContents\(contents,/);
    expect(index).toMatch(/guardSession\(session\.defaultSession,/);
    // Guards are registered before any window exists: at module level, ahead of whenReady().
    expect(index.indexOf("app.on('web-contents-created'")).toBeLessThan(index.indexOf('app.whenReady()'));
    expect(index.indexOf('app.enableSandbox()')).toBeLessThan(index.indexOf('app.whenReady()'));
    // Only the guards hand URLs to the OS.
    for (const o of all(/shell\.openExternal\(/g)) expect(o.file).toBe('electron/main/index.ts');
    expect(all(/setWindowOpenHandler|setPermissionRequestHandler|setPermissionCheckHandler/g).every((m) => m.file === 'electron/main/security.ts')).toBe(true);
  });
  it('the preload exposes only window.vigil through the context bridge, never ipcRenderer itself', () => {
    const preload = src.find((s) => s.file === 'electron/preload/index.ts')!.text;
    const exposed = [...preload.matchAll(/contextBridge\.exposeInMainWorld\('(\w+)',\s*(\w+)\)/g)].map((m) => [m[1], m[2]]);
    expect(exposed).toEqual([['vigil', 'vigil']]);
    const api = /const vigil = \{([\s\S]*?)\} satisfies VigilPreloadApi/.exec(preload)?.[1] ?? '';
    expect(api).not.toBe('');
    expect(api).not.toMatch(/ipcRenderer\s*[,}]|ipcRenderer\.(send|on|sendSync)\b|require\(|process\./);
    expect(preload).not.toMatch(/window\.(require|process|ipcRenderer)\s*=/);
  });
  it('IPC calls are sender-checked before dispatch', () => {
    const ipc = src.find((s) => s.file === 'electron/main/ipc.ts')!.text;
    const handler = ipc.slice(ipc.indexOf('ipcMain.handle('));
    expect(handler.indexOf('isTrustedSender(')).toBeGreaterThan(-1);
    // Dispatch is the call into the runtime process (electron/main/runtime.ts).
    expect(handler.indexOf('runtime.call(')).toBeGreaterThan(-1);
    expect(handler.indexOf('isTrustedSender(')).toBeLessThan(handler.indexOf('runtime.call('));
    expect(all(/ipcMain\.(on|handle)\(/g).length).toBe(1);
  });
});
