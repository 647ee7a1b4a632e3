// Audio worklet of the Record screen: while recording, collects the input's first channel as Float32
// PCM at the context's (the device's) rate and posts it to the page in blocks of 4096 samples.
// Messages in: "start", "stop" (posts the rest, then {done: true}). Plain JS: worklets load as is.
class CaptureProcessor extends AudioWorkletProcessor {
  constructor() {
    super();
    this.recording = false;
    this.block = new Float32Array(4096);
    this.fill = 0;
    this.port.onmessage = (e) => {
      if (e.data === 'start') {
        this.fill = 0;
        this.recording = true;
      } else if (e.data === 'stop') {
        this.recording = false;
        if (this.fill > 0) this.port.postMessage({ samples: this.block.slice(0, this.fill) });
        this.fill = 0;
        this.port.postMessage({ done: true });
      }
    };
  }

  process(inputs) {
    const ch = inputs[0] && inputs[0][0];
    if (this.recording && ch) {
      for (let i = 0; i < ch.length; i++) {
        this.block[this.fill++] = ch[i];
        if (this.fill === this.block.length) {
          this.port.postMessage({ samples: this.block.slice() });
          this.fill = 0;
        }
      }
    }
    return true;
  }
}

registerProcessor('capture-processor', CaptureProcessor);
