"""theano.tensor.signal.pool.pool_2d: max, sum and average pooling over the last two dimensions.

Max pooling runs the shared max-pool kernel (through tf.nn.max_pool) and averages the shared average-pool
kernel (through tf.nn.avg_pool) wherever its count is Theano's: the window clipped to the padded image
(average_inc_pad) or to the image itself (average_exc_pad). Sum, and average_exc_pad with padding, sum
each window (a reshape and a reduction: windows must not overlap, stride == ws) and divide by that count."""
import warnings

import numpy as np

import frameworks.static_graph as tf
from ...graph import TensorType, apply, as_tf, as_variable, static_shape

MODES = ("max", "sum", "average_inc_pad", "average_exc_pad")


def _out_size(v, ws, st, ignore_border):
    """Theano's Pool.out_shape for one dimension (v already padded)."""
    if ignore_border:
        return v // st if ws == st else max((v - ws) // st + 1, 0)
    if st >= ws:
        return (v - 1) // st + 1
    return max(0, (v - 1 - ws + st) // st) + 1


def pool_2d(input, ws=None, ignore_border=None, stride=None, pad=(0, 0), mode="max", ds=None, st=None,  # noqa: A002
            padding=None):
    """Downscale the input by pooling windows of ws over its last two dimensions. ignore_border defaults
    to False, with Theano's warning (pass ignore_border=True for the cuDNN-compatible behaviour)."""
    if ds is not None:
        if ws is not None:
            raise ValueError("You can't provide a tuple value to both 'ws' and 'ds'. Please provide a value "
                             "only to 'ws'.")
        warnings.warn("DEPRECATION: the 'ds' parameter is not going to exist anymore as it is going to be "
                      "replaced by the parameter 'ws'.", stacklevel=2)
        ws = ds
    elif ws is None:
        raise ValueError("You must provide a tuple value for the window size.")
    if st is not None:
        if stride is not None:
            raise ValueError("You can't provide a tuple value to both 'st and 'stride'. Please provide a value "
                             "only to 'stride'.")
        warnings.warn("DEPRECATION: the 'st' parameter is not going to exist anymore as it is going to be "
                      "replaced by the parameter 'stride'.", stacklevel=2)
        stride = st
    if padding is not None:
        if pad not in (None, (0, 0)):
            raise ValueError("You can't provide a tuple value to both 'padding' and pad.  Please provide a value "
                             "only to pad.")
        warnings.warn("DEPRECATION: the 'padding' parameter is not going to exist anymore as it is going to be "
                      "replaced by the parameter 'pad'.", stacklevel=2)
        pad = padding
    x = as_variable(input)
    if x.ndim < 2:
        raise NotImplementedError("pool_2d requires a dimension >= 2")
    if ignore_border is None:
        warnings.warn("pool_2d() will have the parameter ignore_border default value changed to True "
                      "(currently False). To have consistent behavior with all Theano version, explicitly add "
                      "the parameter ignore_border=True. On the GPU, using ignore_border=True is needed to use "
                      "cuDNN. When using ignore_border=False and not using cuDNN, the only GPU combination "
                      "supported is when `ws == stride and pad == (0, 0) and mode == 'max'`. Otherwise, the "
                      "convolution will be executed on CPU.", stacklevel=2)
        ignore_border = False
    if mode == "max_deterministic":
        mode = "max"
    if mode not in MODES:
        raise ValueError(f"Pool mode parameter only support 'max', 'sum', 'average_inc_pad' and "
                         f"'average_exc_pad'. Got {mode}")
    ws = tuple(int(a) for a in ws)
    stride = ws if stride is None else tuple(int(a) for a in stride)
    pad = (0, 0) if pad is None else tuple(int(a) for a in pad)
    if pad != (0, 0) and not ignore_border:
        raise NotImplementedError("padding works only with ignore_border=True")
    if pad[0] >= ws[0] or pad[1] >= ws[1]:
        raise NotImplementedError("padding_h and padding_w must be smaller than strides")

    def lower(L, v):
        dims = static_shape(v, "pool_2d")
        h, w = dims[-2:]
        ho = _out_size(h + 2 * pad[0], ws[0], stride[0], ignore_border)
        wo = _out_size(w + 2 * pad[1], ws[1], stride[1], ignore_border)
        lead = int(np.prod(dims[:-2]))
        t = tf.reshape(as_tf(v, x.dtype), [lead, 1, h, w]) if len(dims) != 4 else as_tf(v, x.dtype)
        out = _max(t, ws, stride, pad, ho, wo, h, w) if mode == "max" else \
            _average(t, ws, stride, pad, mode, ignore_border) if mode != "sum" else None
        if out is None:
            out = _window_sum(t, ws, stride, pad, ho, wo, h, w, mode, x.dtype)
        return out if len(dims) == 4 else tf.reshape(out, list(dims[:-2]) + [ho, wo])
    return apply("Pool", lower, [x], [TensorType(x.dtype, x.broadcastable[:-2] + (False, False))])


def _max(t, ws, stride, pad, ho, wo, h, w):
    if pad != (0, 0):   # max excludes the padding: pad with the lowest value
        t = tf.pad(t, [[0, 0], [0, 0], [pad[0]] * 2, [pad[1]] * 2], constant_values=-np.inf)
        h, w = h + 2 * pad[0], w + 2 * pad[1]
    valid = (ho - 1) * stride[0] + ws[0] <= h and (wo - 1) * stride[1] + ws[1] <= w
    if valid:
        if (ho - 1) * stride[0] + ws[0] < h or (wo - 1) * stride[1] + ws[1] < w:
            t = t[:, :, :(ho - 1) * stride[0] + ws[0], :(wo - 1) * stride[1] + ws[1]]
        return tf.nn.max_pool(t, ksize=[1, 1, *ws], strides=[1, 1, *stride], padding="VALID", data_format="NCHW")
    if tuple(stride) != tuple(ws):
        raise NotImplementedError("pool_2d: ignore_border=False with partial windows needs stride == ws here")
    return tf.nn.max_pool(t, ksize=[1, 1, *ws], strides=[1, 1, *stride], padding="SAME", data_format="NCHW")


def _average(t, ws, stride, pad, mode, ignore_border):
    """The shared average-pool kernel through tf.nn.avg_pool where its count is Theano's, else None.
    Without padding both modes count the window clipped to the image: 'VALID' windows (any stride) with
    ignore_border, the kernel's partial last window ('SAME', stride == ws) without. With padding,
    average_inc_pad counts the padded window: zeros padded in, then 'VALID'. average_exc_pad with padding
    excludes the pad, which tf.nn.avg_pool's count cannot: the window sum does it."""
    args = dict(ksize=[1, 1, *ws], strides=[1, 1, *stride], data_format="NCHW")
    if pad == (0, 0):
        if ignore_border:
            return tf.nn.avg_pool(t, padding="VALID", **args)
        return tf.nn.avg_pool(t, padding="SAME", **args) if tuple(stride) == tuple(ws) else None
    if mode == "average_inc_pad":
        return tf.nn.avg_pool(tf.pad(t, [[0, 0], [0, 0], [pad[0]] * 2, [pad[1]] * 2]), padding="VALID", **args)
    return None


def _window_sum(t, ws, stride, pad, ho, wo, h, w, mode, dtype):
    if tuple(stride) != tuple(ws):
        raise NotImplementedError(f"pool_2d: mode {mode!r} needs stride == ws here (non-overlapping windows: "
                                  "each is summed by a reshape and one reduction)")
    hp, wp = h + 2 * pad[0], w + 2 * pad[1]
    th, tw = ho * ws[0], wo * ws[1]   # the extent the windows cover (beyond the padded image: zeros)
    before_h, before_w = pad
    after_h, after_w = th - h - pad[0], tw - w - pad[1]
    if after_h < 0 or after_w < 0:   # ignore_border drops the partial windows
        t = t[:, :, :h + min(after_h, 0), :w + min(after_w, 0)]
        after_h, after_w = max(after_h, 0), max(after_w, 0)
    if before_h or before_w or after_h or after_w:
        t = tf.pad(t, [[0, 0], [0, 0], [before_h, after_h], [before_w, after_w]])
    n, c = static_shape(t)[:2]
    s = tf.reduce_sum(tf.reshape(t, [n, c, ho, ws[0], wo, ws[1]]), axis=[3, 5])
    if mode == "sum":
        return s
    lo_h, hi_h = (0, hp) if mode == "average_inc_pad" else (pad[0], pad[0] + h)
    lo_w, hi_w = (0, wp) if mode == "average_inc_pad" else (pad[1], pad[1] + w)
    rows = np.clip(np.arange(ho) * ws[0] + ws[0], None, hi_h) - np.clip(np.arange(ho) * ws[0], lo_h, None)
    cols = np.clip(np.arange(wo) * ws[1] + ws[1], None, hi_w) - np.clip(np.arange(wo) * ws[1], lo_w, None)
    scale = 1.0 / np.maximum(np.outer(rows, cols), 1)
    return tf.multiply(s, tf.constant(scale.astype(dtype)))
