"""keras.layers core: Dense, Activation, Dropout, SpatialDropout1D/2D, Flatten, Reshape, Permute,
RepeatVector, Lambda, and the advanced activations (LeakyReLU, PReLU, ELU, ThresholdedReLU, Softmax, ReLU)."""
import inspect

import numpy as np

from .. import activations, backend as K, initializers
from ..engine import InputSpec, Layer


def _init_config(init):
    return initializers.serialize(init) if isinstance(init, initializers.Initializer) else init


class Dense(Layer):
    """output = activation(dot(input, kernel) + bias); kernel (input_dim, units). A rank > 2 input is
    applied along its last axis."""

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        if "input_shape" not in kwargs and "input_dim" in kwargs:
            kwargs["input_shape"] = (kwargs.pop("input_dim"),)
        super().__init__(**kwargs)
        if any(r is not None for r in (kernel_regularizer, bias_regularizer, activity_regularizer,
                                       kernel_constraint, bias_constraint)):
            raise ValueError(f"Dense {self.name}: regularizers and constraints are not supported by this Keras")
        self.units = int(units)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True

    def build(self, input_shape):
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError(f"The last dimension of the inputs to `Dense` ({self.name}) should be defined. "
                             "Found `None`.")
        self.kernel = self.add_weight("kernel", (input_dim, self.units), initializer=self.kernel_initializer)
        self.bias = self.add_weight("bias", (self.units,), initializer=self.bias_initializer) \
            if self.use_bias else None
        self.input_spec = InputSpec(min_ndim=2, axes={-1: input_dim})
        self.built = True

    def call(self, inputs):
        shape = K.int_shape(inputs)
        x = inputs if len(shape) == 2 else K.reshape(inputs, [-1, shape[-1]])
        output = K.dot(x, self.kernel)
        if self.use_bias:
            output = K.bias_add(output, self.bias, data_format="channels_last")
        if len(shape) != 2:
            if None in shape[1:-1]:
                raise ValueError(f"Dense {self.name}: inputs of rank {len(shape)} need known inner "
                                 f"dimensions, got {shape}")
            output = K.reshape(output, [-1] + list(shape[1:-1]) + [self.units])
        return self.activation(output)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        config = {"units": self.units, "activation": activations.serialize(self.activation),
                  "use_bias": self.use_bias, "kernel_initializer": _init_config(self.kernel_initializer),
                  "bias_initializer": _init_config(self.bias_initializer)}
        return dict(super().get_config(), **config)


class Activation(Layer):
    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.activation = activations.get(activation)

    def call(self, inputs):
        return self.activation(inputs)

    def get_config(self):
        return dict(super().get_config(), activation=activations.serialize(self.activation))


class LeakyReLU(Layer):
    """f(x) = alpha * x below 0, x above (Keras 2's advanced activation; alpha defaults to 0.3)."""

    def __init__(self, alpha=0.3, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.alpha = float(alpha)

    def call(self, inputs):
        return K.relu(inputs, alpha=self.alpha)

    def get_config(self):
        return dict(super().get_config(), alpha=self.alpha)


class ELU(Layer):
    """f(x) = alpha * (exp(x) - 1) below 0, x above (alpha defaults to 1.0)."""

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.alpha = float(alpha)

    def call(self, inputs):
        return K.elu(inputs, self.alpha)

    def get_config(self):
        return dict(super().get_config(), alpha=self.alpha)


class ReLU(Layer):
    """max(x, 0) with an optional cap (max_value) and slope below 0 (negative_slope), as Keras 2.2's."""

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        if threshold:
            raise ValueError("ReLU: threshold other than 0 is not supported by this Keras")
        self.supports_masking = True
        self.max_value, self.negative_slope = max_value, float(negative_slope)

    def call(self, inputs):
        return K.relu(inputs, alpha=self.negative_slope, max_value=self.max_value)

    def get_config(self):
        return dict(super().get_config(), max_value=self.max_value, negative_slope=self.negative_slope,
                    threshold=0.0)


class Dropout(Layer):
    """Inverted dropout while training (the learning phase), the identity otherwise. With a `seed` the
    mask comes from the shared counter-based generator: the same units as any engine given that seed."""

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = min(1.0, max(0.0, rate))
        self.noise_shape = noise_shape
        self.seed = seed
        self.supports_masking = True

    def _get_noise_shape(self, inputs):
        if self.noise_shape is None:
            return None
        symbolic_shape = K.shape(inputs)
        return tuple(symbolic_shape[axis] if shape is None else shape for axis, shape in enumerate(self.noise_shape))

    def call(self, inputs, training=None):
        if 0.0 < self.rate < 1.0:
            noise_shape = self._get_noise_shape(inputs)
            return K.in_train_phase(lambda: K.dropout(inputs, self.rate, noise_shape, seed=self.seed), inputs,
                                    training=training)
        return inputs

    def get_config(self):
        return dict(super().get_config(), rate=self.rate, noise_shape=self.noise_shape, seed=self.seed)


class Flatten(Layer):
    """(batch, ...) -> (batch, prod(...)). With data_format='channels_first' the input is first permuted
    to channels_last, as Keras does, so the flattened order is the same in both formats."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.input_spec = InputSpec(min_ndim=3)
        self.data_format = K.normalize_data_format(data_format)

    def compute_output_shape(self, input_shape):
        if not all(input_shape[1:]):
            raise ValueError('The shape of the input to "Flatten" is not fully defined (got ' +
                             str(input_shape[1:]) + ". Make sure to pass a complete \"input_shape\" or "
                             '"batch_input_shape" argument to the first layer in your model.')
        return (input_shape[0], int(np.prod(input_shape[1:])))

    def call(self, inputs):
        if self.data_format == "channels_first":
            rank = K.ndim(inputs)
            inputs = K.permute_dimensions(inputs, [0] + list(range(2, rank)) + [1])
        return K.batch_flatten(inputs)

    def get_config(self):
        return dict(super().get_config(), data_format=self.data_format)


class Reshape(Layer):
    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(target_shape)

    def _fix_unknown_dimension(self, input_shape, output_shape):
        output_shape = list(output_shape)
        msg = "total size of new array must be unchanged"
        known, unknown = 1, None
        for index, dim in enumerate(output_shape):
            if dim < 0:
                if unknown is None:
                    unknown = index
                else:
                    raise ValueError("Can only specify one unknown dimension.")
            else:
                known *= dim
        original = int(np.prod(input_shape, dtype=int))
        if unknown is not None:
            if known == 0 or original % known != 0:
                raise ValueError(msg)
            output_shape[unknown] = original // known
        elif original != known:
            raise ValueError(msg)
        return tuple(output_shape)

    def compute_output_shape(self, input_shape):
        if None in input_shape[1:]:
            return (input_shape[0],) + tuple(s if s != -1 else None for s in self.target_shape)
        return (input_shape[0],) + self._fix_unknown_dimension(input_shape[1:], self.target_shape)

    def call(self, inputs):
        return K.reshape(inputs, [-1] + list(self.target_shape))

    def get_config(self):
        return dict(super().get_config(), target_shape=self.target_shape)


class Lambda(Layer):
    """A layer computing `function(inputs, **arguments)` with backend ops. Without output_shape the shape
    is read from the result, as Keras does on the TensorFlow backend; a tuple is the shape without the
    batch axis, a function maps the input shape(s) to the output shape."""

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        self.function = function
        self.arguments = arguments if arguments else {}
        self._output_shape = output_shape
        self._outputs = None

    def call(self, inputs, mask=None):
        arguments = dict(self.arguments)
        if "mask" in inspect.signature(self.function).parameters:
            arguments["mask"] = mask
        self._outputs = self.function(inputs, **arguments)
        return self._outputs

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            if isinstance(self._outputs, (list, tuple)):
                return [K.int_shape(x) for x in self._outputs]
            return K.int_shape(self._outputs)
        if callable(self._output_shape):
            shape = self._output_shape(input_shape)
            return tuple(shape) if not isinstance(shape, list) else shape
        batch = input_shape[0][0] if isinstance(input_shape, list) else input_shape[0]
        return (batch,) + tuple(self._output_shape)

    def get_config(self):
        raise NotImplementedError(f"Lambda layer {self.name!r}: its Python function cannot be saved (Keras "
                                  "marshals the bytecode; this frontend reads no code from files). Use "
                                  "model.save_weights and rebuild the model in code, or write a Layer subclass")


class RepeatVector(Layer):
    """(batch, features) -> (batch, n, features)."""

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        self.n = n
        self.input_spec = InputSpec(ndim=2)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def call(self, inputs):
        return K.repeat(inputs, self.n)

    def get_config(self):
        return dict(super().get_config(), n=self.n)


class Permute(Layer):
    """Permute the non-batch axes by `dims` (1-based, as Keras counts them)."""

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = tuple(dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError("Invalid permutation `dims`: " + str(dims) + ". `dims` should contain each "
                             "dimension index from 1 to " + str(len(self.dims)))
        self.input_spec = InputSpec(ndim=len(self.dims) + 1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)

    def call(self, inputs):
        return K.permute_dimensions(inputs, (0,) + self.dims)

    def get_config(self):
        return dict(super().get_config(), dims=self.dims)


class SpatialDropout1D(Dropout):
    """Dropout of whole channels: one mask per (sample, channel), shared over the steps."""

    def __init__(self, rate, **kwargs):
        super().__init__(rate, **kwargs)
        self.input_spec = InputSpec(ndim=3)

    def _get_noise_shape(self, inputs):
        input_shape = K.shape(inputs)
        return (input_shape[0], 1, input_shape[2])


class SpatialDropout2D(Dropout):
    """Dropout of whole feature maps: one mask per (sample, channel), shared over the pixels."""

    def __init__(self, rate, data_format=None, **kwargs):
        super().__init__(rate, **kwargs)
        self.data_format = K.normalize_data_format(data_format)
        self.input_spec = InputSpec(ndim=4)

    def _get_noise_shape(self, inputs):
        input_shape = K.shape(inputs)
        if self.data_format == "channels_first":
            return (input_shape[0], input_shape[1], 1, 1)
        return (input_shape[0], 1, 1, input_shape[3])

    def get_config(self):
        return dict(super().get_config(), data_format=self.data_format)


class PReLU(Layer):
    """f(x) = x above 0, alpha * x below, alpha a learned weight of the input's shape (one value per
    element, shared along `shared_axes`)."""

    def __init__(self, alpha_initializer="zeros", alpha_regularizer=None, alpha_constraint=None, shared_axes=None,
                 **kwargs):
        super().__init__(**kwargs)
        if alpha_regularizer is not None or alpha_constraint is not None:
            raise ValueError(f"PReLU {self.name}: regularizers and constraints are not supported by this Keras")
        self.supports_masking = True
        self.alpha_initializer = initializers.get(alpha_initializer)
        if shared_axes is None:
            self.shared_axes = None
        elif not isinstance(shared_axes, (list, tuple)):
            self.shared_axes = [shared_axes]
        else:
            self.shared_axes = list(shared_axes)

    def build(self, input_shape):
        param_shape = list(input_shape[1:])
        if self.shared_axes is not None:
            for i in self.shared_axes:
                param_shape[i - 1] = 1
        self.alpha = self.add_weight("alpha", param_shape, initializer=self.alpha_initializer)
        axes = {i: input_shape[i] for i in range(1, len(input_shape)) if not self.shared_axes or
                i not in self.shared_axes}
        self.input_spec = InputSpec(ndim=len(input_shape), axes=axes)
        self.built = True

    def call(self, inputs, mask=None):
        pos = K.relu(inputs)
        neg = -self.alpha * K.relu(-inputs)
        return pos + neg

    def get_config(self):
        return dict(super().get_config(), alpha_initializer=_init_config(self.alpha_initializer),
                    alpha_regularizer=None, alpha_constraint=None, shared_axes=self.shared_axes)


class ThresholdedReLU(Layer):
    """f(x) = x above theta, 0 otherwise."""

    def __init__(self, theta=1.0, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.theta = K.cast_to_floatx(theta)

    def call(self, inputs, mask=None):
        return inputs * K.cast(K.greater(inputs, self.theta), K.floatx())

    def get_config(self):
        return dict(super().get_config(), theta=float(self.theta))


class Softmax(Layer):
    """The softmax along `axis`."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.axis = axis

    def call(self, inputs):
        return K.softmax(inputs, axis=self.axis)

    def get_config(self):
        return dict(super().get_config(), axis=self.axis)
