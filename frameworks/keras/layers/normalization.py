"""keras.layers.BatchNormalization, as tf.keras computes it."""
import frameworks.static_graph as tf

from .. import backend as K, initializers
from ..engine import InputSpec, Layer
from .core import _init_config


class BatchNormalization(Layer):
    """Normalise over every axis but `axis`: while training with the batch mean and biased variance, and
    move the statistics by moving = momentum * moving + (1 - momentum) * batch (layer updates, run by
    the training function); otherwise with the moving statistics. As tf.keras' fused kernel (4-D input,
    channel axis 1 or 3), the variance fed to the moving average is Bessel-corrected; for other inputs it
    is the biased one."""

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", moving_mean_initializer="zeros",
                 moving_variance_initializer="ones", beta_regularizer=None, gamma_regularizer=None,
                 beta_constraint=None, gamma_constraint=None, **kwargs):
        super().__init__(**kwargs)
        if any(r is not None for r in (beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint)):
            raise ValueError(f"BatchNormalization {self.name}: regularizers and constraints are not supported")
        self.supports_masking = True
        self.axis, self.momentum, self.epsilon = axis, momentum, epsilon
        self.center, self.scale = center, scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)

    def build(self, input_shape):
        dim = input_shape[self.axis]
        if dim is None:
            raise ValueError("Axis " + str(self.axis) + " of input tensor should have a defined dimension but "
                             "the layer received an input with shape " + str(input_shape) + ".")
        self.input_spec = InputSpec(ndim=len(input_shape), axes={self.axis: dim})
        shape = (dim,)
        self.gamma = self.add_weight("gamma", shape, initializer=self.gamma_initializer) if self.scale else None
        self.beta = self.add_weight("beta", shape, initializer=self.beta_initializer) if self.center else None
        self.moving_mean = self.add_weight("moving_mean", shape, initializer=self.moving_mean_initializer,
                                           trainable=False)
        self.moving_variance = self.add_weight("moving_variance", shape,
                                               initializer=self.moving_variance_initializer, trainable=False)
        self.built = True

    def call(self, inputs, training=None):
        shape = K.int_shape(inputs)
        rank = len(shape)
        ax = self.axis % rank
        reduction = [i for i in range(rank) if i != ax]
        bshape = [1] * rank
        bshape[ax] = shape[ax]

        def param(v):
            return K.reshape(v, bshape)

        def normalize(mean, variance):
            inv = tf.rsqrt(variance + self.epsilon)
            if self.scale:
                inv = inv * param(self.gamma)
            return inputs * inv + ((param(self.beta) if self.center else 0.0) - mean * inv)

        if training is False or training == 0:
            return normalize(param(self.moving_mean), param(self.moving_variance))
        mean = K.mean(inputs, axis=reduction, keepdims=True)
        variance = K.mean(K.square(inputs - K.stop_gradient(mean)), axis=reduction, keepdims=True)
        mean_c, var_c = K.reshape(mean, [shape[ax]]), K.reshape(variance, [shape[ax]])
        if rank == 4 and ax in (1, 3):   # the fused kernel's unbiased variance for the moving average
            n = tf.cast(tf.size(inputs), inputs.dtype) / float(shape[ax])
            var_c = var_c * (n / (n - 1.0))
        self.add_update([K.moving_average_update(self.moving_mean, mean_c, self.momentum),
                         K.moving_average_update(self.moving_variance, var_c, self.momentum)], inputs)
        # the phase picks the (C,)-sized statistics, then one normalization runs: our K.switch computes
        # both branches (no tf.cond), so picking the normalized outputs would normalize twice a step
        out = normalize(K.in_train_phase(mean, param(self.moving_mean), training=training),
                        K.in_train_phase(variance, param(self.moving_variance), training=training))
        if training is None:
            out._uses_learning_phase = True
        return out

    def get_config(self):
        config = {"axis": self.axis, "momentum": self.momentum, "epsilon": self.epsilon,
                  "center": self.center, "scale": self.scale,
                  "beta_initializer": _init_config(self.beta_initializer),
                  "gamma_initializer": _init_config(self.gamma_initializer),
                  "moving_mean_initializer": _init_config(self.moving_mean_initializer),
                  "moving_variance_initializer": _init_config(self.moving_variance_initializer)}
        return dict(super().get_config(), **config)
