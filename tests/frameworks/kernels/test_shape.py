"""Shape kernels against NumPy (np.stack, np.pad, np.tile, ...) and their shape errors."""
import numpy as np
import pytest

from frameworks import kernels as K
from frameworks.kernels import ShapeError

R = np.random.RandomState(7)


def test_shape_ops_equal_numpy():
    a, b = R.standard_normal((2, 3)), R.standard_normal((2, 3))
    np.testing.assert_array_equal(K.stack.forward(np, a, b, axis=1)[0], np.stack([a, b], 1))
    parts, _ = K.unstack.forward(np, np.stack([a, b], 2), axis=2)
    np.testing.assert_array_equal(parts[1], b)
    np.testing.assert_array_equal(K.pad.forward(np, a, ((1, 2), (0, 1)), constant_values=7)[0],
                                  np.pad(a, ((1, 2), (0, 1)), constant_values=7))
    np.testing.assert_array_equal(K.tile.forward(np, a, (2, 1, 3))[0], np.tile(a, (2, 1, 3)))
    np.testing.assert_array_equal(K.broadcast_to.forward(np, a[:, :1], (4, 2, -1))[0].shape, (4, 2, 1))
    assert K.squeeze.forward(np, a[None, :, None], axis=None)[0].shape == (2, 3)
    assert K.unsqueeze.forward(np, a, axis=-1)[0].shape == (2, 3, 1)


def test_unstack_gradient_fills_zeros_for_unused_outputs():
    parts, saved = K.unstack.forward(np, np.ones((3, 2)), axis=0)
    (g,) = K.unstack.backward(np, saved, (None, np.array([1.0, 2.0]), None), axis=0)
    np.testing.assert_array_equal(g, [[0, 0], [1, 2], [0, 0]])


@pytest.mark.parametrize("kernel,shapes,attrs,message", [
    (K.stack, [(2, 3), (2, 4)], {}, "stack: all inputs must have the same shape (shapes (2, 3), (2, 4))"),
    (K.broadcast_to, [(3, 2)], {"shape": (3, 4)}, "broadcast_to: axis 1 of size 2 cannot be broadcast to 4"),
    (K.broadcast_to, [(3, 2)], {"shape": (2,)}, "broadcast_to: cannot broadcast to fewer dimensions"),
    (K.pad, [(2, 3)], {"pad_width": ((1, 1),) * 3}, "pad: pad widths"),
    (K.squeeze, [(2, 3)], {"axis": 1}, "squeeze: cannot squeeze axis 1 of size 3 (shapes (2, 3))"),
    (K.unsqueeze, [(2, 3)], {"axis": 4}, "unsqueeze: axis 4 is out of range for 3 dimensions"),
    (K.unstack, [(2, 3)], {"axis": 2}, "unstack: axis 2 is out of range"),
    (K.tile, [(2, 3)], {"reps": (-1, 1)}, "tile: reps (-1, 1) must be non-negative"),
])
def test_shape_errors(kernel, shapes, attrs, message):
    with pytest.raises(ShapeError) as e:
        kernel.infer(*shapes, **attrs)
    assert message in str(e.value)
