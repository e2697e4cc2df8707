"""MXNet 1.x's parameter management tutorial (docs/python_docs/python/tutorials/packages/gluon/blocks/
parameters.md), as written but for the import: Parameter and ParameterDict reprs, data() and grad(),
collect_params with a regex, a nested network's repr (Dense's activation printed as MXNet's Activation
block), save/load_parameters, re-initialization, in-place edits through data(), and shared parameters."""
import re

import numpy as np

from frameworks.hybrid import init, nd
from frameworks.hybrid.gluon import nn


def test_parameters_tutorial(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    net = nn.Sequential()
    net.add(nn.Dense(256, activation='relu'))
    net.add(nn.Dense(10))
    net.initialize()  # Use the default initialization method

    x = nd.random.uniform(shape=(2, 20))
    net(x)            # Forward computation
    d0, d1 = net[0].prefix, net[1].prefix   # dense0_, dense1_ in a fresh process

    print(net[1].params)
    print(net[1].bias)
    print(net[1].bias.data())
    assert capsys.readouterr().out == (
        f"{d1} (\n  Parameter {d1}weight (shape=(10, 256), dtype=float32)\n"
        f"  Parameter {d1}bias (shape=(10,), dtype=float32)\n)\n"
        f"Parameter {d1}bias (shape=(10,), dtype=float32)\n"
        "\n[0. 0. 0. 0. 0. 0. 0. 0. 0. 0.]\n<NDArray 10 @cpu(0)>\n")
    assert net[0].params[d0 + 'weight'] is net[0].weight
    np.testing.assert_array_equal(net[0].weight.grad().asnumpy(), np.zeros((256, 20)))
    assert net.collect_params()[d1 + 'bias'].data().shape == (10,)
    assert list(net.collect_params('.*weight').keys()) == [d0 + 'weight', d1 + 'weight']
    assert list(net.collect_params(d0 + '.*').keys()) == [d0 + 'weight', d0 + 'bias']

    def block1():
        net = nn.Sequential()
        net.add(nn.Dense(32, activation='relu'))
        net.add(nn.Dense(16, activation='relu'))
        return net

    def block2():
        net = nn.Sequential()
        for i in range(4):
            net.add(block1())
        return net

    rgnet = nn.Sequential()
    rgnet.add(block2())
    rgnet.add(nn.Dense(10))
    rgnet.initialize()
    rgnet(x)
    print(rgnet.collect_params)
    inner = ("    ({i}): Sequential(\n      (0): Dense({n} -> 32, Activation(relu))\n"
             "      (1): Dense(32 -> 16, Activation(relu))\n    )\n")
    body = ("Sequential(\n  (0): Sequential(\n" + "".join(inner.format(i=i, n=20 if i == 0 else 16) for i in range(4))
            + "  )\n  (1): Dense(16 -> 10, linear)\n)")
    assert capsys.readouterr().out == "<bound method Block.collect_params of " + body + ">\n"
    print(rgnet.collect_params())
    assert len(re.findall(r"  Parameter ", capsys.readouterr().out)) == 18
    assert rgnet[0][1][0].bias.data().shape == (32,)

    rgnet.save_parameters('model.params')
    rgnet.load_parameters('model.params')

    # force_reinit ensures that the variables are initialized again,
    # regardless of whether they were already initialized previously
    net.initialize(init=init.Normal(sigma=0.01), force_reinit=True)
    assert net[0].weight.data()[0].asnumpy().std() < 0.02
    net.initialize(init=init.Constant(1), force_reinit=True)
    np.testing.assert_array_equal(net[0].weight.data()[0].asnumpy(), np.ones(20))
    net[1].initialize(init=init.Constant(42), force_reinit=True)
    net[0].weight.initialize(init=init.Xavier(), force_reinit=True)
    assert net[1].weight.data()[0, 0].asscalar() == 42

    class MyInit(init.Initializer):
        def _init_weight(self, name, data):
            print('Init', name, data.shape)
            data[:] = nd.random.uniform(low=-10, high=10, shape=data.shape)
            data *= data.abs() >= 5

    net.initialize(MyInit(), force_reinit=True)
    assert capsys.readouterr().out == f"Init {d0}weight (256, 20)\nInit {d1}weight (10, 256)\n"
    w = net[0].weight.data()[0].asnumpy()
    net[0].weight.data()[:] += 1
    net[0].weight.data()[0, 0] = 42
    np.testing.assert_array_equal(net[0].weight.data()[0].asnumpy(), np.concatenate([[42], w[1:] + 1]))

    net = nn.Sequential()
    # We need to give the shared layer a name such that we can reference
    # its parameters
    shared = nn.Dense(8, activation='relu')
    net.add(nn.Dense(8, activation='relu'),
            shared,
            nn.Dense(8, activation='relu', params=shared.params),
            nn.Dense(10))
    net.initialize()

    x = nd.random.uniform(shape=(2, 20))
    net(x)

    # Check whether the parameters are the same
    print(net[1].weight.data()[0] == net[2].weight.data()[0])
    net[1].weight.data()[0, 0] = 100
    # And make sure that they're actually the same object rather
    # than just having the same value
    print(net[1].weight.data()[0] == net[2].weight.data()[0])
    ones = "\n[1. 1. 1. 1. 1. 1. 1. 1.]\n<NDArray 8 @cpu(0)>\n"
    assert capsys.readouterr().out == ones * 2
    assert net[2].weight.data()[0, 0].asscalar() == 100


def test_layer_reprs_are_mxnets():
    # gluon/nn/conv_layers.py and basic_layers.py (v1.x): only non-default conv settings are printed; the
    # input side is weight.shape[1], in_channels // groups
    assert repr(nn.Conv2D(10, 5, activation='relu')) == \
        "Conv2D(None -> 10, kernel_size=(5, 5), stride=(1, 1), Activation(relu))"
    assert repr(nn.Conv2D(10, 3, padding=1, dilation=2, groups=2, use_bias=False, in_channels=4)) == \
        "Conv2D(2 -> 10, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), dilation=(2, 2), groups=2, bias=False)"
    assert repr(nn.MaxPool2D(pool_size=2, strides=2)) == \
        "MaxPool2D(size=(2, 2), stride=(2, 2), padding=(0, 0), ceil_mode=False, global_pool=False, " \
        "pool_type=max, layout=NCHW)"
    assert repr(nn.Dense(5, activation='tanh', in_units=3)) == "Dense(3 -> 5, Activation(tanh))"
