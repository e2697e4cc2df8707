"""tf.cond, tf.case, tf.while_loop, smart_cond (TF 1.x's control_flow_ops, v1 semantics), as functional ops.

tf.cond traces each branch function once, inside a branch context: the ops made there belong to it
(`op._ctx`) and run only in that branch's sub-plan, which the If op's runner compiles on first use with
the engine's own `compile_plan` (prune, passes, memory plan with its own arena) and caches by the shapes
of the values it reads. The If op's inputs are the predicate and every outer tensor a branch reads (its
captures); its outputs are the branches' results, so the enclosing plan schedules, frees and plans memory
around one step, and an untaken branch never runs. tf.while_loop does the same with a cond and a body
sub-plan, run by the While op's runner until the cond is false.

Gradients: the gradient of an If is another If on the same predicate whose branches are tf.gradients of
the forward branches (zeros for a capture the taken branch does not use), as TF's cond gradient is. A
forward value the gradient branch reads (a kernel's `saved`, an input) becomes one more output of the
forward If, produced by its branch (None from the other, which the gradient If, taking the same branch,
never reads). The gradient of a While is a While over the recorded iterations in reverse: each forward
iteration pushes the body values its gradient reads onto a stack (the While's history output, TF's
stack accumulators), and the gradient loop pops them, summing the captures' gradients over iterations.
"""
import numpy as np

from . import nest as _nest
from .errors import InvalidArgumentError
from .graph import Operation, Tensor, TensorShape, bool_, control_dependencies, get_default_graph, int32
from . import ops

# ---------------------------------------------------------------- tracing contexts


class _Context:
    """A cond branch or loop function being traced: the ops made while it is current belong to it."""

    def __init__(self, kind):
        self.graph = get_default_graph()
        self.kind = kind
        self.outer = self.graph._ctx
        self.ops = []
        self.owner = None          # the If / While op, once made
        self.outputs = []          # the sub-plan's fetches (results, then exported values)
        self.forward = None        # a gradient loop body: the forward body whose values it pops

    def __enter__(self):
        g = self.graph
        self._saved = g._ctx, g._control_stack
        # outer control dependencies go on the If / While op, not on the ops inside
        g._ctx, g._control_stack = self, []
        return self

    def __exit__(self, *exc):
        self.graph._ctx, self.graph._control_stack = self._saved
        return False

    def chain(self):
        c = self
        while c is not None:
            yield c
            c = c.outer

    def adopt(self, t):
        """`t` as a value made in this context (an outer tensor returned as is becomes an Identity here,
        as TF's branch output passes through a Switch)."""
        if t.op._ctx is self:
            return t
        with self:
            return ops.identity(t)

    def captures(self):
        """The tensors its ops read from outside it, in first-use order; the outside control inputs of
        its ops, which move to the If / While op."""
        inside = set(self.ops)
        caps, seen, controls = [], set(), []
        for op in self.ops:
            for t in op.inputs:
                if t.op not in inside and t not in seen:
                    seen.add(t)
                    caps.append(t)
            outer = [c for c in op.control_inputs if c not in inside]
            if outer:
                op.control_inputs = [c for c in op.control_inputs if c in inside]
                controls.extend(c for c in outer if c not in controls)
        return caps, controls


def _visible(t, ctx):
    c = t.op._ctx
    return c is None or (ctx is not None and c in set(ctx.chain()))


def _source(t, ctx):
    """The tensor that supplies `t` (read inside `ctx`) to the op owning ctx, which lives in ctx.outer: t
    itself, or t exported from the If it is inside (repeatedly, out of nested branches). For a gradient
    loop body (ctx.forward), a value of the forward body is popped from its history: ("stacked", t)."""
    target = ctx.outer
    while not _visible(t, target):
        c = t.op._ctx
        if c is ctx.forward:
            return ("stacked", _export_from_loop(c, t))
        if target is not None and any(a.forward is c for a in target.chain()):
            return t   # an enclosing gradient loop body reads it, popped from the forward history
        if c.owner is None or c.owner.type not in ("If", "While"):
            raise ValueError(f"Tensor {t.name} is made inside a cond branch or loop body that is still being "
                             f"built; it cannot be used outside it (return it from the function instead)")
        if c.owner.type == "While":
            raise ValueError(f"Cannot use '{t.name}' as input to an op outside the while loop that makes it "
                             f"('{c.owner.name}'): return it as a loop variable instead")
        t = _export_from_if(c.owner, c, t)
    return t


def _export_from_if(if_op, branch, t):
    """One more output of `if_op`: `t` from `branch`, None from the others (never read: whoever reads it
    is on the same predicate)."""
    exports = if_op.attrs["exports"]
    out = exports.get(t)
    if out is None:
        for b in if_op.attrs["branches"]:
            b.outputs.append(t if b is branch else None)
        out = Tensor(if_op, len(if_op.outputs), t.dtype, t.shape.dims)
        if_op.outputs.append(out)
        exports[t] = out
    return out


def _export_from_loop(body, t):
    """Record `t` each iteration of the forward loop (its history slot)."""
    hist = body.owner.attrs["history"]
    if t not in hist:
        hist.append(t)
        body.outputs.append(t)
    return t


def _make_op(op_type, ctxs, first_inputs, outputs, name, **attrs):
    """The If / While op owning `ctxs`: its inputs are `first_inputs` plus the source of every tensor the
    contexts read from outside (`inside`: those tensors as the contexts' ops read them); the outside
    control inputs of their ops become its own."""
    inside, controls = [], []
    for c in ctxs:
        caps, ctl = c.captures()
        inside.extend(t for t in caps if t not in inside)
        controls.extend(o for o in ctl if o not in controls)
    sources = [_source(t, ctxs[0]) for t in inside]
    with get_default_graph().control_dependencies(controls):
        op = ops.graph_op(op_type, list(first_inputs) + sources, outputs, name, inside=inside, exports={},
                          **attrs)
    for c in ctxs:
        c.owner = op
    return op


# ---------------------------------------------------------------- sub-plans


class _SubPlan:
    """A context's compiled sub-plan for one session, one per signature of the fed values' shapes and
    dtypes, compiled with the engine's compile_plan on first use."""
    __slots__ = ("sess", "feeds", "fetches", "plans")

    def __init__(self, sess, feeds, fetches):
        self.sess, self.feeds, self.fetches, self.plans = sess, list(feeds), list(fetches), {}

    def __call__(self, values):
        sig = tuple((getattr(v, "shape", None), getattr(v, "dtype", None)) for v in values)
        fn = self.plans.get(sig)
        if fn is None:
            from .compiler import compile_plan
            feeds = [x for t, (s, d) in zip(self.feeds, sig) for x in (t, s, d)]
            fn = self.plans[sig] = compile_plan(self.sess, self.fetches, feeds, inner=True).fn
        return fn(*values)


def _branch_plan(sess, branch, inside, skip):
    """The branch's run: its sub-plan on the If's captured inputs it reads, returning every output slot
    (None for the other branches' exports and for `skip`: exports this plan never reads)."""
    used = [j for j, t in enumerate(inside) if any(t in op.inputs for op in branch.ops)]
    outs = [None if k in skip else t for k, t in enumerate(branch.outputs)]
    fetch = [t for t in outs if t is not None]
    plan = _SubPlan(sess, [inside[j] for j in used], fetch)
    where = [None if t is None else fetch.index(t) for t in outs]

    def run(captured):
        vals = plan([captured[j] for j in used])
        return tuple(None if w is None else vals[w] for w in where)
    return run


# ---------------------------------------------------------------- tf.cond

def _unpack_if_singleton(res):
    if isinstance(res, (list, tuple)) and len(res) == 1:
        return res[0]
    return res


def _trace_branch(fn, pred, which):
    """Call `fn` inside a new branch context: (its structure, its flat outputs as tensors of the branch)."""
    ctx = _Context("cond")
    with ctx:
        res = fn()
    if res is None:
        raise ValueError(f"{which} must have a return value.")
    from .tensor_array_ops import to_flow
    flat = []
    for x in _nest.flatten(res):
        x = to_flow(x)
        if isinstance(x, Operation):   # TF: an op's result is the pivot, run after it (a bool)
            with ctx, control_dependencies([x]):
                x = ops.identity(pred)
        elif not isinstance(x, Tensor):
            with ctx:
                x = ops.convert_to_tensor(x)
        flat.append(ctx.adopt(x))
    ctx.outputs = flat
    return ctx, res


def _check_pred(pred, name):
    if isinstance(pred, bool):
        raise TypeError("pred must not be a Python bool")
    pred = ops.convert_to_tensor(pred)
    if pred.dtype != bool_:
        raise TypeError(f"Input 'pred' of 'Switch' Op has type {pred.dtype.name} that does not match "
                        "expected type of bool.")
    dims = pred.shape.dims
    if dims is not None and len(dims) != 0:
        shp = str(list(dims)).replace("None", "?")
        raise ValueError(f"Shape must be rank 0 but is rank {len(dims)} for '{name}/Switch' (op: 'Switch') "
                         f"with input shapes: {shp}, {shp}.")
    return pred


def _if(pred, branch_ctxs, name):
    """The If op choosing among `branch_ctxs` (index 0 false, 1 true) by `pred`, returning its outputs."""
    outputs = []
    for k, t in enumerate(branch_ctxs[0].outputs):
        dims = [b.outputs[k].shape.dims for b in branch_ctxs]
        if any(d is None or len(d) != len(dims[0]) for d in dims):   # TF's Merge: the common shape
            shape = None
        else:
            shape = tuple(ds[0] if all(x == ds[0] for x in ds) else None for ds in zip(*dims))
        outputs.append((t.dtype, shape))
    op = _make_op("If", branch_ctxs, [pred], outputs, "If", branches=list(branch_ctxs),
                  n_results=len(outputs))
    return list(op.outputs)


def _fn_arg(fn, alias, name, alias_name):
    """TF 1.x's deprecated fn1 / fn2 spellings of true_fn / false_fn."""
    if alias is not None:
        if fn is not None:
            raise TypeError(f"cond(): {name} and {alias_name} may not be set simultaneously.")
        return alias
    if fn is None:
        raise TypeError(f"cond(): {name} argument required")
    return fn


def cond(pred, true_fn=None, false_fn=None, strict=False, name=None, fn1=None, fn2=None):
    """TF 1.x's tf.cond: `true_fn()` if `pred` else `false_fn()`, each traced once here; at run time only
    the taken branch's ops run. Outputs may be nested (tf.nest); singletons are unpacked unless strict."""
    true_fn = _fn_arg(true_fn, fn1, "true_fn", "fn1")
    false_fn = _fn_arg(false_fn, fn2, "false_fn", "fn2")
    if not callable(true_fn):
        raise TypeError("true_fn must be callable.")
    if not callable(false_fn):
        raise TypeError("false_fn must be callable.")
    g = get_default_graph()
    with g.name_scope(name or "cond") as scope:
        pred = _check_pred(pred, scope.rstrip("/"))
        ctx_t, res_t = _trace_branch(true_fn, pred, "true_fn")
        ctx_f, res_f = _trace_branch(false_fn, pred, "false_fn")
        if not strict:
            res_t, res_f = _unpack_if_singleton(res_t), _unpack_if_singleton(res_f)
        try:
            _nest.assert_same_structure(res_t, res_f)
        except TypeError as e:
            raise TypeError(f"Incompatible return types of true_fn and false_fn: {e}") from None
        except ValueError as e:
            raise ValueError(f"Incompatible return values of true_fn and false_fn: {e}") from None
        if not ctx_t.outputs:
            raise ValueError("true_fn and false_fn must return at least one result.")
        for x, y in zip(ctx_t.outputs, ctx_f.outputs):
            if x.dtype != y.dtype:
                raise ValueError(f"Outputs of true_fn and false_fn must have the same type: {x.dtype.name}, "
                                 f"{y.dtype.name}")
        merged = _if(pred, [ctx_f, ctx_t], name)
    from .tensor_array_ops import from_flow
    out = _nest.pack_sequence_as(res_t, [from_flow(r, t) for r, t in zip(_nest.flatten(res_t), merged)])
    return _unpack_if_singleton(out) if not strict else out


def _constant_value(pred):
    """A Python bool for a predicate known now, None for one known at run time (TF's smart_constant_value:
    a Const tensor's value; a Python bool, 0 or 1, NumPy's bools included; anything else a TypeError)."""
    if isinstance(pred, Tensor):
        return bool(pred.op.attrs["value"]) if pred.op.type == "Const" else None
    if isinstance(pred, (bool, int, np.bool_, np.integer)) and pred in (0, 1):
        return bool(pred)
    raise TypeError(f"`pred` must be a Tensor, or a Python bool, or 1 or 0. Found instead: {type(pred)}")


def smart_cond(pred, true_fn=None, false_fn=None, name=None):
    """tf.contrib.framework.smart_cond: a Python bool or constant predicate calls one function now, a
    tensor builds tf.cond."""
    if not callable(true_fn):
        raise TypeError(f"`true_fn` must be callable.")
    if not callable(false_fn):
        raise TypeError(f"`false_fn` must be callable.")
    value = _constant_value(pred)
    if value is not None:
        return true_fn() if value else false_fn()
    return cond(pred, true_fn=true_fn, false_fn=false_fn, name=name)


def case(pred_fn_pairs, default=None, exclusive=False, strict=False, name="case"):
    """TF 1.x's tf.case: the first pair whose predicate is true (a chain of tf.cond, as TF builds it);
    `exclusive` checks at run time that at most one predicate is true."""
    if isinstance(pred_fn_pairs, dict):
        pred_fn_pairs = list(pred_fn_pairs.items())
    if not isinstance(pred_fn_pairs, (list, tuple)):
        raise TypeError("fns must be a list, tuple, or dict")
    for pair in pred_fn_pairs:
        if not isinstance(pair, tuple) or len(pair) != 2:
            raise TypeError("Each entry in pred_fn_pairs must be a 2-tuple")
        pred, fn = pair
        if not isinstance(pred, Tensor) or pred.dtype != bool_:
            raise TypeError(f"pred must be Tensor of type bool: {getattr(pred, 'name', pred)}")
        if not callable(fn):
            raise TypeError(f"fn for pred {pred.name} must be callable.")
    if default is None:
        if not pred_fn_pairs:
            raise ValueError("Must provide at least one pair or a default")
        *pred_fn_pairs, (_, default) = pred_fn_pairs   # TF: the last function is the default
    with get_default_graph().name_scope(name):
        if exclusive and len(pred_fn_pairs) > 1:
            preds = [ops.cast(p, int32) for p, _ in pred_fn_pairs]
            count = ops.add_n(preds)
            check = _assert_at_most_one(count, [p for p, _ in pred_fn_pairs])
            default = _with_check(default, check)
            pred_fn_pairs = [(p, _with_check(f, check)) for p, f in pred_fn_pairs]
        fn = default
        for pred, f in reversed(pred_fn_pairs):
            fn = (lambda p, t, e: lambda: cond(p, t, e, strict=strict))(pred, f, fn)
        return fn()


def _assert_at_most_one(count, preds):
    names = ", ".join(p.name for p in preds)
    return ops.graph_op("AssertAtMostOneTrue", [count], [], "Assert",
                        message=f"Input error: exclusive=True: more than 1 conditions ({names}) evaluated as "
                                "True:")


def _with_check(fn, check):
    def checked():
        with control_dependencies([check]):
            res = fn()
            return _nest.map_structure(lambda t: ops.identity(t) if isinstance(t, Tensor) else t, res)
    return checked


# ---------------------------------------------------------------- tf.while_loop

def _loop_var(t, shape):
    """The value of a loop variable inside the cond or body: fed by the While's runner each iteration."""
    return ops.graph_op("LoopVar", [], [(t.dtype, shape)], "Identity").outputs[0]


def _shape_error(t, before, after):
    return ValueError(f"Input tensor '{t.name}' enters the loop with shape {before}, but has shape {after} "
                      "after one iteration. To allow the shape to vary across iterations, use the "
                      "`shape_invariants` argument of tf.while_loop to specify a less-specific shape.")


def while_loop(cond, body, loop_vars, shape_invariants=None, parallel_iterations=10, back_prop=True,
               swap_memory=False, name=None, maximum_iterations=None, return_same_structure=False):
    """TF 1.x's tf.while_loop: repeat `body` while `cond` is true. Both are traced once; the While op's
    runner runs their sub-plans. Loop variables may be nested; their shapes must not change across
    iterations unless `shape_invariants` relaxes them (TF's check, at graph construction)."""
    if not callable(cond):
        raise TypeError("cond must be callable.")
    if not callable(body):
        raise TypeError("body must be callable.")
    if not isinstance(parallel_iterations, int) or parallel_iterations <= 0:
        raise ValueError(f"`parallel_iterations` must be a positive integer: {parallel_iterations}")
    if loop_vars is None or (_nest.is_sequence(loop_vars) and not _nest.flatten(loop_vars)):
        raise ValueError("No loop variables provided")
    from .tensor_array_ops import TensorArray, from_flow, to_flow
    g = get_default_graph()
    leaves = _nest.flatten(loop_vars)
    flat = [ops.convert_to_tensor(to_flow(v)) for v in leaves]
    if shape_invariants is not None:
        shapes = [None if s is None or isinstance(v, TensorArray) else s.dims if isinstance(s, TensorShape)
                  else tuple(s) for v, s in zip(leaves, _flatten_shapes(loop_vars, shape_invariants))]
        for t, s in zip(flat, shapes):
            if s is not None and t.shape.dims is not None and not TensorShape(s).is_compatible_with(t.shape.dims):
                raise ValueError(f"The shape invariant specified for {t.name} is not compatible with the "
                                 f"initial shape of the loop variable. It enters the loop with shape "
                                 f"{t.shape}, but the specified shape invariant is {TensorShape(s)}.")
    else:   # a TensorArray's flow is allocated and may grow: its shape is free
        shapes = [None if isinstance(v, TensorArray) else t.shape.dims for v, t in zip(leaves, flat)]

    def call(fn, vs):   # TF: fn(*loop_vars) for a list/tuple, fn(loop_vars) otherwise
        packed = _nest.pack_sequence_as(loop_vars, [from_flow(v, t) for v, t in zip(leaves, vs)])
        return fn(*packed) if isinstance(packed, (list, tuple)) else fn(packed)
    with g.name_scope(name or "while"):
        max_t = None
        if maximum_iterations is not None:
            max_t = ops.convert_to_tensor(maximum_iterations)
            if max_t.shape.dims not in (None, ()):
                raise ValueError(f"maximum_iterations must be a scalar, saw shape: {max_t.shape}")
        cond_ctx = _Context("while_cond")
        with cond_ctx:
            cond_ctx.vars = [_loop_var(t, s) for t, s in zip(flat, shapes)]
            c = ops.convert_to_tensor(call(cond, cond_ctx.vars))
        if c.dtype != bool_ or c.shape.dims not in (None, ()):
            raise ValueError(f"while_loop: cond must return a boolean scalar tensor, got {c}")
        cond_ctx.outputs = [cond_ctx.adopt(c)]
        body_ctx = _Context("while_body")
        with body_ctx:
            body_ctx.vars = [_loop_var(t, s) for t, s in zip(flat, shapes)]
            res = call(body, body_ctx.vars)
        if not _nest.is_sequence(res):
            res = [res]
        try:
            _nest.assert_same_structure(loop_vars if _nest.is_sequence(loop_vars) else [loop_vars], res,
                                        check_types=False)
        except (TypeError, ValueError) as e:
            raise ValueError(str(e)) from None
        new = []
        for t, s, r in zip(flat, shapes, _nest.flatten(res)):
            r = to_flow(r)
            if not isinstance(r, Tensor):
                with body_ctx:
                    r = ops.convert_to_tensor(r, dtype=t.dtype)
            if r.dtype != t.dtype:
                raise ValueError(f"Loop variable {t.name} enters the loop with type {t.dtype.name}, but has "
                                 f"type {r.dtype.name} after one iteration")
            if s is not None and (r.shape.dims is None or not TensorShape(s).is_compatible_with(r.shape.dims)):
                raise _shape_error(t, TensorShape(s), r.shape)
            new.append(body_ctx.adopt(r))
        body_ctx.outputs = new
        outs = [(t.dtype, s) for t, s in zip(flat, shapes)]
        first = flat + ([max_t] if max_t is not None else [])
        op = _make_op("While", [cond_ctx, body_ctx], first, outs, "While", cond=cond_ctx, body=body_ctx,
                      n=len(flat), has_max=max_t is not None, back_prop=back_prop, history=[])
    packed = _nest.pack_sequence_as(res, [from_flow(r, t) for r, t in zip(_nest.flatten(res),
                                                                         op.outputs[:len(flat)])])
    if not return_same_structure and len(flat) == 1:
        return packed[0] if isinstance(packed, (list, tuple)) else _nest.flatten(packed)[0]
    return packed


def _flatten_shapes(structure, invariants):
    """The invariants, one per flat loop variable (a shape is a leaf, not a sequence to descend)."""
    if not _nest.is_sequence(structure):
        return [invariants]
    items = _nest._items(structure)
    inv = _nest._items(invariants)
    return [s for a, b in zip(items, inv) for s in _flatten_shapes(a, b)]


# ---------------------------------------------------------------- runners

def _register():
    from .runtime import register_runner

    def _if_runner(op, sess, read=None):
        inside, n_results = op.attrs["inside"], op.attrs["n_results"]
        # exports (values for a gradient) this plan does not read are not fetched from the branch
        skip = {k for k in range(n_results, len(op.outputs)) if read is not None and not read[k]}
        branches = [_branch_plan(sess, b, inside, skip) for b in op.attrs["branches"]]

        def run(pred, *captured):
            return branches[1 if pred else 0](captured)
        return run
    _if_runner.wants_read = True
    register_runner("If")(_if_runner)

    def _while_runner(op, sess, read=None):
        n, has_max, inside = op.attrs["n"], op.attrs["has_max"], op.attrs["inside"]
        cond_ctx, body = op.attrs["cond"], op.attrs["body"]
        # a gradient reads the history: record the body's exported values, unless this plan never reads it
        keep = len(op.outputs) > n and (read is None or read[n])

        c_used = [j for j, t in enumerate(inside) if any(t in o.inputs for o in cond_ctx.ops)]
        b_used = [j for j, t in enumerate(inside) if any(t in o.inputs for o in body.ops)]
        c_plan = _SubPlan(sess, cond_ctx.vars + [inside[j] for j in c_used], cond_ctx.outputs)
        n_hist = len(body.outputs) - n if keep else 0
        b_plan = _SubPlan(sess, body.vars + [inside[j] for j in b_used], body.outputs[:n + n_hist])

        def run(*ins):
            vals = list(ins[:n])
            limit = ins[n] if has_max else None
            captured = ins[n + has_max:]
            c_caps = [captured[j] for j in c_used]
            b_caps = [captured[j] for j in b_used]
            history = []
            i = 0
            while (limit is None or i < limit) and c_plan(vals + c_caps)[0]:
                out = b_plan(vals + b_caps)
                if keep:
                    history.append(out[n:])
                vals = list(out[:n])
                i += 1
            return tuple(vals) + ((history,) if keep else ())
        if len(op.outputs) > n and not keep:
            return lambda *ins: run(*ins) + (None,)
        return run
    _while_runner.wants_read = True
    register_runner("While")(_while_runner)

    @register_runner("WhileGrad")
    def _while_grad_runner(op, sess):
        xp = sess.xp
        body, slots, n_g = op.attrs["grad_body"], op.attrs["slots"], op.attrs["n_grads"]
        n_caps, plain = op.attrs["n_cap_grads"], op.attrs["inside"]
        plan = _SubPlan(sess, body.vars + op.attrs["stacked"] + plain, body.outputs)

        def run(history, *ins):
            gs = list(ins[:n_g])
            zeros_of = ins[n_g:n_g + n_caps]
            captured = list(ins[n_g + n_caps:])
            acc = [None] * n_caps
            for rec in reversed(history):
                out = plan(gs + [rec[s] for s in slots] + captured)
                gs = list(out[:n_g])
                for k, c in enumerate(out[n_g:]):
                    acc[k] = c if acc[k] is None else acc[k] + c
            return tuple(gs) + tuple(xp.zeros_like(z) if a is None else a for a, z in zip(acc, zeros_of))
        return run

    @register_runner("AssertAtMostOneTrue")
    def _assert_runner(op, sess):
        msg = op.attrs["message"]

        def run(count):
            if int(count) > 1:
                raise InvalidArgumentError(None, op, f"assertion failed: [{msg}]")
        return run


_register()


# ---------------------------------------------------------------- gradients

def if_gradient(op, out_grads, needs):
    """The gradient of an If: an If on the same predicate of the branches' gradients (zeros for a capture
    the taken branch does not reach)."""
    from .gradients import gradients
    pred, inside = op.inputs[0], op.attrs["inside"]
    want = [j for j, t in enumerate(inside) if needs[1 + j]]
    ys_at = [k for k, gk in enumerate(out_grads) if gk is not None and op.outputs[k].dtype is not None
             and op.outputs[k].dtype.is_floating]
    if not want or not ys_at:
        return [None] * len(op.inputs)
    xs = [inside[j] for j in want]
    ctxs = []
    for b in op.attrs["branches"]:
        ctx = _Context("cond")
        with ctx:
            ys = [b.outputs[k] for k in ys_at]
            pairs = [(y, out_grads[k]) for y, k in zip(ys, ys_at) if y is not None]
            gs = gradients([y for y, _ in pairs], xs, grad_ys=[gy for _, gy in pairs],
                           _stop_at=inside) if pairs else [None] * len(xs)
            flat = [gi if gi is not None else ops.zeros_like(x) for gi, x in zip(gs, xs)]
        ctx.outputs = [ctx.adopt(t) for t in flat]
        ctxs.append(ctx)
    with get_default_graph().name_scope(f"{op.name}_grad"):
        grads = _if(pred, ctxs, None)
    res = [None] * len(op.inputs)
    for j, gj in zip(want, grads):
        res[1 + j] = gj
    return res


def while_gradient(op, out_grads, needs):
    """The gradient of a While: a WhileGrad running the body's gradient once per recorded iteration, in
    reverse, on the values each forward iteration pushed (the history output)."""
    from .gradients import gradients
    n, body, inside = op.attrs["n"], op.attrs["body"], op.attrs["inside"]
    if not op.attrs["back_prop"]:
        return [None] * len(op.inputs)
    first = n + op.attrs["has_max"]
    lv = [i for i in range(n) if op.outputs[i].dtype.is_floating]
    want = [j for j, t in enumerate(inside) if needs[first + j]]
    if not lv or all(out_grads[i] is None for i in lv):
        return [None] * len(op.inputs)
    g_in = [out_grads[i] if out_grads[i] is not None else ops.zeros_like(op.outputs[i]) for i in lv]
    if len(op.outputs) == n:   # the history output: what each iteration pushes
        op.outputs.append(Tensor(op, n, None, None))
    history = op.outputs[n]
    ctx = _Context("while_grad")
    ctx.forward = body
    xs = [body.vars[i] for i in lv] + [inside[j] for j in want]
    with ctx, get_default_graph().name_scope(f"{op.name}_grad"):
        gvars = [ops.graph_op("LoopVar", [], [(g.dtype, body.vars[i].shape.dims)], "Identity").outputs[0]
                 for g, i in zip(g_in, lv)]
        ys = [body.outputs[i] for i in lv]
        gs = gradients(ys, xs, grad_ys=gvars, _stop_at=list(inside) + list(body.vars))
        flat = [gi if gi is not None else ops.zeros_like(x) for gi, x in zip(gs, xs)]
    ctx.outputs = [ctx.adopt(t) for t in flat]
    ctx.vars = gvars
    # the grad body reads the forward body's values (popped from the history) and outer tensors
    caps, controls = ctx.captures()
    stacked, plain, sources = [], [], []
    for t in caps:
        s = _source(t, ctx)
        if isinstance(s, tuple):
            stacked.append(t)
        else:
            plain.append(t)
            sources.append(s)
    slots = [op.attrs["history"].index(t) for t in stacked]
    zeros_of = [op.inputs[first + j] for j in want]
    outs = [(g.dtype, g.shape.dims) for g in g_in] + [(t.dtype, t.shape.dims) for t in zeros_of]
    gop = ops.graph_op("WhileGrad", [history] + g_in + zeros_of + sources, outs, f"{op.name}_grad",
                       grad_body=ctx, slots=slots, stacked=stacked, inside=plain, n_grads=len(lv),
                       n_cap_grads=len(want))
    ctx.owner = gop
    res = [None] * len(op.inputs)
    for i, gi in zip(lv, gop.outputs[:len(lv)]):
        res[i] = gi
    for j, gj in zip(want, gop.outputs[len(lv):]):
        res[first + j] = gj
    return res
