/**
 * The IPC table: one handler per contract operation. Validation (the contract's zod schemas), the
 * worker-thread jobs and the engine calls live in the host (electron/host), shared with the
 * browser-mode server, so both accept exactly the same requests. The one exception is `chooseFile`:
 * native open dialogs exist only here (the host, in browser mode, answers `{available: false}`).
 */
import { BrowserWindow, dialog, type IpcMain, type OpenDialogOptions, type WebContents } from 'electron';
import {
  channel,
  OPERATION_NAMES,
  PROGRESS_CHANNEL,
  type ChooseFileRequest,
  type ChooseFileResponse,
} from '../contract';
import { parseRequest } from '../contract/schemas';
import type { Host } from '../host';
import { isTrustedSender, type StudioPage } from './policy';

/** A native open dialog for a manifest file or a folder, over the studio window. */
async function chooseFile(req: ChooseFileRequest, owner: WebContents): Promise<ChooseFileResponse> {
  const options: OpenDialogOptions =
    req.purpose === 'manifest'
      ? {
          title: req.title,
          properties: ['openFile'],
          filters: [
            { name: 'Manifests', extensions: ['jsonl', 'json', 'tsv', 'csv'] },
            { name: 'All files', extensions: ['*'] },
          ],
        }
      : { title: req.title, properties: ['openDirectory'] };
  const win = BrowserWindow.fromWebContents(owner);
  const r = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
  return { available: true, path: r.canceled || r.filePaths.length === 0 ? null : r.filePaths[0] };
}

/**
 * Register every handler. `sender` is the studio window's webContents: the receiver of progress
 * events, and the only caller accepted, from the top frame of the studio's own `page` only (not an
 * iframe, not a page it was navigated to). Returns the unregister function.
 */
export function registerIpc(
  ipc: IpcMain,
  host: Host,
  sender: () => WebContents | null,
  page: StudioPage,
): () => void {
  const unsubscribe = host.onProgress((e) => sender()?.send(PROGRESS_CHANNEL, e));
  for (const op of OPERATION_NAMES) {
    ipc.handle(channel(op), (e, payload: unknown) => {
      // Only the studio window may call the engine (not some other frame or webContents).
      if (e.sender !== sender())
        throw new Error(`${op}: refused: the request does not come from the studio window`);
      const frame = e.senderFrame;
      if (!isTrustedSender(frame ? { url: frame.url, isTopFrame: frame.parent === null } : null, page)) {
        throw new Error(`${op}: refused: the request does not come from the studio's own page`);
      }
      if (op === 'chooseFile') return chooseFile(parseRequest('chooseFile', payload), e.sender);
      return host.call(op, payload);
    });
  }
  return () => {
    unsubscribe();
    for (const op of OPERATION_NAMES) ipc.removeHandler(channel(op));
  };
}
