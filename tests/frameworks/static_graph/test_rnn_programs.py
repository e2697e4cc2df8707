"""RNN programs as TF 1.x users wrote them: rnn_cell.BasicLSTMCell/LSTMCell/GRUCell/MultiRNNCell,
static_rnn over tf.unstack, dynamic_rnn with sequence_length and time_major, zero_state; TF's arithmetic
and variable names, checked against NumPy and finite differences."""
import numpy as np
import pytest

import frameworks.static_graph as tf
from frameworks.kernels.gradcheck import numerical_grad


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def test_recurrent_network_example():
    # aymericdamien/TensorFlow-Examples recurrent_network.py (MNIST rows as time steps), contrib.rnn -> nn
    tf.reset_default_graph()
    tf.set_random_seed(0)
    learning_rate, timesteps, num_input, num_hidden, num_classes = 0.5, 6, 5, 16, 3
    X = tf.placeholder("float", [None, timesteps, num_input])
    Y = tf.placeholder("float", [None, num_classes])
    weights = {'out': tf.Variable(tf.random_normal([num_hidden, num_classes]))}
    biases = {'out': tf.Variable(tf.random_normal([num_classes]))}

    def RNN(x, weights, biases):
        x = tf.unstack(x, timesteps, 1)
        lstm_cell = tf.nn.rnn_cell.BasicLSTMCell(num_hidden, forget_bias=1.0)
        outputs, states = tf.nn.static_rnn(lstm_cell, x, dtype=tf.float32)
        return tf.matmul(outputs[-1], weights['out']) + biases['out']

    logits = RNN(X, weights, biases)
    prediction = tf.nn.softmax(logits)
    loss_op = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(logits=logits, labels=Y))
    optimizer = tf.train.GradientDescentOptimizer(learning_rate=learning_rate)
    train_op = optimizer.minimize(loss_op)
    correct_pred = tf.equal(tf.argmax(prediction, 1), tf.argmax(Y, 1))
    accuracy = tf.reduce_mean(tf.cast(correct_pred, tf.float32))
    init = tf.global_variables_initializer()

    assert {v.op.name for v in tf.trainable_variables()} >= {"rnn/basic_lstm_cell/kernel",
                                                              "rnn/basic_lstm_cell/bias"}
    rs = np.random.RandomState(0)
    cls = rs.randint(0, 3, 64)
    xs = rs.randn(64, timesteps, num_input).astype(np.float32) * 0.3
    xs[np.arange(64), :, cls] += 1.0               # the class is the input feature that is always high
    ys = np.eye(3, dtype=np.float32)[cls]
    with tf.Session() as sess:
        sess.run(init)
        first = sess.run(loss_op, feed_dict={X: xs, Y: ys})
        for step in range(60):
            sess.run(train_op, feed_dict={X: xs, Y: ys})
        loss, acc = sess.run([loss_op, accuracy], feed_dict={X: xs, Y: ys})
    assert loss < 0.5 * first and acc > 0.8


def _lstm_numpy(xs, kernel, bias, forget_bias=1.0):
    b, h = xs.shape[1], kernel.shape[1] // 4
    c, hh = np.zeros((b, h)), np.zeros((b, h))
    outs = []
    for x in xs:
        i, j, f, o = np.split(np.concatenate([x, hh], 1) @ kernel + bias, 4, axis=1)
        c = c * _sigmoid(f + forget_bias) + _sigmoid(i) * np.tanh(j)
        hh = np.tanh(c) * _sigmoid(o)
        outs.append(hh)
    return np.stack(outs), c, hh


def test_dynamic_rnn_sequence_length_zero_outputs_and_frozen_state():
    tf.reset_default_graph()
    rs = np.random.RandomState(1)
    T, B, E, H = 5, 3, 2, 4
    xv = rs.randn(B, T, E)
    lengths = np.array([5, 2, 0])
    x = tf.placeholder(tf.float64, [B, T, E])
    seq = tf.placeholder(tf.int32, [B])
    cell = tf.nn.rnn_cell.LSTMCell(H)
    outputs, state = tf.nn.dynamic_rnn(cell, x, sequence_length=seq, dtype=tf.float64)
    assert outputs.shape.as_list() == [B, T, H]
    assert {v.op.name for v in tf.trainable_variables()} == {"rnn/lstm_cell/kernel", "rnn/lstm_cell/bias"}
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        out, (c, h), kernel, bias = sess.run([outputs, state] + tf.trainable_variables(),
                                             {x: xv, seq: lengths})
    for b, n in enumerate(lengths):
        ref_out, ref_c, ref_h = _lstm_numpy(xv[b:b + 1, :n].transpose(1, 0, 2), kernel, bias) if n else \
            (np.zeros((0, 1, H)), np.zeros((1, H)), np.zeros((1, H)))
        np.testing.assert_allclose(out[b, :n], ref_out[:, 0], rtol=1e-10)
        assert not out[b, n:].any()                      # zeros past the sequence's length
        np.testing.assert_allclose(c[b], ref_c[0], rtol=1e-10, atol=1e-12)   # state frozen at its length
        np.testing.assert_allclose(h[b], ref_h[0], rtol=1e-10, atol=1e-12)


def test_dynamic_rnn_gradients_with_sequence_length_match_finite_differences():
    tf.reset_default_graph()
    rs = np.random.RandomState(2)
    xv = rs.randn(3, 2, 2)          # time-major (T, B, E)
    x = tf.placeholder(tf.float64, [3, 2, 2])
    cell = tf.nn.rnn_cell.GRUCell(3)
    outputs, state = tf.nn.dynamic_rnn(cell, x, sequence_length=[3, 1], time_major=True, dtype=tf.float64)
    loss = tf.reduce_sum(outputs * tf.constant(rs.randn(3, 2, 3))) + tf.reduce_sum(state * state)
    params = tf.trainable_variables()
    assert sorted(v.op.name for v in params) == [
        "rnn/gru_cell/candidate/bias", "rnn/gru_cell/candidate/kernel", "rnn/gru_cell/gates/bias",
        "rnn/gru_cell/gates/kernel"]
    grads = tf.gradients(loss, [x] + params)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        got = sess.run(grads, {x: xv})
        np.testing.assert_allclose(got[0], numerical_grad(lambda: sess.run(loss, {x: xv}), xv),
                                   rtol=1e-5, atol=1e-8)
        assert not got[0][1:, 1].any()                 # steps past length 1 do not touch the loss
        for v, gv in zip(params, got[1:]):
            val = sess.run(v)

            def f():
                v.load(val, sess)
                return sess.run(loss, {x: xv})
            num = numerical_grad(f, val)
            v.load(val, sess)
            np.testing.assert_allclose(gv, num, rtol=1e-5, atol=1e-8, err_msg=v.name)


def test_gru_and_multi_rnn_cell_arithmetic_and_names():
    tf.reset_default_graph()
    rs = np.random.RandomState(3)
    xv = rs.randn(2, 4, 3)
    x = tf.placeholder(tf.float64, [2, 4, 3])
    cells = tf.nn.rnn_cell.MultiRNNCell([tf.nn.rnn_cell.GRUCell(5), tf.nn.rnn_cell.BasicLSTMCell(2)])
    init = cells.zero_state(2, tf.float64)
    outputs, (s_gru, s_lstm) = tf.nn.dynamic_rnn(cells, x, initial_state=init)
    names = sorted(v.op.name for v in tf.trainable_variables())
    assert names == ["rnn/multi_rnn_cell/cell_0/gru_cell/candidate/bias",
                     "rnn/multi_rnn_cell/cell_0/gru_cell/candidate/kernel",
                     "rnn/multi_rnn_cell/cell_0/gru_cell/gates/bias",
                     "rnn/multi_rnn_cell/cell_0/gru_cell/gates/kernel",
                     "rnn/multi_rnn_cell/cell_1/basic_lstm_cell/bias",
                     "rnn/multi_rnn_cell/cell_1/basic_lstm_cell/kernel"]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        v = {n: sess.run(t) for n, t in zip(names, sorted(tf.trainable_variables(), key=lambda t: t.op.name))}
        out, g_state = sess.run([outputs, s_gru], {x: xv})
    p = "rnn/multi_rnn_cell/cell_0/gru_cell/"
    assert (v[p + "gates/bias"] == 1.0).all() and not v[p + "candidate/bias"].any()
    h = np.zeros((2, 5))
    hs = []
    for t in range(4):
        gates = np.concatenate([xv[:, t], h], 1) @ v[p + "gates/kernel"] + v[p + "gates/bias"]
        r, u = np.split(_sigmoid(gates), 2, axis=1)
        cand = np.concatenate([xv[:, t], r * h], 1) @ v[p + "candidate/kernel"] + v[p + "candidate/bias"]
        c = np.tanh(cand)
        h = u * h + (1 - u) * c
        hs.append(h)
    np.testing.assert_allclose(g_state, h, rtol=1e-10)
    q = "rnn/multi_rnn_cell/cell_1/basic_lstm_cell/"
    ref, _, _ = _lstm_numpy(np.stack(hs), v[q + "kernel"], v[q + "bias"])
    np.testing.assert_allclose(out, ref.transpose(1, 0, 2), rtol=1e-10)


def test_time_major_static_and_dynamic_agree_and_cells_are_reused():
    tf.reset_default_graph()
    rs = np.random.RandomState(4)
    xv = rs.randn(3, 2, 4).astype(np.float32)
    x = tf.placeholder(tf.float32, [3, 2, 4])
    cell = tf.nn.rnn_cell.BasicLSTMCell(3)
    dyn, dyn_state = tf.nn.dynamic_rnn(cell, x, time_major=True, dtype=tf.float32)
    stat, stat_state = tf.nn.static_rnn(cell, tf.unstack(x), dtype=tf.float32)
    assert len(tf.trainable_variables()) == 2          # one cell object: one set of variables
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        a, b, sa, sb = sess.run([dyn, tf.stack(stat), dyn_state, stat_state], {x: xv})
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(sa.h, sb.h)


def test_rnn_refusals_are_clear():
    tf.reset_default_graph()
    with pytest.raises(ValueError, match="state_is_tuple=False"):
        tf.nn.rnn_cell.BasicLSTMCell(3, state_is_tuple=False)
    with pytest.raises(ValueError, match="dtype must be specified"):
        tf.nn.static_rnn(tf.nn.rnn_cell.GRUCell(2), [tf.zeros([1, 2])])
    with pytest.raises(ValueError, match="time dimension must be static"):
        tf.nn.dynamic_rnn(tf.nn.rnn_cell.GRUCell(2), tf.placeholder(tf.float32, [1, None, 2]),
                          dtype=tf.float32)
