"""MXNet's tensor ops beyond ops.py's: ordering (sort, argsort, topk), products and NaN-skipping
reductions, moments, diagonals, index gathers and scatters, the Sequence* ops of RNN programs, block
rearrangements, legacy names (Crop, choose_element_0index, batch_take, argmax_channel) and the operator
aliases MXNet's generated namespaces carry (broadcast_plus, _plus, _Plus, ...). Each op is a composition
of the shared kernels (prod is its own kernel), filed in ops.OPS like every other op."""
import builtins

from .. import kernels as K
from .base import MXNetError
from .ops import LOSS_OUTPUTS, N_OUTPUTS, OPS, _k, _kept, _prod, _reduce_axes, _tuple, loss_head, op


def _flat_axis(E, data, axis):
    """(data, axis) with axis None meaning the flattened array, as MXNet's ordering ops."""
    if axis is None:
        return _k(E, K.reshape, data, shape=(-1,)), 0
    return data, axis % len(E.shape(data))


def _order(is_ascend, ax):
    def order(xp, x):
        return xp.argsort(x if is_ascend else -x, axis=ax, kind="stable")
    return order


# ---------------------------------------------------------------- ordering

@op
def sort(E, data, *, axis=-1, is_ascend=True):
    """data sorted along `axis` (None: the flattened array); the gradient goes back to each value's place
    (the values are gathered by their order, which itself takes no gradient)."""
    data, ax = _flat_axis(E, data, axis)
    ids = E.nograd(_order(is_ascend, ax), (data,), E.shape(data))
    return _k(E, K.gather, data, ids, axis=ax)


@op
def argsort(E, data, *, axis=-1, is_ascend=True, dtype="float32"):
    """The indices that sort data along `axis`, as `dtype` (float32 by default, as MXNet; no gradient)."""
    data, ax = _flat_axis(E, data, axis)
    order = _order(is_ascend, ax)
    return E.nograd(lambda xp, x: order(xp, x).astype(dtype), (data,), E.shape(data))


def _topk_n_out(attrs):
    return 2 if attrs.get("ret_typ") == "both" else 1


@op(n_out=_topk_n_out)
def topk(E, data, *, axis=-1, k=1, ret_typ="indices", is_ascend=False, dtype="float32"):
    """The k largest (smallest with is_ascend) along `axis` (None: the flattened array): ret_typ 'indices'
    (as `dtype`), 'value' (differentiable: the values are gathered), 'mask', or 'both' ([value, indices])."""
    if ret_typ not in ("indices", "value", "mask", "both"):
        raise MXNetError(f"Invalid Input: '{ret_typ}', valid values are: both, indices, mask, value (topk's ret_typ)")
    data, ax = _flat_axis(E, data, axis)
    shape = E.shape(data)
    if not 0 < k <= shape[ax]:
        raise MXNetError(f"topk: k must be in [1, {shape[ax]}] for axis {ax} of shape {tuple(shape)}, got {k}")
    order = _order(is_ascend, ax)

    def first_k(xp, x):
        return xp.take(order(xp, x), xp.arange(k), axis=ax)
    if ret_typ == "mask":
        def mask(xp, x):
            m = xp.zeros(x.shape, dtype=x.dtype)
            xp.put_along_axis(m, first_k(xp, x), 1, axis=ax)
            return m
        return E.nograd(mask, (data,), shape)
    out = tuple(k if i == ax else s for i, s in enumerate(shape))
    ids = E.nograd(first_k, (data,), out)
    if ret_typ == "indices":
        return _k(E, K.cast, ids, dtype=dtype)
    values = _k(E, K.gather, data, ids, axis=ax)
    return (values, _k(E, K.cast, ids, dtype=dtype)) if ret_typ == "both" else values


# ---------------------------------------------------------------- reductions

@op
def prod(E, data, *, axis=None, keepdims=False, exclude=False):
    """The product over `axis` (all by default); the shared prod kernel."""
    return _k(E, K.prod, data, axis=_reduce_axes(E, data, axis, exclude), keepdims=keepdims)


def _not_nan(E, data):
    return E.nograd(lambda xp, x: ~xp.isnan(x), (data,), E.shape(data))


@op
def nansum(E, data, *, axis=None, keepdims=False, exclude=False):
    """sum treating NaN as 0 (no gradient reaches the NaNs)."""
    kept = _k(E, K.where, _not_nan(E, data), data, 0.0)
    return _k(E, K.sum, kept, axis=_reduce_axes(E, data, axis, exclude), keepdims=keepdims)


@op
def nanprod(E, data, *, axis=None, keepdims=False, exclude=False):
    """prod treating NaN as 1 (no gradient reaches the NaNs)."""
    kept = _k(E, K.where, _not_nan(E, data), data, 1.0)
    return _k(E, K.prod, kept, axis=_reduce_axes(E, data, axis, exclude), keepdims=keepdims)


@op(n_out=lambda attrs: 2)
def moments(E, data, *, axes=None, keepdims=False):
    """(mean, variance) over `axes` (the biased variance, as MXNet's)."""
    mean = _k(E, K.mean, data, axis=axes, keepdims=True)
    var = _k(E, K.mean, _k(E, K.square, _k(E, K.sub, data, mean)), axis=axes, keepdims=keepdims)
    if not keepdims:
        mean = _k(E, K.reshape, mean, shape=E.shape(var))
    return mean, var


@op
def argmax_channel(E, data):
    """argmax over axis 1, as float32 (MXNet's legacy name)."""
    return _k(E, K.cast, _k(E, K.argmax, data, axis=1, keepdims=False), dtype="float32")


# ---------------------------------------------------------------- shapes and diagonals

@op
def shape_array(E, data):
    """data's shape as a 1-d int64 array."""
    shape = E.shape(data)
    return E.nograd(lambda xp, x: xp.asarray(x.shape, dtype="int64"), (data,), (len(shape),))


@op
def size_array(E, data):
    """data's number of elements as a (1,) int64 array."""
    return E.nograd(lambda xp, x: xp.asarray([x.size], dtype="int64"), (data,), (1,))


@op
def slice_like(E, data, shape_like, *, axes=()):
    """data's leading part, as large as shape_like along `axes` (every axis when empty)."""
    shape, like = E.shape(data), E.shape(shape_like)
    if not axes and len(like) != len(shape):
        raise MXNetError(f"slice_like: shape_like {tuple(like)} must have as many axes as data {tuple(shape)} "
                         "when axes is empty")
    index = [builtins.slice(None)] * len(shape)
    for a in (axes or range(len(shape))):
        if like[a] > shape[a % len(shape)]:
            raise MXNetError(f"slice_like: axis {a} of shape_like {tuple(like)} is larger than data's {tuple(shape)}")
        index[a] = builtins.slice(0, like[a])
    return _k(E, K.slice, data, index=tuple(index))


def _eye(E, like, n):
    return E.nograd(lambda xp, x: xp.eye(n, dtype=x.dtype), (like,), (n, n))


@op
def diag(E, data, *, k=0, axis1=0, axis2=1):
    """1-d data: a square matrix with data on diagonal k. n-d data: diagonal k of the planes (axis1,
    axis2), as a new last axis (the other axes in order)."""
    shape = E.shape(data)
    if len(shape) == 1:
        n = shape[0]
        m = _k(E, K.mul, _k(E, K.reshape, data, shape=(n, 1)), _eye(E, data, n))
        pad = ((0, k), (k, 0)) if k >= 0 else ((-k, 0), (0, -k))
        return _k(E, K.pad, m, pad_width=pad, constant_values=0) if k else m
    a1, a2 = axis1 % len(shape), axis2 % len(shape)
    if a1 == a2:
        raise MXNetError(f"diag: axis1 and axis2 must differ, got {axis1} and {axis2}")
    rest = tuple(a for a in range(len(shape)) if a not in (a1, a2))
    x = _k(E, K.transpose, data, axes=rest + (a1, a2))
    rows, cols = shape[a1], shape[a2]
    r0, c0 = (0, k) if k >= 0 else (-k, 0)
    n = builtins.max(builtins.min(rows - r0, cols - c0), 0)
    index = (builtins.slice(None),) * len(rest) + (builtins.slice(r0, r0 + n), builtins.slice(c0, c0 + n))
    x = _k(E, K.slice, x, index=index)
    return _k(E, K.sum, _k(E, K.mul, x, _eye(E, data, n)), axis=-1, keepdims=False)


@op
def depth_to_space(E, data, *, block_size):
    """(N, C, H, W) -> (N, C / b^2, H * b, W * b): channel blocks moved into space (MXNet's DCR order)."""
    n, c, h, w = E.shape(data)
    b = block_size
    if c % (b * b):
        raise MXNetError(f"depth_to_space: the channels {c} of data {(n, c, h, w)} must divide by block_size^2 = {b * b}")
    x = _k(E, K.reshape, data, shape=(n, b, b, c // (b * b), h, w))
    x = _k(E, K.transpose, x, axes=(0, 3, 4, 1, 5, 2))
    return _k(E, K.reshape, x, shape=(n, c // (b * b), h * b, w * b))


@op
def space_to_depth(E, data, *, block_size):
    """(N, C, H, W) -> (N, C * b^2, H / b, W / b): the inverse of depth_to_space."""
    n, c, h, w = E.shape(data)
    b = block_size
    if h % b or w % b:
        raise MXNetError(f"space_to_depth: height and width of data {(n, c, h, w)} must divide by block_size {b}")
    x = _k(E, K.reshape, data, shape=(n, c, h // b, b, w // b, b))
    x = _k(E, K.transpose, x, axes=(0, 3, 5, 1, 2, 4))
    return _k(E, K.reshape, x, shape=(n, c * b * b, h // b, w // b))


# ---------------------------------------------------------------- gathers and scatters

def _linear_index(E, indices, dims):
    """indices (M, Y...) into the first M axes of an array of `dims` -> flat int64 positions (Y...),
    negative indices counted from the end."""
    ishape = E.shape(indices)
    if ishape[0] != len(dims):
        raise MXNetError(f"gather_nd/scatter_nd: indices {tuple(ishape)} index {ishape[0]} axes, but the array "
                         f"has {len(dims)} leading axes to index ({tuple(dims)})")

    def flat(xp, idx):
        idx = idx.astype("int64")
        pos = xp.zeros(idx.shape[1:], dtype="int64")
        for i, n in enumerate(dims):
            pos = pos * n + idx[i] % n
        return pos
    return E.nograd(flat, (indices,), tuple(ishape[1:]))


@op
def gather_nd(E, data, indices):
    """output[y...] = data[indices[0, y...], ..., indices[M-1, y...]]; the gradient is scatter-added back."""
    shape, m = E.shape(data), E.shape(indices)[0]
    if m > len(shape):
        raise MXNetError(f"gather_nd: indices {tuple(E.shape(indices))} index more axes than data {tuple(shape)}")
    pos = _linear_index(E, indices, shape[:m])
    flat = _k(E, K.reshape, data, shape=(_prod(shape[:m]),) + tuple(shape[m:]))
    return _k(E, K.take, flat, pos, axis=0, mode="raise")


@op
def scatter_nd(E, data, indices, *, shape):
    """A zero array of `shape` with data[y...] written at indices[:, y...] (gather_nd's inverse); as a
    one-hot matrix product, so repeated indices add up (MXNet leaves them undefined)."""
    shape = tuple(shape)
    ishape, dshape = E.shape(indices), E.shape(data)
    m = ishape[0]
    rows = _prod(shape[:m])
    pos = _k(E, K.reshape, _linear_index(E, indices, shape[:m]), shape=(-1,))
    onehot = E.nograd(lambda xp, p, d: (p.reshape(-1, 1) == xp.arange(rows)).astype(d.dtype), (pos, data),
                      (_prod(ishape[1:]), rows))
    flat = _k(E, K.reshape, data, shape=(_prod(ishape[1:]), _prod(dshape[len(ishape) - 1:])))
    return _k(E, K.reshape, _k(E, K.matmul, onehot, flat, transpose_a=True), shape=shape)


@op
def choose_element_0index(E, lhs, rhs):
    """lhs[i, rhs[i]] for each row i (MXNet's legacy form of pick along axis 1)."""
    return OPS["pick"](E, lhs, rhs, axis=1)


@op
def batch_take(E, a, indices):
    """a[i, indices[i]] for each row i."""
    return OPS["pick"](E, a, indices, axis=1)


@op
def fill_element_0index(E, lhs, mhs, rhs):
    """lhs with lhs[i, rhs[i]] replaced by mhs[i] for each row i."""
    n, depth = E.shape(lhs)
    hit = E.nograd(lambda xp, i: i.reshape(-1, 1).astype("int64") == xp.arange(depth), (rhs,), (n, depth))
    return _k(E, K.where, hit, _k(E, K.reshape, mhs, shape=(n, 1)), lhs)


@op
def ravel_multi_index(E, data, *, shape):
    """data (M, N...): rows of indices into `shape` -> their flat positions (N...), as float32 (no gradient)."""
    ishape = E.shape(data)
    pos = _linear_index(E, data, tuple(shape))
    return E.nograd(lambda xp, p: p.astype("float32"), (pos,), tuple(ishape[1:]))


@op
def unravel_index(E, data, *, shape):
    """Flat positions (N...) into `shape` -> their indices, one row per axis (len(shape), N...), as float32."""
    ishape = E.shape(data)
    return E.nograd(lambda xp, p: xp.stack(xp.unravel_index(p.astype("int64"), tuple(shape))).astype("float32"),
                    (data,), (len(shape),) + tuple(ishape))


OPS["_ravel_multi_index"], OPS["_unravel_index"] = ravel_multi_index, unravel_index


# ---------------------------------------------------------------- sequences (time-major by default)

def _lengths(E, sequence_length, use_sequence_length, op_name):
    if use_sequence_length and sequence_length is None:
        raise MXNetError(f"{op_name}: use_sequence_length=True needs the input sequence_length")
    return sequence_length if use_sequence_length else None


def _time_index(shape, axis):
    """(time axis, batch axis) for MXNet's Sequence* axis attribute (0: (T, N, ...); 1: (N, T, ...))."""
    if axis not in (0, 1):
        raise MXNetError(f"Sequence ops: axis must be 0 or 1, got {axis}")
    return axis, 1 - axis


@op
def SequenceMask(E, data, sequence_length=None, *, use_sequence_length=False, value=0.0, axis=0):
    """data with the steps at and past each sequence's length set to `value`."""
    if _lengths(E, sequence_length, use_sequence_length, "SequenceMask") is None:
        return data
    shape = E.shape(data)
    t_ax, b_ax = _time_index(shape, axis)

    def mask(xp, x, lengths):
        steps = xp.arange(shape[t_ax]).reshape((-1, 1) if t_ax == 0 else (1, -1))
        lens = lengths.astype("int64").reshape((1, -1) if t_ax == 0 else (-1, 1))
        return (steps < lens).reshape(shape[:2] + (1,) * (len(shape) - 2))
    return _k(E, K.where, E.nograd(mask, (data, sequence_length), shape[:2] + (1,) * (len(shape) - 2)),
              data, float(value))


@op
def SequenceLast(E, data, sequence_length=None, *, use_sequence_length=False, axis=0):
    """Each sequence's last valid step (the last step without lengths): the time axis dropped."""
    shape = E.shape(data)
    t_ax, b_ax = _time_index(shape, axis)
    out = tuple(s for i, s in enumerate(shape) if i != t_ax)
    if _lengths(E, sequence_length, use_sequence_length, "SequenceLast") is None:
        index = [builtins.slice(None)] * len(shape)
        index[t_ax] = shape[t_ax] - 1
        return _k(E, K.slice, data, index=tuple(index))
    kept = _kept(shape, t_ax)

    def last(xp, lengths):
        lens = lengths.astype("int64").reshape((1, -1) if t_ax == 0 else (-1, 1))
        return xp.broadcast_to((lens - 1).reshape(lens.shape + (1,) * (len(shape) - 2)), kept).copy()
    y = _k(E, K.gather, data, E.nograd(last, (sequence_length,), kept), axis=t_ax)
    return _k(E, K.reshape, y, shape=out)


@op
def SequenceReverse(E, data, sequence_length=None, *, use_sequence_length=False, axis=0):
    """Each sequence's valid steps in reverse order (the padding after them stays in place); time-major."""
    if axis != 0:
        raise MXNetError(f"SequenceReverse: only axis 0 (time-major data) is supported, as MXNet's; got {axis}")
    shape = E.shape(data)
    if _lengths(E, sequence_length, use_sequence_length, "SequenceReverse") is None:
        return OPS["flip"](E, data, axis=0)

    def order(xp, lengths):
        t = xp.arange(shape[0]).reshape(-1, 1)
        lens = lengths.astype("int64").reshape(1, -1)
        idx = xp.where(t < lens, lens - 1 - t, t)
        return xp.broadcast_to(idx.reshape(idx.shape + (1,) * (len(shape) - 2)), shape).copy()
    return _k(E, K.gather, data, E.nograd(order, (sequence_length,), shape), axis=0)


# ---------------------------------------------------------------- legacy layers

@op
def Crop(E, *data, num_args=None, offset=(0, 0), h_w=(0, 0), center_crop=False):
    """NCHW data[0] cut to (h, w) = h_w, or to data[1]'s height and width when given, from `offset` or the
    centre (MXNet's legacy Crop; the FCN examples')."""
    x = data[0]
    n, c, h, w = E.shape(x)
    th, tw = E.shape(data[1])[2:4] if len(data) > 1 else _tuple(h_w)
    oy, ox = ((h - th) // 2, (w - tw) // 2) if center_crop else _tuple(offset)
    if th > h or tw > w or oy + th > h or ox + tw > w:
        raise MXNetError(f"Crop: ({th}, {tw}) from offset ({oy}, {ox}) does not fit data {(n, c, h, w)}")
    index = (builtins.slice(None), builtins.slice(None), builtins.slice(oy, oy + th), builtins.slice(ox, ox + tw))
    return _k(E, K.slice, x, index=index)


@op(params=("label",), shapes=lambda a, d: {"label": (d[0],)})
def SVMOutput(E, data, label, *, margin=1.0, regularization_coefficient=1.0, use_linear=False):
    """data forward (as (N, classes)); backward the SVM's hinge gradient, L2 (squared hinge) by default,
    L1 with use_linear, times regularization_coefficient, whatever the head gradient (a loss layer)."""
    shape = E.shape(data)
    flat = _k(E, K.reshape, data, shape=(shape[0], -1))
    fshape = E.shape(flat)

    def grad(xp, x, lab):
        hit = xp.zeros(x.shape, dtype=bool)
        hit[xp.arange(x.shape[0]), lab.reshape(-1).astype("int64")] = True
        signed = xp.where(hit, x, -x)            # the score's margin side: +x for the label, -x for the rest
        inside = margin > signed
        if use_linear:
            g = inside.astype(x.dtype)
        else:
            g = xp.where(inside, 2 * (margin - signed), 0).astype(x.dtype)
        return xp.where(hit, -g, g) * regularization_coefficient
    out = loss_head(E, flat, flat, E.nograd(grad, (flat, label), fshape))
    return out if len(shape) == 2 else _k(E, K.reshape, out, shape=tuple(shape))


LOSS_OUTPUTS.add("SVMOutput")


# ---------------------------------------------------------------- aliases MXNet's namespaces carry

for _alias, _name in (("broadcast_plus", "broadcast_add"), ("broadcast_minus", "broadcast_sub"),
                      ("max_axis", "max"), ("min_axis", "min"), ("crop", "slice"), ("Pad", "pad"),
                      ("_plus", "elemwise_add"), ("_add", "elemwise_add"), ("_Plus", "elemwise_add"),
                      ("_minus", "elemwise_sub"), ("_sub", "elemwise_sub"), ("_Minus", "elemwise_sub"),
                      ("_mul", "elemwise_mul"), ("_Mul", "elemwise_mul"),
                      ("_div", "elemwise_div"), ("_Div", "elemwise_div"),
                      ("_maximum", "broadcast_maximum"), ("_Maximum", "broadcast_maximum"),
                      ("_minimum", "broadcast_minimum"), ("_Minimum", "broadcast_minimum"),
                      ("_Power", "_power"), ("_Mod", "_mod"), ("_Hypot", "_hypot"),
                      ("_Equal", "_equal"), ("_Not_Equal", "_not_equal"), ("_Greater", "_greater"),
                      ("_Greater_Equal", "_greater_equal"), ("_Lesser", "_lesser"),
                      ("_Lesser_Equal", "_lesser_equal"), ("_Logical_And", "_logical_and"),
                      ("_Logical_Or", "_logical_or"), ("_Logical_Xor", "_logical_xor"),
                      ("_PlusScalar", "_plus_scalar"), ("_MinusScalar", "_minus_scalar"),
                      ("_RMinusScalar", "_rminus_scalar"), ("_MulScalar", "_mul_scalar"),
                      ("_DivScalar", "_div_scalar"), ("_RDivScalar", "_rdiv_scalar"),
                      ("_PowerScalar", "_power_scalar"), ("_RPowerScalar", "_rpower_scalar"),
                      ("_ModScalar", "_mod_scalar"), ("_RModScalar", "_rmod_scalar"),
                      ("_HypotScalar", "_hypot_scalar"), ("_MaximumScalar", "_maximum_scalar"),
                      ("_MinimumScalar", "_minimum_scalar"), ("_EqualScalar", "_equal_scalar"),
                      ("_NotEqualScalar", "_not_equal_scalar"), ("_GreaterScalar", "_greater_scalar"),
                      ("_GreaterEqualScalar", "_greater_equal_scalar"), ("_LesserScalar", "_lesser_scalar"),
                      ("_LesserEqualScalar", "_lesser_equal_scalar"),
                      ("_LogicalAndScalar", "_logical_and_scalar"), ("_LogicalOrScalar", "_logical_or_scalar"),
                      ("_LogicalXorScalar", "_logical_xor_scalar")):
    OPS[_alias] = OPS[_name]
    if _name in N_OUTPUTS:
        N_OUTPUTS[_alias] = N_OUTPUTS[_name]


@op
def ROIPooling(E, data, rois, *, pooled_size, spatial_scale):
    """Max over pooled_size bins of each region (batch_index, x1, y1, x2, y2) scaled by spatial_scale: the
    shared roi_pool kernel; (R, C, ph, pw)."""
    attrs = {"pooled_size": tuple(pooled_size), "spatial_scale": float(spatial_scale)}
    return E.call(K.roi_pool, (data, rois), attrs)


# ---------------------------------------------------------------- contrib ops (nd.contrib.*, sym.contrib.*)

@op
def _contrib_div_sqrt_dim(E, data):
    """data / sqrt(data.shape[-1]) (the transformer's scaled dot-product attention scale)."""
    return _k(E, K.mul, data, 1.0 / float(E.shape(data)[-1]) ** 0.5)


@op
def _contrib_quadratic(E, data, *, a=0.0, b=0.0, c=0.0):
    """a * data^2 + b * data + c (MXNet's example contrib op)."""
    return _k(E, K.add, _k(E, K.mul, _k(E, K.add, _k(E, K.mul, data, float(a)), float(b)), data), float(c))


@op
def _contrib_index_array(E, data, *, axes=None):
    """Each element's index along `axes` (all axes by default) as int64, a new last axis of them."""
    shape = tuple(E.shape(data))
    axes = tuple(range(len(shape))) if axes is None else tuple(a % len(shape) for a in _tuple(axes, 1))

    def ids(xp, x):
        grid = xp.indices(shape, dtype="int64")
        return xp.stack([grid[a] for a in axes], axis=-1)
    return E.nograd(ids, (data,), shape + (len(axes),))


def _bilinear_taps(n_in, n_out, align_corners):
    """contrib/bilinear_resize-inl.h's source rows: (lower index, upper index, upper weight) per output."""
    import numpy
    if n_out > 1:
        scale = (n_in - 1) / (n_out - 1) if align_corners else n_in / n_out
    else:
        scale = 0.0
    dst = numpy.arange(n_out, dtype="float64")
    src = scale * dst if align_corners else numpy.maximum(scale * (dst + 0.5) - 0.5, 0.0)
    lo = src.astype("int64")
    hi = numpy.where(lo < n_in - 1, lo + 1, lo)
    return lo, hi, src - lo


def _resize_axis(E, data, axis, n_out, align_corners):
    """data linearly resampled to n_out along `axis`: two takes weighted and summed (differentiable)."""
    shape = tuple(E.shape(data))
    if shape[axis] == n_out:
        return data
    lo, hi, w = _bilinear_taps(shape[axis], n_out, align_corners)
    wshape = tuple(n_out if i == axis else 1 for i in range(len(shape)))

    def const(values, dtype):
        return E.nograd(lambda xp, x: xp.asarray(values.astype(dtype if dtype else x.dtype)).reshape(
            wshape if dtype is None else (-1,)), (data,), wshape if dtype is None else (n_out,))
    below = OPS["take"](E, data, const(lo, "int64"), axis=axis)
    above = OPS["take"](E, data, const(hi, "int64"), axis=axis)
    w_hi = const(w, None)
    return _k(E, K.add, below, _k(E, K.mul, _k(E, K.sub, above, below), w_hi))


@op
def _contrib_BilinearResize2D(E, data, like=None, *, height=1, width=1, scale_height=None, scale_width=None,
                              mode="size", align_corners=True):
    """NCHW data resized bilinearly to (height, width), to scale_height/scale_width times its size, or to
    like's H x W (mode 'like'); align_corners (the default) maps corner pixel centres onto each other."""
    shape = tuple(E.shape(data))
    if mode == "size":
        oh = int(scale_height * shape[2]) if scale_height is not None else int(height)
        ow = int(scale_width * shape[3]) if scale_width is not None else int(width)
    elif mode == "like":
        if like is None:
            raise MXNetError("BilinearResize2D: mode 'like' needs the like input")
        oh, ow = tuple(E.shape(like))[2:4]
    else:
        raise MXNetError(f"BilinearResize2D: mode {mode!r} is not supported; use 'size' or 'like'")
    out = _resize_axis(E, data, 2, oh, align_corners)
    return _resize_axis(E, out, 3, ow, align_corners)
