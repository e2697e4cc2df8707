"""nd + autograd: record/backward gradients against finite differences (float64), grad_req, pause,
and the errors for backward without a graph."""
import numpy as np
import pytest

import frameworks.hybrid as mx
from frameworks.hybrid import autograd, nd
from frameworks.kernels.gradcheck import numerical_grad


def _check(f, *arrays, rtol=1e-5, atol=1e-7):
    """f(*NDArrays) -> scalar NDArray; compare record/backward grads with central differences."""
    xs = [nd.array(a, dtype="float64") for a in arrays]
    for x in xs:
        x.attach_grad()
    with autograd.record():
        y = f(*xs)
    y.backward()
    for a, x in zip(arrays, xs):
        num = numerical_grad(lambda: f(*[nd.array(b, dtype="float64") for b in arrays]).asscalar(), a)
        np.testing.assert_allclose(x.grad.asnumpy(), num, rtol=rtol, atol=atol)


def test_composite_expression_matches_finite_differences():
    rs = np.random.RandomState(0)
    a, b = rs.standard_normal((4, 3)), rs.standard_normal((3, 5))
    c = rs.uniform(0.5, 2.0, (4, 5))

    def f(a, b, c):
        h = nd.dot(a, b)
        z = nd.sigmoid(h) * nd.tanh(h) + nd.relu(h) - 0.5 * nd.exp(-h * h)
        z = z / c + nd.log(c) ** 2
        z = nd.concat(z, nd.reshape(a, shape=(2, 6)).T.reshape((4, 3)), dim=1)
        return nd.mean(nd.sum(nd.clip(z, a_min=-3.0, a_max=3.0), axis=1)) - z[1:3].sum()

    _check(f, a, b, c)


def test_layer_ops_match_finite_differences():
    rs = np.random.RandomState(1)
    x, w, bias = rs.standard_normal((2, 2, 5, 5)), rs.standard_normal((3, 2, 3, 3)), rs.standard_normal(3)
    fw = rs.standard_normal((4, 12))

    def f(x, w, bias, fw):
        y = nd.Convolution(x, w, bias, kernel=(3, 3), num_filter=3, pad=(1, 1))
        y = nd.Pooling(nd.Activation(y, act_type="tanh"), kernel=(2, 2), stride=(2, 2))
        return nd.sum(nd.FullyConnected(y, fw, num_hidden=4, no_bias=True) ** 2)

    _check(f, x, w, bias, fw, rtol=1e-4, atol=1e-6)


def test_fused_rnn_matches_finite_differences():
    rs = np.random.RandomState(2)
    T, N, C, H = 3, 2, 4, 3
    x = rs.standard_normal((T, N, C))
    ws = [rs.uniform(-0.5, 0.5, s) for s in ((4 * H, C), (4 * H, H), (4 * H,), (4 * H,))]

    def f(x, *ws):
        return nd.sum(nd.RNN(x, *ws, state_size=H, mode="lstm") ** 2)

    _check(f, x, *ws, rtol=1e-4, atol=1e-7)


def test_a_chain_that_forks_after_several_nodes_matches_finite_differences():
    # backward walks the chain mean <- sum <- relu node by node, then meets the fork at the product
    rs = np.random.RandomState(1)
    a, b = rs.standard_normal((3, 4)), rs.standard_normal((4, 2))

    def f(a, b):
        h = nd.dot(a, b)
        return nd.mean(nd.sum(nd.relu(h * nd.tanh(h) + 0.1), axis=1))

    _check(f, a, b)


def test_a_value_used_twice_accumulates_and_grad_req_add_sums_over_backwards():
    x = nd.array([1.0, 2.0, 3.0])
    x.attach_grad(grad_req="add")
    for _ in range(2):
        with autograd.record():
            y = (x * x + x).sum()
        y.backward()
    np.testing.assert_allclose(x.grad.asnumpy(), 2 * (2 * np.array([1.0, 2.0, 3.0]) + 1))
    x.attach_grad()  # back to 'write': the next backward overwrites
    with autograd.record():
        y = (3 * x).sum()
    y.backward()
    np.testing.assert_allclose(x.grad.asnumpy(), [3.0, 3.0, 3.0])


def test_record_pause_and_is_recording():
    x = nd.ones((2,))
    x.attach_grad()
    assert not autograd.is_recording()
    with autograd.record():
        assert autograd.is_recording() and autograd.is_training()
        y = x * 2
        with autograd.pause():
            assert not autograd.is_recording()
            z = x * 5  # not recorded: no gradient flows through it
        out = (y + z).sum()
    assert not autograd.is_recording()
    out.backward()
    np.testing.assert_allclose(x.grad.asnumpy(), [2.0, 2.0])


def test_backward_outside_record_is_a_clear_error():
    x = nd.ones((2,))
    x.attach_grad()
    y = (x * 2).sum()
    with pytest.raises(RuntimeError, match="not in a computational graph.*autograd.record"):
        y.backward()


def test_a_head_gradient_of_another_shape_is_a_clear_error():
    x = nd.ones((3,))
    x.attach_grad()
    with autograd.record():
        y = x * 2
    with pytest.raises(mx.base.MXNetError, match=r"head gradient of shape \(2, 3\) for an output of shape \(3,\)"):
        y.backward(nd.ones((2, 3)))
    y.backward(nd.ones((3,)) * 3)   # the graph is still there after the refusal
    np.testing.assert_allclose(x.grad.asnumpy(), [6.0, 6.0, 6.0])


def test_second_backward_needs_retain_graph():
    x = nd.ones((2,))
    x.attach_grad()
    with autograd.record():
        y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.asnumpy(), [2.0, 2.0])
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()


def test_ndarray_basics():
    x = nd.array([[1, 2], [3, 4]])
    assert x.dtype == np.float32 and x.shape == (2, 2) and x.context == nd.cpu()
    assert nd.array(np.arange(3)).dtype == np.float32  # MXNet's default for a NumPy source, whatever its dtype
    assert nd.array(np.arange(3), dtype="int64").dtype == np.int64
    assert nd.array(nd.array(np.arange(3), dtype="int64")).dtype == np.int64  # an NDArray source keeps its own
    assert x.sum().asscalar() == 10.0
    assert x.as_in_context(nd.cpu()) is x
    np.testing.assert_allclose((1 - x / 2).asnumpy(), [[0.5, 0.0], [-0.5, -1.0]])
    with pytest.raises(ValueError, match="not a scalar"):
        x.asscalar()
    nd.random.seed(3)
    a = nd.random.normal(shape=(3,)).asnumpy()
    nd.random.seed(3)
    np.testing.assert_array_equal(a, nd.random.normal(shape=(3,)).asnumpy())


def test_asscalar_is_a_numpy_scalar_of_the_dtype_as_mxnets():
    """MXNet's asscalar is asnumpy()[0]: a NumPy scalar (numpy.int32 for int32), for size 1 only."""
    assert type(nd.array([3], dtype="int32").asscalar()) is np.int32
    assert type(nd.ones((1, 1)).asscalar()) is np.float32 and nd.ones((1, 1)).asscalar() == 1
    loss = nd.array([1.0, 2.0]).mean()
    assert type(loss.asscalar()) is np.float32 and loss.asscalar() == 1.5 and float(loss) == 1.5
    with pytest.raises(ValueError, match="not a scalar"):
        nd.ones((2,)).asscalar()


def test_a_head_gradient_of_the_same_size_serves_as_in_mxnet():
    # d2l's autograd chapter: z of shape (4, 1) takes a (4,) head gradient (MXNet reads its buffer)
    x = nd.arange(4).reshape((4, 1))
    x.attach_grad()
    with autograd.record():
        y = x * 2
        z = y * x
    z.backward(nd.array([10, 1., .1, .01]))
    np.testing.assert_allclose(x.grad.asnumpy().ravel(), [0.0, 4.0, 0.8, 0.12], rtol=1e-6)


def test_an_array_from_a_freed_graph_is_a_constant_in_the_next_recording():
    # MXNet clears a graph's nodes after backward: an RNN state carried into the next batch (d2l's
    # train_and_predict_rnn_gluon, whose s.detach() returns a copy and changes nothing) is then a constant
    w = nd.array([2.0, 3.0])
    w.attach_grad()
    state = nd.ones((2,))
    for step in range(3):
        with autograd.record():
            state = state * w
            loss = state.sum()
        loss.backward()
        # d(sum(state_prev * w))/dw = state_prev, where state_prev is w ** step elementwise
        np.testing.assert_allclose(w.grad.asnumpy(), [2.0 ** step, 3.0 ** step])
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        loss.backward()


def test_setitem_of_one_element_takes_a_one_element_array():
    # d2l's probability chapter: totals[k] is shape (1,) in MXNet 1.x, and totals[k] += 1 stores it back
    totals = nd.zeros(6)
    for k in (2, 2, 5):
        totals[k] += 1
    assert totals.asnumpy().tolist() == [0, 0, 2, 0, 0, 1]
    with pytest.raises(mx.base.MXNetError, match=r"shape \(3,\) to the indexed region of shape \(\)"):
        totals[1] = nd.ones(3)
