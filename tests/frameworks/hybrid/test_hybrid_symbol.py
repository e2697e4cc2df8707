"""sym: graph building, infer_shape, list_arguments, JSON round trip, and the executor's
forward/backward (the flat compiled schedule) against the imperative tape."""
import json
import re

import numpy as np
import pytest

import frameworks.hybrid as mx
from frameworks import kernels
from frameworks.hybrid import autograd, nd, sym


def _mlp():
    data, label = sym.var("data"), sym.var("label")
    h = sym.Activation(sym.FullyConnected(data, sym.var("w1"), sym.var("b1"), num_hidden=8, name="fc1"),
                       act_type="relu")
    out = sym.FullyConnected(h, sym.var("w2"), num_hidden=3, no_bias=True, name="fc2")
    return sym.softmax_cross_entropy(out, label, name="loss")


def test_list_arguments_and_infer_shape():
    net = _mlp()
    assert net.list_arguments() == ["data", "w1", "b1", "w2", "label"]
    args, outs, aux = net.infer_shape(data=(5, 4), w1=(8, 4), b1=(8,), w2=(3, 8), label=(5,))
    assert args == [(5, 4), (8, 4), (8,), (3, 8), (5,)] and outs == [(1,)] and aux == []  # MXNet 1.x: (1,)
    assert net.infer_shape(data=(5, 4)) == (None, None, None)  # weights' shapes still unknown


def test_infer_shape_error_names_the_node_and_shapes():
    with pytest.raises(kernels.ShapeError, match=r"fc1 \(FullyConnected\).*matmul.*\(5, 4\), \(8, 6\)"):
        _mlp().infer_shape(data=(5, 4), w1=(8, 6), b1=(8,), w2=(3, 8), label=(5,))


def test_json_round_trip_keeps_the_graph():
    net = _mlp()
    text = net.tojson()
    graph = json.loads(text)
    assert [n["op"] for n in graph["nodes"]].count("FullyConnected") == 2 and graph["heads"]
    again = sym.load_json(text)
    assert again.list_arguments() == net.list_arguments()
    assert again.tojson() == text
    shapes = dict(data=(5, 4), w1=(8, 4), b1=(8,), w2=(3, 8), label=(5,))
    assert again.infer_shape(**shapes) == net.infer_shape(**shapes)


def test_executor_matches_the_imperative_tape():
    rs = np.random.RandomState(0)
    vals = dict(data=rs.standard_normal((5, 4)), w1=rs.standard_normal((8, 4)), b1=rs.standard_normal(8),
                w2=rs.standard_normal((3, 8)))
    labels = np.array([0, 2, 1, 1, 0])
    ex = _mlp().simple_bind(mx.cpu(), data=(5, 4), w1=(8, 4), b1=(8,), w2=(3, 8), label=(5,))
    loss = ex.forward(is_train=True, label=labels, **{k: v.astype(np.float32) for k, v in vals.items()})[0]
    ex.backward()

    arrs = {k: nd.array(v) for k, v in vals.items()}
    for a in arrs.values():
        a.attach_grad()
    with autograd.record():
        h = nd.relu(nd.FullyConnected(arrs["data"], arrs["w1"], arrs["b1"], num_hidden=8))
        ref = nd.softmax_cross_entropy(nd.FullyConnected(h, arrs["w2"], num_hidden=3, no_bias=True),
                                       nd.array(labels))
    ref.backward()
    np.testing.assert_allclose(loss.asscalar(), ref.asscalar(), rtol=1e-6)
    for k in ("data", "w1", "b1", "w2"):
        np.testing.assert_allclose(ex.grad_dict[k].asnumpy(), arrs[k].grad.asnumpy(), rtol=1e-5, atol=1e-7)
    # an inference forward keeps nothing for backward
    ex.forward(is_train=False)
    with pytest.raises(RuntimeError, match="forward\\(is_train=True\\)"):
        ex.backward()


def test_executor_grad_req_add_accumulates():
    x, w = sym.var("x"), sym.var("w")
    out = sym.sum(sym.dot(x, w))
    ex = out.simple_bind(mx.cpu(), grad_req={"w": "add"}, x=(2, 3), w=(3, 1))
    ex.arg_dict["x"][:] = 1.0
    for _ in range(3):
        ex.forward(is_train=True)
        ex.backward()
    np.testing.assert_allclose(ex.grad_dict["w"].asnumpy(), np.full((3, 1), 6.0))
    assert "x" not in ex.grad_dict


def test_compiled_schedule_frees_values_after_last_use():
    ex = _mlp().simple_bind(mx.cpu(), data=(5, 4), w1=(8, 4), b1=(8,), w2=(3, 8), label=(5,))
    graph = ex._graph_for(True)
    src = graph.source()
    assert "del " in src and f"[{', '.join(f's{graph.steps.index(s)}' for s in graph.diff_steps)}]" in src
    back = graph._compile("backward").source
    assert "saved.clear()" in back   # the list lets go: each saved state is freed by its own del
    for step in graph.diff_steps:
        assert re.search(rf"^    del .*\bs{graph.steps.index(step)}\b", back, re.M)


def test_symbol_operators_and_groups():
    a, b = sym.var("a"), sym.var("b")
    g = sym.Group([a + b, 2 - a, a * 3, (a / b) ** 2, -b])
    assert len(g) == 5 and g.list_arguments() == ["a", "b"]
    ex = g.bind(mx.cpu(), {"a": nd.array([2.0]), "b": nd.array([4.0])})
    outs = [o.asscalar() for o in ex.forward()]
    assert outs == [6.0, 0.0, 6.0, 0.25, -4.0]


MXNET_JSON = """{
  "nodes": [
    {"op": "null", "name": "data", "inputs": []},
    {"op": "null", "name": "fc1_weight", "attrs": {"num_hidden": "4"}, "inputs": []},
    {"op": "null", "name": "fc1_bias", "attrs": {"num_hidden": "4"}, "inputs": []},
    {"op": "FullyConnected", "name": "fc1", "attrs": {"num_hidden": "4", "no_bias": "False", "flatten": "True"},
     "inputs": [[0, 0, 0], [1, 0, 0], [2, 0, 0]]},
    {"op": "Activation", "name": "relu1", "attrs": {"act_type": "relu"}, "inputs": [[3, 0, 0]]},
    {"op": "Pooling", "name": "pool", "attrs": {"kernel": "(1, 1)", "pool_type": "max", "global_pool": "False"},
     "inputs": [[4, 0, 0]]}
  ],
  "arg_nodes": [0, 1, 2],
  "heads": [[4, 0, 0]],
  "attrs": {"mxnet_version": ["int", 10600]}
}"""


def test_load_json_reads_mxnet_attribute_strings_and_writes_them_back(tmp_path):
    s = sym.load_json(MXNET_JSON)
    assert s.list_arguments() == ["data", "fc1_weight", "fc1_bias"]
    assert s.infer_shape(data=(2, 3))[0] == [(2, 3), (4, 3), (4,)]
    text = s.tojson()
    assert '"num_hidden": "4"' in text and '"act_type": "relu"' in text and '"no_bias": "False"' in text
    assert sym.load_json(text).tojson() == text


def test_a_bad_symbol_file_is_an_mxnet_error_naming_it(tmp_path):
    bad = tmp_path / "bad-symbol.json"
    bad.write_text('{"nodes": [')
    with pytest.raises(mx.base.MXNetError, match="bad-symbol.json"):
        sym.load(str(bad))
    with pytest.raises(mx.base.MXNetError, match="missing-symbol.json"):
        sym.load(str(tmp_path / "missing-symbol.json"))


def test_operator_nodes_take_mxnets_automatic_names():
    """MXNet 1.x names a node after the function that made it, lowercased: the operators' _internal._Plus,
    _MulScalar, ... (the symbol tutorial's `c = a + b` is <Symbol _plus0>, -a is a _mulscalar node), the
    comparisons' _greater / _greater_scalar, and public ops by their own name."""
    with mx.name.NameManager():
        a, b = mx.sym.Variable("a"), mx.sym.Variable("b")
        got = [s.name for s in (a + b, a - b, a * b, a / b, a + 1, 1 - a, a * 2, a / 2, 2 / a, a ** 2, -a,
                                a > b, a > 1, mx.sym.dot(a, b), mx.sym.FullyConnected(a, num_hidden=2))]
        assert got == ["_plus0", "_minus0", "_mul0", "_div0", "_plusscalar0", "_rminusscalar0", "_mulscalar0",
                       "_divscalar0", "_rdivscalar0", "_powerscalar0", "_mulscalar1", "_greater0",
                       "_greater_scalar0", "dot0", "fullyconnected0"]
        assert (a + b).list_outputs() == ["_plus1_output"]
    ex = (-a).bind(mx.cpu(), {"a": mx.nd.array([1.0, -2.0])})
    assert ex.forward()[0].asnumpy().tolist() == [-1.0, 2.0]


def _assign(F, x):
    x[0] = 2
    return x


@pytest.mark.parametrize("body, error, message", [
    (lambda F, x: x[0, 0], TypeError, "Symbol only support integer index to fetch i-th output"),
    (lambda F, x: x if x.dtype == 'float16' else x * 2, AttributeError, "'Symbol' object has no attribute 'dtype'"),
    (lambda F, x: x if x.context == mx.cpu() else x * 2, AttributeError,
     "'Symbol' object has no attribute 'context'"),
    (lambda F, x: x * x.shape[0], AttributeError, "'Symbol' object has no attribute 'shape'"),
    (_assign, TypeError, "'Symbol' object does not support item assignment"),
])
def test_hybridize_tutorial_limitations_raise_the_errors_it_quotes(body, error, message):
    """docs packages/gluon/blocks/hybridize.md, "Key differences and limitations": each hybrid_forward it
    shows fails once hybridized with the error the tutorial quotes."""
    class Net(mx.gluon.HybridBlock):
        def hybrid_forward(self, F, x):
            return body(F, x)
    net = Net()
    net.initialize()
    net(mx.nd.ones((2, 2)))   # imperative: the NDArray has all of these
    net.hybridize()
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
        net(mx.nd.ones((2, 2)))


def test_symbol_outputs_by_index_name_and_slice():
    a, b = mx.sym.var('a'), mx.sym.var('b')
    g = mx.sym.Group([a, b])
    assert g[1].name == 'b' and g['a'].name == 'a' and g[0:2].list_outputs() == ['a', 'b']
    assert [s.name for s in g] == ['a', 'b']
    with pytest.raises(ValueError, match='Cannot find output that matches name "c"'):
        g['c']
