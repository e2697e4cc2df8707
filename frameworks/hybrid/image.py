"""mx.image (mx.img): MXNet 1.x's image helpers that are array arithmetic: imresize (OpenCV's nearest or
bilinear, the resize gluon's transforms use), resize_short, the crops, scale_down and color_normalize.
Decoding files (imread, imdecode) is refused: this engine has no image codec (decode with PIL and
nd.array the result). OpenCV's bicubic, area and Lanczos resizing (interp 2, 3, 4) are refused too,
naming the interp to pass instead."""
import random

from .base import MXNetError


def _refused(name):
    def fn(*args, **kwargs):
        raise MXNetError(f"mx.image.{name} is not supported: this engine has no image decoder (MXNet's is "
                         "OpenCV's); decode the file with PIL (numpy.asarray(PIL.Image.open(f))) and pass "
                         "nd.array(...) of it")
    fn.__name__ = name
    return fn


imread = _refused("imread")
imdecode = _refused("imdecode")


def imresize(src, w, h, interp=1, out=None):
    """src (H, W, C) resized to (h, w, C) as OpenCV's resize: interp 0 nearest, 1 bilinear."""
    from .gluon.data.vision.transforms import _resize
    if interp not in (0, 1):
        raise MXNetError(f"imresize: interp={interp} (OpenCV's {_INTERP.get(interp, 'unknown')}) is not "
                         "supported; pass interp=1 (bilinear) or 0 (nearest)")
    res = _resize(src, (w, h), interp, "imresize")
    if out is not None:
        out[:] = res
        return out
    return res


_INTERP = {0: "nearest", 1: "bilinear", 2: "bicubic", 3: "area", 4: "Lanczos", 9: "auto", 10: "random"}


def _get_interp_method(interp, sizes=()):
    """MXNet's choice for interp 9 (bicubic to enlarge, area to shrink, else bilinear) and 10 (random)."""
    if interp == 9:
        if sizes:
            oh, ow, nh, nw = sizes
            if nh > oh and nw > ow:
                return 2
            if nh < oh and nw < ow:
                return 3
            return 1
        return 2
    if interp == 10:
        return random.randint(0, 4)
    if interp not in (0, 1, 2, 3, 4):
        raise ValueError('Unknown interp method %d' % interp)
    return interp


def scale_down(src_size, size):
    """(w, h) of `size` scaled down to fit in src_size, keeping its aspect ratio."""
    w, h = size
    sw, sh = src_size
    if sh < h:
        w, h = float(w * sh) / h, sh
    if sw < w:
        w, h = sw, float(h * sw) / w
    return int(w), int(h)


def resize_short(src, size, interp=2):
    """src resized so that its shorter edge is `size`."""
    h, w, _ = src.shape
    if h > w:
        new_h, new_w = size * h // w, size
    else:
        new_h, new_w = size, size * w // h
    return imresize(src, new_w, new_h, interp=_get_interp_method(interp, (h, w, new_h, new_w)))


def fixed_crop(src, x0, y0, w, h, size=None, interp=2):
    """src[y0:y0+h, x0:x0+w], resized to size (w, h) when given."""
    out = src[y0:y0 + h, x0:x0 + w]
    if size is not None and (w, h) != size:
        sizes = (h, w, size[1], size[0])
        out = imresize(out, *size, interp=_get_interp_method(interp, sizes))
    return out


def random_crop(src, size, interp=2):
    """A random crop of `size` (w, h) (scaled down to fit): (image, (x0, y0, w, h))."""
    h, w, _ = src.shape
    new_w, new_h = scale_down((w, h), size)
    x0 = random.randint(0, w - new_w)
    y0 = random.randint(0, h - new_h)
    return fixed_crop(src, x0, y0, new_w, new_h, size, interp), (x0, y0, new_w, new_h)


def center_crop(src, size, interp=2):
    """The centred crop of `size` (w, h) (scaled down to fit): (image, (x0, y0, w, h))."""
    h, w, _ = src.shape
    new_w, new_h = scale_down((w, h), size)
    x0 = int((w - new_w) / 2)
    y0 = int((h - new_h) / 2)
    return fixed_crop(src, x0, y0, new_w, new_h, size, interp), (x0, y0, new_w, new_h)


def color_normalize(src, mean, std=None):
    """src - mean, divided by std when given (in place, as MXNet's)."""
    if mean is not None:
        src -= mean
    if std is not None:
        src /= std
    return src


__all__ = ["imread", "imdecode", "imresize", "scale_down", "resize_short", "fixed_crop", "random_crop",
           "center_crop", "color_normalize"]
