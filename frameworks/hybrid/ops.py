"""Every operator of nd and sym, written ONCE against an emitter `E`, so the eager path, the symbolic
graph and the cached-graph compiler share one definition (MXNet's op names and attributes).

An op is `def name(E, *inputs, **attrs)`: positional parameters are inputs (NDArrays, Symbols or
compile-time values; trailing ones may be None), keyword-only parameters are attributes. The emitter:
    E.call(kernel, inputs, attrs) -> value (a tuple for multi-output kernels)
    E.shape(value)                -> its shape (known at trace time: graphs are traced per shape)
    E.zeros(shape, dtype, like)   -> a constant of zeros on the device of value `like`
    E.nograd(fn, inputs, shape)   -> fn(xp, *input arrays): a value no gradient flows through (masks,
                                     one-hot rows, argmax, running-statistics updates)
    E.training                    -> whether Dropout and BatchNorm run their train-time form
"""
import builtins
import functools
import inspect

from .. import kernels as K
from .base import MXNetError

OPS = {}
N_OUTPUTS = {}  # op name -> attrs -> number of outputs, for multi-output ops
PARAMS = {}     # op name -> inputs sym creates as `<name>_<input>` variables when not given (fc1_weight)
AUX = {}        # op name -> the inputs that are auxiliary states (BatchNorm's moving_mean, moving_var)
SHAPES = {}     # op name -> (attrs, data shape) -> {input: shape}: infer_shape's rule for those inputs
SUBGRAPH_SHAPES = {}  # op name -> (attrs, [input shape or None]) -> {input position: shape}: a loop node's
                     # unknown inputs (weights first read in its body), from its body's inference
INPUT_NAMES = {}  # op name -> attrs -> its inputs' names, for ops whose inputs depend on attrs (Custom)
SUBGRAPH_JSON = {}  # op name -> (to_json(attrs, graph_dict) -> (attrs, [subgraph dicts]), from_json(attrs,
                    # [subgraph dicts], load) -> attrs): a loop node's body in MXNet's "subgraphs" field


def op(fn=None, *, n_out=None, params=(), aux=(), shapes=None):
    def file(f):
        OPS[f.__name__] = f
        if n_out is not None:
            N_OUTPUTS[f.__name__] = n_out
        if params:
            PARAMS[f.__name__] = params
        if aux:
            AUX[f.__name__] = aux
        if shapes is not None:
            SHAPES[f.__name__] = shapes
        f.signature = inspect.signature(f)
        f.input_names = [n for n, p in f.signature.parameters.items()
                         if n != "E" and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        # MXNet's generated op functions take attributes positionally after the inputs (nd.one_hot(y, 10),
        # nd.clip(x, 0, 1)); ops with a variable number of inputs (concat) take them by keyword only
        varargs = any(p.kind is p.VAR_POSITIONAL for p in f.signature.parameters.values())
        f.positional_attrs = () if varargs else tuple(
            n for n, p in f.signature.parameters.items() if p.kind is p.KEYWORD_ONLY)
        return f
    return file(fn) if fn is not None else file


def _prod(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def _tuple(v, n=2):
    return (v,) * n if isinstance(v, int) else tuple(v)


# ---------------------------------------------------------------- elementwise

def _binary(name, kernel):
    def f(E, lhs, rhs):
        return E.call(kernel, (lhs, rhs), {})
    f.__name__ = name
    f.__doc__ = f"{name}(lhs, rhs): elementwise with broadcasting (the shared `{kernel.name}` kernel)."
    return op(f)


def _elemwise(name, kernel):
    """elemwise_add and kin (sym's a + b): MXNet's ElemwiseShape wants both shapes equal, no broadcasting."""
    def f(E, lhs, rhs):
        a, b = tuple(E.shape(lhs)), tuple(E.shape(rhs))
        if a != b:
            raise MXNetError(f"{name}: Incompatible attr in node {name} at 1-th input: expected {a}, got {b} "
                             "(elemwise ops do not broadcast; use broadcast_* ops)")
        return E.call(kernel, (lhs, rhs), {})
    f.__name__ = name
    f.__doc__ = f"{name}(lhs, rhs): elementwise on equal shapes (the shared `{kernel.name}` kernel)."
    return op(f)


for _names, _k in ((("broadcast_add", "elemwise_add", "add"), K.add),
                   (("broadcast_sub", "elemwise_sub", "subtract"), K.sub),
                   (("broadcast_mul", "elemwise_mul", "multiply"), K.mul),
                   (("broadcast_div", "elemwise_div", "divide"), K.div),
                   (("broadcast_maximum", "maximum"), K.maximum),
                   (("broadcast_minimum", "minimum"), K.minimum)):
    for _n in _names:
        (_elemwise if _n.startswith("elemwise_") else _binary)(_n, _k)


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
                     ("_rminus_scalar", K.sub, True), ("_div_scalar", K.div, False), ("_rdiv_scalar", K.div, True)):
    _scalar(_n, _k, _rev)


for _n, _k in (("_maximum_scalar", K.maximum), ("_minimum_scalar", K.minimum)):
    _scalar(_n, _k)


@op
def _mul_scalar(E, data, *, scalar):
    """_mul_scalar(data, scalar=s): data * s with the `mul` kernel. By -1 (sym's -x, which MXNet 1.x makes
    this node) it runs the `neg` kernel, the one eager -x (NDArray.__neg__) runs, so hybridize() keeps the
    kernel: the same numbers (negation is exact), without a multiply's Python-float operand (NumPy's
    scalar promotion: ~3k Ir in forward and as much in backward)."""
    if type(scalar) in (int, float) and scalar == -1:
        return E.call(K.neg, (data,), {})
    return E.call(K.mul, (data, scalar), {})


def _compare_scalar(name, kernel):
    def f(E, data, *, scalar):
        return _in_dtype(E, E.call(kernel, (data, scalar), {}), data)
    f.__name__ = name
    f.__doc__ = f"{name}(data, scalar=s): 1 where data {kernel.name} s, else 0, in data's dtype (no gradient)."
    return op(f)


for _n, _k in (("_equal_scalar", K.equal), ("_not_equal_scalar", K.not_equal), ("_greater_scalar", K.greater),
               ("_greater_equal_scalar", K.greater_equal), ("_lesser_scalar", K.less),
               ("_lesser_equal_scalar", K.less_equal)):
    _compare_scalar(_n, _k)

# sym's binary ops given a number on one side run these (MXNet's _internal scalar forms); the flag says
# whether a number on the LEFT may be swapped to the right (maximum(2, x) = maximum(x, 2))
SCALAR_FORMS = {}
for _names, _s, _sym in ((("maximum", "broadcast_maximum"), "_maximum_scalar", "_maximum_scalar"),
                         (("minimum", "broadcast_minimum"), "_minimum_scalar", "_minimum_scalar"),
                         (("equal", "broadcast_equal"), "_equal_scalar", "_equal_scalar"),
                         (("not_equal", "broadcast_not_equal"), "_not_equal_scalar", "_not_equal_scalar"),
                         (("greater", "broadcast_greater"), "_greater_scalar", "_lesser_scalar"),
                         (("greater_equal", "broadcast_greater_equal"), "_greater_equal_scalar",
                          "_lesser_equal_scalar"),
                         (("lesser", "broadcast_lesser"), "_lesser_scalar", "_greater_scalar"),
                         (("lesser_equal", "broadcast_lesser_equal"), "_lesser_equal_scalar",
                          "_greater_equal_scalar"),
                         (("add", "broadcast_add", "elemwise_add"), "_plus_scalar", "_plus_scalar"),
                         (("subtract", "broadcast_sub", "elemwise_sub"), "_minus_scalar", "_rminus_scalar"),
                         (("multiply", "broadcast_mul", "elemwise_mul"), "_mul_scalar", "_mul_scalar"),
                         (("divide", "broadcast_div", "elemwise_div"), "_div_scalar", "_rdiv_scalar"),
                         (("power", "broadcast_power"), "_power_scalar", "_rpower_scalar")):
    for _n in _names:
        SCALAR_FORMS[_n] = (_s, _sym)


@op
def _power_scalar(E, data, *, scalar):
    return E.call(K.pow, (data,), {"exponent": scalar})


@op
def clip(E, data, *, a_min, a_max):
    """clip(data, a_min, a_max); the gradient is zero outside the range."""
    return E.call(K.clip, (data,), {"lo": a_min, "hi": a_max})


def _k(E, kernel, *inputs, **attrs):
    return E.call(kernel, inputs, attrs)


def _in_dtype(E, y, like):
    """y (a 0/1 mask or indices) in `like`'s dtype: MXNet's comparison, logical and argmax/argmin ops
    infer their output type from the input (ElemwiseType), float32 only for float32 data."""
    return E.nograd(lambda xp, v, x: v.astype(x.dtype), (y, like), tuple(E.shape(y)))


_ACTIVATIONS = {
    "relu": lambda E, x: _k(E, K.relu, x),
    "sigmoid": lambda E, x: _k(E, K.sigmoid, x),
    "tanh": lambda E, x: _k(E, K.tanh, x),
    "softrelu": lambda E, x: _k(E, K.softplus, x),
    "softsign": lambda E, x: _k(E, K.div, x, _k(E, K.add, _k(E, K.abs, x), 1.0)),
}


@op
def Activation(E, data, *, act_type):
    """act_type: 'relu', 'sigmoid', 'tanh', 'softrelu' or 'softsign'."""
    if act_type not in _ACTIVATIONS:
        raise MXNetError(f"Invalid Input: '{act_type}', valid values are: {', '.join(_ACTIVATIONS)} "
                         "(Activation's act_type)")
    return _ACTIVATIONS[act_type](E, data)


_SELU_ALPHA, _SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


@op(params=("gamma",), shapes=lambda a, d: {"gamma": (d[1] if len(d) > 1 else d[0],)})
def LeakyReLU(E, data, gamma=None, *, act_type="leaky", slope=0.25, lower_bound=0.125, upper_bound=0.334):
    """act_type 'leaky' (max(x, slope * x), slope <= 1), 'prelu' (the learned `gamma`, broadcast over the
    channel axis 1), 'elu' (slope is alpha), 'selu' or 'gelu' (the erf form)."""
    if act_type == "leaky":
        if 0 <= slope <= 1:
            return _k(E, K.leaky_relu, data, negative_slope=float(slope))
        # x > 0 ? x : slope * x for any slope (the kernel's max(x, slope * x) form holds for 0..1 only)
        pos = _k(E, K.relu, data)
        return _k(E, K.add, pos, _k(E, K.mul, _k(E, K.sub, data, pos), float(slope)))
    if act_type == "rrelu":
        # leaky_relu-inl.h: training draws each element's slope from U(lower_bound, upper_bound); otherwise
        # the mean slope (lower + upper) / 2
        if not E.training:
            return LeakyReLU(E, data, act_type="leaky", slope=(lower_bound + upper_bound) / 2.0)
        shape = tuple(E.shape(data))
        mask = E.nograd(lambda xp, x: xp.asarray(_host_random().rs.uniform(lower_bound, upper_bound, size=shape))
                        .astype(x.dtype), (data,), shape)
        pos = _k(E, K.relu, data)
        return _k(E, K.add, pos, _k(E, K.mul, _k(E, K.sub, data, pos), mask))
    if act_type == "prelu":
        if gamma is None:
            raise MXNetError("LeakyReLU: act_type 'prelu' needs the input gamma")
        nd, ng = len(E.shape(data)), E.shape(gamma)
        if nd > 2 and ng[0] != 1:   # per-channel slopes along axis 1
            gamma = _k(E, K.reshape, gamma, shape=(1, ng[0]) + (1,) * (nd - 2))
        pos = _k(E, K.relu, data)
        return _k(E, K.add, pos, _k(E, K.mul, gamma, _k(E, K.sub, data, pos)))
    if act_type == "elu":
        return _k(E, K.elu, data, alpha=float(slope))
    if act_type == "selu":
        return _k(E, K.mul, _k(E, K.elu, data, alpha=_SELU_ALPHA), _SELU_SCALE)
    if act_type == "gelu":   # x * Phi(x) = 0.5 * x * (1 + erf(x / sqrt(2))), MXNet's exact (erf) form
        phi = _k(E, K.add, _k(E, K.erf, _k(E, K.mul, data, 0.7071067811865476)), 1.0)
        return _k(E, K.mul, _k(E, K.mul, data, phi), 0.5)
    raise MXNetError(f"Invalid Input: '{act_type}', valid values are: elu, gelu, leaky, prelu, rrelu, selu "
                     "(LeakyReLU's act_type)")


@op
def abs(E, data):  # noqa: A001  (MXNet's name)
    return _k(E, K.abs, data)


@op
def sqrt(E, data):
    return _k(E, K.sqrt, data)


@op
def rsqrt(E, data):
    return _k(E, K.rsqrt, data)


@op
def reciprocal(E, data):
    return _k(E, K.pow, data, exponent=-1.0)


@op
def _tempered(E, data, temperature):
    """data / temperature (MXNet's softmax temperature)."""
    return data if temperature is None or temperature == 1.0 else _k(E, K.mul, data, 1.0 / float(temperature))


def _as_dtype(E, y, dtype):
    return y if dtype is None else _k(E, K.cast, y, dtype=dtype)


def _length_mask(E, name, data, length, axis, use_length):
    """With use_length: 1 where the position along `axis` is below that row's length (length shaped as
    data without `axis`), else 0; None without it."""
    if not use_length:
        return None
    if length is None:
        raise MXNetError(f"{name}: use_length=True needs the length input")
    shape = E.shape(data)
    ax = axis % len(shape)
    if tuple(E.shape(length)) != shape[:ax] + shape[ax + 1:]:
        raise MXNetError(f"{name}: length of shape {tuple(E.shape(length))} must be data's shape {tuple(shape)} "
                         f"without axis {ax}")

    def mask(xp, x, n):
        pos = xp.arange(shape[ax]).reshape((-1,) + (1,) * (len(shape) - ax - 1))
        return (pos < xp.expand_dims(n, ax)).astype(x.dtype)
    return E.nograd(mask, (data, length), shape)


def _masked_softmax(E, name, kernel, data, length, axis, temperature, dtype, use_length):
    """kernel(data / temperature) along `axis`; with use_length only the first length[i] entries of each
    row take part and the rest come out 0, as MXNet's SoftmaxWithLength."""
    data = _tempered(E, data, temperature)
    mask = _length_mask(E, name, data, length, axis, use_length)
    if mask is None:
        return _as_dtype(E, _k(E, kernel, data, axis=axis), dtype)
    # masked entries at -1e30 take exp() = 0 of the row's sum; the product zeroes their outputs and grads
    data = _k(E, K.where, mask, data, _k(E, K.mul, _k(E, K.sub, mask, 1.0), 1e30))
    return _as_dtype(E, _k(E, K.mul, _k(E, kernel, data, axis=axis), mask), dtype)


@op
def log_softmax(E, data, *, axis=-1, temperature=None, dtype=None, use_length=False):
    """log(softmax(data / temperature)) along `axis` (MXNet 1.9's log_softmax has no length input)."""
    if use_length:
        raise MXNetError("log_softmax: use_length is not supported (it takes no length input); use softmax "
                         "with use_length, then log")
    return _masked_softmax(E, "log_softmax", K.log_softmax, data, None, axis, temperature, dtype, False)


@op
def softmax(E, data, length=None, *, axis=-1, temperature=None, dtype=None, use_length=False):
    """exp(data / temperature) normalized along `axis` (over each row's first `length` entries with
    use_length, 0 after them)."""
    return _masked_softmax(E, "softmax", K.softmax, data, length, axis, temperature, dtype, use_length)


def _kept(shape, axis):
    axes = {a % len(shape) for a in _tuple(axis, 1)} if axis is not None else set(range(len(shape)))
    return tuple(1 if i in axes else s for i, s in enumerate(shape))


def _dropped(shape, axis, keepdims):
    if keepdims:
        return _kept(shape, axis)
    axes = {a % len(shape) for a in _tuple(axis, 1)} if axis is not None else set(range(len(shape)))
    return tuple(s for i, s in enumerate(shape) if i not in axes)


@op
def pick(E, data, index, *, axis=-1, keepdims=False, mode="clip"):
    """data's entries at `index` along `axis` (float or integer ids, clipped as MXNet's default mode):
    the shared take_along_axis kernel (gather), differentiable in data."""
    shape = E.shape(data)
    ax = axis % len(shape)
    n = shape[ax]
    kept = _kept(shape, ax)
    if _prod(E.shape(index)) != _prod(kept):
        raise MXNetError(f"pick: index of shape {tuple(E.shape(index))} does not match data {tuple(shape)} "
                         f"without axis {ax}")
    if mode not in ("clip", "wrap"):
        raise MXNetError(f"Invalid Input: '{mode}', valid values are: clip, wrap (pick's mode)")
    if mode == "wrap":   # negative and past-the-end ids taken modulo the axis length, as MXNet's
        ids = E.nograd(lambda xp, i: xp.mod(i.reshape(kept).astype("int64"), n), (index,), kept)
    else:
        ids = E.nograd(lambda xp, i: xp.clip(i.reshape(kept).astype("int64"), 0, n - 1), (index,), kept)
    y = _k(E, K.gather, data, ids, axis=ax)
    return y if keepdims else _k(E, K.reshape, y, shape=_dropped(shape, ax, False))


@op
def one_hot(E, indices, *, depth, on_value=1.0, off_value=0.0, dtype="float32"):
    """Rows of `depth` with on_value at each index (cast to an integer as MXNet's kernel does:
    1.7 -> 1), off_value elsewhere; an index outside [0, depth) gives a row of off_value."""
    indices = E.nograd(lambda xp, i: i.astype("int64"), (indices,), tuple(E.shape(indices)))
    return _k(E, K.one_hot, indices, depth=depth, on_value=on_value, off_value=off_value, dtype=dtype,
              out_of_range="zeros")


def _arg(name, kernel):
    def f(E, data, *, axis=None, keepdims=False):
        return _in_dtype(E, _k(E, kernel, data, axis=axis, keepdims=keepdims), data)
    f.__name__ = name
    f.__doc__ = f"{name}(data, axis, keepdims): indices in data's dtype (float32 for float32), as MXNet's."
    return op(f)


_arg("argmax", K.argmax)
_arg("argmin", K.argmin)


def _extremum(name, kernel):
    def f(E, data, *, axis=None, keepdims=False, exclude=False):
        return _k(E, kernel, data, axis=_reduce_axes(E, data, axis, exclude), keepdims=keepdims)
    f.__name__ = name
    f.__doc__ = f"{name}(data, axis, keepdims): differentiable; the gradient goes to the first {name}imum."
    return op(f)


_extremum("max", K.max)
_extremum("min", K.min)


@op
def where(E, condition, x, y):
    """x where condition is non-zero, else y (gradients flow to the side that was chosen); a 1-d
    condition as long as x's first axis picks whole rows, as MXNet's."""
    cshape, xshape = E.shape(condition), E.shape(x)
    if len(cshape) == 1 and len(xshape) > 1 and cshape[0] == xshape[0] and cshape != xshape:
        condition = _k(E, K.reshape, condition, shape=(cshape[0],) + (1,) * (len(xshape) - 1))
    return _k(E, K.where, condition, x, y)


def _compare(name, kernel):
    def f(E, lhs, rhs):
        return _in_dtype(E, _k(E, kernel, lhs, rhs), lhs if not isinstance(lhs, (int, float)) else rhs)
    f.__name__ = name
    f.__doc__ = f"{name}(lhs, rhs): 1 where true, else 0, in the inputs' dtype (no gradient)."
    return op(f)


def _broadcast_shape(a, b):
    n = builtins.max(len(a), len(b))
    a, b = (1,) * (n - len(a)) + tuple(a), (1,) * (n - len(b)) + tuple(b)
    return tuple(builtins.max(x, y) for x, y in zip(a, b))


for _n, _kern in (("equal", K.equal), ("not_equal", K.not_equal), ("greater", K.greater),
                  ("greater_equal", K.greater_equal), ("lesser", K.less), ("lesser_equal", K.less_equal)):
    _compare(f"broadcast_{_n}", _kern)
    _compare(_n, _kern)


@op
def sign(E, data):
    return _k(E, K.sign, data)


@op
def BlockGrad(E, data):
    """The same values; no gradient flows back through it."""
    return E.nograd(lambda xp, x: x, (data,), E.shape(data))


OPS["stop_gradient"] = BlockGrad


@op
def Cast(E, data, *, dtype):
    """A copy in `dtype` (the gradient is cast back)."""
    return _k(E, K.cast, data, dtype=dtype)


OPS["cast"] = Cast


@op
def ones_like(E, data):
    return E.nograd(lambda xp, x: xp.ones_like(x), (data,), E.shape(data))


@op
def norm(E, data, *, ord=2, axis=None, keepdims=False, out_dtype=None):  # noqa: A002  (MXNet's name)
    """The L2 (ord=2) or L1 (ord=1) norm over `axis` (all entries by default)."""
    if ord == 1:
        return _k(E, K.sum, _k(E, K.abs, data), axis=axis, keepdims=keepdims)
    if ord != 2:
        raise MXNetError(f"norm: ord must be 1 or 2, got {ord}")
    return _k(E, K.pow, _k(E, K.sum, _k(E, K.square, data), axis=axis, keepdims=keepdims), exponent=0.5)


@op
def broadcast_to(E, data, *, shape):
    """data broadcast to `shape` (0 keeps the input's size); the add kernel's backward sums it back."""
    src = (1,) * (len(shape) - len(E.shape(data))) + tuple(E.shape(data))
    shape = tuple(s if t == 0 else t for s, t in zip(src, shape))
    return _k(E, K.broadcast_to, data, shape=shape)


@op
def broadcast_like(E, lhs, rhs, *, lhs_axes=None, rhs_axes=None):
    """lhs broadcast to rhs's shape, or only lhs's `lhs_axes` to the sizes of rhs's `rhs_axes`."""
    if lhs_axes is None and rhs_axes is None:
        return _k(E, K.broadcast_to, lhs, shape=tuple(E.shape(rhs)))
    la, ra = _tuple(lhs_axes, 1), _tuple(rhs_axes, 1)
    if len(la) != len(ra):
        raise MXNetError(f"broadcast_like: lhs_axes {la} and rhs_axes {ra} must have the same length")
    shape, rshape = list(E.shape(lhs)), E.shape(rhs)
    for a, b in zip(la, ra):
        shape[a] = rshape[b]
    return _k(E, K.broadcast_to, lhs, shape=tuple(shape))


@op
def broadcast_axis(E, data, *, axis, size):
    shape = list(E.shape(data))
    for a, n in zip(_tuple(axis, 1), _tuple(size, 1)):
        shape[a] = n
    return _k(E, K.broadcast_to, data, shape=tuple(shape))


OPS["broadcast_axes"] = broadcast_axis


@op
def expand_dims(E, data, *, axis):
    return _k(E, K.unsqueeze, data, axis=axis)


@op
def squeeze(E, data, *, axis=None):
    return _k(E, K.squeeze, data, axis=axis)


@op
def stack(E, *data, axis=0, num_args=None):
    """Arrays of one shape stacked along a new axis."""
    return _k(E, K.stack, *data, axis=axis)


@op
def tile(E, data, *, reps):
    """data repeated reps times along each axis."""
    return _k(E, K.tile, data, reps=_tuple(reps, 1))


@op
def pad(E, data, *, mode="constant", pad_width, constant_value=0):
    """MXNet's flat pad_width (before, after per axis); mode 'constant', 'edge' (the border value repeated)
    or 'reflect' (mirrored without the border), the last two as slices joined by concat."""
    pw = tuple(pad_width)
    pairs = tuple(zip(pw[0::2], pw[1::2]))
    if mode == "constant":
        return _k(E, K.pad, data, pad_width=pairs, constant_values=constant_value)
    if mode not in ("edge", "reflect"):
        raise MXNetError(f"pad: mode must be 'constant', 'edge' or 'reflect', got {mode!r}")
    for ax, (before, after) in enumerate(pairs):
        if not before and not after:
            continue
        shape = E.shape(data)
        n = shape[ax]
        if mode == "reflect" and builtins.max(before, after) >= n:
            raise MXNetError(f"pad: reflect padding {before, after} of axis {ax} must be smaller than its size {n}")

        def part(lo, hi, step, count):
            index = [builtins.slice(None)] * len(shape)
            index[ax] = builtins.slice(lo, hi, step)
            piece = _k(E, K.slice, data, index=tuple(index))
            if mode == "edge":
                piece = _k(E, K.broadcast_to, piece, shape=tuple(shape[:ax]) + (count,) + tuple(shape[ax + 1:]))
            return piece
        if mode == "edge":
            pieces = [part(0, 1, 1, before), data, part(n - 1, n, 1, after)]
        else:
            stop = n - 2 - after   # (None where that reaches index 0: -1 would wrap around)
            pieces = [part(before, 0, -1, before), data, part(n - 2, stop if stop >= 0 else None, -1, after)]
        data = _k(E, K.concat, *[p for p, c in zip(pieces, (before, 1, after)) if c], axis=ax)
    return data


@op
def slice(E, data, *, begin, end, step=None):  # noqa: A001  (MXNet's name)
    n = len(begin)
    step = step or (None,) * n
    index = tuple(builtins.slice(b, e, s) for b, e, s in zip(begin, end, step))
    return _k(E, K.slice, data, index=index)


# ---------------------------------------------------------------- random (no gradient)

def _host_random():
    from .ndarray import random  # mx.random.seed seeds it
    return random


@op
def Dropout(E, data, *, p=0.5, mode="training", axes=(), cudnn_off=False):
    """Zeroes each entry with probability p and scales the rest by 1/(1-p), when training (autograd's
    train_mode) or mode='always'; identity otherwise. The mask comes from the kernels' counter-based
    generator, which mx.random.seed seeds (one draw per call). `axes`: one mask entry shared along those
    axes (variational / spatial dropout): the kernel's mask drawn on ones of that reduced shape."""
    if p == 0 or (mode == "training" and not E.training):
        return data
    counter, seed = E.draw(_host_random().stream)
    if not axes:
        return E.call(K.dropout, (data,), {"p": p, "counter": counter, "seed": seed, "training": True})
    shape = tuple(E.shape(data))
    shared = {a % len(shape) for a in _tuple(axes, 1)}
    reduced = tuple(1 if i in shared else n for i, n in enumerate(shape))
    ones = E.nograd(lambda xp, x: xp.ones(reduced, dtype=x.dtype), (data,), reduced)
    mask = E.call(K.dropout, (ones,), {"p": p, "counter": counter, "seed": seed, "training": True})
    return E.call(K.mul, (data, mask), {})


# ---------------------------------------------------------------- reductions and shapes

def _reduce_axes(E, data, axis, exclude):
    if isinstance(axis, list):   # MXNet parses axis=[1, 2] as the tuple (1, 2)
        axis = tuple(axis)
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
    """lhs @ rhs; a 1-d operand is a row (lhs) or a column (rhs) whose axis the result drops, as MXNet's
    dot of vectors (the matmul kernel, forward and backward, takes matrices)."""
    la, lb = E.shape(lhs), E.shape(rhs)
    if len(la) >= 2 and len(lb) >= 2:
        return E.call(K.matmul, (lhs, rhs), {"transpose_a": transpose_a, "transpose_b": transpose_b})
    if len(la) == 1:
        lhs, transpose_a = E.call(K.reshape, (lhs,), {"shape": (1, la[0])}), False
    if len(lb) == 1:
        rhs, transpose_b = E.call(K.reshape, (rhs,), {"shape": (lb[0], 1)}), False
    y = E.call(K.matmul, (lhs, rhs), {"transpose_a": transpose_a, "transpose_b": transpose_b})
    shape = E.shape(y)
    keep = shape[:-2] + (() if len(la) == 1 else shape[-2:-1]) + (() if len(lb) == 1 else shape[-1:])
    return E.call(K.reshape, (y,), {"shape": keep})


@op
def reshape(E, data, *, shape=None, reverse=False, target_shape=None, keep_highest=False):
    """MXNet's codes: 0 copies an input dimension, -1 infers one, -2 copies all the rest, -3 merges two
    input dimensions, -4 splits one into the next two entries (one of which may be -1). The deprecated
    target_shape (pre-1.0 programs) is the shape itself, a single 0 in it inferred; keep_highest keeps the
    input's first dimension in place of target_shape's."""
    src = tuple(E.shape(data))
    if not shape and target_shape is not None:
        out = list(target_shape)
        if keep_highest:
            out[0] = src[0]
        zeros = [i for i in range(1 if keep_highest else 0, len(out)) if out[i] == 0]
        if len(zeros) == 1:
            out[zeros[0]] = -1
        return E.call(K.reshape, (data,), {"shape": tuple(out)})
    if shape is None:
        raise MXNetError("Reshape: give shape (or the deprecated target_shape)")
    if reverse:
        return E.call(K.reshape, (data,), {"shape": _reshape_codes(src[::-1], tuple(shape)[::-1], src)[::-1]})
    return E.call(K.reshape, (data,), {"shape": _reshape_codes(src, tuple(shape), src)})


def _reshape_codes(src, shape, original):
    out, i, j = [], 0, 0
    try:
        while j < len(shape):
            s = shape[j]
            if s == 0:
                out.append(src[i])
                i += 1
            elif s == -1:
                out.append(-1)
                i += 1
            elif s == -2:
                out.extend(src[i:])
                i = len(src)
            elif s == -3:
                out.append(src[i] * src[i + 1])
                i += 2
            elif s == -4:
                a, b = shape[j + 1], shape[j + 2]
                a, b = (src[i] // b if a == -1 else a), (src[i] // a if b == -1 else b)
                out.extend([a, b])
                i += 1
                j += 2
            else:
                out.append(s)
                i += 1
            j += 1
    except (IndexError, ZeroDivisionError):
        raise MXNetError(f"reshape: the codes {shape} do not fit the input shape {original}") from None
    known = 1
    for d in out:
        known *= d if d != -1 else 1
    size = 1
    for d in original:
        size *= d
    if out.count(-1) > 1 or (-1 not in out and known != size) or (-1 in out and (known == 0 or size % known)):
        raise MXNetError(f"Check failed: oshape.Size() == dshape.Size() Target shape size is different to "
                         f"source. Target: {tuple(out)} Source: {tuple(original)} (reshape to {shape})")
    return tuple(size // known if d == -1 else d for d in out)


@op
def reshape_like(E, lhs, rhs):
    """lhs reshaped to rhs's shape."""
    return E.call(K.reshape, (lhs,), {"shape": tuple(E.shape(rhs))})


@op
def Flatten(E, data):
    """(N, ...) -> (N, prod(...))."""
    return E.call(K.reshape, (data,), {"shape": (E.shape(data)[0], -1)})


OPS["flatten"] = Flatten


@op
def transpose(E, data, *, axes=None):
    return E.call(K.transpose, (data,), {"axes": None if axes is None else tuple(axes)})


@op
def concat(E, *data, dim=1):
    """data joined along `dim`; a 0-d input (a full reduction here) joins as shape (1,), the shape MXNet
    1.x gives such a result (it has no 0-d arrays)."""
    if not all(E.shape(x) for x in data):
        data = [x if E.shape(x) else E.call(K.reshape, (x,), {"shape": (1,)}) for x in data]
    return E.call(K.concat, tuple(data), {"axis": dim})


@op
def slice_axis(E, data, *, axis, begin, end):
    index = [builtins.slice(None)] * len(E.shape(data))
    index[axis] = builtins.slice(begin, end)
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
    """A constant of zeros (nd.zeros makes one on a given context; this form serves sym, F.zeros((1)))."""
    return E.zeros(_tuple(shape, 1), dtype, None)


@op
def zeros_like(E, data):
    """Zeros of data's shape and dtype (as ones_like; MXNet keeps the input's dtype)."""
    return E.nograd(lambda xp, x: xp.zeros_like(x), (data,), E.shape(data))


# ---------------------------------------------------------------- layers

@op(params=("weight", "bias"), shapes=lambda a, d: {
    "weight": (a["num_hidden"], _prod(d[1:]) if a.get("flatten", True) else d[-1]), "bias": (a["num_hidden"],)})
def FullyConnected(E, data, weight, bias=None, *, num_hidden, no_bias=False, flatten=True):
    """y = data @ weight.T + bias with MXNet's weight layout (num_hidden, in_units)."""
    shape = E.shape(data)
    if flatten and len(shape) > 2:
        data = E.call(K.reshape, (data,), {"shape": (shape[0], -1)})
    elif not flatten and len(shape) > 2:
        data = E.call(K.reshape, (data,), {"shape": (-1, shape[-1])})
    y = E.call(K.matmul, (data, weight), {"transpose_a": False, "transpose_b": True})
    if bias is not None and not no_bias:
        y = E.call(K.add, (y, bias), {})
    if not flatten and len(shape) > 2:
        y = E.call(K.reshape, (y,), {"shape": tuple(shape[:-1]) + (num_hidden,)})
    return y


@op(params=("weight", "bias"), shapes=lambda a, d: {
    "weight": (a["num_filter"], d[1] // a.get("num_group", 1)) + _tuple(a["kernel"], len(d) - 2),
    "bias": (a["num_filter"],)})
def Convolution(E, data, weight, bias=None, *, kernel, num_filter, stride=(1, 1), pad=(0, 0),
                dilate=(1, 1), num_group=1, no_bias=False, layout=None, cudnn_tune=None, cudnn_off=False,
                workspace=1024):
    """2-D convolution, NCHW data, OIHW weight (I = channels / num_group); 1-D (kernel (k,), NCW data, OIW
    weight) runs the same kernel over a unit height axis. num_group > 1 runs one convolution per group
    (MobileNet's depthwise: num_group = channels) and dilate a kernel with (d - 1) zero taps between its
    taps: both composed of the shared kernels, so their gradients are those kernels' own."""
    one_d = not isinstance(kernel, int) and len(kernel) == 1
    if one_d:
        if layout not in (None, "NCW"):
            raise MXNetError(f"Convolution: 1-D runs NCW data only (got layout {layout})")
        return _unit_height(E, data, lambda x: Convolution(
            E, x, _k(E, K.unsqueeze, weight, axis=2), bias, kernel=(1,) + tuple(kernel), num_filter=num_filter,
            stride=(1,) + _last(stride), pad=(0,) + _last(pad), dilate=(1,) + _last(dilate),
            num_group=num_group, no_bias=no_bias), "Convolution")
    if not isinstance(kernel, int) and len(kernel) == 3 and layout in (None, "NCDHW"):
        return _conv3d(E, data, weight, None if no_bias else bias, tuple(kernel), num_filter,
                       _tuple(stride, 3), _tuple(pad, 3), _tuple(dilate, 3), num_group)
    if layout not in (None, "NCHW") or len(_tuple(kernel)) != 2:
        raise MXNetError(f"Convolution: only 1-D (NCW), 2-D (NCHW) and 3-D (NCDHW) are supported (got kernel "
                         f"{kernel}, layout {layout})")
    return _grouped(E, K.conv2d, "Convolution", data, weight, None if no_bias else bias, num_filter, num_group,
                    dilate, {"stride": _tuple(stride), "pad": _tuple(pad)})


def _grouped(E, kernel, opname, data, weight, bias, num_filter, num_group, dilate, attrs):
    """A 2-D (transposed) convolution kernel with MXNet's num_group (one call per group of input channels,
    weights and biases, the outputs concatenated) and dilate (the dense kernel it equals)."""
    channels = E.shape(data)[1]
    if num_group < 1 or channels % num_group or num_filter % num_group:
        raise MXNetError(f"{opname}: num_group {num_group} must divide both the input channels ({channels}) "
                         f"and num_filter ({num_filter})")
    if _tuple(dilate) != (1, 1):
        weight = _dilated(E, weight, _tuple(dilate))
    if num_group == 1:
        return E.call(kernel, (data, weight) if bias is None else (data, weight, bias), attrs)
    groups = zip(E.call(K.split, (data,), {"sections": num_group, "axis": 1}),
                 E.call(K.split, (weight,), {"sections": num_group, "axis": 0}),
                 [None] * num_group if bias is None else E.call(K.split, (bias,), {"sections": num_group, "axis": 0}))
    outs = [E.call(kernel, (x, w) if b is None else (x, w, b), attrs) for x, w, b in groups]
    return E.call(K.concat, tuple(outs), {"axis": 1})


def _depth_windows(E, data, k, stride, dilate, out):
    """(N, C, D, H, W) -> k slices (N, C, out, H, W): slice j holds each output depth's j-th tap."""
    return [_k(E, K.slice, data, index=(builtins.slice(None),) * 2 +
               (builtins.slice(j * dilate, j * dilate + stride * (out - 1) + 1, stride),)) for j in range(k)]


def _conv3d(E, data, weight, bias, kernel, num_filter, stride, pad, dilate, num_group):
    """3-D convolution as ONE 2-D convolution: every output depth's kd input slices stacked on the channel
    axis (C, kd order, so groups stay contiguous) and the output depths folded into the batch; the weight
    (O, C/g, kd, kh, kw) read as (O, C/g * kd, kh, kw)."""
    shape = tuple(E.shape(data))
    if len(shape) != 5:
        raise MXNetError(f"Convolution: a 3-D kernel needs NCDHW data (5 axes), got shape {shape}")
    n, c, d = shape[:3]
    kd = kernel[0]
    out_d = (d + 2 * pad[0] - dilate[0] * (kd - 1) - 1) // stride[0] + 1
    if out_d < 1:
        raise MXNetError(f"Convolution: kernel depth {kd} (dilate {dilate[0]}) exceeds the padded input depth "
                         f"{d + 2 * pad[0]}")
    if pad[0]:
        data = _k(E, K.pad, data, pad_width=((0, 0), (0, 0), (pad[0], pad[0]), (0, 0), (0, 0)))
    taps = _k(E, K.stack, *_depth_windows(E, data, kd, stride[0], dilate[0], out_d), axis=3)  # (N, C, oD, kd, H, W)
    taps = _k(E, K.transpose, taps, axes=(0, 2, 1, 3, 4, 5))                                  # (N, oD, C, kd, H, W)
    taps = _k(E, K.reshape, taps, shape=(n * out_d, c * kd) + shape[3:])
    w = _k(E, K.reshape, weight, shape=(num_filter, -1) + tuple(kernel[1:]))
    y = Convolution(E, taps, w, bias, kernel=kernel[1:], num_filter=num_filter, stride=stride[1:], pad=pad[1:],
                    dilate=dilate[1:], num_group=num_group, no_bias=bias is None)
    oh, ow = E.shape(y)[2:]
    y = _k(E, K.reshape, y, shape=(n, out_d, num_filter, oh, ow))
    return _k(E, K.transpose, y, axes=(0, 2, 1, 3, 4))


def _pool3d(E, data, kernel, pool_type, stride, pad, pooling_convention, count_include_pad):
    """3-D pooling, separable: the 2-D pooling of every depth slice (depths folded into the batch), then the
    max or mean over each depth window (mean: MXNet's count of the padding, kd * kh * kw)."""
    shape = tuple(E.shape(data))
    n, c, d = shape[:3]
    if pool_type == "avg" and not count_include_pad and any(pad):
        raise MXNetError("Pooling: 3-D avg pooling with count_include_pad=False and padding is not supported")
    kd, sd, pdp = kernel[0], stride[0], pad[0]
    span = d + 2 * pdp - kd
    out_d = (-(-span // sd) if pooling_convention == "full" else span // sd) + 1
    flat = _k(E, K.reshape, _k(E, K.transpose, data, axes=(0, 2, 1, 3, 4)), shape=(n * d, c) + shape[3:])
    pooled = Pooling(E, flat, kernel=kernel[1:], pool_type=pool_type, stride=stride[1:], pad=pad[1:],
                     pooling_convention=pooling_convention, count_include_pad=count_include_pad)
    oh, ow = E.shape(pooled)[2:]
    pooled = _k(E, K.transpose, _k(E, K.reshape, pooled, shape=(n, d, c, oh, ow)), axes=(0, 2, 1, 3, 4))
    extra = (out_d - 1) * sd + kd - (d + 2 * pdp)   # the ceil mode's last window past the end
    if pdp or extra > 0:
        fill = float("-inf") if pool_type == "max" else 0.0
        pooled = _k(E, K.pad, pooled, pad_width=((0, 0), (0, 0), (pdp, pdp + max(extra, 0)), (0, 0), (0, 0)),
                    constant_values=fill)
    windows = _depth_windows(E, pooled, kd, sd, 1, out_d)
    if pool_type == "max":
        return functools.reduce(lambda a, b: _k(E, K.maximum, a, b), windows)
    return _k(E, K.div, functools.reduce(lambda a, b: _k(E, K.add, a, b), windows), float(kd))


def _dilated(E, weight, dilate):
    """The dense kernel a dilated one equals: each spatial axis of k taps becomes (k - 1) * d + 1 taps,
    d - 1 zeros padded after each tap, then the trailing zeros sliced off."""
    for axis, d in ((2, dilate[0]), (3, dilate[1])):
        shape = E.shape(weight)
        if d == 1 or shape[axis] == 1:
            continue
        w = _k(E, K.unsqueeze, weight, axis=axis + 1)
        w = _k(E, K.pad, w, pad_width=tuple((0, d - 1) if i == axis + 1 else (0, 0) for i in range(5)))
        w = _k(E, K.reshape, w, shape=shape[:axis] + (shape[axis] * d,) + shape[axis + 1:])
        index = [builtins.slice(None)] * 4
        index[axis] = builtins.slice(0, (shape[axis] - 1) * d + 1)
        weight = _k(E, K.slice, w, index=tuple(index))
    return weight


def _last(v):
    """A 1-D op's size attribute: (v,) of an int, the last entry of a tuple (the 2-D default (1, 1) -> (1,))."""
    return (v,) if isinstance(v, int) else tuple(v)[-1:]


def _unit_height(E, data, run2d, opname):
    """A 1-D op (N, C, W) as its 2-D form over (N, C, 1, W), the result's unit axis dropped again."""
    if len(E.shape(data)) != 3:
        raise MXNetError(f"{opname}: a 1-D kernel needs NCW data (3 axes), got shape {tuple(E.shape(data))}")
    return _k(E, K.squeeze, run2d(_k(E, K.unsqueeze, data, axis=2)), axis=2)


# ---------------------------------------------------------------- variable-length sequences

def _lengths(xp, n, T):
    return xp.clip(n.astype("int64"), 0, T)


def _seq_shape(E, data, axis, opname):
    shape = tuple(E.shape(data))
    if axis not in (0, 1) or len(shape) < 2:
        raise MXNetError(f"{opname}: axis must be 0 (T, N, ...) or 1 (N, T, ...) on data of 2+ axes, got axis "
                         f"{axis} and shape {shape}")
    return shape


@op
def SequenceMask(E, data, sequence_length=None, *, use_sequence_length=False, value=0.0, axis=0):
    """Entries at steps t >= sequence_length[n] set to `value` (time along `axis`, batch the other of 0, 1);
    the gradient passes only where the data is kept."""
    if not use_sequence_length:
        return data
    shape = _seq_shape(E, data, axis, "SequenceMask")

    def keep(xp, x, n):
        t = xp.arange(shape[axis]).reshape((-1, 1) if axis == 0 else (1, -1))
        n = _lengths(xp, n, shape[axis]).reshape((1, -1) if axis == 0 else (-1, 1))
        m = (t < n).astype(x.dtype).reshape(shape[:2] + (1,) * (len(shape) - 2))
        return xp.stack([m, (1 - m) * value])
    m, fill = E.call(K.unstack, (E.nograd(keep, (data, sequence_length), (2,) + shape[:2] + (1,) * (len(shape) - 2)),),
                     {"axis": 0})
    return _k(E, K.add, _k(E, K.mul, data, m), fill)


def _seq_gather(E, data, sequence_length, axis, opname, positions):
    """data gathered along `axis` at positions(xp, t, n) (t: the steps, n: each sample's length), both laid
    out as the data's (time, batch) axes; the index spans the data's other axes too (gather's rule)."""
    shape = _seq_shape(E, data, axis, opname)

    def ids(xp, n):
        T = shape[axis]
        t = xp.arange(T).reshape((-1, 1) if axis == 0 else (1, -1))
        n = _lengths(xp, n, T).reshape((1, -1) if axis == 0 else (-1, 1))
        pos = positions(xp, t, n).reshape(shape[:2] + (1,) * (len(shape) - 2))
        return xp.ascontiguousarray(xp.broadcast_to(pos, shape))
    return _k(E, K.gather, data, E.nograd(ids, (sequence_length,), shape), axis=axis)


@op
def SequenceLast(E, data, sequence_length=None, *, use_sequence_length=False, axis=0):
    """Each sample's last valid step, data[sequence_length[n] - 1] along `axis` (the last step without lengths)."""
    shape = _seq_shape(E, data, axis, "SequenceLast")
    if not use_sequence_length:
        return _k(E, K.squeeze, _k(E, K.slice, data, index=(builtins.slice(None),) * axis
                                   + (builtins.slice(shape[axis] - 1, shape[axis]),)), axis=axis)
    picked = _seq_gather(E, data, sequence_length, axis, "SequenceLast",
                         lambda xp, t, n: xp.broadcast_to(xp.maximum(n - 1, 0), xp.broadcast(t, n).shape))
    return _k(E, K.squeeze, _k(E, K.slice, picked, index=(builtins.slice(None),) * axis + (builtins.slice(0, 1),)),
              axis=axis)


@op
def SequenceReverse(E, data, sequence_length=None, *, use_sequence_length=False, axis=0):
    """Each sample's first sequence_length[n] steps reversed, the padding after them left in place (all
    steps without lengths); time on axis 0, as MXNet's."""
    if axis != 0:
        raise MXNetError(f"SequenceReverse: only axis 0 is supported (MXNet's), got axis {axis}")
    if not use_sequence_length:
        return flip(E, data, axis=0)
    return _seq_gather(E, data, sequence_length, 0, "SequenceReverse",
                       lambda xp, t, n: xp.where(t < n, n - 1 - t, t))


_CTC_NEG = -1e30   # log(0) as a finite number: unreachable states' gradients are exp(-1e30) = 0, never nan


@op
def CTCLoss(E, data, label, data_lengths=None, label_lengths=None, *, use_data_lengths=False,
            use_label_lengths=False, blank_label="first"):
    """Connectionist Temporal Classification loss, -log p(label | data) per sample: data (T, N, C)
    unnormalized scores (a log_softmax over C first), label (N, L) padded with 0 (blank_label 'first',
    blank = 0) or -1 ('last', blank = C - 1) unless label_lengths are given. The forward (alpha) recursion
    over the 2L + 1 blank-interleaved states in log space, composed of the shared kernels (gather, pad,
    exp, log, sum), so the gradient is autograd's through them; data_lengths freeze each sample's alphas
    after its last step."""
    shape = E.shape(data)
    if len(shape) != 3 or len(E.shape(label)) != 2 or E.shape(label)[0] != shape[1]:
        raise MXNetError(f"CTCLoss: data must be (T, N, C) and label (N, L), got {tuple(shape)} and "
                         f"{tuple(E.shape(label))}")
    if blank_label not in ("first", "last"):
        raise MXNetError(f"Invalid Input: '{blank_label}', valid values are: first, last (CTCLoss's blank_label)")
    T, N, C = shape
    L = E.shape(label)[1]
    S = 2 * L + 1
    blank, padding = (0, 0) if blank_label == "first" else (C - 1, -1)
    extra = tuple(x for x, used in ((label_lengths, use_label_lengths), (data_lengths, use_data_lengths)) if used)

    def states(xp, lab, *lengths):
        """Each sample's label length and its 2L + 1 states: blank, l1, blank, l2, ..., blank."""
        lab = lab.astype("int64")
        if use_label_lengths:
            n = lengths[0].astype("int64")
        else:   # the label ends at its first padding value
            n = xp.where((lab == padding).any(axis=1), (lab == padding).argmax(axis=1), L)
        ext = xp.full((N, S), blank, dtype="int64")
        ext[:, 1::2] = xp.where(xp.arange(L) < n[:, None], lab, blank)
        return ext, n

    def ids(xp, lab, *lengths):
        ext, _ = states(xp, lab, *lengths)
        return xp.ascontiguousarray(xp.broadcast_to(ext[:, None, :], (N, T, S)))

    def masks(xp, x, lab, *lengths):
        """(3, N, S): may skip from s - 2 (a label unlike the one two states back), the start and the end states."""
        ext, n = states(xp, lab, *lengths)
        s = xp.arange(S)
        skip = (s % 2 == 1) & (s >= 2)
        skip = skip & xp.concatenate([xp.zeros((N, 2), bool), ext[:, 2:] != ext[:, :-2]], axis=1)
        start = (s < 2) & ((s == 0) | (n[:, None] > 0))
        end = (s == 2 * n[:, None]) | (s == 2 * n[:, None] - 1)
        return xp.where(xp.stack([skip, start, end]), 0.0, _CTC_NEG).astype(x.dtype)

    logp = _k(E, K.transpose, _k(E, K.log_softmax, data, axis=2), axes=(1, 0, 2))            # (N, T, C)
    emit = _k(E, K.gather, logp, E.nograd(ids, (label,) + extra[:1] if use_label_lengths else (label,),
                                         (N, T, S)), axis=2)                                 # (N, T, S)
    skip, start, end = E.call(K.unstack, (E.nograd(masks, (data, label) + extra[:1] if use_label_lengths
                                                   else (data, label), (3, N, S)),), {"axis": 0})
    if use_data_lengths:   # per step: (1, 0) while a sample runs, (0, 1) after its last step
        def running(xp, x, n):
            live = (xp.arange(T)[:, None, None] < n.reshape(1, N, 1)).astype(x.dtype)
            return xp.stack([live, 1 - live], axis=1)
        gates = E.call(K.unstack, (E.nograd(running, (data, extra[-1]), (T, 2, N, 1)),), {"axis": 0})

    def step(t):
        return _k(E, K.reshape, _k(E, K.slice, emit, index=(builtins.slice(None), builtins.slice(t, t + 1))),
                  shape=(N, S))

    def logsumexp(*xs):
        top = E.nograd(lambda xp, *a: functools.reduce(xp.maximum, a), xs, (N, S))
        total = functools.reduce(lambda a, b: _k(E, K.add, a, b), [_k(E, K.exp, _k(E, K.sub, x, top)) for x in xs])
        return _k(E, K.add, _k(E, K.log, total), top)

    def shifted(alpha, k):
        head = _k(E, K.slice, alpha, index=(builtins.slice(None), builtins.slice(0, S - k)))
        return _k(E, K.pad, head, pad_width=((0, 0), (k, 0)), constant_values=_CTC_NEG)

    alpha = _k(E, K.add, step(0), start)
    for t in range(1, T):
        new = _k(E, K.add, logsumexp(alpha, shifted(alpha, 1), _k(E, K.add, shifted(alpha, 2), skip)) if S > 2
                 else logsumexp(alpha, shifted(alpha, 1)), step(t))
        if use_data_lengths:   # a select, not alpha + live * (new - alpha), which cancels -1e30 against itself
            live, dead = E.call(K.unstack, (gates[t],), {"axis": 0})
            new = _k(E, K.add, _k(E, K.mul, live, new), _k(E, K.mul, dead, alpha))
        alpha = new
    final = _k(E, K.add, alpha, end)
    top = E.nograd(lambda xp, a: a.max(axis=1), (final,), (N,))
    total = _k(E, K.sum, _k(E, K.exp, _k(E, K.sub, final, _k(E, K.reshape, top, shape=(N, 1)))), axis=1)
    return _k(E, K.neg, _k(E, K.add, _k(E, K.log, total), top))


OPS["ctc_loss"] = CTCLoss


@op
def Pooling(E, data, *, kernel=(1, 1), pool_type="max", stride=None, pad=(0, 0), global_pool=False,
            pooling_convention="valid", count_include_pad=True, cudnn_off=False, layout=None, p_value=None):
    """max, avg (counting the padding, MXNet's default), sum or lp (p_value) pooling; global_pool pools
    all of H x W; NCW data (a 1-D kernel) pools over a unit height axis."""
    shape = E.shape(data)
    if pool_type in ("sum", "lp") and len(shape) != 5:
        return _sum_pool(E, data, kernel, stride, pad, global_pool, pooling_convention, pool_type, p_value)
    if len(shape) == 3:
        if not global_pool and len(_tuple(kernel, 1)) != 1:
            raise MXNetError(f"Pooling: kernel {kernel} has 2 axes but the data {tuple(shape)} is NCW; give a "
                             "1-D kernel (k,) or NCHW data")
        return _unit_height(E, data, lambda x: Pooling(
            E, x, kernel=(1,) + _last(kernel), pool_type=pool_type,
            stride=None if stride is None else (1,) + _last(stride), pad=(0,) + _last(pad),
            global_pool=global_pool, pooling_convention=pooling_convention,
            count_include_pad=count_include_pad), "Pooling")
    if pool_type not in ("max", "avg"):
        raise MXNetError(f"Pooling: pool_type {pool_type!r} is not supported; use 'max' or 'avg'")
    if len(shape) == 5:
        if global_pool:
            reduce = K.max if pool_type == "max" else K.mean
            return _k(E, reduce, data, axis=(2, 3, 4), keepdims=True)
        kernel = _tuple(kernel, 3)
        return _pool3d(E, data, kernel, pool_type, (1, 1, 1) if stride is None else _tuple(stride, 3),
                       _tuple(pad, 3), pooling_convention, count_include_pad)
    if len(shape) != 4:
        raise MXNetError(f"Pooling: 1-D (NCW), 2-D (NCHW) and 3-D (NCDHW) input are supported, got shape "
                         f"{tuple(shape)}")
    if global_pool:
        if pool_type == "avg":
            return E.call(K.global_avg_pool2d, (data,), {"keepdims": True})
        kernel, stride, pad, pooling_convention = shape[2:], None, (0, 0), "valid"
    kernel, pad = _tuple(kernel), _tuple(pad)
    stride = (1, 1) if stride is None else _tuple(stride)   # MXNet's Pooling: stride 1 unless given
    if pool_type == "max":
        return E.call(K.max_pool2d, (data,), {"kernel": kernel, "stride": stride, "pad": pad,
                                              "ceil_mode": pooling_convention == "full"})
    return E.call(K.avg_pool2d, (data,), {"kernel": kernel, "stride": stride, "pad": pad,
                                          "ceil_mode": pooling_convention == "full",
                                          "count_include_pad": count_include_pad})


def _sum_pool(E, data, kernel, stride, pad, global_pool, pooling_convention, pool_type, p_value):
    """Pooling's 'sum' (the padding-counting average times the window size) and 'lp' (the p-th root of
    the sum of x^p, MXNet's pool_utils a_pow_p / a_root_p)."""
    if pool_type == "lp":
        if p_value is None:
            raise MXNetError("Pooling: pool_type 'lp' needs p_value")
        if p_value != 1:
            data = _k(E, K.pow, data, exponent=float(p_value))
    shape = E.shape(data)
    if global_pool:
        total = _k(E, K.sum, data, axis=tuple(range(2, len(shape))), keepdims=True)
    else:
        avg = Pooling(E, data, kernel=kernel, pool_type="avg", stride=stride, pad=pad,
                      pooling_convention=pooling_convention, count_include_pad=True)
        total = _k(E, K.mul, avg, float(_prod(_tuple(kernel, len(shape) - 2))))
    if pool_type == "lp" and p_value != 1:
        total = _k(E, K.pow, total, exponent=1.0 / float(p_value))
    return total


@op(params=("weight",), shapes=lambda a, d: {"weight": (a["input_dim"], a["output_dim"])})
def Embedding(E, data, weight, *, input_dim, output_dim, dtype="float32", sparse_grad=False):
    """Rows of weight (input_dim, output_dim) picked by the ids in data; an id out of range reads (and
    trains) the first or last row, as MXNet's Embedding clips (the kernel's mode "clip"): d2l's transformer
    sizes its decoder's embedding by the source vocabulary and runs only because of it."""
    return E.call(K.embedding, (weight, data), _CLIP)


_CLIP = {"mode": "clip"}


@op
def take(E, a, indices, *, axis=0, mode="clip"):
    """Slices of `a` along `axis` picked by `indices` (float ids too; mode 'clip' clamps, MXNet's default)."""
    return E.call(K.take, (a, indices), {"axis": axis, "mode": mode})


@op(params=("gamma", "beta", "moving_mean", "moving_var"), aux=("moving_mean", "moving_var"),
    shapes=lambda a, d: dict.fromkeys(("gamma", "beta", "moving_mean", "moving_var"), (d[a.get("axis", 1)],)))
def BatchNorm(E, data, gamma, beta, moving_mean, moving_var, *, eps=1e-3, momentum=0.9, fix_gamma=True,
              use_global_stats=False, output_mean_var=False, axis=1, cudnn_off=False):
    """The shared batch_norm kernel over channels (axis 1): the batch's statistics when training, which
    update the moving ones in place as m = m * momentum + batch * (1 - momentum) (the kernels' 'decay'
    convention; its variance is the unbiased one, as MXNet's cuDNN path), the moving ones otherwise.
    fix_gamma uses gamma = 1 (no gradient to gamma). Other layouts (NCW, NCDHW, channels on another
    `axis`) run the kernel's (N, C, H, W) form: the channel axis moved to 1, the rest folded into W."""
    if output_mean_var:
        raise MXNetError("BatchNorm: output_mean_var=True is not supported")
    training = E.training and not use_global_stats
    shape = tuple(E.shape(data))
    ax = axis % len(shape)
    perm = None
    if ax != 1:
        perm = tuple(i for i in range(len(shape)) if i != ax)
        perm = perm[:1] + (ax,) + perm[1:]
        data = _k(E, K.transpose, data, axes=perm)
    moved = tuple(E.shape(data))
    if len(moved) not in (2, 4):
        data = _k(E, K.reshape, data, shape=(moved[0], moved[1], 1, _prod(moved[2:])))
    out = E.call(K.batch_norm, (data, None if fix_gamma else gamma, beta, moving_mean, moving_var),
                 {"eps": eps, "momentum": momentum, "training": training, "convention": "decay"})
    if len(moved) not in (2, 4):
        out = _k(E, K.reshape, out, shape=moved)
    if perm is not None:
        out = _k(E, K.transpose, out, axes=tuple(perm.index(i) for i in range(len(perm))))
    return out


@op(n_out=lambda attrs: 3 if attrs.get("state_outputs") else 1)
def RNN(E, data, i2h_weight, h2h_weight, i2h_bias, h2h_bias, state=None, state_cell=None, *,
        state_size, num_layers=1, mode="lstm", state_outputs=False):
    """Fused one-layer LSTM over data (T, N, C) (the shared `lstm` kernel); gluon.rnn.LSTM stacks layers.

    NOTE: MXNet packs all weights into one `parameters` vector; here they stay four named inputs in
    Gluon's layout (i2h (4H, C), h2h (4H, H)). States are (1, N, H); missing states start at zero.
    """
    if mode != "lstm" or num_layers != 1:
        raise MXNetError(f"RNN: only mode 'lstm' with num_layers=1 is supported (got mode {mode!r}, "
                         f"num_layers {num_layers}); gluon.rnn.LSTM stacks layers")
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


def _softmax_label_shape(attrs, d):
    """SoftmaxOutput's label: one id per row; multi_output's (n, ...) without the class axis 1."""
    if attrs.get("multi_output"):
        return {"label": (d[0],) + tuple(d[2:])}
    return {"label": tuple(d[:-1]) if attrs.get("preserve_shape") else (d[0],)}


@op(params=("label",), shapes=_softmax_label_shape)
def SoftmaxOutput(E, data, label, *, grad_scale=1.0, ignore_label=-1.0, multi_output=False, use_ignore=False,
                  preserve_shape=False, normalization="null", out_grad=False, smooth_alpha=0.0):
    """softmax(data) forward; backward gives data (softmax - one_hot(label)) * grad_scale (divided by the
    batch size for normalization 'batch', by the non-ignored count for 'valid') and ignores the head
    gradient, as MXNet's loss layer does; out_grad=True multiplies it by the head gradient instead.
    smooth_alpha > 0 smooths the label as MXNet's SmoothSoftmaxGrad does: the true class's gradient is
    p - 1 + alpha, every other class's p - alpha / (classes - 1).

    Composed from the shared kernels: out = BlockGrad(p) + (data * g - BlockGrad(data * g)) with
    g = BlockGrad(that gradient), so the value is p and d out / d data is g times the head gradient (the
    Executor passes ones to SoftmaxOutput heads unless out_grad).
    """
    if normalization not in ("null", "batch", "valid"):
        raise MXNetError(f"Invalid Input: '{normalization}', valid values are: null, batch, valid")
    shape = tuple(E.shape(data))
    probability_label = tuple(E.shape(label)) == shape   # MXNet's "use probability as label" form
    spatial = 1
    if multi_output:   # softmax over axis 1 of (n, k, ...): run it as rows (n * rest, k), channels last
        perm = (0,) + tuple(range(2, len(shape))) + (1,)
        spatial = _prod(shape[2:])
        x = E.call(K.reshape, (transpose(E, data, axes=perm),), {"shape": (-1, shape[1])})
    elif preserve_shape:   # softmax over the last axis, every other axis a row
        x = data if len(shape) == 2 else E.call(K.reshape, (data,), {"shape": (-1, shape[-1])})
    else:
        x = data if len(shape) == 2 else E.call(K.reshape, (data,), {"shape": (shape[0], -1)})
    flat = E.shape(x)
    p = softmax(E, x, axis=-1)
    if probability_label:
        lab = label
        if multi_output:
            lab = transpose(E, label, axes=perm)
        lab = E.call(K.reshape, (lab,), {"shape": tuple(flat)})

        def grad(xp, prob, q):
            return (prob - q) * grad_scale
    else:
        lab = label
        # the count MXNet divides by: multi_output's 'batch' is the batch size, and its 'null' and
        # 'batch' also divide by the spatial size; otherwise 'batch' is the label count
        batch = shape[0] if multi_output else None

        def grad(xp, prob, lab):
            n = prob.shape[0]
            ids = lab.reshape(-1).astype("int64")
            keep = ids != int(ignore_label) if use_ignore else xp.ones(n, dtype=bool)
            rows, cols = xp.arange(n)[keep], ids[keep]   # each kept row's true class
            if smooth_alpha:
                g = prob - smooth_alpha / (prob.shape[1] - 1)
                g[rows, cols] = prob[rows, cols] - 1 + smooth_alpha
            else:
                g = prob.copy()
                g[rows, cols] -= 1
            if use_ignore:
                g[~keep] = 0
            div = {"null": 1.0, "batch": float(batch or n),
                   "valid": float(builtins.max(int(keep.sum()), 1))}[normalization]
            if normalization != "valid":
                div *= spatial
            g *= grad_scale / div
            return g
    out = loss_head(E, x, p, E.nograd(grad, (p, lab), flat))
    if multi_output:
        inverse = tuple(perm.index(i) for i in range(len(shape)))
        moved = tuple(shape[i] for i in perm)
        return transpose(E, E.call(K.reshape, (out,), {"shape": moved}), axes=inverse)
    return out if len(shape) == 2 else E.call(K.reshape, (out,), {"shape": shape})


OPS["Softmax"] = SoftmaxOutput   # the deprecated name: the same label variable and its shape rule
PARAMS["Softmax"], SHAPES["Softmax"] = PARAMS["SoftmaxOutput"], SHAPES["SoftmaxOutput"]


def loss_head(E, data, value, g):
    """`value` forward, `g` (a no-gradient value of data's shape) as data's gradient whatever the head
    gradient: value + (data * g - the same without gradient), whose derivative is g and whose value is
    `value`: how the loss layers get MXNet's gradients from the shared kernels."""
    shape = E.shape(data)
    xg = E.call(K.mul, (data, g), {})
    inject = E.call(K.sub, (xg, E.nograd(lambda xp, v: v, (xg,), shape)), {})
    return E.call(K.add, (E.nograd(lambda xp, v: v, (value,), shape), inject), {})

# the loss layers whose backward ignores the head gradient (the Executor feeds them ones)
LOSS_OUTPUTS = {"SoftmaxOutput", "Softmax", "LinearRegressionOutput", "LogisticRegressionOutput",
                "MAERegressionOutput"}


def _regression(E, data, label, out, grad_scale, rule):
    """out forward; d/d data = rule(out - label) * grad_scale / (outputs per sample), MXNet's
    RegressionOutput gradient, injected as SoftmaxOutput's is (see there)."""
    shape = E.shape(data)
    per_sample = _prod(shape[1:]) if len(shape) > 1 else 1

    def grad(xp, o, lab):
        return rule(xp, o - lab.reshape(o.shape)) * (grad_scale / per_sample)
    return loss_head(E, data, out, E.nograd(grad, (out, label), shape))


@op(params=("label",), shapes=lambda a, d: {"label": tuple(d)})
def LinearRegressionOutput(E, data, label, *, grad_scale=1.0):
    """data forward; gradient (data - label) * grad_scale / outputs-per-sample (a squared loss layer)."""
    return _regression(E, data, label, data, grad_scale, lambda xp, d: d)


@op(params=("label",), shapes=lambda a, d: {"label": tuple(d)})
def LogisticRegressionOutput(E, data, label, *, grad_scale=1.0):
    """sigmoid(data) forward; gradient (sigmoid(data) - label) * grad_scale / outputs-per-sample."""
    return _regression(E, data, label, E.call(K.sigmoid, (data,), {}), grad_scale, lambda xp, d: d)


@op(params=("label",), shapes=lambda a, d: {"label": tuple(d)})
def MAERegressionOutput(E, data, label, *, grad_scale=1.0):
    """data forward; gradient sign(data - label) * grad_scale / outputs-per-sample (an L1 loss layer)."""
    return _regression(E, data, label, data, grad_scale, lambda xp, d: xp.sign(d))


@op
def MakeLoss(E, data, *, grad_scale=1.0, valid_thresh=0.0, normalization="null"):
    """data forward, as a loss head: backward gives every entry grad_scale (divided by the batch size for
    normalization 'batch', by the count of entries above valid_thresh for 'valid'), ignoring the head
    gradient, as MXNet's MakeLoss; injected as SoftmaxOutput's gradient is (see there)."""
    if normalization not in ("null", "batch", "valid"):
        raise MXNetError(f"Invalid Input: '{normalization}', valid values are: null, batch, valid")
    shape = E.shape(data)

    def grad(xp, d):
        div = {"null": 1.0, "batch": float(shape[0]) if shape else 1.0,
               "valid": float(builtins.max(int((d > valid_thresh).sum()), 1))}[normalization]
        return xp.full(d.shape, grad_scale / div, dtype=d.dtype)
    return loss_head(E, data, data, E.nograd(grad, (data,), shape))


OPS["make_loss"] = MakeLoss
LOSS_OUTPUTS.update({"MakeLoss", "make_loss"})


# ---------------------------------------------------------------- more of MXNet's op set (composed)

@op
def swapaxes(E, data, *, dim1=0, dim2=0):
    """data with axes dim1 and dim2 exchanged (MXNet's SwapAxis)."""
    axes = list(range(len(E.shape(data))))
    axes[dim1], axes[dim2] = axes[dim2], axes[dim1]
    return _k(E, K.transpose, data, axes=tuple(axes))


OPS["SwapAxis"] = swapaxes


@op
def UpSampling(E, *data, scale, sample_type="nearest", num_filter=0, multi_input_mode="concat", num_args=None,
               workspace=512):
    """Nearest-neighbour upsampling of NCHW data by `scale` (each pixel repeated scale x scale); several
    inputs are each brought to the first's size * scale, then concatenated on channels or summed."""
    if sample_type != "nearest":
        raise MXNetError(f"UpSampling: sample_type {sample_type!r} is not supported (bilinear needs a learned "
                         "Deconvolution weight); use 'nearest', or nn.Conv2DTranspose")
    target = E.shape(data[0])[2] * scale
    outs = []
    for x in data:
        r = target // E.shape(x)[2]
        outs.append(repeat(E, repeat(E, x, repeats=r, axis=2), repeats=r, axis=3) if r > 1 else x)
    if len(outs) == 1:
        return outs[0]
    if multi_input_mode == "sum":
        return add_n(E, *outs)
    return _k(E, K.concat, *outs, axis=1)


@op
def flip(E, data, *, axis):
    """data reversed along `axis` (an int or a tuple; MXNet's reverse)."""
    index = [builtins.slice(None)] * len(E.shape(data))
    for a in _tuple(axis, 1):
        index[a] = builtins.slice(None, None, -1)
    return _k(E, K.slice, data, index=tuple(index))


OPS["reverse"] = flip


@op
def repeat(E, data, *, repeats, axis=None):
    """Each element repeated `repeats` times along `axis` (None: of the flattened array)."""
    if axis is None:
        data, axis = _k(E, K.reshape, data, shape=(-1,)), 0
    shape = E.shape(data)
    ax = axis % len(shape)
    # (.., n, ..) -> (.., n, 1, ..) -> broadcast to (.., n, r, ..) -> (.., n * r, ..)
    x = _k(E, K.unsqueeze, data, axis=ax + 1)
    x = _k(E, K.broadcast_to, x, shape=tuple(shape[:ax + 1]) + (repeats,) + tuple(shape[ax + 1:]))
    return _k(E, K.reshape, x, shape=tuple(shape[:ax]) + (shape[ax] * repeats,) + tuple(shape[ax + 1:]))


@op
def batch_dot(E, lhs, rhs, *, transpose_a=False, transpose_b=False, forward_stype=None):
    """(B, M, K) x (B, K, N) -> (B, M, N): the shared batched matmul."""
    return E.call(K.matmul, (lhs, rhs), {"transpose_a": transpose_a, "transpose_b": transpose_b})


@op
def add_n(E, *args, num_args=None):
    """The elementwise sum of any number of arrays (MXNet's ElementWiseSum)."""
    out = args[0]
    for a in args[1:]:
        out = _k(E, K.add, out, a)
    return out


OPS["ElementWiseSum"] = add_n


@op
def broadcast_power(E, lhs, rhs):
    """lhs ** rhs elementwise (no shared two-input pow kernel): exp(rhs * log|lhs|) times the sign a
    negative base takes, (-1) ** rhs for whole exponents and NaN for the others, as pow gives; a number on
    either side runs MXNet's _power_scalar / _rpower_scalar."""
    if isinstance(rhs, (int, float)):
        return _k(E, K.pow, lhs, exponent=rhs)
    if isinstance(lhs, (int, float)):
        return OPS["_rpower_scalar"](E, rhs, scalar=lhs)

    def sign(xp, a, b):
        whole = b == xp.floor(b)
        odd = xp.where(whole, xp.abs(b) % 2, 0) == 1
        return xp.where(a < 0, xp.where(whole, xp.where(odd, -1.0, 1.0), xp.nan), 1.0).astype(a.dtype)
    magnitude = _k(E, K.exp, _k(E, K.mul, rhs, _k(E, K.log, _k(E, K.abs, lhs))))
    return _k(E, K.mul, magnitude, E.nograd(sign, (lhs, rhs), _broadcast_shape(E.shape(lhs), E.shape(rhs))))


OPS["power"] = broadcast_power


def _round_half_away(xp, x):
    """C's round (MXNet's round): halves away from zero, where NumPy's rint rounds them to even.
    x - trunc(x) is exact, so only true halves move."""
    t = xp.trunc(x)
    return xp.where(xp.abs(x - t) == 0.5, t + xp.sign(x), xp.rint(x))


def _round_half_down(xp, x):
    """mshadow_op::rint: floor when x is no nearer ceil than floor, so halves go down (rint(1.5) = 1,
    rint(-1.5) = -2), not to even."""
    lo, hi = xp.floor(x), xp.ceil(x)
    return xp.where(x - lo <= hi - x, lo, hi)


def _rounding(name, fn):
    rule = fn if callable(fn) else (lambda xp, x: getattr(xp, fn)(x))

    def f(E, data):
        return E.nograd(rule, (data,), E.shape(data))
    f.__name__ = name
    f.__doc__ = f"{name}(data): elementwise {getattr(fn, '__name__', fn)}; its gradient is zero (as MXNet's)."
    return op(f)


for _n, _f in (("round", _round_half_away), ("rint", _round_half_down), ("floor", "floor"), ("ceil", "ceil"),
               ("fix", "fix"), ("trunc", "trunc")):
    _rounding(_n, _f)


@op
def log1p(E, data):
    return _k(E, K.log, _k(E, K.add, data, 1.0))


@op
def expm1(E, data):
    return _k(E, K.sub, _k(E, K.exp, data), 1.0)


@op
def softsign(E, data):
    return _ACTIVATIONS["softsign"](E, data)


@op
def smooth_l1(E, data, *, scalar=1.0):
    """0.5 * (scalar * x)^2 / scalar where |x| < 1 / scalar^2, else |x| - 0.5 / scalar^2."""
    s2 = float(scalar) ** 2
    ax = _k(E, K.abs, data)
    quad = _k(E, K.mul, _k(E, K.square, data), 0.5 * s2)
    lin = _k(E, K.sub, ax, 0.5 / s2)
    return _k(E, K.where, OPS["lesser"](E, ax, 1.0 / s2), quad, lin)


@op
def L2Normalization(E, data, *, eps=1e-10, mode="instance"):
    """data / sqrt(sum(data^2) + eps) over every axis but the first (mode 'instance') or axis 1
    ('channel')."""
    nd = len(E.shape(data))
    if mode == "instance":
        axes = tuple(range(1, nd))
    elif mode == "channel":
        axes = (1,)
    elif mode == "spatial":   # each channel of each instance over its spatial axes
        axes = tuple(range(2, nd))
    else:
        raise MXNetError(f"Invalid Input: '{mode}', valid values are: channel, instance, spatial")
    ss = _k(E, K.add, _k(E, K.sum, _k(E, K.square, data), axis=axes, keepdims=True), float(eps))
    return _k(E, K.mul, data, _k(E, K.rsqrt, ss))


@op(params=("gamma", "beta"), shapes=lambda a, d: dict.fromkeys(("gamma", "beta"), (d[a.get("axis", -1)],)),
    n_out=lambda attrs: 3 if attrs.get("output_mean_var") else 1)
def LayerNorm(E, data, gamma, beta, *, axis=-1, eps=1e-5, output_mean_var=False):
    """(x - mean) / sqrt(var + eps) * gamma + beta over `axis` (the biased variance, as MXNet's); with
    output_mean_var also the mean and the std sqrt(var + eps), `axis` kept as 1 (layer_norm.cc)."""
    shape = E.shape(data)
    ax = axis % len(shape)
    mean = _k(E, K.mean, data, axis=ax, keepdims=True)
    centered = _k(E, K.sub, data, mean)
    var = _k(E, K.mean, _k(E, K.square, centered), axis=ax, keepdims=True)
    var_eps = _k(E, K.add, var, float(eps))
    y = _k(E, K.mul, centered, _k(E, K.rsqrt, var_eps))
    if ax != len(shape) - 1:   # gamma and beta run along `axis`
        bshape = tuple(shape[ax] if i == ax else 1 for i in range(len(shape)))
        gamma, beta = _k(E, K.reshape, gamma, shape=bshape), _k(E, K.reshape, beta, shape=bshape)
    out = _k(E, K.add, _k(E, K.mul, y, gamma), beta)
    if output_mean_var:
        return out, mean, _k(E, K.sqrt, var_eps)
    return out


@op(params=("gamma", "beta"), shapes=lambda a, d: dict.fromkeys(("gamma", "beta"), (d[1],)))
def InstanceNorm(E, data, gamma, beta, *, eps=1e-3):
    """Each sample's channel normalized over its spatial axes (2 ...), then * gamma + beta per channel
    (axis 1; the biased variance, as MXNet's)."""
    shape = E.shape(data)
    if len(shape) < 3:
        raise MXNetError(f"InstanceNorm: data needs at least 3 axes (N, C, ...), got shape {tuple(shape)}")
    axes = tuple(range(2, len(shape)))
    centered = _k(E, K.sub, data, _k(E, K.mean, data, axis=axes, keepdims=True))
    var = _k(E, K.mean, _k(E, K.square, centered), axis=axes, keepdims=True)
    y = _k(E, K.mul, centered, _k(E, K.rsqrt, _k(E, K.add, var, float(eps))))
    bshape = (shape[1],) + (1,) * len(axes)
    gamma, beta = _k(E, K.reshape, gamma, shape=bshape), _k(E, K.reshape, beta, shape=bshape)
    return _k(E, K.add, _k(E, K.mul, y, gamma), beta)


@op(params=("gamma", "beta"), shapes=lambda a, d: dict.fromkeys(("gamma", "beta"), (a.get("num_groups", 1),)))
def GroupNorm(E, data, gamma, beta, *, num_groups=1, eps=1e-5, output_mean_var=False):
    """Channels (axis 1) cut into num_groups groups; each sample's group normalized over its channels and
    spatial axes, then * gamma + beta per group (gamma, beta: (num_groups,), as MXNet 1.x's op)."""
    if output_mean_var:
        raise MXNetError("GroupNorm: output_mean_var is not supported")
    shape = E.shape(data)
    if len(shape) < 2 or shape[1] % num_groups:
        raise MXNetError(f"GroupNorm: the channels (axis 1) of data {tuple(shape)} must split into "
                         f"num_groups={num_groups} equal groups")
    grouped = _k(E, K.reshape, data, shape=(shape[0], num_groups, -1))
    centered = _k(E, K.sub, grouped, _k(E, K.mean, grouped, axis=2, keepdims=True))
    var = _k(E, K.mean, _k(E, K.square, centered), axis=2, keepdims=True)
    y = _k(E, K.mul, centered, _k(E, K.rsqrt, _k(E, K.add, var, float(eps))))
    gamma, beta = (_k(E, K.reshape, p, shape=(num_groups, 1)) for p in (gamma, beta))
    return _k(E, K.reshape, _k(E, K.add, _k(E, K.mul, y, gamma), beta), shape=tuple(shape))


@op(params=("weight", "bias"), shapes=lambda a, d: {
    "weight": (d[1], a["num_filter"] // a.get("num_group", 1)) + _tuple(a["kernel"]), "bias": (a["num_filter"],)})
def Deconvolution(E, data, weight, bias=None, *, kernel, num_filter, stride=(1, 1), pad=(0, 0), adj=(0, 0),
                  dilate=(1, 1), target_shape=None, num_group=1, no_bias=True, layout=None, cudnn_tune=None,
                  cudnn_off=False, workspace=512):
    """2-D transposed convolution, NCHW data, weight (in_channels, num_filter / num_group, kh, kw); output
    side (H - 1) * stride - 2 * pad + dilate * (kernel - 1) + 1 + adj: the shared conv_transpose2d kernel (the
    gradient of a convolution with respect to its input). 1-D (kernel (k,), NCW data) runs it over a unit
    height axis; num_group and dilate compose as Convolution's do."""
    if not isinstance(kernel, int) and len(kernel) == 1:
        if layout not in (None, "NCW") or target_shape:
            raise MXNetError(f"Deconvolution: 1-D runs NCW data without target_shape (got layout {layout}, "
                             f"target_shape {target_shape})")
        return _unit_height(E, data, lambda x: Deconvolution(
            E, x, _k(E, K.unsqueeze, weight, axis=2), bias, kernel=(1,) + tuple(kernel), num_filter=num_filter,
            stride=(1,) + _last(stride), pad=(0,) + _last(pad), adj=(0,) + _last(adj), dilate=(1,) + _last(dilate),
            num_group=num_group, no_bias=no_bias), "Deconvolution")
    if layout not in (None, "NCHW") or len(_tuple(kernel)) != 2:
        raise MXNetError("Deconvolution: only 1-D (NCW) and 2-D (NCHW) are supported (got "
                         f"kernel {kernel}, layout {layout})")
    if target_shape and builtins.any(target_shape):
        # deconvolution-inl.h InferPad: pad and adj from the output size asked for (pad, adj ignored)
        pad, adj = [], []
        for h, s, k, d, t in zip(E.shape(data)[2:], _tuple(stride), _tuple(kernel), _tuple(dilate),
                                 _tuple(target_shape)):
            full = s * (h - 1) + d * (k - 1) + 1
            if full < t:
                raise MXNetError(f"Deconvolution: too big target shape: target_shape {tuple(target_shape)} "
                                 f"exceeds the full output side {full} of input {tuple(E.shape(data))}")
            pad.append((full - t + 1) // 2)
            adj.append((full - t) % 2)
    (sh, sw), (ah, aw) = _tuple(stride), _tuple(adj)
    if ah >= sh or aw >= sw:
        raise MXNetError(f"Deconvolution: adj {(ah, aw)} must be smaller than stride {(sh, sw)}")
    return _grouped(E, K.conv_transpose2d, "Deconvolution", data, weight, None if no_bias else bias, num_filter,
                    num_group, dilate, {"stride": (sh, sw), "pad": _tuple(pad), "output_padding": (ah, aw)})


@op
def LRN(E, data, *, nsize, alpha=1e-4, beta=0.75, knorm=2.0):
    """Local response normalisation across channels (NCHW): data / (knorm + alpha / nsize * sum of data^2
    over nsize channels)^beta, the shared lrn kernel."""
    return E.call(K.lrn, (data,), {"size": int(nsize), "alpha": float(alpha), "beta": float(beta),
                                   "k": float(knorm)})


OPS["sum_axis"] = sum
OPS["Reshape"] = reshape
OPS["Concat"] = concat


@op
def SoftmaxActivation(E, data, *, mode="instance"):
    """softmax over each sample's entries (mode 'instance': every axis after the first, flattened) or
    over the channels (mode 'channel': axis 1), MXNet's legacy activation."""
    if mode == "channel":
        return _k(E, K.softmax, data, axis=1)
    if mode != "instance":
        raise MXNetError(f"Invalid Input: '{mode}', valid values are: channel, instance (SoftmaxActivation's mode)")
    shape = E.shape(data)
    if len(shape) <= 2:
        return _k(E, K.softmax, data, axis=-1)
    flat = _k(E, K.softmax, _k(E, K.reshape, data, shape=(shape[0], -1)), axis=-1)
    return _k(E, K.reshape, flat, shape=tuple(shape))


def attrs_from_positions(fn, args, kwargs):
    """(inputs, kwargs) with the arguments past fn's inputs moved to its attributes, in MXNet's order."""
    n = len(fn.input_names)
    extra = args[n:]
    if len(extra) > len(fn.positional_attrs):
        raise TypeError(f"{fn.__name__}() takes at most {n + len(fn.positional_attrs)} positional arguments "
                        f"({len(args)} given)")
    kwargs = dict(kwargs)
    for name, value in zip(fn.positional_attrs, extra):
        if name in kwargs:
            raise TypeError(f"{fn.__name__}() got multiple values for argument {name!r}")
        kwargs[name] = value
    return args[:n], kwargs


def bind_inputs(name, args, kwargs, fill=None):
    """Like split_inputs; inputs of PARAMS[name] not given come from fill(input name) (sym's variables)."""
    fn = OPS[name]
    bound = fn.signature.bind_partial(None, *args, **kwargs)
    if fill is not None:
        for pname in PARAMS.get(name, ()):
            if bound.arguments.get(pname) is None:
                if pname == "bias" and bound.arguments.get(
                        "no_bias", fn.signature.parameters["no_bias"].default if "no_bias" in fn.signature.parameters
                        else False):
                    continue
                if name == "LeakyReLU" and bound.arguments.get("act_type") != "prelu":
                    continue   # only prelu lists gamma among its inputs (leaky_relu.cc's FListInputNames)
                bound.arguments[pname] = fill(pname)
    missing = [p for p in fn.input_names if p not in bound.arguments and
               fn.signature.parameters[p].default is inspect.Parameter.empty]
    if missing:
        raise MXNetError(f"{name}: required input(s) {missing} not given")
    return _split(fn, name, bound)


def _split(fn, name, bound):
    inputs, attrs = [], {}
    for pname, param in fn.signature.parameters.items():
        if pname == "E" or pname not in bound.arguments:
            if param.kind in (param.POSITIONAL_OR_KEYWORD, param.POSITIONAL_ONLY) and pname != "E":
                inputs.append(None)
            continue
        value = bound.arguments[pname]
        if param.kind is param.VAR_POSITIONAL:
            inputs.extend(value)
        elif param.kind is param.KEYWORD_ONLY:
            attrs[pname] = value
        elif param.kind is param.VAR_KEYWORD:
            raise MXNetError(f"{name}: unknown arguments {sorted(value)}")
        else:
            inputs.append(value)
    while inputs and inputs[-1] is None:
        inputs.pop()
    if any(v is None for v in inputs):
        raise TypeError(f"{name}: only trailing optional inputs may be left out")
    return inputs, attrs


def split_inputs(name, args, kwargs):
    """Bind a call of op `name` to (inputs, attrs): positional parameters vs keyword-only ones."""
    return bind_inputs(name, args, kwargs)


from . import operator, ops_detection, ops_linalg, ops_math, ops_random, ops_tensor  # noqa: E402,F401  (file more ops in OPS; they import this module)
