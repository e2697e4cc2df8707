"""mx.optimizer's large-batch optimizers (LARS, LBSGD, LAMB), Test and ccSGD step as MXNet 1.9.1's
optimizer.py and its kernels (multi_lars, sgd_mom_update, lamb_update_phase1/2) do, written out here in
NumPy; names MXNet 1.x's registry lacks are refused with its wording."""
import numpy as np
import pytest

import frameworks.hybrid as mx
from frameworks.hybrid import autograd, gluon, nd

R = np.random.RandomState(3)


def _arrays(*shapes):
    return [R.standard_normal(s).astype(np.float64) for s in shapes]


def test_lars_scales_each_weights_lr_and_leaves_bias_at_lr_under_module_names():
    w0, b0 = _arrays((4, 3), (4,))
    opt = mx.optimizer.create('lars', momentum=0.9, eta=0.01, wd=0.001, learning_rate=0.1, rescale_grad=0.5,
                              param_idx2name={0: 'fc_weight', 1: 'fc_bias'})
    assert opt.wd_mult == {'fc_bias': 0.0}   # LARS's set_wd_mult: only *_weight decays
    updater = mx.optimizer.get_updater(opt)
    w, b = nd.array(w0, dtype='float64'), nd.array(b0, dtype='float64')
    mom_w, mom_b = np.zeros_like(w0), np.zeros_like(b0)
    for _ in range(3):
        gw, gb = _arrays((4, 3), (4,))
        updater([0, 1], [nd.array(gw, dtype='float64'), nd.array(gb, dtype='float64')], [w, b])
        # multi_lars: lr * eta * ||w|| / (||g|| * rescale_grad + wd * ||w|| + eps); then sgd_mom_update
        wn = np.linalg.norm(w0)
        lr_w = 0.1 * 0.01 * wn / (np.linalg.norm(gw) * 0.5 + 0.001 * wn + 0)
        mom_w = 0.9 * mom_w - lr_w * 0.001 * w0 - lr_w * 0.5 * gw
        w0 = w0 + mom_w
        mom_b = 0.9 * mom_b - 0.1 * 0.5 * gb   # a bias: lr itself, no weight decay
        b0 = b0 + mom_b
        # (the norms are float32 sums, as MXNet's multi_sum_sq and _l2norm take them)
        np.testing.assert_allclose(w.asnumpy(), w0, rtol=1e-6)
        np.testing.assert_allclose(b.asnumpy(), b0, rtol=1e-12)


def test_lars_momentum_correction_in_the_first_group_after_an_lr_change():
    # biases: the layer's lr is lr itself, so the momentum alone tells the groups apart
    opt = mx.optimizer.LARS(momentum=0.5, eta=1.0, learning_rate=0.1,
                            param_idx2name={i: f'fc{i}_bias' for i in range(5)})
    updater = mx.optimizer.get_updater(opt)
    ws = [nd.zeros((2,), dtype='float64') for _ in range(5)]
    g = nd.ones((2,), dtype='float64')
    updater(list(range(5)), [g] * 5, ws)
    opt.set_learning_rate(0.2)
    updater(list(range(5)), [g] * 5, ws)
    # step 2: mom = momentum * (0.2 / 0.1) * mom - 0.2 in the first group of 4 (MXNet's aggregation size),
    # momentum alone in the fifth parameter's group
    first, fifth = -0.1 + (0.5 * 2 * -0.1 - 0.2), -0.1 + (0.5 * -0.1 - 0.2)
    np.testing.assert_allclose([w.asnumpy()[0] for w in ws], [first] * 4 + [fifth], rtol=1e-12)


def test_lbsgd_accumulates_batch_scale_gradients_then_steps_with_the_warmup_multiplier():
    w0, = _arrays((3, 2))
    opt = mx.optimizer.LBSGD(momentum=0.9, batch_scale=2, warmup_epochs=1, updates_per_epoch=8,
                             learning_rate=0.1, wd=0.01)
    updater = mx.optimizer.get_updater(opt)
    w = nd.array(w0, dtype='float64')
    mom = np.zeros_like(w0)
    grads = _arrays((3, 2), (3, 2), (3, 2), (3, 2))
    for k, g in enumerate(grads, 1):
        updater(0, nd.array(g, dtype='float64'), w)
        if k % 2:
            np.testing.assert_array_equal(w.asnumpy(), w0)   # between large batches: unchanged
            continue
        mean = (grads[k - 2] + grads[k - 1]) / 2
        lr = 0.1 * (1.0 + (2 - 1) * k / 8)   # 'linear' warmup at update count k of 8
        mom = 0.9 * mom - lr * 0.01 * w0 - lr * mean
        w0 = w0 + mom
        np.testing.assert_allclose(w.asnumpy(), w0, rtol=1e-12)


def test_lbsgd_lars_strategy_and_default_batch_scale_is_sgd_with_momentum():
    opt = mx.optimizer.LBSGD(warmup_strategy='lars', learning_rate=0.1)
    w0, g0 = _arrays((5,), (5,))
    w = nd.array(w0, dtype='float64')
    mx.optimizer.get_updater(opt)(0, nd.array(g0, dtype='float64'), w)
    mult = np.clip(np.sqrt((w0 @ w0) / (g0 @ g0 + 1e-18)), 0.01, 100)
    np.testing.assert_allclose(w.asnumpy(), w0 - 0.1 * mult * g0, rtol=1e-12)


def test_lamb_trains_through_gluon_trainer_as_its_kernel_steps():
    mx.random.seed(4)
    net = gluon.nn.Dense(1, in_units=3)
    net.initialize(mx.init.Normal(0.1))
    w0 = net.weight.data().asnumpy().astype(np.float64)
    trainer = gluon.Trainer(net.collect_params(), 'lamb', {'learning_rate': 0.3, 'wd': 0.01})
    x = nd.random.normal(shape=(16, 3))
    y = nd.dot(x, nd.array([[1.0], [-2.0], [0.5]])) + 0.3
    with autograd.record():
        loss = gluon.loss.L2Loss()(net(x), y)
    loss.backward()
    g = net.weight.grad().asnumpy().astype(np.float64) / 16
    trainer.step(16)
    # t = 1: m_hat = g, v_hat = g^2, so the step is g / (|g| + eps) + wd * w, scaled by ||w|| / ||step||
    step = g / (np.abs(g) + 1e-6) + 0.01 * w0
    expect = w0 - 0.3 * np.linalg.norm(w0) / np.linalg.norm(step) * step
    np.testing.assert_allclose(net.weight.data().asnumpy(), expect, rtol=1e-5)
    for _ in range(30):
        with autograd.record():
            later = gluon.loss.L2Loss()(net(x), y)
        later.backward()
        trainer.step(16)
    assert later.mean().asscalar() < 0.5 * loss.mean().asscalar()


def test_test_optimizer_adds_the_rescaled_gradient_and_ccsgd_is_sgd():
    opt = mx.optimizer.create('test', rescale_grad=0.5)
    updater = mx.optimizer.get_updater(opt)
    w = nd.array([1., 2.])
    updater(0, nd.array([2., -4.]), w)
    np.testing.assert_array_equal(w.asnumpy(), [2., 0.])
    np.testing.assert_array_equal(updater.states[0][0], [2., 0.])
    cc = mx.optimizer.create('ccsgd', learning_rate=0.1, momentum=0.9)
    assert isinstance(cc, mx.optimizer.SGD) and type(cc).__name__ == 'ccSGD' and cc.momentum == 0.9


@pytest.mark.parametrize("name, hint", [("adamw", "'adam' with wd"), ("SignSGD", "'signum' with momentum=0")])
def test_names_mxnet_1x_does_not_register_are_not_found(name, hint):
    with pytest.raises(mx.MXNetError, match=f"Cannot find optimizer {name}.*{hint}"):
        mx.optimizer.create(name)
    assert not hasattr(mx.optimizer, "AdamW") and not hasattr(mx.optimizer, "SignSGD")
