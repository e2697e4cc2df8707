"""The sleepy fake: one size, no data to speak of; the step's length comes from the environment."""
import numpy as np

SLEEP_ENV = "STYLEBENCH_FAKE_SLEEP_S"
SIZES = {"small": {}}
PARAM_NAMES = ("w",)


def init_params(size):
    return {"w": np.zeros(1, np.float32)}


def batch(i, size):
    x = np.ones(1, np.float32)
    x.setflags(write=False)
    return {"x": x}
