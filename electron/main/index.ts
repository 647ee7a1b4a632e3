/** Electron main process: app lifecycle and the window (hardened webPreferences, CSP, navigation guards). */
import { app, BrowserWindow, ipcMain, session } from 'electron';
import path from 'node:path';
import { registerIpc } from './ipc';
import { guardWebContents, permissionAllowed, permissionCheckAllowed, studioPage } from './policy';
import { Host } from '../host';
import { CONTENT_SECURITY_POLICY } from '../server/security';

let win: BrowserWindow | null = null;

// The studio's page: the built renderer; the dev server's URL only in development (policy.ts).
const page = studioPage(
  path.join(__dirname, '../renderer/index.html'),
  process.env.ELECTRON_RENDERER_URL,
  app.isPackaged,
);

// Every webContents (the window's and any other): no webviews, no new windows, no navigation.
app.on('web-contents-created', (_e, contents) => guardWebContents(contents));

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
      webviewTag: false,
    },
  });
  void win.loadURL(page.url);
}

app.whenReady().then(() => {
  // Microphone only (no camera, no screen, no other permission), for the studio's own page.
  session.defaultSession.setPermissionRequestHandler((_wc, permission, cb, details) =>
    cb(permissionAllowed(permission, details, page)),
  );
  session.defaultSession.setPermissionCheckHandler((_wc, permission, _origin, details) =>
    permissionCheckAllowed(permission, details, page),
  );
  session.defaultSession.webRequest.onHeadersReceived((details, cb) =>
    cb({
      responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] },
    }),
  );
  // Base models ship in the app folder; runs are the user's data.
  const host = new Host({
    modelsDir: path.join(app.getAppPath(), 'models'),
    runsDir: path.join(app.getPath('userData'), 'runs'),
    projectsDir: path.join(app.getPath('userData'), 'projects'),
    // Models made in the studio (vocabularies) and their word lists: the user's data, beside runs.
    userModelsDir: path.join(app.getPath('userData'), 'models'),
    vocabulariesDir: path.join(app.getPath('userData'), 'vocabularies'),
    // Built by electron-vite next to this file (see electron.vite.config.ts).
    worker: { file: path.join(__dirname, 'worker.js') },
  });
  registerIpc(ipcMain, host, () => win?.webContents ?? null, page);
  app.on('before-quit', () => void host.dispose());
  createWindow();
});

app.on('window-all-closed', () => app.quit());
