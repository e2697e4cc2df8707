"""Every operator of nd and sym, written ONCE against an emitter `E`, so the eager path, the symbolic
graph and the cached-graph compiler share one definition (MXNet's op names and attributes).

An op is `def name(E, *inputs, **attrs)`: positional parameters are inputs (NDArrays, Symbols or
compile-time values; trailing ones may be None), keyword-only parameters are attributes. The emitter:
    E.call(kernel, inputs, attrs) -> value (a tuple for multi-output kernels)
    E.shape(value)                -> its shape (known at trace time: graphs are traced per shape)
    E.zeros(shape, dtype, like)   -> a constant of zeros on the device of value `like`
"""
import inspect

from .. import kernels as K

OPS = {}
N_OUTPUTS = {}  # op name -> attrs -> number of outputs, for multi-output ops


def op(fn=None, *, n_out=None):
    def file(f):
        OPS[f.__name__] = f
        if n_out is not None:
            N_OUTPUTS[f.__name__] = n_out
        f.signature = inspect.signature(f)
        return f
    return file(fn) if fn is not None else file


def _tuple(v, n=2):
    return (v,) * n if isinstance(v, int) else tuple(v)


# ---------------------------------------------------------------- elementwise

def _binary(name, kernel):
    def f(E, lhs, rhs):
        return E.call(kernel, (lhs, rhs), {})
    f.__name__ = name
    f.__doc__ = f"{name}(lhs, rhs): elementwise with broadcasting (the shared `{kernel.name}` kernel)."
    return op(f)


for _names, _k in ((("broadcast_add", "elemwise_add", "add"), K.add),
                   (("broadcast_sub", "elemwise_sub", "subtract"), K.sub),
                   (("broadcast_mul", "elemwise_mul", "multiply"), K.mul),
                   (("broadcast_div", "elemwise_div", "divide"), K.div),
                   (("broadcast_maximum", "maximum"), K.maximum),
                   (("broadcast_minimum", "minimum"), K.minimum)):
    for _n in _names:
        _binary(_n, _k)


def _unary(name, kernel):
    def f(E, data):
        return E.call(kernel, (data,), {})
    f.__name__ = name
    f.__doc__ = f"{name}(data) (the shared `{kernel.name}` kernel)."
    return op(f)


for _n, _k in (("relu", K.relu), ("sigmoid", K.sigmoid), ("tanh", K.tanh), ("exp", K.exp),
               ("log", K.log), ("square", K.square), ("negative", K.neg)):
    _unary(_n, _k)


# scalar forms of the operators (MXNet's _plus_scalar etc.): the scalar is an attribute
def _scalar(name, kernel, reverse=False):
    def f(E, data, *, scalar):
        return E.call(kernel, (scalar, data) if reverse else (data, scalar), {})
    f.__name__ = name
    side = "left" if reverse else "right"
    f.__doc__ = f"{name}(data, scalar=s): the `{kernel.name}` kernel with the scalar on the {side}."
    return op(f)


for _n, _k, _rev in (("_plus_scalar", K.add, False), ("_minus_scalar", K.sub, False),
                     ("_rminus_scalar", K.sub, True), ("_mul_scalar", K.mul, False),
                     ("_div_scalar", K.div, False), ("_rdiv_scalar", K.div, True)):
    _scalar(_n, _k, _rev)


@op
def _power_scalar(E, data, *, scalar):
    return E.call(K.pow, (data,), {"exponent": scalar})


@op
def clip(E, data, *, a_min, a_max):
    """clip(data, a_min, a_max); the gradient is zero outside the range."""
    return E.call(K.clip, (data,), {"lo": a_min, "hi": a_max})


@op
def Activation(E, data, *, act_type):
    """act_type: 'relu', 'sigmoid' or 'tanh'."""
    kernels = {"relu": K.relu, "sigmoid": K.sigmoid, "tanh": K.tanh}
    if act_type not in kernels:
        raise ValueError(f"Activation: unknown act_type {act_type!r}; known: {', '.join(kernels)}")
    return E.call(kernels[act_type], (data,), {})


# ---------------------------------------------------------------- reductions and shapes

def _reduce_axes(E, data, axis, exclude):
    if not exclude:
        return axis
    nd = len(E.shape(data))
    keep = {a % nd for a in _tuple(axis, 1)}
    return tuple(a for a in range(nd) if a not in keep)


@op
def sum(E, data, *, axis=None, keepdims=False, exclude=False):  # noqa: A001  (MXNet's name)
    return E.call(K.sum, (data,), {"axis": _reduce_axes(E, data, axis, exclude), "keepdims": keepdims})


@op
def mean(E, data, *, axis=None, keepdims=False, exclude=False):
    return E.call(K.mean, (data,), {"axis": _reduce_axes(E, data, axis, exclude), "keepdims": keepdims})


@op
def dot(E, lhs, rhs, *, transpose_a=False, transpose_b=False):
    return E.call(K.matmul, (lhs, rhs), {"transpose_a": transpose_a, "transpose_b": transpose_b})


@op
def reshape(E, data, *, shape):
    """MXNet's codes: 0 copies the input's dimension, -1 is inferred."""
    src = E.shape(data)
    shape = tuple(src[i] if s == 0 else s for i, s in enumerate(shape))
    return E.call(K.reshape, (data,), {"shape": shape})


@op
def reshape_like(E, lhs, rhs):
    """lhs reshaped to rhs's shape."""
    return E.call(K.reshape, (lhs,), {"shape": tuple(E.shape(rhs))})


@op
def Flatten(E, data):
    """(N, ...) -> (N, prod(...))."""
    return E.call(K.reshape, (data,), {"shape": (E.shape(data)[0], -1)})


@op
def transpose(E, data, *, axes=None):
    return E.call(K.transpose, (data,), {"axes": None if axes is None else tuple(axes)})


@op
def concat(E, *data, dim=1):
    return E.call(K.concat, tuple(data), {"axis": dim})


@op
def slice_axis(E, data, *, axis, begin, end):
    index = [slice(None)] * len(E.shape(data))
    index[axis] = slice(begin, end)
    return E.call(K.slice, (data,), {"index": tuple(index)})


@op(n_out=lambda attrs: attrs["num_outputs"])
def split(E, data, *, num_outputs, axis=1, squeeze_axis=False):
    """Equal parts along `axis` (MXNet's SliceChannel); squeeze_axis drops that axis of size 1."""
    parts = E.call(K.split, (data,), {"sections": num_outputs, "axis": axis})
    if not squeeze_axis:
        return parts
    return tuple(E.call(K.reshape, (p,), {"shape": tuple(s for i, s in enumerate(E.shape(p))
                                                          if i != axis % len(E.shape(p)))})
                 for p in parts)


OPS["SliceChannel"] = split
N_OUTPUTS["SliceChannel"] = N_OUTPUTS["split"]


@op
def zeros(E, *, shape, dtype="float32"):
    """A constant of zeros (nd.zeros makes one on a given context; this form serves sym)."""
    return E.zeros(tuple(shape), dtype, None)


@op
def zeros_like(E, data):
    return E.zeros(E.shape(data), "float32", data)


# ---------------------------------------------------------------- layers

@op
def FullyConnected(E, data, weight, bias=None, *, num_hidden, no_bias=False, flatten=True):
    """y = data @ weight.T + bias with Gluon's weight layout (num_hidden, in_units)."""
    if flatten and len(E.shape(data)) > 2:
        data = E.call(K.reshape, (data,), {"shape": (E.shape(data)[0], -1)})
    y = E.call(K.matmul, (data, weight), {"transpose_a": False, "transpose_b": True})
    if bias is not None and not no_bias:
        y = E.call(K.add, (y, bias), {})
    return y


@op
def Convolution(E, data, weight, bias=None, *, kernel, num_filter, stride=(1, 1), pad=(0, 0),
                no_bias=False):
    """2-D convolution, NCHW data, OIHW weight."""
    ins = (data, weight) if bias is None or no_bias else (data, weight, bias)
    return E.call(K.conv2d, ins, {"stride": _tuple(stride), "pad": _tuple(pad)})


@op
def Pooling(E, data, *, kernel, pool_type="max", stride=None, pad=(0, 0), pooling_convention="valid"):
    if pool_type != "max":
        raise ValueError(f"Pooling: pool_type {pool_type!r} is not supported; only 'max'")
    return E.call(K.max_pool2d, (data,), {"kernel": _tuple(kernel),
                                          "stride": None if stride is None else _tuple(stride),
                                          "pad": _tuple(pad), "ceil_mode": pooling_convention == "full"})


@op
def Embedding(E, data, weight, *, input_dim, output_dim):
    """Rows of weight (input_dim, output_dim) picked by the integer ids in data."""
    return E.call(K.embedding, (weight, data), {})


@op(n_out=lambda attrs: 3 if attrs.get("state_outputs") else 1)
def RNN(E, data, i2h_weight, h2h_weight, i2h_bias, h2h_bias, state=None, state_cell=None, *,
        state_size, mode="lstm", state_outputs=False):
    """Fused one-layer LSTM over data (T, N, C) (the shared `lstm` kernel).

    NOTE: MXNet packs all weights into one `parameters` vector; here they stay four named inputs in
    Gluon's layout (i2h (4H, C), h2h (4H, H)). States are (1, N, H); missing states start at zero.
    """
    if mode != "lstm":
        raise ValueError(f"RNN: mode {mode!r} is not supported; only 'lstm'")
    n = E.shape(data)[1]
    h0 = E.zeros((n, state_size), "float32", data) if state is None else \
        E.call(K.reshape, (state,), {"shape": (n, state_size)})
    c0 = E.zeros((n, state_size), "float32", data) if state_cell is None else \
        E.call(K.reshape, (state_cell,), {"shape": (n, state_size)})
    wx = E.call(K.transpose, (i2h_weight,), {"axes": None})
    wh = E.call(K.transpose, (h2h_weight,), {"axes": None})
    hs, h, c = E.call(K.lstm, (data, h0, c0, wx, wh, i2h_bias, h2h_bias), {})
    if not state_outputs:
        return hs
    return (hs, E.call(K.reshape, (h,), {"shape": (1, n, state_size)}),
            E.call(K.reshape, (c,), {"shape": (1, n, state_size)}))


@op
def softmax_cross_entropy(E, data, label):
    """Mean over the batch of -log softmax(data)[label] (the fused shared kernel)."""
    return E.call(K.softmax_cross_entropy, (data, label), {})


def split_inputs(name, args, kwargs):
    """Bind a call of op `name` to (inputs, attrs): positional parameters vs keyword-only ones."""
    fn = OPS[name]
    bound = fn.signature.bind(None, *args, **kwargs)
    inputs, attrs = [], {}
    for pname, param in fn.signature.parameters.items():
        if pname == "E" or pname not in bound.arguments:
            continue
        value = bound.arguments[pname]
        if param.kind is param.VAR_POSITIONAL:
            inputs.extend(value)
        elif param.kind is param.KEYWORD_ONLY:
            attrs[pname] = value
        else:
            inputs.append(value)
    while inputs and inputs[-1] is None:
        inputs.pop()
    if any(v is None for v in inputs):
        raise TypeError(f"{name}: only trailing optional inputs may be left out")
    return inputs, attrs
