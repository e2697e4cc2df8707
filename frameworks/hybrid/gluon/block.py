"""Gluon's Block and HybridBlock: one hybrid_forward(F, x, **params) run imperatively (F = nd) or,
after hybridize(), traced once per input signature (F = sym) into a cached graph that the tape
records as a single op."""
import collections
import contextlib
import re
import threading
from operator import attrgetter

import numpy

from .. import ndarray, symbol
from ..autograd import _STATE, GRAD_REQ_EPOCH, Node, _next_seq, as_mxnet_error, read_inputs, wrap_outputs
from ..graph import CachedGraph
from ..ndarray import NDArray
from ..symbol import Symbol
from ..ndarray import load_arrays, save_arrays
from .parameter import DeferredInitializationError, Parameter, ParameterDict, _assign

class _Scope(threading.local):
    block = None              # the Block whose name_scope() is open in this thread


_SCOPE = _Scope()


def _new_prefix(block):
    """'<parent prefix><class name><n>_': n counts within the open name scope (the parent block's own
    counter), or at the top level in the current symbol NameManager, as Gluon names blocks."""
    hint = block._alias()
    parent = _SCOPE.block
    if parent is None:
        return symbol.current_name_manager().get(None, hint) + "_"
    n = parent._child_counts.get(hint, 0)
    parent._child_counts[hint] = n + 1
    return f"{parent.prefix}{hint}{n}_"


class Block:
    """Base of every layer and model: owns Parameters (self.params) and child Blocks.

    Assigning a Block or a Parameter to an attribute registers it. forward(*args) does the work.
    """

    def __init__(self, prefix=None, params=None):
        object.__setattr__(self, "_child_counts", {})
        # prefix '' (model zoo's `features = HybridSequential(prefix='')`): its name_scope() is its parent's,
        # so the blocks made inside count on in the parent's scope, as Gluon's _BlockScope (_empty_prefix)
        object.__setattr__(self, "_empty_prefix", prefix == "")
        if prefix is None:
            prefix = _new_prefix(self)
        elif _SCOPE.block is not None:   # a prefix given inside a name scope extends the parent's, as Gluon's
            prefix = _SCOPE.block.prefix + prefix
        self._prefix = prefix
        # given params (weight tying), names resolve under their prefix, as Gluon's _BlockScope does
        self._params = ParameterDict(self._prefix if params is None else params.prefix, shared=params)
        self._children = {}
        self._reg_params = {}

    def _alias(self):
        """The name hint of this block's prefix (MXNet's: the class name; 'conv', 'pool', the act type)."""
        return type(self).__name__.lower()

    @property
    def prefix(self):
        return self._prefix

    @property
    def name(self):
        return self._prefix[:-1] if self._prefix.endswith("_") else self._prefix

    @property
    def params(self):
        return self._params

    @contextlib.contextmanager
    def name_scope(self):
        """Blocks created inside are named after this one (prefix 'parent_child0_')."""
        if self._empty_prefix:
            yield
            return
        old, _SCOPE.block = _SCOPE.block, self
        try:
            yield
        finally:
            _SCOPE.block = old

    def __setattr__(self, name, value):
        if isinstance(value, Block):
            self.register_child(value, name)
        elif isinstance(value, Parameter):
            self._reg_params[name] = value
        object.__setattr__(self, name, value)

    def register_child(self, block, name=None):
        self._children[name if name is not None else str(len(self._children))] = block

    # ------------------------------------------------------------ hooks
    def register_forward_pre_hook(self, hook):
        """hook(block, inputs) before each forward call; returns a HookHandle (detach() removes it)."""
        return self._hook("_forward_pre_hooks", hook)

    def register_forward_hook(self, hook):
        """hook(block, inputs, outputs) after each forward call; returns a HookHandle."""
        return self._hook("_forward_hooks", hook)

    def _hook(self, kind, hook):
        if "_forward_hooks" not in self.__dict__:
            object.__setattr__(self, "_forward_pre_hooks", collections.OrderedDict())
            object.__setattr__(self, "_forward_hooks", collections.OrderedDict())
            # the call with hooks around it is this block's own class's: blocks without hooks keep
            # their per-batch call path untouched
            object.__setattr__(self, "__class__", _hooked(type(self)))
        from .utils import HookHandle
        handle = HookHandle()
        handle.attach(getattr(self, kind), hook)
        return handle

    def apply(self, fn):
        """fn(block) on every child (recursively), then on this block; returns this block."""
        for child in self._children.values():
            child.apply(fn)
        fn(self)
        return self

    def summary(self, *inputs):
        """Print each layer's output shape and parameter count for one forward on `inputs`, then the
        totals, as MXNet's table (the network initialized and not hybridized)."""
        summary = collections.OrderedDict()
        seen, hooks = set(), []

        def shape_str(args):
            shapes = _map_nested(args, lambda x: x.shape if isinstance(x, NDArray) else x)
            return (str(shapes)[1:-1] if isinstance(shapes, list) else str(shapes)).replace('L', '')

        def summary_hook(block, _, outputs):
            row = summary['%s-%i' % (type(block).__name__, len(summary))] = collections.OrderedDict()
            row['output_shape'] = shape_str(outputs)
            row['n_params'] = row['trainable'] = row['shared'] = 0
            for p in block.params.values():
                size = p.data().size
                row['n_params'] += size
                row['trainable'] += 0 if p.grad_req == 'null' else size
                if p in seen:
                    row['shared'] += size
                else:
                    seen.add(p)

        def register(block):
            assert not isinstance(block, HybridBlock) or not block._active, \
                '"{}" must not be hybridized to print summary.'.format(block.name)
            if not isinstance(block, (Sequential, HybridSequential)):
                hooks.append(block.register_forward_hook(summary_hook))

        summary['Input'] = collections.OrderedDict(output_shape=shape_str(list(inputs) if len(inputs) > 1
                                                                          else inputs[0]),
                                                   n_params=0, trainable=0, shared=0)
        try:
            self.apply(register)
            self(*inputs)
            line_format = '{:>20}  {:>42} {:>15}'
            print('-' * 80)
            print(line_format.format('Layer (type)', 'Output Shape', 'Param #'))
            print('=' * 80)
            total = sum(r['n_params'] for r in summary.values())
            trainable = sum(r['trainable'] for r in summary.values())
            shared = sum(r['shared'] for r in summary.values())
            for layer, row in summary.items():
                print(line_format.format(layer, str(row['output_shape']), row['n_params']))
            print('=' * 80)
            print('Parameters in forward computation graph, duplicate included')
            print('   Total params: ' + str(total))
            print('   Trainable params: ' + str(trainable))
            print('   Non-trainable params: ' + str(total - trainable))
            print('Shared params in forward computation graph: ' + str(shared))
            print('Unique parameters in model: ' + str(total - shared))
            print('-' * 80)
        finally:
            for h in hooks:
                h.detach()

    def __repr__(self):
        body = "".join(f"\n  ({k}): " + repr(c).replace("\n", "\n  ") for k, c in self._children.items())
        # MXNet's Block.__repr__ keeps its two newlines when there is no child: 'CenteredLayer(\n\n)'
        return f"{type(self).__name__}({body}\n)" if body else f"{type(self).__name__}(\n\n)"

    # ------------------------------------------------------------ parameters
    def collect_params(self, select=None):
        """Every Parameter of this block and its children (by full name); `select` is a regex."""
        out = ParameterDict(self._prefix)
        pattern = re.compile(select) if select else None
        for k, p in self._params.items():
            if pattern is None or pattern.match(k):
                out._params[k] = p
        for child in self._children.values():
            for k, p in child.collect_params(select).items():
                out._params.setdefault(k, p)
        return out

    def _collect_params_with_prefix(self, prefix=""):
        """Parameters by structural name ('0.weight', 'encoder.bias'), as save_parameters writes them."""
        if prefix:
            prefix += "."
        out = {prefix + k: p for k, p in self._reg_params.items()}
        for name, child in self._children.items():
            out.update(child._collect_params_with_prefix(prefix + name))
        return out

    def initialize(self, init=None, ctx=None, verbose=False, force_reinit=False):
        self.collect_params().initialize(init, ctx, verbose, force_reinit)

    def save_parameters(self, filename, deduplicate=False):
        """Write every parameter to `filename` (exactly that name; .npz content, no pickle) under its
        structural name ('0.weight')."""
        params = self._collect_params_with_prefix()
        save_arrays(filename, {k: p.data().asnumpy() for k, p in params.items()})

    def cast(self, dtype):
        """Every parameter (of this block and its children) as `dtype`."""
        for p in self.collect_params().values():
            p.cast(dtype)
        if hasattr(self, "_clear_cached_op"):
            self._clear_cached_op()
        for child in self._children.values():
            if hasattr(child, "_clear_cached_op"):
                child._clear_cached_op()

    def load_parameters(self, filename, ctx=None, allow_missing=False, ignore_extra=False, cast_dtype=False,
                        dtype_source="current"):
        """Read parameters written by save_parameters; names every mismatch (and the file if unreadable)."""
        loaded = load_arrays(filename)
        params = self._collect_params_with_prefix()
        if not any("." in k for k in loaded) and any("." in k for k in params):
            # a file written by collect_params().save() holds full names: map them by name instead
            params = {p.name: p for p in self.collect_params().values()}
        _assign(params, loaded, filename, allow_missing, ignore_extra, ctx)

    save_params = save_parameters
    load_params = load_parameters

    # ------------------------------------------------------------ running
    def hybridize(self, active=True, **kwargs):
        for child in self._children.values():
            child.hybridize(active, **kwargs)

    def __call__(self, *args):
        return self.forward(*args)

    def forward(self, *args):
        raise NotImplementedError(f"{type(self).__name__} must define forward()")


_HOOKED = {}


def _hooked(cls):
    """cls with MXNet's Block.__call__ around its own call: the pre-hooks, the call, the hooks (same name,
    so repr and summary read the user's class)."""
    sub = _HOOKED.get(cls)
    if sub is None:
        def __call__(self, *args):
            for hook in list(self._forward_pre_hooks.values()):
                hook(self, args)
            out = cls.__call__(self, *args)
            for hook in list(self._forward_hooks.values()):
                hook(self, args, out)
            return out
        sub = _HOOKED[cls] = type(cls.__name__, (cls,), {"__call__": __call__, "__module__": cls.__module__,
                                                         "__qualname__": cls.__qualname__, "_HOOKED_BASE": cls})
    return sub


def _map_nested(args, fn):
    """fn on each leaf of nested lists/tuples, the nesting kept as lists (summary's shapes)."""
    if isinstance(args, (list, tuple)):
        return [_map_nested(a, fn) for a in args]
    return fn(args)


class _Stack:
    """What Sequential and HybridSequential share: add(), indexing, len, running children in order."""

    def add(self, *blocks):
        for b in blocks:
            self.register_child(b)

    def _run(self, x):
        for block in self._children.values():
            x = block(x)
        return x

    def __getitem__(self, i):
        return list(self._children.values())[i]

    def __len__(self):
        return len(self._children)


class Sequential(_Stack, Block):
    """Children run in order."""

    def forward(self, x):
        return self._run(x)


# ---------------------------------------------------------------- hybrid blocks

def _flatten(args, what):
    """Nested lists/tuples of arrays -> (flat list, format to rebuild them)."""
    if isinstance(args, (NDArray, Symbol)):
        return [args], 0
    if isinstance(args, (list, tuple)):
        flat, fmt = [], []
        for a in args:
            f, s = _flatten(a, what)
            flat.extend(f)
            fmt.append(s)
        return flat, fmt
    raise TypeError(f"HybridBlock {what} must be (nested) lists of NDArrays or Symbols, "
                    f"got {type(args).__name__}")


def _regroup(flat, fmt):
    if fmt == 0:
        return flat.pop(0)
    return [_regroup(flat, f) for f in fmt]


def shape_of(x):
    """The shape of an NDArray, or of a Symbol from its vars' shapes (inside a trace)."""
    if isinstance(x, NDArray):
        return x.shape
    _, out_shapes, _ = x.infer_shape()
    if out_shapes is None:
        raise ValueError(f"cannot infer the shape of {x!r}: some input shape is unknown")
    return out_shapes[0]


_shape, _dtype, _data = attrgetter("shape"), attrgetter("dtype"), attrgetter("_data")
_new = object.__new__
_MISS = object()   # a generated call's answer for arguments that do not fit its signature


def _miss(args):
    return _MISS


class _CacheEntry:
    """One traced signature: the compiled graph and how to feed it and unpack its outputs.

    `arrays` are the parameters' NDArrays (a Parameter keeps one NDArray for life; set_data and
    re-initialization replace its contents), passed after the data inputs; their tape edges are read
    once per GRAD_REQ_EPOCH (only attach_grad or a grad_req change alters them).
    """
    __slots__ = ("graph", "params", "arrays", "out_fmt", "symbol", "sig", "epoch", "param_entries",
                 "param_needs", "param_grad", "ctx", "train", "infer", "call")

    def __init__(self, graph, params, out_fmt, symbol, sig):
        self.graph, self.params, self.out_fmt, self.symbol, self.sig = graph, params, out_fmt, symbol, sig
        self.arrays = [p.data() for p in params]
        self.epoch = None
        self.train = self.infer = None   # the graph's compiled forwards, fetched on first use
        self.call = _miss   # the generated call (_call_source), made by read_params()

    def read_params(self):
        """The parameters' tape edges and needs, as read_inputs() gives them; False when their needs
        are no longer those the graph was built for (a grad_req changed since: trace again)."""
        self.param_entries, self.param_needs = [], []
        self.ctx = read_inputs(self.arrays, [], self.param_entries, self.param_needs)
        self.param_grad = True in self.param_needs
        self.epoch = GRAD_REQ_EPOCH[0]
        if self.param_needs != list(self.graph.grad_args[len(self.graph.grad_args) - len(self.arrays):]):
            return False
        self.call = self._compile_call()
        return True

    def _compile_call(self):
        """This signature's whole cached-op call as one generated function, call(args) -> the output, or
        _MISS when the arguments do not match the signature (HybridBlock.__call__ then takes its general
        path, which traces or switches entries). Straight-line code with the signature's shapes, dtypes
        and tape edges as constants: the same checks, run and recording as the general path, without its
        loops, lists and signature tuple (this is what runs for every batch)."""
        graph, n_data = self.graph, len(self.graph.grad_args) - len(self.arrays)
        training, needs = self.sig[0], self.sig[1 + 2 * n_data:]
        shapes, dtypes = self.sig[1:1 + n_data], self.sig[1 + n_data:1 + 2 * n_data]
        env = {"NDArray": NDArray, "_MISS": _MISS, "_STATE": _STATE, "GRAD_REQ_EPOCH": GRAD_REQ_EPOCH,
               "_new": _new, "Node": Node, "_next_seq": _next_seq, "as_mxnet_error": as_mxnet_error,
               "wrap_outputs": wrap_outputs, "_regroup": _regroup, "graph": graph, "entry": self,
               "CTX": self.ctx}
        xs = [f"x{i}" for i in range(n_data)]
        lines = ["def call(args):"]
        if n_data:
            lines += [f"    if len(args) != {n_data}:", "        return _MISS",
                      f"    {', '.join(xs)}, = args",
                      f"    if {' or '.join(f'type({x}) is not NDArray' for x in xs)}:", "        return _MISS"]
        lines += ["    recording, training = _STATE.mode",
                  f"    if training is not {training!r} or GRAD_REQ_EPOCH[0] != {self.epoch!r}:",
                  "        return _MISS"]
        for i, x in enumerate(xs):
            env[f"T{i}"] = dtypes[i]   # (a dtype equal to it need not be the same object: == then)
            lines += [f"    d{i} = {x}._data",
                      f"    if d{i}.shape != {tuple(shapes[i])!r} or (d{i}.dtype is not T{i} and d{i}.dtype != T{i}):",
                      "        return _MISS"]
            if needs[i]:   # read_inputs()'s tape edge; the signature says a gradient flows here
                lines += [f"    n{i} = {x}._node",
                          f"    if n{i} is not None:",
                          f"        e{i} = n{i} if n{i}.n_out == 1 else (n{i}, {x}._idx)",
                          f"    elif {x}._grad_req != 'null':",
                          f"        e{i} = {x}",
                          "    else:",
                          "        return _MISS"]
            else:
                lines += [f"    if {x}._node is not None or {x}._grad_req != 'null':", "        return _MISS"]
        for j, a in enumerate(self.arrays):
            env[f"P{j}"], env[f"E{j}"] = a, self.param_entries[j]
        datas = [f"d{i}" for i in range(n_data)] + [f"P{j}._data" for j in range(len(self.arrays))]
        # the context of the last data input, as read_inputs() gives it (the parameters' without data)
        lines.append(f"    ctx = {xs[-1]}._ctx" if xs else "    ctx = CTX")
        # the array module of the usual context without its lookup; then the graph's two forwards
        # (recording or not), their text inline: no call of their own
        env["XP"] = self.ctx.xp if self.ctx is not None else None
        lines += ["    xp = XP if ctx is CTX else ctx.xp", "    try:"]
        for recording, prefix in ((True, "t"), (False, "i")):
            body, consts = graph.forward_body(recording, datas, prefix)
            env.update(consts)
            lines.append("        if recording:" if recording else "        else:")
            lines += ["        " + line for line in body]
        lines += ["    except Exception as e:  # only on failure: the shape rule names the op and the shapes",
                  f"        raise as_mxnet_error(graph, [{', '.join(datas)}], {{}}, e) from None"]
        edges = "[" + ", ".join([f"e{i}" if needs[i] else "None" for i in range(n_data)]
                                + [f"E{j}" for j in range(len(self.arrays))]) + "]"
        record = self.param_grad or any(needs)
        if graph.n_outputs != 1:
            lines += [f"    out = wrap_outputs(graph, y, saved, None, {edges}, None, ctx, xp, "
                      f"{'recording' if record else 'False'})"]
        else:
            # ndarray._wrap()'s and autograd._node()'s stores, inline
            lines += ["    out = _new(NDArray)", "    out._data = y", "    out._ctx = ctx", "    out._idx = 0",
                      "    out._grad = None", "    out._grad_req = 'null'", "    out._fresh_grad = False"]
            if record:
                lines += ["    if recording:",
                          "        node = _new(Node)", "        node.op = graph", "        node.saved = saved",
                          "        node.attrs = None", f"        node.inputs = {edges}",
                          "        node.needs = None", "        node.n_out = 1", "        node.xp = xp",
                          "        node.seq = _next_seq()", "        node.pending = None",
                          "        out._node = node", "    else:", "        out._node = None"]
            else:
                lines.append("    out._node = None")
        if self.out_fmt == 0:
            lines.append("    return out")
        else:
            lines.append(f"    return _regroup({'list(out)' if graph.n_outputs != 1 else '[out]'}, "
                         f"{self.out_fmt!r})")
        code = "\n".join(lines) + "\n"
        exec(compile(code, f"<cached op call {self.graph.n_args} args>", "exec"), env)  # our generated text
        fn = env["call"]
        fn.source = code
        return fn

    def function(self, recording):
        fn = self.graph.function(recording)
        if recording:
            self.train = fn
        else:
            self.infer = fn
        return fn


class _Cache:
    """Everything hybridize() keeps, in one place: the traced graphs by input signature."""
    __slots__ = ("entries", "last")

    def __init__(self):
        self.entries = {}
        self.last = None

    def clear(self):
        self.entries.clear()
        self.last = None


class HybridBlock(Block):
    """A Block written once as hybrid_forward(F, x, *args, **params), F being nd or sym.

    Imperative by default; after hybridize() the first call for each input signature (shapes,
    dtypes, which inputs need gradients) traces hybrid_forward with Symbols, compiles the graph and
    runs it from then on. Assigning a child block clears the cache.
    """

    def __init__(self, prefix=None, params=None):
        super().__init__(prefix, params)
        self._active = False
        self._cache = _Cache()

    def __setattr__(self, name, value):
        if isinstance(value, Block) and getattr(self, "_cache", None) is not None:
            self._clear_cached_op()
        super().__setattr__(name, value)

    def register_child(self, block, name=None):
        if not isinstance(block, HybridBlock):
            raise ValueError(f"Children of HybridBlock must also be HybridBlock, but {block} has type "
                             f"{type(block)}. If you are using Sequential, please try HybridSequential "
                             "instead.")
        super().register_child(block, name)
        self._clear_cached_op()

    def _clear_cached_op(self):
        if getattr(self, "_cache", None) is not None:
            self._cache.clear()

    def hybridize(self, active=True, **kwargs):
        """Run from a cached graph (traced on the next call) instead of op by op."""
        self._active = active
        self._clear_cached_op()
        super().hybridize(active, **kwargs)

    def infer_shape(self, *args):
        """Give deferred parameters their shapes from the inputs. The built-in layers override this; for a
        custom block it is MXNet's deferred shape inference: hybrid_forward traced on symbols carrying the
        inputs' shapes, whose infer_shape gives the parameters' (FullyConnected's weight from its data)."""
        inputs = [symbol.var(f"data{i}", shape=shape_of(a)) if isinstance(a, (NDArray, Symbol)) else a
                  for i, a in enumerate(args)]
        params = {k: p.var() for k, p in self._reg_params.items()}
        with symbol.prefix(self._prefix):
            out = self.hybrid_forward(symbol, *inputs, **params)
        flat, _ = _flatten(out, "output")
        grouped = symbol.Group(flat)
        arg_shapes, _, aux_shapes = grouped.infer_shape()
        if arg_shapes is None:
            raise DeferredInitializationError(
                f"{self.name}: cannot infer the shapes of its deferred parameters "
                f"{[p.name for p in self._reg_params.values() if p._data is None]} from inputs of shapes "
                f"{[shape_of(a) for a in args if isinstance(a, (NDArray, Symbol))]}; give their shapes")
        shapes = dict(zip(grouped.list_arguments(), arg_shapes))
        shapes.update(zip(grouped.list_auxiliary_states(), aux_shapes))
        for p in self._reg_params.values():
            if p.name in shapes and p._data is None:
                p.shape = shapes[p.name]

    def _deferred(self):
        return any(p._data is None and p._deferred_init for p in self._reg_params.values())

    def _finish_deferred(self, *args):
        if self._deferred():
            self.infer_shape(*args)
            for p in self._reg_params.values():
                p._finish_deferred_init()

    def __call__(self, *args):
        """forward(*args); hybridized and called on NDArrays, MXNet's cached op: the graph traced for the
        inputs' signature (on first sight) runs as one op, which the tape records as one Node. (One frame:
        this runs for every batch.)"""
        entry = self._cache.last
        if entry is not None:   # the signature of the last call: its generated call, or _MISS (on Symbols too)
            out = entry.call(args)
            if out is not _MISS:
                return out
        if not self._active or type(args[0]) is Symbol:   # (hybridize(False) clears the cache)
            return self.forward(*args)
        for a in args:
            if type(a) is not NDArray:
                flat, fmt = _flatten(args, "inputs")
                for x in flat:
                    if type(x) is not NDArray:
                        raise TypeError(f"{self.name}: a hybridized block called on NDArrays takes only "
                                        f"NDArrays, got {type(x).__name__}")
                break
        else:
            flat, fmt = args, None
        # one reading of the data inputs (read_inputs()'s rule, inline: this runs for every batch) gives
        # both the cache signature and what the tape records of them
        datas, entries, needs = [], [], []
        ctx = None
        for x in flat:
            ctx = x._ctx
            datas.append(x._data)
            node = x._node
            if node is not None:
                entries.append(node if node.n_out == 1 else (node, x._idx))
                needs.append(True)
            elif x._grad_req != "null":
                entries.append(x)
                needs.append(True)
            else:
                entries.append(None)
                needs.append(False)
        recording, training = _STATE.mode
        # the signature: the training flag (it picks Dropout's and BatchNorm's form), then the data
        # inputs' shapes, dtypes and whether a gradient flows to each
        sig = (training, *map(_shape, datas), *map(_dtype, datas), *needs)
        cache = self._cache
        entry = cache.last
        if entry is None or entry.sig != sig:  # the same signature as last call: one tuple compare
            entry = cache.entries.get(sig)
            if entry is None:
                entry = cache.entries[sig] = self._build(args, list(flat), fmt or [0] * len(flat), sig, needs)
            cache.last = entry
        if entry.epoch != GRAD_REQ_EPOCH[0] and not entry.read_params():
            entry = cache.last = cache.entries[sig] = self._build(args, list(flat), fmt or [0] * len(flat),
                                                                  sig, needs)
            entry.read_params()
        # then the parameters (a block may take no data input: its parameters' context then)
        datas += map(_data, entry.arrays)
        entries += entry.param_entries
        fn = (entry.train if recording else entry.infer) or entry.function(recording)
        # run as autograd.invoke_prepared runs an op, without its call: the graph is the recorded op
        graph, ctx = entry.graph, ctx or entry.ctx
        xp = ctx.xp
        try:
            y, saved = fn(xp, *datas)
        except Exception as e:  # only on failure: the shape rule names the op and the shapes
            raise as_mxnet_error(graph, datas, {}, e) from None
        if type(y) is tuple:
            out = wrap_outputs(graph, y, saved, None, entries, None, ctx, xp,
                               recording and (entry.param_grad or True in needs))
        else:
            # ndarray._wrap()'s and autograd._node()'s stores, inline (two calls less per batch)
            out = _new(NDArray)
            out._data = y
            out._ctx = ctx
            out._idx = 0
            out._grad = None
            out._grad_req = "null"
            out._fresh_grad = False
            node = None
            if recording and (entry.param_grad or True in needs):
                node = _new(Node)
                node.op = graph
                node.saved = saved
                node.attrs = None
                node.inputs = entries
                node.needs = None   # the graph's backward was built for these needs (its signature's)
                node.n_out = 1
                node.xp = xp
                node.seq = _next_seq()
                node.pending = None
            out._node = node
        if entry.out_fmt == 0:
            return out
        return _regroup(list(out) if isinstance(out, tuple) else [out], entry.out_fmt)

    def forward(self, x, *args):
        if isinstance(x, Symbol):
            # inside a trace the inputs' shapes are known and finish the deferred parameters; a bare
            # sym.var('data') (net(data) into a Module, as MXNet programs do) leaves them deferred, as MXNet
            if self._deferred() and all(a.infer_shape()[1] is not None for a in (x,) + args
                                        if isinstance(a, Symbol)):
                self._finish_deferred(x, *args)
            params = {k: p.var() for k, p in self._reg_params.items()}
            with symbol.prefix(self._prefix):
                return self.hybrid_forward(symbol, x, *args, **params)
        if self._active:
            return self(x, *args)   # the cached op
        self._finish_deferred(x, *args)
        params = {k: p.data() for k, p in self._reg_params.items()}
        return self.hybrid_forward(ndarray, x, *args, **params)

    def hybrid_forward(self, F, x, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must define hybrid_forward(F, x, ...)")

    # ------------------------------------------------------------ the cached graph
    def _build(self, args, flat, fmt, sig, needs):
        """The cache entry of a new signature: the traced symbol compiled for these shapes."""
        grouped, out_fmt, nodes, plist = self._trace(args, flat, fmt)
        shapes = [a.shape for a in flat] + [p.data().shape for p in plist]
        dtypes = [a._data.dtype for a in flat] + [p.data()._data.dtype for p in plist]
        grads = list(needs) + [p.grad_req != "null" for p in plist]
        graph = CachedGraph(grouped._outputs, nodes, shapes, grads, training=sig[0], arg_dtypes=dtypes)
        return _CacheEntry(graph, plist, out_fmt, grouped, sig)

    def _trace(self, args, flat, fmt):
        """hybrid_forward run on Symbols: (grouped outputs, their nesting, the graph's input nodes: data
        then parameters, the parameters)."""
        names = ["data"] if len(flat) == 1 else [f"data{i}" for i in range(len(flat))]
        inputs = [symbol.var(n, shape=a.shape) for n, a in zip(names, flat)]
        self._finish_deferred(*args)  # imperative shapes are at hand: settle deferred params first
        out = self.forward(*_regroup(list(inputs), fmt))
        flat_out, out_fmt = _flatten(out, "outputs")
        grouped = symbol.Group(flat_out)
        arg_nodes = symbol._args(grouped._outputs)
        by_name = {n.name: n for n in arg_nodes}
        missing = [n for n in names if n not in by_name]
        if missing:
            # an input the graph does not use still takes its slot, so the call signature is stable
            by_name.update({n: s._outputs[0][0] for n, s in zip(names, inputs) if n in missing})
        params = {p.name: p for p in self.collect_params().values()}
        param_names = [n.name for n in arg_nodes if n.name not in names]
        unknown = [n for n in param_names if n not in params]
        if unknown:
            raise ValueError(f"{self.name}: the traced graph uses inputs {unknown} that are neither "
                             "data nor this block's parameters")
        plist = [params[n] for n in param_names]
        return grouped, out_fmt, [by_name[n] for n in names] + [by_name[n] for n in param_names], plist

    # ------------------------------------------------------------ export
    def export(self, path, epoch=0):
        """Write path-symbol.json (the traced graph) and path-%04d.params ('arg:name' / 'aux:name' ->
        array; .npz content, no pickle), as MXNet names them."""
        entry = self._cache.last
        if entry is None:
            raise RuntimeError("Please first call block.hybridize() and then run forward with this block at "
                               "least once before calling export.")
        sym_file, params_file = f"{path}-symbol.json", f"{path}-{epoch:04d}.params"
        entry.symbol.save(sym_file)
        args, aux = set(entry.symbol.list_arguments()), set(entry.symbol.list_auxiliary_states())
        save_arrays(params_file, {("aux:" if p.name in aux else "arg:") + p.name: p.data().asnumpy()
                                  for p in entry.params if p.name in args or p.name in aux})
        return sym_file, params_file


class HybridSequential(_Stack, HybridBlock):
    """HybridBlocks run in order; hybridizes as one graph."""

    def hybrid_forward(self, F, x):
        return self._run(x)


class SymbolBlock(HybridBlock):
    """A block around a loaded symbol (e.g. from export): SymbolBlock.imports(json, ['data'], params)."""

    def __init__(self, outputs, inputs, params=None):
        super().__init__(prefix="", params=None)
        self._symbol = outputs
        self._input_names = [s.name for s in ([inputs] if isinstance(inputs, Symbol) else inputs)]
        for name in outputs.list_arguments():
            if name not in self._input_names:
                self._params.get(name, allow_deferred_init=True)
        for name in outputs.list_auxiliary_states():
            self._params.get(name, grad_req="null", allow_deferred_init=True)
        self._active = True

    @staticmethod
    def imports(symbol_file, input_names, param_file=None, ctx=None):
        sym = symbol.load(symbol_file)
        inputs = [symbol.var(n) for n in ([input_names] if isinstance(input_names, str) else input_names)]
        block = SymbolBlock(sym, inputs)
        if param_file is not None:
            loaded = {k.split(":", 1)[-1]: v for k, v in load_arrays(param_file).items()}
            _assign(dict(block._params.items()), loaded, param_file, False, False, ctx)
        return block

    def _trace(self, args, flat, fmt):
        nodes = {n.name: n for n in symbol._args(self._symbol._outputs)}
        missing = [n for n in self._input_names if n not in nodes]
        if missing:
            raise ValueError(f"SymbolBlock: inputs {missing} are not arguments of the symbol")
        plist = list(self._params.values())
        out_fmt = 0 if len(self._symbol) == 1 else [0] * len(self._symbol)
        return (self._symbol, out_fmt, [nodes[n] for n in self._input_names] + [nodes[p.name] for p in plist],
                plist)

    def hybridize(self, active=True, **kwargs):
        """A SymbolBlock always runs its symbol as a cached graph (MXNet's forward calls its cached op
        whether or not it was hybridized)."""
        super().hybridize(True, **kwargs)

    def forward(self, x, *args):
        if isinstance(x, Symbol):
            # inside a parent's trace (a loaded network under a hybridized HybridSequential): the loaded
            # graph composed onto the parent's symbols, its parameters as this block's variables
            inputs = [x, *args]
            if len(inputs) != len(self._input_names):
                raise ValueError(f"SymbolBlock: {len(inputs)} inputs given, its symbol takes "
                                 f"{len(self._input_names)} ({self._input_names})")
            mapping = {name: s._outputs[0] for name, s in zip(self._input_names, inputs)}
            mapping.update({p.name: p.var()._outputs[0] for p in self._params.values()})
            out = symbol._compose(self._symbol, mapping)
            return out if len(out) == 1 else list(out)
        return self(x, *args)


__all__ = ["Block", "HybridBlock", "Sequential", "HybridSequential", "SymbolBlock",
           "DeferredInitializationError"]
