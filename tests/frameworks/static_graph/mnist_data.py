"""A synthetic stand-in for tensorflow.examples.tutorials.mnist.input_data: the same DataSet API
(`mnist.train.next_batch(n)`, `mnist.test.images`, `mnist.test.labels`), learnable labels, no download."""
import numpy as np


class DataSet:
    def __init__(self, images, labels):
        self.images, self.labels = images, labels
        self.num_examples = len(images)
        self._pos = 0

    def next_batch(self, batch_size, fake_data=False, shuffle=True):
        if self._pos + batch_size > self.num_examples:
            self._pos = 0
        s = slice(self._pos, self._pos + batch_size)
        self._pos += batch_size
        return self.images[s], self.labels[s]


class Datasets:
    def __init__(self, train, validation, test):
        self.train, self.validation, self.test = train, validation, test


def read_data_sets(train_dir=None, fake_data=False, one_hot=False, n_train=600, n_test=200, seed=0):
    """input_data.read_data_sets's signature (train_dir, fake_data, one_hot, ...); the test set doubles as
    the validation set."""
    """Images in [0, 1) (N, 784) whose class is the brightest of ten fixed pixel groups."""
    rs = np.random.RandomState(seed)
    groups = rs.permutation(784)[:700].reshape(10, 70)

    def make(n):
        x = rs.uniform(0, 0.5, (n, 784)).astype(np.float32)
        y = rs.randint(0, 10, n)
        for i, c in enumerate(y):
            x[i, groups[c]] += 0.5
        labels = np.eye(10, dtype=np.float32)[y] if one_hot else y.astype(np.int64)
        return DataSet(x, labels)
    train, test = make(n_train), make(n_test)
    return Datasets(train, test, test)
