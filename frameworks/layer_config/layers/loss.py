"""Loss layers and metrics: SoftmaxWithLoss, EuclideanLoss, Accuracy."""
import numpy

from frameworks import kernels as K

from ..layer import Layer, axis_index, infer, prod, register_layer
from ..proto import caffe_pb2

# ---------------------------------------------------------------- losses and metrics

@register_layer("SoftmaxWithLoss")
class SoftmaxWithLossLayer(Layer):
    """Mean softmax cross-entropy over every position (normalization VALID, no ignore_label).

    The class axis (softmax_param.axis) must be the last one, so logits fold into (positions, classes)
    without a copy; labels may be float (as in Caffe) or integer blobs.
    """
    data_bottoms = (1,)
    exact_num_bottom_blobs = 2
    exact_num_top_blobs = 1
    default_loss_weight = 1.0

    def layer_setup(self, bottom, top):
        lp = self.layer_param.loss_param
        if lp.HasField("ignore_label"):
            raise self.error("loss_param.ignore_label is not supported")
        if lp.normalization not in (caffe_pb2.LossParameter.VALID, caffe_pb2.LossParameter.FULL):
            raise self.error("only normalization VALID / FULL (a mean over positions) is supported")

    def reshape(self, bottom, top):
        shape = bottom[0].shape
        axis = axis_index(self.layer_param.softmax_param.axis, len(shape))
        if axis != len(shape) - 1:
            raise self.error(f"the class axis {axis} must be the last axis of the logits {shape}")
        self.n = prod(shape[:axis])
        if bottom[1].count != self.n:
            raise self.error(f"shape mismatch: logits {shape} give {self.n} positions but the label blob "
                             f"{self.layer_param.bottom[1]!r} has shape {bottom[1].shape}")
        infer(self, K.softmax_cross_entropy, (self.n, shape[-1]), (self.n,))
        top[0].reshape()

    def forward(self, bottom, top):
        labels = bottom[1].data.reshape(self.n)
        if labels.dtype.kind != "i":
            labels = labels.astype(numpy.int64)
        loss, self.saved = K.softmax_cross_entropy.forward(
            self.xp, bottom[0].data.reshape(self.n, -1), labels)
        top[0].set_data(self.xp.asarray(loss))

    def backward(self, top, propagate_down, bottom):
        if propagate_down[1]:
            raise self.error("cannot back-propagate to the labels (set propagate_down: false)")
        if propagate_down[0]:
            g, _ = K.softmax_cross_entropy.backward(self.xp, self.saved, top[0].diff)
            bottom[0].set_diff(g.reshape(bottom[0].shape))


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


@register_layer("Accuracy")
class AccuracyLayer(Layer):
    """Fraction of positions whose top-scoring class (top_k 1) is the label; no gradient."""
    data_bottoms = (0, 1)
    exact_num_bottom_blobs = 2
    exact_num_top_blobs = 1

    def reshape(self, bottom, top):
        if self.layer_param.accuracy_param.top_k != 1:
            raise self.error("only top_k 1 is supported")
        shape = bottom[0].shape
        self.axis = axis_index(self.layer_param.accuracy_param.axis, len(shape))
        if self.axis != len(shape) - 1 or bottom[1].count != prod(shape[:-1]):
            raise self.error(f"shape mismatch: scores {shape} (class axis last) and labels {bottom[1].shape}")
        top[0].reshape()

    def forward(self, bottom, top):
        xp = self.xp
        pred = xp.argmax(bottom[0].data, axis=self.axis).reshape(-1)
        labels = bottom[1].data.reshape(-1)
        top[0].set_data(xp.asarray((pred == labels).mean(), dtype=self.dtype))
