"""tensorflow/examples/tutorials/mnist: mnist_softmax.py and mnist_deep.py as published (TF 1.4-1.15),
with only the import changed, synthetic data instead of the download and fewer steps."""
import json
import os
import tempfile

import numpy as np

import frameworks.static_graph as tf
from tests.frameworks.static_graph import mnist_data as input_data


def test_mnist_softmax_one_hot_v2():
    # "MNIST for ML beginners" (r1.5+ text): one-hot labels, softmax_cross_entropy_with_logits_v2
    tf.reset_default_graph()
    mnist = input_data.read_data_sets("/tmp/data", one_hot=True)

    x = tf.placeholder(tf.float32, [None, 784])
    W = tf.Variable(tf.zeros([784, 10]))
    b = tf.Variable(tf.zeros([10]))
    y = tf.matmul(x, W) + b

    y_ = tf.placeholder(tf.float32, [None, 10])
    cross_entropy = tf.reduce_mean(
        tf.nn.softmax_cross_entropy_with_logits_v2(labels=y_, logits=y))
    train_step = tf.train.GradientDescentOptimizer(0.5).minimize(cross_entropy)

    sess = tf.InteractiveSession()
    tf.global_variables_initializer().run()
    first = sess.run(cross_entropy, feed_dict={x: mnist.test.images, y_: mnist.test.labels})
    for _ in range(100):
        batch_xs, batch_ys = mnist.train.next_batch(100)
        sess.run(train_step, feed_dict={x: batch_xs, y_: batch_ys})

    correct_prediction = tf.equal(tf.argmax(y, 1), tf.argmax(y_, 1))
    accuracy = tf.reduce_mean(tf.cast(correct_prediction, tf.float32))
    acc = sess.run(accuracy, feed_dict={x: mnist.test.images, y_: mnist.test.labels})
    last = sess.run(cross_entropy, feed_dict={x: mnist.test.images, y_: mnist.test.labels})
    sess.close()
    assert np.isclose(first, np.log(10), rtol=1e-6)     # zero weights: uniform softmax
    assert last < 0.5 * first and acc > 0.9


def test_mnist_softmax_sparse_labels():
    # the r1.8+ text: integer labels, tf.losses.sparse_softmax_cross_entropy, accuracy against y_
    tf.reset_default_graph()
    mnist = input_data.read_data_sets("/tmp/data")
    x = tf.placeholder(tf.float32, [None, 784])
    W = tf.Variable(tf.zeros([784, 10]))
    b = tf.Variable(tf.zeros([10]))
    y = tf.matmul(x, W) + b
    y_ = tf.placeholder(tf.int64, [None])
    cross_entropy = tf.losses.sparse_softmax_cross_entropy(labels=y_, logits=y)
    train_step = tf.train.GradientDescentOptimizer(0.5).minimize(cross_entropy)
    sess = tf.InteractiveSession()
    tf.global_variables_initializer().run()
    for _ in range(100):
        batch_xs, batch_ys = mnist.train.next_batch(100)
        sess.run(train_step, feed_dict={x: batch_xs, y_: batch_ys})
    correct_prediction = tf.equal(tf.argmax(y, 1), y_)
    accuracy = tf.reduce_mean(tf.cast(correct_prediction, tf.float32))
    acc = sess.run(accuracy, feed_dict={x: mnist.test.images, y_: mnist.test.labels})
    sess.close()
    assert acc > 0.9


# ---- mnist_deep.py, verbatim apart from the import and the step count

def deepnn(x):
    with tf.name_scope('reshape'):
        x_image = tf.reshape(x, [-1, 28, 28, 1])
    with tf.name_scope('conv1'):
        W_conv1 = weight_variable([5, 5, 1, 32])
        b_conv1 = bias_variable([32])
        h_conv1 = tf.nn.relu(conv2d(x_image, W_conv1) + b_conv1)
    with tf.name_scope('pool1'):
        h_pool1 = max_pool_2x2(h_conv1)
    with tf.name_scope('conv2'):
        W_conv2 = weight_variable([5, 5, 32, 64])
        b_conv2 = bias_variable([64])
        h_conv2 = tf.nn.relu(conv2d(h_pool1, W_conv2) + b_conv2)
    with tf.name_scope('pool2'):
        h_pool2 = max_pool_2x2(h_conv2)
    with tf.name_scope('fc1'):
        W_fc1 = weight_variable([7 * 7 * 64, 1024])
        b_fc1 = bias_variable([1024])
        h_pool2_flat = tf.reshape(h_pool2, [-1, 7 * 7 * 64])
        h_fc1 = tf.nn.relu(tf.matmul(h_pool2_flat, W_fc1) + b_fc1)
    with tf.name_scope('dropout'):
        keep_prob = tf.placeholder(tf.float32)
        h_fc1_drop = tf.nn.dropout(h_fc1, keep_prob)
    with tf.name_scope('fc2'):
        W_fc2 = weight_variable([1024, 10])
        b_fc2 = bias_variable([10])
        y_conv = tf.matmul(h_fc1_drop, W_fc2) + b_fc2
    return y_conv, keep_prob


def conv2d(x, W):
    return tf.nn.conv2d(x, W, strides=[1, 1, 1, 1], padding='SAME')


def max_pool_2x2(x):
    return tf.nn.max_pool(x, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding='SAME')


def weight_variable(shape):
    initial = tf.truncated_normal(shape, stddev=0.1)
    return tf.Variable(initial)


def bias_variable(shape):
    initial = tf.constant(0.1, shape=shape)
    return tf.Variable(initial)


def test_mnist_deep():
    tf.reset_default_graph()
    tf.set_random_seed(0)
    mnist = input_data.read_data_sets("/tmp/data")
    x = tf.placeholder(tf.float32, [None, 784])
    y_ = tf.placeholder(tf.int64, [None])
    y_conv, keep_prob = deepnn(x)
    with tf.name_scope('loss'):
        cross_entropy = tf.losses.sparse_softmax_cross_entropy(labels=y_, logits=y_conv)
    cross_entropy = tf.reduce_mean(cross_entropy)
    with tf.name_scope('adam_optimizer'):
        train_step = tf.train.AdamOptimizer(1e-4).minimize(cross_entropy)
    with tf.name_scope('accuracy'):
        correct_prediction = tf.equal(tf.argmax(y_conv, 1), y_)
        correct_prediction = tf.cast(correct_prediction, tf.float32)
    accuracy = tf.reduce_mean(correct_prediction)

    graph_location = tempfile.mkdtemp()
    print('Saving graph to: %s' % graph_location)
    train_writer = tf.summary.FileWriter(graph_location)
    train_writer.add_graph(tf.get_default_graph())

    nodes = json.load(open(os.path.join(graph_location, "graph.json")))["node"]
    assert any(n["name"].startswith("conv1/") and n["op"] == "Conv2D" for n in nodes)
    assert y_conv.op.name.startswith("fc2/") and keep_prob.op.name == "dropout/Placeholder"
    eval_x, eval_y = mnist.test.images[:50], mnist.test.labels[:50]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        before = cross_entropy.eval(feed_dict={x: eval_x, y_: eval_y, keep_prob: 1.0})
        for i in range(12):
            batch = mnist.train.next_batch(50)
            if i % 5 == 0:
                train_accuracy = accuracy.eval(feed_dict={x: batch[0], y_: batch[1], keep_prob: 1.0})
                assert 0.0 <= train_accuracy <= 1.0
            train_step.run(feed_dict={x: batch[0], y_: batch[1], keep_prob: 0.5})
        after = cross_entropy.eval(feed_dict={x: eval_x, y_: eval_y, keep_prob: 1.0})
        # keep_prob 1.0 is deterministic; 0.5 drops about half the units, scaled by 2
        a = cross_entropy.eval(feed_dict={x: eval_x, y_: eval_y, keep_prob: 1.0})
        assert a == after
    assert after < before
