"""Vision layers: Convolution, Deconvolution, Pooling and LRN (NCHW)."""
from frameworks import kernels as K

from ..layer import Layer, ParamLayer, infer, register_layer
from ..proto import caffe_pb2
from .neuron import _f32

def _spatial(layer, p, name, default=None):
    """kernel / pad / stride of a ConvolutionParameter or PoolingParameter as (h, w): the *_h/*_w pair if
    set, else the (repeated in Convolution) single field, else `default` (None: required)."""
    if p.HasField(f"{name}_h") or p.HasField(f"{name}_w"):
        return getattr(p, f"{name}_h"), getattr(p, f"{name}_w")
    field = "kernel_size" if name == "kernel" else name
    v = getattr(p, field)
    if isinstance(v, int):   # PoolingParameter: optional scalar
        if p.HasField(field):
            return v, v
        v = []
    v = list(v)
    if not v:
        if default is None:
            raise layer.error(f"{field} (or {name}_h and {name}_w) is required")
        return default, default
    return (v[0], v[0]) if len(v) == 1 else (v[0], v[1])


def _conv_geometry(layer, p, bottom):
    """(kernel, pad, stride, num_output, bottom channels) of a ConvolutionParameter, checked."""
    if p.group != 1 or any(d != 1 for d in p.dilation) or p.axis != 1:
        raise layer.error("only group 1, dilation 1 and axis 1 are supported")
    if len(bottom[0].shape) != 4:
        raise layer.error(f"needs an NCHW bottom, got shape {bottom[0].shape}")
    kernel = _spatial(layer, p, "kernel")
    layer.positive(min(kernel), "kernel_size")
    pad, stride = _spatial(layer, p, "pad", 0), _spatial(layer, p, "stride", 1)
    layer.positive(min(stride), "stride")
    return kernel, pad, stride, layer.positive(p.num_output, "convolution_param.num_output"), bottom[0].shape[1]


@register_layer("Convolution")
class ConvolutionLayer(ParamLayer):
    """2-D convolution, NCHW, weight (num_output, C, kh, kw), via the im2col + GEMM kernel."""
    exact_num_bottom_blobs = 1
    exact_num_top_blobs = 1
    kernel = K.conv2d

    def layer_setup(self, bottom, top):
        p = self.layer_param.convolution_param
        (kh, kw), pad, stride, n, c = _conv_geometry(self, p, bottom)
        self.attrs = {"stride": stride, "pad": pad}
        # Caffe's fillers read fan_in = count / shape[0] and fan_out = count / shape[1]
        shape = self._weight_shape(n, c, kh, kw)
        fan_in, fan_out = c * n * kh * kw // shape[0], c * n * kh * kw // shape[1]
        self.add_param(shape, p.weight_filler, fan_in, fan_out)
        self.bias_term = p.bias_term
        if p.bias_term:
            self.add_param((n,), p.bias_filler, fan_in, fan_out)

    @staticmethod
    def _weight_shape(n, c, kh, kw):
        return (n, c, kh, kw)

    def reshape(self, bottom, top):
        shapes = [b.shape for b in self.blobs]
        top[0].reshape(*infer(self, self.kernel, bottom[0].shape, *shapes, **self.attrs))

    def forward(self, bottom, top):
        b = self.blobs[1].data if self.bias_term else None
        y, self.saved = self.kernel.forward(self.xp, bottom[0].data, self.blobs[0].data, b, **self.attrs)
        top[0].set_data(y)

    def backward(self, top, propagate_down, bottom):
        needs = (propagate_down[0], True, True)[:2 + self.bias_term]
        grads = self.kernel.backward(self.xp, self.saved, top[0].diff, needs=needs, **self.attrs)
        for i, g in enumerate(grads[1:]):
            self.param_diff(i, g)
        if propagate_down[0]:
            bottom[0].set_diff(grads[0])


@register_layer("Pooling")
class PoolingLayer(Layer):
    """MAX or AVE pooling with pad and Caffe's round-up output size (round_mode CEIL, the default; FLOOR as
    newer Caffe offers); AVE divides by the window clipped to the padded bound, as Caffe does.
    global_pooling pools each channel's whole H x W (kernel = the bottom's size, pad 0, stride 1)."""
    exact_num_bottom_blobs = 1
    exact_num_top_blobs = 1
    KERNELS = {caffe_pb2.PoolingParameter.MAX: K.max_pool2d, caffe_pb2.PoolingParameter.AVE: K.avg_pool2d}

    def layer_setup(self, bottom, top):
        p = self.layer_param.pooling_param
        if p.pool not in self.KERNELS:
            raise self.error(f"pool {caffe_pb2.PoolingParameter.PoolMethod.Name(p.pool)} is not supported "
                             "(MAX, AVE)")
        if len(bottom[0].shape) != 4:
            raise self.error(f"needs an NCHW bottom, got shape {bottom[0].shape}")
        self.kernel = self.KERNELS[p.pool]
        self.is_global = p.global_pooling
        if self.is_global:
            if p.HasField("kernel_size") or p.HasField("kernel_h") or p.HasField("kernel_w"):
                raise self.error("with global_pooling the kernel size is the bottom's: do not set kernel_size")
            self.pad, self.stride = _spatial(self, p, "pad", 0), _spatial(self, p, "stride", 1)
            if self.pad != (0, 0) or self.stride != (1, 1):
                raise self.error("with global_pooling, pad must be 0 and stride 1")
        else:
            self.kernel_size = _spatial(self, p, "kernel")
            self.positive(min(self.kernel_size), "kernel_size")
            self.pad = _spatial(self, p, "pad", 0)
            self.stride = _spatial(self, p, "stride", 1)
            self.positive(min(self.stride), "stride")
            if self.pad[0] >= self.kernel_size[0] or self.pad[1] >= self.kernel_size[1]:
                raise self.error(f"pad {self.pad} must be smaller than the kernel {self.kernel_size}")
        self.ceil = p.round_mode == caffe_pb2.PoolingParameter.CEIL

    def attrs(self):
        a = dict(kernel=self.kernel_size, stride=self.stride, pad=self.pad, ceil_mode=self.ceil)
        if self.kernel is K.avg_pool2d:
            a["count_include_pad"] = True
        return a

    def reshape(self, bottom, top):
        if self.is_global:
            self.kernel_size = tuple(bottom[0].shape[2:4])
        top[0].reshape(*infer(self, self.kernel, bottom[0].shape, **self.attrs()))

    def _op(self):
        """(kernel, attrs): global AVE pooling is one mean over each channel's plane (the window sum over
        H x W divided by H * W, Caffe's formula), the global_avg_pool2d kernel; anything else the window
        kernel."""
        if self.is_global and self.kernel is K.avg_pool2d:
            return K.global_avg_pool2d, dict(keepdims=True)
        return self.kernel, self.attrs()

    def forward(self, bottom, top):
        kernel, attrs = self._op()
        y, self.saved = kernel.forward(self.xp, bottom[0].data, **attrs)
        top[0].set_data(y)

    def backward(self, top, propagate_down, bottom):
        if propagate_down[0]:
            kernel, attrs = self._op()
            bottom[0].set_diff(kernel.backward(self.xp, self.saved, top[0].diff, **attrs)[0])


@register_layer("Deconvolution")
class DeconvolutionLayer(ConvolutionLayer):
    """Transposed convolution (convolution_param), weight (C, num_output, kh, kw) as Caffe lays it out;
    top H = stride * (H - 1) + kernel - 2 * pad, via the shared conv_transpose2d kernel."""
    kernel = K.conv_transpose2d

    @staticmethod
    def _weight_shape(n, c, kh, kw):
        return (c, n, kh, kw)


@register_layer("LRN")
class LRNLayer(Layer):
    """Local response normalisation. ACROSS_CHANNELS: the shared lrn kernel (Caffe's formula:
    x * (k + alpha / local_size * sum of x^2 over local_size channels)^-beta). WITHIN_CHANNEL: composed as
    Caffe's LRNLayer composes it: square, AVE pooling local_size x local_size (pad (local_size - 1) / 2,
    stride 1), (1 + alpha * pooled)^-beta (a Power layer: k is not used), times x."""
    exact_num_bottom_blobs = 1
    exact_num_top_blobs = 1

    def layer_setup(self, bottom, top):
        p = self.layer_param.lrn_param
        self.size = p.local_size
        if self.size % 2 == 0:
            raise self.error(f"LRN only supports odd values for local_size, got {self.size}")
        if len(bottom[0].shape) != 4:
            raise self.error(f"input must have 4 axes, corresponding to (num, channels, height, width), "
                             f"got shape {bottom[0].shape}")
        self.alpha, self.beta, self.k = _f32(p.alpha), _f32(p.beta), _f32(p.k)
        self.across = p.norm_region == caffe_pb2.LRNParameter.ACROSS_CHANNELS
        self.attrs = {"size": self.size, "alpha": self.alpha, "beta": self.beta, "k": self.k}
        pre = (self.size - 1) // 2
        self.pool = {"kernel": self.size, "stride": 1, "pad": pre, "ceil_mode": True, "count_include_pad": True}

    def reshape(self, bottom, top):
        top[0].reshape(*bottom[0].shape)

    def forward(self, bottom, top):
        xp, x = self.xp, bottom[0].data
        if self.across:
            y, self.saved = K.lrn.forward(xp, x, **self.attrs)
        else:
            sq, s_sq = K.square.forward(xp, x)
            pooled, s_pool = K.avg_pool2d.forward(xp, sq, **self.pool)
            z, s_mul = K.mul.forward(xp, pooled, self.alpha)
            z, s_add = K.add.forward(xp, z, 1.0)
            scale, s_pow = K.pow.forward(xp, z, exponent=-self.beta)
            y, s_prod = K.mul.forward(xp, x, scale)
            self.saved = (s_sq, s_pool, s_mul, s_add, s_pow, s_prod)
        top[0].set_data(y)

    def backward(self, top, propagate_down, bottom):
        if not propagate_down[0]:
            return
        xp, gy = self.xp, top[0].diff
        if self.across:
            (gx,) = K.lrn.backward(xp, self.saved, gy, **self.attrs)
        else:
            s_sq, s_pool, s_mul, s_add, s_pow, s_prod = self.saved
            gx, gscale = K.mul.backward(xp, s_prod, gy)
            (g,) = K.pow.backward(xp, s_pow, gscale, exponent=-self.beta)
            g = K.add.backward(xp, s_add, g, needs=(True, False))[0]
            g = K.mul.backward(xp, s_mul, g, needs=(True, False))[0]
            (g,) = K.avg_pool2d.backward(xp, s_pool, g, **self.pool)
            (g,) = K.square.backward(xp, s_sq, g)
            gx = gx + g
        bottom[0].set_diff(gx)
