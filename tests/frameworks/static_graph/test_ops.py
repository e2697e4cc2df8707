"""tf.reshape to a shape the graph does not fix (a tf.shape of a fed tensor): read at run time, as TF's."""
import numpy as np
import pytest

import frameworks.static_graph as tf


def test_reshape_to_a_run_time_shape_and_its_gradient():
    tf.reset_default_graph()
    x = tf.placeholder(tf.float64, [None, 6])
    w = tf.Variable(np.arange(6.0))
    y = tf.reshape(x * w, [tf.shape(x)[0], 2, 3])
    back = tf.reshape(y, tf.shape(x))
    loss = tf.reduce_sum(tf.square(back))
    g, = tf.gradients(loss, [w])
    xv = np.random.default_rng(0).standard_normal((4, 6))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        yv, bv, gv = sess.run([y, back, g], {x: xv})
        np.testing.assert_array_equal(yv, (xv * np.arange(6.0)).reshape(4, 2, 3))
        np.testing.assert_array_equal(bv, xv * np.arange(6.0))
        np.testing.assert_allclose(gv, (2 * xv * xv * np.arange(6.0)).sum(0), rtol=1e-12)
        assert sess.run(y, {x: xv[:3]}).shape == (3, 2, 3)   # a new batch size, the same graph
        with pytest.raises(ValueError, match=r"Input to reshape is a tensor with 18 values, but the requested "
                                             r"shape \[4, 5\] does not fit it"):
            sess.run(tf.reshape(x, [tf.shape(x)[0] + 1, 5]), {x: xv[:3]})
    with pytest.raises(ValueError, match="Shape must be rank 1 but is rank 0"):
        tf.reshape(x, tf.shape(x)[0] * 6)


def test_reshape_to_a_shape_the_graph_fixes_is_static():
    tf.reset_default_graph()
    a = tf.zeros([2, 6])
    y = tf.reshape(tf.ones([12]), tf.shape(a))
    assert y.shape.as_list() == [2, 6] and y.op.kernel is not None
    assert tf.reshape(a, [tf.shape(a)[1], -1]).shape.as_list() == [6, 2]


def test_a_tensor_is_not_iterable_and_one_grad_ys_tensor_is_one_gradient():
    """As TF 1.x: iterating a graph Tensor is a TypeError (not a quiet row by row slicing), and
    tf.gradients takes grad_ys as one tensor or a list."""
    tf.reset_default_graph()
    x = tf.Variable(np.ones((2, 3)))
    with pytest.raises(TypeError, match="only iterable when eager execution is enabled"):
        list(x * 2.0)
    g, = tf.gradients(x * 2.0, x, grad_ys=tf.constant(np.arange(6.0).reshape(2, 3)))
    with pytest.raises(ValueError, match="Passed 2 grad_ys for 1 ys"):
        tf.gradients(x * 2.0, x, grad_ys=[tf.ones([2, 3], tf.float64)] * 2)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        np.testing.assert_array_equal(sess.run(g), 2 * np.arange(6.0).reshape(2, 3))


def test_einsum_is_one_node_with_its_static_shape_and_gradients():
    tf.reset_default_graph()
    rng = np.random.default_rng(0)
    av, bv = rng.standard_normal((5, 3)), rng.standard_normal((3, 4))
    a = tf.placeholder(tf.float64, [None, 3])
    b = tf.Variable(bv)
    y = tf.einsum("ij,jk->ik", a, b, name="proj")
    assert y.op.type == "Einsum" and y.op.name == "proj" and y.shape.as_list() == [None, 4]
    ga, gb = tf.gradients(tf.reduce_sum(y * y), [a, b])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        yv, gav, gbv = sess.run([y, ga, gb], {a: av})
    np.testing.assert_allclose(yv, av @ bv, rtol=1e-12)
    np.testing.assert_allclose(gav, 2 * (av @ bv) @ bv.T, rtol=1e-12)
    np.testing.assert_allclose(gbv, av.T @ (2 * av @ bv), rtol=1e-12)
    with pytest.raises(ValueError, match="einsum"):
        tf.einsum("ij,jk->ik", tf.zeros([2, 3]), tf.zeros([4, 5]))


@pytest.mark.parametrize("padding", ["SAME", "VALID"])
def test_nn_conv1d_is_conv2d_over_a_unit_height_as_tf_builds_it(padding):
    tf.reset_default_graph()
    rng = np.random.default_rng(1)
    xv, wv = rng.standard_normal((2, 9, 3)), rng.standard_normal((3, 3, 4))   # NWC, [width, in, out]
    x = tf.placeholder(tf.float64, [None, 9, 3])
    w = tf.Variable(wv)
    y = tf.nn.conv1d(x, w, stride=2, padding=padding)
    xs = np.pad(xv, ((0, 0), (1, 1), (0, 0))) if padding == "SAME" else xv
    want = np.stack([np.einsum("nkc,kco->no", xs[:, i * 2:i * 2 + 3], wv) for i in range(5 if padding == "SAME" else 4)], 1)
    assert y.shape.as_list() == [None, want.shape[1], 4]
    gw, = tf.gradients(tf.reduce_sum(y), [w])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        yv, gwv = sess.run([y, gw], {x: xv})
    np.testing.assert_allclose(yv, want, rtol=1e-12)
    np.testing.assert_allclose(gwv, np.stack([xs[:, i * 2:i * 2 + 3] for i in range(want.shape[1])], 1)
                               .sum((0, 1))[..., None].repeat(4, -1), rtol=1e-12)
