"""keras.layers noise: GaussianNoise, GaussianDropout and AlphaDropout, active only in the training phase."""
import statistics

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


class AlphaDropout(Layer):
    """Dropout that keeps SELU's self-normalizing mean and variance: dropped units take SELU's negative
    saturation value, then an affine correction (a, b) restores the moments; training phase only."""

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = rate
        self.noise_shape = noise_shape
        self.seed = seed
        self.supports_masking = True

    def _get_noise_shape(self, inputs):
        return self.noise_shape if self.noise_shape else K.shape(inputs)

    def call(self, inputs, training=None):
        if 0. < self.rate < 1.:
            noise_shape = self._get_noise_shape(inputs)

            def dropped_inputs(inputs=inputs, rate=self.rate, seed=self.seed):
                alpha = 1.6732632423543772848170429916717
                scale = 1.0507009873554804934193349852946
                alpha_p = -alpha * scale
                # kept with probability 1 - rate (a normal draw above its `rate` quantile: the shape may be
                # known only at run time)
                z = K.random_normal(noise_shape, seed=seed)
                kept_idx = K.cast(K.greater(z, statistics.NormalDist().inv_cdf(rate)), K.floatx())
                a = ((1 - rate) * (1 + rate * alpha_p ** 2)) ** -0.5
                b = -a * alpha_p * rate
                x = inputs * kept_idx + (1 - kept_idx) * alpha_p
                return a * x + b
            return K.in_train_phase(dropped_inputs, inputs, training=training)
        return inputs

    def get_config(self):
        return dict(super().get_config(), rate=self.rate)
