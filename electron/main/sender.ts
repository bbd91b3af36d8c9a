/**
 * Which renderer frames may use the IPC router: only the app's own top-level page, never an
 * iframe, a navigated-away page or a foreign origin. Plain logic (no Electron import) so it is
 * unit tested.
 */
export interface SenderInfo {
  /** URL of the frame that sent the message (event.senderFrame.url). */
  url: string | null | undefined;
  /** True when the sending frame is the top frame of its page. */
  isMainFrame: boolean;
  /** webContents id of the sender. */
  webContentsId: number;
}

export interface TrustPolicy {
  /** webContents ids of the app's windows. */
  windowIds: ReadonlySet<number>;
  /** The renderer's origin in development (http://localhost:5173) or null. */
  devOrigin: string | null;
  /** Absolute file:// URL of the packaged renderer's index.html. */
  indexFileUrl: string;
}

export function isTrustedSender(s: SenderInfo, p: TrustPolicy): boolean {
  if (!s.isMainFrame || !p.windowIds.has(s.webContentsId) || !s.url) return false;
  let u: URL;
  try {
    u = new URL(s.url);
  } catch {
    return false;
  }
  if (u.protocol === 'file:') {
    const expected = new URL(p.indexFileUrl);
    return u.pathname === expected.pathname;
  }
  if (p.devOrigin && (u.protocol === 'http:' || u.protocol === 'https:')) return u.origin === new URL(p.devOrigin).origin;
  return false;
}

/** Links the app may hand to the system browser: the allow-list lives with the other decisions. */
export { isExternalUrl } from './security';

/** Verb names look like `snake_case`; anything else is refused before dispatch. */
export function isVerbShaped(v: unknown): v is string {
  return typeof v === 'string' && /^[a-z][a-z0-9_]{0,63}$/.test(v);
}
