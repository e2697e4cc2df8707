"""torch.nn.functional: stateless layers and losses, each one shared kernel (or a few) on the tape."""
from frameworks import kernels as K

from .._tape import _apply, _apply_multi
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


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    if dilation not in (1, (1, 1)) or return_indices:
        raise NotImplementedError("max_pool2d: dilation and return_indices are not supported")
    return _apply(K.max_pool2d, (input,), (input._array,),
                  {"kernel": kernel_size, "stride": stride, "pad": padding, "ceil_mode": ceil_mode})


def embedding(input, weight):
    """Rows of `weight` picked by the integer tensor `input` (shape input.shape + (dim,))."""
    if input._array.dtype.kind not in "iu":
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the following scalar "
                           f"types: Long, Int; but got {input.dtype} instead (while checking arguments for "
                           f"embedding)")
    return _apply(K.embedding, (weight, None), (weight._array, input._array))


def cross_entropy(input, target, reduction="mean"):
    """Mean softmax cross-entropy of (N, C) logits against integer class targets (N,)."""
    if reduction != "mean":
        raise NotImplementedError(f"cross_entropy: reduction={reduction!r}; the fused kernel computes 'mean'")
    return _apply(K.softmax_cross_entropy, (input, None), (input._array, target._array))


def mse_loss(input, target, reduction="mean"):
    """(input - target)^2, then mean / sum / none."""
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
