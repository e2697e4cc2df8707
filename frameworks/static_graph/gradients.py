"""Symbolic differentiation: tf.gradients adds gradient ops to the graph, one registered function per op type.

A kernel op's gradient is one node "<Type>Grad" that reads the forward op's hidden `saved` output and the
output gradients and calls the shared kernel's backward, asking only for the inputs that need a gradient.
"""
from .graph import get_default_graph
from . import ops

_GRADIENTS = {}


class RegisterGradient:
    """Decorator: @RegisterGradient("Relu") def _relu_grad(op, grad): return [dx] (TF's signature)."""

    def __init__(self, op_type):
        self.op_type = op_type

    def __call__(self, fn):
        if self.op_type in _GRADIENTS:
            raise KeyError(f"Registering two gradient with name '{self.op_type}'!")
        _GRADIENTS[self.op_type] = fn
        return fn


def NoGradient(op_type):  # noqa: N802  (TF's name)
    _GRADIENTS[op_type] = None


for _t in ("Placeholder", "Const", "VariableV2", "ZerosLike", "OnesLike", "RandomStandardNormal",
           "TruncatedNormal", "RandomUniform", "RandomUniformLike", "NoOp", "Assign", "AssignAdd",
           "AssignSub", "StopGradient", "Equal", "NotEqual", "Less", "LessEqual", "Greater", "GreaterEqual",
           "LogicalAnd", "LogicalOr", "LogicalNot", "ArgMax", "ArgMin", "Floor", "OneHot", "Size", "Shape",
           "Fill", "ScalarSummary", "HistogramSummary", "MergeSummary", "MakeIterator", "IteratorGetNext",
           "RandomStandardNormalDynamic", "TruncatedNormalDynamic", "Range", "Any", "All", "ImageSummary", "InTopKV2",
           "LoopVar", "AssertAtMostOneTrue"):
    NoGradient(_t)


def _control_flow_gradients():
    from . import control_flow_ops as cf
    return {"If": cf.if_gradient, "While": cf.while_gradient}


_CONTROL_FLOW = _control_flow_gradients()


def kernel_gradient(op, grads, needs):
    """The generic gradient of a kernel op: one "<Type>Grad" node calling kernel.backward."""
    present = tuple(g is not None for g in grads)
    outputs = [(t.dtype, t.shape.dims) for t, n in zip(op.inputs, needs) if n]
    with get_default_graph().name_scope(f"{op.name}_grad"):
        gop = ops.graph_op(f"{op.type}Grad", [op._saved] + [g for g in grads if g is not None], outputs,
                           forward=op, needs=tuple(needs), present=present)
    it = iter(gop.outputs)
    return [next(it) if n else None for n in needs]


@RegisterGradient("Identity")
def _identity_grad(op, grad):
    return [grad]


@RegisterGradient("PlaceholderWithDefault")
def _placeholder_with_default_grad(op, grad):
    return [grad]


@RegisterGradient("AddN")
def _add_n_grad(op, grad):
    return [grad] * len(op.inputs)


@RegisterGradient("Cast")
def _cast_grad(op, grad):
    src = op.inputs[0].dtype
    return [ops.cast(grad, src) if src.is_floating else None]


class AggregationMethod:
    """How tf.gradients sums a tensor's gradient contributions (TF's names and values).

    ADD_N (the default) waits for every contribution and sums them in one AddN, as TF does (a session's
    memory_optimization pass, like Grappler's, then adds each into one accumulator as it arrives; without
    it a weight shared by T unrolled steps keeps its T gradients live until the sum). EXPERIMENTAL_TREE and
    EXPERIMENTAL_ACCUMULATE_N keep one running sum instead (TF 1.x runs both as pairwise adds, each partial
    sum freeing the one before). All add in arrival order, so the arithmetic is identical; only the memory
    differs.
    """
    ADD_N = 0
    DEFAULT = ADD_N
    EXPERIMENTAL_TREE = 1
    EXPERIMENTAL_ACCUMULATE_N = 2


@RegisterGradient("Reshape")   # the run-time-shaped one; a static Reshape's gradient is its kernel's
def _reshape_grad(op, grad):
    return [ops.reshape(grad, ops.shape(op.inputs[0])), None]


@RegisterGradient("Pow")
def _pow_grad(op, grad):
    """Of the tensor-exponent Pow (the kernel Pow's gradient is the kernel's): same-shaped operands."""
    x, y = op.inputs
    if x.shape.dims != y.shape.dims:
        raise ValueError(f"Gradient of '{op.name}': broadcasting tensor-exponent Pow is not differentiated")
    z = op.outputs[0]
    return [grad * y * ops.pow(x, y - 1.0), grad * z * ops.log(x)]


@RegisterGradient("Max")
@RegisterGradient("Min")
def _extreme_grad(op, grad):
    """TF's rule: the gradient is split evenly among the entries equal to the extreme."""
    x, y = op.inputs[0], op.outputs[0]
    axis, keep = op.attrs["axis"], op.attrs["keepdims"]
    if not keep:
        reduced = _axes(axis, x.shape.ndims)
        kept = [1 if i in reduced else d for i, d in enumerate(x.shape.as_list())]
        if kept.count(None) == 1:   # an open batch: the one unknown size is what is left
            kept = [-1 if d is None else d for d in kept]
        elif None in kept:   # several open sizes: read at run time, as TF's rule does
            dims = ops.shape(x)
            kept = [1 if i in reduced else dims[i] for i in range(len(kept))]
        y, grad = ops.reshape(y, kept), ops.reshape(grad, kept)
    hits = ops.cast(ops.equal(x, y), grad.dtype)
    count = ops.reduce_sum(hits, axis=axis, keepdims=True)
    return [ops.divide(grad, count) * hits]


def _axes(axis, ndims):
    if axis is None:
        return set(range(ndims))
    return {a % ndims for a in ((axis,) if isinstance(axis, int) else axis)}


def _aggregate(grads, method):
    grads = [g for g in grads if g is not None]
    if not grads:
        return None
    if len(grads) == 1:
        return grads[0]
    if method != AggregationMethod.ADD_N:   # TF 1.x runs both experimental methods as a running sum
        total = grads[0]
        for g in grads[1:]:
            total = ops.add(total, g)
        return total
    return ops.add_n(grads)


def gradients(ys, xs, grad_ys=None, name="gradients", colocate_gradients_with_ops=False, gate_gradients=False,
              aggregation_method=None, stop_gradients=None, _stop_at=()):
    """Symbolic d(sum ys)/d xs: a list with one tensor (None where ys do not depend on it) per x.

    Only ops on a path from some x to some y get gradient ops, and each op's backward is asked only for
    the inputs on such a path (TF's pruning of `gradients`); several consumers' gradients are summed
    by `aggregation_method` (AddN by default). `_stop_at` (a cond branch's or loop body's gradient, see
    control_flow_ops.py): tensors read from outside it, where the backward walk ends.
    """
    method = AggregationMethod.DEFAULT if aggregation_method is None else aggregation_method
    if method not in (AggregationMethod.ADD_N, AggregationMethod.EXPERIMENTAL_TREE,
                      AggregationMethod.EXPERIMENTAL_ACCUMULATE_N):
        raise ValueError(f"Invalid aggregation_method specified {aggregation_method}.")
    ys = list(ys) if isinstance(ys, (list, tuple)) else [ys]
    xs = list(xs) if isinstance(xs, (list, tuple)) else [xs]
    ys = [ops.convert_to_tensor(y) for y in ys]
    xs = [ops.convert_to_tensor(x) for x in xs]
    g = get_default_graph()
    stop_gradients = [stop_gradients] if isinstance(stop_gradients, ops.Tensor) else stop_gradients or []
    stops = {id(t) for t in stop_gradients}
    x_ids = {id(x) for x in xs}
    edge = x_ids | {id(t) for t in _stop_at}

    # ops that ys depend on (backward reachability), then those that also depend on some x
    back, stack = set(), [y.op for y in ys]
    while stack:
        op = stack.pop()
        if op in back:
            continue
        back.add(op)
        stack.extend(t.op for t in op.inputs if id(t) not in edge)
    on_path = {}   # op -> bool, computed in creation (= topological) order

    def leads(t):
        return id(t) in x_ids or (on_path.get(t.op, False) and id(t) not in stops)
    for op in g._ops:
        if op in back:
            on_path[op] = any(leads(t) for t in op.inputs)

    acc = {}
    if grad_ys is None:
        grad_ys = [None] * len(ys)
    elif not isinstance(grad_ys, (list, tuple)):
        grad_ys = [grad_ys]
    if len(grad_ys) != len(ys):
        raise ValueError(f"Passed {len(grad_ys)} grad_ys for {len(ys)} ys")
    with g.name_scope(name):
        for y, gy in zip(ys, grad_ys):
            if gy is not None:
                seed = ops.convert_to_tensor(gy, dtype=y.dtype)
            elif y.shape.is_fully_defined():   # TF's Fill(Shape(y), 1): a constant when the shape is static
                seed = ops.ones(y.shape.dims, dtype=y.dtype, name="grad_ys")
            else:
                seed = ops.ones_like(y)
            acc.setdefault(id(y), []).append(seed)
        for op in reversed(g._ops):
            if not on_path.get(op):
                continue
            out_grads = [_aggregate(acc.get(id(t), []), method) for t in op.outputs]
            if all(o is None for o in out_grads):
                continue
            needs = [leads(t) and t.dtype is not None and t.dtype.is_floating for t in op.inputs]
            if not any(needs):
                continue
            if op.type in _GRADIENTS and _GRADIENTS[op.type] is None:
                continue
            if op.kernel is not None:
                in_grads = kernel_gradient(op, out_grads, needs)
            elif op.type in _CONTROL_FLOW:
                in_grads = _CONTROL_FLOW[op.type](op, out_grads, needs)
            elif op.type in _GRADIENTS:
                fn = _GRADIENTS[op.type]
                if fn is None:
                    continue
                in_grads = fn(op, *out_grads)
            else:
                raise LookupError(f"No gradient defined for operation '{op.name}' (op type: {op.type})")
            for t, n, gi in zip(op.inputs, needs, in_grads):
                if n and gi is not None:
                    acc.setdefault(id(t), []).append(gi)
        return [_aggregate(acc.get(id(x), []), method) for x in xs]

