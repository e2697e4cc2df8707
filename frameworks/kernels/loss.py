"""Loss kernels: nll_loss, softmax cross-entropy with soft labels (TF's softmax_cross_entropy_with_logits_v2),
sigmoid cross-entropy with logits and mean squared error. (Cross-entropy with integer or float-valued class
labels is nn.softmax_cross_entropy.)"""
from .backend import against_scalar, array_module
from .base import Kernel, register, need, nbytes_of, shape_error
from .shape import check_axis
from .index import as_indices

REDUCTIONS = ("mean", "sum", "none")


def reduce_loss(op, losses, reduction):
    """Per-element losses reduced as PyTorch's `reduction` says: "mean", "sum" or "none"."""
    if reduction == "mean":
        xp = array_module(losses)
        if xp.__name__ == "numpy" and type(losses) is xp.ndarray and losses.dtype.char in "fd" and losses.size:
            # NumPy's own mean of float32/float64 (numpy/_core/_methods.py, _mean) without its Python
            # layer: the same add.reduce, then the sum over an intp count, in the sum's type. The same
            # number, 20-25 us less in a step that runs after other work (the cnn floor after the NumPy
            # script's step): each Python layer's first call brings its code back into the cache
            s = xp.add.reduce(losses, axis=None)
            return s.dtype.type(s / xp.intp(losses.size))
        return losses.mean()
    if reduction == "sum":
        return losses.sum()
    if reduction == "none":
        return losses
    raise ValueError(f"{op}: reduction must be one of {REDUCTIONS}, got {reduction!r}")


def loss_grad(gy, n, reduction):
    """The gradient reaching each per-element loss: gy / n for "mean", gy for "sum" and "none"."""
    return gy / n if reduction == "mean" else gy


def _reduced_shape(op, shape, reduction):
    if reduction not in REDUCTIONS:
        raise shape_error(op, f"reduction must be one of {REDUCTIONS}, got {reduction!r}", shape)
    return tuple(shape) if reduction == "none" else ()


def _class_last(xp, x):
    """(N, C, d1, ...) as (N * d1 * ..., C): the class axis last, one row per prediction."""
    if x.ndim == 2:
        return x
    return xp.moveaxis(x, 1, -1).reshape(-1, x.shape[1])


@register
class NLLLoss(Kernel):
    """PyTorch's F.nll_loss: loss = -weight[t] * logp[..., t] per prediction; logp (N, C) or (N, C, d1, ...)
    log-probabilities, target (N,) or (N, d1, ...) class indices, weight (C,) optional class weights (an input,
    without gradient, as in PyTorch).

    Targets equal to ignore_index (default -100, as PyTorch) contribute 0 and no gradient; "mean" divides
    by the summed weights of the targets NOT ignored (their count without weights; NaN when all are
    ignored, as PyTorch); "none" gives the target's shape with zeros at ignored places. Any other target
    outside [0, C) is an IndexError naming the op, the value and C."""
    name = "nll_loss"
    saves_inputs = (1, 2)   # target and weight
    saves_output = False

    @classmethod
    def workspace_bytes(cls, logp, target, weight=None, reduction="mean", ignore_index=-100, itemsize=4):
        # per prediction: the index checks' masks, keep, the masked targets, the row numbers, the picked
        # losses and weights; a class-last copy of logp for (N, C, d1, ...)
        rows = nbytes_of(target, 1)
        return rows * (8 + 8 + 8 + 3 * itemsize) + (nbytes_of(logp, itemsize) if len(tuple(logp)) > 2 else 0)

    @staticmethod
    def forward(xp, logp, target, weight=None, reduction="mean", ignore_index=-100):
        c = logp.shape[1]
        idx = as_indices(xp, "nll_loss", target, c, what="target", ignore=ignore_index).reshape(-1)
        keep = idx != ignore_index
        safe = xp.where(keep, idx, 0)
        rows = xp.arange(idx.size)
        losses = -_class_last(xp, logp)[rows, safe]
        w = keep if weight is None else weight[safe] * keep
        losses *= w
        if reduction == "mean":
            total = w.sum().astype(logp.dtype)
            loss = losses.sum() / total
        else:
            total = None
            loss = reduce_loss("nll_loss", losses.reshape(target.shape), reduction)
        return loss, (logp.shape, logp.dtype, target, weight, total)

    @staticmethod
    def backward(xp, saved, gy, needs=None, reduction="mean", ignore_index=-100):
        shape, dtype, target, weight, total = saved
        n_inputs = 2 if weight is None else 3
        if not need(needs, 0):
            return (None,) * n_inputs
        idx = target.reshape(-1)
        if idx.dtype.kind == "f":  # whole-number float targets, checked by forward
            idx = idx.astype(xp.int64)
        keep = idx != ignore_index
        safe = xp.where(keep, idx, 0)
        w = keep if weight is None else weight[safe] * keep
        if reduction == "mean":
            per = -(gy / total) * w
        else:
            per = -(gy.reshape(-1) if reduction == "none" else gy) * w
        c = shape[1]
        g = xp.zeros((idx.size, c), dtype=dtype)
        g[xp.arange(idx.size), safe] = per
        if len(shape) > 2:   # back from class-last rows to (N, C, d1, ...)
            g = xp.moveaxis(g.reshape((shape[0],) + tuple(shape[2:]) + (c,)), -1, 1)
        return (g,) + (None,) * (n_inputs - 1)

    @staticmethod
    def infer(logp, target, weight=None, reduction="mean", ignore_index=-100):
        logp, target = tuple(logp), tuple(target)
        if len(logp) < 2 or len(target) != len(logp) - 1:
            raise shape_error("nll_loss", "input must be (N, C) or (N, C, d1, ...) and target (N,) or (N, d1, ...)",
                              logp, target)
        if any(a != b and None not in (a, b) for a, b in zip(logp[:1] + logp[2:], target)):
            raise shape_error("nll_loss", "input and target disagree on N or d1, ...", logp, target)
        if weight is not None and tuple(weight) != (logp[1],) and logp[1] is not None:
            raise shape_error("nll_loss", f"weight must be (C,) = ({logp[1]},)", logp, target, weight)
        return _reduced_shape("nll_loss", target, reduction)


@register
class SoftmaxCrossEntropyWithLogits(Kernel):
    """TF's softmax_cross_entropy_with_logits_v2: loss = -sum(labels * log_softmax(logits), axis), one loss
    per example (labels are probabilities, same shape as logits).

    Gradients to both inputs, as v2 gives: logits get gy * (softmax * sum(labels) - labels), which is TF's
    softmax - labels whenever each row of labels sums to 1 (the op's documented requirement); labels get
    -gy * log_softmax(logits)."""
    name = "softmax_cross_entropy_with_logits"
    saves_inputs = (1,)
    saves_output = False

    @classmethod
    def workspace_bytes(cls, logits, labels, axis=-1, itemsize=4):
        rows = nbytes_of(logits, itemsize) // max(1, tuple(logits)[axis])
        return nbytes_of(logits, itemsize) + 3 * rows   # exp(logp) then labels * logp; max, sum, log

    @classmethod
    def saved_bytes(cls, logits, labels, axis=-1, itemsize=4):
        return nbytes_of(logits, itemsize)   # the log-softmax

    @staticmethod
    def forward(xp, logits, labels, axis=-1):
        logp = logits - logits.max(axis=axis, keepdims=True)
        logp -= xp.log(xp.exp(logp).sum(axis=axis, keepdims=True))
        loss = -(labels * logp).sum(axis=axis)
        return loss, (logp, labels)

    @staticmethod
    def backward(xp, saved, gy, needs=None, axis=-1):
        logp, labels = saved
        g = xp.expand_dims(gy, axis % logp.ndim)
        glogits = glabels = None
        if need(needs, 0):
            glogits = xp.exp(logp)
            glogits *= labels.sum(axis=axis, keepdims=True)
            glogits -= labels
            glogits *= g
        if need(needs, 1):
            glabels = -g * logp
        return glogits, glabels

    @staticmethod
    def infer(logits, labels, axis=-1):
        logits, labels = tuple(logits), tuple(labels)
        if len(logits) != len(labels) or any(a != b and None not in (a, b) for a, b in zip(logits, labels)):
            raise shape_error("softmax_cross_entropy_with_logits", "logits and labels must have the same shape",
                              logits, labels)
        ax = check_axis("softmax_cross_entropy_with_logits", len(logits), axis, logits)
        return logits[:ax] + logits[ax + 1:]


def _same_shape(op, a, b):
    a, b = tuple(a), tuple(b)
    if len(a) != len(b) or any(x != y and None not in (x, y) for x, y in zip(a, b)):
        raise shape_error(op, "both inputs must have the same shape", a, b)
    return a


@register
class SigmoidCrossEntropyWithLogits(Kernel):
    """loss = max(x, 0) - x * z + log(1 + exp(-|x|)) per element, x logits and z labels in [0, 1]: TF's
    sigmoid_cross_entropy_with_logits (reduction "none", the default) and PyTorch's
    binary_cross_entropy_with_logits (reduction "mean"). Never overflows. Gradients: logits get
    gy * (sigmoid(x) - z), labels get -gy * x."""
    name = "sigmoid_cross_entropy_with_logits"
    saves_output = False

    @classmethod
    def workspace_bytes(cls, logits, labels, reduction="none", itemsize=4):
        full = nbytes_of(logits, itemsize)
        return full if reduction == "none" else 2 * full   # one term at a time (+ the losses when reduced)

    @staticmethod
    def forward(xp, logits, labels, reduction="none"):
        losses = xp.abs(logits)
        xp.negative(losses, out=losses)
        xp.exp(losses, out=losses)
        xp.log1p(losses, out=losses)
        losses += against_scalar(xp, xp.maximum, logits, 0)
        losses -= logits * labels
        return reduce_loss("sigmoid_cross_entropy_with_logits", losses, reduction), (logits, labels)

    @staticmethod
    def backward(xp, saved, gy, needs=None, reduction="none"):
        x, z = saved
        g = loss_grad(gy, x.size, reduction)
        gx = gz = None
        if need(needs, 0):
            gx = xp.tanh(x * 0.5)   # sigmoid(x) = (1 + tanh(x/2)) / 2, no overflow
            gx += 1
            gx *= 0.5
            gx -= z
            gx *= g
        if need(needs, 1):
            gz = -g * x
        return gx, gz

    @staticmethod
    def infer(logits, labels, reduction="none"):
        return _reduced_shape("sigmoid_cross_entropy_with_logits",
                              _same_shape("sigmoid_cross_entropy_with_logits", logits, labels), reduction)


@register
class MSELoss(Kernel):
    """PyTorch's F.mse_loss: (input - target)^2, reduced by `reduction` (default "mean" over every element);
    both inputs get a gradient (+- 2 (input - target) gy / n)."""
    name = "mse_loss"
    saves_inputs = ()
    saves_output = False

    @classmethod
    def workspace_bytes(cls, x, target, reduction="mean", itemsize=4):
        return 0 if reduction == "none" else nbytes_of(x, itemsize)   # the squared differences

    @classmethod
    def saved_bytes(cls, x, target, reduction="mean", itemsize=4):
        return nbytes_of(x, itemsize)   # the difference

    @staticmethod
    def forward(xp, x, target, reduction="mean"):
        d = x - target
        return reduce_loss("mse_loss", d * d, reduction), d

    @staticmethod
    def backward(xp, saved, gy, needs=None, reduction="mean"):
        d = saved
        g = d * (2 * loss_grad(gy, d.size, reduction))
        return (g if need(needs, 0) else None), (-g if need(needs, 1) else None)

    @staticmethod
    def infer(x, target, reduction="mean"):
        return _reduced_shape("mse_loss", _same_shape("mse_loss", x, target), reduction)
