"""The Theano-style frontend: shared variables, grad, function with simultaneous updates."""
import numpy as np
import pytest

import frameworks.static_graph as tf
from frameworks.static_graph import theano

T = theano.tensor


@pytest.fixture(autouse=True)
def fresh_graph():
    with tf.Graph().as_default():
        yield


def test_logistic_regression_trains_with_updates():
    rs = np.random.RandomState(0)
    X = rs.randn(40, 3).astype(np.float32)
    y = (X @ np.array([1.0, -2.0, 0.5]) > 0).astype(np.int64)
    x, labels = T.matrix("x"), T.lvector("y")
    w = theano.shared(np.zeros((3, 2), np.float32), name="w")
    cost = T.nnet.categorical_crossentropy(T.dot(x, w), labels)
    gw = theano.grad(cost, w)
    train = theano.function([x, labels], cost, updates=[(w, w - 0.5 * gw)])
    costs = [float(train(X, y)) for _ in range(30)]
    assert costs[-1] < 0.5 * costs[0]
    assert w.get_value().shape == (3, 2)


def test_updates_are_simultaneous_and_outputs_see_old_values():
    a = theano.shared(np.float32(1.0), name="a")
    b = theano.shared(np.float32(2.0), name="b")
    swap = theano.function([], [a, b], updates=[(a, b), (b, a)])
    assert [float(v) for v in swap()] == [1.0, 2.0]
    assert (float(a.get_value()), float(b.get_value())) == (2.0, 1.0)


def test_function_checks_its_arity():
    x = T.vector("x")
    f = theano.function([x], T.sum(T.sqr(x)))
    assert float(f(np.array([1.0, 2.0], np.float32))) == 5.0
    with pytest.raises(TypeError, match="expects 1 inputs"):
        f()
