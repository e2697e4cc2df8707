"""A thin Theano-style frontend on the same graph: symbolic inputs, shared variables, grad, function().

    from frameworks.static_graph import theano
    T = theano.tensor
    x = T.matrix("x"); w = theano.shared(w0, name="w")
    cost = T.sum(T.sqr(T.dot(x, w)))
    train = theano.function([x], cost, updates=[(w, w - 0.1 * theano.grad(cost, w))])
    train(x0)   # -> cost, and w updated

Shared variables hold values at once (there is no Session to manage: one per graph lives here), and a
function's updates are simultaneous, as Theano's are: every new value is computed from the old ones
before any is stored.
"""
import types

import numpy as np

from . import nn, ops
from .gradients import gradients
from .graph import float32, get_default_graph, int64
from .session import Session
from .variables import Variable

floatX = "float32"  # noqa: N816  (Theano's config name)
_SESSIONS = {}


def _session(graph=None):
    graph = graph or get_default_graph()
    sess = _SESSIONS.get(graph)
    if sess is None:
        sess = _SESSIONS[graph] = Session(graph=graph)
    return sess


def shared(value, name=None):
    """A variable with a value now (Theano's shared); get_value/set_value read and write it."""
    var = Variable(np.asarray(value), name=name or "shared")
    sess = _session()
    sess.run(var.initializer)
    var.get_value = lambda borrow=False: sess.run(var)
    var.set_value = lambda v, borrow=False: var.load(v, sess)
    return var


def _crossentropy(logits, labels):
    """Mean softmax cross-entropy of logits against integer labels (the shared fused kernel)."""
    return nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)


def _typed(ndim, dtype):
    def make(name=None, dtype=dtype):
        return ops.placeholder(dtype, [None] * ndim, name=name or "input")
    return make


tensor = types.SimpleNamespace(
    scalar=_typed(0, float32), vector=_typed(1, float32), matrix=_typed(2, float32),
    tensor3=_typed(3, float32), tensor4=_typed(4, float32),
    lvector=_typed(1, int64), lmatrix=_typed(2, int64),
    dot=ops.matmul, sum=lambda x, axis=None: ops.reduce_sum(x, axis=axis),
    mean=lambda x, axis=None: ops.reduce_mean(x, axis=axis), sqr=ops.square, exp=ops.exp, log=ops.log,
    maximum=ops.maximum, clip=ops.clip_by_value, concatenate=lambda xs, axis=0: ops.concat(xs, axis),
    reshape=ops.reshape, tanh=ops.tanh,
    nnet=types.SimpleNamespace(relu=ops.relu, sigmoid=ops.sigmoid,
                               categorical_crossentropy=_crossentropy),
)


def grad(cost, wrt):
    """d cost / d wrt (a list for a list), symbolic, as theano.grad."""
    if isinstance(wrt, (list, tuple)):
        return gradients(cost, list(wrt))
    return gradients(cost, [wrt])[0]


class Function:
    """A compiled Theano function: call it with the inputs' values, positionally."""

    def __init__(self, inputs, outputs, updates, graph):
        self.inputs = list(inputs)
        self._single = outputs is not None and not isinstance(outputs, (list, tuple))
        outputs = [] if outputs is None else ([outputs] if self._single else list(outputs))
        # a shared variable's value is read into a fresh array, so the stores below cannot change it
        self.outputs = [_snapshot(o) for o in outputs]
        self._sess = _session(graph)
        updates = list(updates.items()) if isinstance(updates, dict) else list(updates or [])
        # simultaneous updates: every new value (and every output) first, then the stores
        new_values = [_snapshot(v) for _, v in updates]
        with graph.control_dependencies([t for t in new_values + self.outputs]):
            self._updates = ops.group([ops.assign(var, value)
                                       for (var, _), value in zip(updates, new_values)])

    def __call__(self, *args):
        if len(args) != len(self.inputs):
            raise TypeError(f"function expects {len(self.inputs)} inputs "
                            f"({', '.join(i.op.name for i in self.inputs)}), got {len(args)}")
        out, _ = self._sess.run((self.outputs, self._updates), dict(zip(self.inputs, args)))
        return out[0] if self._single else out


def _snapshot(x):
    return ops.multiply(x, 1) if isinstance(x, Variable) else ops.convert_to_tensor(x)


def function(inputs, outputs=None, updates=None, givens=None):
    if givens:
        raise ValueError("function: givens is not supported; feed the values as inputs instead")
    return Function(inputs, outputs, updates, get_default_graph())
