"""Reductions and indexing, forward+backward: shared kernel vs the same math as NumPy one-liners."""
import numpy as np
import pytest

from frameworks import kernels as K
from tests.benchmarks.kernel_pairs import bench_pair, f32

N, C, D = 256, 1000, 64
RS = np.random.RandomState(2)
X = f32(N, C)
X3 = f32(32, 64, 128)
IDX = RS.randint(0, C, (N, 10))
ROWS = RS.randint(0, N, 2048)
ONE_HOT = RS.randint(0, C, N)
COND = RS.standard_normal((N, C)) > 0
W = f32(N, C)


def fb(kernel, *inputs, gy, **attrs):
    y, saved = kernel.forward(np, *inputs, **attrs)
    return (y,) + tuple(g for g in kernel.backward(np, saved, gy, **attrs) if g is not None)


def np_max_axis1(x, gy):
    i = x.argmax(1)
    g = np.zeros_like(x); g[np.arange(len(x)), i] = gy  # noqa: E702
    return x[np.arange(len(x)), i], g


def np_gather(x, idx, gy):
    g = np.zeros_like(x); np.add.at(g, (np.arange(len(x))[:, None], idx), gy)  # noqa: E702
    return np.take_along_axis(x, idx, 1), g


def np_take(x, rows, gy):
    g = np.zeros_like(x); np.add.at(g, rows, gy)  # noqa: E702
    return x[rows], g


GY_N = f32(N)
GY_IDX = f32(N, 10)
GY_ROWS = f32(2048, C)
GY_3 = f32(64)
GY_S = f32(1, 64, 1)
GY_X = f32(N, C)
CASES = {
    "max-axis1": (lambda: (X, GY_N), lambda x, gy: fb(K.max, x, gy=gy, axis=1), np_max_axis1),
    "sum-axes-keepdims": (lambda: (X3, GY_S), lambda x, gy: fb(K.sum, x, gy=gy, axis=(0, 2), keepdims=True),
                          lambda x, gy: (x.sum((0, 2), keepdims=True), np.broadcast_to(gy, x.shape))),
    "mean-axes": (lambda: (X3, GY_3), lambda x, gy: fb(K.mean, x, gy=gy, axis=(0, 2)),
                  lambda x, gy: (x.mean((0, 2)), np.broadcast_to(gy[None, :, None] / (32 * 128), x.shape))),
    "argmax": (lambda: (X,), lambda x: K.argmax.forward(np, x, axis=1)[0], lambda x: x.argmax(1)),
    "gather": (lambda: (X, IDX, GY_IDX), lambda x, i, gy: fb(K.gather, x, i, gy=gy, axis=1), np_gather),
    "take-rows": (lambda: (X, ROWS, GY_ROWS), lambda x, r, gy: fb(K.take, x, r, gy=gy), np_take),
    "one_hot": (lambda: (ONE_HOT,), lambda i: K.one_hot.forward(np, i, C)[0],
                lambda i: np.eye(C, dtype=np.float32)[i]),
    "where": (lambda: (COND, X, W, GY_X), lambda c, x, w, gy: fb(K.where, c, x, w, gy=gy),
              lambda c, x, w, gy: (np.where(c, x, w), np.where(c, gy, 0), np.where(c, 0, gy))),
}


@pytest.mark.parametrize("impl", ["kernel", "numpy"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_reduction_or_index(benchmark, rounds, name, impl):
    make, kernel_fn, numpy_fn = CASES[name]
    bench_pair(benchmark, rounds, impl, name, make, kernel_fn, numpy_fn)
