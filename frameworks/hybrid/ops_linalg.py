"""MXNet's linalg_* ops (nd.linalg.gemm2, sym.linalg.syrk, ...), batched over the leading axes: matrix
products, triangles and diagonals composed from the shared kernels; potrf, inverse and the log-determinant
are shared kernels (cholesky, inverse, logabsdet), and potri, trsm, det and slogdet compose from them. The LQ
factorization (gelqf), the eigendecomposition (syevd) and maketrian have no shared kernel and raise
MXNetError."""
import numpy

from .. import kernels as K
from .base import MXNetError
from .ops import OPS, _k, op


def _swap_last(E, x):
    nd = len(E.shape(x))
    return _k(E, K.transpose, x, axes=tuple(range(nd - 2)) + (nd - 1, nd - 2))


def _check_axis(name, axis):
    if axis not in (-2,):
        raise MXNetError(f"linalg_{name}: only axis=-2 (matrices in the last two axes) is supported, got {axis}")


@op
def linalg_gemm2(E, A, B, *, transpose_a=False, transpose_b=False, alpha=1.0, axis=-2):
    """alpha * op(A) @ op(B) over the last two axes (op: transpose when asked)."""
    _check_axis("gemm2", axis)
    y = _k(E, K.matmul, A, B, transpose_a=transpose_a, transpose_b=transpose_b)
    return y if alpha == 1.0 else _k(E, K.mul, y, float(alpha))


@op
def linalg_gemm(E, A, B, C, *, transpose_a=False, transpose_b=False, alpha=1.0, beta=1.0, axis=-2):
    """alpha * op(A) @ op(B) + beta * C."""
    y = linalg_gemm2(E, A, B, transpose_a=transpose_a, transpose_b=transpose_b, alpha=alpha, axis=axis)
    return _k(E, K.add, y, C if beta == 1.0 else _k(E, K.mul, C, float(beta)))


@op
def linalg_syrk(E, A, *, transpose=False, alpha=1.0):
    """alpha * A @ A^T (A^T @ A with transpose)."""
    y = _k(E, K.matmul, A, A, transpose_a=transpose, transpose_b=not transpose)
    return y if alpha == 1.0 else _k(E, K.mul, y, float(alpha))


def _triangle(E, like, n, lower, offset=0):
    """A constant (n, n) mask of the lower (upper) triangle from diagonal `offset`."""
    def mask(xp, x):
        m = xp.tril(xp.ones((n, n), dtype=x.dtype), offset) if lower else xp.triu(xp.ones((n, n), dtype=x.dtype), offset)
        return m
    return E.nograd(mask, (like,), (n, n))


@op
def linalg_trmm(E, A, B, *, transpose=False, rightside=False, lower=True, alpha=1.0):
    """alpha * op(tri(A)) @ B (B @ op(tri(A)) with rightside), tri(A) A's lower (upper) triangle."""
    n = E.shape(A)[-1]
    tri = _k(E, K.mul, A, _triangle(E, A, n, lower))
    y = (_k(E, K.matmul, B, tri, transpose_b=transpose) if rightside
         else _k(E, K.matmul, tri, B, transpose_a=transpose))
    return y if alpha == 1.0 else _k(E, K.mul, y, float(alpha))


@op
def linalg_extractdiag(E, A, *, offset=0):
    """The diagonal `offset` of each matrix (the last two axes)."""
    nd = len(E.shape(A))
    return OPS["diag"](E, A, k=offset, axis1=nd - 2, axis2=nd - 1)


@op
def linalg_makediag(E, A, *, offset=0):
    """Square matrices with the last axis of A on diagonal `offset`."""
    shape = E.shape(A)
    n = shape[-1]
    eye = E.nograd(lambda xp, x: xp.eye(n, dtype=x.dtype), (A,), (n, n))
    m = _k(E, K.mul, _k(E, K.unsqueeze, A, axis=len(shape) - 1), eye)   # m[..., i, j] = A[..., j] * (i == j)
    if offset:
        lead = ((0, 0),) * (len(shape) - 1)
        pad = ((0, offset), (offset, 0)) if offset > 0 else ((-offset, 0), (0, -offset))
        m = _k(E, K.pad, m, pad_width=lead + pad, constant_values=0)
    return m


@op
def linalg_sumlogdiag(E, A):
    """sum(log(diag(A))) of each square matrix."""
    return _k(E, K.sum, _k(E, K.log, linalg_extractdiag(E, A)), axis=-1, keepdims=False)


@op
def linalg_extracttrian(E, A, *, offset=0, lower=True):
    """The lower (upper) triangle of each matrix from diagonal `offset`, packed row by row into a vector."""
    n = E.shape(A)[-1]
    lead = tuple(E.shape(A)[:-2])
    rows, cols = (numpy.tril_indices if lower else numpy.triu_indices)(n, offset)
    positions = (rows * n + cols).tolist()
    flat = _k(E, K.reshape, A, shape=lead + (n * n,))
    ids = E.nograd(lambda xp, x: xp.asarray(positions, dtype="int64"), (A,), (len(positions),))
    return _k(E, K.take, flat, ids, axis=len(lead), mode="raise")


@op
def linalg_potrf(E, A):
    """The lower Cholesky factor L of each symmetric positive-definite A (A = L L^T)."""
    return _k(E, K.cholesky, A)


@op
def linalg_potri(E, A):
    """(L L^T)^-1 from a Cholesky factor L = A's lower triangle: the inverse of the matrix L factors."""
    n = E.shape(A)[-1]
    low = _k(E, K.mul, A, _triangle(E, A, n, True))
    return _k(E, K.inverse, _k(E, K.matmul, low, low, transpose_a=False, transpose_b=True))


@op
def linalg_trsm(E, A, B, *, transpose=False, rightside=False, lower=True, alpha=1.0):
    """alpha * op(tri(A))^-1 @ B (B @ op(tri(A))^-1 with rightside): the triangular solve, tri(A) A's lower
    (upper) triangle, op a transpose when asked."""
    n = E.shape(A)[-1]
    inv = _k(E, K.inverse, _k(E, K.mul, A, _triangle(E, A, n, lower)))
    y = (_k(E, K.matmul, B, inv, transpose_a=False, transpose_b=transpose) if rightside
         else _k(E, K.matmul, inv, B, transpose_a=transpose, transpose_b=False))
    return y if alpha == 1.0 else _k(E, K.mul, y, float(alpha))


@op
def linalg_inverse(E, A):
    """A^-1 of each square matrix."""
    return _k(E, K.inverse, A)


def _det_sign(E, A):
    """sign(det A), a constant for the gradient (it is piecewise constant)."""
    return E.nograd(lambda xp, a: xp.linalg.slogdet(a)[0], (A,), tuple(E.shape(A)[:-2]))


@op
def linalg_det(E, A):
    """det A = sign * exp(log |det A|); the gradient det * A^-T, as MXNet's."""
    return _k(E, K.mul, _det_sign(E, A), _k(E, K.exp, _k(E, K.logabsdet, A)))


@op(n_out=lambda attrs: 2)
def linalg_slogdet(E, A):
    """(sign, log |det A|), as MXNet's two outputs; the gradient reaches A through the second (A^-T)."""
    return _det_sign(E, A), _k(E, K.logabsdet, A)


def _no_kernel(name, what):
    def f(E, A, *rest, **attrs):
        raise MXNetError(f"linalg_{name}: {what} has no shared kernel here; compose it from gemm2/syrk/trmm, "
                         "or compute it with NumPy on asnumpy() (no gradient)")
    f.__name__ = f"linalg_{name}"
    f.__doc__ = f"linalg_{name}: {what} (refused: no shared kernel)."
    return op(f)


for _name, _what in (("gelqf", "the LQ factorization"), ("syevd", "the symmetric eigendecomposition"),
                     ("maketrian", "unpacking a triangle")):
    _no_kernel(_name, _what)

LINALG = [n[len("linalg_"):] for n in OPS if n.startswith("linalg_")]
