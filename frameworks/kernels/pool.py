"""Average pooling: avg_pool2d (padding counted or not, Caffe's round-up output size) and global_avg_pool2d;
MXNet's ROIPooling (roi_pool).
max_pool2d lives in nn.py; both share its window geometry, so their output sizes always agree."""
from .base import Kernel, need, register, nbytes_of, shape_error
from .nn import MaxPool2D, _offsets, _pad, _pair


def _extra(h, w, geometry):
    """Rows and columns past the padded input that round-up windows reach (filled with pad)."""
    kh, kw, sh, sw, ph, pw, ho, wo = geometry
    return max(0, (ho - 1) * sh + kh - h - 2 * ph), max(0, (wo - 1) * sw + kw - w - 2 * pw)


@register
class AvgPool2D(Kernel):
    """y = mean over kh x kw windows (NCHW); stride defaults to the kernel; pad of zeros on each side.

    The divisor, per output position, as the frameworks define it:
      count_include_pad=True   (Caffe, PyTorch's default, MXNet 'valid'/'full'): the window clipped to the
                               padded bound, so the pad counts but a round-up window's overhang does not
                               (Caffe's hend = min(hstart + kernel_h, height + pad_h));
      count_include_pad=False  (TF 'SAME', Keras, PyTorch's count_include_pad=False): only the real pixels.
    ceil_mode=True is Caffe's round-up output size (the last window must start inside image + pad).
    """
    name = "avg_pool2d"
    accepts_out = True
    uses_pool = True   # the padded copy
    saves_inputs = ()
    saves_output = False

    @staticmethod
    def _divisor(xp, dtype, h, w, geometry, count_include_pad):
        kh, kw, sh, sw, ph, pw, ho, wo = geometry

        def counts(n_out, s, k, p, size):
            start = xp.arange(n_out) * s - p
            end = xp.minimum(start + k, size + p)
            if not count_include_pad:
                start, end = xp.maximum(start, 0), xp.minimum(end, size)
            return xp.maximum(end - start, 1)   # a window wholly in the pad sums to 0: keep it 0, not NaN
        return (counts(ho, sh, kh, ph, h)[:, None] * counts(wo, sw, kw, pw, w)[None, :]).astype(dtype)

    @staticmethod
    def forward(xp, x, kernel=2, stride=None, pad=0, ceil_mode=False, count_include_pad=True, out=None):
        geometry = MaxPool2D._geometry(x.shape, kernel, stride, pad, ceil_mode)
        kh, kw, sh, sw, ph, pw, ho, wo = geometry
        n, c, h, w = x.shape
        xpad = _pad(xp, x, ph, pw, 0, *_extra(h, w, geometry))
        offsets = _offsets(kh, kw, sh, sw, ho, wo)
        if out is None:
            y = xpad[offsets[0][2]].copy()
        else:
            y = out
            y[...] = xpad[offsets[0][2]]
        for _, _, window in offsets[1:]:
            y += xpad[window]
        y /= AvgPool2D._divisor(xp, x.dtype, h, w, geometry, count_include_pad)
        return y, x.shape

    @staticmethod
    def backward(xp, saved, gy, needs=None, kernel=2, stride=None, pad=0, ceil_mode=False,
                 count_include_pad=True):
        n, c, h, w = saved
        geometry = MaxPool2D._geometry(saved, kernel, stride, pad, ceil_mode)
        kh, kw, sh, sw, ph, pw, ho, wo = geometry
        extra_h, extra_w = _extra(h, w, geometry)
        hp, wp = h + 2 * ph + extra_h, w + 2 * pw + extra_w
        g = gy / AvgPool2D._divisor(xp, gy.dtype, h, w, geometry, count_include_pad)
        tiled = (sh, sw) == (kh, kw) and (hp, wp) == (ho * kh, wo * kw)
        # windows that tile the input exactly each own their pixels: store, don't add
        gx = (xp.empty if tiled else xp.zeros)((n, c, hp, wp), dtype=gy.dtype)
        for _, _, window in _offsets(kh, kw, sh, sw, ho, wo):
            if tiled:
                gx[window] = g
            else:
                gx[window] += g
        return (gx[:, :, ph:ph + h, pw:pw + w],)

    @staticmethod
    def infer(x, kernel=2, stride=None, pad=0, ceil_mode=False, count_include_pad=True):
        x = tuple(x)
        if len(x) != 4:
            raise shape_error("avg_pool2d", "input must be NCHW", x)
        kh, kw = _pair(kernel)
        ph, pw = _pair(pad)
        if not (0 <= ph < kh and 0 <= pw < kw):   # Caffe: CHECK_LT(pad_h_, kernel_h_)
            raise shape_error("avg_pool2d", f"pad {pad} must be >= 0 and smaller than the kernel {kernel}", x)
        kh, kw, sh, sw, ph, pw, ho, wo = MaxPool2D._geometry(
            tuple(0 if s is None else s for s in x), kernel, stride, pad, ceil_mode)
        if min(sh, sw) <= 0:
            raise shape_error("avg_pool2d", f"kernel {kernel} and stride {stride} must be > 0", x)
        if x[2] is not None and (ho <= 0 or wo <= 0):
            raise shape_error("avg_pool2d", f"the {kh}x{kw} window is larger than the input", x)
        return (x[0], x[1], ho if x[2] is not None else None, wo if x[3] is not None else None)

    @classmethod
    def workspace_bytes(cls, x, kernel=2, stride=None, pad=0, ceil_mode=False, count_include_pad=True,
                        itemsize=4):
        geometry = MaxPool2D._geometry(tuple(x), kernel, stride, pad, ceil_mode)
        kh, kw, sh, sw, ph, pw, ho, wo = geometry
        n, c, h, w = x
        extra_h, extra_w = _extra(h, w, geometry)
        padded = (ph or pw or extra_h or extra_w)
        xpad = nbytes_of((n, c, h + 2 * ph + extra_h, w + 2 * pw + extra_w), itemsize) if padded else 0
        return xpad + nbytes_of((ho, wo), itemsize) + 16 * (ho + wo)   # the padded copy and the divisor


@register
class GlobalAvgPool2D(Kernel):
    """y = mean over H and W of (N, C, H, W): (N, C), or (N, C, 1, 1) with keepdims (MXNet's, PyTorch's
    adaptive_avg_pool2d(1)); Keras' GlobalAveragePooling2D and a ResNet head take (N, C)."""
    name = "global_avg_pool2d"
    accepts_out = True
    saves_inputs = ()
    saves_output = False

    @staticmethod
    def forward(xp, x, keepdims=False, out=None):
        return xp.mean(x, axis=(2, 3), keepdims=keepdims, out=out), x.shape

    @staticmethod
    def backward(xp, saved, gy, needs=None, keepdims=False):
        n, c, h, w = saved
        gx = xp.empty(saved, dtype=gy.dtype)   # a real array, not a read-only broadcast view
        gx[...] = (gy / (h * w)).reshape(n, c, 1, 1)
        return (gx,)

    @staticmethod
    def infer(x, keepdims=False):
        x = tuple(x)
        if len(x) != 4:
            raise shape_error("global_avg_pool2d", "input must be NCHW", x)
        return (x[0], x[1], 1, 1) if keepdims else (x[0], x[1])


@register
class ROIPool(Kernel):
    """MXNet's ROIPooling: for each region of interest (batch_index, x1, y1, x2, y2) in input pixels, scaled
    by spatial_scale and rounded, the max over each of pooled_size (ph, pw) bins of every channel, (R, C, ph,
    pw); a bin left empty by the rounding is 0, and so is a region whose batch index is negative. backward
    routes each gradient to its bin's argmax (the rois get none)."""
    name = "roi_pool"
    saves_inputs = ()
    saves_output = False

    @staticmethod
    def forward(xp, data, rois, pooled_size=(2, 2), spatial_scale=1.0):
        n, c, h, w = data.shape
        ph, pw = _pair(pooled_size)
        y = xp.zeros((rois.shape[0], c, ph, pw), dtype=data.dtype)
        arg = xp.full(y.shape, -1, dtype="int64")
        plane = xp.arange(h * w).reshape(h, w)
        for r, (b, x1, y1, x2, y2) in enumerate(rois.tolist()):
            b = int(b)
            if b < 0:
                continue
            ws, hs, we, he = (int(round(v * spatial_scale)) for v in (x1, y1, x2, y2))
            bin_h, bin_w = max(he - hs + 1, 1) / ph, max(we - ws + 1, 1) / pw
            for i in range(ph):
                h0 = min(max(int(i * bin_h // 1) + hs, 0), h)
                h1 = min(max(-int(-(i + 1) * bin_h // 1) + hs, 0), h)
                for j in range(pw):
                    w0 = min(max(int(j * bin_w // 1) + ws, 0), w)
                    w1 = min(max(-int(-(j + 1) * bin_w // 1) + ws, 0), w)
                    if h1 <= h0 or w1 <= w0:
                        continue
                    window = data[b, :, h0:h1, w0:w1].reshape(c, -1)
                    k = window.argmax(axis=1)   # the first maximum, as MXNet's strict > scan keeps
                    y[r, :, i, j] = window[xp.arange(c), k]
                    arg[r, :, i, j] = (b * c + xp.arange(c)) * h * w + plane[h0:h1, w0:w1].reshape(-1)[k]
        return y, (arg, data.shape)

    @staticmethod
    def backward(xp, saved, gy, needs=None, pooled_size=(2, 2), spatial_scale=1.0):
        if not need(needs, 0):
            return None, None
        arg, shape = saved
        hit = arg >= 0
        gx = xp.zeros(shape[0] * shape[1] * shape[2] * shape[3], dtype=gy.dtype)
        xp.add.at(gx, arg[hit], gy[hit])
        return gx.reshape(shape), None

    @classmethod
    def saved_bytes(cls, data, rois, itemsize=4, pooled_size=(2, 2), spatial_scale=1.0):
        ph, pw = _pair(pooled_size)
        return rois[0] * data[1] * ph * pw * 8   # the int64 argmax of every output

    @staticmethod
    def infer(data, rois, pooled_size=(2, 2), spatial_scale=1.0):
        data, rois = tuple(data), tuple(rois)
        if len(data) != 4 or len(rois) != 2 or (rois[1] is not None and rois[1] != 5):
            raise shape_error("roi_pool", "needs data (N, C, H, W) and rois (R, 5)", data, rois)
        return (rois[0], data[1]) + _pair(pooled_size)
