/**
 * The IPC router: one channel for calls, one for events. Every call is checked for its sender
 * (the app's own top-level page) and verb shape, then dispatched into the same handler map as
 * every other door in the runtime process (validation happens there).
 */
import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import type { RuntimeProcess } from '../../core/host/process/parent';
import type { ApiResult } from '../../core/api/result';
import { isTrustedSender, isVerbShaped, type TrustPolicy } from './sender';

export const CHANNEL_CALL = 'vigil:call';
export const CHANNEL_EVENT = 'vigil:event';

export function setupIpc(opts: { runtime: RuntimeProcess; policy: () => TrustPolicy; targets: () => WebContents[] }): () => void {
  ipcMain.handle(CHANNEL_CALL, async (e: IpcMainInvokeEvent, verb: unknown, input: unknown): Promise<ApiResult<unknown>> => {
    const frame = e.senderFrame;
    const trusted = isTrustedSender({ url: frame?.url, isMainFrame: !!frame && frame === e.sender.mainFrame, webContentsId: e.sender.id }, opts.policy());
    if (!trusted) return { ok: false, error: { code: 'rejected', message: 'IPC from an untrusted frame refused' } };
    if (!isVerbShaped(verb)) return { ok: false, error: { code: 'unknown_verb', message: 'verb must be a snake_case name' } };
    // The runtime process sets the door (ipc) itself: nothing the page sends can change it.
    return opts.runtime.call(verb, input);
  });

  const off = opts.runtime.bus.onAny((name, payload) => {
    for (const wc of opts.targets()) if (!wc.isDestroyed()) wc.send(CHANNEL_EVENT, name, payload);
  });
  return () => {
    ipcMain.removeHandler(CHANNEL_CALL);
    off();
  };
}
