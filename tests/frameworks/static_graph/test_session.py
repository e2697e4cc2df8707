"""Session.run: pruning, fetch structures, feed validation, variables, build-time shapes, Saver, export."""
import collections
import json

import numpy as np
import pytest

import frameworks.static_graph as tf
from frameworks.static_graph import ops as graph_ops
from frameworks.static_graph.runtime import register_runner


@register_runner("Explode")
def _explode(op, sess):
    def run(*xs):
        raise AssertionError(f"pruning failed: {op.name} ran")
    return run


@pytest.fixture
def graph():
    g = tf.Graph()
    with g.as_default():
        yield g


def _explode_op(x):
    return graph_ops.graph_op("Explode", [x], [(x.dtype, x.shape.dims)], "Explode").outputs[0]


def test_pruning_never_runs_unneeded_ops(graph):
    x = tf.placeholder(tf.float32, [2], name="x")
    y = x * 2.0
    boom = _explode_op(y)                         # consumes y, but nothing fetched needs it
    tf.placeholder(tf.float32, [2], name="never_fed") * boom
    with tf.Session() as sess:
        np.testing.assert_allclose(sess.run(y, {x: [1.0, 2.0]}), [2.0, 4.0])
        with pytest.raises(AssertionError, match="pruning failed: Explode"):
            sess.run(boom, {x: [1.0, 2.0]})   # and it does fail when it is needed


def test_feeding_a_tensor_cuts_its_producer(graph):
    x = tf.placeholder(tf.float32, [2])
    mid = _explode_op(x)
    out = mid + 1.0
    with tf.Session() as sess:
        np.testing.assert_allclose(sess.run(out, {mid: [3.0, 4.0]}), [4.0, 5.0])


def test_fetch_structures(graph):
    a = tf.constant(1.0, name="a")
    b = tf.constant([2.0, 3.0], name="b")
    Pair = collections.namedtuple("Pair", "first second")
    with tf.Session() as sess:
        assert sess.run(a) == 1.0
        out = sess.run({"a": a, "nested": [b, (a, Pair(a, b))], "op": tf.no_op()})
        assert out["op"] is None and out["a"] == 1.0
        lst = out["nested"]
        assert isinstance(lst, list) and isinstance(lst[1], tuple) and isinstance(lst[1][1], Pair)
        np.testing.assert_allclose(lst[1][1].second, [2.0, 3.0])
        assert sess.run("a:0") == 1.0
        with pytest.raises(TypeError, match="invalid type"):
            sess.run([a, 3])
        # flat lists and tuples (the fast rebuild), repeated elements, names and ops among them
        flat = sess.run([a, b, tf.no_op()])
        assert isinstance(flat, list) and flat[0] == 1.0 and flat[2] is None
        tup = sess.run((b, a, a, "a:0"))
        assert isinstance(tup, tuple) and len(tup) == 4 and tup[1] == tup[2] == tup[3] == 1.0
        assert isinstance(sess.run(Pair(a, b)), Pair) and sess.run([]) == []


def test_missing_feed_names_the_placeholder(graph):
    x = tf.placeholder(tf.float32, [None, 2], name="images")
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"must feed a value for placeholder tensor 'images' with dtype float32 "
                                 r"and shape \[\?,2\]"):
            sess.run(x * 2.0)


def test_feed_shape_and_dtype_are_checked(graph):
    x = tf.placeholder(tf.float32, [None, 2], name="x")
    ids = tf.placeholder(tf.int64, [3], name="ids")
    y = tf.reduce_sum(x)
    with tf.Session() as sess:
        with pytest.raises(ValueError, match=r"Cannot feed value of shape \(3, 3\) for Tensor 'x:0', "
                                             r"which has shape '\(\?, 2\)'"):
            sess.run(y, {x: np.zeros((3, 3), np.float32)})
        with pytest.raises(TypeError, match="dtype float64 for Tensor 'ids:0'"):
            sess.run(ids, {ids: np.zeros(3)})
        # float64 data converts to a float32 placeholder (as TF's np.asarray does); batch size may vary
        assert sess.run(y, {x: np.ones((5, 2))}) == 10.0
        assert sess.run(y, {x: np.ones((1, 2), np.float32)}) == 2.0
        assert sess.run(y, {"x:0": [[1.0, 1.0]]}) == 2.0


def test_shape_mismatch_raises_at_op_creation(graph):
    a = tf.placeholder(tf.float32, [None, 3], name="a")
    b = tf.Variable(np.zeros((4, 5), np.float32), name="b")
    with pytest.raises(ValueError, match=r"(?i)dimensions must be equal, but are 3 and 4 .*'MatMul'.*"
                                         r"input shapes: \[\?, 3\], \[4, 5\]"):
        tf.matmul(a, b)
    with pytest.raises(ValueError, match="Add"):
        tf.add(a, tf.zeros([2]))


def test_unique_names_and_scopes(graph):
    c1, c2 = tf.constant(1.0), tf.constant(2.0)
    assert (c1.op.name, c2.op.name) == ("Const", "Const_1")
    with tf.name_scope("layer"):
        m = tf.matmul(tf.zeros([1, 2]), tf.zeros([2, 1]))
    with tf.name_scope("layer"):
        m2 = tf.matmul(tf.zeros([1, 2]), tf.zeros([2, 1]))
    assert m.op.name == "layer/MatMul" and m2.op.name == "layer_1/MatMul"
    assert m.get_shape().as_list() == [1, 1] and m.shape == (1, 1)
    assert graph.get_tensor_by_name("layer/MatMul:0") is m


def test_uninitialised_variable_is_failed_precondition(graph):
    w = tf.Variable(np.ones(3, np.float32), name="weights")
    with tf.Session() as sess:
        with pytest.raises(tf.errors.FailedPreconditionError, match="uninitialized value weights"):
            sess.run(w * 2.0)
        sess.run(w.initializer)
        np.testing.assert_allclose(sess.run(w * 2.0), [2.0, 2.0, 2.0])
    with tf.Session() as other:   # values live per session
        with pytest.raises(tf.errors.FailedPreconditionError):
            other.run(w)


def test_assign_control_dependencies_and_returned_values_are_copies(graph):
    v = tf.Variable(np.zeros(2, np.float32), name="v")
    inc = tf.assign_add(v, [1.0, 1.0])
    with tf.control_dependencies([inc]):
        read = tf.identity(v) * 10.0
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        before = sess.run(v)
        np.testing.assert_allclose(sess.run(read), [10.0, 10.0])
        np.testing.assert_allclose(before, [0.0, 0.0])    # a fetched value is not the live storage
        sess.run(tf.assign(v, [5.0, 6.0]))
        sess.run(v.assign_sub([1.0, 1.0]))
        np.testing.assert_allclose(sess.run(v), [4.0, 5.0])


def test_initialisers_are_seeded(graph):
    tf.set_random_seed(7)
    a = tf.Variable(tf.random_normal([3, 2], seed=1))
    b = tf.Variable(tf.truncated_normal([100], stddev=0.5, seed=2))
    with tf.Session() as s1, tf.Session() as s2:
        for s in (s1, s2):
            s.run(tf.global_variables_initializer())
        np.testing.assert_array_equal(s1.run(a), s2.run(a))
        assert np.abs(s1.run(b)).max() <= 1.0


def test_closed_session_and_default_session(graph):
    c = tf.constant(3.0)
    with tf.Session() as sess:
        assert c.eval() == 3.0
    with pytest.raises(RuntimeError, match="closed Session"):
        sess.run(c)


def test_saver_round_trip(graph, tmp_path):
    w = tf.Variable(np.arange(6, dtype=np.float32).reshape(2, 3), name="layer/w")
    b = tf.Variable(np.ones(3, np.float32), name="b")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(tf.assign(w, np.full((2, 3), 7.0, np.float32)))
        path = tf.train.Saver().save(sess, str(tmp_path / "model"), global_step=3)
    index = json.loads(open(path + ".index.json").read())
    assert {e["name"] for e in index["variables"]} == {"layer/w", "b"}
    with tf.Session() as sess:
        tf.train.Saver().restore(sess, path)
        np.testing.assert_array_equal(sess.run(w), np.full((2, 3), 7.0))
        np.testing.assert_array_equal(sess.run(b), np.ones(3))
        with pytest.raises(tf.errors.NotFoundError, match="no checkpoint"):
            tf.train.Saver().restore(sess, str(tmp_path / "missing"))
    with tf.Graph().as_default():
        tf.Variable(np.zeros((3, 3), np.float32), name="b")
        with tf.Session() as sess, pytest.raises(tf.errors.InvalidArgumentError, match="does not match"):
            tf.train.Saver().restore(sess, path)


def test_write_graph_json_and_dot(graph, tmp_path):
    x = tf.placeholder(tf.float32, [None, 2], name="x")
    w = tf.Variable(np.ones((2, 1), np.float32), name="w")
    loss = tf.reduce_sum(tf.matmul(x, w))
    tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    gd = json.loads(open(tf.train.write_graph(graph, str(tmp_path), "g.json")).read())
    by_name = {n["name"]: n for n in gd["node"]}
    assert by_name["MatMul"]["input"] == ["x:0", "w:0"] and by_name["MatMul"]["op"] == "MatMul"
    dot = open(tf.train.write_graph(graph, str(tmp_path), "g.dot")).read()
    assert dot.startswith("digraph") and '"MatMul\\nMatMul"' in dot and "saved" in dot


def test_run_metadata_times_every_step(graph):
    x = tf.placeholder(tf.float32, [4, 3])
    w = tf.Variable(np.ones((3, 2), np.float32))
    loss = tf.reduce_sum(tf.square(tf.matmul(x, w)))
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        md = tf.RunMetadata()
        sess.run([train, loss], {x: np.ones((4, 3))},
                 options=tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE), run_metadata=md)
        types = {t for _, t, _ in md.step_stats}
        assert {"MatMul", "MatMulGrad", "ApplyGradientDescent"} <= types
        assert all(sec >= 0 for _, _, sec in md.step_stats)
        assert set(md.op_time_by_type()) == types


def test_bad_fetch_names_its_type(graph):
    with tf.Session() as sess:
        with pytest.raises(TypeError, match=r"\(Can not convert a int into a Tensor or Operation\.\)"):
            sess.run(3)


def test_config_proto_refuses_unknown_fields_as_protobuf_does():
    cfg = tf.ConfigProto(allow_soft_placement=True, log_device_placement=False,
                         gpu_options=tf.GPUOptions(allow_growth=True), cse=False)
    assert cfg.allow_soft_placement and cfg.gpu_options.allow_growth and not cfg.cse
    with pytest.raises(ValueError, match='Protocol message ConfigProto has no "constant_foldng" field'):
        tf.ConfigProto(constant_foldng=False)
    with pytest.raises(ValueError, match='Protocol message GPUOptions has no "allow_grwth" field'):
        tf.GPUOptions(allow_grwth=True)


def test_device_placement_is_checked_against_the_sessions_one_device(graph):
    with tf.device("/cpu:0"):
        a = tf.constant(1.0) + 1.0
    with tf.device("/device:GPU:0"):
        b = tf.constant(2.0) * 2.0
    with tf.device("/job:worker/task:1"):
        c = tf.constant(3.0) - 1.0
    with tf.Session() as sess:
        assert sess.run(a) == 2.0
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match="Could not satisfy explicit device specification '/device:GPU:0'"):
            sess.run(b)
        with pytest.raises(tf.errors.UnimplementedError, match="distributed TensorFlow"):
            sess.run(c)
    with tf.Session(config=tf.ConfigProto(allow_soft_placement=True)) as sess:
        assert sess.run(b) == 4.0
    with pytest.raises(ValueError, match="Unknown attribute"):
        with tf.device("/tpu:0"):
            pass


def test_distributed_sessions_and_queues_raise_tfs_unimplemented(graph):
    with pytest.raises(tf.errors.UnimplementedError, match="use tf.Session\\(\\) with no target"):
        tf.Session("grpc://localhost:2222")
    with pytest.raises(tf.errors.UnimplementedError, match="use tf.data"):
        tf.FIFOQueue(10, [tf.float32])
    with pytest.raises(tf.errors.UnimplementedError, match="use tf.data"):
        tf.train.shuffle_batch([tf.constant(1.0)], 4, 10, 5)
    with pytest.raises(tf.errors.UnimplementedError, match="tf.train.Server"):
        tf.train.Server(None)


def test_summaries_and_file_writer(graph, tmp_path):
    x = tf.placeholder(tf.float32, [3])
    tf.summary.scalar("loss", tf.reduce_sum(x))
    tf.summary.histogram("x", x)
    merged = tf.summary.merge_all()
    with tf.Session() as sess, tf.summary.FileWriter(str(tmp_path), sess.graph) as writer:
        for step in range(2):
            writer.add_summary(sess.run(merged, {x: [1.0, 2.0, float(step)]}), step)
    lines = [json.loads(line) for line in open(tmp_path / "events.jsonl")]
    assert [(e["tag"], e["step"]) for e in lines] == [("loss", 0), ("x", 0), ("loss", 1), ("x", 1)]
    assert lines[2]["value"] == 4.0 and lines[3]["histo"]["max"] == 2.0
    assert (tmp_path / "graph.json").exists() and (tmp_path / "graph.dot").exists()


def test_tf_dtype_names_mean_tfs_dtypes(graph):
    assert tf.placeholder("float", [2]).dtype == tf.float32      # not NumPy's float64
    assert tf.placeholder("double", [2]).dtype == tf.float64
    assert tf.constant([1, 2]).dtype == tf.int32 and tf.constant([1.5]).dtype == tf.float32


def test_make_callable_runs_the_step_with_positional_feeds(graph):
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    y = tf.placeholder(tf.float32, [None, 2], name="y")
    w = tf.Variable(np.full((3, 2), 0.5, np.float32))
    loss = tf.reduce_mean(tf.square(tf.matmul(x, w) - y))
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    rng = np.random.RandomState(0)
    xs, ys = rng.randn(4, 3).astype(np.float32), rng.randn(4, 2).astype(np.float32)
    with tf.Session() as sess, tf.Session() as ref:
        sess.run(tf.global_variables_initializer())
        ref.run(tf.global_variables_initializer())
        step = sess.make_callable([loss, train], feed_list=[y, "x:0"])   # any order, names too
        for _ in range(3):
            got, none = step(ys, xs)
            want, _ = ref.run([loss, train], {x: xs, y: ys})
            assert none is None and got == want   # same plan arithmetic, bit for bit
        np.testing.assert_array_equal(sess.run(w), ref.run(w))
        # the fetches' structure, a lone tensor or op, a new batch size (a new plan), lists converted
        assert isinstance(sess.make_callable({"l": loss}, [x, y])(xs, ys), dict)
        assert sess.make_callable(loss, (x, y))(xs.tolist(), ys) == ref.run(loss, {x: xs, y: ys})
        assert sess.make_callable(train, [x, y])(xs[:2], ys[:2]) is None
        # no feeds: a callable of no arguments
        np.testing.assert_array_equal(sess.make_callable(w)(), sess.run(w))


def test_make_callable_checks_its_arguments_as_run_does(graph):
    x = tf.placeholder(tf.float32, [None, 2], name="x")
    z = tf.placeholder(tf.float32, [2], name="z")
    y = tf.reduce_sum(x) + tf.reduce_sum(z)
    with tf.Session() as sess:
        with pytest.raises(TypeError, match="`feed_list` must be a list or tuple."):
            sess.make_callable(y, feed_list=x)
        with pytest.raises(TypeError, match="invalid type"):
            sess.make_callable([y, 3], [x])
        f = sess.make_callable(y, [x, z])
        with pytest.raises(TypeError, match="takes 2 feed value"):
            f(np.ones((1, 2)))
        with pytest.raises(ValueError, match=r"Cannot feed value of shape \(3, 3\) for Tensor 'x:0'"):
            f(np.zeros((3, 3), np.float32), np.ones(2))
        with pytest.raises(tf.errors.InvalidArgumentError, match="must feed a value for placeholder tensor 'z'"):
            sess.make_callable(y, [x])(np.ones((1, 2)))
        with pytest.raises(TypeError, match="accept_options"):
            sess.make_callable(y)(options=tf.RunOptions())
    with pytest.raises(RuntimeError, match="closed Session"):
        f(np.ones((1, 2)), np.ones(2))


def test_make_callable_accepts_options_and_traces(graph):
    x = tf.placeholder(tf.float32, [4, 3])
    w = tf.Variable(np.ones((3, 2), np.float32))
    loss = tf.reduce_sum(tf.square(tf.matmul(x, w)))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        md = tf.RunMetadata()
        f = sess.make_callable(loss, [x], accept_options=True)
        f(np.ones((4, 3)), options=tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE), run_metadata=md)
        assert "MatMul" in {t for _, t, _ in md.step_stats}
        g = sess.make_callable(loss, accept_options=True)   # x fed by no one: it is the plan's error
        with pytest.raises(tf.errors.InvalidArgumentError, match="must feed a value"):
            g(options=tf.RunOptions())
