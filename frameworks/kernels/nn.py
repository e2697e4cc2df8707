"""Neural-network kernels: conv2d and max_pool2d (im2col over strided views + one GEMM), embedding,
fused softmax cross-entropy, and the fused sequence LSTM (one GEMM for every step's input projection)."""
from .base import Kernel, register, need, shape_error


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def _windows(xp, x, kh, kw, sh, sw, ho, wo):
    """A strided view (N, C, Ho, Wo, kh, kw) of x's sliding windows; no copy."""
    n, c = x.shape[:2]
    s_n, s_c, s_h, s_w = x.strides
    return xp.lib.stride_tricks.as_strided(
        x, (n, c, ho, wo, kh, kw), (s_n, s_c, s_h * sh, s_w * sw, s_h, s_w))


def _scatter_windows(xp, gx, gwin, kh, kw, sh, sw, ho, wo):
    """Add window gradients (N, C, Ho, Wo, kh, kw) back into gx (N, C, Hp, Wp): one add per kernel offset."""
    for i in range(kh):
        for j in range(kw):
            gx[:, :, i:i + sh * ho:sh, j:j + sw * wo:sw] += gwin[:, :, :, :, i, j]


def _out_size(size, k, s, p, ceil=False):
    span = size + 2 * p - k
    return (-(-span // s) if ceil else span // s) + 1


@register
class Conv2D(Kernel):
    """y = conv2d(x, w) + b; x NCHW, w OIHW (O, C, kh, kw), b (O,) or None; stride, pad per axis."""
    name = "conv2d"

    @staticmethod
    def forward(xp, x, w, b=None, stride=1, pad=0):
        sh, sw = _pair(stride)
        ph, pw = _pair(pad)
        n, c, h, wd = x.shape
        o, _, kh, kw = w.shape
        ho, wo = _out_size(h, kh, sh, ph), _out_size(wd, kw, sw, pw)
        if ph or pw:
            x = xp.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
        # im2col: (N*Ho*Wo, C*kh*kw) rows, one copy out of the strided view, then one GEMM
        cols = _windows(xp, x, kh, kw, sh, sw, ho, wo).transpose(0, 2, 3, 1, 4, 5).reshape(n * ho * wo, -1)
        y = cols @ w.reshape(o, -1).T
        if b is not None:
            y += b
        y = xp.ascontiguousarray(y.reshape(n, ho, wo, o).transpose(0, 3, 1, 2))
        return y, (cols, w, x.shape, b is not None)

    @staticmethod
    def backward(xp, saved, gy, needs=None, stride=1, pad=0):
        cols, w, xpad_shape, has_bias = saved
        sh, sw = _pair(stride)
        ph, pw = _pair(pad)
        n, o, ho, wo = gy.shape
        _, c, kh, kw = w.shape
        gy2 = gy.transpose(0, 2, 3, 1).reshape(-1, o)
        gx = gw = gb = None
        if need(needs, 1):
            gw = (gy2.T @ cols).reshape(w.shape)
        if has_bias and need(needs, 2):
            gb = gy.sum(axis=(0, 2, 3))
        if need(needs, 0):
            gcols = (gy2 @ w.reshape(o, -1)).reshape(n, ho, wo, c, kh, kw).transpose(0, 3, 1, 2, 4, 5)
            gx = xp.zeros(xpad_shape, dtype=gy.dtype)
            _scatter_windows(xp, gx, gcols, kh, kw, sh, sw, ho, wo)
            if ph or pw:
                gx = gx[:, :, ph:xpad_shape[2] - ph, pw:xpad_shape[3] - pw]
        return (gx, gw, gb) if has_bias else (gx, gw)

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
    """
    name = "max_pool2d"

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
        extra_h = max(0, (ho - 1) * sh + kh - h - ph)
        extra_w = max(0, (wo - 1) * sw + kw - w - pw)
        if ph or pw or extra_h or extra_w:
            x = xp.pad(x, ((0, 0), (0, 0), (ph, extra_h), (pw, extra_w)), constant_values=-xp.inf)
        win = _windows(xp, x, kh, kw, sh, sw, ho, wo).reshape(n, c, ho, wo, kh * kw)
        arg = win.argmax(axis=-1)
        y = xp.take_along_axis(win, arg[..., None], axis=-1)[..., 0]
        return y, (arg, x.shape, (h, w))

    @staticmethod
    def backward(xp, saved, gy, needs=None, kernel=2, stride=None, pad=0, ceil_mode=False):
        arg, xpad_shape, (h, w) = saved
        kh, kw, sh, sw, ph, pw, ho, wo = MaxPool2D._geometry(
            xpad_shape[:2] + (h, w), kernel, stride, pad, ceil_mode)
        gx = xp.zeros(xpad_shape, dtype=gy.dtype)
        for k in range(kh * kw):
            i, j = divmod(k, kw)
            gx[:, :, i:i + sh * ho:sh, j:j + sw * wo:sw] += gy * (arg == k)
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
    """y = weight[ids]: a gather of rows; backward scatter-adds, so repeated ids accumulate."""
    name = "embedding"

    @staticmethod
    def forward(xp, weight, ids):
        return xp.take(weight, ids, axis=0), (ids, weight.shape)

    @staticmethod
    def backward(xp, saved, gy, needs=None):
        ids, shape = saved
        if not need(needs, 0):
            return None, None
        gw = xp.zeros(shape, dtype=gy.dtype)
        xp.add.at(gw, ids.reshape(-1), gy.reshape(-1, shape[1]))
        return gw, None

    @staticmethod
    def infer(weight, ids):
        weight = tuple(weight)
        if len(weight) != 2:
            raise shape_error("embedding", "weight must be (num_embeddings, dim)", weight, ids)
        return tuple(ids) + (weight[1],)


@register
class SoftmaxCrossEntropy(Kernel):
    """loss = mean over rows of -log softmax(logits)[label]; logits (N, C), integer labels (N,)."""
    name = "softmax_cross_entropy"

    @staticmethod
    def forward(xp, logits, labels):
        n = logits.shape[0]
        shifted = logits - logits.max(axis=1, keepdims=True)
        e = xp.exp(shifted)
        s = e.sum(axis=1, keepdims=True)
        rows = xp.arange(n)
        loss = (xp.log(s[:, 0]) - shifted[rows, labels]).mean()
        e /= s  # the softmax probabilities: all backward needs
        return loss, (e, labels)

    @staticmethod
    def backward(xp, saved, gy, needs=None):
        probs, labels = saved
        n = probs.shape[0]
        g = probs.copy()
        g[xp.arange(n), labels] -= 1
        g *= gy / n
        return g, None

    @staticmethod
    def infer(logits, labels):
        logits, labels = tuple(logits), tuple(labels)
        if len(logits) != 2 or len(labels) != 1:
            raise shape_error("softmax_cross_entropy", "logits must be (N, C) and labels (N,)", logits, labels)
        if logits[0] != labels[0] and None not in (logits[0], labels[0]):
            raise shape_error("softmax_cross_entropy", "logits and labels disagree on N", logits, labels)
        return ()


def _sigmoid_(xp, x):
    """In place: x <- sigmoid(x), as 0.5 * (1 + tanh(x / 2))."""
    x *= 0.5
    xp.tanh(x, out=x)
    x += 1
    x *= 0.5


@register
class LSTM(Kernel):
    """Fused one-layer LSTM over a whole sequence, time-major.

    inputs: x (T, B, E), h0 (B, H), c0 (B, H), wx (E, 4H), wh (H, 4H), b_ih (4H,), b_hh (4H,)
    gates = x_t @ wx + h @ wh + b_ih + b_hh, split i, f, g, o (sigmoid, sigmoid, tanh, sigmoid);
    c = f * c + i * g; h = o * tanh(c).
    outputs: (hs (T, B, H), h_T (B, H), c_T (B, H)); backward is full BPTT.
    """
    name = "lstm"
    n_outputs = 3

    @staticmethod
    def forward(xp, x, h0, c0, wx, wh, b_ih, b_hh):
        t_len, b, e = x.shape
        hid = wh.shape[0]
        # the input projection of every step in one GEMM; the recurrence then needs only h @ wh
        xw = (x.reshape(t_len * b, e) @ wx).reshape(t_len, b, 4 * hid)
        xw += b_ih + b_hh
        acts = xw  # overwritten step by step with the activated gates (i, f, g, o)
        hs = xp.empty((t_len, b, hid), dtype=x.dtype)
        cs = xp.empty((t_len, b, hid), dtype=x.dtype)
        tcs = xp.empty((t_len, b, hid), dtype=x.dtype)
        h, c = h0, c0
        for t in range(t_len):
            a = acts[t]
            a += h @ wh
            _sigmoid_(xp, a[:, :2 * hid])
            xp.tanh(a[:, 2 * hid:3 * hid], out=a[:, 2 * hid:3 * hid])
            _sigmoid_(xp, a[:, 3 * hid:])
            i, f, g, o = a[:, :hid], a[:, hid:2 * hid], a[:, 2 * hid:3 * hid], a[:, 3 * hid:]
            c = xp.multiply(f, c, out=cs[t])
            c += i * g
            xp.tanh(c, out=tcs[t])
            h = xp.multiply(o, tcs[t], out=hs[t])
        saved = (x, h0, c0, wx, wh, acts, hs, cs, tcs)
        return (hs, hs[-1], cs[-1]), saved

    @staticmethod
    def backward(xp, saved, gys, needs=None):
        x, h0, c0, wx, wh, acts, hs, cs, tcs = saved
        ghs, gh_last, gc_last = gys
        t_len, b, e = x.shape
        hid = wh.shape[0]
        dh_next = xp.zeros((b, hid), dtype=x.dtype) if gh_last is None else gh_last.copy()
        dc_next = xp.zeros((b, hid), dtype=x.dtype) if gc_last is None else gc_last.copy()
        dgates = xp.empty_like(acts)
        wh_t = wh.T
        for t in range(t_len - 1, -1, -1):
            a = acts[t]
            i, f, g, o = a[:, :hid], a[:, hid:2 * hid], a[:, 2 * hid:3 * hid], a[:, 3 * hid:]
            dh = dh_next if ghs is None else dh_next + ghs[t]
            tc = tcs[t]
            c_prev = cs[t - 1] if t > 0 else c0
            dc = dh * o
            dc *= 1 - tc * tc
            dc += dc_next
            d = dgates[t]
            xp.multiply(dc, g, out=d[:, :hid])
            d[:, :hid] *= i * (1 - i)
            xp.multiply(dc, c_prev, out=d[:, hid:2 * hid])
            d[:, hid:2 * hid] *= f * (1 - f)
            xp.multiply(dc, i, out=d[:, 2 * hid:3 * hid])
            d[:, 2 * hid:3 * hid] *= 1 - g * g
            xp.multiply(dh, tc, out=d[:, 3 * hid:])
            d[:, 3 * hid:] *= o * (1 - o)
            dc_next = dc * f
            dh_next = d @ wh_t
        d2 = dgates.reshape(t_len * b, 4 * hid)
        gx = (d2 @ wx.T).reshape(t_len, b, e) if need(needs, 0) else None
        gwx = x.reshape(t_len * b, e).T @ d2 if need(needs, 3) else None
        gwh = None
        if need(needs, 4):
            gwh = h0.T @ dgates[0]
            if t_len > 1:
                gwh += hs[:-1].reshape((t_len - 1) * b, hid).T @ dgates[1:].reshape((t_len - 1) * b, 4 * hid)
        gbias = d2.sum(axis=0)
        return (gx, dh_next if need(needs, 1) else None, dc_next if need(needs, 2) else None,
                gwx, gwh, gbias if need(needs, 5) else None, gbias.copy() if need(needs, 6) else None)

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
