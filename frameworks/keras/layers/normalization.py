"""keras.layers.BatchNormalization, as tf.keras computes it."""
import frameworks.static_graph as tf

from .. import backend as K, initializers
from ..engine import InputSpec, Layer
from .core import _init_config


class BatchNormalization(Layer):
    """Normalise over every axis but `axis`: while training with the batch mean and biased variance, and
    move the statistics by moving = momentum * moving + (1 - momentum) * batch (layer updates, run by
    the training function); otherwise with the moving statistics. A 4-D input with the channel axis 1 or 3
    runs tf.keras' fused path, one tf.nn.fused_batch_norm op (epsilon at least 1.001e-5, the variance fed to
    the moving average Bessel-corrected); other inputs are normalized by ops, the biased variance moving."""

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
            if rank == 4 and ax in (1, 3):
                return self._fused(inputs, ax, training=False)[0]
            return normalize(param(self.moving_mean), param(self.moving_variance))
        if training is None:
            training = K.learning_phase()
        if rank == 4 and ax in (1, 3):
            return self._fused_call(inputs, ax, training)
        mean = K.mean(inputs, axis=reduction, keepdims=True)
        variance = K.mean(K.square(inputs - K.stop_gradient(mean)), axis=reduction, keepdims=True)
        mean_c, var_c = K.reshape(mean, [shape[ax]]), K.reshape(variance, [shape[ax]])
        self.add_update([K.moving_average_update(self.moving_mean, mean_c, self.momentum),
                         K.moving_average_update(self.moving_variance, var_c, self.momentum)], inputs)
        # the phase picks the (C,)-sized statistics, then one normalization runs: our K.switch computes
        # both branches (no tf.cond), so picking the normalized outputs would normalize twice a step
        out = normalize(K.in_train_phase(mean, param(self.moving_mean), training=training),
                        K.in_train_phase(variance, param(self.moving_variance), training=training))
        if isinstance(training, tf.Tensor):
            out._uses_learning_phase = True
        return out

    def _fused(self, inputs, ax, training):
        """tf.nn.fused_batch_norm, training or inference (the moving statistics); gamma 1 and beta 0 stand in
        for a missing scale or center, as tf.keras'."""
        c = K.int_shape(inputs)[ax]
        gamma = self.gamma if self.scale else K.constant(1.0, shape=(c,))
        beta = self.beta if self.center else K.constant(0.0, shape=(c,))
        fmt = "NCHW" if ax == 1 else "NHWC"
        if training:
            return tf.nn.fused_batch_norm(inputs, gamma, beta, epsilon=self.epsilon, data_format=fmt)
        return tf.nn.fused_batch_norm(inputs, gamma, beta, mean=self.moving_mean, variance=self.moving_variance,
                                      epsilon=self.epsilon, data_format=fmt, is_training=False)

    def _fused_call(self, inputs, ax, training):
        """tf.keras' _fused_batch_norm: one FusedBatchNorm op, its training or inference form picked by
        smart_cond (a tf.cond on the learning phase, so only one runs); the batch mean and the Bessel-corrected
        variance it returns move the statistics (momentum 1 in inference: no move)."""
        out, mean, variance = tf.contrib.framework.smart_cond(
            training, lambda: self._fused(inputs, ax, True), lambda: self._fused(inputs, ax, False))
        momentum = self.momentum
        if isinstance(training, tf.Tensor):
            momentum = tf.contrib.framework.smart_cond(training, lambda: tf.constant(self.momentum),
                                                       lambda: tf.constant(1.0))
            out._uses_learning_phase = True
        self.add_update([K.moving_average_update(self.moving_mean, mean, momentum),
                         K.moving_average_update(self.moving_variance, variance, momentum)], inputs)
        return out

    def get_config(self):
        config = {"axis": self.axis, "momentum": self.momentum, "epsilon": self.epsilon,
                  "center": self.center, "scale": self.scale,
                  "beta_initializer": _init_config(self.beta_initializer),
                  "gamma_initializer": _init_config(self.gamma_initializer),
                  "moving_mean_initializer": _init_config(self.moving_mean_initializer),
                  "moving_variance_initializer": _init_config(self.moving_variance_initializer)}
        return dict(super().get_config(), **config)
