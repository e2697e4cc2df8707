"""Shape kernels, forward+backward: shared kernel vs the same math as NumPy one-liners."""
import numpy as np
import pytest

from frameworks import kernels as K
from tests.benchmarks.kernel_pairs import bench_pair, f32

PARTS = [f32(64, 512) for _ in range(8)]
GY_STACK = f32(64, 8, 512)
IMG = f32(32, 16, 32, 32)
GY_PAD = f32(32, 16, 34, 34)
ROW = f32(1, 512)
GY_B = f32(256, 512)
GY_TILE = f32(128, 1536)


def fb(kernel, *inputs, gy, **attrs):
    y, saved = kernel.forward(np, *inputs, **attrs)
    return (y,) + tuple(g for g in kernel.backward(np, saved, gy, **attrs) if g is not None)


def np_unstack(x, gy):
    return tuple(x[:, i] for i in range(x.shape[1])) + (np.stack(gy, 1),)


CASES = {
    "stack": (lambda: (GY_STACK, *PARTS), lambda gy, *xs: fb(K.stack, *xs, gy=gy, axis=1),
              lambda gy, *xs: (np.stack(xs, 1),) + tuple(gy[:, i] for i in range(len(xs)))),
    "unstack": (lambda: (GY_STACK, list(PARTS)),
                lambda x, gy: K.unstack.forward(np, x, axis=1)[0] + K.unstack.backward(
                    np, K.unstack.forward(np, x, axis=1)[1], tuple(gy), axis=1),
                np_unstack),
    "pad": (lambda: (IMG, GY_PAD), lambda x, gy: fb(K.pad, x, gy=gy, pad_width=((0, 0), (0, 0), (1, 1), (1, 1))),
            lambda x, gy: (np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1))), gy[:, :, 1:-1, 1:-1])),
    "broadcast_to": (lambda: (ROW, GY_B), lambda x, gy: fb(K.broadcast_to, x, gy=gy, shape=(256, 512)),
                     lambda x, gy: (np.broadcast_to(x, (256, 512)), gy.sum(0, keepdims=True))),
    "tile": (lambda: (PARTS[0], GY_TILE), lambda x, gy: fb(K.tile, x, gy=gy, reps=(2, 3)),
             lambda x, gy: (np.tile(x, (2, 3)), gy.reshape(2, 64, 3, 512).sum((0, 2)))),
    "unsqueeze+squeeze": (lambda: (IMG,),
                          lambda x: K.squeeze.forward(np, K.unsqueeze.forward(np, x, axis=1)[0], axis=1)[0],
                          lambda x: np.squeeze(np.expand_dims(x, 1), 1)),
}


@pytest.mark.parametrize("impl", ["kernel", "numpy"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_shape_op(benchmark, rounds, name, impl):
    make, kernel_fn, numpy_fn = CASES[name]
    bench_pair(benchmark, rounds, impl, name, make, kernel_fn, numpy_fn)
