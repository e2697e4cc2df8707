"""The layer types: data, inner product, convolution, pooling, neurons, eltwise, shape, embed, LSTM, losses.

Each forward/backward is a call to the shared kernel for that computation; a layer only decides which
blob each kernel reads and writes. Kernels that accept `out=` write straight into the top blob's memory;
the others' fresh output becomes the top blob's storage (set_data), so no copy is ever made.
"""
import json

import numpy

from frameworks import kernels as K

from .blob import Blob
from .io import LayerConfigError
from .layer import Layer, fill, register_layer
from .proto import caffe_pb2


def _axis(axis, ndim):
    return axis + ndim if axis < 0 else axis


def _prod(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def _infer(layer, kernel, /, *shapes, **attrs):
    """kernel.infer, with a shape error re-raised naming the layer and every bottom shape."""
    try:
        return kernel.infer(*shapes, **attrs)
    except K.ShapeError as e:
        raise layer.error(f"shape mismatch: {e}") from None


def _shape_of(msg):
    return tuple(int(d) for d in msg.dim)


# ---------------------------------------------------------------- data

@register_layer("Input")
class InputLayer(Layer):
    """Tops whose data the caller writes (net.blobs[name].data[...] = x); shapes from input_param."""
    exact_num_bottom_blobs = 0
    min_top_blobs = 1

    def layer_setup(self, bottom, top):
        shapes = [_shape_of(s) for s in self.layer_param.input_param.shape]
        if len(shapes) not in (0, 1, len(top)):
            raise self.error(f"needs 0, 1 or {len(top)} shapes, got {len(shapes)}")
        for i, t in enumerate(top):
            if shapes:
                shape = shapes[0] if len(shapes) == 1 else shapes[i]
                if any(d <= 0 for d in shape):
                    raise self.error(f"top {self.layer_param.top[i]!r}: dimensions must be > 0, got {shape}")
                t.reshape(*shape)

    def reshape(self, bottom, top):
        pass   # the caller reshapes input blobs

    def forward(self, bottom, top):
        pass


@register_layer("DummyData")
class DummyDataLayer(Layer):
    """Tops filled once by dummy_data_param's fillers (constant 0 by default)."""
    exact_num_bottom_blobs = 0
    min_top_blobs = 1

    def layer_setup(self, bottom, top):
        p = self.layer_param.dummy_data_param
        shapes = [_shape_of(s) for s in p.shape]
        if not shapes and p.num:
            shapes = [(n, c, h, w) for n, c, h, w in zip(p.num, p.channels, p.height, p.width)]
        if len(shapes) not in (1, len(top)):
            raise self.error(f"needs 1 or {len(top)} shapes, got {len(shapes)}")
        fillers = list(p.data_filler)
        if len(fillers) not in (0, 1, len(top)):
            raise self.error(f"needs 0, 1 or {len(top)} data_filler, got {len(fillers)}")
        for i, t in enumerate(top):
            shape = shapes[0] if len(shapes) == 1 else shapes[i]
            if any(d <= 0 for d in shape):
                raise self.error(f"top {self.layer_param.top[i]!r}: dimensions must be > 0, got {shape}")
            filler = (fillers[0] if len(fillers) == 1 else fillers[i]) if fillers else None
            t.reshape(*shape)
            t.data[...] = self.xp.asarray(fill(filler, shape, self.rng, self.dtype))

    def reshape(self, bottom, top):
        pass

    def forward(self, bottom, top):
        pass


@register_layer("MemoryData")
class MemoryDataLayer(Layer):
    """Caffe's MemoryData generalised to any number of tops: arrays handed over with reset() (pycaffe's
    net.set_input_arrays) are served batch_size rows at a time, without a copy (Caffe's set_cpu_data).

    With memory_data_param batch_size/channels/height/width the first top is (batch, c, h, w) and the
    second (batch,) until data arrive; batch_size 0 (unset) serves each array whole. Unlike Caffe,
    labels keep their own dtype (integer ids stay integers).
    """
    exact_num_bottom_blobs = 0
    min_top_blobs = 1

    def layer_setup(self, bottom, top):
        p = self.layer_param.memory_data_param
        self.batch_size = p.batch_size
        if p.batch_size:
            shape = tuple(d for d in (p.batch_size, p.channels, p.height, p.width) if d)
            top[0].reshape(*shape)
            if len(top) > 1:
                top[1].reshape(p.batch_size)
        self.arrays, self.pos = None, 0

    def reset(self, *arrays):
        if len(arrays) != len(self.layer_param.top):
            raise self.error(f"reset() needs {len(self.layer_param.top)} arrays (one per top), "
                             f"got {len(arrays)}")
        n = len(arrays[0])
        if any(len(a) != n for a in arrays):
            raise self.error(f"arrays disagree on the number of rows: {[len(a) for a in arrays]}")
        if self.batch_size and n % self.batch_size:
            raise self.error(f"{n} rows is not a multiple of batch_size {self.batch_size}")
        self.arrays, self.pos = [self.xp.asarray(a) for a in arrays], 0

    def reshape(self, bottom, top):
        pass

    def forward(self, bottom, top):
        if self.arrays is None:
            raise self.error("no data: call net.set_input_arrays(...) (MemoryData.reset) before forward")
        n = len(self.arrays[0])
        size = self.batch_size or n
        for t, a in zip(top, self.arrays):
            t.set_data(a if size == n else a[self.pos:self.pos + size])
        self.pos = (self.pos + size) % n


@register_layer("Python")
class PythonLayer(Layer):
    """python_param { module layer param_str }: a Layer subclass from the user's own module."""

    def __new__(cls, layer_param, *args, **kwargs):
        import importlib
        p = layer_param.python_param
        try:
            module = importlib.import_module(p.module)
        except ImportError as e:
            raise LayerConfigError(f"layer {layer_param.name!r} (Python): cannot import module "
                                   f"{p.module!r}: {e}") from None
        user = getattr(module, p.layer, None)
        if not (isinstance(user, type) and issubclass(user, Layer)):
            raise LayerConfigError(f"layer {layer_param.name!r} (Python): {p.module}.{p.layer} is not a "
                                   f"frameworks.layer_config.Layer subclass")
        obj = Layer.__new__(user)
        obj.__init__(layer_param, *args, **kwargs)
        obj.param_str = p.param_str
        obj.type = "Python"
        return obj


class FeedLayer(Layer):
    """Base of a Python data layer: its tops come from a dict of arrays keyed by top name.

    Either the caller hands one over with feed(batch) before each forward (a training script), or
    next_batch(i) draws batch i (a command-line run): by default `source(i, **params)`, where `source` is
    a class attribute (a function) and params the JSON object in param_str. The arrays become the tops'
    storage without a copy (moved to the device on a GPU).
    """
    exact_num_bottom_blobs = 0
    min_top_blobs = 1
    source = None

    def layer_setup(self, bottom, top):
        self.params = json.loads(self.param_str) if self.param_str else {}
        self.iter, self._fed = 0, None
        self._set(top, self.next_batch(0))

    def next_batch(self, i):
        if self.source is None:
            raise self.error("no batch fed: call feed(batch) before forward, or give the layer a source")
        return type(self).source(i, **self.params)

    def feed(self, batch):
        self._fed = batch

    def _set(self, top, batch):
        for name, t in zip(self.layer_param.top, top):
            if name not in batch:
                raise self.error(f"batch has no array {name!r} (has {', '.join(batch)})")
            a = self.xp.asarray(batch[name])
            t.set_data(a.astype(self.dtype) if a.dtype.kind == "f" and a.dtype != self.dtype else a)

    def reshape(self, bottom, top):
        pass

    def forward(self, bottom, top):
        batch = self._fed if self._fed is not None else self.next_batch(self.iter)
        self._fed = None
        self.iter += 1
        self._set(top, batch)


# ---------------------------------------------------------------- learnable layers

class _ParamLayer(Layer):
    def add_param(self, shape, filler, fan_in, fan_out):
        if any(d <= 0 for d in shape):
            raise self.error(f"parameter shape {tuple(shape)} has a dimension <= 0")
        b = Blob(shape, self.xp, self.dtype, name=f"{self.name}/{len(self.blobs)}")
        b.data[...] = self.xp.asarray(fill(filler, shape, self.rng, self.dtype, fan_in, fan_out))
        self.blobs.append(b)
        return b


@register_layer("InnerProduct")
class InnerProductLayer(_ParamLayer):
    """y = x W^T + b over the axes from `axis` on; W is Caffe's (num_output, K), or (K, num_output) with
    `transpose`."""
    exact_num_bottom_blobs = 1
    exact_num_top_blobs = 1

    def layer_setup(self, bottom, top):
        p = self.layer_param.inner_product_param
        n = self.positive(p.num_output, "inner_product_param.num_output")
        self.axis = _axis(p.axis, len(bottom[0].shape))
        k = _prod(bottom[0].shape[self.axis:])
        self.positive(k, f"input size K (bottom shape {bottom[0].shape})")
        self.transpose_b = not p.transpose
        self.add_param((k, n) if p.transpose else (n, k), p.weight_filler, k, n)
        self.bias_term = p.bias_term
        if p.bias_term:
            self.add_param((n,), p.bias_filler, k, n)

    def reshape(self, bottom, top):
        shape = bottom[0].shape
        self.m = _prod(shape[:self.axis])
        w = self.blobs[0].shape
        k = w[1] if self.transpose_b else w[0]
        if _prod(shape[self.axis:]) != k:
            raise self.error(f"shape mismatch: input {shape} has {_prod(shape[self.axis:])} features from "
                             f"axis {self.axis}, but the weight {w} expects {k}")
        top[0].reshape(*(shape[:self.axis] + (self.blobs[0].shape[0 if self.transpose_b else 1],)))

    def forward(self, bottom, top):
        x = bottom[0].data.reshape(self.m, -1)
        y = top[0].data.reshape(self.m, -1)
        _, self.saved = K.matmul.forward(self.xp, x, self.blobs[0].data, transpose_b=self.transpose_b, out=y)
        if self.bias_term:
            _, self.saved_b = K.add.forward(self.xp, y, self.blobs[1].data, out=y)

    def backward(self, top, propagate_down, bottom):
        gy = top[0].diff.reshape(self.m, -1)
        if self.bias_term:
            _, gb = K.add.backward(self.xp, self.saved_b, gy, needs=(False, True))
            self.param_diff(1, gb)
        x = self.saved[0]
        # as Caffe: the weight diff straight in the weight's layout, top_diff^T x bottom_data (num_output, K),
        # so the update reads it contiguously
        if self.transpose_b:
            gw, _ = K.matmul.forward(self.xp, gy, x, transpose_a=True, out=self.param_diff_buffer(0))
        else:
            gw, _ = K.matmul.forward(self.xp, x, gy, transpose_a=True, out=self.param_diff_buffer(0))
        self.param_diff(0, gw)
        if propagate_down[0]:
            gx, _ = K.matmul.backward(self.xp, self.saved, gy, needs=(True, False),
                                      transpose_b=self.transpose_b)
            bottom[0].set_diff(gx.reshape(bottom[0].shape))


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


@register_layer("Convolution")
class ConvolutionLayer(_ParamLayer):
    """2-D convolution, NCHW, weight (num_output, C, kh, kw), via the im2col + GEMM kernel."""
    exact_num_bottom_blobs = 1
    exact_num_top_blobs = 1

    def layer_setup(self, bottom, top):
        p = self.layer_param.convolution_param
        if p.group != 1 or any(d != 1 for d in p.dilation) or p.axis != 1:
            raise self.error("only group 1, dilation 1 and axis 1 are supported")
        if len(bottom[0].shape) != 4:
            raise self.error(f"needs an NCHW bottom, got shape {bottom[0].shape}")
        kh, kw = _spatial(self, p, "kernel")
        self.positive(min(kh, kw), "kernel_size")
        self.pad = _spatial(self, p, "pad", 0)
        self.stride = _spatial(self, p, "stride", 1)
        self.positive(min(self.stride), "stride")
        n, c = self.positive(p.num_output, "convolution_param.num_output"), bottom[0].shape[1]
        self.add_param((n, c, kh, kw), p.weight_filler, c * kh * kw, n * kh * kw)
        self.bias_term = p.bias_term
        if p.bias_term:
            self.add_param((n,), p.bias_filler, c * kh * kw, n * kh * kw)

    def reshape(self, bottom, top):
        shapes = [b.shape for b in self.blobs]
        top[0].reshape(*_infer(self, K.conv2d, bottom[0].shape, *shapes, stride=self.stride, pad=self.pad))

    def forward(self, bottom, top):
        b = self.blobs[1].data if self.bias_term else None
        y, self.saved = K.conv2d.forward(self.xp, bottom[0].data, self.blobs[0].data, b,
                                         stride=self.stride, pad=self.pad)
        top[0].set_data(y)

    def backward(self, top, propagate_down, bottom):
        needs = (propagate_down[0], True, True)[:2 + self.bias_term]
        grads = K.conv2d.backward(self.xp, self.saved, top[0].diff, needs=needs,
                                  stride=self.stride, pad=self.pad)
        for i, g in enumerate(grads[1:]):
            self.param_diff(i, g)
        if propagate_down[0]:
            bottom[0].set_diff(grads[0])


@register_layer("Embed")
class EmbedLayer(_ParamLayer):
    """y = W[ids] (+ b); W is (input_dim, num_output); ids are read from a blob of any dtype."""
    data_bottoms = (0,)
    exact_num_bottom_blobs = 1
    exact_num_top_blobs = 1

    def layer_setup(self, bottom, top):
        p = self.layer_param.embed_param
        n = self.positive(p.num_output, "embed_param.num_output")
        v = self.positive(p.input_dim, "embed_param.input_dim")
        self.add_param((v, n), p.weight_filler, v, n)
        self.bias_term = p.bias_term
        if p.bias_term:
            self.add_param((n,), p.bias_filler, v, n)

    def reshape(self, bottom, top):
        top[0].reshape(*_infer(self, K.embedding, self.blobs[0].shape, bottom[0].shape))

    def forward(self, bottom, top):
        ids = bottom[0].data
        if ids.dtype.kind != "i":
            ids = ids.astype(numpy.int64)   # Caffe keeps ids in float blobs and casts them too
        y, self.saved = K.embedding.forward(self.xp, self.blobs[0].data, ids)
        if self.bias_term:
            y, self.saved_b = K.add.forward(self.xp, y, self.blobs[1].data, out=y)
        top[0].set_data(y)

    def backward(self, top, propagate_down, bottom):
        gy = top[0].diff
        if propagate_down[0]:
            raise self.error("cannot back-propagate to the ids (set propagate_down: false)")
        if self.bias_term:
            self.param_diff(1, K.add.backward(self.xp, self.saved_b, gy, needs=(False, True))[1])
        self.param_diff(0, K.embedding.backward(self.xp, self.saved, gy)[0])


@register_layer("LSTM")
class LSTMLayer(_ParamLayer):
    """Caffe's LSTM layer on the fused sequence kernel: bottoms x (T, N, E) and cont (T, N), top h (T, N, H).

    Parameter blobs: W_xc (4H, E), b_xc (4H,), W_hc (4H, H), b_hc (4H,) with the gates in the kernel's order
    i, f, g, o. NOTE: two differences from Caffe, both documented in the README: Caffe keeps one bias and
    orders the gates i, f, o, g; the recipes (and cuDNN) keep two biases in i, f, g, o order.
    `cont` is honoured as Caffe uses it for one sequence per column: it must be 0 at t = 0 (start from
    h = c = 0) and 1 afterwards; other patterns (a sequence carried over or restarted mid-batch) raise.
    """
    data_bottoms = (1,)
    exact_num_bottom_blobs = 2
    exact_num_top_blobs = 1

    def layer_setup(self, bottom, top):
        p = self.layer_param.recurrent_param
        if p.expose_hidden:
            raise self.error("expose_hidden is not supported")
        h = self.positive(p.num_output, "recurrent_param.num_output")
        if len(bottom[0].shape) < 3:
            raise self.error(f"x must be (T, N, ...), got shape {bottom[0].shape}")
        e = _prod(bottom[0].shape[2:])
        self.add_param((4 * h, e), p.weight_filler, e, 4 * h)
        self.add_param((4 * h,), p.bias_filler, e, 4 * h)
        self.add_param((4 * h, h), p.weight_filler, h, 4 * h)
        self.add_param((4 * h,), p.bias_filler, h, 4 * h)
        self.hidden = h

    def reshape(self, bottom, top):
        x, cont = bottom[0].shape, bottom[1].shape
        if cont != x[:2]:
            raise self.error(f"shape mismatch: cont {cont} must be (T, N) = {x[:2]} for x {x}")
        t_len, n = x[:2]
        self.x_shape = (t_len, n, _prod(x[2:]))
        self.zeros = self.xp.zeros((n, self.hidden), dtype=self.dtype)   # h0 = c0 = 0 (cont = 0 at t = 0)
        shapes = [self.x_shape, self.zeros.shape, self.zeros.shape, self.blobs[0].shape[::-1],
                  self.blobs[2].shape[::-1], self.blobs[1].shape, self.blobs[3].shape]
        top[0].reshape(*_infer(self, K.lstm, *shapes)[0])

    def forward(self, bottom, top):
        xp, cont = self.xp, bottom[1].data
        if bool((cont[0] != 0).any()) or bool((cont[1:] != 1).any()):
            raise self.error("cont must be 0 at t = 0 and 1 afterwards (one sequence per column); "
                             "the fused kernel does not carry state across forward passes")
        w_xc, b_xc, w_hc, b_hc = (b.data for b in self.blobs)
        (hs, _, _), self.saved = K.lstm.forward(xp, bottom[0].data.reshape(self.x_shape), self.zeros,
                                                self.zeros, w_xc.T, w_hc.T, b_xc, b_hc)
        top[0].set_data(hs)

    def backward(self, top, propagate_down, bottom):
        needs = (propagate_down[0], False, False, True, True, True, True)
        gx, _, _, gwx, gwh, gb_x, gb_h = K.lstm.backward(self.xp, self.saved, (top[0].diff, None, None),
                                                         needs=needs)
        for i, g in enumerate((gwx.T, gb_x, gwh.T, gb_h)):
            self.param_diff(i, g)
        if propagate_down[0]:
            bottom[0].set_diff(gx.reshape(bottom[0].shape))


# ---------------------------------------------------------------- pooling and neurons

@register_layer("Pooling")
class PoolingLayer(Layer):
    """MAX pooling; round_mode CEIL (Caffe's default) or FLOOR, as newer Caffe offers."""
    exact_num_bottom_blobs = 1
    exact_num_top_blobs = 1

    def layer_setup(self, bottom, top):
        p = self.layer_param.pooling_param
        if p.pool != caffe_pb2.PoolingParameter.MAX:
            raise self.error(f"pool {caffe_pb2.PoolingParameter.PoolMethod.Name(p.pool)} is not supported "
                             "(only MAX)")
        if p.global_pooling:
            self.kernel = tuple(bottom[0].shape[2:4])
        else:
            self.kernel = _spatial(self, p, "kernel")
        self.positive(min(self.kernel), "kernel_size")
        self.pad = _spatial(self, p, "pad", 0)
        self.stride = _spatial(self, p, "stride", 1)
        self.positive(min(self.stride), "stride")
        self.ceil = p.round_mode == caffe_pb2.PoolingParameter.CEIL

    def attrs(self):
        return dict(kernel=self.kernel, stride=self.stride, pad=self.pad, ceil_mode=self.ceil)

    def reshape(self, bottom, top):
        top[0].reshape(*_infer(self, K.max_pool2d, bottom[0].shape, **self.attrs()))

    def forward(self, bottom, top):
        y, self.saved = K.max_pool2d.forward(self.xp, bottom[0].data, **self.attrs())
        top[0].set_data(y)

    def backward(self, top, propagate_down, bottom):
        if propagate_down[0]:
            bottom[0].set_diff(K.max_pool2d.backward(self.xp, self.saved, top[0].diff, **self.attrs())[0])


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


# ---------------------------------------------------------------- eltwise, reduction, shape

@register_layer("Eltwise")
class EltwiseLayer(Layer):
    """PROD, SUM (coeff 1) or MAX of two or more same-shaped bottoms, chained pairwise through the kernels."""
    min_bottom_blobs = 2
    exact_num_top_blobs = 1
    OPS = {caffe_pb2.EltwiseParameter.PROD: K.mul, caffe_pb2.EltwiseParameter.SUM: K.add,
           caffe_pb2.EltwiseParameter.MAX: K.maximum}

    def layer_setup(self, bottom, top):
        p = self.layer_param.eltwise_param
        if any(c != 1 for c in p.coeff):
            raise self.error("SUM coefficients other than 1 are not supported")
        self.kernel = self.OPS[p.operation]

    def reshape(self, bottom, top):
        shapes = [b.shape for b in bottom]
        if any(s != shapes[0] for s in shapes):
            raise self.error(f"shape mismatch: bottoms {self.layer_param.bottom} have shapes {shapes}")
        top[0].reshape(*shapes[0])

    def forward(self, bottom, top):
        out = top[0].data
        y, saved = self.kernel.forward(self.xp, bottom[0].data, bottom[1].data, out=out)
        self.saved = [saved]
        for b in bottom[2:]:
            # the running result is re-read by the next step's backward, so chain through fresh arrays
            y, saved = self.kernel.forward(self.xp, y.copy(), b.data, out=out)
            self.saved.append(saved)

    def backward(self, top, propagate_down, bottom):
        g = top[0].diff
        for i in range(len(bottom) - 1, 0, -1):
            first = i > 1 or propagate_down[0]
            g, gb = self.kernel.backward(self.xp, self.saved[i - 1], g, needs=(first, propagate_down[i]))
            if propagate_down[i]:
                bottom[i].set_diff(gb)
        if propagate_down[0]:
            bottom[0].set_diff(g)


@register_layer("Reduction")
class ReductionLayer(Layer):
    """coeff * SUM or MEAN over the axes from `axis` on (axis 0: a scalar, for building losses)."""
    exact_num_bottom_blobs = 1
    exact_num_top_blobs = 1
    OPS = {caffe_pb2.ReductionParameter.SUM: K.sum, caffe_pb2.ReductionParameter.MEAN: K.mean}

    def layer_setup(self, bottom, top):
        p = self.layer_param.reduction_param
        if p.operation not in self.OPS:
            raise self.error(f"operation {caffe_pb2.ReductionParameter.ReductionOp.Name(p.operation)} is not "
                             "supported (SUM, MEAN)")
        self.kernel, self.coeff = self.OPS[p.operation], float(str(numpy.float32(p.coeff)))

    def reshape(self, bottom, top):
        nd = len(bottom[0].shape)
        axis = _axis(self.layer_param.reduction_param.axis, nd)
        self.axes = tuple(range(axis, nd))
        top[0].reshape(*bottom[0].shape[:axis])

    def forward(self, bottom, top):
        y, self.saved = self.kernel.forward(self.xp, bottom[0].data, axis=self.axes)
        if self.coeff != 1:
            y, self.saved_c = K.mul.forward(self.xp, y, self.coeff)
        top[0].set_data(self.xp.asarray(y))

    def backward(self, top, propagate_down, bottom):
        if not propagate_down[0]:
            return
        g = top[0].diff
        if self.coeff != 1:
            g = K.mul.backward(self.xp, self.saved_c, g, needs=(True, False))[0]
        bottom[0].set_diff(self.kernel.backward(self.xp, self.saved, g, axis=self.axes)[0])


@register_layer("Concat")
class ConcatLayer(Layer):
    """Concatenate bottoms along concat_param.axis into the top's memory."""
    min_bottom_blobs = 1
    exact_num_top_blobs = 1

    def reshape(self, bottom, top):
        p = self.layer_param.concat_param
        self.axis = p.axis if p.HasField("axis") or not p.HasField("concat_dim") else p.concat_dim
        top[0].reshape(*_infer(self, K.concat, *[b.shape for b in bottom], axis=self.axis))

    def forward(self, bottom, top):
        _, self.saved = K.concat.forward(self.xp, *[b.data for b in bottom], axis=self.axis, out=top[0].data)

    def backward(self, top, propagate_down, bottom):
        grads = K.concat.backward(self.xp, self.saved, top[0].diff, needs=tuple(propagate_down),
                                  axis=self.axis)
        for b, g, down in zip(bottom, grads, propagate_down):
            if down:
                b.set_diff(g)


@register_layer("Slice")
class SliceLayer(Layer):
    """Split the bottom along slice_param.axis at slice_point (or into equal parts): views, no copy."""
    exact_num_bottom_blobs = 1
    min_top_blobs = 1

    def reshape(self, bottom, top):
        p = self.layer_param.slice_param
        shape = bottom[0].shape
        self.axis = _axis(p.axis if p.HasField("axis") or not p.HasField("slice_dim") else p.slice_dim,
                          len(shape))
        points = list(p.slice_point)
        if points:
            if len(points) != len(top) - 1:
                raise self.error(f"{len(top)} tops need {len(top) - 1} slice_point, got {len(points)}")
            bounds = [0] + points + [shape[self.axis]]
            self.sections = [b - a for a, b in zip(bounds, bounds[1:])]
            if any(s <= 0 for s in self.sections):
                raise self.error(f"slice_point {points} does not cut axis {self.axis} of shape {shape} "
                                 "into non-empty parts")
        else:
            self.sections = len(top)
        for t, s in zip(top, _infer(self, K.split, shape, self.sections, axis=self.axis)):
            t.reshape(*s)

    def forward(self, bottom, top):
        ys, self.saved = K.split.forward(self.xp, bottom[0].data, self.sections, axis=self.axis)
        for t, y in zip(top, ys):
            t.set_data(y)

    def backward(self, top, propagate_down, bottom):
        if propagate_down[0]:
            gys = tuple(t.diff if t.has_diff() else None for t in top)
            bottom[0].set_diff(K.split.backward(self.xp, self.saved, gys, sections=self.sections,
                                                axis=self.axis)[0])


@register_layer("Silence")
class SilenceLayer(Layer):
    """Consumes blobs nobody else reads, so they are not net outputs; gives them no gradient."""
    min_bottom_blobs = 1
    exact_num_top_blobs = 0

    def reshape(self, bottom, top):
        pass

    def forward(self, bottom, top):
        pass


class _ReshapeLike(Layer):
    """A top that is a view of the bottom with another shape (Caffe shares the data)."""
    exact_num_bottom_blobs = 1
    exact_num_top_blobs = 1

    def out_shape(self, shape):
        raise NotImplementedError

    def reshape(self, bottom, top):
        self.shape = _infer(self, K.reshape, bottom[0].shape, self.out_shape(bottom[0].shape))
        top[0].reshape(*self.shape)

    def forward(self, bottom, top):
        y, self.saved = K.reshape.forward(self.xp, bottom[0].data, self.shape)
        top[0].set_data(y)

    def backward(self, top, propagate_down, bottom):
        if propagate_down[0]:
            bottom[0].set_diff(K.reshape.backward(self.xp, self.saved, top[0].diff)[0])


@register_layer("Flatten")
class FlattenLayer(_ReshapeLike):
    def out_shape(self, shape):
        p = self.layer_param.flatten_param
        a, e = _axis(p.axis, len(shape)), _axis(p.end_axis, len(shape))
        return shape[:a] + (_prod(shape[a:e + 1]),) + shape[e + 1:]


@register_layer("Reshape")
class ReshapeLayer(_ReshapeLike):
    """reshape_param { shape axis num_axes }: 0 copies the bottom's dimension, one -1 is inferred."""

    def out_shape(self, shape):
        p = self.layer_param.reshape_param
        dims = _shape_of(p.shape)
        if any(d < -1 for d in dims):
            raise self.error(f"reshape_param.shape {dims} has a dimension below -1")
        start = _axis(p.axis, len(shape) + 1) if p.axis < 0 else p.axis
        end = len(shape) if p.num_axes == -1 else start + p.num_axes
        dims = tuple(shape[start + i] if d == 0 else d for i, d in enumerate(dims))
        return shape[:start] + dims + shape[end:]


@register_layer("Split")
class SplitLayer(Layer):
    """Inserted by the Net where one blob feeds several layers: tops share the data, diffs are summed."""
    exact_num_bottom_blobs = 1
    min_top_blobs = 1

    def reshape(self, bottom, top):
        for t in top:
            t.reshape(*bottom[0].shape)

    def forward(self, bottom, top):
        for t in top:
            t.share_data(bottom[0])

    def backward(self, top, propagate_down, bottom):
        if not propagate_down[0]:
            return
        diffs = [t.diff for t in top if t.has_diff()]
        g = diffs[0] if diffs else self.xp.zeros(bottom[0].shape, self.dtype)
        for d in diffs[1:]:
            g, _ = K.add.forward(self.xp, g, d)
        bottom[0].set_diff(g)


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
        axis = _axis(self.layer_param.softmax_param.axis, len(shape))
        if axis != len(shape) - 1:
            raise self.error(f"the class axis {axis} must be the last axis of the logits {shape}")
        self.n = _prod(shape[:axis])
        if bottom[1].count != self.n:
            raise self.error(f"shape mismatch: logits {shape} give {self.n} positions but the label blob "
                             f"{self.layer_param.bottom[1]!r} has shape {bottom[1].shape}")
        _infer(self, K.softmax_cross_entropy, (self.n, shape[-1]), (self.n,))
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
        self.axis = _axis(self.layer_param.accuracy_param.axis, len(shape))
        if self.axis != len(shape) - 1 or bottom[1].count != _prod(shape[:-1]):
            raise self.error(f"shape mismatch: scores {shape} (class axis last) and labels {bottom[1].shape}")
        top[0].reshape()

    def forward(self, bottom, top):
        xp = self.xp
        pred = xp.argmax(bottom[0].data, axis=self.axis).reshape(-1)
        labels = bottom[1].data.reshape(-1)
        top[0].set_data(xp.asarray((pred == labels).mean(), dtype=self.dtype))
