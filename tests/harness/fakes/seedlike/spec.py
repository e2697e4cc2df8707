"""The seedlike fake: sizes small and large (a buffer per step sized by N, so the memory column differs), a
deterministic loss every engine shares, so the runner's equivalence gate passes."""
import numpy as np

SIZES = {"small": {"N": 1000}, "large": {"N": 20000}}
PARAM_NAMES = ("w",)


def init_params(size):
    return {"w": np.ones(4, np.float32)}


def batch(i, size):
    x = np.full(4, float(i + 1), np.float32)
    x.setflags(write=False)
    return {"x": x}


class Trainer:
    """One small kernel call per step plus a scratch buffer of N float64 (so large > small in MB)."""

    def __init__(self, size):
        self.p = init_params(size)
        self.n = SIZES[size]["N"]

    def step(self, batch):
        from frameworks import kernels
        y, _ = kernels.add.forward(np, batch["x"], self.p["w"])
        scratch = np.zeros(self.n)
        scratch[:4] = y
        return float(scratch.sum())

    def params(self):
        return {k: v.copy() for k, v in self.p.items()}
