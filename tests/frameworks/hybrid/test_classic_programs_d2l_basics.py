"""Dive into Deep Learning, MXNet 1.x edition (d2l-ai/d2l-en v0.6.0): the from-scratch chapters run as the
book wrote them but for the imports and smaller epoch counts: crashcourse/autograd.md and probability.md,
linear-networks/softmax-regression-scratch.md, multilayer-perceptrons/dropout.md, weight-decay.md and
underfit-overfit.md (nd.gamma), on the seeded synthetic stand-ins of tests/frameworks/hybrid/_d2l.py."""
import math

import numpy as np

from frameworks.hybrid import autograd, gluon, init, nd
from frameworks.hybrid.gluon import data as gdata, loss as gloss, nn
from tests.frameworks.hybrid import _d2l as d2l


def test_autograd_chapter():
    x = nd.arange(4).reshape((4, 1))
    x.attach_grad()
    with autograd.record():
        y = 2 * nd.dot(x.T, x)
    y.backward()
    assert (x.grad - 4 * x).norm().asscalar() == 0
    print(autograd.is_training())
    with autograd.record():
        assert autograd.is_training()

    def f(a):
        b = a * 2
        while b.norm().asscalar() < 1000:
            b = b * 2
        if b.sum().asscalar() > 0:
            c = b
        else:
            c = 100 * b
        return c

    nd.random.seed(1)
    a = nd.random.normal(shape=1)
    a.attach_grad()
    with autograd.record():
        d = f(a)
    d.backward()
    assert a.grad == (d / a)

    y = x * 2
    z = y * x
    x = nd.arange(4).reshape((4, 1))
    x.attach_grad()
    with autograd.record():
        y = x * 2
        z = y * x
    head_gradient = nd.array([10, 1., .1, .01])
    z.backward(head_gradient)
    np.testing.assert_allclose(x.grad.asnumpy().ravel(), [0., 4., 0.8, 0.12], rtol=1e-6)


def test_probability_chapter():
    nd.random.seed(0)
    probabilities = nd.ones(6) / 6
    nd.random.multinomial(probabilities)
    assert nd.random.multinomial(probabilities, shape=(10)).shape == (10,)
    assert nd.random.multinomial(probabilities, shape=(5,10)).shape == (5, 10)

    rolls = nd.random.multinomial(probabilities, shape=(1000))
    counts = nd.zeros((6,1000))
    totals = nd.zeros(6)
    for i, roll in enumerate(rolls):
        totals[int(roll.asscalar())] += 1
        counts[:, i] = totals
    assert totals.sum().asscalar() == 1000
    np.testing.assert_array_equal(counts[:, 999].asnumpy(), totals.asnumpy())
    x = nd.arange(1000).reshape((1,1000)) + 1
    estimates = counts / x
    assert abs(estimates[:, 999].asnumpy() - 1 / 6).max() < 0.05


def test_softmax_regression_from_scratch():
    nd.random.seed(0)
    batch_size = 16
    train_iter, test_iter = d2l.load_data_fashion_mnist(batch_size)

    num_inputs = 784
    num_outputs = 10

    W = nd.random.normal(scale=0.01, shape=(num_inputs, num_outputs))
    b = nd.zeros(num_outputs)
    W.attach_grad()
    b.attach_grad()

    X = nd.array([[1, 2, 3], [4, 5, 6]])
    s0, s1 = X.sum(axis=0, keepdims=True), X.sum(axis=1, keepdims=True)
    assert s0.asnumpy().tolist() == [[5, 7, 9]] and s1.asnumpy().tolist() == [[6], [15]]

    def softmax(X):
        X_exp = X.exp()
        partition = X_exp.sum(axis=1, keepdims=True)
        return X_exp / partition  # The broadcast mechanism is applied here

    X = nd.random.normal(shape=(2, 5))
    X_prob = softmax(X)
    np.testing.assert_allclose(X_prob.sum(axis=1).asnumpy(), [1, 1], rtol=1e-6)

    def net(X):
        return softmax(nd.dot(X.reshape((-1, num_inputs)), W) + b)

    y_hat = nd.array([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]])
    y = nd.array([0, 2], dtype='int32')
    np.testing.assert_allclose(nd.pick(y_hat, y).asnumpy(), [0.1, 0.5], rtol=1e-6)

    def cross_entropy(y_hat, y):
        return - nd.pick(y_hat, y).log()

    def accuracy(y_hat, y):
        return (y_hat.argmax(axis=1) == y.astype('float32')).mean().asscalar()

    assert accuracy(y_hat, y) == 0.5

    def evaluate_accuracy(data_iter, net):
        acc_sum, n = 0.0, 0
        for X, y in data_iter:
            y = y.astype('float32')
            acc_sum += (net(X).argmax(axis=1) == y).sum().asscalar()
            n += y.size
        return acc_sum / n

    before = evaluate_accuracy(test_iter, net)
    num_epochs, lr = 5, 0.1
    losses = []

    def train_ch3(net, train_iter, test_iter, loss, num_epochs, batch_size,
                  params=None, lr=None, trainer=None):
        for epoch in range(num_epochs):
            train_l_sum, train_acc_sum, n = 0.0, 0.0, 0
            for X, y in train_iter:
                with autograd.record():
                    y_hat = net(X)
                    l = loss(y_hat, y).sum()
                l.backward()
                if trainer is None:
                    d2l.sgd(params, lr, batch_size)
                else:
                    # This will be illustrated in the next section
                    trainer.step(batch_size)
                y = y.astype('float32')
                train_l_sum += l.asscalar()
                train_acc_sum += (y_hat.argmax(axis=1) == y).sum().asscalar()
                n += y.size
            test_acc = evaluate_accuracy(test_iter, net)
            print('epoch %d, loss %.4f, train acc %.3f, test acc %.3f'
                  % (epoch + 1, train_l_sum / n, train_acc_sum / n, test_acc))
            losses.append(train_l_sum / n)

    train_ch3(net, train_iter, test_iter, cross_entropy, num_epochs,
              batch_size, [W, b], lr)
    # the synthetic "test" set is the training set: 64 images of 784 pixels are learned by heart
    assert losses[-1] < losses[0] * 0.5
    assert evaluate_accuracy(test_iter, net) > max(before, 0.5)


def test_dropout_from_scratch_and_concise():
    nd.random.seed(0)

    def dropout(X, drop_prob):
        assert 0 <= drop_prob <= 1
        # In this case, all elements are dropped out
        if drop_prob == 1:
            return X.zeros_like()
        mask = nd.random.uniform(0, 1, X.shape) > drop_prob
        return mask * X / (1.0-drop_prob)

    X = nd.arange(16).reshape((2, 8))
    assert (dropout(X, 0) == X).asnumpy().all()
    half = dropout(X, 0.5).asnumpy()
    assert ((half == 0) | (half == 2 * X.asnumpy())).all()
    assert (dropout(X, 1).asnumpy() == 0).all()

    num_inputs, num_outputs, num_hiddens1, num_hiddens2 = 784, 10, 256, 256

    W1 = nd.random.normal(scale=0.01, shape=(num_inputs, num_hiddens1))
    b1 = nd.zeros(num_hiddens1)
    W2 = nd.random.normal(scale=0.01, shape=(num_hiddens1, num_hiddens2))
    b2 = nd.zeros(num_hiddens2)
    W3 = nd.random.normal(scale=0.01, shape=(num_hiddens2, num_outputs))
    b3 = nd.zeros(num_outputs)

    params = [W1, b1, W2, b2, W3, b3]
    for param in params:
        param.attach_grad()

    drop_prob1, drop_prob2 = 0.2, 0.5
    seen = []

    def net(X):
        X = X.reshape((-1, num_inputs))
        H1 = (nd.dot(X, W1) + b1).relu()
        seen.append(autograd.is_training())
        # Use dropout only when training the model
        if autograd.is_training():
            # Add a dropout layer after the first fully connected layer
            H1 = dropout(H1, drop_prob1)
        H2 = (nd.dot(H1, W2) + b2).relu()
        if autograd.is_training():
            # Add a dropout layer after the second fully connected layer
            H2 = dropout(H2, drop_prob2)
        return nd.dot(H2, W3) + b3

    num_epochs, lr, batch_size = 3, 0.5, 16
    loss = gloss.SoftmaxCrossEntropyLoss()
    train_iter, test_iter = d2l.load_data_fashion_mnist(batch_size)
    d2l.train_ch3(net, train_iter, test_iter, loss, num_epochs, batch_size,
                  params, lr)
    assert True in seen and False in seen   # record() trains, evaluate_accuracy predicts

    net = nn.Sequential()
    net.add(nn.Dense(256, activation="relu"),
            # Add a dropout layer after the first fully connected layer
            nn.Dropout(drop_prob1),
            nn.Dense(256, activation="relu"),
            # Add a dropout layer after the second fully connected layer
            nn.Dropout(drop_prob2),
            nn.Dense(10))
    net.initialize(init.Normal(sigma=0.01))
    trainer = gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': lr})
    d2l.train_ch3(net, train_iter, test_iter, loss, num_epochs, batch_size, None,
                  None, trainer)
    X = next(iter(test_iter))[0]
    assert (net(X) == net(X)).asnumpy().all()   # no dropout outside record()


def test_weight_decay(capsys):
    nd.random.seed(0)
    n_train, n_test, num_inputs = 20, 100, 200
    true_w, true_b = nd.ones((num_inputs, 1)) * 0.01, 0.05

    features = nd.random.normal(shape=(n_train + n_test, num_inputs))
    labels = nd.dot(features, true_w) + true_b
    labels += nd.random.normal(scale=0.01, shape=labels.shape)
    train_features, test_features = features[:n_train, :], features[n_train:, :]
    train_labels, test_labels = labels[:n_train], labels[n_train:]

    def init_params():
        w = nd.random.normal(scale=1, shape=(num_inputs, 1))
        b = nd.zeros(shape=(1,))
        w.attach_grad()
        b.attach_grad()
        return [w, b]

    def l2_penalty(w):
        return (w**2).sum() / 2

    batch_size, num_epochs, lr = 1, 30, 0.003
    net, loss = d2l.linreg, d2l.squared_loss
    train_iter = gdata.DataLoader(gdata.ArrayDataset(
        train_features, train_labels), batch_size, shuffle=True)

    def fit_and_plot(lambd):
        w, b = init_params()
        train_ls, test_ls = [], []
        for _ in range(num_epochs):
            for X, y in train_iter:
                with autograd.record():
                    # The L2 norm penalty term has been added
                    l = loss(net(X, w, b), y) + lambd * l2_penalty(w)
                l.backward()
                d2l.sgd([w, b], lr, batch_size)
            train_ls.append(loss(net(train_features, w, b),
                                 train_labels).mean().asscalar())
            test_ls.append(loss(net(test_features, w, b),
                                test_labels).mean().asscalar())
        d2l.semilogy(range(1, num_epochs + 1), train_ls, 'epochs', 'loss',
                     range(1, num_epochs + 1), test_ls, ['train', 'test'])
        print('l2 norm of w:', w.norm().asscalar())

    def fit_and_plot_gluon(wd):
        net = nn.Sequential()
        net.add(nn.Dense(1))
        net.initialize(init.Normal(sigma=1))
        # The weight parameter has been decayed. Weight names generally end with
        # "weight".
        trainer_w = gluon.Trainer(net.collect_params('.*weight'), 'sgd',
                                  {'learning_rate': lr, 'wd': wd})
        # The bias parameter has not decayed. Bias names generally end with "bias"
        trainer_b = gluon.Trainer(net.collect_params('.*bias'), 'sgd',
                                  {'learning_rate': lr})
        train_ls, test_ls = [], []
        for _ in range(num_epochs):
            for X, y in train_iter:
                with autograd.record():
                    l = loss(net(X), y)
                l.backward()
                # Call the step function on each of the two Trainer instances to
                # update the weight and bias separately
                trainer_w.step(batch_size)
                trainer_b.step(batch_size)
            train_ls.append(loss(net(train_features),
                                 train_labels).mean().asscalar())
            test_ls.append(loss(net(test_features),
                                test_labels).mean().asscalar())
        d2l.semilogy(range(1, num_epochs + 1), train_ls, 'epochs', 'loss',
                     range(1, num_epochs + 1), test_ls, ['train', 'test'])
        print('L2 norm of w:', net[0].weight.data().norm().asscalar())

    norms = []
    for run in (lambda: fit_and_plot(lambd=0), lambda: fit_and_plot(lambd=3),
                lambda: fit_and_plot_gluon(0), lambda: fit_and_plot_gluon(3)):
        run()
        norms.append(float(capsys.readouterr().out.split(':')[1]))
    # 30 epochs of 20 steps at lr 0.003: decay by (1 - lr * 3) per step shrinks |w| ~ 5x; without, it stays ~14
    assert norms[0] > 10 and norms[2] > 10
    assert norms[1] < norms[0] / 3 and norms[3] < norms[2] / 3


def test_underfitting_and_overfitting_polynomial():
    nd.random.seed(0)
    maxdegree = 20  # Maximum degree of the polynomial
    n_train, n_test = 100, 100  # Training and test data set sizes
    true_w = nd.zeros(maxdegree)  # Allocate lots of empty space
    true_w[0:4] = nd.array([5, 1.2, -3.4, 5.6])

    features = nd.random.normal(shape=(n_train + n_test, 1))
    features = nd.random.shuffle(features)
    poly_features = nd.power(features, nd.arange(maxdegree).reshape((1, -1)))
    poly_features = poly_features / (
        nd.gamma(nd.arange(maxdegree) + 1).reshape((1, -1)))
    labels = nd.dot(poly_features, true_w)
    labels += nd.random.normal(scale=0.1, shape=labels.shape)
    f = features.asnumpy()[:, 0]
    np.testing.assert_allclose(poly_features[:, 3].asnumpy(), f ** 3 / 6, rtol=1e-5, atol=1e-7)

    num_epochs, loss = 200, gloss.L2Loss()
    weights = []

    def fit_and_plot(train_features, test_features, train_labels, test_labels):
        net = nn.Sequential()
        # Switch off the bias since we already catered for it in the polynomial
        # features
        net.add(nn.Dense(1, use_bias=False))
        net.initialize()
        batch_size = min(10, train_labels.shape[0])
        train_iter = gdata.DataLoader(gdata.ArrayDataset(
            train_features, train_labels), batch_size, shuffle=True)
        trainer = gluon.Trainer(net.collect_params(), 'sgd',
                                {'learning_rate': 0.01})
        train_ls, test_ls = [], []
        for _ in range(num_epochs):
            for X, y in train_iter:
                with autograd.record():
                    l = loss(net(X), y)
                l.backward()
                trainer.step(batch_size)
            train_ls.append(loss(net(train_features),
                                 train_labels).mean().asscalar())
            test_ls.append(loss(net(test_features),
                                test_labels).mean().asscalar())
        print('final epoch: train loss', train_ls[-1], 'test loss', test_ls[-1])
        d2l.semilogy(range(1, num_epochs + 1), train_ls, 'epochs', 'loss',
                     range(1, num_epochs + 1), test_ls, ['train', 'test'])
        print('weight:', net[0].weight.data().asnumpy())
        weights.append((net[0].weight.data().asnumpy().ravel(), train_ls[-1]))

    num_epochs = 1000
    # Pick the first four dimensions, i.e. 1, x, x^2, x^3 from the polynomial
    # features
    fit_and_plot(poly_features[:n_train, 0:4], poly_features[n_train:, 0:4],
                 labels[:n_train], labels[n_train:])
    num_epochs = 50
    # Pick the first four dimensions, i.e. 1, x from the polynomial features
    fit_and_plot(poly_features[:n_train, 0:3], poly_features[n_train:, 0:3],
                 labels[:n_train], labels[n_train:])
    (w, fit_loss), (_, underfit_loss) = weights
    np.testing.assert_allclose(w, [5, 1.2, -3.4, 5.6], atol=0.3)   # the cubic is recovered (the book: 1000 epochs)
    assert fit_loss < 0.01 < 0.5 < underfit_loss
    assert math.isclose(nd.gamma(nd.array([5.0])).asscalar(), 24.0, rel_tol=1e-6)


def test_autograd_chapter_nd_edition():
    # crashcourse/autograd.md of the later nd edition (d2l-ai/d2l-en e2174f95): nd.dot of vectors, norm,
    # a vector head, detach, and attach_grad inside record() detaching the array
    x = nd.arange(4)
    x.attach_grad()
    with autograd.record():
        y = 2 * nd.dot(x, x)
    y.backward()
    assert (x.grad - 4 * x).asnumpy().tolist() == [0, 0, 0, 0]
    with autograd.record():
        y = x.norm()
    y.backward()
    np.testing.assert_allclose(x.grad.asnumpy(), x.asnumpy() / np.sqrt(14), rtol=1e-6)
    with autograd.record():  # y is a vector
        y = x * x
    y.backward()
    u = x.copy()
    u.attach_grad()
    with autograd.record():  # v is scalar
        v = (u * u).sum()
    v.backward()
    assert (x.grad - u.grad).asnumpy().tolist() == [0, 0, 0, 0]
    with autograd.record():
        y = x * x
        u = y.detach()
        z = u * x
    z.backward()
    assert (x.grad - u).asnumpy().tolist() == [0, 0, 0, 0]
    y.backward()
    assert (x.grad - 2*x).asnumpy().tolist() == [0, 0, 0, 0]
    y = nd.ones(4) * 2
    y.attach_grad()
    with autograd.record():
        u = x * y
        u.attach_grad()  # implicitly run u = u.detach()
        z = u + x
    z.backward()
    assert x.grad.asnumpy().tolist() == [1] * 4 and u.grad.asnumpy().tolist() == [1] * 4
    assert y.grad.asnumpy().tolist() == [0] * 4
    # matrix-vector and vector-matrix products: the result drops the vector's axis, gradients flow to both
    M = nd.arange(12).reshape((3, 4))
    M.attach_grad()
    v = nd.arange(4)
    v.attach_grad()
    w = nd.arange(3)
    w.attach_grad()
    with autograd.record():
        a, b = nd.dot(M, v), nd.dot(w, M)
        loss = a.sum() + b.sum()
    loss.backward()
    assert a.shape == (3,) and b.shape == (4,)
    assert v.grad.asnumpy().tolist() == [12, 15, 18, 21] and w.grad.asnumpy().tolist() == [6, 22, 38]
    np.testing.assert_array_equal(M.grad.asnumpy(), np.add.outer(np.arange(3), np.arange(4)))
