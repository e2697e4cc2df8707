"""Neural-network kernels: conv2d (im2col + one GEMM) and max_pool2d (no loops over pixels), embedding,
fused softmax cross-entropy, and the fused sequence LSTM (one GEMM for every step's input projection)."""
import functools
import itertools

from .backend import errstate, small_gemm_kernels
from .base import Kernel, register, need, nbytes_of, shape_error
from .index import as_indices, scatter_add_rows
from .workspace import pool
from .loss import REDUCTIONS, reduce_loss


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def _copy_rows(xp, dst, src):
    """dst[...] = src (the same shape and dtype), the same numbers, copied run by run: on NumPy, where the
    last axis is a contiguous run in both (merged with the axes before it while both stay contiguous) of
    at most _LONGEST_RUN bytes, each run moves as one void item of its full width, one memmove, where a
    plain copy sets up its inner loop once per run: the thousands of runs of 14 floats that im2col,
    padding and col2im copy in the cnn's second layer cost about half as much this way. Longer runs keep
    the plain copy, whose SIMD loop is as fast there."""
    size, ds, ss = dst.itemsize, dst.strides, src.strides
    if ds[-1] == ss[-1] == size and xp.__name__ == "numpy" and dst.size and not dst.dtype.hasobject:
        shape = dst.shape
        k, run = len(shape) - 1, shape[-1] * size
        while k and ds[k - 1] == ss[k - 1] == run:
            k -= 1
            run *= shape[k]
        if size < run <= _LONGEST_RUN:
            item = _void(xp, run)
            shape = shape[:k] + (run // size,)
            dst.reshape(shape).view(item)[..., 0] = src.reshape(shape).view(item)[..., 0]
            return
    dst[...] = src


@functools.lru_cache(maxsize=None)
def _void(xp, nbytes):
    """NumPy's void dtype of `nbytes`, made once: dtype((void, n)) runs a Python-level ctypes check on each
    call, a dozen times a cnn step."""
    return xp.dtype((xp.void, nbytes))


# the longest run (bytes) moved as one void item. Measured in the benchmark's pairing (each floor step
# right after the NumPy script's, caches cold): the cnn's second conv (runs of 14 floats) gains 40-65 us a
# forward, its first (runs of 28) loses 5-15 us with void runs; past this NumPy's own loop is as fast
_LONGEST_RUN = 64


# the bytes of one col2im chunk's offset rows (Conv2D._col2im_chunk): about half this CPU's 2 MB L2 cache
# (Xeon family 6 model 167), so the chunk's widened gy and sums fit beside them
_COL2IM_BYTES = 1 << 20


def _zero_rows(xp, dst):
    """dst[...] = 0, run by run as _copy_rows copies (the zero columns and rows of col2im's widened
    arrays: thousands of runs of a few floats)."""
    size = dst.itemsize
    if (dst.ndim and dst.strides[-1] == size and size < dst.shape[-1] * size <= _LONGEST_RUN
            and xp.__name__ == "numpy" and dst.size and not dst.dtype.hasobject):
        item = _void(xp, dst.shape[-1] * size)
        dst.view(item)[..., 0] = xp.zeros((), item)
    else:
        dst[...] = 0


def _pad(xp, x, ph, pw, value=0, extra_h=0, extra_w=0):
    """x padded by (ph, ph + extra_h) rows and (pw, pw + extra_w) columns of `value` (a pool array)."""
    if not (ph or pw or extra_h or extra_w):
        return x
    n, c, h, w = x.shape
    out = pool().full(xp, (n, c, h + 2 * ph + extra_h, w + 2 * pw + extra_w), value, x.dtype)
    _copy_rows(xp, out[:, :, ph:ph + h, pw:pw + w], x)
    return out


def _offsets(kh, kw, sh, sw, ho, wo):
    """For each kernel offset (i, j): the strided slice of the padded input that it sees, (N, C, Ho, Wo)."""
    return [(i, j, (slice(None), slice(None), slice(i, i + sh * (ho - 1) + 1, sh),
                    slice(j, j + sw * (wo - 1) + 1, sw)))
            for i in range(kh) for j in range(kw)]


def _out_size(size, k, s, p, ceil=False):
    span = size + 2 * p - k
    return (-(-span // s) if ceil else span // s) + 1


@register
class Conv2D(Kernel):
    """y = conv2d(x, w) + b; x NCHW, w OIHW (O, C, kh, kw), b (O,) or None; stride, pad per axis.

    im2col: one copy from a strided view of the padded input (every kernel offset's window at once,
    never a loop over pixels; each output row of Wo floats moved whole, _copy_rows) builds cols
    (C*kh*kw, N*Ho*Wo), then a single GEMM w(O, C*kh*kw) @ cols; the
    weight gradient is one GEMM over all N*Ho*Wo columns too. Both stay one big GEMM on purpose: per-image
    GEMMs would give NCHW directly, but OpenBLAS rounds some image-sized products differently (its
    small-matrix kernel; a sum split by image is another order), and engines whose other ops round
    differently sit close enough to the equivalence tolerance that a changed rounding here pushed keras'
    resnet beyond it (617a92a). The input gradient is the reverse (col2im): with stride 1, one GEMM per
    image over gy widened to the padded width Wp (each column the same dot product over O as in one big
    GEMM, so the same numbers to the last bit), then one 1-D add per kernel offset (_col2im_stride1).
    """
    name = "conv2d"
    uses_pool = True
    saves_inputs = (1,)
    saves_output = False

    @classmethod
    def saved_bytes(cls, x, w, b=None, stride=1, pad=0, itemsize=4):
        n, c, ho, wo = cls.infer(x, w, b, stride=stride, pad=pad)
        return nbytes_of((x[1], w[2], w[3], n, ho, wo), itemsize)   # the im2col columns

    @classmethod
    def workspace_bytes(cls, x, w, b=None, stride=1, pad=0, itemsize=4):
        n, o, ho, wo = cls.infer(x, w, b, stride=stride, pad=pad)
        ph, pw = _pair(pad)
        xpad = nbytes_of((x[0], x[1], x[2] + 2 * ph, x[3] + 2 * pw), itemsize) if ph or pw else 0
        return xpad + nbytes_of((o, n, ho, wo), itemsize)   # the padded copy; the GEMM result before NCHW

    @staticmethod
    def forward(xp, x, w, b=None, stride=1, pad=0):
        sh, sw = _pair(stride)
        ph, pw = _pair(pad)
        n, c, h, wd = x.shape
        o, _, kh, kw = w.shape
        ho, wo = _out_size(h, kh, sh, ph), _out_size(wd, kw, sw, pw)
        ws = pool()
        xpad = _pad(xp, x, ph, pw)
        cols = ws.empty(xp, (c, kh, kw, n, ho, wo), x.dtype)
        # every offset's window at once: one strided view of the padded input, one copy
        s_n, s_c, s_h, s_w = xpad.strides
        shape, strides = (c, kh, kw, n, ho, wo), (s_c, s_h, s_w, s_n, s_h * sh, s_w * sw)
        if xp.__name__ == "numpy" and xpad.flags.c_contiguous:
            # the view made directly over the array's buffer: as_strided builds it through Python-level
            # __array_interface__ plumbing, 2 us warm and several more cold, for the same view
            windows = xp.ndarray(shape, xpad.dtype, xpad, 0, strides)
        else:
            windows = xp.lib.stride_tricks.as_strided(xpad, shape, strides)
        _copy_rows(xp, cols, windows)
        cols = cols.reshape(c * kh * kw, n * ho * wo)
        w2 = w.reshape(o, -1)
        dtype = xp.result_type(w2.dtype, cols.dtype)
        y = xp.matmul(w2, cols, out=ws.empty(xp, (o, n * ho * wo), dtype))
        if b is not None:
            y += b[:, None]
        out = ws.empty(xp, (n, o, ho, wo), dtype)
        _copy_rows(xp, out, y.reshape(o, n, ho, wo).transpose(1, 0, 2, 3))
        return out, (cols, w, xpad.shape, b is not None)

    @staticmethod
    def backward(xp, saved, gy, needs=None, stride=1, pad=0):
        cols, w, xpad_shape, has_bias = saved
        sh, sw = _pair(stride)
        ph, pw = _pair(pad)
        n, o, ho, wo = gy.shape
        _, c, kh, kw = w.shape
        ws = pool()
        gx = gw = gb = None
        need_gb = has_bias and need(needs, 2)
        gy2 = None
        if need(needs, 1) or need_gb or (need(needs, 0) and (sh, sw) != (1, 1)):
            # gy as (O, N*Ho*Wo): the weight and bias gradients' operand (the stride-1 input gradient
            # reads gy itself, so conv_transpose2d's forward never makes it)
            gy2 = ws.empty(xp, (o, n * ho * wo), gy.dtype)
            _copy_rows(xp, gy2.reshape(o, n, ho, wo), gy.transpose(1, 0, 2, 3))
        if need(needs, 1):
            # with more weight columns than outputs (C*kh*kw > O), OpenBLAS runs the transposed product
            # cols @ gy2.T 1.3-1.6x faster (cnn, resnet), to the same numbers: the same dot products over
            # N*Ho*Wo in the same order
            gw = xp.matmul(cols, gy2.T).T if cols.shape[0] > o else xp.matmul(gy2, cols.T)
            gw = gw.reshape(w.shape)
        if need_gb:
            gb = gy2.sum(axis=1)
        if need(needs, 0):
            hp, wp = xpad_shape[2:]
            if (sh, sw) == (1, 1):
                gx = Conv2D._col2im_stride1(xp, ws, gy, w, hp, wp, ph, pw)
                return (gx, gw, gb) if has_bias else (gx, gw)
            else:
                gcols = xp.matmul(w.reshape(o, -1).T, gy2).reshape(c, kh, kw, n, ho, wo)
                gx = xp.zeros(xpad_shape, dtype=gy.dtype)
                for i, j, window in _offsets(kh, kw, sh, sw, ho, wo):
                    gx[window] += gcols[:, i, j].transpose(1, 0, 2, 3)
            if ph or pw:
                gx = gx[:, :, ph:hp - ph, pw:wp - pw]
        return (gx, gw, gb) if has_bias else (gx, gw)

    @staticmethod
    def _col2im_stride1(xp, ws, gy, w, hp, wp, ph, pw):
        """The input gradient of a stride-1 conv, NCHW (N, C, hp - 2*ph, wp - 2*pw), from the padded grid.

        One GEMM per image gives every kernel offset's contribution, then one add per offset accumulates
        them. Layout, not arithmetic: gy is widened to the padded width (zeros past column wo), the weight
        rows are ordered (i, j, c), and each image's GEMM writes its rows into a (C*kh*kw, n, hp*wp)
        buffer (rows past ho zero), so one offset's contributions for all channels and images are one
        contiguous run, landing on one contiguous run of the flattened (C, n, hp, wp) gradient (pixel
        (y, x) of channel c, image m at (c*n + m)*hp*wp + y*wp + x, shifted by i*wp + j): each add is ONE
        1-D add (NumPy runs a 2-D add of strided rows through its buffered iterator, 3-4x slower). The GEMMs
        are the same per-image (C*kh*kw, O) @ (O, Ho*Wp) products as before, same M, N, K (OpenBLAS picks
        its kernel by them; a wider N changed some results), writing rows ldc = n*hp*wp apart: the same
        numbers. Each pixel's adds
        come in the same offset order from zero (the first offset's terms are copied, not added to zeros:
        OpenBLAS' sums start from +0, so they hold no -0 that an add to +0 would turn), and the extra terms (the zero rows and columns, spilling
        into the next map's first pixels or the slack) are exact zeros, which leave every sum as it was,
        to the last bit.

        The images go through in chunks of n of them (_col2im_chunk), each chunk's widened gy, offset rows
        and sums sized to stay in the L2 cache from its GEMMs to its copy into gx, where the whole batch's
        offset rows (2.4 MB in the cnn's second layer) went out to memory and came back for each add;
        every image's GEMM and every pixel's adds are the same as with one chunk.
        """
        N, o, ho, wo = gy.shape
        _, c, kh, kw = w.shape
        plane, run = hp * wp, ho * wp
        n = Conv2D._col2im_chunk(N, kh * kw * c * plane * gy.itemsize)
        gy_wide = ws.empty(xp, (n, o, ho, wp), gy.dtype)
        _zero_rows(xp, gy_wide[:, :, :, wo:])   # zero past column wo
        w2t = ws.empty(xp, (kh * kw * c, o), w.dtype)   # contiguous: OpenBLAS packs it faster
        w2t.reshape(kh, kw, c, o)[...] = w.transpose(2, 3, 1, 0)
        dtype = xp.result_type(w2t, gy)
        gcols = ws.empty(xp, (kh * kw * c, n, plane), dtype)
        gcols[:, :, run:] = 0
        span = c * n * plane
        rows = gcols.reshape(kh * kw, span)
        flat = ws.empty(xp, (span + (kh - 1) * wp + kw - 1,), gy.dtype)   # slack: the last run's spill
        flat[span:] = 0
        g = flat[:span].reshape(c, n, hp, wp)[:, :, ph:hp - ph, pw:wp - pw].transpose(1, 0, 2, 3)
        gx = ws.empty(xp, (N, c, hp - 2 * ph, wp - 2 * pw), gy.dtype)
        for m in range(0, N, n):
            k = min(n, N - m)   # the last chunk may be short: its unused images' rows are not read
            _copy_rows(xp, gy_wide[:k, :, :, :wo], gy[m:m + k])
            xp.matmul(w2t, gy_wide[:k].reshape(k, o, run), out=gcols[:, :k, :run].transpose(1, 0, 2))
            flat[:span] = rows[0]   # offset (0, 0): its sums from zero are its terms themselves
            for i in range(kh):
                for j in range(kw):
                    off = i * wp + j
                    if off:
                        flat[off:off + span] += rows[i * kw + j]
            # back to NCHW (copies of strided views are fast; the consumers' ufuncs then run on a
            # contiguous array)
            _copy_rows(xp, gx[m:m + k], g[:k])
        return gx

    @staticmethod
    def _col2im_chunk(n, image_bytes):
        """Images per col2im chunk: as many as keep one chunk's offset rows within _COL2IM_BYTES, spread
        evenly over the chunks (32 images of 74 KB: 2 chunks of 16, not 14 + 14 + 4)."""
        chunks = -(-n * image_bytes // _COL2IM_BYTES)
        return -(-n // max(1, chunks))

    @staticmethod
    def infer(x, w, b=None, stride=1, pad=0):
        x, w = tuple(x), tuple(w)
        if len(x) != 4 or len(w) != 4:
            raise shape_error("conv2d", "input must be NCHW and weight OIHW (4-D each)", x, w)
        if x[1] is not None and x[1] != w[1]:
            raise shape_error("conv2d", f"input has {x[1]} channels but the weight expects {w[1]}", x, w)
        if b is not None and tuple(b) != (w[0],):
            raise shape_error("conv2d", f"bias must have shape ({w[0]},)", x, w, b)
        sh, sw = _pair(stride)
        ph, pw = _pair(pad)
        if min(sh, sw) <= 0 or min(ph, pw) < 0:
            raise shape_error("conv2d", f"stride {stride} must be > 0 and pad {pad} >= 0", x, w)
        ho = _out_size(x[2], w[2], sh, ph) if x[2] is not None else None
        wo = _out_size(x[3], w[3], sw, pw) if x[3] is not None else None
        if (ho is not None and ho <= 0) or (wo is not None and wo <= 0):
            raise shape_error("conv2d", "the kernel is larger than the padded input", x, w)
        return (x[0], w[0], ho, wo)


@register
class MaxPool2D(Kernel):
    """y = max over kh x kw windows (NCHW); stride defaults to the kernel; ceil_mode as Caffe's default.

    NOTE: the gradient goes to the first maximum of each window (argmax), as Caffe and cuDNN do.
    One elementwise pass per kernel offset keeps the running max and its offset (the first pass compares
    offsets 0 and 1 directly, so y and arg start without a copy or a zero fill): no window copies beyond
    the planes below.
    """
    name = "max_pool2d"
    uses_pool = True
    saves_inputs = ()
    saves_output = False

    @staticmethod
    def _index_itemsize(kernel):
        kh, kw = _pair(kernel)
        return 1 if kh * kw < 128 else 4

    @classmethod
    def saved_bytes(cls, x, kernel=2, stride=None, pad=0, ceil_mode=False, itemsize=4):
        y = cls.infer(x, kernel, stride, pad, ceil_mode)
        return nbytes_of(y, cls._index_itemsize(kernel))   # the argmax offsets

    @classmethod
    def workspace_bytes(cls, x, kernel=2, stride=None, pad=0, ceil_mode=False, itemsize=4):
        kh, kw, sh, sw, ph, pw, ho, wo = cls._geometry(tuple(x), kernel, stride, pad, ceil_mode)
        n, c, h, w = x
        hp = h + 2 * ph + max(0, (ho - 1) * sh + kh - h - 2 * ph)
        wp = w + 2 * pw + max(0, (wo - 1) * sw + kw - w - 2 * pw)
        xpad = nbytes_of((n, c, hp, wp), itemsize) if (hp, wp) != (h, w) else 0
        # the padded copy, the windows' planes when they do not overlap, the `better` mask and one
        # `better * k` temporary
        planes = nbytes_of((kh * kw, n, c, ho, wo), itemsize) if cls._planes((hp, wp), kh, kw, sh, sw, ho, wo) else 0
        return (xpad + planes + nbytes_of((n, c, ho, wo), 1)
                + nbytes_of((n, c, ho, wo), cls._index_itemsize(kernel)))

    @staticmethod
    def _planes(xpad_shape, kh, kw, sh, sw, ho, wo):
        """Whether forward copies the windows into contiguous planes: they do not overlap, and the padded
        input holds whole ho x wo tiles of sh x sw."""
        return sh >= kh and sw >= kw and kh * kw > 1 and xpad_shape[-2] >= ho * sh and xpad_shape[-1] >= wo * sw

    @staticmethod
    def _geometry(shape, kernel, stride, pad, ceil_mode):
        kh, kw = _pair(kernel)
        sh, sw = _pair(kernel if stride is None else stride)
        ph, pw = _pair(pad)
        ho = _out_size(shape[2], kh, sh, ph, ceil_mode)
        wo = _out_size(shape[3], kw, sw, pw, ceil_mode)
        if ceil_mode:  # as Caffe: the last window must start inside the (top/left padded) image
            if (ho - 1) * sh >= shape[2] + ph:
                ho -= 1
            if (wo - 1) * sw >= shape[3] + pw:
                wo -= 1
        return kh, kw, sh, sw, ph, pw, ho, wo

    @staticmethod
    def forward(xp, x, kernel=2, stride=None, pad=0, ceil_mode=False):
        kh, kw, sh, sw, ph, pw, ho, wo = MaxPool2D._geometry(x.shape, kernel, stride, pad, ceil_mode)
        n, c, h, w = x.shape
        extra_h = max(0, (ho - 1) * sh + kh - h - 2 * ph)
        extra_w = max(0, (wo - 1) * sw + kw - w - 2 * pw)
        ws = pool()
        xpad = _pad(xp, x, ph, pw, -xp.inf, extra_h, extra_w)
        offsets = _offsets(kh, kw, sh, sw, ho, wo)
        shape = (n, c, ho, wo)
        windows = [xpad[window] for _, _, window in offsets]
        if MaxPool2D._planes(xpad.shape, kh, kw, sh, sw, ho, wo):
            # windows that do not overlap: first copy each offset's strided view into its own contiguous
            # plane (one copy of at most the input's size), so the passes below run on contiguous memory
            # instead of reading strided views twice each. (A view made by reshape and transpose, not by
            # as_strided: NumPy copies from it 1.4x faster.)
            planes = ws.empty(xp, (kh, kw) + shape, x.dtype)
            tiles = xpad[:, :, :ho * sh, :wo * sw].reshape(n, c, ho, sh, wo, sw)
            planes[...] = tiles[:, :, :, :kh, :, :kw].transpose(3, 5, 0, 1, 2, 4)
            windows = list(planes.reshape((kh * kw,) + shape))
        y = ws.empty(xp, shape, x.dtype)
        index = xp.int8 if kh * kw < 128 else xp.int32
        arg = ws.empty(xp, shape, index)
        if len(windows) == 1:
            y[...] = windows[0]
            arg[...] = 0
            return y, (arg, xpad.shape, (h, w))
        better = ws.empty(xp, shape, bool)
        step = ws.empty(xp, shape, index)
        # int8 offsets: the comparisons' bools (one byte, 0 or 1) are read as int8 in place, so arg and the
        # k * better products take int8 loops with no cast from bool
        flags = better.view(index) if index is xp.int8 else better
        # the first pass starts from window 0 itself (no copy of it into y, no zeroed arg): the same
        # comparisons and maxima as from y = window 0, arg = 0. Strictly greater: ties keep the first maximum
        if index is xp.int8:
            xp.greater(windows[1], windows[0], out=arg.view(bool))   # arg = 1 where window 1 is greater
        else:
            xp.greater(windows[1], windows[0], out=better)
            xp.multiply(better, index(1), out=arg)
        xp.maximum(windows[0], windows[1], out=y)
        for k, v in enumerate(windows[2:], start=2):
            xp.greater(v, y, out=better)
            xp.maximum(y, v, out=y)
            # offsets come in increasing k, so "arg = k where better" is a max (a masked store is 30x slower)
            xp.maximum(arg, xp.multiply(flags, index(k), out=step), out=arg)
        return y, (arg, xpad.shape, (h, w))

    @staticmethod
    def backward(xp, saved, gy, needs=None, kernel=2, stride=None, pad=0, ceil_mode=False):
        arg, xpad_shape, (h, w) = saved
        kh, kw, sh, sw, ph, pw, ho, wo = MaxPool2D._geometry(
            xpad_shape[:2] + (h, w), kernel, stride, pad, ceil_mode)
        tiled = (sh, sw) == (kh, kw) and xpad_shape[2:] == (ho * kh, wo * kw)
        # windows that tile the input exactly (the usual 2x2/2) each own their pixels: store, don't add
        ws = pool()
        gx = (ws.empty if tiled else ws.zeros)(xp, xpad_shape, gy.dtype)
        mask = ws.empty(xp, arg.shape, bool)
        for k, (_, _, window) in enumerate(_offsets(kh, kw, sh, sw, ho, wo)):
            xp.equal(arg, k, out=mask)
            if tiled:
                xp.multiply(gy, mask, out=gx[window])
            else:
                gx[window] += gy * mask
        return (gx[:, :, ph:ph + h, pw:pw + w],)

    @staticmethod
    def infer(x, kernel=2, stride=None, pad=0, ceil_mode=False):
        x = tuple(x)
        if len(x) != 4:
            raise shape_error("max_pool2d", "input must be NCHW", x)
        kh, kw, sh, sw, ph, pw, ho, wo = MaxPool2D._geometry(
            tuple(0 if s is None else s for s in x), kernel, stride, pad, ceil_mode)
        if min(kh, kw, sh, sw) <= 0:
            raise shape_error("max_pool2d", f"kernel {kernel} and stride {stride} must be > 0", x)
        if x[2] is not None and (ho <= 0 or wo <= 0):
            raise shape_error("max_pool2d", f"the {kh}x{kw} window is larger than the input", x)
        return (x[0], x[1], ho if x[2] is not None else None, wo if x[3] is not None else None)


@register
class Embedding(Kernel):
    """y = weight[ids]: a gather of rows; backward scatter-adds, so repeated ids accumulate. An id outside
    [0, num_embeddings) is an IndexError naming the id and the size (float ids, as MXNet passes, must be
    whole numbers); mode "clip" clamps such ids into range instead, forward and backward, as MXNet's
    Embedding does (its Take and AddTakeGrad clip). In range, both modes save the ids given."""
    name = "embedding"
    uses_pool = True    # backward's row sums (scatter_add_rows)
    saves_inputs = (1,)
    saves_output = False

    @staticmethod
    def forward(xp, weight, ids, mode="raise"):
        try:   # (without the check, -1 would silently be the last row)
            ids = as_indices(xp, "embedding", ids, weight.shape[0], what="id")
        except IndexError:
            if mode != "clip":
                raise
            ids = as_indices(xp, "embedding", ids, weight.shape[0], what="id", mode="clip")
        return xp.take(weight, ids, axis=0), (ids, weight.shape)

    @staticmethod
    def backward(xp, saved, gy, needs=None, mode="raise"):
        ids, shape = saved
        if not need(needs, 0):
            return None, None
        gw = xp.zeros(shape, dtype=gy.dtype)
        scatter_add_rows(xp, gw, ids.reshape(-1), gy.reshape(-1, shape[1]))
        return gw, None

    @staticmethod
    def infer(weight, ids, mode="raise"):
        weight = tuple(weight)
        if len(weight) != 2:
            raise shape_error("embedding", "weight must be (num_embeddings, dim)", weight, ids)
        return tuple(ids) + (weight[1],)


@register
class SoftmaxCrossEntropy(Kernel):
    """loss_i = -log softmax(logits)[i, label_i]; logits (N, C), class labels (N,); reduction "mean" (the
    default: one scalar, as tf.losses and PyTorch's cross_entropy give), "sum", or "none" (the (N,) vector
    TF's sparse_softmax_cross_entropy_with_logits and MXNet's SoftmaxCrossEntropyLoss give).

    Labels are integers, or floats holding whole numbers (MXNet passes float32 labels; 1.5 is a ValueError).
    A label outside [0, C) is an IndexError naming it and C. ignore_index (PyTorch's cross_entropy; None =
    none ignored): rows with that label lose 0 and "mean" is over the other rows."""
    name = "softmax_cross_entropy"
    uses_pool = True
    saves_inputs = (1,)
    saves_output = False

    @classmethod
    def saved_bytes(cls, logits, labels, ignore_index=None, reduction="mean", itemsize=4):
        return nbytes_of(logits, itemsize)   # the softmax probabilities

    @classmethod
    def workspace_bytes(cls, logits, labels, ignore_index=None, reduction="mean", itemsize=4):
        # the row maxima and sums, the row indices and the picked entries (with ignore_index: the keep mask
        # and the masked labels too); the shifted logits are the saved probabilities' buffer
        extra = nbytes_of(labels, 9) if ignore_index is not None else 0
        return nbytes_of(logits[:1], itemsize) * 4 + nbytes_of(labels, 8) * 2 + extra

    @staticmethod
    def forward(xp, logits, labels, ignore_index=None, reduction="mean"):
        n, c = logits.shape
        idx = as_indices(xp, "softmax_cross_entropy", labels, c, what="label", ignore=ignore_index)
        # NumPy's row maximum runs 2-3x faster given its identity -inf (a reduction without one first copies
        # each row's first entry); max(-inf, row) is the row's maximum, NaN included
        initial = {"initial": -xp.inf} if xp.__name__ == "numpy" and logits.dtype.kind == "f" else {}
        top = logits.max(axis=1, keepdims=True, **initial)
        rows = xp.arange(n)
        # the shifted logits live in exp's own buffer: the loss picks its entries from them first, then exp
        # overwrites them (one pass and one full-size array fewer than exp into a second array)
        floating = logits.dtype.kind == "f"
        shifted = xp.subtract(logits, top, out=pool().empty(xp, logits.shape, logits.dtype)) if floating \
            else logits - top
        keep = None if ignore_index is None else idx != ignore_index
        picked = shifted[rows, idx if keep is None else xp.where(keep, idx, 0)]
        e = xp.exp(shifted, out=shifted if floating else None)
        s = e.sum(axis=1, keepdims=True)
        e /= s  # the softmax probabilities: all backward needs, with the labels as given
        if keep is None:
            losses = xp.log(s[:, 0]) - picked
            return reduce_loss("softmax_cross_entropy", losses, reduction), (e, labels, None)
        count = keep.sum().astype(logits.dtype)
        losses = (xp.log(s[:, 0]) - picked) * keep
        loss = losses.sum() / count if reduction == "mean" else reduce_loss("softmax_cross_entropy", losses,
                                                                             reduction)
        return loss, (e, labels, count)

    @staticmethod
    def backward(xp, saved, gy, needs=None, ignore_index=None, reduction="mean"):
        if not need(needs, 0):
            return None, None
        probs, labels, count = saved
        if labels.dtype.kind == "f":  # whole-number float labels, checked by forward
            labels = labels.astype(xp.int64)
        n = probs.shape[0]
        g = pool().empty(xp, probs.shape, probs.dtype)
        g[...] = probs
        # the gradient reaching each row's loss: gy / rows counted ("mean"), gy ("sum"), gy_i ("none")
        scale = gy[:, None] if reduction == "none" else gy if reduction == "sum" else \
            gy / (n if count is None else count)
        if ignore_index is None:
            g[xp.arange(n), labels] -= 1
        else:
            keep = labels != ignore_index
            g[xp.arange(n), xp.where(keep, labels, 0)] -= 1
            g *= keep[:, None]
        g *= scale
        return g, None

    @staticmethod
    def infer(logits, labels, ignore_index=None, reduction="mean"):
        logits, labels = tuple(logits), tuple(labels)
        if len(logits) != 2 or len(labels) != 1:
            raise shape_error("softmax_cross_entropy", "logits must be (N, C) and labels (N,)", logits, labels)
        if logits[0] != labels[0] and None not in (logits[0], labels[0]):
            raise shape_error("softmax_cross_entropy", "logits and labels disagree on N", logits, labels)
        if reduction not in REDUCTIONS:
            raise shape_error("softmax_cross_entropy", f"reduction must be one of {REDUCTIONS}, got "
                              f"{reduction!r}", logits, labels)
        return labels if reduction == "none" else ()


# NumPy's OpenBLAS (SkylakeX kernels) multiplies a GEMM of at most SMALL_GEMM_MACS multiply-adds with its
# small-matrix kernels: no packing, each entry one pass over the depth. A bigger one it packs, and accumulates
# a depth over BLAS_DEPTH_BLOCK in blocks of it. Packing costs a product of few rows as much as the arithmetic,
# so LSTM splits a per-step recurrent product that is just too big into small pieces where the pieces round as
# the whole does (measured, paired, OPENBLAS_NUM_THREADS=1: (16, 128) @ (128, 512) in 23 us, its four gates'
# (16, 128) @ (128, 128) in 17 us; (16, 512) @ (512, 128) in 26 us, as two 256-deep halves plus an add in 20)
SMALL_GEMM_MACS = 100 ** 3
BLAS_DEPTH_BLOCK = 256

# LSTM backward makes the recurrence-free factors of the gate gradients a chunk of steps at a time: the
# chunk's arrays (_LSTM_FACTOR_ARRAYS of (B, H) per step: its four gates, tanh(c), c_prev, and the factors
# p, q and a scratch made from them) within about half this CPU's 2 MB L2 cache (Xeon family 6 model 167)
_LSTM_CHUNK_BYTES = 1 << 20
_LSTM_FACTOR_ARRAYS = 12


def _lstm_factor_buffers(xp, acts, tcs, block):
    """LSTM backward's steps per chunk and _lstm_factors' chunk-sized buffers (both layouts), for steps kept as
    `block`, (B, H) or (H, B): tmp (scratch), p (d c / d h through h = o * tanh(c)) and q (each gate's
    d pre-activation / d c; d h for o), from the pool.

    The factors of every gate gradient that do not depend on the recurrence (_lstm_factors) are made a chunk
    of steps at a time, just before the loop runs those steps: a chunk's gates, states and factors stay in
    the L2 cache from the first pass over them to the loop's reads, where all steps at once (3 MB in the lstm
    workload) went out to memory and back for each of the 15 passes (NumPy; on a GPU one pass of all steps,
    fewer launches)."""
    t_len = acts.shape[1]
    n_chunks = 1 if xp.__name__ != "numpy" else -(-t_len * block[0] * block[1] * acts.itemsize
                                                   * _LSTM_FACTOR_ARRAYS // _LSTM_CHUNK_BYTES)
    chunk = -(-t_len // n_chunks)
    ws = pool()
    tmp = ws.empty(xp, (chunk,) + block, xp.result_type(tcs, acts))
    p = ws.empty(xp, (chunk,) + block, tmp.dtype)
    q = ws.empty(xp, (4, chunk) + block, acts.dtype)
    return chunk, tmp, p, q


def _lstm_factors(xp, acts, tcs, c_prev, q, p, tmp):
    """The factors of the LSTM gate gradients that do not depend on the recurrence, for the steps of
    `acts` (4, n, B, H: the gates i, f, g, o), `tcs` (tanh(c)) and `c_prev`: p = o * (1 - tcs * tcs)
    (d c / d h through h = o * tanh(c)) and q = the gates' d pre-activation / d c (for o: / d h), each
    product in the order of its formula, through one scratch array instead of a temporary per op."""
    i, f, g, o = acts
    xp.subtract(1, xp.multiply(tcs, tcs, out=tmp), out=tmp)
    xp.multiply(o, tmp, out=p)
    xp.subtract(1, i, out=tmp)
    xp.multiply(xp.multiply(g, i, out=q[0]), tmp, out=q[0])         # g * i * (1 - i)
    xp.subtract(1, f, out=tmp)
    xp.multiply(xp.multiply(c_prev, f, out=q[1]), tmp, out=q[1])    # c_prev * f * (1 - f)
    xp.subtract(1, xp.multiply(g, g, out=tmp), out=tmp)
    xp.multiply(i, tmp, out=q[2])                                   # i * (1 - g * g)
    xp.subtract(1, o, out=tmp)
    xp.multiply(xp.multiply(tcs, o, out=q[3]), tmp, out=q[3])       # tcs * o * (1 - o)


def _lstm_input_grads(xp, x, wx, h_prev, d2, needs):
    """The gradients of LSTM's inputs that are sums over every step, from its gate gradients d2 (T*B, 4H) in
    time-major rows: x's, the weights' (one GEMM over [x | h_prev]) and the biases'."""
    t_len, b, e = x.shape
    hid = h_prev.shape[-1]
    ws = pool()
    gx = gwx = gwh = None
    if need(needs, 0):
        # on wx.T as it is: a product of T*B rows packs its operands either way, and a transposing copy
        # of wx first cost more than it saved (measured, 1 BLAS thread: (512, 512) @ (512, 32) 163 us on
        # the view, 172 us with the copy; Haswell and SkylakeX kernels alike, the same numbers)
        gx = xp.matmul(d2, wx.T).reshape(t_len, b, e)
    need_wx, need_wh = need(needs, 3), need(needs, 4)
    if need_wx or need_wh:
        # both weight gradients from one GEMM over [x | h_prev] (one taller GEMM runs faster than the
        # two), into a pool block: the pool hands it out again only once the engine has let go of both
        # views. Made whole even when one is not needed: a GEMM of another shape may sum in another
        # order (OpenBLAS's Haswell kernels do), and a gradient must not depend on which others are asked
        xh = ws.empty(xp, (t_len * b, e + hid), x.dtype)
        xh[:, :e] = x.reshape(t_len * b, e)
        xh[:, e:] = h_prev.reshape(t_len * b, hid)   # h_prev: h0 and every step's h but the last
        gw = xp.matmul(xh.T, d2, out=ws.empty(xp, (e + hid, 4 * hid), xp.result_type(xh, d2)))
        gwx, gwh = (gw[:e] if need_wx else None), (gw[e:] if need_wh else None)
    gbias = d2.sum(axis=0)
    return gx, gwx, gwh, gbias if need(needs, 5) else None, gbias.copy() if need(needs, 6) else None


def _scaled_transpose(xp, a, scale, out):
    """out[...] = (a * scale).T for a (M, N) and scale (N,), through (M, 64) panels of a's columns: a plain
    transposing copy reads one element per cache line of `a`; a panel's transpose stays within the L1 cache
    (measured, (128, 512) float32: 23 us against 74 us)."""
    m, n = a.shape
    k = 64 if n % 64 == 0 else n
    panels = xp.multiply(a.reshape(m, n // k, k).transpose(1, 0, 2), scale.reshape(n // k, 1, k),
                         out=pool().empty(xp, (n // k, m, k), xp.result_type(a, scale)))
    out.reshape(n // k, k, m)[...] = panels.transpose(0, 2, 1)


def _lstm_recurrence(xp, weights, states, proj_steps, acts_steps, acts, cbuf, tcs, h_next, z, za, num, ig):
    """The step loop of both LSTM.forward layouts. Step t's scaled pre-activation z is states[t] @ weights
    + proj_steps[t] (the usual layout) or, with proj_steps None, weights @ states[t] (the transposed one:
    the projection rides in the GEMM); then one exp pass and one division by the numerators `num` activate
    all four gates into acts_steps[t] (za: z viewed as the gates are laid out), and c = f * c_prev + i * g
    goes into cbuf[t + 1], tanh(c) into tcs[t], h = o * tanh(c) into h_next[t] (ig: scratch for i * g).

    Where a scaled pre-activation passes the exponent's range (88 in float32) exp gives inf, and 1 / inf = 0,
    2 / inf - 1 = -1: the activations' limits, so no clamp is needed, only NumPy's overflow warning silenced
    (CuPy warns of nothing). Each step's views come from one iteration over the buffers (cheaper than
    indexing each every step); the ufuncs are locals with outputs passed positionally, about 0.05 us less a
    call, of 11 a step (matmul's out stays a keyword: CuPy's matmul, a gufunc, takes no positional output)."""
    i, f, g, o = acts
    one = z.dtype.type(1)
    left = proj_steps is None
    with errstate(xp, over="ignore"):
        matmul, add, subtract, multiply, divide, exp, tanh = (
            xp.matmul, xp.add, xp.subtract, xp.multiply, xp.divide, xp.exp, xp.tanh)
        for s_t, proj_t, acts_step, i_t, f_t, g_t, o_t, c_prev, c, tc, h_t in zip(
                states, itertools.repeat(None) if left else proj_steps, acts_steps, i, f, g, o,
                cbuf[:-1], cbuf[1:], tcs, h_next):
            if left:
                matmul(weights, s_t, out=z)
            else:
                matmul(s_t, weights, out=z)
                add(z, proj_t, z)
            exp(z, z)
            add(z, one, z)
            divide(num, za, acts_step)
            subtract(g_t, one, g_t)
            multiply(f_t, c_prev, c)
            add(c, multiply(i_t, g_t, ig), c)
            tanh(c, tc)
            multiply(o_t, tc, h_t)


def _lstm_forward_transposed(xp, x, h0, c0, wx, wh, b_ih, b_hh):
    """LSTM.forward where NumPy's BLAS packs both operands of every GEMM (OpenBLAS without small-matrix
    kernels: its Haswell and Zen cores). Each step's states are kept transposed, (H, B), and its gates
    (4H, B), and the step's whole pre-activation is one GEMM, W @ s_t = (4H, H + E + 1) @ (H + E + 1, B):
    W = [wh; wx; b_ih + b_hh].T with the gate scales, s_t = [h.T; x_t.T; 1]. Packing 4H rows against B
    columns costs less than packing B rows against 4H columns, and the input projection rides in the
    recurrent product instead of a GEMM of its own and an add per step (measured inside the lstm workload's
    step, OPENBLAS_CORETYPE=Haswell, 1 thread, B 16, H 128, E 32: forward's GEMMs 0.89 ms against 0.99 ms
    for the gate-major layout's projection and per-step products). The same products, summed in one pass
    per gate entry (so the last bits may differ from the other layout's), and the same elementwise
    operations in the same order as LSTM.forward, on contiguous (H, B) blocks; hs goes out as (T, B, H) by
    one transposing copy at the end."""
    t_len, b, e = x.shape
    hid = wh.shape[0]
    ws = pool()
    dtype = xp.result_type(x, wx, wh, b_ih, b_hh)
    scale = xp.full(4 * hid, -1.0, dtype=dtype)   # as in LSTM.forward: sigmoid's -1, tanh's -2
    scale[2 * hid:3 * hid] = -2.0
    w = ws.empty(xp, (4 * hid, hid + e + 1), dtype)
    _scaled_transpose(xp, wh, scale, w[:, :hid])
    _scaled_transpose(xp, wx, scale, w[:, hid:hid + e])
    xp.multiply(b_ih + b_hh, scale, out=w[:, -1])
    # s_t, the step's operand: rows :H are h.T (row 0: h0.T; step t writes s_(t+1)'s), then x_t.T and ones
    s = ws.empty(xp, (t_len + 1, hid + e + 1, b), dtype)
    s[0, :hid] = h0.T
    s[:t_len, hid:hid + e] = x.transpose(0, 2, 1)
    s[:t_len, -1] = 1
    acts = ws.empty(xp, (4, t_len, hid, b), dtype)   # gate-major, each step's gate a contiguous (H, B)
    cbuf = ws.empty(xp, (t_len + 1, hid, b), dtype)   # row 0: c0.T; row t + 1: c.T after step t
    cbuf[0] = c0.T
    tcs = ws.empty(xp, (t_len, hid, b), dtype)
    z = xp.empty((4 * hid, b), dtype=dtype)
    za = z.reshape(4, hid, b)
    num = xp.ones(za.shape, dtype=dtype)   # 1 for the sigmoids, 2 for tanh's 2 * sigmoid(2z)
    num[2] = 2
    ig = xp.empty((hid, b), dtype=dtype)
    _lstm_recurrence(xp, w, s[:-1], None, acts.transpose(1, 0, 2, 3), acts, cbuf, tcs, s[1:, :hid],
                     z, za, num, ig)
    # the hidden states back in the usual (T, B, H) layout, h0 in front (backward's h_prev, a slice)
    hs = ws.empty(xp, (t_len + 1, b, hid), dtype)
    hs[0] = h0
    hs[1:] = s[1:, :hid].transpose(0, 2, 1)
    saved = (x, h0, c0, wx, wh, acts, hs[:-1], cbuf, tcs, True)
    return (hs[1:], hs[-1], cbuf[-1].T), saved


def _lstm_backward_transposed(xp, x, wx, wh, acts, h_prev, cbuf, tcs, gys, needs):
    """LSTM.backward for _lstm_forward_transposed's saved layout: the recurrence on transposed (H, B) states,
    each step's gate gradients a contiguous (4H, B) block and its recurrent product wh @ d (measured as
    above: 0.71 ms a backward against 0.81 ms for d @ wh.T in the usual layout), chunk by chunk as
    LSTM.backward runs them; each chunk's gate gradients then go transposed into the usual (T*B, 4H) rows
    that the weight gradients' GEMMs over all steps take."""
    ghs, gh_last, gc_last = gys
    t_len, b, e = x.shape
    hid = wh.shape[0]
    f = acts[1]
    ws = pool()
    chunk, tmp, p, q = _lstm_factor_buffers(xp, acts, tcs, (hid, b))
    qi, qf, qg, qo = q
    # the chunk's gate gradients, step t's a contiguous (4H, B) block, copied transposed into d2's (B, 4H)
    # rows once the chunk is done, while they are still in the cache (the weight gradients' GEMMs want d2)
    dgates = ws.empty(xp, (chunk, 4, hid, b), acts.dtype)
    d2 = ws.empty(xp, (t_len, b, 4 * hid), acts.dtype)
    dh = xp.zeros((hid, b), dtype=x.dtype) if gh_last is None else gh_last.T.copy()
    spare = xp.empty((hid, b), dtype=dh.dtype)
    dc_next = xp.zeros((hid, b), dtype=x.dtype) if gc_last is None else gc_last.T.copy()
    dc = xp.empty((hid, b), dtype=x.dtype)
    need_h0, need_c0 = need(needs, 1), need(needs, 2)
    matmul, add, multiply = xp.matmul, xp.add, xp.multiply
    d_mats = dgates.reshape(chunk, 4 * hid, b)
    # the chunk's outputs' gradients transposed into a chunk-sized buffer first, so each step adds a
    # contiguous (H, B) block (an add through the transposed view cost 3x a contiguous one, more than the copy)
    gh_chunk = None if ghs is None else ws.empty(xp, (chunk, hid, b), ghs.dtype)
    for t1 in range(t_len, 0, -chunk):
        t0 = max(t1 - chunk, 0)
        n = t1 - t0
        _lstm_factors(xp, acts[:, t0:t1], tcs[t0:t1], cbuf[t0:t1], q[:, :n], p[:n], tmp[:n])
        if ghs is not None:
            gh_chunk[:n] = ghs[t0:t1].transpose(0, 2, 1)
        # each step's views from one iteration over the buffers, as in forward's loop
        for t, (di, df, dg, do), d_mat, gh, p_t, qi_t, qf_t, qg_t, qo_t, f_t in zip(
                range(t1 - 1, t0 - 1, -1), dgates[n - 1::-1], d_mats[n - 1::-1],
                [None] * n if ghs is None else gh_chunk[n - 1::-1],
                p[n - 1::-1], qi[n - 1::-1], qf[n - 1::-1], qg[n - 1::-1], qo[n - 1::-1], f[t0:t1][::-1]):
            if gh is not None:
                add(dh, gh, dh)
            multiply(dh, p_t, dc)
            add(dc, dc_next, dc)
            multiply(dc, qi_t, di)
            multiply(dc, qf_t, df)
            multiply(dc, qg_t, dg)
            multiply(dh, qo_t, do)
            if t or need_c0:
                multiply(dc, f_t, dc_next)
            if t or need_h0:
                dh, spare = matmul(wh, d_mat, out=spare), dh
        d2[t0:t1] = d_mats[:n].transpose(0, 2, 1)
    gx, gwx, gwh, gb_ih, gb_hh = _lstm_input_grads(xp, x, wx, h_prev, d2.reshape(t_len * b, 4 * hid), needs)
    return (gx, dh.T.copy() if need_h0 else None, dc_next.T.copy() if need_c0 else None, gwx, gwh, gb_ih, gb_hh)


@register
class LSTM(Kernel):
    """Fused one-layer LSTM over a whole sequence, time-major.

    inputs: x (T, B, E), h0 (B, H), c0 (B, H), wx (E, 4H), wh (H, 4H), b_ih (4H,), b_hh (4H,)
    gates = x_t @ wx + h @ wh + b_ih + b_hh, split i, f, g, o (sigmoid, sigmoid, tanh, sigmoid);
    c = f * c + i * g; h = o * tanh(c).
    outputs: (hs (T, B, H), h_T (B, H), c_T (B, H)); backward is full BPTT.

    What makes it fused: the input projection of every step is one GEMM, all four gates are activated by
    one exp pass (tanh(x) = 2 sigmoid(2x) - 1), and backward precomputes every factor that does not depend
    on the recurrence for a cache-sized chunk of steps at once, so each step is one GEMM plus a handful of
    array ops; the weight gradients are one GEMM each over all steps. Layout, not arithmetic, makes it
    fast: the gate scales (-1, -2: powers of two, so exact) are applied once to the projection and to wh
    instead of every step; the states live in (T+1, B, H) buffers whose row 0 is h0 / c0, so "the previous
    state of every step" is a slice, not a copy; and each step's GEMM multiplies contiguous operands where
    OpenBLAS has small-matrix kernels (SkylakeX: d @ wh.T with d of B rows runs 1.5-2x slower than the same
    product with wh.T copied once). NumPy runs an op on contiguous arrays of one shape 2-3x faster than on
    strided ones at these sizes (a (B, H) op is mostly call overhead), so the per-step ops are laid out
    contiguous wherever the GEMMs allow, and backward gets both weight gradients from one GEMM over
    [x | h_prev]. Where a step's recurrent product is just too big for OpenBLAS's small-matrix kernels,
    forward runs it gate by gate and backward as two half-depth GEMMs and an add, pieces that round as the
    whole does (SMALL_GEMM_MACS); there every change of layout keeps each number's operations and their
    order, so results are the same to the last bit.
    Where NumPy's BLAS packs every operand instead (OpenBLAS's Haswell and Zen kernels, as
    OPENBLAS_CORETYPE=Haswell selects on any x86: backend.small_gemm_kernels() is False), the states and
    gates are kept transposed, (H, B) and (4H, B), and each step's pre-activation is one GEMM over
    [h | x | 1] (_lstm_forward_transposed): the same products and elementwise operations, each gate entry's
    products summed in one pass, so the last bits may differ from the other layout's (test_formulas checks
    both against finite differences and against each other).
    """
    name = "lstm"
    uses_pool = True
    n_outputs = 3
    saves_inputs = (0, 1, 2, 3, 4)

    @classmethod
    def saved_bytes(cls, x, h0, c0, wx, wh, b_ih, b_hh, itemsize=4):
        t_len, b, _ = x
        hid = wh[0]
        # gate activations (4H) and tanh(c) per step, and the cell states with c0 in front (T+1 rows); the
        # hidden states' buffer is the output hs (with h0 in front)
        return nbytes_of((t_len, b, 5 * hid), itemsize) + nbytes_of((t_len + 1, b, hid), itemsize)

    @classmethod
    def workspace_bytes(cls, x, h0, c0, wx, wh, b_ih, b_hh, itemsize=4):
        t_len, b, e, hid = x[0], x[1], x[2], wh[0]
        # the usual layout: the input projection, the scales and the summed bias, the scaled wx (with the
        # bias as a row) and wh, x beside a column of ones, the activations' numerators, one step's
        # pre-activations and i * g
        usual = (nbytes_of((t_len, b, 4 * hid), itemsize) + nbytes_of((12 * hid,), itemsize)
                 + nbytes_of(tuple(wx), itemsize) + nbytes_of(tuple(wh), itemsize)
                 + nbytes_of((t_len * b, e + 1), itemsize) + nbytes_of((b, 9 * hid), itemsize))
        # the transposed one (a BLAS that packs every operand): [wh; wx; bias].T, the panels it is made
        # through (one matrix's at a time), every step's [h; x_t; 1], and one step's gates, numerators, i * g
        transposed = (nbytes_of((4 * hid, hid + e + 1), itemsize) + nbytes_of((hid, 4 * hid), itemsize)
                      + nbytes_of((t_len + 1, hid + e + 1, b), itemsize) + nbytes_of((9 * hid, b), itemsize)
                      + nbytes_of((4 * hid,), itemsize))
        return max(usual, transposed)

    @staticmethod
    def forward(xp, x, h0, c0, wx, wh, b_ih, b_hh):
        if xp.__name__ == "numpy" and not small_gemm_kernels():
            return _lstm_forward_transposed(xp, x, h0, c0, wx, wh, b_ih, b_hh)
        t_len, b, e = x.shape
        hid = wh.shape[0]
        ws = pool()
        # per gate column: sigmoid(z) = 1 / (1 + exp(-z)); tanh(z) = 2 / (1 + exp(-2z)) - 1. Scaling by a
        # power of two is exact, so scale * (x @ wx + b + h @ wh) = x @ (wx * scale) + b * scale
        # + h @ (wh * scale) to the last bit: the scales go into the weights once, not into every step.
        scale = xp.full(4 * hid, -1.0, dtype=x.dtype)
        scale[2 * hid:3 * hid] = -2.0
        x2 = x.reshape(t_len * b, e)
        bias = b_ih + b_hh
        # the (scaled) bias as one more row of wx, against a column of ones beside x, where the projection's
        # GEMM is one pass over its depth (E + 1 within a block): its last product, 1 * bias, is exact and
        # its add rounds as x @ wx + bias does, to the last bit, where a pass of its own over the (T*B, 4H)
        # projection (a broadcasting add) cost a quarter of the GEMM's time
        fold = xp.__name__ == "numpy" and e < BLAS_DEPTH_BLOCK and x.dtype == wx.dtype == bias.dtype
        if fold:
            wxs = ws.empty(xp, (e + 1, 4 * hid), x.dtype)
            xp.multiply(wx, scale, out=wxs[:e])
            xp.multiply(bias, scale, out=wxs[e])
            x1 = ws.empty(xp, (t_len * b, e + 1), x.dtype)
            x1[:, :e] = x2
            x1[:, e] = 1
        else:
            wxs = xp.multiply(wx, scale, out=ws.empty(xp, wx.shape, xp.result_type(wx, scale)))
            bias *= scale
            x1 = x2
        whs = xp.multiply(wh, scale, out=ws.empty(xp, wh.shape, xp.result_type(wh, scale)))
        dtype = xp.result_type(x1, wxs)
        # the activated gates, gate-major (i, f, g, o each a contiguous (T, B, H) block): each step's gate
        # products and all of backward's passes over them run on contiguous memory
        acts = ws.empty(xp, (4, t_len, b, hid), dtype)
        # the recurrent product per gate where the whole is big and each gate's GEMM small (SMALL_GEMM_MACS).
        # Every entry is the same dot product over H, in one pass both ways while H is at most a depth
        # block, and with H a multiple of 16 (the kernels' column tile) the same to the last bit. Then the
        # step's pre-activations are gate-major too, (4, B, H), from one batched matmul over the gates'
        # column blocks of the scaled wh (views, rows 4H apart: the same GEMMs), and so is the projection
        # (4, T*B, H), made the same way: each step's add, exp pass and division into the gates then runs
        # on four contiguous (B, H) blocks, not on 4B rows of H
        gate_major = (xp.__name__ == "numpy" and b * hid * hid <= SMALL_GEMM_MACS < b * hid * 4 * hid
                      and hid % 16 == 0 and hid <= BLAS_DEPTH_BLOCK)
        if gate_major:
            proj = xp.matmul(x1, wxs.reshape(-1, 4, hid).transpose(1, 0, 2),
                             out=ws.empty(xp, (4, t_len * b, hid), dtype))
            if not fold:
                proj += bias.reshape(4, 1, hid)
            proj_steps = proj.reshape(4, t_len, b, hid).transpose(1, 0, 2, 3)   # step t's (4, B, H)
            whs = whs.reshape(hid, 4, hid).transpose(1, 0, 2)
            z = za = xp.empty((4, b, hid), dtype=dtype)
            acts_steps = acts.transpose(1, 0, 2, 3)
        else:
            proj = xp.matmul(x1, wxs, out=ws.empty(xp, (t_len * b, 4 * hid), dtype))
            if not fold:
                proj += bias
            proj_steps = proj.reshape(t_len, b, 4 * hid)
            z = xp.empty((b, 4 * hid), dtype=dtype)
            za = z.reshape(b, 4, hid)                # the (B, 4, H) view the gates are divided from
            acts_steps = acts.transpose(1, 2, 0, 3)  # step t's (B, 4, H) view of the gate-major gates
        hbuf = ws.empty(xp, (t_len + 1, b, hid), x.dtype)   # row 0: h0; row t + 1: h after step t
        cbuf = ws.empty(xp, (t_len + 1, b, hid), x.dtype)
        hbuf[0] = h0
        cbuf[0] = c0
        tcs = ws.empty(xp, (t_len, b, hid), x.dtype)
        # the numerators of the activations: 1 for the sigmoids, 2 for tanh's 2 * sigmoid(2z) (2 / d is
        # 2 * (1 / d) to the last bit: a power of two commutes with rounding), so each step divides once
        # instead of a reciprocal and a doubling
        num = xp.ones(za.shape, dtype=dtype)
        num[(2,) if gate_major else (slice(None), 2)] = 2
        ig = xp.empty((b, hid), dtype=x.dtype)
        _lstm_recurrence(xp, whs, hbuf[:-1], proj_steps, acts_steps, acts, cbuf, tcs, hbuf[1:], z, za, num, ig)
        hs = hbuf[1:]
        saved = (x, h0, c0, wx, wh, acts, hbuf[:-1], cbuf, tcs, False)   # False: not the transposed layout
        return (hs, hs[-1], cbuf[-1]), saved

    @staticmethod
    def backward(xp, saved, gys, needs=None):
        x, h0, c0, wx, wh, acts, h_prev, cbuf, tcs, transposed = saved
        if transposed:
            return _lstm_backward_transposed(xp, x, wx, wh, acts, h_prev, cbuf, tcs, gys, needs)
        ghs, gh_last, gc_last = gys
        t_len, b, e = x.shape
        hid = wh.shape[0]
        f = acts[1]
        ws = pool()
        chunk, tmp, p, q = _lstm_factor_buffers(xp, acts, tcs, (b, hid))
        qi, qf, qg, qo = q
        # the gate gradients step-major, (B, 4H) per step: the operand of the recurrent GEMM and of the
        # weight gradients' GEMMs over all steps
        dgates = ws.empty(xp, (t_len, b, 4, hid), acts.dtype)
        dh = xp.zeros((b, hid), dtype=x.dtype) if gh_last is None else gh_last.copy()
        spare = xp.empty((b, hid), dtype=dh.dtype)   # the other half of dh's ping-pong pair
        dc_next = xp.zeros((b, hid), dtype=x.dtype) if gc_last is None else gc_last.copy()
        dc = xp.empty((b, hid), dtype=x.dtype)
        # d @ wh.T as the sum of its (i, f) and (g, o) halves where the whole is big and each half a small
        # GEMM (SMALL_GEMM_MACS) as deep as the block OpenBLAS accumulates the whole one in (2H =
        # BLAS_DEPTH_BLOCK): the same two partial sums added in the same order, to the last bit
        halves = (xp.__name__ == "numpy" and b * 2 * hid * hid <= SMALL_GEMM_MACS < b * 4 * hid * hid
                  and 2 * hid == BLAS_DEPTH_BLOCK)
        half = xp.empty((b, hid), dtype=dh.dtype) if halves else None
        wh_t = ws.empty(xp, (4 * hid, hid), wh.dtype)
        wh_t[...] = wh.T
        # every step's (B, 4H) rows of dgates, and their halves with wh.T's, as views made once
        d_rows = dgates.reshape(t_len, b, 4 * hid)
        if halves:
            d_if, d_go = d_rows[:, :, :2 * hid], d_rows[:, :, 2 * hid:]
            wh_t_if, wh_t_go = wh_t[:2 * hid], wh_t[2 * hid:]
        need_h0, need_c0 = need(needs, 1), need(needs, 2)
        # each step's gate gradients first gate-major, (4, B, H), so the four products write contiguous
        # memory (NumPy's fast path), then one transposing copy into the step's (B, 4H) row block
        d4 = xp.empty((4, b, hid), dtype=dgates.dtype)
        di, df, dg, do = d4
        d4_t = d4.transpose(1, 0, 2)
        matmul, add, multiply = xp.matmul, xp.add, xp.multiply   # as in forward's loop
        for t1 in range(t_len, 0, -chunk):
            t0 = max(t1 - chunk, 0)
            _lstm_factors(xp, acts[:, t0:t1], tcs[t0:t1], cbuf[t0:t1], q[:, :t1 - t0], p[:t1 - t0],
                          tmp[:t1 - t0])
            for t in range(t1 - 1, t0 - 1, -1):
                k = t - t0
                if ghs is not None:
                    add(dh, ghs[t], dh)
                multiply(dh, p[k], dc)
                add(dc, dc_next, dc)
                multiply(dc, qi[k], di)
                multiply(dc, qf[k], df)
                multiply(dc, qg[k], dg)
                multiply(dh, qo[k], do)
                dgates[t] = d4_t
                if t or need_c0:
                    multiply(dc, f[t], dc_next)
                if t or need_h0:
                    if halves:
                        matmul(d_if[t], wh_t_if, out=spare)
                        add(spare, matmul(d_go[t], wh_t_go, out=half), spare)
                        dh, spare = spare, dh
                    else:
                        dh, spare = matmul(d_rows[t], wh_t, out=spare), dh
        d2 = dgates.reshape(t_len * b, 4 * hid)
        gx, gwx, gwh, gb_ih, gb_hh = _lstm_input_grads(xp, x, wx, h_prev, d2, needs)
        return gx, dh if need_h0 else None, dc_next if need_c0 else None, gwx, gwh, gb_ih, gb_hh

    @staticmethod
    def infer(x, h0, c0, wx, wh, b_ih, b_hh):
        x, h0, c0, wx, wh = map(tuple, (x, h0, c0, wx, wh))
        if len(x) != 3:
            raise shape_error("lstm", "input must be (T, B, E)", x)
        hid = wh[0] if len(wh) == 2 else None
        if hid is None or wh != (hid, 4 * hid):
            raise shape_error("lstm", "wh must be (H, 4H)", wh)
        if wx != (x[2], 4 * hid) and x[2] is not None:
            raise shape_error("lstm", f"wx must be (E, 4H) = ({x[2]}, {4 * hid})", x, wx)
        for name, s in (("b_ih", b_ih), ("b_hh", b_hh)):
            if tuple(s) != (4 * hid,):
                raise shape_error("lstm", f"{name} must be (4H,) = ({4 * hid},)", tuple(s))
        for name, s in (("h0", h0), ("c0", c0)):
            if len(s) != 2 or s[1] != hid or (s[0] != x[1] and None not in (s[0], x[1])):
                raise shape_error("lstm", f"{name} must be (B, H) = ({x[1]}, {hid})", x, s)
        return ((x[0], x[1], hid), (x[1], hid), (x[1], hid))
