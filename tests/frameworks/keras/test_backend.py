"""keras.backend's Sessions: one per graph, side by side, freed with their graph, and clear_session."""
import gc
import weakref

import numpy as np

import frameworks.static_graph as tf
from frameworks.keras import backend as K
from frameworks.keras import layers
from frameworks.keras.models import Sequential
from frameworks.keras.optimizers import SGD


def _model_in_own_graph(lr):
    """The workloads' way: a fresh graph and a Session of its own set as Keras' (K.set_session)."""
    graph = tf.Graph()
    sess = tf.Session(graph=graph)
    K.set_session(sess)
    with graph.as_default():
        model = Sequential([layers.Dense(1, input_shape=(2,), use_bias=False, kernel_initializer="ones")])
        model.compile(optimizer=SGD(lr=lr), loss="mean_squared_error")
    return graph, sess, model


def test_a_graph_nobody_uses_is_freed_with_its_session_and_arrays():
    graph, sess, model = _model_in_own_graph(0.1)
    model.train_on_batch(np.ones((4, 2), np.float32), np.zeros((4, 1), np.float32))
    assert K.get_session(graph) is sess
    kernel = model.get_weights()[0]
    np.testing.assert_allclose(kernel, 1 - 0.1 * 2 * 2, rtol=1e-6)   # d mean((x.w)^2)/dw = 2 * 2 per entry
    alive = [weakref.ref(o) for o in (graph, sess, model)]
    del graph, sess, model
    gc.collect()
    # the backend's per-graph state (Session, learning phase, variables, layer-name counters) lives on
    # the graph: nothing module-level keeps an unused graph, its Session or their arrays alive
    assert [r() for r in alive] == [None, None, None]


def test_sessions_of_two_graphs_side_by_side():
    g1, s1, m1 = _model_in_own_graph(0.1)
    g2, s2, m2 = _model_in_own_graph(0.2)
    x, y = np.ones((4, 2), np.float32), np.zeros((4, 1), np.float32)
    m1.train_on_batch(x, y)
    m2.train_on_batch(x, y)
    assert K.get_session(g1) is s1 and K.get_session(g2) is s2
    np.testing.assert_allclose(m1.get_weights()[0], 1 - 0.1 * 4, rtol=1e-6)
    np.testing.assert_allclose(m2.get_weights()[0], 1 - 0.2 * 4, rtol=1e-6)
    with g1.as_default():
        assert K.get_uid("dense") == 2            # each graph counts its own layer names
        assert K.learning_phase().graph is g1


def test_clear_session_closes_the_session_and_restarts_names():
    layers.Dense(1)
    sess = K.get_session()
    old = tf.get_default_graph()
    K.clear_session()
    assert sess._closed and tf.get_default_graph() is not old
    assert layers.Dense(1).name == "dense_1"
    assert K.get_session() is not sess


def test_backend_prod_and_its_gradient():
    """K.prod (Keras' backend reduction over tf.reduce_prod) with axis and keepdims, and K.gradients through
    it: d prod / d x_i is the product of the others (a zero entry included)."""
    v = np.array([[1.5, 2.0, 0.0], [0.5, -1.0, 3.0]], dtype=np.float32)
    x = K.placeholder(shape=(2, 3))
    f = K.function([x], [K.prod(x), K.prod(x, axis=1, keepdims=True), K.gradients(K.sum(K.prod(x, axis=1)), [x])[0]])
    total, rows, grad = f([v])
    np.testing.assert_allclose(total, 0.0)
    np.testing.assert_allclose(rows, [[0.0], [-1.5]])
    np.testing.assert_allclose(grad, [[0.0, 0.0, 3.0], [-3.0, 1.5, -0.5]], rtol=1e-6)
