/**
 * The Electron main process's security decisions (electron/main/policy.ts), checked without an
 * Electron binary: which page loads, which IPC senders and permission requests are accepted, and
 * the guards every webContents gets.
 */
import { describe, expect, it } from 'vitest';
import { EventEmitter } from 'node:events';
import {
  guardWebContents,
  isAllowedRendererUrl,
  isStudioUrl,
  isTrustedSender,
  permissionAllowed,
  permissionCheckAllowed,
  studioPage,
  type GuardedContents,
} from '../../electron/main/policy';

const INDEX = '/opt/Accent Studio/resources/app.asar/out/renderer/index.html';
const FILE_URL = 'file:///opt/Accent%20Studio/resources/app.asar/out/renderer/index.html';
const packaged = studioPage(INDEX, 'https://evil.example/', true);
const dev = studioPage(INDEX, 'http://localhost:5173/', false);

describe('main process policy', () => {
  it('honours ELECTRON_RENDERER_URL in development only, and only for this machine', () => {
    expect(packaged).toEqual({ kind: 'file', url: FILE_URL });
    // Packaged: even a local URL is ignored.
    expect(studioPage(INDEX, 'http://localhost:5173/', true)).toEqual({ kind: 'file', url: FILE_URL });
    expect(dev).toEqual({ kind: 'dev', url: 'http://localhost:5173/', origin: 'http://localhost:5173' });
    expect(studioPage(INDEX, undefined, false)).toEqual({ kind: 'file', url: FILE_URL });
    expect(isAllowedRendererUrl('http://127.0.0.1:5173', false)).toBe(true);
    expect(isAllowedRendererUrl('http://[::1]:5173/', false)).toBe(true);
    for (const bad of [
      'https://evil.example/',
      'file:///etc/passwd',
      'http://localhost.evil.example/',
      'http://user:pw@localhost:5173/',
      'javascript:alert(1)',
      'not a url',
      '',
    ]) {
      expect([bad, isAllowedRendererUrl(bad, false)]).toEqual([bad, false]);
    }
    expect(studioPage(INDEX, 'https://evil.example/', false)).toEqual({ kind: 'file', url: FILE_URL });
  });

  it('knows the studio page by its file (query and hash ignored) or by the dev server origin', () => {
    expect(isStudioUrl(FILE_URL, packaged)).toBe(true);
    expect(isStudioUrl(`${FILE_URL}?x=1#/adapt`, packaged)).toBe(true);
    expect(
      isStudioUrl('file:///opt/Accent%20Studio/resources/app.asar/out/renderer/other.html', packaged),
    ).toBe(false);
    expect(isStudioUrl('file:///tmp/index.html', packaged)).toBe(false);
    expect(isStudioUrl('http://localhost:5173/', packaged)).toBe(false);
    expect(isStudioUrl('http://localhost:5173/src/x', dev)).toBe(true);
    expect(isStudioUrl('http://localhost:5174/', dev)).toBe(false);
    expect(isStudioUrl(FILE_URL, dev)).toBe(false);
    expect(isStudioUrl(undefined, dev)).toBe(false);
  });

  it('accepts IPC only from the top frame of the studio page', () => {
    expect(isTrustedSender({ url: FILE_URL, isTopFrame: true }, packaged)).toBe(true);
    expect(isTrustedSender({ url: FILE_URL, isTopFrame: false }, packaged)).toBe(false); // an iframe, even of the same file
    expect(isTrustedSender({ url: 'https://evil.example/', isTopFrame: true }, packaged)).toBe(false); // navigated away
    expect(isTrustedSender({ url: 'about:blank', isTopFrame: true }, packaged)).toBe(false);
    expect(isTrustedSender(null, packaged)).toBe(false); // the frame is gone
    expect(isTrustedSender({ url: 'http://localhost:5173/', isTopFrame: true }, dev)).toBe(true);
  });

  it('grants media for audio capture only, to the studio top frame; no other permission', () => {
    const ok = { requestingUrl: FILE_URL, isMainFrame: true, mediaTypes: ['audio'] };
    expect(permissionAllowed('media', ok, packaged)).toBe(true);
    expect(permissionAllowed('media', { ...ok, mediaTypes: ['audio', 'video'] }, packaged)).toBe(false);
    expect(permissionAllowed('media', { ...ok, mediaTypes: ['video'] }, packaged)).toBe(false);
    expect(permissionAllowed('media', { ...ok, mediaTypes: [] }, packaged)).toBe(false);
    expect(permissionAllowed('media', { requestingUrl: FILE_URL, isMainFrame: true }, packaged)).toBe(false);
    expect(permissionAllowed('media', { ...ok, isMainFrame: false }, packaged)).toBe(false);
    expect(permissionAllowed('media', { ...ok, requestingUrl: 'https://evil.example/' }, packaged)).toBe(
      false,
    );
    for (const p of [
      'display-capture',
      'geolocation',
      'notifications',
      'openExternal',
      'clipboard-read',
      'fileSystem',
    ])
      expect([p, permissionAllowed(p, ok, packaged)]).toEqual([p, false]);

    const check = { requestingUrl: FILE_URL, isMainFrame: true, mediaType: 'audio' };
    expect(permissionCheckAllowed('media', check, packaged)).toBe(true);
    expect(permissionCheckAllowed('media', { ...check, mediaType: 'video' }, packaged)).toBe(false);
    expect(permissionCheckAllowed('media', { ...check, mediaType: 'unknown' }, packaged)).toBe(false);
    expect(
      permissionCheckAllowed('media', { ...check, requestingUrl: 'https://evil.example/' }, packaged),
    ).toBe(false);
    expect(permissionCheckAllowed('media', { ...check, isMainFrame: false }, packaged)).toBe(false);
    expect(permissionCheckAllowed('geolocation', check, packaged)).toBe(false);
  });

  it('guards a webContents: no webview, no window, no navigation', () => {
    const emitter = new EventEmitter();
    let openHandler: ((d: { url: string }) => unknown) | null = null;
    const contents = {
      on: (event: string, fn: (...a: unknown[]) => void) => emitter.on(event, fn),
      setWindowOpenHandler: (h: (d: { url: string }) => unknown) => {
        openHandler = h;
      },
    } as unknown as GuardedContents;
    guardWebContents(contents);
    for (const event of ['will-attach-webview', 'will-navigate', 'will-frame-navigate']) {
      let prevented = false;
      emitter.emit(event, { preventDefault: () => (prevented = true) }, 'https://evil.example/');
      expect([event, prevented]).toEqual([event, true]);
    }
    expect(openHandler!({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
  });
});
