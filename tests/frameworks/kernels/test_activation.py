"""Activation kernels against NumPy definitions, at the extremes too."""
import numpy as np
import pytest

from frameworks import kernels as K
from frameworks.kernels import ShapeError

R = np.random.RandomState(3)


def test_softmax_and_log_softmax_formulas():
    x = R.standard_normal((3, 5))
    e = np.exp(x)
    np.testing.assert_allclose(K.softmax.forward(np, x)[0], e / e.sum(1, keepdims=True), rtol=1e-14)
    np.testing.assert_allclose(K.log_softmax.forward(np, x)[0], x - np.log(e.sum(1, keepdims=True)), rtol=1e-13)
    np.testing.assert_allclose(K.softmax.forward(np, x, axis=0)[0], e / e.sum(0, keepdims=True), rtol=1e-14)


def test_softmax_is_stable_for_large_logits():
    x = np.array([[1000.0, 0.0, -1000.0]], dtype=np.float32)
    y, _ = K.softmax.forward(np, x)
    assert np.isfinite(y).all() and y[0, 0] == 1
    ly, _ = K.log_softmax.forward(np, x)
    assert np.isfinite(ly).all() and ly[0, 2] == -2000


def test_softmax_axis_out_of_range_names_op_and_shape():
    with pytest.raises(ShapeError, match=r"softmax: axis 2 is out of range for 2 dimensions \(shapes \(3, 4\)\)"):
        K.softmax.infer((3, 4), axis=2)


def test_leaky_relu_elu_softplus_formulas():
    x = np.array([-50.0, -2.0, -0.5, 0.0, 0.5, 3.0, 50.0])
    np.testing.assert_array_equal(K.leaky_relu.forward(np, x, negative_slope=0.2)[0], np.where(x > 0, x, 0.2 * x))
    np.testing.assert_allclose(K.elu.forward(np, x, alpha=0.7)[0], np.where(x > 0, x, 0.7 * (np.exp(x) - 1)),
                               rtol=1e-12)
    np.testing.assert_allclose(K.softplus.forward(np, x)[0], np.log1p(np.exp(x)), rtol=1e-12)


def test_softplus_is_stable_and_threshold_is_linear():
    x = np.array([-1000.0, 1000.0], dtype=np.float32)
    y, saved = K.softplus.forward(np, x)
    np.testing.assert_array_equal(y, [0.0, 1000.0])
    (g,) = K.softplus.backward(np, saved, np.ones_like(y))
    np.testing.assert_array_equal(g, [0.0, 1.0])
    assert y.dtype == g.dtype == np.float32
    y, _ = K.softplus.forward(np, np.array([30.0]), threshold=20.0)
    assert y[0] == 30.0
