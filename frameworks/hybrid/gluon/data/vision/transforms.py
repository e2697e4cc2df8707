"""gluon.data.vision.transforms: the per-sample image transforms as Blocks (HWC uint8 in, as the datasets
give them; NumPy samples are taken as NDArrays). Resizing is OpenCV's bilinear or nearest, on the host as MXNet's
image ops; rotations and hue are refused."""
import numpy

from .... import ndarray
from ....base import MXNetError, refused
from ...block import Block, Sequential


def _nd(x):
    return x if isinstance(x, ndarray.NDArray) else ndarray.array(numpy.asarray(x), dtype=numpy.asarray(x).dtype)


class Compose(Sequential):
    """The transforms run in order."""

    def __init__(self, transforms):
        super().__init__()
        with self.name_scope():
            for t in transforms:
                if not isinstance(t, Block):
                    t = _Callable(t)
                self.add(t)


class _Callable(Block):
    def __init__(self, fn):
        super().__init__()
        self._fn = fn

    def forward(self, *args):
        return self._fn(*args)


class Cast(Block):
    """x as `dtype`."""

    def __init__(self, dtype="float32"):
        super().__init__()
        self._dtype = dtype

    def forward(self, x):
        return _nd(x).astype(self._dtype)


class ToTensor(Block):
    """(H, W, C) (or (N, H, W, C)) uint8 in [0, 255] -> (C, H, W) (or (N, C, H, W)) float32 in [0, 1]."""

    def forward(self, x):
        x = _nd(x)
        if x.ndim not in (3, 4):
            raise MXNetError(f"ToTensor: expects (H, W, C) or (N, H, W, C) input, got shape {x.shape}")
        axes = (2, 0, 1) if x.ndim == 3 else (0, 3, 1, 2)
        return ndarray.transpose(x.astype("float32"), axes=axes) / 255.0


class Normalize(Block):
    """(x - mean) / std per channel of a (C, H, W) or (N, C, H, W) tensor."""

    def __init__(self, mean=0.0, std=1.0):
        super().__init__()
        self._mean, self._std = mean, std

    def forward(self, x):
        x = _nd(x)
        c_axis = 0 if x.ndim == 3 else 1
        shape = [1] * x.ndim
        shape[c_axis] = -1
        mean = numpy.asarray(self._mean, dtype="float32").reshape(shape if numpy.ndim(self._mean) else ())
        std = numpy.asarray(self._std, dtype="float32").reshape(shape if numpy.ndim(self._std) else ())
        if mean.size not in (1, x.shape[c_axis]) or std.size not in (1, x.shape[c_axis]):
            raise MXNetError(f"Normalize: mean {self._mean} / std {self._std} do not match {x.shape[c_axis]} "
                             "channels")
        return (x - ndarray.array(mean, ctx=x.context)) / ndarray.array(std, ctx=x.context)


class _Flip(Block):
    _axis_hwc = None

    def forward(self, x):
        from .... import ndarray as nd
        x = _nd(x)
        if nd.random.rs.rand() < 0.5:
            return nd.flip(x, axis=self._axis_hwc - 3 + x.ndim)
        return x


class RandomFlipLeftRight(_Flip):
    """The (H, W, C) image mirrored left-right with probability 0.5 (mx.random's generator)."""
    _axis_hwc = 1


class RandomFlipTopBottom(_Flip):
    """The (H, W, C) image flipped top-bottom with probability 0.5."""
    _axis_hwc = 0


class CenterCrop(Block):
    """The central (width, height) window of an (H, W, C) image (no resampling: size must fit)."""

    def __init__(self, size, interpolation=1):
        super().__init__()
        self._size = (size, size) if isinstance(size, int) else tuple(size)

    def forward(self, x):
        x = _nd(x)
        w, h = self._size
        H, W = x.shape[0], x.shape[1]
        if w > W or h > H:
            raise MXNetError(f"CenterCrop: a {w}x{h} crop does not fit a {W}x{H} image (resizing is not "
                             "supported here)")
        top, left = (H - h) // 2, (W - w) // 2
        return x[top:top + h, left:left + w]


def _refused(name, alternative):
    return refused(name, Block, f"transforms.{name} is not supported (no image rotation or hue kernels in "
                                f"this engine); {alternative}")


def _as_dtype(host, dtype):
    """Back to the image's dtype: integer images rounded and saturated (OpenCV's saturate_cast)."""
    if numpy.issubdtype(dtype, numpy.integer):
        info = numpy.iinfo(dtype)
        return numpy.clip(numpy.floor(host + 0.5), info.min, info.max).astype(dtype)
    return host.astype(dtype)


def _source_index(out_size, in_size, interpolation):
    """For each output pixel along one axis: (lower source index, upper, weight of the upper), OpenCV's
    INTER_NEAREST (0) or INTER_LINEAR (1, half-pixel centres, clamped at the borders)."""
    scale = in_size / out_size
    d = numpy.arange(out_size)
    if interpolation == 0:
        i0 = numpy.minimum(numpy.floor(d * scale).astype(int), in_size - 1)
        return i0, i0, numpy.zeros(out_size)
    src = (d + 0.5) * scale - 0.5
    i0 = numpy.floor(src).astype(int)
    frac = src - i0
    frac[i0 < 0] = 0.0
    i0 = numpy.clip(i0, 0, in_size - 1)
    i1 = numpy.minimum(i0 + 1, in_size - 1)
    return i0, i1, frac


def _resize(x, size, interpolation=1, opname="Resize"):
    """(H, W, C) or (N, H, W, C) image(s) resized to size = (width, height)."""
    x = _nd(x)
    if x.ndim not in (3, 4):
        raise MXNetError(f"{opname}: expects (H, W, C) or (N, H, W, C) input, got shape {x.shape}")
    if interpolation not in (0, 1):
        raise MXNetError(f"{opname}: interpolation {interpolation} is not supported; 0 (nearest) and 1 "
                         "(bilinear, the default) are")
    w, h = size
    host = x.asnumpy()
    H, W = host.shape[-3], host.shape[-2]
    if (h, w) == (H, W):
        return x
    y0, y1, fy = _source_index(h, H, interpolation)
    x0, x1, fx = _source_index(w, W, interpolation)
    img = host.astype("float64")
    fx = fx[:, None]
    top = img[..., y0, :, :][..., :, x0, :] * (1 - fx) + img[..., y0, :, :][..., :, x1, :] * fx
    bottom = img[..., y1, :, :][..., :, x0, :] * (1 - fx) + img[..., y1, :, :][..., :, x1, :] * fx
    fy = fy[:, None, None]
    out = top * (1 - fy) + bottom * fy
    return ndarray.array(_as_dtype(out, host.dtype), ctx=x.context, dtype=host.dtype)


class Resize(Block):
    """(H, W, C) or (N, H, W, C) images resized to size (an int: (size, size), or the short edge when
    keep_ratio) or (width, height); interpolation 1 bilinear (OpenCV's, the default) or 0 nearest."""

    def __init__(self, size, keep_ratio=False, interpolation=1):
        super().__init__()
        self._keep, self._size, self._interpolation = keep_ratio, size, interpolation

    def forward(self, x):
        x = _nd(x)
        if isinstance(self._size, int):
            H, W = x.shape[-3], x.shape[-2]
            if not self._keep:
                size = (self._size, self._size)
            elif H > W:   # the short edge to size, the long one scaled (integer division, as MXNet's op)
                size = (self._size, H * self._size // W)
            else:
                size = (W * self._size // H, self._size)
        else:
            size = tuple(self._size)
        return _resize(x, size, self._interpolation)


class CropResize(Block):
    """The window at (x, y) of width x height, resized to `size` when given."""

    def __init__(self, x, y, width, height, size=None, interpolation=None):
        super().__init__()
        self._x, self._y, self._width, self._height = x, y, width, height
        self._size = (size, size) if isinstance(size, int) else size
        self._interpolation = 1 if interpolation is None else interpolation

    def forward(self, x):
        x = _nd(x)
        H, W = x.shape[-3], x.shape[-2]
        if self._x + self._width > W or self._y + self._height > H:
            raise MXNetError(f"CropResize: the window x={self._x}, y={self._y}, {self._width}x{self._height} does "
                             f"not fit a {W}x{H} image")
        out = x[..., self._y:self._y + self._height, self._x:self._x + self._width, :]
        return _resize(out, self._size, self._interpolation, "CropResize") if self._size else out


class RandomResizedCrop(Block):
    """A random window of area scale * the image's and aspect ratio in `ratio` (log-uniform), resized to
    `size` (Inception's crop; after 10 tries that do not fit, the central crop); mx.random's generator."""

    def __init__(self, size, scale=(0.08, 1.0), ratio=(3.0 / 4.0, 4.0 / 3.0), interpolation=1):
        super().__init__()
        self._size = (size, size) if isinstance(size, int) else tuple(size)
        self._scale, self._ratio, self._interpolation = scale, ratio, interpolation

    def forward(self, x):
        from .... import ndarray as nd
        x = _nd(x)
        rs = nd.random.rs
        H, W = x.shape[0], x.shape[1]
        area = H * W
        for _ in range(10):
            target_area = rs.uniform(*self._scale) * area
            aspect = numpy.exp(rs.uniform(numpy.log(self._ratio[0]), numpy.log(self._ratio[1])))
            w = int(round(numpy.sqrt(target_area * aspect)))
            h = int(round(numpy.sqrt(target_area / aspect)))
            if 0 < w <= W and 0 < h <= H:
                x0, y0 = rs.randint(0, W - w + 1), rs.randint(0, H - h + 1)
                return _resize(x[y0:y0 + h, x0:x0 + w], self._size, self._interpolation, "RandomResizedCrop")
        # the central crop of the target aspect ratio (MXNet's center_crop fallback)
        w, h = self._size
        scale = min(W / w, H / h)
        cw, ch = int(w * scale), int(h * scale)
        x0, y0 = (W - cw) // 2, (H - ch) // 2
        return _resize(x[y0:y0 + ch, x0:x0 + cw], self._size, self._interpolation, "RandomResizedCrop")


_GRAY = numpy.array([0.299, 0.587, 0.114])


def _random_alpha(amount):
    from .... import ndarray as nd
    return 1.0 + nd.random.rs.uniform(-amount, amount)


def _brightness(img, amount):
    return img * _random_alpha(amount)


def _contrast(img, amount):
    alpha = _random_alpha(amount)
    return img * alpha + (img @ _GRAY).mean() * (1 - alpha)


def _saturation(img, amount):
    alpha = _random_alpha(amount)
    return img * alpha + (img @ _GRAY)[..., None] * (1 - alpha)


class _ColorTransform(Block):
    """A color change of an (H, W, 3) image, computed in float and given back in the image's dtype."""
    _steps = ()

    def forward(self, x):
        x = _nd(x)
        if x.shape[-1] != 3:
            raise MXNetError(f"{type(self).__name__}: expects an (H, W, 3) RGB image, got shape {x.shape}")
        host = x.asnumpy()
        img = host.astype("float64")
        for fn, amount in self._order():
            if amount:
                img = fn(img, amount)
        return ndarray.array(_as_dtype(img, host.dtype), ctx=x.context, dtype=host.dtype)

    def _order(self):
        return self._steps


class RandomBrightness(_ColorTransform):
    """x * alpha, alpha uniform in [1 - brightness, 1 + brightness]."""

    def __init__(self, brightness):
        super().__init__()
        self._steps = ((_brightness, brightness),)


class RandomContrast(_ColorTransform):
    """x * alpha + (1 - alpha) * the image's mean gray level (0.299 R + 0.587 G + 0.114 B)."""

    def __init__(self, contrast):
        super().__init__()
        self._steps = ((_contrast, contrast),)


class RandomSaturation(_ColorTransform):
    """x * alpha + (1 - alpha) * each pixel's gray level."""

    def __init__(self, saturation):
        super().__init__()
        self._steps = ((_saturation, saturation),)


class RandomColorJitter(_ColorTransform):
    """Brightness, contrast and saturation changes in a random order (hue is not supported: MXNetError)."""

    def __init__(self, brightness=0, contrast=0, saturation=0, hue=0):
        super().__init__()
        if hue:
            raise MXNetError("RandomColorJitter: hue != 0 is not supported (no hue kernel in this engine); "
                             "use brightness, contrast and saturation")
        self._steps = ((_brightness, brightness), (_contrast, contrast), (_saturation, saturation))

    def _order(self):
        from .... import ndarray as nd
        return [self._steps[i] for i in nd.random.rs.permutation(len(self._steps))]


class RandomLighting(_ColorTransform):
    """AlexNet-style PCA lighting noise: x + eigvec @ (alpha_rgb * eigval), alpha_rgb ~ N(0, alpha)."""
    _eigval = numpy.array([55.46, 4.794, 1.148])
    _eigvec = numpy.array([[-0.5675, 0.7192, 0.4009],
                           [-0.5808, -0.0045, -0.8140],
                           [-0.5836, -0.6948, 0.4203]])

    def __init__(self, alpha):
        super().__init__()
        self._steps = ((self._lighting, alpha),)

    def _lighting(self, img, alpha):
        from .... import ndarray as nd
        rgb = self._eigvec @ (nd.random.rs.normal(0, alpha, 3) * self._eigval)
        return img + rgb


Rotate = _refused("Rotate", "rotate the arrays beforehand")
RandomRotation = _refused("RandomRotation", "rotate the arrays beforehand")
RandomHue = _refused("RandomHue", "adjust the arrays beforehand")


class RandomApply(Sequential):
    """The transforms, applied with probability p (mx.random's generator)."""

    def __init__(self, transforms, p=0.5):
        super().__init__()
        self.transforms, self.p = transforms, p

    def forward(self, x):
        from .... import ndarray as nd
        return self.transforms(x) if nd.random.rs.rand() < self.p else x


__all__ = ["Compose", "Cast", "ToTensor", "Normalize", "RandomFlipLeftRight", "RandomFlipTopBottom",
           "CenterCrop", "Resize", "RandomResizedCrop", "CropResize", "Rotate", "RandomRotation",
           "RandomBrightness", "RandomContrast", "RandomSaturation", "RandomHue", "RandomColorJitter",
           "RandomLighting", "RandomApply"]
