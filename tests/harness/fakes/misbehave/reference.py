"""The fake's trainer: a deterministic loss, or the misbehaviour its size names."""
import os
import time

import numpy as np

from tests.harness.fakes.misbehave import spec


class Trainer:
    def __init__(self, size, offset=0.0):
        self.behaviour = spec.SIZES[size]["behaviour"]
        self.p = spec.init_params(size)
        self.offset = offset
        self.i = 0

    def step(self, batch):
        i, self.i = self.i, self.i + 1
        b = self.behaviour
        if b == "crash" and i >= 1:
            os._exit(3)
        if b == "hang" and i >= 1:
            time.sleep(3600)
        if b == "raise" and i >= 1:
            raise ValueError("fake failure inside step")
        if b == "nan" and i >= 2:
            return float("nan")
        if b == "alloc":
            held = np.ones(spec.ALLOC_BYTES // 8)       # float64: exactly ALLOC_BYTES of data
            return float(held[i % len(held)]) + self.offset
        if b == "sleep":
            time.sleep(float(os.environ.get(spec.SLEEP_ENV, "0.002")))
        self.p["w"] += batch["x"]
        return 1.0 / (1.0 + i) + self.offset

    def params(self):
        return {k: v.copy() for k, v in self.p.items()}


def build(size="small", device="cpu"):
    return Trainer(size)
