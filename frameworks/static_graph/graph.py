"""The TF1 data model: DType, TensorShape, Graph, Operation, Tensor, name scopes and control dependencies."""
import contextlib
import re

import numpy as np

from frameworks.kernels import ShapeError


# ---------------------------------------------------------------- dtypes

class DType:
    """A TF dtype: a name plus the NumPy dtype it stands for."""

    def __init__(self, name, np_dtype):
        self.name = name
        self.as_numpy_dtype = np.dtype(np_dtype).type
        self.np = np.dtype(np_dtype)

    @property
    def is_floating(self):
        return self.np.kind == "f"

    @property
    def is_integer(self):
        return self.np.kind in "iu"

    def __repr__(self):
        return f"tf.{self.name}"

    def __eq__(self, other):
        try:
            return self.np == as_dtype(other).np
        except TypeError:
            return NotImplemented

    def __hash__(self):
        return hash(self.np)


float32 = DType("float32", np.float32)
float64 = DType("float64", np.float64)
int32 = DType("int32", np.int32)
int64 = DType("int64", np.int64)
bool_ = DType("bool", np.bool_)
float16 = DType("float16", np.float16)
int8 = DType("int8", np.int8)
int16 = DType("int16", np.int16)
uint8 = DType("uint8", np.uint8)
uint16 = DType("uint16", np.uint16)
# byte strings (tf.constant('Hello') runs to b'Hello', as TF's do) and summaries' serialized values
string = DType("string", np.object_)
_DTYPES = {d.np: d for d in (float16, float32, float64, int8, int16, int32, int64, uint8, uint16, bool_,
                             string)}
_NAMES = {"float": float32, "half": float16, "double": float64,
          **{d.name: d for d in _DTYPES.values()}}   # TF's names: "float" is float32, not NumPy's float64


def as_dtype(d):
    """A DType from a DType, a NumPy dtype/type or a name."""
    if isinstance(d, DType):
        return d
    if isinstance(d, str) and d in _NAMES:
        return _NAMES[d]
    try:
        d = np.dtype(d)
        return string if d.kind in "SUO" else _DTYPES[d]
    except (KeyError, TypeError):
        raise TypeError(f"unsupported dtype {d!r}; supported: {', '.join(x.name for x in _DTYPES.values())}")


# ---------------------------------------------------------------- shapes

class TensorShape:
    """A static shape whose dimensions may be unknown (None), as TF's TensorShape."""

    def __init__(self, dims):
        self.dims = None if dims is None else tuple(None if d is None or d == -1 else int(d) for d in dims)

    @property
    def ndims(self):
        return None if self.dims is None else len(self.dims)

    def as_list(self):
        if self.dims is None:
            raise ValueError("as_list() is not defined on an unknown TensorShape")
        return list(self.dims)

    def is_fully_defined(self):
        return self.dims is not None and None not in self.dims

    def is_compatible_with(self, shape):
        other = tuple(shape)
        if self.dims is None:
            return True
        return len(other) == len(self.dims) and all(a is None or a == b for a, b in zip(self.dims, other))

    def __iter__(self):
        return iter(self.dims or ())

    def __len__(self):
        return len(self.dims)

    def __getitem__(self, i):
        return self.dims[i]

    def __eq__(self, other):
        if isinstance(other, TensorShape):
            return self.dims == other.dims
        try:
            return self.dims == tuple(other)
        except TypeError:
            return NotImplemented

    def __hash__(self):
        return hash(self.dims)

    def __repr__(self):
        if self.dims is None:
            return "TensorShape(None)"
        return "(" + ", ".join("?" if d is None else str(d) for d in self.dims) + \
            ("," if len(self.dims) == 1 else "") + ")"


# ---------------------------------------------------------------- graph

class Tensor:
    """One output of an Operation: a symbolic value with a static shape and a dtype."""

    def __init__(self, op, index, dtype, shape):
        self.op = op
        self.value_index = index
        self.dtype = dtype
        self._shape = TensorShape(shape)

    @property
    def name(self):
        return f"{self.op.name}:{self.value_index}"

    @property
    def graph(self):
        return self.op.graph

    @property
    def shape(self):
        return self._shape

    def get_shape(self):
        return self._shape

    def __iter__(self):
        # TF 1.x in graph mode: a Tensor has no elements to iterate yet (without this, __getitem__ would
        # make `for row in t` and zip(t, ...) quietly slice it)
        raise TypeError("Tensor objects are only iterable when eager execution is enabled. To iterate over "
                        "this tensor use tf.map_fn.")

    def set_shape(self, shape):
        """Refine the static shape (TF's set_shape): known dimensions must agree."""
        new = TensorShape(shape)
        if self._shape.dims is not None and new.dims is not None:
            if len(new.dims) != len(self._shape.dims) or any(
                    a is not None and b is not None and a != b for a, b in zip(self._shape.dims, new.dims)):
                raise ValueError(f"Shapes {self._shape} and {new} are not compatible")
            new = TensorShape([a if a is not None else b for a, b in zip(self._shape.dims, new.dims)])
        if new.dims is not None:
            self._shape = new

    def eval(self, feed_dict=None, session=None):
        from .session import get_default_session
        return (session or get_default_session()).run(self, feed_dict)

    def __repr__(self):
        dtype = "saved" if self.dtype is None else self.dtype.name
        return f"<tf.Tensor '{self.name}' shape={self._shape} dtype={dtype}>"

    __hash__ = object.__hash__

    # operator overloads (TF's math_ops); imported lazily to keep the module graph acyclic
    def __add__(self, other):
        return _ops().add(self, other)

    def __radd__(self, other):
        return _ops().add(other, self)

    def __sub__(self, other):
        return _ops().subtract(self, other)

    def __rsub__(self, other):
        return _ops().subtract(other, self)

    def __mul__(self, other):
        return _ops().multiply(self, other)

    def __rmul__(self, other):
        return _ops().multiply(other, self)

    def __truediv__(self, other):
        return _ops().divide(self, other)

    def __rtruediv__(self, other):
        return _ops().divide(other, self)

    def __matmul__(self, other):
        return _ops().matmul(self, other)

    def __rmatmul__(self, other):
        return _ops().matmul(other, self)

    def __neg__(self):
        return _ops().negative(self)

    def __pow__(self, other):
        return _ops().pow(self, other)

    def __getitem__(self, index):
        return _ops().slice_(self, index)

    # comparisons build ops, as in TF1 (== and != stay Python identity there too)
    def __lt__(self, other):
        return _ops().less(self, other)

    def __le__(self, other):
        return _ops().less_equal(self, other)

    def __gt__(self, other):
        return _ops().greater(self, other)

    def __ge__(self, other):
        return _ops().greater_equal(self, other)

    def __and__(self, other):
        return _ops().logical_and(self, other)

    def __or__(self, other):
        return _ops().logical_or(self, other)

    def __invert__(self):
        return _ops().logical_not(self)

    def __abs__(self):
        return _ops().abs(self)


def _ops():
    from . import ops
    return ops


class Operation:
    """A node: a type, input tensors, attributes, output tensors and control inputs.

    `kernel` is the shared kernel class for ops that compute through one (None for graph-level ops such
    as Placeholder, VariableV2 or the optimizer updates). Kernel ops also own a hidden `_saved` tensor:
    the kernel's `saved` value, which only gradient ops read, so the plan can free it after its last one.
    """

    def __init__(self, graph, op_type, name, inputs, attrs, kernel=None):
        self.graph = graph
        self.type = op_type
        self.name = name
        self.inputs = list(inputs)
        self.attrs = dict(attrs)
        self.kernel = kernel
        self.outputs = []
        self._saved = None
        self.control_inputs = list(graph._control_stack_ops())
        self.device = graph._device
        self._id = len(graph._ops)
        # the cond branch / loop body being traced when the op was made (None: the graph's top level);
        # such an op runs only inside its If / While op's sub-plan (control_flow_ops.py)
        self._ctx = graph._ctx

    def _add_outputs(self, specs):
        self.outputs = [Tensor(self, i, dt, shp) for i, (dt, shp) in enumerate(specs)]
        if self.kernel is not None:
            self._saved = Tensor(self, len(self.outputs), None, None)

    def get_attr(self, name):
        return self.attrs[name]

    def run(self, feed_dict=None, session=None):
        from .session import get_default_session
        (session or get_default_session()).run(self, feed_dict)

    def __repr__(self):
        return f"<tf.Operation '{self.name}' type={self.type}>"


class Graph:
    """A dataflow graph: operations in creation order, unique names, name scopes, collections."""

    def __init__(self):
        self._ops = []
        self._names = {}
        self._name_counts = {}
        self._scope = ""
        self._control_stack = []
        self._collections = {}
        self.seed = None
        self._device = ""
        self._version = 0   # bumped on every new op, so cached plans know the graph changed
        self._ctx = None    # the control-flow context being traced (control_flow_ops.py)

    # --- names
    def unique_name(self, name):
        full = f"{self._scope}/{name}" if self._scope else name
        key = full.lower()
        n = self._name_counts.get(key, 0)
        self._name_counts[key] = n + 1
        if n:
            while f"{full}_{n}".lower() in self._name_counts:
                n += 1
            full = f"{full}_{n}"
            self._name_counts[full.lower()] = 1
        return full

    @contextlib.contextmanager
    def name_scope(self, name):
        old = self._scope
        if name is None or name == "":
            self._scope = ""
        elif name.endswith("/"):
            self._scope = name[:-1]
        else:
            self._scope = self.unique_name(name)
        try:
            yield self._scope + "/"
        finally:
            self._scope = old

    # --- control dependencies
    def _control_stack_ops(self):
        out = []
        for ops in self._control_stack:
            for o in ops:
                if o not in out:
                    out.append(o)
        return out

    @contextlib.contextmanager
    def control_dependencies(self, control_inputs):
        if control_inputs is None:   # TF: None clears the outer dependencies
            saved, self._control_stack = self._control_stack, []
            try:
                yield
            finally:
                self._control_stack = saved
            return
        ops = [c.op if isinstance(c, Tensor) else as_operation(c) for c in control_inputs]
        self._control_stack.append(ops)
        try:
            yield
        finally:
            self._control_stack.pop()

    @contextlib.contextmanager
    def device(self, device_name_or_function):
        """tf.device: ops created inside carry the device string; the Session checks it at run time
        (this engine has one device per session)."""
        if callable(device_name_or_function):
            from .errors import UnimplementedError
            raise UnimplementedError(None, None, "tf.device with a device function is not supported; "
                                     "pass a device string such as '/cpu:0'")
        from .unsupported import parse_device
        spec = device_name_or_function or ""
        parse_device(spec)   # a malformed string fails here, as TF's DeviceSpec does
        old = self._device
        self._device = spec
        try:
            yield
        finally:
            self._device = old

    # --- ops
    def create_op(self, op_type, inputs, attrs=None, name=None, kernel=None, outputs=None, infer=None):
        """Add an op. `outputs` is a list of (dtype, shape), or None to infer one output through the
        kernel's shape rule (dtype of the first input). Shape errors name the op and every input shape."""
        if not re.match(r"^[A-Za-z0-9.][A-Za-z0-9_.\-/]*$", name or op_type):
            raise ValueError(f"'{name}' is not a valid op name")
        for t in inputs:
            if t.graph is not self:
                raise ValueError(f"Tensor {t.name} must be from the same graph as the new op {op_type!r}")
        name = self.unique_name(name or op_type)
        op = Operation(self, op_type, name, inputs, attrs or {}, kernel)
        if outputs is None:
            rule = infer or kernel.infer
            shapes = [t.shape.dims for t in inputs]
            n_out = 1 if kernel is None else kernel.n_outputs
            try:   # an input of unknown rank (a placeholder without shape) leaves the output unknown
                shape = rule(*shapes, **op.attrs) if None not in shapes else \
                    (None if n_out == 1 else (None,) * n_out)
            except ShapeError as e:
                listed = ", ".join("<unknown>" if s is None else str(list(s)).replace("None", "?")
                                   for s in shapes)
                raise ValueError(f"{e} for '{name}' (op: '{op_type}') with input shapes: {listed}.") from None
            dtype = inputs[0].dtype if inputs else float32
            if n_out != 1:
                outputs = [(dtype, s) for s in shape]
            else:
                outputs = [(dtype, shape)]
        op._add_outputs(outputs)
        if op._ctx is not None:
            op._ctx.ops.append(op)
        self._ops.append(op)
        self._names[name] = op
        self._version += 1
        return op

    @contextlib.contextmanager
    def _lifted(self):
        """Ops made here belong to the top level, not to a cond branch or loop body being traced (TF's
        init_scope: a variable created inside a branch is initialized and read like any other)."""
        saved_ctx, saved_stack = self._ctx, self._control_stack
        self._ctx, self._control_stack = None, []
        try:
            yield
        finally:
            self._ctx, self._control_stack = saved_ctx, saved_stack

    def get_operations(self):
        return list(self._ops)

    def get_operation_by_name(self, name):
        try:
            return self._names[name]
        except KeyError:
            raise KeyError(f"The name '{name}' refers to an Operation not in the graph.") from None

    def get_tensor_by_name(self, name):
        op_name, _, index = name.partition(":")
        return self.get_operation_by_name(op_name).outputs[int(index or 0)]

    # --- collections
    def add_to_collection(self, key, value):
        self._collections.setdefault(key, []).append(value)

    def add_to_collections(self, names, value):
        for key in ([names] if isinstance(names, str) else names):
            self.add_to_collection(key, value)

    def get_collection(self, key, scope=None):
        """The collection's items; with `scope`, those whose name matches it from the start (re.match)."""
        items = list(self._collections.get(key, []))
        if scope is None:
            return items
        return [v for v in items if hasattr(v, "name") and re.match(scope, v.name)]

    def get_collection_ref(self, key):
        return self._collections.setdefault(key, [])

    def get_all_collection_keys(self):
        return list(self._collections)

    @contextlib.contextmanager
    def as_default(self):
        _STACK.append(self)
        try:
            yield self
        finally:
            _STACK.pop()

    def as_graph_def(self):
        """A JSON-able description: one entry per op with its type, inputs, attrs and output shapes."""
        from .export import graph_def
        return graph_def(self)


def as_operation(x):
    if isinstance(x, Operation):
        return x
    if isinstance(x, Tensor):
        return x.op
    op = getattr(x, "op", None)
    if isinstance(op, Operation):
        return op
    raise TypeError(f"can not convert {x!r} to an Operation")


_DEFAULT = [Graph()]
_STACK = []


def get_default_graph():
    return _STACK[-1] if _STACK else _DEFAULT[0]


def reset_default_graph():
    if _STACK:
        raise AssertionError("Do not use tf.reset_default_graph() inside a `with graph.as_default()` block")
    _DEFAULT[0] = Graph()
    from . import session
    session._reset_default_session()


def name_scope(name, default_name=None, values=None):
    return get_default_graph().name_scope(name if name is not None else default_name)


def control_dependencies(control_inputs):
    return get_default_graph().control_dependencies(control_inputs)


def device(device_name_or_function):
    return get_default_graph().device(device_name_or_function)


def set_random_seed(seed):
    get_default_graph().seed = seed


def add_to_collection(name, value):
    get_default_graph().add_to_collection(name, value)


def add_to_collections(names, value):
    get_default_graph().add_to_collections(names, value)


def get_collection(key, scope=None):
    return get_default_graph().get_collection(key, scope)


def get_collection_ref(key):
    return get_default_graph().get_collection_ref(key)


class GraphKeys:
    """Collection names, as tf.GraphKeys."""
    GLOBAL_VARIABLES = "variables"
    LOCAL_VARIABLES = "local_variables"
    MODEL_VARIABLES = "model_variables"
    METRIC_VARIABLES = "metric_variables"
    TRAINABLE_VARIABLES = "trainable_variables"
    UPDATE_OPS = "update_ops"
    GLOBAL_STEP = "global_step"
    LOSSES = "losses"
    REGULARIZATION_LOSSES = "regularization_losses"
    SUMMARIES = "summaries"
    TRAIN_OP = "train_op"
    INIT_OP = "init_op"
    LOCAL_INIT_OP = "local_init_op"
    SAVERS = "savers"
    QUEUE_RUNNERS = "queue_runners"
