"""Callbacks (custom, ModelCheckpoint, EarlyStopping with restore_best_weights, LearningRateScheduler),
summary / count_params, HDF5 weights and models in Keras' layout, keras.backend's functions, and the
utilities (to_categorical, pad_sequences)."""
import json

import h5py
import numpy as np
import pytest

import frameworks.static_graph as tf
from frameworks import keras
from frameworks.keras import backend as K
from frameworks.keras import callbacks, layers
from frameworks.keras.models import Model, Sequential, load_model
from frameworks.keras.optimizers import SGD, Adam
from frameworks.keras.preprocessing.sequence import pad_sequences
from frameworks.keras.utils import to_categorical


@pytest.fixture(autouse=True)
def fresh_graph():
    with tf.Graph().as_default():
        yield


def _data(n=40, seed=0):
    rs = np.random.RandomState(seed)
    x = rs.randn(n, 4).astype(np.float32)
    y = to_categorical((x[:, 0] + x[:, 1] > 0).astype(int), 2)
    return x, y


def _text(values):
    return [v.decode() if isinstance(v, bytes) else str(v) for v in values]


def _model(optimizer="sgd", dropout=True):
    model = Sequential([layers.Dense(8, activation="relu", input_shape=(4,))] +
                       ([layers.Dropout(0.1)] if dropout else []) + [layers.Dense(2, activation="softmax")])
    model.compile(optimizer, "categorical_crossentropy", metrics=["accuracy"])
    return model


def test_custom_callback_sees_every_hook_and_history():
    class Recorder(callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.events = ["train_begin"]

        def on_epoch_begin(self, epoch, logs=None):
            self.events.append(("epoch_begin", epoch))

        def on_batch_end(self, batch, logs=None):
            self.events.append(("batch", batch, sorted(logs)))

        def on_epoch_end(self, epoch, logs=None):
            self.events.append(("epoch_end", epoch, sorted(logs)))

        def on_train_end(self, logs=None):
            self.events.append("train_end")
    x, y = _data()
    model = _model()
    rec = Recorder()
    history = model.fit(x, y, batch_size=16, epochs=2, verbose=0, validation_split=0.25, callbacks=[rec])
    assert rec.model is model and rec.params["epochs"] == 2 and rec.params["samples"] == 30
    assert rec.events[1] == ("epoch_begin", 0)
    assert rec.events[2] == ("batch", 0, ["accuracy", "batch", "loss", "size"])
    assert rec.events[3] == ("batch", 1, ["accuracy", "batch", "loss", "size"])   # 30 samples: 16 + 14
    assert rec.events[4] == ("epoch_end", 0, ["accuracy", "loss", "val_accuracy", "val_loss"])
    assert rec.events[-1] == "train_end" and history.epoch == [0, 1]


def test_learning_rate_scheduler_and_early_stopping_restores_best():
    np.random.seed(0)   # the initial weights (NumPy-drawn); no dropout, full batches: a deterministic run
    x, y = _data()
    model = _model(SGD(lr=0.1), dropout=False)
    seen = []

    class Weights(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append((logs["loss"], self.model.get_weights()))
    # epochs 0-2 learn; from epoch 3 the rate is absurd, so the loss blows up and training stops
    schedule = callbacks.LearningRateScheduler(lambda epoch: 0.1 if epoch < 3 else 50.0)
    stop = callbacks.EarlyStopping(monitor="loss", patience=1, restore_best_weights=True)
    history = model.fit(x, y, batch_size=40, epochs=20, verbose=0, shuffle=False,
                        callbacks=[schedule, Weights(), stop])
    assert np.isclose(K.get_value(model.optimizer.lr), 50.0)
    assert len(history.epoch) < 20 and stop.stopped_epoch == history.epoch[-1]
    best = int(np.argmin([loss for loss, _ in seen]))
    for got, want in zip(model.get_weights(), seen[best][1]):
        np.testing.assert_array_equal(got, want)


def test_model_checkpoint_best_only(tmp_path):
    x, y = _data()
    model = _model(Adam(lr=0.01))
    path = str(tmp_path / "weights.{epoch:02d}-{val_loss:.2f}.hdf5")
    ckpt = callbacks.ModelCheckpoint(path, monitor="val_loss", save_best_only=True, save_weights_only=True)
    model.fit(x, y, batch_size=8, epochs=3, verbose=0, validation_data=(x, y), callbacks=[ckpt])
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files and all(f.startswith("weights.0") and f.endswith(".hdf5") for f in files)
    assert np.isfinite(ckpt.best)


def test_save_weights_layout_and_load(tmp_path):
    x, _ = _data()
    model = _model()
    path = str(tmp_path / "w.h5")
    model.save_weights(path)
    with h5py.File(path, "r") as f:
        assert _text(f.attrs["layer_names"]) == [layer.name for layer in model.layers]
        g = f[model.layers[0].name]
        names = _text(g.attrs["weight_names"])
        assert names == [f"{model.layers[0].name}/kernel:0", f"{model.layers[0].name}/bias:0"]
        np.testing.assert_array_equal(g[names[0]][()], model.layers[0].get_weights()[0])
        assert _text([f.attrs["backend"]]) == ["tensorflow"]
    other = _model()
    other.load_weights(path)
    np.testing.assert_array_equal(other.predict(x), model.predict(x))


def test_save_and_load_model_continues_training(tmp_path):
    x, y = _data()
    model = _model(Adam(lr=0.01), dropout=False)   # no random masks: the two models' steps are comparable
    model.fit(x, y, batch_size=10, epochs=2, verbose=0)
    path = str(tmp_path / "model.h5")
    model.save(path)
    with h5py.File(path, "r") as f:
        config = json.loads(f.attrs["model_config"])
        assert config["class_name"] == "Sequential"
        assert [c["class_name"] for c in config["config"]["layers"]] == ["Dense", "Dense"]
        assert json.loads(f.attrs["training_config"])["optimizer_config"]["class_name"] == "Adam"
        assert "model_weights" in f and "optimizer_weights" in f
    with tf.Graph().as_default():
        loaded = load_model(path)
        np.testing.assert_allclose(loaded.predict(x), model.predict(x), rtol=1e-6)
        # the optimizer's state came back too: the next steps are the same steps
        for _ in range(2):
            np.testing.assert_allclose(loaded.train_on_batch(x, y), model.train_on_batch(x, y), rtol=1e-5)


def test_functional_model_save_load(tmp_path):
    a = layers.Input(shape=(3,), name="a")
    b = layers.Input(shape=(2,), name="b")
    h = layers.Dense(4, activation="tanh")(a)
    out = layers.Dense(1)(layers.concatenate([h, b]))
    model = Model([a, b], out)
    model.compile("sgd", "mse")
    path = str(tmp_path / "f.h5")
    model.save(path)
    xa, xb = np.ones((2, 3), np.float32), np.ones((2, 2), np.float32)
    with tf.Graph().as_default():
        loaded = load_model(path)
        assert [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]
        np.testing.assert_allclose(loaded.predict([xa, xb]), model.predict([xa, xb]), rtol=1e-6)


def test_summary_and_count_params():
    model = _model()
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert "dense_1 (Dense)" in text and "(None, 8)" in text and "Total params: 58" in text
    assert model.count_params() == 4 * 8 + 8 + 8 * 2 + 2


def test_backend_function_learning_phase_gradients_values():
    x = layers.Input(shape=(1000,))
    y = layers.Dropout(0.5)(x)
    f = K.function([x, K.learning_phase()], [y])
    ones = np.ones((1, 1000), np.float32)
    np.testing.assert_array_equal(f([ones, 0])[0], ones)          # test phase: identity
    dropped = f([ones, 1])[0]
    assert set(np.unique(dropped)) == {0.0, 2.0}                  # train phase: inverted dropout
    v = K.variable(np.array([[1.0, 2.0]]), name="v")
    assert K.int_shape(v) == (1, 2) and K.eval(v).tolist() == [[1.0, 2.0]]
    K.set_value(v, [[3.0, 4.0]])
    assert K.get_value(v).tolist() == [[3.0, 4.0]]
    (g,) = K.gradients(K.sum(K.square(v)), [v])
    np.testing.assert_allclose(K.eval(g), [[6.0, 8.0]])
    assert K.int_shape(x) == (None, 1000) and K.backend() == "tensorflow"


def test_errors_in_keras_words():
    model = Sequential([layers.Dense(2, input_shape=(4,))])
    with pytest.raises(RuntimeError, match="You must compile your model before using it."):
        model.train_on_batch(np.zeros((1, 4)), np.zeros((1, 2)))
    model.compile("sgd", "categorical_crossentropy")
    with pytest.raises(ValueError, match=r"expected dense_\d+_input to have shape \(4,\) but got array "
                                         r"with shape \(3,\)"):
        model.predict(np.zeros((1, 3)))
    one = Sequential([layers.Dense(1, input_shape=(4,))])
    one.compile("sgd", "categorical_crossentropy")
    with pytest.raises(ValueError, match="You are passing a target array of shape"):
        one.train_on_batch(np.zeros((2, 4)), np.zeros((2, 1)))
    with pytest.raises(ValueError, match="Input arrays should have the same number of samples as target "
                                         "arrays. Found 2 input samples and 3 target samples."):
        model.train_on_batch(np.zeros((2, 4)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match="Unknown loss function:nope"):
        model.compile("sgd", "nope")
    with pytest.raises(ValueError, match="was called with an input that isn't a symbolic tensor"):
        layers.Dense(3)(np.zeros((1, 2)))
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 4"):
        dense = layers.Dense(1)
        dense(layers.Input(shape=(4,)))
        dense(layers.Input(shape=(5,)))


def test_utils():
    np.testing.assert_array_equal(to_categorical([0, 2, 1], 3), np.eye(3)[[0, 2, 1]])
    assert keras.utils.to_categorical([1, 3]).shape == (2, 4)
    seqs = [[1, 2, 3], [4], [5, 6, 7, 8, 9]]
    np.testing.assert_array_equal(pad_sequences(seqs, maxlen=4),
                                  [[0, 1, 2, 3], [0, 0, 0, 4], [6, 7, 8, 9]])
    np.testing.assert_array_equal(pad_sequences(seqs, maxlen=4, padding="post", truncating="post"),
                                  [[1, 2, 3, 0], [4, 0, 0, 0], [5, 6, 7, 8]])
    assert pad_sequences(seqs).shape == (3, 5)
