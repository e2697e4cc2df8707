"""Indexing kernels: gather (torch.gather), take along an axis (np.take / tf.gather / mx.nd.take), one_hot
and where; and the one index check every kernel that indexes by data uses (IndexError naming op, index, size)."""
from .base import Kernel, register, need, nbytes_of, shape_error
from .elementwise import broadcast_shape, unbroadcast
from .shape import check_axis
from .workspace import pool


def as_indices(xp, op, idx, size, what="index", ignore=None, mode="raise"):
    """`idx` as integer indices into an axis of `size`, checked.

    Float arrays are accepted when they hold integral values (MXNet passes float32 labels and ids), anything
    else raises a ValueError. mode "raise": every index must be in [0, size) (negative ones are refused as
    PyTorch and TF refuse them; NumPy's silent wrap of -1 to the last row is what this prevents), except
    entries equal to `ignore`; "clip" clamps into range (mx.nd.take's default); "wrap" takes them modulo size.
    """
    if getattr(idx, "dtype", None) is None:
        idx = xp.asarray(idx)
    if idx.dtype.kind == "f":
        whole = idx.astype(xp.int64)
        if not bool((whole == idx).all()):
            bad = idx.reshape(-1)[int(xp.argmax((whole != idx).reshape(-1)))]
            raise ValueError(f"{op}: {what} must hold integral values; got {float(bad)!r} "
                             f"(float {what}s are accepted only when they are whole numbers)")
        idx = whole
    elif idx.dtype.kind not in "iu":
        raise TypeError(f"{op}: {what} must be integers, got dtype {idx.dtype}")
    if mode == "clip":
        return xp.clip(idx, 0, size - 1)
    if mode == "wrap":
        return idx % size
    if mode != "raise":
        raise ValueError(f"{op}: mode must be 'raise', 'clip' or 'wrap', got {mode!r}")
    if ignore is None and idx.size and xp.__name__ == "numpy" and idx.dtype.isnative:
        # one reduction instead of two comparisons, an or and an any: viewed as unsigned, a negative index
        # wraps to a huge value, so every index is in [0, size) exactly when the largest is below size.
        # (The step's first call of each NumPy loop pays for bringing its code back into the cache, 5-30 us
        # when the step runs after other work: fewer loops are what saves here.)
        if int(xp.maximum.reduce(idx.view(f"u{idx.itemsize}"), axis=None)) < size:
            return idx
    bad = (idx < 0) | (idx >= size)
    if ignore is not None:
        bad &= idx != ignore
    if bool(bad.any()):  # one reduction (one device sync on a GPU); the culprit is looked up only on failure
        first = int(idx.reshape(-1)[int(xp.argmax(bad.reshape(-1)))])
        allowed = "" if ignore is None else f" (or the ignored value {ignore})"
        raise IndexError(f"{op}: {what} {first} is out of range for size {size}; "
                         f"valid values are 0..{size - 1}{allowed}")
    return idx


# _sum_rows_by_rank adds at most this many rows into one id, one vectorised add per repeat; beyond, np.add.at
MAX_REPEATS = 64


def _sum_rows_by_rank(xp, gw, ids, gy):
    """gw[ids[n]] += gy[n] for every n in order, as np.add.at does it, to the last bit, 2-3x faster (NumPy's
    add.at of rows runs an element at a time): the k-th row of each id (in input order) goes to slot k of a
    (repeats, ids, dim) scratch, and the slots are added one after another, so each id's sum runs in the input
    order as add.at's; padding slots add zeros, which change no sum. The scratch comes from the workspace
    pool and is at most 4x gy. False (nothing done) for ids repeated more than MAX_REPEATS times, where the
    loop over slots would cost more than add.at, or so unevenly that the scratch would be mostly padding."""
    n = ids.shape[0]
    if n == 0:
        return True
    if n > MAX_REPEATS * gw.shape[0]:   # some id surely repeats more often
        return False
    # NumPy sorts 16-bit integers stably by radix, 2x faster than int64 ids at an embedding's sizes
    order = xp.argsort(ids.astype(xp.uint16) if gw.shape[0] <= 1 << 16 else ids, kind="stable")
    s = ids[order]
    first = xp.empty(n, dtype=bool)
    first[0] = True
    xp.not_equal(s[1:], s[:-1], out=first[1:])
    group = xp.cumsum(first) - 1
    starts = xp.flatnonzero(first)
    rank = xp.arange(n) - starts[group]
    repeats = int(rank.max()) + 1
    if repeats > MAX_REPEATS or repeats * starts.shape[0] > 4 * n:   # too many, or mostly padding
        return False
    slots = pool().zeros(xp, (repeats, starts.shape[0]) + gy.shape[1:], gy.dtype)
    # each row's slot, in input order: one scatter of gy's rows instead of a gather and a 2-d scatter
    dest = xp.empty(n, dtype=rank.dtype)
    dest[order] = rank * starts.shape[0] + group
    slots.reshape((-1,) + gy.shape[1:])[dest] = gy
    if slots[0].size > 1:
        # one reduction over the slots axis: with another axis longer than 1 NumPy's iterator runs it
        # outermost, adding slot after slot to the whole (ids, dim) sum as the loop below does (a lone
        # axis would be summed pairwise instead); initial=0 starts from zero as add.at: 0 + -0.0 is +0.0
        total = xp.add.reduce(slots, axis=0, initial=0)
    else:
        total = xp.zeros(slots.shape[1:], dtype=gy.dtype)
        for k in range(repeats):
            total += slots[k]
    gw[s[starts]] = total
    return True


def scatter_add_rows(xp, gx, ids, rows):
    """gx[ids[n]] += rows[n] for each n in order (ids 1-d, rows (n, ...)): the backward of an embedding and
    of a take along axis 0. Bitwise np.add.at; on NumPy by repeat rank where ids repeat little."""
    if xp.__name__ != "numpy" or not _sum_rows_by_rank(xp, gx, ids, rows):
        xp.add.at(gx, ids, rows)


def _grid(xp, shape, axis, index):
    """Index arrays that address, for every position of `index`, the element of x it reads on `axis`."""
    nd = len(shape)
    return tuple(index if d == axis else xp.arange(n).reshape((1,) * d + (n,) + (1,) * (nd - d - 1))
                 for d, n in enumerate(shape))


@register
class Gather(Kernel):
    """torch.gather(x, axis, index): y[i][j] = x[index[i][j]][j] for axis 0. index has x's rank and is no
    larger than x on the other axes; every index must be in [0, x.shape[axis]) (PyTorch refuses negatives).
    Backward scatter-adds, so repeated indices accumulate."""
    name = "gather"
    saves_inputs = (1,)
    saves_output = False

    @classmethod
    def workspace_bytes(cls, x, index, axis=0, itemsize=4):
        # the index check's masks and, inside take_along_axis, one int64 index array per axis
        return nbytes_of(index, 3 + 8 * len(tuple(x)))

    @staticmethod
    def forward(xp, x, index, axis=0):
        Gather.infer(x.shape, index.shape, axis=axis)
        ax = axis % x.ndim
        positions = as_indices(xp, "gather", index, x.shape[ax])
        part = x
        if index.shape != x.shape:  # PyTorch reads only the leading part of the other axes
            part = x[tuple(slice(None) if d == ax else slice(0, n) for d, n in enumerate(index.shape))]
        return xp.take_along_axis(part, positions, axis=ax), (index, x.shape)

    @staticmethod
    def backward(xp, saved, gy, needs=None, axis=0):
        index, shape = saved   # as given (whole-number floats are converted again, not kept twice)
        if not need(needs, 0):
            return None, None
        if index.dtype.kind == "f":
            index = index.astype(xp.int64)
        gx = xp.zeros(shape, dtype=gy.dtype)
        xp.add.at(gx, _grid(xp, index.shape, axis % len(shape), index), gy)
        return gx, None

    @staticmethod
    def infer(x, index, axis=0):
        x, index = tuple(x), tuple(index)
        ax = check_axis("gather", len(x), axis, x)
        if len(index) != len(x):
            raise shape_error("gather", "index must have as many dimensions as the input", x, index)
        if any(i > n for d, (i, n) in enumerate(zip(index, x)) if d != ax and None not in (i, n)):
            raise shape_error("gather", f"index is larger than the input on an axis other than {axis}", x, index)
        return index


@register
class Take(Kernel):
    """y = take(x, indices, axis): whole slices of x along `axis`, shape x[:axis] + indices + x[axis+1:]
    (np.take, tf.gather, mx.nd.take, torch.index_select for 1-d indices).

    mode "raise" (TF, PyTorch): an index outside [0, n) is an IndexError; "clip" (mx.nd.take's default)
    clamps; "wrap" takes indices modulo n. Backward scatter-adds, so repeated indices accumulate."""
    name = "take"
    uses_pool = True    # backward's row sums (scatter_add_rows)
    saves_inputs = (1,)
    saves_output = False

    @classmethod
    def workspace_bytes(cls, x, indices, axis=0, mode="raise", itemsize=4):
        return nbytes_of(indices, 3 + 8)   # the index check's masks, or the clipped/wrapped indices

    @staticmethod
    def forward(xp, x, indices, axis=0, mode="raise"):
        ax = check_axis("take", x.ndim, axis, x.shape)
        return xp.take(x, as_indices(xp, "take", indices, x.shape[ax], mode=mode), axis=ax), (indices, x.shape)

    @staticmethod
    def backward(xp, saved, gy, needs=None, axis=0, mode="raise"):
        indices, shape = saved   # as given: the positions are cheaper to redo than to keep
        if not need(needs, 0):
            return None, None
        ax = axis % len(shape)
        if indices.dtype.kind == "f":   # whole numbers, checked by forward
            indices = indices.astype(xp.int64)
        if mode == "clip":
            indices = xp.clip(indices, 0, shape[ax] - 1)
        elif mode == "wrap":
            indices = indices % shape[ax]
        gx = xp.zeros(shape, dtype=gy.dtype)
        if ax == 0:   # whole rows: the common gather of embeddings
            scatter_add_rows(xp, gx, indices.reshape(-1), gy.reshape((-1,) + tuple(shape[1:])))
        else:
            xp.add.at(gx, (slice(None),) * ax + (indices,), gy)
        return gx, None

    @staticmethod
    def infer(x, indices, axis=0, mode="raise"):
        x = tuple(x)
        ax = check_axis("take", len(x), axis, x)
        return x[:ax] + tuple(indices) + x[ax + 1:]


@register
class OneHot(Kernel):
    """y[..., k] = on_value if indices[...] == k else off_value, a new last axis of size `depth`.

    out_of_range "raise" (PyTorch's F.one_hot): an index outside [0, depth) is an IndexError; "zeros"
    (tf.one_hot, mx.nd.one_hot): such a row is all off_value. dtype defaults to float32 (TF, MXNet);
    PyTorch's engine passes int64. No gradient flows to integer indices: backward returns (None,)."""
    name = "one_hot"
    saves_inputs = ()
    saves_output = False

    @classmethod
    def workspace_bytes(cls, indices, depth, dtype="float32", on_value=1, off_value=0, out_of_range="raise",
                        itemsize=4):
        # the index check's masks, the hit mask, and with other on/off values xp.where's float64 result
        plain = on_value == 1 and off_value == 0
        return nbytes_of(indices, 3) + nbytes_of(tuple(indices) + (depth,), 1 if plain else 9)

    @staticmethod
    def forward(xp, indices, depth, dtype="float32", on_value=1, off_value=0, out_of_range="raise"):
        if out_of_range == "raise":
            indices = as_indices(xp, "one_hot", indices, depth)
        elif out_of_range != "zeros":
            raise ValueError(f"one_hot: out_of_range must be 'raise' or 'zeros', got {out_of_range!r}")
        hit = indices[..., None] == xp.arange(depth)
        if on_value == 1 and off_value == 0:
            return hit.astype(dtype), None
        return xp.where(hit, on_value, off_value).astype(dtype), None

    @staticmethod
    def backward(xp, saved, gy, needs=None, **attrs):
        return (None,)

    @staticmethod
    def infer(indices, depth, **attrs):
        return tuple(indices) + (depth,)


@register
class Where(Kernel):
    """y = x where cond else other (broadcasting all three); the gradient goes to x where cond holds and to
    `other` elsewhere (zeros in the other places), none to cond."""
    name = "where"
    accepts_out = True
    may_overwrite = (2,)
    saves_inputs = (0,)   # cond as given when it is bool (else cond != 0, which saved then holds)
    saves_output = False

    @staticmethod
    def forward(xp, cond, x, other, out=None):
        if cond.dtype != bool:
            cond = cond != 0
        shapes = (getattr(x, "shape", ()), getattr(other, "shape", ()))  # either branch may be a scalar
        if out is None:
            return xp.where(cond, x, other), (cond,) + shapes
        out[...] = other
        xp.copyto(out, x, where=cond)
        return out, (cond,) + shapes

    @staticmethod
    def backward(xp, saved, gy, needs=None):
        cond, sx, so = saved
        zero = xp.zeros((), dtype=gy.dtype)
        gx = unbroadcast(xp, xp.where(cond, gy, zero), sx) if need(needs, 1) else None
        go = unbroadcast(xp, xp.where(cond, zero, gy), so) if need(needs, 2) else None
        return None, gx, go

    @staticmethod
    def infer(cond, x, other):
        return broadcast_shape("where", broadcast_shape("where", cond, x), other)
