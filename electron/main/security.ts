/**
 * Every security decision of the desktop shell, as plain functions (only `import type` from
 * electron) so each one is unit tested without the binary:
 *
 *   webPreferences     one frozen set for every BrowserWindow: context isolation, sandbox, no Node
 *                      in the page, web security on, no <webview>, no experimental or Blink features
 *   load targets       a window loads only the packaged index.html, the start-up screen (data:
 *                      text/html) or, in development only, the dev server; never other remote code
 *   navigation         will-navigate / will-redirect / will-frame-navigate stay on the app's origin;
 *                      <webview> attachment is always refused
 *   window.open        always denied; allow-listed external links go to the system browser
 *   permissions        every request and check denied except a sanitized clipboard write from the app
 *   CSP                core/host/csp.ts (the same policy as renderer/index.html and the gateway header)
 */
import type { WebPreferences } from 'electron';

/** Where the app's own pages live. */
export interface AppOrigin {
  /** Absolute file:// URL of the packaged renderer's index.html. */
  indexFileUrl: string;
  /** The dev server origin (ELECTRON_RENDERER_URL) in development, else null. */
  devOrigin: string | null;
}

/** The webPreferences of every window. Spread it; never override a key of it. */
export const SECURE_WEB_PREFERENCES = Object.freeze({
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
  safeDialogs: true,
  spellcheck: false,
} as const satisfies WebPreferences);

const REQUIRED_ABSENT = ['enableBlinkFeatures', 'additionalArguments'] as const;

/** The preferences for a window, with an optional preload script (an absolute path). */
export function secureWebPreferences(opts: { preload?: string } = {}): WebPreferences {
  if (opts.preload !== undefined && !/^(\/|[A-Za-z]:[\\/])/.test(opts.preload)) throw new Error(`preload must be an absolute path, got ${JSON.stringify(opts.preload)}`);
  return { ...SECURE_WEB_PREFERENCES, ...(opts.preload !== undefined ? { preload: opts.preload } : {}) };
}

/** What is wrong with a set of webPreferences (empty when they are the secure ones). */
export function webPreferencesProblems(p: Readonly<Record<string, unknown>>): string[] {
  const problems: string[] = [];
  for (const [key, want] of Object.entries(SECURE_WEB_PREFERENCES)) {
    if (p[key] !== want) problems.push(`${key} must be ${String(want)}, is ${p[key] === undefined ? 'unset' : JSON.stringify(p[key])}`);
  }
  for (const key of REQUIRED_ABSENT) if (p[key] !== undefined) problems.push(`${key} must not be set`);
  return problems;
}

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** The app's own page: the packaged index.html (any fragment/query) or the dev server origin. */
export function isAppUrl(url: string, origin: AppOrigin): boolean {
  const u = parse(url);
  if (!u) return false;
  if (u.protocol === 'file:') {
    const own = parse(origin.indexFileUrl);
    return own !== null && own.protocol === 'file:' && u.host === own.host && u.pathname === own.pathname;
  }
  if (origin.devOrigin && (u.protocol === 'http:' || u.protocol === 'https:')) {
    const dev = parse(origin.devOrigin);
    return dev !== null && u.origin === dev.origin && u.username === '' && u.password === '';
  }
  return false;
}

/**
 * Hosts the app may hand to the system browser over https. The Temporal Web UI of the embedded
 * dev server is reached over http on loopback.
 */
export const EXTERNAL_HTTPS_HOSTS: ReadonlySet<string> = new Set([
  'docs.temporal.io',
  'github.com',
  'platform.openai.com',
  'portal.cdp.coinbase.com',
  'docs.cdp.coinbase.com',
  'cloud.langfuse.com',
  'langfuse.com',
]);

/** Links the app may open in the system browser: allow-listed https hosts and loopback http. */
export function isExternalUrl(url: string): boolean {
  const u = parse(url);
  if (!u || u.username !== '' || u.password !== '') return false;
  if (u.protocol === 'https:') return EXTERNAL_HTTPS_HOSTS.has(u.hostname);
  if (u.protocol === 'http:') return u.hostname === '127.0.0.1' || u.hostname === 'localhost';
  return false;
}

export type NavigationDecision = { allow: true } | { allow: false; openExternal: string | null; reason: string };

/** will-navigate / will-redirect / will-frame-navigate: only within the app's own page. */
export function navigationDecision(url: string, origin: AppOrigin): NavigationDecision {
  if (isAppUrl(url, origin)) return { allow: true };
  return { allow: false, openExternal: isExternalUrl(url) ? url : null, reason: `navigation to ${JSON.stringify(url.slice(0, 200))} is outside the app` };
}

/** window.open and target=_blank: never a new Electron window. */
export function windowOpenDecision(url: string): { action: 'deny'; openExternal: string | null } {
  return { action: 'deny', openExternal: isExternalUrl(url) ? url : null };
}

/** Permissions the cockpit page may get: none but writing (sanitized) text to the clipboard. */
export const ALLOWED_PERMISSIONS: ReadonlySet<string> = new Set(['clipboard-sanitized-write']);

/** A permission request or check from `requestingUrl` (the page or its origin). */
export function permissionDecision(permission: string, requestingUrl: string | null | undefined, origin: AppOrigin): boolean {
  if (!ALLOWED_PERMISSIONS.has(permission) || !requestingUrl) return false;
  if (isAppUrl(requestingUrl, origin)) return true;
  // Checks report an origin: file:// pages have the opaque origin "file://".
  const u = parse(requestingUrl);
  if (u?.protocol === 'file:' && parse(origin.indexFileUrl)?.protocol === 'file:') return requestingUrl.replace(/\/+$/, '') === 'file:';
  return origin.devOrigin !== null && u !== null && u.origin === parse(origin.devOrigin)?.origin;
}

/** The start-up screen: a data:text/html page that opens with its own CSP (default-src 'none') and has no script. */
export function isSplashUrl(url: string): boolean {
  if (!url.startsWith('data:text/html;charset=utf-8,')) return false;
  let html: string;
  try {
    html = decodeURIComponent(url.slice(url.indexOf(',') + 1));
  } catch {
    return false;
  }
  return /^<!doctype html><meta http-equiv="Content-Security-Policy" content="default-src 'none'[;"]/i.test(html) && !/<script|\son\w+\s*=/i.test(html);
}

/**
 * What a window may load (`loadURL`): the packaged index.html, the start-up screen, and in
 * development the dev server. Anything else — any other http(s) page, a file elsewhere, a
 * javascript: URL — throws: the app never runs remote code.
 */
export function assertLoadable(url: string, origin: AppOrigin): string {
  if (isSplashUrl(url) || isAppUrl(url, origin)) return url;
  throw new Error(`refusing to load ${JSON.stringify(url.slice(0, 120))}: a window loads only the app's own page`);
}

// --- wiring, over the few members of WebContents/Session it needs (so it is tested with fakes) ---

interface PreventableEvent {
  preventDefault(): void;
}
/** The part of Electron's WebContents the guards use. */
export interface GuardableContents {
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
  on(event: 'will-navigate' | 'will-redirect' | 'will-frame-navigate', listener: (event: PreventableEvent & { url?: string }, url?: string) => void): unknown;
  on(event: 'will-attach-webview', listener: (event: PreventableEvent) => void): unknown;
}
/** The part of Electron's Session the permission guards use. */
export interface GuardableSession {
  setPermissionRequestHandler(handler: (wc: unknown, permission: string, callback: (granted: boolean) => void, details: { requestingUrl?: string }) => void): void;
  setPermissionCheckHandler(handler: (wc: unknown, permission: string, requestingOrigin: string) => boolean): void;
}

/** Blocks navigation away from the app, new windows and <webview>s on one webContents. */
export function guardContents(wc: GuardableContents, origin: () => AppOrigin, openExternal: (url: string) => void): void {
  wc.setWindowOpenHandler(({ url }) => {
    const d = windowOpenDecision(url);
    if (d.openExternal) openExternal(d.openExternal);
    return { action: d.action };
  });
  const onNavigate = (e: PreventableEvent & { url?: string }, url?: string) => {
    const target = url ?? e.url ?? '';
    const d = navigationDecision(target, origin());
    if (d.allow) return;
    e.preventDefault();
    if (d.openExternal) openExternal(d.openExternal);
  };
  wc.on('will-navigate', onNavigate);
  wc.on('will-redirect', onNavigate);
  wc.on('will-frame-navigate', onNavigate);
  wc.on('will-attach-webview', (e) => e.preventDefault());
}

/** Denies every permission request and check except those in ALLOWED_PERMISSIONS from the app. */
export function guardSession(session: GuardableSession, origin: () => AppOrigin): void {
  session.setPermissionRequestHandler((_wc, permission, callback, details) => callback(permissionDecision(permission, details.requestingUrl, origin())));
  session.setPermissionCheckHandler((_wc, permission, requestingOrigin) => permissionDecision(permission, requestingOrigin, origin()));
}

/**
 * The dev server URL (ELECTRON_RENDERER_URL, set by electron-vite in development): ignored in a
 * packaged app, and refused unless it is http(s) on loopback.
 */
export function devServerUrl(raw: string | undefined, packaged: boolean): string | null {
  if (packaged || raw === undefined || raw.trim() === '') return null;
  const u = parse(raw.trim());
  if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:') || !['localhost', '127.0.0.1', '[::1]'].includes(u.hostname) || u.username || u.password) {
    throw new Error(`ELECTRON_RENDERER_URL must be an http(s) URL on localhost or 127.0.0.1, got ${JSON.stringify(raw.slice(0, 120))}`);
  }
  return u.href;
}
