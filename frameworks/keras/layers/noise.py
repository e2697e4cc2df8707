"""keras.layers noise: GaussianNoise and GaussianDropout, active only in the training phase."""
import numpy as np

from .. import backend as K
from ..engine import Layer


class GaussianNoise(Layer):
    """x + N(0, stddev^2) noise while training, x otherwise."""

    def __init__(self, stddev, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.stddev = stddev

    def call(self, inputs, training=None):
        def noised():
            return inputs + K.random_normal(shape=K.shape(inputs), mean=0.0, stddev=self.stddev)
        return K.in_train_phase(noised, inputs, training=training)

    def get_config(self):
        return dict(super().get_config(), stddev=self.stddev)


class GaussianDropout(Layer):
    """x * N(1, rate / (1 - rate)) noise while training, x otherwise."""

    def __init__(self, rate, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.rate = rate

    def call(self, inputs, training=None):
        if 0 < self.rate < 1:
            def noised():
                stddev = np.sqrt(self.rate / (1.0 - self.rate))
                return inputs * K.random_normal(shape=K.shape(inputs), mean=1.0, stddev=stddev)
            return K.in_train_phase(noised, inputs, training=training)
        return inputs

    def get_config(self):
        return dict(super().get_config(), rate=self.rate)
