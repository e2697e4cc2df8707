"""Dive into Deep Learning, MXNet 1.x edition (d2l-ai/d2l-en v0.6.0), chapter "Recurrent Neural Networks":
rnn-scratch.md, rnn-gluon.md (rnn.RNN + RNNModel), gru.md and lstm.md (from scratch, then rnn.GRU /
rnn.LSTM through d2l.RNNModel), run as written but for the imports, on a seeded synthetic character corpus
with fewer hidden units and epochs than the book's. The book's gluon loop carries the state across batches
with `for s in state: s.detach()`, which changes nothing in MXNet: the state of a graph a backward has freed
is a constant in the next recording."""
import math
import time

import numpy as np

from frameworks.hybrid import autograd, gluon, init, nd
from frameworks.hybrid.gluon import loss as gloss, nn, rnn
from tests.frameworks.hybrid import _d2l as d2l


def _perplexities(capsys):
    out = capsys.readouterr().out.splitlines()
    ppl = [float(l.split('perplexity ')[1].split(',')[0]) for l in out if l.startswith('epoch')]
    preds = [l for l in out if l.startswith(' - ')]
    assert ppl and all(np.isfinite(ppl)) and preds, out
    return ppl, preds


def test_rnn_from_scratch(capsys):
    nd.random.seed(0)
    d2l.random.seed(0)
    (corpus_indices, char_to_idx, idx_to_char,
     vocab_size) = d2l.load_data_time_machine(num_chars=1000)
    assert nd.one_hot(nd.array([0, 2]), vocab_size).shape == (2, vocab_size)

    def to_onehot(X, size):  # This function is saved in the d2l package for future use
        return [nd.one_hot(x, size) for x in X.T]

    X = nd.arange(10).reshape((2, 5))
    inputs = to_onehot(X, vocab_size)
    assert (len(inputs), inputs[0].shape) == (5, (2, vocab_size))

    num_inputs, num_hiddens, num_outputs = vocab_size, 64, vocab_size
    ctx = d2l.try_gpu()
    print('Using', ctx)

    def get_params():
        def _one(shape):
            return nd.random.normal(scale=0.01, shape=shape, ctx=ctx)

        # Hidden layer parameters
        W_xh = _one((num_inputs, num_hiddens))
        W_hh = _one((num_hiddens, num_hiddens))
        b_h = nd.zeros(num_hiddens, ctx=ctx)
        # Output layer parameters
        W_hq = _one((num_hiddens, num_outputs))
        b_q = nd.zeros(num_outputs, ctx=ctx)
        # Attach a gradient
        params = [W_xh, W_hh, b_h, W_hq, b_q]
        for param in params:
            param.attach_grad()
        return params

    def init_rnn_state(batch_size, num_hiddens, ctx):
        return (nd.zeros(shape=(batch_size, num_hiddens), ctx=ctx), )

    def rnn(inputs, state, params):
        # Both inputs and outputs are composed of num_steps matrices of the shape
        # (batch_size, vocab_size)
        W_xh, W_hh, b_h, W_hq, b_q = params
        H, = state
        outputs = []
        for X in inputs:
            H = nd.tanh(nd.dot(X, W_xh) + nd.dot(H, W_hh) + b_h)
            Y = nd.dot(H, W_hq) + b_q
            outputs.append(Y)
        return outputs, (H,)

    state = init_rnn_state(X.shape[0], num_hiddens, ctx)
    inputs = to_onehot(X.as_in_context(ctx), vocab_size)
    params = get_params()
    outputs, state_new = rnn(inputs, state, params)
    assert (len(outputs), outputs[0].shape, state_new[0].shape) == (5, (2, vocab_size), (2, num_hiddens))

    # This function is saved in the d2l package for future use
    def predict_rnn(prefix, num_chars, rnn, params, init_rnn_state,
                    num_hiddens, vocab_size, ctx, idx_to_char, char_to_idx):
        state = init_rnn_state(1, num_hiddens, ctx)
        output = [char_to_idx[prefix[0]]]
        for t in range(num_chars + len(prefix) - 1):
            # The output of the previous time step is taken as the input of the
            # current time step.
            X = to_onehot(nd.array([output[-1]], ctx=ctx), vocab_size)
            # Calculate the output and update the hidden state
            (Y, state) = rnn(X, state, params)
            # The input to the next time step is the character in the prefix or
            # the current best predicted character
            if t < len(prefix) - 1:
                output.append(char_to_idx[prefix[t + 1]])
            else:
                output.append(int(Y[0].argmax(axis=1).asscalar()))
        return ''.join([idx_to_char[i] for i in output])

    out = predict_rnn('traveller ', 10, rnn, params, init_rnn_state, num_hiddens,
                      vocab_size, ctx, idx_to_char, char_to_idx)
    assert out.startswith('traveller ') and len(out) == 20

    # This function is saved in the d2l package for future use
    def grad_clipping(params, theta, ctx):
        norm = nd.array([0], ctx)
        for param in params:
            norm += (param.grad ** 2).sum()
        norm = norm.sqrt().asscalar()
        if norm > theta:
            for param in params:
                param.grad[:] *= theta / norm

    # This function is saved in the d2l package for future use
    def train_and_predict_rnn(rnn, get_params, init_rnn_state, num_hiddens,
                              vocab_size, ctx, corpus_indices, idx_to_char,
                              char_to_idx, is_random_iter, num_epochs, num_steps,
                              lr, clipping_theta, batch_size, pred_period,
                              pred_len, prefixes):
        if is_random_iter:
            data_iter_fn = d2l.data_iter_random
        else:
            data_iter_fn = d2l.data_iter_consecutive
        params = get_params()
        loss = gloss.SoftmaxCrossEntropyLoss()

        for epoch in range(num_epochs):
            if not is_random_iter:
                # If adjacent sampling is used, the hidden state is initialized
                # at the beginning of the epoch
                state = init_rnn_state(batch_size, num_hiddens, ctx)
            l_sum, n, start = 0.0, 0, time.time()
            data_iter = data_iter_fn(corpus_indices, batch_size, num_steps, ctx)
            for X, Y in data_iter:
                if is_random_iter:
                    # If random sampling is used, the hidden state is initialized
                    # before each mini-batch update
                    state = init_rnn_state(batch_size, num_hiddens, ctx)
                else:
                    # Otherwise, the detach function of the NDArray is used to
                    # separate the hidden state from the computational graph
                    for s in state:
                        s.detach()
                with autograd.record():
                    inputs = to_onehot(X, vocab_size)
                    # outputs has num_steps matrices of the shape
                    # (batch_size, vocab_size)
                    (outputs, state) = rnn(inputs, state, params)
                    # The shape after stitching is (num_steps * batch_size,
                    # vocab_size)
                    outputs = nd.concat(*outputs, dim=0)
                    # The shape of Y is (batch_size, num_steps), and then becomes
                    # a vector with a length of batch * num_steps after
                    # transposition. This gives it a one-to-one correspondence
                    # with output rows
                    y = Y.T.reshape((-1,))
                    # Average classification error via cross entropy loss
                    l = loss(outputs, y).mean()
                l.backward()
                grad_clipping(params, clipping_theta, ctx)  # Clip the gradient
                d2l.sgd(params, lr, 1)  # Since the error is the mean, no need to average gradients here
                l_sum += l.asscalar() * y.size
                n += y.size

            if (epoch + 1) % pred_period == 0:
                print('epoch %d, perplexity %f, time %.2f sec' % (
                    epoch + 1, math.exp(l_sum / n), time.time() - start))
                for prefix in prefixes:
                    print(' -', predict_rnn(
                        prefix, pred_len, rnn, params, init_rnn_state,
                        num_hiddens, vocab_size, ctx, idx_to_char, char_to_idx))

    num_epochs, num_steps, batch_size, lr, clipping_theta = 40, 35, 8, 1e2, 1e-2
    pred_period, pred_len, prefixes = 10, 20, ['traveller', 'time traveller']
    for is_random_iter in (True, False):
        train_and_predict_rnn(rnn, get_params, init_rnn_state, num_hiddens,
                              vocab_size, ctx, corpus_indices, idx_to_char,
                              char_to_idx, is_random_iter, num_epochs, num_steps, lr,
                              clipping_theta, batch_size, pred_period, pred_len,
                              prefixes)
        ppl, _ = _perplexities(capsys)
        assert ppl[-1] < 0.6 * ppl[0] and ppl[-1] < vocab_size / 2, ppl


def test_rnn_concise(capsys):
    nd.random.seed(0)
    d2l.random.seed(0)
    (corpus_indices, char_to_idx, idx_to_char,
     vocab_size) = d2l.load_data_time_machine(num_chars=1000)

    num_hiddens = 64
    rnn_layer = rnn.RNN(num_hiddens)
    rnn_layer.initialize()

    batch_size = 2
    state = rnn_layer.begin_state(batch_size=batch_size)
    assert state[0].shape == (1, batch_size, num_hiddens)

    num_steps = 35
    X = nd.random.uniform(shape=(num_steps, batch_size, vocab_size))
    Y, state_new = rnn_layer(X, state)
    assert (Y.shape, len(state_new), state_new[0].shape) == (
        (num_steps, batch_size, num_hiddens), 1, (1, batch_size, num_hiddens))

    class RNNModel(nn.Block):
        def __init__(self, rnn_layer, vocab_size, **kwargs):
            super(RNNModel, self).__init__(**kwargs)
            self.rnn = rnn_layer
            self.vocab_size = vocab_size
            self.dense = nn.Dense(vocab_size)

        def forward(self, inputs, state):
            # Get the one-hot vector representation by transposing the input to
            # (num_steps, batch_size)
            X = nd.one_hot(inputs.T, self.vocab_size)
            Y, state = self.rnn(X, state)
            # The fully connected layer will first change the shape of Y to
            # (num_steps * batch_size, num_hiddens)
            # Its output shape is (num_steps * batch_size, vocab_size)
            output = self.dense(Y.reshape((-1, Y.shape[-1])))
            return output, state

        def begin_state(self, *args, **kwargs):
            return self.rnn.begin_state(*args, **kwargs)

    ctx = d2l.try_gpu()
    model = RNNModel(rnn_layer, vocab_size)
    model.initialize(force_reinit=True, ctx=ctx)
    out = d2l.predict_rnn_gluon('traveller', 10, model, vocab_size, ctx, idx_to_char,
                                char_to_idx)
    assert out.startswith('traveller') and len(out) == 19

    num_epochs, batch_size, lr, clipping_theta = 40, 8, 1e2, 1e-2
    pred_period, pred_len, prefixes = 10, 20, ['traveller', 'time traveller']
    d2l.train_and_predict_rnn_gluon(model, num_hiddens, vocab_size, ctx,
                                    corpus_indices, idx_to_char, char_to_idx,
                                    num_epochs, num_steps, lr, clipping_theta,
                                    batch_size, pred_period, pred_len, prefixes)
    ppl, _ = _perplexities(capsys)
    assert ppl[-1] < 0.6 * ppl[0], ppl


def test_gru_and_lstm_from_scratch_and_concise(capsys):
    nd.random.seed(0)
    d2l.random.seed(0)
    (corpus_indices, char_to_idx, idx_to_char,
     vocab_size) = d2l.load_data_time_machine(num_chars=1000)
    num_inputs, num_hiddens, num_outputs = vocab_size, 32, vocab_size
    ctx = d2l.try_gpu()

    def _one(shape):
        return nd.random.normal(scale=0.01, shape=shape, ctx=ctx)

    def _three():
        return (_one((num_inputs, num_hiddens)),
                _one((num_hiddens, num_hiddens)),
                nd.zeros(num_hiddens, ctx=ctx))

    def get_gru_params():
        W_xz, W_hz, b_z = _three()  # Update gate parameter
        W_xr, W_hr, b_r = _three()  # Reset gate parameter
        W_xh, W_hh, b_h = _three()  # Candidate hidden state parameter
        # Output layer parameters
        W_hq = _one((num_hiddens, num_outputs))
        b_q = nd.zeros(num_outputs, ctx=ctx)
        # Create gradient
        params = [W_xz, W_hz, b_z, W_xr, W_hr, b_r, W_xh, W_hh, b_h, W_hq, b_q]
        for param in params:
            param.attach_grad()
        return params

    def init_gru_state(batch_size, num_hiddens, ctx):
        return (nd.zeros(shape=(batch_size, num_hiddens), ctx=ctx), )

    def gru(inputs, state, params):
        W_xz, W_hz, b_z, W_xr, W_hr, b_r, W_xh, W_hh, b_h, W_hq, b_q = params
        H, = state
        outputs = []
        for X in inputs:
            Z = nd.sigmoid(nd.dot(X, W_xz) + nd.dot(H, W_hz) + b_z)
            R = nd.sigmoid(nd.dot(X, W_xr) + nd.dot(H, W_hr) + b_r)
            H_tilda = nd.tanh(nd.dot(X, W_xh) + nd.dot(R * H, W_hh) + b_h)
            H = Z * H + (1 - Z) * H_tilda
            Y = nd.dot(H, W_hq) + b_q
            outputs.append(Y)
        return outputs, (H,)

    def get_lstm_params():
        W_xi, W_hi, b_i = _three()  # Input gate parameters
        W_xf, W_hf, b_f = _three()  # Forget gate parameters
        W_xo, W_ho, b_o = _three()  # Output gate parameters
        W_xc, W_hc, b_c = _three()  # Candidate cell parameters
        # Output layer parameters
        W_hq = _one((num_hiddens, num_outputs))
        b_q = nd.zeros(num_outputs, ctx=ctx)
        # Create gradient
        params = [W_xi, W_hi, b_i, W_xf, W_hf, b_f, W_xo, W_ho, b_o, W_xc, W_hc,
                  b_c, W_hq, b_q]
        for param in params:
            param.attach_grad()
        return params

    def init_lstm_state(batch_size, num_hiddens, ctx):
        return (nd.zeros(shape=(batch_size, num_hiddens), ctx=ctx),
                nd.zeros(shape=(batch_size, num_hiddens), ctx=ctx))

    def lstm(inputs, state, params):
        [W_xi, W_hi, b_i, W_xf, W_hf, b_f, W_xo, W_ho, b_o, W_xc, W_hc, b_c,
         W_hq, b_q] = params
        (H, C) = state
        outputs = []
        for X in inputs:
            I = nd.sigmoid(nd.dot(X, W_xi) + nd.dot(H, W_hi) + b_i)
            F = nd.sigmoid(nd.dot(X, W_xf) + nd.dot(H, W_hf) + b_f)
            O = nd.sigmoid(nd.dot(X, W_xo) + nd.dot(H, W_ho) + b_o)
            C_tilda = nd.tanh(nd.dot(X, W_xc) + nd.dot(H, W_hc) + b_c)
            C = F * C + I * C_tilda
            H = O * C.tanh()
            Y = nd.dot(H, W_hq) + b_q
            outputs.append(Y)
        return outputs, (H, C)

    num_epochs, num_steps, batch_size, lr, clipping_theta = 30, 35, 8, 1e2, 1e-2
    pred_period, pred_len, prefixes = 10, 20, ['traveller', 'time traveller']
    for cell, get_params, init_state, layer in ((gru, get_gru_params, init_gru_state, rnn.GRU),
                                                (lstm, get_lstm_params, init_lstm_state, rnn.LSTM)):
        d2l.train_and_predict_rnn(cell, get_params, init_state, num_hiddens,
                                  vocab_size, ctx, corpus_indices, idx_to_char,
                                  char_to_idx, False, num_epochs, num_steps, lr,
                                  clipping_theta, batch_size, pred_period, pred_len,
                                  prefixes)
        ppl, _ = _perplexities(capsys)
        assert ppl[-1] < 0.8 * ppl[0], (cell.__name__, ppl)

        gru_layer = layer(num_hiddens)
        model = d2l.RNNModel(gru_layer, vocab_size)
        model.initialize(init.Xavier(), ctx=ctx)
        d2l.train_and_predict_rnn_gluon(model, num_hiddens, vocab_size, ctx,
                                        corpus_indices, idx_to_char, char_to_idx,
                                        num_epochs, num_steps, lr, clipping_theta,
                                        batch_size, pred_period, pred_len, prefixes)
        ppl, _ = _perplexities(capsys)
        assert ppl[-1] < 0.8 * ppl[0], (layer.__name__, ppl)


def test_deep_and_bidirectional_layers_through_rnn_model(capsys):
    # deep-rnn.md and bi-rnn.md: the same RNNModel over rnn.LSTM(num_layers=2) and a bidirectional GRU
    nd.random.seed(0)
    d2l.random.seed(0)
    (corpus_indices, char_to_idx, idx_to_char,
     vocab_size) = d2l.load_data_time_machine(num_chars=600)
    ctx = d2l.try_gpu()
    for layer, expect in ((rnn.LSTM(32, num_layers=2), (2, 3, 32)),
                          (rnn.GRU(16, num_layers=2, bidirectional=True), (4, 3, 16))):
        state = layer.begin_state(batch_size=3)
        assert all(s.shape == expect for s in state)
        model = d2l.RNNModel(layer, vocab_size)
        model.initialize(init.Xavier(), ctx=ctx)
        d2l.train_and_predict_rnn_gluon(model, 32, vocab_size, ctx, corpus_indices, idx_to_char, char_to_idx,
                                        10, 35, 1e2, 1e-2, 4, 5, 10, ['traveller'])
        ppl, _ = _perplexities(capsys)
        assert ppl[-1] < ppl[0], ppl
