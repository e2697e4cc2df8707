"""gluon: every block gives the same outputs and gradients hybridized as imperatively; the cache
re-traces on new shapes and clears on child assignment; deferred init, save/load, export, Trainer."""
import json
import os
import tracemalloc

import numpy as np
import pytest

import frameworks.hybrid as mx
from frameworks import kernels
from frameworks.hybrid import autograd, gluon, nd, sym
from frameworks.hybrid.gluon import nn, rnn


def _seeded(block, seed=0):
    mx.random.seed(seed)
    block.initialize(mx.init.Uniform(0.5))
    return block


def _run(block, inputs, grad_inputs=()):
    """Outputs and gradients (params + chosen inputs) of sum(outputs * fixed weights) under record()."""
    xs = [nd.array(a) for a in inputs]
    for i in grad_inputs:
        xs[i].attach_grad()
    with autograd.record():
        out = block(*xs)
        flat = []
        stack = [out]
        while stack:
            o = stack.pop(0)
            if isinstance(o, (list, tuple)):
                stack[:0] = list(o)
            else:
                flat.append(o)
        rs = np.random.RandomState(7)
        loss = None
        for o in flat:
            term = (o * nd.array(rs.standard_normal(o.shape).astype(np.float32))).sum()
            loss = term if loss is None else loss + term
    loss.backward()
    grads = {k: p.grad().asnumpy() for k, p in block.collect_params().items() if p.grad_req != "null"}
    grads.update({f"input{i}": xs[i].grad.asnumpy() for i in grad_inputs})
    return [o.asnumpy() for o in flat], grads


class _Cells(gluon.HybridBlock):
    """An LSTMCell unrolled over 3 steps with Python control flow."""

    def __init__(self):
        super().__init__()
        with self.name_scope():
            self.cell = rnn.LSTMCell(5, input_size=4)

    def hybrid_forward(self, F, x):
        states = self.cell.begin_state(batch_size=2, func=F.zeros)
        outs = []
        for xt in F.split(x, num_outputs=3, axis=0, squeeze_axis=True):
            out, states = self.cell(xt, states)
            outs.append(out)
        return F.concat(*outs, dim=0), states


class _WithStates(gluon.HybridBlock):
    def __init__(self):
        super().__init__()
        with self.name_scope():
            self.lstm = rnn.LSTM(5, input_size=4)

    def hybrid_forward(self, F, x, h, c):
        return self.lstm(x, [h, c])


def _lenet():
    net = nn.HybridSequential()
    with net.name_scope():
        net.add(nn.Conv2D(3, kernel_size=3, padding=1, activation="relu"), nn.MaxPool2D(2),
                nn.Activation("tanh"), nn.Flatten(), nn.Dense(4, activation="sigmoid"), nn.Dense(2))
    return net


def _wide_mlp():
    """Wide enough (64 x 512 floats per activation) that the cached graph reuses dead arrays."""
    net = nn.HybridSequential()
    with net.name_scope():
        net.add(nn.Dense(512, activation="relu", in_units=30), nn.Dense(512, activation="tanh", in_units=512),
                nn.Dense(3, in_units=512))
    return net


rs = np.random.RandomState(0)
CASES = {
    "wide-mlp": (_wide_mlp, [rs.standard_normal((64, 30))], (0,)),
    "dense": (lambda: nn.Dense(3, activation="relu", in_units=4), [rs.standard_normal((5, 4))], (0,)),
    "dense-flatten": (lambda: nn.Dense(3, in_units=8), [rs.standard_normal((2, 2, 4))], (0,)),
    "lenet": (_lenet, [rs.standard_normal((2, 1, 6, 6))], (0,)),
    "embedding": (lambda: nn.Embedding(10, 3), [rs.randint(0, 10, (4, 3))], ()),
    "lstm": (lambda: rnn.LSTM(5, input_size=4), [rs.standard_normal((3, 2, 4))], (0,)),
    "lstm-states": (_WithStates, [rs.standard_normal((3, 2, 4)), rs.standard_normal((1, 2, 5)),
                                  rs.standard_normal((1, 2, 5))], (0, 1, 2)),
    "lstm-cells": (_Cells, [rs.standard_normal((3, 2, 4))], (0,)),
    "l2loss": (gluon.loss.L2Loss, [rs.standard_normal((4, 3)), rs.standard_normal((4, 3))], (0,)),
    "softmax-ce": (gluon.loss.SoftmaxCrossEntropyLoss, [rs.standard_normal((4, 3)), np.array([0, 2, 1, 1])],
                   (0,)),
}


@pytest.mark.parametrize("case", list(CASES))
def test_hybridized_equals_imperative(case):
    make, inputs, grad_inputs = CASES[case]
    inputs = [a.astype(np.float32) if a.dtype.kind == "f" else a for a in inputs]
    block = _seeded(make())
    out_i, grads_i = _run(block, inputs, grad_inputs)
    block.hybridize()
    for _ in range(2):  # the first call traces (and probes); the second runs the planned graph
        out_h, grads_h = _run(block, inputs, grad_inputs)
        assert len(out_h) == len(out_i)
        for a, b in zip(out_h, out_i):
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
        assert grads_h.keys() == grads_i.keys()
        for k in grads_i:
            np.testing.assert_allclose(grads_h[k], grads_i[k], rtol=1e-5, atol=1e-6, err_msg=k)
    assert len(block._cache.entries) == 1


def test_new_input_shape_traces_a_second_graph():
    net = _seeded(nn.Dense(1, activation="relu", in_units=2))
    net.hybridize()
    x10, x6 = rs.standard_normal((10, 2)).astype(np.float32), rs.standard_normal((6, 2)).astype(np.float32)
    for x in (x10, x6, x10):
        out = net(nd.array(x)).asnumpy()
        w, b = net.weight.data().asnumpy(), net.bias.data().asnumpy()
        np.testing.assert_allclose(out, np.maximum(x @ w.T + b, 0), rtol=1e-6)
    assert sorted(sig[1] for sig in net._cache.entries) == [(6, 2), (10, 2)]  # (training, shape, ...)


def test_a_cached_op_follows_every_change_of_its_call_signature():
    """The same block called in turn on data with and without a gradient (a recorded result), in train and
    predict mode, not recording, after a parameter's grad_req changes and on a short batch: each call's
    outputs and gradients are the imperative ones (a call that does not fit the last one's signature
    takes another graph)."""
    net = _seeded(nn.Dense(2, activation="tanh", in_units=3))
    xs = {n: rs.standard_normal((n, 3)).astype(np.float32) for n in (10, 4)}
    leaves = {n: nd.array(x) for n, x in xs.items()}
    for z in leaves.values():
        z.attach_grad()

    def expected(x):
        w, b = net.weight.data().asnumpy(), net.bias.data().asnumpy()
        y = np.tanh(x @ w.T + b)
        g = 1 - y * y   # d sum(y) / d(x @ w.T + b)
        return y, g @ w, g.T @ x, g.sum(0)

    net.hybridize()
    for n, input_grad, mode, bias_req in [(10, False, "train", "write"), (10, True, "train", "write"),
                                          (10, True, "train", "write"), (10, False, "train", "write"),
                                          (4, False, "predict", "write"), (10, False, "none", "write"),
                                          (10, True, "train", "null"), (10, True, "train", "write"),
                                          (4, True, "train", "write"), (10, False, "train", "write"),
                                          (10, False, "none", "write"), (10, False, "none", "write")]:
        if net.bias.grad_req != bias_req:
            net.bias.grad_req = bias_req
        # with an input gradient the data is a recorded result (2 * leaf): a tape edge into the graph
        y, gx, gw, gb = expected(2 * xs[n] if input_grad else xs[n])
        if mode == "none":
            np.testing.assert_allclose(net(nd.array(xs[n])).asnumpy(), y, rtol=1e-5, atol=1e-6)
            continue
        net.weight.grad()[:] = 0
        with autograd.record(train_mode=mode == "train"):
            out = net(leaves[n] * 2 if input_grad else nd.array(xs[n]))
        np.testing.assert_allclose(out.asnumpy(), y, rtol=1e-5, atol=1e-6)
        out.backward()
        if input_grad:
            np.testing.assert_allclose(leaves[n].grad.asnumpy(), 2 * gx, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(net.weight.grad().asnumpy(), gw, rtol=1e-5, atol=1e-6)
        if bias_req == "write":
            np.testing.assert_allclose(net.bias.grad().asnumpy(), gb, rtol=1e-5, atol=1e-6)
    # (training, shape, input needs) of each distinct call; a grad_req change re-reads, not re-keys
    assert {(sig[0], sig[1], sig[-1]) for sig in net._cache.entries} == {
        (True, (10, 3), False), (True, (10, 3), True), (False, (4, 3), False), (False, (10, 3), False),
        (True, (4, 3), True)}


def test_assigning_a_child_clears_the_cache():
    net = _seeded(_lenet())
    net.hybridize()
    net(nd.ones((1, 1, 6, 6)))
    assert net._cache.entries
    net.add(nn.Dense(2, in_units=2))
    assert not net._cache.entries
    block = _Cells()
    block.hybridize()
    _seeded(block)(nd.ones((3, 2, 4)))
    assert block._cache.entries
    block.cell = rnn.LSTMCell(5, input_size=4)
    assert not block._cache.entries


def test_wrong_input_shape_into_a_hybridized_block_names_the_layer_and_shapes():
    net = nn.HybridSequential()
    with net.name_scope():
        net.add(nn.Dense(3, in_units=4), nn.Dense(2, in_units=3))
    _seeded(net).hybridize()
    with pytest.raises(kernels.ShapeError, match=r"dense0_fwd \(FullyConnected\).*\(2, 5\), \(3, 4\)") as e:
        net(nd.ones((2, 5)))
    assert isinstance(e.value, RuntimeError)       # an mx.base.MXNetError, as MXNet raises


def test_shape_errors_are_mxnet_errors_naming_the_op_and_shapes():
    import frameworks.hybrid as mx
    # imperative: NumPy's own message would name neither the op nor the shapes
    with pytest.raises(mx.base.MXNetError, match=r"matmul.*\(2, 3\), \(4, 5\)"):
        nd.dot(nd.ones((2, 3)), nd.ones((4, 5)))
    with pytest.raises(mx.MXNetError, match=r"add.*\(2, 3\), \(4,\)"):
        nd.ones((2, 3)) + nd.ones((4,))


def test_deferred_initialization():
    net = nn.Dense(4)
    with pytest.raises(RuntimeError, match="has not been initialized. Note that you should initialize"):
        net.weight.data()
    net.initialize()
    with pytest.raises(gluon.DeferredInitializationError,
                       match="has not been initialized yet because initialization was deferred"):
        net.weight.data()
    net.hybridize()
    assert net(nd.ones((2, 3, 2))).shape == (2, 4)
    assert net.weight.data().shape == (4, 6)


def test_save_and_load_parameters_round_trip(tmp_path):
    net = _seeded(_lenet())
    x = nd.array(rs.standard_normal((2, 1, 6, 6)))
    expected = net(x).asnumpy()
    path = str(tmp_path / "lenet.params.npz")
    net.save_parameters(path)
    other = _seeded(_lenet(), seed=1)
    assert not np.allclose(other(x).asnumpy(), expected)
    other.load_parameters(path)
    np.testing.assert_allclose(other(x).asnumpy(), expected, rtol=1e-6)
    with pytest.raises(AssertionError, match=r"Parameter '6.weight' is missing in file '.*', which contains "
                                             r"parameters: '0.weight', '0.bias', '4.weight', '4.bias', '5.weight', "
                                             r"'5.bias'. Set allow_missing=True to ignore missing parameters."):
        bigger = _lenet()
        bigger.add(nn.Dense(2, in_units=2))
        bigger.load_parameters(path)


def test_export_then_load_json_and_symbol_block(tmp_path):
    net = _seeded(_lenet())
    with pytest.raises(RuntimeError, match="first call block.hybridize"):
        net.export(str(tmp_path / "lenet"))
    net.hybridize()
    x = nd.array(rs.standard_normal((2, 1, 6, 6)))
    expected = net(x).asnumpy()
    sym_file, params_file = net.export(str(tmp_path / "lenet"))
    assert os.path.basename(sym_file) == "lenet-symbol.json" and params_file.endswith("lenet-0000.params")
    with open(sym_file) as f:
        loaded = sym.load_json(f.read())
    assert loaded.list_arguments()[0] == "data"
    assert set(loaded.list_arguments()[1:]) == set(net.collect_params().keys())
    block = gluon.SymbolBlock.imports(sym_file, ["data"], params_file)
    np.testing.assert_allclose(block(x).asnumpy(), expected, rtol=1e-6)


def _step_bytes(hybridize):
    """Peak traced bytes of one training step above what was live when it began (a cached graph
    keeps nothing between steps, so nothing is hidden in the baseline)."""
    net = _seeded(_lenet())
    if hybridize:
        net.hybridize()
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    x, y = nd.array(rs.standard_normal((16, 1, 12, 12))), nd.array(rs.randint(0, 2, 16))
    tracemalloc.start()
    try:
        for i in range(3):
            if i == 2:
                tracemalloc.reset_peak()
                start = tracemalloc.get_traced_memory()[0]
            with autograd.record():
                loss = loss_fn(net(x), y)
            loss.backward()
            trainer.step(16)
            del loss
        return tracemalloc.get_traced_memory()[1] - start
    finally:
        tracemalloc.stop()


def test_hybridized_peak_memory_is_at_most_imperative():
    assert _step_bytes(True) <= _step_bytes(False)


def test_cached_graph_plans_buffers_and_reports_its_liveness_bound():
    net = _seeded(_wide_mlp())
    net.hybridize()
    x = nd.array(rs.standard_normal((64, 30)))
    for _ in range(2):
        with autograd.record():
            out = net(x).sum()
        out.backward()
    graph = net._cache.last.graph
    assert graph.buffers and graph.reused_bytes > 0
    assert "out=r" in graph.source("train")
    assert 0 < graph.peak_bytes


def test_trainer_rescales_by_batch_size():
    net = _seeded(nn.Dense(1, in_units=2, use_bias=False))
    w0 = net.weight.data().asnumpy()
    x = nd.array([[1.0, 2.0], [3.0, 4.0]])
    with autograd.record():
        loss = net(x)
    loss.backward()
    gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.5}).step(batch_size=2)
    np.testing.assert_allclose(net.weight.data().asnumpy(), w0 - 0.5 * np.array([[4.0, 6.0]]) / 2, rtol=1e-6)


@pytest.mark.parametrize("lr_mult", [1.0, 2.0])
def test_trainer_sgd_momentum_under_a_schedule_is_mxnets_sgd_mom_update(lr_mult):
    """Trainer.step with 'sgd' momentum, weight decay and a FactorScheduler, one parameter at lr_mult: each
    step is MXNet's sgd_mom_update at that step's rate (mom = m mom - lr wd w - lr g; w += mom), the
    momentum carried across the rate's changes, the multiplier applied to lr only."""
    c = np.array([[1.0, -2.0]], dtype=np.float32)
    net = nn.Dense(1, in_units=2, use_bias=False)
    net.initialize()
    net.weight.set_data(nd.array([[0.5, 0.25]]))
    net.weight.lr_mult = lr_mult
    sched = mx.lr_scheduler.FactorScheduler(step=2, factor=0.5, base_lr=0.1)
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1, "momentum": 0.9, "wd": 0.01,
                                                          "lr_scheduler": sched})
    want_sched = mx.lr_scheduler.FactorScheduler(step=2, factor=0.5, base_lr=0.1)
    w, mom = np.array([[0.5, 0.25]]), np.zeros((1, 2))
    for t in range(1, 7):
        with autograd.record():
            out = net(nd.array(c))
        out.backward()
        trainer.step(1)
        lr = want_sched(t) * lr_mult
        mom = 0.9 * mom - lr * 0.01 * w - lr * c
        w = w + mom
        np.testing.assert_allclose(net.weight.data().asnumpy(), w, rtol=1e-5, err_msg=f"step {t}")
    assert want_sched(6) < 0.1   # the rate did change


@pytest.mark.parametrize("name", ["adam", "rmsprop"])
def test_trainer_adam_and_rmsprop_clip_the_decayed_gradient_as_mxnets_update_ops(name):
    """MXNet's adam_update / rmsprop_update clip rescale_grad * g + wd * w, not g alone: with a big
    gradient, weight decay and clip_gradient set, each step is the op's formula on that clipped sum."""
    c = np.array([[3.0, -0.2]], dtype=np.float32)
    net = nn.Dense(1, in_units=2, use_bias=False)
    net.initialize()
    net.weight.set_data(nd.array([[0.5, -4.0]]))
    trainer = gluon.Trainer(net.collect_params(), name, {"learning_rate": 0.1, "wd": 0.1, "clip_gradient": 0.5})
    w, s1, s2 = np.array([[0.5, -4.0]]), np.zeros((1, 2)), np.zeros((1, 2))
    for t in range(1, 5):
        with autograd.record():
            out = net(nd.array(c * t))   # a gradient that grows, so Adam's normalisation does not hide the clip
        out.backward()
        trainer.step(1)
        g = np.clip(c * t + 0.1 * w, -0.5, 0.5)
        if name == "adam":
            s1, s2 = 0.9 * s1 + 0.1 * g, 0.999 * s2 + 0.001 * g * g
            w = w - 0.1 * np.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t) * s1 / (np.sqrt(s2) + 1e-8)
        else:
            s1 = 0.9 * s1 + 0.1 * g * g
            w = w - 0.1 * g / np.sqrt(s1 + 1e-8)
        np.testing.assert_allclose(net.weight.data().asnumpy(), w, rtol=1e-5, err_msg=f"{name} step {t}")


def test_dataloader_batches_with_a_short_last_batch():
    ds = gluon.data.ArrayDataset(np.arange(10, dtype=np.float32).reshape(5, 2), np.arange(5))
    batches = list(gluon.data.DataLoader(ds, batch_size=2))
    assert [b[0].shape for b in batches] == [(2, 2), (2, 2), (1, 2)]
    assert batches[2][1].asnumpy().tolist() == [4]
    assert len(gluon.data.DataLoader(ds, batch_size=2, last_batch="discard")) == 2


def test_retracing_names_nodes_the_same_way_and_blocks_count_per_scope():
    net = nn.HybridSequential()
    with net.name_scope():
        net.add(nn.Dense(3, in_units=2), nn.Dense(3, in_units=3))
    net.initialize()
    net.hybridize()
    net(nd.ones((4, 2)))
    def names():
        return [n["name"] for n in json.loads(net._cache.last.symbol.tojson())["nodes"]]
    first = names()
    net(nd.ones((5, 2)))                         # a new shape: a second trace
    assert names() == first and "hybridsequential" in first[-1]
    assert [b.prefix for b in net] == [net.prefix + "dense0_", net.prefix + "dense1_"]
    other = nn.HybridSequential()
    with other.name_scope():
        other.add(nn.Dense(3))
    assert other[0].prefix == other.prefix + "dense0_"   # counts restart in each parent's scope


def test_cached_graph_plan_reads_kernel_facts_not_a_probe():
    net = _seeded(_wide_mlp())
    net.hybridize()
    x = nd.array(rs.standard_normal((64, 30)))
    with autograd.record():
        out = net(x).sum()
    graph = net._cache.last.graph
    # planned before any run: the first training run already writes into reused buffers
    assert graph.buffers and "out=r" in graph.source("train") and "locals()" not in graph.source("train")
    out.backward()


def test_a_loaded_symbol_block_inside_a_hybridized_parent_composes_and_fine_tunes(tmp_path):
    """The fine-tuning pattern: an exported network loaded with SymbolBlock.imports as the first child of a
    HybridSequential with a new head; hybridizing the parent traces the loaded graph on its symbols (MXNet's
    _compose), giving the imperative outputs and gradients for the loaded parameters too."""
    base = nn.HybridSequential()
    with base.name_scope():
        base.add(nn.Dense(8, activation="relu"), nn.Dense(4))
    base.initialize()
    base.hybridize()
    x = nd.array(np.random.default_rng(0).random((2, 5)))
    base(x)
    base.export(str(tmp_path / "base"))

    def run(hybridize):
        sb = gluon.SymbolBlock.imports(str(tmp_path / "base-symbol.json"), ["data"],
                                       str(tmp_path / "base-0000.params"))
        net = nn.HybridSequential()
        net.add(sb)
        net.add(nn.Dense(3, in_units=4))
        net[1].initialize(mx.init.Constant(0.5))
        if hybridize:
            net.hybridize()
        with autograd.record():
            y = net(x)
            loss = (y * y).sum()
        loss.backward()
        return y.asnumpy(), {k.split("_", 1)[-1]: p.grad().asnumpy() for k, p in sb.collect_params().items()}

    y0, g0 = run(False)
    y1, g1 = run(True)
    np.testing.assert_allclose(y1, y0, rtol=1e-6)
    assert g0.keys() == g1.keys() and len(g0) == 4
    for k in g0:
        np.testing.assert_allclose(g1[k], g0[k], rtol=1e-5, atol=1e-7)
        assert np.abs(g1[k]).sum() > 0


def test_a_negated_expression_runs_the_neg_kernel_hybridized_as_eagerly():
    """sym's -x is a _mulscalar node (MXNet 1.x); the cached graph runs it with `neg`, the kernel eager -x
    runs, and gives the eager values and gradients; another scalar keeps the `mul` kernel."""
    class Neg(gluon.HybridBlock):
        def hybrid_forward(self, F, x):
            return -F.mean(x * x) + (x * -2.0).sum() + (-x).sum()

    x0 = rs.standard_normal((4, 3)).astype("float32")
    got = []
    for hybrid in (False, True):
        block = Neg()
        if hybrid:
            block.hybridize()
        x = nd.array(x0)
        x.attach_grad()
        with autograd.record():
            out = block(x)
        out.backward()
        got.append((out.asnumpy(), x.grad.asnumpy()))
    np.testing.assert_array_equal(got[0][0], got[1][0])
    np.testing.assert_array_equal(got[0][1], got[1][1])
    np.testing.assert_allclose(got[1][1], -2 * x0 / x0.size - 3, rtol=1e-6)
    source = block._cache.last.graph.source("train")
    assert source.count("k_neg.forward") == 2 and source.count("k_mul.forward") == 2
