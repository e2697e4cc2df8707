"""Dive into Deep Learning's MXNet 1.x `nd` edition of its sequence chapters (d2l-ai/d2l-en at e2174f95,
2019-07-01): recurrent-neural-networks/seq2seq.md (LSTM encoder-decoder, nd.SequenceMask, the masked
softmax cross-entropy loss), attention-mechanism/attention.md (masked_softmax, nd.batch_dot, dot-product
and MLP attention), seq2seq-attention.md and transformer.md (multi-head attention by reshape(..,
reverse=True)/transpose, position-wise FFN, LayerNorm, positional encoding, encoder and decoder blocks), run
as written but for the imports, with the book's printed values checked, and trained on the v0.6.0 book's
small English-French set for fewer epochs than the book's."""
import math

import numpy as np

from frameworks.hybrid import autograd, gluon, init, nd
from frameworks.hybrid.gluon import nn, rnn
from tests.frameworks.hybrid import _d2l010 as d2l


def _trained(capsys):
    """train_s2s_ch8's recorded losses fell, and its final line printed."""
    losses = [y for _, y in d2l.Animator.points]
    out = capsys.readouterr().out
    assert 'tokens/sec on cpu(0)' in out and losses and all(np.isfinite(losses)), out
    assert losses[-1] < 0.5 * losses[0], losses
    return losses


def _translations(model, src_vocab, tgt_vocab, num_steps, ctx):
    for sentence in ['Go .', 'Wow !', "I'm OK .", 'I won !']:
        out = d2l.predict_s2s_ch8(model, sentence, src_vocab, tgt_vocab, num_steps, ctx)
        print(sentence + ' => ' + out)
        assert len(out.split(' ')) <= num_steps


def test_attention_chapter():
    nd.random.seed(0)

    def masked_softmax(X, valid_length):
        # X: 3-D tensor, valid_length: 1-D or 2-D tensor
        if valid_length is None:
            return X.softmax()
        else:
            shape = X.shape
            if valid_length.ndim == 1:
                valid_length = valid_length.repeat(shape[1], axis=0)
            else:
                valid_length = valid_length.reshape((-1,))
            # fill masked elements with a large negative, whose exp is 0
            X = nd.SequenceMask(X.reshape((-1, shape[-1])), valid_length, True,
                                axis=1, value=-1e6)
            return X.softmax().reshape(shape)

    p = masked_softmax(nd.random.uniform(shape=(2, 2, 4)), nd.array([2, 3])).asnumpy()
    assert (p[0, :, 2:] == 0).all() and (p[1, :, 3:] == 0).all()
    np.testing.assert_allclose(p.sum(axis=-1), np.ones((2, 2)), rtol=1e-6)

    assert nd.batch_dot(nd.ones((2, 1, 3)), nd.ones((2, 3, 2))).asnumpy().tolist() == [[[3, 3]], [[3, 3]]]

    class DotProductAttention(nn.Block):
        def __init__(self, dropout, **kwargs):
            super(DotProductAttention, self).__init__(**kwargs)
            self.dropout = nn.Dropout(dropout)

        # query: (batch_size, #queries, d)
        # key: (batch_size, #kv_pairs, d)
        # value: (batch_size, #kv_pairs, dim_v)
        # valid_length: either (batch_size, ) or (batch_size, xx)
        def forward(self, query, key, value, valid_length=None):
            d = query.shape[-1]
            # set transpose_b=True to swap the last two dimensions of key
            scores = nd.batch_dot(query, key, transpose_b=True) / math.sqrt(d)
            attention_weights = self.dropout(masked_softmax(scores, valid_length))
            return nd.batch_dot(attention_weights, value)

    atten = DotProductAttention(dropout=0.5)
    atten.initialize()
    keys = nd.ones((2, 10, 2))
    values = nd.arange(40).reshape((1, 10, 4)).repeat(2, axis=0)
    out = atten(nd.ones((2, 1, 2)), keys, values, nd.array([2, 6]))
    np.testing.assert_allclose(out.asnumpy(), [[[2, 3, 4, 5]], [[10, 11, 12, 13]]], rtol=1e-6)

    class MLPAttention(nn.Block):
        def __init__(self, units, dropout, **kwargs):
            super(MLPAttention, self).__init__(**kwargs)
            # Use flatten=True to keep query's and key's 3-D shapes.
            self.W_k = nn.Dense(units, activation='tanh',
                                use_bias=False, flatten=False)
            self.W_q = nn.Dense(units, activation='tanh',
                                use_bias=False, flatten=False)
            self.v = nn.Dense(1, use_bias=False, flatten=False)
            self.dropout = nn.Dropout(dropout)

        def forward(self, query, key, value, valid_length):
            query, key = self.W_k(query), self.W_q(key)
            # expand query to (batch_size, #querys, 1, units), and key to
            # (batch_size, 1, #kv_pairs, units). Then plus them with broadcast.
            features = query.expand_dims(axis=2) + key.expand_dims(axis=1)
            scores = self.v(features).squeeze(axis=-1)
            attention_weights = self.dropout(masked_softmax(scores, valid_length))
            return nd.batch_dot(attention_weights, value)

    atten = MLPAttention(units=8, dropout=0.1)
    atten.initialize()
    out = atten(nd.ones((2, 1, 2)), keys, values, nd.array([2, 6]))
    np.testing.assert_allclose(out.asnumpy(), [[[2, 3, 4, 5]], [[10, 11, 12, 13]]], rtol=1e-5)


def test_seq2seq_chapter(capsys):
    nd.random.seed(0)

    class Seq2SeqEncoder(d2l.Encoder):
        def __init__(self, vocab_size, embed_size, num_hiddens, num_layers,
                     dropout=0, **kwargs):
            super(Seq2SeqEncoder, self).__init__(**kwargs)
            self.embedding = nn.Embedding(vocab_size, embed_size)
            self.rnn = rnn.LSTM(num_hiddens, num_layers, dropout=dropout)

        def forward(self, X, *args):
            X = self.embedding(X)  # X shape: (batch_size, seq_len, embed_size)
            X = X.swapaxes(0, 1)  # RNN needs first axes to be time
            state = self.rnn.begin_state(batch_size=X.shape[1], ctx=X.context)
            out, state = self.rnn(X, state)
            # The shape of out is (seq_len, batch_size, num_hiddens).
            # state contains the hidden state and the memory cell
            # of the last time step, the shape is (num_layers, batch_size, num_hiddens)
            return out, state

    encoder = Seq2SeqEncoder(vocab_size=10, embed_size=8,
                             num_hiddens=16, num_layers=2)
    encoder.initialize()
    X = nd.zeros((4, 7))
    output, state = encoder(X)
    assert (output.shape, len(state), state[0].shape, state[1].shape) == ((7, 4, 16), 2, (2, 4, 16), (2, 4, 16))

    class Seq2SeqDecoder(d2l.Decoder):
        def __init__(self, vocab_size, embed_size, num_hiddens, num_layers,
                     dropout=0, **kwargs):
            super(Seq2SeqDecoder, self).__init__(**kwargs)
            self.embedding = nn.Embedding(vocab_size, embed_size)
            self.rnn = rnn.LSTM(num_hiddens, num_layers, dropout=dropout)
            self.dense = nn.Dense(vocab_size, flatten=False)

        def init_state(self, enc_outputs, *args):
            return enc_outputs[1]

        def forward(self, X, state):
            X = self.embedding(X).swapaxes(0, 1)
            out, state = self.rnn(X, state)
            # Make the batch to be the first dimension to simplify loss computation.
            out = self.dense(out).swapaxes(0, 1)
            return out, state

    decoder = Seq2SeqDecoder(vocab_size=10, embed_size=8,
                             num_hiddens=16, num_layers=2)
    decoder.initialize()
    state = decoder.init_state(encoder(X))
    out, state = decoder(X, state)
    assert (out.shape, len(state), state[0].shape, state[1].shape) == ((4, 7, 10), 2, (2, 4, 16), (2, 4, 16))

    X = nd.array([[1, 2, 3], [4, 5, 6]])
    assert nd.SequenceMask(X, nd.array([1, 2]), True, axis=1).asnumpy().tolist() == [[1, 0, 0], [4, 5, 0]]
    X = nd.ones((2, 3, 4))
    masked = nd.SequenceMask(X, nd.array([1, 2]), True, value=-1, axis=1).asnumpy()
    assert (masked[0, 1:] == -1).all() and (masked[1, 2:] == -1).all() and (masked[1, :2] == 1).all()

    class MaskedSoftmaxCELoss(gluon.loss.SoftmaxCELoss):
        # pred shape: (batch_size, seq_len, vocab_size)
        # label shape: (batch_size, seq_len)
        # valid_length shape: (batch_size, )
        def forward(self, pred, label, valid_length):
            # the sample weights shape should be (batch_size, seq_len, 1)
            weights = nd.ones_like(label).expand_dims(axis=-1)
            weights = nd.SequenceMask(weights, valid_length, True, axis=1)
            return super(MaskedSoftmaxCELoss, self).forward(pred, label, weights)

    loss = MaskedSoftmaxCELoss()
    np.testing.assert_allclose(loss(nd.ones((3, 4, 10)), nd.ones((3, 4)), nd.array([4, 2, 0])).asnumpy(),
                               [2.3025851, 1.1512926, 0], rtol=1e-6)

    embed_size, num_hiddens, num_layers, dropout = 32, 32, 2, 0.0
    batch_size, num_steps = 64, 10
    lr, num_epochs, ctx = 0.005, 60, d2l.try_gpu()

    src_vocab, tgt_vocab, train_iter = d2l.load_data_nmt(batch_size, num_steps)
    encoder = Seq2SeqEncoder(
        len(src_vocab), embed_size, num_hiddens, num_layers, dropout)
    decoder = Seq2SeqDecoder(
        len(tgt_vocab), embed_size, num_hiddens, num_layers, dropout)
    model = d2l.EncoderDecoder(encoder, decoder)
    d2l.train_s2s_ch8(model, train_iter, lr, num_epochs, ctx)
    _trained(capsys)
    _translations(model, src_vocab, tgt_vocab, num_steps, ctx)


def test_seq2seq_with_attention(capsys):
    nd.random.seed(0)

    class Seq2SeqAttentionDecoder(d2l.Decoder):
        def __init__(self, vocab_size, embed_size, num_hiddens, num_layers,
                     dropout=0, **kwargs):
            super(Seq2SeqAttentionDecoder, self).__init__(**kwargs)
            self.attention_cell = d2l.MLPAttention(num_hiddens, dropout)
            self.embedding = nn.Embedding(vocab_size, embed_size)
            self.rnn = rnn.LSTM(num_hiddens, num_layers, dropout=dropout)
            self.dense = nn.Dense(vocab_size, flatten=False)

        def init_state(self, enc_outputs, enc_valid_len, *args):
            outputs, hidden_state = enc_outputs
            # Transpose outputs to (batch_size, seq_len, hidden_size)
            return (outputs.swapaxes(0, 1), hidden_state, enc_valid_len)

        def forward(self, X, state):
            enc_outputs, hidden_state, enc_valid_len = state
            X = self.embedding(X).swapaxes(0, 1)
            outputs = []
            for x in X:
                # query shape: (batch_size, 1, hidden_size)
                query = hidden_state[0][-1].expand_dims(axis=1)
                # context has same shape as query
                context = self.attention_cell(
                    query, enc_outputs, enc_outputs, enc_valid_len)
                # concatenate on the feature dimension
                x = nd.concat(context, x.expand_dims(axis=1), dim=-1)
                # reshape x to (1, batch_size, embed_size+hidden_size)
                out, hidden_state = self.rnn(x.swapaxes(0, 1), hidden_state)
                outputs.append(out)
            outputs = self.dense(nd.concat(*outputs, dim=0))
            return outputs.swapaxes(0, 1), [enc_outputs, hidden_state,
                                            enc_valid_len]

    encoder = d2l.Seq2SeqEncoder(vocab_size=10, embed_size=8,
                                 num_hiddens=16, num_layers=2)
    encoder.initialize()
    decoder = Seq2SeqAttentionDecoder(vocab_size=10, embed_size=8,
                                      num_hiddens=16, num_layers=2)
    decoder.initialize()
    X = nd.zeros((4, 7))
    state = decoder.init_state(encoder(X), None)
    out, state = decoder(X, state)
    assert (out.shape, len(state), state[0].shape, len(state[1]), state[1][0].shape) == (
        (4, 7, 10), 3, (4, 7, 16), 2, (2, 4, 16))

    embed_size, num_hiddens, num_layers, dropout = 32, 32, 2, 0.0
    batch_size, num_steps = 64, 10
    lr, num_epochs, ctx = 0.005, 40, d2l.try_gpu()

    src_vocab, tgt_vocab, train_iter = d2l.load_data_nmt(batch_size, num_steps)
    encoder = d2l.Seq2SeqEncoder(
        len(src_vocab), embed_size, num_hiddens, num_layers, dropout)
    decoder = Seq2SeqAttentionDecoder(
        len(tgt_vocab), embed_size, num_hiddens, num_layers, dropout)
    model = d2l.EncoderDecoder(encoder, decoder)
    d2l.train_s2s_ch8(model, train_iter, lr, num_epochs, ctx)
    _trained(capsys)
    _translations(model, src_vocab, tgt_vocab, num_steps, ctx)


def test_transformer(capsys):
    nd.random.seed(0)

    class MultiHeadAttention(nn.Block):
        def __init__(self, units, num_heads, dropout, **kwargs):  # units = d_o
            super(MultiHeadAttention, self).__init__(**kwargs)
            assert units % num_heads == 0
            self.num_heads = num_heads
            self.attention = d2l.DotProductAttention(dropout)
            self.W_q = nn.Dense(units, use_bias=False, flatten=False)
            self.W_k = nn.Dense(units, use_bias=False, flatten=False)
            self.W_v = nn.Dense(units, use_bias=False, flatten=False)

        # query, key, and value shape: (batch_size, num_items, dim)
        # valid_length shape is either (bathc_size, ) or (batch_size, num_items)
        def forward(self, query, key, value, valid_length):
            # Project and transpose from (batch_size, num_items, units) to
            # (batch_size * num_heads, num_items, p), where units = p * num_heads.
            query, key, value = [transpose_qkv(X, self.num_heads) for X in (
                self.W_q(query), self.W_k(key), self.W_v(value))]
            if valid_length is not None:
                # Copy valid_length by num_heads times
                if valid_length.ndim == 1:
                    valid_length = valid_length.tile(self.num_heads)
                else:
                    valid_length = valid_length.tile((self.num_heads, 1))
            output = self.attention(query, key, value, valid_length)
            # Transpose from (batch_size * num_heads, num_items, p) back to
            # (batch_size, num_items, units)
            return transpose_output(output, self.num_heads)

    def transpose_qkv(X, num_heads):
        # Shape after reshape: (batch_size, num_items, num_heads, p)
        # 0 means copying the shape element, -1 means inferring its value
        X = X.reshape((0, 0, num_heads, -1))
        # Swap the num_items and the num_heads dimensions
        X = X.transpose((0, 2, 1, 3))
        # Merge the first two dimensions. Use reverse=True to infer
        # shape from right to left
        return X.reshape((-1, 0, 0), reverse=True)

    def transpose_output(X, num_heads):
        # A reversed version of transpose_qkv
        X = X.reshape((-1, num_heads, 0, 0), reverse=True)
        X = X.transpose((0, 2, 1, 3))
        return X.reshape((0, 0, -1))

    X = nd.arange(2 * 3 * 8).reshape((2, 3, 8))
    heads = transpose_qkv(X, 4)
    assert heads.shape == (8, 3, 2)
    np.testing.assert_array_equal(heads[1].asnumpy(), X[0, :, 2:4].asnumpy())   # batch 0, head 1
    np.testing.assert_array_equal(transpose_output(heads, 4).asnumpy(), X.asnumpy())

    cell = MultiHeadAttention(100, 10, 0.5)
    cell.initialize()
    X = nd.ones((2, 4, 5))
    valid_length = nd.array([2, 3])
    assert cell(X, X, X, valid_length).shape == (2, 4, 100)

    class PositionWiseFFN(nn.Block):
        def __init__(self, units, hidden_size, **kwargs):
            super(PositionWiseFFN, self).__init__(**kwargs)
            self.ffn_1 = nn.Dense(hidden_size, flatten=False, activation='relu')
            self.ffn_2 = nn.Dense(units, flatten=False)

        def forward(self, X):
            return self.ffn_2(self.ffn_1(X))

    ffn = PositionWiseFFN(4, 8)
    ffn.initialize()
    assert ffn(nd.ones((2, 3, 4)))[0].shape == (3, 4)

    layer = nn.LayerNorm()
    layer.initialize()
    batch = nn.BatchNorm()
    batch.initialize()
    X = nd.array([[1, 2], [2, 3]])
    # compute mean and variance from X in the training mode.
    with autograd.record():
        print('layer norm:', layer(X), '\nbatch norm:', batch(X))
        ln, bn = layer(X).asnumpy(), batch(X).asnumpy()
    np.testing.assert_allclose(ln, [[-1, 1], [-1, 1]], atol=1e-4)
    np.testing.assert_allclose(bn, [[-1, -1], [1, 1]], atol=1e-4)

    class AddNorm(nn.Block):
        def __init__(self, dropout, **kwargs):
            super(AddNorm, self).__init__(**kwargs)
            self.dropout = nn.Dropout(dropout)
            self.norm = nn.LayerNorm()

        def forward(self, X, Y):
            return self.norm(self.dropout(Y) + X)

    add_norm = AddNorm(0.5)
    add_norm.initialize()
    assert add_norm(nd.ones((2, 3, 4)), nd.ones((2, 3, 4))).shape == (2, 3, 4)

    class PositionalEncoding(nn.Block):
        def __init__(self, units, dropout, max_len=1000):
            super(PositionalEncoding, self).__init__()
            self.dropout = nn.Dropout(dropout)
            # Create a long enough P
            self.P = nd.zeros((1, max_len, units))
            X = nd.arange(0, max_len).reshape((-1, 1)) / nd.power(
                10000, nd.arange(0, units, 2)/units)
            self.P[:, :, 0::2] = nd.sin(X)
            self.P[:, :, 1::2] = nd.cos(X)

        def forward(self, X):
            X = X + self.P[:, :X.shape[1], :].as_in_context(X.context)
            return self.dropout(X)

    pe = PositionalEncoding(20, 0)
    pe.initialize()
    Y = pe(nd.zeros((1, 100, 20)))
    pos = np.arange(100)
    np.testing.assert_allclose(Y[0, :, 4].asnumpy(), np.sin(pos / 10000 ** (4 / 20)), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(Y[0, :, 5].asnumpy(), np.cos(pos / 10000 ** (4 / 20)), rtol=1e-4, atol=1e-5)

    class EncoderBlock(nn.Block):
        def __init__(self, units, hidden_size, num_heads, dropout, **kwargs):
            super(EncoderBlock, self).__init__(**kwargs)
            self.attention = MultiHeadAttention(units, num_heads, dropout)
            self.add_1 = AddNorm(dropout)
            self.ffn = PositionWiseFFN(units, hidden_size)
            self.add_2 = AddNorm(dropout)

        def forward(self, X, valid_length):
            Y = self.add_1(X, self.attention(X, X, X, valid_length))
            return self.add_2(Y, self.ffn(Y))

    encoder_blk = EncoderBlock(24, 48, 8, 0.5)
    encoder_blk.initialize()
    assert encoder_blk(nd.ones((2, 100, 24)), valid_length).shape == (2, 100, 24)

    class TransformerEncoder(d2l.Encoder):
        def __init__(self, vocab_size, units, hidden_size,
                     num_heads, num_layers, dropout, **kwargs):
            super(TransformerEncoder, self).__init__(**kwargs)
            self.units = units
            self.embed = nn.Embedding(vocab_size, units)
            self.pos_encoding = PositionalEncoding(units, dropout)
            self.blks = nn.Sequential()
            for i in range(num_layers):
                self.blks.add(
                    EncoderBlock(units, hidden_size, num_heads, dropout))

        def forward(self, X, valid_length, *args):
            X = self.pos_encoding(self.embed(X) * math.sqrt(self.units))
            for blk in self.blks:
                X = blk(X, valid_length)
            return X

    encoder = TransformerEncoder(200, 24, 48, 8, 2, 0.5)
    encoder.initialize()
    assert encoder(nd.ones((2, 100)), valid_length).shape == (2, 100, 24)

    class DecoderBlock(nn.Block):
        # i means it's the i-th block in the decoder
        def __init__(self, units, hidden_size, num_heads, dropout, i, **kwargs):
            super(DecoderBlock, self).__init__(**kwargs)
            self.i = i
            self.attention_1 = MultiHeadAttention(units, num_heads, dropout)
            self.add_1 = AddNorm(dropout)
            self.attention_2 = MultiHeadAttention(units, num_heads, dropout)
            self.add_2 = AddNorm(dropout)
            self.ffn = PositionWiseFFN(units, hidden_size)
            self.add_3 = AddNorm(dropout)

        def forward(self, X, state):
            enc_outputs, enc_valid_lengh = state[0], state[1]
            # state[2][i] contains the past queries for this block
            if state[2][self.i] is None:
                key_values = X
            else:
                key_values = nd.concat(state[2][self.i], X, dim=1)
            state[2][self.i] = key_values
            if autograd.is_training():
                batch_size, seq_len, _ = X.shape
                # shape: (batch_size, seq_len), the values in the j-th column
                # are j+1
                valid_length = nd.arange(
                    1, seq_len+1, ctx=X.context).tile((batch_size, 1))
            else:
                valid_length = None

            X2 = self.attention_1(X, key_values, key_values, valid_length)
            Y = self.add_1(X, X2)
            Y2 = self.attention_2(Y, enc_outputs, enc_outputs, enc_valid_lengh)
            Z = self.add_2(Y, Y2)
            return self.add_3(Z, self.ffn(Z)), state

    decoder_blk = DecoderBlock(24, 48, 8, 0.5, 0)
    decoder_blk.initialize()
    X = nd.ones((2, 100, 24))
    state = [encoder_blk(X, valid_length), valid_length, [None]]
    assert decoder_blk(X, state)[0].shape == (2, 100, 24)

    class TransformerDecoder(d2l.Decoder):
        def __init__(self, vocab_size, units, hidden_size,
                     num_heads, num_layers, dropout, **kwargs):
            super(TransformerDecoder, self).__init__(**kwargs)
            self.units = units
            self.num_layers = num_layers
            self.embed = nn.Embedding(vocab_size, units)
            self.pos_encoding = PositionalEncoding(units, dropout)
            self.blks = nn.Sequential()
            for i in range(num_layers):
                self.blks.add(
                    DecoderBlock(units, hidden_size, num_heads, dropout, i))
            self.dense = nn.Dense(vocab_size, flatten=False)

        def init_state(self, enc_outputs, env_valid_lengh, *args):
            return [enc_outputs, env_valid_lengh, [None]*self.num_layers]

        def forward(self, X, state):
            X = self.pos_encoding(self.embed(X) * math.sqrt(self.units))
            for blk in self.blks:
                X, state = blk(X, state)
            return self.dense(X), state

    embed_size, units, num_layers, dropout = 32, 32, 2, 0.0
    batch_size, num_steps = 64, 10
    lr, num_epochs, ctx = 0.005, 30, d2l.try_gpu()
    num_hiddens, num_heads = 64, 4

    src_vocab, tgt_vocab, train_iter = d2l.load_data_nmt(batch_size, num_steps)
    assert len(src_vocab) < len(tgt_vocab)   # the book's decoder, sized by src_vocab, sees ids past its end
    encoder = TransformerEncoder(
        len(src_vocab), units, num_hiddens, num_heads, num_layers, dropout)
    decoder = TransformerDecoder(
        len(src_vocab), units, num_hiddens, num_heads, num_layers, dropout)
    model = d2l.EncoderDecoder(encoder, decoder)
    d2l.train_s2s_ch8(model, train_iter, lr, num_epochs, ctx)
    _trained(capsys)
    _translations(model, src_vocab, tgt_vocab, num_steps, ctx)


def test_ndarray_reshape_reverse_and_embedding_clipping_as_mxnet():
    import pytest
    x = nd.ones((20, 10, 4))
    assert x.reshape((-1, 10, 0, 0), reverse=True).shape == (2, 10, 10, 4)   # codes read from the right
    assert x.reshape(shape=(0, -1)).shape == (20, 40)
    with pytest.raises(TypeError, match="Got unknown keywords in reshape: order"):
        x.reshape((20, 40), order='C')
    # MXNet's Embedding clips ids into range, forward and backward (its Take / AddTakeGrad kernels)
    emb = nn.Embedding(4, 3)
    emb.initialize()
    ids = nd.array([[-3, 2, 7]])
    with autograd.record():
        y = emb(ids)
    y.backward()
    w = emb.weight.data().asnumpy()
    np.testing.assert_array_equal(y.asnumpy()[0], w[[0, 2, 3]])
    np.testing.assert_array_equal(emb.weight.grad().asnumpy().sum(axis=1), [3, 0, 3, 3])
    emb.hybridize()
    np.testing.assert_array_equal(emb(ids).asnumpy()[0], w[[0, 2, 3]])
