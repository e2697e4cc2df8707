"""tf.layers programs as TF 1.x users wrote them: a convnet with batch norm (UPDATE_OPS run through
control_dependencies), dropout switched by a `training` placeholder, variable names and sharing."""
import numpy as np
import pytest

import frameworks.static_graph as tf


def cnn(x, training):
    net = tf.layers.conv2d(x, 8, 3, padding="same", use_bias=False)
    net = tf.layers.batch_normalization(net, training=training)
    net = tf.nn.relu(net)
    net = tf.layers.max_pooling2d(net, pool_size=2, strides=2)
    net = tf.layers.flatten(net)
    net = tf.layers.dense(net, 16, activation=tf.nn.relu)
    net = tf.layers.dropout(net, rate=0.5, training=training)
    return tf.layers.dense(net, 3)


def test_layers_convnet_with_batch_norm_update_ops_and_training_switch():
    tf.reset_default_graph()
    tf.set_random_seed(3)
    rs = np.random.RandomState(0)
    xs = rs.randn(16, 8, 8, 2).astype(np.float32)
    ys = rs.randint(0, 3, 16).astype(np.int64)
    x = tf.placeholder(tf.float32, [None, 8, 8, 2])
    y = tf.placeholder(tf.int64, [None])
    training = tf.placeholder_with_default(False, shape=(), name="training")
    logits = cnn(x, training)
    loss = tf.losses.sparse_softmax_cross_entropy(labels=y, logits=logits)
    update_ops = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
    with tf.control_dependencies(update_ops):
        train_op = tf.train.AdamOptimizer(1e-2).minimize(loss)

    names = sorted(v.op.name for v in tf.global_variables() if "Adam" not in v.op.name)
    assert {"conv2d/kernel", "dense/kernel", "dense/bias", "dense_1/kernel", "dense_1/bias",
            "batch_normalization/moving_mean"} <= set(names)
    assert len(update_ops) == 2
    trainable = {v.op.name for v in tf.trainable_variables()}
    assert "batch_normalization/moving_mean" not in trainable and "batch_normalization/gamma" in trainable

    mm = tf.get_collection(tf.GraphKeys.GLOBAL_VARIABLES, scope="batch_normalization/moving_mean")[0]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        eval1 = sess.run(logits, {x: xs})
        assert np.array_equal(eval1, sess.run(logits, {x: xs}))        # inference: deterministic
        assert not sess.run(mm).any()                                 # and no statistics moved
        losses = [sess.run([train_op, loss], {x: xs, y: ys, training: True})[1] for _ in range(30)]
        moved = sess.run(mm)
        a = sess.run(logits, {x: xs, training: True})
        b = sess.run(logits, {x: xs, training: True})
    assert losses[-1] < 0.5 * losses[0]
    assert moved.any() and not np.array_equal(a, b)                  # training: dropout draws each run


def test_batch_norm_arithmetic_and_fused_moving_variance():
    tf.reset_default_graph()
    rs = np.random.RandomState(1)
    xv = rs.randn(4, 3, 3, 2).astype(np.float32)
    x = tf.placeholder(tf.float32, xv.shape)
    y = tf.layers.batch_normalization(x, momentum=0.9, epsilon=1e-3, training=True)
    with tf.control_dependencies(tf.get_collection(tf.GraphKeys.UPDATE_OPS)):
        y = tf.identity(y)
    mm, mv = [v for v in tf.global_variables() if "moving" in v.op.name]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        out, m, v = sess.run([y, mm, mv], {x: xv})
        m, v = sess.run([mm, mv])
    mean, var = xv.mean(axis=(0, 1, 2)), xv.var(axis=(0, 1, 2))
    np.testing.assert_allclose(out, (xv - mean) / np.sqrt(var + 1e-3), rtol=1e-4, atol=1e-5)
    n = 4 * 3 * 3
    np.testing.assert_allclose(m, 0.1 * mean, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(v, 0.9 + 0.1 * var * n / (n - 1), rtol=1e-5)


def test_dense_reuse_and_shape_errors():
    tf.reset_default_graph()
    a = tf.placeholder(tf.float32, [None, 4])
    b = tf.placeholder(tf.float32, [None, 4])
    ya = tf.layers.dense(a, 2, name="shared")
    yb = tf.layers.dense(b, 2, name="shared", reuse=True)
    assert len(tf.trainable_variables()) == 2
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        v = np.ones((1, 4), np.float32)
        assert np.array_equal(*sess.run([ya, yb], {a: v, b: v}))
    with pytest.raises(ValueError, match="The last dimension of the inputs to `Dense` should be defined"):
        tf.layers.dense(tf.placeholder(tf.float32, [None, None]), 2)
    with pytest.raises(ValueError, match='must be one of "valid", "same"'):
        tf.layers.conv2d(tf.placeholder(tf.float32, [1, 4, 4, 1]), 2, 3, padding="full")
