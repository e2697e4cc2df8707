"""sign and the comparisons: values as NumPy's, sign's gradient zeros, comparisons bool with no gradient."""
import numpy as np
import pytest

from frameworks import kernels as K
from frameworks.kernels import ShapeError


def test_comparisons_are_bool_and_have_no_gradient():
    a, b = np.array([1.0, 2.0, 3.0]), np.array([2.0])
    for k, f in ((K.equal, np.equal), (K.not_equal, np.not_equal), (K.greater, np.greater),
                 (K.greater_equal, np.greater_equal), (K.less, np.less), (K.less_equal, np.less_equal)):
        y, saved = k.forward(np, a, b)
        assert y.dtype == bool
        np.testing.assert_array_equal(y, f(a, b))
        assert k.backward(np, saved, np.ones(3)) == (None, None)
    with pytest.raises(ShapeError, match="greater: operands could not be broadcast"):
        K.greater.infer((3,), (2,))


def test_sign_gradient_is_zeros():
    y, saved = K.sign.forward(np, np.array([-2.0, 0.0, 5.0], dtype=np.float32))
    np.testing.assert_array_equal(y, [-1, 0, 1])
    (g,) = K.sign.backward(np, saved, np.ones(3, np.float32))
    assert g.dtype == np.float32 and not g.any()
