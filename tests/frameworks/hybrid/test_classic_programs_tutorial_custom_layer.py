"""MXNet 1.x's custom layer tutorial (docs/python_docs/python/tutorials/packages/gluon/blocks/
custom-layer.md), as written but for the import: a parameterless Block, a ParameterDict made by hand, a
Dense written with params.get, their reprs as MXNet prints them (a Block without children keeps its two
newlines; a ParameterDict without a prefix has no leading space) and their results."""
import numpy as np

from frameworks.hybrid import gluon, nd
from frameworks.hybrid.gluon import nn


def test_custom_layer_tutorial(capsys):
    class CenteredLayer(nn.Block):
        def __init__(self, **kwargs):
            super(CenteredLayer, self).__init__(**kwargs)

        def forward(self, x):
            return x - x.mean()

    layer = CenteredLayer()
    np.testing.assert_array_equal(layer(nd.array([1, 2, 3, 4, 5])).asnumpy(), [-2, -1, 0, 1, 2])
    print(layer)
    assert capsys.readouterr().out == "CenteredLayer(\n\n)\n"

    net = nn.Sequential()
    net.add(nn.Dense(128),
            CenteredLayer())
    net.initialize()
    print(net)
    assert capsys.readouterr().out == ("Sequential(\n  (0): Dense(None -> 128, linear)\n"
                                       "  (1): CenteredLayer(\n  \n  )\n)\n")
    y = net(nd.random.uniform(shape=(4, 8)))
    assert abs(y.mean().asscalar()) < 1e-6

    params = gluon.ParameterDict()
    params.get('param2', shape=(2, 3))
    print(params)
    assert capsys.readouterr().out == "(\n  Parameter param2 (shape=(2, 3), dtype=float32)\n)\n"

    class MyDense(nn.Block):

        def __init__(self, units, in_units, **kwargs):
            # units: the number of outputs in this layer
            # in_units: the number of inputs in this layer

            super(MyDense, self).__init__(**kwargs)
            self.weight = self.params.get('weight', shape=(in_units, units))
            self.bias = self.params.get('bias', shape=(units,))

        def forward(self, x):
            linear = nd.dot(x, self.weight.data()) + self.bias.data()
            return nd.relu(linear)

    dense = MyDense(units=3, in_units=5)
    p = dense.prefix
    assert list(dense.params.keys()) == [p + 'weight', p + 'bias']
    dense.initialize()
    x = nd.random.uniform(shape=(2, 5))
    out = dense(x)
    w, b = dense.weight.data().asnumpy(), dense.bias.data().asnumpy()
    np.testing.assert_allclose(out.asnumpy(), np.maximum(x.asnumpy() @ w + b, 0), rtol=1e-6)
    print(dense)
    assert capsys.readouterr().out == "MyDense(\n\n)\n"

    net = nn.Sequential()
    net.add(MyDense(8, in_units=64),
            MyDense(1, in_units=8))
    net.initialize()
    assert net(nd.random.uniform(shape=(2, 64))).shape == (2, 1)
    print(net)
    assert capsys.readouterr().out == "Sequential(\n  (0): MyDense(\n  \n  )\n  (1): MyDense(\n  \n  )\n)\n"
