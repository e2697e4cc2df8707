"""The define-by-run core: grad mode, recording one Node per op, and the reverse walk of backward()."""
import sys
from functools import partial
from heapq import heappop, heappush
from itertools import count
from operator import is_not

import numpy as np

from frameworks.kernels import ShapeError, array_module, explain_failure

_ndarray = np.ndarray
_NEEDS_1 = (True,)
_new = object.__new__
_getrefcount = sys.getrefcount
Tensor = None  # the Tensor class; _tensor.py binds it here when it defines it (the tape makes results)

SECOND_BACKWARD = (
    "Trying to backward through the graph a second time (or directly access saved tensors after they "
    "have already been freed). Saved intermediate values of the graph are freed when you call .backward() "
    "or autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time "
    "or if you need to access saved tensors after calling backward.")
LEAF_INPLACE = "a leaf Variable that requires grad is being used in an in-place operation."


# ---------------------------------------------------------------- grad mode

class _GradMode:
    """The one switch no_grad() flips; read on every op, so it is a plain attribute."""
    enabled = True


def is_grad_enabled():
    return _GradMode.enabled


class set_grad_enabled:
    """Context manager (and function) setting grad mode on or off, as torch.set_grad_enabled."""

    def __init__(self, mode):
        self.prev = _GradMode.enabled
        _GradMode.enabled = bool(mode)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _GradMode.enabled = self.prev


class no_grad:
    """Context manager / decorator: ops inside record nothing (parameter updates, evaluation)."""

    def __enter__(self):
        self.prev = _GradMode.enabled
        _GradMode.enabled = False
        return self

    def __exit__(self, *exc):
        _GradMode.enabled = self.prev

    def __call__(self, fn):
        def wrapper(*args, **kwargs):
            with self.__class__():
                return fn(*args, **kwargs)
        wrapper.__name__, wrapper.__doc__ = fn.__name__, fn.__doc__
        return wrapper


class enable_grad(no_grad):
    """Context manager: ops inside record even within no_grad()."""

    def __enter__(self):
        self.prev = _GradMode.enabled
        _GradMode.enabled = True
        return self


def _xp(a):
    return np if a.__class__ is _ndarray else array_module(a)


# ---------------------------------------------------------------- nodes

_FREED = object()  # a node's `saved` after backward consumed it
_NOT_NONE = partial(is_not, None)  # e is not None, without a generator frame per node
_next_seq = count(0, -1).__next__  # Node.seq: a node's producers were recorded before it, so have larger seqs


class Node:
    """One recorded op (a `grad_fn`): the kernel, what its forward saved, and where each input's grad goes.

    `edges` has one entry per input: None (no grad needed), the leaf Tensor to accumulate into, the
    producing Node, or (Node, output index) for a multi-output producer. Input tensors themselves are not
    kept: only what the kernel chose to save stays alive. `versions` lists (version box, version at save,
    array) for each tensor whose own array the kernel saved, so backward can refuse data modified in place
    since. `pending` collects the output gradient(s) during backward; `saved` becomes _FREED once backward
    has used it (unless retain_graph). `seq` orders nodes by creation, newest lowest (see run_backward).
    """
    __slots__ = ("kernel", "saved", "attrs", "edges", "needs", "xp", "pending", "n_out", "retained",
                 "versions", "seq", "__weakref__")

    def __init__(self, kernel, saved, attrs, edges, xp, n_out=1, versions=None):
        self.kernel = kernel
        self.saved = saved
        self.attrs = attrs
        self.edges = edges
        self.needs = tuple(map(_NOT_NONE, edges))
        self.xp = xp
        self.pending = None
        self.n_out = n_out
        self.retained = None
        self.versions = versions
        self.seq = _next_seq()

    def name(self):
        name = getattr(self.kernel, "node_name", None)
        return name or self.kernel.name.title().replace("_", "") + "Backward0"

    def __repr__(self):
        return f"<{self.name()} object at {id(self):#x}>"

    @property
    def next_functions(self):
        out = []
        for e in self.edges:
            if e is None or e.__class__ is Node:
                out.append((e, 0))
            elif e.__class__ is tuple:
                out.append(e)
            else:
                out.append(("AccumulateGrad", 0))
        return tuple(out)


def _edge(t):
    """Where the gradient of input `t` must go (see Node.edges)."""
    if t is None or not t.requires_grad:
        return None
    node = t.grad_fn
    if node is None:
        return t
    return node if node.n_out == 1 else (node, t._index)


# ---------------------------------------------------------------- version counters
# Every Tensor has a one-element list `_vc` (its version), shared with its views and bumped by every in-place
# write. A recorded op keeps (box, version at save, array) for each tensor whose data its kernel saved, and
# backward refuses to run a node whose saved data was written since. Which inputs a kernel saves (and
# whether it saves its output, or may return a view of an input) are the kernel's declared facts
# (frameworks.kernels.Kernel; tests/frameworks/kernels/test_facts.py proves them), read once per kernel
# here, so an op pays a dict lookup and a few tuple builds, never a search through `saved`.

_PLANS = {}


def _plan(kernel):
    """(saved input indices, or None for all of them; saves its output; may return a view of an input)
    for a shared kernel; None for one without declared facts (autograd.Function, the engine's own casts),
    which gets the identity search of _saved_versions."""
    saves = getattr(kernel, "saves_inputs", None)
    if saves is None:
        plan = None
    else:
        plan = (saves if saves.__class__ is tuple else None, bool(kernel.saves_output), bool(kernel.may_view))
    _PLANS[kernel] = plan
    return plan


def _declared_versions(idx, inputs, out):
    """The (box, version, array) triples of the inputs at `idx` (None: all) and of `out` (None: not saved)."""
    vs = ()
    for i in (range(len(inputs)) if idx is None else idx):
        t = inputs[i]
        if t is not None:
            box = t._vc
            vs += ((box, box[0], t._array),)
    if out is not None:
        box = out._vc
        vs += ((box, box[0], out._array),)
    return vs or None


def _saved_versions(saved, tensors):
    """(box, version, array) for each tensor (input or output) whose own array is in `saved` (top level),
    else None: for a kernel that declares no facts (a custom Function, an in-place op's adjusted `saved`).

    NOTE: only an array the kernel kept itself can be corrupted by a later in-place write; what it derived
    (masks, shapes, im2col columns) cannot. A few identity tests per recorded op, no copies.
    """
    items = saved if saved.__class__ is tuple or saved.__class__ is list else (saved,)
    out = None
    for s in items:
        if s is None or s.__class__ is tuple:  # shapes and absent inputs: nothing to corrupt
            continue
        for t in tensors:
            if t is not None and t._array is s:
                if out is None:
                    out = []
                out.append((t._vc, t._vc[0], s))
                break
    return out


def _version_error(node, box, version, array):
    kind = {"float32": "Float", "float64": "Double", "int64": "Long"}.get(array.dtype.name, "")
    return RuntimeError(
        f"one of the variables needed for gradient computation has been modified by an inplace "
        f"operation: [torch.{kind}Tensor {list(array.shape)}], which is an input or output of "
        f"{node.name()}, is at version {box[0]}; expected version {version} instead. Hint: the "
        f"backtrace further above shows the operation that failed to compute its gradient; clone() "
        f"the tensor before modifying it in place.")


# ---------------------------------------------------------------- backward

def _fresh(g, gy):
    """True when `g` may become a leaf's .grad without a copy: nothing else holds it or its base.

    NOTE: the same test PyTorch's AccumulateGrad makes (the new grad's use count): a kernel may hand back
    gy itself or a view of it (add, reshape, concat), which must not be aliased into two .grad fields.
    """
    if g is gy:
        return False
    base = g.base
    if base is None:
        return True
    # g is a view; its base is referenced by g, by the local `base` and by getrefcount's argument only
    # when no one else holds it
    return base.base is None and base is not gy and _getrefcount(base) <= 3


def _accumulate(t, g, fresh):
    """Leaf gradient accumulation, as PyTorch's AccumulateGrad: store the first, add later ones in place."""
    if g.shape != t._array.shape:
        raise RuntimeError(f"Function returned an invalid gradient - got shape {tuple(g.shape)} "
                           f"but expected shape {tuple(t._array.shape)} for {t._describe()}")
    grad = t.grad
    if grad is None:
        t.grad = Tensor._wrap(g if fresh else g.copy())
    else:
        grad._array += g


def _deliver(edge, g, gy, heap, queued):
    """Hand gradient `g` along `edge`: into the producer's pending slot (queueing the producer when it is
    the first gradient it gets), or into a leaf's .grad."""
    cls = edge.__class__
    if cls is Node:
        p = edge.pending
        if p is None:
            edge.pending = g
            queued[edge.seq] = edge
            heappush(heap, edge.seq)
        else:
            edge.pending = p + g  # never in place: p may alias another gradient
    elif cls is tuple:
        node, index = edge
        pending = node.pending
        if pending is None:
            pending = node.pending = [None] * node.n_out
            queued[node.seq] = node
            heappush(heap, node.seq)
        p = pending[index]
        pending[index] = g if p is None else p + g
    else:
        _accumulate(edge, g, _fresh(g, gy))


def run_backward(tensors, grads, retain_graph=False):
    """Backpropagate `grads` from `tensors` through the tape.

    NOTE: as PyTorch's engine, nodes run newest first (a heap of `seq`, their creation order): every
    consumer of a node was recorded after it, so has run and delivered by the time the node runs. Only
    nodes a gradient reaches are visited, one heap push and pop of an int each; no graph walk or sort.
    """
    heap, queued = [], {}  # seqs of the nodes holding a gradient; seq -> node
    for t, g in zip(tensors, grads):
        edge = _edge(t)
        if edge is None:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
        if edge is t:
            _accumulate(t, g, False)
            continue
        if t.grad_fn.saved is _FREED:
            raise RuntimeError(SECOND_BACKWARD)
        _deliver(edge, g, g, heap, queued)
    try:
        with no_grad():
            while heap:
                node = queued[heappop(heap)]
                gy = node.pending
                node.pending = None
                saved = node.saved
                if saved is _FREED:
                    raise RuntimeError(SECOND_BACKWARD)
                versions = node.versions
                if versions is not None:
                    for box, version, array in versions:
                        if box[0] != version:
                            raise _version_error(node, box, version, array)
                if node.n_out != 1:
                    gy = tuple(gy)
                if node.retained is not None:
                    _retain(node, gy)
                edges, attrs = node.edges, node.attrs
                if attrs is None:
                    gxs = node.kernel.backward(node.xp, saved, gy, node.needs)
                else:
                    gxs = node.kernel.backward(node.xp, saved, gy, node.needs, **attrs)
                if not retain_graph:
                    node.saved = _FREED
                    node.edges = ()
                for edge, g in zip(edges, gxs):
                    if edge is not None and g is not None:
                        if edge.__class__ is Node:  # the common case, inline
                            p = edge.pending
                            if p is None:
                                edge.pending = g
                                queued[edge.seq] = edge
                                heappush(heap, edge.seq)
                            else:
                                edge.pending = p + g  # never in place: p may alias another gradient
                        else:
                            _deliver(edge, g, gy, heap, queued)
    finally:
        if heap:  # an error stopped the walk: leave no gradient pending for a later backward
            for node in queued.values():
                node.pending = None


def _retain(node, gy):
    gys = gy if node.n_out != 1 else (gy,)
    for index, ref in node.retained:
        t = ref()
        if t is not None and gys[index] is not None:
            g = gys[index]
            if t.grad is None:
                t.grad = Tensor._wrap(g.copy())
            else:
                t.grad._array += g


# ---------------------------------------------------------------- recording an op

class ShapeMismatchError(ShapeError, RuntimeError):
    """A shape mismatch: the kernel's ShapeError, and a RuntimeError as PyTorch raises for one (so a
    script's `except RuntimeError` still catches it)."""


def _node_xp(inputs):
    for t in inputs:
        if t is not None:
            return _xp(t._array)
    return np


def _share_version(t, inputs):
    """A result that is a view of an input shares that input's version counter (as PyTorch's views do)."""
    base = t._array.base
    for x in inputs:
        if x is not None:
            a = x._array
            if base is a or base is a.base:
                t._vc = x._vc
                return


def _apply(kernel, inputs, arrays, attrs=None):
    """Run `kernel` forward on `arrays` (the data of `inputs`) and record a Node when a grad is needed."""
    xp = np if arrays and arrays[0].__class__ is _ndarray and inputs[0] is not None else _node_xp(inputs)
    try:
        if attrs is None:
            y, saved = kernel.forward(xp, *arrays)
        else:
            y, saved = kernel.forward(xp, *arrays, **attrs)
    except Exception as e:
        raise explain_failure(kernel, arrays, attrs, e, ShapeMismatchError) from None
    plan = _PLANS.get(kernel, False)
    if plan is False:
        plan = _plan(kernel)
    node = None
    if _GradMode.enabled:
        for t in inputs:
            if t is not None and t.requires_grad:
                # Node(kernel, saved, attrs, edges, xp), inline (one Python call less per recorded op)
                node = _new(Node)
                node.kernel = kernel
                node.saved = saved
                node.attrs = attrs
                n = len(inputs)
                if n == 1:  # t: _edge(t), inline
                    g = t.grad_fn
                    node.edges = (t if g is None else g if g.n_out == 1 else (g, t._index),)
                    node.needs = _NEEDS_1
                elif n == 2:
                    a, b = inputs
                    a, b = _edge(a), _edge(b)
                    node.edges = (a, b)
                    node.needs = (a is not None, b is not None)
                else:
                    node.edges = edges = tuple(map(_edge, inputs))
                    node.needs = tuple(map(_NOT_NONE, edges))
                node.xp = xp
                node.pending = node.retained = node.versions = None
                node.n_out = 1
                node.seq = _next_seq()
                break
    # Tensor._result, inline (one Python call less per op)
    if y.__class__ is not _ndarray and not isinstance(y, _ndarray) and y.__class__.__module__ == "numpy":
        y = np.asarray(y)
    out = _new(Tensor)
    out._array = y
    out.requires_grad = node is not None
    out.grad = None
    out.grad_fn = node
    out._index = 0
    out._vc = [0]
    if plan is None:  # no declared facts: test for a view, search `saved`
        if y.base is not None:
            _share_version(out, inputs)
        if node is not None and saved is not None:
            node.versions = _saved_versions(saved, inputs + (out,))
        return out
    idx, saves_out, may_view = plan
    if may_view and y.base is not None:
        _share_version(out, inputs)
    if node is not None:
        if idx == ():
            if saves_out:  # relu, sigmoid, tanh, exp, softmax: the output only
                box = out._vc
                node.versions = ((box, box[0], out._array),)
        elif idx is None and not saves_out:  # every input (matmul, mul, div, log, ...), inline
            vs = ()
            for t in inputs:
                if t is not None:
                    box = t._vc
                    vs += ((box, box[0], t._array),)
            node.versions = vs or None
        else:
            node.versions = _declared_versions(idx, inputs, out if saves_out else None)
    return out


def _apply_multi(kernel, inputs, arrays, attrs=None):
    """As _apply for a kernel with several outputs (lstm, split): one Node, one Tensor per output."""
    xp = _node_xp(inputs)
    try:
        if attrs is None:
            ys, saved = kernel.forward(xp, *arrays)
        else:
            ys, saved = kernel.forward(xp, *arrays, **attrs)
    except Exception as e:
        raise explain_failure(kernel, arrays, attrs, e, ShapeMismatchError) from None
    plan = _PLANS.get(kernel, False)
    if plan is False:
        plan = _plan(kernel)
    node = None
    if _GradMode.enabled:
        for t in inputs:
            if t is not None and t.requires_grad:
                node = Node(kernel, saved, attrs, tuple(map(_edge, inputs)), xp, len(ys))
                break
    outs = []
    view = plan is None or plan[2]
    for i, y in enumerate(ys):
        t = Tensor._result(y, node)
        t._index = i
        if view and y.base is not None:
            _share_version(t, inputs)
        outs.append(t)
    outs = tuple(outs)
    if node is not None and saved is not None:
        if plan is None:
            node.versions = _saved_versions(saved, tuple(inputs) + outs)
        elif plan[1] or plan[0] != ():
            # which outputs `saved` holds is not declared per output: those found among its items
            vs = _declared_versions(plan[0], inputs, None) or ()
            vs += tuple(_saved_versions(saved, outs) or ()) if plan[1] else ()
            node.versions = vs or None
    return outs


def _apply_inplace(kernel, self, inputs, arrays, attrs=None, overwrite=False):
    """`self` <- kernel(inputs) written into self's own array, recorded as PyTorch's in-place ops are:
    self's version goes up (so a node that saved the old values refuses to run) and self's grad_fn becomes
    this op. A kernel that saves self's array gets a copy of the old values instead. `overwrite`: the kernel
    may write its output straight into its input (relu: backward needs only the output), no temporary."""
    if _GradMode.enabled and self.requires_grad and self.grad_fn is None:
        raise RuntimeError(LEAF_INPLACE)
    xp = _node_xp(inputs)
    a = self._array
    try:
        if overwrite:
            y, saved = kernel.forward(xp, *arrays, out=a, **(attrs or {}))
        else:
            y, saved = kernel.forward(xp, *arrays, **(attrs or {}))
    except Exception as e:
        raise explain_failure(kernel, arrays, attrs, e, ShapeMismatchError) from None
    record = _GradMode.enabled and any(t is not None and t.requires_grad for t in inputs)
    if record and not overwrite and saved is not None and saved is not y:
        if saved is a:
            saved = a.copy()
        elif saved.__class__ is tuple and any(s is a for s in saved):
            saved = tuple(a.copy() if s is a else s for s in saved)
    if y is not a:
        if y.shape != a.shape:
            raise RuntimeError(f"output with shape {list(a.shape)} doesn't match the broadcast shape "
                               f"{list(y.shape)}")
        a[...] = y
    if saved is y:
        saved = a
    self._vc[0] += 1
    if record:
        versions = None if saved is None else _saved_versions(saved, (self,) + tuple(
            t for t in inputs if t is not self))
        self.grad_fn = Node(kernel, saved, attrs, tuple(map(_edge, inputs)), xp, 1, versions)
        self.requires_grad, self._index = True, 0
    return self
