"""gluon.nn: Dense, Conv2D, MaxPool2D, Activation, Flatten, Embedding and the sequential containers."""
import numpy

from .block import Block, HybridBlock, HybridSequential, Sequential, shape_of  # noqa: F401


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


class Dense(HybridBlock):
    """y = activation(x @ weight.T + bias); weight is (units, in_units) as Gluon stores it.

    in_units=0 defers the weight's shape to the first forward pass.
    """

    def __init__(self, units, activation=None, use_bias=True, flatten=True, dtype="float32",
                 weight_initializer=None, bias_initializer="zeros", in_units=0, **kwargs):
        super().__init__(**kwargs)
        self._units, self._flatten, self._act = units, flatten, activation
        with self.name_scope():
            self.weight = self.params.get("weight", shape=(units, in_units), init=weight_initializer,
                                          dtype=dtype, allow_deferred_init=True)
            self.bias = self.params.get("bias", shape=(units,), init=bias_initializer, dtype=dtype,
                                        allow_deferred_init=True) if use_bias else None

    def infer_shape(self, x, *args):
        shape = shape_of(x)
        in_units = int(numpy.prod(shape[1:])) if self._flatten else shape[-1]
        self.weight.shape = (self._units, in_units)

    def hybrid_forward(self, F, x, weight, bias=None):
        act = F.FullyConnected(x, weight, bias, no_bias=bias is None, num_hidden=self._units,
                               flatten=self._flatten, name="fwd")
        if self._act is not None:
            act = F.Activation(act, act_type=self._act, name="fwd_act")
        return act

    def __repr__(self):
        return f"Dense({self.weight.shape[1] or None} -> {self._units}, {self._act or 'linear'})"


class Conv2D(HybridBlock):
    """2-D convolution over NCHW input; weight (channels, in_channels, kh, kw)."""

    def __init__(self, channels, kernel_size, strides=(1, 1), padding=(0, 0), dilation=(1, 1), groups=1,
                 layout="NCHW", activation=None, use_bias=True, weight_initializer=None,
                 bias_initializer="zeros", in_channels=0, **kwargs):
        super().__init__(**kwargs)
        if layout != "NCHW" or groups != 1 or _pair(dilation) != (1, 1):
            raise ValueError("Conv2D: only layout 'NCHW', groups=1 and dilation 1 are supported")
        self._channels, self._kernel = channels, _pair(kernel_size)
        self._strides, self._padding, self._act = _pair(strides), _pair(padding), activation
        with self.name_scope():
            self.weight = self.params.get("weight", shape=(channels, in_channels) + self._kernel,
                                          init=weight_initializer, allow_deferred_init=True)
            self.bias = self.params.get("bias", shape=(channels,), init=bias_initializer,
                                        allow_deferred_init=True) if use_bias else None

    def infer_shape(self, x, *args):
        self.weight.shape = (self._channels, shape_of(x)[1]) + self._kernel

    def hybrid_forward(self, F, x, weight, bias=None):
        act = F.Convolution(x, weight, bias, kernel=self._kernel, num_filter=self._channels,
                            stride=self._strides, pad=self._padding, no_bias=bias is None, name="fwd")
        if self._act is not None:
            act = F.Activation(act, act_type=self._act, name="fwd_act")
        return act


class MaxPool2D(HybridBlock):
    """Max pooling over NCHW windows; strides default to pool_size."""

    def __init__(self, pool_size=(2, 2), strides=None, padding=0, layout="NCHW", ceil_mode=False, **kwargs):
        super().__init__(**kwargs)
        self._kwargs = {"kernel": _pair(pool_size),
                        "stride": _pair(strides if strides is not None else pool_size),
                        "pad": _pair(padding), "pool_type": "max",
                        "pooling_convention": "full" if ceil_mode else "valid"}

    def hybrid_forward(self, F, x):
        return F.Pooling(x, name="fwd", **self._kwargs)


class Activation(HybridBlock):
    """activation: 'relu', 'sigmoid' or 'tanh'."""

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self._act_type = activation

    def hybrid_forward(self, F, x):
        return F.Activation(x, act_type=self._act_type, name="fwd")


class Flatten(HybridBlock):
    """(N, ...) -> (N, prod(...))."""

    def hybrid_forward(self, F, x):
        return F.Flatten(x)


class Embedding(HybridBlock):
    """Rows of weight (input_dim, output_dim) picked by integer ids."""

    def __init__(self, input_dim, output_dim, dtype="float32", weight_initializer=None, **kwargs):
        super().__init__(**kwargs)
        self._input_dim, self._output_dim = input_dim, output_dim
        with self.name_scope():
            self.weight = self.params.get("weight", shape=(input_dim, output_dim), init=weight_initializer,
                                          dtype=dtype)

    def hybrid_forward(self, F, x, weight):
        return F.Embedding(x, weight, input_dim=self._input_dim, output_dim=self._output_dim, name="fwd")


__all__ = ["Dense", "Conv2D", "MaxPool2D", "Activation", "Flatten", "Embedding", "HybridSequential",
           "Sequential", "Block", "HybridBlock"]
