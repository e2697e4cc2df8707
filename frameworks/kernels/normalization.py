"""Normalisation and regularisation kernels: batch_norm (training and inference, every framework's running-
statistics convention) and dropout (inverted scaling, its mask from the shared Philox generator)."""
from .base import Kernel, register, need, nbytes_of, shape_error
from .random import uniform

CONVENTIONS = ("pytorch", "decay", "caffe")


def _channels(x):
    """(reduction axes, broadcast shape of a per-channel vector) for (N, C) or (N, C, H, W)."""
    if len(x) == 2:
        return (0,), (1, x[1])
    return (0, 2, 3), (1, x[1], 1, 1)


@register
class BatchNorm(Kernel):
    """y = gamma * (x - mean) / sqrt(var + eps) + beta per channel, on (N, C) or (N, C, H, W).

    inputs: x, gamma, beta, running_mean, running_var[, scale_factor]; gamma and beta may be None (Caffe's
    BatchNorm has no affine part: a Scale layer follows it), and then their gradients are None.
    training=True normalises with the batch mean and biased variance over every axis but C, and UPDATES
    the running statistics IN PLACE (the arrays passed in, as PyTorch buffers, MXNet aux states and Caffe
    blobs are updated; a TF-style engine passes its moving variables' arrays). `m` = elements per channel,
    `unbiased` = var * m / (m - 1) (var where m == 1), and by `convention`:
      "pytorch"  running = (1 - momentum) * running + momentum * batch    (momentum=0.1 weighs the new batch)
      "decay"    running = momentum * running + (1 - momentum) * batch    (TF, Keras, MXNet: momentum=0.9 kept)
      "caffe"    running_mean/var are Caffe's moving SUMS and scale_factor its third blob (shape (1,)), with
                 momentum = moving_average_fraction (Caffe's default 0.999), as batch_norm_layer.cpp does:
                 scale_factor = momentum * scale_factor + 1; sum = batch + momentum * sum.
    Both running means use the batch mean, both running variances the unbiased variance.
    training=False normalises with the running statistics ("caffe": the sums times 1 / scale_factor, 0 when
    the factor is 0) and updates nothing. Running statistics are state: never differentiated.
    """
    name = "batch_norm"
    accepts_out = True
    may_overwrite = (0,)   # saved holds x-hat, not x, so y may be written over x
    saves_inputs = (1,)    # gamma
    saves_output = False
    state_inputs = (3, 4, 5)

    @staticmethod
    def forward(xp, x, gamma, beta, running_mean, running_var, scale_factor=None, eps=1e-5, momentum=0.1,
                training=True, convention="pytorch", out=None):
        axes, bshape = _channels(x.shape)
        if convention not in CONVENTIONS:
            raise ValueError(f"batch_norm: unknown convention {convention!r}; use one of {CONVENTIONS}")
        if convention == "caffe" and scale_factor is None:
            raise ValueError("batch_norm: the caffe convention needs the scale-factor blob (shape (1,)) "
                             "as the sixth input")
        if training:
            mean = x.mean(axis=axes, keepdims=True)
            xhat = x - mean
            sq = xhat * xhat
            var = sq.mean(axis=axes).reshape(-1)
            del sq
            mean = mean.reshape(-1)
            m = x.size // x.shape[1]
            unbiased = var * (m / (m - 1)) if m > 1 else var
            if convention == "pytorch":
                running_mean *= 1 - momentum
                running_mean += momentum * mean
                running_var *= 1 - momentum
                running_var += momentum * unbiased
            elif convention == "decay":
                running_mean *= momentum
                running_mean += (1 - momentum) * mean
                running_var *= momentum
                running_var += (1 - momentum) * unbiased
            else:
                scale_factor *= momentum
                scale_factor += 1
                running_mean *= momentum
                running_mean += mean
                running_var *= momentum
                running_var += unbiased
        else:
            mean, var = running_mean, running_var
            if convention == "caffe":
                s = scale_factor[0]
                s = xp.where(s == 0, s, 1 / xp.where(s == 0, 1, s)).astype(x.dtype)
                mean, var = mean * s, var * s
            xhat = x - mean.reshape(bshape)
        inv_std = 1 / xp.sqrt(var + eps)
        inv_std = inv_std.astype(x.dtype, copy=False)
        xhat *= inv_std.reshape(bshape)
        if gamma is not None:
            y = xp.multiply(xhat, gamma.reshape(bshape), out=out)
        elif out is not None:
            out[...] = xhat
            y = out
        else:
            y = xhat.copy()
        if beta is not None:
            y += beta.reshape(bshape)
        return y, (xhat, inv_std, gamma, beta is not None, scale_factor is not None, training)

    @staticmethod
    def backward(xp, saved, gy, needs=None, eps=1e-5, momentum=0.1, training=True, convention="pytorch"):
        xhat, inv_std, gamma, has_beta, has_scale, training = saved
        axes, bshape = _channels(xhat.shape)
        ggamma = gbeta = gx = None
        if gamma is not None and need(needs, 1):
            ggamma = (gy * xhat).sum(axis=axes)
        if has_beta and need(needs, 2):
            gbeta = gy.sum(axis=axes)
        if need(needs, 0):
            gxhat = gy * gamma.reshape(bshape) if gamma is not None else gy.copy()
            if training:
                # d/dx of (x - mean) * inv_std through the batch mean and variance
                proj = (gxhat * xhat).mean(axis=axes, keepdims=True)
                gxhat -= gxhat.mean(axis=axes, keepdims=True)
                gxhat -= xhat * proj
            gxhat *= inv_std.reshape(bshape)
            gx = gxhat
        grads = (gx, ggamma, gbeta, None, None)
        return grads + (None,) if has_scale else grads

    @staticmethod
    def infer(x, gamma, beta, running_mean, running_var, scale_factor=None, eps=1e-5, momentum=0.1,
              training=True, convention="pytorch"):
        x = tuple(x)
        shapes = [s for s in (x, gamma, beta, running_mean, running_var, scale_factor) if s is not None]
        if len(x) not in (2, 4):
            raise shape_error("batch_norm", "input must be (N, C) or (N, C, H, W)", *shapes)
        for name, s in (("gamma", gamma), ("beta", beta), ("running_mean", running_mean),
                        ("running_var", running_var)):
            if s is not None and x[1] is not None and tuple(s) != (x[1],):
                raise shape_error("batch_norm", f"{name} must have shape ({x[1]},), one per channel", *shapes)
        if convention == "caffe" and (scale_factor is None or tuple(scale_factor) != (1,)):
            raise shape_error("batch_norm", "the caffe convention needs the scale-factor blob, shape (1,)",
                              *shapes)
        return x

    @classmethod
    def saved_bytes(cls, x, *shapes, itemsize=4, **attrs):
        return nbytes_of(x, itemsize) + nbytes_of(x[1:2], itemsize)   # x-hat and 1 / std

    @classmethod
    def workspace_bytes(cls, x, *shapes, itemsize=4, training=True, **attrs):
        # training: the squared deviations; both modes: a handful of per-channel vectors
        return (nbytes_of(x, itemsize) if training else 0) + 8 * nbytes_of(x[1:2], 8)


@register
class Dropout(Kernel):
    """y = x * mask / (1 - p), mask = uniform(seed, counter) >= p (Philox: the same units on every engine).

    `seed` and `counter` pick the draw (an engine's random.Stream gives them). p == 0 or training=False
    draws nothing and returns x itself (an identity, as the frameworks' eval mode), or copies it into `out`.
    saved is the boolean keep mask (1 byte per element).
    """
    name = "dropout"
    accepts_out = True
    may_view = (0,)        # the identity case returns x itself
    may_overwrite = (0,)
    saves_inputs = ()
    saves_output = False
    grad_may_view = True   # the identity's gradient is gy itself

    @staticmethod
    def _active(p, training):
        if not 0 <= p <= 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        return training and p > 0

    @staticmethod
    def forward(xp, x, p=0.5, seed=0, counter=0, training=True, out=None):
        if not Dropout._active(p, training):
            if out is not None and out is not x:
                out[...] = x
            return (x if out is None else out), None
        keep = uniform(xp, seed, counter, x.shape) >= p
        y = xp.multiply(x, keep, out=out)
        y *= 1 / (1 - p) if p < 1 else 0
        return y, keep

    @staticmethod
    def backward(xp, saved, gy, needs=None, p=0.5, seed=0, counter=0, training=True):
        keep = saved
        if keep is None:
            return (gy,)
        g = gy * keep
        g *= 1 / (1 - p) if p < 1 else 0
        return (g,)

    @staticmethod
    def infer(x, p=0.5, seed=0, counter=0, training=True):
        return tuple(x)

    @classmethod
    def saved_bytes(cls, x, p=0.5, seed=0, counter=0, training=True, itemsize=4):
        return nbytes_of(x, 1) if cls._active(p, training) else 0   # the keep mask

    @classmethod
    def workspace_bytes(cls, x, p=0.5, seed=0, counter=0, training=True, itemsize=4):
        if not cls._active(p, training):
            return 0
        size = nbytes_of(x, 1)
        blocks = (size + 3) // 4
        # Philox's uint64 counter/key words and round temporaries, the stacked words, the uint32 bits and
        # the uniform values (an upper bound: some are freed before others are made)
        return 12 * 8 * blocks + 8 * size + 4 * size + itemsize * size


def _window_sum(xp, a, size, front, axis):
    """out[c] = sum of a[c - front : c - front + size] along `axis`, zero past the edges (one slice add per
    offset of the window: `size` adds of the whole map, no loop over channels)."""
    c = a.shape[axis]
    out = xp.zeros_like(a)
    for d in range(size):
        lo, hi = max(0, front - d), min(c, c + front - d)   # out[lo:hi] += a[lo - front + d : hi - front + d]
        if lo >= hi:
            continue
        dst = [slice(None)] * a.ndim
        src = [slice(None)] * a.ndim
        dst[axis] = slice(lo, hi)
        src[axis] = slice(lo - front + d, hi - front + d)
        out[tuple(dst)] += a[tuple(src)]
    return out


@register
class LRN(Kernel):
    """Local response normalisation across channels, Caffe's ACROSS_CHANNELS exactly (lrn_layer.cpp):
    scale = k + alpha / size * sum of x^2 over the `size` channels centred on c (zeros past the edges),
    y = x * scale^-beta. `axis` is the channel axis (1: NCHW; TF's NHWC passes -1).

    The window of channel c is [c - size // 2, c - size // 2 + size) (torch's placement, which for Caffe's
    odd sizes is the centred one). Engines map their framework's parameters: TF's depth_radius r is
    size 2r + 1 and alpha * size (TF does not divide by the window); Caffe, torch and MXNet divide by size.
    backward (Caffe's): gx = gy * scale^-beta - 2 alpha beta / size * x * window^T(gy * y / scale).
    """
    name = "lrn"
    saves_inputs = (0,)
    saves_output = True

    @staticmethod
    def forward(xp, x, size=5, alpha=1e-4, beta=0.75, k=1.0, axis=1):
        sq = x * x
        scale = _window_sum(xp, sq, size, size // 2, axis)
        del sq
        scale *= alpha / size
        scale += k
        y = xp.power(scale, -beta)
        y *= x
        return y, (x, y, scale)

    @staticmethod
    def backward(xp, saved, gy, needs=None, size=5, alpha=1e-4, beta=0.75, k=1.0, axis=1):
        x, y, scale = saved
        t = gy * y
        t /= scale
        # transposed window: input c' feeds outputs c' - (size - 1 - front) ... c' + front
        acc = _window_sum(xp, t, size, size - 1 - size // 2, axis)
        del t
        acc *= x
        acc *= -2.0 * alpha * beta / size
        gx = xp.power(scale, -beta)
        gx *= gy
        gx += acc
        return (gx,)

    @staticmethod
    def infer(x, size=5, alpha=1e-4, beta=0.75, k=1.0, axis=1):
        x = tuple(x)
        if len(x) < 2 or not -len(x) <= axis < len(x):
            raise shape_error("lrn", f"input must have a channel axis {axis} (at least 2-D)", x)
        if not isinstance(size, int) or size < 1:
            raise shape_error("lrn", f"size must be a positive integer, got {size!r}", x)
        return x

    @classmethod
    def saved_bytes(cls, x, size=5, alpha=1e-4, beta=0.75, k=1.0, axis=1, itemsize=4):
        return nbytes_of(x, itemsize)   # scale

    @classmethod
    def workspace_bytes(cls, x, size=5, alpha=1e-4, beta=0.75, k=1.0, axis=1, itemsize=4):
        return nbytes_of(x, itemsize)   # x^2
