"""sym: the symbolic API (MXNet's Symbol): var, the ops of ops.py as graph nodes, infer_shape,
list_arguments, tojson/load_json, and an Executor (simple_bind/bind) over a CachedGraph."""
import contextlib
import json
import sys

from .. import kernels as K
from .. import plan
from .base import ShapeError
from .context import as_context
from .graph import CachedGraph, trace
from .ops import N_OUTPUTS, OPS, split_inputs


class _Node:
    """A graph node: an op applied to (node, output index) inputs, or a variable (op None)."""
    __slots__ = ("op", "name", "attrs", "inputs", "n_out", "__weakref__")

    def __init__(self, op, name, attrs, inputs, n_out=1):
        self.op, self.name, self.attrs, self.inputs, self.n_out = op, name, attrs, inputs, n_out


_COUNTS = {}
_PREFIX = [""]


@contextlib.contextmanager
def prefix(p):
    """Name the nodes made inside after `p` (a Gluon block's prefix while it is traced)."""
    _PREFIX.append(p)
    try:
        yield
    finally:
        _PREFIX.pop()


def _auto_name(op):
    hint = f"{_PREFIX[-1]}{op.lower().lstrip('_')}"
    n = _COUNTS.get(hint, 0)
    _COUNTS[hint] = n + 1
    return f"{hint}{n}"


def _args(heads):
    order = plan.toposort([n for n, _ in heads], lambda n: [i for i, _ in n.inputs])
    return [n for n in order if n.op is None]


class Symbol:
    """One or more outputs of a graph; build with sym.var and the ops, run with bind/simple_bind."""
    __slots__ = ("_outputs",)

    def __init__(self, outputs):
        self._outputs = list(outputs)

    @property
    def name(self):
        return self._outputs[0][0].name if len(self._outputs) == 1 else None

    def __repr__(self):
        names = ", ".join(n.name if n.n_out == 1 else f"{n.name}[{i}]" for n, i in self._outputs)
        return f"<Symbol {names}>"

    def __len__(self):
        return len(self._outputs)

    def __iter__(self):
        return (Symbol([o]) for o in self._outputs)

    def __getitem__(self, index):
        if isinstance(index, str):
            names = self.list_outputs()
            if index not in names:
                raise ValueError(f"no output named {index!r}; outputs: {names}")
            index = names.index(index)
        return Symbol([self._outputs[index]])

    # ------------------------------------------------------------ graph queries
    def list_arguments(self):
        return [n.name for n in _args(self._outputs)]

    def list_outputs(self):
        return [f"{n.name}_output" if n.n_out == 1 else f"{n.name}_output{i}" for n, i in self._outputs]

    def list_auxiliary_states(self):
        return []

    def _shapes(self, args, kwargs):
        nodes = _args(self._outputs)
        given = dict(zip([n.name for n in nodes], args))
        given.update(kwargs)
        unknown = set(given) - {n.name for n in nodes}
        if unknown:
            raise ValueError(f"infer_shape: {sorted(unknown)} are not arguments of this symbol; "
                             f"arguments: {[n.name for n in nodes]}")
        shapes = [given.get(n.name, n.attrs.get("__shape__")) for n in nodes]
        return nodes, shapes

    def infer_shape(self, *args, **kwargs):
        """(arg_shapes, out_shapes, aux_shapes) from the shapes given (or set on the vars);
        (None, None, None) when some argument's shape is still unknown."""
        nodes, shapes = self._shapes(args, kwargs)
        if any(s is None or 0 in s for s in shapes):
            return None, None, None
        tracer, heads = trace(self._outputs, nodes, shapes)
        return [tuple(s) for s in shapes], [tracer.shape(v) for v in heads], []

    # ------------------------------------------------------------ serialization
    def tojson(self):
        """MXNet's graph JSON: nodes (op, name, attrs as strings, inputs), arg_nodes, heads."""
        order = plan.toposort([n for n, _ in self._outputs], lambda n: [i for i, _ in n.inputs])
        index = {n: i for i, n in enumerate(order)}
        nodes = []
        for n in order:
            entry = {"op": n.op or "null", "name": n.name, "inputs": [[index[i], k, 0] for i, k in n.inputs]}
            attrs = {k: json.dumps(v) for k, v in n.attrs.items() if v is not None or n.op is not None}
            if attrs:
                entry["attrs"] = attrs
            nodes.append(entry)
        graph = {"nodes": nodes, "arg_nodes": [i for i, n in enumerate(order) if n.op is None],
                 "heads": [[index[n], k, 0] for n, k in self._outputs],
                 "attrs": {"mxnet_version": ["int", 10900]}}
        return json.dumps(graph, indent=2)

    def save(self, fname):
        with open(fname, "w") as f:
            f.write(self.tojson())

    # ------------------------------------------------------------ execution
    def simple_bind(self, ctx=None, grad_req="write", **shapes):
        """An Executor with zero-filled argument (and gradient) arrays of the given shapes."""
        from . import ndarray as nd
        ctx = as_context(ctx)
        arg_shapes, _, _ = self.infer_shape(**shapes)
        if arg_shapes is None:
            missing = [n for n, s in zip(*self._shapes((), shapes)) if s is None]
            raise ValueError(f"simple_bind: shapes of {[n.name for n in missing]} are unknown")
        names = self.list_arguments()
        args = [nd.zeros(s, ctx=ctx) for s in arg_shapes]
        reqs = _grad_reqs(names, grad_req)
        grads = [nd.zeros(s, ctx=ctx) if reqs[n] != "null" else None for n, s in zip(names, arg_shapes)]
        return Executor(self, ctx, args, grads, reqs)

    def bind(self, ctx, args, args_grad=None, grad_req="write"):
        """An Executor over the given argument arrays (a list in list_arguments order, or a dict)."""
        names = self.list_arguments()
        if isinstance(args, dict):
            missing = [n for n in names if n not in args]
            if missing:
                raise ValueError(f"bind: no array for arguments {missing}")
            args = [args[n] for n in names]
        if isinstance(args_grad, dict):
            args_grad = [args_grad.get(n) for n in names]
        reqs = _grad_reqs(names, grad_req if args_grad is not None else "null")
        return Executor(self, as_context(ctx), list(args), args_grad or [None] * len(names), reqs)

    # ------------------------------------------------------------ operators
    def _binary(self, other, op, scalar_op):
        if isinstance(other, Symbol):
            return _make(op, (self, other), {})
        return _make(scalar_op, (self,), {"scalar": other})

    def __add__(self, other):
        return self._binary(other, "elemwise_add", "_plus_scalar")

    __radd__ = __add__

    def __sub__(self, other):
        return self._binary(other, "elemwise_sub", "_minus_scalar")

    def __rsub__(self, other):
        return _make("_rminus_scalar", (self,), {"scalar": other})

    def __mul__(self, other):
        return self._binary(other, "elemwise_mul", "_mul_scalar")

    __rmul__ = __mul__

    def __truediv__(self, other):
        return self._binary(other, "elemwise_div", "_div_scalar")

    def __rtruediv__(self, other):
        return _make("_rdiv_scalar", (self,), {"scalar": other})

    def __pow__(self, exponent):
        return _make("_power_scalar", (self,), {"scalar": exponent})

    def __neg__(self):
        return _make("negative", (self,), {})

    @property
    def T(self):
        return _make("transpose", (self,), {})

    def reshape(self, shape):
        return _make("reshape", (self,), {"shape": tuple(shape)})

    def sum(self, axis=None, keepdims=False):
        return _make("sum", (self,), {"axis": axis, "keepdims": keepdims})

    def mean(self, axis=None, keepdims=False):
        return _make("mean", (self,), {"axis": axis, "keepdims": keepdims})


def _grad_reqs(names, grad_req):
    if isinstance(grad_req, str):
        return {n: grad_req for n in names}
    if isinstance(grad_req, (list, tuple)):
        return dict(zip(names, grad_req))
    return {n: grad_req.get(n, "null") for n in names}


def _make(op, inputs, attrs, name=None):
    entries = []
    for s in inputs:
        if not isinstance(s, Symbol):
            raise TypeError(f"{op}: inputs must be Symbols, got {type(s).__name__}")
        if len(s._outputs) != 1:
            raise ValueError(f"{op}: input {s!r} has {len(s._outputs)} outputs; pick one with [i]")
        entries.append(s._outputs[0])
    n_out = N_OUTPUTS[op](attrs) if op in N_OUTPUTS else 1
    node = _Node(op, _PREFIX[-1] + name if name else _auto_name(op), attrs, entries, n_out)
    return Symbol([(node, i) for i in range(n_out)])


def var(name, shape=None, dtype=None, init=None, **kwargs):
    """A named input of the graph (data, label or parameter); `shape` may be given for infer_shape."""
    attrs = {"__shape__": tuple(shape)} if shape is not None else {}
    return Symbol([(_Node(None, name, attrs, []), 0)])


Variable = var


def Group(symbols):
    """One symbol whose outputs are the outputs of all of `symbols`."""
    return Symbol([o for s in symbols for o in s._outputs])


def _symbolic(opname):
    def f(*args, **kwargs):
        name = kwargs.pop("name", None)
        inputs, attrs = split_inputs(opname, args, kwargs)
        return _make(opname, inputs, attrs, name)
    f.__name__ = f.__qualname__ = opname
    f.__doc__ = OPS[opname].__doc__
    return f


_module = sys.modules[__name__]
for _name in OPS:
    setattr(_module, _name, _symbolic(_name))


def _untuple(v):
    if isinstance(v, list):
        return tuple(_untuple(x) for x in v)
    return v


def load_json(json_str):
    """Rebuild a Symbol from tojson()'s text (MXNet's graph JSON)."""
    graph = json.loads(json_str)
    nodes = []
    for i, entry in enumerate(graph["nodes"]):
        op = None if entry["op"] == "null" else entry["op"]
        if op is not None and op not in OPS:
            raise ValueError(f"load_json: node {i} ({entry.get('name')!r}) has unknown op {op!r}")
        attrs = {k: _untuple(json.loads(v)) for k, v in entry.get("attrs", {}).items()}
        inputs = [(nodes[j], k) for j, k, *_ in entry["inputs"]]
        n_out = N_OUTPUTS[op](attrs) if op in N_OUTPUTS else 1
        nodes.append(_Node(op, entry["name"], attrs, inputs, n_out))
    return Symbol([(nodes[j], k) for j, k, *_ in graph["heads"]])


def load(fname):
    with open(fname) as f:
        return load_json(f.read())


class Executor:
    """A bound symbol: arg_dict/grad_dict arrays, forward(is_train, **inputs), backward(out_grads)."""

    def __init__(self, symbol, ctx, args, args_grad, grad_req):
        from . import ndarray as nd
        self._symbol, self._ctx = symbol, ctx
        names = symbol.list_arguments()
        if len(args) != len(names):
            raise ValueError(f"bind: {len(names)} arguments {names} but {len(args)} arrays")
        self.arg_arrays, self.grad_arrays = list(args), list(args_grad)
        self.arg_dict = dict(zip(names, self.arg_arrays))
        self.grad_dict = {n: g for n, g in zip(names, self.grad_arrays) if g is not None}
        self._reqs = [grad_req.get(n, "null") if self.grad_dict.get(n) is not None else "null" for n in names]
        self._graph = CachedGraph(symbol._outputs, _args(symbol._outputs), [a.shape for a in args],
                                  [r != "null" for r in self._reqs])
        self._nd, self._saved, self.outputs = nd, None, []

    def forward(self, is_train=False, **kwargs):
        """Run the graph; inputs given by name replace the bound arrays' contents."""
        for k, v in kwargs.items():
            if k not in self.arg_dict:
                raise ValueError(f"forward: {k!r} is not an argument; arguments: {list(self.arg_dict)}")
            a = self.arg_dict[k]
            v = v._data if isinstance(v, self._nd.NDArray) else v
            if tuple(v.shape) != a.shape:
                raise ShapeError(f"forward: {k!r} was bound with shape {a.shape}, got {tuple(v.shape)}")
            a._data = self._ctx.xp.asarray(v)
        from . import autograd
        xp = self._ctx.xp
        with autograd._Scope(is_train, is_train):
            ys, self._saved = self._graph.forward(xp, *[a._data for a in self.arg_arrays])
        ys = ys if self._graph.n_outputs > 1 else (ys,)
        self.outputs = [self._nd.NDArray(y, self._ctx) for y in ys]
        return self.outputs

    def backward(self, out_grads=None):
        """Gradients of the outputs (out_grads default to ones) into grad_dict, per grad_req."""
        if self._saved is None:
            raise RuntimeError("backward: call forward(is_train=True) first "
                               "(each forward allows one backward)")
        xp = self._ctx.xp
        if out_grads is None:
            out_grads = [None] * len(self.outputs)
        elif not isinstance(out_grads, (list, tuple)):
            out_grads = [out_grads]
        gys = [xp.ones(o.shape, dtype=o.dtype) if g is None else getattr(g, "_data", g)
               for o, g in zip(self.outputs, out_grads)]
        saved, self._saved = self._saved, None
        grads = self._graph.backward(xp, saved, tuple(gys) if len(gys) > 1 else gys[0])
        for g, garr, req in zip(grads, self.grad_arrays, self._reqs):
            if g is None or req == "null":
                continue
            if req == "add":
                garr._data = garr._data + g
            else:
                garr._data = xp.array(g)
