"""Dive into Deep Learning, MXNet 1.x edition (d2l-ai/d2l-en v0.6.0), chapter "Deep Learning Computation":
model-construction.md, parameters.md, deferred-init.md, custom-layer.md, read-write.md, each run as the book
wrote it but for the imports (mxnet -> frameworks.hybrid), with checks of what the book's text says it
shows (parameter names, shared parameters, the custom initializer's calls, round trips through files)."""
import numpy as np
import pytest

from frameworks.hybrid import gluon, init, nd
from frameworks.hybrid.base import MXNetError
from frameworks.hybrid.gluon import nn


def test_model_construction():
    x = nd.random.uniform(shape=(2, 20))

    net = nn.Sequential()
    net.add(nn.Dense(256, activation='relu'))
    net.add(nn.Dense(10))
    net.initialize()
    assert net(x).shape == (2, 10)

    class MLP(nn.Block):
        # Declare a layer with model parameters. Here, we declare two fully
        # connected layers
        def __init__(self, **kwargs):
            super(MLP, self).__init__(**kwargs)
            self.hidden = nn.Dense(256, activation='relu')  # Hidden layer
            self.output = nn.Dense(10)  # Output layer

        def forward(self, x):
            return self.output(self.hidden(x))

    net = MLP()
    net.initialize()
    assert net(x).shape == (2, 10)

    class MySequential(nn.Block):
        def __init__(self, **kwargs):
            super(MySequential, self).__init__(**kwargs)

        def add(self, block):
            # Here, block is an instance of a Block subclass, and we assume it has
            # a unique name. We save it in the member variable _children of the
            # Block class, and its type is OrderedDict. When the MySequential
            # instance calls the initialize function, the system automatically
            # initializes all members of _children
            self._children[block.name] = block

        def forward(self, x):
            # OrderedDict guarantees that members will be traversed in the order
            # they were added
            for block in self._children.values():
                x = block(x)
            return x

    net = MySequential()
    net.add(nn.Dense(256, activation='relu'))
    net.add(nn.Dense(10))
    net.initialize()
    assert net(x).shape == (2, 10)
    assert len(net.collect_params()) == 4   # initialize() reached the children filed in _children

    class FancyMLP(nn.Block):
        def __init__(self, **kwargs):
            super(FancyMLP, self).__init__(**kwargs)
            # Random weight parameters created with the get_constant are not
            # iterated during training (i.e. constant parameters)
            self.rand_weight = self.params.get_constant(
                'rand_weight', nd.random.uniform(shape=(20, 20)))
            self.dense = nn.Dense(20, activation='relu')

        def forward(self, x):
            x = self.dense(x)
            # Use the constant parameters created, as well as the relu and dot
            # functions of NDArray
            x = nd.relu(nd.dot(x, self.rand_weight.data()) + 1)
            # Reuse the fully connected layer. This is equivalent to sharing
            # parameters with two fully connected layers
            x = self.dense(x)
            # Here in Control flow, we need to call asscalar to return the scalar
            # for comparison
            while x.norm().asscalar() > 1:
                x /= 2
            if x.norm().asscalar() < 0.8:
                x *= 10
            return x.sum()

    net = FancyMLP()
    net.initialize()
    out = net(x)
    assert out.size == 1   # (a 0-d array here: numpy 2 formats only those with '%f', as MXNet's (1,) was)
    assert net.rand_weight.grad_req == 'null'

    class NestMLP(nn.Block):
        def __init__(self, **kwargs):
            super(NestMLP, self).__init__(**kwargs)
            self.net = nn.Sequential()
            self.net.add(nn.Dense(64, activation='relu'),
                         nn.Dense(32, activation='relu'))
            self.dense = nn.Dense(16, activation='relu')

        def forward(self, x):
            return self.dense(self.net(x))

    chimera = nn.Sequential()
    chimera.add(NestMLP(), nn.Dense(20), FancyMLP())

    chimera.initialize()
    assert chimera(x).size == 1


def test_parameter_management(capsys):
    net = nn.Sequential()
    net.add(nn.Dense(256, activation='relu'))
    net.add(nn.Dense(10))
    net.initialize()  # Use the default initialization method

    x = nd.random.uniform(shape=(2, 20))
    net(x)  # Forward computation

    print(net[0].params)
    print(net[1].params)
    out = capsys.readouterr().out
    first, second = net[0].name, net[1].name
    assert f"Parameter {first}_weight (shape=(256, 20), dtype=float32)" in out
    assert f"Parameter {second}_bias (shape=(10,), dtype=float32)" in out

    print(net[1].bias)
    print(net[1].bias.data())
    assert (net[1].bias.data() == 0).sum().asscalar() == 10

    print(net[0].params[first + '_weight'])
    print(net[0].params[first + '_weight'].data())

    assert (net[0].weight.grad() == 0).sum().asscalar() == 256 * 20

    # parameters only for the first layer
    print(net[0].collect_params())
    # parameters of the entire network
    print(net.collect_params())

    net.collect_params()[second + '_bias'].data()

    assert list(net.collect_params('.*weight').keys()) == [first + '_weight', second + '_weight']
    assert list(net.collect_params(first + '.*').keys()) == [first + '_weight', first + '_bias']

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
    print(rgnet.collect_params())
    assert len(rgnet.collect_params()) == 4 * 2 * 2 + 2

    assert rgnet[0][1][0].bias.data().shape == (32,)

    # force_reinit ensures that the variables are initialized again, regardless of
    # whether they were already initialized previously
    net.initialize(init=init.Normal(sigma=0.01), force_reinit=True)
    assert abs(net[0].weight.data()[0].asnumpy()).max() < 0.1

    net.initialize(init=init.Constant(1), force_reinit=True)
    assert net[0].weight.data()[0].asnumpy().tolist() == [1.0] * 20

    net[1].initialize(init=init.Constant(42), force_reinit=True)
    net[0].weight.initialize(init=init.Xavier(), force_reinit=True)
    print(net[1].weight.data()[0,0])
    print(net[0].weight.data()[0])
    assert net[1].weight.data()[0, 0].asscalar() == 42
    bound = np.sqrt(6.0 / (20 + 256))   # Xavier's uniform, magnitude 3 over the average fan
    w0 = net[0].weight.data().asnumpy()
    assert abs(w0).max() <= bound and abs(w0).max() > 0.8 * bound

    class MyInit(init.Initializer):
        def _init_weight(self, name, data):
            print('Init', name, data.shape)
            data[:] = nd.random.uniform(low=-10, high=10, shape=data.shape)
            data *= data.abs() >= 5

    capsys.readouterr()
    net.initialize(MyInit(), force_reinit=True)
    out = capsys.readouterr().out
    assert f"Init {first}_weight (256, 20)" in out and f"Init {second}_weight (10, 256)" in out
    assert "bias" not in out   # biases go to _init_bias (zeros), not _init_weight
    w = net[0].weight.data()[0].asnumpy()
    assert ((w == 0) | (abs(w) >= 5)).all() and (abs(w) <= 10).all()

    net[0].weight.data()[:] += 1
    net[0].weight.data()[0,0] = 42
    assert net[0].weight.data()[0].asnumpy()[0] == 42
    np.testing.assert_allclose(net[0].weight.data()[0].asnumpy()[1:], w[1:] + 1)

    net = nn.Sequential()
    # We need to give the shared layer a name such that we can reference its
    # parameters
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
    net[1].weight.data()[0,0] = 100
    # Make sure that they're actually the same object rather than just having the
    # same value
    print(net[1].weight.data()[0] == net[2].weight.data()[0])
    assert (net[1].weight.data()[0] == net[2].weight.data()[0]).asnumpy().all()
    assert net[2].weight.data()[0, 0].asscalar() == 100
    assert len(net.collect_params()) == 6   # the shared layer's two Parameters counted once


def test_deferred_initialization(capsys):
    def getnet():
        net = nn.Sequential()
        net.add(nn.Dense(256, activation='relu'))
        net.add(nn.Dense(10))
        return net

    net = getnet()

    print(net.collect_params)
    print(net.collect_params())
    assert "shape=(256, 0)" in capsys.readouterr().out   # the unknown input size, as MXNet prints it

    net.initialize()
    net.collect_params()
    # the book's point: before the first forward pass the weights have no data yet
    with pytest.raises(MXNetError, match="initialization was deferred"):
        net[0].weight.data()
    with pytest.raises(gluon.DeferredInitializationError):
        net[0].weight.data()

    x = nd.random.uniform(shape=(2, 20))
    net(x)  # Forward computation

    assert net.collect_params()[net[0].name + '_weight'].shape == (256, 20)

    class MyInit(init.Initializer):
        def _init_weight(self, name, data):
            print('Init', name, data.shape)
            # The actual initialization logic is omitted here

    net = getnet()
    capsys.readouterr()
    net.initialize(init=MyInit())
    assert capsys.readouterr().out == ""   # deferred: nothing initialized yet

    x = nd.random.uniform(shape=(2, 20))
    y = net(x)
    assert capsys.readouterr().out.splitlines() == [f"Init {net[0].name}_weight (256, 20)",
                                                    f"Init {net[1].name}_weight (10, 256)"]

    y = net(x)
    assert capsys.readouterr().out == ""   # only the first forward pass initializes

    net.initialize(init=MyInit(), force_reinit=True)
    assert len(capsys.readouterr().out.splitlines()) == 2   # shapes known now: at once

    net = nn.Sequential()
    net.add(nn.Dense(256, in_units=20, activation='relu'))
    net.add(nn.Dense(10, in_units=256))

    net.initialize(init=MyInit())
    assert len(capsys.readouterr().out.splitlines()) == 2   # in_units given: not deferred


def test_custom_layers():
    class CenteredLayer(nn.Block):
        def __init__(self, **kwargs):
            super(CenteredLayer, self).__init__(**kwargs)

        def forward(self, x):
            return x - x.mean()

    layer = CenteredLayer()
    assert layer(nd.array([1, 2, 3, 4, 5])).asnumpy().tolist() == [-2, -1, 0, 1, 2]

    net = nn.Sequential()
    net.add(nn.Dense(128), CenteredLayer())
    net.initialize()

    y = net(nd.random.uniform(shape=(4, 8)))
    assert abs(y.mean().asscalar()) < 1e-6

    params = gluon.ParameterDict()
    params.get('param2', shape=(2, 3))
    assert "Parameter param2 (shape=(2, 3)" in repr(params)

    class MyDense(nn.Block):
        # units: the number of outputs in this layer; in_units: the number of
        # inputs in this layer
        def __init__(self, units, in_units, **kwargs):
            super(MyDense, self).__init__(**kwargs)
            self.weight = self.params.get('weight', shape=(in_units, units))
            self.bias = self.params.get('bias', shape=(units,))

        def forward(self, x):
            linear = nd.dot(x, self.weight.data()) + self.bias.data()
            return nd.relu(linear)

    dense = MyDense(units=3, in_units=5)
    assert list(dense.params.keys()) == [dense.prefix + 'weight', dense.prefix + 'bias']

    dense.initialize()
    out = dense(nd.random.uniform(shape=(2, 5)))
    assert out.shape == (2, 3) and (out.asnumpy() >= 0).all()

    net = nn.Sequential()
    net.add(MyDense(8, in_units=64),
            MyDense(1, in_units=8))
    net.initialize()
    assert net(nd.random.uniform(shape=(2, 64))).shape == (2, 1)


def test_file_io(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    x = nd.arange(4)
    nd.save('x-file', x)

    x2 = nd.load('x-file')
    assert isinstance(x2, list) and x2[0].asnumpy().tolist() == [0, 1, 2, 3]

    y = nd.zeros(4)
    nd.save('x-files', [x, y])
    x2, y2 = nd.load('x-files')
    assert x2.asnumpy().tolist() == [0, 1, 2, 3] and y2.asnumpy().tolist() == [0] * 4

    mydict = {'x': x, 'y': y}
    nd.save('mydict', mydict)
    mydict2 = nd.load('mydict')
    assert sorted(mydict2) == ['x', 'y'] and mydict2['x'].asnumpy().tolist() == [0, 1, 2, 3]

    class MLP(nn.Block):
        def __init__(self, **kwargs):
            super(MLP, self).__init__(**kwargs)
            self.hidden = nn.Dense(256, activation='relu')
            self.output = nn.Dense(10)

        def forward(self, x):
            return self.output(self.hidden(x))

    net = MLP()
    net.initialize()
    x = nd.random.uniform(shape=(2, 20))
    y = net(x)

    net.save_parameters('mlp.params')

    clone = MLP()
    clone.load_parameters('mlp.params')

    yclone = clone(x)
    assert (yclone == y).asnumpy().all()
