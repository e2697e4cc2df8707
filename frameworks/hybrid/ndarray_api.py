"""nd's functions that are not graph ops: MXNet's module-level helpers (modulo, true_divide, logical_*,
onehot_encode, histogram), the optimizer update ops hand-written training loops call (sgd_update,
sgd_mom_update, nag_mom_update, adam_update, rmsprop_update, rmspropalex_update: in place, as MXNet's
with out=weight, composed of NDArray arithmetic, so of the shared elementwise kernels), and the op
namespaces MXNet's ndarray and symbol modules carry (linalg, _internal, op)."""
import math
import types

import numpy

from .base import MXNetError
from .ops import OPS


# ---------------------------------------------------------------- module-level helpers (nd only)

def _nd():
    from . import ndarray
    return ndarray


def modulo(lhs, rhs):
    """lhs % rhs with broadcasting (either side may be a number)."""
    return lhs % rhs if isinstance(lhs, _nd().NDArray) else _nd()._rmod_scalar(rhs, scalar=lhs)


def true_divide(lhs, rhs):
    """lhs / rhs, as divide."""
    return _nd().divide(lhs, rhs)


def _logical(name):
    def f(lhs, rhs):
        nd = _nd()
        if not isinstance(lhs, nd.NDArray):
            lhs, rhs = rhs, lhs   # and, or, xor are symmetric
        if not isinstance(rhs, nd.NDArray):
            return getattr(nd, f"_{name}_scalar")(lhs, scalar=rhs)
        return getattr(nd, f"broadcast_{name}")(lhs, rhs)
    f.__name__ = name
    f.__doc__ = f"{name}(lhs, rhs): 1 where the {name.split('_')[1]} of their truth values holds, else 0."
    return f


logical_and, logical_or, logical_xor = (_logical(n) for n in ("logical_and", "logical_or", "logical_xor"))


def onehot_encode(indices, out):
    """One-hot rows of `indices` written into `out` (N, depth), which is returned (deprecated in MXNet
    for one_hot)."""
    out[:] = _nd().one_hot(indices, out.shape[1])
    return out


def histogram(a, bins=10, range=None):  # noqa: A002  (MXNet's name)
    """(counts, bin_edges) of a's values, NumPy's histogram: `bins` equal bins over `range` (required
    then) or the edges given as an NDArray."""
    nd = _nd()
    if isinstance(bins, nd.NDArray):
        counts, edges = numpy.histogram(a.asnumpy(), bins=bins.asnumpy())
    else:
        if range is None:
            raise MXNetError("histogram: range must be given when bins is a number")
        counts, edges = numpy.histogram(a.asnumpy(), bins=bins, range=range)
    return nd.array(counts, ctx=a.context, dtype="int64"), nd.array(edges, ctx=a.context, dtype=a.dtype)


def split_v2(ary, indices_or_sections, axis=0, squeeze_axis=False):
    """NumPy's array_split rule: `sections` equal parts, or cut before each of the given indices; a list
    of NDArrays (one array for one part), each a slice_axis of ary (so differentiable)."""
    nd = _nd()
    n = ary.shape[axis]
    if isinstance(indices_or_sections, int):
        if n % indices_or_sections:
            raise MXNetError(f"split_v2: axis {axis} of length {n} does not split into {indices_or_sections} "
                             "equal sections")
        step = n // indices_or_sections
        bounds = list(range(0, n, step)) + [n]
    else:
        bounds = [0] + [i for i in indices_or_sections] + [n]
    parts = [nd.slice_axis(ary, axis=axis, begin=b, end=e) for b, e in zip(bounds[:-1], bounds[1:])]
    if squeeze_axis:
        parts = [p.squeeze(axis=axis) if p.shape[axis] == 1 else p for p in parts]
    return parts[0] if len(parts) == 1 else parts


# ---------------------------------------------------------------- optimizer update ops (in place)

def _grad(weight, grad, rescale_grad, clip_gradient, wd, decay_first=False):
    """rescale_grad * grad, clipped, plus wd * weight; decay_first (adam_update, rmsprop_update) adds
    the decay before clipping, as those kernels of MXNet's do."""
    nd = _nd()
    g = grad * rescale_grad
    if decay_first and wd:
        g = g + weight * wd
    if clip_gradient is not None and clip_gradient >= 0:
        g = nd.clip(g, -clip_gradient, clip_gradient)
    return g + weight * wd if wd and not decay_first else g


def _result(weight, new, out):
    """MXNet writes the new weight to `out` (weight itself in every optimizer), else returns it fresh."""
    if out is None:
        return new
    out[:] = new
    return out


def sgd_update(weight, grad, lr, wd=0.0, rescale_grad=1.0, clip_gradient=-1.0, lazy_update=True, out=None,
               name=None):
    """weight - lr * (clip(rescale_grad * grad) + wd * weight)."""
    return _result(weight, weight - lr * _grad(weight, grad, rescale_grad, clip_gradient, wd), out)


def sgd_mom_update(weight, grad, mom, lr, momentum=0.0, wd=0.0, rescale_grad=1.0, clip_gradient=-1.0,
                   lazy_update=True, out=None, name=None):
    """mom = momentum * mom - lr * (clip(rescale_grad * grad) + wd * weight) (in place); weight + mom."""
    mom[:] = momentum * mom - lr * _grad(weight, grad, rescale_grad, clip_gradient, wd)
    return _result(weight, weight + mom, out)


def nag_mom_update(weight, grad, mom, lr, momentum=0.0, wd=0.0, rescale_grad=1.0, clip_gradient=-1.0,
                   out=None, name=None):
    """mom = momentum * mom - lr * g (in place); weight + momentum * mom - lr * g, g the prepared
    gradient (MXNet's NAGMomKernel, lr inside the momentum as sgd_mom_update's)."""
    g = _grad(weight, grad, rescale_grad, clip_gradient, wd)
    mom[:] = momentum * mom - lr * g
    return _result(weight, weight + momentum * mom - lr * g, out)


def adam_update(weight, grad, mean, var, lr, beta1=0.9, beta2=0.999, epsilon=1e-8, wd=0.0, rescale_grad=1.0,
                clip_gradient=-1.0, lazy_update=True, out=None, name=None):
    """mean, var updated in place; weight - lr * mean / (sqrt(var) + epsilon) (no bias correction: MXNet's
    Adam optimizer folds it into lr)."""
    g = _grad(weight, grad, rescale_grad, clip_gradient, wd, decay_first=True)
    mean[:] = beta1 * mean + (1 - beta1) * g
    var[:] = beta2 * var + (1 - beta2) * g.square()
    return _result(weight, weight - lr * mean / (var.sqrt() + epsilon), out)


def adamw_update(weight, grad, mean, var, rescale_grad, lr, eta, beta1=0.9, beta2=0.999, epsilon=1e-8, wd=0,
                 clip_gradient=-1, out=None, name=None, **kwargs):
    """nd.contrib.adamw_update (MXNet 1.x's _adamw_update, GluonNLP's BERTAdam step): mean, var updated in
    place from g = clip(rescale_grad * grad); weight - eta * (lr * mean / (sqrt(var) + epsilon) + wd * weight),
    the decay decoupled from the moments. rescale_grad may be an NDArray; when it is not finite or 0 (AMP's
    loss-scale overflow) nothing is updated, as MXNet's operator skips the step."""
    scale = float(rescale_grad.asscalar()) if hasattr(rescale_grad, "asscalar") else float(rescale_grad)
    if not math.isfinite(scale) or scale == 0:
        return weight if out is None else out
    g = _grad(weight, grad, scale, clip_gradient, 0.0)
    mean[:] = beta1 * mean + (1 - beta1) * g
    var[:] = beta2 * var + (1 - beta2) * g.square()
    return _result(weight, weight - eta * (lr * mean / (var.sqrt() + epsilon) + wd * weight), out)


def rmsprop_update(weight, grad, n, lr, gamma1=0.95, epsilon=1e-8, wd=0.0, rescale_grad=1.0, clip_gradient=-1.0,
                   clip_weights=-1.0, out=None, name=None):
    """n = gamma1 * n + (1 - gamma1) * g^2 (in place); weight - lr * g / sqrt(n + epsilon)."""
    g = _grad(weight, grad, rescale_grad, clip_gradient, wd, decay_first=True)
    n[:] = gamma1 * n + (1 - gamma1) * g.square()
    new = weight - lr * g / (n + epsilon).sqrt()
    if clip_weights is not None and clip_weights >= 0:
        new = _nd().clip(new, -clip_weights, clip_weights)
    return _result(weight, new, out)


def rmspropalex_update(weight, grad, n, g, delta, lr, gamma1=0.95, gamma2=0.9, epsilon=1e-8, wd=0.0,
                       rescale_grad=1.0, clip_gradient=-1.0, clip_weights=-1.0, out=None, name=None):
    """Graves' centred RMSProp: n, g, delta updated in place; weight + delta."""
    gr = _grad(weight, grad, rescale_grad, clip_gradient, wd, decay_first=True)
    n[:] = gamma1 * n + (1 - gamma1) * gr.square()
    g[:] = gamma1 * g + (1 - gamma1) * gr
    delta[:] = gamma2 * delta - lr * gr / (n - g.square() + epsilon).sqrt()
    new = weight + delta
    if clip_weights is not None and clip_weights >= 0:
        new = _nd().clip(new, -clip_weights, clip_weights)
    return _result(weight, new, out)


UPDATE_OPS = ("sgd_update", "sgd_mom_update", "nag_mom_update", "adam_update", "rmsprop_update",
              "rmspropalex_update")


# ---------------------------------------------------------------- namespaces (nd.linalg, sym._internal, ...)

class _Sparse(types.ModuleType):
    """nd.sparse / sym.sparse: every name raises MXNetError (this engine's arrays are dense)."""

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        raise MXNetError(f"{self.__name__}.{name} is not supported: sparse storage (csr, row_sparse) is not; use "
                         "dense NDArrays (nd.array, nd.zeros) and the dense ops")


def namespaces(module, label):
    """MXNet's sub-namespaces of `module` (nd or sym): linalg (linalg_gemm2 as linalg.gemm2), _internal
    (the underscore ops: _plus_scalar, _mul), op (every op)."""
    linalg = types.ModuleType(f"{label}.linalg", "linalg_* ops without their prefix")
    internal = types.ModuleType(f"{label}._internal", "the underscore ops")
    everything = types.ModuleType(f"{label}.op", "every op")
    for name in OPS:
        fn = getattr(module, name)
        setattr(everything, name, fn)
        if name.startswith("linalg_"):
            setattr(linalg, name[len("linalg_"):], fn)
        if name.startswith("_"):
            setattr(internal, name, fn)
    return linalg, internal, everything, _Sparse(f"{label}.sparse")
