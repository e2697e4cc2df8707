"""Matrix product: the GEMM every dense layer, projection and im2col convolution ends in."""
from .base import Kernel, register, need, shape_error
from .elementwise import broadcast_shape, unbroadcast


# backward's gy @ b.T is computed as (b @ gy.T).T when gy has at most SMALL_M rows and at least LONG_N columns
# and b at least WIDE_K rows: measured with NumPy's OpenBLAS, 1.5-2x faster for an RNN step's (16, 4H) @ wh.T
# and a classifier's (B, F) @ fw.T; with few columns (a 10-class head) the products cost the same, and the
# transposed result would only cost its consumer a copy (a reshape back to NCHW)
SMALL_M, LONG_N, WIDE_K = 64, 64, 128


@register
class MatMul(Kernel):
    """y = a @ b for a (..., M, K), b (..., K, N) with NumPy's batch broadcasting.

    transpose_a / transpose_b use the transposed operand (a view, no copy), as tf.matmul does.
    """
    name = "matmul"
    accepts_out = True
    saves_output = False

    @staticmethod
    def forward(xp, a, b, transpose_a=False, transpose_b=False, out=None):
        at = a.swapaxes(-1, -2) if transpose_a else a
        bt = b.swapaxes(-1, -2) if transpose_b else b
        return xp.matmul(at, bt, out=out), (a, b)

    @staticmethod
    def backward(xp, saved, gy, needs=None, transpose_a=False, transpose_b=False):
        a, b = saved
        if a.ndim == 2 and b.ndim == 2:   # the common case, without the batch machinery's calls
            ga = gb = None
            if needs is None or needs[0]:   # the gradient of the used operand, transposed back where a was
                m, n = gy.shape
                if (not transpose_b and m <= SMALL_M and n >= LONG_N and b.shape[0] >= WIDE_K
                        and xp.__name__ == "numpy"):
                    # gy @ b.T with few rows of gy runs up to 2x slower in OpenBLAS than its transpose
                    # b @ gy.T, which gives the same numbers (each a dot product over N); ga is then the
                    # transpose of a fresh array (Fortran order)
                    ga = b @ gy.T
                    if not transpose_a:
                        ga = ga.T
                else:
                    ga = gy @ (b if transpose_b else b.T)
                    if transpose_a:
                        ga = ga.T
            if needs is None or needs[1]:
                gb = (a if transpose_a else a.T) @ gy
                if transpose_b:
                    gb = gb.T
            return ga, gb
        at = a.swapaxes(-1, -2) if transpose_a else a
        bt = b.swapaxes(-1, -2) if transpose_b else b
        ga = gb = None
        if need(needs, 0):
            ga = unbroadcast(xp, xp.matmul(gy, bt.swapaxes(-1, -2)), at.shape)
            if transpose_a:
                ga = ga.swapaxes(-1, -2)
        if need(needs, 1):
            if bt.ndim == 2 and at.ndim > 2:
                # (..., M, K) @ (K, N): fold the batch axes into M for one GEMM
                k, n = at.shape[-1], gy.shape[-1]
                gb = at.reshape(-1, k).T @ gy.reshape(-1, n)
            else:
                gb = unbroadcast(xp, xp.matmul(at.swapaxes(-1, -2), gy), bt.shape)
            if transpose_b:
                gb = gb.swapaxes(-1, -2)
        return ga, gb

    @staticmethod
    def infer(a, b, transpose_a=False, transpose_b=False):
        a, b = tuple(a), tuple(b)
        if len(a) < 2 or len(b) < 2:
            raise shape_error("matmul", "both operands need at least 2 dimensions", a, b)
        at = a[:-2] + (a[-1], a[-2]) if transpose_a else a
        bt = b[:-2] + (b[-1], b[-2]) if transpose_b else b
        if at[-1] != bt[-2] and None not in (at[-1], bt[-2]):
            raise shape_error("matmul", f"dimensions must be equal, but are {at[-1]} and {bt[-2]}", a, b)
        batch = broadcast_shape("matmul", at[:-2], bt[:-2])
        return batch + (at[-2], bt[-1])
