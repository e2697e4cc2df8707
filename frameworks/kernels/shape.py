"""Shape kernels: reshape, transpose, concat, slice and split (views where the array library allows)."""
from .base import Kernel, register, need, shape_error


def _prod(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def resolve_shape(op, in_shape, shape):
    """Resolve one -1 in `shape` against `in_shape`, checking the element counts agree."""
    shape = tuple(shape)
    if shape.count(-1) > 1:
        raise shape_error(op, "only one dimension may be -1", in_shape, shape)
    if None in in_shape:  # unknown batch dimension at graph-build time: keep what can be known
        return shape if -1 not in shape else tuple(None if s == -1 else s for s in shape)
    total = _prod(in_shape)
    if -1 in shape:
        rest = _prod(s for s in shape if s != -1)
        if rest == 0 or total % rest:
            raise shape_error(op, f"cannot reshape {total} elements", in_shape, shape)
        shape = tuple(total // rest if s == -1 else s for s in shape)
    if _prod(shape) != total:
        raise shape_error(op, f"cannot reshape {total} elements", in_shape, shape)
    return shape


@register
class Reshape(Kernel):
    """y = x.reshape(shape); one entry may be -1."""
    name = "reshape"
    may_view = (0,)
    saves_inputs = ()
    saves_output = False
    grad_may_view = True

    @staticmethod
    def forward(xp, x, shape):
        return x.reshape(shape), x.shape

    @staticmethod
    def backward(xp, saved, gy, needs=None, shape=None):
        return (gy.reshape(saved),)

    @staticmethod
    def infer(x, shape):
        return resolve_shape("reshape", tuple(x), shape)


def flatten(xp, x, start_dim=1):
    """Flatten all axes from `start_dim` on: a reshape, so it needs no kernel of its own."""
    return Reshape.forward(xp, x, x.shape[:start_dim] + (-1,))


@register
class Transpose(Kernel):
    """y = x.transpose(axes) (a view); axes=None reverses them."""
    name = "transpose"
    may_view = (0,)
    saves_inputs = ()
    saves_output = False
    grad_may_view = True

    @staticmethod
    def forward(xp, x, axes=None):
        return xp.transpose(x, axes), None

    @staticmethod
    def backward(xp, saved, gy, needs=None, axes=None):
        if axes is None:
            return (xp.transpose(gy),)
        inverse = [0] * len(axes)
        for i, a in enumerate(axes):
            inverse[a] = i
        return (xp.transpose(gy, inverse),)

    @staticmethod
    def infer(x, axes=None):
        x = tuple(x)
        if axes is None:
            return x[::-1]
        if sorted(a % len(x) for a in axes) != list(range(len(x))):
            raise shape_error("transpose", f"axes {tuple(axes)} are not a permutation", x)
        return tuple(x[a] for a in axes)


@register
class Concat(Kernel):
    """y = concatenate(inputs, axis)"""
    name = "concat"
    accepts_out = True
    saves_inputs = ()
    saves_output = False
    grad_may_view = True

    @staticmethod
    def forward(xp, *xs, axis=0, out=None):
        return xp.concatenate(xs, axis=axis, out=out), [x.shape[axis] for x in xs]

    @staticmethod
    def backward(xp, saved, gy, needs=None, axis=0):
        grads, start = [], 0
        for i, n in enumerate(saved):
            if need(needs, i):
                index = [slice(None)] * gy.ndim
                index[axis] = slice(start, start + n)
                grads.append(gy[tuple(index)])
            else:
                grads.append(None)
            start += n
        return tuple(grads)

    @staticmethod
    def infer(*shapes, axis=0):
        if not shapes:
            raise shape_error("concat", "needs at least one input")
        first = tuple(shapes[0])
        nd = len(first)
        if not -nd <= axis < nd:
            raise shape_error("concat", f"axis {axis} is out of range", *shapes)
        ax = axis % nd
        total = 0
        for s in shapes:
            s = tuple(s)
            if len(s) != nd or any(a != b and None not in (a, b)
                                   for i, (a, b) in enumerate(zip(s, first)) if i != ax):
                raise shape_error("concat", f"dimensions must match except on axis {axis}", *shapes)
            total = None if (total is None or s[ax] is None) else total + s[ax]
        return first[:ax] + (total,) + first[ax + 1:]


@register
class Slice(Kernel):
    """y = x[index] for basic indexing (ints and slices): a view; backward scatters into zeros."""
    name = "slice"
    may_view = (0,)
    saves_inputs = ()
    saves_output = False

    @staticmethod
    def forward(xp, x, index):
        return x[index], (x.shape, x.dtype)

    @staticmethod
    def backward(xp, saved, gy, needs=None, index=None):
        shape, dtype = saved
        gx = xp.zeros(shape, dtype=dtype)
        gx[index] = gy
        return (gx,)

    @staticmethod
    def infer(x, index):
        import numpy  # shape arithmetic only: slice a zero-strided dummy, no data is touched
        x = tuple(x)
        if None in x:
            raise shape_error("slice", "needs a fully known input shape", x)
        dummy = numpy.lib.stride_tricks.as_strided(numpy.zeros(1, numpy.int8), x, (0,) * len(x))
        try:
            return dummy[index].shape
        except IndexError as e:
            raise shape_error("slice", f"index {index!r} does not fit: {e}", x) from None


@register
class Split(Kernel):
    """ys = split(x, sections, axis): `sections` equal parts (an int) or the sizes of each part."""
    name = "split"
    may_view = (0,)
    saves_inputs = ()
    saves_output = False
    n_outputs = None  # as many as there are parts

    @staticmethod
    def _sizes(dim, sections):
        if isinstance(sections, int):
            if sections <= 0 or dim % sections:
                raise shape_error("split", f"axis of size {dim} does not split into {sections} equal parts")
            return [dim // sections] * sections
        sizes = list(sections)
        if sum(sizes) != dim:
            raise shape_error("split", f"sizes {sizes} do not add up to {dim}")
        return sizes

    @staticmethod
    def forward(xp, x, sections, axis=0):
        sizes = Split._sizes(x.shape[axis], sections)
        out, start = [], 0
        index = [slice(None)] * x.ndim
        for n in sizes:
            index[axis] = slice(start, start + n)
            out.append(x[tuple(index)])
            start += n
        return tuple(out), (x.shape, x.dtype, sizes)

    @staticmethod
    def backward(xp, saved, gys, needs=None, sections=None, axis=0):
        shape, dtype, sizes = saved
        parts = []
        for g, n in zip(gys, sizes):
            if g is None:
                s = list(shape)
                s[axis] = n
                g = xp.zeros(s, dtype=dtype)
            parts.append(g)
        return (xp.concatenate(parts, axis=axis),)

    @staticmethod
    def infer(x, sections, axis=0):
        x = tuple(x)
        sizes = Split._sizes(x[axis], sections)
        return tuple(x[:axis % len(x)] + (n,) + x[axis % len(x) + 1:] for n in sizes)
