"""Sizes of the misbehaving fake workload: each size names the behaviour of its step."""
import numpy as np

ALLOC_BYTES = 8 << 20          # what one step of size "alloc" holds at its peak
SLEEP_ENV = "STYLEBENCH_FAKE_SLEEP_S"
PIDS_ENV = "STYLEBENCH_FAKE_PIDS"     # a directory where each process of a run leaves its pid
SIZES = {name: {"behaviour": name} for name in
         ("small", "crash", "hang", "raise", "nan", "alloc", "sleep", "exit0", "segv", "sigkill", "abspath",
          "fork-crash", "fork-hang", "fork-ok", "popen-crash", "mem-raise", "mem-crash", "mem-hang",
          "profile-raise", "refbreak")}
PARAM_NAMES = ("w",)


def init_params(size):
    return {"w": np.zeros(4, np.float32)}


def batch(i, size):
    x = np.full(4, float(i), np.float32)
    x.setflags(write=False)
    return {"x": x}
