"""The classic MXNet tutorials, run unchanged but for the imports: linear regression from scratch with
autograd, linear regression with gluon.nn + Trainer, and a hybridized MLP classifier."""
import random

import numpy as np

from frameworks.hybrid import autograd, gluon, init, nd
from frameworks.hybrid.gluon import data as gdata
from frameworks.hybrid.gluon import loss as gloss
from frameworks.hybrid.gluon import nn


def _synthetic(num_examples=1000):
    true_w, true_b = [2, -3.4], 4.2
    features = nd.random.normal(scale=1, shape=(num_examples, 2))
    labels = true_w[0] * features[:, 0] + true_w[1] * features[:, 1] + true_b
    labels += nd.random.normal(scale=0.01, shape=labels.shape)
    return true_w, true_b, features, labels


def test_linear_regression_from_scratch():
    nd.random.seed(0)
    random.seed(0)
    true_w, true_b, features, labels = _synthetic()

    def data_iter(batch_size, features, labels):
        num_examples = len(features)
        indices = list(range(num_examples))
        random.shuffle(indices)
        for i in range(0, num_examples, batch_size):
            j = nd.array(indices[i: min(i + batch_size, num_examples)])
            yield features.take(j), labels.take(j)

    w = nd.random.normal(scale=0.01, shape=(2, 1))
    b = nd.zeros(shape=(1,))
    w.attach_grad()
    b.attach_grad()

    def linreg(X, w, b):
        return nd.dot(X, w) + b

    def squared_loss(y_hat, y):
        return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2

    def sgd(params, lr, batch_size):
        for param in params:
            param[:] = param - lr * param.grad / batch_size

    lr, num_epochs, batch_size = 0.03, 3, 10
    net, loss = linreg, squared_loss
    for epoch in range(num_epochs):
        for X, y in data_iter(batch_size, features, labels):
            with autograd.record():
                l = loss(net(X, w, b), y)
            l.backward()
            sgd([w, b], lr, batch_size)
        train_l = loss(net(features, w, b), labels)
        print('epoch %d, loss %f' % (epoch + 1, train_l.mean().asnumpy()))
    assert train_l.mean().asscalar() < 1e-3
    np.testing.assert_allclose(w.asnumpy().ravel(), true_w, atol=0.02)
    np.testing.assert_allclose(b.asscalar(), true_b, atol=0.02)


def test_linear_regression_with_gluon():
    nd.random.seed(1)
    true_w, true_b, features, labels = _synthetic()
    batch_size = 10
    dataset = gdata.ArrayDataset(features, labels)
    data_iter = gdata.DataLoader(dataset, batch_size, shuffle=True)
    net = nn.Sequential()
    net.add(nn.Dense(1))
    net.initialize(init.Normal(sigma=0.01))
    loss = gloss.L2Loss()
    trainer = gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': 0.03})
    num_epochs = 3
    for epoch in range(1, num_epochs + 1):
        for X, y in data_iter:
            with autograd.record():
                l = loss(net(X), y)
            l.backward()
            trainer.step(batch_size)
        l = loss(net(features), labels)
        print('epoch %d, loss: %f' % (epoch, l.mean().asnumpy()))
    dense = net[0]
    np.testing.assert_allclose(dense.weight.data().asnumpy().ravel(), true_w, atol=0.02)
    np.testing.assert_allclose(dense.bias.data().asscalar(), true_b, atol=0.02)


def test_hybridized_mlp_classifier():
    nd.random.seed(2)
    X = nd.random.normal(shape=(600, 20))
    y = (X[:, 0] * X[:, 1] > 0) + 2 * (X[:, 2] > 0)          # 4 classes, not linearly separable
    train_iter = gdata.DataLoader(gdata.ArrayDataset(X, y.astype('int64')), 30, shuffle=True)
    net = nn.HybridSequential()
    net.add(nn.Dense(64, activation='relu'), nn.Dense(4))
    net.initialize(init.Normal(sigma=0.1))
    net.hybridize()
    loss = gloss.SoftmaxCrossEntropyLoss()
    trainer = gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': 0.5})
    accs = []
    for epoch in range(8):
        train_l_sum, train_acc_sum, n = 0.0, 0.0, 0
        for Xb, yb in train_iter:
            with autograd.record():
                y_hat = net(Xb)
                l = loss(y_hat, yb).sum()
            l.backward()
            trainer.step(yb.shape[0])
            train_l_sum += l.asscalar()
            train_acc_sum += (y_hat.argmax(axis=1) == yb.astype('float32')).sum().asscalar()
            n += yb.shape[0]
        accs.append(train_acc_sum / n)
        print('epoch %d, loss %.4f, train acc %.3f' % (epoch + 1, train_l_sum / n, accs[-1]))
    assert accs[-1] > 0.8 and accs[-1] > accs[0]
