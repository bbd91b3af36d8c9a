/**
 * Electron main process. Table of contents:
 *   0. security                   sandbox for every renderer; navigation, window-open, <webview> and
 *                                 permission guards on every webContents (./security)
 *   1. single instance            a second launch focuses the first window
 *   2. setupWindows               start-up screen, then the sandboxed cockpit window
 *   3. startRuntime               the core host (Temporal, workers, ledgers, agents, backtests) in a
 *                                 utility process, restarted after a crash (./runtime)
 *   4. setupIpc                   typed verbs and push events over IPC, sender-checked
 *   5. setupTray                  open, kill switch, quit
 *   6. setupNotifications         system notifications for `notify` events
 *   7. shutdown                   the runtime stops its host (and its Temporal server) in order
 */
import { app, dialog, Notification, safeStorage, session, shell } from 'electron';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { devServerUrl, guardContents, guardSession, type AppOrigin } from './security';
import { setupWindows } from './windows';
import { setupIpc } from './ipc';
import { setupTray } from './tray';
import { setupNotifications } from './notifications';
import { startRuntime } from './runtime';
import type { RuntimeProcess } from '../../core/host/process/parent';
import { createSecretStore } from '../../core/runtime/secret-store';
import { defaultDataDir } from '../../core/runtime/paths';

const here = path.dirname(fileURLToPath(import.meta.url));
const rendererDir = path.join(here, '../renderer');
const preload = path.join(here, '../preload/index.cjs');
// The dev server only in an unpackaged development run, and only on loopback.
const devUrl = devServerUrl(process.env.ELECTRON_RENDERER_URL, app.isPackaged);
const origin: AppOrigin = { indexFileUrl: pathToFileURL(path.join(rendererDir, 'index.html')).href, devOrigin: devUrl ? new URL(devUrl).origin : null };

app.enableSandbox();
app.on('web-contents-created', (_e, contents) => guardContents(contents, () => origin, (url) => void shell.openExternal(url)));

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  let runtime: RuntimeProcess | null = null;
  let quitting = false;

  app.whenReady().then(async () => {
    guardSession(session.defaultSession, () => origin);
    const windows = setupWindows({ rendererDir, preload, devUrl, version: app.getVersion() });
    app.on('second-instance', () => windows.showMain());
    app.on('activate', () => windows.showMain());

    const dataDir = process.env.VIGIL_DATA_DIR ?? defaultDataDir();
    const secrets = createSecretStore(dataDir, {
      available: () => safeStorage.isEncryptionAvailable(),
      encrypt: (t) => safeStorage.encryptString(t),
      decrypt: (b) => safeStorage.decryptString(b),
    });

    try {
      runtime = await startRuntime({ here, secrets, dataDir, onProgress: (l) => windows.progress(l) });
    } catch (err) {
      windows.closeSplash();
      dialog.showErrorBox('Vigil could not start', (err as Error).message);
      app.exit(1);
      return;
    }
    const rt = runtime;
    // A crash of the runtime process is said out loud: it restarts on its own, or stays down.
    rt.onState((state, detail) => {
      if ((state === 'restarting' || state === 'down') && Notification.isSupported()) new Notification({ title: state === 'down' ? 'Vigil runtime is down' : 'Vigil runtime restarting', body: detail, urgency: 'critical' }).show();
    });
    setupIpc({
      runtime: rt,
      policy: () => ({ windowIds: new Set(windows.main ? [windows.main.webContents.id] : []), devOrigin: windows.devOrigin, indexFileUrl: windows.indexFileUrl }),
      targets: () => (windows.main ? [windows.main.webContents] : []),
    });
    setupTray({ iconPath: path.join(process.resourcesPath ?? '', 'resources', 'icon.png'), runtime: rt, show: () => windows.showMain(), quit: () => app.quit() });
    setupNotifications(rt, () => windows.showMain());
    windows.showMain().once('ready-to-show', () => windows.closeSplash());
  }).catch(async (err: unknown) => {
    // Any other start-up step that throws (windows, session, secrets, IPC, tray): say so, stop the
    // runtime if it had started, exit.
    dialog.showErrorBox('Vigil could not start', err instanceof Error ? err.message : String(err));
    await runtime?.stop().catch(() => undefined);
    app.exit(1);
  });

  app.on('window-all-closed', () => {
    // The runtime keeps the agents going from the tray; quit explicitly to stop.
    if (process.platform !== 'darwin' && !runtime) app.quit();
  });

  app.on('before-quit', (e) => {
    if (quitting || !runtime) return;
    e.preventDefault();
    quitting = true;
    void runtime.stop().finally(() => app.exit(0));
  });
}
