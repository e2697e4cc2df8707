"""Reductions: sum, mean, max and min over axes (None = all), with keepdims; argmax and argmin over one axis."""
from .base import Kernel, register, nbytes_of, shape_error


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


# below this many elements a gradient that fills the whole input is materialised rather than broadcast
SMALL = 1 << 12


def _expand(xp, g, shape, axes):
    if len(axes) == len(shape) and _count(shape, axes) <= SMALL and getattr(xp, "__name__", "") == "numpy":
        dtype = getattr(g, "dtype", None)
        if dtype is None:   # a Python number: full() picks its dtype
            return xp.full(shape, g)
        y = xp.empty(shape, dtype)   # full()'s own two steps without its Python wrapper, cheaper than
        y.fill(g)                    # broadcast_to's on a small array
        return y
    # put the reduced axes back as size-1 axes, then broadcast
    g = g.reshape(_reduced(shape, axes, True))
    return xp.broadcast_to(g, shape)


def add_reduce(xp, x, axis=None, keepdims=False, out=None):
    """x.sum(axis, keepdims=, out=): on NumPy its ufunc's reduce called directly, since the method gets
    there only through a Python-level wrapper (numpy/_core/_methods.py) that costs more than summing a small
    array."""
    if getattr(xp, "__name__", "") == "numpy":
        if out is None and not keepdims:   # the arguments NumPy would otherwise parse for their defaults
            return xp.add.reduce(x, axis)
        return xp.add.reduce(x, axis, None, out, keepdims)
    return x.sum(axis=axis, keepdims=keepdims, out=out)


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
        return add_reduce(xp, x, axis, keepdims, out), x.shape

    @staticmethod
    def backward(xp, saved, gy, needs=None, axis=None, keepdims=False):
        shape = saved
        axes = tuple(range(len(shape))) if axis is None else _axes("sum", shape, axis)
        return (_expand(xp, gy, shape, axes),)


@register
class Mean(_Reduce):
    """y = mean(x, axis, keepdims)"""
    name = "mean"
    accepts_out = True
    saves_inputs = ()
    saves_output = False

    @staticmethod
    def forward(xp, x, axis=None, keepdims=False, out=None):
        if x.dtype.kind != "f" or x.dtype.itemsize < 4:   # NumPy's mean widens these: keep its rules
            return xp.mean(x, axis=axis, keepdims=keepdims, out=out), x.shape
        # mean's own arithmetic (a sum, then a division by the count) minus NumPy's Python-level wrapper,
        # which on a small array costs more than the reduction
        n = x.size if axis is None else _count(x.shape, _axes("mean", x.shape, axis))
        y = add_reduce(xp, x, axis, keepdims, out)
        if out is not None:
            return xp.true_divide(y, n, out=y), x.shape
        return y / n, x.shape

    @staticmethod
    def backward(xp, saved, gy, needs=None, axis=None, keepdims=False):
        shape = saved
        axes = tuple(range(len(shape))) if axis is None else _axes("mean", shape, axis)
        return (_expand(xp, gy / _count(shape, axes), shape, axes),)


def _count(shape, axes):
    n = 1
    for a in axes:
        n *= shape[a]
    return n


def extreme(xp, op, pick, x, axis, keepdims):
    """max/min over one or several axes, keeping the index of the winner for backward.

    The reduced axes are moved last and flattened, so one arg-reduction (`pick`: "argmax" or "argmin")
    finds the winner; on ties the gradient goes to the FIRST extreme in row-major order of the reduced
    axes, as PyTorch's max(dim) / min(dim) pick one index (torch.amax and TF's reduce_max split it evenly
    among ties instead)."""
    axes = _axes(op, x.shape, axis)
    kept = tuple(d for d in range(x.ndim) if d not in axes)
    r = 1
    for a in axes:
        r *= x.shape[a]
    if r == 0:
        raise shape_error(op, "cannot reduce over an empty axis", x.shape)
    flat = xp.transpose(x, kept + axes).reshape(-1, r)
    m = flat.shape[0]
    win = getattr(flat, pick)(axis=1)
    y = flat[xp.arange(m), win].reshape(_reduced(x.shape, axes, keepdims))
    return y, (win, x.shape, axes)


def extreme_backward(xp, saved, gy):
    """The gradient of extreme(): gy lands on each winner, zeros elsewhere."""
    win, shape, axes = saved
    kept = tuple(d for d in range(len(shape)) if d not in axes)
    m = win.shape[0]
    g = xp.zeros((m, nbytes_of([shape[a] for a in axes], 1)), dtype=gy.dtype)
    g[xp.arange(m), win] = gy.reshape(-1)
    g = g.reshape(tuple(shape[d] for d in kept + axes))
    inverse = [0] * len(shape)
    for i, d in enumerate(kept + axes):
        inverse[d] = i
    return (xp.transpose(g, inverse),)


class _Extreme(_Reduce):
    """What max and min share: their facts. forward/backward stay in each class (the hook wraps those)."""
    saves_inputs = ()
    saves_output = False

    @classmethod
    def saved_bytes(cls, x, axis=None, keepdims=False, itemsize=4):
        return nbytes_of(_reduced(tuple(x), _axes(cls.name, x, axis), False), 8)   # the int64 winners

    @classmethod
    def workspace_bytes(cls, x, axis=None, keepdims=False, itemsize=4):
        # a reordered copy of x when the reduced axes are not already last, and the row numbers
        return nbytes_of(x, itemsize) + nbytes_of(_reduced(tuple(x), _axes(cls.name, x, axis), False), 8)


@register
class Max(_Extreme):
    """y = max(x, axis, keepdims) over one or several axes; the gradient goes to the first maximum
    (see extreme())."""
    name = "max"

    @staticmethod
    def forward(xp, x, axis=None, keepdims=False):
        return extreme(xp, "max", "argmax", x, axis, keepdims)

    @staticmethod
    def backward(xp, saved, gy, needs=None, axis=None, keepdims=False):
        return extreme_backward(xp, saved, gy)


@register
class Min(_Extreme):
    """y = min(x, axis, keepdims) over one or several axes; the gradient goes to the first minimum."""
    name = "min"

    @staticmethod
    def forward(xp, x, axis=None, keepdims=False):
        return extreme(xp, "min", "argmin", x, axis, keepdims)

    @staticmethod
    def backward(xp, saved, gy, needs=None, axis=None, keepdims=False):
        return extreme_backward(xp, saved, gy)


def arg_extreme(xp, op, x, axis, keepdims):
    """The index of the extreme over one axis (None = the flattened array), int64; ties give the first.
    Defaults differ: np.argmax and torch.argmax flatten when no axis is given, tf.argmax reduces axis 0;
    each engine passes its own."""
    if axis is not None:
        _axes(op, x.shape, axis)
    return getattr(xp, op)(x, axis=axis, keepdims=keepdims).astype(xp.int64, copy=False), None


class _Arg(Kernel):
    saves_inputs = ()
    saves_output = False
    @classmethod
    def infer(cls, x, axis=None, keepdims=False):
        if axis is not None and not isinstance(axis, int):
            raise shape_error(cls.name, f"axis must be one int or None, got {axis!r}", x)
        return _reduced(tuple(x), _axes(cls.name, x, axis), keepdims)


@register
class ArgMax(_Arg):
    """y = argmax(x, axis, keepdims), int64 (see arg_extreme); no gradient through an index: (None,)."""
    name = "argmax"

    @staticmethod
    def forward(xp, x, axis=None, keepdims=False):
        return arg_extreme(xp, "argmax", x, axis, keepdims)

    @staticmethod
    def backward(xp, saved, gy, needs=None, axis=None, keepdims=False):
        return (None,)


@register
class ArgMin(_Arg):
    """y = argmin(x, axis, keepdims), int64; no gradient through an index: (None,)."""
    name = "argmin"

    @staticmethod
    def forward(xp, x, axis=None, keepdims=False):
        return arg_extreme(xp, "argmin", x, axis, keepdims)

    @staticmethod
    def backward(xp, saved, gy, needs=None, axis=None, keepdims=False):
        return (None,)


@register
class Prod(_Reduce):
    """y = prod(x, axis, keepdims) over one or several axes. The gradient of each entry is the product of
    the others in its reduction, from exclusive running products both ways, so a zero entry gets the
    product of the rest instead of y / x's 0 / 0."""
    name = "prod"
    saves_inputs = (0,)
    saves_output = False

    @classmethod
    def workspace_bytes(cls, x, axis=None, keepdims=False, itemsize=4):
        return 3 * nbytes_of(x, itemsize)   # the reordered copy and the two running products

    @staticmethod
    def forward(xp, x, axis=None, keepdims=False):
        axes = _axes("prod", x.shape, axis)
        return xp.prod(x, axis=axes, keepdims=keepdims), x

    @staticmethod
    def backward(xp, saved, gy, needs=None, axis=None, keepdims=False):
        x = saved
        axes = _axes("prod", x.shape, axis)
        kept = tuple(d for d in range(x.ndim) if d not in axes)
        flat = xp.transpose(x, kept + axes).reshape(-1, _count(x.shape, axes))
        ones = xp.ones((flat.shape[0], 1), dtype=flat.dtype)
        before = xp.cumprod(xp.concatenate([ones, flat[:, :-1]], axis=1), axis=1)
        after = xp.cumprod(xp.concatenate([ones, flat[:, :0:-1]], axis=1), axis=1)[:, ::-1]
        g = (before * after * gy.reshape(-1, 1)).reshape(tuple(x.shape[d] for d in kept + axes))
        inverse = [0] * x.ndim
        for i, d in enumerate(kept + axes):
            inverse[d] = i
        return (xp.transpose(g, inverse),)
