"""abs, sqrt, rsqrt and cast against NumPy; cast's gradient returns in the input's dtype."""
import numpy as np

from frameworks import kernels as K

R = np.random.RandomState(3)


def test_abs_sqrt_rsqrt():
    x = np.array([0.25, 4.0, 9.0])
    np.testing.assert_allclose(K.rsqrt.forward(np, x)[0], [2.0, 0.5, 1 / 3], rtol=1e-15)
    np.testing.assert_allclose(K.sqrt.forward(np, x)[0], [0.5, 2.0, 3.0], rtol=1e-15)
    y, saved = K.abs.forward(np, np.array([-2.0, 0.0, 3.0]))
    np.testing.assert_array_equal(K.abs.backward(np, saved, np.ones(3))[0], [-1.0, 0.0, 1.0])


def test_cast_gradient_comes_back_in_the_input_dtype():
    x = R.standard_normal(4).astype(np.float32)
    y, saved = K.cast.forward(np, x, dtype="float64")
    assert y.dtype == np.float64
    (g,) = K.cast.backward(np, saved, np.ones(4), dtype="float64")
    assert g.dtype == np.float32
    same, _ = K.cast.forward(np, x, dtype=np.float32)
    assert same is x
    _, saved = K.cast.forward(np, np.array([1, 2]), dtype="float32")
    assert K.cast.backward(np, saved, np.ones(2, np.float32), dtype="float32") == (None,)
