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
        # a matrix's transposed view as .T (an attribute read: ~0.8k Ir less than swapaxes' method call)
        at = (a.T if a.ndim == 2 else a.swapaxes(-1, -2)) if transpose_a else a
        bt = (b.T if b.ndim == 2 else b.swapaxes(-1, -2)) if transpose_b else b
        # out by keyword: cupy.matmul is a _GUFunc that takes no positional output (NumPy's ufunc would)
        return (xp.matmul(at, bt) if out is None else xp.matmul(at, bt, out=out)), (a, b)

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
                    ga = xp.matmul(b, gy.T)
                    if not transpose_a:
                        ga = ga.T
                else:
                    ga = xp.matmul(gy, b if transpose_b else b.T)
                    if transpose_a:
                        ga = ga.T
            if needs is None or needs[1]:
                gb = xp.matmul(a if transpose_a else a.T, gy)
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
                gb = xp.matmul(at.reshape(-1, k).T, gy.reshape(-1, n))
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


_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def einsum_subscripts(equation, ndims):
    """(input subscripts, output subscripts) of an einsum equation, explicit: '...' becomes letters the
    equation does not use (right-aligned, broadcast as NumPy's), and an implicit output is NumPy's (the
    ellipsis, then the letters used once, sorted). Repeated letters within one operand (diagonals) are
    refused: their gradient is not one einsum."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    ins = lhs.split(",")
    if len(ins) != len(ndims):
        raise shape_error("einsum", f"equation {equation!r} has {len(ins)} operands, {len(ndims)} given")
    used = set(c for c in eq if c.isalpha())
    spare = [c for c in _LETTERS if c not in used]
    ell_nd = max([n - (len(s) - 3) for s, n in zip(ins, ndims) if "..." in s] or [0])
    ell = "".join(spare[:ell_nd])
    full = []
    for s, n in zip(ins, ndims):
        if "..." in s:
            k = n - (len(s) - 3)
            s = s.replace("...", ell[ell_nd - k:] if k else "")
        if len(s) != n or not s.isalpha():
            raise shape_error("einsum", f"subscripts {s!r} do not match an operand of {n} dimensions "
                                        f"(equation {equation!r})")
        if len(set(s)) != len(s):
            raise shape_error("einsum", f"repeated subscript in {s!r} (a diagonal) is not supported "
                                        f"(equation {equation!r})")
        full.append(s)
    if arrow:
        out = rhs.replace("...", ell)
    else:
        counts = {}
        for c in "".join(full):
            counts[c] = counts.get(c, 0) + 1
        out = ell + "".join(sorted(c for c, k in counts.items() if k == 1 and c not in ell))
    if not set(out) <= set("".join(full)) or len(set(out)) != len(out):
        raise shape_error("einsum", f"output subscripts {out!r} must be distinct letters of the inputs "
                                    f"(equation {equation!r})")
    return full, out


@register
class Einsum(Kernel):
    """y = einsum(equation, *operands) (NumPy's / torch.einsum / tf.einsum's notation, '...' included).

    The gradient of each operand is one einsum of gy with the other operands back to that operand's
    letters, broadcast over the letters only it had (summed out alone) and summed over its broadcast
    (size-1) dimensions."""
    name = "einsum"
    saves_output = False
    may_view = (0,)          # one operand, its axes only permuted ('abc->cab'): NumPy returns a view
    grad_may_view = True     # and then the gradient is a view of gy

    @staticmethod
    def forward(xp, *operands, equation):
        ins, out = einsum_subscripts(equation, [o.ndim for o in operands])
        return xp.einsum(f"{','.join(ins)}->{out}", *operands), operands

    @staticmethod
    def backward(xp, saved, gy, needs=None, equation=None):
        ins, out = einsum_subscripts(equation, [o.ndim for o in saved])
        grads = []
        for i, (x, sub) in enumerate(zip(saved, ins)):
            if not need(needs, i):
                grads.append(None)
                continue
            others = [(s, o) for j, (s, o) in enumerate(zip(ins, saved)) if j != i]
            have = set(out).union(*(s for s, _ in others))
            kept = "".join(c for c in sub if c in have)
            g = xp.einsum(",".join([out] + [s for s, _ in others]) + "->" + kept, gy, *(o for _, o in others))
            g = g.reshape([g.shape[kept.index(c)] if c in kept else 1 for c in sub])
            ones = tuple(a for a, (n, m) in enumerate(zip(x.shape, g.shape)) if n == 1 and m != 1)
            if ones:
                g = g.sum(axis=ones, keepdims=True)
            grads.append(xp.ascontiguousarray(xp.broadcast_to(g, x.shape)) if g.shape != x.shape else g)
        return tuple(grads)

    @staticmethod
    def infer(*shapes, equation):
        shapes = [tuple(s) for s in shapes]
        ins, out = einsum_subscripts(equation, [len(s) for s in shapes])
        size = {}
        for s, shape in zip(ins, shapes):
            for c, n in zip(s, shape):
                if n is None or n == 1 and c in size:
                    continue
                if size.get(c, n) not in (n, 1, None):
                    raise shape_error("einsum", f"subscript {c!r} has sizes {size[c]} and {n} "
                                                f"(equation {equation!r})", *shapes)
                if size.get(c) in (None, 1):
                    size[c] = n
        return tuple(size.get(c) for c in out)
