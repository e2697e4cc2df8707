"""keras-team/keras 2.2 examples with sequence and newer layers, as published with only the imports changed
and small synthetic data (sizes shrunk where a CPU test needs it; the model code is the author's): imdb_cnn
(Conv1D, GlobalMaxPooling1D), imdb_cnn_lstm (Conv1D, MaxPooling1D, LSTM), addition_rnn (RepeatVector,
TimeDistributed(Dense), LSTM / GRU / SimpleRNN), imdb_bidirectional_lstm (Bidirectional(LSTM)), mnist_irnn
(SimpleRNN with RandomNormal / Identity initializers), the Keras blog's convolutional autoencoder
(UpSampling2D), lstm_seq2seq with GRU (initial_state), variational_autoencoder (add_loss, compile without a
loss), babi_memnn (dot, Permute), mnist_hierarchical_rnn (TimeDistributed(LSTM)) and
mnist_denoising_autoencoder. Each checks that it trains (the loss falls) and its shapes."""
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


def test_seq2seq_gru_encoder_states_feed_the_decoder():
    # lstm_seq2seq.py with GRU (one state) as its comments suggest. The time axes are given: this Keras
    # unrolls the loop into the graph, so Input(shape=(None, tokens)) is refused with that reason.
    from frameworks.keras.models import Model
    from frameworks.keras.layers import Input, GRU, Dense

    batch_size = 16
    epochs = 8
    latent_dim = 16
    input_texts = [''.join(np.random.choice(list('abcde'), 4)) for _ in range(64)]
    target_texts = ['\t' + t[::-1] + '\n' for t in input_texts]
    input_characters = sorted(set(''.join(input_texts)))
    target_characters = sorted(set(''.join(target_texts)))
    num_encoder_tokens = len(input_characters)
    num_decoder_tokens = len(target_characters)
    max_encoder_seq_length = max([len(txt) for txt in input_texts])
    max_decoder_seq_length = max([len(txt) for txt in target_texts])
    input_token_index = dict([(char, i) for i, char in enumerate(input_characters)])
    target_token_index = dict([(char, i) for i, char in enumerate(target_characters)])
    encoder_input_data = np.zeros((len(input_texts), max_encoder_seq_length, num_encoder_tokens), dtype='float32')
    decoder_input_data = np.zeros((len(input_texts), max_decoder_seq_length, num_decoder_tokens), dtype='float32')
    decoder_target_data = np.zeros((len(input_texts), max_decoder_seq_length, num_decoder_tokens), dtype='float32')
    for i, (input_text, target_text) in enumerate(zip(input_texts, target_texts)):
        for t, char in enumerate(input_text):
            encoder_input_data[i, t, input_token_index[char]] = 1.
        for t, char in enumerate(target_text):
            decoder_input_data[i, t, target_token_index[char]] = 1.
            if t > 0:
                decoder_target_data[i, t - 1, target_token_index[char]] = 1.

    encoder_inputs = Input(shape=(max_encoder_seq_length, num_encoder_tokens))
    encoder = GRU(latent_dim, return_state=True)
    encoder_outputs, state_h = encoder(encoder_inputs)
    decoder_inputs = Input(shape=(max_decoder_seq_length, num_decoder_tokens))
    decoder_gru = GRU(latent_dim, return_sequences=True, return_state=True)
    decoder_outputs, _ = decoder_gru(decoder_inputs, initial_state=state_h)
    decoder_dense = Dense(num_decoder_tokens, activation='softmax')
    decoder_outputs = decoder_dense(decoder_outputs)
    model = Model([encoder_inputs, decoder_inputs], decoder_outputs)
    # the encoder is found through the decoder's initial state: its weights train
    assert encoder in model.layers and len(model.trainable_weights) == 3 + 3 + 2
    model.compile(optimizer='rmsprop', loss='categorical_crossentropy')
    history = model.fit([encoder_input_data, decoder_input_data], decoder_target_data, batch_size=batch_size,
                        epochs=epochs, validation_split=0.2, verbose=0)
    assert history.history['loss'][-1] < history.history['loss'][0]

    # inference: one decoder step at a time from the encoder's state
    encoder_model = Model(encoder_inputs, state_h)
    decoder_state_input_h = Input(shape=(latent_dim,))
    step_inputs = Input(shape=(1, num_decoder_tokens))
    step_outputs, step_h = decoder_gru(step_inputs, initial_state=[decoder_state_input_h])
    step_outputs = decoder_dense(step_outputs)
    decoder_model = Model([step_inputs, decoder_state_input_h], [step_outputs, step_h])
    states_value = encoder_model.predict(encoder_input_data[:1])
    target_seq = np.zeros((1, 1, num_decoder_tokens))
    target_seq[0, 0, target_token_index['\t']] = 1.
    output_tokens, h = decoder_model.predict([target_seq, states_value])
    assert output_tokens.shape == (1, 1, num_decoder_tokens) and h.shape == (1, latent_dim)
    # the step model and the training model agree on the first step
    full = model.predict([encoder_input_data[:1], decoder_input_data[:1]])
    np.testing.assert_allclose(output_tokens[0, 0], full[0, 0], rtol=1e-4, atol=1e-6)


def test_variational_autoencoder_add_loss_and_compile_without_loss():
    # keras-team/keras 2.2.4 examples/variational_autoencoder.py (MLP), its argparse / plot_model /
    # matplotlib parts left out: the model's loss comes only from vae.add_loss; compile(optimizer) alone
    from frameworks.keras.layers import Lambda, Input, Dense
    from frameworks.keras.models import Model
    from frameworks.keras.losses import mse, binary_crossentropy
    from frameworks.keras import backend as K

    def sampling(args):
        z_mean, z_log_var = args
        batch = K.shape(z_mean)[0]
        dim = K.int_shape(z_mean)[1]
        # by default, random_normal has mean=0 and std=1.0
        epsilon = K.random_normal(shape=(batch, dim))
        return z_mean + K.exp(0.5 * z_log_var) * epsilon

    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    x_train, x_test = x_train[:256], x_test[:64]
    image_size = x_train.shape[1]
    original_dim = image_size * image_size
    x_train = np.reshape(x_train, [-1, original_dim])
    x_test = np.reshape(x_test, [-1, original_dim])
    x_train = x_train.astype('float32') / 255
    x_test = x_test.astype('float32') / 255

    # network parameters
    input_shape = (original_dim, )
    intermediate_dim = 64
    batch_size = 64
    latent_dim = 2
    epochs = 4

    # VAE model = encoder + decoder
    # build encoder model
    inputs = Input(shape=input_shape, name='encoder_input')
    x = Dense(intermediate_dim, activation='relu')(inputs)
    z_mean = Dense(latent_dim, name='z_mean')(x)
    z_log_var = Dense(latent_dim, name='z_log_var')(x)
    z = Lambda(sampling, output_shape=(latent_dim,), name='z')([z_mean, z_log_var])
    encoder = Model(inputs, [z_mean, z_log_var, z], name='encoder')

    # build decoder model
    latent_inputs = Input(shape=(latent_dim,), name='z_sampling')
    x = Dense(intermediate_dim, activation='relu')(latent_inputs)
    outputs = Dense(original_dim, activation='sigmoid')(x)
    decoder = Model(latent_inputs, outputs, name='decoder')

    # instantiate VAE model
    outputs = decoder(encoder(inputs)[2])
    vae = Model(inputs, outputs, name='vae_mlp')

    for use_mse in (False, True):
        if use_mse:
            reconstruction_loss = mse(inputs, outputs)
        else:
            reconstruction_loss = binary_crossentropy(inputs, outputs)
        reconstruction_loss *= original_dim
        kl_loss = 1 + z_log_var - K.square(z_mean) - K.exp(z_log_var)
        kl_loss = K.sum(kl_loss, axis=-1)
        kl_loss *= -0.5
        vae_loss = K.mean(reconstruction_loss + kl_loss)
        vae.add_loss(vae_loss)
        vae.compile(optimizer='adam')
        before = vae.evaluate(x_test, None, verbose=0)
        history = vae.fit(x_train, epochs=epochs, batch_size=batch_size, validation_data=(x_test, None),
                          verbose=0)
        assert history.history['loss'][-1] < history.history['loss'][0]
        assert vae.evaluate(x_test, None, verbose=0) < before
        assert 'val_loss' in history.history
        vae._losses = []   # the example builds one of the two; start the other afresh

    z_mean_v, _, _ = encoder.predict(x_test, batch_size=batch_size)
    assert z_mean_v.shape == (64, latent_dim)
    assert decoder.predict(np.zeros((1, latent_dim))).shape == (1, original_dim)
    with pytest.raises(ValueError, match="no loss to optimize"):
        decoder.compile(optimizer='adam')


def test_babi_memnn():
    # keras-team/keras 2.2 examples/babi_memnn.py's model (Sequential encoders called on Inputs, dot over
    # axes (2, 2), add, Permute, concatenate, LSTM); synthetic stories whose answer is the question's
    # first word
    from frameworks.keras.models import Sequential, Model
    from frameworks.keras.layers.embeddings import Embedding
    from frameworks.keras.layers import Input, Activation, Dense, Permute, Dropout
    from frameworks.keras.layers import add, dot, concatenate
    from frameworks.keras.layers import LSTM

    vocab_size, story_maxlen, query_maxlen = 12, 20, 4
    inputs_train = np.random.randint(1, vocab_size, (128, story_maxlen))
    queries_train = np.random.randint(1, vocab_size, (128, query_maxlen))
    answers_train = queries_train[:, 0]

    # placeholders
    input_sequence = Input((story_maxlen,))
    question = Input((query_maxlen,))

    # encoders
    # embed the input sequence into a sequence of vectors
    input_encoder_m = Sequential()
    input_encoder_m.add(Embedding(input_dim=vocab_size, output_dim=64))
    input_encoder_m.add(Dropout(0.3))
    # output: (samples, story_maxlen, embedding_dim)

    # embed the input into a sequence of vectors of size query_maxlen
    input_encoder_c = Sequential()
    input_encoder_c.add(Embedding(input_dim=vocab_size, output_dim=query_maxlen))
    input_encoder_c.add(Dropout(0.3))
    # output: (samples, story_maxlen, query_maxlen)

    # embed the question into a sequence of vectors
    question_encoder = Sequential()
    question_encoder.add(Embedding(input_dim=vocab_size, output_dim=64, input_length=query_maxlen))
    question_encoder.add(Dropout(0.3))
    # output: (samples, query_maxlen, embedding_dim)

    # encode input sequence and questions (which are indices)
    # to sequences of dense vectors
    input_encoded_m = input_encoder_m(input_sequence)
    input_encoded_c = input_encoder_c(input_sequence)
    question_encoded = question_encoder(question)

    # compute a 'match' between the first input vector sequence
    # and the question vector sequence
    # shape: `(samples, story_maxlen, query_maxlen)`
    match = dot([input_encoded_m, question_encoded], axes=(2, 2))
    match = Activation('softmax')(match)

    # add the match matrix with the second input vector sequence
    response = add([match, input_encoded_c])  # (samples, story_maxlen, query_maxlen)
    response = Permute((2, 1))(response)  # (samples, query_maxlen, story_maxlen)

    # concatenate the match matrix with the question vector sequence
    answer = concatenate([response, question_encoded])

    # the original paper uses a matrix multiplication for this reduction step.
    # we choose to use a RNN instead.
    answer = LSTM(32)(answer)  # (samples, 32)

    # one regularization layer -- more would probably be needed.
    answer = Dropout(0.3)(answer)
    answer = Dense(vocab_size)(answer)  # (samples, vocab_size)
    # we output a probability distribution over the vocabulary
    answer = Activation('softmax')(answer)

    # build the final model
    model = Model([input_sequence, question], answer)
    model.compile(optimizer='rmsprop', loss='sparse_categorical_crossentropy', metrics=['accuracy'])
    assert K_shape(match) == (None, story_maxlen, query_maxlen)
    assert K_shape(answer) == (None, vocab_size)

    # train
    history = model.fit([inputs_train, queries_train], answers_train, batch_size=32, epochs=6, verbose=0)
    assert history.history['loss'][-1] < history.history['loss'][0]


def K_shape(x):  # noqa: N802
    from frameworks.keras import backend as K
    return K.int_shape(x)


def test_mnist_hierarchical_rnn():
    # keras-team/keras 2.2 examples/mnist_hierarchical_rnn.py: TimeDistributed(LSTM) over the rows, then an
    # LSTM over the encoded rows (images shrunk to 7x7)
    from frameworks.keras.models import Model
    from frameworks.keras.layers import Input, Dense, TimeDistributed
    from frameworks.keras.layers import LSTM
    from frameworks.keras.utils import to_categorical

    batch_size = 32
    num_classes = 10
    epochs = 3
    row_hidden = 16
    col_hidden = 16

    (x_train, y_train), (x_test, y_test) = mnist.load_data(n_train=256, n_test=64)
    x_train, x_test = x_train[:, ::4, ::4], x_test[:, ::4, ::4]
    x_train = x_train.reshape(x_train.shape[0], x_train.shape[1], x_train.shape[2], 1)
    x_test = x_test.reshape(x_test.shape[0], x_test.shape[1], x_test.shape[2], 1)
    x_train = x_train.astype('float32')
    x_test = x_test.astype('float32')
    x_train /= 255
    x_test /= 255
    y_train = to_categorical(y_train, num_classes)
    y_test = to_categorical(y_test, num_classes)

    row, col, pixel = x_train.shape[1:]
    x = Input(shape=(row, col, pixel))
    encoded_rows = TimeDistributed(LSTM(row_hidden))(x)
    encoded_columns = LSTM(col_hidden)(encoded_rows)
    prediction = Dense(num_classes, activation='softmax')(encoded_columns)
    model = Model(x, prediction)
    model.compile(loss='categorical_crossentropy', optimizer='rmsprop', metrics=['accuracy'])
    history = model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, verbose=0,
                        validation_data=(x_test, y_test))
    assert history.history['loss'][-1] < history.history['loss'][0]
    assert model.layers[1].output_shape == (None, row, row_hidden)
    scores = model.evaluate(x_test, y_test, verbose=0)
    assert len(scores) == 2


def test_mnist_denoising_autoencoder():
    # keras-team/keras 2.2 examples/mnist_denoising_autoencoder.py (fewer samples and epochs, no plots)
    from frameworks.keras.layers import Activation, Dense, Input
    from frameworks.keras.layers import Conv2D, Flatten
    from frameworks.keras.layers import Reshape, Conv2DTranspose
    from frameworks.keras.models import Model
    from frameworks.keras import backend as K

    (x_train, _), (x_test, _) = mnist.load_data(n_train=64, n_test=16)
    image_size = x_train.shape[1]
    x_train = np.reshape(x_train, [-1, image_size, image_size, 1])
    x_test = np.reshape(x_test, [-1, image_size, image_size, 1])
    x_train = x_train.astype('float32') / 255
    x_test = x_test.astype('float32') / 255

    # Generate corrupted MNIST images by adding noise with normal dist
    # centered at 0.5 and std=0.5
    noise = np.random.normal(loc=0.5, scale=0.5, size=x_train.shape)
    x_train_noisy = x_train + noise
    noise = np.random.normal(loc=0.5, scale=0.5, size=x_test.shape)
    x_test_noisy = x_test + noise
    x_train_noisy = np.clip(x_train_noisy, 0., 1.)
    x_test_noisy = np.clip(x_test_noisy, 0., 1.)

    # Network parameters
    input_shape = (image_size, image_size, 1)
    batch_size = 32
    kernel_size = 3
    latent_dim = 16
    # Encoder/Decoder number of CNN layers and filters per layer
    layer_filters = [32, 64]

    # Build the Autoencoder Model
    # First build the Encoder Model
    inputs = Input(shape=input_shape, name='encoder_input')
    x = inputs
    for filters in layer_filters:
        x = Conv2D(filters=filters, kernel_size=kernel_size, strides=2, activation='relu', padding='same')(x)
    shape = K.int_shape(x)
    x = Flatten()(x)
    latent = Dense(latent_dim, name='latent_vector')(x)
    encoder = Model(inputs, latent, name='encoder')

    # Build the Decoder Model
    latent_inputs = Input(shape=(latent_dim,), name='decoder_input')
    x = Dense(shape[1] * shape[2] * shape[3])(latent_inputs)
    x = Reshape((shape[1], shape[2], shape[3]))(x)
    for filters in layer_filters[::-1]:
        x = Conv2DTranspose(filters=filters, kernel_size=kernel_size, strides=2, activation='relu',
                            padding='same')(x)
    x = Conv2DTranspose(filters=1, kernel_size=kernel_size, padding='same')(x)
    outputs = Activation('sigmoid', name='decoder_output')(x)
    decoder = Model(latent_inputs, outputs, name='decoder')

    # Autoencoder = Encoder + Decoder
    autoencoder = Model(inputs, decoder(encoder(inputs)), name='autoencoder')
    autoencoder.compile(loss='mse', optimizer='adam')
    history = autoencoder.fit(x_train_noisy, x_train, validation_data=(x_test_noisy, x_test), epochs=3,
                              batch_size=batch_size, verbose=0)
    x_decoded = autoencoder.predict(x_test_noisy)
    assert shape == (None, 7, 7, 64)
    assert x_decoded.shape == x_test.shape
    assert history.history['loss'][-1] < history.history['loss'][0]
