"""tf.nn: activations, bias_add, conv2d, max_pool, avg_pool, embedding_lookup, cross-entropies, dropout; the RNN
cells and drivers live in rnn.py and are re-exported here (tf.nn.rnn_cell, dynamic_rnn, static_rnn)."""
import numpy as np

from frameworks import kernels as K
from .graph import get_default_graph, name_scope
from .ops import (convert_to_tensor, expand_dims, kernel_op, reshape, squeeze, transpose, relu,  # noqa: F401
                  sigmoid, tanh)
from .rnn import (LSTMStateTuple, bidirectional_dynamic_rnn, dynamic_rnn, rnn_cell, static_bidirectional_rnn,  # noqa: F401
                  static_rnn)
from . import ops
from .unsupported import missing

__getattr__ = missing("nn.")


def bias_add(value, bias, data_format=None, name=None):
    """value + bias along the channel axis: the last one (NHWC, default) or axis 1 (NCHW)."""
    value, bias = convert_to_tensor(value), convert_to_tensor(bias, dtype=convert_to_tensor(value).dtype)
    dims, b = value.shape.dims, bias.shape.dims
    if b is None or len(b) != 1:
        raise ValueError(f"BiasAdd: bias must be 1-D, got shape {bias.shape}")
    axis = 1 if data_format == "NCHW" else -1
    if dims is not None and dims[axis] is not None and dims[axis] != b[0]:
        raise ValueError(f"Dimensions must be equal, but are {dims[axis]} and {b[0]} for 'BiasAdd' with "
                         f"input shapes: {list(dims)}, {list(b)}.")
    if axis == 1:
        bias = reshape(bias, (b[0],) + (1,) * (len(dims) - 2))
    return kernel_op("BiasAdd", K.add, [value, bias], name)


def _same_pads(size, k, s, what):
    """TF's 'SAME': out = ceil(size / s); the padding that needs, (before, after), the odd pixel after."""
    if size is None:
        raise ValueError(f"{what}: padding 'SAME' needs a known spatial size")
    out = -(-size // s)
    total = max((out - 1) * s + k - size, 0)
    return total // 2, total - total // 2


def _windows(x, kernel, stride, padding, fill, what):
    """x (NCHW) and the kernels' (pad, ceil_mode) for TF's padding: symmetric padding is the kernel's own;
    the odd pixel TF adds after is an explicit Pad of `fill` (which a window never counts as a pixel), except
    where Caffe's round-up windows already cover it (stride == window, nothing before)."""
    if padding == "VALID":
        return x, (0, 0), False
    if padding != "SAME":
        raise ValueError(f"{what}: padding must be 'SAME' or 'VALID', got {padding!r}")
    dims = x.shape.dims
    (bh, ah), (bw, aw) = (_same_pads(dims[2], kernel[0], stride[0], what),
                          _same_pads(dims[3], kernel[1], stride[1], what))
    if fill is not None and bh == bw == 0 and tuple(kernel) == tuple(stride):
        return x, (0, 0), True
    if ah > bh or aw > bw:
        x = ops.pad(x, [[0, 0], [0, 0], [0, ah - bh], [0, aw - bw]], constant_values=fill or 0)
    return x, (bh, bw), False


def _spatial(values, data_format, what):
    v = list(values)
    if len(v) == 1:
        return v[0], v[0]
    if len(v) == 2:
        return tuple(v)
    if len(v) == 4:
        return (v[2], v[3]) if data_format == "NCHW" else (v[1], v[2])
    raise ValueError(f"{what}: expected 1, 2 or 4 values, got {values}")


def conv2d(input, filter=None, strides=(1, 1, 1, 1), padding="SAME", use_cudnn_on_gpu=True,  # noqa: A002
           data_format="NHWC", dilations=None, name=None, filters=None):
    """2-D convolution; `filter` is HWIO (TF's layout), input NHWC or NCHW.

    The shared kernel is NCHW/OIHW, so the filter is transposed in the graph (and NHWC inputs/outputs
    too): those transposes are real ops, so their cost shows up where it belongs.
    """
    x = convert_to_tensor(input)
    w = convert_to_tensor(filter if filter is not None else filters)
    if dilations is not None and any(d != 1 for d in dilations):
        raise ValueError("conv2d: dilations other than 1 are not supported by the shared kernel")
    sh, sw = _spatial(strides, data_format, "conv2d strides")
    if data_format == "NHWC":
        x = transpose(x, (0, 3, 1, 2))
    elif data_format != "NCHW":
        raise ValueError(f"conv2d: data_format must be 'NHWC' or 'NCHW', got {data_format!r}")
    wd = w.shape.dims
    if wd is None or len(wd) != 4:
        raise ValueError(f"conv2d: filter must be 4-D [height, width, in_channels, out_channels], "
                         f"got {w.shape}")
    x, pad, _ = _windows(x, wd[:2], (sh, sw), padding, None, "conv2d")
    w_oihw = transpose(w, (3, 2, 0, 1))
    y = kernel_op("Conv2D", K.conv2d, [x, w_oihw], name, stride=(sh, sw), pad=pad)
    return transpose(y, (0, 2, 3, 1)) if data_format == "NHWC" else y


def conv1d(value=None, filters=None, stride=1, padding="SAME", use_cudnn_on_gpu=None, data_format=None,
           name=None, input=None, dilations=None):  # noqa: A002
    """1-D convolution as TF1 writes it: value [batch, width, in] ("NWC") or "NCW", filters [width, in, out];
    expand_dims to 2-D, conv2d with a unit height, squeeze back (the same graph TF builds)."""
    x = convert_to_tensor(value if value is not None else input)
    w = convert_to_tensor(filters)
    data_format = data_format or "NWC"
    if data_format not in ("NWC", "NCW", "NHWC", "NCHW"):
        raise ValueError(f"data_format must be \"NWC\" or \"NCW\", got {data_format!r}")
    channels_last = data_format in ("NWC", "NHWC")
    stride = stride if isinstance(stride, int) else (list(stride)[1] if channels_last else list(stride)[-1])
    dil = None if dilations is None else [1, 1, dilations if isinstance(dilations, int) else list(dilations)[-1], 1]
    with name_scope(name, "conv1d", [x, w]):
        x4 = expand_dims(x, 1 if channels_last else 2)
        w4 = expand_dims(w, 0)
        y = conv2d(x4, w4, [1, 1, stride, 1] if channels_last else [1, 1, 1, stride], padding,
                   data_format="NHWC" if channels_last else "NCHW", dilations=dil)
        return squeeze(y, [1 if channels_last else 2])


def conv2d_transpose(value, filter=None, output_shape=None, strides=None, padding="SAME",  # noqa: A002
                     data_format="NHWC", name=None, input=None, filters=None, dilations=None):  # noqa: A002
    """The gradient of conv2d with respect to its input (TF's Conv2DBackpropInput); `filter` is
    [height, width, output_channels, in_channels] and `output_shape` the 4-D shape of the result.

    The shared kernel is NCHW with an (in, out, kh, kw) weight: the same filter transpose as conv2d's. TF's
    'SAME' crops pad_before = total // 2 rows and columns in front and the rest behind: the kernel's
    symmetric pad plus output_padding (-1: one row/column cut at the end) give exactly those windows.
    """
    x = convert_to_tensor(value if value is not None else input)
    w = convert_to_tensor(filter if filter is not None else filters)
    if dilations is not None and any(d != 1 for d in dilations):
        raise ValueError("conv2d_transpose: dilations other than 1 are not supported by the shared kernel")
    if strides is None:
        raise TypeError("conv2d_transpose() missing required argument 'strides'")
    shape = _static_shape(output_shape)
    sh, sw = _spatial(strides, data_format, "conv2d_transpose strides")
    if data_format == "NHWC":
        x = transpose(x, (0, 3, 1, 2))
        out_hw, out_c = shape[1:3], shape[3]
    elif data_format == "NCHW":
        out_hw, out_c = shape[2:4], shape[1]
    else:
        raise ValueError(f"conv2d_transpose: data_format must be 'NHWC' or 'NCHW', got {data_format!r}")
    wd, xd = w.shape.dims, x.shape.dims
    if wd is None or len(wd) != 4:
        raise ValueError(f"conv2d_transpose: filter must be 4-D [height, width, output_channels, "
                         f"in_channels], got {w.shape}")
    if xd[1] is not None and wd[3] != xd[1]:
        raise ValueError(f"input channels {xd[1]} do not match the filter's in_channels {wd[3]} "
                         f"(filter shape {w.shape})")
    if wd[2] != out_c:
        raise ValueError(f"output_shape's channels {out_c} do not match the filter's output_channels "
                         f"{wd[2]} (filter shape {w.shape})")
    pad, extra = [], []
    for d, (k, s) in enumerate(((wd[0], sh), (wd[1], sw))):
        size, out = xd[2 + d], out_hw[d]
        if padding == "SAME":
            want = -(-out // s)
            before = max((size - 1) * s + k - out, 0) // 2
        elif padding == "VALID":
            want = -(-(out - k + 1) // s) if out >= k else 0
            before = 0
        else:
            raise ValueError(f"conv2d_transpose: padding must be 'SAME' or 'VALID', got {padding!r}")
        if size is not None and want != size:
            raise ValueError(f"Conv2DCustomBackpropInput: Size of out_backprop doesn't match computed: "
                             f"actual = {size}, computed = {want} (output_shape {shape}, strides "
                             f"{[sh, sw]}, padding {padding})")
        pad.append(before)
        extra.append(out - ((size - 1) * s + k - 2 * before))   # -1: the odd pixel cut after
    w_iohw = transpose(w, (3, 2, 0, 1))
    y = kernel_op("Conv2DBackpropInput", K.conv_transpose2d, [x, w_iohw], name,
                  stride=(sh, sw), pad=tuple(pad), output_padding=tuple(extra))
    return transpose(y, (0, 2, 3, 1)) if data_format == "NHWC" else y


def _static_shape(output_shape):
    """conv2d_transpose's output_shape as 4 ints (the batch entry may be a run-time tensor, -1 here: the
    kernel's batch is the input's); the spatial and channel entries must be fixed by the graph."""
    if isinstance(output_shape, (list, tuple)):
        vals = [ops.constant_value(v) if hasattr(v, "op") else v for v in output_shape]
        vals = [-1 if i == 0 and v is None else v for i, v in enumerate(vals)]
    else:
        v = ops.constant_value(output_shape) if output_shape is not None else None
        vals = None if v is None else list(np.asarray(v).reshape(-1))
    if vals is None or len(vals) != 4 or any(v is None for v in vals):
        raise ValueError(f"conv2d_transpose: output_shape must be 4 values whose height, width and channels "
                         f"the graph fixes, got {output_shape!r}")
    return [int(v) for v in vals]


def lrn(input, depth_radius=5, bias=1, alpha=1, beta=0.5, name=None):  # noqa: A002
    """Local response normalisation over the last axis (TF's LRN, NHWC): input / (bias + alpha *
    sum of input^2 over 2 * depth_radius + 1 channels)^beta. TF does not divide alpha by the window, the
    shared kernel does (Caffe's form): it gets size 2r + 1 and alpha * size."""
    x = convert_to_tensor(input)
    if x.shape.dims is not None and len(x.shape.dims) != 4:
        raise ValueError(f"Shape must be rank 4 but is rank {len(x.shape.dims)} for 'LRN' (op: 'LRN') "
                         f"with input shapes: {x.shape}")
    size = 2 * int(depth_radius) + 1
    return kernel_op("LRN", K.lrn, [x], name, size=size, alpha=float(alpha) * size, beta=float(beta),
                     k=float(bias), axis=-1)


local_response_normalization = lrn


def max_pool(value, ksize, strides, padding, data_format="NHWC", name=None):
    """Max over TF's windows: 'SAME' pads with -inf, which a window never picks."""
    return _pool("MaxPool", K.max_pool2d, value, ksize, strides, padding, data_format, name, {})


def avg_pool(value, ksize, strides, padding, data_format="NHWC", name=None):
    """Mean over TF's windows; a 'SAME' window divides by the real pixels it covers, not the pad."""
    return _pool("AvgPool", K.avg_pool2d, value, ksize, strides, padding, data_format, name,
                 {"count_include_pad": False})


def _pool(op_type, kernel, value, ksize, strides, padding, data_format, name, attrs):
    what = op_type.lower().replace("pool", "_pool")
    x = convert_to_tensor(value)
    kh, kw = _spatial(ksize, data_format, f"{what} ksize")
    sh, sw = _spatial(strides, data_format, f"{what} strides")
    if data_format == "NHWC":
        x = transpose(x, (0, 3, 1, 2))
    elif data_format != "NCHW":
        raise ValueError(f"{what}: data_format must be 'NHWC' or 'NCHW', got {data_format!r}")
    h, w = x.shape.dims[2], x.shape.dims[3]
    x, pad, ceil_mode = _windows(x, (kh, kw), (sh, sw), padding, -np.inf if op_type == "MaxPool" else 0.0, what)
    # an explicit pad's zeros sit inside the average's input, so the kernel counts them: the result is
    # rescaled from the kernel's count to the real pixels of each window (a constant of the geometry)
    rescale = op_type == "AvgPool" and (h, w) != tuple(x.shape.dims[2:])
    y = kernel_op(op_type, kernel, [x], None if rescale else name,
                  kernel=(kh, kw), stride=(sh, sw), pad=pad, ceil_mode=ceil_mode, **attrs)
    if rescale:
        y = ops.multiply(y, _recount(h, w, x.shape.dims[2:], (kh, kw), (sh, sw), pad, x.dtype), name=name)
    return transpose(y, (0, 2, 3, 1)) if data_format == "NHWC" else y


def _recount(h, w, padded, k, s, pad, dtype):
    def counts(size, padded_size, k, s, p):
        out = (padded_size + 2 * p - k) // s + 1
        start = np.arange(out) * s - p
        real = np.minimum(start + k, size) - np.maximum(start, 0)
        seen = np.minimum(start + k, padded_size) - np.maximum(start, 0)
        return seen / np.maximum(real, 1)
    ratio = counts(h, padded[0], k[0], s[0], pad[0])[:, None] * counts(w, padded[1], k[1], s[1], pad[1])[None, :]
    return ops.constant(ratio.astype(dtype.np))


def embedding_lookup(params, ids, name=None):
    params, ids = convert_to_tensor(params), convert_to_tensor(ids)
    if not ids.dtype.is_integer:
        raise TypeError(f"embedding_lookup: ids must be integers, got {ids.dtype.name} ({ids.name})")
    return kernel_op("GatherV2", K.embedding, [params, ids], name)


def sparse_softmax_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, name=None):
    """TF's per-example loss: -log softmax(logits)[label], shaped as `labels` (logits: labels' shape + [C]).

    One fused op (the shared kernel with reduction "none"); tf.losses.sparse_softmax_cross_entropy is the
    same kernel reducing to the batch mean in the op itself."""
    if _sentinel is not None:
        raise ValueError("Only call `sparse_softmax_cross_entropy_with_logits` with named arguments "
                         "(labels=..., logits=...)")
    return sparse_softmax_xent(labels, logits, name, "none")


def sparse_softmax_xent(labels, logits, name, reduction):
    """The fused op behind the tf.nn per-example loss (reduction "none") and tf.losses' mean ("mean")."""
    logits, labels = convert_to_tensor(logits), convert_to_tensor(labels)
    if not labels.dtype.is_integer:
        raise TypeError(f"labels must be integer class ids, got {labels.dtype.name} ({labels.name})")
    ld, yd = logits.shape.dims, labels.shape.dims
    if ld is not None and yd is not None and len(ld) != len(yd) + 1:
        raise ValueError(f"Rank mismatch: Rank of labels (received {len(yd)}) should equal rank of logits "
                         f"minus 1 (received {len(ld)}).")
    if ld is None or len(ld) == 2:
        return kernel_op("SparseSoftmaxCrossEntropyWithLogits", K.softmax_cross_entropy, [logits, labels], name,
                         reduction=reduction)
    # rank > 2: TF flattens the leading dimensions, as the kernel takes (N, C)
    loss = kernel_op("SparseSoftmaxCrossEntropyWithLogits", K.softmax_cross_entropy,
                     [reshape(logits, [-1, ld[-1]]), reshape(labels, [-1])], name, reduction=reduction)
    return loss if reduction != "none" else reshape(loss, ops.shape(labels))


# ---------------------------------------------------------------- softmax family (shared kernels)

def softmax(logits, axis=-1, name=None, dim=None):
    return kernel_op("Softmax", K.softmax, [convert_to_tensor(logits)], name,
                     axis=dim if dim is not None else axis)


def log_softmax(logits, axis=-1, name=None, dim=None):
    return kernel_op("LogSoftmax", K.log_softmax, [convert_to_tensor(logits)], name,
                     axis=dim if dim is not None else axis)


def softmax_cross_entropy_with_logits_v2(_sentinel=None, labels=None, logits=None, axis=-1, name=None,
                                         dim=None):
    """Per-example -sum(labels * log_softmax(logits)); the gradient reaches the labels too (v2)."""
    if _sentinel is not None:
        raise ValueError("Only call `softmax_cross_entropy_with_logits_v2` with named arguments "
                         "(labels=..., logits=...)")
    logits = convert_to_tensor(logits)
    labels = convert_to_tensor(labels, dtype=logits.dtype)
    return kernel_op("SoftmaxCrossEntropyWithLogits", K.softmax_cross_entropy_with_logits, [logits, labels],
                     name, axis=dim if dim is not None else axis)


def softmax_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, dim=-1, name=None,
                                      axis=None):
    """The v1 op: as v2, with no gradient into the labels (TF stops it)."""
    if _sentinel is not None:
        raise ValueError("Only call `softmax_cross_entropy_with_logits` with named arguments "
                         "(labels=..., logits=...)")
    labels = ops.stop_gradient(convert_to_tensor(labels, dtype=convert_to_tensor(logits).dtype))
    return softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits,
                                                axis=dim if axis is None else axis, name=name)


def sigmoid_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, name=None):
    """TF's stable form per element: max(x, 0) - x * z + log(1 + exp(-|x|))."""
    logits = convert_to_tensor(logits)
    labels = convert_to_tensor(labels, dtype=logits.dtype)
    return kernel_op("SigmoidCrossEntropyWithLogits", K.sigmoid_cross_entropy_with_logits, [logits, labels],
                     name)


def l2_loss(t, name=None):
    """sum(t ** 2) / 2"""
    return ops.multiply(ops.reduce_sum(ops.square(t)), 0.5, name=name)


def dropout(x, keep_prob=None, noise_shape=None, seed=None, name=None, rate=None):
    """TF1's inverted dropout, a fresh mask each run. A Python-number rate runs the shared dropout kernel,
    its mask from the kernels' counter-based generator: the Philox seed is TF's op seed (combined with the
    graph seed when one is set), the counter the number of times this op has run in the session, so every
    engine given the same seed drops the same units. A tensor keep_prob (the classic placeholder fed 0.5
    to train, 1.0 to evaluate) is TF's own composition: x / keep_prob * floor(keep_prob + uniform)."""
    x = convert_to_tensor(x)
    if rate is not None and keep_prob is not None:
        raise ValueError("dropout: give keep_prob or rate, not both")
    if noise_shape is not None:
        raise ValueError("dropout: noise_shape is not supported; the mask has x's shape")
    if rate is None and not hasattr(keep_prob, "op"):
        rate = 1.0 - float(keep_prob)
    if rate is not None and not hasattr(rate, "op"):
        if not 0 <= rate < 1:
            raise ValueError(f"rate must be a scalar tensor or a float in the range [0, 1), got {rate}")
        if rate == 0:
            return x
        return _dropout_kernel(x, float(rate), seed, name)
    with get_default_graph().name_scope(name or "dropout"):
        keep = convert_to_tensor(keep_prob, dtype=x.dtype) if rate is None else \
            1.0 - convert_to_tensor(rate, dtype=x.dtype)
        noise = ops.random_uniform_like(x, seed=seed)
        binary = ops.floor(keep + noise)
        ret = ops.divide(x, keep) * binary
        ret.set_shape(x.shape.dims)
        return ret


def _dropout_kernel(x, p, seed, name):
    g = get_default_graph()
    if seed is None and g.seed is None:   # TF: no seed at all is a different draw every session
        philox = int(np.random.randint(0, 2 ** 31))
    else:
        philox = (0 if seed is None else int(seed)) if g.seed is None else \
            int(g.seed) * 1000003 + (g._version if seed is None else int(seed))
    y = kernel_op("Dropout", K.dropout, [x], name, p=p, training=True)
    y.op.stream_seed = philox   # the per-session counter stream the plan draws from (compiler)
    return y


def in_top_k(predictions, targets, k, name=None):
    """Whether each target is among the k largest predictions of its row (bool, no gradient); k=1 is
    argmax(predictions) == target, the form fully_connected_feed's evaluation uses."""
    predictions, targets = convert_to_tensor(predictions), convert_to_tensor(targets)
    if not targets.dtype.is_integer:
        raise TypeError(f"in_top_k: targets must be int32 or int64, got {targets.dtype.name}")
    p = predictions.shape.dims
    return ops.graph_op("InTopKV2", [predictions, targets], [(ops.bool_, None if p is None else (p[0],))],
                        name or "in_top_k/InTopKV2", k=int(k)).outputs[0]


def elu(features, name=None):
    return kernel_op("Elu", K.elu, [convert_to_tensor(features)], name)


def softplus(features, name=None):
    return kernel_op("Softplus", K.softplus, [convert_to_tensor(features)], name)


def leaky_relu(features, alpha=0.2, name=None):
    return kernel_op("LeakyRelu", K.leaky_relu, [convert_to_tensor(features)], name, negative_slope=alpha)


def relu6(features, name=None):
    """min(max(x, 0), 6) (the shared clip kernel)."""
    return ops.clip_by_value(features, 0.0, 6.0, name=name or "Relu6")


def moments(x, axes, shift=None, name=None, keep_dims=None, keepdims=None):
    """(mean, variance) over `axes` (variance about the mean, as TF computes it)."""
    keep = bool(keepdims if keepdims is not None else keep_dims)
    with get_default_graph().name_scope(name or "moments"):
        mean = ops.reduce_mean(x, axes, keepdims=True, name="mean")
        variance = ops.reduce_mean(ops.squared_difference(x, ops.stop_gradient(mean)), axes, keepdims=True,
                                   name="variance")
        if not keep:
            mean, variance = ops.squeeze(mean, axes), ops.squeeze(variance, axes)
        return mean, variance


# ---------------------------------------------------------------- fused batch norm

class _FusedBatchNorm(K.batch_norm):
    """TF's FusedBatchNorm op on the shared batch_norm kernel: outputs (y, batch_mean, batch_variance).

    Training normalises with the batch mean and biased variance and returns the batch mean and the
    Bessel-corrected variance (TF's CPU kernel: var * n / (n - 1)) for the moving averages, which TF keeps
    out of the op (UPDATE_OPS); the kernel writes those statistics into running arrays, so the op hands it
    fresh zeros with decay 0, where 0 * 0 + 1 * stat is the statistic to the bit. Inference normalises with
    the given mean and variance and returns them. NHWC runs as a transposed view of NCHW. Not registered:
    the arithmetic and the facts are batch_norm's (a profiler's hook sees the batch_norm call)."""
    name = "fused_batch_norm"
    n_outputs = 3
    accepts_out = True     # y (the first output) into the plan's buffer
    may_overwrite = ()
    state_inputs = ()

    @staticmethod
    def _attrs(epsilon, is_training):
        return dict(eps=epsilon, momentum=0.0, training=is_training, convention="decay")

    @staticmethod
    def _layout(data_format):
        """(to NCHW, back) for an array of `data_format`: identities for NCHW, transposed views for NHWC."""
        if data_format == "NCHW":
            return (lambda a: a), (lambda a: a)
        return (lambda a: a.transpose(0, 3, 1, 2)), (lambda a: a.transpose(0, 2, 3, 1))

    @staticmethod
    def forward(xp, x, scale, offset, mean=None, variance=None, epsilon=1e-3, data_format="NHWC",
                is_training=True, out=None):
        to_nchw, back = _FusedBatchNorm._layout(data_format)
        nchw = to_nchw(x)
        if is_training:
            mean = xp.zeros(nchw.shape[1], nchw.dtype)
            variance = xp.zeros(nchw.shape[1], nchw.dtype)
        y, saved = K.batch_norm.forward(xp, nchw, scale, offset, mean, variance,
                                        out=None if out is None else to_nchw(out),
                                        **_FusedBatchNorm._attrs(epsilon, is_training))
        y = back(y) if out is None else out
        if not is_training:   # the given statistics, as fresh arrays (they may be variables' storage)
            mean, variance = mean.copy(), variance.copy()
        return (y, mean, variance), saved

    @staticmethod
    def backward(xp, saved, gy, needs=None, epsilon=1e-3, data_format="NHWC", is_training=True):
        to_nchw, back = _FusedBatchNorm._layout(data_format)
        g = gy[0]   # FusedBatchNormGrad takes y's gradient only, as TF's
        g = xp.zeros(saved[0].shape, saved[0].dtype) if g is None else to_nchw(g)   # saved[0]: x-hat, NCHW
        gx, gscale, goffset, _, _ = K.batch_norm.backward(xp, saved, g, needs=None if needs is None else
                                                          tuple(needs[:3]) + (False, False),
                                                          **_FusedBatchNorm._attrs(epsilon, is_training))
        if gx is not None:
            gx = back(gx)
        n_inputs = len(needs) if needs is not None else 3 if is_training else 5
        return (gx, gscale, goffset) + (None,) * (n_inputs - 3)   # mean and variance: statistics, no gradient

    @staticmethod
    def infer(x, scale, offset, mean=None, variance=None, epsilon=1e-3, data_format="NHWC", is_training=True):
        x = tuple(x)
        if len(x) != 4:
            raise K.ShapeError(f"FusedBatchNorm: input must be 4-dimensional (shapes {x})")
        c = x[1] if data_format == "NCHW" else x[3]
        nchw = x if data_format == "NCHW" else (x[0], x[3], x[1], x[2])
        K.batch_norm.infer(nchw, scale, offset, mean or (c,), variance or (c,))
        return x, (c,), (c,)

    @classmethod
    def saved_bytes(cls, x, *shapes, itemsize=4, **attrs):
        return K.batch_norm.saved_bytes(x, itemsize=itemsize)

    @classmethod
    def workspace_bytes(cls, x, *shapes, itemsize=4, is_training=True, **attrs):
        return K.batch_norm.workspace_bytes(x, itemsize=itemsize, training=is_training)


def fused_batch_norm(x, scale, offset, mean=None, variance=None, epsilon=0.001, data_format="NHWC",
                     is_training=True, name=None):
    """TF 1.x's tf.nn.fused_batch_norm: (y, batch_mean, batch_var) of a 4-D x, one FusedBatchNorm op.
    As TF, epsilon is raised to at least 1.001e-5 (cuDNN's minimum), and inference needs mean and variance."""
    x = convert_to_tensor(x)
    scale, offset = convert_to_tensor(scale, dtype=x.dtype), convert_to_tensor(offset, dtype=x.dtype)
    if data_format not in ("NHWC", "NCHW"):
        raise ValueError(f"fused_batch_norm: data_format must be 'NHWC' or 'NCHW', got {data_format!r}")
    if not is_training and (mean is None or variance is None):
        raise ValueError("Both 'mean' and 'variance' must be a 1D tensor when is_training is False.")
    inputs = [x, scale, offset]
    if not is_training:
        inputs += [convert_to_tensor(mean, dtype=x.dtype), convert_to_tensor(variance, dtype=x.dtype)]
    min_epsilon = 1.001e-5
    epsilon = epsilon if epsilon > min_epsilon else min_epsilon
    return kernel_op("FusedBatchNorm", _FusedBatchNorm, inputs, name, epsilon=float(epsilon),
                     data_format=data_format, is_training=bool(is_training))
