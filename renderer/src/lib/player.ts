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
    this.ctx ??= new AudioContext();
    if (this.ctx.state === 'suspended') await this.ctx.resume();
    const key = `${project}\u0000${audioRef}`;
    let buf = this.cache.get(key);
    if (!buf) {
      const a = await api.readProjectAudio({ project, path: audioRef });
      const bytes = Uint8Array.from(atob(a.data), (c) => c.charCodeAt(0));
      buf = await this.ctx.decodeAudioData(bytes.buffer);
      if (this.cache.size >= 20) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(key, buf);
    }
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
    const from = Math.min(buf.length, Math.max(0, Math.floor(offset * buf.sampleRate)));
    const to = dur !== undefined ? Math.min(buf.length, from + Math.ceil(dur * buf.sampleRate)) : buf.length;
    return { samples: buf.getChannelData(0).subarray(from, to), sampleRateHz: buf.sampleRate };
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
