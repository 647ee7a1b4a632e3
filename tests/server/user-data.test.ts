/** `npm run serve` writes exports to the user's data folder, never the program's folder. */
import { describe, expect, it } from 'vitest';
import { userDataDir } from '../../electron/server/main';

describe('userDataDir', () => {
  it("follows each platform's convention for per-user application data", () => {
    expect(userDataDir({}, 'linux', '/home/ana')).toBe('/home/ana/.local/share/accent-studio');
    expect(userDataDir({ XDG_DATA_HOME: '/data/ana' }, 'linux', '/home/ana')).toBe('/data/ana/accent-studio');
    // A relative XDG_DATA_HOME is invalid by the XDG spec: ignored.
    expect(userDataDir({ XDG_DATA_HOME: 'rel' }, 'linux', '/home/ana')).toBe(
      '/home/ana/.local/share/accent-studio',
    );
    expect(userDataDir({}, 'darwin', '/Users/ana')).toBe(
      '/Users/ana/Library/Application Support/Accent Studio',
    );
    expect(userDataDir({ APPDATA: 'C:\\Users\\ana\\AppData\\Roaming' }, 'win32', 'C:\\Users\\ana')).toBe(
      'C:\\Users\\ana\\AppData\\Roaming\\Accent Studio',
    );
  });
});
