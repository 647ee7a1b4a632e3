/**
 * Measuring a recorded test tone (tests/ui/record.test.ts). Chromium's fake microphone plays a
 * looped WAV; on a busy machine its capture can drop or repeat audio buffers, so a take may hold
 * short gaps and phase jumps. These measures work per short window and take the median or a
 * majority, so that a few glitched windows cannot move the result.
 */

/**
 * Frequency (Hz) of a clean tone by counting rising zero crossings with hysteresis (+-0.05), from the
 * first to the last crossing. Exact to about 1 / span of a period; a gap of silence or a phase jump
 * inside `x` biases it (a 10 ms gap in 1 s of 440 Hz: -4.4 Hz), hence `medianWindowHz`.
 * @returns 0 when `x` has fewer than two crossings
 */
export function zeroCrossingHz(x: Float32Array, rate: number): number {
  let crossings = 0;
  let first = -1;
  let last = -1;
  let armed = false;
  for (let i = 0; i < x.length; i++) {
    if (x[i] < -0.05) armed = true;
    else if (armed && x[i] > 0.05) {
      armed = false;
      if (first < 0) first = i;
      else crossings++;
      last = i;
    }
  }
  return crossings > 0 ? (crossings * rate) / (last - first) : 0;
}

/** Non-overlapping windows of `winSec` seconds (the last partial window dropped). */
export function windows(x: Float32Array, rate: number, winSec: number): Float32Array[] {
  const win = Math.round(rate * winSec);
  const out: Float32Array[] = [];
  for (let o = 0; o + win <= x.length; o += win) out.push(x.subarray(o, o + win));
  return out;
}

/**
 * The median of `zeroCrossingHz` over 0.1 s windows: the tone's frequency to about 0.1 Hz (one
 * sample of 0.1 s at 48 kHz moves 440 Hz by 0.09 Hz), unaffected while fewer than half the windows
 * hold a glitch.
 * @throws Error when `x` is shorter than one window
 */
export function medianWindowHz(x: Float32Array, rate: number, winSec = 0.1): number {
  const hz = windows(x, rate, winSec)
    .map((w) => zeroCrossingHz(w, rate))
    .sort((a, b) => a - b);
  if (hz.length === 0)
    throw new Error(
      `medianWindowHz: ${x.length} samples are shorter than one ${winSec} s window at ${rate} Hz`,
    );
  const m = hz.length >> 1;
  return hz.length % 2 ? hz[m] : (hz[m - 1] + hz[m]) / 2;
}

/** Share of the signal's energy at `hz` (projection on sin and cos at that frequency). */
export function toneShare(x: Float32Array, rate: number, hz: number): number {
  let s = 0;
  let c = 0;
  let e = 0;
  for (let i = 0; i < x.length; i++) {
    s += x[i] * Math.sin((2 * Math.PI * hz * i) / rate);
    c += x[i] * Math.cos((2 * Math.PI * hz * i) / rate);
    e += x[i] * x[i];
  }
  return e > 0 ? (2 * (s * s + c * c)) / (x.length * e) : 0;
}

/** The frequency (200-1000 Hz, 2 Hz steps) holding the largest share of a window's energy. */
export function dominant(x: Float32Array, rate: number): { hz: number; share: number } {
  let best = { hz: 0, share: -1 };
  for (let hz = 200; hz <= 1000; hz += 2) {
    const share = toneShare(x, rate, hz);
    if (share > best.share) best = { hz, share };
  }
  return best;
}
