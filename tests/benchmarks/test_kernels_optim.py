"""Optimizer updates, one in-place step: shared update kernel vs the same rule as NumPy one-liners
(the one-liners allocate full-size temporaries; the kernels work in row blocks)."""
import numpy as np
import pytest

from frameworks import kernels as K
from tests.benchmarks.kernel_pairs import bench_pair, f32

SHAPE = (1000, 512)
P, G = f32(*SHAPE), f32(*SHAPE)
S1, S2 = f32(*SHAPE, lo=0.1), f32(*SHAPE, lo=0.1)


def fresh(n_states):
    """Copies, so both sides start from the same parameter and state."""
    return lambda: (P.copy(), G) + tuple(s.copy() for s in (S1, S2)[:n_states])


def kernel_step(update, **kw):
    def step(p, g, *states):
        update(np, p, g, *states, **kw)
        return (p,) + states
    return step


def np_nesterov(p, g, v):
    v *= 0.9; v += g; p -= 0.01 * (g + 0.9 * v)  # noqa: E702
    return p, v


def np_rmsprop(p, g, s):
    s *= 0.99; s += 0.01 * g * g; p -= 0.01 * g / (np.sqrt(s) + 1e-8)  # noqa: E702
    return p, s


def np_adagrad(p, g, h):
    h += g * g; p -= 0.01 * g / (np.sqrt(h) + 1e-10)  # noqa: E702
    return p, h


def np_adadelta(p, g, s, a):
    s *= 0.9; s += 0.1 * g * g; d = np.sqrt(a + 1e-6) / np.sqrt(s + 1e-6) * g  # noqa: E702
    a *= 0.9; a += 0.1 * d * d; p -= d  # noqa: E702
    return p, s, a


def np_adam_folded(p, g, m, v, t=3):
    m *= 0.9; m += 0.1 * g; v *= 0.999; v += 0.001 * g * g  # noqa: E702
    p -= 0.001 * np.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t) * m / (np.sqrt(v) + 1e-8)
    return p, m, v


def kernel_adam(p, g, m, v):
    K.adam.update(np, p, g, m, v, 3, eps_placement="folded")
    return p, m, v


def np_clip(p, g):
    g = g.copy()
    norm = np.sqrt((g * g).sum()); g *= min(1.0, 1.0 / (norm + 1e-6))  # noqa: E702
    return g, norm


def kernel_clip(p, g):
    g = g.copy()
    return g, K.clip_by_global_norm(np, [g], 1.0)


CASES = {
    "nesterov": (fresh(1), kernel_step(K.nesterov.update, lr=0.01), np_nesterov),
    "rmsprop": (fresh(1), kernel_step(K.rmsprop.update), np_rmsprop),
    "adagrad": (fresh(1), kernel_step(K.adagrad.update), np_adagrad),
    "adadelta": (fresh(2), kernel_step(K.adadelta.update, lr=1.0), np_adadelta),
    "adam-folded": (fresh(2), kernel_adam, np_adam_folded),
    "clip_by_global_norm": (fresh(0), kernel_clip, np_clip),
}


@pytest.mark.parametrize("impl", ["kernel", "numpy"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_update(benchmark, rounds, name, impl):
    make, kernel_fn, numpy_fn = CASES[name]
    bench_pair(benchmark, rounds, impl, name, make, kernel_fn, numpy_fn)
