"""Compile (fetches, feeds) into a flat plan: prune, optional passes, concrete shapes, memory plan, codegen.

The plan is one generated Python function: a straight line of prebound kernel calls in the order
`frameworks.plan.toposort` gives, each value a local that is dropped (`del`) right after its last reader
(kernels' `saved` values included), and intermediates written into preallocated `out=` buffers that share
one arena (`plan.liveness` + `plan.assign_offsets`). The per-step Python path is that function alone.
"""
import time

import numpy as np

from frameworks import kernels as K
from frameworks import plan as P
from frameworks.kernels import ShapeError
from . import errors
from .graph import Tensor
from .runtime import RUNNERS
from .unsupported import check_placement

# what the memory plan may assume of each kernel comes from the kernel's own declarations (Kernel's facts)
def _accepts_out(k):
    """forward takes out= and returns a fresh array there (a multi-output kernel: its first output)."""
    return k is not None and k.accepts_out


def _fresh(k):
    """The outputs are always fresh arrays, never views of an input."""
    return not k.may_view


def _inplace_ok(k):
    """A one-input kernel that may overwrite its input (its saved value does not hold it)."""
    return k is not None and 0 in k.may_overwrite


def _safe_producer(k):
    """Its saved value never aliases its output and its output is no view, so an in-place activation
    after it cannot corrupt it."""
    return k is not None and not k.saves_output and not k.may_view


_PURE_GRAPH_OPS = {"Identity", "Cast", "ZerosLike", "OnesLike", "AddN", "LogicalAnd", "LogicalOr",
                   "LogicalNot", "Floor", "Max", "Min", "Pow"}


def _pure(op):
    """Not a draw from a random stream (each run of a dropout op is a new mask: never merged or folded)."""
    return getattr(op, "stream_seed", None) is None


class _Node:
    """One scheduled step: an op, its input values and output values (a kernel op's last is `saved`)."""
    __slots__ = ("op", "ins", "outs", "inplace")

    def __init__(self, op, ins, outs):
        self.op, self.ins, self.outs, self.inplace = op, ins, outs, False


class Plan:
    """A compiled step: `fn(*feed_values) -> tuple of fetched values`, plus its memory figures."""

    def __init__(self, fn, make_traced, source, memory, nodes):
        self.fn = fn
        self._make_traced = make_traced
        self._traced = None
        self.source = source
        self.memory = memory
        self.nodes = nodes

    def run_traced(self, values, run_metadata):
        if self._traced is None:   # generated on first use only: most plans are never traced
            self._traced = self._make_traced()
        rec = []
        out = self._traced(rec, *values)
        run_metadata.step_stats.extend((n.op.name, n.op.type, sec) for n, sec in zip(self.nodes, rec))
        return out


def _error(op, msg, cls=errors.InvalidArgumentError):
    return cls(None, op, msg)


def _schedule(sess, elements, fed):
    roots = [e.op if isinstance(e, Tensor) else e for e in elements]

    def deps(op):
        return [t.op for t in op.inputs if t not in fed] + op.control_inputs
    order = P.eager_order(P.toposort(roots, deps), deps)
    fetched_tensors = {e for e in elements if isinstance(e, Tensor)}
    nodes = []
    for op in order:
        if op.device:
            check_placement(op, op.device, sess.config.device, getattr(sess.config, "allow_soft_placement",
                                                                       False))
        if op.type == "Placeholder":
            t = op.outputs[0]
            if t in fed:
                continue
            dims = op.attrs["shape"]
            shp = "<unknown>" if dims is None else \
                "[" + ",".join("?" if d is None else str(d) for d in dims) + "]"
            raise _error(op, f"You must feed a value for placeholder tensor '{op.name}' with dtype "
                             f"{op.attrs['dtype'].name} and shape {shp}\n\t [[{{{{node {op.name}}}}}]]")
        if op.type == "NoOp":
            continue
        if all(t in fed for t in op.outputs) and op.outputs and not op.control_inputs \
                and not any(t in fetched_tensors and t not in fed for t in op.outputs):
            continue
        outs = list(op.outputs) + ([op._saved] if op._saved is not None else [])
        nodes.append(_Node(op, list(op.inputs), outs))
    return nodes


_SMALL_CONST_BYTES = 1024   # Consts up to this size are compared by value (larger ones: by identity)


def _const_key(op):
    """Equal small constants are one value (Grappler's dedup): same dtype, shape and bytes, and the same
    control inputs (a reader must still wait for what its own constant waited for)."""
    v = op.attrs.get("value")
    if not isinstance(v, np.ndarray) or v.nbytes > _SMALL_CONST_BYTES:
        return None
    return ("Const", v.dtype.str, v.shape, v.tobytes(), frozenset(op.control_inputs))


def _cse(nodes):
    """Merge nodes of the same pure type, inputs and attributes into the first one; equal small Consts
    are merged too, so the ops reading them merge in turn."""
    seen, rename, kept = {}, {}, []
    for n in nodes:
        n.ins = [rename.get(t, t) for t in n.ins]
        op = n.op
        key = None
        if op.type == "Const":
            key = _const_key(op)
        elif (op.kernel is not None or op.type in _PURE_GRAPH_OPS) and _pure(op):
            key = (op.type, tuple(id(t) for t in n.ins), repr(sorted(op.attrs.items())))
        if key is not None:
            first = seen.get(key)
            if first is not None:
                rename.update(zip(n.outs, first.outs))
                continue
            seen[key] = n
        kept.append(n)
    return kept, rename


def _constant_fold(nodes, consts, sess):
    """Evaluate, at compile time, every pure node whose inputs are all constants."""
    kept = []
    for n in nodes:
        op = n.op
        if op.type == "Const":
            consts[op.outputs[0]] = sess.xp.asarray(op.attrs["value"])
            continue
        pure = (op.kernel is not None or op.type in _PURE_GRAPH_OPS) and _pure(op)
        if pure and n.ins and all(t in consts for t in n.ins):
            args = [consts[t] for t in n.ins]
            if op.kernel is not None:
                y, saved = op.kernel.forward(sess.xp, *args, **op.attrs)
                ys = list(y) if op.kernel.n_outputs != 1 else [y]
                consts.update(zip(n.outs, ys + [saved]))
            else:
                consts.update(zip(n.outs, RUNNERS[op.type](op, sess)(*args)))
            continue
        kept.append(n)
    return kept


def _readers(nodes):
    count = {}
    for n in nodes:
        for t in n.ins:
            count[t] = count.get(t, 0) + 1
    return count


class _PartialSum:
    """One add of an AddN run as a chain of the shared `add` kernel; typed and named after its AddN, so
    traces and the per-op breakdown still say where the time went."""
    __slots__ = ("name", "type", "kernel", "attrs")

    def __init__(self, addn, j):
        self.name, self.type, self.kernel, self.attrs = f"{addn.name}/accumulate_{j}", "AddN", K.add, {}


def _expand_add_n(nodes, early):
    """Each AddN becomes the chain its runner computes, x0 + x1, then += x2, ... (in place into the first
    sum, its own fresh array), as kernel steps of the plan. With `early` (memory_optimization, TF's
    Grappler memory optimizer's AddN rewrite into an accumulator) each add runs right after the input it
    adds is computed, still in the AddN's input order, so the arithmetic is the same and each contribution
    is freed at once: a weight shared by T unrolled steps holds one running sum instead of T gradients."""
    where = {t: i for i, n in enumerate(nodes) for t in n.outs}   # the step computing each value
    after = {}                                                      # step -> partial sums run after it
    for i, n in enumerate(nodes):
        op = n.op
        if op.type != "AddN" or len(n.ins) < 2:
            continue
        y = n.outs[0]
        in_place = bool(y.shape.dims)          # NumPy gives 0-d sums as scalars, which take no out=
        acc, ready = n.ins[0], where.get(n.ins[0], -1)
        for j, x in enumerate(n.ins[1:], 1):
            ready = max(ready, where.get(x, -1)) if early and not op.control_inputs else i
            part = _PartialSum(op, j)
            out = y if j == len(n.ins) - 1 else Tensor(part, 0, y.dtype, y.shape.dims)
            step = _Node(part, [acc, x], [out, Tensor(part, 1, None, None)])
            step.inplace = in_place and j > 1
            after.setdefault(ready, []).append(step)
            acc = out
    if not after:
        return nodes
    out = list(after.get(-1, ()))
    for i, n in enumerate(nodes):
        if not (n.op.type == "AddN" and len(n.ins) >= 2):
            out.append(n)
        out.extend(after.get(i, ()))
    return out


def _fuse_inplace(nodes, fetched, producer):
    """Let an activation overwrite its input when nothing else reads that input (relu after a matmul or
    a conv, as hand-written code does): one intermediate fewer, with identical arithmetic."""
    readers = _readers(nodes)
    for n in nodes:
        k = n.op.kernel
        if _inplace_ok(k) and len(n.ins) == 1:
            x = n.ins[0]
            p = producer.get(x)
            if (p is not None and _safe_producer(p.op.kernel) and readers.get(x) == 1
                    and x not in fetched and x.dtype is not None and x.dtype.is_floating
                    and p.outs[0] is x and x.shape.dims):   # NumPy reductions to () give scalars, no out=
                n.inplace = True


def _concrete_shapes(nodes, shapes, sess):
    """Every value's shape for these feed shapes (kernels' `infer`), so buffers can be sized up front."""
    for n in nodes:
        op = n.op
        ins = [shapes.get(t) for t in n.ins]
        known = all(s is not None for s in ins)
        outs = None
        if op.kernel is not None:
            if known:
                try:
                    res = op.kernel.infer(*ins, **op.attrs)
                except ShapeError as e:
                    listed = ", ".join(str(list(s)) for s in ins)
                    raise _error(op, f"{e} for '{op.name}' (op: '{op.type}') with input shapes: {listed}."
                                 ) from None
                outs = list(res) if op.kernel.n_outputs != 1 else [res]
        elif op.type.endswith("Grad") and "forward" in op.attrs:
            fwd = op.attrs["forward"]
            outs = [shapes.get(t) for t, need in zip(fwd.inputs, op.attrs["needs"]) if need]
        elif op.type == "VariableV2":
            outs = [op.attrs["shape"]]
        elif op.type in ("Identity", "Cast", "ZerosLike", "OnesLike", "AddN", "AssignAdd", "AssignSub"):
            outs = [ins[0]]
        elif op.type == "Assign":
            outs = [op.attrs["var"].shape.dims]
        else:
            outs = [t.shape.dims if t.shape.is_fully_defined() else None for t in op.outputs]
        for t, s in zip(n.outs, outs or []):
            if s is not None and None not in s:
                shapes[t] = tuple(s)


def _bases(nodes, feeds_and_sources):
    """For each value, the values whose memory it may share (itself for fresh outputs, its inputs' for
    views, pass-through gradients and in-place activations; a kernel's `saved` holds inputs and outputs)."""
    base = {t: frozenset((t,)) for t in feeds_and_sources}

    def of(t):
        b = base.get(t)
        if b is None:
            b = base[t] = frozenset((t,))
        return b
    for n in nodes:
        op = n.op
        k = op.kernel
        ins_b = frozenset().union(*[of(t) for t in n.ins]) if n.ins else frozenset()
        if k is not None:
            n_real = len(n.outs) - 1
            for t in n.outs[:n_real]:
                if n.inplace:   # written into its first input
                    base[t] = of(n.ins[0]) | {t}
                elif _fresh(k):
                    base[t] = frozenset((t,))
                else:
                    base[t] = ins_b | {t}
            saved_b = frozenset((n.outs[-1],)).union(
                *[of(n.ins[i]) for i in k.saved_input_indices(len(n.ins)) if i < len(n.ins)])
            base[n.outs[-1]] = saved_b.union(*[base[t] for t in n.outs[:n_real] if k.saves_output])
        elif op.type.endswith("Grad") and "forward" in op.attrs:
            gy_b = frozenset()
            if op.attrs["forward"].kernel.grad_may_view:
                gy_b = gy_b.union(*[of(t) for t in n.ins[1:]])
            for t in n.outs:
                base[t] = gy_b | {t}
        elif op.type in ("VariableV2", "Const") or op.type.startswith("Random"):
            for t in n.outs:
                base[t] = frozenset((t,))
        else:
            for t in n.outs:
                base[t] = ins_b | {t}
    return base


def _declared_bytes(nodes, shapes):
    """What the kernels declare for these shapes: the bytes each `saved` value holds of its own (beyond
    the inputs and outputs it references: im2col columns, masks, gate activations) and each forward's
    workspace (scratch it frees before returning), keyed by the saved value and by the step."""
    saved, workspace = {}, {}
    for i, n in enumerate(nodes):
        k = n.op.kernel
        ins = [shapes.get(t) for t in n.ins]
        if k is None or any(s is None for s in ins) or not n.outs[0].dtype:
            continue
        size = n.outs[0].dtype.np.itemsize
        saved[n.outs[-1]] = k.saved_bytes(*ins, itemsize=size, **n.op.attrs)
        workspace[i] = k.workspace_bytes(*ins, itemsize=size, **n.op.attrs)
    return saved, workspace


def _nbytes(shapes, saved_bytes, aliases):
    """Bytes of each value; an in-place step's output (in `aliases`) is its input's memory, counted once."""
    def nbytes(t):
        if t in saved_bytes:
            return saved_bytes[t]
        if t in aliases:
            return 0
        s = shapes.get(t)
        if s is None or t.dtype is None:
            return 0
        n = 1
        for d in s:
            n *= d
        return n * t.dtype.np.itemsize
    return nbytes


def _peak_with(intervals, nbytes, workspace, pooled=(), pooled_bytes=0):
    """The most bytes held at one step (plan.peak_live_bytes): the live values, those in `pooled` counted
    once as the pool's `pooled_bytes` held all along, plus each step's declared workspace (a value of its
    own, live at that step only)."""
    ivs = {v: iv for v, iv in intervals.items() if v not in pooled}
    ivs.update({("workspace", i): P.Interval(i, i) for i in workspace})

    def size(v):
        return workspace[v[1]] if isinstance(v, tuple) and v[:1] == ("workspace",) else nbytes(v)
    return P.peak_live_bytes(ivs, size) + pooled_bytes


def compile_plan(sess, elements, feeds, inner=False):
    """Build the Plan for fetching `elements` with `feeds`: tensor, shape, dtype of each fed value, flat.

    `inner`: the sub-plan of a cond branch or loop body (control_flow_ops.py), fed by the enclosing plan's
    own values (no feed checks or conversions; a value without a shape, a kernel's `saved`, has shape
    None) and returning them as values for that plan (no host copies, 0-d arrays stay arrays)."""
    cfg, xp = sess.config, sess.xp
    fed = {}
    shapes = {}
    feeds = [feeds[i:i + 3] for i in range(0, len(feeds), 3)]   # (tensor, shape, dtype) triples
    for i, (t, shape, dtype) in enumerate(feeds):
        if not inner:
            _check_feed(t, shape, dtype)
        fed[t] = i
        if shape is not None:
            shapes[t] = tuple(shape)
    nodes = _schedule(sess, elements, fed)
    fetched = [e for e in elements if isinstance(e, Tensor)]
    consts, rename = {}, {}
    if cfg.cse:
        nodes, rename = _cse(nodes)
    if cfg.constant_folding:
        nodes = _constant_fold(nodes, consts, sess)
    fetch_vals = [rename.get(t, t) for t in fetched]
    nodes = _expand_add_n(nodes, cfg.memory_optimization)
    producer = {t: n for n in nodes for t in n.outs}
    if cfg.fusion:
        _fuse_inplace(nodes, set(fetch_vals), producer)
    for t, v in consts.items():
        if hasattr(v, "shape"):
            shapes[t] = tuple(v.shape)
    _concrete_shapes(nodes, shapes, sess)

    # memory plan: liveness over the values each step may touch through aliases
    base = _bases(nodes, list(fed) + list(consts))
    steps = list(range(len(nodes)))
    reads = [frozenset().union(*[base.get(t, frozenset((t,))) for t in n.ins]) if n.ins else frozenset()
             for n in nodes]
    keep = set()
    for t in fetch_vals:
        keep |= base.get(t, frozenset((t,)))
    var_values = {n.outs[0] for n in nodes if n.op.type == "VariableV2"}
    intervals = P.liveness(steps, lambda i: reads[i], lambda i: nodes[i].outs, keep=keep | var_values)
    saved_bytes, workspace = _declared_bytes(nodes, shapes)
    nbytes = _nbytes(shapes, saved_bytes, {n.outs[0] for n in nodes if n.inplace})
    transient = {v: iv for v, iv in intervals.items() if v not in var_values and v not in fed
                 and v not in consts}
    # peak_live_bytes: the liveness lower bound (every value its own buffer exactly while live, plus the
    # kernels' declared workspace at their step); planned_peak_bytes: what this plan holds at its worst
    # step (the pool all along, the other values while live, the workspace)
    memory = dict(peak_live_bytes=_peak_with(transient, nbytes, workspace),
                  unplanned_bytes=sum(nbytes(v) for v in transient) + max(workspace.values(), default=0),
                  pooled_bytes=0, buffers=0, pooled_values=0)
    buffers, pool = {}, []
    if cfg.reuse_buffers:
        keep_all = keep | var_values
        cands = [n.outs[0] for n in nodes
                 if _accepts_out(n.op.kernel) and not n.inplace and len(n.outs) >= 2
                 and n.outs[0] in shapes and n.outs[0] not in keep_all and n.outs[0].dtype.is_floating]
        # one arena for all of them (any shapes may share bytes), packed by their live intervals
        offsets, size = P.assign_offsets({v: transient[v] for v in cands}, nbytes)
        arena = xp.empty(size, dtype=np.uint8)
        for v in cands:
            buffers[v] = arena[offsets[v]:offsets[v] + nbytes(v)].view(v.dtype.np).reshape(shapes[v])
        if buffers:
            pool.append(arena)
        # buffers: the allocations the plan holds (the one arena); pooled_values: the values viewing it
        memory.update(pooled_bytes=size, buffers=len(pool), pooled_values=len(buffers))
    memory["planned_peak_bytes"] = _peak_with(transient, nbytes, workspace, set(buffers),
                                              memory["pooled_bytes"])
    plan = _codegen(sess, nodes, fed, consts, fetch_vals, elements, rename, buffers, base, var_values, memory,
                    inner)
    # what the plan holds between runs (the memory breakdown reads it): its allocations (the arena, not
    # the values' views into it), the folded constants
    plan.pool = pool
    plan.consts = [v for v in consts.values() if hasattr(v, "nbytes")]
    return plan


def _check_feed(t, shape, dtype):
    if t.op.type == "VariableV2":
        raise errors.InvalidArgumentError(None, t.op, f"cannot feed Variable {t.op.name}: assign to it")
    if not t.shape.is_compatible_with(shape):
        raise ValueError(f"Cannot feed value of shape {tuple(shape)} for Tensor '{t.name}', which has "
                         f"shape '{t.shape}'")
    want = t.dtype.np if t.dtype is not None else None
    if want is not None and np.dtype(dtype) != want:
        if not np.can_cast(dtype, want, casting="same_kind"):
            raise TypeError(f"Cannot feed value of dtype {np.dtype(dtype)} for Tensor '{t.name}', which has "
                            f"dtype {t.dtype.name}")


class _Emitter:
    """What the per-node emitters share: the generated function's namespace (prebound callables, buffers,
    constants), each value's local name, and each value's last reader (so its reference is dropped)."""

    def __init__(self, sess, nodes, fed, consts, fetch_vals, buffers):
        self.sess, self.xp, self.fed, self.buffers = sess, sess.xp, fed, buffers
        xp = sess.xp
        self.ns = {"xp": xp, "_pc": time.perf_counter, "_sync": lambda: K.synchronize(xp)}
        self.names = {t: f"f{i}" for t, i in fed.items()}
        for j, (t, v) in enumerate(consts.items()):
            self.names[t] = self.bind("c", j, v)
        self.last = {t: i for i, n in enumerate(nodes) for t in n.ins}
        self.fetch_set = set(fetch_vals)
        self._count = 0
        # call sites (see _site_name): named only while a hook reads them, decided once per run
        self.ns.update(_site=K.call_site_slot(), _wanted=K.call_sites_wanted)

    def bind(self, prefix, i, obj):
        """Put `obj` in the namespace as `<prefix><i>` and return that name."""
        self.ns[f"{prefix}{i}"] = obj
        return f"{prefix}{i}"

    def name(self, t):
        if t not in self.names:
            self.names[t] = f"v{self._count}"
            self._count += 1
        return self.names[t]

    def out(self, t):
        """The target for output `t`: `_` when nothing reads it or it is fed (a fed value wins)."""
        if t in self.fed or (t not in self.last and t not in self.fetch_set):
            return "_"
        return self.name(t)

    def ins(self, n):
        return ", ".join(self.name(t) for t in n.ins)

    def drops(self, i, n):
        """`del` of the inputs whose last reader is step i (fetched values, feeds, constants stay)."""
        dead = sorted({self.name(t) for t in n.ins if self.last.get(t) == i and t not in self.fetch_set
                       and self.names.get(t, "").startswith("v")})
        return [f"del {', '.join(dead)}"] if dead else []


def _kind(n):
    op = n.op
    if op.type == "VariableV2":
        return "variable"
    if op.kernel is not None:
        return "kernel"
    if op.type.endswith("Grad") and "forward" in op.attrs:
        return "gradient"
    return "runner"


def _emit_variable(em, i, n):
    """Read the session's value of a Variable (raising TF's error if it was never initialized)."""
    s = em.bind("s", i, em.sess._store(n.op.attrs["variable"]))
    v = em.name(n.outs[0])
    return [f"{v} = {s}.value", f"if {v} is None: {s}.get()"]


def _emit_kernel(em, i, n):
    """y, saved = kernel.forward(xp, *ins, [out=...], **attrs): in place on the input when fused, into a
    pooled buffer when planned (only kernels that declare accepts_out get one)."""
    k = n.op.kernel
    fn = em.bind("n", i, k.forward)
    extra = ""
    if n.inplace:
        extra = f", out={em.name(n.ins[0])}"
    elif n.outs[0] in em.buffers and k.accepts_out:
        extra = f", out={em.bind('b', i, em.buffers[n.outs[0]])}"
    seed = getattr(n.op, "stream_seed", None)
    if seed is not None:   # a random kernel: this session's stream for the op gives each run's counter
        stream = em.sess._resources.setdefault(n.op, K.random.Stream(seed))
        extra += f", seed={seed}, counter={em.bind('r', i, stream)}.next_counter()"
    if n.op.attrs:
        extra += f", **{em.bind('a', i, dict(n.op.attrs))}"
    real = n.outs[:-1]
    ys = ", ".join(em.out(t) for t in real)
    lhs = f"({ys},)" if len(real) > 1 or k.n_outputs != 1 else ys
    return [f"{lhs}, {em.out(n.outs[-1])} = {fn}(xp, {em.ins(n)}{extra})"]


def _emit_gradient(em, i, n):
    """The forward kernel's backward on its saved value and output gradients, asking only for `needs`."""
    fwd = n.op.attrs["forward"]
    needs, present = n.op.attrs["needs"], n.op.attrs["present"]
    fn = em.bind("n", i, fwd.kernel.backward)
    attrs = em.bind("a", i, dict(fwd.attrs, needs=needs))
    gys = [em.name(t) for t in n.ins[1:]]
    if fwd.kernel.n_outputs != 1:   # one slot per forward output, None where no gradient arrived
        it = iter(gys)
        gy = "(" + ", ".join(next(it) if p else "None" for p in present) + ",)"
    else:
        gy = gys[0]
    outs = iter(n.outs)
    lhs = ", ".join(em.out(next(outs)) if nd else "_" for nd in needs)
    return [f"{lhs}, = {fn}(xp, {em.name(n.ins[0])}, {gy}, **{attrs})"]


def _emit_runner(em, i, n):
    """A graph-level op (state, control, feeds, summaries): its registered runner's callable."""
    factory = RUNNERS.get(n.op.type)
    if factory is None:
        raise errors.InvalidArgumentError(None, n.op, f"no runner for op type {n.op.type!r} ({n.op.name})")
    if getattr(factory, "wants_read", False):   # told which outputs this plan reads (a While's history)
        fn = em.bind("n", i, factory(n.op, em.sess, read=[em.out(t) != "_" for t in n.outs]))
    else:
        fn = em.bind("n", i, factory(n.op, em.sess))
    if not n.outs:
        return [f"{fn}({em.ins(n)})"]
    return [f"{', '.join(em.out(t) for t in n.outs)}, = {fn}({em.ins(n)})"]


def _site_name(n):
    """The call-site name of a step that may call kernels (the op's name), None for a variable read."""
    return None if _kind(n) == "variable" else n.op.name


_EMITTERS = {"variable": _emit_variable, "kernel": _emit_kernel, "gradient": _emit_gradient,
             "runner": _emit_runner}


def _emit_feeds(em):
    """Device transfer and dtype conversion of the fed values, at the top of the plan."""
    lines = []
    for t, i in em.fed.items():
        dt = t.dtype.np.str
        if em.xp is not np:
            lines.append(f"f{i} = xp.asarray(f{i}, dtype={dt!r})")
        else:
            em.ns.setdefault("_np", np)
            lines.append(f"if f{i}.dtype != {dt!r}: f{i} = _np.asarray(f{i}, {dt!r})")
    return lines


def _emit_return(em, elements, rename, base, var_values, consts, inner=False):
    """Fetched values: a copy where the value may share a variable's or a constant's storage (TF returns
    values, not references), host copies on a GPU, NumPy scalars for 0-d results (as TF does)."""
    ret = []
    for el in elements:
        if not isinstance(el, Tensor):
            ret.append("None")
            continue
        t = rename.get(el, el)
        v = em.name(t)
        if em.xp is not np and not inner:
            v = f"{em.bind('_host', '', K.to_numpy)}({v})"
        elif not inner and any(b in var_values or b in consts for b in base.get(t, (t,))):
            # (an inner plan's results go to its If / While, which the enclosing plan treats as views of
            # all its inputs, variables included: that plan copies what it returns)
            v = f"{v}.copy()"
        ret.append(f"{v}[()]" if t.shape.ndims == 0 and not inner else v)
    return "return (" + ", ".join(ret) + ",)" if ret else "return ()"


def _source(args, feeds, body, ret_line, traced, named):
    """The plan's text. The plain plan first asks kernels.call_sites_wanted() (a profiler's labelled
    iterations) and then runs the named plan instead: the same steps, each first storing its op's name into
    kernels' call-site slot (one store, no context manager), the caller's name put back however it ends.
    So every run, hooked or not, takes the same plain path unless names are read."""
    rec = "_rec, " if traced else ""
    pad = "    "
    if named:
        out = [f"def _named({rec}{args}):", pad + "_outer = _site[0]", pad + "try:"]
        pad += "    "
    else:
        out = [f"def _plan({rec}{args}):", pad + f"if _wanted(): return _named({rec}{args})"]
    out += [pad + c for c in feeds]
    for site, code in body:
        if traced:
            out.append(pad + "_t = _pc()")
        if named and site is not None:
            out.append(pad + f"_site[0] = {site!r}")
        out += [pad + c for c in code]
        if traced:
            out.append(pad + "_sync(); _rec.append(_pc() - _t)")
    out.append(pad + ret_line)
    if named:
        out += ["    finally:", "        _site[0] = _outer"]
    return "\n".join(out) + "\n"


def _codegen(sess, nodes, fed, consts, fetch_vals, elements, rename, buffers, base, var_values, memory,
             inner=False):
    em = _Emitter(sess, nodes, fed, consts, fetch_vals, buffers)
    body = [(_site_name(n), _EMITTERS[_kind(n)](em, i, n) + em.drops(i, n)) for i, n in enumerate(nodes)]
    feeds = [] if inner else _emit_feeds(em)
    ret_line = _emit_return(em, elements, rename, base, var_values, consts, inner)
    args = ", ".join(f"f{i}" for i in range(len(fed)))

    def build(traced):
        env = dict(em.ns)
        kind = "traced " if traced else ""

        def named_on_first_use(*a):   # most plans never run named: generated when first wanted
            src = _source(args, feeds, body, ret_line, traced, True)
            exec(compile(src, f"<static_graph {kind}named plan>", "exec"), env)   # rebinds env["_named"]
            return env["_named"](*a)
        env["_named"] = named_on_first_use
        # our own generated code, never user text
        exec(compile(_source(args, feeds, body, ret_line, traced, False), f"<static_graph {kind}plan>", "exec"),
             env)
        return env["_plan"]
    return Plan(build(False), lambda: build(True), _source(args, feeds, body, ret_line, False, False), memory,
                nodes)
