"""Shape kernels: reshape, transpose, concat, slice, split, stack, unstack, broadcast_to, pad, squeeze,
unsqueeze and tile (views where the array library allows)."""
from .base import Kernel, register, need, nbytes_of, shape_error


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
        shape = x.shape
        sizes = Split._sizes(shape[axis], sections)
        ax = axis % len(shape)
        out, start = [], 0
        if ax == 1:   # an RNN step's gates: the index written out, cheaper than built (a third of the call)
            for n in sizes:
                out.append(x[:, start:start + n])
                start += n
        else:
            lead = (slice(None),) * ax   # the axes before `axis`; those after are implied
            for n in sizes:
                out.append(x[(*lead, slice(start, start + n))])
                start += n
        return tuple(out), (shape, x.dtype, sizes)

    @staticmethod
    def backward(xp, saved, gys, needs=None, sections=None, axis=0):
        for g in gys:
            if g is None:
                break
        else:   # every part has a gradient: they are the pieces as they are
            return (xp.concatenate(gys, axis=axis),)
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


def check_axis(op, nd, axis, *shapes):
    """`axis` as a non-negative int for `nd` dimensions, or a ShapeError naming the op, the axis and the shapes."""
    if not isinstance(axis, int) or not -nd <= axis < nd:
        raise shape_error(op, f"axis {axis!r} is out of range for {nd} dimensions", *shapes)
    return axis % nd


@register
class Stack(Kernel):
    """y = stack(inputs, axis): a new axis (np.stack, tf.stack, torch.stack); backward takes slices."""
    name = "stack"
    accepts_out = True
    saves_inputs = ()
    saves_output = False
    grad_may_view = True

    @staticmethod
    def forward(xp, *xs, axis=0, out=None):
        return xp.stack(xs, axis=axis, out=out), len(xs)

    @staticmethod
    def backward(xp, saved, gy, needs=None, axis=0):
        lead = (slice(None),) * (axis % gy.ndim)
        return tuple(gy[lead + (i,)] if need(needs, i) else None for i in range(saved))

    @staticmethod
    def infer(*shapes, axis=0):
        if not shapes:
            raise shape_error("stack", "needs at least one input")
        first = tuple(shapes[0])
        if any(len(s) != len(first) or any(a != b and None not in (a, b) for a, b in zip(s, first))
               for s in map(tuple, shapes)):
            raise shape_error("stack", "all inputs must have the same shape", *shapes)
        ax = check_axis("stack", len(first) + 1, axis, *shapes)
        return first[:ax] + (len(shapes),) + first[ax:]


@register
class Unstack(Kernel):
    """ys = unstack(x, axis): one output per index of `axis`, that axis removed (tf.unstack, torch.unbind);
    views. Backward stacks the output gradients (zeros for outputs that got none)."""
    name = "unstack"
    may_view = (0,)
    saves_inputs = ()
    saves_output = False
    n_outputs = None  # as many as the axis is long

    @staticmethod
    def forward(xp, x, axis=0):
        ax = check_axis("unstack", x.ndim, axis, x.shape)
        index = [slice(None)] * x.ndim
        out = []
        for i in range(x.shape[ax]):
            index[ax] = i
            out.append(x[tuple(index)])
        return tuple(out), (x.shape, x.dtype)

    @staticmethod
    def backward(xp, saved, gys, needs=None, axis=0):
        shape, dtype = saved
        ax = axis % len(shape)
        gx = xp.empty(shape, dtype=dtype if all(g is None for g in gys) else
                      next(g.dtype for g in gys if g is not None))
        index = [slice(None)] * len(shape)
        for i, g in enumerate(gys):
            index[ax] = i
            gx[tuple(index)] = 0 if g is None else g
        return (gx,)

    @staticmethod
    def infer(x, axis=0):
        x = tuple(x)
        ax = check_axis("unstack", len(x), axis, x)
        if x[ax] is None:
            raise shape_error("unstack", f"axis {axis} must have a known size", x)
        return tuple(x[:ax] + x[ax + 1:] for _ in range(x[ax]))


def expand_shape(op, in_shape, shape):
    """The target of broadcast_to/expand: NumPy's broadcasting rule (new axes on the left, size-1 axes
    stretched), with -1 keeping the input's size (torch's expand)."""
    in_shape, shape = tuple(in_shape), tuple(shape)
    lead = len(shape) - len(in_shape)
    if lead < 0:
        raise shape_error(op, f"cannot broadcast to fewer dimensions ({len(shape)})", in_shape, shape)
    out = []
    for i, s in enumerate(shape):
        have = in_shape[i - lead] if i >= lead else None
        if s == -1:
            if have is None and i < lead:
                raise shape_error(op, f"-1 is not allowed for the new leading axis {i}", in_shape, shape)
            s = have
        elif i >= lead and have not in (1, s, None):
            raise shape_error(op, f"axis {i} of size {have} cannot be broadcast to {s}", in_shape, shape)
        out.append(s)
    return tuple(out)


@register
class BroadcastTo(Kernel):
    """y = broadcast_to(x, shape) (np/tf broadcast_to, torch expand with -1 = keep): a read-only view;
    backward sums over the broadcast axes."""
    name = "broadcast_to"
    may_view = (0,)
    saves_inputs = ()
    saves_output = False
    grad_may_view = True

    @staticmethod
    def forward(xp, x, shape):
        return xp.broadcast_to(x, expand_shape("broadcast_to", x.shape, shape)), x.shape

    @staticmethod
    def backward(xp, saved, gy, needs=None, shape=None):
        from .elementwise import unbroadcast
        return (unbroadcast(xp, gy, saved),)

    @staticmethod
    def infer(x, shape):
        return expand_shape("broadcast_to", x, shape)


def pad_widths(op, shape, pad_width):
    """((before, after), ...) per axis from an int, one (before, after) pair, or one pair per axis."""
    nd = len(shape)
    if isinstance(pad_width, int):
        widths = ((pad_width, pad_width),) * nd
    else:
        pw = tuple(tuple(p) if not isinstance(p, int) else p for p in pad_width)
        if len(pw) == 2 and all(isinstance(p, int) for p in pw):
            widths = (pw,) * nd
        else:
            widths = pw
    if len(widths) != nd or any(len(w) != 2 or min(w) < 0 for w in widths):
        raise shape_error(op, f"pad widths {pad_width!r} must be one non-negative (before, after) per axis",
                          shape)
    return widths


@register
class Pad(Kernel):
    """y = np.pad(x, pad_width, constant_values=value) in constant mode; pad_width is NumPy's (an int, one
    (before, after) pair, or one pair per axis; torch's F.pad order is the engine's to convert).
    Backward slices the interior out."""
    name = "pad"
    saves_inputs = ()
    saves_output = False
    grad_may_view = True

    @staticmethod
    def forward(xp, x, pad_width, constant_values=0):
        widths = pad_widths("pad", x.shape, pad_width)
        y = xp.full(tuple(n + a + b for n, (a, b) in zip(x.shape, widths)), constant_values, dtype=x.dtype)
        inner = tuple(slice(a, a + n) for n, (a, _) in zip(x.shape, widths))
        y[inner] = x
        return y, inner

    @staticmethod
    def backward(xp, saved, gy, needs=None, pad_width=None, constant_values=0):
        return (gy[saved],)

    @staticmethod
    def infer(x, pad_width, constant_values=0):
        x = tuple(x)
        return tuple(None if n is None else n + a + b for n, (a, b) in zip(x, pad_widths("pad", x, pad_width)))


def squeeze_axes(op, shape, axis):
    shape = tuple(shape)
    if axis is None:
        return tuple(i for i, n in enumerate(shape) if n == 1)
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    out = []
    for a in axes:
        a = check_axis(op, len(shape), a, shape)
        if shape[a] not in (1, None):
            raise shape_error(op, f"cannot squeeze axis {a} of size {shape[a]}", shape)
        out.append(a)
    return tuple(sorted(set(out)))


@register
class Squeeze(Kernel):
    """y = squeeze(x, axis): drop size-1 axes (all of them when axis is None); a view. Squeezing an axis
    that is not 1 is an error here as in NumPy/TF (torch.squeeze(dim) silently keeps it: its engine
    checks the size first)."""
    name = "squeeze"
    may_view = (0,)
    saves_inputs = ()
    saves_output = False
    grad_may_view = True

    @staticmethod
    def forward(xp, x, axis=None):
        return x.reshape(Squeeze.infer(x.shape, axis)), x.shape

    @staticmethod
    def backward(xp, saved, gy, needs=None, axis=None):
        return (gy.reshape(saved),)

    @staticmethod
    def infer(x, axis=None):
        x = tuple(x)
        axes = squeeze_axes("squeeze", x, axis)
        return tuple(n for i, n in enumerate(x) if i not in axes)


@register
class Unsqueeze(Kernel):
    """y = expand_dims(x, axis) (torch.unsqueeze, tf.expand_dims): a new size-1 axis at `axis` of the
    output (negative counts from the end of the output); a view."""
    name = "unsqueeze"
    may_view = (0,)
    saves_inputs = ()
    saves_output = False
    grad_may_view = True

    @staticmethod
    def forward(xp, x, axis):
        return x.reshape(Unsqueeze.infer(x.shape, axis)), x.shape

    @staticmethod
    def backward(xp, saved, gy, needs=None, axis=None):
        return (gy.reshape(saved),)

    @staticmethod
    def infer(x, axis):
        x = tuple(x)
        ax = check_axis("unsqueeze", len(x) + 1, axis, x)
        return x[:ax] + (1,) + x[ax:]


@register
class Tile(Kernel):
    """y = tile(x, reps) (np.tile, tf.tile, torch's x.repeat): x repeated reps[i] times along each axis;
    backward sums the copies."""
    name = "tile"
    saves_inputs = ()
    saves_output = False

    @classmethod
    def workspace_bytes(cls, x, reps, itemsize=4):
        return nbytes_of(cls.infer(x, reps), itemsize)   # np.tile repeats one axis at a time

    @staticmethod
    def forward(xp, x, reps):
        return xp.tile(x, reps), x.shape

    @staticmethod
    def backward(xp, saved, gy, needs=None, reps=None):
        shape = saved
        reps = (reps,) if isinstance(reps, int) else tuple(reps)
        nd = max(len(shape), len(reps))
        full = (1,) * (nd - len(shape)) + tuple(shape)
        reps = (1,) * (nd - len(reps)) + reps
        # (r0, n0, r1, n1, ...): each copy along its own axis, then summed away
        g = gy.reshape(tuple(v for r, n in zip(reps, full) for v in (r, n)))
        return (g.sum(axis=tuple(range(0, 2 * nd, 2))).reshape(shape),)

    @staticmethod
    def infer(x, reps):
        x = tuple(x)
        reps = (reps,) if isinstance(reps, int) else tuple(reps)
        if any(r < 0 for r in reps):
            raise shape_error("tile", f"reps {reps} must be non-negative", x)
        nd = max(len(x), len(reps))
        full = (1,) * (nd - len(x)) + x
        reps = (1,) * (nd - len(reps)) + reps
        return tuple(None if n is None else n * r for n, r in zip(full, reps))
