/**
 * The Electron main process's security decisions as plain functions (no electron import, only
 * types), so tests check them without an Electron binary. index.ts and ipc.ts apply them:
 *
 * - Which page the window loads (`studioPage`): the built renderer file, or in development only
 *   (not `app.isPackaged`) the dev server's `ELECTRON_RENDERER_URL`, and then only an http URL on
 *   this machine (localhost, 127.0.0.1, [::1]).
 * - Who may call the engine over IPC (`isTrustedSender`): the top frame of the studio's own page.
 * - Which permissions a page gets (`permissionAllowed`, `permissionCheckAllowed`): audio capture
 *   (`media` with audio only) for the studio's top frame; nothing else, for anyone.
 * - What every webContents may do (`guardWebContents`): attach no webview, open no window,
 *   navigate nowhere.
 */
import { pathToFileURL } from 'node:url';
import type { WebContents } from 'electron';

/** The page the studio window shows: the built renderer file or, in development, the dev server. */
export type StudioPage = { kind: 'file'; url: string } | { kind: 'dev'; url: string; origin: string };

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

const parse = (url: string | undefined | null): URL | null => {
  if (!url) return null;
  try {
    return new URL(url);
  } catch {
    return null;
  }
};

/**
 * Whether `url` may be loaded as the studio in place of the built renderer: only in development
 * (`isPackaged` false) and only an http(s) URL on this machine.
 */
export function isAllowedRendererUrl(url: string | undefined, isPackaged: boolean): boolean {
  if (isPackaged) return false;
  const u = parse(url);
  return (
    u !== null &&
    (u.protocol === 'http:' || u.protocol === 'https:') &&
    LOCAL_HOSTS.has(u.hostname) &&
    u.username === '' &&
    u.password === ''
  );
}

/**
 * The page to load.
 * @param indexFile absolute path of the built renderer's index.html
 * @param devUrl `process.env.ELECTRON_RENDERER_URL` (electron-vite's dev server), used only when
 *   isAllowedRendererUrl accepts it
 */
export function studioPage(indexFile: string, devUrl: string | undefined, isPackaged: boolean): StudioPage {
  if (devUrl !== undefined && isAllowedRendererUrl(devUrl, isPackaged)) {
    const u = new URL(devUrl);
    return { kind: 'dev', url: u.href, origin: u.origin };
  }
  return { kind: 'file', url: pathToFileURL(indexFile).href };
}

/**
 * Whether `url` is (a URL of) the studio's own page: the same index.html file (query and hash
 * ignored), or the dev server's origin.
 */
export function isStudioUrl(url: string | undefined | null, page: StudioPage): boolean {
  const u = parse(url);
  if (!u) return false;
  if (page.kind === 'dev') return u.origin === page.origin;
  const own = new URL(page.url);
  return u.protocol === 'file:' && u.host === own.host && u.pathname === own.pathname;
}

/** What ipc.ts knows of the frame that sent a message (`e.senderFrame`). */
export interface SenderFrame {
  url: string;
  /** `frame.parent === null`: the page's top frame, not an iframe in it. */
  isTopFrame: boolean;
}

/** Whether an IPC message comes from the top frame of the studio's own page (null frame: no). */
export function isTrustedSender(frame: SenderFrame | null, page: StudioPage): boolean {
  return frame !== null && frame.isTopFrame && isStudioUrl(frame.url, page);
}

/** The fields of Electron's permission request details used here. */
export interface PermissionRequestDetails {
  requestingUrl?: string;
  isMainFrame?: boolean;
  /** For `media`: the devices asked for. */
  mediaTypes?: string[];
}

/**
 * `session.setPermissionRequestHandler`: grant `media` for audio only (no camera, no screen), asked
 * by the studio's own page in its top frame; refuse every other permission.
 */
export function permissionAllowed(
  permission: string,
  details: PermissionRequestDetails,
  page: StudioPage,
): boolean {
  if (permission !== 'media') return false;
  const types = details.mediaTypes ?? [];
  return (
    details.isMainFrame === true &&
    isStudioUrl(details.requestingUrl, page) &&
    types.length > 0 &&
    types.every((t) => t === 'audio')
  );
}

/** The fields of Electron's permission check details used here. */
export interface PermissionCheckDetails {
  requestingUrl?: string;
  isMainFrame?: boolean;
  mediaType?: string;
}

/**
 * `session.setPermissionCheckHandler`: `media` of type audio for the studio's own page (top frame);
 * everything else is reported as not granted.
 */
export function permissionCheckAllowed(
  permission: string,
  details: PermissionCheckDetails,
  page: StudioPage,
): boolean {
  return (
    permission === 'media' &&
    details.mediaType === 'audio' &&
    details.isMainFrame === true &&
    isStudioUrl(details.requestingUrl, page)
  );
}

/** The parts of a webContents the guards use (a real WebContents, or a stand-in in tests). */
export type GuardedContents = Pick<WebContents, 'on' | 'setWindowOpenHandler'>;

/**
 * Guards for every webContents (`app.on('web-contents-created')`): no webviews
 * (`will-attach-webview` prevented), no new windows (window-open handler denies), no navigation
 * (`will-navigate` and `will-frame-navigate` prevented; loads started by the main process, like the
 * window's loadURL/loadFile, are not renderer navigations and are unaffected).
 */
export function guardWebContents(contents: GuardedContents): void {
  const prevent = (e: { preventDefault(): void }): void => e.preventDefault();
  contents.on('will-attach-webview', prevent);
  contents.on('will-navigate', prevent);
  contents.on('will-frame-navigate', prevent);
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}
