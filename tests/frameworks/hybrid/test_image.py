"""mx.image: the array helpers as MXNet 1.x's image.py computes them (imresize is gluon's OpenCV-bilinear
resize); decoding and OpenCV's other interpolations are refused naming what to use."""
import numpy as np
import pytest

import frameworks.hybrid as mx
from frameworks.hybrid import nd


def test_imresize_is_opencv_bilinear_and_nearest():
    img = nd.array(np.arange(2 * 3 * 1).reshape(2, 3, 1), dtype='uint8')
    assert mx.img is mx.image
    up = mx.image.imresize(img, 6, 4)
    assert up.shape == (4, 6, 1) and up.dtype is np.uint8
    # OpenCV's half-pixel centres: output column 1 samples x = 0.25, between 0 and 1, rounded
    np.testing.assert_array_equal(up.asnumpy()[0, :, 0], [0, 0, 1, 1, 2, 2])
    near = mx.image.imresize(img, 3, 4, interp=0)
    np.testing.assert_array_equal(near.asnumpy()[:, 0, 0], [0, 0, 3, 3])
    resized = mx.gluon.data.vision.transforms.Resize((6, 4))(img)
    np.testing.assert_array_equal(up.asnumpy(), resized.asnumpy())
    with pytest.raises(mx.MXNetError, match="interp=2 .*bicubic.* not supported; pass interp=1"):
        mx.image.resize_short(img, 4)   # MXNet's default interp 2


def test_crops_scale_down_and_color_normalize_as_mxnet():
    assert mx.image.scale_down((640, 480), (720, 120)) == (640, 106)   # MXNet's docstring example
    src = nd.array(np.arange(10 * 8 * 3).reshape(10, 8, 3))
    out, (x0, y0, w, h) = mx.image.center_crop(src, (4, 6))
    assert (x0, y0, w, h) == (2, 2, 4, 6) and out.shape == (6, 4, 3)
    np.testing.assert_array_equal(out.asnumpy(), src.asnumpy()[2:8, 2:6])
    np.testing.assert_array_equal(mx.image.fixed_crop(src, 1, 2, 3, 4).asnumpy(), src.asnumpy()[2:6, 1:4])
    crop, (x0, y0, w, h) = mx.image.random_crop(src, (4, 4))
    np.testing.assert_array_equal(crop.asnumpy(), src.asnumpy()[y0:y0 + 4, x0:x0 + 4])
    small = mx.image.resize_short(src, 5, interp=1)
    assert small.shape == (6, 5, 3)   # short edge 8 -> 5, long 10 * 5 // 8
    norm = mx.image.color_normalize(nd.ones((2, 2, 3)) * 3, nd.array([1, 2, 3]), nd.array([2, 1, 1]))
    np.testing.assert_array_equal(norm.asnumpy()[0, 0], [1, 1, 0])


def test_decoding_is_refused_naming_what_to_use():
    with pytest.raises(mx.MXNetError, match="mx.image.imread is not supported: .* no image decoder .*PIL"):
        mx.image.imread("cat.jpg")
    with pytest.raises(mx.MXNetError, match="mx.image.imdecode is not supported"):
        mx.img.imdecode(b"\xff\xd8")
