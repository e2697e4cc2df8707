"""keras-team/keras examples (Keras 2.x text) and the seed's two-layer net, run with only the imports
changed (`keras` -> `frameworks.keras`), synthetic data for the dataset loads, fewer epochs and samples."""
import numpy as np
import pytest

from tests.frameworks.keras.datasets import imdb, mnist


@pytest.fixture(autouse=True)
def seeded():
    """Initial weights and dropout seeds come from NumPy's global generator: fix it, as the older
    examples did with np.random.seed(1337), so the learning assertions see one repeatable run."""
    np.random.seed(1337)


def test_mnist_mlp():
    import frameworks.keras as keras
    from frameworks.keras.layers import Dense, Dropout
    from frameworks.keras.models import Sequential
    from frameworks.keras.optimizers import RMSprop

    batch_size = 128
    num_classes = 10
    epochs = 3

    # the data, split between train and test sets
    (x_train, y_train), (x_test, y_test) = mnist.load_data()

    x_train = x_train.reshape(512, 784)
    x_test = x_test.reshape(128, 784)
    x_train = x_train.astype('float32')
    x_test = x_test.astype('float32')
    x_train /= 255
    x_test /= 255
    print(x_train.shape[0], 'train samples')
    print(x_test.shape[0], 'test samples')

    # convert class vectors to binary class matrices
    y_train = keras.utils.to_categorical(y_train, num_classes)
    y_test = keras.utils.to_categorical(y_test, num_classes)

    model = Sequential()
    model.add(Dense(512, activation='relu', input_shape=(784,)))
    model.add(Dropout(0.2))
    model.add(Dense(512, activation='relu'))
    model.add(Dropout(0.2))
    model.add(Dense(num_classes, activation='softmax'))

    model.summary()

    model.compile(loss='categorical_crossentropy',
                  optimizer=RMSprop(),
                  metrics=['accuracy'])

    history = model.fit(x_train, y_train,
                        batch_size=batch_size,
                        epochs=epochs,
                        verbose=1,
                        validation_data=(x_test, y_test))
    score = model.evaluate(x_test, y_test, verbose=0)
    print('Test loss:', score[0])
    print('Test accuracy:', score[1])

    h = history.history
    assert sorted(h) == ["accuracy", "loss", "val_accuracy", "val_loss"] and len(h["loss"]) == epochs
    assert h["loss"][-1] < h["loss"][0] and score[1] > 0.9
    assert np.isclose(score[0], h["val_loss"][-1], rtol=1e-5)   # same weights, same test set
    assert model.count_params() == 784 * 512 + 512 + 512 * 512 + 512 + 512 * 10 + 10


def test_mnist_cnn():
    import frameworks.keras as keras
    from frameworks.keras.layers import Dense, Dropout, Flatten
    from frameworks.keras.layers import Conv2D, MaxPooling2D
    from frameworks.keras.models import Sequential
    from frameworks.keras import backend as K

    batch_size = 32
    num_classes = 10
    epochs = 2

    # input image dimensions
    img_rows, img_cols = 28, 28

    # the data, split between train and test sets
    (x_train, y_train), (x_test, y_test) = mnist.load_data(n_train=96, n_test=32)

    if K.image_data_format() == 'channels_first':
        x_train = x_train.reshape(x_train.shape[0], 1, img_rows, img_cols)
        x_test = x_test.reshape(x_test.shape[0], 1, img_rows, img_cols)
        input_shape = (1, img_rows, img_cols)
    else:
        x_train = x_train.reshape(x_train.shape[0], img_rows, img_cols, 1)
        x_test = x_test.reshape(x_test.shape[0], img_rows, img_cols, 1)
        input_shape = (img_rows, img_cols, 1)

    x_train = x_train.astype('float32')
    x_test = x_test.astype('float32')
    x_train /= 255
    x_test /= 255
    print('x_train shape:', x_train.shape)

    # convert class vectors to binary class matrices
    y_train = keras.utils.to_categorical(y_train, num_classes)
    y_test = keras.utils.to_categorical(y_test, num_classes)

    model = Sequential()
    model.add(Conv2D(32, kernel_size=(3, 3),
                     activation='relu',
                     input_shape=input_shape))
    model.add(Conv2D(64, (3, 3), activation='relu'))
    model.add(MaxPooling2D(pool_size=(2, 2)))
    model.add(Dropout(0.25))
    model.add(Flatten())
    model.add(Dense(128, activation='relu'))
    model.add(Dropout(0.5))
    model.add(Dense(num_classes, activation='softmax'))

    model.compile(loss=keras.losses.categorical_crossentropy,
                  optimizer=keras.optimizers.Adadelta(),
                  metrics=['accuracy'])

    history = model.fit(x_train, y_train,
                        batch_size=batch_size,
                        epochs=epochs,
                        verbose=1,
                        validation_data=(x_test, y_test))
    score = model.evaluate(x_test, y_test, verbose=0)
    print('Test loss:', score[0])
    print('Test accuracy:', score[1])

    assert K.image_data_format() == "channels_last" and model.output_shape == (None, 10)
    assert model.layers[1].output_shape == (None, 24, 24, 64)
    assert len(history.history["val_loss"]) == epochs and np.isfinite(score).all()
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_imdb_lstm():
    from frameworks.keras.preprocessing import sequence
    from frameworks.keras.models import Sequential
    from frameworks.keras.layers import Dense, Embedding
    from frameworks.keras.layers import LSTM

    max_features = 20000
    # cut texts after this number of words (among top max_features most common words)
    maxlen = 12
    batch_size = 32

    print('Loading data...')
    (x_train, y_train), (x_test, y_test) = imdb.load_data(num_words=max_features)
    print(len(x_train), 'train sequences')
    print(len(x_test), 'test sequences')

    print('Pad sequences (samples x time)')
    x_train = sequence.pad_sequences(x_train, maxlen=maxlen)
    x_test = sequence.pad_sequences(x_test, maxlen=maxlen)
    print('x_train shape:', x_train.shape)
    print('x_test shape:', x_test.shape)

    print('Build model...')
    model = Sequential()
    model.add(Embedding(max_features, 128))
    model.add(LSTM(128, dropout=0.2, recurrent_dropout=0.2))
    model.add(Dense(1, activation='sigmoid'))

    # try using different optimizers and different optimizer configs
    model.compile(loss='binary_crossentropy',
                  optimizer='adam',
                  metrics=['accuracy'])

    print('Train...')
    history = model.fit(x_train, y_train,
                        batch_size=batch_size,
                        epochs=3,
                        validation_data=(x_test, y_test))
    score, acc = model.evaluate(x_test, y_test,
                                batch_size=batch_size)
    print('Test score:', score)
    print('Test accuracy:', acc)

    assert x_train.shape == (128, maxlen) and x_train.dtype == np.int32
    assert model.input_shape == (None, maxlen)   # built from the padded data
    assert history.history["loss"][-1] < history.history["loss"][0] and 0.0 <= acc <= 1.0


def test_seed_two_layer_net_matches_numpy():
    # the seed comparison's Keras two-layer net: Sequential of two Dense, MSE, SGD(lr=...), fit
    from frameworks.keras.models import Sequential
    from frameworks.keras.layers import Dense
    from frameworks.keras.optimizers import SGD

    N, D_in, H, D_out = 64, 1000, 100, 10
    x = np.random.randn(N, D_in)
    y = np.random.randn(N, D_out)

    model = Sequential()
    model.add(Dense(H, input_dim=D_in, activation='relu'))
    model.add(Dense(D_out))
    model.compile(loss='mean_squared_error', optimizer=SGD(lr=1e-2))
    w1, b1, w2, b2 = [w.astype(np.float64) for w in model.get_weights()]
    history = model.fit(x, y, epochs=20, batch_size=N, verbose=0)

    # the same arithmetic by hand: mean over samples of the mean over outputs, plain SGD
    losses = []
    for _ in range(20):
        h = np.maximum(x @ w1 + b1, 0)
        pred = h @ w2 + b2
        losses.append(np.mean((pred - y) ** 2))
        g_pred = 2 * (pred - y) / (N * D_out)
        g_w2, g_b2 = h.T @ g_pred, g_pred.sum(0)
        g_h = (g_pred @ w2.T) * (h > 0)
        g_w1, g_b1 = x.T @ g_h, g_h.sum(0)
        for p, g in ((w1, g_w1), (b1, g_b1), (w2, g_w2), (b2, g_b2)):
            p -= 1e-2 * g
    np.testing.assert_allclose(history.history["loss"], losses, rtol=1e-4)
    np.testing.assert_allclose(model.get_weights()[2], w2, rtol=1e-3, atol=1e-5)
