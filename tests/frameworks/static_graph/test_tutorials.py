"""Classic TF1 programs, as published, with only the import changed: they must run and learn."""
import numpy as np

import frameworks.static_graph as tf


def test_two_layer_net_raw_gradients_applied_in_numpy():
    # CS231n 2017 lecture 8: fetch the gradients, update the weights in NumPy, feed them back
    tf.reset_default_graph()
    N, D, H = 64, 1000, 100
    x = tf.placeholder(tf.float32, shape=(N, D))
    y = tf.placeholder(tf.float32, shape=(N, D))
    w1 = tf.placeholder(tf.float32, shape=(D, H))
    w2 = tf.placeholder(tf.float32, shape=(H, D))

    h = tf.maximum(tf.matmul(x, w1), 0)
    y_pred = tf.matmul(h, w2)
    diff = y_pred - y
    loss = tf.reduce_mean(tf.reduce_sum(diff ** 2, axis=1))

    grad_w1, grad_w2 = tf.gradients(loss, [w1, w2])

    losses = []
    with tf.Session() as sess:
        rs = np.random.RandomState(0)
        values = {x: rs.randn(N, D), w1: rs.randn(D, H), w2: rs.randn(H, D), y: rs.randn(N, D)}
        learning_rate = 1e-5
        for t in range(30):
            out = sess.run([loss, grad_w1, grad_w2], feed_dict=values)
            loss_val, grad_w1_val, grad_w2_val = out
            values[w1] -= learning_rate * grad_w1_val
            values[w2] -= learning_rate * grad_w2_val
            losses.append(loss_val)
    assert losses[-1] < 0.5 * losses[0]


def test_two_layer_net_variables_and_assign():
    # jcjohnson/pytorch-examples tf_two_layer_net.py
    tf.reset_default_graph()
    N, D_in, H, D_out = 64, 1000, 100, 10

    x = tf.placeholder(tf.float32, shape=(None, D_in))
    y = tf.placeholder(tf.float32, shape=(None, D_out))

    w1 = tf.Variable(tf.random_normal((D_in, H)))
    w2 = tf.Variable(tf.random_normal((H, D_out)))

    h = tf.matmul(x, w1)
    h_relu = tf.maximum(h, tf.zeros(1))
    y_pred = tf.matmul(h_relu, w2)

    loss = tf.reduce_sum((y - y_pred) ** 2.0)

    grad_w1, grad_w2 = tf.gradients(loss, [w1, w2])

    learning_rate = 1e-6
    new_w1 = w1.assign(w1 - learning_rate * grad_w1)
    new_w2 = w2.assign(w2 - learning_rate * grad_w2)

    losses = []
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        x_value = np.random.randn(N, D_in)
        y_value = np.random.randn(N, D_out)
        for _ in range(50):
            loss_value, _, _ = sess.run([loss, new_w1, new_w2],
                                        feed_dict={x: x_value, y: y_value})
            losses.append(loss_value)
    assert losses[-1] < 0.5 * losses[0]


def test_two_layer_net_optimizer_minimize():
    # CS231n 2017 lecture 8: tf.losses + GradientDescentOptimizer.minimize + group of updates
    tf.reset_default_graph()
    N, D, H = 64, 1000, 100
    x = tf.placeholder(tf.float32, shape=(N, D))
    y = tf.placeholder(tf.float32, shape=(N, D))
    w1 = tf.Variable(tf.random_normal((D, H)))
    w2 = tf.Variable(tf.random_normal((H, D)))

    h = tf.maximum(tf.matmul(x, w1), 0)
    y_pred = tf.matmul(h, w2)
    loss = tf.losses.mean_squared_error(y_pred, y)

    optimizer = tf.train.GradientDescentOptimizer(1e-1)
    updates = optimizer.minimize(loss)

    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        values = {x: np.random.randn(N, D), y: np.random.randn(N, D)}
        losses = []
        for t in range(50):
            loss_val, _ = sess.run([loss, updates], feed_dict=values)
            losses.append(loss_val)
    assert losses[-1] < losses[0]


def test_adam_2_3_1_tutorial_net():
    # the TensorFlow introduction tutorial's 2-3-1 classifier ("TensorFlow: Practical Deep Learning")
    tf.reset_default_graph()
    batch_size = 8
    w1 = tf.Variable(tf.random_normal([2, 3], stddev=1, seed=1))
    w2 = tf.Variable(tf.random_normal([3, 1], stddev=1, seed=1))
    x_ = tf.placeholder(tf.float32, shape=(None, 2), name="x-input")
    y_ = tf.placeholder(tf.float32, shape=(None, 1), name="y-input")

    a = tf.nn.relu(tf.matmul(x_, w1))
    y = tf.nn.relu(tf.matmul(a, w2))
    cross_entropy = -tf.reduce_mean(y_ * tf.log(tf.clip_by_value(y, 1e-10, 1.0)))
    train_step = tf.train.AdamOptimizer(0.001).minimize(cross_entropy)

    rdm = np.random.RandomState(1)
    dataset_size = 128
    X = rdm.rand(dataset_size, 2)
    Y = [[int(x1 + x2 < 1)] for (x1, x2) in X]

    with tf.Session() as sess:
        init_op = tf.global_variables_initializer()
        sess.run(init_op)
        first = sess.run(cross_entropy, feed_dict={x_: X, y_: Y})
        STEPS = 300
        for i in range(STEPS):
            start = (i * batch_size) % dataset_size
            end = min(start + batch_size, dataset_size)
            sess.run(train_step, feed_dict={x_: X[start:end], y_: Y[start:end]})
        total_cross_entropy = sess.run(cross_entropy, feed_dict={x_: X, y_: Y})
        assert total_cross_entropy < first
        assert sess.run(w1).shape == (2, 3)
