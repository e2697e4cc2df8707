"""aymericdamien/TensorFlow-Examples (examples/1_Introduction .. 4_Utils, the TF 1.x programs), as their
author wrote them: only the import changed, synthetic MNIST (mnist_data) for the download, fewer steps,
no plots. Each checks a number against NumPy where that is cheap, or that the program learns."""
import random

import numpy as np
import pytest

import frameworks.static_graph as tf
from tests.frameworks.static_graph import mnist_data as input_data


@pytest.fixture(autouse=True)
def fresh_graph():
    tf.reset_default_graph()
    tf.set_random_seed(0)
    np.random.seed(0)


def test_helloworld_and_basic_operations(capsys):
    # 1_Introduction/helloworld.py
    hello = tf.constant('Hello, TensorFlow!')
    sess = tf.Session()
    print(sess.run(hello))
    # 1_Introduction/basic_operations.py
    a = tf.constant(2)
    b = tf.constant(3)
    with tf.Session() as sess:
        print("a=2, b=3")
        print("Addition with constants: %i" % sess.run(a+b))
        print("Multiplication with constants: %i" % sess.run(a*b))
    a = tf.placeholder(tf.int16)
    b = tf.placeholder(tf.int16)
    add = tf.add(a, b)
    mul = tf.multiply(a, b)
    with tf.Session() as sess:
        print("Addition with variables: %i" % sess.run(add, feed_dict={a: 2, b: 3}))
        print("Multiplication with variables: %i" % sess.run(mul, feed_dict={a: 2, b: 3}))
        assert sess.run(add, feed_dict={a: 2, b: 3}).dtype == np.int16
    matrix1 = tf.constant([[3., 3.]])
    matrix2 = tf.constant([[2.], [2.]])
    product = tf.matmul(matrix1, matrix2)
    with tf.Session() as sess:
        result = sess.run(product)
        print(result)
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "b'Hello, TensorFlow!'"
    assert "Addition with constants: 5" in out and "Multiplication with variables: 6" in out
    assert result.tolist() == [[12.0]] and result.dtype == np.float32


def test_linear_regression_equals_numpy_sgd():
    # 2_BasicModels/linear_regression.py (no plots; 3 epochs)
    rng = np.random
    learning_rate = 0.01
    training_epochs = 3
    train_X = np.asarray([3.3, 4.4, 5.5, 6.71, 6.93, 4.168, 9.779, 6.182, 7.59, 2.167,
                          7.042, 10.791, 5.313, 7.997, 5.654, 9.27, 3.1])
    train_Y = np.asarray([1.7, 2.76, 2.09, 3.19, 1.694, 1.573, 3.366, 2.596, 2.53, 1.221,
                          2.827, 3.465, 1.65, 2.904, 2.42, 2.94, 1.3])
    n_samples = train_X.shape[0]
    X = tf.placeholder("float")
    Y = tf.placeholder("float")
    W = tf.Variable(rng.randn(), name="weight")
    b = tf.Variable(rng.randn(), name="bias")
    pred = tf.add(tf.multiply(X, W), b)
    cost = tf.reduce_sum(tf.pow(pred-Y, 2))/(2*n_samples)
    optimizer = tf.train.GradientDescentOptimizer(learning_rate).minimize(cost)
    init = tf.global_variables_initializer()
    with tf.Session() as sess:
        sess.run(init)
        w0, b0 = sess.run(W), sess.run(b)
        for epoch in range(training_epochs):
            for (x, y) in zip(train_X, train_Y):
                sess.run(optimizer, feed_dict={X: x, Y: y})
        training_cost = sess.run(cost, feed_dict={X: train_X, Y: train_Y})
        w1, b1 = sess.run(W), sess.run(b)
    # tf.Variable(rng.randn()) is a float32 scalar, as in TF (a Python float converts to float32)
    assert np.asarray(w1).dtype == np.float32
    w, bb = float(w0), float(b0)
    for _ in range(training_epochs):
        for x, y in zip(train_X, train_Y):
            g = (w * x + bb - y) / n_samples
            w, bb = w - learning_rate * g * x, bb - learning_rate * g
    np.testing.assert_allclose([w1, b1], [w, bb], rtol=1e-4)
    np.testing.assert_allclose(training_cost, np.sum((w * train_X + bb - train_Y) ** 2) / (2 * n_samples),
                               rtol=1e-4)


def test_logistic_regression_with_reduction_indices(capsys):
    # 2_BasicModels/logistic_regression.py (and tensorboard_basic.py's model): reduction_indices, tf.log
    mnist = input_data.read_data_sets("/tmp/data/", one_hot=True)
    learning_rate = 0.5
    training_epochs = 3
    batch_size = 100
    display_step = 1
    x = tf.placeholder(tf.float32, [None, 784])
    y = tf.placeholder(tf.float32, [None, 10])
    W = tf.Variable(tf.zeros([784, 10]))
    b = tf.Variable(tf.zeros([10]))
    pred = tf.nn.softmax(tf.matmul(x, W) + b)
    cost = tf.reduce_mean(-tf.reduce_sum(y*tf.log(pred), reduction_indices=1))
    optimizer = tf.train.GradientDescentOptimizer(learning_rate).minimize(cost)
    init = tf.global_variables_initializer()
    with tf.Session() as sess:
        sess.run(init)
        first = sess.run(cost, feed_dict={x: mnist.train.images, y: mnist.train.labels})
        assert first == pytest.approx(np.log(10), rel=1e-6)   # zero weights: uniform predictions
        for epoch in range(training_epochs):
            avg_cost = 0.
            total_batch = int(mnist.train.num_examples/batch_size)
            for i in range(total_batch):
                batch_xs, batch_ys = mnist.train.next_batch(batch_size)
                _, c = sess.run([optimizer, cost], feed_dict={x: batch_xs, y: batch_ys})
                avg_cost += c / total_batch
            if (epoch+1) % display_step == 0:
                print("Epoch:", '%04d' % (epoch+1), "cost=", "{:.9f}".format(avg_cost))
        print("Optimization Finished!")
        correct_prediction = tf.equal(tf.argmax(pred, 1), tf.argmax(y, 1))
        accuracy = tf.reduce_mean(tf.cast(correct_prediction, tf.float32))
        acc = accuracy.eval({x: mnist.test.images, y: mnist.test.labels})
    assert avg_cost < first and acc > 0.6


def test_nearest_neighbor_equals_numpy():
    # 2_BasicModels/nearest_neighbor.py: tf.negative, reduction_indices, tf.arg_min
    mnist = input_data.read_data_sets("/tmp/data/", one_hot=True)
    Xtr, Ytr = mnist.train.next_batch(500)
    Xte, Yte = mnist.test.next_batch(40)
    xtr = tf.placeholder("float", [None, 784])
    xte = tf.placeholder("float", [784])
    distance = tf.reduce_sum(tf.abs(tf.add(xtr, tf.negative(xte))), reduction_indices=1)
    pred = tf.arg_min(distance, 0)
    accuracy = 0.
    init = tf.global_variables_initializer()
    found = []
    with tf.Session() as sess:
        sess.run(init)
        for i in range(len(Xte)):
            nn_index = sess.run(pred, feed_dict={xtr: Xtr, xte: Xte[i, :]})
            found.append(nn_index)
            if np.argmax(Ytr[nn_index]) == np.argmax(Yte[i]):
                accuracy += 1./len(Xte)
    assert found == [np.abs(Xtr - x).sum(1).argmin() for x in Xte]
    assert accuracy > 0.5


def test_autoencoder_trains():
    # 3_NeuralNetworks/autoencoder.py (RMSProp on a sigmoid encoder/decoder; smaller layers)
    mnist = input_data.read_data_sets("/tmp/data/", one_hot=True)
    learning_rate = 0.01
    num_steps = 60
    batch_size = 100
    num_hidden_1 = 64
    num_hidden_2 = 32
    num_input = 784
    X = tf.placeholder("float", [None, num_input])
    weights = {
        'encoder_h1': tf.Variable(tf.random_normal([num_input, num_hidden_1])),
        'encoder_h2': tf.Variable(tf.random_normal([num_hidden_1, num_hidden_2])),
        'decoder_h1': tf.Variable(tf.random_normal([num_hidden_2, num_hidden_1])),
        'decoder_h2': tf.Variable(tf.random_normal([num_hidden_1, num_input])),
    }
    biases = {
        'encoder_b1': tf.Variable(tf.random_normal([num_hidden_1])),
        'encoder_b2': tf.Variable(tf.random_normal([num_hidden_2])),
        'decoder_b1': tf.Variable(tf.random_normal([num_hidden_1])),
        'decoder_b2': tf.Variable(tf.random_normal([num_input])),
    }

    def encoder(x):
        layer_1 = tf.nn.sigmoid(tf.add(tf.matmul(x, weights['encoder_h1']), biases['encoder_b1']))
        layer_2 = tf.nn.sigmoid(tf.add(tf.matmul(layer_1, weights['encoder_h2']), biases['encoder_b2']))
        return layer_2

    def decoder(x):
        layer_1 = tf.nn.sigmoid(tf.add(tf.matmul(x, weights['decoder_h1']), biases['decoder_b1']))
        layer_2 = tf.nn.sigmoid(tf.add(tf.matmul(layer_1, weights['decoder_h2']), biases['decoder_b2']))
        return layer_2

    encoder_op = encoder(X)
    decoder_op = decoder(encoder_op)
    y_pred = decoder_op
    y_true = X
    loss = tf.reduce_mean(tf.pow(y_true - y_pred, 2))
    optimizer = tf.train.RMSPropOptimizer(learning_rate).minimize(loss)
    init = tf.global_variables_initializer()
    losses = []
    with tf.Session() as sess:
        sess.run(init)
        for i in range(1, num_steps+1):
            batch_x, _ = mnist.train.next_batch(batch_size)
            _, l = sess.run([optimizer, loss], feed_dict={X: batch_x})
            losses.append(l)
        g = sess.run(decoder_op, feed_dict={X: mnist.test.images[:4]})
    # random_normal weights saturate the sigmoids (as in TF), so the loss falls slowly but steadily
    assert g.shape == (4, 784) and np.mean(losses[-5:]) < np.mean(losses[:5]) - 1e-3


def test_bidirectional_rnn_contrib_names_and_learning():
    # 3_NeuralNetworks/bidirectional_rnn.py: `from tensorflow.contrib import rnn`, static_bidirectional_rnn
    rnn = tf.contrib.rnn
    learning_rate = 0.01
    training_steps = 40
    num_input = 28
    timesteps = 28
    num_hidden = 16
    num_classes = 10
    X = tf.placeholder("float", [None, timesteps, num_input])
    Y = tf.placeholder("float", [None, num_classes])
    weights = {'out': tf.Variable(tf.random_normal([2*num_hidden, num_classes]))}
    biases = {'out': tf.Variable(tf.random_normal([num_classes]))}
    seen = {}

    def BiRNN(x, weights, biases):
        x = tf.unstack(x, timesteps, 1)
        lstm_fw_cell = rnn.BasicLSTMCell(num_hidden, forget_bias=1.0)
        lstm_bw_cell = rnn.BasicLSTMCell(num_hidden, forget_bias=1.0)
        try:
            outputs, _, _ = rnn.static_bidirectional_rnn(lstm_fw_cell, lstm_bw_cell, x, dtype=tf.float32)
        except Exception:  # Old TensorFlow version only returns outputs not states
            outputs = rnn.static_bidirectional_rnn(lstm_fw_cell, lstm_bw_cell, x, dtype=tf.float32)
        seen["last"] = outputs[-1]
        return tf.matmul(outputs[-1], weights['out']) + biases['out']

    logits = BiRNN(X, weights, biases)
    prediction = tf.nn.softmax(logits)
    loss_op = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(logits=logits, labels=Y))
    optimizer = tf.train.AdamOptimizer(learning_rate=learning_rate)
    train_op = optimizer.minimize(loss_op)
    correct_pred = tf.equal(tf.argmax(prediction, 1), tf.argmax(Y, 1))
    accuracy = tf.reduce_mean(tf.cast(correct_pred, tf.float32))
    init = tf.global_variables_initializer()
    assert {v.op.name for v in tf.trainable_variables()} >= {
        "bidirectional_rnn/fw/basic_lstm_cell/kernel", "bidirectional_rnn/fw/basic_lstm_cell/bias",
        "bidirectional_rnn/bw/basic_lstm_cell/kernel", "bidirectional_rnn/bw/basic_lstm_cell/bias"}
    # the class is the row (time step) that is brightest: only a backward pass sees early rows at the end
    rs = np.random.RandomState(0)
    cls = rs.randint(0, 10, 128)
    xs = rs.uniform(0, 0.3, (128, timesteps, num_input)).astype(np.float32)
    xs[np.arange(128), cls, :] += 0.7
    ys = np.eye(10, dtype=np.float32)[cls]
    with tf.Session() as sess:
        sess.run(init)
        first = sess.run(loss_op, feed_dict={X: xs, Y: ys})
        for step in range(1, training_steps+1):
            sess.run(train_op, feed_dict={X: xs, Y: ys})
        loss, acc = sess.run([loss_op, accuracy], feed_dict={X: xs, Y: ys})
        other = xs.copy()
        other[:, :-1] = 0   # only the last step kept: the backward half of the last output is unchanged
        a, b = sess.run(seen["last"], {X: xs}), sess.run(seen["last"], {X: other})
    np.testing.assert_array_equal(a[:, num_hidden:], b[:, num_hidden:])
    assert not np.allclose(a[:, :num_hidden], b[:, :num_hidden])
    assert loss < 0.7 * first


class ToySequenceData(object):
    """3_NeuralNetworks/dynamic_rnn.py's generator: linear sequences (class 0) or random ones (class 1),
    padded to max_seq_len, with their lengths."""
    def __init__(self, n_samples=1000, max_seq_len=20, min_seq_len=3, max_value=1000):
        self.data = []
        self.labels = []
        self.seqlen = []
        for i in range(n_samples):
            len = random.randint(min_seq_len, max_seq_len)  # noqa: A001  (the author's name)
            self.seqlen.append(len)
            if random.random() < .5:
                rand_start = random.randint(0, max_value - len)
                s = [[float(i)/max_value] for i in range(rand_start, rand_start + len)]
                s += [[0.] for i in range(max_seq_len - len)]
                self.data.append(s)
                self.labels.append([1., 0.])
            else:
                s = [[float(random.randint(0, max_value))/max_value] for i in range(len)]
                s += [[0.] for i in range(max_seq_len - len)]
                self.data.append(s)
                self.labels.append([0., 1.])
        self.batch_id = 0

    def next(self, batch_size):
        if self.batch_id == len(self.data):
            self.batch_id = 0
        batch_data = (self.data[self.batch_id:min(self.batch_id + batch_size, len(self.data))])
        batch_labels = (self.labels[self.batch_id:min(self.batch_id + batch_size, len(self.data))])
        batch_seqlen = (self.seqlen[self.batch_id:min(self.batch_id + batch_size, len(self.data))])
        self.batch_id = min(self.batch_id + batch_size, len(self.data))
        return batch_data, batch_labels, batch_seqlen


def test_dynamic_rnn_example_gathers_each_sequences_last_output():
    # 3_NeuralNetworks/dynamic_rnn.py: contrib static_rnn with sequence_length, tf.range * tf.shape, gather
    random.seed(0)
    learning_rate = 0.01
    training_steps = 6
    batch_size = 32
    seq_max_len = 8
    n_hidden = 8
    n_classes = 2
    trainset = ToySequenceData(n_samples=96, max_seq_len=seq_max_len)
    x = tf.placeholder("float", [None, seq_max_len, 1])
    y = tf.placeholder("float", [None, n_classes])
    seqlen = tf.placeholder(tf.int32, [None])
    weights = {'out': tf.Variable(tf.random_normal([n_hidden, n_classes]))}
    biases = {'out': tf.Variable(tf.random_normal([n_classes]))}
    seen = {}

    def dynamicRNN(x, seqlen, weights, biases):
        x = tf.unstack(x, seq_max_len, 1)
        lstm_cell = tf.contrib.rnn.BasicLSTMCell(n_hidden)
        outputs, states = tf.contrib.rnn.static_rnn(lstm_cell, x, dtype=tf.float32, sequence_length=seqlen)
        outputs = tf.stack(outputs)
        outputs = tf.transpose(outputs, [1, 0, 2])
        seen["all"] = outputs
        batch_size = tf.shape(outputs)[0]
        index = tf.range(0, batch_size) * seq_max_len + (seqlen - 1)
        outputs = tf.gather(tf.reshape(outputs, [-1, n_hidden]), index)
        seen["last"], seen["h"] = outputs, states.h
        return tf.matmul(outputs, weights['out']) + biases['out']

    pred = dynamicRNN(x, seqlen, weights, biases)
    cost = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(logits=pred, labels=y))
    optimizer = tf.train.GradientDescentOptimizer(learning_rate=learning_rate).minimize(cost)
    correct_pred = tf.equal(tf.argmax(pred, 1), tf.argmax(y, 1))
    accuracy = tf.reduce_mean(tf.cast(correct_pred, tf.float32))
    init = tf.global_variables_initializer()
    with tf.Session() as sess:
        sess.run(init)
        for step in range(1, training_steps + 1):
            batch_x, batch_y, batch_seqlen = trainset.next(batch_size)
            sess.run(optimizer, feed_dict={x: batch_x, y: batch_y, seqlen: batch_seqlen})
            acc, loss = sess.run([accuracy, cost], feed_dict={x: batch_x, y: batch_y, seqlen: batch_seqlen})
        allv, last, h = sess.run([seen["all"], seen["last"], seen["h"]],
                                 feed_dict={x: batch_x, seqlen: batch_seqlen})
    lengths = np.array(batch_seqlen)
    np.testing.assert_array_equal(last, allv[np.arange(len(lengths)), lengths - 1])
    np.testing.assert_array_equal(last, h)   # the frozen final state is the last valid output
    assert np.isfinite(loss) and 0 <= acc <= 1


def test_variational_autoencoder_random_normal_of_a_run_time_shape():
    # 3_NeuralNetworks/variational_autoencoder.py: glorot_init's tf.sqrt(Python float) stddev,
    # tf.random_normal(tf.shape(z_std)), the KL term; smaller sizes
    mnist = input_data.read_data_sets("/tmp/data/", one_hot=True)
    learning_rate = 0.001
    num_steps = 40
    batch_size = 64
    image_dim = 784
    hidden_dim = 64
    latent_dim = 2

    def glorot_init(shape):
        return tf.random_normal(shape=shape, stddev=1. / tf.sqrt(shape[0] / 2.))

    weights = {
        'encoder_h1': tf.Variable(glorot_init([image_dim, hidden_dim])),
        'z_mean': tf.Variable(glorot_init([hidden_dim, latent_dim])),
        'z_std': tf.Variable(glorot_init([hidden_dim, latent_dim])),
        'decoder_h1': tf.Variable(glorot_init([latent_dim, hidden_dim])),
        'decoder_out': tf.Variable(glorot_init([hidden_dim, image_dim]))
    }
    biases = {
        'encoder_b1': tf.Variable(glorot_init([hidden_dim])),
        'z_mean': tf.Variable(glorot_init([latent_dim])),
        'z_std': tf.Variable(glorot_init([latent_dim])),
        'decoder_b1': tf.Variable(glorot_init([hidden_dim])),
        'decoder_out': tf.Variable(glorot_init([image_dim]))
    }
    input_image = tf.placeholder(tf.float32, shape=[None, image_dim])
    encoder = tf.matmul(input_image, weights['encoder_h1']) + biases['encoder_b1']
    encoder = tf.nn.tanh(encoder)
    z_mean = tf.matmul(encoder, weights['z_mean']) + biases['z_mean']
    z_std = tf.matmul(encoder, weights['z_std']) + biases['z_std']
    eps = tf.random_normal(tf.shape(z_std), dtype=tf.float32, mean=0., stddev=1.0, name='epsilon')
    z = z_mean + tf.exp(z_std / 2) * eps
    decoder = tf.matmul(z, weights['decoder_h1']) + biases['decoder_b1']
    decoder = tf.nn.tanh(decoder)
    decoder = tf.matmul(decoder, weights['decoder_out']) + biases['decoder_out']
    decoder = tf.nn.sigmoid(decoder)

    def vae_loss(x_reconstructed, x_true):
        encode_decode_loss = x_true * tf.log(1e-10 + x_reconstructed) \
            + (1 - x_true) * tf.log(1e-10 + 1 - x_reconstructed)
        encode_decode_loss = -tf.reduce_sum(encode_decode_loss, 1)
        kl_div_loss = 1 + z_std - tf.square(z_mean) - tf.exp(z_std)
        kl_div_loss = -0.5 * tf.reduce_sum(kl_div_loss, 1)
        return tf.reduce_mean(encode_decode_loss + kl_div_loss)

    loss_op = vae_loss(decoder, input_image)
    optimizer = tf.train.RMSPropOptimizer(learning_rate=learning_rate)
    train_op = optimizer.minimize(loss_op)
    init = tf.global_variables_initializer()
    losses = []
    with tf.Session() as sess:
        sess.run(init)
        w = sess.run(weights['encoder_h1'])
        e1, e2 = sess.run(eps, feed_dict={input_image: mnist.test.images[:5]}), \
            sess.run(eps, feed_dict={input_image: mnist.test.images[:5]})
        for i in range(1, num_steps+1):
            batch_x, _ = mnist.train.next_batch(batch_size)
            _, l = sess.run([train_op, loss_op], feed_dict={input_image: batch_x})
            losses.append(l)
    assert abs(w.std() - 1 / np.sqrt(image_dim / 2.)) < 0.1 / np.sqrt(image_dim / 2.)
    assert e1.shape == (5, latent_dim) and not np.array_equal(e1, e2)   # a fresh draw each run
    assert np.mean(losses[-5:]) < np.mean(losses[:5])


def test_gan_two_optimizers_with_var_lists():
    # 3_NeuralNetworks/gan.py: generator and discriminator trained by two Adams over their own var_list
    mnist = input_data.read_data_sets("/tmp/data/", one_hot=True)
    num_steps = 10
    batch_size = 32
    learning_rate = 0.0002
    image_dim = 784
    gen_hidden_dim = 32
    disc_hidden_dim = 32
    noise_dim = 10

    def glorot_init(shape):
        return tf.random_normal(shape=shape, stddev=1. / tf.sqrt(shape[0] / 2.))

    weights = {
        'gen_hidden1': tf.Variable(glorot_init([noise_dim, gen_hidden_dim])),
        'gen_out': tf.Variable(glorot_init([gen_hidden_dim, image_dim])),
        'disc_hidden1': tf.Variable(glorot_init([image_dim, disc_hidden_dim])),
        'disc_out': tf.Variable(glorot_init([disc_hidden_dim, 1])),
    }
    biases = {
        'gen_hidden1': tf.Variable(tf.zeros([gen_hidden_dim])),
        'gen_out': tf.Variable(tf.zeros([image_dim])),
        'disc_hidden1': tf.Variable(tf.zeros([disc_hidden_dim])),
        'disc_out': tf.Variable(tf.zeros([1])),
    }

    def generator(x):
        hidden_layer = tf.matmul(x, weights['gen_hidden1'])
        hidden_layer = tf.add(hidden_layer, biases['gen_hidden1'])
        hidden_layer = tf.nn.relu(hidden_layer)
        out_layer = tf.matmul(hidden_layer, weights['gen_out'])
        out_layer = tf.add(out_layer, biases['gen_out'])
        out_layer = tf.nn.sigmoid(out_layer)
        return out_layer

    def discriminator(x):
        hidden_layer = tf.matmul(x, weights['disc_hidden1'])
        hidden_layer = tf.add(hidden_layer, biases['disc_hidden1'])
        hidden_layer = tf.nn.relu(hidden_layer)
        out_layer = tf.matmul(hidden_layer, weights['disc_out'])
        out_layer = tf.add(out_layer, biases['disc_out'])
        out_layer = tf.nn.sigmoid(out_layer)
        return out_layer

    gen_input = tf.placeholder(tf.float32, shape=[None, noise_dim], name='input_noise')
    disc_input = tf.placeholder(tf.float32, shape=[None, image_dim], name='disc_input')
    gen_sample = generator(gen_input)
    disc_real = discriminator(disc_input)
    disc_fake = discriminator(gen_sample)
    gen_loss = -tf.reduce_mean(tf.log(disc_fake))
    disc_loss = -tf.reduce_mean(tf.log(disc_real) + tf.log(1. - disc_fake))
    optimizer_gen = tf.train.AdamOptimizer(learning_rate=learning_rate)
    optimizer_disc = tf.train.AdamOptimizer(learning_rate=learning_rate)
    gen_vars = [weights['gen_hidden1'], weights['gen_out'], biases['gen_hidden1'], biases['gen_out']]
    disc_vars = [weights['disc_hidden1'], weights['disc_out'], biases['disc_hidden1'], biases['disc_out']]
    train_gen = optimizer_gen.minimize(gen_loss, var_list=gen_vars)
    train_disc = optimizer_disc.minimize(disc_loss, var_list=disc_vars)
    init = tf.global_variables_initializer()
    with tf.Session() as sess:
        sess.run(init)
        d0 = sess.run(disc_vars)
        g0 = sess.run(gen_vars)
        batch_x, _ = mnist.train.next_batch(batch_size)
        z = np.random.uniform(-1., 1., size=[batch_size, noise_dim])
        sess.run(train_gen, feed_dict={disc_input: batch_x, gen_input: z})
        assert all(np.array_equal(a, b) for a, b in zip(d0, sess.run(disc_vars)))   # var_list respected
        assert not np.array_equal(g0[0], sess.run(gen_vars)[0])
        for i in range(1, num_steps+1):
            batch_x, _ = mnist.train.next_batch(batch_size)
            z = np.random.uniform(-1., 1., size=[batch_size, noise_dim])
            feed_dict = {disc_input: batch_x, gen_input: z}
            _, _, gl, dl = sess.run([train_gen, train_disc, gen_loss, disc_loss], feed_dict=feed_dict)
    assert np.isfinite(gl) and np.isfinite(dl)


def test_save_restore_model(tmp_path, capsys):
    # 4_Utils/save_restore_model.py: Saver.save, then a second session restores and trains on
    mnist = input_data.read_data_sets("/tmp/data/", one_hot=True)
    learning_rate = 0.001
    batch_size = 100
    model_path = str(tmp_path / "model.ckpt")
    n_hidden_1 = 32
    n_hidden_2 = 32
    n_input = 784
    n_classes = 10
    x = tf.placeholder("float", [None, n_input])
    y = tf.placeholder("float", [None, n_classes])

    def multilayer_perceptron(x, weights, biases):
        layer_1 = tf.add(tf.matmul(x, weights['h1']), biases['b1'])
        layer_1 = tf.nn.relu(layer_1)
        layer_2 = tf.add(tf.matmul(layer_1, weights['h2']), biases['b2'])
        layer_2 = tf.nn.relu(layer_2)
        out_layer = tf.matmul(layer_2, weights['out']) + biases['out']
        return out_layer

    weights = {
        'h1': tf.Variable(tf.random_normal([n_input, n_hidden_1])),
        'h2': tf.Variable(tf.random_normal([n_hidden_1, n_hidden_2])),
        'out': tf.Variable(tf.random_normal([n_hidden_2, n_classes]))
    }
    biases = {
        'b1': tf.Variable(tf.random_normal([n_hidden_1])),
        'b2': tf.Variable(tf.random_normal([n_hidden_2])),
        'out': tf.Variable(tf.random_normal([n_classes]))
    }
    pred = multilayer_perceptron(x, weights, biases)
    cost = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(logits=pred, labels=y))
    optimizer = tf.train.AdamOptimizer(learning_rate=learning_rate).minimize(cost)
    init = tf.global_variables_initializer()
    saver = tf.train.Saver()
    print("Starting 1st session...")
    with tf.Session() as sess:
        sess.run(init)
        for epoch in range(2):
            total_batch = int(mnist.train.num_examples/batch_size)
            for i in range(total_batch):
                batch_x, batch_y = mnist.train.next_batch(batch_size)
                _, c = sess.run([optimizer, cost], feed_dict={x: batch_x, y: batch_y})
        saved = sess.run(weights['h1'])
        save_path = saver.save(sess, model_path)
        print("Model saved in file: %s" % save_path)
    print("Starting 2nd session...")
    with tf.Session() as sess:
        sess.run(init)
        load_path = saver.restore(sess, model_path)
        print("Model restored from file: %s" % save_path)
        np.testing.assert_array_equal(sess.run(weights['h1']), saved)
        batch_x, batch_y = mnist.train.next_batch(batch_size)
        sess.run(optimizer, feed_dict={x: batch_x, y: batch_y})
    assert save_path == model_path and load_path is None
    assert "Model restored from file: " + model_path in capsys.readouterr().out


def test_tensorboard_advanced_summaries_of_variables_and_gradients(tmp_path):
    # 4_Utils/tensorboard_advanced.py: name scopes, histograms named var.name ('W1:0' -> tag 'W1_0'),
    # gradients from optimizer.compute_gradients, merge_all, FileWriter
    import json
    mnist = input_data.read_data_sets("/tmp/data/", one_hot=True)
    learning_rate = 0.01
    batch_size = 100
    logs_path = str(tmp_path / 'tensorflow_logs' / 'example')
    n_hidden_1 = 16
    n_hidden_2 = 16
    n_input = 784
    n_classes = 10
    x = tf.placeholder(tf.float32, [None, 784], name='InputData')
    y = tf.placeholder(tf.float32, [None, 10], name='LabelData')

    def multilayer_perceptron(x, weights, biases):
        layer_1 = tf.add(tf.matmul(x, weights['w1']), biases['b1'])
        layer_1 = tf.nn.relu(layer_1)
        tf.summary.histogram("relu1", layer_1)
        layer_2 = tf.add(tf.matmul(layer_1, weights['w2']), biases['b2'])
        layer_2 = tf.nn.relu(layer_2)
        tf.summary.histogram("relu2", layer_2)
        out_layer = tf.add(tf.matmul(layer_2, weights['w3']), biases['b3'])
        return out_layer

    weights = {
        'w1': tf.Variable(tf.random_normal([n_input, n_hidden_1]), name='W1'),
        'w2': tf.Variable(tf.random_normal([n_hidden_1, n_hidden_2]), name='W2'),
        'w3': tf.Variable(tf.random_normal([n_hidden_2, n_classes]), name='W3')
    }
    biases = {
        'b1': tf.Variable(tf.random_normal([n_hidden_1]), name='b1'),
        'b2': tf.Variable(tf.random_normal([n_hidden_2]), name='b2'),
        'b3': tf.Variable(tf.random_normal([n_classes]), name='b3')
    }
    with tf.name_scope('Model'):
        pred = multilayer_perceptron(x, weights, biases)
    with tf.name_scope('Loss'):
        loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(logits=pred, labels=y))
    with tf.name_scope('SGD'):
        optimizer = tf.train.GradientDescentOptimizer(learning_rate)
        grads = tf.gradients(loss, tf.trainable_variables())
        grads = list(zip(grads, tf.trainable_variables()))
        apply_grads = optimizer.apply_gradients(grads_and_vars=grads)
    with tf.name_scope('Accuracy'):
        acc = tf.equal(tf.argmax(pred, 1), tf.argmax(y, 1))
        acc = tf.reduce_mean(tf.cast(acc, tf.float32))
    init = tf.global_variables_initializer()
    tf.summary.scalar("loss", loss)
    tf.summary.scalar("accuracy", acc)
    for var in tf.trainable_variables():
        tf.summary.histogram(var.name, var)
    for grad, var in grads:
        tf.summary.histogram(var.name + '/gradient', grad)
    merged_summary_op = tf.summary.merge_all()
    with tf.Session() as sess:
        sess.run(init)
        summary_writer = tf.summary.FileWriter(logs_path, graph=tf.get_default_graph())
        total_batch = int(mnist.train.num_examples/batch_size)
        for i in range(total_batch):
            batch_xs, batch_ys = mnist.train.next_batch(batch_size)
            _, c, summary = sess.run([apply_grads, loss, merged_summary_op], feed_dict={x: batch_xs, y: batch_ys})
            summary_writer.add_summary(summary, i)
        summary_writer.close()
    with open(tmp_path / 'tensorflow_logs' / 'example' / 'events.jsonl') as f:
        tags = {json.loads(line)["tag"] for line in f}
    # tags are unique scoped names, case-insensitively unique as in TF: the scopes 'Loss' and 'Accuracy'
    # make the scalars 'loss_1' and 'accuracy_1'
    assert {"loss_1", "accuracy_1", "Model/relu1", "W1_0", "W1_0/gradient", "b3_0/gradient"} <= tags


def test_missing_tf_names_say_what_to_use_instead():
    with pytest.raises(tf.errors.UnimplementedError, match=r"tf\.py_func .*Session\.run"):
        tf.py_func
    with pytest.raises(tf.errors.UnimplementedError, match=r"tf\.contrib\.slim .*tf\.contrib\.rnn"):
        tf.contrib.slim
    with pytest.raises(tf.errors.UnimplementedError, match=r"tf\.contrib\.rnn\.DropoutWrapper"):
        tf.contrib.rnn.DropoutWrapper
    with pytest.raises(tf.errors.UnimplementedError, match=r"DropoutWrapper .*tf\.nn\.dropout"):
        tf.nn.rnn_cell.DropoutWrapper
    with pytest.raises(tf.errors.UnimplementedError, match=r"tf\.layers\.separable_conv2d"):
        tf.layers.separable_conv2d
    with pytest.raises(tf.errors.UnimplementedError, match=r"tf\.nn\.nce_loss"):
        tf.nn.nce_loss
    with pytest.raises(tf.errors.UnimplementedError, match=r"tf\.train\.MonitoredTrainingSession"):
        tf.train.MonitoredTrainingSession
    with pytest.raises(tf.errors.UnimplementedError, match=r"tf\.estimator"):
        tf.estimator
    with pytest.raises(AttributeError, match="no attribute 'not_a_tf_name'"):
        tf.not_a_tf_name
    assert not hasattr(tf.layers, "__wrapped__")
