"""Dive into Deep Learning, MXNet 1.x edition (d2l-ai/d2l-en v0.6.0), computational-performance/hybridize.md
run as written but for the imports (and 20 benchmark iterations where the book times 1000): HybridSequential
before and after hybridize(), export() to my_mlp-symbol.json / my_mlp-0000.params, calling the net on a
sym.var, and a HybridNet whose hybrid_forward prints F and x: on every imperative call, once (with Symbols)
at the first hybridized call, and never after it."""
import json
import time

import numpy as np

from frameworks.hybrid import nd, sym
from frameworks.hybrid.gluon import nn


def test_hybridize_chapter(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    nd.random.seed(0)

    def get_net():
        net = nn.HybridSequential()  # Here we use the class HybridSequential
        net.add(nn.Dense(256, activation='relu'),
                nn.Dense(128, activation='relu'),
                nn.Dense(2))
        net.initialize()
        return net

    x = nd.random.normal(shape=(1, 512))
    net = get_net()
    before = net(x)
    net.hybridize()
    np.testing.assert_allclose(net(x).asnumpy(), before.asnumpy(), rtol=1e-5, atol=1e-6)

    def benchmark(net, x):
        start = time.time()
        for i in range(20):
            _ = net(x)
        nd.waitall()  # Wait for all computations to finish
        return time.time() - start

    net = get_net()
    print('before hybridizing: %.4f sec' % (benchmark(net, x)))
    net.hybridize()
    print('after hybridizing: %.4f sec' % (benchmark(net, x)))

    net.export('my_mlp')
    assert sorted(p.name for p in tmp_path.iterdir()) == ['my_mlp-0000.params', 'my_mlp-symbol.json']
    graph = json.loads((tmp_path / 'my_mlp-symbol.json').read_text())
    assert sum(n['op'] == 'FullyConnected' for n in graph['nodes']) == 3

    x = sym.var('data')
    out = net(x)
    assert isinstance(out, sym.Symbol) and out.list_arguments()[0] == 'data'
    assert len(out.list_arguments()) == 7   # data + three weights and biases

    class HybridNet(nn.HybridBlock):
        def __init__(self, **kwargs):
            super(HybridNet, self).__init__(**kwargs)
            self.hidden = nn.Dense(10)
            self.output = nn.Dense(2)

        def hybrid_forward(self, F, x):
            print('F: ', F)
            print('x: ', x)
            x = F.relu(self.hidden(x))
            print('hidden: ', x)
            return self.output(x)

    net = HybridNet()
    net.initialize()
    x = nd.random.normal(shape=(1, 4))
    capsys.readouterr()
    net(x)
    net(x)
    out = capsys.readouterr().out
    assert out.count('F: ') == 2 and out.count('NDArray 1x4') == 2   # imperative: every call
    net.hybridize()
    net(x)
    out = capsys.readouterr().out
    assert out.count('F: ') == 1 and '<Symbol data>' in out           # traced once, with Symbols
    net(x)
    assert capsys.readouterr().out == ''                                # then the cached graph runs
