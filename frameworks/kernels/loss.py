"""Loss kernels: nll_loss, softmax cross-entropy with soft labels (TF's softmax_cross_entropy_with_logits_v2),
sigmoid cross-entropy with logits and mean squared error. (Cross-entropy with integer or float-valued class
labels is nn.softmax_cross_entropy.)"""
from .base import Kernel, register, need, shape_error
from .activation import check_axis
from .index import as_indices

REDUCTIONS = ("mean", "sum", "none")


def reduce_loss(op, losses, reduction):
    """Per-element losses reduced as PyTorch's `reduction` says: "mean", "sum" or "none"."""
    if reduction == "mean":
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


@register
class NLLLoss(Kernel):
    """PyTorch's F.nll_loss: loss_i = -logp[i, target_i]; logp (N, C) log-probabilities, target (N,) ints.

    Targets equal to ignore_index (default -100, as PyTorch) contribute 0 and no gradient; "mean" divides
    by the number of targets NOT ignored (NaN when all are, as PyTorch); "none" gives (N,) with zeros at
    ignored rows. Any other target outside [0, C) is an IndexError naming the op, the value and C."""
    name = "nll_loss"

    @staticmethod
    def forward(xp, logp, target, reduction="mean", ignore_index=-100):
        n, c = logp.shape
        target = as_indices(xp, "nll_loss", target, c, what="target", ignore=ignore_index)
        keep = target != ignore_index
        safe = xp.where(keep, target, 0)
        losses = -logp[xp.arange(n), safe]
        losses *= keep
        if reduction == "mean":
            count = keep.sum().astype(logp.dtype)
            loss = losses.sum() / count
        else:
            count = None
            loss = reduce_loss("nll_loss", losses, reduction)
        return loss, (logp.shape, logp.dtype, safe, keep, count)

    @staticmethod
    def backward(xp, saved, gy, needs=None, reduction="mean", ignore_index=-100):
        shape, dtype, safe, keep, count = saved
        if not need(needs, 0):
            return None, None
        g = xp.zeros(shape, dtype=dtype)
        g[xp.arange(shape[0]), safe] = -(gy / count if reduction == "mean" else gy) * keep
        return g, None

    @staticmethod
    def infer(logp, target, reduction="mean", ignore_index=-100):
        logp, target = tuple(logp), tuple(target)
        if len(logp) != 2 or len(target) != 1:
            raise shape_error("nll_loss", "input must be (N, C) and target (N,)", logp, target)
        if logp[0] != target[0] and None not in (logp[0], target[0]):
            raise shape_error("nll_loss", "input and target disagree on N", logp, target)
        return _reduced_shape("nll_loss", target, reduction)


@register
class SoftmaxCrossEntropyWithLogits(Kernel):
    """TF's softmax_cross_entropy_with_logits_v2: loss = -sum(labels * log_softmax(logits), axis), one loss
    per example (labels are probabilities, same shape as logits).

    Gradients to both inputs, as v2 gives: logits get gy * (softmax * sum(labels) - labels), which is TF's
    softmax - labels whenever each row of labels sums to 1 (the op's documented requirement); labels get
    -gy * log_softmax(logits)."""
    name = "softmax_cross_entropy_with_logits"

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
        ax = check_axis("softmax_cross_entropy_with_logits", logits, axis)
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

    @staticmethod
    def forward(xp, logits, labels, reduction="none"):
        losses = xp.log1p(xp.exp(-xp.abs(logits)))
        losses += xp.maximum(logits, 0)
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
