"""Imperative autograd as MXNet has it: record()/pause() scopes, a tape of op nodes, backward().

Every eager op goes through `invoke`: it runs the shared kernel and, under record(), files one Node
holding the kernel's `saved`. A hybridized block is one Node too (its cached graph is the op).
"""
import threading
from heapq import heappop, heappush
from itertools import count

from ..kernels import explain_failure
from .base import MXNetError, ShapeError

_NO_GRAPH = ("Cannot differentiate node because it is not in a computational graph. You need to set "
             "is_recording to true or use autograd.record() to save computational graphs for backward. "
             "If you want to differentiate the same graph twice, you need to pass retain_graph=True to "
             "backward.")


class _State(threading.local):
    # (recording, training), one attribute: a thread-local read is costly and ops read both
    mode = (False, False)


_STATE = _State()
_NDArray = None  # set by ndarray.py (which imports this module first)
_wrap = None     # ndarray._wrap, set there too: NDArray(data, ctx) without a class call
_new = object.__new__


class _Scope:
    """Sets (recording, training) for a `with` block and restores the previous state after it."""
    __slots__ = ("_new", "_old")

    def __init__(self, recording, training):
        self._new = (recording, training)

    def __enter__(self):
        self._old = _STATE.mode
        _STATE.mode = self._new
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        _STATE.mode = self._old


_RECORD_TRAIN, _PAUSE_PREDICT = (True, True), (False, False)


def record(train_mode=True):
    """Record every op run inside the block on the tape, so backward() can follow it."""
    scope = _new(_Scope)   # without __init__'s call: a record() scope opens every step
    scope._new = _RECORD_TRAIN if train_mode is True else (True, train_mode)
    return scope


def pause(train_mode=False):
    """Stop recording inside the block (e.g. for an evaluation pass under record())."""
    scope = _new(_Scope)
    scope._new = _PAUSE_PREDICT if train_mode is False else (False, train_mode)
    return scope


def train_mode():
    return _Scope(_STATE.mode[0], True)


def predict_mode():
    return _Scope(_STATE.mode[0], False)


def set_recording(is_recording):  # noqa: A002  (MXNet's name)
    """Turn recording on or off; returns the previous state."""
    old, training = _STATE.mode
    _STATE.mode = (bool(is_recording), training)
    return old


def set_training(train_mode):
    """Turn training mode on or off; returns the previous state."""
    recording, old = _STATE.mode
    _STATE.mode = (recording, bool(train_mode))
    return old


def is_recording():
    return _STATE.mode[0]


def is_training():
    return _STATE.mode[1]


def mark_variables(variables, gradients, grad_reqs="write"):
    """Mark NDArrays as variables whose gradients backward() writes into `gradients` (those very arrays):
    MXNet's autograd.mark_variables, of which attach_grad is the one-array form."""
    if isinstance(variables, _NDArray):
        if not isinstance(gradients, _NDArray):
            raise TypeError("mark_variables: variables is an NDArray, so gradients must be one too")
        variables, gradients = [variables], [gradients]
    if isinstance(grad_reqs, str):
        grad_reqs = [grad_reqs] * len(variables)
    if not len(variables) == len(gradients) == len(grad_reqs):
        raise MXNetError(f"mark_variables: {len(variables)} variables, {len(gradients)} gradients and "
                         f"{len(grad_reqs)} grad_reqs; they must match")
    for var, grad, req in zip(variables, gradients, grad_reqs):
        if req not in ("write", "add", "null"):
            raise ValueError(f"grad_req must be 'write', 'add' or 'null', got {req!r}")
        if grad.shape != var.shape:
            raise MXNetError(f"mark_variables: gradient of shape {grad.shape} for a variable of shape "
                             f"{var.shape}")
        var._grad, var._grad_req, var._node = grad, req, None
    GRAD_REQ_EPOCH[0] += 1


# Bumped whenever an array's grad_req changes (attach_grad, Parameter.grad_req): a hybridized block
# reads its parameters' tape edges once per value of it instead of on every call.
GRAD_REQ_EPOCH = [0]


class Node:
    """One recorded op: what backward needs (op, saved, attrs) and where its inputs came from.

    inputs: one edge per op input, as read_inputs() classifies it: the producing Node for a recorded
    single-output result, (Node, output index) for an output of a multi-output op, the NDArray itself
    for an array with attach_grad(), or None (a constant: no gradient flows there). `seq` numbers nodes
    in creation order (backward runs them newest first); `pending` holds the output gradients received
    so far during a backward; `saved` is _FREED once a backward has used it. (_node() fills these slots;
    HybridBlock.__call__ fills them inline for its cached op.)
    """
    __slots__ = ("op", "saved", "attrs", "inputs", "needs", "n_out", "xp", "seq", "pending")


def _node(op, saved, attrs, inputs, needs, n_out, xp):
    """A new Node (object.__new__ and slot stores: a class call with __init__ costs a second
    interpreter entry, and one is filed per recorded op)."""
    node = _new(Node)
    node.op = op
    node.saved = saved
    node.attrs = attrs
    node.inputs = inputs
    node.needs = needs
    node.n_out = n_out
    node.xp = xp
    node.seq = _next_seq()
    node.pending = None
    return node


_FREED = object()
_next_seq = count(0, -1).__next__   # counting down: the newest node is the heap's smallest


def read_inputs(xs, datas, entries, needs):
    """The one reading of op inputs: appends each input's array (or the scalar itself) to `datas`, its
    tape edge (see Node.inputs) to `entries` and whether a gradient flows to it to `needs`. Returns the
    context of the last NDArray among them (None if there is none)."""
    NDArray = _NDArray
    ctx = None
    for x in xs:
        if type(x) is NDArray:
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
        else:
            datas.append(x)
            entries.append(None)
            needs.append(False)
    return ctx


def invoke(op, inputs, attrs, ctx=None):
    """Run `op` (a kernel, or anything with the kernel contract) eagerly on NDArrays (or scalars).

    Returns an NDArray, or a tuple of them for a multi-output op. Records a Node under record().
    """
    if _STATE.mode[0]:
        datas, entries, needs = [], [], []
        ctx = read_inputs(inputs, datas, entries, needs) or ctx
        return invoke_prepared(op, datas, entries, needs, ctx, attrs, True in needs)
    NDArray = _NDArray
    datas = []
    for x in inputs:
        if type(x) is NDArray:
            ctx = x._ctx
            datas.append(x._data)
        else:
            datas.append(x)
    return invoke_prepared(op, datas, None, None, ctx, attrs, False)


def invoke_prepared(op, datas, entries, needs, ctx, attrs=None, record=None):
    """Run `op` on the arrays `datas` and wrap its results as NDArrays on `ctx`; when `record` (None:
    recording and some input needs a gradient), file one Node from read_inputs()'s `entries`/`needs`.
    (A hybridized block runs its cached graph's compiled function the same way, in its own call.)"""
    xp = ctx.xp
    try:
        y, saved = op.forward(xp, *datas, **attrs) if attrs else op.forward(xp, *datas)
    except Exception as e:  # only on failure: the shape rule names the op and the shapes
        raise as_mxnet_error(op, datas, attrs or {}, e) from None
    if record is None:
        record = _STATE.mode[0] and True in needs
    if type(y) is tuple:
        return wrap_outputs(op, y, saved, attrs, entries, needs, ctx, xp, record)
    if not y.ndim:
        # MXNet 1.x has no 0-d NDArray: a full reduction (sum, mean, norm, 1-D dot) gives shape (1,)
        # (ReduceAxesShape's TShape(1)); the node's backward takes its gradient back to a scalar. y[None]:
        # a view of a 0-d array, and from the NumPy scalar a reduction returns half of reshape(1)'s cost
        y = y[None]
        if record:
            unsqueezed = _new(_Unsqueezed)   # (no __init__ call: one per recorded reduction)
            unsqueezed.op = op
            op = unsqueezed
    out = _wrap(y, ctx)
    if record:
        out._node = _node(op, saved, attrs, entries, needs, 1, xp)
    return out


class _Unsqueezed:
    """`op` whose 0-d result is shown as shape (1,): its backward gets that (1,) gradient as the 0-d one
    the kernel's rule expects (a reduction's backward expands it back over the reduced axes)."""
    __slots__ = ("op",)   # set by invoke_prepared

    def backward(self, xp, saved, gy, needs=None, **attrs):
        # gy[0]: on NumPy a scalar, whose arithmetic (the mean's gy / n) skips the ufunc machinery that a
        # 0-d array's goes through (measured 0.6k against 6.8k Ir for the division alone)
        return self.op.backward(xp, saved, gy[0], needs, **attrs)


def wrap_outputs(op, ys, saved, attrs, entries, needs, ctx, xp, record):
    """The NDArrays of a multi-output op's results, each with its output index on one filed Node."""
    outs = tuple([_wrap(v, ctx) for v in ys])
    if record:
        node = _node(op, saved, attrs, entries, needs, len(ys), xp)
        for i, o in enumerate(outs):
            o._node, o._idx = node, i
    return outs


def as_mxnet_error(op, datas, attrs, err):
    """What MXNet raises for an operator that rejects its inputs: MXNetError (ShapeError for a shape),
    naming the op; a bad index or label keeps its own message."""
    err = explain_failure(op, datas, attrs, err, ShapeError)
    if isinstance(err, (MXNetError, KeyboardInterrupt, MemoryError)) or not isinstance(
            err, (ValueError, IndexError, TypeError)):
        return err
    name = getattr(op, "name", None) or type(op).__name__
    return MXNetError(f"{name}: {err}" if not str(err).startswith(f"{name}:") else str(err))


def _give(node, idx, g, heap, queued):
    """Hand output gradient `g` (of output `idx`) to `node`: queued on the heap by its creation number
    when it is the first gradient the node gets, summed into its pending slot otherwise."""
    if node.n_out == 1:
        p = node.pending
        if p is None:
            node.pending = g
            queued[node.seq] = node
            heappush(heap, node.seq)
        else:
            node.pending = p + g
        return
    pending = node.pending
    if pending is None:
        pending = node.pending = [None] * node.n_out
        queued[node.seq] = node
        heappush(heap, node.seq)
    p = pending[idx]
    pending[idx] = g if p is None else p + g


def _ones_like(data, xp):
    """A head's default gradient: ones of its shape and dtype, without ones()'s Python-level wrapper."""
    g = xp.empty(data.shape, data.dtype)
    g.fill(1)
    return g


def backward(heads, head_grads=None, retain_graph=False, train_mode=True):
    """Gradients of `heads` with respect to every array that called attach_grad() (or a Parameter).

    head_grads default to ones. Each leaf's .grad is overwritten (grad_req 'write') or added to ('add').
    """
    _backward(heads, head_grads, retain_graph, train_mode)


def _backward(heads, out_grad=None, retain_graph=False, train_mode=True):
    """backward()'s walk, and NDArray.backward(out_grad, retain_graph, train_mode) itself: loss.backward()
    enters it with no call in between (it runs every step).

    NOTE: nodes run newest first (a heap of their creation numbers, as PyTorch's engine): every consumer
    of a node was recorded after it, so has delivered its gradient by the time the node runs. Only nodes
    a gradient reaches are visited; no graph walk or sort. The first node a step reaches is held back
    from the heap (`nxt`) and runs next when it is newer than everything queued: a chain of ops never
    touches the heap.
    """
    NDArray = _NDArray
    heap, queued = [], {}   # creation numbers of the nodes holding a gradient; number -> node
    leaves = {}   # leaf NDArray -> the sum of the gradients that reached it (arrival order kept)
    nxt = None    # a node holding a gradient that is not on the heap
    seeds = ()    # the (head, head gradient) pairs still to seed
    if type(heads) is NDArray and out_grad is None and heads._node is not None:
        # the usual call, loss.backward(): one head, ones as its gradient (_ones_like's two lines), straight
        # to the walk
        h, heads = heads, (heads,)
        data = h._data
        g = h._ctx.xp.empty(data.shape, data.dtype)
        g.fill(1)
        node = h._node
        if node.pending is None and node.n_out == 1:
            node.pending, nxt = g, node
        else:
            _give(node, h._idx, g, heap, queued)
    else:
        if isinstance(heads, NDArray):
            heads, out_grad = [heads], [out_grad] if out_grad is not None else None
        seeds = zip(heads, out_grad or [None] * len(heads))
    try:
        for h, hg in seeds:
            node = h._node
            if node is None:
                raise RuntimeError(_NO_GRAPH)
            if hg is None:
                g = _ones_like(h._data, h._ctx.xp)
            else:
                g = hg._data
                if g.shape != h._data.shape:   # the kernels give each input a gradient of its own shape
                    if g.size == h._data.size:
                        # MXNet reads the head gradient's buffer: one of the same size serves (d2l's
                        # z.backward(head_gradient) gives a (4,) gradient to a (4, 1) output)
                        g = g.reshape(h._data.shape)
                    else:
                        raise MXNetError(f"backward: head gradient of shape {g.shape} for an output of "
                                         f"shape {h._data.shape}; they must match")
            if nxt is None and node.pending is None and node.n_out == 1:
                node.pending, nxt = g, node   # the usual single head: straight to the walk
            else:
                _give(node, h._idx, g, heap, queued)
        while True:
            if nxt is not None and (not heap or nxt.seq < heap[0]):
                node, nxt = nxt, None
            else:
                if nxt is not None:
                    queued[nxt.seq] = nxt
                    heappush(heap, nxt.seq)
                    nxt = None
                if not heap:
                    break
                node = queued.pop(heappop(heap))
            gy = node.pending
            node.pending = None
            saved = node.saved
            if saved is _FREED:
                # an earlier backward freed this part of the graph; MXNet then clears its nodes, so an
                # array computed in it counts as a constant in a later recording (d2l's RNN loop carries
                # its state across steps and only calls the no-op s.detach()): its gradient stops here
                continue
            if node.n_out != 1:
                gy = tuple(gy)
            if not retain_graph:
                node.saved = _FREED
            elif type(saved) is list:
                # a cached graph's saved states come as a list that its backward empties: the retained
                # graph keeps its own (a kernel's saved list is copied too, which is harmless)
                saved = list(saved)
            attrs = node.attrs
            if attrs:
                gxs = node.op.backward(node.xp, saved, gy, node.needs, **attrs)
            else:   # (the kernel contract's backward(xp, saved, gy, needs): by position, no keyword dict)
                gxs = node.op.backward(node.xp, saved, gy, node.needs)
            i = -1   # an index, not zip(): its object costs more than the loop (2-3 inputs a node)
            for edge in node.inputs:
                i += 1
                if edge is None:
                    continue
                g = gxs[i]
                if g is None:
                    continue
                cls = type(edge)
                if cls is Node:   # the common case, inline
                    p = edge.pending
                    if p is None:
                        edge.pending = g
                        if nxt is None:
                            nxt = edge
                        else:
                            queued[edge.seq] = edge
                            heappush(heap, edge.seq)
                    else:
                        edge.pending = p + g
                elif cls is NDArray:
                    leaves[edge] = leaves[edge] + g if edge in leaves else g
                else:
                    _give(edge[0], edge[1], g, heap, queued)
    finally:
        if heap or nxt is not None:   # an error stopped the walk: no gradient left pending for later
            for node in queued.values():
                node.pending = None
            if nxt is not None:
                nxt.pending = None
    for arr, g in leaves.items():
        arr._fresh_grad = True   # read and cleared by Trainer.step (its stale-gradient check)
        req = arr._grad_req
        if req == "write":
            arr._grad._data = g
        elif req == "add":
            arr._grad._data = arr._grad._data + g
    if not retain_graph:
        for h in heads:
            h._node = None


def grad(heads, variables, head_grads=None, retain_graph=None, create_graph=False, train_mode=True):
    """The gradients of `heads` with respect to `variables` (arrays marked by attach_grad or
    mark_variables), returned as new NDArrays, the variables' own .grad left as it was (MXNet's
    autograd.grad). create_graph=True (recording the backward for a higher-order gradient) is refused:
    the shared kernels' backward passes are not themselves recorded."""
    if create_graph:
        raise MXNetError("autograd.grad: create_graph=True is not supported (the backward pass is not "
                         "recorded, so there is no higher-order gradient); take the first-order gradient")
    single = isinstance(variables, _NDArray)
    if single:
        variables = [variables]
    for v in variables:
        if v._grad is None or getattr(v, "_grad_req", "null") == "null":
            raise MXNetError(_NO_GRAPH)
    kept = [(v._grad, v._grad_req) for v in variables]
    out = [_NDArray(v._ctx.xp.zeros_like(v._data), v._ctx) for v in variables]
    try:
        for v, g in zip(variables, out):
            v._grad, v._grad_req = g, "write"
        backward(heads, head_grads, retain_graph=bool(retain_graph), train_mode=train_mode)
    finally:
        for v, (g, req) in zip(variables, kept):
            v._grad, v._grad_req = g, req
    return out[0] if single else out

