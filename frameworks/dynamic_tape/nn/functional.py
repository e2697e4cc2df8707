"""torch.nn.functional: stateless layers and losses, each one shared kernel (or a few) on the tape."""
import math

import numpy as np

from frameworks import kernels as K

from .._tape import _apply, _apply_inplace, _apply_multi, _xp, no_grad
from .._tensor import Tensor, linear  # noqa: F401  (linear is re-exported)


def relu(input, inplace=False):
    """max(x, 0); inplace=True overwrites input (its version goes up, its grad_fn becomes ReluBackward)."""
    if inplace:
        return input.relu_()
    return _apply(K.relu, (input,), (input._array,))


def sigmoid(input):
    return _apply(K.sigmoid, (input,), (input._array,))


def tanh(input):
    return _apply(K.tanh, (input,), (input._array,))


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution, NCHW input, (out, in, kh, kw) weight (the shared im2col kernel)."""
    if dilation not in (1, (1, 1)) or groups != 1:
        raise NotImplementedError("conv2d: only dilation=1 and groups=1 are supported by the conv2d kernel")
    return _conv2d(input, weight, bias, {"stride": stride, "pad": padding})


def _conv2d(input, weight, bias, attrs):
    if bias is None:
        return _apply(K.conv2d, (input, weight), (input._array, weight._array), attrs)
    return _apply(K.conv2d, (input, weight, bias), (input._array, weight._array, bias._array), attrs)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Transposed 2-D convolution, NCHW input, (in, out, kh, kw) weight (the shared conv_transpose2d kernel)."""
    if dilation not in (1, (1, 1)) or groups != 1:
        raise NotImplementedError("conv_transpose2d: only dilation=1 and groups=1 are supported by the "
                                  "conv_transpose2d kernel")
    return _conv_transpose2d(input, weight, bias, {"stride": stride, "pad": padding,
                                                   "output_padding": output_padding})


def _conv_transpose2d(input, weight, bias, attrs):
    if bias is None:
        return _apply(K.conv_transpose2d, (input, weight), (input._array, weight._array), attrs)
    return _apply(K.conv_transpose2d, (input, weight, bias), (input._array, weight._array, bias._array), attrs)


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """x / (k + alpha / size * sum of x^2 over `size` neighbouring channels) ^ beta (the shared lrn kernel)."""
    dim = input._array.ndim
    if dim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {dim} dimensions)")
    return _apply(K.lrn, (input,), (input._array,), {"size": size, "alpha": alpha, "beta": beta, "k": k})


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    if dilation not in (1, (1, 1)) or return_indices:
        raise NotImplementedError("max_pool2d: dilation and return_indices are not supported")
    if not stride:
        stride = None
    return _apply(K.max_pool2d, (input,), (input._array,),
                  {"kernel": kernel_size, "stride": stride, "pad": padding, "ceil_mode": ceil_mode})


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
              sparse=False):
    """Rows of `weight` picked by the integer tensor `input` (shape input.shape + (dim,))."""
    if input._array.dtype.kind not in "iu":
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the following scalar "
                           f"types: Long, Int; but got {input.dtype} instead (while checking arguments for "
                           f"embedding)")
    return _apply(K.embedding, (weight, None), (weight._array, input._array))


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """(input - target)^2, then mean / sum / none."""
    reduction = _reduction(size_average, reduce, reduction)
    if input.shape != target.shape:
        raise ValueError(f"mse_loss: input shape {tuple(input.shape)} and target shape "
                         f"{tuple(target.shape)} differ")
    sq = (input - target).square()
    if reduction == "mean":
        return sq.mean()
    if reduction == "sum":
        return sq.sum()
    if reduction == "none":
        return sq
    raise ValueError(f"{reduction} is not a valid value for reduction")


def flatten(input, start_dim=0, end_dim=-1):
    return input.flatten(start_dim, end_dim)


def lstm(input, h0, c0, w_ih, w_hh, b_ih, b_hh):
    """The fused sequence LSTM over time-major input (T, B, E) with torch-layout (4H, in) weights.

    Returns (hs (T, B, H), h_T (B, H), c_T (B, H)).
    """
    wx, wh = w_ih.t(), w_hh.t()  # the kernel takes (in, 4H): transposed views, no copies
    return _apply_multi(K.lstm, (input, h0, c0, wx, wh, b_ih, b_hh),
                        (input._array, h0._array, c0._array, wx._array, wh._array, b_ih._array, b_hh._array))


# ---------------------------------------------------------------- composed ops
# NOTE: softmax, losses, dropout, batch norm and average pooling are written here from the shared kernels
# (exp, sum, log, the row gather, conv2d); each becomes one kernel call when the kernel set offers it.

def _softmax_dim(ndim, dim):
    if dim is None:  # PyTorch's legacy implicit choice
        return 0 if ndim in (0, 1, 3) else 1
    return dim % max(ndim, 1)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    if dtype is not None:
        input = input.to(dtype)
    return _apply(K.log_softmax, (input,), (input._array,), {"axis": _softmax_dim(input.dim(), dim)})


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    if dtype is not None:
        input = input.to(dtype)
    return _apply(K.softmax, (input,), (input._array,), {"axis": _softmax_dim(input.dim(), dim)})


def _reduction(size_average, reduce, reduction):
    """The pre-1.0 size_average / reduce flags as a reduction string (as torch's _Reduction)."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    return "none" if not reduce else ("mean" if size_average else "sum")


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """-input[n, target[n]] (input holds log-probabilities): the nll_loss kernel, with class weights and
    ignore_index as PyTorch's ("mean" divides by the summed weights of the targets not ignored)."""
    reduction = _reduction(size_average, reduce, reduction)
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if input.dim() < 2:
        raise ValueError(f"Expected 2 or more dimensions (got {input.dim()})")
    if target.shape[0] != input.shape[0]:
        raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target batch_size "
                         f"({target.shape[0]}).")
    if target._array.dtype.kind not in "iu":
        raise RuntimeError(f"expected scalar type Long but found {target.dtype}")
    return _apply(K.nll_loss, (input, None, None),
                  (input._array, target._array, None if weight is None else weight._array),
                  {"reduction": reduction, "ignore_index": ignore_index})


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """log_softmax + nll_loss over dim 1; class-probability targets (float, same shape) also accepted."""
    reduction = _reduction(size_average, reduce, reduction)
    if label_smoothing:
        raise NotImplementedError("cross_entropy: label_smoothing is not supported")
    if target._array.dtype.kind == "f":  # soft labels: -sum(p * log_softmax(x)) per sample
        if target.shape != input.shape:
            raise RuntimeError(f"cross_entropy: probability targets must have the input's shape "
                               f"{tuple(input.shape)}, got {tuple(target.shape)}")
        losses = -(target * log_softmax(input, 1)).sum(1)
        return losses.mean() if reduction == "mean" else losses.sum() if reduction == "sum" else losses
    if (reduction == "mean" and weight is None and input.dim() == 2
            and not (target._array == ignore_index).any()):  # the fused kernel (as the workloads' floor)
        return _apply(K.softmax_cross_entropy, (input, None), (input._array, target._array))
    return nll_loss(log_softmax(input, 1), target, weight, None, ignore_index, None, reduction)


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability p and scale the rest by 1/(1-p) (training only); the mask is the
    dropout kernel's, from the next counter of the seeded Philox stream."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    from ..random import default_generator
    seed, counter = default_generator.next_draw()
    attrs = {"p": p, "seed": seed, "counter": counter}
    if inplace:
        return _apply_inplace(K.dropout, input, (input,), (input._array,), attrs, overwrite=True)
    return _apply(K.dropout, (input,), (input._array,), attrs)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels (N, C, H, W): one draw per (sample, channel)."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    from ..random import default_generator
    shape = tuple(input.shape[:2]) + (1,) * (input.dim() - 2)
    seed, counter = default_generator.next_draw()
    xp = _xp(input._array)
    keep = K.random.uniform(xp, seed, counter, shape, dtype=input._array.dtype) >= p
    mask = Tensor._wrap((keep / (1.0 - p) if p < 1 else keep * 0.0).astype(input._array.dtype))
    return input.mul_(mask) if inplace else input * mask


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1,
               eps=1e-5):
    """Normalise over every axis but 1 with the batch's statistics (training, also folding them into the
    running ones in place: running = (1 - momentum) * running + momentum * batch, unbiased variance) or
    the running ones (eval): the batch_norm kernel, PyTorch's convention."""
    if training and input.numel() // input.shape[1] <= 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input size "
                         f"{list(input.shape)}")
    if input.dim() not in (2, 4):
        raise ValueError(f"batch_norm: expected a 2D (N, C) or 4D (N, C, H, W) input, got {input.dim()}D "
                         f"{list(input.shape)}")
    xp = _xp(input._array)
    c = input.shape[1]
    if running_mean is None:  # batch statistics only: the kernel's running update goes to scratch
        rm, rv = xp.zeros(c, input._array.dtype), xp.ones(c, input._array.dtype)
    else:
        rm, rv = running_mean._array, running_var._array
    attrs = {"eps": eps, "momentum": momentum, "training": bool(training)}
    return _apply(K.batch_norm, (input, weight, bias, None, None),
                  (input._array, None if weight is None else weight._array,
                   None if bias is None else bias._array, rm, rv), attrs)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    n, c = input.shape[0], input.shape[1]
    x = input.reshape(n, num_groups, -1)
    xc = x - x.mean(2, keepdim=True)
    y = (xc * (xc.square().mean(2, keepdim=True) + eps).pow(-0.5)).reshape(input.shape)
    shape = (1, c) + (1,) * (input.dim() - 2)
    if weight is not None:
        y = y * weight.reshape(shape)
    return y if bias is None else y + bias.reshape(shape)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalise over the last len(normalized_shape) dimensions (biased variance), as group_norm does."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if tuple(input.shape[input.dim() - len(shape):]) != shape:
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape [*, "
                           f"{', '.join(map(str, shape))}], but got input of size{list(input.shape)}")
    dims = tuple(range(input.dim() - len(shape), input.dim()))
    xc = input - input.mean(dims, keepdim=True)
    y = xc * (xc.square().mean(dims, keepdim=True) + eps).pow(-0.5)
    if weight is not None:
        y = y * weight
    return y if bias is None else y + bias


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """Mean over kh x kw windows (the avg_pool2d kernel; the pad counted in the divisor unless
    count_include_pad=False)."""
    if divisor_override:
        raise NotImplementedError("avg_pool2d: divisor_override is not supported by the avg_pool2d kernel")
    return _apply(K.avg_pool2d, (input,), (input._array,),
                  {"kernel": kernel_size, "stride": stride or None, "pad": padding, "ceil_mode": ceil_mode,
                   "count_include_pad": count_include_pad})


def adaptive_avg_pool2d(input, output_size):
    oh, ow = _pair(output_size)
    h, w = input.shape[-2:]
    oh, ow = oh or h, ow or w
    if (oh, ow) == (1, 1):
        return _apply(K.global_avg_pool2d, (input,), (input._array,), {"keepdims": True})
    if h % oh or w % ow:
        raise NotImplementedError(f"adaptive_avg_pool2d: output size {(oh, ow)} must divide the input size "
                                  f"{(h, w)} (windows of one size)")
    return avg_pool2d(input, (h // oh, w // ow))


def log_sigmoid(input):
    return -softplus(-input)


def softplus(input, beta=1, threshold=20):
    return _apply(K.softplus, (input,), (input._array,), {"beta": beta, "threshold": threshold})


def leaky_relu(input, negative_slope=0.01, inplace=False):
    if inplace:
        return _apply_inplace(K.leaky_relu, input, (input,), (input._array,),
                              {"negative_slope": negative_slope})
    return _apply(K.leaky_relu, (input,), (input._array,), {"negative_slope": negative_slope})


def elu(input, alpha=1.0, inplace=False):
    if inplace:
        return _apply_inplace(K.elu, input, (input,), (input._array,), {"alpha": alpha})
    return _apply(K.elu, (input,), (input._array,), {"alpha": alpha})


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    if pos_weight is not None:
        raise NotImplementedError("binary_cross_entropy_with_logits: pos_weight is not supported")
    reduction = _reduction(size_average, reduce, reduction)
    if weight is None:
        return _apply(K.sigmoid_cross_entropy_with_logits, (input, None), (input._array, target._array),
                      {"reduction": reduction})
    losses = _apply(K.sigmoid_cross_entropy_with_logits, (input, None), (input._array, target._array),
                    {"reduction": "none"}) * weight
    return losses.mean() if reduction == "mean" else losses.sum() if reduction == "sum" else losses


def _reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"{reduction} is not a valid value for reduction")


def _same_shape(what, input, target):
    if input.shape != target.shape:
        raise ValueError(f"{what}: Using a target size ({target.shape}) that is different to the input size "
                         f"({input.shape}) is not supported here (PyTorch broadcasts with a warning); give the "
                         "target the input's shape")


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """|input - target|, then mean / sum / none."""
    _same_shape("l1_loss", input, target)
    return _reduce((input - target).abs(), _reduction(size_average, reduce, reduction))


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """Huber-like: 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (PyTorch's rule)."""
    _same_shape("smooth_l1_loss", input, target)
    d = (input - target).abs()
    loss = d - 0.5 * beta if beta == 0 else _where(d < beta, d * d * (0.5 / beta), d - 0.5 * beta)
    return _reduce(loss, _reduction(size_average, reduce, reduction))


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """-(t log x + (1 - t) log(1 - x)) of probabilities x, each log clamped at -100 as PyTorch does."""
    _same_shape("binary_cross_entropy", input, target)
    with np.errstate(divide="ignore"):   # log(0) = -inf, clamped below: PyTorch warns of nothing
        loss = -(target * input.log().clamp(min=-100) + (1 - target) * (1 - input).log().clamp(min=-100))
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, _reduction(size_average, reduce, reduction))


def relu6(input, inplace=False):
    return input.clamp(0.0, 6.0)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    return input.clamp(min_val, max_val)


def _where(cond, a, b):
    from .._functions import where
    return where(cond, a, b)


# ---------------------------------------------------------------- 1-D layers, padding, resampling
# Composed from the 2-D kernels over a unit height and from the pad / take kernels (PyTorch's own CPU Conv1d
# is its 2-D convolution over a unit axis too); each piece is one tape op, so gradients need nothing new.

def _ntuple(v, n, what):
    t = (v,) * n if isinstance(v, int) else tuple(v)
    if len(t) != n:
        raise ValueError(f"{what} must be an int or a tuple of {n} ints, got {v!r}")
    return t


def _batched(name, input, nd):
    """(input with a batch axis, whether one was added): PyTorch takes an unbatched (C, *spatial) too."""
    d = input.dim()
    if d == nd + 2:
        return input, False
    if d == nd + 1:
        return input.unsqueeze(0), True
    raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to {name}, but got input "
                       f"of size: {list(input.shape)}")


def _conv_nd(name, nd, input, weight, bias, stride, padding, dilation, groups):
    """conv1d / conv2d in full: unbatched input, padding='same' / 'valid', as PyTorch; the kernel is conv2d."""
    if dilation not in (1, (1,) * nd) or groups != 1:
        raise NotImplementedError(f"{name}: only dilation=1 and groups=1 are supported by the conv2d kernel")
    x, added = _batched(name, input, nd)
    if weight.dim() != nd + 2:
        raise RuntimeError(f"Expected {nd + 2}-dimensional weight for {nd + 2}-dimensional input "
                           f"{list(x.shape)}, but got {weight.dim()}-dimensional weight of size "
                           f"{list(weight.shape)} instead")
    stride = _ntuple(stride, nd, f"{name} stride")
    if isinstance(padding, str):
        if padding == "valid":
            padding = (0,) * nd
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
            total = [k - 1 for k in weight.shape[2:]]
            padding = tuple(t // 2 for t in total)
            if any(t % 2 for t in total):   # the odd pixel goes after, as PyTorch pads it
                x = pad(x, [v for t in reversed(total) for v in (0, t % 2)])
        else:
            raise ValueError(f"Invalid padding string '{padding}', should be one of {{'valid', 'same'}}")
    padding = _ntuple(padding, nd, f"{name} padding")
    if nd == 1:
        x, weight, stride, padding = x.unsqueeze(2), weight.unsqueeze(2), (1,) + stride, (0,) + padding
    y = _conv2d(x, weight, bias, {"stride": stride, "pad": padding})
    if nd == 1:
        y = y.squeeze(2)
    return y.squeeze(0) if added else y


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution, (N, C, L) input, (out, in, k) weight: conv2d over a unit height."""
    return _conv_nd("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def _pool1d(pool2d, name, input, kernel_size, stride, padding, *rest):
    x, added = _batched(name, input, 1)
    k = _ntuple(kernel_size, 1, f"{name} kernel_size")[0]
    s = None if stride is None or stride == () else _ntuple(stride, 1, f"{name} stride")[0]
    p = _ntuple(padding, 1, f"{name} padding")[0]
    y = pool2d(x.unsqueeze(2), (1, k), None if s is None else (1, s), (0, p), *rest).squeeze(2)
    return y.squeeze(0) if added else y


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    return _pool1d(max_pool2d, "max_pool1d", input, kernel_size, stride, padding, dilation, ceil_mode,
                   return_indices)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    return _pool1d(avg_pool2d, "avg_pool1d", input, kernel_size, stride, padding, ceil_mode, count_include_pad)


def adaptive_avg_pool1d(input, output_size):
    x, added = _batched("adaptive_avg_pool1d", input, 1)
    y = adaptive_avg_pool2d(x.unsqueeze(2), (1, _ntuple(output_size, 1, "output_size")[0])).squeeze(2)
    return y.squeeze(0) if added else y


def _take(input, indices, axis):
    """input's slices along `axis` at the NumPy `indices` (index_select; repeats accumulate in backward)."""
    xp = _xp(input._array)
    return input.index_select(axis, Tensor._wrap(xp.asarray(indices, dtype=xp.int64)))


_PAD_INDEX = {
    "reflect": lambda i, n: np.abs((i + (n - 1)) % (2 * n - 2) - (n - 1)) if n > 1 else np.zeros_like(i),
    "replicate": lambda i, n: np.clip(i, 0, n - 1),
    "circular": lambda i, n: i % n,
}


def pad(input, pad, mode="constant", value=None):
    """torch.nn.functional.pad: `pad` pairs (before, after) from the last dimension backwards; negative
    widths crop. constant mode is the pad kernel; reflect / replicate / circular are index takes."""
    pad = list(pad)
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > input.dim():
        raise RuntimeError("Padding length should be less than or equal to two times the input dimension but "
                           f"got padding length {len(pad)} and input of dimension {input.dim()}")
    widths = [(0, 0)] * input.dim()
    for i in range(len(pad) // 2):
        widths[input.dim() - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    if mode == "constant":
        grow = tuple((max(a, 0), max(b, 0)) for a, b in widths)
        y = input
        if any(a or b for a, b in grow):
            y = _apply(K.pad, (input,), (input._array,), {"pad_width": grow, "constant_values": value or 0})
        if any(a < 0 or b < 0 for a, b in widths):
            y = y[tuple(slice(-min(a, 0), n - (-min(b, 0)) if b < 0 else None)
                        for (a, b), n in zip(widths, y.shape))]
        return y
    if mode not in _PAD_INDEX:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if value:
        raise ValueError(f'Padding mode "{mode}" doesn\'t take in value argument')
    if not 2 <= input.dim() <= 5 or len(pad) // 2 > input.dim() - 1:
        raise NotImplementedError(f"Only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now "
                                  f"(got a {input.dim()}D input and {len(pad) // 2} padded dimensions)")
    y = input
    for axis, (a, b) in enumerate(widths):
        if not (a or b):
            continue
        n = y.shape[axis]
        if mode == "reflect" and (a >= n or b >= n):
            raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding input "
                               f"dimension, but got: padding ({a}, {b}) at dimension {axis} of input "
                               f"{list(input.shape)}")
        if mode == "circular" and (a > n or b > n):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        y = _take(y, _PAD_INDEX[mode](np.arange(-a, n + b), n), axis)
    return y


def one_hot(tensor, num_classes=-1):
    """(*, num_classes) int64 rows with a 1 at each index (num_classes -1: the largest index + 1)."""
    a = tensor._array
    if a.dtype.kind not in "iu":
        raise RuntimeError("one_hot is only applicable to index tensor.")
    if num_classes == -1:
        num_classes = int(a.max()) + 1 if a.size else 0
    try:
        y, _ = K.one_hot.forward(_xp(a), a, num_classes, dtype="int64")
    except IndexError:
        raise RuntimeError("Class values must be smaller than num_classes.") from None
    return Tensor._wrap(y)


def pixel_shuffle(input, upscale_factor):
    """(*, C r^2, H, W) -> (*, C, H r, W r): a reshape, a permute and a reshape, as PyTorch's CPU kernel."""
    r = upscale_factor
    *lead, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be divisible by the square "
                           f"of upscale_factor, but input.size(-3)={c} is not divisible by {r * r}")
    k = len(lead)
    x = input.reshape(*lead, c // (r * r), r, r, h, w)
    x = x.permute(*range(k), k, k + 3, k + 1, k + 4, k + 2)
    return x.reshape(*lead, c // (r * r), h * r, w * r)


def pixel_unshuffle(input, downscale_factor):
    """(*, C, H r, W r) -> (*, C r^2, H, W), pixel_shuffle's inverse."""
    r = downscale_factor
    *lead, c, h, w = input.shape
    if h % r or w % r:
        raise RuntimeError(f"pixel_unshuffle expects height and width to be divisible by downscale_factor, but "
                           f"input.size(-2)={h}, input.size(-1)={w} are not divisible by {r}")
    k = len(lead)
    x = input.reshape(*lead, c, h // r, r, w // r, r)
    x = x.permute(*range(k), k, k + 2, k + 4, k + 1, k + 3)
    return x.reshape(*lead, c * r * r, h // r, w // r)


_LINEAR_MODES = {"linear": 3, "bilinear": 4, "trilinear": 5}


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resample the spatial axes (all but N, C): "nearest" takes rows at floor(dst * in / out); "linear" /
    "bilinear" / "trilinear" blend the two neighbours along each axis in turn (PyTorch's source index rule,
    align_corners or half-pixel); "area" is adaptive average pooling."""
    nd = input.dim() - 2
    if nd < 1:
        raise ValueError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.dim()}D) for the "
                         f"modes: nearest | linear | bilinear | bicubic | trilinear | area | nearest-exact "
                         f"(got {mode})")
    if mode in ("nearest", "area", "nearest-exact") and align_corners is not None:
        raise ValueError("align_corners option can only be set with the interpolating modes: "
                         "linear | bilinear | bicubic | trilinear")
    if mode in _LINEAR_MODES and _LINEAR_MODES[mode] != input.dim():
        raise NotImplementedError(f"Got {input.dim()}D input, but {mode} mode needs "
                                  f"{_LINEAR_MODES[mode]}D input")
    if antialias or mode in ("bicubic", "nearest-exact"):
        raise NotImplementedError(f"interpolate: mode={mode!r}{' with antialias' if antialias else ''} is not "
                                  "supported; use 'nearest', 'linear', 'bilinear', 'trilinear' or 'area'")
    if mode not in ("nearest", "area") and mode not in _LINEAR_MODES:
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got "
                                  f"{input.dim()}D) for the modes: nearest | linear | bilinear | bicubic | "
                                  f"trilinear | area | nearest-exact (got {mode})")
    if (size is None) == (scale_factor is None):
        raise ValueError("only one of size or scale_factor should be defined" if size is not None
                         else "either size or scale_factor should be defined")
    spatial = list(input.shape[2:])
    if size is not None:
        out = list(_ntuple(size, nd, "size"))
        scales = [n / o for n, o in zip(spatial, out)]
    else:
        factors = [float(f) for f in _ntuple(scale_factor, nd, "scale_factor")] if not isinstance(
            scale_factor, (int, float)) else [float(scale_factor)] * nd
        out = [int(math.floor(n * f)) for n, f in zip(spatial, factors)]
        scales = ([n / o for n, o in zip(spatial, out)] if recompute_scale_factor
                  else [1.0 / f for f in factors])
    if mode == "area":
        if nd == 1:
            return adaptive_avg_pool1d(input, out)
        if nd == 2:
            return adaptive_avg_pool2d(input, out)
        raise NotImplementedError("interpolate: mode='area' is supported for 3D and 4D inputs")
    y = input
    for i, (n, o, scale) in enumerate(zip(spatial, out, scales)):
        axis = 2 + i
        dst = np.arange(o, dtype=np.float64)
        if mode == "nearest":
            y = _take(y, np.minimum(np.floor(dst * scale).astype(np.int64), n - 1), axis)
            continue
        if align_corners:
            src = dst * ((n - 1) / (o - 1) if o > 1 else 0.0)
        else:
            src = np.maximum(scale * (dst + 0.5) - 0.5, 0.0)
        i0 = np.minimum(np.floor(src).astype(np.int64), n - 1)
        i1 = np.minimum(i0 + 1, n - 1)
        shape = [1] * y.dim()
        shape[axis] = o
        xp = _xp(y._array)
        lam1 = Tensor._wrap(xp.asarray((src - i0).reshape(shape), dtype=y._array.dtype))
        lam0 = Tensor._wrap(xp.asarray((1.0 - (src - i0)).reshape(shape), dtype=y._array.dtype))
        y = _take(y, i0, axis) * lam0 + _take(y, i1, axis) * lam1
    return y


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """The deprecated name of interpolate (PyTorch warns and forwards)."""
    import warnings
    warnings.warn("nn.functional.upsample is deprecated. Use nn.functional.interpolate instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True,
                  momentum=0.1, eps=1e-5):
    """Normalise each (sample, channel) over its spatial axes, composed as group_norm with one group per
    channel. With running buffers, training folds the batch's mean of per-instance statistics into them
    (unbiased variance), as PyTorch's instance norm (a batch norm over N*C channels) does."""
    if input.dim() < 3:
        raise ValueError(f"instance_norm: expected a 3D or higher (N, C, *) input, got {input.dim()}D "
                         f"{list(input.shape)}")
    n, c = input.shape[0], input.shape[1]
    dims = tuple(range(2, input.dim()))
    affine = (1, c) + (1,) * len(dims)
    if use_input_stats:
        if math.prod(input.shape[2:]) <= 1:
            raise ValueError(f"Expected more than 1 spatial element when training, got input size "
                             f"{list(input.shape)}")
        mean = input.mean(dims, keepdim=True)
        xc = input - mean
        var = xc.square().mean(dims, keepdim=True)
        y = xc * (var + eps).pow(-0.5)
        if running_mean is not None:
            with no_grad():
                m = math.prod(input.shape[2:])
                running_mean.mul_(1 - momentum).add_(mean.reshape(n, c).mean(0) * momentum)
                running_var.mul_(1 - momentum).add_(var.reshape(n, c).mean(0) * (momentum * m / (m - 1)))
    else:
        y = (input - running_mean.reshape(affine)) * (running_var.reshape(affine) + eps).pow(-0.5)
    if weight is not None:
        y = y * weight.reshape(affine)
    return y if bias is None else y + bias.reshape(affine)


from .._missing import missing as _missing  # noqa: E402
__getattr__ = _missing("nn.functional.")
