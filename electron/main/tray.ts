/** Tray: open the cockpit, the kill switch one click away, quit. */
import { Menu, Tray, nativeImage } from 'electron';
import type { RuntimeProcess } from '../../core/host/process/parent';

export function setupTray(opts: { iconPath: string | null; runtime: RuntimeProcess; show: () => void; quit: () => void }): Tray | null {
  const icon = opts.iconPath ? nativeImage.createFromPath(opts.iconPath) : nativeImage.createEmpty();
  let tray: Tray;
  try {
    tray = new Tray(icon);
  } catch {
    return null; // no system tray (some Linux desktops)
  }
  const kill = async (on: boolean) => {
    await opts.runtime.call('set_kill_switch', { on });
    rebuild();
  };
  const rebuild = () =>
    tray.setContextMenu(
      Menu.buildFromTemplate([
        { label: 'Open Vigil', click: opts.show },
        { type: 'separator' },
        { label: 'Kill switch: stop all new orders', click: () => void kill(true) },
        { label: 'Release kill switch', click: () => void kill(false) },
        { type: 'separator' },
        { label: 'Quit', click: opts.quit },
      ]),
    );
  tray.setToolTip('Vigil');
  tray.on('click', opts.show);
  rebuild();
  return tray;
}
