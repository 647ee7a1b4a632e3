/** Preload bridge: one function per contract operation (never a generic invoke), plus progress. */
import { contextBridge, ipcRenderer } from 'electron';
import { channel, PROGRESS_CHANNEL, type StudioApi } from '../contract';

const api: StudioApi = {
  evaluate: (req) => ipcRenderer.invoke(channel('evaluate'), req),
  adapt: (req) => ipcRenderer.invoke(channel('adapt'), req),
  backend: (req) => ipcRenderer.invoke(channel('backend'), req),
  onProgress: (fn) => {
    const listener = (_e: unknown, ev: Parameters<typeof fn>[0]): void => fn(ev);
    ipcRenderer.on(PROGRESS_CHANNEL, listener);
    return () => ipcRenderer.removeListener(PROGRESS_CHANNEL, listener);
  },
};

contextBridge.exposeInMainWorld('studio', api);
