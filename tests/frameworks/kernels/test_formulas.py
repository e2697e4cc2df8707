"""Kernels against independent, deliberately naive definitions (nested sums, per-step loops)."""
import numpy as np
import pytest

from frameworks import kernels as K

R = np.random.RandomState(1)


def conv2d_direct(x, w, b, stride, pad):
    n, c, h, wd = x.shape
    o, _, kh, kw = w.shape
    xp_ = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    ho, wo = (h + 2 * pad - kh) // stride + 1, (wd + 2 * pad - kw) // stride + 1
    y = np.zeros((n, o, ho, wo))
    for ni in range(n):
        for oi in range(o):
            for i in range(ho):
                for j in range(wo):
                    total = 0.0
                    for ci in range(c):
                        for di in range(kh):
                            for dj in range(kw):
                                total += xp_[ni, ci, i * stride + di, j * stride + dj] * w[oi, ci, di, dj]
                    y[ni, oi, i, j] = total + (b[oi] if b is not None else 0.0)
    return y


@pytest.mark.parametrize("stride,pad,bias", [(1, 1, True), (2, 0, False), (2, 1, True)])
def test_conv2d_equals_nested_sums(stride, pad, bias):
    x, w = R.standard_normal((2, 3, 6, 5)), R.standard_normal((4, 3, 3, 3))
    b = R.standard_normal(4) if bias else None
    y, _ = K.conv2d.forward(np, x, w, b, stride=stride, pad=pad)
    np.testing.assert_allclose(y, conv2d_direct(x, w, b, stride, pad), rtol=1e-12, atol=1e-12)


def test_max_pool_equals_loops_and_routes_to_first_max():
    x = R.standard_normal((2, 2, 6, 6))
    x[0, 0, 0, 0] = x[0, 0, 0, 1] = 10.0  # a tie: the gradient goes to the first (argmax) only
    y, saved = K.max_pool2d.forward(np, x, kernel=2)
    for i in range(3):
        for j in range(3):
            np.testing.assert_array_equal(y[:, :, i, j], x[:, :, 2 * i:2 * i + 2, 2 * j:2 * j + 2].max(axis=(2, 3)))
    (gx,) = K.max_pool2d.backward(np, saved, np.ones_like(y), kernel=2)
    assert gx[0, 0, 0, 0] == 1 and gx[0, 0, 0, 1] == 0
    assert gx.sum() == y.size


def test_max_pool_ceil_mode_matches_caffe_size():
    # Caffe: pooled = ceil((H + 2p - k) / s) + 1, dropping a last window that starts in the padding
    assert K.max_pool2d.infer((1, 1, 25, 25), kernel=2, ceil_mode=True) == (1, 1, 13, 13)
    assert K.max_pool2d.infer((1, 1, 25, 25), kernel=2) == (1, 1, 12, 12)
    assert K.max_pool2d.infer((1, 1, 6, 6), kernel=3, stride=2, pad=1, ceil_mode=True) == (1, 1, 4, 4)
    x = R.standard_normal((1, 1, 5, 5))
    y, _ = K.max_pool2d.forward(np, x, kernel=2, ceil_mode=True)
    assert y[0, 0, 2, 2] == x[0, 0, 4, 4]  # the partial last window holds one pixel


def test_embedding_scatter_adds_repeated_ids():
    w = R.standard_normal((5, 3))
    idx = np.array([[1, 1, 4], [1, 0, 4]])
    y, saved = K.embedding.forward(np, w, idx)
    np.testing.assert_array_equal(y, w[idx])
    gy = R.standard_normal(y.shape)
    gw, gids = K.embedding.backward(np, saved, gy)
    expect = np.zeros_like(w)
    for (i, j), k in np.ndenumerate(idx):
        expect[k] += gy[i, j]
    np.testing.assert_allclose(gw, expect, rtol=1e-12)
    assert gids is None


def test_softmax_cross_entropy_formula():
    logits, labels = R.standard_normal((6, 4)) * 30, np.array([0, 1, 2, 3, 3, 0])  # large: must not overflow
    loss, _ = K.softmax_cross_entropy.forward(np, logits, labels)
    m = logits.max(axis=1, keepdims=True)
    logp = logits - m - np.log(np.exp(logits - m).sum(axis=1, keepdims=True))
    np.testing.assert_allclose(loss, -logp[np.arange(6), labels].mean(), rtol=1e-12)


def test_lstm_equals_per_step_cell():
    t_len, b, e, h = 5, 2, 3, 4
    x = R.standard_normal((t_len, b, e))
    h0, c0 = R.standard_normal((b, h)), R.standard_normal((b, h))
    wx, wh = R.standard_normal((e, 4 * h)), R.standard_normal((h, 4 * h))
    b_ih, b_hh = R.standard_normal(4 * h), R.standard_normal(4 * h)
    (hs, h_t, c_t), _ = K.lstm.forward(np, x, h0, c0, wx, wh, b_ih, b_hh)
    sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    hh, cc = h0, c0
    for t in range(t_len):
        g = x[t] @ wx + hh @ wh + b_ih + b_hh
        i, f, gg, o = sig(g[:, :h]), sig(g[:, h:2 * h]), np.tanh(g[:, 2 * h:3 * h]), sig(g[:, 3 * h:])
        cc = f * cc + i * gg
        hh = o * np.tanh(cc)
        np.testing.assert_allclose(hs[t], hh, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(h_t, hh, rtol=1e-12)
    np.testing.assert_allclose(c_t, cc, rtol=1e-12)


@pytest.mark.parametrize("small_gemm", [True, False], ids=["usual-layout", "transposed-layout"])
def test_lstm_layout_matches_finite_differences(monkeypatch, small_gemm):
    """Both layouts of the fused LSTM (the usual (B, H) one, and the transposed one for a BLAS that packs
    every operand), whichever BLAS runs this: backward against central differences in float64."""
    from frameworks.kernels import nn
    from frameworks.kernels.gradcheck import check_kernel
    monkeypatch.setattr(nn, "small_gemm_kernels", lambda: small_gemm)
    rs = np.random.RandomState(5)
    t_len, b, e, h = 3, 2, 3, 4
    check_kernel(K.lstm, [rs.uniform(-1, 1, s) for s in
                          ((t_len, b, e), (b, h), (b, h), (e, 4 * h), (h, 4 * h), (4 * h,), (4 * h,))])


@pytest.mark.parametrize("dtype, rtol", [(np.float32, 2e-5), (np.float64, 1e-12)])
def test_lstm_layouts_agree(monkeypatch, dtype, rtol):
    """The two layouts sum each gate's products in their own order (the transposed one as one GEMM over
    [h | x | 1]), so they may differ in the last bits, and by no more: outputs and gradients at the lstm
    workload's sizes (B 16, H 128, E 32)."""
    from frameworks.kernels import nn
    rs = np.random.RandomState(3)
    t_len, b, e, h = 6, 16, 32, 128
    args = [rs.uniform(-0.5, 0.5, s).astype(dtype) for s in
            ((t_len, b, e), (b, h), (b, h), (e, 4 * h), (h, 4 * h), (4 * h,), (4 * h,))]
    gys = tuple(rs.uniform(-1, 1, s).astype(dtype) for s in ((t_len, b, h), (b, h), (b, h)))
    got = {}
    for small_gemm in (True, False):
        monkeypatch.setattr(nn, "small_gemm_kernels", lambda: small_gemm)
        ys, saved = K.lstm.forward(np, *args)
        ys = [y.copy() for y in ys]   # pool blocks: the next call may reuse them
        got[small_gemm] = ys + [g.copy() for g in K.lstm.backward(np, saved, gys)]
    for name, usual, transposed in zip(("hs", "h_T", "c_T", "gx", "gh0", "gc0", "gwx", "gwh", "gb_ih", "gb_hh"),
                                       got[True], got[False]):
        assert usual.dtype == transposed.dtype == dtype and usual.shape == transposed.shape, name
        np.testing.assert_allclose(transposed, usual, rtol=rtol, atol=rtol * np.abs(usual).max(), err_msg=name)


def test_sigmoid_is_stable_at_extremes():
    x = np.array([-1e4, -100.0, 0.0, 100.0, 1e4], dtype=np.float32)
    with np.errstate(all="raise"):
        y, _ = K.sigmoid.forward(np, x)
    np.testing.assert_allclose(y, [0, 0, 0.5, 1, 1], atol=1e-30)


def test_relu_in_place_keeps_the_gradient():
    x = np.array([-1.0, 2.0, -3.0, 4.0])
    y, saved = K.relu.forward(np, x, out=x)
    assert y is x
    (g,) = K.relu.backward(np, saved, np.ones(4))
    np.testing.assert_array_equal(g, [0, 1, 0, 1])


def test_out_buffers_are_used():
    a, b = R.standard_normal((3, 4)), R.standard_normal((4, 2))
    out = np.empty((3, 2))
    y, _ = K.matmul.forward(np, a, b, out=out)
    assert y is out
    np.testing.assert_allclose(out, a @ b)
    out2 = np.empty((3, 4))
    y2, _ = K.add.forward(np, a, 1.0, out=out2)
    assert y2 is out2


def test_flatten_is_a_reshape():
    x = R.standard_normal((2, 3, 4, 5))
    y, saved = K.flatten(np, x)
    assert y.shape == (2, 60)
    (g,) = K.reshape.backward(np, saved, np.ones_like(y))
    assert g.shape == x.shape
