"""Elementwise kernels: binary ops with NumPy broadcasting (backward sums over broadcast axes) and unary ops."""
from .backend import against_scalar
from .base import Kernel, register, need, shape_error
from .reduce import add_reduce
from .workspace import MIN_BYTES, pool


def _shape(x):
    return getattr(x, "shape", ())


def broadcast_shape(op, a, b):
    """NumPy's broadcasting rule, raising a ShapeError that names the op and both shapes."""
    a, b = tuple(a), tuple(b)
    n = max(len(a), len(b))
    pa, pb = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
    out = []
    for x, y in zip(pa, pb):
        if x != y and x != 1 and y != 1 and x is not None and y is not None:
            raise shape_error(op, "operands could not be broadcast together", a, b)
        if x is None or y is None:
            out.append(y if x == 1 else x if y == 1 else (x if x is not None else y))
        else:
            out.append(max(x, y) if min(x, y) != 0 else 0)
    return tuple(out)


def unbroadcast(xp, g, shape):
    """Sum `g` down to `shape`: the gradient of broadcasting an input of that shape."""
    gs = g.shape
    if gs == shape:
        return g
    lead = g.ndim - len(shape)
    if lead == 1 and gs[1:] == shape:   # a bias over rows: the same sum, without keepdims and a reshape
        return add_reduce(xp, g, 0)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, s in enumerate(shape) if s == 1 and g.shape[lead + i] != 1)
    g = add_reduce(xp, g, axes, True) if axes else g
    return g.reshape(shape)


class _Binary(Kernel):
    @classmethod
    def infer(cls, a, b):
        return broadcast_shape(cls.name, a, b)


@register
class Add(_Binary):
    """y = a + b"""
    name = "add"
    accepts_out = True
    may_overwrite = (0, 1)
    saves_inputs = ()
    saves_output = False
    grad_may_view = True

    @staticmethod
    def forward(xp, a, b, out=None):
        # out=None not passed on: NumPy parses a ufunc's keywords at a cost the add of a small array notices
        y = xp.add(a, b) if out is None else xp.add(a, b, out)
        return y, (getattr(a, "shape", ()), getattr(b, "shape", ()))

    @staticmethod
    def backward(xp, saved, gy, needs=None):
        sa, sb = saved
        gs = gy.shape
        if needs is None:   # the common call: both gradients, each gy itself where no axis was broadcast
            return (gy if gs == sa else unbroadcast(xp, gy, sa)), (gy if gs == sb else unbroadcast(xp, gy, sb))
        return ((gy if gs == sa else unbroadcast(xp, gy, sa)) if needs[0] else None,
                (gy if gs == sb else unbroadcast(xp, gy, sb)) if needs[1] else None)


@register
class Sub(_Binary):
    """y = a - b"""
    name = "sub"
    accepts_out = True
    may_overwrite = (0, 1)
    saves_inputs = ()
    saves_output = False
    grad_may_view = True

    @staticmethod
    def forward(xp, a, b, out=None):
        return xp.subtract(a, b, out=out), (getattr(a, "shape", ()), getattr(b, "shape", ()))

    @staticmethod
    def backward(xp, saved, gy, needs=None):
        sa, sb = saved
        return (unbroadcast(xp, gy, sa) if need(needs, 0) else None,
                unbroadcast(xp, -gy, sb) if need(needs, 1) else None)


@register
class Mul(_Binary):
    """y = a * b"""
    name = "mul"
    accepts_out = True
    saves_output = False

    @staticmethod
    def forward(xp, a, b, out=None):
        return (xp.multiply(a, b) if out is None else xp.multiply(a, b, out)), (a, b)

    @staticmethod
    def backward(xp, saved, gy, needs=None):
        a, b = saved
        ga = gb = None
        if needs is None or needs[0]:
            ga = gy * b
            sa = getattr(a, "shape", ())
            if ga.shape != sa:
                ga = unbroadcast(xp, ga, sa)
        if needs is None or needs[1]:
            gb = gy * a
            sb = getattr(b, "shape", ())
            if gb.shape != sb:
                gb = unbroadcast(xp, gb, sb)
        return ga, gb


@register
class Div(_Binary):
    """y = a / b"""
    name = "div"
    accepts_out = True
    saves_output = False

    @staticmethod
    def forward(xp, a, b, out=None):
        return xp.divide(a, b, out=out), (a, b)

    @staticmethod
    def backward(xp, saved, gy, needs=None):
        a, b = saved
        ga = unbroadcast(xp, gy / b, _shape(a)) if need(needs, 0) else None
        gb = unbroadcast(xp, -gy * a / (b * b), _shape(b)) if need(needs, 1) else None
        return ga, gb


@register
class Maximum(_Binary):
    """y = max(a, b); NOTE: on ties the gradient goes to `a` (as TF's Maximum grad)."""
    name = "maximum"
    accepts_out = True
    saves_output = False

    @staticmethod
    def forward(xp, a, b, out=None):
        return xp.maximum(a, b, out=out), (a, b)

    @staticmethod
    def backward(xp, saved, gy, needs=None):
        a, b = saved
        mask = xp.greater_equal(a, b)
        ga = unbroadcast(xp, gy * mask, _shape(a)) if need(needs, 0) else None
        gb = unbroadcast(xp, gy * ~mask, _shape(b)) if need(needs, 1) else None
        return ga, gb


@register
class Minimum(_Binary):
    """y = min(a, b); NOTE: on ties the gradient goes to `a`."""
    name = "minimum"
    accepts_out = True
    saves_output = False

    @staticmethod
    def forward(xp, a, b, out=None):
        return xp.minimum(a, b, out=out), (a, b)

    @staticmethod
    def backward(xp, saved, gy, needs=None):
        a, b = saved
        mask = xp.less_equal(a, b)
        ga = unbroadcast(xp, gy * mask, _shape(a)) if need(needs, 0) else None
        gb = unbroadcast(xp, gy * ~mask, _shape(b)) if need(needs, 1) else None
        return ga, gb


# ---------------------------------------------------------------- unary ops

class _Unary(Kernel):
    @staticmethod
    def infer(x, **attrs):
        return tuple(x)


@register
class Neg(_Unary):
    """y = -x"""
    name = "neg"
    accepts_out = True
    may_overwrite = (0,)
    saves_inputs = ()
    saves_output = False

    @staticmethod
    def forward(xp, x, out=None):
        return xp.negative(x, out=out), None

    @staticmethod
    def backward(xp, saved, gy, needs=None):
        return (-gy,)


@register
class Pow(_Unary):
    """y = x ** exponent, for a scalar exponent."""
    name = "pow"
    accepts_out = True
    saves_output = False

    @staticmethod
    def forward(xp, x, exponent=2.0, out=None):
        if exponent == 2:
            return xp.multiply(x, x, out=out), x
        return xp.power(x, exponent, out=out), x

    @staticmethod
    def backward(xp, saved, gy, needs=None, exponent=2.0):
        x = saved
        if exponent == 2:
            return (gy * (2 * x),)
        return (gy * (exponent * x ** (exponent - 1)),)


@register
class Square(_Unary):
    """y = x * x"""
    name = "square"
    accepts_out = True
    saves_output = False

    @staticmethod
    def forward(xp, x, out=None):
        return xp.multiply(x, x, out=out), x

    @staticmethod
    def backward(xp, saved, gy, needs=None):
        return (gy * (2 * saved),)


@register
class Exp(_Unary):
    """y = exp(x)"""
    name = "exp"
    accepts_out = True
    may_overwrite = (0,)
    saves_inputs = ()

    @staticmethod
    def forward(xp, x, out=None):
        y = xp.exp(x, out=out)
        return y, y

    @staticmethod
    def backward(xp, saved, gy, needs=None):
        return (gy * saved,)


@register
class Log(_Unary):
    """y = log(x)"""
    name = "log"
    accepts_out = True
    saves_output = False

    @staticmethod
    def forward(xp, x, out=None):
        return xp.log(x, out=out), x

    @staticmethod
    def backward(xp, saved, gy, needs=None):
        return (gy / saved,)


@register
class Relu(_Unary):
    """y = max(x, 0); NOTE: the gradient at exactly 0 is 0 (as every framework does)."""
    name = "relu"
    accepts_out = True
    uses_pool = True   # backward's gradient, when big
    may_overwrite = (0,)
    saves_inputs = ()

    @staticmethod
    def forward(xp, x, out=None):
        y = against_scalar(xp, xp.maximum, x, 0, out)
        return y, y

    grad_accepts_out = True

    @staticmethod
    def backward(xp, saved, gy, needs=None, out=None):
        # y > 0 exactly where x > 0, so the output alone suffices: in-place ReLU stays correct.
        if out is not None:
            return (xp.multiply(gy, saved > 0, out=out),)
        if saved.nbytes < MIN_BYTES or gy.shape != saved.shape:
            return (gy * (saved > 0),)
        # a big gradient (a conv net's maps) goes into a pool array, as the convolution's own do
        return (xp.multiply(gy, saved > 0, out=pool().empty(xp, gy.shape, gy.dtype)),)


@register
class Sigmoid(_Unary):
    """y = 1 / (1 + exp(-x)), computed as 0.5 * (1 + tanh(x / 2)) so it never overflows."""
    name = "sigmoid"
    accepts_out = True
    may_overwrite = (0,)
    saves_inputs = ()

    @staticmethod
    def forward(xp, x, out=None):
        # the in-place steps as ufunc calls with a positional out: cheaper than keywords and augmented
        # assignment, which cost more than the arithmetic of an RNN gate's (16, 128)
        y = xp.multiply(x, 0.5) if out is None else xp.multiply(x, 0.5, out)
        xp.tanh(y, y)
        xp.add(y, 1, y)
        xp.multiply(y, 0.5, y)
        return y, y

    @staticmethod
    def backward(xp, saved, gy, needs=None):
        y = saved
        g = gy * y
        return (xp.multiply(g, 1 - y, g),)   # (gy * y) * (1 - y), one temporary fewer


@register
class Tanh(_Unary):
    """y = tanh(x)"""
    name = "tanh"
    accepts_out = True
    may_overwrite = (0,)
    saves_inputs = ()

    @staticmethod
    def forward(xp, x, out=None):
        y = xp.tanh(x) if out is None else xp.tanh(x, out)
        return y, y

    @staticmethod
    def backward(xp, saved, gy, needs=None):
        y = saved
        g = y * y
        xp.subtract(1, g, g)
        if gy.shape == g.shape and gy.dtype == g.dtype:
            return (xp.multiply(g, gy, g),)   # gy * (1 - y * y), in place in one temporary
        return (gy * g,)


@register
class Clip(_Unary):
    """y = min(max(x, lo), hi); the gradient is zero outside [lo, hi] (TF's clip_by_value)."""
    name = "clip"
    accepts_out = True
    saves_output = False

    @staticmethod
    def forward(xp, x, lo=None, hi=None, out=None):
        if lo is None:  # one-sided bounds spelled out: not every xp's clip takes None
            if hi is None:  # no bounds: a copy, into `out` where given
                y = x.copy() if out is None else out
                if out is not None:
                    out[...] = x
            else:
                y = against_scalar(xp, xp.minimum, x, hi, out)
        else:
            # the method, not xp.clip: NumPy's function wrapper costs more than the clip of a small array
            y = against_scalar(xp, xp.maximum, x, lo, out) if hi is None else x.clip(lo, hi, out=out)
        return y, x

    @staticmethod
    def backward(xp, saved, gy, needs=None, lo=None, hi=None):
        x = saved
        if lo is not None and hi is not None:
            inside = x >= lo
            inside &= x <= hi
        elif lo is not None:
            inside = x >= lo
        elif hi is not None:
            inside = x <= hi
        else:
            return (gy.copy(),)
        return (gy * inside,)


@register
class Abs(_Unary):
    """y = |x|; the gradient is sign(x), 0 at exactly 0 (as PyTorch and TF)."""
    name = "abs"
    accepts_out = True
    saves_output = False

    @staticmethod
    def forward(xp, x, out=None):
        return xp.abs(x, out=out), x

    @staticmethod
    def backward(xp, saved, gy, needs=None):
        return (gy * xp.sign(saved),)


@register
class Sqrt(_Unary):
    """y = sqrt(x); backward gy / (2 y) from the output alone."""
    name = "sqrt"
    accepts_out = True
    may_overwrite = (0,)
    saves_inputs = ()

    @staticmethod
    def forward(xp, x, out=None):
        y = xp.sqrt(x, out=out)
        return y, y

    @staticmethod
    def backward(xp, saved, gy, needs=None):
        return (gy / (2 * saved),)


@register
class Rsqrt(_Unary):
    """y = 1 / sqrt(x) (tf.math.rsqrt, torch.rsqrt); backward -gy * y^3 / 2 from the output alone."""
    name = "rsqrt"
    accepts_out = True
    may_overwrite = (0,)
    saves_inputs = ()

    @staticmethod
    def forward(xp, x, out=None):
        y = xp.sqrt(x, out=out)
        xp.reciprocal(y, out=y)
        return y, y

    @staticmethod
    def backward(xp, saved, gy, needs=None):
        y = saved
        return (gy * (y * y * y) * -0.5,)


@register
class Cast(_Unary):
    """y = x.astype(dtype); the gradient is cast back to x's dtype (as every framework's Cast grad).
    Casting to the dtype x already has returns x itself (no copy). An integer or bool input gets no
    gradient (None)."""
    name = "cast"
    may_view = (0,)
    saves_inputs = ()
    saves_output = False
    grad_may_view = True

    @staticmethod
    def forward(xp, x, dtype):
        return x.astype(dtype, copy=False), x.dtype

    @staticmethod
    def backward(xp, saved, gy, needs=None, dtype=None):
        if saved.kind not in "fc":
            return (None,)
        return (gy.astype(saved, copy=False),)
