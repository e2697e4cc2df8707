"""The fake's trainer: a deterministic loss, or the misbehaviour its size names."""
import os
import signal
import subprocess
import sys
import time
import tracemalloc

import numpy as np

from tests.harness.fakes.misbehave import spec


def _note_pid(kind, pid=None):
    """Leave a pid (default: this process's) in $STYLEBENCH_FAKE_PIDS (tests check that nothing outlives a run)."""
    where = os.environ.get(spec.PIDS_ENV)
    if where:
        with open(os.path.join(where, f"{kind}-{pid or os.getpid()}"), "w"):
            pass


def _fork_sleeper():
    """A grandchild that would sleep for an hour (it holds the result pipe open, as any fork does). The parent
    notes its pid before going on, so a parent that crashes at once cannot race the note (the runner may
    kill the grandchild before it has run a line)."""
    pid = os.fork()
    if pid == 0:
        time.sleep(3600)
        os._exit(0)
    _note_pid("grandchild", pid)


def _hook_installed():
    from frameworks.kernels import base
    return bool(base._ORIGINALS)


class Trainer:
    def __init__(self, size, offset=0.0):
        self.behaviour = spec.SIZES[size]["behaviour"]
        self.p = spec.init_params(size)
        self.offset = offset
        self.i = 0
        _note_pid("child")
        if self.behaviour == "refbreak" and offset == 0.0:
            raise RuntimeError("the reference trainer cannot build this size")

    def step(self, batch):
        i, self.i = self.i, self.i + 1
        b = self.behaviour
        if b == "crash" and i >= 1:
            os._exit(3)
        if b == "exit0" and i >= 1:
            os._exit(0)
        if b == "segv" and i >= 1:
            os.kill(os.getpid(), signal.SIGSEGV)
        if b == "sigkill" and i >= 1:
            os.kill(os.getpid(), signal.SIGKILL)
        if b == "hang" and i >= 1:
            time.sleep(3600)
        if b == "raise" and i >= 1:
            raise ValueError("fake failure inside step")
        if b == "abspath" and i >= 1:
            raise FileNotFoundError(f"no such file: {os.path.abspath(spec.__file__)}")
        if b == "nan" and i >= 2:
            return float("nan")
        if b == "fork-crash" and i == 1:
            _fork_sleeper()
            os._exit(3)
        if b == "fork-hang" and i == 1:
            _fork_sleeper()
            time.sleep(3600)
        if b == "fork-ok" and i == 1:
            _fork_sleeper()
        if b == "popen-crash" and i == 1:
            proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3600)"])
            where = os.environ.get(spec.PIDS_ENV)
            if where:
                open(os.path.join(where, f"grandchild-{proc.pid}"), "w").close()
            os._exit(3)
        if tracemalloc.is_tracing():            # the memory pass
            if b == "mem-raise":
                raise MemoryError("fake: the memory pass ran out")
            if b == "mem-crash":
                os._exit(5)
            if b == "mem-hang":
                time.sleep(3600)
        if b == "profile-raise" and _hook_installed() and not tracemalloc.is_tracing():   # not the memory pass's
            raise RuntimeError("fake failure in the style-tax pass")
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
