"""Matrix factorization kernels, batched over the leading axes: cholesky (MXNet's linalg.potrf), inverse and
logabsdet (log |det A|; MXNet's det and slogdet compose from it and the determinant's sign). Each backward
is the closed form MXNet's own uses."""
from .base import Kernel, register, shape_error


def _t(x):
    return x.swapaxes(-1, -2)


def _square(name, a):
    a = tuple(a)
    if len(a) < 2 or (a[-1] is not None and a[-2] is not None and a[-1] != a[-2]):
        raise shape_error(name, "needs square matrices in the last two axes", a)
    return a


@register
class Cholesky(Kernel):
    """L = cholesky((A + A^T) / 2), lower triangular, for symmetric positive-definite A. backward is MXNet's
    potrf gradient, dA = 0.5 L^-T copyLTU(L^T dL) L^-1 (copyLTU mirrors the lower triangle to the upper):
    the exact gradient of this symmetrized forward, which equals A's own Cholesky for the symmetric A it
    takes."""
    name = "cholesky"
    saves_inputs = ()
    saves_output = True

    @staticmethod
    def forward(xp, a):
        y = xp.linalg.cholesky((a + _t(a)) * 0.5)
        return y, y

    @staticmethod
    def backward(xp, saved, gy, needs=None):
        low = saved
        m = xp.matmul(_t(low), gy)
        sym = xp.tril(m) + _t(xp.tril(m, -1))
        inv = xp.linalg.inv(low)
        return (0.5 * xp.matmul(xp.matmul(_t(inv), sym), inv),)

    @staticmethod
    def infer(a):
        return _square("cholesky", a)


@register
class Inverse(Kernel):
    """Y = A^-1; backward dA = -Y^T dY Y^T."""
    name = "inverse"
    saves_inputs = ()
    saves_output = True

    @staticmethod
    def forward(xp, a):
        y = xp.linalg.inv(a)
        return y, y

    @staticmethod
    def backward(xp, saved, gy, needs=None):
        yt = _t(saved)
        return (-xp.matmul(xp.matmul(yt, gy), yt),)

    @staticmethod
    def infer(a):
        return _square("inverse", a)


@register
class LogAbsDet(Kernel):
    """y = log |det A| over the last two axes; backward dA = dy A^-T."""
    name = "logabsdet"
    saves_inputs = (0,)
    saves_output = False

    @staticmethod
    def forward(xp, a):
        return xp.linalg.slogdet(a)[1], a

    @staticmethod
    def backward(xp, saved, gy, needs=None):
        return (gy[..., None, None] * _t(xp.linalg.inv(saved)),)

    @staticmethod
    def infer(a):
        return _square("logabsdet", a)[:-2]
