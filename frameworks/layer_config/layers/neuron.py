"""Neuron layers: one bottom, one top of the same shape (ReLU, PReLU, ELU, Sigmoid, TanH, AbsVal, BNLL, Clip,
Log, Exp, Power, Dropout)."""
import numpy

from frameworks import kernels as K

from ..layer import Layer, ParamLayer, register_layer
from ..proto import caffe_pb2

class _NeuronLayer(Layer):
    """One bottom, one top of the same shape. In place (bottom == top) the kernel writes over its input
    when its backward reads only the output (`backward_reads_input` False); otherwise its result becomes
    the blob's storage and the input array lives on in the kernel's saved state (Caffe copies it)."""
    exact_num_bottom_blobs = 1
    exact_num_top_blobs = 1
    kernel = None
    backward_reads_input = True

    def kernel_attrs(self):
        return {}

    def reshape(self, bottom, top):
        if top[0] is not bottom[0]:
            top[0].reshape(*bottom[0].shape)

    def forward(self, bottom, top):
        if (top[0] is bottom[0] and self.backward_reads_input) or not self.kernel.accepts_out:
            y, self.saved = self.kernel.forward(self.xp, bottom[0].data, **self.kernel_attrs())
            top[0].set_data(y)
        else:
            _, self.saved = self.kernel.forward(self.xp, bottom[0].data, out=top[0].data, **self.kernel_attrs())

    def backward(self, top, propagate_down, bottom):
        if propagate_down[0]:
            (gx,) = self.kernel.backward(self.xp, self.saved, top[0].diff, **self.kernel_attrs())
            bottom[0].set_diff(gx)


def _f32(value):
    """A float32 proto field as the decimal the prototxt wrote."""
    return float(str(numpy.float32(value)))


@register_layer("ReLU")
class ReLULayer(_NeuronLayer):
    """max(x, 0), or Caffe's leaky form x * negative_slope below 0."""
    kernel = K.relu
    backward_reads_input = False

    def layer_setup(self, bottom, top):
        self.slope = _f32(self.layer_param.relu_param.negative_slope)
        if self.slope:
            self.kernel, self.backward_reads_input = K.leaky_relu, True

    def kernel_attrs(self):
        return dict(negative_slope=self.slope) if self.slope else {}


@register_layer("ELU")
class ELULayer(_NeuronLayer):
    """x above 0, alpha * (exp(x) - 1) below (elu_param.alpha, default 1)."""
    kernel = K.elu

    def layer_setup(self, bottom, top):
        self.alpha = _f32(self.layer_param.elu_param.alpha)

    def kernel_attrs(self):
        return dict(alpha=self.alpha)


@register_layer("BNLL")
class BNLLLayer(_NeuronLayer):
    """The binomial normal log likelihood, log(1 + exp(x)): the softplus kernel (stable for large |x|)."""
    kernel = K.softplus


@register_layer("PReLU")
class PReLULayer(ParamLayer):
    """y = max(x, 0) + a * min(x, 0) with a learned slope a per channel (axis 1), or one shared by all
    (prelu_param channel_shared); a is filled by prelu_param.filler, constant 0.25 when none is given."""
    exact_num_bottom_blobs = 1
    exact_num_top_blobs = 1

    def layer_setup(self, bottom, top):
        p = self.layer_param.prelu_param
        shape = bottom[0].shape
        if len(shape) < 2 and not p.channel_shared:
            raise self.error(f"bottom {shape} has no channel axis; set prelu_param channel_shared: true")
        filler = p.filler if p.HasField("filler") else caffe_pb2.FillerParameter(type="constant", value=0.25)
        channels = 1 if p.channel_shared else shape[1]
        self.add_param((channels,), filler, channels, channels)

    def reshape(self, bottom, top):
        shape = bottom[0].shape
        c = self.blobs[0].shape[0]
        if c != 1 and (len(shape) < 2 or shape[1] != c):
            raise self.error(f"bottom {shape} has not the {c} channels the slopes were made for")
        self.slope_shape = (1, c) + (1,) * (len(shape) - 2) if c != 1 else (1,) * len(shape)
        if top[0] is not bottom[0]:
            top[0].reshape(*shape)

    def forward(self, bottom, top):
        xp, x = self.xp, bottom[0].data
        pos, self.saved_relu = K.relu.forward(xp, x)
        neg, self.saved_sub = K.sub.forward(xp, x, pos)
        scaled, self.saved_mul = K.mul.forward(xp, neg, self.blobs[0].data.reshape(self.slope_shape))
        y, _ = K.add.forward(xp, pos, scaled)
        top[0].set_data(y)   # a new array: in place (Caffe's usual form) keeps x in the saved state

    def backward(self, top, propagate_down, bottom):
        xp, gy = self.xp, top[0].diff
        g_neg, g_slope = K.mul.backward(xp, self.saved_mul, gy, needs=(propagate_down[0], True))
        self.param_diff(0, g_slope.reshape(self.blobs[0].shape))
        if propagate_down[0]:
            g_x, g_pos = K.sub.backward(xp, self.saved_sub, g_neg)
            g_pos, _ = K.add.forward(xp, g_pos, gy)
            (g_relu,) = K.relu.backward(xp, self.saved_relu, g_pos)
            gx, _ = K.add.forward(xp, g_x, g_relu)
            bottom[0].set_diff(gx)


@register_layer("Sigmoid")
class SigmoidLayer(_NeuronLayer):
    kernel = K.sigmoid
    backward_reads_input = False


@register_layer("TanH")
class TanHLayer(_NeuronLayer):
    kernel = K.tanh
    backward_reads_input = False


@register_layer("AbsVal")
class AbsValLayer(_NeuronLayer):
    """|x|; the gradient is sign(x)."""
    kernel = K.abs


@register_layer("Clip")
class ClipLayer(_NeuronLayer):
    """y = min(max(x, min), max); the gradient is zero outside [min, max]."""
    kernel = K.clip

    def layer_setup(self, bottom, top):
        p = self.layer_param.clip_param
        if p.min > p.max:
            raise self.error(f"clip_param min {p.min} is above max {p.max}")
        self.lo, self.hi = _f32(p.min), _f32(p.max)

    def kernel_attrs(self):
        return dict(lo=self.lo, hi=self.hi)


class _AffineThen(_NeuronLayer):
    """y = f(shift + scale * x): Caffe's Log and Power. The affine part runs only where it is not the
    identity (scale 1, shift 0), through the mul and add kernels."""
    kernel = None

    def affine(self, p):
        self.scale, self.shift = _f32(p.scale), _f32(p.shift)

    def forward(self, bottom, top):
        xp, z = self.xp, bottom[0].data
        self.saved_affine = []
        if self.scale != 1:
            z, s = K.mul.forward(xp, z, self.scale)
            self.saved_affine.append((K.mul, s))
        if self.shift != 0:
            z, s = K.add.forward(xp, z, self.shift)
            self.saved_affine.append((K.add, s))
        y, self.saved = self.kernel.forward(xp, z, **self.kernel_attrs())
        top[0].set_data(y)

    def backward(self, top, propagate_down, bottom):
        if not propagate_down[0]:
            return
        (g,) = self.kernel.backward(self.xp, self.saved, top[0].diff, **self.kernel_attrs())
        for kernel, s in reversed(self.saved_affine):
            g = kernel.backward(self.xp, s, g, needs=(True, False))[0]
        bottom[0].set_diff(g)


@register_layer("Log")
class LogLayer(_AffineThen):
    """y = log_base(shift + scale * x) (log_param; base -1 is e)."""
    kernel = K.log

    def layer_setup(self, bottom, top):
        p = self.layer_param.log_param
        self.affine(p)
        base = _f32(p.base)
        if base != -1 and base <= 0:
            raise self.error(f"log_param base must be > 0 (or -1 for e), got {base}")
        self.base_scale = 1.0 if base == -1 else 1.0 / float(numpy.log(base))

    def forward(self, bottom, top):
        super().forward(bottom, top)
        if self.base_scale != 1:
            y, self.saved_base = K.mul.forward(self.xp, top[0].data, self.base_scale)
            top[0].set_data(y)

    def backward(self, top, propagate_down, bottom):
        if self.base_scale != 1 and propagate_down[0]:
            g = K.mul.backward(self.xp, self.saved_base, top[0].diff, needs=(True, False))[0]
            (g,) = self.kernel.backward(self.xp, self.saved, g)
            for kernel, s in reversed(self.saved_affine):
                g = kernel.backward(self.xp, s, g, needs=(True, False))[0]
            bottom[0].set_diff(g)
            return
        super().backward(top, propagate_down, bottom)


@register_layer("Exp")
class ExpLayer(_AffineThen):
    """y = base ^ (shift + scale * x) (exp_param; base -1 is e): exp of the affine part scaled by ln(base)."""
    kernel = K.exp

    def layer_setup(self, bottom, top):
        p = self.layer_param.exp_param
        base = _f32(p.base)
        if base != -1 and base <= 0:
            raise self.error(f"exp_param base must be > 0 (or -1 for e), got {base}")
        ln = 1.0 if base == -1 else float(numpy.log(base))
        self.scale, self.shift = _f32(p.scale) * ln, _f32(p.shift) * ln


@register_layer("Power")
class PowerLayer(_AffineThen):
    """y = (shift + scale * x) ^ power (power_param)."""
    kernel = K.pow

    def layer_setup(self, bottom, top):
        p = self.layer_param.power_param
        self.affine(p)
        self.power = _f32(p.power)

    def kernel_attrs(self):
        return dict(exponent=self.power)


@register_layer("Dropout")
class DropoutLayer(_NeuronLayer):
    """TRAIN: y = x * mask / (1 - dropout_ratio), the mask from the net's counter-based stream (the
    shared dropout kernel); TEST: y = x. In place is the usual Caffe form and costs nothing extra."""
    kernel = K.dropout
    backward_reads_input = False

    def layer_setup(self, bottom, top):
        self.ratio = _f32(self.layer_param.dropout_param.dropout_ratio)
        if not 0 <= self.ratio < 1:
            raise self.error(f"dropout_ratio must be in [0, 1), got {self.ratio}")
        self.training = self.phase == caffe_pb2.TRAIN
        self.counter = 0

    def kernel_attrs(self):
        return dict(p=self.ratio, seed=self.stream.seed_value, counter=self.counter, training=self.training)

    def forward(self, bottom, top):
        if self.training:
            self.counter = self.stream.next_counter()
        super().forward(bottom, top)
