"""Loss kernels against each framework's definition: PyTorch's reductions and ignore_index, TF's soft-label
and sigmoid cross-entropies, MXNet's float labels; bad labels are one clear error."""
import numpy as np
import pytest

from frameworks import kernels as K
from frameworks.kernels import ShapeError

R = np.random.RandomState(4)


def log_softmax(x):
    e = np.exp(x - x.max(1, keepdims=True))
    return np.log(e / e.sum(1, keepdims=True))


def test_nll_loss_mean_divides_by_the_targets_not_ignored():
    logp = log_softmax(R.standard_normal((5, 4)))
    target = np.array([1, -100, 3, -100, 0])
    loss, _ = K.nll_loss.forward(np, logp, target)
    expect = -(logp[0, 1] + logp[2, 3] + logp[4, 0]) / 3
    np.testing.assert_allclose(loss, expect, rtol=1e-14)
    none, _ = K.nll_loss.forward(np, logp, target, reduction="none")
    np.testing.assert_allclose(none, [-logp[0, 1], 0, -logp[2, 3], 0, -logp[4, 0]], rtol=1e-14)
    total, _ = K.nll_loss.forward(np, logp, target, reduction="sum")
    np.testing.assert_allclose(total, expect * 3, rtol=1e-14)


def test_nll_loss_class_weights_and_spatial_targets_as_pytorch():
    logp = log_softmax(R.standard_normal((4, 3)))
    target, w = np.array([2, 0, -100, 2]), np.array([0.5, 1.0, 2.0])
    loss, _ = K.nll_loss.forward(np, logp, target, w)
    expect = -(2.0 * logp[0, 2] + 0.5 * logp[1, 0] + 2.0 * logp[3, 2]) / (2.0 + 0.5 + 2.0)   # / summed weights
    np.testing.assert_allclose(loss, expect, rtol=1e-14)
    x = R.standard_normal((2, 3, 5))                      # (N, C, d1): the class axis is 1
    t = R.randint(0, 3, (2, 5))
    none, _ = K.nll_loss.forward(np, x, t, reduction="none")
    np.testing.assert_array_equal(none, -np.take_along_axis(x, t[:, None], 1)[:, 0])
    with pytest.raises(ShapeError, match=r"nll_loss: weight must be \(C,\) = \(3,\)"):
        K.nll_loss.infer((4, 3), (4,), (4,))


def test_nll_loss_refuses_targets_out_of_range_but_allows_ignore_index():
    logp = np.zeros((3, 4))
    with pytest.raises(IndexError, match=r"nll_loss: target -1 is out of range for size 4"):
        K.nll_loss.forward(np, logp, np.array([0, -1, 2]))
    with pytest.raises(IndexError, match=r"nll_loss: target 4 is out of range for size 4"):
        K.nll_loss.forward(np, logp, np.array([0, 4, 2]))
    K.nll_loss.forward(np, logp, np.array([0, -1, 2]), ignore_index=-1)
    with pytest.raises(ValueError, match="reduction must be one of"):
        K.nll_loss.forward(np, logp, np.array([0, 1, 2]), reduction="avg")


def test_softmax_cross_entropy_equals_log_softmax_then_nll_loss():
    x, labels = R.standard_normal((6, 5)), np.array([4, 0, -100, 2, 2, -100])
    ce, ce_saved = K.softmax_cross_entropy.forward(np, x, labels, ignore_index=-100)
    lp, lp_saved = K.log_softmax.forward(np, x)
    nll, nll_saved = K.nll_loss.forward(np, lp, labels)
    np.testing.assert_allclose(ce, nll, rtol=1e-13)
    g_ce = K.softmax_cross_entropy.backward(np, ce_saved, 1.0, ignore_index=-100)[0]
    g_nll = K.nll_loss.backward(np, nll_saved, 1.0)[0]
    np.testing.assert_allclose(g_ce, K.log_softmax.backward(np, lp_saved, g_nll)[0], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("ignore_index", [None, -100])
def test_softmax_cross_entropy_reductions_equal_log_softmax_then_nll_loss(reduction, ignore_index):
    x, labels = R.standard_normal((6, 5)), np.array([4, 0, -100, 2, 2, 1])
    if ignore_index is None:
        labels[2] = 3
    ce, ce_saved = K.softmax_cross_entropy.forward(np, x, labels, ignore_index=ignore_index, reduction=reduction)
    lp, lp_saved = K.log_softmax.forward(np, x)
    nll, nll_saved = K.nll_loss.forward(np, lp, labels, reduction=reduction)
    assert np.shape(ce) == np.shape(nll) == K.softmax_cross_entropy.infer(
        x.shape, labels.shape, ignore_index=ignore_index, reduction=reduction)
    np.testing.assert_allclose(ce, nll, rtol=1e-13)
    gy = R.standard_normal(np.shape(ce))
    g_ce = K.softmax_cross_entropy.backward(np, ce_saved, gy, ignore_index=ignore_index, reduction=reduction)[0]
    g_nll = K.nll_loss.backward(np, nll_saved, gy, reduction=reduction)[0]
    np.testing.assert_allclose(g_ce, K.log_softmax.backward(np, lp_saved, g_nll)[0], rtol=1e-12, atol=1e-15)


def test_softmax_cross_entropy_reduction_is_checked():
    with pytest.raises(ValueError, match="reduction must be one of"):
        K.softmax_cross_entropy.infer((3, 4), (3,), reduction="avg")


def test_softmax_cross_entropy_labels_are_checked():
    x = np.zeros((3, 4), dtype=np.float32)
    with pytest.raises(IndexError, match=r"softmax_cross_entropy: label -1 is out of range for size 4"):
        K.softmax_cross_entropy.forward(np, x, np.array([0, -1, 2]))
    with pytest.raises(IndexError, match="label 7 is out of range for size 4"):
        K.softmax_cross_entropy.forward(np, x, np.array([0, 7, 2]))
    with pytest.raises(ValueError, match=r"label must hold integral values; got 1.5"):
        K.softmax_cross_entropy.forward(np, x, np.array([0.0, 1.5, 2.0], dtype=np.float32))
    a, _ = K.softmax_cross_entropy.forward(np, x + np.arange(4, dtype=np.float32), np.array([0.0, 3.0, 2.0]))
    b, _ = K.softmax_cross_entropy.forward(np, x + np.arange(4, dtype=np.float32), np.array([0, 3, 2]))
    assert a == b and a.dtype == np.float32


def test_soft_label_cross_entropy_is_per_example_and_feeds_labels():
    x, p = R.standard_normal((4, 3)), R.dirichlet(np.ones(3), 4)
    loss, saved = K.softmax_cross_entropy_with_logits.forward(np, x, p)
    np.testing.assert_allclose(loss, -(p * log_softmax(x)).sum(1), rtol=1e-13)
    gx, gp = K.softmax_cross_entropy_with_logits.backward(np, saved, np.ones(4))
    np.testing.assert_allclose(gx, np.exp(log_softmax(x)) - p, rtol=1e-12, atol=1e-15)  # TF's softmax - labels
    np.testing.assert_allclose(gp, -log_softmax(x), rtol=1e-13)
    with pytest.raises(ShapeError, match="logits and labels must have the same shape"):
        K.softmax_cross_entropy_with_logits.infer((4, 3), (4,))


def test_sigmoid_cross_entropy_is_stable_and_matches_the_naive_form():
    x, z = R.standard_normal((3, 4)), R.uniform(0, 1, (3, 4))
    s = 1 / (1 + np.exp(-x))
    loss, _ = K.sigmoid_cross_entropy_with_logits.forward(np, x, z)
    np.testing.assert_allclose(loss, -(z * np.log(s) + (1 - z) * np.log(1 - s)), rtol=1e-12)
    big = np.array([-200.0, 200.0], dtype=np.float32)
    loss, saved = K.sigmoid_cross_entropy_with_logits.forward(np, big, np.array([1.0, 0.0], np.float32))
    np.testing.assert_allclose(loss, [200.0, 200.0])
    gx, _ = K.sigmoid_cross_entropy_with_logits.backward(np, saved, np.ones(2, np.float32))
    np.testing.assert_array_equal(gx, [-1.0, 1.0])


def test_mse_loss_reductions():
    a, b = R.standard_normal((2, 3)), R.standard_normal((2, 3))
    np.testing.assert_allclose(K.mse_loss.forward(np, a, b)[0], ((a - b) ** 2).mean(), rtol=1e-14)
    np.testing.assert_allclose(K.mse_loss.forward(np, a, b, reduction="sum")[0], ((a - b) ** 2).sum(), rtol=1e-14)
    with pytest.raises(ShapeError, match=r"mse_loss: both inputs must have the same shape \(shapes \(2, 3\), \(3,\)\)"):
        K.mse_loss.infer((2, 3), (3,))


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
@pytest.mark.parametrize("shape", [(1,), (7,), (32,), (4, 5), (12345,)])
def test_mean_reduction_is_numpys_mean_to_the_bit(dtype, shape):
    from frameworks.kernels.loss import reduce_loss
    x = R.standard_normal(shape).astype(dtype)
    got, want = reduce_loss("mse_loss", x, "mean"), x.mean()
    assert type(got) is type(want) and got.tobytes() == want.tobytes()
