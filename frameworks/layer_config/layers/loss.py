"""Loss layers and metrics: SoftmaxWithLoss, SigmoidCrossEntropyLoss, EuclideanLoss, ContrastiveLoss, Accuracy."""
import numpy

from frameworks import kernels as K

from ..layer import Layer, axis_index, infer, prod, register_layer
from ..proto import caffe_pb2

# ---------------------------------------------------------------- losses and metrics

def _normalization(layer):
    """Caffe's normalization mode: the deprecated `normalize` (true VALID, false BATCH_SIZE) wins."""
    lp = layer.layer_param.loss_param
    if lp.HasField("normalize"):
        return caffe_pb2.LossParameter.VALID if lp.normalize else caffe_pb2.LossParameter.BATCH_SIZE
    return lp.normalization


def _normalizer(mode, outer, inner, valid):
    """Caffe's get_normalizer: FULL outer*inner, VALID the non-ignored count, BATCH_SIZE outer, NONE 1;
    at least 1."""
    n = {caffe_pb2.LossParameter.FULL: outer * inner, caffe_pb2.LossParameter.VALID: valid,
         caffe_pb2.LossParameter.BATCH_SIZE: outer, caffe_pb2.LossParameter.NONE: 1}[mode]
    return max(1.0, float(n))


def _int_labels(labels):
    return labels if labels.dtype.kind in "iu" else labels.astype(numpy.int64)


class _LossLayer(Layer):
    """Predictions and labels (never given a gradient); loss_param's ignore_label and normalization."""
    data_bottoms = (1,)
    exact_num_bottom_blobs = 2
    default_loss_weight = 1.0

    def layer_setup(self, bottom, top):
        lp = self.layer_param.loss_param
        self.ignore = lp.ignore_label if lp.HasField("ignore_label") else None
        self.mode = _normalization(self)


@register_layer("SoftmaxWithLoss")
class SoftmaxWithLossLayer(_LossLayer):
    """Softmax cross-entropy over softmax_param.axis (1 by default) at every other position, through the
    shared kernel; loss_param ignore_label skips positions, normalization FULL / VALID (default) /
    BATCH_SIZE / NONE divides the sum. A second top, if any, is the softmax.

    When the class axis is the last one (or only ones follow it) the logits fold into (positions, classes)
    without a copy; otherwise they are moved there first. Labels may be float (Caffe) or integer blobs.
    """
    min_top_blobs = 1
    max_top_blobs = 2

    def reshape(self, bottom, top):
        shape = bottom[0].shape
        self.axis = axis_index(self.layer_param.softmax_param.axis, len(shape))
        self.outer, self.classes = prod(shape[:self.axis]), shape[self.axis]
        self.inner = prod(shape[self.axis + 1:])
        self.n = self.outer * self.inner
        if bottom[1].count != self.n:
            raise self.error(f"shape mismatch: logits {shape} with the class axis {self.axis} give {self.n} "
                             f"positions but the label blob {self.layer_param.bottom[1]!r} has shape "
                             f"{bottom[1].shape}")
        infer(self, K.softmax_cross_entropy, (self.n, self.classes), (self.n,), ignore_index=self.ignore)
        top[0].reshape()
        if len(top) > 1:
            top[1].reshape(*shape)

    def _rows(self, x):
        """(positions, classes) logits: a view when the class axis is last, else a transposed copy."""
        if self.inner == 1:
            return x.reshape(self.n, self.classes)
        return self.xp.ascontiguousarray(
            x.reshape(self.outer, self.classes, self.inner).transpose(0, 2, 1)).reshape(self.n, self.classes)

    def forward(self, bottom, top):
        xp = self.xp
        labels = _int_labels(bottom[1].data.reshape(self.n))
        # the kernel's loss is the mean over the positions it did not ignore; rescale to Caffe's normalizer
        valid = self.n if self.ignore is None else int((labels != self.ignore).sum())
        self.scale = valid / _normalizer(self.mode, self.outer, self.inner, valid)
        if valid == 0:
            self.saved = None
            top[0].set_data(xp.zeros((), self.dtype))
        else:
            loss, self.saved = K.softmax_cross_entropy.forward(xp, self._rows(bottom[0].data), labels,
                                                               ignore_index=self.ignore)
            if self.scale != 1:
                loss, self.saved_scale = K.mul.forward(xp, loss, self.scale)
            top[0].set_data(xp.asarray(loss, dtype=self.dtype))
        if len(top) > 1:
            prob, _ = K.softmax.forward(xp, bottom[0].data, axis=self.axis)
            top[1].set_data(prob)

    def backward(self, top, propagate_down, bottom):
        if propagate_down[1]:
            raise self.error("Layer cannot backpropagate to label inputs.")
        if not propagate_down[0]:
            return
        if self.saved is None:
            bottom[0].set_diff(self.xp.zeros(bottom[0].shape, self.dtype))
            return
        g = top[0].diff
        if self.scale != 1:
            g = K.mul.backward(self.xp, self.saved_scale, g, needs=(True, False))[0]
        g, _ = K.softmax_cross_entropy.backward(self.xp, self.saved, g, ignore_index=self.ignore)
        if self.inner != 1:
            g = self.xp.ascontiguousarray(g.reshape(self.outer, self.inner, self.classes).transpose(0, 2, 1))
        bottom[0].set_diff(g.reshape(bottom[0].shape))


@register_layer("SigmoidCrossEntropyLoss")
class SigmoidCrossEntropyLossLayer(_LossLayer):
    """sum over elements of the sigmoid cross-entropy of logits x and targets z in [0, 1] (the shared
    never-overflowing kernel), positions whose target is ignore_label left out, divided by the
    normalizer (VALID by default: the non-ignored count; BATCH_SIZE: the first axis)."""
    exact_num_top_blobs = 1

    def reshape(self, bottom, top):
        if bottom[0].count != bottom[1].count:
            raise self.error(f"SIGMOID_CROSS_ENTROPY_LOSS layer inputs must have the same count: "
                             f"{bottom[0].shape} and {bottom[1].shape}")
        top[0].reshape()

    def forward(self, bottom, top):
        xp = self.xp
        z = bottom[1].data.reshape(bottom[0].shape).astype(self.dtype, copy=False)
        per, self.saved = K.sigmoid_cross_entropy_with_logits.forward(xp, bottom[0].data, z)
        self.mask = None
        valid = bottom[0].count
        if self.ignore is not None:
            self.mask = (z != self.ignore).astype(self.dtype)
            valid = int(self.mask.sum())
            per, self.saved_mask = K.mul.forward(xp, per, self.mask)
        total, self.saved_sum = K.sum.forward(xp, per)
        self.scale = 1.0 / _normalizer(self.mode, bottom[0].num, bottom[0].count // max(1, bottom[0].num),
                                       valid)
        loss, self.saved_scale = K.mul.forward(xp, total, self.scale)
        top[0].set_data(xp.asarray(loss, dtype=self.dtype))

    def backward(self, top, propagate_down, bottom):
        if propagate_down[1]:
            raise self.error("SigmoidCrossEntropyLoss Layer cannot backpropagate to label inputs.")
        if not propagate_down[0]:
            return
        xp = self.xp
        g = K.mul.backward(xp, self.saved_scale, top[0].diff, needs=(True, False))[0]
        (g,) = K.sum.backward(xp, self.saved_sum, g)
        if self.mask is not None:
            g = K.mul.backward(xp, self.saved_mask, g, needs=(True, False))[0]
        g = K.sigmoid_cross_entropy_with_logits.backward(xp, self.saved, g, needs=(True, False))[0]
        bottom[0].set_diff(g)


@register_layer("EuclideanLoss")
class EuclideanLossLayer(Layer):
    """loss = sum((a - b)^2) / (2N), N = the first axis: Caffe's scaling (set loss_weight to rescale)."""
    exact_num_bottom_blobs = 2
    exact_num_top_blobs = 1
    default_loss_weight = 1.0

    def reshape(self, bottom, top):
        if bottom[0].count != bottom[1].count:
            raise self.error(f"shape mismatch: bottoms {list(self.layer_param.bottom)} have shapes "
                             f"{bottom[0].shape} and {bottom[1].shape}")
        self.scale = 1.0 / (2 * bottom[0].num)
        top[0].reshape()

    def forward(self, bottom, top):
        xp = self.xp
        b = bottom[1].data.reshape(bottom[0].shape)
        d, self.saved_d = K.sub.forward(xp, bottom[0].data, b)
        sq, self.saved_sq = K.square.forward(xp, d)
        s, self.saved_s = K.sum.forward(xp, sq)
        top[0].set_data(xp.asarray(s * self.scale))

    def backward(self, top, propagate_down, bottom):
        xp = self.xp
        (g,) = K.sum.backward(xp, self.saved_s, top[0].diff * self.scale)
        (g,) = K.square.backward(xp, self.saved_sq, g)
        ga, gb = K.sub.backward(xp, self.saved_d, g, needs=tuple(propagate_down))
        if propagate_down[0]:
            bottom[0].set_diff(ga)
        if propagate_down[1]:
            bottom[1].set_diff(gb.reshape(bottom[1].shape))


@register_layer("ContrastiveLoss")
class ContrastiveLossLayer(Layer):
    """Hadsell et al.'s loss on feature pairs a, b (N, C) and a similarity label y (N,; nonzero = similar):
    loss = sum(y d^2 + (1 - y) max(margin - d, 0)^2) / 2N, d = ||a - b|| (legacy_version: max(margin - d^2,
    0) instead). The gradient is Caffe's own, which divides by d + 1e-4 for dissimilar pairs (the siamese
    example's loss)."""
    exact_num_bottom_blobs = 3
    exact_num_top_blobs = 1
    default_loss_weight = 1.0
    data_bottoms = (2,)

    def layer_setup(self, bottom, top):
        p = self.layer_param.contrastive_loss_param
        self.margin, self.legacy = float(numpy.float32(p.margin)), p.legacy_version

    def reshape(self, bottom, top):
        a, b, y = bottom[0].shape, bottom[1].shape, bottom[2].shape
        if len(a) < 2 or a != b or prod(a[2:]) != 1 or prod(y) != a[0]:
            raise self.error(f"bottoms {list(self.layer_param.bottom)} must be two (N, C, 1, 1) features and "
                             f"N labels, got shapes {a}, {b} and {y}")
        top[0].reshape()

    def forward(self, bottom, top):
        xp, n = self.xp, bottom[0].num
        a, b = bottom[0].data.reshape(n, -1), bottom[1].data.reshape(n, -1)
        self.diff, _ = K.sub.forward(xp, a, b)
        sq, _ = K.square.forward(xp, self.diff)
        self.dist_sq, _ = K.sum.forward(xp, sq, axis=1)
        self.similar = bottom[2].data.reshape(n).astype(numpy.int64) != 0
        if self.legacy:
            self.mdist = xp.maximum(self.margin - self.dist_sq, 0)
            dissimilar = self.mdist
        else:
            self.dist = xp.sqrt(self.dist_sq)
            self.mdist = xp.maximum(self.margin - self.dist, 0)
            dissimilar = self.mdist * self.mdist
        loss = xp.where(self.similar, self.dist_sq, dissimilar).sum() / (2 * n)
        top[0].set_data(xp.asarray(loss, dtype=bottom[0].data.dtype))

    def backward(self, top, propagate_down, bottom):
        xp, n = self.xp, bottom[0].num
        if self.legacy:
            dis = xp.where(self.mdist > 0, -1.0, 0.0)
        else:
            dis = xp.where(self.mdist > 0, -self.mdist / (self.dist + 1e-4), 0.0)
        coeff = xp.where(self.similar, 1.0, dis).astype(self.diff.dtype) * (top[0].diff / n)
        grad, _ = K.mul.forward(xp, self.diff, coeff[:, None])
        if propagate_down[0]:
            bottom[0].set_diff(grad.reshape(bottom[0].shape))
        if propagate_down[1]:
            neg, _ = K.neg.forward(xp, grad)
            bottom[1].set_diff(neg.reshape(bottom[1].shape))


@register_layer("Accuracy")
class AccuracyLayer(Layer):
    """The fraction of (non-ignored) positions whose label is among the top_k scores along `axis` (1 by
    default); ties with the label's score count against it, as in Caffe. No gradient."""
    data_bottoms = (0, 1)
    exact_num_bottom_blobs = 2
    exact_num_top_blobs = 1

    def layer_setup(self, bottom, top):
        p = self.layer_param.accuracy_param
        self.top_k = self.positive(p.top_k, "accuracy_param.top_k")
        self.ignore = p.ignore_label if p.HasField("ignore_label") else None

    def reshape(self, bottom, top):
        shape = bottom[0].shape
        self.axis = axis_index(self.layer_param.accuracy_param.axis, len(shape))
        self.outer, self.classes = prod(shape[:self.axis]), shape[self.axis]
        self.inner = prod(shape[self.axis + 1:])
        if self.top_k > self.classes:
            raise self.error(f"top_k {self.top_k} must be at most the number of classes {self.classes}")
        if bottom[1].count != self.outer * self.inner:
            raise self.error(f"shape mismatch: scores {shape} (class axis {self.axis}) and labels "
                             f"{bottom[1].shape}: the label count must be {self.outer * self.inner}")
        top[0].reshape()

    def forward(self, bottom, top):
        xp = self.xp
        scores = bottom[0].data.reshape(self.outer, self.classes, self.inner)
        labels = _int_labels(bottom[1].data.reshape(self.outer, 1, self.inner))
        valid = xp.ones(labels.shape, bool) if self.ignore is None else labels != self.ignore
        safe = xp.where(valid, labels, 0)
        if xp.any((safe < 0) | (safe >= self.classes)):
            raise self.error(f"a label is outside [0, {self.classes})")
        true = xp.take_along_axis(scores, safe, axis=1)
        better = (scores >= true).sum(axis=1, keepdims=True) - 1   # the label itself counts once
        correct = ((better < self.top_k) & valid).sum()
        count = int(valid.sum())
        top[0].data[...] = float(correct) / count if count else 0.0
