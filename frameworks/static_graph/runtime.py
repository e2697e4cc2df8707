"""How each non-kernel op type runs: a registry of runner factories, runner(op, session) -> callable(*inputs).

A runner returns a tuple with one value per op output, or None for ops without outputs (updates, NoOp).
Kernel ops and their gradient ops need no entry: the plan calls the shared kernel directly.
"""
import numpy as np

from frameworks import kernels as K
from . import errors

RUNNERS = {}


def register_runner(op_type):
    def deco(fn):
        RUNNERS[op_type] = fn
        return fn
    return deco


class VariableStore:
    """A Variable's value inside one Session (TF keeps variable values per session, not in the graph)."""
    __slots__ = ("var", "value")

    def __init__(self, var):
        self.var = var
        self.value = None

    def set(self, xp, v):
        """Copy `v` in: into the existing buffer when it fits (readers hold no stale copy), else a new one."""
        cur = self.value
        if cur is not None and cur.shape == v.shape:
            xp.copyto(cur, v)
        else:
            self.value = xp.array(v, dtype=self.var.dtype.np, copy=True)
        return self.value

    def get(self):
        if self.value is None:
            raise errors.FailedPreconditionError(
                None, self.var.op, f"Attempting to use uninitialized value {self.var.op.name}\n"
                f"\t [[{{{{node {self.var.op.name}}}}}]]")
        return self.value


@register_runner("Const")
def _const(op, sess):
    value = op.attrs["value"]
    value = value if value.dtype == object else sess.xp.asarray(value)   # strings stay on the host
    return lambda: (value,)


@register_runner("Identity")
@register_runner("PlaceholderWithDefault")
def _identity(op, sess):
    return lambda x: (x,)


@register_runner("ZerosLike")
def _zeros_like(op, sess):
    xp = sess.xp
    return lambda x: (xp.zeros_like(x),)


@register_runner("OnesLike")
def _ones_like(op, sess):
    xp = sess.xp
    return lambda x: (xp.ones_like(x),)


@register_runner("Cast")
def _cast(op, sess):
    dtype = op.attrs["dtype"].np
    return lambda x: (x.astype(dtype),)


@register_runner("AddN")
def _add_n(op, sess):
    xp, add = sess.xp, K.add.forward

    def run(*xs):
        y, _ = add(xp, xs[0], xs[1])
        for x in xs[2:]:
            add(xp, y, x, out=y)
        return (y,)
    return run


@register_runner("Assign")
def _assign(op, sess):
    store, xp = sess._store(op.attrs["var"]), sess.xp
    return lambda v: (store.set(xp, v),)


@register_runner("AssignAdd")
def _assign_add(op, sess):
    def run(ref, delta):
        ref += delta
        return (ref,)
    return run


@register_runner("AssignSub")
def _assign_sub(op, sess):
    def run(ref, delta):
        ref -= delta
        return (ref,)
    return run


def _seed(op):
    graph_seed, op_seed = op.attrs["seed"]
    if graph_seed is None and op_seed is None:
        return None
    return (0 if graph_seed is None else graph_seed) * 1000003 + (0 if op_seed is None else op_seed)


def _draws(op, sess, draw):
    rs = np.random.RandomState(_seed(op))
    shape, dtype, xp = op.attrs["shape"], op.attrs["dtype"].np, sess.xp
    return lambda: (xp.asarray(draw(rs, shape).astype(dtype)),)


@register_runner("RandomStandardNormal")
def _normal(op, sess):
    mean, std = op.attrs["mean"], op.attrs["stddev"]
    return _draws(op, sess, lambda rs, s: mean + std * rs.standard_normal(s))


@register_runner("TruncatedNormal")
def _truncated(op, sess):
    mean, std = op.attrs["mean"], op.attrs["stddev"]
    return _draws(op, sess, lambda rs, s: mean + std * _truncated_draw(rs, s))


def _truncated_draw(rs, s):
    x = rs.standard_normal(s)
    bad = np.abs(x) > 2
    while bad.any():   # TF redraws values beyond two standard deviations
        x[bad] = rs.standard_normal(int(bad.sum()))
        bad = np.abs(x) > 2
    return x


@register_runner("RandomUniform")
def _uniform(op, sess):
    lo, hi = op.attrs["minval"], op.attrs["maxval"]
    return _draws(op, sess, lambda rs, s: rs.uniform(lo, hi, s))


def _dynamic(op, sess, draw):
    rs, dtype, xp = np.random.RandomState(_seed(op)), op.attrs["dtype"].np, sess.xp
    return lambda shape: (xp.asarray(draw(rs, tuple(int(d) for d in shape)).astype(dtype)),)


@register_runner("RandomStandardNormalDynamic")
def _normal_dynamic(op, sess):
    return _dynamic(op, sess, lambda rs, s: rs.standard_normal(s))


@register_runner("TruncatedNormalDynamic")
def _truncated_dynamic(op, sess):
    return _dynamic(op, sess, _truncated_draw)


@register_runner("Range")
def _range(op, sess):
    xp, dtype = sess.xp, op.attrs["dtype"].np
    return lambda start, limit, delta: (xp.arange(start, limit, delta, dtype=dtype),)


@register_runner("RandomUniformLike")
def _uniform_like(op, sess):
    rs, dtype, xp = np.random.RandomState(_seed(op)), op.attrs["dtype"].np, sess.xp
    return lambda x: (xp.asarray(rs.uniform(0.0, 1.0, x.shape).astype(dtype)),)


# ---------------------------------------------------------------- ops without a gradient: one xp call each

def _xp_fn(op, sess):
    return getattr(sess.xp, op.attrs["fn"])


for _t in ("LogicalAnd", "LogicalOr"):
    register_runner(_t)(lambda op, sess: (lambda f: lambda a, b: (f(a, b),))(_xp_fn(op, sess)))
for _t in ("LogicalNot", "Floor"):
    register_runner(_t)(lambda op, sess: (lambda f: lambda a: (f(a),))(_xp_fn(op, sess)))


@register_runner("Fill")
def _fill(op, sess):
    xp, value, dtype = sess.xp, op.attrs["value"], op.attrs["dtype"].np
    return lambda dims: (xp.full(tuple(int(d) for d in dims), value, dtype),)


@register_runner("Size")
def _size(op, sess):
    xp, dtype = sess.xp, op.attrs["dtype"].np
    return lambda x: (xp.asarray(x.size, dtype),)


@register_runner("Shape")
def _shape(op, sess):
    xp, dtype = sess.xp, op.attrs["dtype"].np
    return lambda x: (xp.asarray(x.shape, dtype),)


@register_runner("Reshape")   # the run-time-shaped one (a static Reshape is a kernel op)
def _reshape(op, sess):
    def run(x, shape):
        try:
            return (x.reshape(tuple(int(d) for d in shape)),)
        except ValueError:
            raise ValueError(f"Input to reshape is a tensor with {x.size} values, but the requested shape "
                             f"{[int(d) for d in shape]} does not fit it, in '{op.name}' (op: 'Reshape')"
                             ) from None
    return run


@register_runner("Pow")
def _pow(op, sess):
    power = sess.xp.power
    return lambda x, y: (power(x, y),)


@register_runner("Max")
@register_runner("Min")
@register_runner("Prod")
@register_runner("Any")
@register_runner("All")
def _extreme(op, sess):
    f, axis, keep = _xp_fn(op, sess), op.attrs["axis"], op.attrs["keepdims"]
    return lambda x: (f(x, axis=axis, keepdims=keep),)


@register_runner("StopGradient")
def _stop_gradient(op, sess):
    return lambda x: (x,)


@register_runner("InTopKV2")
def _in_top_k(op, sess):
    xp, k = sess.xp, op.attrs["k"]

    def run(pred, target):
        # TF: a target is in the top k when fewer than k entries of its row are strictly larger
        mine = xp.take_along_axis(pred, target.astype(np.int64)[:, None], axis=1)
        return (((pred > mine).sum(axis=1) < k) & xp.isfinite(mine[:, 0]),)
    return run
