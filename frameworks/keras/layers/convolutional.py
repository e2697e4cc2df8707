"""keras.layers convolution and pooling: Conv2D, ZeroPadding2D, MaxPooling2D, AveragePooling2D,
GlobalAveragePooling2D. Kernels are (kh, kw, in, filters) as Keras(tf) keeps them."""
import frameworks.static_graph as tf

from .. import activations, backend as K, initializers
from ..engine import InputSpec, Layer
from .core import _init_config


def _tuple(value, n, name):
    if isinstance(value, int):
        return (value,) * n
    value = tuple(value)
    if len(value) != n:
        raise ValueError("The `" + name + "` argument must be a tuple of " + str(n) + " integers. Received: " +
                         str(value))
    return value


def _padding(value):
    padding = value.lower()
    if padding not in {"valid", "same"}:
        raise ValueError("The `padding` argument must be one of \"valid\", \"same\". Received: " + str(value))
    return padding


def conv_output_length(length, filter_size, padding, stride):
    if length is None:
        return None
    out = length if padding == "same" else length - filter_size + 1
    return (out + stride - 1) // stride


def _tf_format(data_format):
    return "NCHW" if data_format == "channels_first" else "NHWC"


def _tf_window(values, data_format):
    return [1, 1, *values] if data_format == "channels_first" else [1, *values, 1]


class Conv2D(Layer):
    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(**kwargs)
        if any(r is not None for r in (kernel_regularizer, bias_regularizer, activity_regularizer,
                                       kernel_constraint, bias_constraint)):
            raise ValueError(f"Conv2D {self.name}: regularizers and constraints are not supported by this Keras")
        self.filters = int(filters)
        self.kernel_size = _tuple(kernel_size, 2, "kernel_size")
        self.strides = _tuple(strides, 2, "strides")
        self.padding = _padding(padding)
        self.data_format = K.normalize_data_format(data_format)
        self.dilation_rate = _tuple(dilation_rate, 2, "dilation_rate")
        if self.dilation_rate != (1, 1):
            raise ValueError(f"Conv2D {self.name}: dilation_rate other than 1 is not supported by the shared "
                             "conv2d kernel")
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.input_spec = InputSpec(ndim=4)

    def _channel_axis(self):
        return 1 if self.data_format == "channels_first" else -1

    def _kernel_shape(self, channels):
        return self.kernel_size + (channels, self.filters)

    def build(self, input_shape):
        channels = input_shape[self._channel_axis()]
        if channels is None:
            raise ValueError("The channel dimension of the inputs should be defined. Found `None`.")
        self.kernel = self.add_weight("kernel", self._kernel_shape(channels), initializer=self.kernel_initializer)
        self.bias = self.add_weight("bias", (self.filters,), initializer=self.bias_initializer) \
            if self.use_bias else None
        self.input_spec = InputSpec(ndim=4, axes={self._channel_axis(): channels})
        self.built = True

    def call(self, inputs):
        y = tf.nn.conv2d(inputs, self.kernel, strides=_tf_window(self.strides, self.data_format),
                         padding=self.padding.upper(), data_format=_tf_format(self.data_format))
        if self.use_bias:
            y = K.bias_add(y, self.bias, data_format=self.data_format)
        return self.activation(y)

    def compute_output_shape(self, input_shape):
        space = input_shape[2:] if self.data_format == "channels_first" else input_shape[1:-1]
        new = tuple(conv_output_length(s, k, self.padding, st)
                    for s, k, st in zip(space, self.kernel_size, self.strides))
        if self.data_format == "channels_first":
            return (input_shape[0], self.filters) + new
        return (input_shape[0],) + new + (self.filters,)

    def get_config(self):
        config = {"filters": self.filters, "kernel_size": self.kernel_size, "strides": self.strides,
                  "padding": self.padding, "data_format": self.data_format,
                  "dilation_rate": self.dilation_rate, "activation": activations.serialize(self.activation),
                  "use_bias": self.use_bias, "kernel_initializer": _init_config(self.kernel_initializer),
                  "bias_initializer": _init_config(self.bias_initializer)}
        return dict(super().get_config(), **config)


def deconv_length(dim_size, stride_size, kernel_size, padding, output_padding):
    """Keras 2's conv_utils.deconv_length: the output side of a transposed convolution."""
    if dim_size is None:
        return None
    if output_padding is None:
        if padding == "valid":
            return dim_size * stride_size + max(kernel_size - stride_size, 0)
        return dim_size * stride_size
    pad = kernel_size // 2 if padding == "same" else 0
    return (dim_size - 1) * stride_size + kernel_size - 2 * pad + output_padding


class Conv2DTranspose(Conv2D):
    """Transposed 2-D convolution: kernel kernel_size + (filters, in_channels) as Keras', through
    tf.nn.conv2d_transpose (the shared conv_transpose2d kernel)."""

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", output_padding=None, data_format=None,
                 dilation_rate=(1, 1), activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
                         bias_constraint=bias_constraint, **kwargs)
        self.output_padding = None if output_padding is None else _tuple(output_padding, 2, "output_padding")
        if self.output_padding is not None:
            for stride, out_pad in zip(self.strides, self.output_padding):
                if out_pad >= stride:
                    raise ValueError(f"Stride {self.strides} must be greater than output padding "
                                     f"{self.output_padding}")

    def _kernel_shape(self, channels):
        return self.kernel_size + (self.filters, channels)

    def call(self, inputs):
        shape = self.compute_output_shape(tuple(inputs.shape.as_list()))
        shape = (-1 if shape[0] is None else shape[0],) + tuple(shape[1:])
        y = tf.nn.conv2d_transpose(inputs, self.kernel, list(shape), _tf_window(self.strides, self.data_format),
                                   padding=self.padding.upper(), data_format=_tf_format(self.data_format))
        if self.use_bias:
            y = K.bias_add(y, self.bias, data_format=self.data_format)
        return self.activation(y)

    def compute_output_shape(self, input_shape):
        space = input_shape[2:] if self.data_format == "channels_first" else input_shape[1:-1]
        pads = self.output_padding or (None, None)
        new = tuple(deconv_length(s, st, k, self.padding, p)
                    for s, st, k, p in zip(space, self.strides, self.kernel_size, pads))
        if self.data_format == "channels_first":
            return (input_shape[0], self.filters) + new
        return (input_shape[0],) + new + (self.filters,)

    def get_config(self):
        config = super().get_config()
        config.pop("dilation_rate")
        config["output_padding"] = self.output_padding
        return config


Deconvolution2D = Deconv2D = Conv2DTranspose


class ZeroPadding2D(Layer):
    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = K.normalize_data_format(data_format)
        if isinstance(padding, int):
            padding = ((padding, padding), (padding, padding))
        elif all(isinstance(p, int) for p in padding):
            padding = ((padding[0], padding[0]), (padding[1], padding[1]))
        self.padding = tuple(tuple(p) for p in padding)
        self.input_spec = InputSpec(ndim=4)

    def call(self, inputs):
        (top, bottom), (left, right) = self.padding
        spatial = [[top, bottom], [left, right]]
        pads = [[0, 0], [0, 0]] + spatial if self.data_format == "channels_first" else \
            [[0, 0]] + spatial + [[0, 0]]
        return tf.pad(inputs, pads)

    def compute_output_shape(self, input_shape):
        s = list(input_shape)
        axes = (2, 3) if self.data_format == "channels_first" else (1, 2)
        for ax, (a, b) in zip(axes, self.padding):
            s[ax] = None if s[ax] is None else s[ax] + a + b
        return tuple(s)

    def get_config(self):
        return dict(super().get_config(), padding=self.padding, data_format=self.data_format)


class _Pooling2D(Layer):
    _tf_pool = None

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.pool_size = _tuple(pool_size, 2, "pool_size")
        self.strides = _tuple(strides if strides is not None else pool_size, 2, "strides")
        self.padding = _padding(padding)
        self.data_format = K.normalize_data_format(data_format)
        self.input_spec = InputSpec(ndim=4)

    def call(self, inputs):
        pool = getattr(tf.nn, self._tf_pool)
        return pool(inputs, _tf_window(self.pool_size, self.data_format),
                    _tf_window(self.strides, self.data_format), self.padding.upper(),
                    data_format=_tf_format(self.data_format))

    def compute_output_shape(self, input_shape):
        space = input_shape[2:] if self.data_format == "channels_first" else input_shape[1:-1]
        new = tuple(conv_output_length(s, k, self.padding, st)
                    for s, k, st in zip(space, self.pool_size, self.strides))
        if self.data_format == "channels_first":
            return tuple(input_shape[:2]) + new
        return (input_shape[0],) + new + (input_shape[3],)

    def get_config(self):
        return dict(super().get_config(), pool_size=self.pool_size, padding=self.padding,
                    strides=self.strides, data_format=self.data_format)


class MaxPooling2D(_Pooling2D):
    _tf_pool = "max_pool"


class AveragePooling2D(_Pooling2D):
    _tf_pool = "avg_pool"


class GlobalAveragePooling2D(Layer):
    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = K.normalize_data_format(data_format)
        self.input_spec = InputSpec(ndim=4)

    def call(self, inputs):
        return K.mean(inputs, axis=[2, 3] if self.data_format == "channels_first" else [1, 2])

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[1] if self.data_format == "channels_first" else input_shape[3])

    def get_config(self):
        return dict(super().get_config(), data_format=self.data_format)


Convolution2D = Conv2D
MaxPool2D = MaxPooling2D
AvgPool2D = AveragePooling2D
GlobalAvgPool2D = GlobalAveragePooling2D


class _GlobalPooling1D(Layer):
    def __init__(self, data_format="channels_last", **kwargs):
        super().__init__(**kwargs)
        self.data_format = K.normalize_data_format(data_format)
        self.input_spec = InputSpec(ndim=3)

    def call(self, inputs):
        return self._reduce(inputs, axis=2 if self.data_format == "channels_first" else 1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[1] if self.data_format == "channels_first" else input_shape[2])

    def get_config(self):
        return dict(super().get_config(), data_format=self.data_format)


class GlobalAveragePooling1D(_GlobalPooling1D):
    """(batch, steps, features) -> (batch, features): the mean over the steps."""
    _reduce = staticmethod(K.mean)


class GlobalMaxPooling1D(_GlobalPooling1D):
    """(batch, steps, features) -> (batch, features): the max over the steps."""
    _reduce = staticmethod(K.max)


GlobalAvgPool1D, GlobalMaxPool1D = GlobalAveragePooling1D, GlobalMaxPooling1D


# ---------------------------------------------------------------- 1-D: conv2d / pools over a unit height

def _padding_1d(value):
    padding = value.lower()
    if padding not in {"valid", "same", "causal"}:
        raise ValueError("The `padding` argument must be one of \"valid\", \"same\" (or \"causal\" for Conv1D). "
                         "Received: " + str(value))
    return padding


class Conv1D(Layer):
    """Temporal convolution over (batch, steps, channels): kernel (kernel_size, channels, filters), run as
    K.conv1d does on TensorFlow (tf.nn.conv1d is conv2d over a unit height). padding='causal' pads
    kernel_size - 1 steps on the left, so output t sees inputs up to t only."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format="channels_last",
                 dilation_rate=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        if "input_shape" not in kwargs and "input_dim" in kwargs:   # Keras 2's legacy Conv1D input_dim
            kwargs["input_shape"] = (kwargs.pop("input_length", None), kwargs.pop("input_dim"))
        super().__init__(**kwargs)
        if any(r is not None for r in (kernel_regularizer, bias_regularizer, activity_regularizer,
                                       kernel_constraint, bias_constraint)):
            raise ValueError(f"Conv1D {self.name}: regularizers and constraints are not supported by this Keras")
        self.filters = int(filters)
        self.kernel_size = _tuple(kernel_size, 1, "kernel_size")
        self.strides = _tuple(strides, 1, "strides")
        self.padding = _padding_1d(padding)
        self.data_format = K.normalize_data_format(data_format)
        if self.padding == "causal" and self.data_format != "channels_last":
            raise ValueError('When using causal padding in `Conv1D`, `data_format` must be "channels_last" '
                             "(temporal data).")
        self.dilation_rate = _tuple(dilation_rate, 1, "dilation_rate")
        if self.dilation_rate != (1,):
            raise ValueError(f"Conv1D {self.name}: dilation_rate other than 1 is not supported by the shared "
                             "conv2d kernel")
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.input_spec = InputSpec(ndim=3)

    def _channel_axis(self):
        return 1 if self.data_format == "channels_first" else -1

    def build(self, input_shape):
        channels = input_shape[self._channel_axis()]
        if channels is None:
            raise ValueError("The channel dimension of the inputs should be defined. Found `None`.")
        self.kernel = self.add_weight("kernel", self.kernel_size + (channels, self.filters),
                                      initializer=self.kernel_initializer)
        self.bias = self.add_weight("bias", (self.filters,), initializer=self.bias_initializer) \
            if self.use_bias else None
        self.input_spec = InputSpec(ndim=3, axes={self._channel_axis(): channels})
        self.built = True

    def call(self, inputs):
        y = K.conv1d(inputs, self.kernel, strides=self.strides[0], padding=self.padding,
                     data_format=self.data_format)
        if self.use_bias:
            y = K.bias_add(y, self.bias, data_format=self.data_format)
        return self.activation(y)

    def compute_output_shape(self, input_shape):
        steps = input_shape[2] if self.data_format == "channels_first" else input_shape[1]
        padding = "same" if self.padding == "causal" else self.padding
        new = conv_output_length(steps, self.kernel_size[0], padding, self.strides[0])
        if self.data_format == "channels_first":
            return (input_shape[0], self.filters, new)
        return (input_shape[0], new, self.filters)

    def get_config(self):
        config = {"filters": self.filters, "kernel_size": self.kernel_size, "strides": self.strides,
                  "padding": self.padding, "data_format": self.data_format,
                  "dilation_rate": self.dilation_rate, "activation": activations.serialize(self.activation),
                  "use_bias": self.use_bias, "kernel_initializer": _init_config(self.kernel_initializer),
                  "bias_initializer": _init_config(self.bias_initializer)}
        return dict(super().get_config(), **config)


class _Pooling1D(Layer):
    """Keras 2's 1-D pooling: the input gets a unit axis (axis 2 in channels_last, (batch, steps, 1,
    channels)) and the 2-D pool runs with a (pool_size, 1) window."""
    _tf_pool = None

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format="channels_last", **kwargs):
        super().__init__(**kwargs)
        if strides is None:
            strides = pool_size
        self.pool_size = _tuple(pool_size, 1, "pool_size")
        self.strides = _tuple(strides, 1, "strides")
        self.padding = _padding(padding)
        self.data_format = K.normalize_data_format(data_format)
        self.input_spec = InputSpec(ndim=3)

    def call(self, inputs):
        axis = 3 if self.data_format == "channels_first" else 2
        x = tf.expand_dims(inputs, axis)
        y = getattr(tf.nn, self._tf_pool)(x, _tf_window((self.pool_size[0], 1), self.data_format),
                                          _tf_window((self.strides[0], 1), self.data_format),
                                          self.padding.upper(), data_format=_tf_format(self.data_format))
        return tf.squeeze(y, [axis])

    def compute_output_shape(self, input_shape):
        steps = input_shape[2] if self.data_format == "channels_first" else input_shape[1]
        length = conv_output_length(steps, self.pool_size[0], self.padding, self.strides[0])
        if self.data_format == "channels_first":
            return (input_shape[0], input_shape[1], length)
        return (input_shape[0], length, input_shape[2])

    def get_config(self):
        return dict(super().get_config(), strides=self.strides, pool_size=self.pool_size, padding=self.padding,
                    data_format=self.data_format)


class MaxPooling1D(_Pooling1D):
    _tf_pool = "max_pool"


class AveragePooling1D(_Pooling1D):
    _tf_pool = "avg_pool"


Convolution1D = Conv1D
MaxPool1D = MaxPooling1D
AvgPool1D = AveragePooling1D


# ---------------------------------------------------------------- upsampling, cropping, 1-D padding

class UpSampling1D(Layer):
    """Repeat each step `size` times along the time axis."""

    def __init__(self, size=2, **kwargs):
        super().__init__(**kwargs)
        self.size = int(size)
        self.input_spec = InputSpec(ndim=3)

    def compute_output_shape(self, input_shape):
        size = self.size * input_shape[1] if input_shape[1] is not None else None
        return (input_shape[0], size, input_shape[2])

    def call(self, inputs):
        return K.repeat_elements(inputs, self.size, axis=1)

    def get_config(self):
        return dict(super().get_config(), size=self.size)


class UpSampling2D(Layer):
    """Repeat the rows and columns size[0] and size[1] times (nearest-neighbour upsampling)."""

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(**kwargs)
        self.data_format = K.normalize_data_format(data_format)
        self.size = _tuple(size, 2, "size")
        if interpolation not in ["nearest", "bilinear"]:
            raise ValueError('interpolation should be one of "nearest" or "bilinear".')
        if interpolation == "bilinear":
            raise ValueError(f"UpSampling2D {self.name}: interpolation='bilinear' is not supported by this Keras "
                             "(there is no resize kernel); use 'nearest' or Conv2DTranspose")
        self.interpolation = interpolation
        self.input_spec = InputSpec(ndim=4)

    def compute_output_shape(self, input_shape):
        axes = (2, 3) if self.data_format == "channels_first" else (1, 2)
        s = list(input_shape)
        for ax, f in zip(axes, self.size):
            s[ax] = None if s[ax] is None else f * s[ax]
        return tuple(s)

    def call(self, inputs):
        return K.resize_images(inputs, self.size[0], self.size[1], self.data_format, self.interpolation)

    def get_config(self):
        return dict(super().get_config(), size=self.size, data_format=self.data_format,
                    interpolation=self.interpolation)


class ZeroPadding1D(Layer):
    """Zeros added before and after the time axis (an int: both sides)."""

    def __init__(self, padding=1, **kwargs):
        super().__init__(**kwargs)
        self.padding = _tuple(padding, 2, "padding")
        self.input_spec = InputSpec(ndim=3)

    def compute_output_shape(self, input_shape):
        length = input_shape[1] + self.padding[0] + self.padding[1] if input_shape[1] is not None else None
        return (input_shape[0], length, input_shape[2])

    def call(self, inputs):
        return K.temporal_padding(inputs, padding=self.padding)

    def get_config(self):
        return dict(super().get_config(), padding=self.padding)


def _crop(x, axis, before, after):
    """x without `before` leading and `after` trailing entries along `axis` (a split, which needs only
    that axis known, so the batch may be open)."""
    if not before and not after:
        return x
    length = K.int_shape(x)[axis]
    if length is None or before + after >= length:
        raise ValueError(f"Cropping ({before}, {after}) along axis {axis} needs a known length above "
                         f"{before + after}, got shape {K.int_shape(x)}")
    return tf.split(x, [before, length - before - after, after], axis=axis)[1]


class Cropping1D(Layer):
    """Steps cut from the start and the end of the time axis."""

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(**kwargs)
        self.cropping = _tuple(cropping, 2, "cropping")
        self.input_spec = InputSpec(ndim=3)

    def compute_output_shape(self, input_shape):
        length = input_shape[1] - self.cropping[0] - self.cropping[1] if input_shape[1] is not None else None
        return (input_shape[0], length, input_shape[2])

    def call(self, inputs):
        return _crop(inputs, 1, *self.cropping)

    def get_config(self):
        return dict(super().get_config(), cropping=self.cropping)


class Cropping2D(Layer):
    """Rows and columns cut from the edges: ((top, bottom), (left, right))."""

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = K.normalize_data_format(data_format)
        if isinstance(cropping, int):
            self.cropping = ((cropping, cropping), (cropping, cropping))
        elif hasattr(cropping, "__len__"):
            if len(cropping) != 2:
                raise ValueError("`cropping` should have two elements. Found: " + str(cropping))
            self.cropping = (_tuple(cropping[0], 2, "1st entry of cropping"),
                             _tuple(cropping[1], 2, "2nd entry of cropping"))
        else:
            raise ValueError("`cropping` should be either an int, a tuple of 2 ints (symmetric_height_crop, "
                             "symmetric_width_crop), or a tuple of 2 tuples of 2 ints ((top_crop, bottom_crop), "
                             "(left_crop, right_crop)). Found: " + str(cropping))
        self.input_spec = InputSpec(ndim=4)

    def compute_output_shape(self, input_shape):
        axes = (2, 3) if self.data_format == "channels_first" else (1, 2)
        s = list(input_shape)
        for ax, (a, b) in zip(axes, self.cropping):
            s[ax] = s[ax] - a - b if s[ax] is not None else None
        return tuple(s)

    def call(self, inputs):
        axes = (2, 3) if self.data_format == "channels_first" else (1, 2)
        for axis, (before, after) in zip(axes, self.cropping):
            inputs = _crop(inputs, axis, before, after)
        return inputs

    def get_config(self):
        return dict(super().get_config(), cropping=self.cropping, data_format=self.data_format)


class GlobalMaxPooling2D(GlobalAveragePooling2D):
    """(batch, rows, cols, channels) -> (batch, channels): the max over the pixels."""

    def call(self, inputs):
        return K.max(inputs, axis=[2, 3] if self.data_format == "channels_first" else [1, 2])


GlobalMaxPool2D = GlobalMaxPooling2D
