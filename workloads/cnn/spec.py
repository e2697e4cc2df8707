"""cnn recipe (shared/WORKLOADS.md): RandomState(4) draws x (32,1,28,28), labels, c1w, c1b, c2w, c2b, lw, lb
in that order; conv3x3 1->8 pad 1, relu, maxpool 2, conv3x3 8->16 pad 1, relu, maxpool 2, NCHW flatten,
x @ lw + lb, mean softmax cross-entropy; SGD lr=0.01; the same batch every step."""
import functools

import numpy as np

from workloads._data import copies, f32, frozen, he_normal, uniform

# the batch key: Workload.with_batch(size, n) derives a size with N=n (`stylebench frontier`)
BATCH = "N"
SIZES = {"small": dict(N=32, lr=0.01, seed=4)}
PARAM_NAMES = ("c1w", "c1b", "c2w", "c2b", "lw", "lb")


@functools.lru_cache(maxsize=None)
def _draw(size):
    c = SIZES[size]
    rs = np.random.RandomState(c["seed"])
    x = f32(rs.standard_normal((c["N"], 1, 28, 28)))
    labels = rs.randint(0, 10, size=c["N"]).astype(np.int64)
    p = {}
    p["c1w"] = he_normal(rs, (8, 1, 3, 3), 9)
    p["c1b"] = uniform(rs, (8,))
    p["c2w"] = he_normal(rs, (16, 8, 3, 3), 72)
    p["c2b"] = uniform(rs, (16,))
    p["lw"] = f32(rs.standard_normal((784, 10)) * np.sqrt(1.0 / 784))
    p["lb"] = uniform(rs, (10,))
    return frozen(x=x, labels=labels), p


def init_params(size):
    """Fresh copies (engines update parameters in place)."""
    return copies(_draw(size)[1])


def batch(i, size):
    return _draw(size)[0]
