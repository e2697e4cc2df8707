"""The MXNet 1.x API breadth the tutorials and examples lean on, checked against MXNet's documented
behaviour: lr schedulers through Trainer and optimizers, optimizers by name, custom initializers,
get_constant, the Gluon layers and losses added for them, metrics, nd creation and positional
attributes, and MXNetError (naming the alternative) for what is refused."""
import math

import numpy as np
import pytest

import frameworks.hybrid as mx
from frameworks.hybrid import autograd, gluon, init, nd
from frameworks.hybrid.gluon import nn


def _step(net, trainer, x):
    with autograd.record():
        loss = net(x).sum()
    loss.backward()
    trainer.step(x.shape[0])


@pytest.mark.parametrize("sched,expected", [
    (lambda: mx.lr_scheduler.FactorScheduler(step=2, factor=0.5), [1.0, 1.0, 0.5, 0.5, 0.25, 0.25]),
    (lambda: mx.lr_scheduler.MultiFactorScheduler(step=[2, 4], factor=0.1), [1.0, 1.0, 0.1, 0.1, 0.01, 0.01]),
    (lambda: mx.lr_scheduler.PolyScheduler(max_update=4, base_lr=1.0, pwr=2),
     [(1 - t / 4) ** 2 if t <= 4 else 0.0 for t in range(1, 7)]),
    (lambda: mx.lr_scheduler.CosineScheduler(max_update=4, base_lr=1.0, final_lr=0.0),
     [(1 + math.cos(math.pi * min(t, 4) / 4)) / 2 for t in range(1, 7)]),
])
def test_lr_schedulers_drive_trainer_steps_as_mxnet(sched, expected):
    net = nn.Dense(2, in_units=3)
    net.initialize()
    trainer = gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': 1.0, 'lr_scheduler': sched()})
    seen = []
    for _ in range(6):
        _step(net, trainer, nd.ones((4, 3)))
        seen.append(trainer.learning_rate)
    np.testing.assert_allclose(seen, expected, rtol=1e-12)
    with pytest.raises(UserWarning, match="LRScheduler of the optimizer has already been defined"):
        trainer.set_learning_rate(0.1)


def test_warmup_and_scheduler_given_to_an_optimizer_instance():
    sched = mx.lr_scheduler.FactorScheduler(step=100, factor=0.5, base_lr=0.4, warmup_steps=4,
                                            warmup_begin_lr=0.0)
    opt = mx.optimizer.SGD(lr_scheduler=sched, momentum=0.9)   # no learning_rate: the scheduler's base_lr
    net = nn.Dense(2, in_units=3)
    net.initialize()
    trainer = gluon.Trainer(net.collect_params(), opt)
    lrs = []
    for _ in range(5):
        _step(net, trainer, nd.ones((2, 3)))
        lrs.append(trainer.learning_rate)
    np.testing.assert_allclose(lrs, [0.1, 0.2, 0.3, 0.4, 0.4])


def test_set_learning_rate_without_scheduler_changes_the_step():
    net = nn.Dense(1, in_units=1, use_bias=False)
    net.initialize(init.One())
    trainer = gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': 0.5})
    trainer.set_learning_rate(0.25)
    _step(net, trainer, nd.ones((1, 1)))
    assert trainer.learning_rate == 0.25
    np.testing.assert_allclose(net.weight.data().asnumpy(), [[0.75]])


@pytest.mark.parametrize("name,params", [("sgd", {"momentum": 0.9, "wd": 1e-4}), ("nag", {"momentum": 0.9}),
                                         ("adam", {}), ("rmsprop", {"centered": True}), ("adagrad", {}),
                                         ("adadelta", {})])
def test_optimizers_by_name_and_create(name, params):
    opt = mx.optimizer.create(name, learning_rate=0.1, **params)
    assert type(opt).__name__.lower() == name
    net = nn.Dense(2, in_units=3)
    net.initialize()
    before = net.weight.data().asnumpy().copy()
    _step(net, gluon.Trainer(net.collect_params(), name, dict(params, learning_rate=0.1)), nd.ones((2, 3)))
    assert not np.allclose(before, net.weight.data().asnumpy())


def test_an_unknown_optimizer_is_not_found():
    with pytest.raises(mx.MXNetError, match="Cannot find optimizer bogus; MXNet 1.x's are adadelta, "):
        mx.optimizer.create('bogus')


def test_custom_initializer_writes_ndarrays_as_the_init_tutorial():
    class MyInit(init.Initializer):
        def __init__(self):
            super(MyInit, self).__init__()
            self._verbose = True

        def _init_weight(self, _, arr):
            # initialize with value between -10 and 10
            arr[:] = nd.random.uniform(low=-10, high=10, shape=arr.shape)

    net = nn.Sequential()
    net.add(nn.Dense(256, in_units=20, activation='relu'))
    net.add(nn.Dense(10, in_units=256))
    net.initialize(MyInit(), force_reinit=True)
    w = net[0].weight.data().asnumpy()
    assert w.shape == (256, 20) and 5 < np.abs(w).max() <= 10
    np.testing.assert_array_equal(net[0].bias.data().asnumpy(), 0)


def test_get_constant_and_custom_block_as_the_naming_tutorial():
    class FancyMLP(nn.Block):
        def __init__(self, **kwargs):
            super(FancyMLP, self).__init__(**kwargs)
            self.rand_weight = self.params.get_constant('rand_weight', nd.random.uniform(shape=(20, 20)))
            self.dense = nn.Dense(20, activation='relu')

        def forward(self, x):
            x = self.dense(x)
            x = nd.relu(nd.dot(x, self.rand_weight.data()) + 1)
            x = self.dense(x)
            while x.norm().asscalar() > 1:
                x /= 2
            if x.norm().asscalar() < 0.8:
                x *= 10
            return x.sum()

    net = FancyMLP()
    net.initialize()
    out = net(nd.random.uniform(shape=(2, 20)))
    assert out.shape == (1,)   # MXNet 1.x has no 0-d NDArray: a full sum is shape (1,)
    assert net.rand_weight.grad_req == 'null' and net.rand_weight.data().shape == (20, 20)


def test_new_layers_shapes_and_hybridize():
    net = nn.HybridSequential()
    with net.name_scope():
        net.add(nn.Conv2DTranspose(4, kernel_size=4, strides=2, padding=1, in_channels=3))
        net.add(nn.PReLU(), nn.ELU(), nn.SELU(), nn.Swish())
        branch = nn.HybridConcurrent(axis=1)
        branch.add(nn.Conv2D(2, 1), nn.Identity())
        net.add(branch, nn.LayerNorm(axis=1), nn.GlobalAvgPool2D(), nn.Flatten())
    net.initialize()
    x = nd.random.normal(shape=(2, 3, 5, 5))
    y = net(x)
    assert y.shape == (2, 6)
    net.hybridize()
    np.testing.assert_allclose(net(x).asnumpy(), y.asnumpy(), rtol=1e-5, atol=1e-6)
    with pytest.raises(mx.MXNetError, match="'swish', valid values are"):   # rrelu runs (test_nd_api_audit)
        nd.LeakyReLU(x, act_type="swish")
    with pytest.raises(mx.MXNetError, match="layout 'NCHW'"):
        nn.Conv2D(2, 3, layout='NHWC')


def test_losses_match_their_formulas():
    pred = nd.array([[0.5, -1.0], [2.0, 0.3]])
    label = nd.array([[1.0, -1.0], [-1.0, 1.0]])
    p, y = pred.asnumpy(), label.asnumpy()
    d = np.abs(y - p)
    np.testing.assert_allclose(gluon.loss.HuberLoss(rho=1)(pred, label).asnumpy(),
                               np.where(d > 1, d - 0.5, 0.5 * d ** 2).mean(axis=1), rtol=1e-6)
    np.testing.assert_allclose(gluon.loss.HingeLoss()(pred, label).asnumpy(),
                               np.maximum(0, 1 - p * y).mean(axis=1), rtol=1e-6)
    np.testing.assert_allclose(gluon.loss.SquaredHingeLoss()(pred, label).asnumpy(),
                               (np.maximum(0, 1 - p * y) ** 2).mean(axis=1), rtol=1e-6)
    np.testing.assert_allclose(gluon.loss.LogisticLoss()(pred, label).asnumpy(),
                               np.log1p(np.exp(-p * y)).mean(axis=1), rtol=1e-5)
    logp = np.log(np.array([[0.2, 0.8], [0.5, 0.5]], dtype=np.float32))
    q = np.array([[0.3, 0.7], [0.9, 0.1]], dtype=np.float32)
    np.testing.assert_allclose(gluon.loss.KLDivLoss()(nd.array(logp), nd.array(q)).asnumpy(),
                               (q * (np.log(q) - logp)).mean(axis=1), rtol=1e-5)
    a, b = nd.array([[1., 0.], [0., 1.], [1., 1.]]), nd.array([[1., 0.], [1., 0.], [1., 1.]])
    cel = gluon.loss.CosineEmbeddingLoss()
    cel.hybridize()
    np.testing.assert_allclose(cel(a, b, nd.array([1, -1, -1])).asnumpy().ravel(), [0, 0, 1], atol=1e-6)


def test_metrics_protocol():
    acc, top2 = mx.metric.Accuracy(), mx.metric.TopKAccuracy(top_k=2)
    comp = mx.metric.CompositeEvalMetric([acc, top2])
    comp.add(mx.metric.CrossEntropy())
    preds = nd.array([[0.1, 0.7, 0.2], [0.6, 0.3, 0.1], [0.2, 0.3, 0.5], [0.4, 0.5, 0.1]])
    labels = nd.array([1, 1, 2, 0])
    comp.update([labels], [preds])
    names, values = comp.get()
    assert names == ['accuracy', 'top_k_accuracy_2', 'cross-entropy']
    assert values[0] == 0.5 and values[1] == 1.0
    binary = mx.metric.create('f1')
    binary.update([nd.array([1, 0, 1, 1])], [nd.array([[0.2, 0.8], [0.7, 0.3], [0.6, 0.4], [0.1, 0.9]])])
    assert binary.get() == ('f1', pytest.approx(0.8))   # tp 2, fp 0, fn 1
    with pytest.raises(mx.MXNetError, match="only supports binary"):
        binary.update([labels], [preds])
    ce = mx.metric.create(['acc', 'ce'])
    ce.update([labels], [preds])
    assert [n for n, _ in ce.get_name_value()] == ['accuracy', 'cross-entropy']
    comp.reset()
    assert math.isnan(acc.get()[1])


def test_nd_creation_positional_attributes_and_methods():
    assert nd.empty((2, 3)).shape == (2, 3)
    np.testing.assert_allclose(nd.linspace(0, 1, 5).asnumpy(), np.linspace(0, 1, 5))
    y = nd.one_hot(nd.array([1, 0, 2]), 3)
    np.testing.assert_array_equal(y.asnumpy(), np.eye(3)[[1, 0, 2]])
    x = nd.array([[1., -2., 3.], [-4., 5., -6.]])
    np.testing.assert_array_equal(nd.clip(x, -1, 1).asnumpy(), np.clip(x.asnumpy(), -1, 1))
    np.testing.assert_array_equal(nd.transpose(x, (1, 0)).asnumpy(), x.asnumpy().T)
    np.testing.assert_array_equal(nd.sum(x, 1).asnumpy(), x.asnumpy().sum(1))
    np.testing.assert_array_equal(x.swapaxes(0, 1).asnumpy(), x.asnumpy().T)
    np.testing.assert_array_equal(x.flip(axis=1).asnumpy(), x.asnumpy()[:, ::-1])
    out = nd.zeros((2, 2))
    assert nd.dot(x, x, transpose_b=True, out=out) is out
    np.testing.assert_array_equal(out.asnumpy(), x.asnumpy() @ x.asnumpy().T)
    np.testing.assert_allclose(nd.norm(x, axis=1).asnumpy(), np.linalg.norm(x.asnumpy(), axis=1), rtol=1e-6)
    with pytest.raises(TypeError, match="at most"):
        nd.clip(x, -1, 1, 2, 3)
    with pytest.raises(AttributeError, match="no attribute 'bogus'"):
        x.bogus


def test_save_load_lists_and_dicts(tmp_path):
    a, b = nd.arange(6).reshape((2, 3)), nd.ones((4,))
    nd.save(str(tmp_path / 'list'), [a, b])
    la, lb = nd.load(str(tmp_path / 'list'))
    np.testing.assert_array_equal(la.asnumpy(), a.asnumpy())
    nd.save(str(tmp_path / 'dict'), {'a': a, 'b': b})
    d = nd.load(str(tmp_path / 'dict'))
    assert sorted(d) == ['a', 'b'] and d['b'].shape == (4,)


def test_gpu_absent_and_kvstore_refusals_are_mxnet_errors():
    if mx.context.num_gpus() == 0:
        with pytest.raises(mx.MXNetError, match="use mx.cpu"):
            nd.zeros((2,), ctx=mx.gpu(0))
    with pytest.raises(mx.MXNetError, match="one context"):
        gluon.utils.split_and_load(nd.ones((4, 2)), [mx.gpu(0), mx.gpu(1)])
    assert [p.shape for p in gluon.utils.split_and_load(nd.ones((4, 2)), [mx.cpu(0), mx.cpu(1)])] == [(2, 2)] * 2
    parts = gluon.utils.split_data(nd.arange(10), 3, even_split=False)
    assert [p.shape[0] for p in parts] == [3, 3, 4]


def test_custom_layer_with_a_deferred_parameter_as_the_beginners_tutorial():
    """docs custom_layer_beginners.md: a parameter of shape (hidden_units, 0) inferred on the first call
    (MXNet's deferred shape inference through the traced symbol), imperative and hybridized."""
    class NormalizationHybridLayer(gluon.HybridBlock):
        def __init__(self, hidden_units, scales):
            super(NormalizationHybridLayer, self).__init__()
            with self.name_scope():
                self.weights = self.params.get('weights',
                                               shape=(hidden_units, 0),
                                               allow_deferred_init=True)
                self.scales = self.params.get('scales',
                                              shape=scales.shape,
                                              init=mx.init.Constant(scales.asnumpy().tolist()),
                                              differentiable=False)

        def hybrid_forward(self, F, x, weights, scales):
            normalized_data = F.broadcast_div(F.broadcast_sub(x, F.min(x)),
                                              (F.broadcast_sub(F.max(x), F.min(x))))
            weighted_data = F.FullyConnected(normalized_data, weights, num_hidden=self.weights.shape[0],
                                             no_bias=True)
            scaled_data = F.broadcast_mul(scales, weighted_data)
            return scaled_data

    for hybridize in (False, True):
        net = gluon.nn.HybridSequential()
        with net.name_scope():
            net.add(nn.Dense(5))
            net.add(NormalizationHybridLayer(hidden_units=5, scales=nd.array([2])))
            net.add(nn.Dense(1))
        net.initialize(mx.init.Xavier(magnitude=2.24))
        if hybridize:
            net.hybridize()
        x = nd.random.uniform(low=-10, high=10, shape=(5, 2))
        trainer = gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': 0.1})
        with autograd.record():
            out = net(x)
        out.backward()
        trainer.step(x.shape[0])
        assert out.shape == (5, 1) and net[1].weights.shape == (5, 5)
        np.testing.assert_array_equal(net[1].scales.data().asnumpy(), [2])
