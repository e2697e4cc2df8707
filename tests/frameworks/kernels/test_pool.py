"""Pooling against a direct transcription of Caffe's pooling_layer.cpp loops (output size, divisors, pad),
TF 'SAME' average pooling, and global average pooling (gradients: test_gradients.py)."""
import math

import numpy as np
import pytest

from frameworks import kernels as K
from frameworks.kernels import ShapeError

R = np.random.RandomState(11)


def caffe_pool(x, k, s, p, method, ceil=True, include_pad=True):
    """pooling_layer.cpp's Forward_cpu, loop for loop (ceil=False: the floor size other frameworks use)."""
    n, c, h, w = x.shape
    rnd = math.ceil if ceil else math.floor
    ho, wo = rnd((h + 2 * p - k) / s) + 1, rnd((w + 2 * p - k) / s) + 1
    if ceil:   # "ensure that the last pooling starts strictly inside the image"
        ho -= (ho - 1) * s >= h + p
        wo -= (wo - 1) * s >= w + p
    y = np.zeros((n, c, ho, wo))
    for i in range(ho):
        for j in range(wo):
            hs, ws = i * s - p, j * s - p
            he, we = min(hs + k, h + p), min(ws + k, w + p)
            size = (he - hs) * (we - ws)
            hs, ws, he, we = max(hs, 0), max(ws, 0), min(he, h), min(we, w)
            win = x[:, :, hs:he, ws:we]
            if method == "max":
                y[:, :, i, j] = win.max(axis=(2, 3))
            else:
                y[:, :, i, j] = win.sum(axis=(2, 3)) / (size if include_pad else (he - hs) * (we - ws))
    return y


# (h, kernel, stride, pad); stride >= kernel: windows that do not overlap (max_pool2d copies them into planes)
GEOMETRIES = [(5, 3, 2, 1), (6, 3, 2, 1), (7, 2, 2, 0), (6, 3, 3, 1), (4, 3, 1, 1), (8, 3, 2, 0), (9, 2, 3, 0),
              (8, 2, 3, 1)]


@pytest.mark.parametrize("h,k,s,p", GEOMETRIES)
@pytest.mark.parametrize("ceil", [True, False])
@pytest.mark.parametrize("include_pad", [True, False])
def test_avg_pool_matches_caffes_loops(h, k, s, p, ceil, include_pad):
    x = R.standard_normal((2, 3, h, h + 1))
    y, _ = K.avg_pool2d.forward(np, x, kernel=k, stride=s, pad=p, ceil_mode=ceil, count_include_pad=include_pad)
    np.testing.assert_allclose(y, caffe_pool(x, k, s, p, "ave", ceil, include_pad), rtol=1e-12)
    assert K.avg_pool2d.infer(x.shape, kernel=k, stride=s, pad=p, ceil_mode=ceil) == y.shape


@pytest.mark.parametrize("h,k,s,p", GEOMETRIES)
@pytest.mark.parametrize("ceil", [True, False])
def test_max_pool_matches_caffes_loops(h, k, s, p, ceil):
    x = R.standard_normal((2, 3, h, h + 1))
    y, _ = K.max_pool2d.forward(np, x, kernel=k, stride=s, pad=p, ceil_mode=ceil)
    np.testing.assert_allclose(y, caffe_pool(x, k, s, p, "max", ceil), rtol=1e-12)


def test_tf_same_average_pooling():
    """TF 'SAME' on 6x6, 3x3 stride 2: no pad before, one row/column after, pad not counted. Symmetric
    pad 0 + ceil_mode + count_include_pad=False is exactly that."""
    x = R.standard_normal((1, 2, 6, 6))
    xp_ = np.pad(x, ((0, 0), (0, 0), (0, 1), (0, 1)))
    ones = np.pad(np.ones_like(x), ((0, 0), (0, 0), (0, 1), (0, 1)))
    want = np.zeros((1, 2, 3, 3))
    for i in range(3):
        for j in range(3):
            win = (slice(None), slice(None), slice(2 * i, 2 * i + 3), slice(2 * j, 2 * j + 3))
            want[:, :, i, j] = xp_[win].sum(axis=(2, 3)) / ones[win].sum(axis=(2, 3))
    y, _ = K.avg_pool2d.forward(np, x, kernel=3, stride=2, pad=0, ceil_mode=True, count_include_pad=False)
    np.testing.assert_allclose(y, want, rtol=1e-12)


def test_out_buffer_and_float32():
    x = R.standard_normal((2, 3, 6, 6)).astype(np.float32)
    out = np.empty((2, 3, 3, 3), np.float32)
    y, saved = K.avg_pool2d.forward(np, x, kernel=2, out=out)
    assert y is out and y.dtype == np.float32
    np.testing.assert_allclose(y, x.reshape(2, 3, 3, 2, 3, 2).mean(axis=(3, 5)), rtol=1e-6)
    g, = K.avg_pool2d.backward(np, saved, np.ones_like(y), kernel=2)
    assert g.dtype == np.float32 and np.allclose(g, 0.25)


def test_global_avg_pool():
    x = R.standard_normal((2, 3, 4, 5))
    y, saved = K.global_avg_pool2d.forward(np, x)
    np.testing.assert_allclose(y, x.mean(axis=(2, 3)), rtol=1e-12)
    g, = K.global_avg_pool2d.backward(np, saved, np.ones((2, 3)))
    assert g.flags.writeable and np.allclose(g, 1 / 20)
    assert K.global_avg_pool2d.infer((2, 3, 4, 5), keepdims=True) == (2, 3, 1, 1)


def test_shape_errors_name_the_op_and_shapes():
    with pytest.raises(ShapeError, match=r"avg_pool2d: input must be NCHW \(shapes \(2, 3, 4\)\)"):
        K.avg_pool2d.infer((2, 3, 4))
    with pytest.raises(ShapeError, match=r"avg_pool2d: pad 2 must be >= 0 and smaller than the kernel 2"):
        K.avg_pool2d.infer((1, 1, 4, 4), kernel=2, pad=2)
    with pytest.raises(ShapeError, match="avg_pool2d: the 5x5 window is larger than the input"):
        K.avg_pool2d.infer((1, 1, 3, 3), kernel=5)
    with pytest.raises(ShapeError, match="global_avg_pool2d: input must be NCHW"):
        K.global_avg_pool2d.infer((2, 3))
