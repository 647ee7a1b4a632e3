#!/usr/bin/python3
"""Peer timing: the shipped acoustic model's training step in PyTorch on CPU (OpenBLAS, 2 threads).

Same layers and sizes as electron/engine/model/acoustic.ts (defaultArchitecture), CTC loss, Adam.
Usage: /usr/bin/python3 bench/torch_train_step.py BATCH FRAMES STEPS ; prints one JSON line.
"""
import json
import sys
import time

import torch

batch, frames, steps = (int(a) for a in sys.argv[1:4])
torch.set_num_threads(2)
torch.manual_seed(0)


class Model(torch.nn.Module):
    def __init__(self, dim=40, ch=128, tokens=11):
        super().__init__()
        layers = []
        cin = dim
        for stride in (2, 2, 1, 1, 1):
            layers += [torch.nn.Conv1d(cin, ch, 5, stride=stride, padding=2), torch.nn.ReLU(), torch.nn.Dropout(0.15)]
            cin = ch
        self.conv = torch.nn.Sequential(*layers)
        self.out = torch.nn.Linear(ch, tokens)

    def forward(self, x):  # x [B, T, F]
        h = self.conv(x.transpose(1, 2)).transpose(1, 2)
        return self.out(h)


model = Model()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
x = torch.randn(batch, frames, 40)
labels = torch.randint(1, 11, (batch, 5))
out_len = None


def step():
    global out_len
    opt.zero_grad()
    logits = model(x)
    lp = torch.log_softmax(logits, -1).transpose(0, 1)  # [T, B, V]
    out_len = torch.full((batch,), lp.shape[0], dtype=torch.long)
    loss = torch.nn.functional.ctc_loss(lp, labels, out_len, torch.full((batch,), 5, dtype=torch.long), blank=0)
    loss.backward()
    opt.step()


for _ in range(5):
    step()
t0 = time.perf_counter()
for _ in range(steps):
    step()
ms = (time.perf_counter() - t0) / steps * 1000
print(json.dumps({"ms_per_step": ms, "torch": torch.__version__, "threads": torch.get_num_threads(),
                  "params": sum(p.numel() for p in model.parameters())}))
