"""tf.cond / tf.case / tf.while_loop as TF 1.x has them: values against NumPy, only the taken branch runs,
float64 finite-difference gradients through both, TF's errors, and a classic program switching batch norm
and dropout with an is_training placeholder."""
import numpy as np
import pytest

import frameworks.static_graph as tf
from frameworks.kernels.gradcheck import numerical_grad


@pytest.fixture(autouse=True)
def fresh_graph():
    tf.reset_default_graph()


def _fd(f, x):
    x = np.array(x, dtype=np.float64)
    return numerical_grad(lambda: f(x), x)


# ---------------------------------------------------------------- tf.cond: values and structure

def test_cond_picks_the_branch_of_a_fed_predicate():
    x = tf.placeholder(tf.float32, (None, 3))
    p = tf.placeholder(tf.bool, ())
    y = tf.cond(p, lambda: tf.reduce_sum(x * 2.0, axis=1), lambda: tf.reduce_max(x, axis=1) - 1.0)
    xv = np.arange(6, dtype=np.float32).reshape(2, 3)
    with tf.Session() as sess:
        np.testing.assert_allclose(sess.run(y, {x: xv, p: True}), (xv * 2).sum(1))
        np.testing.assert_allclose(sess.run(y, {x: xv, p: False}), xv.max(1) - 1)
        # a new batch size compiles the branch for its shapes
        np.testing.assert_allclose(sess.run(y, {x: xv[:1], p: True}), (xv[:1] * 2).sum(1))


def test_cond_nested_structures_and_singletons():
    a, b = tf.constant(2.0), tf.constant(5.0)
    p = tf.placeholder(tf.bool, ())
    out = tf.cond(p, lambda: {"s": a + b, "t": (a * b, a)}, lambda: {"s": a - b, "t": (a / b, b)})
    single = tf.cond(p, lambda: [a], lambda: [b])             # unpacked, as TF does without strict
    strict = tf.cond(p, lambda: [a], lambda: [b], strict=True)
    op_result = tf.cond(p, lambda: tf.no_op(), lambda: tf.no_op())   # an op's result is the predicate
    # TF's Merge shape: the dimensions both branches agree on
    assert tf.cond(p, lambda: tf.zeros((2, 3)), lambda: tf.ones((4, 3))).shape.as_list() == [None, 3]
    with tf.Session() as sess:
        assert sess.run(out, {p: True}) == {"s": 7.0, "t": (10.0, 2.0)}
        assert sess.run(out, {p: False}) == {"s": -3.0, "t": (0.4, 5.0)}
        assert isinstance(single, tf.Tensor) and sess.run(single, {p: False}) == 5.0
        assert isinstance(strict, list) and sess.run(strict, {p: True}) == [2.0]
        assert sess.run(op_result, {p: False}) == False  # noqa: E712


def test_untaken_branch_does_not_run():
    counter = tf.Variable(0, dtype=tf.int32)
    x = tf.placeholder(tf.float32, (4,))
    idx = tf.placeholder(tf.int32, ())
    p = tf.placeholder(tf.bool, ())

    def counted():
        with tf.control_dependencies([tf.assign_add(counter, 1)]):
            return tf.gather(x, idx)      # an index out of range raises if this runs
    y = tf.cond(p, counted, lambda: tf.reduce_sum(x))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        xv = np.arange(4, dtype=np.float32)
        assert sess.run(y, {x: xv, idx: 99, p: False}) == 6.0
        assert sess.run(counter) == 0
        assert sess.run(y, {x: xv, idx: 2, p: True}) == 2.0
        assert sess.run(counter) == 1
        with pytest.raises(Exception):
            sess.run(y, {x: xv, idx: 99, p: True})


def test_assign_in_a_branch_and_nested_cond():
    v = tf.Variable(10.0)
    p, q = tf.placeholder(tf.bool, ()), tf.placeholder(tf.bool, ())
    y = tf.cond(p, lambda: tf.cond(q, lambda: tf.assign(v, v * 2.0), lambda: v + 1.0),
                lambda: tf.assign_sub(v, 3.0))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert sess.run(y, {p: True, q: False}) == 11.0 and sess.run(v) == 10.0
        assert sess.run(y, {p: True, q: True}) == 20.0 and sess.run(v) == 20.0
        assert sess.run(y, {p: False, q: True}) == 17.0 and sess.run(v) == 17.0


def test_case_picks_the_first_true_predicate_else_default():
    x = tf.placeholder(tf.int32, ())
    y = tf.case([(tf.less(x, 0), lambda: tf.constant(-1)), (tf.equal(x, 0), lambda: tf.constant(0))],
                default=lambda: tf.constant(1))
    y_dict = tf.case({tf.greater(x, 5): lambda: x * 10}, default=lambda: x)
    excl = tf.case([(tf.less(x, 3), lambda: x), (tf.less(x, 5), lambda: x * 2)], default=lambda: x * 3,
                   exclusive=True)
    with tf.Session() as sess:
        assert [sess.run(y, {x: v}) for v in (-4, 0, 9)] == [-1, 0, 1]
        assert [sess.run(y_dict, {x: v}) for v in (2, 7)] == [2, 70]
        assert sess.run(excl, {x: 4}) == 8 and sess.run(excl, {x: 7}) == 21
        with pytest.raises(tf.errors.InvalidArgumentError, match="more than 1 conditions"):
            sess.run(excl, {x: 1})


def test_smart_cond_calls_a_branch_now_for_a_python_bool():
    a = tf.constant(1.0)
    assert tf.contrib.framework.smart_cond(True, lambda: a, lambda: a * 2.0) is a
    p = tf.placeholder(tf.bool, ())
    y = tf.contrib.framework.smart_cond(p, lambda: a, lambda: a * 2.0)
    assert y.op.type == "If"
    with tf.Session() as sess:
        assert sess.run(y, {p: False}) == 2.0


# ---------------------------------------------------------------- tf.cond: errors, TF's wording

def test_cond_errors_as_tf():
    a = tf.constant(1.0)
    with pytest.raises(TypeError, match="pred must not be a Python bool"):
        tf.cond(True, lambda: a, lambda: a)
    with pytest.raises(ValueError, match=r"Shape must be rank 0 but is rank 1 for 'cond(_\d+)?/Switch' "
                                         r"\(op: 'Switch'\) with input shapes: \[2\], \[2\]"):
        tf.cond(tf.constant([True, False]), lambda: a, lambda: a)
    with pytest.raises(TypeError, match="Input 'pred' of 'Switch' Op has type float32"):
        tf.cond(a, lambda: a, lambda: a)
    p = tf.placeholder(tf.bool, ())
    with pytest.raises(ValueError, match="Incompatible return values of true_fn and false_fn: The two "
                                         "structures don't have the same nested structure"):
        tf.cond(p, lambda: (a, (a, a)), lambda: (a, a))
    with pytest.raises(ValueError, match="The two dictionaries don't have the same set of keys"):
        tf.cond(p, lambda: {"a": a}, lambda: {"b": a})
    with pytest.raises(TypeError, match="Incompatible return types of true_fn and false_fn"):
        tf.cond(p, lambda: (a, a), lambda: [a, a])
    with pytest.raises(ValueError, match="Outputs of true_fn and false_fn must have the same type: "
                                         "float32, int32"):
        tf.cond(p, lambda: a, lambda: tf.constant(0))
    with pytest.raises(ValueError, match="true_fn must have a return value."):
        tf.cond(p, lambda: None, lambda: a)
    with pytest.raises(TypeError, match="false_fn must be callable."):
        tf.cond(p, lambda: a, a)


# ---------------------------------------------------------------- tf.cond: gradients

def test_cond_gradients_match_finite_differences_on_both_branches():
    rs = np.random.RandomState(0)
    xv, wv = rs.randn(3, 4), rs.randn(4, 2)
    x = tf.placeholder(tf.float64, (3, 4))
    w = tf.placeholder(tf.float64, (4, 2))
    p = tf.placeholder(tf.bool, ())
    y = tf.cond(p, lambda: tf.reduce_sum(tf.tanh(tf.matmul(x, w)) ** 2.0),
                lambda: tf.reduce_sum(tf.exp(x) * 0.5))
    gx, gw = tf.gradients(y, [x, w])

    def np_y(xv, wv, pv):
        return (np.tanh(xv @ wv) ** 2).sum() if pv else (np.exp(xv) * 0.5).sum()
    with tf.Session() as sess:
        for pv in (True, False):
            gxv, gwv = sess.run([gx, gw], {x: xv, w: wv, p: pv})
            np.testing.assert_allclose(gxv, _fd(lambda a: np_y(a, wv, pv), xv), rtol=1e-6, atol=1e-8)
            # the untaken branch's gradient for a tensor only it reads is zeros, as TF's
            np.testing.assert_allclose(gwv, _fd(lambda b: np_y(xv, b, pv), wv), rtol=1e-6, atol=1e-8)
        assert not sess.run(gw, {x: xv, w: wv, p: False}).any()


def test_nested_cond_gradient_and_minimize():
    rs = np.random.RandomState(1)
    wv = rs.randn(3)
    w = tf.Variable(wv)
    p, q = tf.placeholder(tf.bool, ()), tf.placeholder(tf.bool, ())
    loss = tf.cond(p, lambda: tf.cond(q, lambda: tf.reduce_sum(w * w * w), lambda: tf.reduce_sum(tf.tanh(w))),
                   lambda: tf.reduce_sum(w) * 2.0)
    g = tf.gradients(loss, w)[0]
    step = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        np.testing.assert_allclose(sess.run(g, {p: True, q: True}), 3 * wv ** 2)
        np.testing.assert_allclose(sess.run(g, {p: True, q: False}), 1 - np.tanh(wv) ** 2)
        np.testing.assert_allclose(sess.run(g, {p: False, q: True}), np.full(3, 2.0))
        sess.run(step, {p: True, q: False})
        np.testing.assert_allclose(sess.run(w), wv - 0.1 * (1 - np.tanh(wv) ** 2))


# ---------------------------------------------------------------- classic program: is_training placeholder

def test_batch_norm_and_dropout_switched_by_is_training_placeholder():
    tf.set_random_seed(0)
    rs = np.random.RandomState(0)
    xs = rs.randn(64, 5).astype(np.float32)
    ys = (xs[:, :1] - xs[:, 1:2] > 0).astype(np.float32)
    x = tf.placeholder(tf.float32, [None, 5])
    y = tf.placeholder(tf.float32, [None, 1])
    is_training = tf.placeholder(tf.bool, name="is_training")
    h = tf.layers.dense(x, 8, use_bias=False)
    h = tf.layers.batch_normalization(h, training=is_training, momentum=0.9)
    h = tf.nn.relu(h)
    h = tf.layers.dropout(h, rate=0.5, training=is_training)
    logits = tf.layers.dense(h, 1)
    loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=logits))
    with tf.control_dependencies(tf.get_collection(tf.GraphKeys.UPDATE_OPS)):
        train_op = tf.train.AdamOptimizer(0.05).minimize(loss)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        first = sess.run(loss, {x: xs, y: ys, is_training: False})
        for _ in range(60):
            sess.run(train_op, {x: xs, y: ys, is_training: True})
        moving = sess.run(tf.get_collection(tf.GraphKeys.GLOBAL_VARIABLES, "batch_normalization/moving"))
        out = sess.run(logits, {x: xs, is_training: False})
        # evaluation is deterministic (no dropout) and leaves the moving statistics alone
        np.testing.assert_array_equal(out, sess.run(logits, {x: xs, is_training: False}))
        after = sess.run(tf.get_collection(tf.GraphKeys.GLOBAL_VARIABLES, "batch_normalization/moving"))
        for m, a in zip(moving, after):
            np.testing.assert_array_equal(m, a)
        assert sess.run(loss, {x: xs, y: ys, is_training: False}) < first
        # NumPy by hand: moving statistics, no dropout
        k0, gamma, beta, k1, b1 = sess.run(["dense/kernel:0", "batch_normalization/gamma:0",
                                            "batch_normalization/beta:0", "dense_1/kernel:0", "dense_1/bias:0"])
        mm, mv = moving
        hh = np.maximum((xs @ k0 - mm) / np.sqrt(mv + 1e-3) * gamma + beta, 0)
        np.testing.assert_allclose(out, hh @ k1 + b1, rtol=1e-4, atol=1e-5)
        # training mode drops units: two runs differ
        a = sess.run(logits, {x: xs, is_training: True})
        b = sess.run(logits, {x: xs, is_training: True})
        assert not np.array_equal(a, b)


# ---------------------------------------------------------------- tf.while_loop

def test_while_loop_power_and_its_gradient():
    x = tf.placeholder(tf.float64, (3,))
    n = tf.placeholder(tf.int32, ())
    i, y = tf.while_loop(lambda i, acc: i < n, lambda i, acc: (i + 1, acc * x), [tf.constant(0), tf.ones_like(x)])
    g = tf.gradients(tf.reduce_sum(tf.tanh(y)), x)[0]
    xv = np.array([0.5, -1.2, 2.0])
    with tf.Session() as sess:
        for nv in (0, 1, 4):
            iv, yv, gv = sess.run([i, y, g], {x: xv, n: nv})
            assert iv == nv
            np.testing.assert_allclose(yv, xv ** nv)
            np.testing.assert_allclose(gv, _fd(lambda a: np.tanh(a ** nv).sum(), xv), rtol=1e-6, atol=1e-8)
        # a forward-only plan after the gradient was built (it records no history)
        np.testing.assert_allclose(sess.run(y, {x: xv, n: 3}), xv ** 3)


def test_rnn_over_a_dynamic_length_trains_with_its_gradient():
    rs = np.random.RandomState(2)
    wv, uv = rs.randn(4, 4) * 0.4, rs.randn(3, 4) * 0.4
    W, U = tf.Variable(wv), tf.Variable(uv)
    seq = tf.placeholder(tf.float64, (None, 2, 3))
    steps = tf.shape(seq)[0]

    def body(t, h):
        return t + 1, tf.tanh(tf.matmul(h, W) + tf.matmul(tf.gather(seq, t), U))
    _, h = tf.while_loop(lambda t, h: t < steps, body, (tf.constant(0), tf.zeros((2, 4), tf.float64)))
    loss = tf.reduce_sum(h * h)
    gw, gu = tf.gradients(loss, [W, U])
    sv = rs.randn(5, 2, 3)

    def np_loss(wv, uv, sv):
        hv = np.zeros((2, 4))
        for xt in sv:
            hv = np.tanh(hv @ wv + xt @ uv)
        return (hv * hv).sum()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for length in (5, 2):
            lv, gwv, guv = sess.run([loss, gw, gu], {seq: sv[:length]})
            np.testing.assert_allclose(lv, np_loss(wv, uv, sv[:length]))
            np.testing.assert_allclose(gwv, _fd(lambda a: np_loss(a, uv, sv[:length]), wv), rtol=1e-6, atol=1e-8)
            np.testing.assert_allclose(guv, _fd(lambda b: np_loss(wv, b, sv[:length]), uv), rtol=1e-6, atol=1e-8)
        step = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
        before = sess.run(loss, {seq: sv})
        for _ in range(5):
            sess.run(step, {seq: sv})
        assert sess.run(loss, {seq: sv}) < before


def test_while_loop_with_cond_inside_and_maximum_iterations():
    x = tf.placeholder(tf.float64, ())

    def body(i, v):   # halve when above 1, else add 1
        return i + 1, tf.cond(v > 1.0, lambda: v * 0.5, lambda: v + 1.0)
    _, v = tf.while_loop(lambda i, v: i < 100, body, [0, x], maximum_iterations=5)
    g = tf.gradients(v, x)[0]

    def np_v(xv):
        for _ in range(5):
            xv = xv * 0.5 if xv > 1.0 else xv + 1.0
        return xv
    with tf.Session() as sess:
        for xv in (7.0, 0.3):
            np.testing.assert_allclose(sess.run(v, {x: xv}), np_v(xv))
            np.testing.assert_allclose(sess.run(g, {x: xv}), _fd(lambda a: np_v(float(a)), np.array(xv)),
                                       rtol=1e-6)


def test_while_loop_single_var_shape_invariants_and_errors():
    x = tf.constant(3)
    assert tf.while_loop(lambda v: v < 40, lambda v: v * 2, [x]).op.type == "While"
    grow = tf.while_loop(lambda a: tf.size(a) < 8, lambda a: tf.concat([a, a], 0), [tf.ones([1])],
                         shape_invariants=[tf.TensorShape([None])])
    with tf.Session() as sess:
        assert sess.run(tf.while_loop(lambda v: v < 40, lambda v: v * 2, x)) == 48
        assert sess.run(grow).shape == (8,)
    with pytest.raises(ValueError, match=r"enters the loop with shape \(1,\), but has shape \(2,\) after one "
                                         r"iteration.*shape_invariants"):
        tf.while_loop(lambda a: tf.size(a) < 8, lambda a: tf.concat([a, a], 0), [tf.ones([1])])
    with pytest.raises(TypeError, match="cond must be callable"):
        tf.while_loop(1, lambda v: v, [x])
    with pytest.raises(ValueError, match="No loop variables provided"):
        tf.while_loop(lambda: True, lambda: 1, [])


def test_control_flow_results_equal_with_every_pass_off():
    x = tf.placeholder(tf.float64, (4, 4))
    p = tf.placeholder(tf.bool, ())
    y = tf.cond(p, lambda: tf.nn.relu(tf.matmul(x, x)) + 1.0, lambda: tf.matmul(x, x) * 2.0)
    _, z = tf.while_loop(lambda i, a: i < 3, lambda i, a: (i + 1, tf.nn.relu(tf.matmul(a, x))), [0, y])
    g = tf.gradients(tf.reduce_sum(z), x)[0]
    xv = np.random.RandomState(3).randn(4, 4)
    off = tf.ConfigProto(constant_folding=False, cse=False, fusion=False, reuse_buffers=False,
                         memory_optimization=False)
    for pv in (True, False):
        with tf.Session() as a, tf.Session(config=off) as b:
            for u, v in zip(a.run([z, g], {x: xv, p: pv}), b.run([z, g], {x: xv, p: pv})):
                np.testing.assert_array_equal(u, v)


# ---------------------------------------------------------------- map_fn, scan, foldl, foldr

def test_map_fn_scan_folds_values_and_gradients():
    rs = np.random.RandomState(4)
    xv, wv = rs.randn(4, 3), np.array([1.0, 2.0, -1.0])
    x = tf.placeholder(tf.float64, (None, 3))
    w = tf.placeholder(tf.float64, (3,))
    m = tf.map_fn(lambda r: tf.reduce_sum(r * w) * r, x)
    s = tf.scan(lambda a, r: a * 0.5 + r * w, x)
    s_rev = tf.scan(lambda a, r: a + r, x, initializer=tf.zeros((3,), tf.float64), reverse=True)
    pair = tf.map_fn(lambda r: (r * 2.0, tf.reduce_sum(r)), x, dtype=(tf.float64, tf.float64))
    fl = tf.foldl(lambda a, r: a * r, x)
    fr = tf.foldr(lambda a, r: a - r, x, initializer=tf.zeros((3,), tf.float64))
    loss = tf.reduce_sum(m) + tf.reduce_sum(s * s) + tf.reduce_sum(fl)
    gx, gw = tf.gradients(loss, [x, w])
    assert m.shape.as_list() == [None, 3]

    def np_scan(xv, wv):
        acc = [xv[0]]
        for r in xv[1:]:
            acc.append(acc[-1] * 0.5 + r * wv)
        return np.stack(acc)

    def np_loss(xv, wv):
        return ((xv @ wv)[:, None] * xv).sum() + (np_scan(xv, wv) ** 2).sum() + xv.prod(0).sum()
    with tf.Session() as sess:
        mv, sv, srv, (p2, ps), flv, frv, gxv, gwv = sess.run([m, s, s_rev, pair, fl, fr, gx, gw], {x: xv, w: wv})
    np.testing.assert_allclose(mv, (xv @ wv)[:, None] * xv)
    np.testing.assert_allclose(sv, np_scan(xv, wv))
    np.testing.assert_allclose(srv, np.cumsum(xv[::-1], 0)[::-1])
    np.testing.assert_allclose(p2, xv * 2)
    np.testing.assert_allclose(ps, xv.sum(1))
    np.testing.assert_allclose(flv, xv.prod(0))
    np.testing.assert_allclose(frv, -xv.sum(0))
    np.testing.assert_allclose(gxv, _fd(lambda a: np_loss(a, wv), xv), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(gwv, _fd(lambda b: np_loss(xv, b), wv), rtol=1e-5, atol=1e-7)


# ---------------------------------------------------------------- tf.TensorArray

def test_tensor_array_rnn_in_a_while_loop_and_its_gradient():
    """The loop TF's dynamic_rnn builds: inputs unstacked into a TensorArray, outputs written to one."""
    rs = np.random.RandomState(5)
    wv = rs.randn(3, 3) * 0.5
    W = tf.placeholder(tf.float64, (3, 3))
    xs = tf.placeholder(tf.float64, (None, 2, 3))
    steps = tf.shape(xs)[0]
    inputs = tf.TensorArray(tf.float64, size=steps).unstack(xs)
    outputs = tf.TensorArray(tf.float64, size=steps)

    def body(t, h, out):
        h = tf.tanh(tf.matmul(h, W) + inputs.read(t))
        return t + 1, h, out.write(t, h)
    _, h, out = tf.while_loop(lambda t, h, out: t < steps, body,
                              (tf.constant(0), tf.zeros((2, 3), tf.float64), outputs))
    ys = out.stack()
    assert isinstance(out, tf.TensorArray) and ys.shape.as_list() == [None, 2, 3]
    loss = tf.reduce_sum(ys * ys) + tf.reduce_sum(h)
    g = tf.gradients(loss, W)[0]
    xv = rs.randn(4, 2, 3)

    def np_loss(wv):
        hv, total = np.zeros((2, 3)), 0.0
        for x_t in xv:
            hv = np.tanh(hv @ wv + x_t)
            total += (hv * hv).sum()
        return total + hv.sum()
    with tf.Session() as sess:
        lv, gv, sv = sess.run([loss, g, out.size()], {W: wv, xs: xv})
    np.testing.assert_allclose(lv, np_loss(wv))
    np.testing.assert_allclose(gv, _fd(np_loss, wv), rtol=1e-6, atol=1e-8)
    assert sv == 4


def test_tensor_array_dynamic_size_and_errors():
    n = tf.placeholder(tf.int32, ())
    ta = tf.TensorArray(tf.float32, size=0, dynamic_size=True)
    _, ta = tf.while_loop(lambda i, ta: i < n, lambda i, ta: (i + 1, ta.write(i, tf.cast(i, tf.float32) ** 2.0)),
                          [0, ta])
    fixed = tf.TensorArray(tf.float32, size=2).write(0, 1.0).write(1, 2.0)
    too_far = fixed.write(2, 3.0)
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(ta.stack(), {n: 4}), [0.0, 1.0, 4.0, 9.0])
        assert sess.run(ta.size(), {n: 3}) == 3
        np.testing.assert_array_equal(sess.run(fixed.stack()), [1.0, 2.0])
        assert sess.run(fixed.read(1)) == 2.0
        with pytest.raises(tf.errors.InvalidArgumentError, match="Tried to write to index 2 but array is not "
                                                                 "resizeable and size is: 2"):
            sess.run(too_far.stack())
    with pytest.raises(TypeError, match="TensorArray dtype is float32 but Op is trying to write dtype int32"):
        fixed.write(0, tf.constant(1))


def test_smart_cond_takes_tfs_constant_predicates_and_refuses_others():
    """smart_cond (and tf.layers' training argument, which goes through it) calls one branch now for a
    Python bool, 0 or 1 (NumPy's bools too) or a Const tensor, builds tf.cond for a run-time predicate, and
    refuses anything else with TF's TypeError."""
    smart_cond = tf.contrib.framework.smart_cond
    for pred, want in ((True, "T"), (0, "F"), (1, "T"), (np.bool_(False), "F"), (tf.constant(True), "T")):
        assert smart_cond(pred, lambda: "T", lambda: "F") == want
    with pytest.raises(TypeError, match="`pred` must be a Tensor, or a Python bool, or 1 or 0"):
        smart_cond(2, lambda: "T", lambda: "F")
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [4, 3])
        is_training = tf.placeholder(tf.bool, [])
        assert tf.layers.dropout(x, 0.5, training=np.bool_(False)) is x
        y = tf.layers.dropout(x, 0.5, training=is_training)
        with tf.Session() as sess:
            ones = np.ones((4, 3), np.float32)
            np.testing.assert_array_equal(sess.run(y, {x: ones, is_training: False}), ones)
