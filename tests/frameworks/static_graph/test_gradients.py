"""Symbolic gradients (tf.gradients) of every op against central finite differences, in float64."""
import numpy as np
import pytest

import frameworks.static_graph as tf
from frameworks.kernels.gradcheck import numerical_grad


def _ids(shape, hi, seed=3):
    return np.random.RandomState(seed).randint(0, hi, size=shape).astype(np.int64)


# name -> (input arrays, builder(*placeholders) -> output tensor); integer inputs are not differentiated
CASES = {
    "matmul": ([(3, 4), (4, 2)], lambda a, b: tf.matmul(a, b)),
    "matmul_transpose_b": ([(3, 4), (2, 4)], lambda a, b: tf.matmul(a, b, transpose_b=True)),
    "add_broadcast": ([(3, 4), (4,)], lambda a, b: a + b),
    "subtract": ([(3, 4), (3, 4)], lambda a, b: tf.subtract(a, b)),
    "multiply": ([(3, 4), (1, 4)], lambda a, b: a * b),
    "divide": ([(3, 4), (3, 4)], lambda a, b: a / (tf.square(b) + 1.0)),
    "maximum": ([(3, 4), (3, 4)], lambda a, b: tf.maximum(a, b)),
    "negative_pow": ([(3, 4)], lambda a: -(a ** 3)),
    "square": ([(3, 4)], lambda a: tf.square(a)),
    "exp": ([(3, 4)], lambda a: tf.exp(a)),
    "log": ([(3, 4)], lambda a: tf.log(tf.square(a) + 0.5)),
    "clip_by_value": ([(3, 4)], lambda a: tf.clip_by_value(a, -0.5, 0.7)),
    "reduce_sum_axis": ([(3, 4)], lambda a: tf.reduce_sum(a, axis=1, keepdims=True)),
    "reduce_mean": ([(3, 4)], lambda a: tf.reduce_mean(a, axis=0)),
    "reshape_transpose": ([(3, 4)], lambda a: tf.transpose(tf.reshape(a, [2, -1]))),
    "concat": ([(3, 4), (3, 2)], lambda a, b: tf.concat([a, b], axis=1)),
    "split": ([(3, 4)], lambda a: tf.split(a, 2, axis=1)[1] * 3.0),
    "slice": ([(3, 4)], lambda a: a[1]),
    "identity_add_n": ([(3, 4), (3, 4)], lambda a, b: tf.add_n([tf.identity(a), b, a])),
    "relu": ([(3, 4)], lambda a: tf.nn.relu(a)),
    "sigmoid": ([(3, 4)], lambda a: tf.nn.sigmoid(a)),
    "tanh": ([(3, 4)], lambda a: tf.nn.tanh(a)),
    "bias_add_nchw": ([(2, 3, 2, 2), (3,)], lambda a, b: tf.nn.bias_add(a, b, data_format="NCHW")),
    "conv2d_nchw": ([(2, 2, 5, 5), (3, 3, 2, 3)],
                    lambda x, w: tf.nn.conv2d(x, w, [1, 1, 1, 1], "SAME", data_format="NCHW")),
    "conv2d_nhwc_valid": ([(2, 5, 5, 2), (3, 3, 2, 3)],
                          lambda x, w: tf.nn.conv2d(x, w, [1, 2, 2, 1], "VALID")),
    "conv2d_transpose_same_odd": ([(2, 3, 3, 2), (3, 3, 4, 2)],
                                  lambda x, w: tf.nn.conv2d_transpose(x, w, [2, 6, 5, 4], [1, 2, 2, 1], "SAME")),
    "conv2d_transpose_valid_nchw": ([(1, 2, 3, 3), (4, 4, 3, 2)],
                                    lambda x, w: tf.nn.conv2d_transpose(x, w, [1, 3, 9, 8], [1, 1, 2, 2], "VALID",
                                                                        data_format="NCHW")),
    "lrn": ([(2, 2, 3, 5)], lambda x: tf.nn.lrn(x, depth_radius=1, bias=2.0, alpha=0.3, beta=0.75)),
    "max_pool": ([(2, 2, 4, 4)], lambda x: tf.nn.max_pool(x, [1, 1, 2, 2], [1, 1, 2, 2], "VALID", "NCHW")),
    "embedding_lookup": ([(6, 3), _ids((2, 4), 6)], lambda w, i: tf.nn.embedding_lookup(w, i)),
    "sparse_softmax_cross_entropy": (
        [(5, 4), _ids((5,), 4)],
        lambda z, y: tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=z)),
    "softmax": ([(3, 4)], lambda a: tf.nn.softmax(a)),
    "log_softmax_axis0": ([(3, 4)], lambda a: tf.nn.log_softmax(a, axis=0)),
    "softmax_cross_entropy_v2_to_labels_too": (
        [(5, 4), (5, 4)], lambda z, y: tf.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=z)),
    "sigmoid_cross_entropy": (
        [(5, 4), (5, 4)], lambda z, y: tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=z)),
    "reduce_max_axis": ([(3, 4)], lambda a: tf.reduce_max(a, axis=1)),
    "reduce_min_keepdims": ([(3, 4)], lambda a: tf.reduce_min(a, axis=0, keepdims=True)),
    "where": ([(3, 4), (3, 4)], lambda a, b: tf.where(a > b, a * 2.0, tf.square(b))),
    "stack_unstack": ([(3, 4), (3, 4)], lambda a, b: tf.unstack(tf.stack([a, b], axis=1), axis=2)[1]),
    "sqrt_rsqrt": ([(3, 4)], lambda a: tf.sqrt(tf.square(a) + 1.0) + tf.rsqrt(tf.square(a) + 1.0)),
    "l2_loss": ([(3, 4)], lambda a: tf.nn.l2_loss(a)),
    "pad": ([(2, 3)], lambda a: tf.pad(a, [[1, 0], [2, 1]])),
}


def _lstm_fused(x, wx, wh, b1, b2):
    cell = tf.nn.rnn_cell.LSTMCell(3, wx=wx, wh=wh, b_ih=b1, b_hh=b2)
    out, state = tf.nn.dynamic_rnn(cell, x, time_major=True, dtype=tf.float64)
    return tf.reduce_sum(out * 0.5) + state.c * state.h


def _lstm_unrolled(x, wx, wh, b1, b2):
    cell = tf.nn.rnn_cell.LSTMCell(3, wx=wx, wh=wh, b_ih=b1, b_hh=b2)
    outs, state = tf.nn.static_rnn(cell, [x[t] for t in range(3)], dtype=tf.float64)
    return tf.concat(outs, axis=0) + tf.reduce_sum(state.c)


LSTM_SHAPES = [(3, 2, 4), (4, 12), (3, 12), (12,), (12,)]


def _check(shapes, build, seed=0):
    rs = np.random.RandomState(seed)
    arrays = [s if isinstance(s, np.ndarray) else rs.standard_normal(s) for s in shapes]
    g = tf.Graph()
    with g.as_default():
        phs = [tf.placeholder(tf.float64 if a.dtype.kind == "f" else tf.int64, a.shape) for a in arrays]
        y = build(*phs)
        w = tf.constant(rs.standard_normal(tuple(y.shape.as_list())))
        loss = tf.reduce_sum(y * w)
        diff = [i for i, a in enumerate(arrays) if a.dtype.kind == "f"]
        grads = tf.gradients(loss, [phs[i] for i in diff])
        with tf.Session() as sess:
            feed = dict(zip(phs, arrays))
            got = sess.run(grads, feed)
            for i, gi in zip(diff, got):
                num = numerical_grad(lambda: sess.run(loss, feed), arrays[i])
                np.testing.assert_allclose(gi, num, rtol=1e-5, atol=1e-7,
                                           err_msg=f"gradient of input {i} vs finite differences")


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradient_matches_finite_differences(name):
    shapes, build = CASES[name]
    _check(shapes, build)


def test_max_pool_gradient_away_from_ties():
    # distinct values so finite differences never cross a tie inside a window
    x = np.random.RandomState(1).permutation(32).astype(np.float64).reshape(1, 2, 4, 4) / 7.0
    _check([x], lambda v: tf.nn.max_pool(v, [1, 1, 2, 2], [1, 1, 2, 2], "VALID", "NCHW"))


@pytest.mark.parametrize("build", [_lstm_fused, _lstm_unrolled], ids=["dynamic_rnn", "static_rnn"])
def test_lstm_gradients(build):
    rs = np.random.RandomState(2)
    arrays = [rs.uniform(-0.5, 0.5, s) for s in LSTM_SHAPES]
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float64, LSTM_SHAPES[0])
        y = build(x, *arrays[1:])
        loss = tf.reduce_sum(y * tf.constant(rs.standard_normal(tuple(y.shape.as_list()))))
        params = tf.trainable_variables()
        grads = tf.gradients(loss, [x] + params)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            got = sess.run(grads, {x: arrays[0]})
            num = numerical_grad(lambda: sess.run(loss, {x: arrays[0]}), arrays[0])
            np.testing.assert_allclose(got[0], num, rtol=1e-5, atol=1e-7)
            for v, gv in zip(params, got[1:]):
                value = sess.run(v)

                def f(value=value, v=v):
                    v.load(value, sess)
                    return sess.run(loss, {x: arrays[0]})
                np.testing.assert_allclose(gv, numerical_grad(f, value), rtol=1e-5, atol=1e-7,
                                           err_msg=v.name)


def test_shared_subexpression_gradients_are_summed():
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float64, [3])
        s = x * x
        y = tf.reduce_sum(s * s + s)           # s used twice: d/dx = (2s + 1) * 2x
        (gx,) = tf.gradients(y, [x])
        with tf.Session() as sess:
            xv = np.array([1.0, -2.0, 0.5])
            np.testing.assert_allclose(sess.run(gx, {x: xv}), (2 * xv * xv + 1) * 2 * xv)


def test_no_gradient_op_for_inputs_that_need_none():
    with tf.Graph().as_default() as g:
        x = tf.placeholder(tf.float32, [2, 3], name="x")
        w = tf.Variable(np.ones((3, 4), np.float32), name="w")
        loss = tf.reduce_sum(tf.matmul(x, w))
        tf.gradients(loss, [w])
        grad = [op for op in g.get_operations() if op.type == "MatMulGrad"][0]
        assert grad.get_attr("needs") == (False, True)
        assert len(grad.outputs) == 1


def test_gradient_of_unconnected_tensor_is_none():
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [2])
        z = tf.placeholder(tf.float32, [2])
        assert tf.gradients(tf.reduce_sum(x * 2.0), [x, z])[1] is None


@pytest.mark.parametrize("method, sum_types", [
    (None, ["AddN"]),                                                  # TF's default: one AddN
    (tf.AggregationMethod.EXPERIMENTAL_ACCUMULATE_N, ["Add", "Add"]),  # a running sum
])
def test_gradient_contributions_are_aggregated_as_tf_does(method, sum_types):
    with tf.Graph().as_default() as g:
        x = tf.placeholder(tf.float64, [3])
        y = tf.reduce_sum(x * 2.0 + x * 3.0 + tf.square(x))     # three consumers of x
        (gx,) = tf.gradients(y, [x], aggregation_method=method)
        grad_ops = [op.type for op in g.get_operations() if op.name.startswith("gradients")]
        assert [t for t in grad_ops if t in ("Add", "AddN")] == sum_types
        with tf.Session() as sess:
            xv = np.array([1.0, -2.0, 0.5])
            np.testing.assert_allclose(sess.run(gx, {x: xv}), 5.0 + 2 * xv)


def test_unknown_aggregation_method_is_refused():
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [2])
        with pytest.raises(ValueError, match="Invalid aggregation_method specified 7"):
            tf.gradients(tf.reduce_sum(x), [x], aggregation_method=7)


def test_softmax_cross_entropy_v1_stops_the_label_gradient():
    with tf.Graph().as_default():
        z, y = tf.placeholder(tf.float32, [2, 3]), tf.placeholder(tf.float32, [2, 3])
        loss = tf.reduce_sum(tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=z))
        gz, gy = tf.gradients(loss, [z, y])
        assert gz is not None and gy is None


def test_stop_gradient_blocks_and_grad_ys_weights():
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float64, [3])
        y = x * tf.stop_gradient(x * 3.0)          # d/dx = 3x, not 6x
        (g,) = tf.gradients(y, [x], grad_ys=[tf.constant([1.0, 2.0, 3.0], tf.float64)])
        with tf.Session() as sess:
            np.testing.assert_allclose(sess.run(g, {x: [1.0, 1.0, 2.0]}), [3.0, 6.0, 18.0])


def test_dropout_with_a_rate_draws_the_shared_streams_masks():
    from frameworks import kernels as K
    xv = np.random.RandomState(0).standard_normal((4, 6)).astype(np.float32)
    runs = []
    for _ in range(2):   # two sessions over fresh graphs: the same masks, run after run
        with tf.Graph().as_default():
            x = tf.placeholder(tf.float32, [4, 6])
            y = tf.nn.dropout(x, rate=0.25, seed=7)
            (g,) = tf.gradients(tf.reduce_sum(y * 3.0), [x])
            with tf.Session() as sess:
                runs.append([sess.run([y, g], {x: xv}) for _ in range(3)])
    for step, (y, g) in enumerate(runs[0]):
        want, keep = K.dropout.forward(np, xv, p=0.25, seed=7, counter=step)
        np.testing.assert_array_equal(y, want)              # counter = the run's index in the session
        np.testing.assert_array_equal(g, 3.0 * keep / np.float32(0.75))
        np.testing.assert_array_equal(y, runs[1][step][0])
    assert not np.array_equal(runs[0][0][0], runs[0][1][0])


@pytest.mark.parametrize("shape,axis", [((None, 4, 3), 1), ((None, None, 3), [1, 2])])
def test_reduce_max_gradient_with_open_dimensions(shape, axis):
    # the kept shape has unknown sizes (an open batch): one is -1, several are read at run time
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float64, shape)
        y = tf.reduce_max(x, axis=axis)
        g, = tf.gradients(tf.reduce_sum(y * y), [x])
        value = np.random.RandomState(0).randn(2, 4, 3)
        with tf.Session() as sess:
            got = sess.run(g, {x: value})
        m = value.max(axis=tuple(axis) if isinstance(axis, list) else axis, keepdims=True)
        np.testing.assert_allclose(got, 2 * m * (value == m))


@pytest.mark.parametrize("axis,keepdims", [(None, False), (1, False), ([0, 2], True)])
def test_reduce_prod_value_and_gradient_with_a_zero_entry(axis, keepdims):
    """tf.reduce_prod through the shared prod kernel: NumPy's product, and a float64 finite-difference
    gradient, exact where an entry is zero (TF's _ProdGrad uses exclusive products for the same reason)."""
    value = np.random.RandomState(4).uniform(0.5, 1.5, (2, 3, 4))
    value[1, 2, 3] = 0.0
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float64, value.shape)
        y = tf.reduce_prod(x, axis=axis, keepdims=keepdims)
        w = np.random.RandomState(5).standard_normal(np.prod(value, axis=None if axis is None else tuple(
            np.atleast_1d(axis)), keepdims=keepdims).shape)
        loss = tf.reduce_sum(y * w)
        (grad,) = tf.gradients(loss, [x])
        with tf.Session() as sess:
            got_y, got_g = sess.run([y, grad], {x: value})
            np.testing.assert_allclose(got_y, np.prod(value, axis=None if axis is None else tuple(
                np.atleast_1d(axis)), keepdims=keepdims), rtol=1e-12)
            np.testing.assert_allclose(got_g, numerical_grad(lambda: sess.run(loss, {x: value}), value),
                                       rtol=1e-5, atol=1e-7)
