"""MXNet 1.x's loss functions tutorial (docs/python_docs/python/tutorials/packages/gluon/loss/loss.md), as
written but for the import and the plots: L2 on vectors and through a Dense layer's gradient, the plotted
regression and classification losses against their formulas, softmax cross-entropy, KL divergence on the
tutorial's logits, cosine embedding loss for equal and orthogonal vectors, and sample weights."""
import numpy as np

import frameworks.hybrid as mx
from frameworks.hybrid import autograd, nd
from frameworks.hybrid.gluon import loss as gloss
from frameworks.hybrid.gluon import nn


def test_loss_tutorial(capsys):
    loss = gloss.L2Loss()
    x = nd.ones((2,))
    y = nd.ones((2,)) * 2
    np.testing.assert_array_equal(loss(x, y).asnumpy(), [0.5, 0.5])
    np.testing.assert_array_equal((.5 * (x - y) ** 2).asnumpy(), [0.5, 0.5])

    X = nd.random.uniform(shape=(2, 4))
    net = nn.Dense(1)
    net.initialize()
    with autograd.record():
        l = loss(net(X), y)
    print(l)
    l.backward()
    print(net.weight.grad())
    assert capsys.readouterr().out.count("<NDArray 1x4 @cpu(0)>") == 1
    # d/dW sum_i 0.5 (W x_i + b - 2)^2 = sum_i (W x_i + b - 2) x_i
    resid = net(X).asnumpy()[:, 0] - 2
    np.testing.assert_allclose(net.weight.grad().asnumpy(), resid @ X.asnumpy()[None], rtol=1e-5)

    def show_regression_loss(loss):
        x = nd.arange(-5, 5, .1)
        y = loss(x, nd.zeros_like(x))
        return x.asnumpy(), y.asnumpy()

    def show_classification_loss(loss):
        x = nd.arange(-5, 5, .1)
        y = loss(x, nd.ones_like(x))
        return x.asnumpy(), y.asnumpy()

    def check(result, formula):
        x, y = result
        np.testing.assert_allclose(y, formula(x.astype(np.float64)), rtol=1e-5, atol=1e-6)

    check(show_regression_loss(gloss.L1Loss()), np.abs)
    check(show_regression_loss(gloss.L2Loss()), lambda x: x * x / 2)
    check(show_regression_loss(gloss.HuberLoss(rho=1)), lambda x: np.where(np.abs(x) > 1, np.abs(x) - 0.5, x * x / 2))
    check(show_classification_loss(gloss.SigmoidBinaryCrossEntropyLoss()), lambda x: np.log1p(np.exp(-x)))
    check(show_classification_loss(gloss.HingeLoss()), lambda x: np.maximum(0, 1 - x))
    check(show_classification_loss(gloss.LogisticLoss()), lambda x: np.log1p(np.exp(-x)))

    loss = gloss.SoftmaxCrossEntropyLoss()
    x = nd.array([[1, 10], [8, 2]])
    y = nd.array([0, 1])
    np.testing.assert_allclose(loss(x, y).asnumpy(), [9.000123, 6.0024757], rtol=1e-6)

    output = mx.nd.array([[0.39056206, 1.3068528, 0.39056206, -0.30258512]])
    print('output.softmax(): {}'.format(output.softmax().asnumpy().tolist()))
    target_dist = mx.nd.array([[0.3, 0.4, 0.1, 0.2]])
    loss_fn = gloss.KLDivLoss(from_logits=False)
    loss = loss_fn(output, target_dist)
    print('loss (kl divergence): {}'.format(loss.asnumpy().tolist()))
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith('output.softmax(): [[0.19999998') and out[1].startswith('loss (kl divergence): [0.0254242')
    # the mean over the 4 categories of target * (log target - log softmax)
    t, p = np.array([0.3, 0.4, 0.1, 0.2]), np.array([0.2, 0.5, 0.2, 0.1])
    np.testing.assert_allclose(loss.asnumpy(), [np.mean(t * np.log(t / p))], rtol=1e-5)

    x = mx.nd.array([1, 0, 1, 0, 1, 0])
    y = mx.nd.array([1, 0, 1, 0, 1, 0])
    label = mx.nd.array(1)
    loss = gloss.CosineEmbeddingLoss()
    print(loss(x, y, label))
    x = mx.nd.array([1, 0, 1, 0, 1, 0])
    y = mx.nd.array([0, 1, 0, 1, 0, 1])
    label = mx.nd.array(-1)
    loss = gloss.CosineEmbeddingLoss()
    print(loss(x, y, label))
    assert capsys.readouterr().out == "\n[[0.]]\n<NDArray 1x1 @cpu(0)>\n" * 2

    x = nd.ones((2,))
    y = nd.ones((2,)) * 2
    loss = gloss.L2Loss()
    np.testing.assert_array_equal(loss(x, y, nd.array([1, 2])).asnumpy(), [0.5, 1.0])
