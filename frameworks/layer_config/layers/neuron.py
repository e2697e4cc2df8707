"""Neuron layers: one bottom, one top of the same shape (ReLU, Sigmoid, TanH, Clip, Log, Power)."""
import numpy

from frameworks import kernels as K

from ..layer import Layer, register_layer

class _NeuronLayer(Layer):
    """One bottom, one top of the same shape; in place when bottom == top (kernel backward uses y only)."""
    exact_num_bottom_blobs = 1
    exact_num_top_blobs = 1
    kernel = None

    def kernel_attrs(self):
        return {}

    def reshape(self, bottom, top):
        if top[0] is not bottom[0]:
            top[0].reshape(*bottom[0].shape)

    def forward(self, bottom, top):
        _, self.saved = self.kernel.forward(self.xp, bottom[0].data, out=top[0].data, **self.kernel_attrs())

    def backward(self, top, propagate_down, bottom):
        if propagate_down[0]:
            (gx,) = self.kernel.backward(self.xp, self.saved, top[0].diff, **self.kernel_attrs())
            bottom[0].set_diff(gx)


@register_layer("ReLU")
class ReLULayer(_NeuronLayer):
    kernel = K.relu

    def layer_setup(self, bottom, top):
        if self.layer_param.relu_param.negative_slope != 0:
            raise self.error("negative_slope != 0 (leaky ReLU) is not supported")


@register_layer("Sigmoid")
class SigmoidLayer(_NeuronLayer):
    kernel = K.sigmoid


@register_layer("TanH")
class TanHLayer(_NeuronLayer):
    kernel = K.tanh


@register_layer("Clip")
class ClipLayer(_NeuronLayer):
    """y = min(max(x, min), max); the gradient is zero outside [min, max]."""
    kernel = K.clip

    def layer_setup(self, bottom, top):
        p = self.layer_param.clip_param
        if p.min > p.max:
            raise self.error(f"clip_param min {p.min} is above max {p.max}")
        # the bounds as the decimals the prototxt wrote (float32 fields read back exactly)
        self.lo, self.hi = float(str(numpy.float32(p.min))), float(str(numpy.float32(p.max)))

    def kernel_attrs(self):
        return dict(lo=self.lo, hi=self.hi)


def _affine_ok(layer, p, what):
    if p.scale != 1 or p.shift != 0:
        raise layer.error(f"{what} scale/shift other than 1/0 is not supported")


@register_layer("Log")
class LogLayer(_NeuronLayer):
    """y = ln(x) (log_param base -1, scale 1, shift 0; other values raise)."""
    kernel = K.log

    def layer_setup(self, bottom, top):
        p = self.layer_param.log_param
        _affine_ok(self, p, "log_param")
        if p.base != -1:
            raise self.error("log_param base other than e (-1) is not supported")
        if top[0] is bottom[0]:
            raise self.error("Log cannot run in place: its backward needs the input")


@register_layer("Power")
class PowerLayer(_NeuronLayer):
    """y = x ^ power (power_param scale 1, shift 0; other values raise)."""
    kernel = K.pow

    def layer_setup(self, bottom, top):
        p = self.layer_param.power_param
        _affine_ok(self, p, "power_param")
        self.power = float(str(numpy.float32(p.power)))
        if top[0] is bottom[0]:
            raise self.error("Power cannot run in place: its backward needs the input")

    def kernel_attrs(self):
        return dict(exponent=self.power)


