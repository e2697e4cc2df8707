"""resnet recipe (shared/WORKLOADS.md): RandomState(5) draws x (32,3,32,32), labels, then the conv weights
stem, b1c1, b1c2, b2c1, b2c2, b2sc (He-normal, no conv biases), lw, lb; every batch norm starts at gamma 1,
beta 0, running mean 0, running var 1. SGD momentum 0.9 (v = 0.9 v + g; w -= lr v), lr 0.05; dropout 0.1
from the kernels' Philox generator seeded with 7, one draw per step (counter = step index, from 0).

    stem:    conv3x3 3->16 pad 1, BN, relu
    block 1: conv3x3 16->16 pad 1, BN, relu, conv3x3 16->16 pad 1, BN; + block input; relu
    block 2: conv3x3 16->32 stride 2 pad 1, BN, relu, conv3x3 32->32 pad 1, BN;
             shortcut conv1x1 16->32 stride 2, BN; add; relu
    head:    global average pool (32,32,16,16) -> (32,32); dropout p=0.1; x @ lw + lb; mean softmax CE
NOTE: WORKLOADS.md writes the pooled map as (32,32,8,8); with a 32x32 input and the one stride-2 block it
lists, the map is 16x16, and this spec follows the listed layers.

Batch norm in training mode normalises with the batch mean and biased variance over (N,H,W), eps 1e-5, and
updates running = 0.9 * running + 0.1 * batch (unbiased variance): kernels.batch_norm with
convention="pytorch", momentum=0.1 (TF/Keras/MXNet engines: convention="decay", momentum=0.9).

Running statistics are state, not parameters: a trainer exposes them as `t.buffers()`, a dict name ->
NumPy array (copies), alongside `t.params()` (the trainable PARAM_NAMES only):
  BUFFER_NAMES        "<bn>_mean", "<bn>_var" for each BN in BN_NAMES (PyTorch's running_mean/running_var)
  CAFFE_BUFFER_NAMES  "<bn>_mean_sum", "<bn>_var_sum", "<bn>_scale": Caffe's three BatchNorm blobs (the moving
                      sums and the scale factor, moving_average_fraction 0.9), what layer_config keeps.
An engine returns one of the two sets; the reference built with caffe_stats=True returns both, so the
equivalence test checks each engine's against the same numbers.
"""
import functools

import numpy as np

from workloads._data import copies, f32, frozen, he_normal, uniform

SIZES = {"small": dict(N=32, lr=0.05, momentum=0.9, eps=1e-5, bn_momentum=0.1, dropout=0.1,
                       dropout_seed=7, seed=5)}
# (conv name, weight shape, stride, pad); each conv is followed by the BN named "<conv>_bn"
CONVS = (("stem", (16, 3, 3, 3), 1, 1), ("b1c1", (16, 16, 3, 3), 1, 1), ("b1c2", (16, 16, 3, 3), 1, 1),
         ("b2c1", (32, 16, 3, 3), 2, 1), ("b2c2", (32, 32, 3, 3), 1, 1), ("b2sc", (32, 16, 1, 1), 2, 0))
BN_NAMES = tuple(f"{c[0]}_bn" for c in CONVS)
PARAM_NAMES = tuple(n for c in CONVS for n in (c[0], f"{c[0]}_bn_gamma", f"{c[0]}_bn_beta")) + ("lw", "lb")
BUFFER_NAMES = tuple(n for bn in BN_NAMES for n in (f"{bn}_mean", f"{bn}_var"))
CAFFE_BUFFER_NAMES = tuple(n for bn in BN_NAMES for n in (f"{bn}_mean_sum", f"{bn}_var_sum", f"{bn}_scale"))
# Caffe's moving_average_fraction giving the same decay as PyTorch's momentum 0.1
CAFFE_FRACTION = 0.9


@functools.lru_cache(maxsize=None)
def _draw(size):
    c = SIZES[size]
    rs = np.random.RandomState(c["seed"])
    x = f32(rs.standard_normal((c["N"], 3, 32, 32)))
    labels = rs.randint(0, 10, size=c["N"]).astype(np.int64)
    p = {}
    for name, shape, _, _ in CONVS:
        o, i, kh, kw = shape
        p[name] = he_normal(rs, shape, i * kh * kw)
        p[f"{name}_bn_gamma"] = np.ones(o, np.float32)
        p[f"{name}_bn_beta"] = np.zeros(o, np.float32)
    p["lw"] = f32(rs.standard_normal((32, 10)) * np.sqrt(1.0 / 32))
    p["lb"] = uniform(rs, (10,))
    return frozen(x=x, labels=labels), {k: p[k] for k in PARAM_NAMES}


def init_params(size):
    """Fresh copies (engines update parameters in place)."""
    return copies(_draw(size)[1])


def init_buffers(size, caffe=False):
    """Fresh running statistics: mean 0, var 1 (PyTorch's), or Caffe's blobs (all zero: sums and scale)."""
    out = {}
    for name, shape, _, _ in CONVS:
        o, bn = shape[0], f"{name}_bn"
        if caffe:
            out.update({f"{bn}_mean_sum": np.zeros(o, np.float32), f"{bn}_var_sum": np.zeros(o, np.float32),
                        f"{bn}_scale": np.zeros(1, np.float32)})
        else:
            out.update({f"{bn}_mean": np.zeros(o, np.float32), f"{bn}_var": np.ones(o, np.float32)})
    return out


def batch(i, size):
    return _draw(size)[0]
