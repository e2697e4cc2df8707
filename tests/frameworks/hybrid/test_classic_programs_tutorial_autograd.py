"""MXNet 1.x's autograd tutorial (docs/python_docs/python/tutorials/packages/autograd/index.md), as written but
for the import: record/backward through a Gluon net, training vs inference mode (Dropout), grad_req 'null',
gradients of a non-parameter, Python control flow, and custom head gradients; the values it shows."""
import math

import numpy as np
import pytest

import frameworks.hybrid as mx
from frameworks.hybrid import autograd
from frameworks.hybrid.gluon.loss import L2Loss
from frameworks.hybrid.gluon.nn import Dense, HybridSequential


def test_autograd_tutorial(capsys):
    # Define network
    net = HybridSequential()
    net.add(Dense(units=3))
    net.add(Dense(units=1))
    net.initialize()
    # Define loss
    loss_fn = L2Loss()
    # Create dummy data
    x = mx.nd.array([[0.3, 0.5]])
    y = mx.nd.array([[1.5]])

    with autograd.record():
        y_hat = net(x)
        loss = loss_fn(y_hat, y)
    loss.backward()
    g = net[0].weight.grad()
    assert g.shape == (3, 2)
    # dL/dW0 = (y_hat - y) * W1^T x^T, by hand
    w1 = net[1].weight.data().asnumpy()
    expect = (y_hat.asnumpy() - 1.5)[0, 0] * w1.T @ np.array([[0.3, 0.5]])
    np.testing.assert_allclose(g.asnumpy(), expect, rtol=1e-5, atol=1e-7)

    dropout = mx.gluon.nn.Dropout(rate=0.5)
    data = mx.nd.ones(shape=(3, 3))
    output = dropout(data)
    is_training = autograd.is_training()
    print('is_training:', is_training, output)
    assert is_training is False
    np.testing.assert_array_equal(output.asnumpy(), np.ones((3, 3)))

    with autograd.record():
        output = dropout(data)
        assert autograd.is_training() and autograd.is_recording()
    print('is_training:', is_training, output)
    out = output.asnumpy()
    assert set(np.unique(out)) <= {0.0, 2.0} and (out == 0).any()   # 1/0.5 = 2 where kept (seeded draws)
    assert capsys.readouterr().out.startswith('is_training: False \n[[1. 1. 1.]')

    net[0].weight.grad_req = 'null'
    with autograd.record():
        loss = loss_fn(net(x), y)
    loss.backward()
    assert net[1].weight.grad().abs().sum().asscalar() > 0

    x = mx.nd.array([1, 2, 3])
    x.attach_grad()
    with autograd.record():
        y = 2 * x ** 2
    y.backward()
    print(x.grad)
    assert capsys.readouterr().out == '\n[ 4.  8. 12.]\n<NDArray 3 @cpu(0)>\n'

    def f(x):
        y = x  # going to change y but still want to use x
        if x < 0.75:  # variable num_loops because it depends on x
            num_loops = math.floor(1 / (1 - x.asscalar()))
            for i in range(num_loops):
                y = y * x  # increase polynomial degree
        else:  # otherwise flatline
            y = y * 0
        return y

    def get_grad(f, x):
        x.attach_grad()
        with autograd.record():
            y = f(x)
        y.backward()
        return x.grad

    xs = mx.nd.arange(0.0, 1.0, step=0.1)
    grads = [get_grad(f, x).asscalar() for x in xs]
    print(grads)
    # 2x, then 3x^2 from 1/2, 4x^3 from 2/3, 0 from 3/4: "for x=0.6 ... 1.08"
    np.testing.assert_allclose(grads, [0, .2, .4, .6, .8, .75, 1.08, 1.372, 0, 0], rtol=1e-6, atol=1e-7)

    x = mx.nd.array([2, ])
    x.attach_grad()
    # compute y inside of mxnet (with `autograd`)
    with autograd.record():
        y = x ** 3
    # compute dz/dy outside of mxnet
    y_np = y.asnumpy()
    z_np = y_np ** 2
    dzdy_np = 2 * y_np
    # compute dz/dx inside of mxnet (given dz/dy)
    dzdy = mx.nd.array(dzdy_np)
    y.backward(dzdy)
    print(x.grad)
    assert capsys.readouterr().out.endswith('\n[192.]\n<NDArray 1 @cpu(0)>\n')
    assert z_np[0] == 64


def test_autograd_api_the_v1_docs_use():
    # pause() inside record, train_mode/predict_mode, mark_variables with grad_reqs 'add', and
    # autograd.grad with head gradients
    x = mx.nd.array([1.0, 2.0])
    with autograd.record():
        assert autograd.is_training()
        with autograd.pause():
            assert not autograd.is_recording() and not autograd.is_training()
        with autograd.predict_mode():
            assert not autograd.is_training() and autograd.is_recording()
    with autograd.train_mode():
        assert autograd.is_training() and not autograd.is_recording()

    g = mx.nd.zeros(2)
    autograd.mark_variables([x], [g], grad_reqs='add')
    for _ in range(2):
        with autograd.record():
            y = (x * x).sum()
        y.backward()
    np.testing.assert_allclose(g.asnumpy(), [4.0, 8.0])   # 2x, accumulated twice

    x = mx.nd.array([1.0, 2.0])
    x.attach_grad()
    with autograd.record():
        y = x ** 3
    dy = autograd.grad(y, [x], head_grads=mx.nd.array([1.0, 0.5]), retain_graph=True)[0]
    np.testing.assert_allclose(dy.asnumpy(), [3.0, 6.0])   # 3x^2 times the head gradient
    np.testing.assert_array_equal(x.grad.asnumpy(), [0.0, 0.0])   # x's own .grad untouched
    y.backward()
    np.testing.assert_allclose(x.grad.asnumpy(), [3.0, 12.0])
    with autograd.record():
        y = x ** 3
    # a recorded backward (higher order) is not available: refused by name
    with pytest.raises(mx.MXNetError, match="create_graph=True is not supported"):
        autograd.grad(y, [x], create_graph=True)
    with pytest.raises(mx.MXNetError, match="not in a computational graph"):
        autograd.grad(y, [mx.nd.ones(2)])
