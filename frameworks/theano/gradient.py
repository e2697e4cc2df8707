"""theano.gradient: grad (symbolic, lowered onto tf.gradients with the cost), disconnected_grad."""
import warnings

import numpy as np

import frameworks.static_graph as tf
from .graph import TensorType, Variable, ancestors, apply, as_tf, as_variable, is_static, static_shape


class DisconnectedInputError(ValueError):
    """grad was asked for the gradient with respect to a variable the cost does not depend on."""


def grad(cost, wrt, consider_constant=None, disconnected_inputs="raise", add_names=True, known_grads=None,
         return_disconnected="zero", null_gradients="raise"):
    """d cost / d wrt: a list for a list, one variable for one. The cost must be a scalar."""
    if known_grads is not None:
        raise NotImplementedError("grad: known_grads is not supported; pass the cost")
    cost = as_variable(cost)
    if cost.ndim != 0:
        raise TypeError("cost must be a scalar.")
    if np.dtype(cost.dtype).kind != "f":
        raise TypeError(f"grad: the cost must be a float, got {cost.type}")
    single = not isinstance(wrt, (list, tuple))
    wrt = [wrt] if single else list(wrt)
    for w in wrt:
        if not isinstance(w, Variable):
            raise TypeError(f"Expected Variable, got {w!r} of type {type(w).__name__}")
    if disconnected_inputs not in ("ignore", "warn", "raise"):
        raise ValueError("Invalid value for keyword 'disconnected_inputs', valid values are 'ignore', 'warn' "
                         "and 'raise'.")
    constants = list(consider_constant or [])
    reach = ancestors([cost], stop=constants)
    for i, w in enumerate(wrt):
        if w not in reach:
            message = ("grad method was asked to compute the gradient with respect to a variable that is not "
                       "part of the computational graph of the cost, or is used only by a non-differentiable "
                       f"operator: {w!r}")
            if disconnected_inputs == "raise":
                raise DisconnectedInputError(message + "\nBacktrace when the node is created: (use "
                                             "disconnected_inputs='ignore' or 'warn' to allow it)")
            if disconnected_inputs == "warn":
                warnings.warn(message, stacklevel=2)

    key = (cost, tuple(constants))

    def lower(L, c, *vals, n_wrt):
        ws, stops = vals[:n_wrt], vals[n_wrt:]
        if is_static(c):
            grads = [None] * n_wrt
        else:
            grads = _shared_gradients(L, key, c, stops, wrt, ws)
        out = []
        for g, w, v in zip(grads, ws, wrt):
            if g is None:
                g = np.zeros(static_shape(w, "grad"), dtype=v.dtype)
            out.append(g)
        return tuple(out) if n_wrt > 1 else out[0]
    outs = apply("Grad", lower, [cost] + wrt + constants, [TensorType(w.dtype, w.broadcastable) for w in wrt],
                 n_wrt=len(wrt), _key=key, _wrt=tuple(wrt))
    outs = [outs] if len(wrt) == 1 else outs
    return outs[0] if single else list(outs)


def _shared_gradients(L, key, c, stops, wrt, ws):
    """The gradients of the lowered cost for `wrt`. Every grad of one cost that the function computes is
    lowered as ONE tf.gradients over the union of their wrt (L.grad_groups, set by theano.function), as
    Theano's merge optimization leaves one backward pass for `[T.grad(cost, p) for p in params]`."""
    group = L.grad_groups.get(key)
    if group is None:
        group = wrt
    cache = L.grad_cache.get(key)
    if cache is None or any(w not in cache for w in wrt):
        union = list(group) + [w for w in wrt if w not in group]
        values = [as_tf(L(w), w.dtype) for w in union]
        stop = [s for s in stops if not is_static(s)]
        cache = L.grad_cache[key] = dict(zip(union, tf.gradients(c, values, stop_gradients=stop)))
    return [cache[w] for w in wrt]


def disconnected_grad(x):
    """x, through which grad does not pass (tf.stop_gradient)."""
    x = as_variable(x)
    return apply("DisconnectedGrad", lambda L, v: v if is_static(v) else tf.stop_gradient(v), [x], [x.type])


zero_grad = disconnected_grad



