/**
 * Microphone capture of the Record screen: getUserMedia (no echo cancellation, noise suppression or
 * automatic gain: adaptation data should be the speaker as the device hears them), an AudioContext
 * at the device's own rate, an AnalyserNode for the live level meter and an AudioWorklet
 * (public/capture-worklet.js) collecting Float32 PCM. No MediaRecorder: nothing is compressed.
 */

/** Clipping warning above this peak, dBFS. */
export const CLIP_DBFS = -1;
/** "Too quiet" warning when the peak stays below this, dBFS. */
export const QUIET_DBFS = -40;
/** Floor of the meter scale, dBFS. */
export const METER_FLOOR_DBFS = -60;

/** Where the chosen microphone's deviceId is remembered (the browser's localStorage). */
export const MIC_STORAGE_KEY = 'accent-studio:microphone';

/** An audio input as the microphone selector lists it. */
export interface MicDevice {
  deviceId: string;
  label: string;
}

export const toDbfs = (x: number): number => (x > 0 ? 20 * Math.log10(x) : -Infinity);

/** Float32 samples as base64 of their little-endian bytes (the saveTake format). */
export function samplesToBase64(samples: Float32Array): string {
  const bytes = new Uint8Array(samples.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < samples.length; i++) view.setFloat32(i * 4, samples[i], true);
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

export class Recorder {
  /** 'off' until open() resolves; 'error' with `error` set when the microphone is unavailable. */
  status = $state<'off' | 'opening' | 'ready' | 'recording' | 'error'>('off');
  error = $state('');
  sampleRateHz = $state(0);
  deviceLabel = $state('');
  /** The open microphone's deviceId ('' until open). */
  deviceId = $state('');
  /** The audio inputs (enumerateDevices "audioinput"), listed once the microphone is open (labels need the permission). */
  devices = $state<MicDevice[]>([]);
  /** Live peak of the last ~20 ms, dBFS. */
  levelDbfs = $state(-Infinity);
  /** Highest peak of the last 2 s, dBFS (drives the too-quiet warning). */
  recentPeakDbfs = $state(-Infinity);
  /** A peak above CLIP_DBFS within the last 1.5 s. */
  clipping = $state(false);
  private lastClipAt = -Infinity;
  /** Seconds recorded so far in the current take. */
  elapsedSec = $state(0);

  private stream: MediaStream | null = null;
  private ctx: AudioContext | null = null;
  private analyser: AnalyserNode | null = null;
  private worklet: AudioWorkletNode | null = null;
  private raf = 0;
  private chunks: Float32Array[] = [];
  private captured = 0;
  private peaks: { t: number; db: number }[] = [];
  private done: (() => void) | null = null;
  private player: AudioBufferSourceNode | null = null;

  /**
   * Ask for the microphone and start the meter.
   * @param deviceId the audio input to open (a MicDevice's); absent, or no longer present, = the
   *   system's default input
   */
  async open(deviceId?: string): Promise<void> {
    if (this.status !== 'off' && this.status !== 'error') return;
    this.status = 'opening';
    this.error = '';
    try {
      if (!navigator.mediaDevices?.getUserMedia)
        throw new Error('this browser gives no access to a microphone here (a secure context is needed)');
      const audio = {
        channelCount: 1,
        echoCancellation: false,
        noiseSuppression: false,
        autoGainControl: false,
      };
      try {
        this.stream = await navigator.mediaDevices.getUserMedia({
          audio: deviceId ? { ...audio, deviceId: { exact: deviceId } } : audio,
        });
      } catch (err) {
        // A remembered device that is gone: the default input instead.
        const name = (err as DOMException).name;
        if (!deviceId || (name !== 'OverconstrainedError' && name !== 'NotFoundError')) throw err;
        this.stream = await navigator.mediaDevices.getUserMedia({ audio });
      }
      const track = this.stream.getAudioTracks()[0];
      const rate = track.getSettings().sampleRate;
      this.deviceLabel = track.label;
      this.deviceId = track.getSettings().deviceId ?? '';
      await this.listDevices();
      // The context runs at the device's rate, so the samples are the device's (no resampling).
      this.ctx = new AudioContext(rate ? { sampleRate: rate } : undefined);
      this.sampleRateHz = this.ctx.sampleRate;
      // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a one-off URL, not state
      await this.ctx.audioWorklet.addModule(new URL('capture-worklet.js', document.baseURI).href);
      const source = this.ctx.createMediaStreamSource(this.stream);
      this.analyser = this.ctx.createAnalyser();
      this.analyser.fftSize = 1024;
      source.connect(this.analyser);
      this.worklet = new AudioWorkletNode(this.ctx, 'capture-processor', {
        numberOfInputs: 1,
        numberOfOutputs: 1,
        channelCount: 1,
        channelCountMode: 'explicit',
      });
      this.worklet.port.onmessage = (e: MessageEvent<{ samples?: Float32Array; done?: boolean }>) => {
        if (e.data.samples) {
          this.chunks.push(e.data.samples);
          this.captured += e.data.samples.length;
          this.elapsedSec = this.captured / this.sampleRateHz;
        }
        if (e.data.done) this.done?.();
      };
      source.connect(this.worklet);
      // The worklet must reach the destination to be processed; silent, so nothing is played back.
      const mute = this.ctx.createGain();
      mute.gain.value = 0;
      this.worklet.connect(mute).connect(this.ctx.destination);
      this.status = 'ready';
      this.meter();
    } catch (err) {
      const e = err as DOMException;
      this.error =
        e.name === 'NotAllowedError'
          ? 'Microphone access was refused. Allow it for this page and try again.'
          : e.name === 'NotFoundError'
            ? 'No microphone was found.'
            : `Could not open the microphone: ${e.message ?? String(err)}`;
      this.status = 'error';
      this.close();
      this.status = 'error';
    }
  }

  /** Refresh `devices` (the audio inputs the browser reports; unnamed ones numbered). */
  async listDevices(): Promise<void> {
    try {
      const all = await navigator.mediaDevices.enumerateDevices();
      this.devices = all
        .filter((d) => d.kind === 'audioinput' && d.deviceId)
        .map((d, i) => ({ deviceId: d.deviceId, label: d.label || `Microphone ${i + 1}` }));
    } catch {
      this.devices = [];
    }
  }

  private meter = (): void => {
    if (!this.analyser) return;
    const buf = new Float32Array(this.analyser.fftSize);
    this.analyser.getFloatTimeDomainData(buf);
    let peak = 0;
    for (let i = 0; i < buf.length; i++) peak = Math.max(peak, Math.abs(buf[i]));
    const db = toDbfs(peak);
    const now = performance.now();
    this.levelDbfs = db;
    if (db > CLIP_DBFS) this.lastClipAt = now;
    this.clipping = now - this.lastClipAt < 1500;
    this.peaks.push({ t: now, db });
    while (this.peaks.length && this.peaks[0].t < now - 2000) this.peaks.shift();
    this.recentPeakDbfs = this.peaks.reduce((m, p) => Math.max(m, p.db), -Infinity);
    this.raf = requestAnimationFrame(this.meter);
  };

  /** Start a take (the context is resumed: the Record key press is the user gesture it needs). */
  async start(): Promise<void> {
    if (this.status !== 'ready' || !this.ctx || !this.worklet) return;
    this.stopPlayback();
    await this.ctx.resume();
    this.chunks = [];
    this.captured = 0;
    this.elapsedSec = 0;
    this.worklet.port.postMessage('start');
    this.status = 'recording';
  }

  /** Stop the take; resolves with its samples. */
  async stop(): Promise<Float32Array> {
    if (this.status !== 'recording' || !this.worklet) return new Float32Array(0);
    const flushed = new Promise<void>((resolve) => (this.done = resolve));
    this.worklet.port.postMessage('stop');
    await flushed;
    this.done = null;
    this.status = 'ready';
    const out = new Float32Array(this.captured);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    this.chunks = [];
    return out;
  }

  /** Play samples (the last take) through the speakers; resolves when it ends. */
  play(samples: Float32Array, rateHz: number, onEnd?: () => void): void {
    if (!this.ctx || samples.length === 0) return;
    this.stopPlayback();
    void this.ctx.resume();
    const buffer = this.ctx.createBuffer(1, samples.length, rateHz);
    buffer.copyToChannel(new Float32Array(samples), 0);
    const node = this.ctx.createBufferSource();
    node.buffer = buffer;
    node.connect(this.ctx.destination);
    node.onended = () => {
      if (this.player === node) this.player = null;
      onEnd?.();
    };
    this.player = node;
    node.start();
  }

  stopPlayback(): void {
    try {
      this.player?.stop();
    } catch {
      // already ended
    }
    this.player = null;
  }

  /** Release the microphone. */
  close(): void {
    cancelAnimationFrame(this.raf);
    this.stopPlayback();
    this.stream?.getTracks().forEach((t) => t.stop());
    void this.ctx?.close().catch(() => undefined);
    this.stream = null;
    this.ctx = null;
    this.analyser = null;
    this.worklet = null;
    this.status = 'off';
  }
}
