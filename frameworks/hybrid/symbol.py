"""sym: the symbolic API (MXNet's Symbol): var, the ops of ops.py as graph nodes, infer_shape,
list_arguments, tojson/load_json, and an Executor (simple_bind/bind) over a CachedGraph."""
import contextlib
import builtins
import json
import math
import sys
import threading

from .. import kernels as K
from .. import plan
from .base import ShapeError
from .context import as_context
from .graph import CachedGraph, trace
from .base import MXNetError, NotImplementedForSymbol
from .ndarray_api import namespaces
from .operator import is_loss as custom_is_loss
from .ops import (AUX, INPUT_NAMES, LOSS_OUTPUTS, N_OUTPUTS, OPS, SCALAR_FORMS, SHAPES, SUBGRAPH_JSON, SUBGRAPH_SHAPES,
                  attrs_from_positions, bind_inputs)


class _Node:
    """A graph node: an op applied to (node, output index) inputs, or a variable (op None)."""
    __slots__ = ("op", "name", "attrs", "inputs", "n_out", "__weakref__")

    def __init__(self, op, name, attrs, inputs, n_out=1):
        self.op, self.name, self.attrs, self.inputs, self.n_out = op, name, attrs, inputs, n_out


class NameManager:
    """Names the nodes made while it is current: `prefix` + the name given, or + the op's name and a count
    of this manager's own (MXNet's NameManager / Prefix). Each Gluon name scope entered for a trace is a
    fresh manager, so a block traced twice names its nodes the same way both times."""

    def __init__(self, prefix=""):
        self.prefix, self._counts = prefix, {}

    def get(self, name, hint):
        if name:
            return self.prefix + name
        n = self._counts.get(hint, 0)
        self._counts[hint] = n + 1
        return f"{self.prefix}{hint}{n}"

    def __enter__(self):   # `with mx.name.Prefix("layer1_"):` names the symbols made inside
        self._old, _CURRENT.manager = _CURRENT.manager, self
        return self

    def __exit__(self, *exc):
        _CURRENT.manager = self._old


class Prefix(NameManager):
    """mx.name.Prefix(prefix): every name made inside starts with `prefix`, given names too."""


class _Current(threading.local):
    def __init__(self):
        self.manager = NameManager()   # each thread's top level


_CURRENT = _Current()


def current_name_manager():
    return _CURRENT.manager


@contextlib.contextmanager
def prefix(p):
    """Name the nodes made inside after `p` (a Gluon block's prefix while it is traced)."""
    old, _CURRENT.manager = _CURRENT.manager, NameManager(p)
    try:
        yield
    finally:
        _CURRENT.manager = old


def _auto_name(op, name=None):
    """name, or MXNet's automatic one: the creating function's name lowercased, leading underscore kept, and
    a count (FullyConnected -> fullyconnected0; a + b, which MXNet builds with _internal._Plus, -> _plus0)."""
    return _CURRENT.manager.get(name, op.lower())


def _args(heads):
    """Every variable node (arguments and auxiliary states), in MXNet's order (depth first)."""
    order = plan.toposort([n for n, _ in heads], lambda n: [i for i, _ in n.inputs])
    return [n for n in order if n.op is None]


def _compose(sym, mapping):
    """A copy of sym's graph with variables replaced: mapping {variable name: (node, output index)}, as
    MXNet's Symbol._compose. Nodes no replacement reaches are shared, not copied."""
    order = plan.toposort([n for n, _ in sym._outputs], lambda n: [i for i, _ in n.inputs])
    entry = {}
    for n in order:
        if n.op is None:
            entry[(n, 0)] = mapping.get(n.name, (n, 0))
            continue
        ins = [entry[e] for e in n.inputs]
        new = n if ins == list(n.inputs) else _Node(n.op, n.name, dict(n.attrs), ins, n.n_out)
        for k in range(n.n_out):
            entry[(n, k)] = (new, k)
    return Symbol([entry[o] for o in sym._outputs])


def _aux(heads):
    """The variable nodes an op mutates as auxiliary state (BatchNorm's moving_mean, moving_var)."""
    order = plan.toposort([n for n, _ in heads], lambda n: [i for i, _ in n.inputs])
    aux = set()
    for n in order:
        names = AUX.get(n.op)
        if names:
            slots = OPS[n.op].input_names
            aux.update(i for (i, _), slot in zip(n.inputs, slots) if slot in names and i.op is None)
    return aux


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

    def __call__(self, *args, **kwargs):
        """A copy of this graph with its arguments replaced by the symbols given, by position (in
        list_arguments order) or by name: MXNet's composition (net2(data2=net1))."""
        kwargs.pop("name", None)   # names an atomic symbol in MXNet; every symbol here is already a graph
        names = self.list_arguments()
        if len(args) > len(names):
            raise MXNetError(f"compose: {len(args)} symbols for {len(names)} arguments {names}")
        given = dict(zip(names, args))
        given.update(kwargs)
        mapping = {}
        for k, s in given.items():
            if k not in names:
                raise MXNetError(f"compose: {k!r} is not an argument of this symbol; arguments: {names}")
            if not isinstance(s, Symbol) or len(s._outputs) != 1:
                raise MXNetError(f"compose: argument {k!r} must be a Symbol with one output")
            mapping[k] = s._outputs[0]
        return _compose(self, mapping)

    def __getitem__(self, index):
        """The index-th output (an int, an output's name, or a slice: a Group of them), as MXNet's."""
        if isinstance(index, builtins.slice):   # (the module's own `slice` is the op)
            return Group([self[i] for i in range(*index.indices(len(self._outputs)))])
        if isinstance(index, str):
            names = self.list_outputs()
            if names.count(index) > 1:
                raise ValueError(f'There are multiple outputs with name "{index}"')
            if index not in names:
                raise ValueError(f'Cannot find output that matches name "{index}"')
            index = names.index(index)
        if not isinstance(index, int):   # x[0, 0] in a hybridized block: MXNet's TypeError
            raise TypeError("Symbol only support integer index to fetch i-th output")
        if index >= len(self._outputs):
            raise IndexError   # (iteration ends here, as MXNet's)
        return Symbol([self._outputs[index]])

    # ------------------------------------------------------------ graph queries
    def _split_vars(self):
        nodes, aux = _args(self._outputs), _aux(self._outputs)
        return [n for n in nodes if n not in aux], [n for n in nodes if n in aux]

    def list_arguments(self):
        return [n.name for n in self._split_vars()[0]]

    def list_outputs(self):
        # a variable's output is named by the variable itself ('data', 'fc1_weight'), as MXNet's
        return [n.name if n.op is None else f"{n.name}_output" if n.n_out == 1 else f"{n.name}_output{i}"
                for n, i in self._outputs]

    def list_auxiliary_states(self):
        return [n.name for n in self._split_vars()[1]]

    def list_inputs(self):
        return [n.name for n in _args(self._outputs)]

    def get_internals(self):
        """Every node's outputs, as one Symbol (pick one by name: internals['fc1_output'])."""
        order = plan.toposort([n for n, _ in self._outputs], lambda n: [i for i, _ in n.inputs])
        return Symbol([(n, i) for n in order for i in range(n.n_out)])

    def _shapes(self, args, kwargs):
        args_, aux = self._split_vars()
        nodes = args_ + aux
        given = dict(zip([n.name for n in args_], args))
        given.update(kwargs)
        unknown = set(given) - {n.name for n in nodes}
        if unknown:
            raise MXNetError(f"infer_shape: {sorted(unknown)} are not arguments of this symbol; "
                             f"arguments: {[n.name for n in args_]}")
        shapes = [given.get(n.name, n.attrs.get("__shape__")) for n in nodes]
        return nodes, [None if s is None else tuple(s) for s in shapes], len(args_)

    def infer_shape(self, *args, **kwargs):
        """(arg_shapes, out_shapes, aux_shapes) from the shapes given (or set on the vars); the shapes of
        weights, biases, labels and auxiliary states follow from their op's input (fc1_weight from
        data and num_hidden). (None, None, None) when some shape cannot be inferred."""
        nodes, shapes, n_args = self._shapes(args, kwargs)
        known = {n: s for n, s in zip(nodes, shapes) if s is not None and 0 not in s}
        inferred, heads = infer_var_shapes(_resolve_unknown_dims(self._outputs, known), known)
        if inferred is None:
            return None, None, None
        full = [inferred[n] for n in nodes]
        return full[:n_args], heads, full[n_args:]

    def infer_shape_partial(self, *args, **kwargs):
        return self.infer_shape(*args, **kwargs)

    # ------------------------------------------------------------ serialization
    def tojson(self):
        """MXNet's graph JSON: nodes (op, name, attrs as strings, inputs), arg_nodes, heads; a loop node's
        body in its "subgraphs" field, as MXNet writes _foreach's."""
        return json.dumps(_graph_dict(self._outputs), indent=2)

    def save(self, fname):
        with open(fname, "w") as f:
            f.write(self.tojson())

    # ------------------------------------------------------------ execution
    def simple_bind(self, ctx=None, grad_req="write", type_dict=None, group2ctx=None, **shapes):
        """An Executor with zero-filled argument, gradient and auxiliary arrays of the inferred shapes."""
        from . import ndarray as nd
        ctx = as_context(ctx)
        arg_shapes, _, aux_shapes = self.infer_shape(**shapes)
        if arg_shapes is None:
            raise MXNetError(f"simple_bind: cannot infer the shapes of every argument from {shapes}; "
                             f"arguments: {self.list_arguments()}")
        names = self.list_arguments()
        args = [nd.zeros(s, ctx=ctx) for s in arg_shapes]
        reqs = _grad_reqs(names, grad_req)
        grads = [nd.zeros(s, ctx=ctx) if reqs[n] != "null" else None for n, s in zip(names, arg_shapes)]
        return Executor(self, ctx, args, grads, reqs, [nd.zeros(s, ctx=ctx) for s in aux_shapes])

    def bind(self, ctx, args, args_grad=None, grad_req="write", aux_states=None, group2ctx=None,
             shared_exec=None):
        """An Executor over the given arrays (lists in list_arguments / list_auxiliary_states order, or
        dicts by name)."""
        names, aux_names = self.list_arguments(), self.list_auxiliary_states()
        if isinstance(args, dict):
            missing = [n for n in names if n not in args]
            if missing:
                raise MXNetError(f"bind: no array for arguments {missing}")
            args = [args[n] for n in names]
        if isinstance(args_grad, dict):
            args_grad = [args_grad.get(n) for n in names]
        if isinstance(aux_states, dict):
            missing = [n for n in aux_names if n not in aux_states]
            if missing:
                raise MXNetError(f"bind: no array for auxiliary states {missing}")
            aux_states = [aux_states[n] for n in aux_names]
        reqs = _grad_reqs(names, grad_req if args_grad is not None else "null")
        return Executor(self, as_context(ctx), list(args), args_grad or [None] * len(names), reqs,
                        list(aux_states or []))

    # ------------------------------------------------------------ operators
    # MXNet 1.x builds the operators with _internal's CamelCase functions (_Plus, _PlusScalar, ...), whose
    # lowercased names are the automatic node names: a + b is _plus0, a * 2 is _mulscalar0, -a is a * -1.0
    def _binary(self, other, op, scalar_op, hint, scalar_hint):
        if isinstance(other, Symbol):
            return _make(op, (self, other), {}, hint=hint)
        return _make(scalar_op, (self,), {"scalar": other}, hint=scalar_hint)

    def __add__(self, other):
        return self._binary(other, "elemwise_add", "_plus_scalar", "_Plus", "_PlusScalar")

    __radd__ = __add__

    def __sub__(self, other):
        return self._binary(other, "elemwise_sub", "_minus_scalar", "_Minus", "_MinusScalar")

    def __rsub__(self, other):
        return _make("_rminus_scalar", (self,), {"scalar": other}, hint="_RMinusScalar")

    def __mul__(self, other):
        return self._binary(other, "elemwise_mul", "_mul_scalar", "_Mul", "_MulScalar")

    __rmul__ = __mul__

    def __truediv__(self, other):
        return self._binary(other, "elemwise_div", "_div_scalar", "_Div", "_DivScalar")

    def __rtruediv__(self, other):
        return _make("_rdiv_scalar", (self,), {"scalar": other}, hint="_RDivScalar")

    def __pow__(self, exponent):
        return self._binary(exponent, "_power", "_power_scalar", "_Power", "_PowerScalar")

    def __rpow__(self, base):
        return _make("_rpower_scalar", (self,), {"scalar": base}, hint="_RPowerScalar")

    def __mod__(self, other):
        return self._binary(other, "_mod", "_mod_scalar", "_Mod", "_ModScalar")

    def __rmod__(self, other):
        return _make("_rmod_scalar", (self,), {"scalar": other}, hint="_RModScalar")

    def __neg__(self):
        return self.__mul__(-1.0)   # as MXNet 1.x's Symbol.__neg__ (a _mulscalar node)

    def __abs__(self):
        return _make("abs", (self,), {})

    # comparisons build graph nodes, as MXNet's (1 where true, else 0); a Symbol is still hashable
    def _compare(self, other, op, scalar_op):
        if not isinstance(other, (Symbol, int, float)):
            raise TypeError(f"type {type(other)} not supported")
        return self._binary(other, op, scalar_op, op, scalar_op)

    def __eq__(self, other):
        return self._compare(other, "_equal", "_equal_scalar")

    def __ne__(self, other):
        return self._compare(other, "_not_equal", "_not_equal_scalar")

    def __gt__(self, other):
        return self._compare(other, "_greater", "_greater_scalar")

    def __ge__(self, other):
        return self._compare(other, "_greater_equal", "_greater_equal_scalar")

    def __lt__(self, other):
        return self._compare(other, "_lesser", "_lesser_scalar")

    def __le__(self, other):
        return self._compare(other, "_lesser_equal", "_lesser_equal_scalar")

    __hash__ = object.__hash__

    def __bool__(self):
        raise NotImplementedForSymbol(self.__bool__, "bool")

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


def infer_var_shapes(heads, known):
    """{var node: shape} for every variable, from the `known` ones and the ops' rules for their
    weights/labels/aux (ops.SHAPES), and the heads' shapes; (None, None) when some stay unknown."""
    from .graph import Tracer
    tracer = Tracer(False)
    env, shapes = {}, dict(known)
    for node, shape in known.items():
        env[node] = (tracer.new(shape),)
    order = plan.toposort([n for n, _ in heads], lambda n: [i for i, _ in n.inputs])
    for node in order:
        if node in env or node.op is None:
            continue
        slots = INPUT_NAMES[node.op](node.attrs) if node.op in INPUT_NAMES else OPS[node.op].input_names
        missing = [(i, slot) for (i, _), slot in zip(node.inputs, list(slots) + [None] * len(node.inputs))
                   if i not in env]
        if missing and node.op in SUBGRAPH_SHAPES:
            found = SUBGRAPH_SHAPES[node.op](node.attrs, [tracer.shape(env[i][k]) if i in env else None
                                                          for i, k in node.inputs])
            for pos, (i, _) in enumerate(node.inputs):
                if i not in env:
                    if found is None or pos not in found or i.op is not None:
                        return None, None
                    shapes[i] = tuple(found[pos])
                    env[i] = (tracer.new(shapes[i]),)
        elif missing:
            rule = SHAPES.get(node.op)
            first = node.inputs[0]
            if rule is None or first[0] not in env or any(i.op is not None for i, _ in missing):
                return None, None
            rules = rule(node.attrs, tracer.shape(env[first[0]][first[1]]))
            for i, slot in missing:
                if slot not in rules:
                    return None, None
                shapes[i] = tuple(rules[slot])
                env[i] = (tracer.new(shapes[i]),)
        tracer.where = f"{node.name} ({node.op})"
        out = OPS[node.op](tracer, *[env[i][k] for i, k in node.inputs], **node.attrs)
        env[node] = out if isinstance(out, tuple) else (out,)
    if any(n.op is None and n not in shapes for n in order):
        return None, None
    # a 0-d head (a full reduction) is shape (1,) in MXNet 1.x (ReduceAxesShape), as the arrays it gives
    return shapes, [tracer.shape(env[n][k]) or (1,) for n, k in heads]


def _unknown_dim_nodes(heads):
    """The source ops (no inputs: zeros, ones, full, the random draws) whose `shape` has a 0, MXNet's
    unknown dimension (the RNN cells' begin_state: zeros of shape (0, num_hidden))."""
    order = plan.toposort([n for n, _ in heads], lambda n: [i for i, _ in n.inputs])
    return order, [n for n in order if n.op is not None and not n.inputs and 0 in _shape_attr(n)]


def _shape_attr(node):
    shape = node.attrs.get("shape") or ()
    return (shape,) if isinstance(shape, int) else tuple(shape)   # F.zeros((1)) gives shape=1


def _resolve_unknown_dims(heads, known):
    """heads with every unknown (0) dimension of a source op's shape filled in, as MXNet's shape inference
    fills it from the ops that meet it (a begin_state's batch size from the data it is added to). The
    inference here runs forward only, so the value is found by trying each dimension of the known shapes
    in turn: the first that the whole graph accepts (an elementwise op refuses a mismatched one) is taken
    for all of them. heads unchanged when there are none or no value fits (the error then names the op)."""
    order, nodes = _unknown_dim_nodes(heads)
    if not nodes:
        return heads
    candidates = list(dict.fromkeys(d for s in known.values() for d in s if d > 0))
    for c in candidates:
        filled = {n: tuple(c if d == 0 else d for d in _shape_attr(n)) for n in nodes}
        entry = {}
        for n in order:
            ins = [entry[e] for e in n.inputs]
            new = n
            if n in filled:
                new = _Node(n.op, n.name, dict(n.attrs, shape=filled[n]), ins, n.n_out)
            elif ins != list(n.inputs):
                new = _Node(n.op, n.name, dict(n.attrs), ins, n.n_out)
            for k in range(n.n_out):
                entry[(n, k)] = (new, k)
        trial = [entry[h] for h in heads]
        try:
            inferred, _ = infer_var_shapes(trial, known)
        except (ShapeError, MXNetError, K.ShapeError, ValueError):   # a misfit candidate
            continue
        if inferred is not None:
            return trial
    return heads


def _make(op, inputs, attrs, name=None, named=False, hint=None):
    entries = []
    for s in inputs:
        if not isinstance(s, Symbol):
            raise TypeError(f"{op}: inputs must be Symbols, got {type(s).__name__}")
        if len(s._outputs) != 1:
            raise ValueError(f"{op}: input {s!r} has {len(s._outputs)} outputs; pick one with [i]")
        entries.append(s._outputs[0])
    n_out = N_OUTPUTS[op](attrs) if op in N_OUTPUTS else 1
    node = _Node(op, name if named else _auto_name(hint or op, name), attrs, entries, n_out)
    return Symbol([(node, i) for i in range(n_out)])


class AttrScope:
    """with mx.AttrScope(ctx_group='dev1'): the variables made inside carry these attributes (strings),
    merged with the enclosing scope's (MXNet's AttrScope; here the variables keep them, the op nodes not)."""
    _current = threading.local()

    def __init__(self, **kwargs):
        for value in kwargs.values():
            if not isinstance(value, str):
                raise ValueError("Attributes need to be string")
        self._attr = kwargs

    def get(self, attr):
        merged = dict(self._attr)
        merged.update(attr or {})
        return merged

    def __enter__(self):
        self._old = getattr(AttrScope._current, "value", None)
        if self._old is not None:
            self._attr = dict(self._old._attr, **self._attr)
        AttrScope._current.value = self
        return self

    def __exit__(self, *exc):
        AttrScope._current.value = self._old


def var(name, attr=None, shape=None, lr_mult=None, wd_mult=None, dtype=None, init=None, stype=None, **kwargs):
    """A named input of the graph (data, label or parameter), MXNet's arguments: `shape` for
    infer_shape, `init` the initializer Module.init_params uses for it, lr_mult/wd_mult/dtype and
    `attr` (with the AttrScope's) kept as its attributes; other attributes must be `__name__`."""
    scope = getattr(AttrScope._current, "value", None)
    attrs = dict(scope.get(attr) if scope is not None else (attr or {}))
    if shape is not None:
        attrs["__shape__"] = tuple(shape)
    for key, value in (("__lr_mult__", lr_mult), ("__wd_mult__", wd_mult)):
        if value is not None:
            attrs[key] = str(value)
    if dtype is not None:
        attrs["__dtype__"] = numpy_dtype_name(dtype)
    if init is not None:
        attrs["__init__"] = init if isinstance(init, str) else init.dumps()
    if stype not in (None, "default"):
        raise MXNetError(f"var {name!r}: storage type {stype!r} is not supported (dense arrays only)")
    for k, v in kwargs.items():
        if not (k.startswith("__") and k.endswith("__")):
            raise ValueError(f"Attribute name={k} is not supported. Additional attributes must start and end "
                             "with double underscores, e.g, __yourattr__")
        attrs[k] = str(v)
    return Symbol([(_Node(None, name, attrs, []), 0)])


Variable = var


def Group(symbols):
    """One symbol whose outputs are the outputs of all of `symbols`."""
    return Symbol([o for s in symbols for o in s._outputs])


def _symbolic(opname):
    def f(*args, **kwargs):
        name = kwargs.pop("name", None)
        kwargs.pop("attr", None)
        for k in [k for k in kwargs if k.startswith("__") and k.endswith("__")]:
            del kwargs[k]   # an op node's hints (the RNN cells' __layout__), which its kernel does not take
        if opname in SCALAR_FORMS and len(args) == 2 and not kwargs:
            # a number on either side: MXNet's scalar form of the op (sym.maximum(x, 1e-12))
            right, left = SCALAR_FORMS[opname]
            if isinstance(args[1], (int, float)) and isinstance(args[0], Symbol):
                return _symbolic(right)(args[0], scalar=args[1], name=name)
            if isinstance(args[0], (int, float)) and isinstance(args[1], Symbol):
                return _symbolic(left)(args[1], scalar=args[0], name=name)
        if len(args) > len(OPS[opname].input_names) and OPS[opname].positional_attrs:
            args, kwargs = attrs_from_positions(OPS[opname], args, kwargs)
        full = _auto_name(opname, name)
        # weights, biases, labels and auxiliary states not given become variables named after the op
        inputs, attrs = bind_inputs(opname, args, kwargs, fill=lambda p: var(f"{full}_{p}"))
        return _make(opname, inputs, attrs, full, named=True)
    f.__name__ = f.__qualname__ = opname
    f.__doc__ = OPS[opname].__doc__
    return f


_module = sys.modules[__name__]
for _name in OPS:
    setattr(_module, _name, _symbolic(_name))
def Custom(*args, op_type, name=None, attr=None, **kwargs):  # noqa: N802  (MXNet's name)
    """The custom operator `op_type` as a node; inputs not given become `<name>_<argument>` variables
    (a custom softmax's softmax_label)."""
    from .operator import custom_inputs
    full = _auto_name("Custom", name)
    inputs, attrs = custom_inputs(op_type, args, kwargs, fill=lambda a: var(f"{full}_{a}"))
    return _make("Custom", inputs, dict(attrs, op_type=op_type), full, named=True)


pow = power  # noqa: A001,F821  (MXNet's sym.pow; power is filed from OPS above)
_rnn_named_weights = RNN  # noqa: F821  (filed from OPS above: the fused LSTM over four named weights)


def RNN(*args, **kwargs):  # noqa: N802,F811  (MXNet's name)
    """MXNet's RNN operator: with `parameters` (the packed vector of mx.rnn.FusedRNNCell and classic
    programs), any mode, layers and directions (mx.rnn's fused_rnn); else the engine's one-layer LSTM over
    four named weights that gluon.rnn's layers call."""
    if "parameters" in kwargs:
        from .rnn.rnn_cell import fused_rnn
        return fused_rnn(*args, **kwargs)
    return _rnn_named_weights(*args, **kwargs)
linalg, _internal, op, sparse = namespaces(_module, "sym")
from .contrib import sym_contrib as contrib  # noqa: E402
for _name in [n for n in OPS if n.startswith("_contrib_")]:   # MXNet's _contrib_X ops are sym.contrib.X
    setattr(contrib, _name[len("_contrib_"):], getattr(sys.modules[__name__], _name))
from .ops_random import namespace as _random_namespace  # noqa: E402

random = _random_namespace(_module, "sym")


def _method(fn):
    """s.op(*a) = sym.op(s, *a): MXNet's Symbol methods mirroring the ops (s.relu(), s.transpose())."""
    def method(self, *args, **kwargs):
        return fn(self, *args, **kwargs)
    method.__name__ = method.__qualname__ = fn.__name__
    method.__doc__ = fn.__doc__
    return method


for _name, _fn in OPS.items():
    if _name[0].islower() and _fn.input_names and not hasattr(Symbol, _name):
        setattr(Symbol, _name, _method(getattr(_module, _name)))


def _eval(self, ctx=None, **kwargs):
    """The outputs (NDArrays) of this symbol for the arguments given by name (Symbol.eval)."""
    return self.bind(ctx, kwargs).forward()


def _infer_type(self, *args, **kwargs):
    """(arg_types, out_types, aux_types): the dtypes given by name (or position), float32 for the rest
    (the ops here keep their input's dtype)."""
    import numpy
    given = dict(zip(self.list_arguments(), args))
    given.update(kwargs)
    first = numpy.dtype(next(iter(given.values()), numpy.float32))
    return ([numpy.dtype(given.get(n, first)).type for n in self.list_arguments()],
            [first.type for _ in self.list_outputs()],
            [first.type for _ in self.list_auxiliary_states()])


def _attr(self, key):
    """The attribute `key` of this symbol's (single) node, as a string, or None."""
    node = self._outputs[0][0]
    if key == "__shape__" or key in node.attrs:
        v = node.attrs.get(key)
        return None if v is None else _format_attr(v)
    return None


def _list_attr(self, recursive=False):
    """This node's attributes as strings (recursive=True: every node's, keyed 'name$key')."""
    if recursive:
        return {f"{n}${k}": v for n, d in self.attr_dict().items() for k, v in d.items()}
    return {k: _format_attr(v) for k, v in self._outputs[0][0].attrs.items() if v is not None}


def _attr_dict(self):
    """node name -> its attributes as strings, for every node with attributes."""
    order = plan.toposort([n for n, _ in self._outputs], lambda n: [i for i, _ in n.inputs])
    out = {n.name: {k: _format_attr(v) for k, v in n.attrs.items() if v is not None} for n in order}
    return {k: v for k, v in out.items() if v}


def _get_children(self):
    """The inputs of this symbol's node, grouped (None for a variable)."""
    node = self._outputs[0][0]
    return Symbol(list(node.inputs)) if node.inputs else None


def _astype(self, dtype):
    return Cast(self, dtype=str(numpy_dtype_name(dtype)))  # noqa: F821  (filed from OPS above)


def numpy_dtype_name(dtype):
    import numpy
    return numpy.dtype(dtype).name


def _size(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def _debug_str(self):
    """The graph, one node a line: its op, name, attributes and inputs (MXNet's debug_str)."""
    order = plan.toposort([n for n, _ in self._outputs], lambda n: [i for i, _ in n.inputs])
    lines = []
    for n in order:
        if n.op is None:
            lines.append(f"Variable:{n.name}")
            continue
        lines.append("-" * 40)
        lines.append(f"Op:{n.op}, Name={n.name}")
        lines.append("Inputs:")
        lines.extend(f"\targ[{j}]={i.name}({k})" for j, (i, k) in enumerate(n.inputs))
        attrs = {k: _format_attr(v) for k, v in n.attrs.items() if v is not None}
        if attrs:
            lines.append("Attrs:")
            lines.extend(f"\t{k}={v}" for k, v in attrs.items())
    return "\n".join(lines) + "\n"


def _infer_type_partial(self, *args, **kwargs):
    return self.infer_type(*args, **kwargs)


def _gradient(self, wrt):
    raise MXNetError("Symbol.gradient is not supported (nor by MXNet's backend); bind the symbol and run "
                     "executor.backward(), or use autograd")


for _name, _fn in (("debug_str", _debug_str), ("infer_type_partial", _infer_type_partial),
                   ("gradient", _gradient)):
    setattr(Symbol, _name, _fn)

for _name, _fn in (("eval", _eval), ("infer_type", _infer_type), ("attr", _attr), ("list_attr", _list_attr),
                   ("attr_dict", _attr_dict), ("get_children", _get_children), ("astype", _astype)):
    setattr(Symbol, _name, _fn)


def _format_attr(v):
    """An attribute as MXNet's JSON writes it: '128', '(3, 3)', 'True', 'relu'."""
    if isinstance(v, (tuple, list)):
        inner = ", ".join(_format_attr(x) for x in v)
        return f"({inner},)" if len(v) == 1 else f"({inner})"
    return v if isinstance(v, str) else str(v)


def _split_top(text):
    parts, depth, cur = [], 0, []
    for ch in text:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return [p for p in parts if p.strip()]


def _parse_attr(text):
    """MXNet's attribute strings back to values (a literal parser, never eval): ints, floats, True/False,
    None, tuples '(3, 3)' or lists '[3, 3]', JSON strings, else the text itself."""
    t = text.strip()
    if t in ("True", "False", "true", "false"):
        return t in ("True", "true")
    if t in ("None", "null"):
        return None
    if t[:1] in "([" and t[-1:] in ")]":
        return tuple(_parse_attr(p) for p in _split_top(t[1:-1]))
    if len(t) >= 2 and t[0] == t[-1] == '"':
        return json.loads(t)
    for cast in (int, float):
        try:
            return cast(t)
        except ValueError:
            pass
    return t


def _graph_dict(outputs, extra_vars=()):
    """The JSON graph of `outputs` as a dict; `extra_vars` (variables nothing reads: a loop body's unused
    leaves) are listed after the others so that the body keeps every input."""
    order = plan.toposort([n for n, _ in outputs], lambda n: [i for i, _ in n.inputs])
    order += [v for v in extra_vars if v not in set(order)]
    index = {n: i for i, n in enumerate(order)}
    nodes = []
    for n in order:
        entry = {"op": n.op or "null", "name": n.name, "inputs": [[index[i], k, 0] for i, k in n.inputs]}
        attrs = {k: v for k, v in n.attrs.items() if v is not None or n.op is not None}
        if n.op in SUBGRAPH_JSON:
            attrs, entry["subgraphs"] = SUBGRAPH_JSON[n.op][0](attrs, _graph_dict)
        attrs = {k: _format_attr(v) for k, v in attrs.items()}
        if attrs:
            entry["attrs"] = attrs
        nodes.append(entry)
    return {"nodes": nodes, "arg_nodes": [i for i, n in enumerate(order) if n.op is None],
            "heads": [[index[n], k, 0] for n, k in outputs], "attrs": {"mxnet_version": ["int", 10900]}}


def load_json(json_str, where="load_json"):
    """Rebuild a Symbol from MXNet's graph JSON (what tojson() and export() write)."""
    try:
        graph = json.loads(json_str)
    except (ValueError, TypeError) as e:
        raise MXNetError(f"{where}: not an MXNet symbol JSON ({type(e).__name__}: {e})") from None
    nodes, heads = _load_graph(graph, where)
    return Symbol(heads)


def _load_graph(graph, where):
    """(every node in the JSON's order, the heads as (node, index)) of a parsed graph JSON."""
    try:
        entries, heads = graph["nodes"], graph["heads"]
    except (ValueError, KeyError, TypeError) as e:
        raise MXNetError(f"{where}: not an MXNet symbol JSON ({type(e).__name__}: {e})") from None
    nodes = []
    for i, entry in enumerate(entries):
        op = None if entry["op"] == "null" else entry["op"]
        if op is not None and op not in OPS:
            raise MXNetError(f"{where}: node {i} ({entry.get('name')!r}) has op {op!r}, which this engine "
                             "does not have")
        raw = entry.get("attrs", entry.get("attr", entry.get("param", {})))
        # a variable's own attributes (__init__'s JSON, __lr_mult__, a scope's) stay the strings they are
        attrs = {k: _parse_attr(v) if op is not None or k == "__shape__" else v for k, v in raw.items()
                 if not (op is not None and k.startswith("__"))}
        inputs = [(nodes[j], k) for j, k, *_ in entry["inputs"]]
        if op in SUBGRAPH_JSON:
            if not entry.get("subgraphs"):
                raise MXNetError(f"{where}: node {i} ({entry.get('name')!r}, {op}) has no subgraph (its body)")
            attrs = SUBGRAPH_JSON[op][1](attrs, entry["subgraphs"], lambda g: _load_graph(g, where))
        n_out = N_OUTPUTS[op](attrs) if op in N_OUTPUTS else 1
        nodes.append(_Node(op, entry["name"], attrs, inputs, n_out))
    return nodes, [(nodes[j], k) for j, k, *_ in heads]


def load(fname):
    """The Symbol saved in `fname` (a missing or unreadable file is an MXNetError naming it)."""
    try:
        with open(fname) as f:
            text = f.read()
    except OSError as e:
        raise MXNetError(f"Failed to open file '{fname}': {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise MXNetError(f"'{fname}' is not an MXNet symbol JSON file (not text)") from None
    return load_json(text, where=f"'{fname}'")


def _out_grad(xp, g, shape):
    """An executor's given output gradient as an array of the output's shape: one of the same size serves,
    its buffer read in the output's shape (as MXNet reads it; autograd's head gradients are taken the same way),
    so a graph's (1,) head of a full reduction gets the (1,) gradient its backward reads."""
    g = getattr(g, "_data", g)
    if tuple(g.shape) != tuple(shape) and g.size == math.prod(shape):
        g = xp.asarray(g).reshape(shape)
    return g


class Executor:
    """A bound symbol: arg_dict/grad_dict/aux_dict arrays, forward(is_train, **inputs) -> outputs,
    backward(out_grads). One cached graph per mode (is_train picks Dropout's and BatchNorm's form)."""

    def __init__(self, symbol, ctx, args, args_grad, grad_req, aux_states=()):
        from . import ndarray as nd
        self._symbol, self._ctx = symbol, ctx
        names, aux_names = symbol.list_arguments(), symbol.list_auxiliary_states()
        if _unknown_dim_nodes(symbol._outputs)[1]:   # zeros((0, n)) states: the bound shapes fill them in
            arg_nodes, aux_nodes = symbol._split_vars()
            known = {n: tuple(a.shape) for n, a in zip(arg_nodes + aux_nodes, list(args) + list(aux_states))
                     if a is not None}
            symbol = Symbol(_resolve_unknown_dims(symbol._outputs, known))
        self._run_symbol = symbol
        if len(args) != len(names):
            raise MXNetError(f"bind: {len(names)} arguments {names} but {len(args)} arrays")
        if len(aux_states) != len(aux_names):
            raise MXNetError(f"bind: {len(aux_names)} auxiliary states {aux_names} but {len(aux_states)} arrays")
        self.arg_arrays, self.grad_arrays, self.aux_arrays = list(args), list(args_grad), list(aux_states)
        self.arg_dict = dict(zip(names, self.arg_arrays))
        self.aux_dict = dict(zip(aux_names, self.aux_arrays))
        self.grad_dict = {n: g for n, g in zip(names, self.grad_arrays) if g is not None}
        self._reqs = [grad_req.get(n, "null") if self.grad_dict.get(n) is not None else "null" for n in names]
        arg_nodes, aux_nodes = symbol._split_vars()
        self._nodes = arg_nodes + aux_nodes
        self._grads = [r != "null" for r in self._reqs] + [False] * len(aux_nodes)
        self._graphs = {}
        # SoftmaxOutput and the RegressionOutputs are loss layers: backward() feeds them ones, whatever
        # out_grads say (but a SoftmaxOutput with out_grad=True, which multiplies by them)
        self._loss_heads = [(n.op in LOSS_OUTPUTS and not n.attrs.get("out_grad"))
                            or (n.op == "Custom" and custom_is_loss(n.attrs)) for n, _ in symbol._outputs]
        self._nd, self._saved, self._graph, self.outputs = nd, None, None, []
        self._monitor, self._monitor_names = None, []

    def _graph_for(self, is_train):
        g = self._graphs.get(is_train)
        if g is None:
            heads = self._run_symbol._outputs
            if self._monitor is not None:   # every op's outputs too, for the monitor's callback
                order = plan.toposort([n for n, _ in heads], lambda n: [i for i, _ in n.inputs])
                internals = [(n, k) for n in order if n.op is not None for k in range(n.n_out)]
                self._monitor_names = Symbol(internals).list_outputs()
                heads = heads + internals
            g = self._graphs[is_train] = CachedGraph(
                heads, self._nodes, [a.shape for a in self.arg_arrays + self.aux_arrays],
                self._grads, training=is_train, arg_dtypes=[a._data.dtype for a in self.arg_arrays + self.aux_arrays])
        return g

    def forward(self, is_train=False, **kwargs):
        """Run the graph; inputs given by name replace the bound arrays' contents."""
        for k, v in kwargs.items():
            if k not in self.arg_dict:
                raise MXNetError(f"forward: {k!r} is not an argument; arguments: {list(self.arg_dict)}")
            a = self.arg_dict[k]
            v = v._data if isinstance(v, self._nd.NDArray) else v
            if tuple(v.shape) != a.shape:
                raise ShapeError(f"forward: {k!r} was bound with shape {a.shape}, got {tuple(v.shape)}")
            a._data = self._ctx.xp.asarray(v, dtype=a.dtype)
        from . import autograd
        xp = self._ctx.xp
        graph = self._graph_for(bool(is_train))
        with autograd._Scope(is_train, is_train):
            ys, saved = graph.forward(xp, *[a._data for a in self.arg_arrays + self.aux_arrays])
        self._graph, self._saved = graph, saved if is_train else None
        ys = ys if graph.n_outputs > 1 else (ys,)
        n_out = len(self._symbol._outputs)
        self.outputs = [self._nd.NDArray(y, self._ctx) for y in ys[:n_out]]
        if self._monitor is not None:
            callback, monitor_all = self._monitor
            if monitor_all:   # the inputs too: the arguments, by their names
                for name, a in zip(self._symbol.list_arguments(), self.arg_arrays):
                    callback(name, a)
            for name, y in zip(self._monitor_names, ys[n_out:]):
                callback(name, self._nd.NDArray(y, self._ctx))
        return self.outputs

    def backward(self, out_grads=None, is_train=True):
        """Gradients of the outputs (out_grads default to ones) into grad_dict, per grad_req."""
        if self._saved is None:
            raise MXNetError("backward: call forward(is_train=True) first (each forward allows one backward)")
        xp = self._ctx.xp
        if out_grads is None:
            out_grads = [None] * len(self.outputs)
        elif not isinstance(out_grads, (list, tuple)):
            out_grads = [out_grads]
        gys = [xp.ones(o.shape, dtype=o.dtype) if g is None or loss else _out_grad(xp, g, o.shape)
               for o, g, loss in zip(self.outputs, out_grads, self._loss_heads)]
        gys += [None] * (self._graph.n_outputs - len(gys))   # the monitored internals get no gradient
        saved, self._saved = self._saved, None
        grads = self._graph.backward(xp, saved, tuple(gys) if len(gys) > 1 else gys[0])
        for g, garr, req in zip(grads, self.grad_arrays, self._reqs):
            if g is None or req == "null":
                continue
            if req == "add":
                garr._data = garr._data + g
            else:
                garr._data = xp.array(g)

    @property
    def output_dict(self):
        """output name -> its NDArray from the last forward."""
        return dict(zip(self._symbol.list_outputs(), self.outputs))

    def reshape(self, partial_shaping=False, allow_up_sizing=False, **kwargs):
        """A new executor for new input shapes: arrays whose shape is unchanged are shared with this one,
        the others are new (larger ones only with allow_up_sizing; a changed shape not given in kwargs
        only with partial_shaping), as MXNet's."""
        from . import ndarray as nd
        arg_shapes, _, aux_shapes = self._symbol.infer_shape(**kwargs)
        if arg_shapes is None:
            raise MXNetError(f"reshape: cannot infer every argument's shape from {kwargs}; give the new shapes "
                             "of the inputs that change")
        names = self._symbol.list_arguments()

        def remake(name, old, shape):
            if old is None or old.shape == tuple(shape):
                return old
            if name not in kwargs and not partial_shaping:
                raise MXNetError(f"New shape of arg: {name} {tuple(shape)} different from previous shape "
                                 f"{old.shape}; pass partial_shaping=True to allow it")
            if old.size < _size(shape) and not allow_up_sizing:
                raise MXNetError(f"New shape of arg: {name} {tuple(shape)} larger than original {old.shape}; "
                                 "pass allow_up_sizing=True to allocate new arrays")
            return nd.zeros(shape, ctx=self._ctx, dtype=old.dtype)
        args = [remake(n, a, s) for n, a, s in zip(names, self.arg_arrays, arg_shapes)]
        grads = [remake(n, g, s) for n, g, s in zip(names, self.grad_arrays, arg_shapes)]
        aux = [remake(n, a, s) for n, a, s in zip(self._symbol.list_auxiliary_states(), self.aux_arrays, aux_shapes)]
        reqs = dict(zip(names, self._reqs))
        return Executor(self._symbol, self._ctx, args, grads, reqs, aux)

    def set_monitor_callback(self, callback, monitor_all=False):
        """callback(name, NDArray) for every op output ('fc1_output') at each forward (and, with
        monitor_all, every argument): the graphs are rebuilt to return the internals too."""
        self._monitor = (callback, monitor_all)
        self._graphs = {}

    def debug_str(self):
        """The bound graph, one node a line."""
        return self._symbol.debug_str()

    def copy_params_from(self, arg_params, aux_params=None, allow_extra_params=False):
        """Copy values into the bound arrays by name."""
        for src, dst in ((arg_params, self.arg_dict), (aux_params or {}, self.aux_dict)):
            for k, v in src.items():
                if k in dst:
                    dst[k]._data[...] = v._data if isinstance(v, self._nd.NDArray) else v
                elif not allow_extra_params:
                    raise MXNetError(f"Find name \"{k}\" that is not in the arguments")
