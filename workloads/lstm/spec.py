"""lstm recipe (shared/WORKLOADS.md): V=64, E=32, H=128, T=32, B=16, SGD lr=0.1. RandomState(3): tokens
randint(0, V, (B, T+1)); then uniform(-0.1, 0.1) for emb, wx, wh, b_ih, b_hh, wo, bo in that order.
Gates i, f, g, o; logits h_t @ wo + bo at every step; loss = mean softmax cross-entropy over B*T."""
import functools

import numpy as np

from workloads._data import copies, frozen, uniform

SIZES = {"small": dict(V=64, E=32, H=128, T=32, B=16, lr=0.1, seed=3)}
PARAM_NAMES = ("emb", "wx", "wh", "b_ih", "b_hh", "wo", "bo")


@functools.lru_cache(maxsize=None)
def _draw(size):
    c = SIZES[size]
    V, E, H, T, B = c["V"], c["E"], c["H"], c["T"], c["B"]
    rs = np.random.RandomState(c["seed"])
    tokens = rs.randint(0, V, size=(B, T + 1)).astype(np.int64)
    shapes = dict(emb=(V, E), wx=(E, 4 * H), wh=(H, 4 * H), b_ih=(4 * H,), b_hh=(4 * H,), wo=(H, V), bo=(V,))
    params = {k: uniform(rs, shapes[k]) for k in PARAM_NAMES}
    return frozen(inputs=tokens[:, :T].copy(), targets=tokens[:, 1:].copy()), params


def init_params(size):
    """Fresh copies (engines update parameters in place)."""
    return copies(_draw(size)[1])


def batch(i, size):
    return _draw(size)[0]
