/** Electron main process: app lifecycle and the window (hardened webPreferences, CSP, navigation guards). */
import { app, BrowserWindow, ipcMain, session } from 'electron';
import path from 'node:path';
import { registerIpc } from './ipc';
import { Host } from '../host';
import { CONTENT_SECURITY_POLICY } from '../server/security';

let win: BrowserWindow | null = null;

function createWindow(): void {
  win = new BrowserWindow({
    width: 1280,
    height: 860,
    minWidth: 960,
    minHeight: 640,
    title: 'Accent Studio',
    webPreferences: {
      preload: path.join(__dirname, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
    },
  });
  win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  win.webContents.on('will-navigate', (e) => e.preventDefault());
  if (process.env.ELECTRON_RENDERER_URL) void win.loadURL(process.env.ELECTRON_RENDERER_URL);
  else void win.loadFile(path.join(__dirname, '../renderer/index.html'));
}

app.whenReady().then(() => {
  session.defaultSession.setPermissionRequestHandler((_wc, permission, cb) => cb(permission === 'media'));
  session.defaultSession.webRequest.onHeadersReceived((details, cb) =>
    cb({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } }),
  );
  // Base models ship in the app folder; runs are the user's data.
  const host = new Host({
    modelsDir: path.join(app.getAppPath(), 'models'),
    runsDir: path.join(app.getPath('userData'), 'runs'),
    projectsDir: path.join(app.getPath('userData'), 'projects'),
    // Built by electron-vite next to this file (see electron.vite.config.ts).
    worker: { file: path.join(__dirname, 'worker.js') },
  });
  registerIpc(ipcMain, host, () => win?.webContents ?? null);
  app.on('before-quit', () => void host.dispose());
  createWindow();
});

app.on('window-all-closed', () => app.quit());
