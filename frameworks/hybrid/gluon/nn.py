"""gluon.nn: Dense, Conv2D, the pooling layers, BatchNorm, Dropout, activations, Flatten, Embedding,
Lambda/HybridLambda and the sequential containers."""
import numpy

from ..base import MXNetError, refused
from .block import Block, HybridBlock, HybridSequential, Sequential, SymbolBlock, shape_of  # noqa: F401


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
        # MXNet's Dense holds its activation as an Activation block, printed as such
        act = f"Activation({self._act})" if self._act else "linear"
        return f"Dense({self.weight.shape[1] or None} -> {self._units}, {act})"


class Conv2D(HybridBlock):
    """2-D convolution over NCHW input; weight (channels, in_channels, kh, kw)."""
    _ndim, _layout = 2, "NCHW"

    def _tup(self, v):
        return (v,) * self._ndim if isinstance(v, int) else tuple(v)

    def _alias(self):
        return "conv"

    def __init__(self, channels, kernel_size, strides=(1, 1), padding=(0, 0), dilation=(1, 1), groups=1,
                 layout="NCHW", activation=None, use_bias=True, weight_initializer=None,
                 bias_initializer="zeros", in_channels=0, **kwargs):
        super().__init__(**kwargs)
        n, tup = self._ndim, self._tup
        if layout != self._layout:
            raise MXNetError(f"{type(self).__name__}: only layout {self._layout!r} is supported (got layout "
                             f"{layout!r}); transpose channels-last data with F.transpose first")
        self._channels, self._kernel, self._groups = channels, tup(kernel_size), groups
        self._strides, self._padding, self._dilation, self._act = tup(strides), tup(padding), tup(dilation), activation
        with self.name_scope():
            self.weight = self.params.get("weight", shape=(channels, in_channels // groups) + self._kernel,
                                          init=weight_initializer, allow_deferred_init=True)
            self.bias = self.params.get("bias", shape=(channels,), init=bias_initializer,
                                        allow_deferred_init=True) if use_bias else None

    def infer_shape(self, x, *args):
        self.weight.shape = (self._channels, shape_of(x)[1] // self._groups) + self._kernel

    def hybrid_forward(self, F, x, weight, bias=None):
        act = F.Convolution(x, weight, bias, kernel=self._kernel, num_filter=self._channels,
                            stride=self._strides, pad=self._padding, dilate=self._dilation,
                            num_group=self._groups, no_bias=bias is None, name="fwd")
        if self._act is not None:
            act = F.Activation(act, act_type=self._act, name="fwd_act")
        return act

    def __repr__(self):
        return _conv_repr(self, self._kernel, self._strides, self._padding, self._dilation, self._groups)


def _conv_repr(block, kernel, stride, pad, dilate, groups, out_pad=None):
    """MXNet's _Conv.__repr__: the non-default settings only; the mapping is weight.shape[1] -> shape[0]
    (for the transposed convolutions, whose weight is (in_channels, channels / groups, ...), that reads
    channels -> in_channels, as MXNet prints it)."""
    n = len(kernel)
    shape = block.weight.shape
    s = f"{type(block).__name__}({shape[1] or None} -> {shape[0]}, kernel_size={kernel}, stride={stride}"
    if pad != (0,) * n:
        s += f", padding={pad}"
    if dilate != (1,) * n:
        s += f", dilation={dilate}"
    if out_pad is not None and out_pad != (0,) * n:
        s += f", output_padding={out_pad}"
    if groups != 1:
        s += f", groups={groups}"
    if block.bias is None:
        s += ", bias=False"
    if block._act:
        s += f", Activation({block._act})"
    return s + ")"


class Conv1D(Conv2D):
    """1-D convolution over NCW input; weight (channels, in_channels, k): the Convolution op with a 1-D
    kernel, which runs the shared 2-D kernel over a unit height axis."""
    _ndim, _layout = 1, "NCW"

    def __init__(self, channels, kernel_size, strides=1, padding=0, dilation=1, groups=1, layout="NCW",
                 activation=None, use_bias=True, weight_initializer=None, bias_initializer="zeros",
                 in_channels=0, **kwargs):
        super().__init__(channels, kernel_size, strides, padding, dilation, groups, layout, activation, use_bias,
                         weight_initializer, bias_initializer, in_channels, **kwargs)


class Conv2DTranspose(HybridBlock):
    """2-D transposed convolution (Deconvolution) over NCHW input; weight (in_channels, channels / groups,
    kh, kw); output side (H - 1) * strides - 2 * padding + dilation * (kernel_size - 1) + 1 + output_padding."""
    _ndim, _layout = 2, "NCHW"

    def _alias(self):
        return "conv"

    def __init__(self, channels, kernel_size, strides=(1, 1), padding=(0, 0), output_padding=(0, 0),
                 dilation=(1, 1), groups=1, layout="NCHW", activation=None, use_bias=True,
                 weight_initializer=None, bias_initializer="zeros", in_channels=0, **kwargs):
        super().__init__(**kwargs)
        if layout != self._layout:
            raise MXNetError(f"{type(self).__name__}: only layout {self._layout!r} is supported (got layout "
                             f"{layout!r})")
        tup = (lambda v: (v,) * self._ndim if isinstance(v, int) else tuple(v))
        self._channels, self._kernel, self._act, self._groups = channels, tup(kernel_size), activation, groups
        self._kwargs = {"kernel": self._kernel, "num_filter": channels, "stride": tup(strides),
                        "pad": tup(padding), "adj": tup(output_padding), "dilate": tup(dilation),
                        "num_group": groups}
        with self.name_scope():
            self.weight = self.params.get("weight", shape=(in_channels, channels // groups) + self._kernel,
                                          init=weight_initializer, allow_deferred_init=True)
            self.bias = self.params.get("bias", shape=(channels,), init=bias_initializer,
                                        allow_deferred_init=True) if use_bias else None

    def infer_shape(self, x, *args):
        self.weight.shape = (shape_of(x)[1], self._channels // self._groups) + self._kernel

    def __repr__(self):
        k = self._kwargs
        return _conv_repr(self, k["kernel"], k["stride"], k["pad"], k["dilate"], k["num_group"], k["adj"])

    def hybrid_forward(self, F, x, weight, bias=None):
        act = F.Deconvolution(x, weight, bias, no_bias=bias is None, name="fwd", **self._kwargs)
        if self._act is not None:
            act = F.Activation(act, act_type=self._act, name="fwd_act")
        return act


class Conv1DTranspose(Conv2DTranspose):
    """1-D transposed convolution over NCW input; weight (in_channels, channels / groups, k): the 2-D
    Deconvolution over a unit height axis."""
    _ndim, _layout = 1, "NCW"

    def __init__(self, channels, kernel_size, strides=1, padding=0, output_padding=0, dilation=1, groups=1,
                 layout="NCW", activation=None, use_bias=True, weight_initializer=None, bias_initializer="zeros",
                 in_channels=0, **kwargs):
        super().__init__(channels, kernel_size, strides, padding, output_padding, dilation, groups, layout,
                         activation, use_bias, weight_initializer, bias_initializer, in_channels, **kwargs)


class _Pooling(HybridBlock):
    """What the pooling layers share: one Pooling op with fixed attributes (1-D ones over NCW data)."""
    _ndim, _layout = 2, "NCHW"

    def _alias(self):
        return "pool"

    def __init__(self, pool_size, strides, padding, ceil_mode, global_pool, pool_type, layout="NCHW",
                 count_include_pad=None, **kwargs):
        super().__init__(**kwargs)
        if layout != self._layout:
            raise MXNetError(f"{type(self).__name__}: only layout {self._layout!r} is supported, got {layout!r}")
        tup = (lambda v: (v,) * self._ndim if isinstance(v, int) else tuple(v))
        self._kwargs = {"kernel": tup(pool_size), "stride": tup(strides if strides is not None else pool_size),
                        "pad": tup(padding), "global_pool": global_pool, "pool_type": pool_type,
                        "pooling_convention": "full" if ceil_mode else "valid"}
        if count_include_pad is not None:
            self._kwargs["count_include_pad"] = count_include_pad

    def hybrid_forward(self, F, x):
        return F.Pooling(x, name="fwd", **self._kwargs)

    def __repr__(self):
        k = self._kwargs
        return (f"{type(self).__name__}(size={k['kernel']}, stride={k['stride']}, padding={k['pad']}, "
                f"ceil_mode={k['pooling_convention'] == 'full'}, global_pool={k['global_pool']}, "
                f"pool_type={k['pool_type']}, layout={self._layout})")


class MaxPool2D(_Pooling):
    """Max pooling over NCHW windows; strides default to pool_size."""

    def __init__(self, pool_size=(2, 2), strides=None, padding=0, layout="NCHW", ceil_mode=False, **kwargs):
        super().__init__(pool_size, strides, padding, ceil_mode, False, "max", layout, **kwargs)


class AvgPool2D(_Pooling):
    """Average pooling over NCHW windows (padding counted, MXNet's default); strides default to pool_size."""

    def __init__(self, pool_size=(2, 2), strides=None, padding=0, ceil_mode=False, layout="NCHW",
                 count_include_pad=True, **kwargs):
        super().__init__(pool_size, strides, padding, ceil_mode, False, "avg", layout, count_include_pad,
                         **kwargs)


class GlobalMaxPool2D(_Pooling):
    """Max over all of H x W: (N, C, H, W) -> (N, C, 1, 1)."""

    def __init__(self, layout="NCHW", **kwargs):
        super().__init__((1, 1), None, 0, False, True, "max", layout, **kwargs)


class GlobalAvgPool2D(_Pooling):
    """Mean over all of H x W: (N, C, H, W) -> (N, C, 1, 1)."""

    def __init__(self, layout="NCHW", **kwargs):
        super().__init__((1, 1), None, 0, False, True, "avg", layout, **kwargs)


class MaxPool1D(_Pooling):
    """Max pooling over NCW windows; strides default to pool_size."""
    _ndim, _layout = 1, "NCW"

    def __init__(self, pool_size=2, strides=None, padding=0, layout="NCW", ceil_mode=False, **kwargs):
        super().__init__(pool_size, strides, padding, ceil_mode, False, "max", layout, **kwargs)


class AvgPool1D(_Pooling):
    """Average pooling over NCW windows (padding counted, MXNet's default); strides default to pool_size."""
    _ndim, _layout = 1, "NCW"

    def __init__(self, pool_size=2, strides=None, padding=0, layout="NCW", ceil_mode=False,
                 count_include_pad=True, **kwargs):
        super().__init__(pool_size, strides, padding, ceil_mode, False, "avg", layout, count_include_pad,
                         **kwargs)


class GlobalMaxPool1D(_Pooling):
    """Max over all of W: (N, C, W) -> (N, C, 1)."""
    _ndim, _layout = 1, "NCW"

    def __init__(self, layout="NCW", **kwargs):
        super().__init__((1,), None, 0, False, True, "max", layout, **kwargs)


class GlobalAvgPool1D(_Pooling):
    """Mean over all of W: (N, C, W) -> (N, C, 1)."""
    _ndim, _layout = 1, "NCW"

    def __init__(self, layout="NCW", **kwargs):
        super().__init__((1,), None, 0, False, True, "avg", layout, **kwargs)


class Dropout(HybridBlock):
    """Zeroes entries with probability `rate` (scaling the rest by 1/(1-rate)) in training mode
    (autograd.record() or train_mode()); identity in predict mode."""

    def __init__(self, rate, axes=(), **kwargs):
        super().__init__(**kwargs)
        self._rate, self._axes = rate, tuple(axes)

    def hybrid_forward(self, F, x):
        if self._rate > 0:
            return F.Dropout(x, p=self._rate, axes=self._axes, name="fwd")
        return x

    def __repr__(self):
        return f"Dropout(p = {self._rate}, axes={self._axes})"


class BatchNorm(HybridBlock):
    """Batch normalization over `axis` (channels): gamma and beta learned, running_mean and running_var
    auxiliary (grad_req 'null', updated in training mode as m = m * momentum + batch * (1 - momentum))."""
    _fuse_relu = False

    def __init__(self, axis=1, momentum=0.9, epsilon=1e-5, center=True, scale=True, use_global_stats=False,
                 beta_initializer="zeros", gamma_initializer="ones", running_mean_initializer="zeros",
                 running_variance_initializer="ones", in_channels=0, **kwargs):
        super().__init__(**kwargs)
        self._kwargs = {"axis": axis, "eps": epsilon, "momentum": momentum, "fix_gamma": not scale,
                        "use_global_stats": use_global_stats}
        self._axis = axis
        with self.name_scope():
            self.gamma = self.params.get("gamma", grad_req="write" if scale else "null", shape=(in_channels,),
                                         init=gamma_initializer, allow_deferred_init=True, differentiable=scale)
            self.beta = self.params.get("beta", grad_req="write" if center else "null", shape=(in_channels,),
                                        init=beta_initializer, allow_deferred_init=True, differentiable=center)
            self.running_mean = self.params.get("running_mean", grad_req="null", shape=(in_channels,),
                                                init=running_mean_initializer, allow_deferred_init=True,
                                                differentiable=False)
            self.running_var = self.params.get("running_var", grad_req="null", shape=(in_channels,),
                                               init=running_variance_initializer, allow_deferred_init=True,
                                               differentiable=False)

    def infer_shape(self, x, *args):
        c = shape_of(x)[self._axis]
        for p in (self.gamma, self.beta, self.running_mean, self.running_var):
            p.shape = (c,)

    def hybrid_forward(self, F, x, gamma, beta, running_mean, running_var):
        out = F.BatchNorm(x, gamma, beta, running_mean, running_var, name="fwd", **self._kwargs)
        return F.Activation(out, act_type="relu", name="relu") if self._fuse_relu else out

    def __repr__(self):
        return f"BatchNorm(axis={self._axis}, eps={self._kwargs['eps']}, momentum={self._kwargs['momentum']}, " \
               f"in_channels={self.gamma.shape[0] or None})"


class BatchNormReLU(BatchNorm):
    """BatchNorm followed by a ReLU (MXNet fuses the two in one op)."""
    _fuse_relu = True


class Activation(HybridBlock):
    """activation: 'relu', 'sigmoid', 'tanh', 'softrelu' or 'softsign'."""

    def __init__(self, activation, **kwargs):
        object.__setattr__(self, "_act_type", activation)   # before the prefix is made: it names the block
        super().__init__(**kwargs)

    def _alias(self):
        return self._act_type

    def hybrid_forward(self, F, x):
        return F.Activation(x, act_type=self._act_type, name="fwd")

    def __repr__(self):
        return f"Activation({self._act_type})"


class LeakyReLU(HybridBlock):
    """max(x, alpha * x)."""

    def __init__(self, alpha, **kwargs):
        super().__init__(**kwargs)
        self._alpha = alpha

    def hybrid_forward(self, F, x):
        return F.LeakyReLU(x, act_type="leaky", slope=self._alpha, name="fwd")


class PReLU(HybridBlock):
    """max(x, 0) + alpha * min(x, 0) with alpha learned: one slope (in_channels=1, Gluon's default) or one
    per channel (axis 1)."""

    def __init__(self, alpha_initializer=None, in_channels=1, **kwargs):
        super().__init__(**kwargs)
        from .. import initializer
        with self.name_scope():
            self.alpha = self.params.get("alpha", shape=(in_channels,),
                                         init=alpha_initializer or initializer.Constant(0.25))

    def hybrid_forward(self, F, x, alpha):
        return F.LeakyReLU(x, alpha, act_type="prelu", name="fwd")


class ELU(HybridBlock):
    """x if x > 0 else alpha * (exp(x) - 1)."""

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self._alpha = alpha

    def hybrid_forward(self, F, x):
        return F.LeakyReLU(x, act_type="elu", slope=self._alpha, name="fwd")


class SELU(HybridBlock):
    """scale * elu(x, alpha) with Klambauer et al.'s constants."""

    def hybrid_forward(self, F, x):
        return F.LeakyReLU(x, act_type="selu", name="fwd")


class Swish(HybridBlock):
    """x * sigmoid(beta * x)."""

    def __init__(self, beta=1.0, **kwargs):
        super().__init__(**kwargs)
        self._beta = beta

    def hybrid_forward(self, F, x):
        return x * F.sigmoid(self._beta * x, name="fwd")


class GELU(HybridBlock):
    """x * Phi(x) = 0.5 * x * (1 + erf(x / sqrt(2))) (MXNet's LeakyReLU act_type 'gelu')."""

    def hybrid_forward(self, F, x):
        return F.LeakyReLU(x, act_type="gelu", name="fwd")


def _affine(block, shape, scale, center, gamma_initializer, beta_initializer):
    """The gamma and beta of a normalization layer (learned as scale / center say; shape 0 deferred)."""
    with block.name_scope():
        block.gamma = block.params.get("gamma", grad_req="write" if scale else "null", shape=shape,
                                       init=gamma_initializer, allow_deferred_init=True)
        block.beta = block.params.get("beta", grad_req="write" if center else "null", shape=shape,
                                      init=beta_initializer, allow_deferred_init=True)


class LayerNorm(HybridBlock):
    """(x - mean) / sqrt(var + epsilon) * gamma + beta over `axis` (the last by default)."""

    def __init__(self, axis=-1, epsilon=1e-5, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", in_channels=0, **kwargs):
        super().__init__(**kwargs)
        self._axis, self._eps = axis, epsilon
        _affine(self, (in_channels,), scale, center, gamma_initializer, beta_initializer)

    def infer_shape(self, x, *args):
        c = shape_of(x)[self._axis]
        self.gamma.shape = self.beta.shape = (c,)

    def hybrid_forward(self, F, data, gamma, beta):
        return F.LayerNorm(data, gamma, beta, axis=self._axis, eps=self._eps, name="fwd")


class ReflectionPad2D(HybridBlock):
    """NCHW data padded by mirroring (without the border pixel): padding an int (H and W, both sides) or
    MXNet's flat 8-tuple pad_width."""

    def __init__(self, padding=0, **kwargs):
        super().__init__(**kwargs)
        if isinstance(padding, (int, float)):
            padding = (0, 0, 0, 0, padding, padding, padding, padding)
        if len(padding) != 8:
            raise MXNetError(f"ReflectionPad2D: padding must be an int or 8 values (pad_width), got {padding}")
        self._padding = tuple(int(p) for p in padding)

    def hybrid_forward(self, F, x):
        return F.pad(x, mode="reflect", pad_width=self._padding)


class InstanceNorm(HybridBlock):
    """Each sample's channel normalized over its spatial axes; gamma (learned only with scale=True, Gluon's
    default being False) and beta per channel along `axis`."""

    def __init__(self, axis=1, epsilon=1e-5, center=True, scale=False, beta_initializer="zeros",
                 gamma_initializer="ones", in_channels=0, **kwargs):
        super().__init__(**kwargs)
        self._axis, self._epsilon = axis, epsilon
        _affine(self, (in_channels,), scale, center, gamma_initializer, beta_initializer)

    def infer_shape(self, x, *args):
        self.gamma.shape = self.beta.shape = (shape_of(x)[self._axis],)

    def hybrid_forward(self, F, x, gamma, beta):
        if self._axis == 1:
            return F.InstanceNorm(x, gamma, beta, name="fwd", eps=self._epsilon)
        x = F.swapaxes(x, dim1=1, dim2=self._axis)
        return F.swapaxes(F.InstanceNorm(x, gamma, beta, name="fwd", eps=self._epsilon), dim1=1, dim2=self._axis)

    def __repr__(self):
        return f"InstanceNorm(eps={self._epsilon}, axis={self._axis}, in_channels={self.gamma.shape[0] or None})"


class GroupNorm(HybridBlock):
    """The channels (axis 1) cut into num_groups groups, each sample's group normalized over its channels
    and spatial axes, then * gamma + beta per group (gamma, beta: (num_groups,), as MXNet 1.x's)."""

    def __init__(self, num_groups=1, epsilon=1e-5, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", **kwargs):
        super().__init__(**kwargs)
        self._num_groups, self._epsilon = num_groups, epsilon
        _affine(self, (num_groups,), scale, center, gamma_initializer, beta_initializer)

    def hybrid_forward(self, F, data, gamma, beta):
        return F.GroupNorm(data, gamma, beta, num_groups=self._num_groups, eps=self._epsilon, name="fwd")

    def __repr__(self):
        return f"GroupNorm(num_groups={self._num_groups}, eps={self._epsilon})"


class HybridConcurrent(HybridSequential):
    """Runs every child on the same input and concatenates their outputs along `axis`."""

    def __init__(self, axis=-1, prefix=None, params=None):
        super().__init__(prefix=prefix, params=params)
        self.axis = axis

    def hybrid_forward(self, F, x):
        return F.concat(*[block(x) for block in self._children.values()], dim=self.axis)


class Concurrent(Sequential):
    """Runs every child on the same input and concatenates their outputs along `axis`."""

    def __init__(self, axis=-1, prefix=None, params=None):
        super().__init__(prefix=prefix, params=params)
        self.axis = axis

    def forward(self, x):
        from .. import ndarray
        return ndarray.concat(*[block(x) for block in self._children.values()], dim=self.axis)


class Identity(HybridBlock):
    """Returns its input (the skip branch of HybridConcurrent)."""

    def hybrid_forward(self, F, x):
        return x


class HybridLambda(HybridBlock):
    """Wraps an op name of F ('tanh') or a function(F, x, *args)."""

    def __init__(self, function, prefix=None):
        super().__init__(prefix=prefix)
        if isinstance(function, str):
            self._func = lambda F, *args: getattr(F, function)(*args)
            self._name = function
        elif callable(function):
            self._func, self._name = function, getattr(function, "__name__", "lambda")
        else:
            raise ValueError(f"Unrecognized function in lambda: {function} of type {type(function)}")

    def hybrid_forward(self, F, x, *args):
        return self._func(F, x, *args)


class Lambda(Block):
    """Wraps an nd function name ('tanh') or a function(x, *args)."""

    def __init__(self, function, prefix=None):
        super().__init__(prefix=prefix)
        if isinstance(function, str):
            from .. import ndarray
            function = getattr(ndarray, function)
        elif not callable(function):
            raise ValueError(f"Unrecognized function in lambda: {function} of type {type(function)}")
        self._func = function

    def forward(self, *args):
        return self._func(*args)


class Flatten(HybridBlock):
    """(N, ...) -> (N, prod(...))."""

    def hybrid_forward(self, F, x):
        return F.Flatten(x)

    def __repr__(self):
        return "Flatten"


class Embedding(HybridBlock):
    """Rows of weight (input_dim, output_dim) picked by integer ids."""

    def __init__(self, input_dim, output_dim, dtype="float32", weight_initializer=None, sparse_grad=False,
                 **kwargs):
        super().__init__(**kwargs)
        # sparse_grad: MXNet's row_sparse gradient holds the same values as this dense one (rows not looked
        # up are zero), so SGD and Adam without lazy updates train alike
        self._input_dim, self._output_dim = input_dim, output_dim
        with self.name_scope():
            self.weight = self.params.get("weight", shape=(input_dim, output_dim), init=weight_initializer,
                                          dtype=dtype)

    def hybrid_forward(self, F, x, weight):
        return F.Embedding(x, weight, input_dim=self._input_dim, output_dim=self._output_dim, name="fwd")


class Conv3D(Conv2D):
    """3-D convolution over NCDHW input; weight (channels, in_channels / groups, kd, kh, kw): one 2-D
    convolution over every output depth's input slices (see ops.Convolution)."""
    _ndim, _layout = 3, "NCDHW"

    def __init__(self, channels, kernel_size, strides=(1, 1, 1), padding=(0, 0, 0), dilation=(1, 1, 1), groups=1,
                 layout="NCDHW", activation=None, use_bias=True, weight_initializer=None, bias_initializer="zeros",
                 in_channels=0, **kwargs):
        super().__init__(channels, kernel_size, strides, padding, dilation, groups, layout, activation, use_bias,
                         weight_initializer, bias_initializer, in_channels, **kwargs)


class MaxPool3D(_Pooling):
    """Max pooling over NCDHW windows; strides default to pool_size."""
    _ndim, _layout = 3, "NCDHW"

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding=0, ceil_mode=False, layout="NCDHW", **kwargs):
        super().__init__(pool_size, strides, padding, ceil_mode, False, "max", layout, **kwargs)


class AvgPool3D(_Pooling):
    """Average pooling over NCDHW windows (padding counted); strides default to pool_size."""
    _ndim, _layout = 3, "NCDHW"

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding=0, ceil_mode=False, layout="NCDHW",
                 count_include_pad=True, **kwargs):
        super().__init__(pool_size, strides, padding, ceil_mode, False, "avg", layout, count_include_pad,
                         **kwargs)


class GlobalMaxPool3D(_Pooling):
    """Max over all of D x H x W: (N, C, D, H, W) -> (N, C, 1, 1, 1)."""
    _ndim, _layout = 3, "NCDHW"

    def __init__(self, layout="NCDHW", **kwargs):
        super().__init__((1, 1, 1), None, 0, False, True, "max", layout, **kwargs)


class GlobalAvgPool3D(_Pooling):
    """Mean over all of D x H x W: (N, C, D, H, W) -> (N, C, 1, 1, 1)."""
    _ndim, _layout = 3, "NCDHW"

    def __init__(self, layout="NCDHW", **kwargs):
        super().__init__((1, 1, 1), None, 0, False, True, "avg", layout, **kwargs)


Conv3DTranspose = refused("Conv3DTranspose", HybridBlock, "Conv3DTranspose is not supported: the shared kernels "
                          "are 2-D; fold the depth axis into the batch (x.reshape((-3, -2))) and use Conv2DTranspose")

__all__ = ["BatchNormReLU", "Conv1DTranspose", "Conv3D", "Conv3DTranspose", "MaxPool3D", "AvgPool3D", "GlobalMaxPool3D",
           "GlobalAvgPool3D", "ReflectionPad2D",
           "Dense", "Conv1D", "Conv2D", "Conv2DTranspose", "MaxPool1D", "AvgPool1D", "GlobalMaxPool1D",
           "GlobalAvgPool1D", "InstanceNorm", "GroupNorm", "PReLU", "ELU", "SELU", "Swish", "GELU", "LayerNorm",
           "HybridConcurrent", "Concurrent", "Identity", "MaxPool2D", "AvgPool2D", "GlobalMaxPool2D", "GlobalAvgPool2D", "Dropout",
           "BatchNorm", "Activation", "LeakyReLU", "Flatten", "Embedding", "Lambda", "HybridLambda",
           "HybridSequential", "Sequential", "Block", "HybridBlock"]
