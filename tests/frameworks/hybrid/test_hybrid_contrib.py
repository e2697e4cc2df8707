"""nd.contrib's imperative control flow (foreach, while_loop, cond) as MXNet's documentation runs it, its
gradients by finite differences, the contrib helpers (sym.contrib's loops: test_sym_contrib_control_flow)."""
import numpy as np
import pytest

import frameworks.hybrid as mx
from frameworks.hybrid import autograd, gluon, nd
from frameworks.hybrid.base import MXNetError
from tests.frameworks.hybrid.test_hybrid_ops import _fd_check


def _rnn_like(x, h):
    def step(data, states):
        new = nd.tanh(data + states[0])
        return new * 2, [new]
    return nd.contrib.foreach(step, x, [h])


def test_foreach_values_and_gradients():
    rs = np.random.RandomState(0)
    x, h = rs.standard_normal((4, 3)), rs.standard_normal(3)
    outs, states = _rnn_like(nd.array(x, dtype="float64"), nd.array(h, dtype="float64"))
    s, expected = h, []
    for row in x:
        s = np.tanh(row + s)
        expected.append(2 * s)
    np.testing.assert_allclose(outs.asnumpy(), np.stack(expected))
    np.testing.assert_allclose(states[0].asnumpy(), s)
    _fd_check(lambda a, b: _rnn_like(a, b)[0], x, h)
    # several data arrays and nested outputs
    outs, _ = nd.contrib.foreach(lambda d, st: ([d[0] + d[1], [d[0]]], st), [nd.ones((2, 3)), nd.ones((2, 3))], [])
    assert outs[0].shape == (2, 3) and outs[1][0].shape == (2, 3)
    with pytest.raises(MXNetError):
        nd.contrib.foreach(lambda d, s: (d, s), "not an array", [])


def test_while_loop_pads_to_max_iterations_and_cond():
    outputs, loop_vars = nd.contrib.while_loop(
        cond=lambda i, s: i <= 5,
        func=lambda i, s: ([i + s], [i + 1, s + i]),
        loop_vars=(nd.array([0], dtype="int64"), nd.array([1], dtype="int64")),
        max_iterations=10)
    assert outputs[0].shape == (10, 1)
    np.testing.assert_array_equal(outputs[0].asnumpy().ravel()[:6], [1, 2, 4, 7, 11, 16])
    assert [v.asscalar() for v in loop_vars] == [6, 16]
    with pytest.raises(ValueError):
        nd.contrib.while_loop(lambda i: i < 2, lambda i: (None, [i + 1]), [nd.zeros(1)])
    a, b = nd.array([1.0]), nd.array([2.0])
    assert nd.contrib.cond(a * b < 5, lambda: (a + 5) * (b + 5), lambda: (a - 5) * (b - 5)).asscalar() == 42


def test_contrib_helpers():
    x = nd.array([1.0, np.inf, -np.inf, np.nan])
    np.testing.assert_array_equal(nd.contrib.isinf(x).asnumpy(), [0, 1, 1, 0])
    np.testing.assert_array_equal(nd.contrib.isnan(x).asnumpy(), [0, 0, 0, 1])
    np.testing.assert_array_equal(nd.contrib.isfinite(x).asnumpy(), [1, 0, 0, 0])
    np.testing.assert_array_equal(nd.contrib.arange_like(nd.zeros((2, 3)), start=1, repeat=2).asnumpy(),
                                  [[1, 1, 2], [2, 3, 3]])
    old = nd.zeros((4, 2))
    new = nd.array([[1.0, 1.0], [2.0, 2.0]])
    np.testing.assert_array_equal(nd.contrib.index_copy(old, nd.array([2, 0]), new).asnumpy(),
                                  [[2, 2], [0, 0], [1, 1], [0, 0]])
    _fd_check(lambda o, n: nd.contrib.index_copy(o, nd.array([3, 1]), n), np.ones((4, 2)), np.ones((2, 2)))


class Map(gluon.HybridBlock):
    """The control-flow tutorial's Map, and a recurrence with a Dense layer per step."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.dense = gluon.nn.Dense(3, in_units=3)

    def hybrid_forward(self, F, data, h0):
        def step(x, states):
            h = F.tanh(self.dense(x) + states[0])
            return [h, x + 1], [h]
        (hs, plus), states = F.contrib.foreach(step, data, [h0])
        return hs.sum() + plus.sum() + states[0].sum()


def test_foreach_in_a_hybridized_block_equals_imperative():
    rs = np.random.RandomState(3)
    data, h0 = nd.array(rs.standard_normal((4, 2, 3))), nd.array(rs.standard_normal((2, 3)))
    results = []
    for hybridize in (False, True):
        net = Map()
        net.initialize(mx.init.Constant(0.2))
        if hybridize:
            net.hybridize()
        with autograd.record():
            out = net(data, h0)
        out.backward()
        results.append((out.asscalar(), net.dense.weight.grad().asnumpy()))
    assert results[1][0] == pytest.approx(results[0][0], rel=1e-6)
    np.testing.assert_allclose(results[1][1], results[0][1], rtol=1e-5)


class DynamicRNNLayer(gluon.HybridBlock):
    """The control-flow tutorial's layer: an LSTMCell run by foreach, the states held at each
    sequence's end (F.where with a 1-d condition picking rows), F.zeros((1)) as the step counter."""

    def __init__(self, cell, prefix=None, params=None):
        super(DynamicRNNLayer, self).__init__(prefix=prefix, params=params)
        self.cell = cell

    def hybrid_forward(self, F, inputs, begin_state, valid_length):
        states = begin_state
        states.append(F.zeros((1)))

        def loop_body(inputs, states):
            cell_states = states[:-1]
            iter_no = states[-1]
            out, new_states = self.cell(inputs, cell_states)
            for i, state in enumerate(cell_states):
                new_states[i] = F.where(F.broadcast_greater(valid_length, iter_no), new_states[i], state)
            new_states.append(iter_no + 1)
            return out, new_states

        outputs, states = F.contrib.foreach(loop_body, inputs, states)
        outputs = F.SequenceMask(outputs, sequence_length=valid_length, use_sequence_length=True, axis=0)
        return outputs, states[:-1]


def test_control_flow_tutorials_dynamic_rnn_hybridized_equals_imperative():
    rs = np.random.RandomState(4)
    rnn_data = nd.array(rs.standard_normal((6, 2, 5)))
    init_states = [nd.array(rs.standard_normal((2, 4))) for _ in range(2)]
    valid_length = nd.array([3, 6])
    results = []
    for hybridize in (False, True):
        mx.random.seed(0)
        lstm = DynamicRNNLayer(gluon.rnn.LSTMCell(4))
        lstm.initialize(mx.init.Xavier())
        if hybridize:
            lstm.hybridize()
        with autograd.record():
            res, states = lstm(rnn_data, [x for x in init_states], valid_length)
            loss = res.sum() + states[0].sum()
        loss.backward()
        results.append((res.asnumpy(), states[0].asnumpy(), lstm.cell.i2h_weight.grad().asnumpy()))
    assert (results[0][0][3:, 0] == 0).all()   # past the first sequence's length: masked
    for a, b in zip(*results):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)
    # the held state is the one at each sequence's last valid step
    np.testing.assert_allclose(results[0][1][0], _last_h(results, 0), rtol=1e-6)


def _last_h(results, row):
    return results[0][0][2, row]   # step 3's output (the h of the sequence of length 3)


def test_where_with_a_one_dimensional_condition_picks_rows():
    cond = nd.array([1, 0, 1])
    x, y = np.arange(6.0).reshape(3, 2), -np.ones((3, 2))
    np.testing.assert_array_equal(nd.where(cond, nd.array(x), nd.array(y)).asnumpy(), [[0, 1], [-1, -1], [4, 5]])
    _fd_check(lambda a, b: nd.where(cond, a, b), x, y)


def test_dataloader_iter_feeds_a_gluon_dataloader_to_module_fit():
    from frameworks.hybrid.contrib.io import DataLoaderIter
    rs = np.random.RandomState(0)
    x = rs.standard_normal((20, 4)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.float32)
    loader = mx.gluon.data.DataLoader(mx.gluon.data.ArrayDataset(x, y), batch_size=8)
    it = DataLoaderIter(loader)
    assert [d.shape for d in it.provide_data] == [(8, 4)] and it.provide_label[0].name == 'softmax_label'
    batches = list(it)
    # the short last batch (4 of 8) padded to the batch size, pad saying by how many, as MXNet's
    assert [b.pad for b in batches] == [0, 0, 4] and batches[-1].data[0].shape == (8, 4)
    np.testing.assert_array_equal(batches[-1].data[0].asnumpy()[:4], x[16:])
    it.reset()
    data = mx.sym.var('data')
    net = mx.sym.SoftmaxOutput(mx.sym.FullyConnected(data, num_hidden=2, name='fc'), name='softmax')
    mod = mx.mod.Module(net, context=mx.cpu())
    mod.fit(it, num_epoch=3, optimizer_params={'learning_rate': 0.5})
    assert mod.score(it, 'acc')[0][1] > 0.7


def test_adamw_update_as_mxnets_operator_and_skips_on_an_overflowed_scale():
    rs = np.random.RandomState(3)
    w0, g = rs.standard_normal(6), rs.standard_normal(6)
    w, m, v = nd.array(w0, dtype='float64'), nd.zeros(6, dtype='float64'), nd.zeros(6, dtype='float64')
    for _ in range(2):
        nd.contrib.adamw_update(w, nd.array(g, dtype='float64'), m, v, rescale_grad=nd.array([0.5]), lr=0.01,
                                eta=0.5, wd=0.1, clip_gradient=0.4, out=w)
    # MXNet's AdamWUpdate: g = clip(rescale * grad); moments; w -= eta * (lr * m / (sqrt(v) + eps) + wd * w)
    ref, mr, vr = w0.copy(), np.zeros(6), np.zeros(6)
    for _ in range(2):
        gg = np.clip(0.5 * g, -0.4, 0.4)
        mr = 0.9 * mr + 0.1 * gg
        vr = 0.999 * vr + 0.001 * gg * gg
        ref = ref - 0.5 * (0.01 * mr / (np.sqrt(vr) + 1e-8) + 0.1 * ref)
    np.testing.assert_allclose(w.asnumpy(), ref, rtol=1e-12)
    np.testing.assert_allclose(m.asnumpy(), mr, rtol=1e-12)
    before = w.asnumpy().copy()
    nd.contrib.adamw_update(w, nd.array(g, dtype='float64'), m, v, rescale_grad=float('inf'), lr=0.01, eta=1,
                            out=w)
    np.testing.assert_array_equal(w.asnumpy(), before)
    np.testing.assert_allclose(m.asnumpy(), mr, rtol=1e-12)
