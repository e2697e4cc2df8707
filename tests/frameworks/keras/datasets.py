"""Stand-ins for keras.datasets (no download): mnist and imdb with their shapes and dtypes, few samples,
and a pattern a model can learn (each class lights its own block of pixels / favours its own words)."""
import types

import numpy as np


def _mnist_load_data(n_train=512, n_test=128, seed=0):
    rs = np.random.RandomState(seed)

    def draw(n):
        y = rs.randint(0, 10, size=n).astype(np.uint8)
        x = rs.randint(0, 64, size=(n, 28, 28)).astype(np.uint8)
        for i, c in enumerate(y):
            r, col = divmod(int(c), 5)
            x[i, 4 + 10 * r:10 + 10 * r, 2 + 5 * col:6 + 5 * col] = 255
        return x, y
    return draw(n_train), draw(n_test)


def _imdb_load_data(num_words=None, n_train=128, n_test=64, seed=0, **kwargs):
    rs = np.random.RandomState(seed)
    vocab = num_words or 5000

    def draw(n):
        y = rs.randint(0, 2, size=n).astype(np.int64)
        xs = []
        for label in y:
            length = rs.randint(5, 40)
            words = rs.randint(4, vocab, size=length)
            marker = 1 if label else 2   # a word that only positive (1) or negative (2) reviews use
            words[rs.randint(0, length, size=3)] = marker
            xs.append(list(int(w) for w in words))
        return np.array(xs, dtype=object), y
    return draw(n_train), draw(n_test)


mnist = types.SimpleNamespace(load_data=_mnist_load_data)
imdb = types.SimpleNamespace(load_data=_imdb_load_data)
