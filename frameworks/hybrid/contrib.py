"""nd.contrib: MXNet's imperative control flow (foreach, while_loop, cond: Python loops over nd ops, so
autograd records every step) and the contrib helpers classic programs call (isinf, isnan, isfinite,
arange_like, index_copy). sym.contrib.foreach unrolls its loop into the graph (the length is known when a
block is traced); while_loop and cond decide at run time, which needs subgraphs a Symbol here does not
have: they raise MXNetError naming the imperative form."""
import types

from .base import MXNetError


def _nd():
    from . import ndarray
    return ndarray


def _flatten(args, what):
    """(a flat list of arrays, the nesting format): HybridBlock's own flattening, which MXNet's contrib
    loops share."""
    from .gluon.block import _flatten as flatten
    try:
        return flatten(args, what)
    except TypeError as e:
        raise MXNetError(str(e)) from None


def _regroup(args, fmt):
    from .gluon.block import _regroup as regroup
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


def while_loop(cond, func, loop_vars, max_iterations=None):
    """While cond(*loop_vars) and fewer than max_iterations steps: func(*loop_vars) -> (step outputs,
    new loop_vars). Returns (the step outputs stacked along a new first axis of length max_iterations,
    the rows past the last step unset, zeros here; the final loop_vars)."""
    nd = _nd()
    if max_iterations is None:
        raise ValueError("max_iterations should be specified")
    max_iterations = _scalar(max_iterations, int, "max_iteration")
    single = isinstance(loop_vars, nd.NDArray)
    loop_vars = [loop_vars] if single else list(loop_vars)
    if not loop_vars:
        raise ValueError("loop_vars should contain at least one element")
    steps, outputs, out_fmt = 0, [], None
    while steps < max_iterations and _scalar(cond(*loop_vars), bool, "Return value of cond"):
        step_output, new_vars = func(*loop_vars)
        step_output = [] if step_output is None else list(step_output) if isinstance(step_output, tuple) else step_output
        new_vars = [] if new_vars is None else new_vars
        new_vars = list(new_vars) if isinstance(new_vars, (list, tuple)) else [new_vars]
        if len(new_vars) != len(loop_vars):
            raise ValueError("The length of loop_vars should be consistent during the loop")
        loop_vars = new_vars
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


def sym_foreach(body, data, init_states):
    """foreach on Symbols: the loop unrolled into the graph, one step per row of data's first axis, whose
    length must be known (a hybridized block traces with its inputs' shapes, so it is there)."""
    from . import symbol as sym
    datas = [data] if isinstance(data, sym.Symbol) else list(data)
    _flatten(datas, "foreach input")
    shapes = [d.infer_shape()[1] for d in datas]
    if not shapes or any(s is None for s in shapes):
        raise MXNetError("sym.contrib.foreach: the length of data's first axis is not known (give the input "
                         "variables their shapes), so the loop cannot be unrolled; run it with nd.contrib.foreach")
    return _unrolled(body, data, init_states, shapes[0][0][0],
                     lambda d, i: sym.squeeze(sym.slice_axis(d, axis=0, begin=i, end=i + 1), axis=0), sym.stack)


def _symbolic_refused(name):
    def f(*args, **kwargs):
        raise MXNetError(f"sym.contrib.{name} is not supported: a Symbol here has no subgraphs; run the loop "
                         f"imperatively with nd.contrib.{name} (a HybridBlock's hybrid_forward does when not "
                         "hybridized), or unroll it")
    f.__name__ = name
    return f


nd_contrib = types.ModuleType("nd.contrib", __doc__)
for _f in (foreach, while_loop, cond, isinf, isnan, isfinite, arange_like, index_copy):
    setattr(nd_contrib, _f.__name__, _f)

sym_contrib = types.ModuleType("sym.contrib", "foreach unrolled; while_loop and cond refused (no subgraphs)")
sym_contrib.foreach = sym_foreach
for _name in ("while_loop", "cond"):
    setattr(sym_contrib, _name, _symbolic_refused(_name))

from . import _text as text  # noqa: E402  (mx.contrib.text: Vocabulary and token counting)
