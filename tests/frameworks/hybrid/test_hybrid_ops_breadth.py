"""The breadth ops added for classic programs (Deconvolution, LRN, LayerNorm, PReLU/ELU/SELU, swapaxes, flip,
repeat, batch_dot, add_n, power, smooth_l1, L2Normalization): values against NumPy, gradients by finite
differences in float64, MXNetError naming what to use for what is refused."""
import numpy as np
import pytest

from frameworks.hybrid import autograd, nd
from frameworks.hybrid.base import MXNetError
from tests.frameworks.hybrid.test_hybrid_ops import _fd_check

rs = np.random.RandomState(3)


def _deconv_direct(x, w, stride, pad, adj):
    """The transposed convolution by definition: each input pixel scatters w * x into the output."""
    n, c, h, wd = x.shape
    _, f, kh, kw = w.shape
    oh, ow = (h - 1) * stride - 2 * pad + kh + adj, (wd - 1) * stride - 2 * pad + kw + adj
    full = np.zeros((n, f, (h - 1) * stride + kh + adj, (wd - 1) * stride + kw + adj))
    for i in range(h):
        for j in range(wd):
            full[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw] += \
                np.einsum("nc,cfij->nfij", x[:, :, i, j], w)
    return full[:, :, pad:pad + oh, pad:pad + ow]


@pytest.mark.parametrize("stride,pad,adj", [(1, 0, 0), (2, 1, 0), (2, 1, 1), (3, 0, 0)])
def test_deconvolution_is_the_transposed_convolution(stride, pad, adj):
    """nd.Deconvolution (the shared conv_transpose2d kernel) against the definition."""
    x, w = rs.standard_normal((2, 3, 4, 5)), rs.standard_normal((3, 2, 4, 4))
    y = nd.Deconvolution(nd.array(x, dtype="float64"), nd.array(w, dtype="float64"), kernel=(4, 4),
                         num_filter=2, stride=(stride, stride), pad=(pad, pad), adj=(adj, adj))
    np.testing.assert_allclose(y.asnumpy(), _deconv_direct(x, w, stride, pad, adj), rtol=1e-10, atol=1e-10)


def test_lrn_is_mxnet_s_formula():
    """out = x / (knorm + alpha / nsize * sum of x^2 over the nsize channels around c)^beta."""
    x = rs.standard_normal((2, 6, 3, 3)) * 3
    y = nd.LRN(nd.array(x, dtype="float64"), nsize=5)
    sq = np.pad(x * x, [(0, 0), (2, 2), (0, 0), (0, 0)])
    want = x / (2 + 1e-4 / 5 * sum(sq[:, i:i + 6] for i in range(5))) ** 0.75
    np.testing.assert_allclose(y.asnumpy(), want, rtol=1e-12)


def test_conv2d_transpose_hybridized_equals_imperative():
    from frameworks.hybrid import gluon, init
    net = gluon.nn.HybridSequential()
    with net.name_scope():
        net.add(gluon.nn.Conv2DTranspose(4, 4, strides=2, padding=1, in_channels=3),
                gluon.nn.Conv2DTranspose(2, 3, strides=2, padding=1, output_padding=1, in_channels=4))
    net.initialize(init.Normal(0.5))
    x = nd.array(rs.standard_normal((2, 3, 5, 5)))
    with autograd.record():
        y1 = net(x)
    y1.backward()
    g1 = net[0].weight.grad().asnumpy().copy()
    net.hybridize()
    with autograd.record():
        y2 = net(x)
    y2.backward()
    assert y2.shape == (2, 2, 20, 20)
    np.testing.assert_allclose(y2.asnumpy(), y1.asnumpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(net[0].weight.grad().asnumpy(), g1, rtol=1e-5, atol=1e-6)


def _prelu(x, g):
    return nd.LeakyReLU(x, g, act_type="prelu")


CASES = {
    "Deconvolution stride 2 with bias": (
        lambda x, w, b: nd.Deconvolution(x, w, b, kernel=(3, 3), num_filter=2, stride=(2, 2), pad=(1, 1),
                                         no_bias=False),
        [rs.standard_normal((1, 2, 3, 3)), rs.standard_normal((2, 2, 3, 3)), rs.standard_normal(2)]),
    "LRN": (lambda x: nd.LRN(x, nsize=3, alpha=0.3, beta=0.75, knorm=2), [rs.standard_normal((2, 5, 2, 3))]),
    "LayerNorm": (lambda x, g, b: nd.LayerNorm(x, g, b, axis=-1, eps=1e-5),
                  [rs.standard_normal((3, 5)), rs.uniform(0.5, 1.5, 5), rs.standard_normal(5)]),
    "LayerNorm axis 1": (lambda x, g, b: nd.LayerNorm(x, g, b, axis=1),
                         [rs.standard_normal((2, 3, 4)), rs.uniform(0.5, 1.5, 3), rs.standard_normal(3)]),
    "PReLU per channel": (_prelu, [rs.standard_normal((2, 3, 2, 2)) + 0.05, rs.uniform(0.1, 0.5, 3)]),
    "ELU": (lambda x: nd.LeakyReLU(x, act_type="elu", slope=0.7), [rs.standard_normal(6) + 0.05]),
    "SELU": (lambda x: nd.LeakyReLU(x, act_type="selu"), [rs.standard_normal(6) + 0.05]),
    "swapaxes": (lambda x: nd.swapaxes(x, dim1=0, dim2=2), [rs.standard_normal((2, 3, 4))]),
    "flip": (lambda x: nd.flip(x, axis=1), [rs.standard_normal((2, 3))]),
    "repeat": (lambda x: nd.repeat(x, repeats=3, axis=1), [rs.standard_normal((2, 3))]),
    "batch_dot transpose_b": (lambda a, b: nd.batch_dot(a, b, transpose_b=True),
                              [rs.standard_normal((2, 3, 4)), rs.standard_normal((2, 5, 4))]),
    "add_n": (lambda a, b, c: nd.add_n(a, b, c), [rs.standard_normal(4), rs.standard_normal(4),
                                                   rs.standard_normal(4)]),
    "power": (lambda a, b: nd.power(a, b), [rs.uniform(0.5, 2, 4), rs.standard_normal(4)]),
    "smooth_l1": (lambda x: nd.smooth_l1(x, scalar=1.0), [rs.standard_normal(8) * 2 + 0.03]),
    "L2Normalization": (lambda x: nd.L2Normalization(x), [rs.standard_normal((3, 4))]),
    "LRN": (lambda x: nd.LRN(x, nsize=3, alpha=0.1, beta=0.75, knorm=2.0), [rs.standard_normal((2, 4, 2, 2))]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_gradient_matches_finite_differences(case):
    f, arrays = CASES[case]
    _fd_check(f, *arrays)


def test_values_match_numpy():
    x = rs.standard_normal((2, 3, 4)).astype("float32")
    a = nd.array(x)
    np.testing.assert_array_equal(nd.swapaxes(a, dim1=0, dim2=2).asnumpy(), np.swapaxes(x, 0, 2))
    np.testing.assert_array_equal(nd.SwapAxis(a, dim1=1, dim2=2).asnumpy(), np.swapaxes(x, 1, 2))
    np.testing.assert_array_equal(nd.flip(a, axis=(0, 2)).asnumpy(), x[::-1, :, ::-1])
    np.testing.assert_array_equal(nd.repeat(a, repeats=2, axis=1).asnumpy(), np.repeat(x, 2, axis=1))
    np.testing.assert_array_equal(nd.repeat(a, repeats=2).asnumpy(), np.repeat(x, 2))
    # math::round (C's): halves away from zero, not NumPy's to-even
    np.testing.assert_array_equal(nd.round(nd.array([0.4, 1.6, -2.5])).asnumpy(), [0., 2., -3.])
    np.testing.assert_array_equal(nd.floor(nd.array([0.4, -1.6])).asnumpy(), [0., -2.])
    np.testing.assert_allclose(nd.LeakyReLU(a, act_type="selu").asnumpy(),
                               np.where(x > 0, 1.0507009873554805 * x,
                                        1.0507009873554805 * 1.6732632423543772 * np.expm1(np.minimum(x, 0))),
                               rtol=1e-6)


def test_refused_forms_raise_mxnet_error_naming_the_alternative():
    x = nd.ones((1, 1, 3, 3))
    with pytest.raises(MXNetError, match="'swish', valid values are"):   # rrelu runs (test_nd_api_audit)
        nd.LeakyReLU(x, act_type="swish")
    with pytest.raises(MXNetError, match="target_shape"):
        nd.Deconvolution(x, nd.ones((1, 1, 2, 2)), kernel=(2, 2), num_filter=1, target_shape=(6, 6))
    with autograd.record():
        pass
