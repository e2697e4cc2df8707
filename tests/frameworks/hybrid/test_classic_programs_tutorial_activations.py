"""MXNet 1.x's activations tutorial (docs/python_docs/python/tutorials/packages/gluon/blocks/activations/
activations.md), as written but for the import and the plots: each activation and its gradient over
linspace(-10, 10, 501) against its formula, and the legend names (activation_fn.name[:-1])."""
import numpy as np

import frameworks.hybrid as mx

DATA = np.linspace(-10, 10, 501)


def visualize_activation(activation_fn):
    data = np.linspace(-10, 10, 501)
    x = mx.nd.array(data)
    x.attach_grad()
    with mx.autograd.record():
        y = activation_fn(x)
    y.backward()
    activation = activation_fn.name[:-1]
    return activation, y.asnumpy(), x.grad.asnumpy()


def _check(activation_fn, name, f, df):
    x = DATA.astype(np.float32).astype(np.float64)
    got_name, y, g = visualize_activation(activation_fn)
    assert got_name == name
    np.testing.assert_allclose(y, f(x), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(g, df(x), rtol=1e-4, atol=1e-5)


def test_activations_tutorial():
    sig = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731
    with mx.name.NameManager():
        _check(mx.gluon.nn.Activation('sigmoid'), 'sigmoid', sig, lambda x: sig(x) * (1 - sig(x)))
        _check(mx.gluon.nn.Activation('tanh'), 'tanh', np.tanh, lambda x: 1 - np.tanh(x) ** 2)
        _check(mx.gluon.nn.Activation('softsign'), 'softsign', lambda x: x / (1 + np.abs(x)),
               lambda x: 1 / (1 + np.abs(x)) ** 2)
        # x = 0 is one of the points: MXNet's relu gradient there is 0
        _check(mx.gluon.nn.Activation('relu'), 'relu', lambda x: np.maximum(x, 0), lambda x: (x > 0) * 1.0)
        _check(mx.gluon.nn.Activation('softrelu'), 'softrelu', lambda x: np.log1p(np.exp(x)), sig)
        _check(mx.gluon.nn.LeakyReLU(0.05), 'leakyrelu', lambda x: np.where(x > 0, x, 0.05 * x),
               lambda x: np.where(x > 0, 1.0, 0.05))
        prelu = mx.gluon.nn.PReLU(mx.init.Normal(0.05))
        prelu.initialize()
        a = prelu.alpha.data().asnumpy()[0]
        _check(prelu, 'prelu', lambda x: np.where(x > 0, x, a * x), lambda x: np.where(x > 0, 1.0, a))
        _check(mx.gluon.nn.ELU(), 'elu', lambda x: np.where(x > 0, x, np.expm1(x)),
               lambda x: np.where(x > 0, 1.0, np.exp(x)))
        lam, alpha = 1.0507009873554804934193349852946, 1.6732632423543772848170429916717
        _check(mx.gluon.nn.SELU(), 'selu', lambda x: lam * np.where(x > 0, x, alpha * np.expm1(x)),
               lambda x: lam * np.where(x > 0, 1.0, alpha * np.exp(x)))
        _check(mx.gluon.nn.Swish(), 'swish', lambda x: x * sig(x), lambda x: sig(x) + x * sig(x) * (1 - sig(x)))
