"""fc-adam recipe (shared/WORKLOADS.md): weights from RandomState(1) (w1 (2,3), w2 (3,1)); data from a second
RandomState(1): X = rand(516, 2), Y = 1.0 where x1 + x2 < 1; forward relu(relu(x @ w1) @ w2);
loss = -mean(y * log(clip(yhat, 1e-10, 1.0))); Adam; batch i is rows (i*10) % 516 to min(start+10, 516)."""
import functools

import numpy as np

from workloads._data import copies, f32, frozen

SIZES = {"small": dict(rows=516, batch_size=10, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8, seed=1)}
PARAM_NAMES = ("w1", "w2")
CLIP = (1e-10, 1.0)


@functools.lru_cache(maxsize=None)
def _draw(size):
    c = SIZES[size]
    rs = np.random.RandomState(c["seed"])
    w1 = f32(rs.standard_normal((2, 3)))
    w2 = f32(rs.standard_normal((3, 1)))
    data = np.random.RandomState(c["seed"])
    X = f32(data.rand(c["rows"], 2))
    Y = f32((X[:, 0] + X[:, 1] < 1).astype(np.float32).reshape(-1, 1))
    return X, Y, {"w1": w1, "w2": w2}


def init_params(size):
    """Fresh copies (engines update parameters in place)."""
    return copies(_draw(size)[2])


@functools.lru_cache(maxsize=None)
def _batch(start, size):
    X, Y, _ = _draw(size)
    stop = min(start + SIZES[size]["batch_size"], SIZES[size]["rows"])
    return frozen(x=X[start:stop].copy(), y=Y[start:stop].copy())


def batch(i, size):
    c = SIZES[size]
    return _batch((i * c["batch_size"]) % c["rows"], size)
