/**
 * The IPC table: one handler per contract operation. Validation (the contract's zod schemas), the
 * worker-thread jobs and the engine calls live in the host (electron/host), shared with the
 * browser-mode server, so both accept exactly the same requests.
 */
import type { IpcMain, WebContents } from 'electron';
import { channel, OPERATION_NAMES, PROGRESS_CHANNEL } from '../contract';
import type { Host } from '../host';

/** Register every handler. `sender` is the studio window's webContents: the only caller accepted, and the receiver of progress events. Returns the unregister function. */
export function registerIpc(ipc: IpcMain, host: Host, sender: () => WebContents | null): () => void {
  const unsubscribe = host.onProgress((e) => sender()?.send(PROGRESS_CHANNEL, e));
  for (const op of OPERATION_NAMES) {
    ipc.handle(channel(op), (e, payload: unknown) => {
      // Only the studio window may call the engine (not some other frame or webContents).
      if (e.sender !== sender()) throw new Error(`${op}: refused: the request does not come from the studio window`);
      return host.call(op, payload);
    });
  }
  return () => {
    unsubscribe();
    for (const op of OPERATION_NAMES) ipc.removeHandler(channel(op));
  };
}
