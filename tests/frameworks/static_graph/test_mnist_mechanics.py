"""tensorflow/examples/tutorials/mnist (r1.x): mnist.py + fully_connected_feed.py ("TensorFlow Mechanics
101": name scopes, tf.losses.sparse_softmax_cross_entropy, a global_step, in_top_k evaluation, summaries,
a Saver, tf.gfile, tf.app.run with flags) and mnist_with_summaries.py (image/histogram summaries,
RunOptions FULL_TRACE + add_run_metadata, an InteractiveSession), as published; only the import changed,
synthetic data and fewer steps."""
import math
import os
import sys
import time
import types

import numpy as np
import pytest

import frameworks.static_graph as tf
from tests.frameworks.static_graph import mnist_data as input_data

# ---------------------------------------------------------------- mnist.py (the model file)
NUM_CLASSES = 10
IMAGE_SIZE = 28
IMAGE_PIXELS = IMAGE_SIZE * IMAGE_SIZE


def inference(images, hidden1_units, hidden2_units):
    with tf.name_scope('hidden1'):
        weights = tf.Variable(
            tf.truncated_normal([IMAGE_PIXELS, hidden1_units],
                                stddev=1.0 / math.sqrt(float(IMAGE_PIXELS))),
            name='weights')
        biases = tf.Variable(tf.zeros([hidden1_units]), name='biases')
        hidden1 = tf.nn.relu(tf.matmul(images, weights) + biases)
    with tf.name_scope('hidden2'):
        weights = tf.Variable(
            tf.truncated_normal([hidden1_units, hidden2_units],
                                stddev=1.0 / math.sqrt(float(hidden1_units))),
            name='weights')
        biases = tf.Variable(tf.zeros([hidden2_units]), name='biases')
        hidden2 = tf.nn.relu(tf.matmul(hidden1, weights) + biases)
    with tf.name_scope('softmax_linear'):
        weights = tf.Variable(
            tf.truncated_normal([hidden2_units, NUM_CLASSES],
                                stddev=1.0 / math.sqrt(float(hidden2_units))),
            name='weights')
        biases = tf.Variable(tf.zeros([NUM_CLASSES]), name='biases')
        logits = tf.matmul(hidden2, weights) + biases
    return logits


def loss(logits, labels):
    labels = tf.to_int64(labels)
    return tf.losses.sparse_softmax_cross_entropy(labels=labels, logits=logits)


def training(loss, learning_rate):
    tf.summary.scalar('loss', loss)
    optimizer = tf.train.GradientDescentOptimizer(learning_rate)
    global_step = tf.Variable(0, name='global_step', trainable=False)
    train_op = optimizer.minimize(loss, global_step=global_step)
    return train_op


def evaluation(logits, labels):
    correct = tf.nn.in_top_k(logits, labels, 1)
    return tf.reduce_sum(tf.cast(correct, tf.int32))


mnist = types.SimpleNamespace(IMAGE_PIXELS=IMAGE_PIXELS, inference=inference, loss=loss, training=training,
                              evaluation=evaluation)

# ---------------------------------------------------------------- fully_connected_feed.py
FLAGS = None
RESULTS = {}


def placeholder_inputs(batch_size):
    images_placeholder = tf.placeholder(tf.float32, shape=(batch_size, mnist.IMAGE_PIXELS))
    labels_placeholder = tf.placeholder(tf.int32, shape=(batch_size))
    return images_placeholder, labels_placeholder


def fill_feed_dict(data_set, images_pl, labels_pl):
    images_feed, labels_feed = data_set.next_batch(FLAGS.batch_size, FLAGS.fake_data)
    feed_dict = {
        images_pl: images_feed,
        labels_pl: labels_feed,
    }
    return feed_dict


def do_eval(sess, eval_correct, images_placeholder, labels_placeholder, data_set):
    true_count = 0
    steps_per_epoch = data_set.num_examples // FLAGS.batch_size
    num_examples = steps_per_epoch * FLAGS.batch_size
    for step in range(steps_per_epoch):
        feed_dict = fill_feed_dict(data_set, images_placeholder, labels_placeholder)
        true_count += sess.run(eval_correct, feed_dict=feed_dict)
    precision = float(true_count) / num_examples
    print('Num examples: %d  Num correct: %d  Precision @ 1: %0.04f' %
          (num_examples, true_count, precision))
    RESULTS.setdefault("precision", []).append(precision)


def run_training():
    data_sets = input_data.read_data_sets(FLAGS.input_data_dir, FLAGS.fake_data)
    with tf.Graph().as_default():
        images_placeholder, labels_placeholder = placeholder_inputs(FLAGS.batch_size)
        logits = mnist.inference(images_placeholder, FLAGS.hidden1, FLAGS.hidden2)
        loss = mnist.loss(logits, labels_placeholder)
        train_op = mnist.training(loss, FLAGS.learning_rate)
        eval_correct = mnist.evaluation(logits, labels_placeholder)
        summary = tf.summary.merge_all()
        init = tf.global_variables_initializer()
        saver = tf.train.Saver()
        sess = tf.Session()
        summary_writer = tf.summary.FileWriter(FLAGS.log_dir, sess.graph)
        sess.run(init)
        for step in range(FLAGS.max_steps):
            start_time = time.time()
            feed_dict = fill_feed_dict(data_sets.train, images_placeholder, labels_placeholder)
            _, loss_value = sess.run([train_op, loss], feed_dict=feed_dict)
            duration = time.time() - start_time
            RESULTS.setdefault("loss", []).append(loss_value)
            if step % 100 == 0:
                print('Step %d: loss = %.2f (%.3f sec)' % (step, loss_value, duration))
                summary_str = sess.run(summary, feed_dict=feed_dict)
                summary_writer.add_summary(summary_str, step)
                summary_writer.flush()
            if (step + 1) % 1000 == 0 or (step + 1) == FLAGS.max_steps:
                checkpoint_file = os.path.join(FLAGS.log_dir, 'model.ckpt')
                saver.save(sess, checkpoint_file, global_step=step)
                print('Training Data Eval:')
                do_eval(sess, eval_correct, images_placeholder, labels_placeholder, data_sets.train)
                print('Validation Data Eval:')
                do_eval(sess, eval_correct, images_placeholder, labels_placeholder, data_sets.validation)
                print('Test Data Eval:')
                do_eval(sess, eval_correct, images_placeholder, labels_placeholder, data_sets.test)
        RESULTS["global_step"] = sess.run(tf.train.get_global_step(sess.graph))


def main(_):
    if tf.gfile.Exists(FLAGS.log_dir):
        tf.gfile.DeleteRecursively(FLAGS.log_dir)
    tf.gfile.MakeDirs(FLAGS.log_dir)
    run_training()


def test_fully_connected_feed(tmp_path, capsys):
    """The r1.x text parses its flags with argparse and calls tf.app.run(main=main, argv=[sys.argv[0]] +
    unparsed); tf.app.run ends with sys.exit(main(argv))."""
    global FLAGS
    import argparse
    parser = argparse.ArgumentParser()
    parser.add_argument('--learning_rate', type=float, default=0.01)
    parser.add_argument('--max_steps', type=int, default=2000)
    parser.add_argument('--hidden1', type=int, default=128)
    parser.add_argument('--hidden2', type=int, default=32)
    parser.add_argument('--batch_size', type=int, default=100)
    parser.add_argument('--input_data_dir', type=str, default='/tmp/tensorflow/mnist/input_data')
    parser.add_argument('--log_dir', type=str, default='/tmp/tensorflow/mnist/logs/fully_connected_feed')
    parser.add_argument('--fake_data', default=False, action='store_true')
    RESULTS.clear()
    FLAGS, unparsed = parser.parse_known_args(
        ['--max_steps', '120', '--learning_rate', '0.1', '--hidden1', '32', '--log_dir', str(tmp_path / 'logs')])
    os.makedirs(tmp_path / 'logs' / 'stale')   # main() deletes an old log directory first
    with pytest.raises(SystemExit) as done:
        tf.app.run(main=main, argv=[sys.argv[0]] + unparsed)
    assert done.value.code is None
    out = capsys.readouterr().out
    assert "Step 0: loss = " in out and out.count("Precision @ 1") == 3
    assert not os.path.exists(tmp_path / 'logs' / 'stale')
    assert tf.train.latest_checkpoint(str(tmp_path / 'logs')).endswith('model.ckpt-119')
    assert RESULTS["global_step"] == 120
    assert RESULTS["loss"][0] == pytest.approx(math.log(10), abs=0.1) and np.mean(RESULTS["loss"][-10:]) < 0.5
    assert min(RESULTS["precision"]) > 0.8


def test_in_top_k_and_sparse_loss_equal_numpy():
    tf.reset_default_graph()
    rs = np.random.RandomState(0)
    logits_v = rs.randn(8, 5).astype(np.float32)
    logits_v[0, :2] = 3.0                                  # a tie at the top counts for both
    labels_v = rs.randint(0, 5, 8).astype(np.int32)
    labels_v[:2] = [0, 1]
    logits, labels = tf.placeholder(tf.float32, [None, 5]), tf.placeholder(tf.int32, [None])
    top1, top2 = tf.nn.in_top_k(logits, labels, 1), tf.nn.in_top_k(logits, labels, 2)
    xent = loss(logits, labels)
    with tf.Session() as sess:
        t1, t2, x = sess.run([top1, top2, xent], {logits: logits_v, labels: labels_v})
    mine = logits_v[np.arange(8), labels_v][:, None]
    np.testing.assert_array_equal(t1, (logits_v > mine).sum(1) < 1)
    np.testing.assert_array_equal(t2, (logits_v > mine).sum(1) < 2)
    assert t1[0] and t1[1]
    z = logits_v - logits_v.max(1, keepdims=True)
    ref = -(z[np.arange(8), labels_v] - np.log(np.exp(z).sum(1))).mean()
    assert x == pytest.approx(ref, rel=1e-5)


def test_app_flags_and_run_as_the_r0_text_wrote_them():
    """The older text: flags = tf.app.flags; FLAGS = flags.FLAGS; flags.DEFINE_*; tf.app.run()."""
    flags = tf.app.flags
    FLAGS = flags.FLAGS
    flags.DEFINE_float('fcf_learning_rate', 0.01, 'Initial learning rate.')
    flags.DEFINE_integer('fcf_max_steps', 2000, 'Number of steps to run trainer.')
    flags.DEFINE_string('fcf_train_dir', 'data', 'Directory to put the training data.')
    flags.DEFINE_boolean('fcf_fake_data', False, 'If true, uses fake data for unit testing.')
    seen = {}

    def main(argv):
        seen.update(argv=argv, lr=FLAGS.fcf_learning_rate, steps=FLAGS.fcf_max_steps, d=FLAGS.fcf_train_dir,
                    fake=FLAGS.fcf_fake_data)
        return 0

    with pytest.raises(SystemExit) as done:
        tf.app.run(main=main, argv=["prog", "--fcf_max_steps=7", "--fcf_fake_data", "--fcf_train_dir", "d2",
                                    "rest"])
    assert done.value.code == 0
    assert seen == dict(argv=["prog", "rest"], lr=0.01, steps=7, d="d2", fake=True)
    # TF's tf.app.run tolerates flags nobody defined: they reach main's argv
    with pytest.raises(SystemExit):
        tf.app.run(main=main, argv=["prog", "--fcf_nope=1", "--fcf_max_steps=3"])
    assert seen["argv"] == ["prog", "--fcf_nope=1"] and seen["steps"] == 3
    with pytest.raises(flags.IllegalFlagValueError, match="fcf_max_steps"):
        FLAGS(["prog", "--fcf_max_steps=many"])
    with pytest.raises(flags.DuplicateFlagError, match="defined twice"):
        flags.DEFINE_integer('fcf_max_steps', 1, '')


def test_mnist_with_summaries(tmp_path, capsys):
    """mnist_with_summaries.py (r1.x: sparse labels through tf.losses.sparse_softmax_cross_entropy)."""
    import json
    tf.reset_default_graph()
    FLAGS = types.SimpleNamespace(fake_data=False, max_steps=30, learning_rate=0.001, dropout=0.9,
                                  data_dir='/tmp/tensorflow/mnist/input_data',
                                  log_dir=str(tmp_path / 'mnist_with_summaries'))

    def train():
        mnist = input_data.read_data_sets(FLAGS.data_dir, fake_data=FLAGS.fake_data)
        sess = tf.InteractiveSession()
        with tf.name_scope('input'):
            x = tf.placeholder(tf.float32, [None, 784], name='x-input')
            y_ = tf.placeholder(tf.int64, [None], name='y-input')
        with tf.name_scope('input_reshape'):
            image_shaped_input = tf.reshape(x, [-1, 28, 28, 1])
            tf.summary.image('input', image_shaped_input, 10)

        def weight_variable(shape):
            initial = tf.truncated_normal(shape, stddev=0.1)
            return tf.Variable(initial)

        def bias_variable(shape):
            initial = tf.constant(0.1, shape=shape)
            return tf.Variable(initial)

        def variable_summaries(var):
            with tf.name_scope('summaries'):
                mean = tf.reduce_mean(var)
                tf.summary.scalar('mean', mean)
                with tf.name_scope('stddev'):
                    stddev = tf.sqrt(tf.reduce_mean(tf.square(var - mean)))
                tf.summary.scalar('stddev', stddev)
                tf.summary.scalar('max', tf.reduce_max(var))
                tf.summary.scalar('min', tf.reduce_min(var))
                tf.summary.histogram('histogram', var)

        def nn_layer(input_tensor, input_dim, output_dim, layer_name, act=tf.nn.relu):
            with tf.name_scope(layer_name):
                with tf.name_scope('weights'):
                    weights = weight_variable([input_dim, output_dim])
                    variable_summaries(weights)
                with tf.name_scope('biases'):
                    biases = bias_variable([output_dim])
                    variable_summaries(biases)
                with tf.name_scope('Wx_plus_b'):
                    preactivate = tf.matmul(input_tensor, weights) + biases
                    tf.summary.histogram('pre_activations', preactivate)
                activations = act(preactivate, name='activation')
                tf.summary.histogram('activations', activations)
                return activations

        hidden1 = nn_layer(x, 784, 500, 'layer1')
        with tf.name_scope('dropout'):
            keep_prob = tf.placeholder(tf.float32)
            tf.summary.scalar('dropout_keep_probability', keep_prob)
            dropped = tf.nn.dropout(hidden1, keep_prob)
        y = nn_layer(dropped, 500, 10, 'layer2', act=tf.identity)
        with tf.name_scope('cross_entropy'):
            with tf.name_scope('total'):
                cross_entropy = tf.losses.sparse_softmax_cross_entropy(labels=y_, logits=y)
        tf.summary.scalar('cross_entropy', cross_entropy)
        with tf.name_scope('train'):
            train_step = tf.train.AdamOptimizer(FLAGS.learning_rate).minimize(cross_entropy)
        with tf.name_scope('accuracy'):
            with tf.name_scope('correct_prediction'):
                correct_prediction = tf.equal(tf.argmax(y, 1), y_)
            with tf.name_scope('accuracy'):
                accuracy = tf.reduce_mean(tf.cast(correct_prediction, tf.float32))
        tf.summary.scalar('accuracy', accuracy)
        merged = tf.summary.merge_all()
        train_writer = tf.summary.FileWriter(FLAGS.log_dir + '/train', sess.graph)
        test_writer = tf.summary.FileWriter(FLAGS.log_dir + '/test')
        tf.global_variables_initializer().run()

        def feed_dict(train):
            if train or FLAGS.fake_data:
                xs, ys = mnist.train.next_batch(100, fake_data=FLAGS.fake_data)
                k = FLAGS.dropout
            else:
                xs, ys = mnist.test.images, mnist.test.labels
                k = 1.0
            return {x: xs, y_: ys, keep_prob: k}

        for i in range(FLAGS.max_steps):
            if i % 10 == 0:
                summary, acc = sess.run([merged, accuracy], feed_dict=feed_dict(False))
                test_writer.add_summary(summary, i)
                print('Accuracy at step %s: %s' % (i, acc))
            else:
                if i % 100 == 99 or i == 19:   # (19: reach the traced branch in a short run)
                    run_options = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE)
                    run_metadata = tf.RunMetadata()
                    summary, _ = sess.run([merged, train_step], feed_dict=feed_dict(True),
                                          options=run_options, run_metadata=run_metadata)
                    train_writer.add_run_metadata(run_metadata, 'step%03d' % i)
                    train_writer.add_summary(summary, i)
                    print('Adding run metadata for', i)
                else:
                    summary, _ = sess.run([merged, train_step], feed_dict=feed_dict(True))
                    train_writer.add_summary(summary, i)
        train_writer.close()
        test_writer.close()
        sess.close()

    if tf.gfile.Exists(FLAGS.log_dir):
        tf.gfile.DeleteRecursively(FLAGS.log_dir)
    tf.gfile.MakeDirs(FLAGS.log_dir)
    train()
    out = capsys.readouterr().out
    accs = [float(line.rsplit(' ', 1)[1]) for line in out.splitlines() if line.startswith('Accuracy at')]
    assert len(accs) == 3 and accs[-1] > 0.8 and "Adding run metadata for 19" in out
    with open(os.path.join(FLAGS.log_dir, 'train', 'events.jsonl')) as f:
        events = [json.loads(line) for line in f]
    tags = {e["tag"] for e in events}
    # TF's tags are the summaries' unique scoped names, hence TensorBoard's familiar 'cross_entropy_1' (the
    # name scope 'cross_entropy' is taken) and 'mean_1' (unique names ignore case: the reduce_mean is 'Mean')
    assert {"input_reshape/input/image/0", "layer1/weights/summaries/mean_1", "layer1/activations",
            "cross_entropy_1", "accuracy_1", "step019"} <= tags
    traced = next(e for e in events if e["tag"] == "step019")
    assert traced["step_stats"] and all(len(s) == 3 for s in traced["step_stats"])
    image = next(e for e in events if e["tag"] == "input_reshape/input/image/0")
    assert image["image"]["shape"] == [10, 28, 28, 1]
