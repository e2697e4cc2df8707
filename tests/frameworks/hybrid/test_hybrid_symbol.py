"""sym: graph building, infer_shape, list_arguments, JSON round trip, and the executor's
forward/backward (the flat compiled schedule) against the imperative tape."""
import json

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
    assert args == [(5, 4), (8, 4), (8,), (3, 8), (5,)] and outs == [()] and aux == []
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
    assert "del " in src and "saved.append" in src
    assert graph._compile("backward").source.count("saved.pop()") == len(graph.diff_steps)


def test_symbol_operators_and_groups():
    a, b = sym.var("a"), sym.var("b")
    g = sym.Group([a + b, 2 - a, a * 3, (a / b) ** 2, -b])
    assert len(g) == 5 and g.list_arguments() == ["a", "b"]
    ex = g.bind(mx.cpu(), {"a": nd.array([2.0]), "b": nd.array([4.0])})
    outs = [o.asscalar() for o in ex.forward()]
    assert outs == [6.0, 0.0, 6.0, 0.25, -4.0]
