"""batch_norm's running statistics under each framework's convention (Caffe's scale-factor blob included),
its affine-free form, dropout's mask, scaling and identity cases, and lrn against Caffe's loops (gradients:
test_gradients.py)."""
import numpy as np
import pytest

from frameworks import kernels as K
from frameworks.kernels import ShapeError
from frameworks.kernels import normalization
from frameworks.kernels.gradcheck import check_kernel

R = np.random.RandomState(3)


def _bn_inputs(shape=(4, 3, 2, 2)):
    c = shape[1]
    return R.standard_normal(shape), R.standard_normal(c), R.standard_normal(c), R.standard_normal(c), \
        np.abs(R.standard_normal(c)) + 0.5


def _batch_stats(x):
    axes = (0,) if x.ndim == 2 else (0, 2, 3)
    m = x.size // x.shape[1]
    return x.mean(axis=axes), x.var(axis=axes), x.var(axis=axes) * m / (m - 1), axes


@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 2, 2)])
def test_training_normalises_with_batch_stats_and_biased_variance(shape):
    x, g, b, rm, rv = _bn_inputs(shape)
    y, _ = K.batch_norm.forward(np, x, g, b, rm.copy(), rv.copy(), eps=1e-5)
    mean, var, _, axes = _batch_stats(x)
    bs = (1, -1) + (1,) * (x.ndim - 2)
    want = (x - mean.reshape(bs)) / np.sqrt(var.reshape(bs) + 1e-5) * g.reshape(bs) + b.reshape(bs)
    np.testing.assert_allclose(y, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("convention,momentum", [("pytorch", 0.1), ("decay", 0.9)])
def test_running_stats_update_in_place_one_arithmetic_two_spellings(convention, momentum):
    """PyTorch's momentum=0.1 and TF/Keras/MXNet's momentum=0.9 are the same update."""
    x, g, b, rm, rv = _bn_inputs()
    rm0, rv0 = rm.copy(), rv.copy()
    K.batch_norm.forward(np, x, g, b, rm, rv, momentum=momentum, convention=convention)
    mean, _, unbiased, _ = _batch_stats(x)
    np.testing.assert_allclose(rm, 0.9 * rm0 + 0.1 * mean, rtol=1e-12)
    np.testing.assert_allclose(rv, 0.9 * rv0 + 0.1 * unbiased, rtol=1e-12)


def test_caffe_keeps_moving_sums_and_a_scale_factor():
    """batch_norm_layer.cpp: blobs_[2] = fraction * blobs_[2] + 1; blobs_[0] = mean + fraction * blobs_[0];
    blobs_[1] = m/(m-1) * var + fraction * blobs_[1]; inference divides both by blobs_[2]."""
    f = 0.999
    sums_m, sums_v, sf = np.zeros(3), np.zeros(3), np.zeros(1)
    want_m, want_v, want_sf = np.zeros(3), np.zeros(3), 0.0
    for _ in range(3):
        x = R.standard_normal((4, 3, 2, 2))
        K.batch_norm.forward(np, x, None, None, sums_m, sums_v, sf, momentum=f, convention="caffe")
        mean, _, unbiased, _ = _batch_stats(x)
        want_sf = f * want_sf + 1
        want_m, want_v = mean + f * want_m, unbiased + f * want_v
    np.testing.assert_allclose(sf, [want_sf], rtol=1e-12)
    np.testing.assert_allclose(sums_m, want_m, rtol=1e-12)
    np.testing.assert_allclose(sums_v, want_v, rtol=1e-12)
    x = R.standard_normal((2, 3, 2, 2))
    y, _ = K.batch_norm.forward(np, x, None, None, sums_m, sums_v, sf, training=False, convention="caffe")
    mean, var = (sums_m / want_sf).reshape(1, 3, 1, 1), (sums_v / want_sf).reshape(1, 3, 1, 1)
    np.testing.assert_allclose(y, (x - mean) / np.sqrt(var + 1e-5), rtol=1e-12)
    # a zero scale factor (a net that never trained) normalises with zeros, as Caffe's 1/0 -> 0 rule
    y0, _ = K.batch_norm.forward(np, x, None, None, sums_m, sums_v, np.zeros(1), training=False,
                                 convention="caffe")
    np.testing.assert_allclose(y0, x / np.sqrt(1e-5), rtol=1e-12)


def test_inference_uses_running_stats_and_updates_nothing():
    x, g, b, rm, rv = _bn_inputs((5, 3))
    rm0, rv0 = rm.copy(), rv.copy()
    y, _ = K.batch_norm.forward(np, x, g, b, rm, rv, training=False, eps=1e-3)
    np.testing.assert_allclose(y, (x - rm) / np.sqrt(rv + 1e-3) * g + b, rtol=1e-12)
    np.testing.assert_array_equal(rm, rm0)
    np.testing.assert_array_equal(rv, rv0)


@pytest.mark.parametrize("training", [True, False])
def test_without_affine_gradients_are_checked_and_none(training):
    x, _, _, rm, rv = _bn_inputs()
    grads = check_kernel(K.batch_norm, [x, None, None, rm, rv, np.array([2.0])],
                         {"convention": "caffe", "training": training}, diff=[0])
    assert grads[1:] == (None,) * 5


def test_float32_running_stats_stay_float32():
    x, g, b, rm, rv = (a.astype(np.float32) for a in _bn_inputs())
    K.batch_norm.forward(np, x, g, b, rm, rv)
    assert rm.dtype == rv.dtype == np.float32


def test_shape_errors_name_the_op_and_shapes():
    with pytest.raises(ShapeError, match=r"batch_norm: gamma must have shape \(3,\).*\(4, 3\), \(2,\)"):
        K.batch_norm.infer((4, 3), (2,), (3,), (3,), (3,))
    with pytest.raises(ShapeError, match="batch_norm: input must be"):
        K.batch_norm.infer((4, 3, 2), (3,), (3,), (3,), (3,))
    with pytest.raises(ShapeError, match="scale-factor blob"):
        K.batch_norm.infer((4, 3), None, None, (3,), (3,), convention="caffe")
    with pytest.raises(ValueError, match="caffe convention needs the scale-factor blob"):
        K.batch_norm.forward(np, *_bn_inputs(), convention="caffe")
    with pytest.raises(ValueError, match="unknown convention 'keras'"):
        K.batch_norm.forward(np, *_bn_inputs(), convention="keras")


# ---------------------------------------------------------------- dropout

def test_dropout_keeps_about_1_minus_p_and_scales_inverted():
    x = np.ones((200, 100), dtype=np.float32)
    y, keep = K.dropout.forward(np, x, p=0.3, seed=7, counter=0)
    assert y.dtype == np.float32 and keep.dtype == bool
    assert abs(keep.mean() - 0.7) < 0.01
    np.testing.assert_allclose(y[keep], 1 / 0.7, rtol=1e-6)
    assert (y[~keep] == 0).all()


def test_dropout_mask_is_the_shared_generators():
    x = R.standard_normal((8, 9))
    _, keep = K.dropout.forward(np, x, p=0.5, seed=7, counter=4)
    np.testing.assert_array_equal(keep, K.random.uniform(np, 7, 4, x.shape) >= 0.5)
    _, again = K.dropout.forward(np, x * 2, p=0.5, seed=7, counter=4)
    np.testing.assert_array_equal(keep, again)
    _, other = K.dropout.forward(np, x, p=0.5, seed=7, counter=5)
    assert (keep != other).any()


@pytest.mark.parametrize("attrs", [{"p": 0.0}, {"p": 0.5, "training": False}])
def test_dropout_identity_draws_nothing(attrs, monkeypatch):
    monkeypatch.setattr(normalization, "uniform", lambda *a, **k: pytest.fail("drew random numbers"))
    x = R.standard_normal((3, 4))
    y, saved = K.dropout.forward(np, x, **attrs)
    assert y is x and saved is None
    out = np.empty_like(x)
    y, _ = K.dropout.forward(np, x, out=out, **attrs)
    assert y is out and (out == x).all()
    gy = np.ones_like(x)
    assert K.dropout.backward(np, saved, gy, **attrs)[0] is gy


def test_dropout_p_one_drops_everything_and_bad_p_is_refused():
    y, _ = K.dropout.forward(np, np.ones(5), p=1.0)
    assert (y == 0).all()
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
        K.dropout.forward(np, np.ones(5), p=1.5)


# ---------------------------------------------------------------- lrn: Caffe's ACROSS_CHANNELS, by its loops

def _caffe_lrn(x, size, alpha, beta, k):
    """lrn_layer.cpp's CrossChannelForward written as loops: pre_pad = (size - 1) / 2 channels before c."""
    n, c = x.shape[:2]
    pre = (size - 1) // 2
    y = np.empty_like(x)
    for b in range(n):
        for ch in range(c):
            lo, hi = max(0, ch - pre), min(c, ch - pre + size)
            scale = k + alpha / size * (x[b, lo:hi] ** 2).sum(axis=0)
            y[b, ch] = x[b, ch] * scale ** -beta
    return y


@pytest.mark.parametrize("size,alpha,beta,k", [(5, 1e-4, 0.75, 1.0), (3, 5e-5, 0.75, 1.0), (5, 0.3, 0.6, 2.0),
                                               (1, 0.5, 1.0, 1.0), (9, 0.1, 0.75, 1.0)])
def test_lrn_matches_caffe_across_channels(size, alpha, beta, k):
    x = np.random.RandomState(size).standard_normal((2, 6, 3, 4)) * 3
    y, _ = K.lrn.forward(np, x, size=size, alpha=alpha, beta=beta, k=k)
    np.testing.assert_allclose(y, _caffe_lrn(x, size, alpha, beta, k), rtol=1e-13)


def test_lrn_channel_last_equals_channel_first():
    x = np.random.RandomState(1).standard_normal((2, 4, 3, 7))
    y1, _ = K.lrn.forward(np, x, size=3, alpha=0.2, beta=0.5, k=1.0)
    y2, _ = K.lrn.forward(np, x.transpose(0, 2, 3, 1).copy(), size=3, alpha=0.2, beta=0.5, k=1.0, axis=-1)
    np.testing.assert_allclose(y2.transpose(0, 3, 1, 2), y1, rtol=1e-14)
