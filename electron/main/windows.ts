/** The main window and the start-up screen: sandboxed, context-isolated, no Node in the page. */
import { BrowserWindow, shell } from 'electron';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { isExternalUrl } from './sender';

export interface Windows {
  main: BrowserWindow | null;
  splash: BrowserWindow | null;
  /** What the IPC sender check trusts. */
  indexFileUrl: string;
  devOrigin: string | null;
}

const SECURE = { contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, spellcheck: false } as const;

const SPLASH = (version: string) =>
  `data:text/html;charset=utf-8,${encodeURIComponent(`<!doctype html><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'"><body style="margin:0;background:#0b0e13;color:#d5dbe5;font:13px system-ui;display:grid;place-items:center;height:100vh"><div style="text-align:center"><div style="font-weight:700;letter-spacing:.2em;font-size:18px">VIGIL</div><div style="color:#8591a3;margin-top:6px">v${version}</div><div id="p" style="color:#5b6678;margin-top:18px;font:11px monospace;max-width:380px">Starting…</div></div></body>`)}`;

export function setupWindows(opts: { rendererDir: string; preload: string; devUrl: string | null; version: string }): Windows & { showMain(): BrowserWindow; progress(line: string): void; closeSplash(): void } {
  const indexFile = path.join(opts.rendererDir, 'index.html');
  const w: Windows = { main: null, splash: null, indexFileUrl: pathToFileURL(indexFile).href, devOrigin: opts.devUrl ? new URL(opts.devUrl).origin : null };

  w.splash = new BrowserWindow({ width: 420, height: 260, frame: false, resizable: false, show: true, backgroundColor: '#0b0e13', webPreferences: { ...SECURE } });
  void w.splash.loadURL(SPLASH(opts.version));

  const harden = (win: BrowserWindow) => {
    // Links open in the system browser; the app window never navigates away from the cockpit.
    win.webContents.setWindowOpenHandler(({ url }) => {
      if (isExternalUrl(url)) void shell.openExternal(url);
      return { action: 'deny' };
    });
    win.webContents.on('will-navigate', (e, url) => {
      const own = url.startsWith(w.indexFileUrl) || (w.devOrigin !== null && url.startsWith(w.devOrigin));
      if (!own) {
        e.preventDefault();
        if (isExternalUrl(url)) void shell.openExternal(url);
      }
    });
    win.webContents.session.setPermissionRequestHandler((_wc, permission, cb) => cb(permission === 'notifications'));
  };

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
        webPreferences: { ...SECURE, preload: opts.preload },
      });
      harden(win);
      win.once('ready-to-show', () => win.show());
      win.on('closed', () => (w.main = null));
      if (opts.devUrl) void win.loadURL(opts.devUrl);
      else void win.loadFile(indexFile);
      w.main = win;
      return win;
    },
  };
}
