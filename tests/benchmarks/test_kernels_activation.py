"""Activations and losses, forward+backward: shared kernel vs the same math as NumPy one-liners."""
import numpy as np
import pytest

from frameworks import kernels as K
from tests.benchmarks.kernel_pairs import bench_pair, f32

N, C = 256, 1000
X, GY = f32(N, C), f32(N, C)
LABELS = np.random.RandomState(1).randint(0, C, N)
PROBS = np.exp(f32(N, C))
PROBS /= PROBS.sum(1, keepdims=True)
TARGET = f32(N, C)


def fb(kernel, *inputs, gy=GY, **attrs):
    """forward + backward through a kernel: (y, *grads that are not None)."""
    y, saved = kernel.forward(np, *inputs, **attrs)
    return (y,) + tuple(g for g in kernel.backward(np, saved, gy, **attrs) if g is not None)


def np_softmax(x, gy):
    y = np.exp(x - x.max(1, keepdims=True)); y /= y.sum(1, keepdims=True)  # noqa: E702
    return y, y * (gy - (gy * y).sum(1, keepdims=True))


def np_log_softmax(x, gy):
    s = x - x.max(1, keepdims=True); y = s - np.log(np.exp(s).sum(1, keepdims=True))  # noqa: E702
    return y, gy - np.exp(y) * gy.sum(1, keepdims=True)


def np_nll(logp, t):
    g = np.zeros_like(logp); g[np.arange(N), t] = -1.0 / N  # noqa: E702
    return -logp[np.arange(N), t].mean(), g


def np_soft_ce(x, p, gy):
    s = x - x.max(1, keepdims=True); lp = s - np.log(np.exp(s).sum(1, keepdims=True))  # noqa: E702
    return -(p * lp).sum(1), gy[:, None] * (np.exp(lp) * p.sum(1, keepdims=True) - p), -gy[:, None] * lp


def np_sigmoid_ce(x, z, gy):
    return (np.maximum(x, 0) - x * z + np.log1p(np.exp(-np.abs(x))),
            gy * (1 / (1 + np.exp(-x)) - z), -gy * x)


GY_ROW = f32(N)
CASES = {
    "softmax": (lambda: (X, GY), lambda x, gy: fb(K.softmax, x, gy=gy), np_softmax),
    "log_softmax": (lambda: (X, GY), lambda x, gy: fb(K.log_softmax, x, gy=gy), np_log_softmax),
    "leaky_relu": (lambda: (X, GY), lambda x, gy: fb(K.leaky_relu, x, gy=gy),
                   lambda x, gy: (np.where(x > 0, x, 0.01 * x), gy * np.where(x > 0, 1, 0.01).astype(np.float32))),
    "elu": (lambda: (X, GY), lambda x, gy: fb(K.elu, x, gy=gy),
            lambda x, gy: (np.where(x > 0, x, np.expm1(np.minimum(x, 0))), gy * np.where(x > 0, 1, np.exp(np.minimum(x, 0))))),
    "softplus": (lambda: (X, GY), lambda x, gy: fb(K.softplus, x, gy=gy),
                 lambda x, gy: (np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x))), gy / (1 + np.exp(-x)))),
    "rsqrt": (lambda: (np.abs(X) + 0.5, GY), lambda x, gy: fb(K.rsqrt, x, gy=gy),
              lambda x, gy: (1 / np.sqrt(x), -0.5 * gy * x ** -1.5)),
    "nll_loss": (lambda: (X, LABELS), lambda x, t: fb(K.nll_loss, x, t, gy=np.float32(1)), np_nll),
    "softmax_cross_entropy_with_logits": (
        lambda: (X, PROBS, GY_ROW), lambda x, p, gy: fb(K.softmax_cross_entropy_with_logits, x, p, gy=gy), np_soft_ce),
    "sigmoid_cross_entropy_with_logits": (
        lambda: (X, (TARGET > 0).astype(np.float32), GY),
        lambda x, z, gy: fb(K.sigmoid_cross_entropy_with_logits, x, z, gy=gy), np_sigmoid_ce),
    "mse_loss": (lambda: (X, TARGET), lambda x, t: fb(K.mse_loss, x, t, gy=np.float32(1)),
                 lambda x, t: (((x - t) ** 2).mean(), 2 * (x - t) / x.size, -2 * (x - t) / x.size)),
}


@pytest.mark.parametrize("impl", ["kernel", "numpy"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_activation_or_loss(benchmark, rounds, name, impl):
    make, kernel_fn, numpy_fn = CASES[name]
    bench_pair(benchmark, rounds, impl, name, make, kernel_fn, numpy_fn)
