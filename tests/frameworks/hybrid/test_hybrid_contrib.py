"""nd.contrib's imperative control flow (foreach, while_loop, cond) as MXNet's documentation runs it, its
gradients by finite differences, the contrib helpers, and sym.contrib's loops refused with MXNetError."""
import numpy as np
import pytest

import frameworks.hybrid as mx
from frameworks.hybrid import nd
from frameworks.hybrid.base import MXNetError
from tests.frameworks.hybrid.test_hybrid_ops import _fd_check


def _rnn_like(x, h):
    def step(data, states):
        new = nd.tanh(data + states[0])
        return new * 2, [new]
    return nd.contrib.foreach(step, x, [h])


def test_foreach_values_and_gradients():
    rs = np.random.RandomState(0)
    x, h = rs.standard_normal((4, 3)), rs.standard_normal(3)
    outs, states = _rnn_like(nd.array(x, dtype="float64"), nd.array(h, dtype="float64"))
    s, expected = h, []
    for row in x:
        s = np.tanh(row + s)
        expected.append(2 * s)
    np.testing.assert_allclose(outs.asnumpy(), np.stack(expected))
    np.testing.assert_allclose(states[0].asnumpy(), s)
    _fd_check(lambda a, b: _rnn_like(a, b)[0], x, h)
    # several data arrays and nested outputs
    outs, _ = nd.contrib.foreach(lambda d, st: ([d[0] + d[1], [d[0]]], st), [nd.ones((2, 3)), nd.ones((2, 3))], [])
    assert outs[0].shape == (2, 3) and outs[1][0].shape == (2, 3)
    with pytest.raises(MXNetError):
        nd.contrib.foreach(lambda d, s: (d, s), "not an array", [])


def test_while_loop_pads_to_max_iterations_and_cond():
    outputs, loop_vars = nd.contrib.while_loop(
        cond=lambda i, s: i <= 5,
        func=lambda i, s: ([i + s], [i + 1, s + i]),
        loop_vars=(nd.array([0], dtype="int64"), nd.array([1], dtype="int64")),
        max_iterations=10)
    assert outputs[0].shape == (10, 1)
    np.testing.assert_array_equal(outputs[0].asnumpy().ravel()[:6], [1, 2, 4, 7, 11, 16])
    assert [v.asscalar() for v in loop_vars] == [6, 16]
    with pytest.raises(ValueError):
        nd.contrib.while_loop(lambda i: i < 2, lambda i: (None, [i + 1]), [nd.zeros(1)])
    a, b = nd.array([1.0]), nd.array([2.0])
    assert nd.contrib.cond(a * b < 5, lambda: (a + 5) * (b + 5), lambda: (a - 5) * (b - 5)).asscalar() == 42


def test_contrib_helpers_and_the_refused_symbolic_loops():
    x = nd.array([1.0, np.inf, -np.inf, np.nan])
    np.testing.assert_array_equal(nd.contrib.isinf(x).asnumpy(), [0, 1, 1, 0])
    np.testing.assert_array_equal(nd.contrib.isnan(x).asnumpy(), [0, 0, 0, 1])
    np.testing.assert_array_equal(nd.contrib.isfinite(x).asnumpy(), [1, 0, 0, 0])
    np.testing.assert_array_equal(nd.contrib.arange_like(nd.zeros((2, 3)), start=1, repeat=2).asnumpy(),
                                  [[1, 1, 2], [2, 3, 3]])
    old = nd.zeros((4, 2))
    new = nd.array([[1.0, 1.0], [2.0, 2.0]])
    np.testing.assert_array_equal(nd.contrib.index_copy(old, nd.array([2, 0]), new).asnumpy(),
                                  [[2, 2], [0, 0], [1, 1], [0, 0]])
    _fd_check(lambda o, n: nd.contrib.index_copy(o, nd.array([3, 1]), n), np.ones((4, 2)), np.ones((2, 2)))
    with pytest.raises(MXNetError, match="nd.contrib.foreach"):
        mx.sym.contrib.foreach(lambda d, s: (d, s), mx.sym.var("x"), [])
