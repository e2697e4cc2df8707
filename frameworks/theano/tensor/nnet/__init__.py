"""theano.tensor.nnet: softmax, relu, sigmoid, the cross-entropies and conv2d (a true convolution: the
filters are flipped unless filter_flip=False), lowered onto static_graph's tf.nn ops."""
import numpy as np

import frameworks.static_graph as tf
from ...graph import TensorType, apply, as_tf, as_variable, static_shape
from . import bn  # noqa: F401


def _float_unary(name, tf_fn):
    def op(x):
        x = as_variable(x)
        dt = x.dtype if np.dtype(x.dtype).kind == "f" else "float64"
        return apply(name, lambda L, v: tf_fn(as_tf(v, dt)), [x], [TensorType(dt, x.broadcastable)])
    op.__name__ = name
    return op


sigmoid = _float_unary("sigmoid", tf.sigmoid)
_relu = _float_unary("relu", tf.nn.relu)


def relu(x, alpha=0):
    """max(x, 0) through the shared relu kernel (Theano writes 0.5 * (x + abs(x)); the two differ only in
    the gradient at exactly 0, where the kernel gives 0); alpha != 0 is the leaky form."""
    if alpha == 0:
        return _relu(x)
    from ... import tensor as T
    x = as_variable(x)
    return T.switch(T.gt(x, 0), x, x * alpha)


def softplus(x):
    from ... import tensor as T
    return T.log(1.0 + T.exp(x))


def softmax(c, axis=None):
    """Row-wise softmax of a matrix; a vector is taken as one row and gives a (1, n) matrix, as Theano's
    softmax_op does."""
    c = as_variable(c)
    if c.ndim not in (1, 2):
        raise ValueError(f"x must be 1-d or 2-d tensor of floats. Got {c.type}")
    if c.ndim == 1:
        c = c.dimshuffle("x", 0)
    dt = c.dtype if np.dtype(c.dtype).kind == "f" else "float64"
    out = apply("Softmax", lambda L, v: tf.nn.softmax(as_tf(v, dt), axis=-1 if axis is None else axis), [c],
                [TensorType(dt, c.broadcastable)])
    return out


softmax_op = softmax


def logsoftmax(c, axis=None):
    c = as_variable(c)
    return apply("LogSoftmax", lambda L, v: tf.nn.log_softmax(as_tf(v, c.dtype), axis=-1 if axis is None else axis),
                 [c], [TensorType(c.dtype, c.broadcastable)])


def categorical_crossentropy(coding_dist, true_dist):
    """-log(coding_dist[i, true_dist[i]]) per row for integer labels; -sum(true * log(coding)) per row for
    a one-hot / probability matrix."""
    from ... import tensor as T
    coding, true = as_variable(coding_dist), as_variable(true_dist)
    if true.ndim == coding.ndim:
        return -T.sum(true * T.log(coding), axis=coding.ndim - 1)
    if true.ndim != coding.ndim - 1 or np.dtype(true.dtype).kind not in "iu":
        raise TypeError(f"categorical_crossentropy: true_dist must be an integer vector or a matrix like "
                        f"coding_dist, got {true.type}")
    out = -T.log(coding[T.arange(coding.shape[0]), true])
    out.owner.attrs["_crossentropy"] = (coding, true)
    return out


def binary_crossentropy(output, target):
    from ... import tensor as T
    return -(target * T.log(output) + (1.0 - target) * T.log(1.0 - output))


def _crossentropy_softmax_mean(x):
    """The fused node for mean(categorical_crossentropy(softmax(z), labels)) and for the tutorials'
    -mean(log(softmax(z))[arange(n), labels]) (returned negated by the caller's -), or None."""
    node = x.owner
    if node is None:
        return None
    sign = 1.0
    if "_crossentropy" in node.attrs:           # -log(softmax(z)[arange(n), y])
        coding, labels = node.attrs["_crossentropy"]
        probs = coding
    elif node.op == "AdvancedSubtensor":         # log(softmax(z))[arange(n), y]
        src, rows, labels = node.inputs
        if src.owner is None or src.owner.op != "log" or rows.owner is None or rows.owner.op != "ARange":
            return None
        probs, sign = src.owner.inputs[0], -1.0
    else:
        return None
    if probs.owner is None or probs.owner.op != "Softmax" or probs.ndim != 2:
        return None
    logits = probs.owner.inputs[0]

    def lower(L, z, y):
        loss = tf.losses.sparse_softmax_cross_entropy(labels=as_tf(y, "int64"), logits=as_tf(z, x.dtype))
        return loss if sign > 0 else tf.negative(loss)
    return apply("CrossentropySoftmaxMean", lower, [logits, labels], [TensorType(x.dtype, ())])


# ---------------------------------------------------------------- convolution

def _pair(v, what):
    if isinstance(v, int):
        return (v, v)
    v = tuple(int(a) for a in v)
    if len(v) != 2:
        raise ValueError(f"{what}: expected two values, got {v}")
    return v


def conv2d(input, filters, input_shape=None, filter_shape=None, border_mode="valid",  # noqa: A002
           subsample=(1, 1), filter_flip=True, image_shape=None, filter_dilation=(1, 1), num_groups=1,
           unshared=False, **kwargs):
    """2-D convolution of (batch, channels, rows, cols) images with (out, in, rows, cols) filters, as
    theano.tensor.nnet.conv2d: a true convolution (the filters flipped) unless filter_flip=False, which is
    the cross-correlation. border_mode 'valid', 'full', 'half', an int or a pair of ints (zero padding)."""
    x, w = as_variable(input), as_variable(filters)
    if x.ndim != 4 or w.ndim != 4:
        raise TypeError(f"conv2d: input and filters must be 4-D, got {x.type} and {w.type}")
    if _pair(filter_dilation, "filter_dilation") != (1, 1):
        raise NotImplementedError("conv2d: filter_dilation other than (1, 1) is not supported by the shared kernel")
    if num_groups != 1 or unshared:
        raise NotImplementedError("conv2d: grouped and unshared convolutions are not supported by the shared kernel")
    if isinstance(border_mode, str) and border_mode not in ("valid", "full", "half"):
        raise ValueError(f"invalid border_mode {border_mode!r}, which must be either \"valid\", \"full\", "
                         "\"half\", an integer or a pair of integers")
    sh, sw = _pair(subsample, "subsample")
    input_shape = input_shape or image_shape
    dt = x.dtype

    def lower(L, xv, wv):
        xs, ws = static_shape(xv, "conv2d input"), static_shape(wv, "conv2d filters")
        for given, got, what in ((input_shape, xs, "input_shape"), (filter_shape, ws, "filter_shape")):
            if given is not None and any(g is not None and g != s for g, s in zip(given, got)):
                raise ValueError(f"conv2d: the {what} given, {tuple(given)}, does not match the value's {got}")
        if xs[1] != ws[1]:
            raise ValueError(f"conv2d: input has {xs[1]} channels but the filters expect {ws[1]} "
                             f"(input {xs}, filters {ws})")
        kh, kw = ws[2], ws[3]
        pad = {"valid": (0, 0), "full": (kh - 1, kw - 1), "half": (kh // 2, kw // 2)}.get(border_mode) \
            if isinstance(border_mode, str) else _pair(border_mode, "border_mode")
        wt = as_tf(wv, dt)
        if filter_flip:
            wt = wt[:, :, ::-1, ::-1]
        xt = as_tf(xv, dt)
        same = (sh, sw) == (1, 1) and kh % 2 and kw % 2 and pad == (kh // 2, kw // 2)
        if pad != (0, 0) and not same:
            xt = tf.pad(xt, [[0, 0], [0, 0], [pad[0], pad[0]], [pad[1], pad[1]]])
        return tf.nn.conv2d(xt, tf.transpose(wt, (2, 3, 1, 0)), strides=[1, 1, sh, sw],
                            padding="SAME" if same else "VALID", data_format="NCHW")
    return apply("AbstractConv2d", lower, [x, w], [TensorType(dt, (x.broadcastable[0], w.broadcastable[0],
                                                                 False, False))])
