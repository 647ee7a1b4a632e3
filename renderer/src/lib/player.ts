/**
 * Playback of a project's audio files (Data screen): the host sends the file (readProjectAudio,
 * restricted to the project folder), the browser decodes it (WAV, FLAC, MP3, Ogg) and plays the
 * utterance's part of it through Web Audio. One clip plays at a time.
 */
import type { StudioApi } from '../../../electron/contract';

export class ClipPlayer {
  private ctx: AudioContext | null = null;
  private node: AudioBufferSourceNode | null = null;
  private readonly cache = new Map<string, AudioBuffer>();

  /**
   * Play `[offsetSec, offsetSec + durationSec)` of a project file (the whole file without them).
   * @param onEnd called when the clip ends or is stopped
   * @returns the clip's samples (first channel, the played part only) and their rate, e.g. for a waveform
   * @throws StudioError from the host (path outside the project, missing file), or a decoding error
   */
  async play(
    api: StudioApi,
    project: string,
    audioRef: string,
    opts: { offsetSec?: number; durationSec?: number },
    onEnd: () => void,
  ): Promise<{ samples: Float32Array; sampleRateHz: number }> {
    this.stop();
    const buf = await this.load(`${project}\u0000${audioRef}`, () =>
      api.readProjectAudio({ project, path: audioRef }),
    );
    return this.start(buf, opts, onEnd);
  }

  /**
   * A test utterance of a run (readRunAudio: found through the run's own test manifest), decoded.
   * @param play true to play it too (one clip at a time)
   * @returns the utterance's samples (first channel) and their rate
   * @throws StudioError from the host (unknown run or id, missing file), or a decoding error
   */
  async runUtterance(
    api: StudioApi,
    ref: { runName: string; project?: string },
    id: string,
    play: boolean,
    onEnd: () => void = () => {},
  ): Promise<{ samples: Float32Array; sampleRateHz: number }> {
    if (play) this.stop();
    const key = `run\u0000${ref.project ?? ''}\u0000${ref.runName}\u0000${id}`;
    const buf = await this.load(key, async () => {
      const a = await api.readRunAudio({ ...ref, id });
      this.placed.set(key, { offsetSec: a.offsetSec, durationSec: a.durationSec });
      return a;
    });
    const where = this.placed.get(key) ?? { durationSec: 0 };
    if (play) return this.start(buf, where, onEnd);
    return this.slice(buf, where.offsetSec ?? 0, where.durationSec > 0 ? where.durationSec : undefined);
  }

  /** Where each run utterance sits in its (cached) file. */
  private readonly placed = new Map<string, { offsetSec?: number; durationSec: number }>();

  /** A decoded file, from the cache or fetched with `fetch` (base64 bytes). */
  private async load(key: string, fetch: () => Promise<{ data: string }>): Promise<AudioBuffer> {
    this.ctx ??= new AudioContext();
    if (this.ctx.state === 'suspended') await this.ctx.resume();
    let buf = this.cache.get(key);
    if (!buf) {
      const a = await fetch();
      const bytes = Uint8Array.from(atob(a.data), (c) => c.charCodeAt(0));
      buf = await this.ctx.decodeAudioData(bytes.buffer);
      if (this.cache.size >= 20) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(key, buf);
    }
    return buf;
  }

  private slice(
    buf: AudioBuffer,
    offset: number,
    dur: number | undefined,
  ): { samples: Float32Array; sampleRateHz: number } {
    const from = Math.min(buf.length, Math.max(0, Math.floor(offset * buf.sampleRate)));
    const to = dur !== undefined ? Math.min(buf.length, from + Math.ceil(dur * buf.sampleRate)) : buf.length;
    return { samples: buf.getChannelData(0).subarray(from, to), sampleRateHz: buf.sampleRate };
  }

  private start(
    buf: AudioBuffer,
    opts: { offsetSec?: number; durationSec?: number },
    onEnd: () => void,
  ): { samples: Float32Array; sampleRateHz: number } {
    if (!this.ctx) throw new Error('no audio context');
    const node = this.ctx.createBufferSource();
    node.buffer = buf;
    node.connect(this.ctx.destination);
    node.onended = () => {
      if (this.node === node) this.node = null;
      onEnd();
    };
    this.node = node;
    const offset = opts.offsetSec ?? 0;
    const dur = opts.durationSec && opts.durationSec > 0 ? opts.durationSec : undefined;
    node.start(0, offset, dur);
    return this.slice(buf, offset, dur);
  }

  stop(): void {
    const n = this.node;
    this.node = null;
    try {
      n?.stop();
    } catch {
      // already stopped
    }
  }

  /** Forget cached clips (after the project changes). */
  clear(): void {
    this.stop();
    this.cache.clear();
  }
}
