"""gluon.data.vision.transforms: the per-sample image transforms as Blocks (HWC uint8 in, as the datasets
give them; NumPy samples are taken as NDArrays). Those needing image resampling are refused."""
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
    return refused(name, Block, f"transforms.{name} is not supported (no image resampling or color kernels in "
                                f"this engine); {alternative}")


Resize = _refused("Resize", "resize the images before wrapping them in a Dataset")
RandomResizedCrop = _refused("RandomResizedCrop", "use CenterCrop or crop the arrays beforehand")
CropResize = _refused("CropResize", "crop the arrays beforehand")
Rotate = _refused("Rotate", "rotate the arrays beforehand")
RandomRotation = _refused("RandomRotation", "rotate the arrays beforehand")
RandomBrightness = _refused("RandomBrightness", "adjust the arrays beforehand")
RandomContrast = _refused("RandomContrast", "adjust the arrays beforehand")
RandomSaturation = _refused("RandomSaturation", "adjust the arrays beforehand")
RandomHue = _refused("RandomHue", "adjust the arrays beforehand")
RandomColorJitter = _refused("RandomColorJitter", "adjust the arrays beforehand")
RandomLighting = _refused("RandomLighting", "adjust the arrays beforehand")

__all__ = ["Compose", "Cast", "ToTensor", "Normalize", "RandomFlipLeftRight", "RandomFlipTopBottom",
           "CenterCrop", "Resize", "RandomResizedCrop", "CropResize", "Rotate", "RandomRotation",
           "RandomBrightness", "RandomContrast", "RandomSaturation", "RandomHue", "RandomColorJitter",
           "RandomLighting"]
