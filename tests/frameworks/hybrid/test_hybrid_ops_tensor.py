"""MXNet's tensor ops beyond the basic set (ops_tensor.py, ops_linalg.py, ndarray_api.py): values against
NumPy and MXNet's documented examples, gradients by finite differences in float64, the Symbol forms, the
optimizer update ops against MXNet's formulas, and MXNetError for bad input."""
import numpy as np
import pytest

import frameworks.hybrid as mx
from frameworks.hybrid import autograd, gluon, nd
from frameworks.hybrid.base import MXNetError
from tests.frameworks.hybrid.test_hybrid_ops import _fd_check

rs = np.random.RandomState(11)


def _distinct(*shape):
    return rs.permutation(int(np.prod(shape))).reshape(shape) * 0.37 + rs.uniform(0, 0.01, shape)


def test_sort_argsort_topk_values_as_numpy():
    x = _distinct(3, 5)
    np.testing.assert_allclose(nd.sort(nd.array(x)).asnumpy(), np.sort(x, axis=-1).astype(np.float32))
    np.testing.assert_allclose(nd.array(x).sort(axis=0, is_ascend=False).asnumpy(),
                               -np.sort(-x, axis=0).astype(np.float32))
    idx = nd.argsort(nd.array(x), axis=1)
    assert idx.dtype == np.float32   # MXNet's default dtype for indices
    np.testing.assert_array_equal(idx.asnumpy(), np.argsort(x, axis=1))
    assert nd.argsort(nd.array(x), dtype="int32").dtype == np.int32
    np.testing.assert_allclose(nd.sort(nd.array(x), axis=None).asnumpy(), np.sort(x.ravel()).astype(np.float32))
    val, ind = nd.topk(nd.array(x), k=2, ret_typ="both")
    np.testing.assert_array_equal(ind.asnumpy(), np.argsort(-x, axis=1)[:, :2])
    np.testing.assert_allclose(val.asnumpy(), -np.sort(-x, axis=1)[:, :2].astype(np.float32))
    mask = nd.array(x).topk(axis=0, k=1, ret_typ="mask").asnumpy()
    np.testing.assert_array_equal(mask.argmax(axis=0), x.argmax(axis=0))
    assert mask.sum() == 5
    with pytest.raises(MXNetError):
        nd.topk(nd.array(x), ret_typ="values")
    with pytest.raises(MXNetError):
        nd.topk(nd.array(x), k=6)


def test_reductions_prod_nansum_nanprod_moments():
    x = rs.standard_normal((2, 3, 4))
    np.testing.assert_allclose(nd.prod(nd.array(x, dtype="float64"), axis=(0, 2)).asnumpy(), x.prod(axis=(0, 2)))
    np.testing.assert_allclose(nd.array(x, dtype="float64").prod(axis=1, exclude=True, keepdims=True).asnumpy(),
                               x.prod(axis=(0, 2), keepdims=True))
    y = np.array([[1.0, np.nan, 2.0], [np.nan, np.nan, 3.0]])
    np.testing.assert_allclose(nd.nansum(nd.array(y), axis=1).asnumpy(), [3.0, 3.0])
    np.testing.assert_allclose(nd.array(y).nanprod(axis=1).asnumpy(), [2.0, 3.0])
    mean, var = nd.moments(nd.array(x, dtype="float64"), axes=(0, 2))
    np.testing.assert_allclose(mean.asnumpy(), x.mean(axis=(0, 2)))
    np.testing.assert_allclose(var.asnumpy(), x.var(axis=(0, 2)))
    mean, var = nd.moments(nd.array(x), axes=1, keepdims=True)
    assert mean.shape == var.shape == (2, 1, 4)


def test_diag_shape_and_layout_ops_as_mxnet_documents():
    x = np.arange(9.0).reshape(3, 3)
    np.testing.assert_array_equal(nd.diag(nd.array(x)).asnumpy(), [0, 4, 8])
    np.testing.assert_array_equal(nd.diag(nd.array(x), k=1).asnumpy(), [1, 5])
    np.testing.assert_array_equal(nd.diag(nd.array(x), k=-1).asnumpy(), [3, 7])
    np.testing.assert_array_equal(nd.diag(nd.array([1.0, 2.0]), k=-1).asnumpy(), np.diag([1.0, 2.0], k=-1))
    t = rs.standard_normal((2, 3, 4))
    np.testing.assert_allclose(nd.diag(nd.array(t, dtype="float64"), k=1, axis1=0, axis2=2).asnumpy(),
                               np.diagonal(t, offset=1, axis1=0, axis2=2))
    # depth_to_space's documented example (MXNet's DCR order)
    d = np.arange(24.0).reshape(1, 4, 2, 3)
    expected = [[[[0, 6, 1, 7, 2, 8], [12, 18, 13, 19, 14, 20], [3, 9, 4, 10, 5, 11], [15, 21, 16, 22, 17, 23]]]]
    np.testing.assert_array_equal(nd.depth_to_space(nd.array(d), 2).asnumpy(), expected)
    np.testing.assert_array_equal(nd.space_to_depth(nd.array(expected), 2).asnumpy(), d)
    with pytest.raises(MXNetError):
        nd.depth_to_space(nd.ones((1, 3, 2, 2)), 2)
    a = nd.ones((2, 3, 4))
    sa = nd.shape_array(a)
    assert sa.dtype == np.int64 and sa.asnumpy().tolist() == [2, 3, 4]
    assert nd.size_array(a).asnumpy().tolist() == [24]
    assert nd.slice_like(a, nd.zeros((1, 2, 3))).shape == (1, 2, 3)
    assert a.slice_like(nd.zeros((5, 2)), axes=(1,)).shape == (2, 2, 4)
    with pytest.raises(MXNetError):
        nd.slice_like(a, nd.zeros((2, 3)))
    c = nd.array(np.arange(2 * 5 * 5.0).reshape(1, 2, 5, 5))
    np.testing.assert_array_equal(nd.Crop(c, h_w=(2, 3), center_crop=True).asnumpy(), c.asnumpy()[:, :, 1:3, 1:4])
    np.testing.assert_array_equal(nd.Crop(c, nd.zeros((1, 1, 3, 2)), offset=(1, 2)).asnumpy(),
                                  c.asnumpy()[:, :, 1:4, 2:4])


def test_index_ops_gather_scatter_and_the_legacy_row_picks():
    data = np.arange(24.0).reshape(2, 3, 4)
    idx = np.array([[1, 0, -1], [2, 0, 1]])
    np.testing.assert_array_equal(nd.gather_nd(nd.array(data), nd.array(idx)).asnumpy(),
                                  data[idx[0], idx[1]])
    out = nd.scatter_nd(nd.array([[1.0, 2.0], [3.0, 4.0]]), nd.array([[0, 2], [1, 0]]), shape=(3, 2, 2))
    expected = np.zeros((3, 2, 2))
    expected[0, 1], expected[2, 0] = [1, 2], [3, 4]
    np.testing.assert_array_equal(out.asnumpy(), expected)
    m = nd.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    np.testing.assert_array_equal(nd.choose_element_0index(m, nd.array([2, 0])).asnumpy(), [3, 4])
    np.testing.assert_array_equal(nd.batch_take(m, nd.array([1, 2])).asnumpy(), [2, 6])
    np.testing.assert_array_equal(nd.fill_element_0index(m, nd.array([9, 8]), nd.array([0, 2])).asnumpy(),
                                  [[9, 2, 3], [4, 5, 8]])
    np.testing.assert_array_equal(nd.argmax_channel(m).asnumpy(), [2, 2])
    out = nd.zeros((3, 4))
    assert nd.onehot_encode(nd.array([1, 3, 0]), out) is out
    np.testing.assert_array_equal(out.asnumpy(), np.eye(4)[[1, 3, 0]])


def test_sequence_ops_mask_last_reverse():
    x = np.arange(4 * 3 * 2.0).reshape(4, 3, 2)     # (T, N, C)
    lengths = np.array([2, 4, 1])
    masked = nd.SequenceMask(nd.array(x), nd.array(lengths), use_sequence_length=True, value=-1).asnumpy()
    for b, n in enumerate(lengths):
        np.testing.assert_array_equal(masked[:n, b], x[:n, b])
        assert (masked[n:, b] == -1).all()
    np.testing.assert_array_equal(nd.SequenceMask(nd.array(x)).asnumpy(), x)   # no lengths: unchanged
    last = nd.SequenceLast(nd.array(x), nd.array(lengths), use_sequence_length=True).asnumpy()
    np.testing.assert_array_equal(last, x[lengths - 1, np.arange(3)])
    np.testing.assert_array_equal(nd.SequenceLast(nd.array(x)).asnumpy(), x[-1])
    batch_major = nd.SequenceLast(nd.array(x.transpose(1, 0, 2)), nd.array(lengths), use_sequence_length=True,
                                  axis=1).asnumpy()
    np.testing.assert_array_equal(batch_major, last)
    rev = nd.SequenceReverse(nd.array(x), nd.array(lengths), use_sequence_length=True).asnumpy()
    for b, n in enumerate(lengths):
        np.testing.assert_array_equal(rev[:n, b], x[:n, b][::-1])
        np.testing.assert_array_equal(rev[n:, b], x[n:, b])
    with pytest.raises(MXNetError):
        nd.SequenceMask(nd.array(x), use_sequence_length=True)


def test_linalg_namespace_values():
    a, b, c = rs.standard_normal((2, 3, 4)), rs.standard_normal((2, 5, 4)), rs.standard_normal((2, 3, 5))
    A, B, C = (nd.array(v, dtype="float64") for v in (a, b, c))
    np.testing.assert_allclose(nd.linalg.gemm2(A, B, transpose_b=True, alpha=2.0).asnumpy(),
                               2 * a @ b.transpose(0, 2, 1))
    np.testing.assert_allclose(nd.linalg.gemm(A, B, C, transpose_b=True, alpha=0.5, beta=-1.0).asnumpy(),
                               0.5 * a @ b.transpose(0, 2, 1) - c)
    np.testing.assert_allclose(nd.linalg.syrk(A, alpha=3.0).asnumpy(), 3 * a @ a.transpose(0, 2, 1))
    np.testing.assert_allclose(nd.linalg_syrk(A, transpose=True).asnumpy(), a.transpose(0, 2, 1) @ a)
    s = rs.standard_normal((2, 3, 3))
    S = nd.array(s, dtype="float64")
    m = rs.standard_normal((2, 3, 4))
    np.testing.assert_allclose(nd.linalg.trmm(S, nd.array(m, dtype="float64")).asnumpy(), np.tril(s) @ m)
    np.testing.assert_allclose(nd.linalg.trmm(S, nd.array(m.transpose(0, 2, 1), dtype="float64"), rightside=True,
                                              lower=False, transpose=True).asnumpy(),
                               m.transpose(0, 2, 1) @ np.triu(s).transpose(0, 2, 1))
    np.testing.assert_allclose(nd.linalg.extractdiag(S, offset=1).asnumpy(), np.diagonal(s, 1, 1, 2))
    np.testing.assert_allclose(nd.linalg.makediag(nd.array([[1.0, 2.0]])).asnumpy(), [np.diag([1.0, 2.0])])
    np.testing.assert_allclose(nd.linalg.extracttrian(S).asnumpy(), s[:, [0, 1, 1, 2, 2, 2], [0, 0, 1, 0, 1, 2]])
    spd = np.abs(s) + 3 * np.eye(3)
    np.testing.assert_allclose(nd.linalg.sumlogdiag(nd.array(spd, dtype="float64")).asnumpy(),
                               np.log(np.diagonal(spd, 0, 1, 2)).sum(axis=1))
    with pytest.raises(MXNetError, match="gelqf"):
        nd.linalg.gelqf(S)


GRAD_CASES = {
    "sort": (lambda x: nd.sort(x, axis=0), [_distinct(4, 3)]),
    "topk value": (lambda x: nd.topk(x, k=2, ret_typ="value", is_ascend=True), [_distinct(3, 5)]),
    "topk both": (lambda x: nd.topk(x, axis=0, k=2, ret_typ="both")[0], [_distinct(4, 2)]),
    "prod": (lambda x: nd.prod(x, axis=1), [rs.standard_normal((2, 4, 3))]),
    "prod with a zero": (lambda x: nd.prod(x, axis=1), [np.array([[0.0, 1.5, -2.0], [0.5, 0.7, 1.1]])]),
    "nansum": (lambda x: nd.nansum(x, axis=1), [rs.standard_normal((2, 3)) * [1.0, np.nan, 1.0]]),
    "nanprod": (lambda x: nd.nanprod(x), [rs.standard_normal((2, 3)) * [1.0, np.nan, 1.0]]),
    "moments": (lambda x: sum(nd.moments(x, axes=1)), [rs.standard_normal((3, 4))]),
    "diag 1-d k=1": (lambda x: nd.diag(x, k=1), [rs.standard_normal(3)]),
    "diag 3-d k=-1": (lambda x: nd.diag(x, k=-1, axis1=1, axis2=2), [rs.standard_normal((2, 3, 4))]),
    "depth_to_space": (lambda x: nd.depth_to_space(x, 2), [rs.standard_normal((1, 8, 2, 3))]),
    "space_to_depth": (lambda x: nd.space_to_depth(x, 2), [rs.standard_normal((1, 2, 4, 2))]),
    "gather_nd repeated": (lambda x: nd.gather_nd(x, nd.array([[0, 1, 0], [2, 0, 2]])), [rs.standard_normal((2, 3, 2))]),
    "scatter_nd": (lambda x: nd.scatter_nd(x, nd.array([[0, 2], [1, 1]]), shape=(3, 2, 2)), [rs.standard_normal((2, 2))]),
    "SequenceMask": (lambda x: nd.SequenceMask(x, nd.array([1, 3]), use_sequence_length=True, value=0.5),
                     [rs.standard_normal((3, 2, 2))]),
    "SequenceLast": (lambda x: nd.SequenceLast(x, nd.array([1, 3]), use_sequence_length=True),
                     [rs.standard_normal((3, 2, 2))]),
    "SequenceReverse": (lambda x: nd.SequenceReverse(x, nd.array([2, 3]), use_sequence_length=True),
                        [rs.standard_normal((3, 2, 2))]),
    "slice_like": (lambda x: nd.slice_like(x, nd.zeros((2, 2))), [rs.standard_normal((3, 4))]),
    "Crop": (lambda x: nd.Crop(x, h_w=(2, 2), offset=(1, 0)), [rs.standard_normal((1, 1, 4, 3))]),
    "choose_element_0index": (lambda x: nd.choose_element_0index(x, nd.array([2, 0])), [rs.standard_normal((2, 3))]),
    "fill_element_0index": (lambda x, v: nd.fill_element_0index(x, v, nd.array([2, 0])),
                            [rs.standard_normal((2, 3)), rs.standard_normal(2)]),
    # (the exponent's gradient only where the base is positive: a whole exponent nudged is no longer whole)
    "power, negative base": (lambda b: nd.power(b, nd.array([3.0, 1.5, 2.0], dtype="float64")),
                             [np.array([-1.5, 2.0, -0.7])]),
    "power, positive base": (lambda b, e: nd.power(b, e), [np.array([1.5, 2.0, 0.7]), np.array([3.0, -1.5, 2.0])]),
    "linalg gemm": (lambda a, b, c: nd.linalg.gemm(a, b, c, transpose_a=True, alpha=0.5, beta=2.0),
                    [rs.standard_normal((3, 2)), rs.standard_normal((3, 4)), rs.standard_normal((2, 4))]),
    "linalg syrk": (lambda a: nd.linalg.syrk(a, transpose=True), [rs.standard_normal((2, 3, 2))]),
    "linalg trmm": (lambda a, b: nd.linalg.trmm(a, b, lower=False), [rs.standard_normal((3, 3)), rs.standard_normal((3, 2))]),
    "linalg sumlogdiag": (lambda a: nd.linalg.sumlogdiag(a), [np.abs(rs.standard_normal((2, 3, 3))) + 0.5]),
    "linalg makediag": (lambda a: nd.linalg.makediag(a, offset=-1), [rs.standard_normal((2, 3))]),
    "linalg extracttrian": (lambda a: nd.linalg.extracttrian(a, lower=False, offset=1), [rs.standard_normal((3, 3))]),
}


@pytest.mark.parametrize("name", list(GRAD_CASES))
def test_gradients_by_finite_differences(name):
    f, arrays = GRAD_CASES[name]
    _fd_check(f, *arrays)


def test_symbol_forms_equal_the_ndarray_forms():
    x = mx.sym.var("x")
    v = _distinct(3, 4)
    for s, want in ((mx.sym.sort(x, axis=0), np.sort(v, axis=0)),
                    (x.argsort(), np.argsort(v, axis=-1)),
                    (mx.sym.prod(x, axis=1), v.prod(axis=1)),
                    (mx.sym.linalg.gemm2(x, x, transpose_b=True), v @ v.T),
                    (mx.sym.pow(x, 2), v ** 2),
                    (mx.sym.broadcast_plus(x, x), 2 * v),
                    (mx.sym._internal._mul_scalar(x, scalar=3.0), 3 * v)):
        np.testing.assert_allclose(s.eval(x=nd.array(v, dtype="float64"))[0].asnumpy(), want, rtol=1e-12)
    both = mx.sym.topk(x, k=2, ret_typ="both", name="t")
    assert both.list_outputs() == ["t_output0", "t_output1"]
    assert mx.sym.moments(x, axes=0).list_outputs() == ["moments0_output0", "moments0_output1"]
    # a graph with sort in it, bound and run backward: the gradient reaches each value's place
    y = mx.sym.sum(mx.sym.sort(x, axis=1) * mx.sym.var("w"))
    w = rs.standard_normal((3, 4))
    ex = y.simple_bind(mx.cpu(), x=(3, 4), w=(3, 4))
    ex.forward(is_train=True, x=nd.array(v), w=nd.array(w))
    ex.backward()
    expected = np.zeros_like(v)
    np.put_along_axis(expected, np.argsort(v, axis=1), w, axis=1)
    np.testing.assert_allclose(ex.grad_dict["x"].asnumpy(), expected, rtol=1e-6)


def test_module_level_helpers():
    a = nd.array([-7.0, 5.0, 6.0])
    np.testing.assert_array_equal(nd.modulo(a, 4).asnumpy(), np.mod([-7, 5, 6], 4))
    np.testing.assert_array_equal(nd.modulo(9, nd.array([4.0, 5.0])).asnumpy(), [1, 4])
    np.testing.assert_array_equal(nd.true_divide(a, 2).asnumpy(), [-3.5, 2.5, 3.0])
    np.testing.assert_array_equal(nd.logical_and(nd.array([1, 0, 2]), nd.array([1, 1, 0])).asnumpy(), [1, 0, 0])
    np.testing.assert_array_equal(nd.logical_or(0, nd.array([1, 0])).asnumpy(), [1, 0])
    np.testing.assert_array_equal(nd.logical_xor(nd.array([1, 0]), 1).asnumpy(), [0, 1])
    np.testing.assert_array_equal(nd.power(nd.array([-2.0, 3.0]), 2).asnumpy(), [4, 9])
    np.testing.assert_array_equal(nd.power(2, nd.array([1.0, 3.0])).asnumpy(), [2, 8])
    assert np.isnan(nd.power(nd.array([-2.0]), nd.array([0.5])).asnumpy()).all()
    counts, edges = nd.histogram(nd.array([0.1, 0.2, 0.9, 1.5]), bins=2, range=(0, 2))
    assert counts.asnumpy().tolist() == [3, 1] and edges.asnumpy().tolist() == [0, 1, 2]
    with pytest.raises(MXNetError):
        nd.histogram(a, bins=3)


def test_random_draws_take_ndarray_parameters_and_out():
    mx.random.seed(3)
    s = nd.random.uniform(nd.array([0.0, 10.0]), nd.array([1.0, 11.0]), shape=(2, 5))
    assert s.shape == (2, 2, 5)
    v = s.asnumpy()
    assert (v[0] >= 0).all() and (v[0] < 1).all() and (v[1] >= 10).all() and (v[1] < 11).all()
    out = nd.zeros((3,))
    assert nd.random.normal(0, 1, shape=(3,), out=out) is out
    assert nd.random_normal(shape=(2, 2)).dtype == np.float32 and nd.uniform(shape=4).shape == (4,)
    assert (nd.random.exponential(2.0, shape=(100,)).asnumpy() > 0).all()
    assert nd.random.gamma(2.0, 1.0, shape=(3, 2)).shape == (3, 2)
    assert nd.random.poisson(3.0, shape=(50,)).asnumpy().min() >= 0
    assert nd.random.negative_binomial(3, 0.5, shape=(4,)).shape == (4,)
    assert nd.random.generalized_negative_binomial(2.0, 0.5, shape=(4,)).shape == (4,)
    mx.random.seed(3)
    np.testing.assert_array_equal(nd.sample_uniform(nd.array([0.0, 10.0]), nd.array([1.0, 11.0]), shape=(2, 5)).asnumpy(), v)


def _np_grad(w, g, rescale, clip, wd):
    g = np.clip(g * rescale, -clip, clip) if clip >= 0 else g * rescale
    return g + wd * w


def test_optimizer_update_ops_follow_mxnets_formulas():
    w0, g = rs.standard_normal(5), rs.standard_normal(5) * 3
    kw = dict(wd=0.01, rescale_grad=0.5, clip_gradient=1.0)
    gg = _np_grad(w0, g, 0.5, 1.0, 0.01)
    w = nd.array(w0, dtype="float64")
    nd.sgd_update(w, nd.array(g, dtype="float64"), lr=0.1, out=w, **kw)
    np.testing.assert_allclose(w.asnumpy(), w0 - 0.1 * gg)
    w, mom = nd.array(w0, dtype="float64"), nd.array(np.full(5, 0.2), dtype="float64")
    nd.sgd_mom_update(w, nd.array(g, dtype="float64"), mom, lr=0.1, momentum=0.9, out=w, **kw)
    m = 0.9 * 0.2 - 0.1 * gg
    np.testing.assert_allclose(mom.asnumpy(), m)
    np.testing.assert_allclose(w.asnumpy(), w0 + m)
    w, mom = nd.array(w0, dtype="float64"), nd.array(np.full(5, 0.2), dtype="float64")
    nd.nag_mom_update(w, nd.array(g, dtype="float64"), mom, lr=0.1, momentum=0.9, out=w, **kw)
    # NAGMomKernel: out = w - momentum * mom + (momentum + 1) * (momentum * mom - lr * g)
    np.testing.assert_allclose(w.asnumpy(), w0 - 0.9 * 0.2 + 1.9 * (0.9 * 0.2 - 0.1 * gg))
    np.testing.assert_allclose(mom.asnumpy(), 0.9 * 0.2 - 0.1 * gg)
    gg = np.clip(g * 0.5 + 0.01 * w0, -1, 1)   # adam's and rmsprop's kernels decay before they clip
    w, mean, var = (nd.array(v, dtype="float64") for v in (w0, np.full(5, 0.1), np.full(5, 0.2)))
    nd.adam_update(w, nd.array(g, dtype="float64"), mean, var, lr=0.01, out=w, **kw)
    mn, vr = 0.9 * 0.1 + 0.1 * gg, 0.999 * 0.2 + 0.001 * gg ** 2
    np.testing.assert_allclose(w.asnumpy(), w0 - 0.01 * mn / (np.sqrt(vr) + 1e-8))
    w, n = nd.array(w0, dtype="float64"), nd.array(np.full(5, 0.3), dtype="float64")
    new = nd.rmsprop_update(w, nd.array(g, dtype="float64"), n, lr=0.01, gamma1=0.9, **kw)
    nn = 0.9 * 0.3 + 0.1 * gg ** 2
    np.testing.assert_allclose(new.asnumpy(), w0 - 0.01 * gg / np.sqrt(nn + 1e-8))
    np.testing.assert_allclose(w.asnumpy(), w0)   # no out=: the weight itself is left alone
    w, n, gbar, delta = (nd.array(v, dtype="float64") for v in (w0, np.full(5, 0.3), np.full(5, 0.1), np.zeros(5)))
    nd.rmspropalex_update(w, nd.array(g, dtype="float64"), n, gbar, delta, lr=0.01, out=w, **kw)
    nn, gb = 0.95 * 0.3 + 0.05 * gg ** 2, 0.95 * 0.1 + 0.05 * gg
    np.testing.assert_allclose(w.asnumpy(), w0 - 0.01 * gg / np.sqrt(nn - gb ** 2 + 1e-8))


@pytest.mark.parametrize("name", ["sgd", "nag"])
def test_momentum_under_a_changing_learning_rate_is_mxnets(name):
    """MXNet's SGD keeps lr inside its momentum (mom = 0.9 mom - lr g; w += mom): a step of the schedule
    changes only the new gradients' share, not the accumulated velocity's."""
    sched = mx.lr_scheduler.MultiFactorScheduler(step=[2, 4], factor=0.1, base_lr=1.0)
    opt = mx.optimizer.create(name, learning_rate=1.0, momentum=0.9, lr_scheduler=sched)
    grads = [rs.standard_normal(3) for _ in range(6)]
    w, w_ref, mom = np.ones(3), np.ones(3), np.zeros(3)
    state = opt.create_state(np, w)
    for t, g in enumerate(grads, 1):
        opt.scheduled(t)
        opt.update(np, w, g.copy(), state, t)
        lr = sched(t)
        old, mom = mom, 0.9 * mom - lr * g
        # sgd_mom_update: w += mom; nag_mom_update (NAGMomKernel): w += -0.9 old + 1.9 (0.9 old - lr g)
        w_ref = w_ref + mom if name == "sgd" else w_ref - 0.9 * old + 1.9 * (0.9 * old - lr * g)
        np.testing.assert_allclose(w, w_ref, rtol=1e-12, atol=1e-12)


def _svm_grad(x, label, margin, reg, linear):
    """MXNet's svm_output.cc L1_SVM / L2_SVM, loop by loop."""
    g = np.zeros_like(x)
    for y in range(x.shape[0]):
        k = int(label[y])
        for c in range(x.shape[1]):
            if c == k:
                g[y, c] = -float(margin > x[y, c]) * reg if linear else \
                    (2 * (margin - x[y, c]) if margin > x[y, c] else 0.0) * -reg
            else:
                g[y, c] = float(margin > -x[y, c]) * reg if linear else \
                    ((-2) * (margin + x[y, c]) if margin > -x[y, c] else 0.0) * -reg
    return g


@pytest.mark.parametrize("linear", [False, True])
def test_svm_output_is_a_loss_head_with_mxnets_gradient(linear):
    x = rs.standard_normal((4, 3)) * 1.5
    label = np.array([0, 2, 1, 2])
    a = nd.array(x, dtype="float64")
    a.attach_grad()
    with autograd.record():
        out = nd.SVMOutput(a, nd.array(label), margin=0.8, regularization_coefficient=0.5, use_linear=linear)
    out.backward()
    np.testing.assert_allclose(out.asnumpy(), x)
    np.testing.assert_allclose(a.grad.asnumpy(), _svm_grad(x, label, 0.8, 0.5, linear))


def test_svm_output_trains_a_module_as_the_svm_mnist_example():
    X = rs.standard_normal((60, 4)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] > 0).astype(np.float32)
    data = mx.sym.Variable("data")
    fc = mx.sym.FullyConnected(data, num_hidden=2, name="fc")
    mlp = mx.sym.SVMOutput(data=fc, name="svm")
    assert mlp.list_arguments() == ["data", "fc_weight", "fc_bias", "svm_label"]
    mod = mx.mod.Module(mlp, label_names=["svm_label"])
    it = mx.io.NDArrayIter(X, y, batch_size=20, label_name="svm_label")
    mod.fit(it, num_epoch=20, optimizer_params={"learning_rate": 0.05, "momentum": 0.9})
    assert mod.score(it, "acc")[0][1] > 0.9


def test_ravel_and_unravel_multi_index_as_mxnet_documents():
    np.testing.assert_array_equal(nd.ravel_multi_index(nd.array([[3, 6, 6], [4, 5, 1]]), shape=(7, 6)).asnumpy(),
                                  [22, 41, 37])
    np.testing.assert_array_equal(nd.unravel_index(nd.array([22, 41, 37]), shape=(7, 6)).asnumpy(),
                                  [[3, 6, 6], [4, 5, 1]])
    assert issubclass(mx.mod.Module, mx.mod.BaseModule)


def test_multi_output_ops_return_lists_and_arange_takes_repeat():
    x = nd.ones((2, 4))
    for result in (nd.split(x, 2), x.split(num_outputs=2, axis=1), nd.topk(x, k=1, ret_typ="both"),
                   nd.moments(x, axes=0)):
        assert type(result) is list and len(result) == 2
    np.testing.assert_array_equal(nd.arange(0, 3, 1, 2).asnumpy(), [0, 0, 1, 1, 2, 2])   # (start, stop, step, repeat)
    assert nd.arange(2, dtype="int32").dtype == np.int32


def test_adagrad_and_adadelta_weight_decay_as_mxnets_python_optimizers():
    """MXNet's AdaGrad: w -= lr * (g / sqrt(h + eps) + wd * w) with h from g alone; AdaDelta:
    w -= delta + wd * w (no lr) with its accumulators from g alone."""
    w0, grads = rs.standard_normal(4), [rs.standard_normal(4) for _ in range(3)]
    opt = mx.optimizer.create("adagrad", learning_rate=0.1, wd=0.05)
    w, state, h, ref = w0.copy(), None, np.zeros(4), w0.copy()
    state = opt.create_state(np, w)
    for t, g in enumerate(grads, 1):
        opt.scheduled(t)
        opt.update(np, w, g.copy(), state, t)
        h += g * g
        ref = ref - 0.1 * (g / np.sqrt(h + 1e-7) + 0.05 * ref)
        np.testing.assert_allclose(w, ref, rtol=1e-12)
    opt = mx.optimizer.create("adadelta", rho=0.9, epsilon=1e-5, wd=0.05)
    w, ref, acc_g, acc_d = w0.copy(), w0.copy(), np.zeros(4), np.zeros(4)
    state = opt.create_state(np, w)
    for t, g in enumerate(grads, 1):
        opt.scheduled(t)
        opt.update(np, w, g.copy(), state, t)
        acc_g = 0.9 * acc_g + 0.1 * g * g
        delta = np.sqrt(acc_d + 1e-5) / np.sqrt(acc_g + 1e-5) * g
        acc_d = 0.9 * acc_d + 0.1 * delta * delta
        ref = ref - (delta + 0.05 * ref)
        np.testing.assert_allclose(w, ref, rtol=1e-12)


def test_sparse_storage_and_record_iterators_are_refused_naming_the_dense_way():
    with pytest.raises(MXNetError, match="dense"):
        nd.sparse.csr_matrix(([1.0], [0], [0, 1]), shape=(1, 2))
    with pytest.raises(MXNetError, match="dense"):
        mx.sym.sparse.dot(mx.sym.var("a"), mx.sym.var("b"))
    with pytest.raises(MXNetError, match="NDArrayIter"):
        mx.io.LibSVMIter(data_libsvm="train.libsvm", data_shape=(10,))
    with pytest.raises(MXNetError, match="recordio"):
        mx.io.ImageDetRecordIter(path_imgrec="train.rec", data_shape=(3, 32, 32))


def test_symbolic_random_draws_from_mx_random_at_each_run():
    """sym.random.* and F.random.* in a hybridized block draw when the graph runs, from the stream
    mx.random.seed seeds (numpy's RandomState, so the draws are known), the same as nd.random's."""
    s = mx.sym.random.exponential(lam=2.0, shape=(3,)) + mx.sym.var("x")
    mx.random.seed(5)
    got = s.eval(x=nd.zeros(3))[0].asnumpy()
    np.testing.assert_allclose(got, np.random.RandomState(5).exponential(0.5, size=3).astype(np.float32))
    assert mx.sym.random_normal(shape=3).list_arguments() == []
    assert mx.sym.random.randint(low=0, high=4, shape=(5,)).eval()[0].dtype == np.int32

    class Noisy(gluon.HybridBlock):
        def hybrid_forward(self, F, x):
            return x + F.random.normal(loc=1.0, scale=0.5, shape=(4,))
    draws = []
    for hybridize in (False, True):
        net = Noisy()
        if hybridize:
            net.hybridize()
        mx.random.seed(9)
        draws.append([net(nd.zeros(4)).asnumpy() for _ in range(2)])
    np.testing.assert_allclose(draws[1], draws[0], rtol=1e-6)
    assert not np.allclose(draws[1][0], draws[1][1])   # a new draw each run of the cached graph
    rs9 = np.random.RandomState(9)
    np.testing.assert_allclose(draws[0][0], rs9.normal(1.0, 0.5, size=4).astype(np.float32), rtol=1e-6)


def test_softmax_temperature_dtype_and_softmax_activation_modes():
    x = rs.standard_normal((2, 3, 4))

    def sm(v, axis):
        e = np.exp(v - v.max(axis=axis, keepdims=True))
        return e / e.sum(axis=axis, keepdims=True)
    a = nd.array(x, dtype="float64")
    np.testing.assert_allclose(nd.softmax(a, axis=1, temperature=2.0).asnumpy(), sm(x / 2, 1))
    np.testing.assert_allclose(nd.log_softmax(a, -1, 0.5).asnumpy(), np.log(sm(x / 0.5, -1)))
    assert nd.softmax(nd.array(x), dtype="float64").dtype == np.float64
    np.testing.assert_allclose(nd.SoftmaxActivation(a, mode="channel").asnumpy(), sm(x, 1))
    inst = nd.SoftmaxActivation(a).asnumpy()
    np.testing.assert_allclose(inst.reshape(2, -1), sm(x.reshape(2, -1), 1))
    with pytest.raises(MXNetError):
        nd.softmax(a, use_length=True)
    _fd_check(lambda v: nd.softmax(v, axis=1, temperature=3.0), x)
    _fd_check(lambda v: nd.SoftmaxActivation(v), x)


def test_reshape_deprecated_target_shape_and_keep_highest():
    # MXNet's ReshapeShape: target_shape is the shape, its one 0 inferred; keep_highest keeps dim 0
    x = nd.arange(24).reshape((2, 3, 4))
    assert nd.Reshape(x, target_shape=(0, 6)).shape == (4, 6)
    assert nd.Reshape(x, target_shape=(9, 0, 4), keep_highest=True).shape == (2, 3, 4)
    assert mx.sym.Reshape(mx.sym.var('x'), target_shape=(2, 12)).infer_shape(x=(2, 3, 4))[1] == [(2, 12)]
    np.testing.assert_array_equal(nd.Reshape(x, target_shape=(6, 0)).asnumpy(), x.asnumpy().reshape(6, 4))
