"""tf.nn.lrn against TF's formula and the cifar10 tutorial's conv1/pool1/norm1 block (cifar10.py inference),
tf.nn.conv2d_transpose as TF defines it (the gradient of conv2d with respect to its input, for every
padding's windows), and tf.layers.conv2d_transpose's output size and variables."""
import numpy as np
import pytest

import frameworks.static_graph as tf

R = np.random.RandomState(11)


def _lrn_tf(x, r, bias, alpha, beta):
    """TF's documented LRN: sqr_sum over [d - r, d + r] of the last axis, no division by the window."""
    sq = np.pad(x * x, [(0, 0)] * 3 + [(r, r)])
    sqr_sum = sum(sq[..., i:i + x.shape[-1]] for i in range(2 * r + 1))
    return x / (bias + alpha * sqr_sum) ** beta


@pytest.mark.parametrize("kw", [{}, {"depth_radius": 2, "bias": 1.0, "alpha": 0.001 / 9.0, "beta": 0.75}])
def test_lrn_matches_tf_s_formula(kw):
    x = R.standard_normal((2, 3, 3, 12)) * 3
    with tf.Graph().as_default():
        y = tf.nn.local_response_normalization(tf.constant(x), **kw)
        with tf.Session() as sess:
            got = sess.run(y)
    full = {"depth_radius": 5, "bias": 1, "alpha": 1, "beta": 0.5, **kw}
    np.testing.assert_allclose(got, _lrn_tf(x, full["depth_radius"], full["bias"], full["alpha"], full["beta"]),
                               rtol=1e-12)


def test_cifar10_tutorial_conv1_pool1_norm1_block_trains():
    """cifar10.py inference()'s first block as written (variables on the CPU dropped), and a step."""
    with tf.Graph().as_default():
        images = tf.placeholder(tf.float32, [4, 24, 24, 3])
        with tf.variable_scope('conv1') as scope:
            kernel = tf.get_variable('weights', shape=[5, 5, 3, 64],
                                     initializer=tf.truncated_normal_initializer(stddev=5e-2, dtype=tf.float32))
            conv = tf.nn.conv2d(images, kernel, [1, 1, 1, 1], padding='SAME')
            biases = tf.get_variable('biases', [64], initializer=tf.constant_initializer(0.0))
            pre_activation = tf.nn.bias_add(conv, biases)
            conv1 = tf.nn.relu(pre_activation, name=scope.name)
        pool1 = tf.nn.max_pool(conv1, ksize=[1, 3, 3, 1], strides=[1, 2, 2, 1], padding='SAME', name='pool1')
        norm1 = tf.nn.lrn(pool1, 4, bias=1.0, alpha=0.001 / 9.0, beta=0.75, name='norm1')
        loss = tf.reduce_mean(tf.square(norm1))
        train_op = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            feed = {images: R.standard_normal((4, 24, 24, 3)).astype(np.float32)}
            p1, n1, before = sess.run([pool1, norm1, kernel], feed)
            sess.run(train_op, feed)
            after = sess.run(kernel)
    assert n1.shape == (4, 12, 12, 64) and n1.dtype == np.float32
    np.testing.assert_allclose(n1, _lrn_tf(p1.astype(np.float64), 4, 1.0, 0.001 / 9.0, 0.75), rtol=1e-5)
    assert not np.array_equal(before, after)


@pytest.mark.parametrize("in_hw,out_hw,k,s,padding", [
    ((3, 3), (6, 6), 3, 2, "SAME"), ((3, 3), (5, 6), 4, 2, "SAME"), ((4, 3), (4, 3), 3, 1, "SAME"),
    ((3, 3), (7, 8), 3, 2, "VALID"), ((2, 3), (4, 5), 2, 2, "SAME"), ((3, 3), (5, 5), 4, 2, "SAME")])
def test_conv2d_transpose_is_conv2d_s_input_gradient(in_hw, out_hw, k, s, padding):
    x = R.standard_normal((2, *in_hw, 3))
    w = R.standard_normal((k, k, 4, 3))   # [h, w, out_channels, in_channels]
    with tf.Graph().as_default():
        big = tf.placeholder(tf.float64, [2, *out_hw, 4])
        conv = tf.nn.conv2d(big, tf.constant(w), [1, s, s, 1], padding)
        assert conv.shape.as_list() == [2, *in_hw, 3]
        (want,) = tf.gradients(tf.reduce_sum(conv * tf.constant(x)), big)
        got = tf.nn.conv2d_transpose(tf.constant(x), tf.constant(w), [2, *out_hw, 4], [1, s, s, 1], padding)
        with tf.Session() as sess:
            g, wv = sess.run([got, want], {big: np.zeros((2, *out_hw, 4))})
    np.testing.assert_allclose(g, wv, rtol=1e-12, atol=1e-12)


def test_conv2d_transpose_refuses_an_output_shape_that_does_not_match():
    with tf.Graph().as_default():
        x, w = tf.constant(np.ones((1, 3, 3, 2))), tf.constant(np.ones((3, 3, 4, 2)))
        with pytest.raises(ValueError, match="Size of out_backprop doesn't match computed"):
            tf.nn.conv2d_transpose(x, w, [1, 9, 9, 4], [1, 2, 2, 1], "SAME")


@pytest.mark.parametrize("padding,out", [("same", (8, 10)), ("valid", (10, 12))])
def test_layers_conv2d_transpose(padding, out):
    with tf.Graph().as_default():
        z = tf.placeholder(tf.float32, [None, 4, 5, 3])
        y = tf.layers.conv2d_transpose(z, 6, 4, strides=2, padding=padding, activation=tf.nn.relu, name="deconv")
        names = sorted(v.name for v in tf.trainable_variables())
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            got = sess.run(y, {z: np.ones((2, 4, 5, 3), np.float32)})
    assert got.shape == (2, *out, 6)
    assert names == ["deconv/bias:0", "deconv/kernel:0"]
