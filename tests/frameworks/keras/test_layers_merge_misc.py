"""Keras 2's merge layers (Multiply, Subtract, Average, Maximum, Minimum, Dot and their functional forms),
UpSampling1D/2D, Cropping1D/2D, ZeroPadding1D, GlobalMaxPooling2D, PReLU, ThresholdedReLU, Softmax,
SpatialDropout1D/2D, GaussianNoise / GaussianDropout (training only), Dropout's noise_shape and
initializers.Identity, against NumPy; gradients by finite differences in float64."""
import numpy as np
import pytest

from frameworks.keras import backend as K
from frameworks.keras import initializers, layers
from frameworks.keras.models import Model, Sequential, model_from_json
from tests.frameworks.keras.test_math import _fd_check, graph


def _apply(layer_or_fn, *xs, phase=None):
    inps = [layers.Input(batch_shape=(None,) + x.shape[1:]) for x in xs]
    out = layer_or_fn(inps if len(inps) > 1 else inps[0])
    feeds = list(xs)
    if phase is not None:
        inps.append(K.learning_phase())
        feeds.append(phase)
    return K.function(inps, [out])(feeds)[0], out


@pytest.mark.parametrize("name,ref", [("multiply", lambda a, b: a * b), ("subtract", lambda a, b: a - b),
                                      ("average", lambda a, b: (a + b) / 2), ("maximum", np.maximum),
                                      ("minimum", np.minimum), ("add", lambda a, b: a + b)])
def test_elementwise_merges(name, ref):
    with graph("float64"):
        rs = np.random.RandomState(0)
        a, b = rs.randn(3, 4), rs.randn(3, 4)
        y, out = _apply(getattr(layers, name), a, b)
        np.testing.assert_allclose(y, ref(a, b))
        assert K.int_shape(out) == (None, 4)
        cls = getattr(layers, name.capitalize())
        assert out._keras_history[0].__class__ is cls
        with pytest.raises(ValueError, match="could not be broadcast"):
            cls()([layers.Input((4,)), layers.Input((5,))])
    with graph():
        with pytest.raises(ValueError, match="called on a list of inputs"):   # Keras unpacks the one shape
            layers.Multiply()([layers.Input((4,))])


def test_merges_broadcast_and_subtract_arity():
    with graph("float64"):
        rs = np.random.RandomState(1)
        a, b = rs.randn(2, 3, 4), rs.randn(2, 1, 4)
        y, out = _apply(layers.Multiply(), a, b)
        np.testing.assert_allclose(y, a * b)
        assert K.int_shape(out) == (None, 3, 4)
        y, _ = _apply(layers.Maximum(), a, b, rs.randn(2, 3, 1))
        with pytest.raises(ValueError, match="exactly 2 inputs"):
            layers.Subtract()([layers.Input((2,)), layers.Input((2,)), layers.Input((2,))])


def test_dot_axes_normalize_and_shapes():
    with graph("float64"):
        rs = np.random.RandomState(2)
        a, b = rs.randn(3, 4), rs.randn(3, 4)
        y, out = _apply(lambda t: layers.dot(t, axes=1), a, b)
        np.testing.assert_allclose(y, (a * b).sum(1, keepdims=True))
        assert K.int_shape(out) == (None, 1)
        y, _ = _apply(lambda t: layers.dot(t, axes=-1, normalize=True), a, b)
        cos = (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
        np.testing.assert_allclose(y[:, 0], cos)
        m, n = rs.randn(3, 5, 4), rs.randn(3, 6, 4)
        y, out = _apply(layers.Dot(axes=(2, 2)), m, n)
        np.testing.assert_allclose(y, np.einsum("bik,bjk->bij", m, n))
        assert K.int_shape(out) == (None, 5, 6)
        y, out = _apply(layers.Dot(axes=(1, 2)), a, n)
        np.testing.assert_allclose(y, np.einsum("bk,bjk->bj", a, n))
        assert K.int_shape(out) == (None, 6)
        assert layers.Dot(axes=(1, 2), normalize=True).get_config()["axes"] == (1, 2)
        with pytest.raises(ValueError, match="Dimension incompatibility 4 != 5"):
            layers.Dot(axes=1)([layers.Input((4,)), layers.Input((5,))])
        with pytest.raises(ValueError, match="list of 2 inputs"):
            layers.Dot(axes=1)([layers.Input((4,))] * 3)


def test_upsampling_cropping_padding_values():
    with graph("float64"):
        rs = np.random.RandomState(3)
        img = rs.randn(2, 3, 4, 2)
        y, out = _apply(layers.UpSampling2D((2, 3)), img)
        np.testing.assert_allclose(y, img.repeat(2, axis=1).repeat(3, axis=2))
        assert K.int_shape(out) == (None, 6, 12, 2)
        y, _ = _apply(layers.UpSampling2D(data_format="channels_first"), img)
        np.testing.assert_allclose(y, img.repeat(2, axis=2).repeat(2, axis=3))
        seq = rs.randn(2, 5, 3)
        y, out = _apply(layers.UpSampling1D(3), seq)
        np.testing.assert_allclose(y, seq.repeat(3, axis=1))
        assert K.int_shape(out) == (None, 15, 3)
        y, out = _apply(layers.Cropping1D((1, 2)), seq)
        np.testing.assert_allclose(y, seq[:, 1:3])
        assert K.int_shape(out) == (None, 2, 3)
        y, out = _apply(layers.ZeroPadding1D((2, 1)), seq)
        np.testing.assert_allclose(y, np.pad(seq, ((0, 0), (2, 1), (0, 0))))
        assert K.int_shape(out) == (None, 8, 3)
        y, out = _apply(layers.Cropping2D(((1, 0), (1, 2))), img)
        np.testing.assert_allclose(y, img[:, 1:, 1:2])
        assert K.int_shape(out) == (None, 2, 1, 2)
        y, _ = _apply(layers.Cropping2D(((1, 1), (0, 1)), data_format="channels_first"), img)
        np.testing.assert_allclose(y, img[:, :, 1:-1, :-1])
        y, out = _apply(layers.GlobalMaxPooling2D(), img)
        np.testing.assert_allclose(y, img.max(axis=(1, 2)))
        assert K.int_shape(out) == (None, 2)
        assert layers.UpSampling2D().get_config()["size"] == (2, 2)
        assert layers.Cropping2D(2).get_config()["cropping"] == ((2, 2), (2, 2))
    with pytest.raises(ValueError, match="bilinear"):
        layers.UpSampling2D(interpolation="bilinear")


def test_prelu_thresholded_relu_softmax():
    with graph("float64"):
        rs = np.random.RandomState(4)
        x = rs.randn(3, 4, 2)
        prelu = layers.PReLU(alpha_initializer=initializers.Constant(0.25), shared_axes=[1])
        y, _ = _apply(prelu, x)
        assert prelu.get_weights()[0].shape == (1, 2) and prelu.weights[0].name == prelu.name + "/alpha:0"
        np.testing.assert_allclose(y, np.where(x > 0, x, 0.25 * x))
        y, _ = _apply(layers.ThresholdedReLU(theta=0.5), x)
        np.testing.assert_allclose(y, np.where(x > 0.5, x, 0.0))
        y, _ = _apply(layers.Softmax(axis=1), x)
        e = np.exp(x - x.max(1, keepdims=True))
        np.testing.assert_allclose(y, e / e.sum(1, keepdims=True))
        assert layers.Softmax().get_config()["axis"] == -1
        assert layers.PReLU().get_config()["shared_axes"] is None


def test_noise_layers_act_only_while_training():
    with graph():
        np.random.seed(5)
        x = np.ones((64, 10, 8), dtype=np.float32)
        for layer in (layers.SpatialDropout1D(0.5), layers.GaussianNoise(0.3), layers.GaussianDropout(0.3),
                      layers.Dropout(0.5, noise_shape=(None, 1, 8))):
            test, out = _apply(layer, x, phase=0)
            np.testing.assert_array_equal(test, x)
            train = K.function([out._keras_history[0].input, K.learning_phase()], [out])([x, 1])[0]
            assert not np.allclose(train, x)
            assert abs(train.mean() - 1.0) < 0.1   # unbiased: inverted dropout, mean-one noise
            if isinstance(layer, (layers.SpatialDropout1D, layers.Dropout)):
                assert set(np.unique(train)) <= {0.0, 2.0}
                assert (train == train[:, :1]).all()   # one mask per channel over the steps
                assert 0.35 < (train[:, 0] == 0).mean() < 0.65
        img = np.ones((32, 4, 4, 6), dtype=np.float32)
        layer = layers.SpatialDropout2D(0.5)
        _, out = _apply(layer, img, phase=1)
        train = K.function([out._keras_history[0].input, K.learning_phase()], [out])([img, 1])[0]
        assert (train == train[:, :1, :1]).all() and set(np.unique(train)) <= {0.0, 2.0}
        assert layers.GaussianNoise(0.3).get_config()["stddev"] == 0.3


def test_identity_initializer():
    np.testing.assert_array_equal(initializers.Identity(gain=2.0)((3, 3)), 2 * np.eye(3))
    np.testing.assert_array_equal(initializers.get("identity")((2, 2)), np.eye(2))
    with pytest.raises(ValueError, match="2D square matrices"):
        initializers.Identity()((2, 3))


def test_merge_misc_gradients_fd_float64():
    with graph("float64"):
        rs = np.random.RandomState(6)
        a = layers.Input((4, 3))
        b = layers.Input((4, 3))
        prod = layers.multiply([a, b])
        diff = layers.subtract([a, layers.PReLU(alpha_initializer="uniform")(b)])
        m = layers.maximum([layers.average([prod, diff]), layers.minimum([a, b])])
        d = layers.Dot(axes=(2, 2))([m, b])
        up = layers.UpSampling1D(2)(layers.Softmax()(d))
        crop = layers.Cropping1D((1, 1))(layers.ZeroPadding1D(2)(up))
        img = layers.Reshape((2, 5, 4))(crop)
        pooled = layers.GlobalMaxPooling2D()(layers.Cropping2D(((0, 0), (1, 0)))(layers.UpSampling2D()(img)))
        out = layers.Dense(1)(pooled)
        model = Model([a, b], out)
        model.compile("sgd", "mse")
        _fd_check(model, [rs.randn(2, 4, 3), rs.randn(2, 4, 3)], rs.randn(2, 1))


def test_merge_misc_model_json_round_trip(tmp_path):
    with graph():
        rs = np.random.RandomState(7)
        a, b = layers.Input((6, 2)), layers.Input((6, 2))
        x = layers.concatenate([layers.multiply([a, b]), layers.subtract([a, b]), layers.average([a, b]),
                                layers.maximum([a, b]), layers.minimum([a, b])])
        x = layers.SpatialDropout1D(0.2)(layers.GaussianNoise(0.1)(x))
        x = layers.PReLU()(layers.UpSampling1D()(x))
        out = layers.dot([layers.GlobalMaxPooling1D()(x), layers.GlobalMaxPooling1D()(x)], axes=1, normalize=True)
        model = Model([a, b], out)
        xs = [rs.randn(3, 6, 2), rs.randn(3, 6, 2)]
        want = model.predict(xs)
        path = str(tmp_path / "w.h5")
        model.save_weights(path)
        clone = model_from_json(model.to_json())
        clone.load_weights(path)
        np.testing.assert_allclose(clone.predict(xs), want, rtol=1e-6)
        _ = Sequential  # noqa: F841


def test_an_output_without_a_loss_takes_no_target():
    # Keras 2.2: loss=[..., None] skips that output; it is fed no target and reported by no metric
    with graph():
        rs = np.random.RandomState(8)
        inp = layers.Input((3,))
        a = layers.Dense(2, name="a")(inp)
        b = layers.Dense(1, name="b")(inp)
        model = Model(inp, [a, b])
        model.add_loss(K.mean(K.square(a)))   # output a trains only through this
        model.compile("sgd", loss=[None, "mse"], metrics=["mae"])
        assert model.metrics_names == ["loss", "b_mae"]
        x, y = rs.randn(16, 3), rs.randn(16, 1)
        before = model.evaluate(x, y, verbose=0)
        model.fit(x, y, epochs=5, verbose=0)
        assert model.evaluate(x, y, verbose=0)[0] < before[0]
        assert [o.shape for o in model.predict(x)] == [(16, 2), (16, 1)]
        with pytest.raises(ValueError, match=r"expects 1 target array\(s\) \(b\), got None"):
            model.fit(x, epochs=1, verbose=0)


def test_alpha_dropout_keeps_selu_moments_while_training():
    with graph("float64"):
        np.random.seed(9)
        x = np.random.RandomState(9).randn(200, 100)
        test, out = _apply(layers.AlphaDropout(0.2), x, phase=0)
        np.testing.assert_array_equal(test, x)
        train = K.function([out._keras_history[0].input, K.learning_phase()], [out])([x, 1])[0]
        alpha_p = -1.6732632423543772848170429916717 * 1.0507009873554804934193349852946
        a = ((1 - 0.2) * (1 + 0.2 * alpha_p ** 2)) ** -0.5
        b = -a * alpha_p * 0.2
        dropped = np.isclose(train, a * alpha_p + b)
        assert 0.17 < dropped.mean() < 0.23
        np.testing.assert_allclose(train[~dropped], a * x[~dropped] + b)
        assert abs(train.mean()) < 0.05 and abs(train.std() - 1.0) < 0.05
