"""Reductions: sum and mean over axes (None = all), with keepdims."""
from .base import Kernel, register, shape_error


def _axes(op, shape, axis):
    nd = len(shape)
    if axis is None:
        return tuple(range(nd))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    out = []
    for a in axes:
        if not -nd <= a < nd:
            raise shape_error(op, f"axis {a} is out of range", shape)
        out.append(a % nd)
    return tuple(sorted(out))


def _reduced(shape, axes, keepdims):
    if keepdims:
        return tuple(1 if i in axes else s for i, s in enumerate(shape))
    return tuple(s for i, s in enumerate(shape) if i not in axes)


def _expand(xp, g, shape, axes):
    # put the reduced axes back as size-1 axes, then broadcast
    g = g.reshape(_reduced(shape, axes, True))
    return xp.broadcast_to(g, shape)


class _Reduce(Kernel):
    @classmethod
    def infer(cls, x, axis=None, keepdims=False):
        return _reduced(tuple(x), _axes(cls.name, x, axis), keepdims)


@register
class Sum(_Reduce):
    """y = sum(x, axis, keepdims)"""
    name = "sum"
    accepts_out = True
    saves_inputs = ()
    saves_output = False
    grad_may_view = True

    @staticmethod
    def forward(xp, x, axis=None, keepdims=False, out=None):
        return xp.sum(x, axis=axis, keepdims=keepdims, out=out), x.shape

    @staticmethod
    def backward(xp, saved, gy, needs=None, axis=None, keepdims=False):
        shape = saved
        return (_expand(xp, gy, shape, _axes("sum", shape, axis)),)


@register
class Mean(_Reduce):
    """y = mean(x, axis, keepdims)"""
    name = "mean"
    accepts_out = True
    saves_inputs = ()
    saves_output = False

    @staticmethod
    def forward(xp, x, axis=None, keepdims=False, out=None):
        return xp.mean(x, axis=axis, keepdims=keepdims, out=out), x.shape

    @staticmethod
    def backward(xp, saved, gy, needs=None, axis=None, keepdims=False):
        shape = saved
        axes = _axes("mean", shape, axis)
        n = 1
        for a in axes:
            n *= shape[a]
        return (_expand(xp, gy / n, shape, axes),)
