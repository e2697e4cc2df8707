"""MXNet 1.x has no 0-d NDArray: a full reduction (ReduceAxesShape's TShape(1)), argmax without an axis
and the dot of two 1-D vectors are shape (1,), eagerly, hybridized and in sym.infer_shape; gradients
through such a (1,) result match finite differences in float64."""
import numpy as np
import pytest

import frameworks.hybrid as mx
from frameworks.kernels.gradcheck import numerical_grad
from frameworks.hybrid import autograd, gluon, nd, sym

FULL = {
    "sum": lambda F, x: F.sum(x),
    "mean": lambda F, x: F.mean(x),
    "prod": lambda F, x: F.prod(x),
    "max": lambda F, x: F.max(x),
    "min": lambda F, x: F.min(x),
    "norm": lambda F, x: F.norm(x),
    "nansum": lambda F, x: F.nansum(x),
    "nanprod": lambda F, x: F.nanprod(x),
    "sum_all_axes": lambda F, x: F.sum(x, axis=(0, 1)),
    "dot_1d": lambda F, x: F.dot(F.reshape(x, shape=(-1,)), F.reshape(x, shape=(-1,))),
}
X = np.array([[0.5, -1.25, 2.0], [1.5, 0.75, -0.5]])


@pytest.mark.parametrize("name", sorted(FULL))
def test_full_reduction_is_shape_1_eagerly_and_as_a_method(name):
    out = FULL[name](nd, nd.array(X))
    assert out.shape == (1,) and out.ndim == 1 and out.size == 1
    assert out.asnumpy().shape == (1,)
    ref = FULL[name](np, X) if name not in ("norm", "nansum", "nanprod", "dot_1d", "sum_all_axes") else None
    if ref is not None:
        np.testing.assert_allclose(out.asscalar(), ref, rtol=1e-6)


def test_ndarray_methods_and_argmax_give_shape_1():
    x = nd.array([1, 2, 3])
    for out in (x.sum(), x.mean(), x.max(), x.min(), x.prod(), x.norm(), nd.dot(x, x),
                nd.argmax(x), nd.argmin(x, axis=None), x[1]):
        assert out.shape == (1,)
    assert nd.argmax(x).asscalar() == 2
    assert x.sum().asscalar() == 6 and isinstance(x.sum().asscalar(), np.float32) and float(x.sum()) == 6.0


def test_repr_of_a_full_reduction_is_mxnets():
    assert repr(nd.array([1, 2, 3]).sum()) == "\n[6.]\n<NDArray 1 @cpu(0)>"


def test_sym_infer_shape_of_a_full_reduction_is_1():
    a = sym.var("a")
    for s in (sym.sum(a), sym.mean(a), sym.max(a), sym.norm(a)):
        _, outs, _ = s.infer_shape(a=(2, 3))
        assert outs == [(1,)]
    _, outs, _ = sym.dot(sym.var("u"), sym.var("v")).infer_shape(u=(4,), v=(4,))
    assert outs == [(1,)]


class _Full(gluon.HybridBlock):
    def __init__(self, name, **kwargs):
        super().__init__(**kwargs)
        self.fn = FULL[name]

    def hybrid_forward(self, F, x):
        return self.fn(F, F.tanh(x))


def _grad(name, hybridize, x):
    """The reduction's value and its gradient w.r.t. x (float64), through a (1,) head."""
    net = _Full(name)
    if hybridize:
        net.hybridize()
    a = nd.array(x, dtype="float64")
    a.attach_grad()
    with autograd.record():
        out = net(a)
    assert out.shape == (1,)
    out.backward()
    return out, a.grad.asnumpy()


@pytest.mark.parametrize("hybridize", [False, True])
@pytest.mark.parametrize("name", ["sum", "mean", "prod", "max", "norm", "sum_all_axes", "dot_1d"])
def test_gradient_through_a_shape_1_reduction_matches_finite_differences(name, hybridize):
    x = X.copy()
    out, g = _grad(name, hybridize, x)
    num = numerical_grad(lambda: FULL[name](nd, nd.tanh(nd.array(x, dtype="float64"))).asscalar(), x)
    np.testing.assert_allclose(g, num, rtol=1e-5, atol=1e-8)


def test_a_shape_1_loss_used_further_and_a_head_gradient_of_shape_1():
    x = nd.array(X, dtype="float64")
    x.attach_grad()
    with autograd.record():
        y = 3 * x.sum() + x.mean()   # the (1,) results broadcast as MXNet's (1,) do
    assert y.shape == (1,)
    y.backward(nd.array([2.0], dtype="float64"))
    np.testing.assert_allclose(x.grad.asnumpy(), np.full(X.shape, 2 * (3 + 1 / X.size)), rtol=1e-12)


def test_hybridized_loss_block_mean_is_shape_1_and_trains():
    class MeanLoss(gluon.HybridBlock):
        def hybrid_forward(self, F, pred, label):
            return F.mean(F.square(pred - label))

    net, loss_fn = gluon.nn.Dense(1, in_units=3), MeanLoss()
    net.initialize(mx.init.Constant(0.5))
    net.hybridize()
    loss_fn.hybridize()
    x, y = nd.array(X[:, :3]), nd.array([[1.0], [2.0]])
    with autograd.record():
        loss = loss_fn(net(x), y)
    assert loss.shape == (1,)
    loss.backward()
    w = net.weight.data().asnumpy()
    pred = X[:, :3] @ w.T + net.bias.data().asnumpy()
    want = 2 * ((pred - np.array([[1.0], [2.0]])) * X[:, :3]).sum(axis=0) / 2
    np.testing.assert_allclose(net.weight.grad().asnumpy(), want[None, :], rtol=1e-5)


def test_a_one_element_asnumpy_converts_to_a_number_as_under_numpy_1x():
    # MXNet 1.x ran on NumPy < 2, where '%f' % loss.mean().asnumpy() (the linear-regression tutorial's
    # print) and float(acc.asnumpy()) worked; the (1,) array keeps those conversions, and stays an ndarray
    x = nd.array([1.5, 2.5])
    loss = x.mean().asnumpy()
    assert loss.shape == (1,) and isinstance(loss, np.ndarray) and loss[0] == 2.0
    assert '%f' % loss == '2.000000' and float(loss) == 2.0 and int(nd.array([3]).asnumpy()) == 3
    assert repr(loss) == 'array([2.], dtype=float32)'
    assert type(x.asnumpy()) is np.ndarray   # larger arrays are plain
    with pytest.raises(TypeError):
        float(x.asnumpy())
