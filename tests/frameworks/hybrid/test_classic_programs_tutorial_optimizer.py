"""MXNet 1.x's optimizer tutorial (docs/python_docs/python/tutorials/packages/optimizer/index.md), its code
as written but for the import; then every optimizer it builds trains a small regression through
gluon.Trainer, and Adamax, Nadam and Signum step exactly as MXNet's formulas (optimizer.py, v1.x)."""
import numpy as np
import pytest

import frameworks.hybrid as mx
from frameworks.hybrid import autograd, gluon, nd, optimizer


def test_optimizer_tutorial_blocks():
    net = gluon.nn.Dense(1)
    net.initialize()
    optim = optimizer.SGD(learning_rate=0.1)
    trainer = gluon.Trainer(net.collect_params(), optimizer=optim)
    assert trainer.learning_rate == 0.1

    trainer = gluon.Trainer(net.collect_params(), optimizer='adam', optimizer_params={'learning_rate': 1})
    assert trainer.learning_rate == 1

    sgd_optimizer = optimizer.SGD(learning_rate=0.1, wd=0., momentum=0.8)
    nag_optimizer = optimizer.NAG(learning_rate=0.1, momentum=0.8)
    adagrad_optimizer = optimizer.AdaGrad(learning_rate=0.1, eps=1e-07)
    rmsprop_optimizer = optimizer.RMSProp(learning_rate=0.001, gamma1=0.9, gamma2=0.9, epsilon=1e-07,
                                          centered=False)
    adadelta_optimizer = optimizer.AdaDelta(rho=0.9, epsilon=1e-07)
    adam_optimizer = optimizer.Adam(learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-08)
    adamax_optimizer = optimizer.Adamax(learning_rate=0.002, beta1=0.9, beta2=0.999)
    nadam_optimizer = optimizer.Nadam(learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-08)
    signum_optimizer = optimizer.Signum(learning_rate=0.01, momentum=0.9, wd_lh=0.0)
    lbsgd_optimizer = optimizer.LBSGD(momentum=0.0, multi_precision=False, warmup_strategy='linear',
                                      warmup_epochs=5, batch_scale=1, updates_per_epoch=32, begin_epoch=0,
                                      num_epochs=60)
    dcasgd_optimizer = optimizer.DCASGD(momentum=0.0, lamda=0.04)
    ftrl_optimizer = optimizer.Ftrl(lamda1=0.01, learning_rate=0.1, beta=1)
    ftml_optimizer = optimizer.FTML(beta1=0.6, beta2=0.999, epsilon=1e-08)
    sgld_optimizer = optimizer.SGLD()

    # MXNet's defaults where the tutorial leaves them
    assert (ftml_optimizer.lr, sgld_optimizer.lr, dcasgd_optimizer.lr) == (0.01, 0.01, 0.01)
    assert nadam_optimizer.schedule_decay == 0.004 and adamax_optimizer.lr == 0.002
    assert ftrl_optimizer.lr == 0.1 and ftrl_optimizer.beta == 1

    x = nd.random.normal(shape=(64, 3))
    y = nd.dot(x, nd.array([[1.0], [-2.0], [0.5]])) + 0.3
    for opt, lr in [(sgd_optimizer, 0.1), (nag_optimizer, 0.1), (adagrad_optimizer, 0.1),
                    (rmsprop_optimizer, 0.01), (adadelta_optimizer, None), (adam_optimizer, 0.05),
                    (adamax_optimizer, 0.05), (nadam_optimizer, 0.05), (signum_optimizer, 0.01),
                    (dcasgd_optimizer, 0.05), (ftrl_optimizer, 0.5), (ftml_optimizer, 0.05),
                    (sgld_optimizer, 1e-3), (lbsgd_optimizer, 0.1)]:
        # SGLD samples a posterior: its gradient is the whole batch's sum (step(1)), its noise sqrt(lr)
        batch = 1 if opt is sgld_optimizer else 64
        if lr is not None:
            opt.lr = lr
        mx.random.seed(1)
        net = gluon.nn.Dense(1, in_units=3)
        net.initialize(mx.init.Normal(0.1))
        trainer = gluon.Trainer(net.collect_params(), opt)
        l2 = gluon.loss.L2Loss()
        first = l2(net(x), y).mean().asscalar()
        for _ in range(30):
            with autograd.record():
                loss = l2(net(x), y)
            loss.backward()
            trainer.step(batch)
        # AdaDelta (eps 1e-7) starts with tiny steps: it need only go down in 30 steps
        factor = 1.0 if opt is adadelta_optimizer else 0.8
        assert l2(net(x), y).mean().asscalar() < factor * first, type(opt).__name__


def _steps_by_updater(opt, w0, grads):
    updater = optimizer.get_updater(opt)
    w = nd.array(w0, dtype='float64')
    for g in grads:
        updater(0, nd.array(g, dtype='float64'), w)
    return w.asnumpy()


def test_adamax_clips_the_decayed_gradient_as_mxnet():
    rs = np.random.RandomState(0)
    w0, grads = rs.standard_normal(4), [rs.standard_normal(4) * 3 for _ in range(3)]
    got = _steps_by_updater(optimizer.create('adamax', learning_rate=0.01, wd=0.1, rescale_grad=0.5,
                                             clip_gradient=1.0), w0, grads)
    w, m, u = w0.copy(), np.zeros(4), np.zeros(4)
    for t, g in enumerate(grads, 1):
        g = np.clip(g * 0.5 + 0.1 * w, -1.0, 1.0)
        m = 0.9 * m + 0.1 * g
        u = np.maximum(0.999 * u, np.abs(g))
        w = w - 0.01 / (1 - 0.9 ** t) * m / u
    np.testing.assert_allclose(got, w, rtol=1e-12)


def test_nadam_momentum_schedule_is_the_optimizers_own():
    rs = np.random.RandomState(1)
    w0, grads = rs.standard_normal(4), [rs.standard_normal(4) for _ in range(3)]
    opt = optimizer.Nadam(learning_rate=0.01)
    got = _steps_by_updater(opt, w0, grads)
    w, m, v, sched = w0.copy(), np.zeros(4), np.zeros(4), 1.0
    for t, g in enumerate(grads, 1):
        mu, mu1 = 0.9 * (1 - 0.5 * 0.96 ** (t * 0.004)), 0.9 * (1 - 0.5 * 0.96 ** ((t + 1) * 0.004))
        sched *= mu
        m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g * g
        m_bar = (1 - mu) * g / (1 - sched) + mu1 * m / (1 - sched * mu1)
        w = w - 0.01 * m_bar / (np.sqrt(v / (1 - 0.999 ** t)) + 1e-8)
    np.testing.assert_allclose(got, w, rtol=1e-12)
    assert opt.m_schedule == pytest.approx(sched)


def test_signum_without_momentum_is_signsgd_and_keeps_no_state():
    opt = optimizer.Signum(learning_rate=0.1, momentum=0.0, wd_lh=0.5)
    got = _steps_by_updater(opt, np.array([1.0, -2.0]), [np.array([0.3, -4.0])])
    np.testing.assert_allclose(got, [(1 - 0.05) * 1.0 - 0.1, (1 - 0.05) * -2.0 + 0.1])
    assert opt.create_state(np, np.zeros(2)) == ()


def test_sgld_noise_follows_mx_random_seed():
    w0, g = np.ones(6), [np.zeros(6)]
    mx.random.seed(7)
    a = _steps_by_updater(optimizer.SGLD(learning_rate=0.04), w0, g)
    mx.random.seed(7)
    b = _steps_by_updater(optimizer.SGLD(learning_rate=0.04), w0, g)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, w0) and np.abs(a - w0).max() < 0.2 * 6   # noise of scale sqrt(0.04) = 0.2
