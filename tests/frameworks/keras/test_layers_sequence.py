"""Keras 2's sequence layers in this frontend against NumPy writings of Keras' equations: Conv1D (valid,
same, causal, strides), MaxPooling1D / AveragePooling1D, SimpleRNN, GRU (reset_after False and True),
Bidirectional, TimeDistributed, RepeatVector, Permute; gradients by finite differences in float64; shapes,
configs and weight names as Keras 2.2 gives them."""
import numpy as np
import pytest

from frameworks.keras import backend as K
from frameworks.keras import layers
from frameworks.keras.models import Model, Sequential, model_from_json
from tests.frameworks.keras.test_math import _fd_check, graph


def _run(layer, x):
    inp = layers.Input(batch_shape=(None,) + x.shape[1:])
    out = layer(inp)
    return K.function([inp], out if isinstance(out, list) else [out])([x])


def _np_conv1d(x, w, b, stride, pad_left, pad_right):
    x = np.pad(x, ((0, 0), (pad_left, pad_right), (0, 0)))
    k = w.shape[0]
    steps = (x.shape[1] - k) // stride + 1
    return np.stack([np.einsum("bkc,kcf->bf", x[:, t * stride:t * stride + k], w) for t in range(steps)], 1) + b


@pytest.mark.parametrize("padding,strides,pads", [("valid", 1, (0, 0)), ("same", 1, (1, 1)),
                                                 ("causal", 1, (2, 0)), ("valid", 2, (0, 0))])
def test_conv1d_values_and_shapes(padding, strides, pads):
    with graph("float64"):
        rs = np.random.RandomState(0)
        x = rs.randn(2, 7, 3)
        layer = layers.Conv1D(4, 3, strides=strides, padding=padding, bias_initializer="uniform")
        y, = _run(layer, x)
        w, b = layer.get_weights()
        assert w.shape == (3, 3, 4) and b.shape == (4,)
        np.testing.assert_allclose(y, _np_conv1d(x, w, b, strides, *pads), rtol=1e-10)
        assert layer.compute_output_shape((None, 7, 3)) == (None,) + y.shape[1:]
        assert [v.name for v in layer.weights] == [layer.name + "/kernel:0", layer.name + "/bias:0"]
        cfg = layer.get_config()
        assert cfg["kernel_size"] == (3,) and cfg["strides"] == (strides,) and cfg["padding"] == padding
        assert cfg["dilation_rate"] == (1,) and cfg["data_format"] == "channels_last"


def test_conv1d_channels_first_and_errors():
    with graph("float64"):
        rs = np.random.RandomState(1)
        x = rs.randn(2, 3, 6)
        layer = layers.Conv1D(2, 2, data_format="channels_first")
        y, = _run(layer, x)
        w, b = layer.get_weights()
        ref = _np_conv1d(x.transpose(0, 2, 1), w, b, 1, 0, 0).transpose(0, 2, 1)
        np.testing.assert_allclose(y, ref, rtol=1e-10)
    with pytest.raises(ValueError, match="causal padding in `Conv1D`"):
        layers.Conv1D(2, 2, padding="causal", data_format="channels_first")
    with pytest.raises(ValueError, match="`padding` argument must be one of"):
        layers.Conv1D(2, 2, padding="full")


@pytest.mark.parametrize("cls,reduce", [(layers.MaxPooling1D, np.max), (layers.AveragePooling1D, np.mean)])
def test_pooling1d_values(cls, reduce):
    with graph("float64"):
        x = np.random.RandomState(2).randn(2, 7, 3)
        layer = cls(pool_size=2)
        y, = _run(layer, x)
        ref = np.stack([reduce(x[:, 2 * t:2 * t + 2], axis=1) for t in range(3)], 1)
        np.testing.assert_allclose(y, ref, rtol=1e-12)
        assert layer.compute_output_shape((None, 7, 3)) == (None, 3, 3)
        assert layer.get_config()["pool_size"] == (2,) and layer.get_config()["strides"] == (2,)
        y, = _run(cls(3, strides=2, padding="same"), x)
        assert y.shape == (2, 4, 3)
    assert layers.MaxPool1D is layers.MaxPooling1D and layers.AvgPool1D is layers.AveragePooling1D
    assert layers.Convolution1D is layers.Conv1D


def _hard_sigmoid(x):
    return np.clip(0.2 * x + 0.5, 0.0, 1.0)


def _np_simple_rnn(x, w, u, b):
    h = np.zeros((x.shape[0], w.shape[1]))
    outs = []
    for t in range(x.shape[1]):
        h = np.tanh(x[:, t] @ w + b + h @ u)
        outs.append(h)
    return np.stack(outs, 1)


def _np_gru(x, w, u, b, reset_after=False, act=_hard_sigmoid):
    n = u.shape[0]
    h = np.zeros((x.shape[0], n))
    outs = []
    bi, br = (b[0], b[1]) if reset_after else (b, np.zeros(3 * n))
    for t in range(x.shape[1]):
        xz, xr, xh = np.split(x[:, t] @ w + bi, 3, axis=1)
        if reset_after:
            hz, hr, hh_in = np.split(h @ u + br, 3, axis=1)
            z, r = act(xz + hz), act(xr + hr)
            hh = np.tanh(xh + r * hh_in)
        else:
            z = act(xz + h @ u[:, :n])
            r = act(xr + h @ u[:, n:2 * n])
            hh = np.tanh(xh + (r * h) @ u[:, 2 * n:])
        h = z * h + (1 - z) * hh
        outs.append(h)
    return np.stack(outs, 1)


def test_simple_rnn_values_config_and_state():
    with graph("float64"):
        rs = np.random.RandomState(3)
        x = rs.randn(2, 5, 3)
        layer = layers.SimpleRNN(4, return_sequences=True, return_state=True, bias_initializer="uniform")
        seq, state = _run(layer, x)
        w, u, b = layer.get_weights()
        assert (w.shape, u.shape, b.shape) == ((3, 4), (4, 4), (4,))
        ref = _np_simple_rnn(x, w, u, b)
        np.testing.assert_allclose(seq, ref, rtol=1e-10)
        np.testing.assert_allclose(state, ref[:, -1], rtol=1e-10)
        assert [v.name.split("/")[1] for v in layer.weights] == ["kernel:0", "recurrent_kernel:0", "bias:0"]
        cfg = layer.get_config()
        assert cfg["units"] == 4 and cfg["activation"] == "tanh" and "cell" not in cfg
        assert layer.units == 4 and layer.compute_output_shape((None, 5, 3)) == [(None, 5, 4), (None, 4)]
        back, = _run(layers.SimpleRNN(4, go_backwards=True, weights=[w, u, b]), x)
        np.testing.assert_allclose(back, _np_simple_rnn(x[:, ::-1], w, u, b)[:, -1], rtol=1e-10)


@pytest.mark.parametrize("reset_after", [False, True])
def test_gru_keras_equations(reset_after):
    with graph("float64"):
        rs = np.random.RandomState(4)
        x = rs.randn(3, 4, 2)
        layer = layers.GRU(5, return_sequences=True, reset_after=reset_after, bias_initializer="uniform")
        seq, = _run(layer, x)
        w, u, b = layer.get_weights()
        assert w.shape == (2, 15) and u.shape == (5, 15) and b.shape == ((2, 15) if reset_after else (15,))
        np.testing.assert_allclose(seq, _np_gru(x, w, u, b, reset_after), rtol=1e-10)
        cfg = layer.get_config()
        assert cfg["recurrent_activation"] == "hard_sigmoid" and cfg["reset_after"] is reset_after
        assert cfg["implementation"] == 1
        clone = layers.GRU.from_config(cfg)
        assert clone.reset_after is reset_after and clone.units == 5


def test_gru_dropout_trains_and_is_identity_at_inference():
    rs = np.random.RandomState(5)
    with graph():
        model = Sequential([layers.GRU(6, dropout=0.3, recurrent_dropout=0.3, input_shape=(5, 3)),
                            layers.Dense(1)])
        model.compile("adam", "mse")
        x = rs.randn(32, 5, 3)
        y = x[:, -1, :1]
        w, u, b = model.layers[0].get_weights()
        ref = _np_gru(x, w, u, b)[:, -1] @ model.layers[1].get_weights()[0] + model.layers[1].get_weights()[1]
        np.testing.assert_allclose(model.predict(x), ref, rtol=1e-4, atol=1e-5)
        train_out = K.function([model.input, K.learning_phase()], [model.output])
        assert not np.allclose(train_out([x, 1])[0], train_out([x, 0])[0])   # the masks act while training
        before = model.evaluate(x, y, verbose=0)
        model.fit(x, y, epochs=20, batch_size=8, verbose=0)
        assert model.evaluate(x, y, verbose=0) < before


@pytest.mark.parametrize("merge_mode", ["concat", "sum", "ave", "mul", None])
def test_bidirectional_merges_the_backward_sequence_flipped_back(merge_mode):
    with graph("float64"):
        rs = np.random.RandomState(6)
        x = rs.randn(2, 4, 3)
        layer = layers.Bidirectional(layers.SimpleRNN(3, return_sequences=True), merge_mode=merge_mode)
        out = _run(layer, x)
        wf = layer.forward_layer.get_weights()
        wb = layer.backward_layer.get_weights()
        fwd = _np_simple_rnn(x, *wf)
        bwd = _np_simple_rnn(x[:, ::-1], *wb)[:, ::-1]
        ref = {"concat": [np.concatenate([fwd, bwd], -1)], "sum": [fwd + bwd], "ave": [(fwd + bwd) / 2],
               "mul": [fwd * bwd], None: [fwd, bwd]}[merge_mode]
        for a, r in zip(out, ref):
            np.testing.assert_allclose(a, r, rtol=1e-10)
        assert len(layer.get_weights()) == 6
        assert layer.weights[0].name == layer.name + "/forward_" + layer.layer.name + "/kernel:0"
        assert layer.weights[3].name == layer.name + "/backward_" + layer.layer.name + "/kernel:0"
        shape = layer.compute_output_shape((None, 4, 3))
        assert shape == ((None, 4, 6) if merge_mode == "concat" else [(None, 4, 3)] * 2 if merge_mode is None
                         else (None, 4, 3))
    with pytest.raises(ValueError, match="Invalid merge mode"):
        layers.Bidirectional(layers.LSTM(2), merge_mode="max")


def test_time_distributed_repeat_vector_permute():
    with graph("float64"):
        rs = np.random.RandomState(7)
        x = rs.randn(2, 3)
        inp = layers.Input(shape=(3,))
        rep = layers.RepeatVector(4)(inp)
        td = layers.TimeDistributed(layers.Dense(2))
        out = td(rep)
        perm = layers.Permute((2, 1))(out)
        model = Model(inp, [rep, out, perm])
        r, o, p = model.predict(x)
        np.testing.assert_allclose(r, np.repeat(x[:, None], 4, axis=1))
        w, b = td.get_weights()
        np.testing.assert_allclose(o, r @ w + b, rtol=1e-12)
        np.testing.assert_allclose(p, o.transpose(0, 2, 1))
        assert model.output_shape == [(None, 4, 3), (None, 4, 2), (None, 2, 4)]
        assert [v.name for v in td.weights] == [td.name + "/kernel:0", td.name + "/bias:0"]
        assert td.get_config()["layer"]["class_name"] == "Dense"
        assert layers.RepeatVector(4).get_config()["n"] == 4
    with pytest.raises(ValueError, match="Invalid permutation"):
        layers.Permute((1, 3))


def test_sequence_layers_gradients_fd_float64():
    with graph("float64"):
        rs = np.random.RandomState(8)
        model = Sequential([
            layers.Conv1D(3, 2, padding="causal", activation="tanh", input_shape=(6, 2)),
            layers.MaxPooling1D(2),
            layers.Bidirectional(layers.GRU(3, return_sequences=True, recurrent_activation="sigmoid")),
            layers.TimeDistributed(layers.Dense(2, activation="tanh")),
            layers.Bidirectional(layers.SimpleRNN(2), merge_mode="sum"),
            layers.RepeatVector(2),
            layers.GRU(2, reset_after=True, recurrent_activation="sigmoid"),
            layers.Dense(1),
        ])
        model.compile("sgd", "mse")
        _fd_check(model, rs.randn(3, 6, 2), rs.randn(3, 1))


def test_sequence_model_json_and_hdf5_round_trip(tmp_path):
    with graph():
        rs = np.random.RandomState(9)
        model = Sequential([layers.Conv1D(4, 3, padding="same", input_shape=(8, 2)), layers.MaxPooling1D(),
                            layers.Bidirectional(layers.GRU(3, return_sequences=True)),
                            layers.TimeDistributed(layers.Dense(2)), layers.SimpleRNN(2)])
        model.compile("adam", "mse")
        x = rs.randn(4, 8, 2)
        want = model.predict(x)
        path = str(tmp_path / "w.h5")
        model.save_weights(path)
        clone = model_from_json(model.to_json())
        clone.load_weights(path)
        np.testing.assert_allclose(clone.predict(x), want, rtol=1e-6)
        assert [type(la).__name__ for la in clone.layers] == ["Conv1D", "MaxPooling1D", "Bidirectional",
                                                              "TimeDistributed", "SimpleRNN"]


@pytest.mark.parametrize("unroll", [False, True])
def test_initial_states_are_node_inputs(unroll):
    # Keras 2.2: initial_state tensors join the call's inputs, so a Model reaches the layers that made them
    with graph("float64"):
        rs = np.random.RandomState(10)
        enc_in, dec_in = layers.Input((3, 2)), layers.Input((4, 2))
        encoder = layers.LSTM(3, return_state=True)
        _, h, c = encoder(enc_in)
        decoder = layers.LSTM(3, return_sequences=True, unroll=unroll)
        out = decoder(dec_in, initial_state=[h, c])
        assert len(decoder._inbound_nodes[0].input_tensors) == 3
        model = Model([enc_in, dec_in], out)
        assert encoder in model.layers
        x1, x2 = rs.randn(2, 3, 2), rs.randn(2, 4, 2)
        same = decoder([dec_in, h, c])   # the list form is the same call
        np.testing.assert_allclose(Model([enc_in, dec_in], same).predict([x1, x2]), model.predict([x1, x2]))
        with pytest.raises(ValueError, match="expects 2 states, but it received 1 initial states"):
            decoder(dec_in, initial_state=[h])


def test_cudnn_gru_is_reset_after_gru_with_one_bias():
    with graph("float64"):
        rs = np.random.RandomState(11)
        x = rs.randn(2, 4, 3)
        layer = layers.CuDNNGRU(5, return_sequences=True, bias_initializer="uniform")
        seq, = _run(layer, x)
        w, u, b = layer.get_weights()
        assert (w.shape, u.shape, b.shape) == ((3, 15), (5, 15), (30,))
        assert [v.name for v in layer.weights] == [layer.name + "/kernel:0", layer.name + "/recurrent_kernel:0",
                                                   layer.name + "/bias:0"]
        assert layer.name.startswith("cu_dnngru_")
        sigmoid = lambda z: 1 / (1 + np.exp(-z))   # noqa: E731
        np.testing.assert_allclose(seq, _np_gru(x, w, u, b.reshape(2, 15), True, sigmoid), rtol=1e-10)
        cfg = layer.get_config()
        assert "reset_after" not in cfg and "activation" not in cfg and cfg["units"] == 5
        assert layers.CuDNNGRU.from_config(cfg).units == 5


def test_bidirectional_cudnn_gru():
    with graph("float64"):
        x = np.random.RandomState(12).randn(2, 3, 2)
        layer = layers.Bidirectional(layers.CuDNNGRU(2, return_sequences=True))
        y, = _run(layer, x)
        assert y.shape == (2, 3, 4) and layer.backward_layer.go_backwards
        assert layer.get_config()["layer"]["config"]["go_backwards"] is False
