"""Imperative autograd as MXNet has it: record()/pause() scopes, a tape of op nodes, backward().

Every eager op goes through `invoke`: it runs the shared kernel and, under record(), files one Node
holding the kernel's `saved`. A hybridized block is one Node too (its cached graph is the op).
"""
import threading

from .. import plan
from ..kernels import explain_failure
from .base import MXNetError, ShapeError

_NO_GRAPH = ("Cannot differentiate node because it is not in a computational graph. You need to set "
             "is_recording to true or use autograd.record() to save computational graphs for backward. "
             "If you want to differentiate the same graph twice, you need to pass retain_graph=True to "
             "backward.")


class _State(threading.local):
    recording = False
    training = False


_STATE = _State()
_NDArray = None  # set by ndarray.py (which imports this module first)


class _Scope:
    """Sets (recording, training) for a `with` block and restores the previous state after it."""

    def __init__(self, recording, training):
        self._new = (recording, training)
        self._old = None

    def __enter__(self):
        self._old = (_STATE.recording, _STATE.training)
        _STATE.recording, _STATE.training = self._new
        return self

    def __exit__(self, *exc):
        _STATE.recording, _STATE.training = self._old


def record(train_mode=True):
    """Record every op run inside the block on the tape, so backward() can follow it."""
    return _Scope(True, train_mode)


def pause(train_mode=False):
    """Stop recording inside the block (e.g. for an evaluation pass under record())."""
    return _Scope(False, train_mode)


def train_mode():
    return _Scope(_STATE.recording, True)


def predict_mode():
    return _Scope(_STATE.recording, False)


def set_recording(is_recording):  # noqa: A002  (MXNet's name)
    """Turn recording on or off; returns the previous state."""
    old, _STATE.recording = _STATE.recording, bool(is_recording)
    return old


def set_training(train_mode):
    """Turn training mode on or off; returns the previous state."""
    old, _STATE.training = _STATE.training, bool(train_mode)
    return old


def is_recording():
    return _STATE.recording


def is_training():
    return _STATE.training


class Node:
    """One recorded op: what backward needs (op, saved, attrs) and where its inputs came from.

    inputs: one entry per op input, (Node, output index) for a recorded result, (NDArray, 0) for an
    array with attach_grad(), or None (a constant: no gradient flows there).
    """
    __slots__ = ("op", "saved", "attrs", "inputs", "needs", "n_out", "xp", "freed")

    def __init__(self, op, saved, attrs, inputs, needs, n_out, xp):
        self.op, self.saved, self.attrs, self.inputs = op, saved, attrs, inputs
        self.needs, self.n_out, self.xp, self.freed = needs, n_out, xp, False


def invoke(op, inputs, attrs, ctx=None):
    """Run `op` (a kernel, or anything with the kernel contract) eagerly on NDArrays (or scalars).

    Returns an NDArray, or a tuple of them for a multi-output op. Records a Node under record().
    """
    NDArray = _NDArray
    datas, entries, needs = [], None, None
    recording = _STATE.recording
    if recording:
        # where each input came from: (Node, output index) for a recorded result, (NDArray, 0) for a
        # leaf with a gradient, None for a constant
        entries, needs = [], []
        recording = False   # until an input needs a gradient
        for x in inputs:
            if type(x) is NDArray:
                ctx = x._ctx
                datas.append(x._data)
                node = x._node
                if node is not None:
                    entries.append((node, x._idx))
                    needs.append(True)
                    recording = True
                elif x._grad_req != "null":
                    entries.append((x, 0))
                    needs.append(True)
                    recording = True
                else:
                    entries.append(None)
                    needs.append(False)
            else:
                datas.append(x)
                entries.append(None)
                needs.append(False)
    else:
        for x in inputs:
            if type(x) is NDArray:
                ctx = x._ctx
                datas.append(x._data)
            else:
                datas.append(x)
    return invoke_prepared(op, datas, entries, needs, ctx, attrs, recording)


def invoke_prepared(op, datas, entries, needs, ctx, attrs=None, record=None):
    """Run `op` on the arrays `datas` and wrap its results as NDArrays on `ctx`; when `record` (None:
    recording and some input needs a gradient), file one Node from where the inputs came from
    (`entries`/`needs` as a Node keeps them). invoke() reads its NDArray inputs into these; a hybridized
    block reads its inputs once for both its cache signature and this."""
    xp = ctx.xp
    try:
        y, saved = op.forward(xp, *datas, **attrs) if attrs else op.forward(xp, *datas)
    except Exception as e:  # only on failure: the shape rule names the op and the shapes
        raise _as_mxnet_error(op, datas, attrs or {}, e) from None
    if record is None:
        record = _STATE.recording and True in needs
    NDArray = _NDArray
    if type(y) is tuple:
        outs = tuple([NDArray(v, ctx) for v in y])
        if record:
            node = Node(op, saved, attrs, entries, tuple(needs), len(y), xp)
            for i, o in enumerate(outs):
                o._node, o._idx = node, i
        return outs
    out = NDArray(y, ctx)
    if record:
        out._node = Node(op, saved, attrs, entries, tuple(needs), 1, xp)
    return out


def _as_mxnet_error(op, datas, attrs, err):
    """What MXNet raises for an operator that rejects its inputs: MXNetError (ShapeError for a shape),
    naming the op; a bad index or label keeps its own message."""
    err = explain_failure(op, datas, attrs, err, ShapeError)
    if isinstance(err, (MXNetError, KeyboardInterrupt, MemoryError)) or not isinstance(
            err, (ValueError, IndexError, TypeError)):
        return err
    name = getattr(op, "name", None) or type(op).__name__
    return MXNetError(f"{name}: {err}" if not str(err).startswith(f"{name}:") else str(err))


def _take(node, retain_graph):
    saved = node.saved
    if retain_graph:
        # a cached graph's saved states come as a list that its backward empties: the retained graph
        # keeps its own (a kernel's saved list is copied too, which is harmless)
        return list(saved) if type(saved) is list else saved
    node.saved, node.freed = None, True
    return saved


_FORK = object()   # backward's marker: the chain it was walking forks here


def _parents(node):
    return [e[0] for e in node.inputs if e is not None and type(e[0]) is Node]


def backward(heads, head_grads=None, retain_graph=False, train_mode=True):
    """Gradients of `heads` with respect to every array that called attach_grad() (or a Parameter).

    head_grads default to ones. Each leaf's .grad is overwritten (grad_req 'write') or added to ('add').
    """
    if isinstance(heads, _NDArray):
        heads, head_grads = [heads], [head_grads] if head_grads is not None else None
    head_grads = head_grads or [None] * len(heads)
    grads, roots = {}, []
    for h, hg in zip(heads, head_grads):
        node = h._node
        if node is None:
            raise RuntimeError(_NO_GRAPH)
        if hg is None:
            data = h._data
            g = h._ctx.xp.empty(data.shape, dtype=data.dtype)
            g.fill(1)   # ones() without its Python-level wrapper: this runs every step
        else:
            g = hg._data
        slot = grads.get(node)
        if slot is None:
            slot = grads[node] = [None] * node.n_out
        slot[h._idx] = g if slot[h._idx] is None else slot[h._idx] + g
        roots.append(node)
    leaf_grads = {}
    # a single chain (a hybridized net feeding a hybridized loss) is walked as the gradients reach each
    # node's one recorded parent; anything else (several heads, a fork) in plan.toposort's order
    order = None if len(roots) == 1 else iter(reversed(plan.toposort(roots, _parents)))
    node = roots[0] if order is None else next(order, None)
    while node is not None:
        gl = grads.pop(node, None)
        parent = None      # while walking a chain: the one node the gradients went to
        if gl is not None:
            if node.freed:
                raise RuntimeError(_NO_GRAPH)
            gy = gl[0] if node.n_out == 1 else tuple(gl)
            if retain_graph:
                saved = _take(node, True)
            else:
                saved, node.saved, node.freed = node.saved, None, True
            attrs = node.attrs
            if attrs:
                gxs = node.op.backward(node.xp, saved, gy, needs=node.needs, **attrs)
            else:
                gxs = node.op.backward(node.xp, saved, gy, needs=node.needs)
            for entry, g in zip(node.inputs, gxs):
                if entry is None or g is None:
                    continue
                src, idx = entry
                if type(src) is Node:
                    slot = grads.get(src)
                    if slot is None:
                        slot = grads[src] = [None] * src.n_out
                    slot[idx] = g if slot[idx] is None else slot[idx] + g
                    if order is None and src is not parent:
                        if parent is None:
                            parent = src
                        else:   # a fork: the rest, from every node holding gradients, in topological order
                            order = _FORK
                else:
                    key = id(src)
                    prev = leaf_grads.get(key)
                    leaf_grads[key] = (src, g) if prev is None else (src, prev[1] + g)
        if order is None:
            node = parent
        else:
            if order is _FORK:
                order = iter(reversed(plan.toposort(list(grads), _parents)))
            node = next(order, None)
    for arr, g in leaf_grads.values():
        arr._write_grad(g)
    if not retain_graph:
        for h in heads:
            h._node = None
