"""MXNet 1.x's deferred initialization tutorial (docs/python_docs/python/tutorials/packages/gluon/blocks/
init.md), as written but for the import: unknown input sizes print as 0, initialize() defers until the
first forward (a printing Initializer shows when), force_reinit, built-in and per-layer initializers (the
biases keep Dense's own 'zeros'), and a custom Initializer."""
import re

import numpy as np

from frameworks.hybrid import init, nd
from frameworks.hybrid.gluon import nn


def test_init_tutorial(capsys):
    def getnet():
        net = nn.Sequential()
        net.add(nn.Dense(256, activation='relu'))
        net.add(nn.Dense(10))
        return net

    net = getnet()
    print(net.collect_params())
    out = capsys.readouterr().out
    # (the counters run on across a test session: any number where the tutorial's fresh process has 0, 1)
    assert re.fullmatch(r"sequential\d+_ \(\n  Parameter dense\d+_weight \(shape=\(256, 0\), dtype=float32\)\n"
                        r"  Parameter dense\d+_bias \(shape=\(256,\), dtype=float32\)\n"
                        r"  Parameter dense\d+_weight \(shape=\(10, 0\), dtype=float32\)\n"
                        r"  Parameter dense\d+_bias \(shape=\(10,\), dtype=float32\)\n\)\n", out)

    net.initialize()
    x = nd.random.uniform(shape=(2, 20))
    net(x)  # Forward computation
    print(net.collect_params())
    out = capsys.readouterr().out
    assert "weight (shape=(256, 20), dtype=float32)" in out and "weight (shape=(10, 256), dtype=float32)" in out

    class PrintInit(init.Initializer):
        def _init_weight(self, name, data):
            print('Init', name, data.shape)
            # The actual initialization logic is omitted here.

    net = getnet()
    net.initialize(init=PrintInit())
    assert capsys.readouterr().out == ""   # deferred: nothing initialized yet
    x = nd.random.uniform(shape=(2, 20))
    y = net(x)
    names = [p.name for p in net.collect_params().values()]
    assert capsys.readouterr().out == "Init %s (256, 20)\nInit %s (10, 256)\n" % (names[0], names[2])
    y = net(x)
    assert capsys.readouterr().out == ""   # not again

    class MyInit(init.Initializer):
        def _init_weight(self, name, data):
            print('Init', name, data.shape)
            data[:] = nd.random.uniform(low=-10, high=10, shape=data.shape)
            data *= data.abs() >= 5

    net.initialize(init=MyInit(), force_reinit=True)
    assert capsys.readouterr().out == "Init %s (256, 20)\nInit %s (10, 256)\n" % (names[0], names[2])
    w = net[0].weight.data().asnumpy()
    assert ((w == 0) | (np.abs(w) >= 5)).all() and (w != 0).any()

    net = nn.Sequential()
    net.add(nn.Dense(256, in_units=20, activation='relu'))
    net.add(nn.Dense(10, in_units=256))
    net.initialize(init=MyInit())
    assert capsys.readouterr().out.count("Init ") == 2   # shapes known: at once

    # force_reinit ensures that the variables are initialized again, regardless of
    # whether they were already initialized previously.
    net.initialize(init=init.Normal(sigma=0.01), force_reinit=True)
    assert 0 < net[0].weight.data()[0].asnumpy().std() < 0.02
    net.initialize(init=init.Constant(1), force_reinit=True)
    np.testing.assert_array_equal(net[0].weight.data()[0].asnumpy(), np.ones(20))

    net[0].weight.initialize(init=init.Xavier(), force_reinit=True)
    net[1].initialize(init=init.Constant(42), force_reinit=True)
    assert np.abs(net[0].weight.data()[0].asnumpy()).max() <= np.sqrt(6 / (20 + 256)) + 1e-7
    assert net[0].bias.data()[0].asscalar() == 0  # initialized to 0
    assert net[1].weight.data()[0, 0].asscalar() == 42
    assert net[1].bias.data()[0].asscalar() == 0  # initialized to 0
