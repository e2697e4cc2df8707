"""Update patterns that Theano's optimizer fuses into one in-place loop, recognised on a function's update
list so that each lowers onto static_graph's fused update op (the shared update kernel) instead of op by op.

Theano compiles a hand-written update such as Adam into one `Elemwise{Composite}` loop per parameter; here
the same update, when it is exactly the arithmetic of the shared `adam` kernel as static_graph runs it
(TF1's ApplyAdam: the bias corrections folded into the step, as `lasagne.updates.adam` writes it), becomes
one ApplyAdam op per parameter over the program's own m, v and step count. Anything else (another epsilon
placement, other constants, a moment the function does not update) is not rewritten and runs op by op."""
import numpy as np

from .graph import SharedVariable, TensorConstant


def adam_groups(updates):
    """The Adam updates among `updates` (pairs shared variable -> new value): a list of dicts with the
    parameter `p`, its moments `m`, `v`, the step count `t`, the gradient `g` (a symbolic variable) and the
    hyperparameters `lr`, `beta1`, `beta2`, `eps`, each parameter in the order of `updates`.

    A group needs, in the same update list: p - lr*sqrt(1-b2**t1)/(1-b1**t1) * m1 / (sqrt(v1) + eps) as
    p's new value, m1 = b1*m + (1-b1)*g as m's, v1 = b2*v + (1-b2)*sqr(g) as v's and t1 = t + 1 as t's,
    with t a scalar shared variable (the kernel's step number is the old t plus one)."""
    new = {id(var): value for var, value in updates}
    groups, claimed = [], set()
    for p, p_new in updates:
        g = _adam(p, p_new, new)
        if g is not None and not ({id(g["m"]), id(g["v"]), id(p)} & claimed) and p is not g["t"]:
            claimed |= {id(g["m"]), id(g["v"]), id(p)}
            groups.append(g)
    return [g for g in groups if id(g["t"]) not in claimed]


def _adam(p, p_new, new):
    """The Adam group whose parameter update is `p_new`, or None."""
    d = _args(p_new, "sub")
    if d is None or d[0] is not p or not isinstance(p, SharedVariable):
        return None
    step = _args(d[1], "true_div")
    if step is None:
        return None
    for a_t, m1 in _commuted(step[0], "mul"):
        for sq, eps in _commuted(step[1], "add"):
            v1 = _unary(sq, "sqrt")
            eps = _scalar(eps)
            rate = _rate(a_t)
            if v1 is None or eps is None or rate is None:
                continue
            lr, b1, b2, t1 = rate
            mm, vv, t = _moment(m1, False), _moment(v1, True), _plus_one(t1)
            if mm is None or vv is None or t is None:
                continue
            (m, mb, g), (v, vb, gv) = mm, vv
            if gv is not g or not _close(mb, b1, p.dtype) or not _close(vb, b2, p.dtype):
                continue
            if new.get(id(m)) is not m1 or new.get(id(v)) is not v1 or _plus_one(new.get(id(t))) is not t:
                continue
            if not (m.type == v.type == p.type == g.type) or len({id(p), id(m), id(v), id(t)}) != 4 or \
                    t.ndim != 0 or np.dtype(t.dtype).kind != "f":
                continue
            return dict(p=p, m=m, v=v, t=t, g=g, lr=lr, beta1=mb, beta2=vb, eps=eps)
    return None


def _rate(a_t):
    """(lr, b1, b2, t1) when a_t is lr * sqrt(1 - b2**t1) / (1 - b1**t1), else None."""
    q = _args(a_t, "true_div")
    if q is None:
        return None
    c1 = _correction(q[1])
    for lr, root in _commuted(q[0], "mul"):
        c2 = _correction(_unary(root, "sqrt"))
        lr = _scalar(lr)
        if c1 is not None and c2 is not None and lr is not None and c1[1] is c2[1]:
            return lr, c1[0], c2[0], c1[1]
    return None


def _correction(x):
    """(b, t1) when x is 1 - b**t1 with b a constant scalar, else None."""
    d = _args(x, "sub")
    if d is None or _scalar(d[0]) != 1.0:
        return None
    power = _args(d[1], "pow")
    if power is None or _scalar(power[0]) is None:
        return None
    return _scalar(power[0]), power[1]


def _moment(x, squared):
    """(state, b, g) when x is b*state + (1-b)*g (g*g, sqr(g) or g**2 when squared), else None."""
    for decayed, fresh in _commuted(x, "add"):
        for b, state in _commuted(decayed, "mul"):
            b = _scalar(b)
            if b is None or not isinstance(state, SharedVariable):
                continue
            for c, g in _commuted(fresh, "mul"):
                beta = _beta(b, _scalar(c), state.dtype)
                if beta is None:
                    continue
                if squared:
                    g = _square_of(g)
                if g is not None:
                    return state, beta, g
    return None


def _beta(b, c, dtype):
    """The kernel's beta for a moment written b*state + c*g: one whose value and complement round to b and
    c in the moment's dtype (a float32 program's 0.999 and 0.001 are not complements in float64), else None."""
    if c is None:
        return None
    for beta in (b, 1.0 - c):
        if _close(beta, b, dtype) and _close(1.0 - beta, c, dtype):
            return beta
    return None


def _square_of(x):
    """g when x is sqr(g), g*g or g**2, else None."""
    g = _unary(x, "sqr")
    if g is not None:
        return g
    ab = _args(x, "mul")
    if ab is not None and ab[0] is ab[1]:
        return ab[0]
    ab = _args(x, "pow")
    return ab[0] if ab is not None and _scalar(ab[1]) == 2.0 else None


def _plus_one(x):
    """t when x is t + 1 or 1 + t with t a shared variable, else None."""
    for t, one in _commuted(x, "add"):
        if isinstance(t, SharedVariable) and _scalar(one) == 1.0:
            return t
    return None


def _args(x, op):
    """The two inputs of x's node when it is the binary `op`, else None."""
    node = getattr(x, "owner", None)
    if node is None or node.op != op or len(node.inputs) != 2:
        return None
    return node.inputs


def _commuted(x, op):
    """Both orders of a commutative binary op's inputs (none when x is not that op)."""
    ab = _args(x, op)
    return [] if ab is None else [(ab[0], ab[1]), (ab[1], ab[0])]


def _unary(x, op):
    node = getattr(x, "owner", None)
    if node is None or node.op != op or len(node.inputs) != 1:
        return None
    return node.inputs[0]


def _scalar(x):
    """The value of a constant real scalar, else None."""
    if isinstance(x, TensorConstant) and x.data.ndim == 0 and np.dtype(x.dtype).kind in "fiu":
        return float(x.data)
    return None


def _close(a, b, dtype):
    """Equal once rounded to the update's dtype (the kernel gets Python floats, the program's constants)."""
    t = np.dtype(dtype).type
    return t(a) == t(b)
