"""The sleepy fake's trainer: sleeps, then returns a constant loss."""
import os
import time

from tests.harness.fakes.sleepy import spec


class Trainer:
    def __init__(self):
        self.p = spec.init_params("small")
        self.seconds = float(os.environ.get(spec.SLEEP_ENV, "0.002"))

    def step(self, batch):
        time.sleep(self.seconds)
        return 1.0

    def params(self):
        return {k: v.copy() for k, v in self.p.items()}


def build(size="small", device="cpu"):
    return Trainer()
