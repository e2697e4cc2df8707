"""mlp-l2 recipe (shared/WORKLOADS.md): RandomState(seed) draws x, y, w1, w2 in that order; no biases;
loss = sum((relu(x @ w1) @ w2 - y) ** 2); SGD w -= lr * grad; the same batch every iteration."""
import functools

import numpy as np

from workloads._data import copies, f32, frozen

# the batch key: Workload.with_batch(size, n) derives a size with N=n (`stylebench frontier`)
BATCH = "N"
SIZES = {
    "small": dict(N=64, D_in=1000, H=100, D_out=10, lr=1e-6, seed=0),
    "big": dict(N=512, D_in=4096, H=2048, D_out=512, lr=1e-9, seed=1),
}
PARAM_NAMES = ("w1", "w2")


@functools.lru_cache(maxsize=None)
def _draw(size):
    c = SIZES[size]
    rs = np.random.RandomState(c["seed"])
    x = f32(rs.standard_normal((c["N"], c["D_in"])))
    y = f32(rs.standard_normal((c["N"], c["D_out"])))
    w1 = f32(rs.standard_normal((c["D_in"], c["H"])))
    w2 = f32(rs.standard_normal((c["H"], c["D_out"])))
    return frozen(x=x, y=y), {"w1": w1, "w2": w2}


def init_params(size):
    """Fresh copies (engines update parameters in place)."""
    return copies(_draw(size)[1])


def batch(i, size):
    return _draw(size)[0]
