"""The cached graph: a traced symbol compiled, for one set of input shapes, into a FLAT schedule of
kernel calls, rendered as two straight-line Python functions (forward, backward).

frameworks/plan.py decides the order (toposort), when each value dies (liveness: `del` after its last
read, saved values popped as backward consumes them) and which values share a buffer (assign_buffers:
after the first run, a forward output is written with `out=` into the array of a value that died
earlier in the same step, instead of a fresh allocation; nothing is kept between steps).
"""
import inspect

import numpy

from .. import kernels as K
from .. import plan
from . import autograd
from .base import ShapeError
from .ops import OPS


class Val:
    """A value of the schedule (an array at run time), by number."""
    __slots__ = ("id",)

    def __init__(self, i):
        self.id = i

    def __repr__(self):
        return f"v{self.id}"


class Draw:
    """An attribute read each time the cached graph runs (dropout's seed and counter from mx.random's
    stream), where every other attribute is a constant of the trace."""
    __slots__ = ("read",)

    def __init__(self, read):
        self.read = read


class Step:
    """One kernel call: kernel(inputs, attrs) -> outs; `where` names the graph node it came from.

    A step with `fn` instead of a kernel makes a value no gradient flows through (zeros, a dropout mask,
    one-hot rows from labels, a running-statistics update): fn(xp, *inputs) -> array.
    """
    __slots__ = ("kernel", "ins", "outs", "attrs", "where", "diff", "fn")

    def __init__(self, kernel, ins, outs, attrs, where, fn=None):
        self.kernel, self.ins, self.outs, self.attrs, self.where = kernel, ins, outs, attrs, where
        self.diff, self.fn = False, fn


class Tracer:
    """The emitter (ops.py) that records steps and infers every value's shape as it goes."""

    def __init__(self, training=False):
        self.steps, self.shapes, self.where = [], [], "?"
        self.training = training

    def new(self, shape):
        self.shapes.append(tuple(shape))
        return Val(len(self.shapes) - 1)

    def shape(self, value):
        return self.shapes[value.id]

    def call(self, kernel, inputs, attrs):
        shapes = [self.shapes[v.id] if type(v) is Val else None if v is None else () for v in inputs]
        try:
            out = kernel.infer(*shapes, **attrs)
        except K.ShapeError as e:
            raise ShapeError(f"{self.where}: {e}") from None
        multi = kernel.n_outputs != 1
        outs = [self.new(s) for s in out] if multi else [self.new(out)]
        self.steps.append(Step(kernel, list(inputs), outs, attrs, self.where))
        return tuple(outs) if multi else outs[0]

    def zeros(self, shape, dtype, like):
        shape = tuple(shape)
        return self.nograd(lambda xp: xp.zeros(shape, dtype=dtype), (), shape)

    @staticmethod
    def draw(stream):
        # the counter is drawn first, then the seed read: the order eager dropout uses
        return Draw(stream.next_counter), Draw(lambda: stream.seed_value)

    def nograd(self, fn, inputs, shape):
        v = self.new(shape)
        self.steps.append(Step(None, list(inputs), [v], {}, self.where, fn=fn))
        return v


def trace(heads, arg_nodes, arg_shapes, training=False):
    """Run every node of the symbol graph through ops.py with the Tracer; returns (tracer, head values).
    `training` picks the train-time form of Dropout and BatchNorm (one graph per mode, as MXNet's
    cached op runs its ops with is_train)."""
    tracer = Tracer(training)
    env = {}
    for node, shape in zip(arg_nodes, arg_shapes):
        env[node] = (tracer.new(shape),)
    order = plan.toposort([n for n, _ in heads], lambda n: [i for i, _ in n.inputs])
    for node in order:
        if node in env:
            continue
        if node.op is None:
            raise ValueError(f"argument {node.name!r} has no value and no shape")
        tracer.where = f"{node.name} ({node.op})"
        out = OPS[node.op](tracer, *[env[i][k] for i, k in node.inputs], **node.attrs)
        env[node] = out if isinstance(out, tuple) else (out,)
    return tracer, [env[n][k] for n, k in heads]


# ---------------------------------------------------------------- code generation

_LITERALS = (bool, int, float, str, type(None))


def _literal(value):
    if isinstance(value, float):
        return value == value and abs(value) != float("inf")
    if isinstance(value, _LITERALS):
        return True
    if isinstance(value, (tuple, list)):
        return all(_literal(v) for v in value)
    if isinstance(value, slice):
        return all(_literal(v) for v in (value.start, value.stop, value.step))
    return False


class _Source:
    """Builds the generated functions' text and the globals they refer to (kernel classes, constants)."""

    def __init__(self, prefix="c"):
        self.lines, self.env, self.prefix = [], {"K": K}, prefix

    def const(self, value):
        if _literal(value):
            return repr(value)
        name = f"{self.prefix}{len(self.env)}"
        self.env[name] = value
        return name

    def kernel(self, kernel):
        name = f"k_{kernel.name}"
        self.env[name] = kernel  # `.forward` is looked up at call time: the profiler hook sees it
        return name

    def attrs(self, attrs, fn, backward=False):
        # attributes equal to the kernel's own defaults are left out: fewer keywords per call; a Draw
        # (dropout's seed and counter) is read when the forward runs and not passed to backward
        params = _parameters(fn)
        out = []
        for k, v in attrs.items():
            if type(v) is Draw:
                if not backward:
                    out.append(f", {k}={self.const(v.read)}()")
            elif (k not in params or params[k].default is inspect.Parameter.empty
                  or params[k].default != v or type(params[k].default) is not type(v)):
                out.append(f", {k}={self.const(v)}")
        return "".join(out)

    def arg(self, v):
        return f"v{v.id}" if type(v) is Val else self.const(v)


def _parameters(fn):
    return inspect.signature(fn).parameters


# below this size a fresh allocation is as cheap as reuse (NumPy caches small blocks, malloc serves
# them from its arenas); above it, reuse saves page faults on every step
REUSE_MIN_BYTES = 64 * 1024


class CachedGraph:
    """A traced graph compiled for one signature; has the kernel contract so the tape can record it.

    forward(xp, *arrays) -> (outputs, saved); backward(xp, saved, gy, needs) -> a grad per input (gy: the
    output's gradient, a tuple of them for several outputs; the generated function itself).
    `grad_args`: the inputs whose gradients are wanted (Parameters with grad_req != 'null', recorded data).
    """

    def __init__(self, heads, arg_nodes, arg_shapes, grad_args, training=False, arg_dtypes=None):
        tracer, self.heads = trace(heads, arg_nodes, arg_shapes, training)
        self.steps, self.shapes = tracer.steps, tracer.shapes
        self.n_args = len(arg_nodes)
        self.n_outputs = len(self.heads)
        self.grad_args = tuple(grad_args)
        rg = [False] * len(self.shapes)
        for i, g in enumerate(self.grad_args):
            rg[i] = g
        for step in self.steps:
            step.diff = step.fn is None and any(type(v) is Val and rg[v.id] for v in step.ins)
            for o in step.outs:
                rg[o.id] = step.diff
        self.rg = rg
        self.any_grad = any(self.grad_args)
        self.diff_steps = [s for s in self.steps if s.diff]
        self.buffers = {}         # value id -> the id of the dead value whose array it is written into
        self.reused_bytes = 0     # bytes per step that buffer reuse saves from fresh allocation
        self.peak_bytes = 0       # the liveness bound of one training run's values
        self._fns = {}
        # the generated backward is this graph's backward (the kernel contract's): no wrapper call
        self.backward = self._compile("backward")
        if self.any_grad:
            self._plan([numpy.dtype(d).name for d in arg_dtypes] if arg_dtypes is not None   # numpy.float32 too
                       else ["float32"] * self.n_args)

    # ------------------------------------------------------------ the two generated functions
    def _forward_source(self, train, buffers=None, prefix="c"):
        src = _Source(prefix)
        args = ", ".join(f"v{i}" for i in range(self.n_args))
        lines = [f"def forward(xp{', ' if args else ''}{args}):"]
        kept = []   # each differentiable step's saved state: a local until the list of them is returned
        last = {}
        for k, step in enumerate(self.steps):
            for v in step.ins:
                if type(v) is Val:
                    last[v.id] = k
        heads = {v.id for v in self.heads}
        handoff = {donor: v for v, donor in (buffers or {}).items()}
        for k, step in enumerate(self.steps):
            outs = ", ".join(f"v{o.id}" for o in step.outs)
            if step.fn is not None:
                ins = "".join(f", {src.arg(v)}" for v in step.ins)
                lines.append(f"    {outs} = {src.const(step.fn)}(xp{ins})")
            else:
                if len(step.outs) > 1:
                    outs = f"({outs},)"
                ins = ", ".join(src.arg(v) for v in step.ins)
                out = ""
                if buffers and step.outs[0].id in buffers:
                    out = f", out=r{step.outs[0].id}"
                sv = f"s{k}" if train and step.diff else "_"
                lines.append(f"    {outs}, {sv} = {src.kernel(step.kernel)}.forward(xp, {ins}"
                             f"{src.attrs(step.attrs, step.kernel.forward)}{out})")
                if sv != "_":
                    kept.append(sv)
            dead = [v.id for v in step.ins if type(v) is Val and last.get(v.id) == k and v.id not in heads]
            dead += [o.id for o in step.outs if o.id not in last and o.id not in heads]
            dead = sorted(set(dead))
            for i in dead:  # a dead value's array passes to the value that reuses it
                if i in handoff:
                    lines.append(f"    r{handoff[i]} = v{i}")
            names = [f"v{i}" for i in dead]
            if buffers and step.outs and step.outs[0].id in buffers:
                names.append(f"r{step.outs[0].id}")
            if names:
                lines.append(f"    del {', '.join(names)}")
        # a 0-d head (a full reduction) leaves as shape (1,), MXNet 1.x's, by [None] as eager invoke's
        hs = ", ".join(f"v{v.id}[None]" if not self.shapes[v.id] else f"v{v.id}" for v in self.heads)
        ret = f"({hs},)" if len(self.heads) > 1 else hs
        # a plain list, which backward empties as it takes the states (autograd copies it for retain_graph)
        saved = f"[{', '.join(kept)}]" if train else "None"
        lines.append(f"    return {ret}, {saved}")
        return src, lines

    def _backward_source(self):
        src = _Source()
        # the kernel contract's signature; an output no gradient reached (None) gets zeros; `needs` is
        # not read: a gradient nobody needs is dropped by the caller
        lines = ["def backward(xp, saved, gy, needs=None):"]
        if len(self.heads) == 1:
            lines.append("    gy0 = gy")
        else:
            lines.append(f"    {', '.join(f'gy{j}' for j in range(len(self.heads)))}, = gy")
        for j, v in enumerate(self.heads):
            lines.append(f"    if gy{j} is None:")
            lines.append(f"        gy{j} = xp.zeros({self.shapes[v.id]!r}, dtype='float32')")
            if not self.shapes[v.id]:
                # the (1,) gradient of a 0-d head back to the kernels' 0-d value, as _Unsqueezed's gy[0]
                lines.append("    else:")
                lines.append(f"        gy{j} = gy{j}[0]")
        has = set()

        def add_grad(vid, expr):
            if vid in has:
                lines.append(f"    g{vid} = g{vid} + {expr}")
            else:
                lines.append(f"    g{vid} = {expr}")
                has.add(vid)

        for j, v in enumerate(self.heads):
            add_grad(v.id, f"gy{j}")
        if self.diff_steps:
            # the saved states become locals and the list lets go of them, so each is freed by its `del`
            names = [f"s{self.steps.index(step)}" for step in self.diff_steps]
            lines.append(f"    {', '.join(names)}{',' if len(names) == 1 else ''} = saved")
            lines.append("    saved.clear()")
        for step in reversed(self.diff_steps):
            k = self.steps.index(step)
            if not any(o.id in has for o in step.outs):
                lines.append(f"    del s{k}")
                continue
            if len(step.outs) == 1:
                gy = f"g{step.outs[0].id}"
            else:
                gy = "(" + ", ".join(f"g{o.id}" if o.id in has else "None" for o in step.outs) + ",)"
            needs = tuple(type(v) is Val and self.rg[v.id] for v in step.ins)
            # the kernel's one gradient per input is unpacked: straight into g<id> for an input's first
            # gradient, through r<i> (added, then dropped) for one that accumulates
            targets, first, adds = [], set(), []
            for i, v in enumerate(step.ins):
                if not needs[i]:
                    targets.append("_")
                elif v.id not in has and v.id not in first:
                    targets.append(f"g{v.id}")
                    first.add(v.id)
                else:
                    targets.append(f"r{i}")
                    adds.append((v.id, f"r{i}"))
            # needs=None (the kernels' default) is every input: a keyword less per call
            kw = "" if all(needs) else f", needs={needs!r}"
            lines.append(f"    {', '.join(targets)}{',' if len(targets) == 1 else ''} = "
                         f"{src.kernel(step.kernel)}.backward(xp, s{k}, {gy}{kw}"
                         f"{src.attrs(step.attrs, step.kernel.backward, backward=True)})")
            dead = [f"g{o.id}" for o in step.outs if o.id in has] + [f"s{k}"]
            lines.append(f"    del {', '.join(dead)}")
            for o in step.outs:
                has.discard(o.id)
            has |= first
            for vid, r in adds:
                add_grad(vid, r)
                lines.append(f"    del {r}")
        grads = ", ".join(f"g{i}" if i in has else "None" for i in range(self.n_args))
        lines.append(f"    return ({grads}{',' if self.n_args == 1 else ''})")
        return src, lines

    def _compile(self, key):
        """key: "train" (keeps saved, writes into reused buffers), "infer" (keeps nothing) or "backward"."""
        fn = self._fns.get(key)
        if fn is None:
            if key == "backward":
                src, lines = self._backward_source()
            else:
                src, lines = self._forward_source(key == "train", self.buffers if key == "train" else None)
            code = "\n".join(lines) + "\n"
            namespace = dict(src.env)
            exec(compile(code, f"<cached graph {key}>", "exec"), namespace)  # our own generated text
            fn = self._fns[key] = namespace[lines[0].split()[1].split("(")[0]]
            fn.source = code
        return fn

    def forward_body(self, recording, args, prefix):
        """The forward that function(recording) runs, as lines for another generated function (the
        cached-op call, which then runs it without a call of its own): its arguments bound to the
        expressions `args`, its constants named with `prefix`, ending in `y, saved = <its return>`.
        Returns (lines indented by 4, the globals they refer to)."""
        train = recording and self.any_grad
        src, lines = self._forward_source(train, self.buffers if train else None, prefix)
        body = [f"    v{i} = {a}" for i, a in enumerate(args)] + lines[1:-1]
        body.append("    y, saved = " + lines[-1].strip()[len("return "):])
        return body, src.env

    def source(self, key="train"):
        """The generated Python text (for reading and debugging)."""
        return self._compile(key).source

    # ------------------------------------------------------------ the kernel contract
    def forward(self, xp, *arrays):
        return self.function(autograd._STATE.mode[0])(xp, *arrays)

    def function(self, recording):
        """The compiled forward for a run under record() (keeping what backward needs) or not."""
        key = "train" if recording and self.any_grad else "infer"
        return self._fns.get(key) or self._compile(key)

    # ------------------------------------------------------------ memory plan (from the kernels' facts)
    def _plan(self, arg_dtypes):
        """Decide buffer sharing from what each kernel declares: which inputs its output may view
        (may_view), which inputs and outputs its `saved` keeps until its backward step (saves_inputs,
        saves_output), and whether it writes into a given buffer (accepts_out). A forward output of 64 KiB
        or more is then written into the array of a value of its shape and dtype that died earlier."""
        storage, dtype, keep = {}, {}, set()
        for i in range(self.n_args):
            storage[i], dtype[i] = i, arg_dtypes[i]
        for step in self.steps:
            vals = [v for v in step.ins if type(v) is Val]
            viewed = vals if step.fn is not None else \
                [step.ins[i] for i in step.kernel.may_view if i < len(step.ins) and type(step.ins[i]) is Val]
            for o in step.outs:
                # an output that may be a view of an input shares that input's storage; a second viewed
                # input (or an opaque fn's other inputs) is pinned: never handed to another value
                storage[o.id] = storage[viewed[0].id] if viewed else o.id
                keep.update(storage[v.id] for v in viewed[1:])
                known = [dtype[v.id] for v in vals]
                dtype[o.id] = (dtype[viewed[0].id] if viewed else
                               str(_result_type(known)) if step.fn is None and step.kernel.accepts_out
                               and known and None not in known else None)
        retained = {}
        for step in self.diff_steps:
            kept = {storage[step.ins[i].id] for i in step.kernel.saved_input_indices(len(step.ins))
                    if i < len(step.ins) and type(step.ins[i]) is Val}
            if step.kernel.saves_output:
                kept |= {storage[o.id] for o in step.outs}
            retained[id(step)] = kept
        timeline = [("f", s) for s in self.steps] + [("b", s) for s in reversed(self.diff_steps)]

        def reads(item):
            kind, s = item
            if kind == "f":
                return [storage[v.id] for v in s.ins if type(v) is Val]
            return sorted(retained[id(s)])

        def writes(item):
            kind, s = item
            return [storage[o.id] for o in s.outs] if kind == "f" else []

        keep |= {storage[v.id] for v in self.heads} | set(range(self.n_args))
        intervals = plan.liveness(timeline, reads, writes, keep)

        def nbytes(v):
            n = 1
            for d in self.shapes[v]:
                n *= d
            return n * (_itemsize(dtype[v]) if dtype[v] else 4)
        self.peak_bytes = plan.peak_live_bytes(intervals, nbytes)
        shared = {r for v, r in storage.items() if v != r}
        candidates = [s.outs[0].id for s in self.steps
                      if s.fn is None and len(s.outs) == 1 and s.kernel.accepts_out
                      and storage[s.outs[0].id] == s.outs[0].id and s.outs[0].id not in keep
                      and s.outs[0].id not in shared and dtype[s.outs[0].id] is not None
                      and nbytes(s.outs[0].id) >= REUSE_MIN_BYTES]
        assignment, _ = plan.assign_buffers(intervals, lambda v: (self.shapes[v], dtype[v]), candidates)
        chains = {}
        for v in sorted(candidates, key=lambda v: intervals[v].start):
            chains.setdefault(assignment[v], []).append(v)
        self.buffers = {w: v for chain in chains.values() for v, w in zip(chain, chain[1:])}
        self.reused_bytes = sum(nbytes(w) for w in self.buffers)


def _result_type(dtypes):
    return numpy.result_type(*dtypes)


def _itemsize(dtype):
    return numpy.dtype(dtype).itemsize
