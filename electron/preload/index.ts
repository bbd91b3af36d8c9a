/**
 * The preload: exposes `window.vigil` (call a verb, subscribe to an event) through the context
 * bridge. No ipcRenderer, no Node API reaches the page.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { VigilPreloadApi } from './vigil';

const CHANNEL_CALL = 'vigil:call';
const CHANNEL_EVENT = 'vigil:event';

const listeners = new Map<string, Set<(payload: unknown) => void>>();
ipcRenderer.on(CHANNEL_EVENT, (_e: IpcRendererEvent, name: string, payload: unknown) => {
  const set = listeners.get(name);
  if (set) for (const cb of set) cb(payload);
});

const vigil = {
  call: (verb, input) => ipcRenderer.invoke(CHANNEL_CALL, String(verb), input),
  on(event, cb) {
    const name = String(event);
    let set = listeners.get(name);
    if (!set) listeners.set(name, (set = new Set()));
    const fn = cb as (payload: unknown) => void;
    set.add(fn);
    return () => void set.delete(fn);
  },
} satisfies VigilPreloadApi;

contextBridge.exposeInMainWorld('vigil', vigil);
