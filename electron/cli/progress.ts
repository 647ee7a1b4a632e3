/** Progress display on stderr (cli-progress), one bar per phase/label; epoch messages as log lines. */
import cliProgress from 'cli-progress';
import type { ProgressEvent, ProgressFn } from '../engine/progress';

/** A ProgressFn drawing bars on stderr; call `stop()` before printing results. */
export function stderrProgress(): { onProgress: ProgressFn; stop: () => void } {
  let bar: cliProgress.SingleBar | null = null;
  let key = '';
  const interactive = Boolean(process.stderr.isTTY);
  let lastLogged = 0;
  const stop = (): void => {
    bar?.stop();
    bar = null;
    key = '';
  };
  const onProgress = (e: ProgressEvent): void => {
    if (e.message) {
      if (bar) {
        // keep the bar, print the message above it
        process.stderr.write(`\r\x1b[K${e.message}\n`);
      } else process.stderr.write(`${e.message}\n`);
      return;
    }
    const k = `${e.phase}:${e.label}`;
    if (!interactive) {
      // Logs and CI: a line at start and every 10 seconds, none per item.
      const now = Date.now();
      if (k !== key || now - lastLogged > 10_000 || e.done === e.total) {
        process.stderr.write(
          `${e.phase} ${e.label}: ${e.done}/${e.total}${e.loss !== undefined ? ` loss ${e.loss.toFixed(3)}` : ''}\n`,
        );
        lastLogged = now;
        key = k;
      }
      return;
    }
    if (k !== key) {
      stop();
      bar = new cliProgress.SingleBar(
        {
          format: `${e.phase.padEnd(8)} ${e.label.padEnd(18)} [{bar}] {value}/{total} {extra} eta {eta_formatted}`,
          stream: process.stderr,
          hideCursor: true,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(e.total, e.done, { extra: '' });
      key = k;
    }
    bar!.setTotal(e.total);
    bar!.update(e.done, { extra: e.loss !== undefined ? `loss ${e.loss.toFixed(3)}` : '' });
    if (e.done >= e.total) stop();
  };
  return { onProgress, stop };
}
