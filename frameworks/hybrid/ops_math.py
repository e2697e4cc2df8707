"""MXNet's elementwise math beyond the basic ops (trigonometric, erf, erfinv, gamma, hyperbolic, logs, roots, mod,
hypot, logical ops), each one shared kernel or a composition of them, filed in ops.OPS like every other op."""
import builtins
import math

from .. import kernels as K
from .ops import OPS, SCALAR_FORMS, _broadcast_shape, _k, op


def _unary(name, kernel):
    def f(E, data):
        return _k(E, kernel, data)
    f.__name__ = name
    f.__doc__ = f"{name}(data): elementwise (the shared `{kernel.name}` kernel)."
    return op(f)


for _kern in (K.sin, K.cos, K.tan, K.arcsin, K.arccos, K.arctan, K.erf, K.erfinv, K.gamma, K.gammaln):
    _unary(_kern.name, _kern)


def _scaled(name, factor, doc):
    def f(E, data):
        return _k(E, K.mul, data, factor)
    f.__name__ = name
    f.__doc__ = doc
    return op(f)


_scaled("degrees", 180.0 / math.pi, "degrees(data): radians to degrees.")
_scaled("radians", math.pi / 180.0, "radians(data): degrees to radians.")


@op
def sinh(E, data):
    """(exp(x) - exp(-x)) / 2."""
    return _k(E, K.mul, _k(E, K.sub, _k(E, K.exp, data), _k(E, K.exp, _k(E, K.neg, data))), 0.5)


@op
def cosh(E, data):
    """(exp(x) + exp(-x)) / 2."""
    return _k(E, K.mul, _k(E, K.add, _k(E, K.exp, data), _k(E, K.exp, _k(E, K.neg, data))), 0.5)


@op
def arcsinh(E, data):
    """log(x + sqrt(x^2 + 1))."""
    return _k(E, K.log, _k(E, K.add, data, _k(E, K.sqrt, _k(E, K.add, _k(E, K.square, data), 1.0))))


@op
def arccosh(E, data):
    """log(x + sqrt(x^2 - 1)), for x >= 1."""
    return _k(E, K.log, _k(E, K.add, data, _k(E, K.sqrt, _k(E, K.sub, _k(E, K.square, data), 1.0))))


@op
def arctanh(E, data):
    """log((1 + x) / (1 - x)) / 2, for |x| < 1."""
    ratio = _k(E, K.div, _k(E, K.add, data, 1.0), _k(E, K.sub, 1.0, data))
    return _k(E, K.mul, _k(E, K.log, ratio), 0.5)


def _log_base(name, base):
    def f(E, data):
        return _k(E, K.mul, _k(E, K.log, data), 1.0 / math.log(base))
    f.__name__ = name
    f.__doc__ = f"{name}(data): the base-{base} logarithm, log(x) / log({base})."
    return op(f)


_log_base("log2", 2)
_log_base("log10", 10)


def _signed_root(name, exponent, doc):
    def f(E, data):
        # sign(x) * |x|^p: the sign has no gradient, |x|'s carries it, so d/dx = p |x|^(p-1) as it should
        return _k(E, K.mul, _k(E, K.sign, data), _k(E, K.pow, _k(E, K.abs, data), exponent=exponent))
    f.__name__ = name
    f.__doc__ = doc
    return op(f)


_signed_root("cbrt", 1.0 / 3.0, "cbrt(data): the cube root, negative for negative x.")
_signed_root("rcbrt", -1.0 / 3.0, "rcbrt(data): 1 / cbrt(x).")


@op
def hard_sigmoid(E, data, *, alpha=0.2, beta=0.5):
    """clip(alpha * x + beta, 0, 1)."""
    return _k(E, K.clip, _k(E, K.add, _k(E, K.mul, data, float(alpha)), float(beta)), lo=0.0, hi=1.0)


@op
def softmin(E, data, *, axis=-1, temperature=None):
    """softmax(-x / temperature) along axis."""
    scaled = _k(E, K.neg, data) if temperature is None else _k(E, K.mul, data, -1.0 / float(temperature))
    return _k(E, K.softmax, scaled, axis=axis)


@op
def identity(E, data):
    """A copy of data (MXNet's _copy); the gradient passes through."""
    return _k(E, K.mul, data, 1.0)


OPS["_copy"] = identity


# ---------------------------------------------------------------- binary: hypot, mod, logical

@op
def broadcast_hypot(E, lhs, rhs):
    """sqrt(lhs^2 + rhs^2) with broadcasting."""
    return _k(E, K.sqrt, _k(E, K.add, _k(E, K.square, lhs), _k(E, K.square, rhs)))


OPS["hypot"] = OPS["_hypot"] = broadcast_hypot


def _floor_quotient(xp, a, b):
    """floor(a / b) where b != 0, else 0: the integer part MXNet's mod takes away (no gradient)."""
    nonzero = b != 0
    return xp.floor(a / xp.where(nonzero, b, 1)) * nonzero


def _mod(E, lhs, rhs):
    # MXNet's mod: Python's sign rule (the result takes the divisor's sign), 0 where the divisor is 0;
    # d/dlhs = 1, d/drhs = -floor(lhs / rhs), as its mod_grad / mod_rgrad
    ls = E.shape(lhs) if not isinstance(lhs, (int, float)) else ()
    rs = E.shape(rhs) if not isinstance(rhs, (int, float)) else ()
    shape = _broadcast_shape(ls, rs)
    q = E.nograd(_floor_quotient, (lhs, rhs), shape)
    rem = _k(E, K.sub, lhs, _k(E, K.mul, rhs, q))
    if isinstance(rhs, (int, float)):
        return _k(E, K.mul, rem, 0.0) if rhs == 0 else rem
    nonzero = E.nograd(lambda xp, b: (b != 0).astype("float32"), (rhs,), rs)
    return _k(E, K.mul, rem, nonzero)


@op
def broadcast_mod(E, lhs, rhs):
    """lhs mod rhs with broadcasting (the result has the divisor's sign; 0 where rhs is 0)."""
    return _mod(E, lhs, rhs)


OPS["mod"] = OPS["_mod"] = broadcast_mod


@op
def _mod_scalar(E, data, *, scalar):
    return _mod(E, data, float(scalar))


@op
def _rmod_scalar(E, data, *, scalar):
    return _mod(E, float(scalar), data)


def _logical(name, fn):
    def f(E, lhs, rhs):
        ls = E.shape(lhs) if not isinstance(lhs, (int, float)) else ()
        rs = E.shape(rhs) if not isinstance(rhs, (int, float)) else ()
        dtype_of = 0 if ls or not rs else 1   # the array side's dtype, as MXNet's ElemwiseType
        return E.nograd(lambda xp, a, b: getattr(xp, fn)(a != 0, b != 0).astype(
            xp.asarray((a, b)[dtype_of]).dtype), (lhs, rhs), _broadcast_shape(ls, rs))
    f.__name__ = name
    f.__doc__ = f"{name}(lhs, rhs): 1 where {fn.split('_')[1]} of the non-zero tests holds, else 0 (input dtype)."
    return op(f)


for _n, _fn in (("and", "logical_and"), ("or", "logical_or"), ("xor", "logical_xor")):
    _logical(f"broadcast_logical_{_n}", _fn)
    OPS[f"_logical_{_n}"] = OPS[f"broadcast_logical_{_n}"]
    SCALAR_FORMS[f"broadcast_logical_{_n}"] = (f"_logical_{_n}_scalar", f"_logical_{_n}_scalar")

    def _scalar_form(E, data, *, scalar, _fn=_fn):
        return E.nograd(lambda xp, a: getattr(xp, _fn)(a != 0, scalar != 0).astype(a.dtype), (data,),
                        E.shape(data))
    _scalar_form.__name__ = f"_logical_{_n}_scalar"
    op(_scalar_form)


@op
def logical_not(E, data):
    """1 where data is 0, else 0 (in data's dtype; no gradient)."""
    return E.nograd(lambda xp, a: (a == 0).astype(a.dtype), (data,), E.shape(data))


SCALAR_FORMS["broadcast_mod"] = SCALAR_FORMS["mod"] = ("_mod_scalar", "_rmod_scalar")
SCALAR_FORMS["broadcast_hypot"] = SCALAR_FORMS["hypot"] = ("_hypot_scalar", "_hypot_scalar")


@op
def _hypot_scalar(E, data, *, scalar):
    return _k(E, K.sqrt, _k(E, K.add, _k(E, K.square, data), float(scalar) ** 2))


# the names Symbol's operators build (sym == sym is MXNet's _equal node, sym ** sym its _power)
for _n in ("equal", "not_equal", "greater", "greater_equal", "lesser", "lesser_equal"):
    OPS[f"_{_n}"] = OPS[f"broadcast_{_n}"]
OPS["_power"] = OPS["broadcast_power"]


@op
def _rpower_scalar(E, data, *, scalar):
    """scalar ** data, as exp(data * log(scalar)) (scalar > 0)."""
    return _k(E, K.exp, _k(E, K.mul, data, math.log(float(scalar))))


# ---------------------------------------------------------------- constants (sym.ones, sym.full, sym.arange;
# nd's own functions of these names take a context instead)

@op
def ones(E, *, shape, dtype="float32"):
    """A constant of ones."""
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    return E.nograd(lambda xp: xp.ones(shape, dtype=dtype), (), shape)


@op
def full(E, *, shape, val, dtype="float32"):
    """A constant filled with val."""
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    return E.nograd(lambda xp: xp.full(shape, val, dtype=dtype), (), shape)


@op
def arange(E, *, start, stop=None, step=1.0, repeat=1, infer_range=False, dtype="float32"):
    """start, start + step, ... below stop (each value repeated `repeat` times)."""
    lo, hi = (0, start) if stop is None else (start, stop)
    n = builtins_len_range(lo, hi, step) * int(repeat)
    return E.nograd(lambda xp: xp.repeat(xp.arange(lo, hi, step, dtype=dtype), int(repeat)), (), (n,))


@op
def eye(E, *, N, M=0, k=0, dtype="float32"):
    """An N x M (M=0: N x N) matrix with ones on diagonal k (MXNet's _eye: sym.eye, F.eye)."""
    shape = (int(N), int(M) or int(N))
    return E.nograd(lambda xp: xp.eye(shape[0], shape[1], int(k), dtype=dtype), (), shape)


@op
def linspace(E, *, start, stop, num, endpoint=True, dtype="float32"):
    """num evenly spaced values from start to stop (MXNet's _linspace: sym.linspace, F.linspace)."""
    return E.nograd(lambda xp: xp.linspace(start, stop, int(num), endpoint=endpoint).astype(dtype), (),
                    (int(num),))


OPS["_eye"], OPS["_linspace"] = OPS["eye"], OPS["linspace"]


def builtins_len_range(lo, hi, step):
    return builtins.max(0, math.ceil((hi - lo) / step))


OPS["_ones"], OPS["_full"], OPS["_arange"] = ones, full, arange
