/**
 * `npm start`: run the desktop app when the Electron binary is installed, else browser mode.
 * The Electron binary is downloaded by electron's install script; it is missing when that download
 * failed (offline machines) or install scripts were skipped. Checked without loading electron.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, serve } from './main';

/** Path of the Electron executable, or null with the reason it is missing. */
export function findElectron(root = REPO_ROOT): { path: string | null; reason: string } {
  const pkg = path.join(root, 'node_modules', 'electron');
  const pathTxt = path.join(pkg, 'path.txt');
  if (!existsSync(pathTxt))
    return { path: null, reason: `${pathTxt} is missing (the Electron binary was never downloaded)` };
  const exe = path.join(pkg, 'dist', readFileSync(pathTxt, 'utf8').trim());
  if (!existsSync(exe)) return { path: null, reason: `${exe} is missing` };
  return { path: exe, reason: '' };
}

const electron = findElectron();
if (electron.path) {
  const bin = path.join(
    REPO_ROOT,
    'node_modules',
    '.bin',
    process.platform === 'win32' ? 'electron-vite.cmd' : 'electron-vite',
  );
  const child = spawn(bin, ['preview'], { cwd: REPO_ROOT, stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 1));
} else {
  console.error(
    `The Electron binary is not installed: ${electron.reason}.\n` +
      'Starting browser mode instead (npm run serve). To get the desktop app, run "npx install-electron" or reinstall electron with network access.\n',
  );
  serve(process.argv.slice(2)).catch((err: Error) => {
    console.error(`start: ${err.message}`);
    process.exit(1);
  });
}
