"""Common layers: InnerProduct, Embed, LSTM, Eltwise, Softmax, Scale, Bias, BatchNorm, ArgMax, Reduction, Concat,
Slice, Silence, Flatten, Reshape, Split."""
import numpy

from frameworks import kernels as K

from ..layer import Layer, ParamLayer, axis_index, infer, prod, register_layer, shape_of
from ..proto import caffe_pb2

@register_layer("InnerProduct")
class InnerProductLayer(ParamLayer):
    """y = x W^T + b over the axes from `axis` on; W is Caffe's (num_output, K), or (K, num_output) with
    `transpose`."""
    exact_num_bottom_blobs = 1
    exact_num_top_blobs = 1

    def layer_setup(self, bottom, top):
        p = self.layer_param.inner_product_param
        n = self.positive(p.num_output, "inner_product_param.num_output")
        self.axis = axis_index(p.axis, len(bottom[0].shape))
        k = prod(bottom[0].shape[self.axis:])
        self.positive(k, f"input size K (bottom shape {bottom[0].shape})")
        self.transpose_b = not p.transpose
        self.add_param((k, n) if p.transpose else (n, k), p.weight_filler, k, n)
        self.bias_term = p.bias_term
        if p.bias_term:
            self.add_param((n,), p.bias_filler, k, n)

    def reshape(self, bottom, top):
        shape = bottom[0].shape
        self.m = prod(shape[:self.axis])
        w = self.blobs[0].shape
        k = w[1] if self.transpose_b else w[0]
        if prod(shape[self.axis:]) != k:
            raise self.error(f"shape mismatch: input {shape} has {prod(shape[self.axis:])} features from "
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


@register_layer("Embed")
class EmbedLayer(ParamLayer):
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
        top[0].reshape(*infer(self, K.embedding, self.blobs[0].shape, bottom[0].shape))

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
class LSTMLayer(ParamLayer):
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
        e = prod(bottom[0].shape[2:])
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
        self.x_shape = (t_len, n, prod(x[2:]))
        self.zeros = self.xp.zeros((n, self.hidden), dtype=self.dtype)   # h0 = c0 = 0 (cont = 0 at t = 0)
        shapes = [self.x_shape, self.zeros.shape, self.zeros.shape, self.blobs[0].shape[::-1],
                  self.blobs[2].shape[::-1], self.blobs[1].shape, self.blobs[3].shape]
        top[0].reshape(*infer(self, K.lstm, *shapes)[0])

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


# ---------------------------------------------------------------- eltwise, reduction, shape

@register_layer("Eltwise")
class EltwiseLayer(Layer):
    """PROD, SUM (with a coefficient per bottom) or MAX of two or more same-shaped bottoms, chained
    pairwise through the kernels (SUM's coefficients through mul by a scalar)."""
    min_bottom_blobs = 2
    exact_num_top_blobs = 1
    OPS = {caffe_pb2.EltwiseParameter.PROD: K.mul, caffe_pb2.EltwiseParameter.SUM: K.add,
           caffe_pb2.EltwiseParameter.MAX: K.maximum}

    def layer_setup(self, bottom, top):
        p = self.layer_param.eltwise_param
        coeff = [float(str(numpy.float32(c))) for c in p.coeff]
        if coeff and p.operation != caffe_pb2.EltwiseParameter.SUM:
            raise self.error("Eltwise layer only takes coefficients for summation.")
        if coeff and len(coeff) != len(bottom):
            raise self.error(f"Eltwise Layer takes one coefficient per bottom blob: {len(bottom)} bottoms, "
                             f"{len(coeff)} coeff")
        self.coeff = coeff if any(c != 1 for c in coeff) else None
        self.kernel = self.OPS[p.operation]

    def reshape(self, bottom, top):
        shapes = [b.shape for b in bottom]
        if any(s != shapes[0] for s in shapes):
            raise self.error(f"shape mismatch: bottoms {self.layer_param.bottom} have shapes {shapes}")
        if top[0] not in bottom:
            top[0].reshape(*shapes[0])

    def forward(self, bottom, top):
        xp = self.xp
        xs = [b.data for b in bottom]
        self.saved_coeff = []
        if self.coeff:
            scaled = []
            for x, c in zip(xs, self.coeff):
                y, s = K.mul.forward(xp, x, c)
                scaled.append(y)
                self.saved_coeff.append(s)
            xs = scaled
        # in place (top is a bottom, as ResNet's shortcut sums are written) the result is a fresh array
        out = None if top[0] in bottom else top[0].data
        y, saved = self.kernel.forward(xp, xs[0], xs[1], out=out if len(xs) == 2 else None)
        self.saved = [saved]
        for x in xs[2:]:
            # the running result is re-read by the next step's backward, so chain through fresh arrays
            y, saved = self.kernel.forward(xp, y, x)
            self.saved.append(saved)
        if out is None or len(xs) > 2:
            top[0].set_data(y)

    def backward(self, top, propagate_down, bottom):
        g = top[0].diff
        grads = [None] * len(bottom)
        for i in range(len(bottom) - 1, 0, -1):
            first = i > 1 or propagate_down[0]
            g, gb = self.kernel.backward(self.xp, self.saved[i - 1], g, needs=(first, propagate_down[i]))
            grads[i] = gb
        grads[0] = g
        for i, (b, down) in enumerate(zip(bottom, propagate_down)):
            if down:
                gi = grads[i]
                if self.coeff:
                    gi = K.mul.backward(self.xp, self.saved_coeff[i], gi, needs=(True, False))[0]
                b.set_diff(gi)


@register_layer("Softmax")
class SoftmaxLayer(Layer):
    """softmax over softmax_param.axis (1 by default), through the shared kernel."""
    exact_num_bottom_blobs = 1
    exact_num_top_blobs = 1

    def reshape(self, bottom, top):
        self.axis = axis_index(self.layer_param.softmax_param.axis, len(bottom[0].shape))
        top[0].reshape(*infer(self, K.softmax, bottom[0].shape, axis=self.axis))

    def forward(self, bottom, top):
        out = None if top[0] is bottom[0] else top[0].data
        y, self.saved = K.softmax.forward(self.xp, bottom[0].data, axis=self.axis, out=out)
        if out is None:
            top[0].set_data(y)

    def backward(self, top, propagate_down, bottom):
        if propagate_down[0]:
            bottom[0].set_diff(K.softmax.backward(self.xp, self.saved, top[0].diff, axis=self.axis)[0])


def _broadcast_shape(layer, x_shape, axis, num_axes, what):
    """The shape a Scale/Bias operand takes to broadcast over x: x.shape[axis:axis + num_axes] followed by
    ones for the remaining axes (Caffe's outer x scale x inner loop)."""
    nd = len(x_shape)
    axis = axis_index(axis, nd)
    end = nd if num_axes == -1 else axis + num_axes
    if not 0 <= axis <= end <= nd:
        raise layer.error(f"{what}: axis {axis} and num_axes {num_axes} do not fit the bottom {x_shape}")
    return tuple(x_shape[axis:end]), tuple(x_shape[axis:end]) + (1,) * (nd - end)


class _ScaleBias(ParamLayer):
    """y = x * scale (+ bias) or y = x + bias, the operand a learned blob or the second bottom, broadcast
    from `axis` over num_axes axes; mul and add kernels (their backward sums over the broadcast axes)."""
    exact_num_top_blobs = 1
    min_bottom_blobs = 1
    max_bottom_blobs = 2
    op = None

    def setup_operand(self, bottom, p, filler, default_value):
        """The operand: bottom[1], or a learned blob (`filler`, else constant `default_value`)."""
        self.from_bottom = len(bottom) == 2
        shape, self.bshape = _broadcast_shape(self, bottom[0].shape, p.axis, p.num_axes, self.type)
        if self.from_bottom:
            if bottom[1].shape != shape:
                raise self.error(f"shape mismatch: bottom {self.layer_param.bottom[1]!r} has shape "
                                 f"{bottom[1].shape}, needs {shape} (axis {p.axis}, num_axes {p.num_axes})")
        else:
            default = caffe_pb2.FillerParameter(type="constant", value=default_value)
            self.add_param(shape, filler if p.HasField("filler") else default, 1, 1)

    def reshape(self, bottom, top):
        p_axis, num = self.axes
        shape, bshape = _broadcast_shape(self, bottom[0].shape, p_axis, num, self.type)
        operand = bottom[1].shape if self.from_bottom else self.blobs[0].shape
        if shape != operand:
            raise self.error(f"shape mismatch: the bottom {bottom[0].shape} needs a {self.type.lower()} of "
                             f"shape {shape}, the operand has {operand}")
        self.bshape = bshape
        if top[0] is not bottom[0]:
            top[0].reshape(*bottom[0].shape)

    def operand(self, bottom):
        return (bottom[1].data if self.from_bottom else self.blobs[0].data).reshape(self.bshape)


@register_layer("Scale")
class ScaleLayer(_ScaleBias):
    """Caffe's Scale: y = x * scale (+ bias with bias_term), scale of shape x.shape[axis:axis+num_axes]
    (a learned blob, filler constant 1 by default, or the second bottom). After BatchNorm it is the
    learned affine part."""

    def layer_setup(self, bottom, top):
        p = self.layer_param.scale_param
        self.axes = (p.axis, p.num_axes)
        self.setup_operand(bottom, p, p.filler, 1.0)
        self.bias_term = p.bias_term
        if self.bias_term:
            self.bias_index = len(self.blobs)
            self.add_param(self.blobs[0].shape if self.blobs else bottom[1].shape, p.bias_filler, 1, 1)

    def forward(self, bottom, top):
        xp = self.xp
        y, self.saved = K.mul.forward(xp, bottom[0].data, self.operand(bottom))
        if self.bias_term:
            y, self.saved_b = K.add.forward(xp, y, self.blobs[self.bias_index].data.reshape(self.bshape), out=y)
        top[0].set_data(y)   # a fresh array: in place, the input lives on in `saved` for the backward

    def backward(self, top, propagate_down, bottom):
        g = top[0].diff
        if self.bias_term:
            gb = K.add.backward(self.xp, self.saved_b, g, needs=(False, True))[1]
            self.param_diff(self.bias_index, gb.reshape(self.blobs[self.bias_index].shape))
        need_s = self.from_bottom and propagate_down[1] or not self.from_bottom
        gx, gs = K.mul.backward(self.xp, self.saved, g, needs=(propagate_down[0], need_s))
        if not self.from_bottom:
            self.param_diff(0, gs.reshape(self.blobs[0].shape))
        elif propagate_down[1]:
            bottom[1].set_diff(gs.reshape(bottom[1].shape))
        if propagate_down[0]:
            bottom[0].set_diff(gx)


@register_layer("Bias")
class BiasLayer(_ScaleBias):
    """Caffe's Bias: y = x + bias, bias of shape x.shape[axis:axis+num_axes] (learned, or the second bottom)."""

    def layer_setup(self, bottom, top):
        p = self.layer_param.bias_param
        self.axes = (p.axis, p.num_axes)
        self.setup_operand(bottom, p, p.filler, 0.0)

    def forward(self, bottom, top):
        y, self.saved = K.add.forward(self.xp, bottom[0].data, self.operand(bottom))
        top[0].set_data(y)

    def backward(self, top, propagate_down, bottom):
        need_b = propagate_down[1] if self.from_bottom else True
        gx, gb = K.add.backward(self.xp, self.saved, top[0].diff, needs=(propagate_down[0], need_b))
        if not self.from_bottom:
            self.param_diff(0, gb.reshape(self.blobs[0].shape))
        elif propagate_down[1]:
            bottom[1].set_diff(gb.reshape(bottom[1].shape))
        if propagate_down[0]:
            bottom[0].set_diff(gx)


@register_layer("BatchNorm")
class BatchNormLayer(ParamLayer):
    """Caffe's BatchNorm: normalise each channel of (N, C) or (N, C, H, W); no affine part (a Scale layer
    follows). Blobs: the moving mean SUM, the moving variance SUM and the scale factor (1,), updated in
    TRAIN as Caffe does (factor = maf * factor + 1; sum = batch + maf * sum, the variance unbiased) and
    read as sum / factor when use_global_stats (the default in TEST). Their lr_mult is forced to 0."""
    exact_num_bottom_blobs = 1
    exact_num_top_blobs = 1

    def layer_setup(self, bottom, top):
        p = self.layer_param.batch_norm_param
        shape = bottom[0].shape
        if len(shape) not in (2, 4):
            raise self.error(f"needs an (N, C) or (N, C, H, W) bottom, got {shape}")
        self.use_global = p.use_global_stats if p.HasField("use_global_stats") else \
            self.phase == caffe_pb2.TEST
        self.maf = float(str(numpy.float32(p.moving_average_fraction)))
        self.eps = float(str(numpy.float32(p.eps)))
        c = shape[1]
        zero = caffe_pb2.FillerParameter(type="constant", value=0)
        for s in ((c,), (c,), (1,)):
            self.add_param(s, zero, 1, 1)
        # Caffe masks the statistics from the solver: lr_mult 0 on all three blobs
        specs = self.layer_param.param
        if any(ps.lr_mult != 0 for ps in specs if ps.HasField("lr_mult")):
            raise self.error("BatchNorm's blobs are statistics, not parameters: lr_mult must be 0")
        while len(specs) < 3:
            specs.add()
        for ps in specs:
            ps.lr_mult = 0

    def attrs(self):
        return dict(eps=self.eps, momentum=self.maf, training=not self.use_global, convention="caffe")

    def reshape(self, bottom, top):
        shapes = [bottom[0].shape, None, None] + [b.shape for b in self.blobs]
        top[0].reshape(*infer(self, K.batch_norm, *shapes, **self.attrs()))

    def forward(self, bottom, top):
        mean, var, factor = (b.data for b in self.blobs)
        y, self.saved = K.batch_norm.forward(self.xp, bottom[0].data, None, None, mean, var, factor,
                                             **self.attrs())
        top[0].set_data(y)

    def backward(self, top, propagate_down, bottom):
        if propagate_down[0]:
            grads = K.batch_norm.backward(self.xp, self.saved, top[0].diff, needs=(True, False, False),
                                          **self.attrs())
            bottom[0].set_diff(grads[0])


@register_layer("ArgMax")
class ArgMaxLayer(Layer):
    """The top_k indices of the largest values (along `axis`, or over each item's flattened values), or
    with out_max_val their values (with axis) / index-value pairs (without); no gradient, float top."""
    exact_num_bottom_blobs = 1
    exact_num_top_blobs = 1
    data_bottoms = (0,)

    def layer_setup(self, bottom, top):
        p = self.layer_param.argmax_param
        self.top_k, self.out_max_val = p.top_k, p.out_max_val
        self.axis = p.axis if p.HasField("axis") else None
        self.positive(self.top_k, "argmax_param.top_k")

    def reshape(self, bottom, top):
        shape = bottom[0].shape
        if self.axis is None:
            n = prod(shape[1:])
            if self.top_k > n:
                raise self.error(f"top_k {self.top_k} is larger than the {n} values per item")
            top[0].reshape(shape[0], 2 if self.out_max_val else 1, self.top_k)
        else:
            a = axis_index(self.axis, len(shape))
            if self.top_k > shape[a]:
                raise self.error(f"top_k {self.top_k} is larger than axis {a} ({shape[a]})")
            top[0].reshape(*(shape[:a] + (self.top_k,) + shape[a + 1:]))

    def forward(self, bottom, top):
        xp, x = self.xp, bottom[0].data
        if self.axis is None:
            x = x.reshape(x.shape[0], -1)
            a = 1
        else:
            a = axis_index(self.axis, x.ndim)
        if self.top_k == 1:
            idx, _ = K.argmax.forward(xp, x, axis=a, keepdims=True)
        else:   # descending by value; a stable sort keeps the lower index first among ties, as Caffe
            idx = xp.flip(xp.argsort(x, axis=a, kind="stable"), axis=a).take(range(self.top_k), axis=a)
        vals = xp.take_along_axis(x, idx, axis=a)
        if self.axis is None:
            out = xp.stack([idx, vals], axis=1) if self.out_max_val else idx[:, None, :]
        else:
            out = vals if self.out_max_val else idx
        top[0].data[...] = out.reshape(top[0].shape)
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
        axis = axis_index(self.layer_param.reduction_param.axis, nd)
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
        top[0].reshape(*infer(self, K.concat, *[b.shape for b in bottom], axis=self.axis))

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
        self.axis = axis_index(p.axis if p.HasField("axis") or not p.HasField("slice_dim") else p.slice_dim,
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
        for t, s in zip(top, infer(self, K.split, shape, self.sections, axis=self.axis)):
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
        self.shape = infer(self, K.reshape, bottom[0].shape, self.out_shape(bottom[0].shape))
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
        a, e = axis_index(p.axis, len(shape)), axis_index(p.end_axis, len(shape))
        return shape[:a] + (prod(shape[a:e + 1]),) + shape[e + 1:]


@register_layer("Reshape")
class ReshapeLayer(_ReshapeLike):
    """reshape_param { shape axis num_axes }: 0 copies the bottom's dimension, one -1 is inferred."""

    def out_shape(self, shape):
        p = self.layer_param.reshape_param
        dims = shape_of(p.shape)
        if any(d < -1 for d in dims):
            raise self.error(f"reshape_param.shape {dims} has a dimension below -1")
        start = axis_index(p.axis, len(shape) + 1) if p.axis < 0 else p.axis
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


