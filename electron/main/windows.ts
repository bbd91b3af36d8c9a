/**
 * The main window and the start-up screen: sandboxed, context-isolated, no Node in the page. Every
 * decision (preferences, what may load, navigation, new windows, permissions) is in ./security.
 */
import { BrowserWindow } from 'electron';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { assertLoadable, secureWebPreferences, type AppOrigin } from './security';

export interface Windows {
  main: BrowserWindow | null;
  splash: BrowserWindow | null;
  /** What the IPC sender check trusts. */
  indexFileUrl: string;
  devOrigin: string | null;
}

const SPLASH = (version: string) =>
  `data:text/html;charset=utf-8,${encodeURIComponent(`<!doctype html><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'"><body style="margin:0;background:#0b0e13;color:#d5dbe5;font:13px system-ui;display:grid;place-items:center;height:100vh"><div style="text-align:center"><div style="font-weight:700;letter-spacing:.2em;font-size:18px">VIGIL</div><div style="color:#8591a3;margin-top:6px">v${version}</div><div id="p" style="color:#5b6678;margin-top:18px;font:11px monospace;max-width:380px">Starting…</div></div></body>`)}`;

export function setupWindows(opts: { rendererDir: string; preload: string; devUrl: string | null; version: string }): Windows & { showMain(): BrowserWindow; progress(line: string): void; closeSplash(): void } {
  const indexFile = path.join(opts.rendererDir, 'index.html');
  const w: Windows = { main: null, splash: null, indexFileUrl: pathToFileURL(indexFile).href, devOrigin: opts.devUrl ? new URL(opts.devUrl).origin : null };

  const origin = (): AppOrigin => ({ indexFileUrl: w.indexFileUrl, devOrigin: w.devOrigin });
  // Navigation, window.open, <webview> and permission guards are installed on every webContents
  // and the session by index.ts (app 'web-contents-created'), before any window exists.

  w.splash = new BrowserWindow({ width: 420, height: 260, frame: false, resizable: false, show: true, backgroundColor: '#0b0e13', webPreferences: secureWebPreferences() });
  void w.splash.loadURL(assertLoadable(SPLASH(opts.version), origin()));

  return {
    ...w,
    get main() {
      return w.main;
    },
    get splash() {
      return w.splash;
    },
    progress(line) {
      w.splash?.webContents.executeJavaScript(`document.getElementById('p').textContent = ${JSON.stringify(line.slice(0, 200))}`).catch(() => {});
    },
    closeSplash() {
      w.splash?.close();
      w.splash = null;
    },
    showMain() {
      if (w.main && !w.main.isDestroyed()) {
        if (w.main.isMinimized()) w.main.restore();
        w.main.show();
        w.main.focus();
        return w.main;
      }
      const win = new BrowserWindow({
        width: 1440,
        height: 900,
        minWidth: 960,
        minHeight: 600,
        show: false,
        backgroundColor: '#0b0e13',
        title: 'Vigil',
        webPreferences: secureWebPreferences({ preload: opts.preload }),
      });
      win.once('ready-to-show', () => win.show());
      win.on('closed', () => (w.main = null));
      // The packaged page, or the dev server in development: never any other remote code.
      void win.loadURL(assertLoadable(opts.devUrl ?? w.indexFileUrl, origin()));
      w.main = win;
      return win;
    },
  };
}
