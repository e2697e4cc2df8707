"""theano.tensor (`import frameworks.theano.tensor as T`): typed variable constructors and the tensor ops,
each a symbolic node that lowers onto static_graph ops (NumPy arithmetic where every operand is known
when lowering: shapes, constants, integer scalar inputs keyed by value)."""
import builtins
import numbers

import numpy as np

import frameworks.static_graph as tf
from ..graph import (SharedVariable, TensorConstant, TensorType, TensorVariable, Variable, apply,  # noqa: F401
                     as_tf, as_variable, constant_value, is_static, static_shape, tf_dtype, upcast)
from ..graph import as_variable as as_tensor_variable  # noqa: F401


def _floatX():
    from .. import config
    return config.floatX


# ---------------------------------------------------------------- constructors

def _constructor(ndim, dtype=None, broadcastable=None):
    def make(name=None, dtype=dtype):
        return TensorType(dtype or _floatX(), broadcastable or (False,) * ndim)(name)
    return make


scalar, vector, matrix, tensor3, tensor4 = (_constructor(n) for n in range(5))
row = _constructor(2, broadcastable=(True, False))
col = _constructor(2, broadcastable=(False, True))
for _p, _dt in (("f", "float32"), ("d", "float64"), ("i", "int32"), ("l", "int64")):
    for _n, _k in enumerate(("scalar", "vector", "matrix", "tensor3", "tensor4")):
        globals()[_p + _k] = _constructor(_n, _dt)
    globals()[_p + "row"] = _constructor(2, _dt, (True, False))
    globals()[_p + "col"] = _constructor(2, _dt, (False, True))


def tensor(dtype=None, broadcastable=None, name=None):
    return TensorType(dtype or _floatX(), broadcastable)(name)


def constant(x, name=None, ndim=None, dtype=None):
    v = as_variable(np.asarray(x, dtype=dtype) if dtype else x, name=name)
    if ndim is not None and v.ndim != ndim:
        raise ValueError(f"constant: {x!r} has {v.ndim} dimensions, not {ndim}")
    return v


def _tensor_arg(x, like=None):
    """An operand as a variable; a Python number takes the other operand's dtype kind (Theano's
    autocasting keeps float32 arithmetic float32 and int32 index arithmetic int32)."""
    if isinstance(x, Variable):
        return x
    if like is not None and isinstance(x, numbers.Number) and not isinstance(x, (bool, np.ndarray)):
        kind = np.dtype(like.dtype).kind
        if isinstance(x, numbers.Integral) and kind in "iuf":
            return as_variable(x, dtype=like.dtype)
        if isinstance(x, float) and kind == "f":
            return as_variable(x, dtype=like.dtype)
    return as_variable(x)


def _bcast(*vs):
    n = builtins.max(v.ndim for v in vs)
    pads = [(True,) * (n - v.ndim) + v.broadcastable for v in vs]
    return tuple(builtins.all(p[i] for p in pads) for i in range(n))


def _operands(*xs):
    like = next((x for x in xs if isinstance(x, Variable)), None)
    return [_tensor_arg(x, like) for x in xs]


# ---------------------------------------------------------------- elementwise

def _elemwise(name, tf_fn, np_fn, out_dtype=None, float_out=False):
    """A broadcasting elementwise op over any number of operands (computed in their upcast dtype)."""
    def lower(L, *vals, in_dtype, dtype):
        if builtins.all(is_static(v) for v in vals):
            return np.asarray(np_fn(*[np.asarray(v, dtype=in_dtype) for v in vals])).astype(dtype)
        return tf_fn(*[as_tf(v, in_dtype) for v in vals])

    def op(*xs):
        vs = _operands(*xs)
        dt = upcast(*[v.dtype for v in vs])
        if float_out and np.dtype(dt).kind != "f":
            dt = "float64"
        out = out_dtype or dt
        return apply(name, lower, vs, [TensorType(out, _bcast(*vs))], in_dtype=dt, dtype=out)
    op.__name__ = name
    return op


add = _elemwise("add", tf.add, np.add)
sub = _elemwise("sub", tf.subtract, np.subtract)
mul = _elemwise("mul", tf.multiply, np.multiply)
true_div = _elemwise("true_div", tf.divide, np.true_divide, float_out=True)
maximum = _elemwise("maximum", tf.maximum, np.maximum)
minimum = _elemwise("minimum", tf.minimum, np.minimum)
eq = _elemwise("eq", tf.equal, np.equal, out_dtype="bool")
neq = _elemwise("neq", tf.not_equal, np.not_equal, out_dtype="bool")
lt = _elemwise("lt", tf.less, np.less, out_dtype="bool")
le = _elemwise("le", tf.less_equal, np.less_equal, out_dtype="bool")
gt = _elemwise("gt", tf.greater, np.greater, out_dtype="bool")
ge = _elemwise("ge", tf.greater_equal, np.greater_equal, out_dtype="bool")
and_ = _elemwise("and_", tf.logical_and, np.logical_and, out_dtype="bool")
or_ = _elemwise("or_", tf.logical_or, np.logical_or, out_dtype="bool")
divide = true_div


def int_div(a, b):
    """a // b (floor division; integers, as shape arithmetic uses it)."""
    a, b = _operands(a, b)
    dt = upcast(a.dtype, b.dtype)

    def lower(L, x, y):
        if is_static(x) and is_static(y):
            return np.floor_divide(x, y).astype(dt)
        return as_tf(tf.floor(tf.divide(as_tf(x, "float64"), as_tf(y, "float64"))), dt)
    return apply("int_div", lower, [a, b], [TensorType(dt, _bcast(a, b))])


floor_div = int_div


def pow(x, y):  # noqa: A001  (Theano's name)
    x, y = _operands(x, y)
    dt = upcast(x.dtype, y.dtype)
    if np.dtype(dt).kind != "f" and np.dtype(x.dtype).kind == "f":
        dt = x.dtype

    def lower(L, a, b):
        if is_static(a) and is_static(b):
            return np.power(np.asarray(a, dt), np.asarray(b, dt))
        if is_static(b) and np.ndim(b) == 0:
            return tf.pow(as_tf(a, dt), float(b))
        return tf.pow(as_tf(a, dt), as_tf(b, dt))
    return apply("pow", lower, [x, y], [TensorType(dt, _bcast(x, y))])


def _unary(name, tf_fn, np_fn, float_out=True):
    def op(x):
        x = as_variable(x)
        dt = x.dtype if (not float_out or np.dtype(x.dtype).kind == "f") else "float64"

        def lower(L, v):
            if is_static(v):
                return np.asarray(np_fn(np.asarray(v, dt))).astype(dt)
            return tf_fn(as_tf(v, dt))
        return apply(name, lower, [x], [TensorType(dt, x.broadcastable)])
    op.__name__ = name
    return op


exp = _unary("exp", tf.exp, np.exp)
log = _unary("log", tf.log, np.log)
tanh = _unary("tanh", tf.tanh, np.tanh)
sqrt = _unary("sqrt", tf.sqrt, np.sqrt)
sqr = _unary("sqr", tf.square, np.square, float_out=False)
square = sqr
neg = _unary("neg", tf.negative, np.negative, float_out=False)
abs_ = _unary("abs_", tf.abs, np.abs, float_out=False)
floor = _unary("floor", tf.floor, np.floor)
invert = _unary("invert", tf.logical_not, np.logical_not, float_out=False)


def log1p(x):
    return log(1 + as_variable(x))


def inv(x):
    return true_div(1.0, x)


def clip(x, a_min, a_max):
    """min(max(x, a_min), a_max); its gradient is zero outside the range (the shared clip kernel)."""
    x, lo, hi = _operands(x, a_min, a_max)

    def lower(L, v, lo_v, hi_v):
        if is_static(lo_v) and is_static(hi_v) and np.ndim(lo_v) == 0 and np.ndim(hi_v) == 0:
            return tf.clip_by_value(as_tf(v, x.dtype), float(lo_v), float(hi_v))
        return tf.minimum(tf.maximum(as_tf(v, x.dtype), as_tf(lo_v, x.dtype)), as_tf(hi_v, x.dtype))
    return apply("clip", lower, [x, lo, hi], [TensorType(x.dtype, _bcast(x, lo, hi))])


def switch(cond, ift, iff):
    """Elementwise ift where cond else iff (the shared `where` kernel, broadcasting)."""
    cond, ift, iff = _operands(cond, ift, iff)
    dt = upcast(ift.dtype, iff.dtype)

    def lower(L, c, a, b):
        if builtins.all(is_static(v) for v in (c, a, b)):
            return np.where(c, a, b).astype(dt)
        c = tf.not_equal(as_tf(c, cond.dtype), as_tf(0, cond.dtype)) if cond.dtype != "bool" else as_tf(c, "bool")
        return tf.where(c, as_tf(a, dt), as_tf(b, dt))
    return apply("switch", lower, [cond, ift, iff], [TensorType(dt, _bcast(cond, ift, iff))])


where = switch


def cast(x, dtype):
    x = as_variable(x)
    dtype = _floatX() if dtype == "floatX" else str(np.dtype(dtype))
    tf_dtype(dtype, "cast")
    if dtype == x.dtype:
        return x

    def lower(L, v):
        return np.asarray(v).astype(dtype) if is_static(v) else tf.cast(v, tf_dtype(dtype))
    return apply("cast", lower, [x], [TensorType(dtype, x.broadcastable)])


# ---------------------------------------------------------------- reductions

def _axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, numbers.Integral) else tuple(axis)
    return tuple(sorted(int(a) % ndim for a in axes))


def _reduced(x, axes, keepdims):
    return tuple(True if i in axes else b for i, b in enumerate(x.broadcastable)) if keepdims else \
        tuple(b for i, b in enumerate(x.broadcastable) if i not in axes)


def _reduction(name, tf_fn, np_fn, dtype_rule):
    def op(x, axis=None, dtype=None, keepdims=False, acc_dtype=None):
        x = as_variable(x)
        axes = _axes(axis, x.ndim)
        dt = dtype or dtype_rule(x.dtype)

        def lower(L, v):
            tf_axis = list(axes) if len(axes) != x.ndim else None
            if is_static(v):
                return np.asarray(np_fn(np.asarray(v, dt), axis=tuple(axes), keepdims=keepdims)).astype(dt)
            if not axes:
                return as_tf(v, dt)
            return tf_fn(as_tf(v, dt), axis=tf_axis, keepdims=keepdims)
        return apply(name, lower, [x], [TensorType(dt, _reduced(x, axes, keepdims))])
    op.__name__ = name
    return op


def _sum_dtype(d):
    return "int64" if np.dtype(d).kind in "biu" else d


def _mean_dtype(d):
    return "float64" if np.dtype(d).kind in "biu" else d


sum = _reduction("sum", tf.reduce_sum, np.sum, _sum_dtype)  # noqa: A001
max = _reduction("max", tf.reduce_max, np.max, lambda d: d)  # noqa: A001
min = _reduction("min", tf.reduce_min, np.min, lambda d: d)  # noqa: A001
_mean = _reduction("mean", tf.reduce_mean, np.mean, _mean_dtype)


def mean(input, axis=None, dtype=None, op=False, keepdims=False, acc_dtype=None):  # noqa: A002
    """The mean over `axis`. mean(categorical_crossentropy(softmax(z), int labels)) lowers to the shared
    fused softmax cross-entropy kernel, as Theano's optimizer fuses crossentropy_softmax_argmax_1hot."""
    x = as_variable(input)
    fused = _fused_crossentropy(x) if axis is None and not keepdims else None
    if fused is not None:
        return fused
    return _mean(x, axis=axis, dtype=dtype, keepdims=keepdims)


def _fused_crossentropy(x):
    from .nnet import _crossentropy_softmax_mean
    return _crossentropy_softmax_mean(x)


_prod = _reduction("prod", tf.reduce_prod, np.prod, _sum_dtype)


def prod(input, axis=None, dtype=None, keepdims=False, acc_dtype=None, no_zeros_in_input=False):  # noqa: A002
    """The product, through tf.reduce_prod (the shared prod kernel, whose gradient is exact at zeros, so
    no_zeros_in_input only states what Theano's cheaper gradient may assume)."""
    return _prod(input, axis=axis, dtype=dtype, keepdims=keepdims)


def var(x, axis=None, keepdims=False):
    x = as_variable(x)
    centred = x - mean(x, axis=axis, keepdims=True)
    return mean(sqr(centred), axis=axis, keepdims=keepdims)


def std(x, axis=None, keepdims=False):
    return sqrt(var(x, axis=axis, keepdims=keepdims))


def _argreduce(name, tf_fn, np_fn):
    def op(x, axis=None, keepdims=False):
        x = as_variable(x)
        ax = None if axis is None else int(axis) % x.ndim

        def lower(L, v):
            if is_static(v):
                out = np_fn(v, axis=ax)
            else:
                out = tf_fn(tf.reshape(v, [-1]) if ax is None else v, axis=0 if ax is None else ax)
            if keepdims:
                shape = [1 if ax is None or i == ax else d for i, d in enumerate(static_shape(v))]
                out = np.reshape(out, shape) if is_static(out) else tf.reshape(out, shape)
            return out
        axes = tuple(range(x.ndim)) if ax is None else (ax,)
        return apply(name, lower, [x], [TensorType("int64", _reduced(x, axes, keepdims))])
    op.__name__ = name
    return op


argmax = _argreduce("argmax", tf.argmax, np.argmax)
argmin = _argreduce("argmin", tf.argmin, np.argmin)


def max_and_argmax(x, axis=None, keepdims=False):
    return max(x, axis=axis, keepdims=keepdims), argmax(x, axis=axis, keepdims=keepdims)


# ---------------------------------------------------------------- linear algebra

def dot(a, b):
    """Theano's dot: matrix.matrix, matrix.vector, vector.matrix, vector.vector, and N-D . matrix (the
    leading dimensions folded into one GEMM)."""
    a, b = _operands(a, b)
    dt = upcast(a.dtype, b.dtype)
    if a.ndim == 0 or b.ndim == 0:
        return mul(a, b)
    if b.ndim > 2:
        raise NotImplementedError(f"dot: the second operand has {b.ndim} dimensions; use tensordot/batched_dot")
    out_b = a.broadcastable[:-1] + b.broadcastable[1:]

    def lower(L, x, y):
        if is_static(x) and is_static(y):
            return np.dot(x, y).astype(dt)
        x, y = as_tf(x, dt), as_tf(y, dt)
        xs, ys = static_shape(x, "dot"), static_shape(y, "dot")
        x2 = x if len(xs) == 2 else tf.reshape(x, [int(np.prod(xs[:-1])), xs[-1]] if len(xs) > 1 else [1, xs[0]])
        y2 = y if len(ys) == 2 else tf.reshape(y, [ys[0], 1])
        out = tf.matmul(x2, y2)
        shape = list(xs[:-1]) + list(ys[1:])
        return out if list(static_shape(out)) == shape else tf.reshape(out, shape)
    return apply("dot", lower, [a, b], [TensorType(dt, out_b)])


def outer(x, y):
    return dot(as_variable(x).dimshuffle(0, "x"), as_variable(y).dimshuffle("x", 0))


# ---------------------------------------------------------------- shapes

def shape(x):
    """x's shape, an int64 vector known when the function is lowered."""
    x = as_variable(x)
    return apply("Shape", lambda L, v: np.asarray(static_shape(v, "shape"), dtype="int64"), [x],
                 [TensorType("int64", (x.ndim == 1,))])


def shape_padleft(x, n_ones=1):
    x = as_variable(x)
    return x.dimshuffle(["x"] * n_ones + list(range(x.ndim)))


def shape_padright(x, n_ones=1):
    x = as_variable(x)
    return x.dimshuffle(list(range(x.ndim)) + ["x"] * n_ones)


def _reshape_to(v, shape):
    shape = [int(s) for s in shape]
    if is_static(v):
        return np.reshape(v, shape)
    if list(static_shape(v)) == shape:
        return v
    return tf.reshape(v, shape)


def dimshuffle(x, pattern):
    """Theano's dimshuffle: a permutation of x's dimensions with 'x' for new broadcastable ones; only
    broadcastable dimensions may be dropped."""
    x = as_variable(x)
    pattern = tuple(pattern)
    kept = [p for p in pattern if p != "x"]
    if len(set(kept)) != len(kept) or builtins.any(not isinstance(p, numbers.Integral) or not 0 <= p < x.ndim
                                                   for p in kept):
        raise ValueError(f"dimshuffle: invalid pattern {pattern} for a {x.ndim}-D input")
    dropped = [i for i in range(x.ndim) if i not in kept]
    for i in dropped:
        if not x.broadcastable[i]:
            raise ValueError(f"You cannot drop a non-broadcastable dimension: dimension {i} of {x!r} "
                             f"(broadcastable {x.broadcastable}), pattern {pattern}.")
    bcast = tuple(True if p == "x" else x.broadcastable[p] for p in pattern)
    if pattern == tuple(range(x.ndim)):
        return x

    def lower(L, v):
        dims = static_shape(v, "dimshuffle")
        perm = kept + dropped
        if perm != sorted(perm):
            v = np.transpose(v, perm) if is_static(v) else tf.transpose(v, perm)
        return _reshape_to(v, [1 if p == "x" else dims[p] for p in pattern])
    return apply("DimShuffle", lower, [x], [TensorType(x.dtype, bcast)])


def transpose(x, axes=None):
    x = as_variable(x)
    axes = tuple(reversed(range(x.ndim))) if axes is None else tuple(axes)
    return dimshuffle(x, axes)


def flatten(x, ndim=1, outdim=None):
    """The leading ndim-1 dimensions kept, the rest folded into the last."""
    x = as_variable(x)
    ndim = ndim if outdim is None else outdim
    if not 1 <= ndim <= builtins.max(x.ndim, 1):
        raise ValueError(f"flatten: ndim={ndim} must be between 1 and {x.ndim}")
    bcast = x.broadcastable[:ndim - 1] + (builtins.all(x.broadcastable[ndim - 1:]),)

    def lower(L, v):
        dims = static_shape(v, "flatten")
        return _reshape_to(v, list(dims[:ndim - 1]) + [int(np.prod(dims[ndim - 1:]))])
    return apply("Flatten", lower, [x], [TensorType(x.dtype, bcast)])


def reshape(x, newshape, ndim=None):
    """x with a new shape: a list whose entries are ints or integer scalars known when lowering (shapes,
    constants), -1 at most once; or an integer vector of length `ndim`."""
    x = as_variable(x)
    if isinstance(newshape, Variable):
        if ndim is None and newshape.ndim == 1 and isinstance(newshape, TensorConstant):
            ndim = len(newshape.data)
        if ndim is None:
            raise ValueError("The length of the provided shape (%s) cannot be automatically determined, so "
                             "Theano is not able to know what the number of dimensions of the reshaped "
                             "variable will be. You can provide the 'ndim' keyword argument to 'reshape' to "
                             "avoid this problem." % newshape)
        parts = [newshape]
        bcast = (False,) * ndim
    else:
        parts = [_tensor_arg(s, None) if not isinstance(s, Variable) else s for s in newshape]
        ndim = len(parts)
        bcast = tuple(constant_value(p) is not None and np.ndim(constant_value(p)) == 0 and
                      int(constant_value(p)) == 1 for p in parts)

    def lower(L, v, *dims):
        flat = [int(d) for s in dims for d in np.ravel(s)]
        if len(flat) != ndim:
            raise ValueError(f"reshape: got {len(flat)} dimensions, expected {ndim}")
        return _reshape_to(v, flat)
    return apply("Reshape", lower, [x] + parts, [TensorType(x.dtype, bcast)],
                 static=range(1, 1 + len(parts)))


def concatenate(tensor_list, axis=0):
    vs = _operands(*tensor_list)
    dt = upcast(*[v.dtype for v in vs])
    nd = vs[0].ndim
    if builtins.any(v.ndim != nd for v in vs):
        raise TypeError("Join() can only join tensors with the same number of dimensions.")
    ax = axis % nd
    bcast = tuple(False if i == ax else builtins.all(v.broadcastable[i] for v in vs) for i in range(nd))

    def lower(L, *vals):
        if builtins.all(is_static(v) for v in vals):
            return np.concatenate(vals, axis=ax).astype(dt)
        return tf.concat([as_tf(v, dt) for v in vals], axis=ax)
    return apply("Join", lower, vs, [TensorType(dt, bcast)])


def join(axis, *tensors):
    return concatenate(list(tensors), axis=axis)


def stack(tensors, axis=0):
    vs = _operands(*tensors)
    ax = axis % (vs[0].ndim + 1)
    return concatenate([v.dimshuffle(list(range(ax)) + ["x"] + list(range(ax, v.ndim))) for v in vs], axis=ax)


def arange(start, stop=None, step=1, dtype=None):
    """numpy.arange of integers known when lowering (shapes, constants)."""
    if stop is None:
        start, stop = 0, start
    parts = _operands(start, stop, step)
    dt = dtype or upcast(*[p.dtype for p in parts])
    return apply("ARange", lambda L, a, b, c: np.arange(a, b, c, dtype=dt), parts, [TensorType(dt, (False,))],
                 static=(0, 1, 2))


def alloc(value, *shape):
    """An array of `shape` (values known when lowering) filled with `value` (broadcast)."""
    value = as_variable(value)
    parts = [_tensor_arg(s) for s in shape]
    bcast = tuple(constant_value(p) is not None and int(constant_value(p)) == 1 for p in parts)

    def lower(L, v, *dims):
        dims = [int(d) for d in dims]
        if is_static(v):
            return np.broadcast_to(np.asarray(v, value.dtype), dims).copy()
        return tf.add(tf.zeros(dims, dtype=tf_dtype(value.dtype)), v)
    return apply("Alloc", lower, [value] + parts, [TensorType(value.dtype, bcast)],
                 static=range(1, 1 + len(parts)))


def _filled(name, fill):
    def op(model, dtype=None):
        model = as_variable(model)
        dt = dtype or model.dtype

        def lower(L, v):
            return np.full(static_shape(v, name), fill, dtype=dt)
        return apply(name, lower, [model], [TensorType(dt, model.broadcastable)])
    op.__name__ = name
    return op


zeros_like = _filled("zeros_like", 0)
ones_like = _filled("ones_like", 1)


def zeros(shape, dtype=None):
    return alloc(np.asarray(0, dtype=dtype or _floatX()), *shape)


def ones(shape, dtype=None):
    return alloc(np.asarray(1, dtype=dtype or _floatX()), *shape)


def fill(model, value):
    return alloc(value, *[as_variable(model).shape[i] for i in range(as_variable(model).ndim)])


# ---------------------------------------------------------------- indexing

def subtensor(x, index):
    """x[index]: ints and slices (bounds known when lowering) and None; or integer-vector (advanced)
    indexing of the first axis (x[ids], a row gather) or of the first two (x[rows, cols])."""
    x = as_variable(x)
    items = index if isinstance(index, tuple) else (index,)
    advanced = [i for i, it in enumerate(items)
                if isinstance(it, (Variable, list, np.ndarray)) and as_variable(it).ndim > 0]
    if advanced:
        return _advanced(x, items, advanced)
    rows = _row_slice(x, items)
    if rows is not None:
        return rows
    inputs, spec, bcast, axis = [x], [], [], 0
    for it in items:
        if it is None:
            spec.append(("new",))
            bcast.append(True)
        elif isinstance(it, slice):
            bounds = []
            for b in (it.start, it.stop, it.step):
                if b is None:
                    bounds.append(None)
                else:
                    bounds.append(len(inputs))
                    inputs.append(_tensor_arg(b))
            spec.append(("slice", *bounds))
            bcast.append(x.broadcastable[axis] if axis < x.ndim and it == slice(None) else False)
            axis += 1
        else:
            spec.append(("int", len(inputs)))
            inputs.append(_tensor_arg(it))
            axis += 1
    if axis > x.ndim:
        raise ValueError(f"too many indices for a {x.ndim}-D variable {x!r}: {index!r}")
    bcast.extend(x.broadcastable[axis:])

    def lower(L, v, *vals):
        vals = (None,) + vals
        idx, new_axes, out_axis = [], [], 0
        for s in spec:
            if s[0] == "new":
                new_axes.append(out_axis)
                out_axis += 1
            elif s[0] == "slice":
                idx.append(slice(*[None if b is None else int(vals[b]) for b in s[1:]]))
                out_axis += 1
            else:
                idx.append(int(vals[s[1]]))
        idx = tuple(idx)
        if idx and not builtins.all(i == slice(None) for i in idx):
            v = np.asarray(v)[idx] if is_static(v) else v[idx]
        if new_axes:
            dims = list(static_shape(v, "subtensor"))
            for a in new_axes:
                dims.insert(a, 1)
            v = _reshape_to(v, dims)
        return v
    return apply("Subtensor", lower, inputs, [TensorType(x.dtype, tuple(bcast))], static=range(1, len(inputs)))


def _row_slice(x, items):
    """shared_data[a:b] (or of a cast of it) with bounds computed from the function's inputs (the tutorials'
    minibatch `index`): the rows are gathered by ids that the function computes on the host at each call
    (numpy.arange of the slice), so one lowering serves every index, as one Theano function does."""
    first = items[0] if items else None
    if not isinstance(first, slice) or any(not (isinstance(it, slice) and it == slice(None)) for it in items[1:]):
        return None
    bounds = [b for b in (first.start, first.stop, first.step) if isinstance(b, Variable)]
    if not bounds or all(isinstance(b, TensorConstant) for b in bounds):
        return None
    n = _shared_rows(x)
    if n is None:
        return None
    for b in bounds:
        if b.ndim != 0 or np.dtype(b.dtype).kind not in "iu":
            raise TypeError(f"slice bounds must be integer scalars, got {b!r} of type {b.type}")
    ids = TensorType("int64", (False,))(f"{x}_rows")
    ids.tag.host_rows = (first, n)

    def lower(L, v, i):
        dims = static_shape(v, "subtensor")
        flat = v if len(dims) == 2 else tf.reshape(v, [dims[0], int(np.prod(dims[1:])) if dims[1:] else 1])
        return _reshape_to(tf.nn.embedding_lookup(flat, i), [static_shape(i)[0]] + list(dims[1:]))
    return apply("Subtensor", lower, [x, ids], [TensorType(x.dtype, (False,) + x.broadcastable[1:])],
                 _closure=tuple(bounds))


def _shared_rows(x):
    """The number of rows of a shared variable, or of a cast of one; None for anything else."""
    while x.owner is not None and x.owner.op == "cast":
        x = x.owner.inputs[0]
    return x._shape[0] if isinstance(x, SharedVariable) and x.ndim > 0 else None


def _advanced(x, items, advanced):
    if advanced == [0] and builtins.all(isinstance(it, slice) and it == slice(None) for it in items[1:]):
        ids = as_variable(items[0])
        _int_check(ids)
        bcast = ids.broadcastable + x.broadcastable[1:]

        def lower(L, v, i):
            dims = static_shape(v, "advanced indexing")
            rows = v if len(dims) == 2 else tf.reshape(v, [dims[0], int(np.prod(dims[1:]))]) if dims[1:] \
                else tf.reshape(v, [dims[0], 1])
            ids_shape = static_shape(i)
            out = tf.nn.embedding_lookup(rows, _wrapped(i, dims[0]))
            return _reshape_to(out, list(ids_shape) + list(dims[1:]))
        return apply("AdvancedSubtensor1", lower, [x, ids], [TensorType(x.dtype, bcast)])
    if advanced == [0, 1] and len(items) == 2 and x.ndim == 2:
        rows, cols = as_variable(items[0]), as_variable(items[1])
        _int_check(rows)
        _int_check(cols)

        def lower(L, v, r, c):
            n, m = static_shape(v, "advanced indexing")
            flat_ids = tf.add(tf.multiply(as_tf(r, "int64"), as_tf(np.int64(m), "int64")), as_tf(c, "int64"))
            picked = tf.nn.embedding_lookup(tf.reshape(v, [n * m, 1]), flat_ids)
            return tf.reshape(picked, list(static_shape(flat_ids)))
        return apply("AdvancedSubtensor", lower, [x, rows, cols], [TensorType(x.dtype, _bcast(rows, cols))])
    raise NotImplementedError(f"advanced indexing {items!r} of {x!r}: supported are x[int_vector] (rows, with "
                              "the other dimensions whole) and matrix[int_vector, int_vector]")


def _wrapped(ids, n):
    """Integer ids with negative ones counted from the end (NumPy's and Theano's indexing); beyond the
    size either way, the shared kernel raises IndexError naming the id."""
    if is_static(ids):
        ids = np.asarray(ids, dtype="int64")
        return tf.constant(np.where(ids < 0, ids + n, ids))
    ids = as_tf(ids, "int64")
    return tf.where(tf.less(ids, np.int64(0)), tf.add(ids, np.int64(n)), ids)


def _int_check(v):
    if np.dtype(v.dtype).kind not in "iu":
        raise TypeError(f"index must be integers, got {v!r} of dtype {v.dtype}")


def set_subtensor(x, y, inplace=False, tolerate_inplace_aliasing=False):
    raise NotImplementedError("set_subtensor is not supported here: build the value with concatenate or "
                              "switch instead")


def inc_subtensor(x, y, inplace=False, set_instead_of_inc=False, tolerate_inplace_aliasing=False):
    raise NotImplementedError("inc_subtensor is not supported here: build the value with concatenate or "
                              "switch instead")


# ---------------------------------------------------------------- gradient (theano.tensor.grad)

def grad(cost, wrt, consider_constant=None, disconnected_inputs="raise", add_names=True, known_grads=None,
         return_disconnected="zero", null_gradients="raise"):
    from ..gradient import grad as _grad
    return _grad(cost, wrt, consider_constant=consider_constant, disconnected_inputs=disconnected_inputs,
                 return_disconnected=return_disconnected)


from . import nnet, signal  # noqa: E402,F401  (submodules: T.nnet.softmax, T.signal.pool)
