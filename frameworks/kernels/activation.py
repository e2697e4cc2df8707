"""Activation kernels: softmax and log_softmax over an axis, leaky_relu, elu and softplus."""
from .backend import against_scalar
from .base import Kernel, register, nbytes_of
from .elementwise import _Unary
from .shape import check_axis


class _OverAxis(Kernel):
    @classmethod
    def infer(cls, x, axis=-1):
        check_axis(cls.name, len(tuple(x)), axis, x)
        return tuple(x)


@register
class Softmax(_OverAxis):
    """y = exp(x - max) / sum(exp(x - max)) over `axis` (default the last, as tf.nn.softmax and F.softmax(dim=-1))."""
    name = "softmax"
    accepts_out = True
    may_overwrite = (0,)
    saves_inputs = ()

    @classmethod
    def workspace_bytes(cls, x, axis=-1, itemsize=4):
        return 2 * _row_bytes(x, axis, itemsize)   # the row maxima and sums

    @staticmethod
    def forward(xp, x, axis=-1, out=None):
        y = xp.subtract(x, x.max(axis=axis, keepdims=True), out=out)
        xp.exp(y, out=y)
        y /= y.sum(axis=axis, keepdims=True)
        return y, y

    @staticmethod
    def backward(xp, saved, gy, needs=None, axis=-1):
        y = saved
        gx = gy * y
        gx -= y * gx.sum(axis=axis, keepdims=True)
        return (gx,)


@register
class LogSoftmax(_OverAxis):
    """y = x - max - log(sum(exp(x - max))) over `axis`; backward gy - softmax * sum(gy)."""
    name = "log_softmax"
    accepts_out = True
    may_overwrite = (0,)
    saves_inputs = ()

    @classmethod
    def workspace_bytes(cls, x, axis=-1, itemsize=4):
        return nbytes_of(x, itemsize) + 3 * _row_bytes(x, axis, itemsize)   # exp(x - max); max, sum, log

    @staticmethod
    def forward(xp, x, axis=-1, out=None):
        y = xp.subtract(x, x.max(axis=axis, keepdims=True), out=out)
        s = xp.exp(y).sum(axis=axis, keepdims=True)
        y -= xp.log(s, out=s)
        return y, y

    @staticmethod
    def backward(xp, saved, gy, needs=None, axis=-1):
        y = saved
        return (gy - xp.exp(y) * gy.sum(axis=axis, keepdims=True),)


def _row_bytes(x, axis, itemsize):
    """Bytes of x reduced over `axis` (one max or sum per row)."""
    return nbytes_of(x, itemsize) // max(1, tuple(x)[axis])


@register
class LeakyRelu(_Unary):
    """y = x where x > 0 else negative_slope * x. Defaults differ by framework (PyTorch 0.01, TF 0.2,
    MXNet LeakyReLU 0.25): each engine passes its own. At exactly 0 the gradient is negative_slope, as in
    PyTorch (x > 0 selects the identity branch)."""
    name = "leaky_relu"
    accepts_out = True
    saves_output = False

    @classmethod
    def workspace_bytes(cls, x, negative_slope=0.01, itemsize=4):
        return nbytes_of(x, 1)   # the x > 0 mask

    @staticmethod
    def forward(xp, x, negative_slope=0.01, out=None):
        y = xp.multiply(x, negative_slope, out=out)
        xp.copyto(y, x, where=x > 0)
        return y, x

    @staticmethod
    def backward(xp, saved, gy, needs=None, negative_slope=0.01):
        x = saved
        gx = gy * negative_slope
        xp.copyto(gx, gy, where=x > 0)
        return (gx,)


@register
class Elu(_Unary):
    """y = x where x > 0 else alpha * (exp(x) - 1) (expm1, accurate near 0)."""
    name = "elu"
    saves_output = False

    @classmethod
    def workspace_bytes(cls, x, alpha=1.0, itemsize=4):
        return nbytes_of(x, itemsize) + nbytes_of(x, 1)   # the negative branch and the x > 0 mask

    @staticmethod
    def forward(xp, x, alpha=1.0):
        y = against_scalar(xp, xp.minimum, x, 0)   # exp of the clamped input never overflows
        xp.expm1(y, out=y)
        y *= alpha
        xp.copyto(y, x, where=x > 0)
        return y, x

    @staticmethod
    def backward(xp, saved, gy, needs=None, alpha=1.0):
        x = saved
        gx = against_scalar(xp, xp.minimum, x, 0)
        xp.exp(gx, out=gx)
        gx *= alpha
        gx *= gy
        xp.copyto(gx, gy, where=x > 0)
        return (gx,)


@register
class Softplus(_Unary):
    """y = log(1 + exp(beta * x)) / beta in the stable form max(z, 0) + log1p(exp(-|z|)), z = beta * x.

    threshold (PyTorch's, default None = never): where beta * x > threshold, y = x exactly (linear).
    """
    name = "softplus"
    saves_output = False

    @classmethod
    def workspace_bytes(cls, x, beta=1.0, threshold=None, itemsize=4):
        full = nbytes_of(x, itemsize)
        return full * (1 + (beta != 1)) + (nbytes_of(x, 1) if threshold is not None else 0)

    @staticmethod
    def forward(xp, x, beta=1.0, threshold=None):
        z = x * beta if beta != 1 else x
        y = xp.abs(z)
        xp.negative(y, out=y)
        xp.exp(y, out=y)
        xp.log1p(y, out=y)
        y += against_scalar(xp, xp.maximum, z, 0)
        if beta != 1:
            y /= beta
        if threshold is not None:
            xp.copyto(y, x, where=z > threshold)
        return y, x

    @staticmethod
    def backward(xp, saved, gy, needs=None, beta=1.0, threshold=None):
        x = saved
        d = x * (0.5 * beta)
        xp.tanh(d, out=d)   # sigmoid(z) = (1 + tanh(z/2)) / 2: never overflows
        d += 1
        d *= 0.5
        if threshold is not None:
            xp.copyto(d, 1, where=x * beta > threshold)
        d *= gy
        return (d,)
