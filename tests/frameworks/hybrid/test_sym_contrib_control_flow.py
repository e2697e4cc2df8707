"""sym.contrib's control flow as MXNet's documentation runs it: foreach (its body a subgraph run per step
when the graph is bound, so the data's length need not be known when the symbol is built; weights first
read in the body get their shapes from it), while_loop (max_iterations masked steps) and cond (both
branches built, the chosen one selected), checked against nd.contrib's imperative loops and, for the
gradients, central differences in float64."""
import numpy as np
import pytest

import frameworks.hybrid as mx
from frameworks.hybrid import autograd, nd


def _bind64(symbol, values):
    """An executor over float64 copies of `values` (every argument), with gradients."""
    args = {k: nd.array(v, dtype="float64") for k, v in values.items()}
    grads = {k: nd.zeros(v.shape, dtype="float64") for k, v in values.items()}
    return symbol.bind(mx.cpu(), args, args_grad=grads)


def _fd_check_symbol(symbol, values, eps=1e-6, rtol=1e-5, atol=1e-7):
    """The executor's gradient of sum(out * w) for every argument against central differences."""
    rs = np.random.RandomState(7)
    ex = _bind64(symbol, values)
    outs = ex.forward(is_train=True)
    ws = [rs.standard_normal(o.shape) for o in outs]
    ex.backward([nd.array(w, dtype="float64") for w in ws])

    def loss(vals):
        return sum(float((o.asnumpy() * w).sum()) for o, w in zip(_bind64(symbol, vals).forward(), ws))
    for name, v in values.items():
        num = np.zeros_like(v)
        for idx in np.ndindex(v.shape):
            up, down = dict(values), dict(values)
            up[name], down[name] = v.copy(), v.copy()
            up[name][idx] += eps
            down[name][idx] -= eps
            num[idx] = (loss(up) - loss(down)) / (2 * eps)
        np.testing.assert_allclose(ex.grad_dict[name].asnumpy(), num, rtol=rtol, atol=atol, err_msg=name)


def _rnn(F, x, h0):
    def step(data, states):
        h = F.tanh(F.FullyConnected(data, num_hidden=3, name="fc") + states[0])
        return [h, data * 2], [h]
    return F.contrib.foreach(step, x, [h0])


def test_foreach_runs_its_body_per_step_with_shapes_known_only_at_bind():
    x, h0 = mx.sym.var("x"), mx.sym.var("h0")
    (hs, doubled), states = _rnn(mx.sym, x, h0)
    net = mx.sym.Group([hs, doubled, states[0]])
    # the body's FullyConnected made fc_weight/fc_bias: arguments of the whole graph, shapes from the body
    assert net.list_arguments() == ["x", "h0", "fc_weight", "fc_bias"]
    arg_shapes, out_shapes, _ = net.infer_shape(x=(4, 2, 5), h0=(2, 3))
    assert arg_shapes == [(4, 2, 5), (2, 3), (3, 5), (3,)]
    assert out_shapes == [(4, 2, 3), (4, 2, 5), (2, 3)]
    rs = np.random.RandomState(0)
    values = {"x": rs.standard_normal((4, 2, 5)), "h0": rs.standard_normal((2, 3)),
              "fc_weight": rs.standard_normal((3, 5)) * 0.5, "fc_bias": rs.standard_normal(3)}
    # the same loop imperatively (nd.contrib.foreach under autograd) gives the same values and gradients
    ex = net.bind(mx.cpu(), {k: nd.array(v) for k, v in values.items()},
                  args_grad={k: nd.zeros(v.shape) for k, v in values.items()})
    outs = ex.forward(is_train=True)
    heads = [nd.array(rs.standard_normal(o.shape)) for o in outs]
    ex.backward(heads)
    arrays = {k: nd.array(v) for k, v in values.items()}
    for a in arrays.values():
        a.attach_grad()
    with autograd.record():
        (i_hs, i_doubled), i_states = nd.contrib.foreach(
            lambda d, s: ([nd.tanh(nd.FullyConnected(d, arrays["fc_weight"], arrays["fc_bias"], num_hidden=3) + s[0]),
                           d * 2], [nd.tanh(nd.FullyConnected(d, arrays["fc_weight"], arrays["fc_bias"],
                                                              num_hidden=3) + s[0])]),
            arrays["x"], [arrays["h0"]])
        total = (i_hs * heads[0]).sum() + (i_doubled * heads[1]).sum() + (i_states[0] * heads[2]).sum()
    total.backward()
    for o, i in zip(outs, (i_hs, i_doubled, i_states[0])):
        np.testing.assert_allclose(o.asnumpy(), i.asnumpy(), rtol=1e-5, atol=1e-6)
    for k in values:
        np.testing.assert_allclose(ex.grad_dict[k].asnumpy(), arrays[k].grad.asnumpy(), rtol=1e-4, atol=1e-5,
                                   err_msg=k)
    # another length binds the same symbol
    assert net.infer_shape(x=(7, 2, 5), h0=(2, 3))[1][0] == (7, 2, 3)


def test_foreach_gradients_by_finite_differences():
    x, h0 = mx.sym.var("x"), mx.sym.var("h0")
    (hs, doubled), states = _rnn(mx.sym, x, h0)
    rs = np.random.RandomState(1)
    _fd_check_symbol(mx.sym.Group([hs, states[0]]),
                     {"x": rs.standard_normal((3, 2, 4)), "h0": rs.standard_normal((2, 3)),
                      "fc_weight": rs.standard_normal((3, 4)) * 0.5, "fc_bias": rs.standard_normal(3)})


def test_foreach_reads_an_outer_result_and_trains_in_a_module():
    # the body reads `scale`, computed outside the loop: an input of the loop node, computed once
    data, label = mx.sym.var("data"), mx.sym.var("softmax_label")
    seq = mx.sym.transpose(data, axes=(1, 0, 2))          # (T, N, C)
    scale = mx.sym.FullyConnected(mx.sym.mean(seq, axis=0), num_hidden=4, name="gate")

    def step(x, states):
        h = mx.sym.tanh(mx.sym.FullyConnected(x, num_hidden=4, name="i2h")
                        + mx.sym.FullyConnected(states[0], num_hidden=4, name="h2h") * scale)
        return h, [h]
    init = mx.sym.zeros(shape=(0, 4))                     # batch filled in from the bound shapes
    _, states = mx.sym.contrib.foreach(step, seq, [init])
    net = mx.sym.SoftmaxOutput(mx.sym.FullyConnected(states[0], num_hidden=2, name="out"), label, name="softmax")
    rs = np.random.RandomState(2)
    X = rs.standard_normal((64, 5, 3)).astype(np.float32)
    y = (X[:, :, 0].sum(1) > 0).astype(np.float32)
    it = mx.io.NDArrayIter(X, y, batch_size=16)
    mx.random.seed(0)
    mod = mx.mod.Module(net)
    mod.fit(it, num_epoch=20, optimizer_params={"learning_rate": 0.5}, initializer=mx.init.Xavier())
    assert mod.score(it, "acc")[0][1] > 0.9


def test_while_loop_as_mxnet_documents_it():
    cond = lambda i, s: i <= 5
    func = lambda i, s: ([i + s], [i + 1, s + i])
    loop_vars = (mx.sym.var('i'), mx.sym.var('s'))
    outputs, states = mx.sym.contrib.while_loop(cond, func, loop_vars, max_iterations=10)
    ex = mx.sym.Group(outputs + states).bind(mx.cpu(), {"i": nd.array([0]), "s": nd.array([1])})
    out, i_final, s_final = [o.asnumpy() for o in ex.forward()]
    n_out, n_states = nd.contrib.while_loop(cond, func, (nd.array([0]), nd.array([1])), max_iterations=10)
    # six steps (i = 0..5) ran: their outputs, then zeros to max_iterations rows; the final loop_vars
    assert out.shape == (10, 1)
    np.testing.assert_allclose(out[:6, 0], [1, 2, 4, 7, 11, 16])
    np.testing.assert_allclose(out, n_out[0].asnumpy())
    assert (i_final[0], s_final[0]) == (6, 16) == (n_states[0].asscalar(), n_states[1].asscalar())
    with pytest.raises(ValueError, match="max_iterations should be specified"):
        mx.sym.contrib.while_loop(cond, func, loop_vars)


def test_while_loop_gradients_by_finite_differences():
    # x is multiplied by w until the product's sum passes 3 (a data-dependent count of steps)
    cond = lambda x, w: mx.sym.sum(x) < 3
    func = lambda x, w: (x * 1.0, [x * w, w])
    outputs, states = mx.sym.contrib.while_loop(cond, func, [mx.sym.var("x"), mx.sym.var("w")], max_iterations=6)
    _fd_check_symbol(mx.sym.Group([outputs, states[0]]),   # one Symbol returned: outputs is one
                     {"x": np.array([0.3, 0.2]), "w": np.array([1.5, 1.7])})


def test_cond_as_mxnet_documents_it():
    a, b = mx.sym.var('a'), mx.sym.var('b')
    pred = a * b < 5
    then_func = lambda: (a + 5) * (b + 5)
    else_func = lambda: (a - 5) * (b - 5)
    outputs = mx.sym.contrib.cond(pred, then_func, else_func)
    assert outputs[0].eval(a=nd.array([1]), b=nd.array([2]))[0].asscalar() == 42
    assert outputs[0].eval(a=nd.array([3]), b=nd.array([4]))[0].asscalar() == 2
    for a_, b_ in ((1.0, 2.0), (3.0, 4.0)):   # each branch's gradient
        _fd_check_symbol(outputs[0], {"a": np.array([a_]), "b": np.array([b_])})


def test_rand_zipfian_draws_log_uniform_classes_with_their_expected_counts():
    mx.random.seed(0)
    true_cls = mx.sym.Variable('true_cls')
    samples, exp_count_true, exp_count_sample = mx.sym.contrib.rand_zipfian(true_cls, 4, 5)
    ex = mx.sym.Group([samples, exp_count_true, exp_count_sample]).bind(mx.cpu(), {"true_cls": nd.array([3])})
    s, t, c = [o.asnumpy() for o in ex.forward()]
    assert s.dtype == np.int64 and s.shape == (4,) and ((0 <= s) & (s < 5)).all()
    expected = lambda k: np.log((k + 2.0) / (k + 1.0)) / np.log(6) * 4   # P(class) * num_sampled
    np.testing.assert_allclose(t, expected(3.0))
    np.testing.assert_allclose(c, expected(s.astype(np.float64)))
    # many draws follow P(class): the small classes most often
    big, _, _ = nd.contrib.rand_zipfian(nd.array([0]), 20000, 5)
    freq = np.bincount(big.asnumpy(), minlength=5) / 20000.0
    np.testing.assert_allclose(freq, expected(np.arange(5.0)) / 4, atol=0.02)


def test_foreach_body_round_trips_through_json_in_mxnets_subgraphs_field(tmp_path):
    x, h0 = mx.sym.var("x"), mx.sym.var("h0")
    (hs, doubled), states = _rnn(mx.sym, x, h0)
    net = mx.sym.Group([hs, doubled, states[0]])
    graph = __import__("json").loads(net.tojson())
    loop = next(n for n in graph["nodes"] if n["op"] == "_foreach")
    # MXNet's _foreach attributes: the body's inputs are its data, its state and fc_weight, fc_bias
    assert loop["attrs"]["num_args"] == "5" and loop["attrs"]["num_out_data"] == "2"
    assert loop["attrs"]["num_outputs"] == "3" and len(loop["subgraphs"]) == 1
    body = loop["subgraphs"][0]
    names = sorted(body["nodes"][i]["name"].split("_", 1)[1] for i in body["arg_nodes"])
    assert names[:2] == ["data0", "free0"] and len(names) == 4
    net.save(str(tmp_path / "loop-symbol.json"))
    loaded = mx.sym.load(str(tmp_path / "loop-symbol.json"))
    assert loaded.list_arguments() == net.list_arguments()
    assert loaded.infer_shape(x=(4, 2, 5), h0=(2, 3))[1] == [(4, 2, 3), (4, 2, 5), (2, 3)]
    rs = np.random.RandomState(2)
    values = {"x": rs.standard_normal((4, 2, 5)), "h0": rs.standard_normal((2, 3)),
              "fc_weight": rs.standard_normal((3, 5)), "fc_bias": rs.standard_normal(3)}
    for a, b in zip(_bind64(net, values).forward(), _bind64(loaded, values).forward()):
        np.testing.assert_array_equal(a.asnumpy(), b.asnumpy())
    assert loaded.tojson() == net.tojson()


def test_a_loop_node_without_its_body_is_refused_naming_it():
    x, h0 = mx.sym.var("x"), mx.sym.var("h0")
    graph = __import__("json").loads(mx.sym.Group(_rnn(mx.sym, x, h0)[1]).tojson())
    for n in graph["nodes"]:
        n.pop("subgraphs", None)
    with pytest.raises(mx.MXNetError, match=r"_foreach\) has no subgraph"):
        mx.sym.load_json(__import__("json").dumps(graph))
