"""nd.linalg's factorizations: potrf (the shared cholesky kernel), inverse, det / slogdet (logabsdet), and
potri / trsm composed from them: values against NumPy, gradients against finite differences in float64,
hybridized like any op."""
import numpy as np
import pytest

import frameworks.hybrid as mx
from frameworks.hybrid import nd
from frameworks.hybrid.gluon import nn
from tests.frameworks.hybrid.test_hybrid_ops import _fd_check

rs = np.random.RandomState(21)


def _spd(batch, n):
    m = rs.standard_normal((batch, n, n))
    return m @ m.transpose(0, 2, 1) + n * np.eye(n)


A = _spd(2, 3)
L = np.linalg.cholesky(A)
B = rs.standard_normal((2, 3, 4))


def _f64(a):
    return nd.array(a, dtype='float64')


def test_values_against_numpy():
    np.testing.assert_allclose(nd.linalg.potrf(_f64(A)).asnumpy(), L, rtol=1e-12)
    np.testing.assert_allclose(nd.linalg.potri(_f64(L)).asnumpy(), np.linalg.inv(A), rtol=1e-10)
    np.testing.assert_allclose(nd.linalg.inverse(_f64(A)).asnumpy(), np.linalg.inv(A), rtol=1e-10)
    M = rs.standard_normal((2, 3, 3))
    np.testing.assert_allclose(nd.linalg.det(_f64(M)).asnumpy(), np.linalg.det(M), rtol=1e-10)
    sign, logdet = nd.linalg.slogdet(_f64(M))
    want_sign, want_log = np.linalg.slogdet(M)
    np.testing.assert_array_equal(sign.asnumpy(), want_sign)
    np.testing.assert_allclose(logdet.asnumpy(), want_log, rtol=1e-10)
    # trsm: alpha * op(tri(A))^-1 B, or B op(tri(A))^-1 with rightside; only A's triangle is read
    noisy = L + np.triu(rs.standard_normal((2, 3, 3)), 1)   # the upper triangle must be ignored
    np.testing.assert_allclose(nd.linalg.trsm(_f64(noisy), _f64(B), alpha=2.0).asnumpy(),
                               2 * np.linalg.solve(L, B), rtol=1e-10)
    np.testing.assert_allclose(nd.linalg.trsm(_f64(noisy), _f64(B), transpose=True).asnumpy(),
                               np.linalg.solve(L.transpose(0, 2, 1), B), rtol=1e-10)
    Bt = B.transpose(0, 2, 1)
    np.testing.assert_allclose(nd.linalg.trsm(_f64(noisy), _f64(Bt), rightside=True).asnumpy(),
                               Bt @ np.linalg.inv(L), rtol=1e-10)
    U = L.transpose(0, 2, 1)
    np.testing.assert_allclose(nd.linalg.trsm(_f64(U), _f64(B), lower=False).asnumpy(),
                               np.linalg.solve(U, B), rtol=1e-10)


@pytest.mark.parametrize("name,f,inputs", [
    ("potrf", lambda a: nd.linalg.potrf(a), [A]),
    ("inverse", lambda a: nd.linalg.inverse(a), [A + 0.3 * rs.standard_normal((2, 3, 3))]),
    ("det", lambda a: nd.linalg.det(a), [rs.standard_normal((2, 3, 3)) + 2 * np.eye(3)]),
    ("slogdet", lambda a: nd.linalg.slogdet(a)[1], [rs.standard_normal((2, 3, 3)) + 2 * np.eye(3)]),
    ("potri", lambda l: nd.linalg.potri(l), [L]),
    ("trsm", lambda l, b: nd.linalg.trsm(l, b, transpose=True, alpha=0.5), [L, B]),
])
def test_gradients_by_finite_differences(name, f, inputs):
    _fd_check(f, *inputs, rtol=1e-5, atol=1e-7)


def test_potrf_gradient_is_mxnets_symmetric_one():
    # MXNet's potrf backward, dA = 0.5 L^-T copyLTU(L^T dL) L^-1, is symmetric
    x = _f64(A)
    x.attach_grad()
    with mx.autograd.record():
        y = (nd.linalg.potrf(x) * _f64(rs.standard_normal((2, 3, 3)))).sum()
    y.backward()
    g = x.grad.asnumpy()
    np.testing.assert_allclose(g, g.transpose(0, 2, 1), rtol=1e-12, atol=1e-14)


def test_hybridized_block_and_symbol_use():
    class Whiten(nn.HybridBlock):
        def hybrid_forward(self, F, x, cov):
            return F.linalg.trsm(F.linalg.potrf(cov), x)

    blk = Whiten()
    blk.hybridize()
    got = blk(_f64(B), _f64(A)).asnumpy()
    np.testing.assert_allclose(got, np.linalg.solve(L, B), rtol=1e-10)
    s = mx.sym.linalg.slogdet(mx.sym.var('a'))
    assert len(s.list_outputs()) == 2
    with pytest.raises(mx.base.MXNetError, match="syevd"):
        nd.linalg.syevd(_f64(A))
