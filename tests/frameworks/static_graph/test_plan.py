"""The compiled plan: caching, memory plan (liveness, shared buffers, freed saved values), optional passes."""
import collections
import itertools
import re

import numpy as np
import pytest

import frameworks.static_graph as tf

PASSES = ("constant_folding", "cse", "fusion", "reuse_buffers", "memory_optimization")


def _model(config, steps=4):
    """A small conv + dense + recurrent training graph with a duplicated subexpression and a constant
    branch, trained a few steps; returns the losses and the final parameters."""
    rs = np.random.RandomState(0)
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, 1, 6, 6], name="x")
        ids = tf.placeholder(tf.int64, [3, 4], name="ids")
        labels = tf.placeholder(tf.int64, [None], name="labels")
        cw = tf.Variable(rs.standard_normal((3, 3, 1, 2)).astype(np.float32) * 0.3)
        cb = tf.Variable(np.zeros(2, np.float32))
        emb = tf.Variable(rs.uniform(-0.1, 0.1, (7, 5)).astype(np.float32))
        lw = {k: rs.uniform(-0.1, 0.1, s).astype(np.float32)
              for k, s in dict(wx=(5, 16), wh=(4, 16), b_ih=(16,), b_hh=(16,)).items()}
        cell = tf.nn.rnn_cell.LSTMCell(4, **lw)   # the shared kernel's layout: the fused path
        fw = tf.Variable(rs.standard_normal((18 + 4, 3)).astype(np.float32) * 0.2)
        scale = tf.exp(tf.constant(0.0)) * tf.constant(1.0)          # a constant-only branch
        h = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(x, cw, [1, 1, 1, 1], "SAME", data_format="NCHW"), cb,
                                      data_format="NCHW"))
        h = tf.reshape(tf.nn.max_pool(h, [1, 1, 2, 2], [1, 1, 2, 2], "VALID", "NCHW"), [-1, 18]) * scale
        _, state = tf.nn.dynamic_rnn(cell, tf.nn.embedding_lookup(emb, ids), time_major=True)
        feats = tf.concat([h, state.h], axis=1)
        logits = tf.matmul(feats, fw) + tf.matmul(feats, fw)              # the same subexpression twice
        loss = tf.losses.sparse_softmax_cross_entropy(labels=labels, logits=tf.nn.tanh(logits))
        train = tf.train.MomentumOptimizer(0.1, 0.9).minimize(loss)
        with tf.Session(config=tf.ConfigProto(**config)) as sess:
            sess.run(tf.global_variables_initializer())
            feed = {x: rs.standard_normal((4, 1, 6, 6)).astype(np.float32),
                    ids: rs.randint(0, 7, (3, 4)), labels: np.array([0, 1, 2, 1])}
            losses = [sess.run([train, loss], feed)[1] for _ in range(steps)]
            params = sess.run(tf.trainable_variables())
            memory = sess.memory_plan([train, loss], feed)
            source = sess.plan_source([train, loss], feed)
    return losses, params, memory, source


@pytest.mark.parametrize("flags", list(itertools.product([False, True], repeat=len(PASSES))),
                         ids=lambda f: "".join("1" if x else "0" for x in f))
def test_results_equal_with_passes_on_and_off(flags):
    base_losses, base_params, _, _ = _model(dict.fromkeys(PASSES, False))
    losses, params, _, _ = _model(dict(zip(PASSES, flags)))
    np.testing.assert_allclose(losses, base_losses, rtol=1e-6)
    for a, b in zip(params, base_params):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


def test_passes_change_the_plan():
    off = _model(dict.fromkeys(PASSES, False))[3]
    on = _model(dict.fromkeys(PASSES, True))[3]
    count = lambda src, pat: len(re.findall(pat, src))   # noqa: E731
    assert count(on, r"\n") < count(off, r"\n")                     # CSE and folding removed steps
    assert count(on, r"out=b\d+") > 0 and count(off, r"out=b\d+") == 0
    assert re.search(r"(v\d+), v\d+ = n\d+\(xp, (v\d+), out=\2\)", on)   # an activation in place


def test_planned_peak_live_bytes_not_above_unplanned():
    _, _, memory, _ = _model(dict.fromkeys(PASSES, True))
    assert 0 < memory["peak_live_bytes"] <= memory["unplanned_bytes"]
    assert 0 < memory["pooled_bytes"] <= memory["unplanned_bytes"]


def test_saved_values_are_dropped_right_after_their_last_reader():
    source = _model(dict.fromkeys(PASSES, True))[3]
    lines = source.splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"\s+.*, (v\d+) = n\d+\(xp", line)
        if not m:
            continue
        saved = m.group(1)
        readers = [j for j, ln in enumerate(lines) if j > i and re.search(rf"\b{saved}\b", ln)
                   and not ln.strip().startswith("del")]
        if readers:   # the line after its last reader deletes it
            assert re.match(rf"\s+del .*\b{saved}\b", lines[readers[-1] + 1]), (saved, lines[readers[-1]])


def test_plan_is_cached_per_signature():
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [None, 2])
        y = tf.reduce_sum(x * 2.0)
        with tf.Session() as sess:
            sess.run(y, {x: np.ones((3, 2))})
            sess.run(y, {x: np.ones((3, 2))})
            sess.run([y], {x: np.ones((3, 2))})
            sess.run(y, {x: np.ones((5, 2))})
            assert len(sess._plans) == 3


def test_memory_plan_counts_the_kernels_declared_saved_and_workspace_bytes():
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [2, 3, 8, 8])
        w = tf.Variable(np.ones((3, 3, 3, 4), np.float32))
        y = tf.nn.conv2d(x, w, [1, 1, 1, 1], "SAME", data_format="NCHW")
        loss = tf.reduce_sum(y)
        (g,) = tf.gradients(loss, [w])
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            feed = {x: np.ones((2, 3, 8, 8), np.float32)}
            mem = sess.memory_plan([loss, g], feed)
    cols = 3 * 3 * 3 * 2 * 8 * 8 * 4          # the im2col columns conv2d's saved value holds
    assert mem["peak_live_bytes"] >= cols
    assert mem["peak_live_bytes"] <= mem["planned_peak_bytes"] <= mem["unplanned_bytes"] + mem["pooled_bytes"]


def test_plan_names_each_kernel_call_site_under_a_hook_and_restores_the_outer_name():
    from frameworks import kernels as K
    seen = []

    def hook(name, phase, fn, args, kwargs):
        seen.append((name, phase, K.current_call_site()))
        return fn(*args, **kwargs)
    K.install_hook(hook)
    try:
        with tf.Graph().as_default():
            x = tf.placeholder(tf.float32, [2, 3], name="x")
            w = tf.Variable(np.ones((3, 4), np.float32), name="w")
            loss = tf.reduce_sum(tf.nn.relu(tf.matmul(x, w, name="mm"), name="act"), name="total")
            train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
            with tf.Session() as sess:
                sess.run(tf.global_variables_initializer())
                with K.call_site("caller"):
                    seen.clear()
                    sess.run([train, loss], {x: np.ones((2, 3), np.float32)})
                    assert K.current_call_site() == "caller"
            with tf.Session() as sess:   # a run failing inside the plan puts the outer name back too
                nxt = tf.data.Dataset.from_tensor_slices(np.ones((2, 3), np.float32)).batch(2) \
                    .make_one_shot_iterator().get_next()
                total = tf.reduce_sum(nxt * 2.0)
                with K.call_site("caller"):
                    sess.run(total)
                    with pytest.raises(tf.errors.OutOfRangeError):
                        sess.run(total)
                    assert K.current_call_site() == "caller"
    finally:
        K.remove_hook()
    sites = {(n, p): s for n, p, s in seen}
    assert sites[("matmul", "forward")] == "mm"
    assert sites[("relu", "forward")] == "act"
    assert sites[("matmul", "backward")] == "gradients/mm_grad/MatMulGrad"
    assert sites[("sgd", "update")] == "GradientDescent/ApplyGradientDescent"
    assert K.current_call_site() is None


def test_plan_names_call_sites_only_while_the_hook_reads_them():
    """One mechanism for every engine: kernels.call_sites_wanted() is asked once per run, so a profiler's
    timed iterations (reads_call_sites False) run the plain plan and its labelled ones the named plan."""
    from frameworks import kernels as K

    class Hook:
        reads_call_sites = False

        def __init__(self):
            self.seen = []

        def __call__(self, name, phase, fn, args, kwargs):
            self.seen.append((name, phase, K.current_call_site()))
            return fn(*args, **kwargs)
    hook = Hook()
    K.install_hook(hook)
    try:
        with tf.Graph().as_default():
            x = tf.placeholder(tf.float32, [2, 3], name="x")
            y = tf.nn.relu(x, name="act")
            with tf.Session() as sess:
                feed = {x: np.ones((2, 3), np.float32)}
                sess.run(y, feed)
                hook.reads_call_sites = True
                sess.run(y, feed)
                hook.reads_call_sites = False
                sess.run(y, feed)
                assert len(sess._plans) == 1
                assert "_site[0]" not in sess.plan_source(y, feed)   # the plain plan stores no name
    finally:
        K.remove_hook()
    assert [s for k, p, s in hook.seen if k == "relu"] == [None, "act", None]


def _shared_weight_model(memory_optimization):
    """A weight used by T steps: its gradient is one AddN of T contributions; plus a scalar add_n."""
    rs = np.random.RandomState(1)
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float64, [2, 64])
        w = tf.Variable(rs.standard_normal((64, 64)) * 0.1)
        h, losses = x, []
        for _ in range(6):
            h = tf.tanh(tf.matmul(h, w))
            losses.append(tf.reduce_sum(h * h))
        loss = tf.add_n(losses)                       # 0-d AddN of six inputs
        (g,) = tf.gradients(loss, [w])
        with tf.Session(config=tf.ConfigProto(memory_optimization=memory_optimization)) as sess:
            sess.run(tf.global_variables_initializer())
            feed = {x: rs.standard_normal((2, 64))}
            return sess.run([loss, g], feed), sess.memory_plan([loss, g], feed), sess.plan_source([loss, g], feed)


def test_memory_optimization_accumulates_add_n_as_its_inputs_arrive():
    (loss0, g0), mem0, src0 = _shared_weight_model(False)
    (loss1, g1), mem1, src1 = _shared_weight_model(True)
    assert loss1 == loss0 and np.array_equal(g1, g0)          # the same adds in the same order
    w_bytes = 16 * 16 * 8
    # without the pass the six weight-gradient contributions are all live at the AddN; with it, one
    # running sum and the contribution being added
    assert mem0["peak_live_bytes"] - mem1["peak_live_bytes"] >= 3 * w_bytes
    assert "AddN" not in src0 and re.search(r"out=(v\d+)\)", src1)   # inline add kernels, in place


def test_cse_merges_equal_small_constants_and_then_their_readers():
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [3], name="x")
        a = x * tf.constant(2.0)
        b = x * tf.constant(np.float32(2.0))          # an equal constant built apart: one Mul after CSE
        c = x * tf.constant(2.0, shape=[3])            # another shape
        d = tf.cast(x, tf.float64) * tf.constant(2.0, tf.float64)   # another dtype
        with tf.control_dependencies([a]):
            e = x * tf.constant(2.0)                   # its constant waits for `a`: kept apart
        big = np.arange(1000, dtype=np.float32)       # large constants are compared by identity only
        f = tf.reduce_sum(tf.constant(big)) + tf.reduce_sum(tf.constant(big))
        fetches = [a, b, c, d, e, f]
        feed = {x: np.array([1.0, 2.0, 3.0], np.float32)}
        kinds = {}
        for cse in (False, True):
            with tf.Session(config=tf.ConfigProto(cse=cse, constant_folding=False)) as sess:
                out = sess.run(fetches, feed)
                (plan,) = sess._plans.values()
                kinds[cse] = collections.Counter(n.op.type for n in plan.nodes)
                np.testing.assert_array_equal(out[0], [2.0, 4.0, 6.0])
                for v in out[1:5]:
                    np.testing.assert_array_equal(v, out[0])
                assert out[5] == 2 * big.sum()
        assert kinds[False]["Const"] == 7 and kinds[True]["Const"] == 6   # b's joined a's alone
        assert kinds[True]["Mul"] == kinds[False]["Mul"] - 1               # so b's Mul joined a's


def test_buffers_count_allocations_not_the_views_into_the_arena():
    from frameworks.static_graph._memory import held_arrays
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [8, 16], name="x")
        w1 = tf.Variable(np.full((16, 32), 0.1, np.float32))
        w2 = tf.Variable(np.full((32, 4), 0.1, np.float32))
        loss = tf.reduce_sum(tf.tanh(tf.matmul(tf.tanh(tf.matmul(x, w1)), w2)))
        train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
        feed = {x: np.ones((8, 16), np.float32)}
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            sess.run([train, loss], feed)
            sess.run(loss, feed)                                     # a second plan, its own arena
            memory = sess.memory_plan([train, loss], feed)
            assert memory["buffers"] == 1 < memory["pooled_values"]   # one arena, several values in it
            plans = list(sess._plans.values())
            for plan in plans:
                assert len(plan.pool) == plan.memory["buffers"]
                assert sum(a.nbytes for a in plan.pool) == plan.memory["pooled_bytes"]
                assert all(a.base is None for a in plan.pool)       # allocations, not views
            parts = held_arrays(sess)["buffers"]
            assert len({id(a) for a in parts}) == len(parts)
            assert all(a.base is None for a in parts)
            arenas = [a for p in plans for a in p.pool]
            assert sum(any(a is b for b in parts) for a in arenas) == len(arenas) == 2
        with tf.Session(config=tf.ConfigProto(reuse_buffers=False)) as sess:
            sess.run(tf.global_variables_initializer())
            memory = sess.memory_plan([train, loss], feed)
            assert memory["buffers"] == memory["pooled_values"] == memory["pooled_bytes"] == 0
