"""mx.viz as MXNet's visualization tutorial runs it: print_summary's table (shapes without the batch axis,
MXNet's parameter counts) and plot_network's graphviz Digraph (a stand-in graphviz module records the
nodes and edges; without graphviz, MXNet's ImportError)."""
import sys
import types

import pytest

import frameworks.hybrid as mx


def _mlp():
    data = mx.symbol.Variable('data')
    fc1 = mx.symbol.FullyConnected(data, name='fc1', num_hidden=128)
    act1 = mx.symbol.Activation(fc1, name='relu1', act_type="relu")
    fc2 = mx.symbol.FullyConnected(act1, name='fc2', num_hidden=10)
    return mx.symbol.SoftmaxOutput(fc2, name='softmax')


def test_print_summary_counts_the_parameters_as_mxnet(capsys):
    mx.viz.print_summary(_mlp(), shape={"data": (1, 784)})
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split() == ["Layer", "(type)", "Output", "Shape", "Param", "#", "Previous", "Layer"]
    rows = [line.split() for line in lines if "(" in line and "Layer (type)" not in line]
    assert rows == [["data(null)", "784", "0"], ["fc1(FullyConnected)", "128", "100480", "data"],
                    ["relu1(Activation)", "128", "0", "fc1"], ["fc2(FullyConnected)", "10", "1290", "relu1"],
                    ["softmax(SoftmaxOutput)", "10", "0", "fc2"]]
    assert "Total params: 101770" in lines
    assert all(len(line) <= 120 for line in lines)
    conv = mx.sym.Convolution(mx.sym.var("img"), kernel=(3, 3), num_filter=4, num_group=2, no_bias=True, name="c")
    mx.viz.print_summary(mx.sym.BatchNorm(conv, name="bn"), shape={"img": (1, 2, 8, 8)})
    out = capsys.readouterr().out
    assert "Total params: {}".format(2 * 4 // 2 * 9 + 4 * 2) in out       # grouped weights, no bias; gamma+beta
    with pytest.raises(ValueError, match="Input shape is incomplete"):
        mx.viz.print_summary(_mlp(), shape={})
    with pytest.raises(TypeError, match="symbol must be Symbol"):
        mx.viz.print_summary("net")


class _Digraph:
    def __init__(self, name, format):
        self.name, self.format, self.nodes, self.edges = name, format, {}, []

    def node(self, name, label, **attr):
        self.nodes[name] = (label, attr)

    def edge(self, tail_name, head_name, **attr):
        self.edges.append((tail_name, head_name, attr["label"]))


def test_plot_network_draws_layers_and_shapes(monkeypatch):
    monkeypatch.setitem(sys.modules, "graphviz", types.SimpleNamespace(Digraph=_Digraph))
    dot = mx.viz.plot_network(_mlp(), title="mlp", shape={"data": (1, 784)})
    assert dot.name == "mlp" and dot.format == "pdf"
    assert dot.nodes["fc1"][0] == "FullyConnected\n128" and dot.nodes["relu1"][0] == "Activation\nrelu"
    assert dot.nodes["data"][1]["shape"] == "oval" and "fc1_weight" not in dot.nodes   # weights hidden
    assert ("fc1", "data", "784") in dot.edges and ("softmax", "fc2", "10") in dot.edges
    shown = mx.viz.plot_network(_mlp(), hide_weights=False)
    assert ("fc1", "fc1_weight", "") in shown.edges


def test_plot_network_without_graphviz_raises_mxnets_import_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "graphviz", None)
    with pytest.raises(ImportError, match="Draw network requires graphviz library"):
        mx.viz.plot_network(_mlp())
