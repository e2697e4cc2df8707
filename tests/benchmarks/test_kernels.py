"""Kernel families against the same math as plain NumPy one-liners (forward + backward), one benchmark group
per case with a "kernel" and a "numpy" entry, so `pytest tests/benchmarks/test_kernels.py` shows the ratio.
Each case first checks that both compute the same numbers, so the comparison is of equal work.
Shapes are the resnet workload's (batch 32, 16 channels, 32x32 maps; its head's (32, 32) for dropout, plus
a wider activation so the generator's cost shows)."""
import numpy as np
import pytest

from frameworks import kernels as K
from frameworks.kernels.random import uniform

R = np.random.RandomState(0)
EPS = 1e-5
AXES = (0, 2, 3)


def _x(*shape):
    return R.standard_normal(shape).astype(np.float32)


# ---------------------------------------------------------------- batch norm (training)

def bn_kernel(x, g, b, rm, rv, gy):
    y, s = K.batch_norm.forward(np, x, g, b, rm, rv, eps=EPS)
    return (y,) + K.batch_norm.backward(np, s, gy, eps=EPS)[:3]


def bn_numpy(x, g, b, rm, rv, gy):
    m = x.size // x.shape[1]
    mu, var = x.mean(AXES), x.var(AXES)
    rm *= 0.9
    rm += 0.1 * mu
    rv *= 0.9
    rv += 0.1 * var * (m / (m - 1))
    inv = 1 / np.sqrt(var + EPS)
    xhat = (x - mu[:, None, None]) * inv[:, None, None]
    y = xhat * g[:, None, None] + b[:, None, None]
    gxhat = gy * g[:, None, None]
    gx = inv[:, None, None] * (gxhat - gxhat.mean(AXES, keepdims=True)
                               - xhat * (gxhat * xhat).mean(AXES, keepdims=True))
    return y, gx, (gy * xhat).sum(AXES), gy.sum(AXES)


def bn_args():
    x = _x(32, 16, 32, 32)
    return (x, _x(16), _x(16), np.zeros(16, np.float32), np.ones(16, np.float32), _x(*x.shape))


# ---------------------------------------------------------------- dropout

def dropout_kernel(x, gy):
    y, s = K.dropout.forward(np, x, p=0.1, seed=7, counter=3)
    return y, K.dropout.backward(np, s, gy, p=0.1)[0]


def dropout_numpy(x, gy):
    keep = uniform(np, 7, 3, x.shape) >= 0.1
    return x * keep * np.float32(1 / 0.9), gy * keep * np.float32(1 / 0.9)


# ---------------------------------------------------------------- pooling

def avg2_kernel(x, gy):
    y, s = K.avg_pool2d.forward(np, x, kernel=2)
    return y, K.avg_pool2d.backward(np, s, gy, kernel=2)[0]


def avg2_numpy(x, gy):
    n, c, h, w = x.shape
    y = x.reshape(n, c, h // 2, 2, w // 2, 2).mean(axis=(3, 5))
    return y, np.repeat(np.repeat(gy * np.float32(0.25), 2, axis=2), 2, axis=3)


def max2_kernel(x, gy):
    y, s = K.max_pool2d.forward(np, x, kernel=2)
    return y, K.max_pool2d.backward(np, s, gy, kernel=2)[0]


def max2_numpy(x, gy):
    n, c, h, w = x.shape
    y = x.reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))
    up = lambda a: np.repeat(np.repeat(a, 2, axis=2), 2, axis=3)   # noqa: E731
    return y, (x == up(y)) * up(gy)   # random data: no ties, so the mask is the argmax


def gap_kernel(x, gy):
    y, s = K.global_avg_pool2d.forward(np, x)
    return y, K.global_avg_pool2d.backward(np, s, gy)[0]


def gap_numpy(x, gy):
    n, c, h, w = x.shape
    return x.mean(axis=(2, 3)), np.broadcast_to((gy / (h * w))[:, :, None, None], x.shape).copy()


def pool_args(half):
    x = _x(32, 16, 32, 32)
    return x, _x(32, 16, 16, 16) if half else _x(32, 16)


CASES = {
    "batch_norm-train-32x16x32x32": (bn_kernel, bn_numpy, bn_args),
    "dropout-32x32": (dropout_kernel, dropout_numpy, lambda: (_x(32, 32), _x(32, 32))),
    "dropout-32x16x32x32": (dropout_kernel, dropout_numpy, lambda: (_x(32, 16, 32, 32), _x(32, 16, 32, 32))),
    "avg_pool2d-2x2": (avg2_kernel, avg2_numpy, lambda: pool_args(True)),
    "max_pool2d-2x2": (max2_kernel, max2_numpy, lambda: pool_args(True)),
    "global_avg_pool2d": (gap_kernel, gap_numpy, lambda: pool_args(False)),
}


def _fresh(args):
    return tuple(a.copy() for a in args)


@pytest.mark.parametrize("impl", ["kernel", "numpy"])
@pytest.mark.parametrize("case", list(CASES))
def test_forward_backward(benchmark, case, impl):
    kernel_fn, numpy_fn, make = CASES[case]
    args = make()
    for a, b in zip(kernel_fn(*_fresh(args)), numpy_fn(*_fresh(args))):
        np.testing.assert_allclose(a, b, rtol=2e-4, atol=2e-5, err_msg=f"{case}: kernel and one-liner differ")
    fn = kernel_fn if impl == "kernel" else numpy_fn
    benchmark.group = case
    benchmark.extra_info.update(family=case.split("-")[0], impl=impl)
    benchmark(fn, *args)
