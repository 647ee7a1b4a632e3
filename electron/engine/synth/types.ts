/**
 * One contract for every offline speech synthesizer the recipes use to make training speech
 * (the system espeak-ng and npm-installed WebAssembly synthesizers; see docs/synthesizers.md). The app and the recipes see
 * only this interface, so a model card can say which synthesizer, version and voices made its data.
 */

/** One voice a synthesizer offers. */
export interface SynthVoice {
  /** Id passed back in SynthRequest.voice (e.g. espeak-ng `en-gb-scotland+f3`). */
  id: string;
  /** BCP-47-like language tag of the voice (e.g. `en-US`, `en`, `de`). */
  language: string;
}

/** One synthesis request. */
export interface SynthRequest {
  /** What to say: plain text in the voice's language. */
  text: string;
  /** A SynthVoice id of this synthesizer. */
  voice: string;
  /** Speaking rate relative to the synthesizer's normal rate (1 = normal; recipes use 0.7-1.3). */
  speed: number;
  /** Pitch, 0 (lowest) to 1 (highest); 0.5 is the voice's default. */
  pitch: number;
}

/** An offline speech synthesizer. */
export interface Synthesizer {
  /**
   * The name findSynthesizer takes (`espeak-ng`, `flite`, ...); optional so that test doubles and
   * other implementations of the contract need not set it.
   */
  id?: string;
  /** Short name written into model cards, e.g. `espeak-ng (system)`. */
  name: string;
  /** Version string of the engine (e.g. `eSpeak NG text-to-speech: 1.51`). */
  version: string;
  /** Licence of the synthesizer's code and voice data (SPDX id), e.g. `GPL-3.0-or-later`. */
  licence: string;
  /** Every voice, or those whose language starts with `language` (e.g. `en`). */
  voices(language?: string): SynthVoice[];
  /**
   * Speak `req.text`.
   * @returns mono samples in [-1, 1] at `sampleRateHz` (the synthesizer's own rate; resample after)
   * @throws Error naming the synthesizer and voice when synthesis fails or the voice is unknown
   */
  synthesize(req: SynthRequest): Promise<{ samples: Float32Array; sampleRateHz: number }>;
}
