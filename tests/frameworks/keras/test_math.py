"""The arithmetic the Keras frontend adds over static_graph: gradients by finite differences in float64,
the optimizers' update rules (tf.keras' legacy ones) against NumPy, batch norm, the LSTM's fused and
unrolled paths, Flatten's channels_first order, and the functional API's merges."""
import contextlib

import numpy as np
import pytest

import frameworks.static_graph as tf
from frameworks.keras import backend as K
from frameworks.keras import layers, optimizers
from frameworks.keras.models import Model, Sequential


@contextlib.contextmanager
def graph(floatx="float32"):
    """A fresh graph (and Session) for one test; floatx for its duration."""
    old = K.floatx()
    K.set_floatx(floatx)
    try:
        with tf.Graph().as_default():
            yield
    finally:
        K.set_floatx(old)


def _fd_check(model, x, y, eps=1e-6):
    """K.gradients of the compiled loss against central differences of the same loss."""
    loss_fn = K.function(model.inputs + model.targets, [model.total_loss])
    weights = model.trainable_weights
    grad_fn = K.function(model.inputs + model.targets, K.gradients(model.total_loss, weights))
    xs = x if isinstance(x, list) else [x]
    grads = grad_fn(xs + [y])
    rs = np.random.RandomState(0)
    for w, g in zip(weights, grads):
        value = K.get_value(w)
        for idx in [tuple(rs.randint(0, n) for n in value.shape) for _ in range(4)]:
            shifted = []
            for sign in (1, -1):
                v = value.copy()
                v[idx] += sign * eps
                K.set_value(w, v)
                shifted.append(loss_fn(xs + [y])[0])
            K.set_value(w, value)
            fd = (shifted[0] - shifted[1]) / (2 * eps)
            assert np.isclose(g[idx], fd, rtol=1e-5, atol=1e-8), (w.name, idx, g[idx], fd)


def test_gradients_conv_pool_dense_fd_float64():
    with graph("float64"):
        rs = np.random.RandomState(1)
        model = Sequential([
            layers.Conv2D(3, 3, padding="same", activation="tanh", input_shape=(6, 6, 2)),
            layers.AveragePooling2D(2),
            layers.Conv2D(4, 2, strides=1, activation="sigmoid"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(5, activation="softmax"),
        ])
        model.compile("sgd", "categorical_crossentropy")
        y = np.eye(5)[rs.randint(0, 5, 3)]
        _fd_check(model, rs.randn(3, 6, 6, 2), y)


@pytest.mark.parametrize("unroll", [False, True])
def test_gradients_embedding_lstm_fd_float64(unroll):
    # unroll=False runs the fused kernel, unroll=True the cell's ops step by step
    with graph("float64"):
        rs = np.random.RandomState(2)
        ids = layers.Input(shape=(4,), dtype="int64")
        h = layers.Embedding(7, 3)(ids)
        seq, h_t, c_t = layers.LSTM(5, return_sequences=True, return_state=True, unroll=unroll)(h)
        out = layers.Dense(1, activation="sigmoid")(layers.concatenate([layers.Flatten()(seq), h_t, c_t]))
        model = Model(ids, out)
        model.compile("sgd", "binary_crossentropy")
        _fd_check(model, rs.randint(0, 7, (2, 4)), rs.randint(0, 2, (2, 1)).astype(np.float64))


def test_lstm_fused_equals_unrolled_cell():
    with graph():
        x = layers.Input(shape=(5, 3))
        fused = layers.LSTM(4, return_sequences=True, return_state=True)
        unrolled = layers.LSTM(4, return_sequences=True, return_state=True, unroll=True)
        a, b = Model(x, fused(x)), Model(x, unrolled(x))
        unrolled.set_weights(fused.get_weights())
        data = np.random.RandomState(3).randn(2, 5, 3).astype(np.float32)
        for got, want in zip(b.predict(data), a.predict(data)):
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
        kernel, recurrent, bias = fused.get_weights()
        assert kernel.shape == (3, 16) and recurrent.shape == (4, 16)
        np.testing.assert_array_equal(bias, np.r_[np.zeros(4), np.ones(4), np.zeros(8)])   # unit_forget_bias


def _run_optimizer(opt, w0, target, steps=3):
    w = K.variable(w0)
    loss = K.sum(K.square(w - target))
    f = K.function([], [loss], updates=opt.get_updates(loss, [w]))
    for _ in range(steps):
        f([])
    return K.get_value(w)


def _numpy_steps(w, target, rule, steps=3):
    w = w.astype(np.float64).copy()
    state = {}
    for t in range(steps):
        g = 2 * (w - target)
        w = rule(w, g, t, state)
    return w


W0 = np.array([[0.5, -1.0], [2.0, 0.25]], np.float32)
TARGET = np.array([[1.0, 0.0], [-1.0, 0.5]], np.float32)


def test_sgd_momentum_nesterov_decay_keras_form():
    lr, m, decay = 0.1, 0.9, 0.5

    def rule(w, g, t, s):
        lr_t = lr / (1 + decay * t)
        v = m * s.get("v", 0.0) - lr_t * g
        s["v"] = v
        return w + m * v - lr_t * g
    with graph():
        got = _run_optimizer(optimizers.SGD(lr=lr, momentum=m, nesterov=True, decay=decay), W0, TARGET)
    np.testing.assert_allclose(got, _numpy_steps(W0, TARGET, rule), rtol=1e-5)


def test_sgd_plain_and_momentum():
    def plain(w, g, t, s):
        return w - 0.05 * g

    def heavy(w, g, t, s):
        s["v"] = 0.8 * s.get("v", 0.0) - 0.05 * g
        return w + s["v"]
    with graph():
        np.testing.assert_allclose(_run_optimizer(optimizers.SGD(0.05), W0, TARGET),
                                   _numpy_steps(W0, TARGET, plain), rtol=1e-6)
        np.testing.assert_allclose(_run_optimizer(optimizers.SGD(0.05, momentum=0.8), W0, TARGET),
                                   _numpy_steps(W0, TARGET, heavy), rtol=1e-6)


def test_rmsprop_eps_inside_sqrt_from_zero():
    lr, rho, eps = 0.01, 0.9, 1e-7

    def rule(w, g, t, s):
        s["ms"] = rho * s.get("ms", 0.0) + (1 - rho) * g * g
        return w - lr * g / np.sqrt(s["ms"] + eps)
    with graph():
        opt = optimizers.RMSprop(lr=lr)
        assert opt.epsilon == 1e-7
        got = _run_optimizer(opt, W0, TARGET)
    np.testing.assert_allclose(got, _numpy_steps(W0, TARGET, rule), rtol=1e-5)


def test_adam_folded_bias_correction_default_epsilon():
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-7

    def rule(w, g, t, s):
        s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
        s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g * g
        lr_t = lr * np.sqrt(1 - b2 ** (t + 1)) / (1 - b1 ** (t + 1))
        return w - lr_t * s["m"] / (np.sqrt(s["v"]) + eps)
    with graph():
        opt = optimizers.Adam(learning_rate=lr)
        got = _run_optimizer(opt, W0, TARGET)
        assert K.get_value(opt.iterations) == 3
    np.testing.assert_allclose(got, _numpy_steps(W0, TARGET, rule), rtol=1e-5)


def test_adadelta():
    rho, eps = 0.95, 1e-7

    def rule(w, g, t, s):
        s["a"] = rho * s.get("a", 0.0) + (1 - rho) * g * g
        update = g * np.sqrt(s.get("d", 0.0) + eps) / np.sqrt(s["a"] + eps)
        s["d"] = rho * s.get("d", 0.0) + (1 - rho) * update * update
        return w - 1.0 * update
    with graph():
        got = _run_optimizer(optimizers.Adadelta(), W0, TARGET)
    np.testing.assert_allclose(got, _numpy_steps(W0, TARGET, rule), rtol=1e-5)


def test_optimizer_arguments():
    with graph():
        assert np.isclose(K.get_value(optimizers.SGD(lr=0.5).lr), 0.5)
        assert np.isclose(K.get_value(optimizers.get("rmsprop").lr), 0.001)
        with pytest.raises(ValueError, match="Unknown optimizer: nadamx"):
            optimizers.get("nadamx")
        with pytest.raises(TypeError, match="Unexpected keyword argument passed to optimizer: beta"):
            optimizers.SGD(beta=1)


def test_batch_normalization_train_and_inference():
    with graph():
        rs = np.random.RandomState(4)
        data = (rs.randn(4, 3, 5, 5) * 2 + 1).astype(np.float32)
        bn = layers.BatchNormalization(axis=1, momentum=0.9, epsilon=1e-5)
        x = layers.Input(shape=(3, 5, 5))
        model = Model(x, bn(x))
        model.compile(optimizers.SGD(0.0), "mse")
        model.train_on_batch(data, np.zeros_like(data))   # lr 0: only the moving statistics move
        mean = data.mean(axis=(0, 2, 3))
        var = data.var(axis=(0, 2, 3))
        n = 4 * 5 * 5
        _, _, moving_mean, moving_var = bn.get_weights()
        np.testing.assert_allclose(moving_mean, 0.1 * mean, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(moving_var, 0.9 + 0.1 * var * n / (n - 1), rtol=1e-5)   # fused: unbiased
        train_out = K.function([x, K.learning_phase()], [model.output])([data, True])[0]
        want = (data - mean[None, :, None, None]) / np.sqrt(var[None, :, None, None] + 1e-5)
        np.testing.assert_allclose(train_out, want, rtol=1e-4, atol=1e-5)
        test_out = model.predict(data)   # learning phase 0: the moving statistics
        want = (data - moving_mean[None, :, None, None]) / np.sqrt(moving_var[None, :, None, None] + 1e-5)
        np.testing.assert_allclose(test_out, want, rtol=1e-4, atol=1e-5)


def test_flatten_channels_first_uses_channels_last_order():
    with graph():
        data = np.arange(2 * 3 * 2 * 2, dtype=np.float32).reshape(2, 3, 2, 2)
        model = Sequential([layers.Flatten(data_format="channels_first", input_shape=(3, 2, 2))])
        np.testing.assert_array_equal(model.predict(data), data.transpose(0, 2, 3, 1).reshape(2, -1))


def test_functional_merges_pooling_and_multiple_outputs():
    with graph():
        a = layers.Input(shape=(4,), name="a")
        b = layers.Input(shape=(4,), name="b")
        s = layers.add([a, b])
        c = layers.concatenate([a, s])
        img = layers.Input(shape=(4, 4, 2), name="img")
        g = layers.GlobalAveragePooling2D()(img)
        out1 = layers.Dense(2, activation="softmax", name="out1")(c)
        out2 = layers.Dense(1, name="out2")(layers.Reshape((2,))(g))
        model = Model([a, b, img], [out1, out2])
        assert K.int_shape(c) == (None, 8) and model.output_shape == [(None, 2), (None, 1)]
        model.compile("adam", ["categorical_crossentropy", "mse"], metrics=["accuracy"])
        assert model.metrics_names == ["loss", "out1_loss", "out2_loss", "out1_accuracy", "out2_accuracy"]
        rs = np.random.RandomState(5)
        xa, xb, xi = rs.randn(6, 4), rs.randn(6, 4), rs.randn(6, 4, 4, 2)
        y1, y2 = np.eye(2)[rs.randint(0, 2, 6)], rs.randn(6, 1)
        total, l1, l2, _, _ = model.test_on_batch([xa, xb, xi], [y1, y2])
        assert np.isclose(total, l1 + l2, rtol=1e-6)
        np.testing.assert_allclose(K.function([img], [g])([xi])[0], xi.mean(axis=(1, 2)), rtol=1e-5)
        p1, _ = model.predict({"a": xa, "b": xb, "img": xi})
        assert p1.shape == (6, 2) and np.allclose(p1.sum(1), 1, rtol=1e-5)


def test_sparse_categorical_crossentropy_is_one_value_per_sample_and_timestep():
    """Keras 2's loss functions return per-sample values (the training loop takes their mean); a sequence
    output gets one per timestep, in the targets' shape."""
    rs = np.random.RandomState(3)
    with graph("float64"):
        logits, labels = rs.standard_normal((2, 3, 4)), rs.randint(0, 4, (2, 3))
        per = K.sparse_categorical_crossentropy(K.constant(labels), K.constant(logits), from_logits=True)
        flat = K.sparse_categorical_crossentropy(K.constant(labels[0]), K.constant(logits[0]), from_logits=True)
        got, got_flat = K.get_session().run([per, flat])
    z = logits - logits.max(-1, keepdims=True)
    want = np.log(np.exp(z).sum(-1)) - np.take_along_axis(z, labels[..., None], -1)[..., 0]
    np.testing.assert_allclose(got, want, rtol=1e-12)
    np.testing.assert_allclose(got_flat, want[0], rtol=1e-12)


def test_advanced_activation_layers_and_leaky_relu():
    """LeakyReLU (alpha 0.3 by default), ELU and ReLU(max_value, negative_slope) as Keras 2.2's layers,
    against NumPy; gradients by finite differences."""
    x = np.array([[-2.0, -0.5, 0.0, 0.5, 3.0]])
    with graph("float64"):
        inp = K.constant(x)
        got = K.get_session().run([layers.LeakyReLU()(inp), layers.ELU(alpha=0.5)(inp),
                                   layers.ReLU(max_value=1.0, negative_slope=0.1)(inp), K.relu(inp, alpha=0.2)])
    np.testing.assert_allclose(got[0], np.where(x > 0, x, 0.3 * x), rtol=1e-12)
    np.testing.assert_allclose(got[1], np.where(x > 0, x, 0.5 * (np.exp(x) - 1)), rtol=1e-12)
    np.testing.assert_allclose(got[2], np.minimum(np.where(x > 0, x, 0.1 * x), 1.0), rtol=1e-12)
    np.testing.assert_allclose(got[3], np.where(x > 0, x, 0.2 * x), rtol=1e-12)
    with graph("float64"):
        model = Sequential([layers.Dense(4, input_shape=(3,)), layers.LeakyReLU(0.2), layers.Dense(2),
                            layers.ELU(0.7), layers.Dense(1)])
        model.compile(optimizer="sgd", loss="mse")
        rs = np.random.RandomState(1)
        _fd_check(model, rs.standard_normal((5, 3)), rs.standard_normal((5, 1)))


def test_keras_layers_this_frontend_lacks_say_what_to_use():
    with pytest.raises(NotImplementedError, match=r"keras\.layers\.SeparableConv2D is not supported .*Conv2D"):
        from frameworks.keras.layers import SeparableConv2D  # noqa: F401
    with pytest.raises(NotImplementedError, match=r"keras\.layers\.ConvLSTM2D .*GRU"):
        layers.ConvLSTM2D
    with pytest.raises(AttributeError, match="has no attribute 'NotALayer'"):
        layers.NotALayer
