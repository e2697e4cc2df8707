"""More keras-team/keras 2.2 examples, as published with only the imports changed and synthetic data:
imdb_fasttext (Embedding + GlobalAveragePooling1D), mnist_siamese (a shared base Model called twice, a
Lambda distance with output_shape, a custom loss and metric) and antirectifier (a Layer subclass with
K.l2_normalize); the new pieces are checked against NumPy."""
import random

import numpy as np
import pytest

from tests.frameworks.keras.datasets import imdb, mnist


@pytest.fixture(autouse=True)
def seeded():
    np.random.seed(1337)
    random.seed(1337)


def test_imdb_fasttext_bigram_free():
    from frameworks.keras.preprocessing import sequence
    from frameworks.keras.models import Sequential
    from frameworks.keras.layers import Dense, Embedding, GlobalAveragePooling1D

    max_features = 500
    maxlen = 40
    batch_size = 32
    embedding_dims = 50
    epochs = 8
    (x_train, y_train), (x_test, y_test) = imdb.load_data(num_words=max_features)
    x_train = sequence.pad_sequences(x_train, maxlen=maxlen)
    x_test = sequence.pad_sequences(x_test, maxlen=maxlen)
    model = Sequential()
    model.add(Embedding(max_features, embedding_dims, input_length=maxlen))
    model.add(GlobalAveragePooling1D())
    model.add(Dense(1, activation='sigmoid'))
    model.compile(loss='binary_crossentropy', optimizer='adam', metrics=['accuracy'])
    history = model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs,
                        validation_data=(x_test, y_test), verbose=0)
    assert history.history['loss'][-1] < history.history['loss'][0]
    # the pooled layer is the mean of the embedded rows
    emb = model.layers[0].get_weights()[0]
    from frameworks.keras import backend as K
    f = K.function([model.input], [model.layers[1].output])
    np.testing.assert_allclose(f([x_test[:3]])[0], emb[x_test[:3]].mean(axis=1), rtol=1e-5, atol=1e-7)


def test_mnist_siamese():
    from frameworks.keras.models import Model
    from frameworks.keras.layers import Input, Flatten, Dense, Dropout, Lambda
    from frameworks.keras.optimizers import RMSprop
    from frameworks.keras import backend as K

    num_classes = 10
    epochs = 3

    def euclidean_distance(vects):
        x, y = vects
        sum_square = K.sum(K.square(x - y), axis=1, keepdims=True)
        return K.sqrt(K.maximum(sum_square, K.epsilon()))

    def eucl_dist_output_shape(shapes):
        shape1, shape2 = shapes
        return (shape1[0], 1)

    def contrastive_loss(y_true, y_pred):
        margin = 1
        sqaure_pred = K.square(y_pred)
        margin_square = K.square(K.maximum(margin - y_pred, 0))
        return K.mean(y_true * sqaure_pred + (1 - y_true) * margin_square)

    def create_pairs(x, digit_indices):
        pairs = []
        labels = []
        n = min([len(digit_indices[d]) for d in range(num_classes)]) - 1
        for d in range(num_classes):
            for i in range(n):
                z1, z2 = digit_indices[d][i], digit_indices[d][i + 1]
                pairs += [[x[z1], x[z2]]]
                inc = random.randrange(1, num_classes)
                dn = (d + inc) % num_classes
                z1, z2 = digit_indices[d][i], digit_indices[dn][i]
                pairs += [[x[z1], x[z2]]]
                labels += [1, 0]
        return np.array(pairs), np.array(labels)

    def create_base_network(input_shape):
        input = Input(shape=input_shape)
        x = Flatten()(input)
        x = Dense(128, activation='relu')(x)
        x = Dropout(0.1)(x)
        x = Dense(128, activation='relu')(x)
        x = Dropout(0.1)(x)
        x = Dense(128, activation='relu')(x)
        return Model(input, x)

    def compute_accuracy(y_true, y_pred):
        pred = y_pred.ravel() < 0.5
        return np.mean(pred == y_true)

    def accuracy(y_true, y_pred):
        return K.mean(K.equal(y_true, K.cast(y_pred < 0.5, y_true.dtype)))

    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    x_train = x_train.astype('float32')
    x_test = x_test.astype('float32')
    x_train /= 255
    x_test /= 255
    input_shape = x_train.shape[1:]
    digit_indices = [np.where(y_train == i)[0] for i in range(num_classes)]
    tr_pairs, tr_y = create_pairs(x_train, digit_indices)
    digit_indices = [np.where(y_test == i)[0] for i in range(num_classes)]
    te_pairs, te_y = create_pairs(x_test, digit_indices)
    base_network = create_base_network(input_shape)
    input_a = Input(shape=input_shape)
    input_b = Input(shape=input_shape)
    processed_a = base_network(input_a)
    processed_b = base_network(input_b)
    distance = Lambda(euclidean_distance,
                      output_shape=eucl_dist_output_shape)([processed_a, processed_b])
    model = Model([input_a, input_b], distance)
    rms = RMSprop()
    model.compile(loss=contrastive_loss, optimizer=rms, metrics=[accuracy])
    model.fit([tr_pairs[:, 0], tr_pairs[:, 1]], tr_y, batch_size=128, epochs=epochs,
              validation_data=([te_pairs[:, 0], te_pairs[:, 1]], te_y), verbose=0)
    y_pred = model.predict([tr_pairs[:, 0], tr_pairs[:, 1]])
    tr_acc = compute_accuracy(tr_y, y_pred)
    y_pred = model.predict([te_pairs[:, 0], te_pairs[:, 1]])
    te_acc = compute_accuracy(te_y, y_pred)
    assert K.int_shape(distance) == (None, 1)
    assert len(model.trainable_weights) == 6   # one shared base network
    assert tr_acc > 0.9 and te_acc > 0.8
    # the distance is the base network's features' Euclidean distance
    feats = base_network.predict(te_pairs[:4, 0]), base_network.predict(te_pairs[:4, 1])
    ref = np.sqrt(np.maximum(((feats[0] - feats[1]) ** 2).sum(1, keepdims=True), K.epsilon()))
    np.testing.assert_allclose(model.predict([te_pairs[:4, 0], te_pairs[:4, 1]]), ref, rtol=1e-5)


def test_antirectifier():
    import frameworks.keras as keras
    from frameworks.keras.models import Sequential
    from frameworks.keras import layers
    from frameworks.keras import backend as K

    class Antirectifier(layers.Layer):
        def compute_output_shape(self, input_shape):
            shape = list(input_shape)
            assert len(shape) == 2  # only valid for 2D tensors
            shape[-1] *= 2
            return tuple(shape)

        def call(self, inputs):
            inputs -= K.mean(inputs, axis=1, keepdims=True)
            inputs = K.l2_normalize(inputs, axis=1)
            pos = K.relu(inputs)
            neg = K.relu(-inputs)
            return K.concatenate([pos, neg], axis=1)

    batch_size = 128
    num_classes = 10
    epochs = 3
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    x_train = x_train.reshape(512, 784)
    x_test = x_test.reshape(128, 784)
    x_train = x_train.astype('float32')
    x_test = x_test.astype('float32')
    x_train /= 255
    x_test /= 255
    y_train = keras.utils.to_categorical(y_train, num_classes)
    y_test = keras.utils.to_categorical(y_test, num_classes)
    model = Sequential()
    model.add(layers.Dense(256, input_shape=(784,)))
    model.add(Antirectifier())
    model.add(layers.Dropout(0.1))
    model.add(layers.Dense(256))
    model.add(Antirectifier())
    model.add(layers.Dropout(0.1))
    model.add(layers.Dense(num_classes))
    model.add(layers.Activation('softmax'))
    model.compile(loss='categorical_crossentropy', optimizer='rmsprop', metrics=['accuracy'])
    history = model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, verbose=0,
                        validation_data=(x_test, y_test))
    assert model.layers[1].output_shape == (None, 512)
    assert history.history['val_acc' if 'val_acc' in history.history else 'val_accuracy'][-1] > 0.8
    f = K.function([model.input], [model.layers[1].output])
    h = x_test[:3] @ model.layers[0].get_weights()[0] + model.layers[0].get_weights()[1]
    h = h - h.mean(1, keepdims=True)
    h = h / np.sqrt(np.maximum((h ** 2).sum(1, keepdims=True), 1e-12))
    np.testing.assert_allclose(f([x_test[:3]])[0], np.concatenate([np.maximum(h, 0), np.maximum(-h, 0)], 1),
                               rtol=1e-4, atol=1e-6)


def test_lambda_infers_its_shape_and_refuses_to_be_saved(tmp_path):
    from frameworks.keras.models import Sequential
    from frameworks.keras.layers import Dense, Lambda, GlobalMaxPooling1D
    from frameworks.keras import backend as K
    model = Sequential([Dense(4, input_shape=(3, 5)), Lambda(lambda x: K.square(x) * 2.0), GlobalMaxPooling1D()])
    assert model.layers[1].output_shape == (None, 3, 4) and model.output_shape == (None, 4)
    x = np.random.rand(2, 3, 5).astype("float32")
    w, b = model.layers[0].get_weights()
    np.testing.assert_allclose(model.predict(x), ((x @ w + b) ** 2 * 2).max(axis=1), rtol=1e-5)
    with pytest.raises(NotImplementedError, match="Lambda layer .*save_weights"):
        model.save(str(tmp_path / "m.h5"))
    model.save_weights(str(tmp_path / "w.h5"))
