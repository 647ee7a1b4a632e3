#!/usr/bin/python3
"""Peer timing: torchaudio's Kaldi-compatible fbank on the same audio and settings as ours.

Usage: /usr/bin/python3 bench/torch_fbank.py FILE.f32 SAMPLE_RATE REPEATS
FILE.f32 holds raw little-endian float32 samples in [-1, 1]. Prints one JSON line.
Settings as electron/engine/features (DEFAULT_FEATURES): 25 ms Hann window, 10 ms hop, 40 mel bins,
pre-emphasis 0.97, DC removal, no dither, samples at 16-bit scale, 2 threads.
"""
import json
import sys
import time

import numpy as np
import torch
import torchaudio

path, rate, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
torch.set_num_threads(2)
x = torch.from_numpy(np.fromfile(path, dtype='<f4').copy()).unsqueeze(0) * 32768.0
kw = dict(sample_frequency=rate, frame_length=25.0, frame_shift=10.0, num_mel_bins=40, dither=0.0,
          window_type='hanning', preemphasis_coefficient=0.97, remove_dc_offset=True, use_energy=False,
          snip_edges=True)
torchaudio.compliance.kaldi.fbank(x, **kw)  # warm-up
best = float('inf')
for _ in range(repeats):
    t0 = time.perf_counter()
    f = torchaudio.compliance.kaldi.fbank(x, **kw)
    best = min(best, time.perf_counter() - t0)
print(json.dumps({"seconds": best, "frames": int(f.shape[0]), "torchaudio": torchaudio.__version__}))
