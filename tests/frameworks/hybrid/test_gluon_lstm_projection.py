"""gluon.rnn.LSTM's projection_size (MXNet's LSTMP: l<i>_h2r_weight, output and recurrent state of size P)
and state_clip_min/max, checked against a NumPy LSTMP, contrib.rnn.LSTMPCell and the hybridized layer."""
import numpy as np
import pytest

from frameworks.hybrid import autograd, nd
from frameworks.hybrid.base import MXNetError
from frameworks.hybrid.gluon import contrib, rnn


def _sigmoid(a):
    return 1 / (1 + np.exp(-a))


def _numpy_lstmp(x, h, c, wi, wh, bi, bh, wr, clip=None):
    out = []
    for xt in x:
        g = xt @ wi.T + bi + h @ wh.T + bh
        i, f, n, o = np.split(g, 4, axis=1)
        c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(n)
        if clip is not None:
            c = np.clip(c, *clip)
        h = _sigmoid(o) * np.tanh(c)
        if wr is not None:
            h = h @ wr.T
        out.append(h)
    return np.stack(out), h, c


def test_projected_lstm_parameters_states_and_values():
    nd.random.seed(3)
    T, N, C, H, P = 4, 3, 5, 6, 2
    layer = rnn.LSTM(H, num_layers=2, projection_size=P, input_size=C)
    layer.initialize()
    pre = layer.prefix
    shapes = {k[len(pre):]: v.shape for k, v in layer.collect_params().items()}
    assert shapes == {'l0_i2h_weight': (4 * H, C), 'l0_h2h_weight': (4 * H, P), 'l0_h2r_weight': (P, H),
                      'l0_i2h_bias': (4 * H,), 'l0_h2h_bias': (4 * H,), 'l1_i2h_weight': (4 * H, P),
                      'l1_h2h_weight': (4 * H, P), 'l1_h2r_weight': (P, H), 'l1_i2h_bias': (4 * H,),
                      'l1_h2h_bias': (4 * H,)}
    states = layer.begin_state(batch_size=N)
    assert [s.shape for s in states] == [(2, N, P), (2, N, H)]
    x = nd.random.normal(shape=(T, N, C))
    states = [nd.random.normal(shape=s.shape) for s in states]
    y, (hT, cT) = layer(x, states)
    assert y.shape == (T, N, P) and hT.shape == (2, N, P) and cT.shape == (2, N, H)

    w = {k[len(pre):]: v.data().asnumpy().astype(np.float64) for k, v in layer.collect_params().items()}
    seq, h_last, c_last = x.asnumpy().astype(np.float64), [], []
    for i in range(2):
        seq, h, c = _numpy_lstmp(seq, states[0].asnumpy()[i], states[1].asnumpy()[i],
                                 *(w[f'l{i}_{n}'] for n in ('i2h_weight', 'h2h_weight', 'i2h_bias', 'h2h_bias',
                                                            'h2r_weight')))
        h_last.append(h)
        c_last.append(c)
    np.testing.assert_allclose(y.asnumpy(), seq, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(hT.asnumpy(), np.stack(h_last), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(cT.asnumpy(), np.stack(c_last), rtol=1e-5, atol=1e-6)

    layer.hybridize()
    y2, (h2, c2) = layer(x, states)
    np.testing.assert_allclose(y2.asnumpy(), y.asnumpy(), rtol=1e-6, atol=1e-7)


def test_projected_lstm_equals_the_lstmp_cell_and_trains():
    nd.random.seed(4)
    T, N, C, H, P = 5, 2, 3, 4, 3
    layer = rnn.LSTM(H, projection_size=P, input_size=C)
    cell = contrib.rnn.LSTMPCell(H, P, input_size=C)
    layer.initialize()
    cell.initialize()
    for n in ('i2h_weight', 'h2h_weight', 'h2r_weight', 'i2h_bias', 'h2h_bias'):
        getattr(cell, n).set_data(layer.collect_params()[layer.prefix + 'l0_' + n].data())
    x = nd.random.normal(shape=(T, N, C))
    y, (h, c) = layer(x, layer.begin_state(batch_size=N))
    yc, (hc, cc) = cell.unroll(T, x, layout='TNC', merge_outputs=True)
    np.testing.assert_allclose(y.asnumpy(), yc.asnumpy(), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(c.asnumpy()[0], cc.asnumpy(), rtol=1e-6, atol=1e-7)
    # without states: the output only; gradients reach the projection
    w = layer.collect_params()[layer.prefix + 'l0_h2r_weight']
    with autograd.record():
        loss = (layer(x) ** 2).sum()
    loss.backward()
    assert float(np.abs(w.grad().asnumpy()).sum()) > 0


def test_bidirectional_ntc_projection_and_state_clipping():
    b = rnn.LSTM(4, projection_size=3, bidirectional=True, layout='NTC')
    b.initialize()
    assert b(nd.ones((2, 5, 6))).shape == (2, 5, 6)   # (N, T, 2P)
    assert [s.shape for s in b.begin_state(batch_size=2)] == [(2, 2, 3), (2, 2, 4)]

    nd.random.seed(5)
    layer = rnn.LSTM(4, state_clip_min=-0.2, state_clip_max=0.2, input_size=3)
    layer.initialize()
    x = nd.random.normal(shape=(6, 2, 3)) * 10
    states = layer.begin_state(batch_size=2)
    y, (h, c) = layer(x, states)
    assert np.abs(c.asnumpy()).max() <= 0.2 + 1e-7
    w = {k[len(layer.prefix):]: v.data().asnumpy().astype(np.float64) for k, v in layer.collect_params().items()}
    want, _, want_c = _numpy_lstmp(x.asnumpy().astype(np.float64), np.zeros((2, 4)), np.zeros((2, 4)),
                                   w['l0_i2h_weight'], w['l0_h2h_weight'], w['l0_i2h_bias'], w['l0_h2h_bias'],
                                   None, clip=(-0.2, 0.2))
    np.testing.assert_allclose(y.asnumpy(), want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(c.asnumpy()[0], want_c, rtol=1e-5, atol=1e-6)
    with pytest.raises(MXNetError, match="state_clip_min and state_clip_max"):
        rnn.LSTM(4, state_clip_min=-1)
    with pytest.raises(MXNetError, match="state_clip_nan"):
        rnn.LSTM(4, state_clip_min=-1, state_clip_max=1, state_clip_nan=True)
