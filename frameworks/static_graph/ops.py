"""Op constructors (TF's array_ops, math_ops, state_ops): each adds one node, computed by a shared kernel."""
import numbers

import numpy as np

from frameworks import kernels as K
from .graph import (Tensor, TensorShape, as_dtype, as_operation, bool_, float32, get_default_graph, int32,
                    int64)


# ---------------------------------------------------------------- conversion

def convert_to_tensor(value, dtype=None, name=None, dtype_hint=None):
    """A Tensor for `value`: tensors pass through; Python/NumPy values become a Const."""
    if isinstance(value, Tensor):
        if dtype is not None and as_dtype(dtype) != value.dtype:
            raise ValueError(f"Tensor conversion requested dtype {as_dtype(dtype).name} for Tensor with "
                             f"dtype {value.dtype.name}: {value!r}")
        return value
    if hasattr(value, "_as_graph_element"):
        return value._as_graph_element()
    return constant(value, dtype=dtype or dtype_hint, name=name)


def _pair(a, b):
    """Binary operands as tensors: a Python scalar takes the other operand's dtype (keeps float32)."""
    if not isinstance(a, Tensor) and isinstance(b, Tensor):
        a = convert_to_tensor(a, dtype=b.dtype if isinstance(a, numbers.Number) else None)
    elif not isinstance(b, Tensor) and isinstance(a, Tensor):
        b = convert_to_tensor(b, dtype=a.dtype if isinstance(b, numbers.Number) else None)
    else:
        a, b = convert_to_tensor(a), convert_to_tensor(b)
    if a.dtype != b.dtype:
        raise TypeError(f"Input 'y' of op has type {b.dtype.name} that does not match type "
                        f"{a.dtype.name} of argument 'x' ({a.name}, {b.name})")
    return a, b


def kernel_op(op_type, kernel, inputs, name=None, /, **attrs):
    """Add a node computed by `kernel`; shapes are checked now, through the kernel's `infer`.
    (Positional-only, so kernel attributes such as max_pool2d's `kernel` pass through.)"""
    op = get_default_graph().create_op(op_type, inputs, attrs, name, kernel=kernel)
    return op.outputs[0] if len(op.outputs) == 1 else tuple(op.outputs)


def graph_op(op_type, inputs, outputs, name=None, /, **attrs):
    """Add a node with no kernel (state, control, feeds); `outputs` is a list of (dtype, shape)."""
    return get_default_graph().create_op(op_type, inputs, attrs, name, outputs=outputs)


# ---------------------------------------------------------------- sources

def placeholder(dtype, shape=None, name=None):
    """A value that must be fed to Session.run; None dimensions accept any size."""
    dtype = as_dtype(dtype)
    # TF takes a bare int as a 1-D shape: shape=(batch_size) in fully_connected_feed.py is [batch_size]
    shape = None if shape is None else (int(shape),) if isinstance(shape, numbers.Integral) else tuple(shape)
    return graph_op("Placeholder", [], [(dtype, shape)], name or "Placeholder",
                    dtype=dtype, shape=shape).outputs[0]


def placeholder_with_default(input, shape, name=None):  # noqa: A002
    """A placeholder that yields `input` when it is not fed (e.g. a `training` flag defaulting to False)."""
    default = convert_to_tensor(input)
    shape = tuple(shape)
    if default.shape.dims is not None and not TensorShape(shape).is_compatible_with(default.shape.dims):
        raise ValueError(f"placeholder_with_default: default of shape {default.shape} does not fit {shape}")
    return graph_op("PlaceholderWithDefault", [default], [(default.dtype, shape)],
                    name or "PlaceholderWithDefault").outputs[0]


def _bytes(value):
    """Python/NumPy text as TF's string values: bytes in an object array (a str is UTF-8 encoded)."""
    enc = np.vectorize(lambda v: v.encode() if isinstance(v, str) else bytes(v), otypes=[object])
    return enc(np.array(value, dtype=object))


def constant(value, dtype=None, shape=None, name="Const"):
    if isinstance(value, (str, bytes)) or (isinstance(value, (list, tuple, np.ndarray)) and
                                            np.asarray(value).dtype.kind in "SU"):
        arr = _bytes(value)
        if shape is not None:
            arr = np.broadcast_to(arr, tuple(shape)).copy()
        arr.flags.writeable = False
        return graph_op("Const", [], [(as_dtype(object), arr.shape)], name, value=arr).outputs[0]
    if dtype is None and isinstance(value, float):
        dtype = float32   # TF infers float32 for Python floats
    elif dtype is None and isinstance(value, bool):
        dtype = None
    elif dtype is None and isinstance(value, int):
        dtype = int32
    arr = np.array(value, dtype=None if dtype is None else as_dtype(dtype).np)
    if dtype is None and not isinstance(value, np.ndarray):   # TF infers float32/int32 from Python values
        if arr.dtype == np.float64:
            arr = arr.astype(np.float32)
        elif arr.dtype == np.int64 and np.abs(arr).max(initial=0) < 2 ** 31:
            arr = arr.astype(np.int32)
    if shape is not None:
        arr = np.broadcast_to(arr, tuple(shape)).copy()
    arr.flags.writeable = False
    return graph_op("Const", [], [(as_dtype(arr.dtype), arr.shape)], name, value=arr).outputs[0]


def _dims(shape):
    return (int(shape),) if isinstance(shape, numbers.Integral) else tuple(int(s) for s in shape)


def zeros(shape, dtype=float32, name="zeros"):
    return constant(np.zeros(_dims(shape), as_dtype(dtype).np), name=name)


def ones(shape, dtype=float32, name="ones"):
    return constant(np.ones(_dims(shape), as_dtype(dtype).np), name=name)


def fill(dims, value, name="Fill", dtype=None):
    """An array of run-time shape `dims` (a 1-D integer tensor) filled with `value`."""
    dims = convert_to_tensor(dims)
    dtype = as_dtype(dtype) if dtype is not None else convert_to_tensor(value).dtype
    n = dims.shape.dims[0] if dims.shape.dims else None
    return graph_op("Fill", [dims], [(dtype, None if n is None else (None,) * n)], name, value=value,
                    dtype=dtype).outputs[0]


def zeros_like(tensor, name="zeros_like"):
    t = convert_to_tensor(tensor)
    return graph_op("ZerosLike", [t], [(t.dtype, t.shape.dims)], name).outputs[0]


def ones_like(tensor, name="ones_like"):
    t = convert_to_tensor(tensor)
    return graph_op("OnesLike", [t], [(t.dtype, t.shape.dims)], name).outputs[0]


def _random(op_type, shape, dtype, seed, name, **attrs):
    g, shape = get_default_graph(), _dims(shape)
    # TF's rule: graph seed + op seed; an op seed alone uses a fixed graph seed; neither is random
    op_seed = seed if seed is not None else (g._version if g.seed is not None else None)
    return graph_op(op_type, [], [(as_dtype(dtype), tuple(shape))], name, shape=tuple(shape),
                    dtype=as_dtype(dtype), seed=(g.seed, op_seed), **attrs).outputs[0]


def _random_scaled(op_type, shape, mean, stddev, dtype, seed, name):
    """TF's composition: mean + stddev * draw. Number parameters go into the draw; a tensor one (or a
    run-time shape, e.g. tf.shape(z_std) in a VAE) makes the draw standard and scales it in the graph."""
    if not isinstance(shape, Tensor) and not isinstance(mean, Tensor) and not isinstance(stddev, Tensor):
        return _random(op_type, shape, dtype, seed, name, mean=mean, stddev=stddev)
    with get_default_graph().name_scope(name):
        if isinstance(shape, Tensor):
            g = get_default_graph()
            op_seed = seed if seed is not None else (g._version if g.seed is not None else None)
            n = shape.shape.dims[0] if shape.shape.dims else None
            z = graph_op(op_type + "Dynamic", [shape], [(as_dtype(dtype), None if n is None else (None,) * n)],
                         op_type, dtype=as_dtype(dtype), seed=(g.seed, op_seed), mean=0.0,
                         stddev=1.0).outputs[0]
        else:
            z = _random(op_type, shape, dtype, seed, op_type, mean=0.0, stddev=1.0)
        return add(multiply(z, convert_to_tensor(stddev, dtype=dtype)), convert_to_tensor(mean, dtype=dtype))


def random_normal(shape, mean=0.0, stddev=1.0, dtype=float32, seed=None, name="random_normal"):
    return _random_scaled("RandomStandardNormal", shape, mean, stddev, dtype, seed, name)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=float32, seed=None, name="truncated_normal"):
    return _random_scaled("TruncatedNormal", shape, mean, stddev, dtype, seed, name)


def random_uniform(shape, minval=0.0, maxval=1.0, dtype=float32, seed=None, name="random_uniform"):
    return _random("RandomUniform", shape, dtype, seed, name, minval=minval, maxval=maxval)


def random_uniform_like(x, seed=None, name="random_uniform"):
    """uniform [0, 1) of x's run-time shape (TF's random_uniform(tf.shape(x)), for dropout masks)."""
    x = convert_to_tensor(x)
    g = get_default_graph()
    op_seed = seed if seed is not None else (g._version if g.seed is not None else None)
    return graph_op("RandomUniformLike", [x], [(x.dtype, x.shape.dims)], name, dtype=x.dtype,
                    seed=(g.seed, op_seed)).outputs[0]


# ---------------------------------------------------------------- math

def matmul(a, b, transpose_a=False, transpose_b=False, name=None):
    a, b = _pair(a, b)
    return kernel_op("MatMul", K.matmul, [a, b], name, transpose_a=transpose_a, transpose_b=transpose_b)


def einsum(equation, *inputs, **kwargs):
    """tf.einsum('ij,jk->ik', a, b, name=None): one Einsum node (the shared einsum kernel)."""
    name = kwargs.pop("name", None)
    if kwargs:
        raise TypeError(f"invalid keyword arguments for this function: {', '.join(sorted(kwargs))}")
    return kernel_op("Einsum", K.einsum, [convert_to_tensor(t) for t in inputs], name, equation=equation)


def _binary(op_type, kernel, py_name):
    def op(x, y, name=None):
        return kernel_op(op_type, kernel, list(_pair(x, y)), name)
    op.__name__ = py_name
    op.__doc__ = f"Elementwise {op_type} with broadcasting, through the shared `{kernel.name}` kernel."
    return op


add = _binary("Add", K.add, "add")
subtract = _binary("Sub", K.sub, "subtract")
multiply = _binary("Mul", K.mul, "multiply")
divide = _binary("RealDiv", K.div, "divide")
maximum = _binary("Maximum", K.maximum, "maximum")
minimum = _binary("Minimum", K.minimum, "minimum")


def negative(x, name=None):
    return kernel_op("Neg", K.neg, [convert_to_tensor(x)], name)


def pow(x, y, name=None):  # noqa: A001  (TF's name)
    """x ** y: the shared kernel for a Python-number exponent; a tensor exponent (a decay schedule's
    rate ** step) is a graph op, x ** y elementwise in one xp call."""
    if isinstance(y, Tensor):
        x, y = _pair(x, y)
        return graph_op("Pow", [x, y], [(x.dtype, _broadcast("Pow", x, y))], name or "Pow").outputs[0]
    return kernel_op("Pow", K.pow, [convert_to_tensor(x)], name, exponent=float(y))


def _unary(op_type, kernel):
    def op(x, name=None):
        return kernel_op(op_type, kernel, [convert_to_tensor(x)], name)
    op.__name__ = op_type.lower()
    op.__doc__ = f"Elementwise {op_type} through the shared `{kernel.name}` kernel."
    return op


square = _unary("Square", K.square)
exp = _unary("Exp", K.exp)
log = _unary("Log", K.log)
relu = _unary("Relu", K.relu)
sigmoid = _unary("Sigmoid", K.sigmoid)
tanh = _unary("Tanh", K.tanh)


def clip_by_value(t, clip_value_min, clip_value_max, name=None):
    return kernel_op("ClipByValue", K.clip, [convert_to_tensor(t)], name,
                     lo=float(clip_value_min), hi=float(clip_value_max))


def _axis(axis):
    return tuple(axis) if isinstance(axis, (list, tuple)) else axis


def _reduce_args(axis, keepdims, reduction_indices, keep_dims):
    """TF1's deprecated spellings (reduction_indices=, keep_dims=), which the early tutorials use."""
    if reduction_indices is not None:
        if axis is not None:
            raise ValueError("Cannot specify both 'axis' and 'reduction_indices'.")
        axis = reduction_indices
    if keep_dims is not None:
        keepdims = keep_dims
    return _axis(axis), bool(keepdims)


def reduce_sum(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, keep_dims=None):
    axis, keepdims = _reduce_args(axis, keepdims, reduction_indices, keep_dims)
    return kernel_op("Sum", K.sum, [convert_to_tensor(input_tensor)], name, axis=axis, keepdims=keepdims)


def reduce_mean(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, keep_dims=None):
    axis, keepdims = _reduce_args(axis, keepdims, reduction_indices, keep_dims)
    return kernel_op("Mean", K.mean, [convert_to_tensor(input_tensor)], name, axis=axis, keepdims=keepdims)


# ---------------------------------------------------------------- shapes

def constant_value(tensor):
    """The value of `tensor` when the graph fixes it (tf.contrib.util.constant_value): a Const, the Shape of
    a tensor whose dimensions are all known, a slice, cast or identity of one; else None."""
    if not isinstance(tensor, Tensor):
        return np.asarray(tensor)
    op = tensor.op
    if op.type == "Const":
        return op.attrs["value"]
    if op.type == "Shape":
        dims = op.inputs[0].shape.dims
        return None if dims is None or None in dims else np.array(dims, op.attrs["dtype"].np)
    if op.type in ("StridedSlice", "Cast", "Identity"):
        v = constant_value(op.inputs[0])
        if v is None:
            return None
        return np.asarray(v[op.attrs["index"]]) if op.type == "StridedSlice" else \
            v.astype(op.attrs["dtype"].np) if op.type == "Cast" else v
    return None


def reshape(tensor, shape, name=None):
    """Static when the graph fixes the target shape (ints, or tensors constant_value folds: the common
    tf.shape(x) of a fully known x); else a Reshape whose shape tensor is read at run time, as TF's."""
    x = convert_to_tensor(tensor)
    parts = [shape] if isinstance(shape, Tensor) else list(shape)
    values = [constant_value(p) if isinstance(p, Tensor) else p for p in parts]
    if all(v is not None for v in values):
        static = [int(d) for v in values for d in np.ravel(v)]
        return kernel_op("Reshape", K.reshape, [x], name, shape=tuple(static))
    if isinstance(shape, Tensor):
        if shape.shape.dims is not None and len(shape.shape.dims) != 1:
            raise ValueError(f"Shape must be rank 1 but is rank {len(shape.shape.dims)} for '{x.op.name}/Reshape' "
                             f"(op: 'Reshape') with input shapes: {x.shape}, {shape.shape}.")
        target = cast(shape, int32)
    else:   # a list mixing ints and scalar tensors: one shape vector, as TF packs it
        target = stack([cast(p, int32) if isinstance(p, Tensor) else constant(int(p), int32) for p in parts])
    n = target.shape.dims[0] if target.shape.dims else None
    return graph_op("Reshape", [x, target], [(x.dtype, None if n is None else (None,) * n)], name,
                    dynamic=True).outputs[0]


def transpose(a, perm=None, name="transpose"):
    return kernel_op("Transpose", K.transpose, [convert_to_tensor(a)], name,
                     axes=None if perm is None else tuple(perm))


def concat(values, axis, name="concat"):
    return kernel_op("ConcatV2", K.concat, [convert_to_tensor(v) for v in values], name, axis=axis)


def split(value, num_or_size_splits, axis=0, name="split"):
    sections = num_or_size_splits if isinstance(num_or_size_splits, int) else tuple(num_or_size_splits)
    out = kernel_op("Split", K.split, [convert_to_tensor(value)], name, sections=sections, axis=axis)
    return list(out) if isinstance(out, tuple) else [out]


def slice_(tensor, index):
    """tensor[index] for ints and slices (TF's StridedSlice)."""
    index = index if isinstance(index, tuple) else (index,)
    return kernel_op("StridedSlice", K.slice, [tensor], None, index=index)


def identity(input, name=None):  # noqa: A002  (TF's name)
    t = convert_to_tensor(input)
    return graph_op("Identity", [t], [(t.dtype, t.shape.dims)], name or "Identity").outputs[0]


def add_n(inputs, name=None):
    inputs = [convert_to_tensor(t) for t in inputs]
    if len(inputs) == 1:
        return inputs[0]
    shape = inputs[0].shape.dims
    for t in inputs[1:]:
        if not t.shape.is_compatible_with(shape or ()) and t.shape.dims is not None and shape is not None:
            raise ValueError(f"AddN: all inputs must have the same shape, got {inputs[0].shape} "
                             f"and {t.shape}")
    return graph_op("AddN", inputs, [(inputs[0].dtype, shape)], name or "AddN").outputs[0]


def size(input, name="Size", out_type=int32):  # noqa: A002
    """The number of elements of `input` at run time (a scalar)."""
    x = convert_to_tensor(input)
    return graph_op("Size", [x], [(as_dtype(out_type), ())], name, dtype=as_dtype(out_type)).outputs[0]


def shape(input, name="Shape", out_type=int32):  # noqa: A002
    """The run-time shape of `input` (a 1-D integer tensor)."""
    x = convert_to_tensor(input)
    rank = None if x.shape.dims is None else (len(x.shape.dims),)
    return graph_op("Shape", [x], [(as_dtype(out_type), rank)], name, dtype=as_dtype(out_type)).outputs[0]


def pad(tensor, paddings, mode="CONSTANT", name=None, constant_values=0):
    """Pad with `constant_values`: paddings is [[before, after], ...] per dimension (TF's layout)."""
    if mode.upper() != "CONSTANT":
        raise ValueError(f"pad: only mode 'CONSTANT' is supported by the shared kernel, got {mode!r}")
    widths = tuple((int(a), int(b)) for a, b in paddings)
    return kernel_op("Pad", K.pad, [convert_to_tensor(tensor)], name, pad_width=widths,
                     constant_values=constant_values)


def cast(x, dtype, name="Cast"):
    x = convert_to_tensor(x)
    return graph_op("Cast", [x], [(as_dtype(dtype), x.shape.dims)], name, dtype=as_dtype(dtype)).outputs[0]


# ---------------------------------------------------------------- state and control

def assign(ref, value, name=None):
    """ref = value (copied into the variable's storage); returns the new value."""
    var = _variable(ref, "assign")
    value = convert_to_tensor(value, dtype=var.dtype)
    if not var.shape.is_compatible_with(value.shape.dims or ()) and value.shape.dims is not None:
        raise ValueError(f"Shapes {var.shape} and {value.shape} are incompatible in assign to {var.op.name}")
    return graph_op("Assign", [value], [(var.dtype, var.shape.dims)], name or "Assign",
                    var=var).outputs[0]


def assign_add(ref, value, name=None):
    var = _variable(ref, "assign_add")
    value = convert_to_tensor(value, dtype=var.dtype)
    return graph_op("AssignAdd", [var, value], [(var.dtype, var.shape.dims)], name or "AssignAdd",
                    var=var).outputs[0]


def assign_sub(ref, value, name=None):
    var = _variable(ref, "assign_sub")
    value = convert_to_tensor(value, dtype=var.dtype)
    return graph_op("AssignSub", [var, value], [(var.dtype, var.shape.dims)], name or "AssignSub",
                    var=var).outputs[0]


def _variable(ref, what):
    from .variables import Variable
    if not isinstance(ref, Variable):
        raise TypeError(f"{what} needs a Variable as its first argument, got {ref!r}")
    return ref


def no_op(name="NoOp"):
    return graph_op("NoOp", [], [], name)


def group(*inputs, name="group_deps"):
    """An op that runs everything in `inputs` (ops or tensors, nested lists allowed) and outputs nothing."""
    flat = []

    def walk(x):
        if isinstance(x, (list, tuple)):
            for y in x:
                walk(y)
        elif x is not None:
            flat.append(as_operation(x))
    walk(inputs)
    with get_default_graph().control_dependencies(flat):
        return no_op(name=name)


def tuple_(tensors, name=None):
    with get_default_graph().control_dependencies(list(tensors)):
        return [identity(t) for t in tensors]



# ---------------------------------------------------------------- comparisons, indices, selection

def typed_kernel_op(op_type, kernel, inputs, name, dtype, /, **attrs):
    """A kernel op whose output dtype is not its first input's (bool comparisons, int64 indices)."""
    op = get_default_graph().create_op(op_type, inputs, attrs, name, kernel=kernel)
    op.outputs[0].dtype = as_dtype(dtype)
    return op.outputs[0]


def _broadcast(op_type, *tensors):
    """The broadcast static shape of `tensors` (None when one has unknown rank)."""
    dims = [t.shape.dims for t in tensors]
    if None in dims:
        return None
    try:
        out = dims[0]
        for d in dims[1:]:
            out = K.elementwise.broadcast_shape(op_type, out, d)
        return out
    except K.ShapeError as e:
        listed = ", ".join(str(list(d)) for d in dims)
        raise ValueError(f"{e} for '{op_type}' with input shapes: {listed}.") from None


def _compare(op_type, kernel):
    def op(x, y, name=None):
        return typed_kernel_op(op_type, kernel, list(_pair(x, y)), name, bool_)
    op.__name__ = kernel.name
    op.__doc__ = f"Elementwise {op_type} through the shared `{kernel.name}` kernel (bool, no gradient)."
    return op


equal = _compare("Equal", K.equal)
not_equal = _compare("NotEqual", K.not_equal)
less = _compare("Less", K.less)
less_equal = _compare("LessEqual", K.less_equal)
greater = _compare("Greater", K.greater)
greater_equal = _compare("GreaterEqual", K.greater_equal)


def _logical(op_type, fn):
    def op(x, y, name=None):
        x, y = _pair(x, y)
        return graph_op(op_type, [x, y], [(bool_, _broadcast(op_type, x, y))], name or op_type,
                        fn=fn).outputs[0]
    op.__name__ = fn
    op.__doc__ = f"Elementwise {fn} of bool tensors (one xp call, no gradient)."
    return op


logical_and = _logical("LogicalAnd", "logical_and")
logical_or = _logical("LogicalOr", "logical_or")


def logical_not(x, name="LogicalNot"):
    x = convert_to_tensor(x)
    return graph_op("LogicalNot", [x], [(bool_, x.shape.dims)], name, fn="logical_not").outputs[0]


def _arg_reduce(op_type, kernel):
    def op(input, axis=None, name=None, dimension=None, output_type=int64):  # noqa: A002  (TF's names)
        x = convert_to_tensor(input)
        axis = dimension if axis is None else axis
        y = typed_kernel_op(op_type, kernel, [x], name, int64, axis=0 if axis is None else int(axis))
        return y if as_dtype(output_type) == int64 else cast(y, output_type)
    op.__name__ = kernel.name
    op.__doc__ = f"The index of the {kernel.name[3:]} along `axis` (the shared `{kernel.name}` kernel)."
    return op


argmax = _arg_reduce("ArgMax", K.argmax)
argmin = _arg_reduce("ArgMin", K.argmin)


def floor(x, name="Floor"):
    """Elementwise floor; TF gives it no gradient (None)."""
    x = convert_to_tensor(x)
    return graph_op("Floor", [x], [(x.dtype, x.shape.dims)], name, fn="floor").outputs[0]


def where(condition, x=None, y=None, name="Select"):
    """Elementwise select (TF1's tf.where with x and y, the shared `where` kernel): the gradient flows to
    x where true, to y where false."""
    if x is None or y is None:
        raise ValueError("tf.where: only the three-argument form (condition, x, y) is supported; the "
                         "one-argument form returns coordinates, use np.argwhere on a fetched value")
    cond = convert_to_tensor(condition)
    x, y = _pair(x, y)
    return typed_kernel_op("Select", K.where, [cond, x, y], name, x.dtype)   # not the condition's dtype


def stop_gradient(input, name="StopGradient"):  # noqa: A002
    """The value of `input`, through which tf.gradients does not pass."""
    t = convert_to_tensor(input)
    return graph_op("StopGradient", [t], [(t.dtype, t.shape.dims)], name).outputs[0]


def one_hot(indices, depth, on_value=1.0, off_value=0.0, axis=-1, dtype=float32, name="one_hot"):
    """(…,) integer ids -> (…, depth), on_value at each id; an out-of-range id gives a row of off_value,
    as TF's does (the shared `one_hot` kernel with out_of_range="zeros")."""
    ids = convert_to_tensor(indices)
    if not ids.dtype.is_integer:
        raise TypeError(f"one_hot: indices must be integers, got {ids.dtype.name} ({ids.name})")
    if axis != -1:
        raise ValueError("one_hot: only axis=-1 is supported")
    dtype = as_dtype(dtype)
    return typed_kernel_op("OneHot", K.one_hot, [ids], name, dtype, depth=int(depth), dtype=dtype.name,
                           on_value=on_value, off_value=off_value, out_of_range="zeros")


def _reduce_extreme(op_type, fn):
    def op(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, keep_dims=None):
        x = convert_to_tensor(input_tensor)
        axis, keepdims = _reduce_args(axis, keepdims, reduction_indices, keep_dims)
        shape = None if x.shape.dims is None else K.sum.infer(x.shape.dims, axis=axis, keepdims=keepdims)
        return graph_op(op_type, [x], [(x.dtype, shape)], name or op_type, fn=fn, axis=axis,
                        keepdims=keepdims).outputs[0]
    op.__name__ = f"reduce_{fn}"
    op.__doc__ = f"{fn} over `axis`; the gradient goes to the extreme entries, shared among ties (as TF)."
    return op


reduce_max = _reduce_extreme("Max", "max")
reduce_min = _reduce_extreme("Min", "min")


# ---------------------------------------------------------------- composite math (from kernel ops)

sqrt = _unary("Sqrt", K.sqrt)
rsqrt = _unary("Rsqrt", K.rsqrt)
abs = _unary("Abs", K.abs)  # noqa: A001


def reciprocal(x, name=None):
    return pow(x, -1.0, name=name)


def expand_dims(input, axis, name=None):  # noqa: A002
    x = convert_to_tensor(input)
    dims = list(x.shape.as_list())
    axis = axis if axis >= 0 else len(dims) + 1 + axis
    return reshape(x, _target(dims[:axis] + [1] + dims[axis:], x, "expand_dims"), name=name)


def _target(dims, x, what):
    """A reshape target from static dims: one unknown dimension becomes -1."""
    if dims.count(None) > 1:
        raise ValueError(f"{what}: {x.name} has more than one unknown dimension ({x.shape})")
    return [-1 if d is None else d for d in dims]


def squeeze(input, axis=None, name=None):  # noqa: A002
    x = convert_to_tensor(input)
    dims = list(x.shape.as_list())
    axes = [i for i, d in enumerate(dims) if d == 1] if axis is None else \
        [a % len(dims) for a in ([axis] if isinstance(axis, int) else axis)]
    for a in axes:
        if dims[a] != 1:
            raise ValueError(f"Can not squeeze dim[{a}], expected a dimension of 1, got {dims[a]} for "
                             f"'Squeeze' with input shapes: {dims}.")
    return reshape(x, _target([d for i, d in enumerate(dims) if i not in axes], x, "squeeze"), name=name)


def stack(values, axis=0, name="stack"):
    """Pack same-shaped tensors along a new axis: reshape each, then one ConcatV2."""
    values = [convert_to_tensor(v) for v in values]
    with get_default_graph().name_scope(name):
        return concat([expand_dims(v, axis) for v in values], axis=axis)


def unstack(value, num=None, axis=0, name="unstack"):
    """The tensors along `axis` (its size must be static): one Split, then a reshape each."""
    value = convert_to_tensor(value)
    dims = value.shape.dims
    if dims is None or dims[axis] is None:
        if num is None:
            raise ValueError(f"Cannot infer num from shape {value.shape}")
    n = dims[axis] if num is None else num
    with get_default_graph().name_scope(name):
        parts = split(value, n, axis=axis) if n > 1 else [value]
        return [squeeze(p, axis=axis) for p in parts]


# ---------------------------------------------------------------- more of TF's math and array ops

def to_float(x, name="ToFloat"):
    return cast(x, float32, name=name)


def to_double(x, name="ToDouble"):
    return cast(x, "float64", name=name)


def to_int32(x, name="ToInt32"):
    return cast(x, int32, name=name)


def to_int64(x, name="ToInt64"):
    return cast(x, int64, name=name)


def squared_difference(x, y, name=None):
    """(x - y) ** 2 elementwise."""
    with get_default_graph().name_scope(name or "SquaredDifference"):
        return square(subtract(x, y))


def log1p(x, name=None):
    x = convert_to_tensor(x)
    return log(add(x, 1.0), name=name)


def sign(x, name=None):
    return kernel_op("Sign", K.sign, [convert_to_tensor(x)], name)


def tile(input, multiples, name=None):  # noqa: A002
    return kernel_op("Tile", K.tile, [convert_to_tensor(input)], name, reps=tuple(int(m) for m in multiples))


def gather(params, indices, validate_indices=None, name=None, axis=0):
    """Whole slices of `params` along `axis` at `indices` (the shared `take` kernel; an index out of range
    is an error, as on TF's CPU)."""
    params, ids = convert_to_tensor(params), convert_to_tensor(indices)
    if not ids.dtype.is_integer:
        raise TypeError(f"gather: indices must be int32 or int64, got {ids.dtype.name} ({ids.name})")
    return kernel_op("GatherV2", K.take, [params, ids], name, axis=int(axis))


def range(start, limit=None, delta=1, dtype=None, name="range"):  # noqa: A001  (TF's name)
    """[start, limit) by delta; the bounds may be run-time scalars (tf.range(0, tf.shape(x)[0]))."""
    if limit is None:
        start, limit = 0, start
    args = [start, limit, delta]
    if dtype is None:
        floats = any(isinstance(a, float) or (isinstance(a, Tensor) and a.dtype.is_floating) for a in args)
        dtype = next((a.dtype for a in args if isinstance(a, Tensor)), float32 if floats else int32)
    dtype = as_dtype(dtype)
    ts = [convert_to_tensor(a, dtype=dtype) for a in args]
    if all(not isinstance(a, Tensor) for a in args):
        n = len(np.arange(start, limit, delta))
    else:
        n = None
    return graph_op("Range", ts, [(dtype, (n,))], name, dtype=dtype).outputs[0]


def reduce_prod(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, keep_dims=None):
    """Product over `axis` (the shared prod kernel: its gradient is exact where an entry is zero, as TF's
    _ProdGrad, which also uses exclusive cumulative products)."""
    axis, keepdims = _reduce_args(axis, keepdims, reduction_indices, keep_dims)
    return kernel_op("Prod", K.prod, [convert_to_tensor(input_tensor)], name, axis=axis, keepdims=keepdims)


def _reduce_bool(op_type, fn):
    def op(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, keep_dims=None):
        x = convert_to_tensor(input_tensor)
        axis, keepdims = _reduce_args(axis, keepdims, reduction_indices, keep_dims)
        shape = None if x.shape.dims is None else K.sum.infer(x.shape.dims, axis=axis, keepdims=keepdims)
        return graph_op(op_type, [x], [(bool_, shape)], name or op_type, fn=fn, axis=axis,
                        keepdims=keepdims).outputs[0]
    op.__name__ = f"reduce_{fn}"
    op.__doc__ = f"Logical {fn} over `axis` (no gradient)."
    return op


reduce_any = _reduce_bool("Any", "any")
reduce_all = _reduce_bool("All", "all")
