"""tf.layers: the functional layers (dense, conv2d, max_pooling2d, dropout, batch_normalization, flatten),
each a variable scope of get_variable weights plus ops, named and shared as TF 1.x names and shares them."""
import numpy as np

from . import nn, ops
from .control_flow_ops import smart_cond
from .unsupported import Refusing
from .graph import GraphKeys, Tensor, get_default_graph
from .variable_scope import get_variable, ones_initializer, variable_scope, zeros_initializer


def _pair(v, what):
    v = (v, v) if isinstance(v, int) else tuple(v)
    if len(v) != 2:
        raise ValueError(f"The `{what}` argument must be a tuple of 2 integers. Received: {v}")
    return v


def _padding(p):
    p = p.upper()
    if p not in ("SAME", "VALID"):
        raise ValueError(f"The `padding` argument must be one of \"valid\", \"same\". Received: {p.lower()}")
    return p


def _nhwc(data_format):
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"The `data_format` argument must be one of \"channels_first\", \"channels_last\". "
                         f"Received: {data_format}")
    return "NHWC" if data_format == "channels_last" else "NCHW"


def dense(inputs, units, activation=None, use_bias=True, kernel_initializer=None,
          bias_initializer=zeros_initializer(), kernel_regularizer=None, bias_regularizer=None,
          activity_regularizer=None, kernel_constraint=None, bias_constraint=None, trainable=True, name=None,
          reuse=None):
    """activation(inputs @ kernel + bias); kernel [in, units] (glorot uniform by default)."""
    x = ops.convert_to_tensor(inputs)
    dims = x.shape.dims
    if dims is None or dims[-1] is None:
        raise ValueError("The last dimension of the inputs to `Dense` should be defined. Found `None`.")
    with variable_scope(name, default_name="dense", reuse=reuse):
        kernel = get_variable("kernel", [dims[-1], units], dtype=x.dtype, initializer=kernel_initializer,
                              trainable=trainable)
        flat = x if len(dims) == 2 else ops.reshape(x, [-1, dims[-1]])
        y = ops.matmul(flat, kernel)
        if use_bias:
            bias = get_variable("bias", [units], dtype=x.dtype, initializer=bias_initializer,
                                trainable=trainable)
            y = nn.bias_add(y, bias)
        if len(dims) != 2:
            if None in dims[1:-1]:
                raise ValueError(f"dense: inputs of rank {len(dims)} need static inner dimensions, got "
                                 f"{x.shape}")
            y = ops.reshape(y, [-1] + list(dims[1:-1]) + [units])
        return activation(y) if activation is not None else y


def conv2d(inputs, filters, kernel_size, strides=(1, 1), padding="valid", data_format="channels_last",
           dilation_rate=(1, 1), activation=None, use_bias=True, kernel_initializer=None,
           bias_initializer=zeros_initializer(), kernel_regularizer=None, bias_regularizer=None,
           activity_regularizer=None, kernel_constraint=None, bias_constraint=None, trainable=True, name=None,
           reuse=None):
    """A 2-D convolution layer: kernel [kh, kw, in, filters] (HWIO), then bias and activation."""
    x = ops.convert_to_tensor(inputs)
    fmt = _nhwc(data_format)
    kh, kw = _pair(kernel_size, "kernel_size")
    sh, sw = _pair(strides, "strides")
    channels = x.shape.dims[-1 if fmt == "NHWC" else 1]
    with variable_scope(name, default_name="conv2d", reuse=reuse):
        kernel = get_variable("kernel", [kh, kw, channels, filters], dtype=x.dtype,
                              initializer=kernel_initializer, trainable=trainable)
        y = nn.conv2d(x, kernel, strides=[1, sh, sw, 1] if fmt == "NHWC" else [1, 1, sh, sw],
                      padding=_padding(padding), data_format=fmt, dilations=None if dilation_rate in
                      ((1, 1), 1) else [1, *_pair(dilation_rate, "dilation_rate"), 1])
        if use_bias:
            bias = get_variable("bias", [filters], dtype=x.dtype, initializer=bias_initializer,
                                trainable=trainable)
            y = nn.bias_add(y, bias, data_format=fmt)
        return activation(y) if activation is not None else y


def conv2d_transpose(inputs, filters, kernel_size, strides=(1, 1), padding="valid", data_format="channels_last",
                     activation=None, use_bias=True, kernel_initializer=None, bias_initializer=zeros_initializer(),
                     kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                     kernel_constraint=None, bias_constraint=None, trainable=True, name=None, reuse=None):
    """A transposed 2-D convolution layer: kernel [kh, kw, filters, in] as TF's, output size Keras'
    deconv_output_length (valid: in * s + max(k - s, 0), same: in * s), then bias and activation."""
    x = ops.convert_to_tensor(inputs)
    fmt = _nhwc(data_format)
    kh, kw = _pair(kernel_size, "kernel_size")
    sh, sw = _pair(strides, "strides")
    pad = _padding(padding)
    dims = x.shape.dims
    channels = dims[-1 if fmt == "NHWC" else 1]
    h, w = (dims[1], dims[2]) if fmt == "NHWC" else (dims[2], dims[3])
    if pad == "VALID":
        oh, ow = h * sh + max(kh - sh, 0), w * sw + max(kw - sw, 0)
    else:
        oh, ow = h * sh, w * sw
    n = -1 if dims[0] is None else dims[0]   # the kernel's batch is the input's
    out_shape = [n, oh, ow, filters] if fmt == "NHWC" else [n, filters, oh, ow]
    with variable_scope(name, default_name="conv2d_transpose", reuse=reuse):
        kernel = get_variable("kernel", [kh, kw, filters, channels], dtype=x.dtype,
                              initializer=kernel_initializer, trainable=trainable)
        y = nn.conv2d_transpose(x, kernel, out_shape, strides=[1, sh, sw, 1] if fmt == "NHWC" else [1, 1, sh, sw],
                                padding=pad, data_format=fmt)
        if use_bias:
            bias = get_variable("bias", [filters], dtype=x.dtype, initializer=bias_initializer,
                                trainable=trainable)
            y = nn.bias_add(y, bias, data_format=fmt)
        return activation(y) if activation is not None else y


def max_pooling2d(inputs, pool_size, strides, padding="valid", data_format="channels_last", name=None):
    fmt = _nhwc(data_format)
    kh, kw = _pair(pool_size, "pool_size")
    sh, sw = _pair(strides, "strides")
    window = [1, kh, kw, 1] if fmt == "NHWC" else [1, 1, kh, kw]
    step = [1, sh, sw, 1] if fmt == "NHWC" else [1, 1, sh, sw]
    with get_default_graph().name_scope(name or "max_pooling2d"):
        return nn.max_pool(inputs, window, step, _padding(padding), data_format=fmt)


def flatten(inputs, name=None, data_format="channels_last"):
    x = ops.convert_to_tensor(inputs)
    dims = x.shape.dims
    if dims is None or None in dims[1:]:
        raise ValueError(f"flatten: the non-batch dimensions must be static, got {x.shape}")
    return ops.reshape(x, [-1, int(np.prod(dims[1:]))], name=name)


def dropout(inputs, rate=0.5, noise_shape=None, seed=None, training=False, name=None):
    """Inverted dropout while `training` (a bool or a bool tensor); the identity otherwise."""
    x = ops.convert_to_tensor(inputs)
    with get_default_graph().name_scope(name or "dropout"):
        return smart_cond(training, lambda: nn.dropout(x, rate=rate, noise_shape=noise_shape, seed=seed),
                       lambda: x)


def batch_normalization(inputs, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                        beta_initializer=zeros_initializer(), gamma_initializer=ones_initializer(),
                        moving_mean_initializer=zeros_initializer(),
                        moving_variance_initializer=ones_initializer(), beta_regularizer=None,
                        gamma_regularizer=None, beta_constraint=None, gamma_constraint=None, training=False,
                        trainable=True, name=None, reuse=None, renorm=False, renorm_clipping=None,
                        renorm_momentum=0.99, fused=None, virtual_batch_size=None, adjustment=None):
    """Batch norm over every axis but `axis`. While training: batch moments, and two ops in the UPDATE_OPS
    collection (run them with the train op: control_dependencies) that move the moving statistics as TF
    does: moving -= (moving - batch) * (1 - momentum). Where TF runs the fused kernel (4-D input, channel
    axis 1 or 3, fused None or True) it is one FusedBatchNorm op (tf.nn.fused_batch_norm: epsilon at least
    1.001e-5, the Bessel-corrected batch variance to moving_variance); elsewhere TF's composition of
    moments and batch_normalization, the biased variance to moving_variance. Either way the normalization
    uses the biased batch variance."""
    if renorm or virtual_batch_size is not None or adjustment is not None:
        raise ValueError("batch_normalization: renorm, virtual_batch_size and adjustment are not supported")
    x = ops.convert_to_tensor(inputs)
    dims = x.shape.dims
    rank = len(dims)
    ax = axis % rank if isinstance(axis, int) else None
    if ax is None:
        raise ValueError(f"batch_normalization: axis must be one integer, got {axis!r}")
    reduce_axes = [i for i in range(rank) if i != ax]
    channels = dims[ax]
    is_fused = fused is not False and rank == 4 and ax in (1, 3)
    with variable_scope(name, default_name="batch_normalization", reuse=reuse):
        gamma = get_variable("gamma", [channels], dtype=x.dtype, initializer=gamma_initializer,
                             trainable=trainable) if scale else None
        beta = get_variable("beta", [channels], dtype=x.dtype, initializer=beta_initializer,
                            trainable=trainable) if center else None
        moving_mean = get_variable("moving_mean", [channels], dtype=x.dtype,
                                   initializer=moving_mean_initializer, trainable=False)
        moving_variance = get_variable("moving_variance", [channels], dtype=x.dtype,
                                       initializer=moving_variance_initializer, trainable=False)
        if is_fused:
            return _fused_batch_norm(x, ax, gamma, beta, moving_mean, moving_variance, momentum, epsilon,
                                     training)
        bshape = [1] * rank
        bshape[ax] = channels

        def param(v):   # (C,) -> broadcastable against x, the batch moments' keepdims shape
            return ops.reshape(v, bshape)

        def batch_moments():
            mean = ops.reduce_mean(x, axis=reduce_axes, keepdims=True)
            variance = ops.reduce_mean(ops.square(x - ops.stop_gradient(mean)), axis=reduce_axes,
                                       keepdims=True)
            return mean, variance

        use_batch = training if isinstance(training, Tensor) else bool(training)
        if use_batch is False:
            mean, variance = param(moving_mean), param(moving_variance)
        else:
            b_mean, b_var = batch_moments()
            mean = smart_cond(training, lambda: b_mean, lambda: param(moving_mean))
            variance = smart_cond(training, lambda: b_var, lambda: param(moving_variance))
            _add_updates(b_mean, b_var, moving_mean, moving_variance, momentum, training, channels)
        inv = ops.rsqrt(variance + epsilon)
        if gamma is not None:
            inv = inv * param(gamma)
        y = x * inv + ((param(beta) if beta is not None else 0.0) - mean * inv)
        return y


def _fused_batch_norm(x, ax, gamma, beta, moving_mean, moving_variance, momentum, epsilon, training):
    """TF's fused path (BatchNormalization._fused_batch_norm): one FusedBatchNorm op, training or inference
    picked by smart_cond; its Bessel-corrected batch variance moves moving_variance as it is (TF 1.x's
    _bessels_correction_test_only), and in inference the updates move nothing (decay 0)."""
    fmt = "NCHW" if ax == 1 else "NHWC"
    c = x.shape.dims[ax]
    one = ops.constant(np.ones(c, x.dtype.np)) if gamma is None else gamma
    zero = ops.constant(np.zeros(c, x.dtype.np)) if beta is None else beta

    def train():
        return nn.fused_batch_norm(x, one, zero, epsilon=epsilon, data_format=fmt)

    def infer():
        return nn.fused_batch_norm(x, one, zero, mean=moving_mean, variance=moving_variance, epsilon=epsilon,
                                   data_format=fmt, is_training=False)

    if not isinstance(training, Tensor) and not training:
        return infer()[0]
    y, mean, variance = smart_cond(training, train, infer)
    _add_updates(mean, variance, moving_mean, moving_variance, momentum, training, c)
    return y


def _add_updates(b_mean, b_var, moving_mean, moving_variance, momentum, training, channels):
    """The moving-average updates, filed under UPDATE_OPS (decay 0 when a training tensor is false), as TF's
    _assign_moving_average: moving -= (moving - batch) * (1 - momentum)."""
    g = get_default_graph()
    mean = ops.reshape(b_mean, [channels])
    var = ops.reshape(b_var, [channels])
    decay = 1.0 - momentum
    if isinstance(training, Tensor):   # TF: smart_cond(training, lambda: 1 - momentum, lambda: 0.)
        decay = smart_cond(training, lambda: ops.constant(decay, dtype=moving_mean.dtype),
                           lambda: ops.constant(0.0, dtype=moving_mean.dtype))
    with g.name_scope("AssignMovingAvg"):
        upd_mean = ops.assign_sub(moving_mean, (moving_mean - ops.stop_gradient(mean)) * decay)
    with g.name_scope("AssignMovingAvg_1"):
        upd_var = ops.assign_sub(moving_variance, (moving_variance - ops.stop_gradient(var)) * decay)
    g.add_to_collection(GraphKeys.UPDATE_OPS, upd_mean.op)
    g.add_to_collection(GraphKeys.UPDATE_OPS, upd_var.op)


class layers(metaclass=Refusing):  # noqa: N801  (the tf.layers namespace)
    _tf_prefix = "layers."
    dense = staticmethod(dense)
    conv2d = staticmethod(conv2d)
    conv2d_transpose = staticmethod(conv2d_transpose)
    max_pooling2d = staticmethod(max_pooling2d)
    flatten = staticmethod(flatten)
    dropout = staticmethod(dropout)
    batch_normalization = staticmethod(batch_normalization)
