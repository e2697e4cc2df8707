"""tf.data input pipelines and tf.metrics as TF 1.x programs use them, only the import changed."""
import numpy as np
import pytest

import frameworks.static_graph as tf


def _arrays(n=10):
    features = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
    labels = np.arange(n, dtype=np.int64)
    return features, labels


def test_one_shot_iterator_feeds_the_graph_and_ends_with_out_of_range():
    tf.reset_default_graph()
    features, labels = _arrays()
    dataset = tf.data.Dataset.from_tensor_slices((features, labels))
    dataset = dataset.batch(4)
    iterator = dataset.make_one_shot_iterator()
    next_x, next_y = iterator.get_next()
    assert next_x.shape.as_list() == [None, 3] and next_y.dtype == tf.int64
    total = tf.reduce_sum(next_x)
    seen = []
    with tf.Session() as sess:
        while True:
            try:
                y, s = sess.run([next_y, total])
            except tf.errors.OutOfRangeError:
                break
            seen.append(y.tolist())
            assert s == features[y].sum()
    assert seen == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


def test_shuffle_seed_batch_repeat_visits_every_element_each_epoch():
    tf.reset_default_graph()
    features, labels = _arrays()

    def epochs(seed):
        tf.reset_default_graph()
        ds = tf.data.Dataset.from_tensor_slices((features, labels)).shuffle(4, seed=seed).batch(5).repeat(3)
        nxt = ds.make_one_shot_iterator().get_next()
        out = []
        with tf.Session() as sess:
            try:
                while True:
                    out.append(sess.run(nxt[1]))
            except tf.errors.OutOfRangeError:
                pass
        return np.concatenate(out)
    a, b, c = epochs(7), epochs(7), epochs(8)
    assert len(a) == 30
    for e in range(3):
        assert sorted(a[10 * e:10 * (e + 1)]) == list(range(10))
    assert (a == b).all() and not (a == c).all()          # seeded: reproducible, seed-dependent
    assert not (a[:10] == a[10:20]).all()                  # reshuffled each epoch
    assert not (a[:10] == np.arange(10)).all()


def test_initializable_iterator_over_placeholders_trains_without_feed_dict():
    # the "Importing data" guide: placeholders captured by the dataset, fed to iterator.initializer
    tf.reset_default_graph()
    rs = np.random.RandomState(0)
    xs = rs.randn(64, 4).astype(np.float32)
    ys = (xs @ np.array([[1.0], [-1.0], [2.0], [0.5]], np.float32)).astype(np.float32)
    features_placeholder = tf.placeholder(xs.dtype, xs.shape)
    labels_placeholder = tf.placeholder(ys.dtype, ys.shape)
    dataset = tf.data.Dataset.from_tensor_slices((features_placeholder, labels_placeholder))
    dataset = dataset.shuffle(buffer_size=64, seed=1).batch(16).repeat()
    iterator = dataset.make_initializable_iterator()
    x, y = iterator.get_next()
    w = tf.Variable(tf.zeros([4, 1]))
    loss = tf.reduce_mean(tf.square(tf.matmul(x, w) - y))
    train_op = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        with pytest.raises(tf.errors.FailedPreconditionError, match="iterator has not been initialized"):
            sess.run(x)
        sess.run(iterator.initializer, feed_dict={features_placeholder: xs, labels_placeholder: ys})
        losses = [sess.run([train_op, loss])[1] for _ in range(60)]
    assert losses[-1] < 0.01 * losses[0]


def test_one_shot_iterator_refuses_captured_placeholders():
    tf.reset_default_graph()
    p = tf.placeholder(tf.float32, [4, 2])
    with pytest.raises(ValueError, match="use `make_initializable_iterator\\(\\)` instead"):
        tf.data.Dataset.from_tensor_slices(p).make_one_shot_iterator()


def test_from_generator_structure_and_take():
    tf.reset_default_graph()

    def gen():
        for i in range(5):
            yield {"x": np.full(2, i, np.float32), "id": i}
    ds = tf.data.Dataset.from_generator(gen, {"x": tf.float32, "id": tf.int64},
                                        {"x": [2], "id": []}).take(3)
    el = ds.make_one_shot_iterator().get_next()
    assert set(el) == {"x", "id"} and el["x"].shape.as_list() == [2]
    with tf.Session() as sess:
        got = [sess.run(el)["id"] for _ in range(3)]
        with pytest.raises(tf.errors.OutOfRangeError):
            sess.run(el)
    assert got == [0, 1, 2]


def test_metrics_accuracy_and_mean_with_local_variables():
    tf.reset_default_graph()
    labels = tf.placeholder(tf.int64, [None])
    logits = tf.placeholder(tf.float32, [None, 3])
    acc, acc_op = tf.metrics.accuracy(labels=labels, predictions=tf.argmax(logits, 1))
    m, m_op = tf.metrics.mean(tf.reduce_max(logits, axis=1))
    assert {v.op.name for v in tf.local_variables()} == {"accuracy/total", "accuracy/count",
                                                         "mean/total", "mean/count"}
    assert not tf.trainable_variables()
    batches = [(np.array([0, 1]), np.array([[2, 0, 0], [0, 0, 1]], np.float32)),
               (np.array([2, 2, 1]), np.array([[0, 0, 5], [1, 0, 0], [0, 3, 0]], np.float32))]
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        assert sess.run(acc) == 0.0                  # nothing seen yet: 0, not nan
        for y, z in batches:
            sess.run([acc_op, m_op], {labels: y, logits: z})
        assert sess.run(acc) == pytest.approx(3 / 5)
        assert sess.run(m) == pytest.approx((2 + 1 + 5 + 1 + 3) / 5)
        sess.run(tf.local_variables_initializer())   # a new evaluation pass starts from zero
        assert sess.run(acc_op, {labels: batches[0][0], logits: batches[0][1]}) == 0.5


def test_dataset_map_is_refused_with_what_to_do_instead():
    tf.reset_default_graph()
    ds = tf.data.Dataset.from_tensor_slices(np.arange(4.0))
    with pytest.raises(tf.errors.UnimplementedError, match="apply the function to the arrays"):
        ds.map(lambda v: v * 2.0)
