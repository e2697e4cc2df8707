"""Special-function kernels: erf (MXNet's GELU and nd.erf), gamma and gammaln (nd.gamma, nd.gammaln: d2l's
polynomial features divide by gamma(n + 1)), which neither NumPy nor a composition of the other kernels
provides; evaluated in float64 to ~1e-13 and returned in the input's dtype."""
import math

from .backend import errstate
from .base import register
from .elementwise import _Unary

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_SPLIT = 2.5          # |x| below: the Maclaurin series; above: the continued fraction of erfc
_SERIES_TERMS = 60    # at |x| = 2.5 the 60th term is below 1e-40; the largest (~200) costs 2-3 digits
_FRACTION_DEPTH = 60  # Laplace's continued fraction at x >= 2.5: converged well past 1e-15


def _erf(xp, x):
    a = xp.abs(x.astype("float64"))
    s = xp.minimum(a, _SPLIT)
    s2 = s * s
    term, total = s.copy(), s.copy()
    for n in range(1, _SERIES_TERMS):
        term *= -s2 / n
        total += term / (2 * n + 1)
    series = total * _TWO_OVER_SQRT_PI
    # erfc(x) = exp(-x^2) / sqrt(pi) / (x + (1/2) / (x + 1 / (x + (3/2) / (x + ...)))), evaluated bottom-up
    t = xp.maximum(a, _SPLIT)
    frac = t.copy()
    for k in range(_FRACTION_DEPTH, 0, -1):
        frac = t + (k / 2.0) / frac
    tail = 1.0 - xp.exp(-t * t) / (math.sqrt(math.pi) * frac)
    y = xp.where(a < _SPLIT, series, tail)
    return xp.copysign(y, x.astype("float64")).astype(x.dtype)


@register
class Erf(_Unary):
    """y = erf(x); backward gy * 2 / sqrt(pi) * exp(-x^2)."""
    name = "erf"
    saves_output = False

    @staticmethod
    def forward(xp, x):
        return _erf(xp, x), x

    @staticmethod
    def backward(xp, saved, gy, needs=None):
        return (gy * (_TWO_OVER_SQRT_PI * xp.exp(-saved * saved)),)


# Lanczos' approximation as Numerical Recipes (3rd ed.) gives it: g = 671/128, 14 terms, log gamma(x) for x > 0
# to ~3e-15 relative
_LANCZOS_G = 5.2421875
_LANCZOS_C0 = 0.999999999999997092
_LANCZOS = (57.1562356658629235, -59.5979603554754912, 14.1360979747417471, -0.491913816097620199,
            .339946499848118887e-4, .465236289270485756e-4, -.983744753048795646e-4, .158088703224912494e-3,
            -.210264441724104883e-3, .217439618115212643e-3, -.164318106536763890e-3, .844182239838527433e-4,
            -.261908384015814087e-4, .368991826595316234e-5)
_SQRT_2PI = math.sqrt(2 * math.pi)


def _lgamma_right(xp, x):
    """log gamma(x) for x >= 0.5."""
    ser = xp.full(x.shape, _LANCZOS_C0)
    for j, c in enumerate(_LANCZOS):
        ser += c / (x + (j + 1))
    t = x + _LANCZOS_G
    return (x + 0.5) * xp.log(t) - t + xp.log(_SQRT_2PI * ser / x)


def _gammaln(xp, x):
    """log |gamma(x)| in float64; below 0.5 by the reflection gamma(x) gamma(1 - x) = pi / sin(pi x)."""
    left = x < 0.5
    right = _lgamma_right(xp, xp.where(left, 1.0 - x, x))
    # sin(pi x) = 0 at the poles (x = 0, -1, ...): log|gamma| = inf there, as C's lgamma
    with errstate(xp, divide="ignore", invalid="ignore"):
        reflected = math.log(math.pi) - xp.log(xp.abs(xp.sin(math.pi * x))) - right
    pole = (x <= 0) & (x == xp.floor(x))
    return xp.where(pole, math.inf, xp.where(left, reflected, right))


def _gamma(xp, x):
    """gamma(x) in float64, with its sign (negative on (-1, 0), (-3, -2), ...); at the poles what C's tgamma
    (MXNet's gamma) gives: inf at 0, nan at the negative integers."""
    left = x < 0.5
    g = xp.exp(_lgamma_right(xp, xp.where(left, 1.0 - x, x)))
    with errstate(xp, divide="ignore", invalid="ignore"):
        reflected = math.pi / (xp.sin(math.pi * x) * g)
        pole = (x <= 0) & (x == xp.floor(x))
    return xp.where(pole, xp.where(x == 0, math.inf, math.nan), xp.where(left, reflected, g))


def _digamma(xp, x):
    """psi(x) = d log gamma(x) / dx: shift x up to >= 10 by psi(x) = psi(x + 1) - 1 / x, then the asymptotic
    series; below 0.5 the reflection psi(x) = psi(1 - x) - pi / tan(pi x)."""
    left = x < 0.5
    y = xp.where(left, 1.0 - x, x)
    shift = xp.zeros(x.shape)
    for _ in range(10):
        small = y < 10.0
        shift += xp.where(small, 1.0 / y, 0.0)
        y = xp.where(small, y + 1.0, y)
    r = 1.0 / (y * y)
    series = r * (1 / 12 - r * (1 / 120 - r * (1 / 252 - r * (1 / 240 - r * (1 / 132)))))
    psi = xp.log(y) - 0.5 / y - series - shift
    with errstate(xp, divide="ignore", invalid="ignore"):
        reflected = psi - math.pi / xp.tan(math.pi * x)
    return xp.where(left, reflected, psi)


@register
class Gamma(_Unary):
    """y = gamma(x); backward gy * gamma(x) * psi(x)."""
    name = "gamma"
    saves_output = True

    @staticmethod
    def forward(xp, x):
        y = _gamma(xp, x.astype("float64")).astype(x.dtype)
        return y, (x, y)

    @staticmethod
    def backward(xp, saved, gy, needs=None):
        x, y = saved
        return ((gy * (y * _digamma(xp, x.astype("float64")))).astype(gy.dtype),)


@register
class Gammaln(_Unary):
    """y = log |gamma(x)|; backward gy * psi(x)."""
    name = "gammaln"
    saves_output = False

    @staticmethod
    def forward(xp, x):
        return _gammaln(xp, x.astype("float64")).astype(x.dtype), x

    @staticmethod
    def backward(xp, saved, gy, needs=None):
        return ((gy * _digamma(xp, saved.astype("float64"))).astype(gy.dtype),)


def _erfinv(xp, x):
    """erfinv(x) in float64: Giles' single-precision approximation ("Approximating the erfinv function",
    GPU Computing Gems, 2011) as the start, then Newton steps on erf(y) = x with the series/fraction erf
    above (each step squares the error: three take the start's ~1e-7 below 1e-15); +-inf at +-1, nan
    outside [-1, 1], as MXNet's erfinv."""
    x = x.astype("float64")
    with errstate(xp, divide="ignore", invalid="ignore"):
        w = -xp.log((1.0 - x) * (1.0 + x))
        central = w < 5.0
        wc = xp.where(central, w - 2.5, xp.sqrt(xp.where(central, 5.0, w)) - 3.0)
        pc = (2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503,
              -0.00417768164, 0.246640727, 1.50140941)
        pt = (-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613,
              0.00943887047, 1.00167406, 2.83297682)
        p_c, p_t = xp.full(x.shape, pc[0]), xp.full(x.shape, pt[0])
        for a, b in zip(pc[1:], pt[1:]):
            p_c, p_t = a + p_c * wc, b + p_t * wc
        y = xp.where(central, p_c, p_t) * x
        inside = xp.abs(x) < 1.0
        y = xp.where(inside, y, 0.0)
        for _ in range(3):
            y = y - (_erf(xp, y) - x) / (_TWO_OVER_SQRT_PI * xp.exp(-y * y))
            y = xp.where(inside, y, 0.0)
    edge = xp.where(xp.abs(x) == 1.0, xp.copysign(math.inf, x), math.nan)
    return xp.where(inside, y, edge)


@register
class Erfinv(_Unary):
    """y = erfinv(x) (MXNet's nd.erfinv); backward gy * sqrt(pi) / 2 * exp(y^2)."""
    name = "erfinv"
    saves_inputs = ()
    saves_output = True

    @staticmethod
    def forward(xp, x):
        y = _erfinv(xp, x).astype(x.dtype)
        return y, y

    @staticmethod
    def backward(xp, saved, gy, needs=None):
        y = saved.astype("float64")
        return ((gy * (math.sqrt(math.pi) / 2.0 * xp.exp(y * y))).astype(gy.dtype),)
