"""max/min over axes route the gradient to the first extreme on ties (PyTorch's max(dim)); argmax/argmin
are int64 with no gradient; reductions agree with NumPy's."""
import numpy as np
import pytest

from frameworks import kernels as K
from frameworks.kernels import ShapeError

R = np.random.RandomState(6)


@pytest.mark.parametrize("axis,keepdims", [(None, False), (1, True), ((0, 2), False), (-1, False)])
def test_max_min_equal_numpy(axis, keepdims):
    x = R.standard_normal((3, 4, 2)).astype(np.float32)
    for k, f in ((K.max, np.max), (K.min, np.min)):
        y, _ = k.forward(np, x, axis=axis, keepdims=keepdims)
        np.testing.assert_array_equal(y, f(x, axis=axis, keepdims=keepdims))
        assert y.dtype == np.float32 and k.infer(x.shape, axis=axis, keepdims=keepdims) == y.shape


def test_max_ties_send_the_gradient_to_the_first_maximum():
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]])
    y, saved = K.max.forward(np, x, axis=1)
    (g,) = K.max.backward(np, saved, np.array([1.0, 1.0]), axis=1)
    np.testing.assert_array_equal(g, [[0, 1, 0], [1, 0, 0]])
    y, saved = K.max.forward(np, np.array([[5.0, 1.0], [5.0, 5.0]]), axis=(0, 1))
    (g,) = K.max.backward(np, saved, np.float64(2.0), axis=(0, 1))
    np.testing.assert_array_equal(g, [[2, 0], [0, 0]])


def test_argmax_argmin():
    x = np.array([[1.0, 4.0, 4.0], [7.0, 0.0, 7.0]])
    np.testing.assert_array_equal(K.argmax.forward(np, x, axis=1)[0], [1, 0])
    np.testing.assert_array_equal(K.argmin.forward(np, x, axis=0)[0], [0, 1, 0])
    assert K.argmax.forward(np, x)[0] == 3 and K.argmax.forward(np, x)[0].dtype == np.int64
    assert K.argmax.backward(np, None, None) == (None,)
    with pytest.raises(ShapeError, match="argmax: axis must be one int or None"):
        K.argmax.infer((2, 3), axis=(0, 1))
