"""tf.nn: activations, bias_add, conv2d, max_pool, embedding_lookup, cross-entropy, dynamic/static RNNs."""
import collections

import numpy as np

from frameworks import kernels as K
from .graph import get_default_graph
from .ops import convert_to_tensor, kernel_op, reshape, transpose, relu, sigmoid, tanh  # noqa: F401
from . import ops


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


def _same_pad(size, k, s, what):
    if size is None:
        raise ValueError(f"{what}: padding 'SAME' needs a known spatial size")
    out = -(-size // s)
    total = max((out - 1) * s + k - size, 0)
    if total % 2:
        raise ValueError(f"{what}: padding 'SAME' for size {size}, kernel {k}, stride {s} needs asymmetric "
                         "padding, which the shared conv2d kernel does not do; pad explicitly or use 'VALID'")
    return total // 2


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
    if padding == "VALID":
        pad = (0, 0)
    elif padding == "SAME":
        h, wi = x.shape.dims[2], x.shape.dims[3]
        pad = (_same_pad(h, wd[0], sh, "conv2d"), _same_pad(wi, wd[1], sw, "conv2d"))
    else:
        raise ValueError(f"conv2d: padding must be 'SAME' or 'VALID', got {padding!r}")
    w_oihw = transpose(w, (3, 2, 0, 1))
    y = kernel_op("Conv2D", K.conv2d, [x, w_oihw], name, stride=(sh, sw), pad=pad)
    return transpose(y, (0, 2, 3, 1)) if data_format == "NHWC" else y


def max_pool(value, ksize, strides, padding, data_format="NHWC", name=None):
    x = convert_to_tensor(value)
    kh, kw = _spatial(ksize, data_format, "max_pool ksize")
    sh, sw = _spatial(strides, data_format, "max_pool strides")
    if padding == "SAME" and (kh, kw) != (sh, sw):
        raise ValueError("max_pool: padding 'SAME' is supported when the stride equals the window")
    if data_format == "NHWC":
        x = transpose(x, (0, 3, 1, 2))
    y = kernel_op("MaxPool", K.max_pool2d, [x], name, kernel=(kh, kw), stride=(sh, sw), pad=0,
                  ceil_mode=padding == "SAME")
    return transpose(y, (0, 2, 3, 1)) if data_format == "NHWC" else y


def embedding_lookup(params, ids, name=None):
    params, ids = convert_to_tensor(params), convert_to_tensor(ids)
    if not ids.dtype.is_integer:
        raise TypeError(f"embedding_lookup: ids must be integers, got {ids.dtype.name} ({ids.name})")
    return kernel_op("GatherV2", K.embedding, [params, ids], name)


def sparse_softmax_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, name=None):
    """Softmax cross-entropy of (N, C) logits against integer labels (N,).

    NOTE: returns the batch *mean* (a scalar), not TF's per-example vector: the shared kernel fuses the
    mean (as tf.losses.sparse_softmax_cross_entropy does). reduce_mean of it is the same number.
    """
    if _sentinel is not None:
        raise ValueError("Only call `sparse_softmax_cross_entropy_with_logits` with named arguments "
                         "(labels=..., logits=...)")
    logits, labels = convert_to_tensor(logits), convert_to_tensor(labels)
    if not labels.dtype.is_integer:
        raise TypeError(f"labels must be integer class ids, got {labels.dtype.name} ({labels.name})")
    return kernel_op("SparseSoftmaxCrossEntropyWithLogits", K.softmax_cross_entropy, [logits, labels], name)


# ---------------------------------------------------------------- recurrent

LSTMStateTuple = collections.namedtuple("LSTMStateTuple", ("c", "h"))


class LSTMCell:
    """An LSTM cell with the shared kernel's layout (contrib-style, like LSTMBlockCell):
    gates = x @ wx + h @ wh + b_ih + b_hh split in the order i, f, g, o.

    Initial values come from `wx`, `wh`, `b_ih`, `b_hh` (arrays or tensors) when given, else from
    uniform(-0.1, 0.1) draws; the Variables are created on first use, under the cell's name scope.
    Called directly (`cell(x_t, state)`) it builds the step from primitive ops (static unrolling);
    `dynamic_rnn` runs the whole sequence through the fused LSTM kernel instead.
    """

    def __init__(self, num_units, wx=None, wh=None, b_ih=None, b_hh=None, name="lstm_cell", seed=None):
        self.num_units = num_units
        self._init = dict(wx=wx, wh=wh, b_ih=b_ih, b_hh=b_hh)
        self.name = name
        self.seed = seed
        self.built = False

    @property
    def state_size(self):
        return LSTMStateTuple(self.num_units, self.num_units)

    @property
    def output_size(self):
        return self.num_units

    def build(self, input_depth):
        from .variables import Variable
        h = self.num_units
        shapes = dict(wx=(input_depth, 4 * h), wh=(h, 4 * h), b_ih=(4 * h,), b_hh=(4 * h,))
        rs = np.random.RandomState(self.seed)
        with get_default_graph().name_scope(self.name):
            for k, shape in shapes.items():
                v = self._init[k]
                if v is None:
                    v = rs.uniform(-0.1, 0.1, shape).astype(np.float32)
                var = Variable(v, name=k)
                if tuple(var.shape) != shape:
                    raise ValueError(f"LSTMCell {self.name}: {k} must have shape {shape}, got {var.shape}")
                setattr(self, k, var)
        self.built = True

    @property
    def variables(self):
        return [self.wx, self.wh, self.b_ih, self.b_hh] if self.built else []

    def zero_state(self, batch_size, dtype):
        z = ops.zeros((batch_size, self.num_units), dtype=dtype)
        return LSTMStateTuple(z, z)

    def __call__(self, inputs, state):
        x = convert_to_tensor(inputs)
        if not self.built:
            self.build(x.shape.dims[-1])
        c, h = state
        with get_default_graph().name_scope(self.name + "/step"):
            gates = ops.matmul(x, self.wx) + ops.matmul(h, self.wh)
            gates = gates + self.b_ih
            gates = gates + self.b_hh
            i, f, g, o = ops.split(gates, 4, axis=1)
            i, f, g, o = sigmoid(i), sigmoid(f), tanh(g), sigmoid(o)
            new_c = f * c + i * g
            new_h = o * tanh(new_c)
        return new_h, LSTMStateTuple(new_c, new_h)


def dynamic_rnn(cell, inputs, sequence_length=None, initial_state=None, dtype=None, time_major=False,
                scope=None):
    """Run `cell` over the whole sequence with the fused LSTM kernel: (outputs, LSTMStateTuple(c, h))."""
    if not isinstance(cell, LSTMCell):
        raise TypeError(f"dynamic_rnn supports LSTMCell, got {type(cell).__name__}")
    if sequence_length is not None:
        raise ValueError("dynamic_rnn: sequence_length is not supported (every sequence runs T steps)")
    x = convert_to_tensor(inputs)
    if not time_major:
        x = transpose(x, (1, 0, 2))
    dims = x.shape.dims
    if not cell.built:
        cell.build(dims[2])
    if initial_state is None:
        if dims[1] is None:
            raise ValueError("dynamic_rnn: give initial_state when the batch size is not static")
        initial_state = cell.zero_state(dims[1], dtype or x.dtype)
    c0, h0 = initial_state
    with get_default_graph().name_scope(scope or "rnn"):
        hs, h_t, c_t = kernel_op("BlockLSTM", K.lstm, [x, h0, c0, cell.wx, cell.wh, cell.b_ih, cell.b_hh])
    outputs = hs if time_major else transpose(hs, (1, 0, 2))
    return outputs, LSTMStateTuple(c_t, h_t)


def static_rnn(cell, inputs, initial_state=None, dtype=None, scope=None):
    """Unroll `cell` over a Python list of (B, E) inputs, one primitive-op step per element."""
    state = initial_state
    if state is None:
        b = convert_to_tensor(inputs[0]).shape.dims[0]
        state = cell.zero_state(b, dtype or convert_to_tensor(inputs[0]).dtype)
    outputs = []
    for x in inputs:
        out, state = cell(x, state)
        outputs.append(out)
    return outputs, state


class _RnnCellModule:
    """tf.nn.rnn_cell namespace."""
    LSTMCell = LSTMCell
    BasicLSTMCell = LSTMCell
    LSTMStateTuple = LSTMStateTuple


rnn_cell = _RnnCellModule()


# ---------------------------------------------------------------- softmax family (kernel-op compositions)

def _shifted(logits, axis):
    """logits - max(logits): the max only keeps exp finite (it cancels), so no gradient flows through it."""
    m = ops.stop_gradient(ops.reduce_max(logits, axis=axis, keepdims=True))
    return logits - m


def softmax(logits, axis=-1, name=None, dim=None):
    logits = convert_to_tensor(logits)
    axis = dim if dim is not None else axis
    with get_default_graph().name_scope(name or "Softmax"):
        e = ops.exp(_shifted(logits, axis))
        return e / ops.reduce_sum(e, axis=axis, keepdims=True)


def log_softmax(logits, axis=-1, name=None, dim=None):
    logits = convert_to_tensor(logits)
    axis = dim if dim is not None else axis
    with get_default_graph().name_scope(name or "LogSoftmax"):
        s = _shifted(logits, axis)
        return s - ops.log(ops.reduce_sum(ops.exp(s), axis=axis, keepdims=True))


def softmax_cross_entropy_with_logits_v2(_sentinel=None, labels=None, logits=None, axis=-1, name=None,
                                         dim=None):
    """Per-example -sum(labels * log_softmax(logits)); the gradient reaches the labels too (v2)."""
    if _sentinel is not None:
        raise ValueError("Only call `softmax_cross_entropy_with_logits_v2` with named arguments "
                         "(labels=..., logits=...)")
    logits = convert_to_tensor(logits)
    labels = convert_to_tensor(labels, dtype=logits.dtype)
    axis = dim if dim is not None else axis
    if labels.shape.dims is not None and logits.shape.dims is not None and \
            not labels.shape.is_compatible_with(logits.shape.dims):
        raise ValueError(f"logits and labels must be broadcastable: logits_size={list(logits.shape.dims)} "
                         f"labels_size={list(labels.shape.dims)}")
    with get_default_graph().name_scope(name or "softmax_cross_entropy_with_logits"):
        return ops.negative(ops.reduce_sum(labels * log_softmax(logits, axis), axis=axis))


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
    """TF's stable form: max(x, 0) - x * z + log(1 + exp(-|x|))."""
    logits = convert_to_tensor(logits)
    labels = convert_to_tensor(labels, dtype=logits.dtype)
    with get_default_graph().name_scope(name or "logistic_loss"):
        return relu(logits) - logits * labels + ops.log(1.0 + ops.exp(ops.negative(ops.abs(logits))))


def l2_loss(t, name=None):
    """sum(t ** 2) / 2"""
    return ops.multiply(ops.reduce_sum(ops.square(t)), 0.5, name=name)


def dropout(x, keep_prob=None, noise_shape=None, seed=None, name=None, rate=None):
    """TF1's inverted dropout: x / keep_prob * floor(keep_prob + uniform[0, 1)), a fresh mask each run.
    `keep_prob` may be a tensor (the classic keep_prob placeholder fed 0.5 to train, 1.0 to evaluate)."""
    x = convert_to_tensor(x)
    if rate is not None:
        if keep_prob is not None:
            raise ValueError("dropout: give keep_prob or rate, not both")
        keep_prob = 1 - rate if not hasattr(rate, "op") else 1.0 - convert_to_tensor(rate)
    if noise_shape is not None:
        raise ValueError("dropout: noise_shape is not supported; the mask has x's shape")
    if isinstance(keep_prob, (int, float)):
        if not 0 < keep_prob <= 1:
            raise ValueError(f"keep_prob must be a scalar tensor or a float in the range (0, 1], got "
                             f"{keep_prob}")
        if keep_prob == 1:
            return x
    with get_default_graph().name_scope(name or "dropout"):
        keep = convert_to_tensor(keep_prob, dtype=x.dtype)
        noise = ops.random_uniform_like(x, seed=seed)
        binary = ops.floor(keep + noise)
        ret = ops.divide(x, keep) * binary
        ret.set_shape(x.shape.dims)
        return ret
