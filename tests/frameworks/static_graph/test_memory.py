"""static_graph's held_arrays: variable values (slots as optimizer state), the plans' buffers and constants."""
import numpy as np

import frameworks.static_graph as tf
from frameworks.static_graph._memory import held_arrays


def test_variables_slots_and_constants():
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, shape=(None, 4))
        with tf.variable_scope("layer"):
            w = tf.Variable(np.ones((4, 3), np.float32), name="w")
        moving = tf.Variable(np.zeros(3, np.float32), trainable=False, name="layer/moving_mean")
        loss = tf.reduce_sum(tf.matmul(x, w))
        train = tf.train.MomentumOptimizer(0.1, momentum=0.9).minimize(loss)
        sess = tf.Session()
        sess.run(tf.global_variables_initializer())
        sess.run(train, feed_dict={x: np.ones((2, 4), np.float32)})
    parts = held_arrays(sess)
    shapes = sorted(a.shape for a in parts["params"])
    assert shapes == [(3,), (4, 3)]                      # the weight, and the moving statistic (not a slot)
    assert [a.shape for a in parts["optimizer"]] == [(4, 3)]     # the momentum slot of w
    # the graph keeps the initial values as constants: w's, the moving mean's, the slot's zeros
    assert sum(a.nbytes for a in parts["buffers"]) >= 48 + 12 + 48
    assert "grads" not in parts                          # gradients live inside one run only
