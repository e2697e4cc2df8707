"""Activation kernels: softmax and log_softmax over an axis, leaky_relu, elu and softplus."""
from .base import Kernel, register, shape_error


def check_axis(op, shape, axis):
    """`axis` as a non-negative int for `shape`, or a ShapeError naming the op, the axis and the shape."""
    nd = len(shape)
    if not isinstance(axis, int) or not -nd <= axis < nd:
        raise shape_error(op, f"axis {axis!r} is out of range for {nd} dimensions", shape)
    return axis % nd


class _Unary(Kernel):
    @staticmethod
    def infer(x, **attrs):
        return tuple(x)


class _OverAxis(Kernel):
    @classmethod
    def infer(cls, x, axis=-1):
        check_axis(cls.name, tuple(x), axis)
        return tuple(x)


@register
class Softmax(_OverAxis):
    """y = exp(x - max) / sum(exp(x - max)) over `axis` (default the last, as tf.nn.softmax and F.softmax(dim=-1))."""
    name = "softmax"

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

    @staticmethod
    def forward(xp, x, axis=-1, out=None):
        y = xp.subtract(x, x.max(axis=axis, keepdims=True), out=out)
        y -= xp.log(xp.exp(y).sum(axis=axis, keepdims=True))
        return y, y

    @staticmethod
    def backward(xp, saved, gy, needs=None, axis=-1):
        y = saved
        return (gy - xp.exp(y) * gy.sum(axis=axis, keepdims=True),)


@register
class LeakyRelu(_Unary):
    """y = x where x > 0 else negative_slope * x. Defaults differ by framework (PyTorch 0.01, TF 0.2,
    MXNet LeakyReLU 0.25): each engine passes its own. At exactly 0 the gradient is negative_slope, as in
    PyTorch (x > 0 selects the identity branch)."""
    name = "leaky_relu"

    @staticmethod
    def forward(xp, x, negative_slope=0.01, out=None):
        y = xp.multiply(x, xp.where(x > 0, 1, negative_slope).astype(x.dtype, copy=False), out=out)
        return y, x

    @staticmethod
    def backward(xp, saved, gy, needs=None, negative_slope=0.01):
        x = saved
        return (gy * xp.where(x > 0, 1, negative_slope).astype(gy.dtype, copy=False),)


@register
class Elu(_Unary):
    """y = x where x > 0 else alpha * (exp(x) - 1) (expm1, accurate near 0)."""
    name = "elu"

    @staticmethod
    def forward(xp, x, alpha=1.0):
        neg = xp.expm1(xp.minimum(x, 0))   # exp of the clamped input never overflows
        neg *= alpha
        return xp.where(x > 0, x, neg), x

    @staticmethod
    def backward(xp, saved, gy, needs=None, alpha=1.0):
        x = saved
        d = xp.exp(xp.minimum(x, 0))
        d *= alpha
        return (gy * xp.where(x > 0, 1, d).astype(gy.dtype, copy=False),)


@register
class Softplus(_Unary):
    """y = log(1 + exp(beta * x)) / beta in the stable form max(z, 0) + log1p(exp(-|z|)), z = beta * x.

    threshold (PyTorch's, default None = never): where beta * x > threshold, y = x exactly (linear).
    """
    name = "softplus"

    @staticmethod
    def forward(xp, x, beta=1.0, threshold=None):
        z = x * beta if beta != 1 else x
        y = xp.log1p(xp.exp(-xp.abs(z)))
        y += xp.maximum(z, 0)
        if beta != 1:
            y /= beta
        if threshold is not None:
            y = xp.where(z > threshold, x, y)
        return y, x

    @staticmethod
    def backward(xp, saved, gy, needs=None, beta=1.0, threshold=None):
        x = saved
        z = x * beta if beta != 1 else x
        d = xp.tanh(z * 0.5)   # sigmoid(z) = (1 + tanh(z/2)) / 2: never overflows
        d += 1
        d *= 0.5
        if threshold is not None:
            d = xp.where(z > threshold, 1, d).astype(gy.dtype, copy=False)
        return (gy * d,)
