"""conv_transpose2d (deconvolution): the input-gradient of a convolution as a forward op, built on
conv2d's own forward and backward so the arithmetic (im2col, GEMMs, col2im) is conv2d's."""
from .base import Kernel, register, need, nbytes_of, shape_error
from .nn import Conv2D, _pair

# conv2d's own methods, taken at import, before any profiling hook wraps them: a hook then times this op
# once as conv_transpose2d, not again as nested conv2d calls
_CONV_FORWARD, _CONV_BACKWARD = Conv2D.forward, Conv2D.backward


def _out_sizes(x, w, stride, pad, output_padding):
    (sh, sw), (ph, pw), (oh, ow) = _pair(stride), _pair(pad), _pair(output_padding)
    return ((x[2] - 1) * sh - 2 * ph + w[2] + oh, (x[3] - 1) * sw - 2 * pw + w[3] + ow)


@register
class ConvTranspose2D(Kernel):
    """y = conv_transpose2d(x, w) + b; x (N, Cin, H, W), w (Cin, Cout, kh, kw) as Caffe, torch and MXNet
    lay it out, b (Cout,) or None; Ho = (H - 1) * stride - 2 * pad + kh + output_padding (Caffe's `adj`).
    A negative output_padding cuts that many rows/columns at the end instead (TF's 'SAME' windows when the
    odd pixel of padding falls after).

    y is what conv2d(., w) with this stride and pad would send back to an input of y's shape given x as
    its output gradient (w read as OIHW with O = Cin): conv2d's input-gradient path. backward: gx is
    conv2d(gy, w) forward, and gw is conv2d's weight gradient of that same call with x as its gy (roles
    swapped), so one im2col of gy serves both.
    """
    name = "conv_transpose2d"
    uses_pool = True
    saves_inputs = (0, 1)
    saves_output = False

    @classmethod
    def workspace_bytes(cls, x, w, b=None, stride=1, pad=0, output_padding=0, itemsize=4):
        n, cin, h, wd = x
        _, cout, kh, kw = w
        ho, wo = _out_sizes(x, w, stride, pad, output_padding)
        ph, pw = _pair(pad)
        hp, wp = ho + 2 * ph, wo + 2 * pw
        # conv2d's input-gradient scratch: x widened to the padded width (x as (Cin, N*H*W) on the strided
        # path), the reordered weights, the columns (one per kernel offset and padded output position) and
        # the (Cout, N, hp, wp) sums before the NCHW copy (the output)
        return itemsize * (n * cin * h * max(wp, wd) + cout * kh * kw * cin + n * cout * kh * kw * hp * wp
                           + n * cout * hp * wp + (kh - 1) * wp + kw)

    @staticmethod
    def _conv_pad_shape(x, w, stride, pad, output_padding):
        ho, wo = _out_sizes(x.shape, w.shape, stride, pad, output_padding)
        ph, pw = _pair(pad)
        return (x.shape[0], w.shape[1], ho + 2 * ph, wo + 2 * pw)

    @staticmethod
    def _full(output_padding):
        """(the output_padding conv2d computes with, whether rows/columns are then cut at the end)."""
        oh, ow = _pair(output_padding)
        return (max(oh, 0), max(ow, 0)), oh < 0 or ow < 0

    @staticmethod
    def forward(xp, x, w, b=None, stride=1, pad=0, output_padding=0):
        full, cut = ConvTranspose2D._full(output_padding)
        xpad_shape = ConvTranspose2D._conv_pad_shape(x, w, stride, pad, full)
        y = _CONV_BACKWARD(xp, (None, w, xpad_shape, False), x, (True, False), stride=stride, pad=pad)[0]
        if cut:
            ho, wo = _out_sizes(x.shape, w.shape, stride, pad, output_padding)
            y = y[:, :, :ho, :wo]
        if b is not None:
            y += b.reshape(1, -1, 1, 1)
        return y, (x, w, b is not None)

    @staticmethod
    def backward(xp, saved, gy, needs=None, stride=1, pad=0, output_padding=0):
        x, w, has_bias = saved
        gx = gw = gb = None
        full, cut = ConvTranspose2D._full(output_padding)
        if cut:   # the cut rows and columns had no effect on the output: their gradient is zero
            n, c = gy.shape[:2]
            big = xp.zeros((n, c) + _out_sizes(x.shape, w.shape, stride, pad, full), gy.dtype)
            big[:, :, :gy.shape[2], :gy.shape[3]] = gy
            gy = big
        if need(needs, 0) or need(needs, 1):
            gx, conv_saved = _CONV_FORWARD(xp, gy, w, None, stride=stride, pad=pad)
            if need(needs, 1):
                gw = _CONV_BACKWARD(xp, conv_saved, x, (False, True), stride=stride, pad=pad)[1]
            if not need(needs, 0):
                gx = None
        if has_bias and need(needs, 2):
            gb = gy.sum(axis=(0, 2, 3))
        return (gx, gw, gb) if has_bias else (gx, gw)

    @staticmethod
    def infer(x, w, b=None, stride=1, pad=0, output_padding=0):
        x, w = tuple(x), tuple(w)
        shapes = [x, w] + ([tuple(b)] if b is not None else [])
        if len(x) != 4 or len(w) != 4:
            raise shape_error("conv_transpose2d", "input must be NCHW and weight (in, out, kh, kw), 4-D each",
                              *shapes)
        if x[1] is not None and x[1] != w[0]:
            raise shape_error("conv_transpose2d", f"input has {x[1]} channels but the weight expects {w[0]}",
                              *shapes)
        if b is not None and tuple(b) != (w[1],):
            raise shape_error("conv_transpose2d", f"bias must have shape ({w[1]},)", *shapes)
        (sh, sw), (ph, pw), (oh, ow) = _pair(stride), _pair(pad), _pair(output_padding)
        if min(sh, sw) <= 0 or min(ph, pw) < 0:
            raise shape_error("conv_transpose2d", f"stride {stride} must be > 0 and pad {pad} >= 0", *shapes)
        if not (-sh < oh < sh and -sw < ow < sw):
            raise shape_error("conv_transpose2d", f"output_padding {output_padding} must be smaller than the "
                              f"stride {stride} in size", *shapes)
        if x[2] is None or x[3] is None:
            return (x[0], w[1], None, None)
        ho, wo = _out_sizes(x, w, stride, pad, output_padding)
        if ho <= 0 or wo <= 0:
            raise shape_error("conv_transpose2d", f"the output would be {ho}x{wo}: pad {pad} is too large",
                              *shapes)
        return (x[0], w[1], ho, wo)
