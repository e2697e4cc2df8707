"""nd.contrib: MXNet's imperative control flow (foreach, while_loop, cond: Python loops over nd ops, so
autograd records every step) and the contrib helpers classic programs call (isinf, isnan, isfinite,
arange_like, index_copy). sym.contrib.foreach keeps its body as a subgraph, run per step once the graph is bound (the
length known then); sym.contrib.while_loop unrolls max_iterations masked steps and sym.contrib.cond selects
between both branches, the graph here having no run-time branches."""
import math
import types

from ..base import MXNetError


def _nd():
    from .. import ndarray
    return ndarray


def _flatten(args, what):
    """(a flat list of arrays, the nesting format): HybridBlock's own flattening, which MXNet's contrib
    loops share."""
    from ..gluon.block import _flatten as flatten
    try:
        return flatten(args, what)
    except TypeError as e:
        raise MXNetError(str(e)) from None


def _regroup(args, fmt):
    from ..gluon.block import _regroup as regroup
    return regroup(list(args), fmt)


def foreach(body, data, init_states):
    """Run body(data[i], states) -> (outputs, states) for each i along data's first axis; the outputs
    stacked along a new first axis, and the last states."""
    nd = _nd()
    _flatten(data, "foreach input")
    _flatten(init_states, "foreach states")
    steps = data.shape[0] if isinstance(data, nd.NDArray) else data[0].shape[0]
    return _unrolled(body, data, init_states, steps, lambda d, i: d[i], nd.stack)


def _unrolled(body, data, init_states, steps, row, stack):
    """foreach's loop: body(row(data, i), states) for each step, the outputs stacked on a new first axis."""
    single = not isinstance(data, (list, tuple))
    datas = [data] if single else list(data)
    states, outputs, out_fmt = init_states, [], None
    for i in range(steps):
        rows = [row(d, i) for d in datas]
        outs, states = body(rows[0] if single else rows, states)
        outs, out_fmt = _flatten(outs, "foreach output")
        outputs.append(outs)
    stacked = [stack(*items, axis=0) for items in zip(*outputs)]
    if out_fmt is not None:
        stacked = _regroup(stacked, out_fmt)
    return stacked, states


def _scalar(value, type_, name):
    if isinstance(value, _nd().NDArray):
        value = value.asscalar()
    try:
        return type_(value)
    except (TypeError, ValueError):
        raise ValueError(f"Cannot convert {name} to python {type_.__name__}") from None


def _loop_args(max_iterations, loop_vars, array_type):
    """while_loop's arguments checked as MXNet's: (max_iterations, whether loop_vars is one array, the list)."""
    if max_iterations is None:
        raise ValueError("max_iterations should be specified")
    max_iterations = _scalar(max_iterations, int, "max_iteration")
    single = isinstance(loop_vars, array_type)
    loop_vars = [loop_vars] if single else list(loop_vars)
    if not loop_vars:
        raise ValueError("loop_vars should contain at least one element")
    return max_iterations, single, loop_vars


def _loop_step(func, loop_vars):
    """One step of while_loop: (its outputs, the new loop_vars as a list as long as the old)."""
    step_output, new_vars = func(*loop_vars)
    step_output = [] if step_output is None else list(step_output) if isinstance(step_output, tuple) else step_output
    new_vars = [] if new_vars is None else new_vars
    new_vars = list(new_vars) if isinstance(new_vars, (list, tuple)) else [new_vars]
    if len(new_vars) != len(loop_vars):
        raise ValueError("The length of loop_vars should be consistent during the loop")
    return step_output, new_vars


def while_loop(cond, func, loop_vars, max_iterations=None):
    """While cond(*loop_vars) and fewer than max_iterations steps: func(*loop_vars) -> (step outputs,
    new loop_vars). Returns (the step outputs stacked along a new first axis of length max_iterations,
    the rows past the last step unset, zeros here; the final loop_vars)."""
    nd = _nd()
    max_iterations, single, loop_vars = _loop_args(max_iterations, loop_vars, nd.NDArray)
    steps, outputs, out_fmt = 0, [], None
    while steps < max_iterations and _scalar(cond(*loop_vars), bool, "Return value of cond"):
        step_output, loop_vars = _loop_step(func, loop_vars)
        step_output, out_fmt = _flatten(step_output, "while output")
        outputs.append(step_output)
        steps += 1
        if len(step_output) != len(outputs[0]):
            raise ValueError("Number of elements in step_output should be the same in each step")
    stacked = []
    for items in zip(*outputs):
        items = [x.expand_dims(0) for x in items]
        if steps != max_iterations:
            items.append(nd.zeros((max_iterations - steps,) + items[0].shape[1:], ctx=items[0].context,
                                  dtype=items[0].dtype))
        stacked.append(nd.concat(*items, dim=0))
    if out_fmt is not None:
        stacked = _regroup(stacked, out_fmt)
    return stacked, loop_vars[0] if single else loop_vars


def cond(pred, then_func, else_func):
    """then_func() if pred (a number or a one-element NDArray) holds, else else_func()."""
    return then_func() if _scalar(pred, bool, "pred") else else_func()


def isinf(data):
    """1 where data is +-inf, else 0 (data's dtype)."""
    return _nd().NDArray(data._ctx.xp.isinf(data._data).astype(data.dtype), data._ctx)


def isnan(data):
    return _nd().NDArray(data._ctx.xp.isnan(data._data).astype(data.dtype), data._ctx)


def isfinite(data):
    return _nd().NDArray(data._ctx.xp.isfinite(data._data).astype(data.dtype), data._ctx)


def arange_like(data, start=0.0, step=1.0, repeat=1, axis=None, ctx=None):
    """start, start + step, ... shaped like data (or as long as its `axis`), each value `repeat` times."""
    nd = _nd()
    xp = data._ctx.xp
    n = data.size if axis is None else data.shape[axis]
    values = (start + step * (xp.arange(n) // repeat)).astype(data.dtype)
    return nd.NDArray(values.reshape(data.shape) if axis is None else values, data._ctx)


def index_copy(old_tensor, index_vector, new_tensor):
    """old_tensor with its rows index_vector[i] replaced by new_tensor[i] (gradients flow to the kept rows
    of old_tensor and to new_tensor)."""
    nd = _nd()
    n = old_tensor.shape[0]
    idx = index_vector.asnumpy().astype("int64")
    source = [-1] * n   # for each row of the result, the row of new_tensor that replaces it
    for i, r in enumerate(idx):
        source[int(r)] = i
    taken = nd.take(new_tensor, nd.array([max(s, 0) for s in source], ctx=old_tensor.context))
    hit = nd.array([[1.0 if s >= 0 else 0.0] for s in source], ctx=old_tensor.context)
    hit = hit.reshape((n,) + (1,) * (old_tensor.ndim - 1))
    return nd.where(nd.broadcast_like(hit, old_tensor), taken, old_tensor)


def boolean_mask(data, index, axis=0):
    """The slices of data along `axis` where the 1-d `index` is non-zero (a data-dependent shape, so eager
    only, as MXNet's FComputeEx op); a take of those positions, so gradients reach the kept slices."""
    nd = _nd()
    if index.ndim != 1 or index.shape[0] != data.shape[axis]:
        raise MXNetError(f"boolean_mask: index of shape {index.shape} must be 1-d with the length "
                         f"{data.shape[axis]} of data's axis {axis}")
    kept = index._ctx.xp.nonzero(index._data)[0]
    return nd.take(data, nd.NDArray(kept.astype("int64"), index._ctx), axis=axis)


class _Subgraph:
    """A loop body as a graph of its own: its leaves are fresh variables standing for the step's data
    rows, the states and every outside entry the body reads (weights, outer results), so the enclosing
    graph passes those as the loop node's inputs and the body is evaluated once per step at trace time,
    when the number of steps (data's first axis) is known."""

    def __init__(self, heads, data_vars, state_vars, free_vars, n_out, out_fmt, state_fmt):
        self.heads, self.data_vars, self.state_vars, self.free_vars = heads, data_vars, state_vars, free_vars
        self.n_out, self.out_fmt, self.state_fmt = n_out, out_fmt, state_fmt

    def __repr__(self):   # what attr_dict shows (tojson writes the body itself, in "subgraphs")
        return f"<subgraph: {len(self.heads)} heads>"

    def leaves(self):
        return self.data_vars + self.state_vars + self.free_vars

    def run(self, E, values):
        """The heads' values with the leaves given `values` (every op emitted through E)."""
        from ... import plan
        from ..ops import OPS
        env = {(leaf, 0): v for leaf, v in zip(self.leaves(), values)}
        order = plan.toposort([n for n, _ in self.heads], lambda n: [i for i, _ in n.inputs])
        for node in order:
            if (node, 0) in env:
                continue
            if hasattr(E, "where"):
                E.where = f"{node.name} ({node.op})"
            out = OPS[node.op](E, *[env[e] for e in node.inputs], **node.attrs)
            for k, v in enumerate(out if isinstance(out, tuple) else (out,)):
                env[(node, k)] = v
        return [env[h] for h in self.heads]


def _subgraph(heads_syms, holders, name, out_fmt, state_fmt, n_out):
    """A _Subgraph over the body's result Symbols (their outside inputs cut off as leaves), and the
    outside entries (node, index) that the loop node takes for those leaves."""
    from ... import plan
    from .. import symbol as sym
    heads = [s._outputs[0] for s in heads_syms]
    inner = {h._outputs[0][0] for group in holders for h in group}
    order = plan.toposort([n for n, _ in heads], lambda n: [i for i, _ in n.inputs])
    inside = set(inner)
    for n in order:   # a node is inside when it reads a placeholder, directly or not
        if any(i in inside for i, _ in n.inputs):
            inside.add(n)
    free, leaf_of = [], {}

    def leaf(entry):
        if entry not in leaf_of:
            leaf_of[entry] = sym.var(f"{name}_free{len(free)}")._outputs[0][0]
            free.append(entry)
        return (leaf_of[entry], 0)
    copy = {}
    for n in order:
        if n not in inside or n in inner:
            continue
        ins = [(copy[i], k) if i in copy else (i, k) if i in inner else leaf((i, k)) for i, k in n.inputs]
        copy[n] = sym._Node(n.op, n.name, dict(n.attrs), ins, n.n_out)
    new_heads = [(copy[n], k) if n in copy else (n, k) if n in inner else leaf((n, k)) for n, k in heads]
    data_vars, state_vars = [[h._outputs[0][0] for h in group] for group in holders]
    sub = _Subgraph(new_heads, data_vars, state_vars, [leaf_of[e] for e in free], n_out, out_fmt, state_fmt)
    return sub, free


def _as_symbols(x, what):
    from .. import symbol as sym
    flat, fmt = _flatten(x, what)
    for s in flat:
        if not isinstance(s, sym.Symbol):
            raise MXNetError(f"{what} must be Symbols, got {type(s).__name__}")
    return flat, fmt


def sym_foreach(body, data, init_states, name="foreach"):
    """foreach on Symbols (MXNet's sym.contrib.foreach): body(data[i], states) -> (outputs, states) for
    each i along data's first axis; returns (outputs stacked on a new first axis, the last states). The
    body is captured once as a subgraph; the loop runs when the graph is bound (data's length known)."""
    from .. import symbol as sym
    datas, data_fmt = _as_symbols(data, "foreach input")
    states, state_fmt = _as_symbols(init_states, "foreach states")
    manager = sym.current_name_manager()
    full = manager.get(None, name) if name == "foreach" else manager.get(name, name)

    def known_shape(x, drop):   # the placeholder's shape when the outer graph already tells it (a block
        try:                    # traced with its inputs' shapes infers its layers' from it)
            shapes = x.infer_shape()[1]
        except MXNetError:
            return None
        return None if shapes is None else tuple(shapes[0][drop:])
    holders = [[sym.var(f"{full}_data{i}", shape=known_shape(d, 1)) for i, d in enumerate(datas)],
               [sym.var(f"{full}_state{i}", shape=known_shape(st, 0)) for i, st in enumerate(states)]]
    outs, new_states = body(_regroup(holders[0], data_fmt) if isinstance(data, (list, tuple)) else holders[0][0],
                            _regroup(holders[1], state_fmt))
    outs, out_fmt = _as_symbols(outs, "foreach output")
    new_states, _ = _as_symbols(new_states, "foreach states")
    if len(new_states) != len(states):
        raise ValueError("The number of states returned by the body must equal the number given")
    sub, free = _subgraph(outs + new_states, holders, full, out_fmt, state_fmt, len(outs))
    entries = [s._outputs[0] for s in datas + states] + free
    node = sym._Node("_foreach", full, {"_subgraph": sub, "num_data": len(datas), "num_states": len(states)},
                     entries, len(outs) + len(new_states))
    results = [sym.Symbol([(node, k)]) for k in range(node.n_out)]
    outputs, final = results[:len(outs)], results[len(outs):]
    return (_regroup(outputs, out_fmt) if out_fmt is not None else outputs), _regroup(final, state_fmt)


def _foreach_op(E, *inputs, _subgraph, num_data, num_states):
    """The loop of a _foreach node: its body per row of the data's first axis, outputs stacked."""
    from ..ops import OPS
    sub = _subgraph
    datas, states, free = inputs[:num_data], list(inputs[num_data:num_data + num_states]), inputs[num_data + num_states:]
    steps = E.shape(datas[0])[0]
    outputs = []
    for t in range(steps):
        rows = [OPS["reshape"](E, OPS["slice_axis"](E, d, axis=0, begin=t, end=t + 1), shape=tuple(E.shape(d)[1:]))
                for d in datas]
        res = sub.run(E, list(rows) + states + list(free))
        outputs.append(res[:sub.n_out])
        states = res[sub.n_out:]
    stacked = [OPS["stack"](E, *items, axis=0) for items in zip(*outputs)]
    return tuple(stacked + states)


def _locs(v):
    """A JSON list attribute ('[0,2]', or already parsed) as a list of ints."""
    if isinstance(v, str):
        v = [x for x in v.strip("[]() ").split(",") if x.strip()]
    return [int(x) for x in (v if isinstance(v, (list, tuple)) else [v])]


def _foreach_to_json(attrs, graph_dict):
    """A _foreach node's attributes and body as MXNet writes them: num_args (the inputs and the body),
    num_outputs, num_out_data, and where the data, the states and the remaining inputs sit among the
    body's inputs (in_data_locs, in_state_locs, remain_locs); the body in "subgraphs"."""
    sub = attrs["_subgraph"]
    body = graph_dict(sub.heads, extra_vars=sub.leaves())
    names = [body["nodes"][i]["name"] for i in body["arg_nodes"]]
    at = [names.index(v.name) for v in sub.leaves()]
    nd_, ns = len(sub.data_vars), len(sub.state_vars)
    fmt = lambda xs: "[" + ",".join(map(str, xs)) + "]"   # noqa: E731 (MXNet's tuple format)
    return {"num_args": len(at) + 1, "num_outputs": len(sub.heads), "num_out_data": sub.n_out,
            "in_data_locs": fmt(at[:nd_]), "in_state_locs": fmt(at[nd_:nd_ + ns]),
            "remain_locs": fmt(at[nd_ + ns:])}, [body]


def _foreach_from_json(attrs, subgraphs, load_graph):
    """The _foreach node's attributes back from its JSON (ours or MXNet's): the body's inputs, in the
    JSON's order, split by the locs into data, states and the rest (the loop node's inputs in that order)."""
    nodes, heads = load_graph(subgraphs[0])
    inputs = [n for n in nodes if n.op is None]
    data, states = _locs(attrs["in_data_locs"]), _locs(attrs["in_state_locs"])
    remain = _locs(attrs["remain_locs"])
    sub = _Subgraph(heads, [inputs[i] for i in data], [inputs[i] for i in states], [inputs[i] for i in remain],
                    int(attrs["num_out_data"]), None, None)
    return {"_subgraph": sub, "num_data": len(data), "num_states": len(states)}


def _foreach_shapes(attrs, shapes):
    """The loop node's unknown input shapes (weights first used in the body) from the body's own shape
    inference, given the known ones: {input position: shape}, or None when they stay unknown."""
    from ..symbol import infer_var_shapes
    sub, nd_, ns = attrs["_subgraph"], attrs["num_data"], attrs["num_states"]
    if any(s is None for s in shapes[:nd_ + ns]):
        return None
    known = {v: tuple(s[1:]) for v, s in zip(sub.data_vars, shapes[:nd_])}
    known.update({v: tuple(s) for v, s in zip(sub.state_vars, shapes[nd_:nd_ + ns])})
    known.update({v: tuple(s) for v, s in zip(sub.free_vars, shapes[nd_ + ns:]) if s is not None})
    inferred, _ = infer_var_shapes(sub.heads, known)
    if inferred is None:
        return None
    return {nd_ + ns + j: inferred[v] for j, v in enumerate(sub.free_vars) if v in inferred}


def _sym_scalar_mask(c):
    """A loop or branch condition as 0/1 (any non-zero value is true); no gradient flows into it."""
    from .. import symbol as sym
    return sym.BlockGrad(c != 0)


def sym_while_loop(cond, func, loop_vars, max_iterations=None, name="while_loop"):
    """while_loop on Symbols (MXNet's sym.contrib.while_loop): func(*loop_vars) -> (step outputs, new
    loop_vars) while cond(*loop_vars) holds, at most max_iterations times. Unrolled max_iterations times
    with the loop's running flag as a mask: once cond fails the loop_vars keep their values and the step
    outputs are zeros (MXNet leaves those rows undefined), so outputs have max_iterations rows."""
    from .. import symbol as sym
    max_iterations, single, loop_vars = _loop_args(max_iterations, loop_vars, sym.Symbol)
    running, outputs, out_fmt = None, [], None
    for _ in range(max_iterations):
        flag = _sym_scalar_mask(cond(*loop_vars))
        running = flag if running is None else running * flag
        step_output, new_vars = _loop_step(func, loop_vars)
        loop_vars = [sym.where(running, new, old) for new, old in zip(new_vars, loop_vars)]
        step_output, out_fmt = _as_symbols(step_output, "while output")
        if outputs and len(step_output) != len(outputs[0]):
            raise ValueError("Number of elements in step_output should be the same in each step")
        outputs.append([sym.where(running, o, sym.zeros_like(o)) for o in step_output])
    stacked = [sym.stack(*items, axis=0) for items in zip(*outputs)]
    if out_fmt is not None:
        stacked = _regroup(stacked, out_fmt)
    return stacked, loop_vars[0] if single else loop_vars


def sym_cond(pred, then_func, else_func, name="cond"):
    """cond on Symbols (MXNet's sym.contrib.cond): then_func()'s outputs where pred (a one-element
    Symbol) is non-zero, else else_func()'s. Both branches are built and the result selected (the gradient
    flows to the branch chosen), as the graph here has no run-time branches."""
    from .. import symbol as sym
    flag = _sym_scalar_mask(pred)
    then_out, fmt = _as_symbols(then_func(), "then_func output")
    else_out, _ = _as_symbols(else_func(), "else_func output")
    if len(then_out) != len(else_out):
        raise ValueError("then_func and else_func must return the same number of outputs")
    out = [sym.where(flag, t, e) for t, e in zip(then_out, else_out)]
    return _regroup(out, fmt) if fmt is not None else out


def _rand_zipfian(uniform, true_classes, num_sampled, range_max):
    """MXNet's rand_zipfian over nd or sym: num_sampled classes drawn with replacement from the
    approximately log-uniform P(c) = (log(c + 2) - log(c + 1)) / log(range_max + 1) (int64), and the
    expected counts (float64) of the true classes and of the sampled ones."""
    log_range = math.log(range_max + 1)
    rand = uniform(0, log_range, shape=(num_sampled,), dtype='float64')
    # in [0, range_max); int64 again after the modulo, which computes in floats here
    sampled_classes = ((rand.exp() - 1).astype('int64') % range_max).astype('int64')
    true_classes = true_classes.astype('float64')
    expected_count_true = ((true_classes + 2.0) / (true_classes + 1.0)).log() / log_range * num_sampled
    sampled = sampled_classes.astype('float64')
    expected_count_sampled = ((sampled + 2.0) / (sampled + 1.0)).log() / log_range * num_sampled
    return sampled_classes, expected_count_true, expected_count_sampled


def rand_zipfian(true_classes, num_sampled, range_max, ctx=None):
    """nd.contrib.rand_zipfian: (sampled classes, expected count of true_classes, of the samples)."""
    from ..ndarray import random
    if ctx is None:
        ctx = true_classes.context
    return _rand_zipfian(lambda *a, **k: random.uniform(*a, ctx=ctx, **k), true_classes, num_sampled, range_max)


def sym_rand_zipfian(true_classes, num_sampled, range_max):
    """sym.contrib.rand_zipfian: the same as Symbols (a new draw at each forward)."""
    from .. import symbol as sym
    assert isinstance(true_classes, sym.Symbol), "unexpected type %s" % type(true_classes)
    return _rand_zipfian(sym.uniform, true_classes, num_sampled, range_max)


def _register():
    from ..ops import SUBGRAPH_JSON, SUBGRAPH_SHAPES, op
    _foreach_op.__name__ = "_foreach"
    op(_foreach_op, n_out=lambda attrs: attrs["_subgraph"].n_out + attrs["num_states"])
    SUBGRAPH_SHAPES["_foreach"] = _foreach_shapes
    SUBGRAPH_JSON["_foreach"] = (_foreach_to_json, _foreach_from_json)


_register()
from ..ndarray_api import adamw_update  # noqa: E402  (nd.contrib.adamw_update)
nd_contrib = types.ModuleType("nd.contrib", __doc__)
for _f in (foreach, while_loop, cond, isinf, isnan, isfinite, arange_like, index_copy, rand_zipfian, adamw_update,
           boolean_mask):
    setattr(nd_contrib, _f.__name__, _f)

sym_contrib = types.ModuleType("sym.contrib", "foreach (a subgraph run per step), while_loop and cond")
sym_contrib.foreach, sym_contrib.while_loop, sym_contrib.cond = sym_foreach, sym_while_loop, sym_cond
sym_contrib.rand_zipfian = sym_rand_zipfian

from .. import _text as text  # noqa: E402  (mx.contrib.text: Vocabulary, token counting, embeddings)
from . import io  # noqa: E402,F401  (mx.contrib.io: DataLoaderIter)
