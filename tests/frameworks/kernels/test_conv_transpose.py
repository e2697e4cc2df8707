"""conv_transpose2d against its direct nested-loop definition (each input pixel scatters w[ci] into the
output), and the output-size rule of Caffe/torch (adj / output_padding)."""
import numpy as np
import pytest

from frameworks import kernels as K

R = np.random.RandomState(3)


def direct(x, w, b, stride, pad, output_padding):
    n, cin, h, wd = x.shape
    _, cout, kh, kw = w.shape
    (sh, sw), (ph, pw), (oh, ow) = [(v, v) if isinstance(v, int) else v for v in (stride, pad, output_padding)]
    ho, wo = (h - 1) * sh - 2 * ph + kh + oh, (wd - 1) * sw - 2 * pw + kw + ow
    y = np.zeros((n, cout, ho, wo))
    for b_ in range(n):
        for ci in range(cin):
            for i in range(h):
                for j in range(wd):
                    for co in range(cout):
                        for di in range(kh):
                            for dj in range(kw):
                                r, c = i * sh - ph + di, j * sw - pw + dj
                                if 0 <= r < ho and 0 <= c < wo:
                                    y[b_, co, r, c] += x[b_, ci, i, j] * w[ci, co, di, dj]
    if b is not None:
        y += b.reshape(1, -1, 1, 1)
    return y


@pytest.mark.parametrize("stride,pad,output_padding,bias", [
    (1, 0, 0, True), (2, 1, 1, False), (2, 0, 0, True), ((2, 3), (1, 0), (1, 2), True), (1, 2, 0, False),
    (2, 1, (-1, 0), True), ((2, 3), 0, (1, -2), False)])
def test_forward_matches_the_nested_loop_definition(stride, pad, output_padding, bias):
    x, w = R.standard_normal((2, 3, 4, 3)), R.standard_normal((3, 2, 3, 4))
    b = R.standard_normal(2) if bias else None
    y, _ = K.conv_transpose2d.forward(np, x, w, b, stride=stride, pad=pad, output_padding=output_padding)
    np.testing.assert_allclose(y, direct(x, w, b, stride, pad, output_padding), rtol=1e-12, atol=1e-12)
    assert y.shape == K.conv_transpose2d.infer(x.shape, w.shape, None if b is None else b.shape, stride=stride,
                                               pad=pad, output_padding=output_padding)


def test_it_is_the_adjoint_of_conv2d():
    """<conv2d(z, w), x> == <z, conv_transpose2d(x, w)>: the defining identity of a transposed convolution."""
    x, w = R.standard_normal((2, 3, 4, 4)), R.standard_normal((3, 2, 4, 4))
    y, _ = K.conv_transpose2d.forward(np, x, w, stride=2, pad=1)
    z = R.standard_normal(y.shape)
    c, _ = K.conv2d.forward(np, z, w, stride=2, pad=1)
    np.testing.assert_allclose(np.vdot(c, x), np.vdot(z, y), rtol=1e-12)


@pytest.mark.parametrize("attrs,why", [({"output_padding": 2, "stride": 2}, "output_padding"),
                                       ({"output_padding": -2, "stride": 2}, "output_padding"),
                                       ({"pad": 3}, "too large")])
def test_bad_geometry_is_named(attrs, why):
    with pytest.raises(K.ShapeError, match=why):
        K.conv_transpose2d.infer((1, 3, 2, 2), (3, 2, 3, 3), **attrs)


def test_channel_mismatch_is_named():
    with pytest.raises(K.ShapeError, match="conv_transpose2d: input has 4 channels but the weight expects 3"):
        K.conv_transpose2d.infer((1, 4, 2, 2), (3, 2, 3, 3))
