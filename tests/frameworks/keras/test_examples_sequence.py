"""keras-team/keras 2.2 examples with sequence layers, as published with only the imports changed and small
synthetic data (sizes shrunk where a CPU test needs it; the model code is the author's): imdb_cnn (Conv1D,
GlobalMaxPooling1D), imdb_cnn_lstm (Conv1D, MaxPooling1D, LSTM), addition_rnn (RepeatVector,
TimeDistributed(Dense), LSTM / GRU / SimpleRNN), imdb_bidirectional_lstm (Bidirectional(LSTM)), mnist_irnn
(SimpleRNN with RandomNormal / Identity initializers) and the Keras blog's convolutional autoencoder
(UpSampling2D). Each checks that it trains (the loss falls) and its shapes."""
import random

import numpy as np
import pytest

from tests.frameworks.keras.datasets import imdb, mnist


@pytest.fixture(autouse=True)
def seeded():
    np.random.seed(1337)
    random.seed(1337)


def test_imdb_cnn():
    from frameworks.keras.preprocessing import sequence
    from frameworks.keras.models import Sequential
    from frameworks.keras.layers import Dense, Dropout, Activation
    from frameworks.keras.layers import Embedding
    from frameworks.keras.layers import Conv1D, GlobalMaxPooling1D

    # set parameters:
    max_features = 500
    maxlen = 40
    batch_size = 32
    embedding_dims = 16
    filters = 25
    kernel_size = 3
    hidden_dims = 25
    epochs = 4

    (x_train, y_train), (x_test, y_test) = imdb.load_data(num_words=max_features)
    x_train = sequence.pad_sequences(x_train, maxlen=maxlen)
    x_test = sequence.pad_sequences(x_test, maxlen=maxlen)

    model = Sequential()
    model.add(Embedding(max_features, embedding_dims, input_length=maxlen))
    model.add(Dropout(0.2))
    model.add(Conv1D(filters, kernel_size, padding='valid', activation='relu', strides=1))
    model.add(GlobalMaxPooling1D())
    model.add(Dense(hidden_dims))
    model.add(Dropout(0.2))
    model.add(Activation('relu'))
    model.add(Dense(1))
    model.add(Activation('sigmoid'))
    model.compile(loss='binary_crossentropy', optimizer='adam', metrics=['accuracy'])
    history = model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs,
                        validation_data=(x_test, y_test), verbose=0)
    assert history.history['loss'][-1] < history.history['loss'][0]
    assert model.layers[2].output_shape == (None, maxlen - kernel_size + 1, filters)
    assert model.layers[3].output_shape == (None, filters)
    assert [w.shape for w in model.layers[2].get_weights()] == [(kernel_size, embedding_dims, filters), (filters,)]


def test_imdb_cnn_lstm():
    from frameworks.keras.preprocessing import sequence
    from frameworks.keras.models import Sequential
    from frameworks.keras.layers import Dense, Dropout, Activation
    from frameworks.keras.layers import Embedding
    from frameworks.keras.layers import LSTM
    from frameworks.keras.layers import Conv1D, MaxPooling1D

    # Embedding
    max_features = 500
    maxlen = 40
    embedding_size = 16
    # Convolution
    kernel_size = 5
    filters = 16
    pool_size = 4
    # LSTM
    lstm_output_size = 12
    # Training
    batch_size = 30
    epochs = 4

    (x_train, y_train), (x_test, y_test) = imdb.load_data(num_words=max_features)
    x_train = sequence.pad_sequences(x_train, maxlen=maxlen)
    x_test = sequence.pad_sequences(x_test, maxlen=maxlen)

    model = Sequential()
    model.add(Embedding(max_features, embedding_size, input_length=maxlen))
    model.add(Dropout(0.25))
    model.add(Conv1D(filters, kernel_size, padding='valid', activation='relu', strides=1))
    model.add(MaxPooling1D(pool_size=pool_size))
    model.add(LSTM(lstm_output_size))
    model.add(Dense(1))
    model.add(Activation('sigmoid'))
    model.compile(loss='binary_crossentropy', optimizer='adam', metrics=['accuracy'])
    history = model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs,
                        validation_data=(x_test, y_test), verbose=0)
    score, acc = model.evaluate(x_test, y_test, batch_size=batch_size, verbose=0)
    assert history.history['loss'][-1] < history.history['loss'][0]
    assert model.layers[3].output_shape == (None, (maxlen - kernel_size + 1) // pool_size, filters)
    assert 0.0 <= acc <= 1.0


class CharacterTable(object):
    """Given a set of characters:
    + Encode them to a one hot integer representation
    + Decode the one hot integer representation to their character output
    + Decode a vector of probabilities to their character output
    """
    def __init__(self, chars):
        self.chars = sorted(set(chars))
        self.char_indices = dict((c, i) for i, c in enumerate(self.chars))
        self.indices_char = dict((i, c) for i, c in enumerate(self.chars))

    def encode(self, C, num_rows):
        x = np.zeros((num_rows, len(self.chars)))
        for i, c in enumerate(C):
            x[i, self.char_indices[c]] = 1
        return x

    def decode(self, x, calc_argmax=True):
        if calc_argmax:
            x = x.argmax(axis=-1)
        return ''.join(self.indices_char[x] for x in x)


@pytest.mark.parametrize("rnn_name", ["LSTM", "GRU", "SimpleRNN"])
def test_addition_rnn(rnn_name):
    from frameworks.keras.models import Sequential
    from frameworks.keras import layers

    # Parameters for the model and dataset.
    TRAINING_SIZE = 400
    DIGITS = 2
    REVERSE = True
    MAXLEN = DIGITS + 1 + DIGITS
    chars = '0123456789+ '
    ctable = CharacterTable(chars)

    questions = []
    expected = []
    seen = set()
    while len(questions) < TRAINING_SIZE:
        f = lambda: int(''.join(np.random.choice(list('0123456789'))  # noqa: E731
                        for i in range(np.random.randint(1, DIGITS + 1))))
        a, b = f(), f()
        key = tuple(sorted((a, b)))
        if key in seen:
            continue
        seen.add(key)
        q = '{}+{}'.format(a, b)
        query = q + ' ' * (MAXLEN - len(q))
        ans = str(a + b)
        ans += ' ' * (DIGITS + 1 - len(ans))
        if REVERSE:
            query = query[::-1]
        questions.append(query)
        expected.append(ans)

    x = np.zeros((len(questions), MAXLEN, len(chars)), dtype=bool)
    y = np.zeros((len(questions), DIGITS + 1, len(chars)), dtype=bool)
    for i, sentence in enumerate(questions):
        x[i] = ctable.encode(sentence, MAXLEN)
    for i, sentence in enumerate(expected):
        y[i] = ctable.encode(sentence, DIGITS + 1)

    indices = np.arange(len(y))
    np.random.shuffle(indices)
    x = x[indices]
    y = y[indices]
    split_at = len(x) - len(x) // 10
    (x_train, x_val) = x[:split_at], x[split_at:]
    (y_train, y_val) = y[:split_at], y[split_at:]

    # Try replacing GRU, or SimpleRNN.
    RNN = getattr(layers, rnn_name)
    HIDDEN_SIZE = 32
    BATCH_SIZE = 32
    LAYERS = 1

    model = Sequential()
    model.add(RNN(HIDDEN_SIZE, input_shape=(MAXLEN, len(chars))))
    model.add(layers.RepeatVector(DIGITS + 1))
    for _ in range(LAYERS):
        model.add(RNN(HIDDEN_SIZE, return_sequences=True))
    model.add(layers.TimeDistributed(layers.Dense(len(chars), activation='softmax')))
    model.compile(loss='categorical_crossentropy', optimizer='adam', metrics=['accuracy'])
    assert model.output_shape == (None, DIGITS + 1, len(chars))
    losses = []
    for iteration in range(1, 4):
        history = model.fit(x_train, y_train, batch_size=BATCH_SIZE, epochs=1,
                            validation_data=(x_val, y_val), verbose=0)
        losses += history.history['loss']
        for i in range(3):
            ind = np.random.randint(0, len(x_val))
            rowx, rowy = x_val[np.array([ind])], y_val[np.array([ind])]
            preds = model.predict_classes(rowx, verbose=0)
            q = ctable.decode(rowx[0])
            correct = ctable.decode(rowy[0])
            guess = ctable.decode(preds[0], calc_argmax=False)
            assert len(q) == MAXLEN and len(correct) == len(guess) == DIGITS + 1
    assert losses[-1] < losses[0]


def test_imdb_bidirectional_lstm():
    from frameworks.keras.preprocessing import sequence
    from frameworks.keras.models import Sequential
    from frameworks.keras.layers import Dense, Dropout, Embedding, LSTM, Bidirectional

    max_features = 500
    # cut texts after this number of words
    # (among top max_features most common words)
    maxlen = 20
    batch_size = 32

    (x_train, y_train), (x_test, y_test) = imdb.load_data(num_words=max_features)
    x_train = sequence.pad_sequences(x_train, maxlen=maxlen)
    x_test = sequence.pad_sequences(x_test, maxlen=maxlen)
    y_train = np.array(y_train)
    y_test = np.array(y_test)

    model = Sequential()
    model.add(Embedding(max_features, 16, input_length=maxlen))
    model.add(Bidirectional(LSTM(8)))
    model.add(Dropout(0.5))
    model.add(Dense(1, activation='sigmoid'))

    # try using different optimizers and different optimizer configs
    model.compile('adam', 'binary_crossentropy', metrics=['accuracy'])

    history = model.fit(x_train, y_train, batch_size=batch_size, epochs=4,
                        validation_data=[x_test, y_test], verbose=0)
    assert history.history['loss'][-1] < history.history['loss'][0]
    assert model.layers[1].output_shape == (None, 16)
    assert len(model.layers[1].get_weights()) == 6
    bi = model.layers[1]
    names = [w.name for w in bi.weights]   # as Keras 2.2 names them: bidirectional_1/forward_lstm_1/kernel:0
    assert names[0] == bi.name + '/forward_' + bi.layer.name + '/kernel:0'
    assert names[3] == bi.name + '/backward_' + bi.layer.name + '/kernel:0'


def test_mnist_irnn():
    from frameworks.keras.models import Sequential
    from frameworks.keras.layers import Dense, Activation
    from frameworks.keras.layers import SimpleRNN
    from frameworks.keras import initializers
    from frameworks.keras.optimizers import RMSprop
    from frameworks.keras.utils import to_categorical

    batch_size = 32
    num_classes = 10
    epochs = 3
    hidden_units = 50

    learning_rate = 1e-4

    # the data, split between train and test sets
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    # (shrunk to 7x7 = 49 steps for a CPU test; the example runs 784)
    x_train, x_test = x_train[:, ::4, ::4], x_test[:, ::4, ::4]

    x_train = x_train.reshape(x_train.shape[0], -1, 1)
    x_test = x_test.reshape(x_test.shape[0], -1, 1)
    x_train = x_train.astype('float32')
    x_test = x_test.astype('float32')
    x_train /= 255
    x_test /= 255

    # convert class vectors to binary class matrices
    y_train = to_categorical(y_train, num_classes)
    y_test = to_categorical(y_test, num_classes)

    print('Evaluate IRNN...')
    model = Sequential()
    model.add(SimpleRNN(hidden_units,
                        kernel_initializer=initializers.RandomNormal(stddev=0.001),
                        recurrent_initializer=initializers.Identity(gain=1.0),
                        activation='relu',
                        input_shape=x_train.shape[1:]))
    model.add(Dense(num_classes))
    model.add(Activation('softmax'))
    rmsprop = RMSprop(lr=learning_rate)
    model.compile(loss='categorical_crossentropy', optimizer=rmsprop, metrics=['accuracy'])

    np.testing.assert_array_equal(model.layers[0].get_weights()[1], np.eye(hidden_units))
    history = model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, verbose=0,
                        validation_data=(x_test, y_test))
    scores = model.evaluate(x_test, y_test, verbose=0)
    assert history.history['loss'][-1] < history.history['loss'][0]
    assert len(scores) == 2
    cfg = model.layers[0].get_config()
    assert cfg['recurrent_initializer'] == {'class_name': 'Identity', 'config': {'gain': 1.0}}
    assert cfg['activation'] == 'relu'


def test_conv_autoencoder_upsampling2d():
    # "Building Autoencoders in Keras" (the Keras blog), the convolutional autoencoder
    from frameworks.keras.layers import Input, Conv2D, MaxPooling2D, UpSampling2D
    from frameworks.keras.models import Model

    input_img = Input(shape=(28, 28, 1))  # adapt this if using `channels_first` image data format

    x = Conv2D(16, (3, 3), activation='relu', padding='same')(input_img)
    x = MaxPooling2D((2, 2), padding='same')(x)
    x = Conv2D(8, (3, 3), activation='relu', padding='same')(x)
    x = MaxPooling2D((2, 2), padding='same')(x)
    x = Conv2D(8, (3, 3), activation='relu', padding='same')(x)
    encoded = MaxPooling2D((2, 2), padding='same')(x)

    # at this point the representation is (4, 4, 8) i.e. 128-dimensional

    x = Conv2D(8, (3, 3), activation='relu', padding='same')(encoded)
    x = UpSampling2D((2, 2))(x)
    x = Conv2D(8, (3, 3), activation='relu', padding='same')(x)
    x = UpSampling2D((2, 2))(x)
    x = Conv2D(16, (3, 3), activation='relu')(x)
    x = UpSampling2D((2, 2))(x)
    decoded = Conv2D(1, (3, 3), activation='sigmoid', padding='same')(x)

    autoencoder = Model(input_img, decoded)
    autoencoder.compile(optimizer='adadelta', loss='binary_crossentropy')

    (x_train, _), (x_test, _) = mnist.load_data()
    x_train, x_test = x_train[:128], x_test[:32]
    x_train = x_train.astype('float32') / 255.
    x_test = x_test.astype('float32') / 255.
    x_train = np.reshape(x_train, (len(x_train), 28, 28, 1))  # adapt this if using `channels_first` image data format
    x_test = np.reshape(x_test, (len(x_test), 28, 28, 1))  # adapt this if using `channels_first` image data format

    history = autoencoder.fit(x_train, x_train, epochs=3, batch_size=32, shuffle=True,
                              validation_data=(x_test, x_test), verbose=0)
    assert history.history['loss'][-1] < history.history['loss'][0]
    assert Model(input_img, encoded).output_shape == (None, 4, 4, 8)
    assert autoencoder.output_shape == (None, 28, 28, 1)
    assert autoencoder.predict(x_test).shape == (32, 28, 28, 1)
