/**
 * The IPC router: one channel for calls, one for events. Every call is checked for its sender
 * (the app's own top-level page) and verb shape, then dispatched into the same handler map as
 * every other door (validation happens there).
 */
import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import type { Host } from '../../core/host/host';
import type { ApiResult } from '../../core/api/result';
import { isTrustedSender, isVerbShaped, type TrustPolicy } from './sender';

export const CHANNEL_CALL = 'vigil:call';
export const CHANNEL_EVENT = 'vigil:event';

export function setupIpc(opts: { host: () => Host | null; policy: () => TrustPolicy; targets: () => WebContents[] }): () => void {
  ipcMain.handle(CHANNEL_CALL, async (e: IpcMainInvokeEvent, verb: unknown, input: unknown): Promise<ApiResult<unknown>> => {
    const frame = e.senderFrame;
    const trusted = isTrustedSender({ url: frame?.url, isMainFrame: !!frame && frame === e.sender.mainFrame, webContentsId: e.sender.id }, opts.policy());
    if (!trusted) return { ok: false, error: { code: 'rejected', message: 'IPC from an untrusted frame refused' } };
    if (!isVerbShaped(verb)) return { ok: false, error: { code: 'unknown_verb', message: 'verb must be a snake_case name' } };
    const host = opts.host();
    if (!host) return { ok: false, error: { code: 'unavailable', message: 'the runtime is still starting' } };
    return host.call(verb, input, { door: 'ipc' });
  });

  const host = opts.host();
  const off = host?.bus.onAny((name, payload) => {
    for (const wc of opts.targets()) if (!wc.isDestroyed()) wc.send(CHANNEL_EVENT, name, payload);
  });
  return () => {
    ipcMain.removeHandler(CHANNEL_CALL);
    off?.();
  };
}
