"""Ops without a useful derivative: sign, and the comparisons (equal, not_equal, greater, greater_equal,
less, less_equal) with NumPy broadcasting.

The rule, as the frameworks have it: a float output that is piecewise constant (sign) gets a gradient of
zeros, as PyTorch's and TF's sign gradients are zeros; a bool output (the comparisons) is not
differentiable at all, so backward returns None for both inputs (PyTorch's bool tensors never require
grad, TF registers no gradient for Equal/Less/...)."""
from .base import Kernel, register
from .elementwise import _Unary, broadcast_shape


@register
class Sign(_Unary):
    """y = sign(x) in x's dtype (-1, 0 or 1); its gradient is zeros."""
    name = "sign"
    accepts_out = True
    may_overwrite = (0,)
    saves_inputs = ()
    saves_output = False

    @staticmethod
    def forward(xp, x, out=None):
        return xp.sign(x, out=out), x.shape

    @staticmethod
    def backward(xp, saved, gy, needs=None):
        return (xp.zeros(saved, dtype=gy.dtype),)


class _Compare(Kernel):
    """y = ufunc(a, b), a bool array of the broadcast shape; no gradient."""
    accepts_out = True
    saves_inputs = ()
    saves_output = False

    @classmethod
    def infer(cls, a, b):
        return broadcast_shape(cls.name, a, b)


def _comparison(name, ufunc, doc):
    # forward/backward live in each class's own dict: the profiling hook wraps only what a class defines
    def forward(xp, a, b, out=None):
        return getattr(xp, ufunc)(a, b, out=out), None

    def backward(xp, saved, gy, needs=None):
        return None, None

    cls = type(name.title().replace("_", ""), (_Compare,),
               {"name": name, "__doc__": doc, "__module__": __name__,
                "forward": staticmethod(forward), "backward": staticmethod(backward)})
    return register(cls)


Equal = _comparison("equal", "equal", "y = (a == b)")
NotEqual = _comparison("not_equal", "not_equal", "y = (a != b)")
Greater = _comparison("greater", "greater", "y = (a > b)")
GreaterEqual = _comparison("greater_equal", "greater_equal", "y = (a >= b)")
Less = _comparison("less", "less", "y = (a < b)")
LessEqual = _comparison("less_equal", "less_equal", "y = (a <= b)")
