"""Theano's symbolic graph: TensorType, Variable, Constant, SharedVariable, Apply nodes, and the lowering of a
graph onto static_graph ops once the inputs' shapes are known.

A Theano expression is built with types only (dtype and broadcastable pattern, no shapes), as Theano builds
it. `theano.function` lowers it onto a static_graph Graph per distinct signature of input shapes (Theano
too specialises on shapes at run time): every shape is then static, so `x.shape[0]`, `T.arange(n)` and a
scan's number of steps are plain integers, and scan unrolls.
"""
import numpy as np

import frameworks.static_graph as tf

_TF_DTYPES = {"float32": tf.float32, "float64": tf.float64, "int32": tf.int32, "int64": tf.int64,
              "bool": tf.bool}
_KINDS = {0: "scalar", 1: "vector", 2: "matrix", 3: "3D", 4: "4D"}


def tf_dtype(dtype, what="value"):
    """The static_graph dtype for a Theano dtype string; others are a TypeError naming them."""
    try:
        return _TF_DTYPES[str(dtype)]
    except KeyError:
        raise TypeError(f"{what}: dtype {dtype!r} is not supported here (float32, float64, int32, int64 and "
                        "bool are)") from None


def upcast(*dtypes):
    """Theano's upcast: NumPy's promotion of the dtypes (int64 with float32 is float64, as Theano has it)."""
    return str(np.result_type(*[np.dtype(d) for d in dtypes]))


class TensorType:
    """A tensor's type: its dtype and its broadcastable pattern (one bool per dimension)."""

    def __init__(self, dtype, broadcastable, name=None):
        self.dtype = str(np.dtype(dtype)) if dtype != "floatX" else _config().floatX
        tf_dtype(self.dtype, "TensorType")
        self.broadcastable = tuple(bool(b) for b in broadcastable)
        self.name = name
        self._np = np.dtype(self.dtype)
        self._any_bcast = any(self.broadcastable)

    @property
    def ndim(self):
        return len(self.broadcastable)

    def __call__(self, name=None):
        return TensorVariable(self, name=name)

    def __eq__(self, other):
        return isinstance(other, TensorType) and (self.dtype, self.broadcastable) == \
            (other.dtype, other.broadcastable)

    def __hash__(self):
        return hash((self.dtype, self.broadcastable))

    def __repr__(self):
        b = self.broadcastable
        kind = {(True, False): "row", (False, True): "col"}.get(b) if len(b) == 2 else None
        return f"TensorType({self.dtype}, {kind or _KINDS.get(len(b), f'{len(b)}D')})"

    def filter(self, data, strict=False, allow_downcast=None):
        """`data` as an ndarray of this type, or Theano's TypeError (dtype that would lose precision,
        wrong number of dimensions, non-unit broadcastable dimension)."""
        if type(data) is np.ndarray and data.dtype == self._np and data.ndim == len(self.broadcastable) \
                and not self._any_bcast:
            return data   # the steady state of a training loop: nothing to convert or check
        if strict:
            if not isinstance(data, np.ndarray) or str(data.dtype) != self.dtype:
                raise TypeError(f"{self} expected an ndarray of dtype {self.dtype}, got {type(data).__name__}"
                                f" {getattr(data, 'dtype', '')}".rstrip())
        elif allow_downcast:
            data = np.asarray(data, dtype=self.dtype)
        else:
            if not hasattr(data, "dtype"):
                converted = np.asarray(data, dtype=self.dtype)
                original = np.asarray(data)
                # Python values convert when exact (and a Python float always to floatX)
                if np.array_equal(original, converted) or (isinstance(data, float) and
                                                           self.dtype == _config().floatX):
                    data = converted
                else:
                    data = original
            if upcast(self.dtype, data.dtype) == self.dtype:
                data = np.asarray(data, dtype=self.dtype)
            else:
                raise TypeError(f"{self} cannot store a value of dtype {data.dtype} without risking loss of "
                                f"precision. If you do not mind this loss, you can: 1) explicitly cast your "
                                f"data to {self.dtype}, or 2) set \"allow_input_downcast=True\" when calling "
                                f"\"function\".")
        if data.ndim != self.ndim:
            raise TypeError(f"Wrong number of dimensions: expected {self.ndim}, got {data.ndim} with shape "
                            f"{data.shape}.")
        for i, b in enumerate(self.broadcastable):
            if b and data.shape[i] != 1:
                raise TypeError(f"Non-unit value on shape on a broadcastable dimension: shape {data.shape}, "
                                f"broadcastable {self.broadcastable}.")
        return data


def _config():
    from . import config
    return config


class Apply:
    """One op applied to input variables: `lower(L, *input_values, **attrs)` builds its static_graph ops.
    `static` names the inputs whose values must be known integers when the graph is lowered (slice
    bounds, reshape targets, n_steps): an integer scalar function input reaching one is keyed by value."""

    def __init__(self, op, lower, inputs, attrs, static=()):
        self.op = op
        self.lower = lower
        self.inputs = list(inputs)
        self.attrs = attrs
        self.static = tuple(static)
        self.outputs = []

    def __repr__(self):
        return f"{self.op}({', '.join(str(i) for i in self.inputs)})"


class Variable:
    """A symbolic value: a type, and the Apply node that computes it (None for inputs and constants)."""

    def __init__(self, type, owner=None, index=0, name=None):  # noqa: A002  (Theano's name)
        self.type = type
        self.owner = owner
        self.index = index
        self.name = name
        self.tag = _Tag()

    def __repr__(self):
        if self.name:
            return self.name
        if self.owner is not None:
            return f"{self.owner.op}.{self.index}" if len(self.owner.outputs) > 1 else f"{self.owner.op}.out"
        return f"<{self.type}>"

    __str__ = __repr__
    __hash__ = object.__hash__


class _Tag:
    """Theano's free-form `var.tag` (test_value and the like)."""


class TensorVariable(Variable):
    """A tensor expression with NumPy-style operators and Theano's methods (dimshuffle, flatten, ...)."""

    dtype = property(lambda self: self.type.dtype)
    broadcastable = property(lambda self: self.type.broadcastable)
    ndim = property(lambda self: self.type.ndim)

    def _t(self):
        from . import tensor
        return tensor

    # arithmetic
    def __add__(self, o): return self._t().add(self, o)
    def __radd__(self, o): return self._t().add(o, self)
    def __sub__(self, o): return self._t().sub(self, o)
    def __rsub__(self, o): return self._t().sub(o, self)
    def __mul__(self, o): return self._t().mul(self, o)
    def __rmul__(self, o): return self._t().mul(o, self)
    def __truediv__(self, o): return self._t().true_div(self, o)
    def __rtruediv__(self, o): return self._t().true_div(o, self)
    def __floordiv__(self, o): return self._t().int_div(self, o)
    def __rfloordiv__(self, o): return self._t().int_div(o, self)
    def __pow__(self, o): return self._t().pow(self, o)
    def __rpow__(self, o): return self._t().pow(o, self)
    def __neg__(self): return self._t().neg(self)
    def __abs__(self): return self._t().abs_(self)
    def __lt__(self, o): return self._t().lt(self, o)
    def __le__(self, o): return self._t().le(self, o)
    def __gt__(self, o): return self._t().gt(self, o)
    def __ge__(self, o): return self._t().ge(self, o)
    def __invert__(self): return self._t().invert(self)
    def __and__(self, o): return self._t().and_(self, o)
    def __or__(self, o): return self._t().or_(self, o)
    def __getitem__(self, index): return self._t().subtensor(self, index)

    def __iter__(self):
        raise TypeError("TensorType does not support iteration. Maybe you are using builtins.sum instead of "
                        "theano.tensor.sum? (Maybe .max?)")

    def __bool__(self):
        raise TypeError("Variables do not support boolean operations.")

    def __len__(self):
        raise TypeError("object of type 'TensorVariable' has no len()")

    # methods
    T = property(lambda self: self._t().transpose(self))
    shape = property(lambda self: self._t().shape(self))
    size = property(lambda self: self._t().prod(self.shape))

    def dimshuffle(self, *pattern):
        if len(pattern) == 1 and isinstance(pattern[0], (list, tuple)):
            pattern = tuple(pattern[0])
        return self._t().dimshuffle(self, pattern)

    def flatten(self, ndim=1, outdim=None):
        return self._t().flatten(self, ndim if outdim is None else outdim)

    def reshape(self, shape, ndim=None):
        return self._t().reshape(self, shape, ndim)

    def transpose(self, *axes):
        return self._t().transpose(self, axes[0] if len(axes) == 1 else (axes or None))

    def astype(self, dtype):
        return self._t().cast(self, dtype)

    def sum(self, axis=None, dtype=None, keepdims=False, acc_dtype=None):
        return self._t().sum(self, axis=axis, dtype=dtype, keepdims=keepdims)

    def mean(self, axis=None, dtype=None, keepdims=False, acc_dtype=None):
        return self._t().mean(self, axis=axis, dtype=dtype, keepdims=keepdims)

    def prod(self, axis=None, dtype=None, keepdims=False, acc_dtype=None):
        return self._t().prod(self, axis=axis, keepdims=keepdims)

    def max(self, axis=None, keepdims=False):
        return self._t().max(self, axis=axis, keepdims=keepdims)

    def min(self, axis=None, keepdims=False):
        return self._t().min(self, axis=axis, keepdims=keepdims)

    def argmax(self, axis=None, keepdims=False):
        return self._t().argmax(self, axis=axis, keepdims=keepdims)

    def argmin(self, axis=None, keepdims=False):
        return self._t().argmin(self, axis=axis, keepdims=keepdims)

    def var(self, axis=None, keepdims=False):
        return self._t().var(self, axis=axis, keepdims=keepdims)

    def std(self, axis=None, keepdims=False):
        return self._t().std(self, axis=axis, keepdims=keepdims)

    def norm(self, L, axis=None):
        return self._t().pow(self._t().sum(self._t().pow(abs(self), L), axis=axis), 1.0 / L)

    def clip(self, a_min, a_max):
        return self._t().clip(self, a_min, a_max)

    def dot(self, other):
        return self._t().dot(self, other)

    def nonzero(self, *a, **k):
        raise NotImplementedError("nonzero has a data-dependent shape; compute it with NumPy on a fetched value")

    def eval(self, inputs_to_values=None):
        """Compile a function for this variable (inputs are the keys) and run it, as Theano's eval."""
        from .compile import function
        inputs_to_values = inputs_to_values or {}
        inputs = list(inputs_to_values)
        return function(inputs, self, on_unused_input="ignore")(*[inputs_to_values[i] for i in inputs])


class TensorConstant(TensorVariable):
    """A constant: its value is lowered as a static_graph Const where an op needs a tensor."""

    def __init__(self, type, data, name=None):  # noqa: A002
        super().__init__(type, name=name)
        self.data = data

    def __repr__(self):
        if self.name:
            return self.name
        return f"TensorConstant{{{self.data}}}" if self.data.size < 8 else "TensorConstant{...}"


class SharedVariable(TensorVariable):
    """A variable with a value that lives across calls (a static_graph Variable in the runtime's session)."""

    def __init__(self, type, value, runtime, name=None, strict=False, allow_downcast=None):  # noqa: A002
        super().__init__(type, name=name)
        self._runtime = runtime
        self._strict, self._allow_downcast = strict, allow_downcast
        with runtime.graph.as_default():
            self.variable = tf.Variable(value, name=_tf_name(name or "shared"))
        self._shape = value.shape
        runtime.session.run(self.variable.initializer)

    def get_value(self, borrow=False, return_internal_type=False):
        """The current value, a NumPy array (a copy: values live in the session's device arrays)."""
        return self._runtime.session.run(self.variable)

    def set_value(self, value, borrow=False):
        value = self.type.filter(value, strict=self._strict, allow_downcast=self._allow_downcast)
        if value.shape != self._shape:
            raise ValueError(f"set_value on {self}: shape {value.shape} differs from {self._shape}; functions "
                             "are compiled for the shared variable's shape here, make a new shared variable")
        self.variable.load(value, self._runtime.session)

    def clone(self):
        return self

    def __repr__(self):
        return self.name or f"<{self.type}>"


def _tf_name(name):
    out = "".join(ch if ch.isalnum() or ch in "_.-/" else "_" for ch in str(name))
    return out if out and (out[0].isalnum() or out[0] == ".") else "v" + out


def as_variable(x, dtype=None, name=None):
    """A TensorVariable for `x`: Variables pass; Python and NumPy values become a TensorConstant (a Python
    float is floatX and a Python int int64 unless told otherwise, as Theano's autocasting does)."""
    if isinstance(x, Variable):
        return x
    if isinstance(x, (list, tuple)) and any(isinstance(v, Variable) for v in x):
        from . import tensor
        return tensor.stack(list(x))
    if dtype is None:
        if isinstance(x, bool):
            dtype = "bool"
        elif isinstance(x, float):
            dtype = _config().floatX
        elif isinstance(x, int):
            dtype = "int64"
        elif isinstance(x, (list, tuple)):
            arr = np.asarray(x)
            dtype = _config().floatX if arr.dtype == np.float64 else str(arr.dtype)
    data = np.asarray(x, dtype=dtype)
    if str(data.dtype) not in _TF_DTYPES:
        data = data.astype(upcast(data.dtype, "int32") if data.dtype.kind in "iu" else _config().floatX)
    data.flags.writeable = False
    return TensorConstant(TensorType(data.dtype, [d == 1 for d in data.shape]), data, name=name)


def constant_value(v):
    """The value of a constant variable (NumPy), or None when `v` is not a TensorConstant."""
    return v.data if isinstance(v, TensorConstant) else None


def apply(op, lower, inputs, out_types, static=(), **attrs):
    """Add an Apply node; returns its output variable (or the list of them)."""
    node = Apply(op, lower, inputs, attrs, static)
    node.trace = _user_frame()
    node.outputs = [TensorVariable(t, owner=node, index=i) for i, t in enumerate(out_types)]
    return node.outputs[0] if len(out_types) == 1 else node.outputs


def _user_frame():
    """file:line of the program line that built the node (the first frame outside this package)."""
    import os
    import sys
    here = os.path.dirname(os.path.abspath(__file__))
    frame = sys._getframe(2)
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(here):
        frame = frame.f_back
    return f"{frame.f_code.co_filename}:{frame.f_lineno}" if frame is not None else "?"


def _explained(error, node, values):
    """The error with Theano's account of the node: which Apply, its inputs' types and shapes, and the
    program line that built it."""
    shapes = [tuple(np.shape(v)) if is_static(v) else
              (tuple(v.shape.dims) if v.shape.dims is not None else "?") for v in values]
    types = [str(i.type) for i in node.inputs]
    e = type(error)(f"{error}\nApply node that caused the error: {node.op}({', '.join(map(repr, node.inputs))})\n"
                    f"Inputs types: [{', '.join(types)}]\nInputs shapes: {shapes}\n"
                    f"Backtrace when the node is created: {getattr(node, 'trace', '?')}")
    e._theano_node = True
    return e


# ---------------------------------------------------------------- walking

def ancestors(outputs, stop=()):
    """Every variable `outputs` depend on (through owners, and through a scan's inner graph), in no order."""
    seen, stack = set(), [o for o in outputs if o is not None]
    stop = set(stop)
    while stack:
        v = stack.pop()
        if v in seen:
            continue
        seen.add(v)
        if v in stop or v.owner is None:
            continue
        stack.extend(v.owner.inputs)
        stack.extend(v.owner.attrs.get("_closure", ()))
    return seen


# ---------------------------------------------------------------- lowering

class MissingInputError(Exception):
    """A variable the outputs need is neither an input, a shared variable nor a constant (theano.gof's)."""


class Lowering:
    """Lowers variables onto static_graph tensors (or NumPy values, for integers known when lowering).

    `memo` starts with the inputs' placeholders (or their values, for inputs keyed by value); `givens`
    substitutes variables; a child lowering (one scan step) keeps its own memo for the variables that
    depend on the step and asks its parent for every other."""

    def __init__(self, memo, givens=None, parent=None, local=None):
        self.memo = memo
        self.givens = givens or {}
        self.parent = parent
        self.local = local   # the variables a child lowering computes itself (scan's step-dependent set)
        self.nodes = {}
        self.grad_groups = parent.grad_groups if parent is not None else {}   # cost -> every wrt asked
        self.grad_cache = parent.grad_cache if parent is not None else {}

    def __call__(self, var):
        if var in self.memo:
            return self.memo[var]
        if self.parent is not None and var not in self.local:
            return self.parent(var)
        if var in self.givens:
            value = self.memo[var] = self(self.givens[var])
            return value
        if isinstance(var, TensorConstant):
            return var.data
        if isinstance(var, SharedVariable):
            return var.variable
        node = var.owner
        if node is None:
            raise MissingInputError(
                f"Input 0 of the graph (indices start from 0), used to compute {var!r}, was not provided and "
                f"not given a value. Use the Theano flag exception_verbosity='high', for more information on "
                f"this error. (Variable {var!r} of type {var.type} is missing from the function's inputs.)")
        out = self.nodes.get(node)
        if out is None:
            values = [self(i) for i in node.inputs]
            for i in node.static:
                if isinstance(values[i], tf.Tensor):
                    raise TypeError(f"{node.op}: input {i} ({node.inputs[i]!r}) must be known when the function "
                                    "is compiled (a constant, a shape, or an integer scalar input), got a "
                                    "value computed at run time")
            try:
                out = node.lower(self, *values, **{k: v for k, v in node.attrs.items() if not k.startswith("_")})
            except (ValueError, TypeError, IndexError, NotImplementedError) as e:
                if getattr(e, "_theano_node", False):
                    raise
                raise _explained(e, node, values) from None
            if len(node.outputs) == 1:
                out = (out,)
            self.nodes[node] = out
        value = out[var.index]
        self.memo[var] = value
        return value

    def child(self, bindings, local):
        return Lowering(dict(bindings), parent=self, local=local)


def as_tf(value, dtype):
    """A static_graph tensor of Theano dtype `dtype` for a lowered value (casting a tensor if needed). A
    small constant is made with no control inputs, so static_graph's common-subexpression pass merges equal
    ones and the ops that read them (Theano's MergeOptimizer: a hand-written Adam's bias corrections,
    computed once)."""
    if isinstance(value, tf.Tensor):
        if value.dtype != tf_dtype(dtype):
            return tf.cast(value, tf_dtype(dtype))
        return value
    arr = np.asarray(value, dtype=dtype)
    if arr.size > 64:
        return tf.constant(arr)
    with tf.control_dependencies(None):   # mergeable with any equal Const
        return tf.constant(arr)


def is_static(value):
    return not isinstance(value, tf.Tensor)


def static_shape(value, what="value"):
    """The static shape of a lowered value (every dimension known: inputs are lowered with their shapes)."""
    if is_static(value):
        return tuple(np.shape(value))
    dims = value.shape.dims
    if dims is None or None in dims:
        raise ValueError(f"{what}: the shape {value.shape} is not known when lowering")
    return tuple(dims)
