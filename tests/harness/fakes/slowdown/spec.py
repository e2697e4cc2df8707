"""The slowdown fake: one size; its step sleeps $STYLEBENCH_FAKE_STEP_S seconds, and a fraction more for the
engines named in $STYLEBENCH_FAKE_SLOWDOWN ("reference=0.2,hybrid=0.05") when the gate runs the version
the slowdowns belong to ($STYLEBENCH_FAKE_SLOW_VERSION, default B; the gate sets
STYLEBENCH_REGRESS_VERSION in each run)."""
import os
import time

import numpy as np

STEP_ENV = "STYLEBENCH_FAKE_STEP_S"
SLOWDOWN_ENV = "STYLEBENCH_FAKE_SLOWDOWN"
SLOW_VERSION_ENV = "STYLEBENCH_FAKE_SLOW_VERSION"
VERSION_ENV = "STYLEBENCH_REGRESS_VERSION"    # set by harness/regress.py in each child: "A" or "B"
# "1": the trainer keeps the kernel method it saw at build time (as an engine may), so a kernel hook
# installed after the build does not see its calls
CAPTURE_ENV = "STYLEBENCH_FAKE_CAPTURE"
SIZES = {"small": {}}
PARAM_NAMES = ("w",)


def init_params(size):
    return {"w": np.zeros(4, np.float32)}


def batch(i, size):
    x = np.ones(4, np.float32)
    x.setflags(write=False)
    return {"x": x}


def step_seconds(engine):
    """This engine's step length in this process: the base, times 1 + its slowdown in the slowed version."""
    base = float(os.environ.get(STEP_ENV, "0.004"))
    if os.environ.get(VERSION_ENV) != os.environ.get(SLOW_VERSION_ENV, "B"):
        return base
    slowdowns = dict(item.split("=") for item in filter(None, os.environ.get(SLOWDOWN_ENV, "").split(",")))
    return base * (1 + float(slowdowns.get(engine, 0)))


class Trainer:
    """Sleeps its step length (engine overhead, in the style tax's terms) around one real kernel call."""

    def __init__(self, engine):
        from frameworks import kernels
        self.p = init_params("small")
        self.seconds = step_seconds(engine)
        self.forward = kernels.add.forward if os.environ.get(CAPTURE_ENV) == "1" else None

    def step(self, batch):
        from frameworks import kernels
        y, _ = (self.forward or kernels.add.forward)(np, batch["x"], self.p["w"])
        time.sleep(self.seconds)
        return float(y.sum())

    def params(self):
        return {k: v.copy() for k, v in self.p.items()}
