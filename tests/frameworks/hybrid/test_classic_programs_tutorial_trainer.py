"""MXNet 1.x's Trainer tutorial (docs/python_docs/python/tutorials/packages/gluon/training/trainer.md), as
written but for the import: one SGD step equals weight - lr * grad / batch_size, a Trainer over an Adam
instance (its first step moves every weight by lr, MXNet's folded bias correction), learning_rate and
set_learning_rate."""
import numpy as np

from frameworks.hybrid import autograd, gluon, nd, optimizer


def test_trainer_tutorial(capsys):
    net = gluon.nn.Dense(1)
    net.initialize()

    trainer = gluon.Trainer(net.collect_params(),
                            optimizer='sgd', optimizer_params={'learning_rate': 1})

    batch_size = 8
    X = nd.random.uniform(shape=(batch_size, 4))
    y = nd.random.uniform(shape=(batch_size,))

    loss = gluon.loss.L2Loss()

    def forward_backward():
        with autograd.record():
            l = loss(net(X), y)
        l.backward()

    forward_backward()

    curr_weight = net.weight.data().copy()
    print(curr_weight)
    trainer.step(batch_size)
    print(net.weight.data())
    print(curr_weight - net.weight.grad() * 1 / batch_size)
    out = capsys.readouterr().out.split("\n<NDArray 1x4 @cpu(0)>\n")
    assert out[1] == out[2]   # the tutorial's check: the step is w - lr * grad / batch_size
    np.testing.assert_allclose(net.weight.data().asnumpy(),
                               (curr_weight - net.weight.grad() / batch_size).asnumpy(), rtol=1e-6)

    optim = optimizer.Adam(learning_rate=1)
    trainer = gluon.Trainer(net.collect_params(), optim)

    before = net.weight.data().asnumpy()
    forward_backward()
    grad = net.weight.grad().asnumpy()
    trainer.step(batch_size)
    # Adam's first step: lr * sqrt(1 - b2) / (1 - b1) * (1 - b1) g / sqrt((1 - b2) g^2) = lr * sign(g)
    step = 1 * np.sign(grad)
    np.testing.assert_allclose(net.weight.data().asnumpy(), before - step, rtol=1e-4)

    assert trainer.learning_rate == 1
    trainer.set_learning_rate(0.1)
    assert trainer.learning_rate == 0.1
