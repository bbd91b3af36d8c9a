/** System notifications for `notify` events (fills, risk blocks, judge mode switches, drift). */
import { Notification } from 'electron';
import type { RuntimeProcess } from '../../core/host/process/parent';

export function setupNotifications(runtime: RuntimeProcess, onClick: () => void): () => void {
  if (!Notification.isSupported()) return () => {};
  return runtime.bus.on('notify', (n) => {
    const note = new Notification({ title: n.title, body: n.body, urgency: n.level === 'error' ? 'critical' : 'normal', silent: n.level === 'info' });
    note.on('click', onClick);
    note.show();
  });
}
