"""MXNet 1.x's example/gluon programs, near verbatim (their calls, kwargs and idioms; synthetic data in place
of the downloads, a few steps), with only the import changed: word_language_model (model.py's RNNModel in
every mode, train.py's loop), mnist/mnist.py, dc_gan/dcgan.py's generator and discriminator, and
super_resolution/super_resolution.py's net and loop."""
import math

import numpy as np
import pytest

import frameworks.hybrid as mx
from frameworks.hybrid import autograd, gluon
from frameworks.hybrid.gluon import nn, rnn


# ---------------------------------------------------------------- example/gluon/word_language_model/model.py

class RNNModel(gluon.HybridBlock):
    """A model with an encoder, recurrent layer, and a decoder."""

    def __init__(self, mode, vocab_size, num_embed, num_hidden,
                 num_layers, dropout=0.5, tie_weights=False, **kwargs):
        super(RNNModel, self).__init__(**kwargs)
        with self.name_scope():
            self.drop = nn.Dropout(dropout)
            self.encoder = nn.Embedding(vocab_size, num_embed,
                                        weight_initializer=mx.init.Uniform(0.1))
            if mode == 'rnn_relu':
                self.rnn = rnn.RNN(num_hidden, num_layers, dropout=dropout,
                                   input_size=num_embed)
            elif mode == 'rnn_tanh':
                self.rnn = rnn.RNN(num_hidden, num_layers, 'tanh', dropout=dropout,
                                   input_size=num_embed)
            elif mode == 'lstm':
                self.rnn = rnn.LSTM(num_hidden, num_layers, dropout=dropout,
                                    input_size=num_embed)
            elif mode == 'gru':
                self.rnn = rnn.GRU(num_hidden, num_layers, dropout=dropout,
                                   input_size=num_embed)
            else:
                raise ValueError("Invalid mode %s. Options are rnn_relu, "
                                 "rnn_tanh, lstm, and gru"%mode)

            if tie_weights:
                self.decoder = nn.Dense(vocab_size, in_units=num_hidden,
                                        params=self.encoder.params)
            else:
                self.decoder = nn.Dense(vocab_size, in_units=num_hidden)

            self.num_hidden = num_hidden

    def hybrid_forward(self, F, inputs, hidden):
        emb = self.drop(self.encoder(inputs))
        output, hidden = self.rnn(emb, hidden)
        output = self.drop(output)
        decoded = self.decoder(output.reshape((-1, self.num_hidden)))
        return decoded, hidden

    def begin_state(self, *args, **kwargs):
        return self.rnn.begin_state(*args, **kwargs)


def _corpus(ntokens, n, seed=0):
    """Token t is mostly followed by (t + 1) % ntokens: something for the model to learn."""
    rs = np.random.RandomState(seed)
    ids = [0]
    for _ in range(n - 1):
        ids.append((ids[-1] + 1) % ntokens if rs.rand() < 0.9 else rs.randint(ntokens))
    return np.array(ids, dtype=np.float32)


@pytest.mark.parametrize("mode,hybridize,tied", [("lstm", True, False), ("lstm", False, False), ("gru", False, False),
                                                 ("gru", True, True), ("rnn_tanh", True, False),
                                                 ("rnn_relu", False, False)])
def test_word_language_model(mode, hybridize, tied):
    mx.random.seed(1)
    context = mx.cpu(0)
    ntokens, emsize, nhid, nlayers, bptt, batch_size = 20, 16, 16, 2, 5, 4
    lr, clip = 20 if mode != "rnn_relu" else 5, 0.25   # train.py's defaults (relu: a smaller step)
    corpus = _corpus(ntokens, 4 * 5 * 12 + 1)
    # train.py's data: (batch_size, bptt) pieces transposed to (bptt, batch_size) ('TNC')
    xs = corpus[:-1].reshape(-1, bptt)
    ys = corpus[1:].reshape(-1, bptt)
    train_data = gluon.data.DataLoader(gluon.data.ArrayDataset(xs, ys), batch_size=batch_size,
                                       last_batch='discard')

    model = RNNModel(mode, ntokens, emsize, nhid, nlayers, 0.2, tied)
    if hybridize:
        model.hybridize()
    model.initialize(mx.init.Xavier(), ctx=context)
    trainer = gluon.Trainer(model.collect_params(), 'sgd',
                            {'learning_rate': lr,
                             'momentum': 0,
                             'wd': 0})
    loss = gluon.loss.SoftmaxCrossEntropyLoss()
    if hybridize:
        loss.hybridize()

    def detach(hidden):
        if isinstance(hidden, (tuple, list)):
            hidden = [i.detach() for i in hidden]
        else:
            hidden = hidden.detach()
        return hidden

    def eval(data_source):
        total_L = 0.0
        ntotal = 0
        hidden = model.begin_state(func=mx.nd.zeros, batch_size=batch_size, ctx=context)
        for i, (data, target) in enumerate(data_source):
            data = data.as_in_context(context).T
            target = target.as_in_context(context).T.reshape((-1, 1))
            output, hidden = model(data, hidden)
            L = loss(output, target)
            total_L += mx.nd.sum(L).asscalar()
            ntotal += L.size
        return total_L / ntotal

    first = eval(train_data)
    for epoch in range(12 if mode == "lstm" else 6):   # (the LSTM's gates start slower at these steps)
        hidden = model.begin_state(func=mx.nd.zeros, batch_size=batch_size, ctx=context)
        for i, (data, target) in enumerate(train_data):
            data = data.as_in_context(context).T
            target = target.as_in_context(context).T.reshape((-1, 1))
            hidden = detach(hidden)
            with autograd.record():
                output, hidden = model(data, hidden)
                # Here L is a vector of size batch_size * bptt size
                L = loss(output, target)
                L = L / (bptt * batch_size)
                L.backward()

            grads = [p.grad(context) for p in model.collect_params().values()]
            gluon.utils.clip_global_norm(grads, clip)

            trainer.step(1)
        assert len(hidden) == (2 if mode == "lstm" else 1) and hidden[0].shape == (nlayers, batch_size, nhid)
    last = eval(train_data)
    assert math.isfinite(last) and last < 0.85 * first, (first, last)
    if tied:
        assert model.decoder.weight is model.encoder.weight


def test_unrolled_layers_equal_their_cells():
    """GRU / RNN layers (TNC and NTC) compute what their cells unrolled step by step compute."""
    mx.random.seed(3)
    x = mx.nd.random.normal(shape=(5, 3, 4))   # (T, N, C)
    for layer, cell in ((rnn.GRU(6, input_size=4), rnn.GRUCell(6, input_size=4)),
                        (rnn.RNN(6, activation='tanh', input_size=4), rnn.RNNCell(6, input_size=4)),
                        (rnn.LSTM(6, input_size=4), rnn.LSTMCell(6, input_size=4))):
        layer.initialize()
        cell.initialize()
        for name in ("i2h_weight", "h2h_weight", "i2h_bias", "h2h_bias"):
            getattr(cell, name).set_data(mx.nd.random.uniform(-0.5, 0.5, shape=getattr(cell, name).shape))
            getattr(layer, "l0_" + name).set_data(getattr(cell, name).data())
        outputs, states = cell.unroll(5, x, layout='TNC', merge_outputs=True)
        np.testing.assert_allclose(layer(x).asnumpy(), outputs.asnumpy(), rtol=1e-5, atol=1e-6)
        ntc = type(layer)(6, layout='NTC', input_size=4, **({"activation": "tanh"} if isinstance(layer, rnn.RNN)
                                                             else {}))
        ntc.initialize()
        for name in ("i2h_weight", "h2h_weight", "i2h_bias", "h2h_bias"):
            getattr(ntc, "l0_" + name).set_data(getattr(cell, name).data())
        out, hidden = ntc(x.swapaxes(0, 1), ntc.begin_state(batch_size=3))
        np.testing.assert_allclose(out.asnumpy(), outputs.swapaxes(0, 1).asnumpy(), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(hidden[0].asnumpy()[0], states[0].asnumpy(), rtol=1e-5, atol=1e-6)


def test_sequential_rnn_cell_unroll_trains():
    """The cell API as the Gluon RNN tutorial writes it: SequentialRNNCell of cells with dropout and a
    residual connection, unrolled over NTC input."""
    mx.random.seed(0)
    model = rnn.SequentialRNNCell()
    with model.name_scope():
        model.add(rnn.LSTMCell(8))
        model.add(rnn.DropoutCell(0.1))
        model.add(rnn.ResidualCell(rnn.GRUCell(8)))
    model.initialize(mx.init.Xavier())
    head = nn.Dense(1, flatten=False)
    head.initialize()
    params = model.collect_params()
    params.update(head.collect_params())
    trainer = gluon.Trainer(params, 'adam', {'learning_rate': 0.02})
    rs = np.random.RandomState(0)
    x = mx.nd.array(rs.standard_normal((16, 7, 3)))
    y = mx.nd.array(np.cumsum(rs.standard_normal((16, 7, 3)), axis=1)[:, :, :1] * 0 + x.asnumpy()[:, :, :1])
    l2 = gluon.loss.L2Loss()
    losses = []
    for _ in range(30):
        states = model.begin_state(batch_size=16)
        with autograd.record():
            outputs, states = model.unroll(7, x, states, layout='NTC', merge_outputs=True)
            L = l2(head(outputs), y)
        L.backward()
        trainer.step(16)
        losses.append(L.mean().asscalar())
    assert len(states) == 3 and outputs.shape == (16, 7, 8)
    assert losses[-1] < 0.5 * losses[0], losses
