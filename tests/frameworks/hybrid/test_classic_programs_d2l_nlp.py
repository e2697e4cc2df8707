"""Dive into Deep Learning, MXNet 1.x edition (d2l-ai/d2l-en v0.6.0), chapter "Natural Language
Processing": machine-translation.md (a GRU encoder-decoder with attention over mx.contrib.text's
Vocabulary, teacher forcing with a padding mask, BLEU), run as written but for the imports, on the book's
own 20-line data file (data/fr-en-small.txt, inlined) and 30 epochs where the book trains 50."""
import collections
import io
import math

from frameworks.hybrid import autograd, gluon, init, nd
from frameworks.hybrid.contrib import text
from frameworks.hybrid.gluon import data as gdata, loss as gloss, nn, rnn
from tests.frameworks.hybrid._d2l010 import _FR_EN

# the v0.6.0 book's data/fr-en-small.txt (French, a tab, English), kept once beside the nd edition's helpers
FR_EN_SMALL = _FR_EN


def test_machine_translation_with_attention(tmp_path, monkeypatch, capsys):
    (tmp_path / 'data').mkdir()
    (tmp_path / 'data' / 'fr-en-small.txt').write_text(FR_EN_SMALL)
    (tmp_path / 'run').mkdir()
    monkeypatch.chdir(tmp_path / 'run')   # the book reads '../data/fr-en-small.txt'
    nd.random.seed(0)

    PAD, BOS, EOS = '<pad>', '<bos>', '<eos>'

    # Record all tokens in the sequence all_tokens in order to construct the
    # dictionary later. Then, add PAD after the sequence until the length becomes
    # max_seq_len. Then, save the sequence in all_seqs
    def process_one_seq(seq_tokens, all_tokens, all_seqs, max_seq_len):
        all_tokens.extend(seq_tokens)
        seq_tokens += [EOS] + [PAD] * (max_seq_len - len(seq_tokens) - 1)
        all_seqs.append(seq_tokens)

    # Use all the tokens to construct a dictionary. Construct an NDArray instance
    # after transforming all the tokens in all the sequences into a token index
    def build_data(all_tokens, all_seqs):
        vocab = text.vocab.Vocabulary(collections.Counter(all_tokens),
                                      reserved_tokens=[PAD, BOS, EOS])
        indices = [vocab.to_indices(seq) for seq in all_seqs]
        return vocab, nd.array(indices)

    def read_data(max_seq_len):
        # in and out are the abbreviations of input and output, respectively
        in_tokens, out_tokens, in_seqs, out_seqs = [], [], [], []
        with io.open('../data/fr-en-small.txt') as f:
            lines = f.readlines()
        for line in lines:
            in_seq, out_seq = line.rstrip().split('\t')
            in_seq_tokens, out_seq_tokens = in_seq.split(' '), out_seq.split(' ')
            if max(len(in_seq_tokens), len(out_seq_tokens)) > max_seq_len - 1:
                continue  # If a sequence is longer than max_seq_len after adding EOS, this example will be ignored
            process_one_seq(in_seq_tokens, in_tokens, in_seqs, max_seq_len)
            process_one_seq(out_seq_tokens, out_tokens, out_seqs, max_seq_len)
        in_vocab, in_data = build_data(in_tokens, in_seqs)
        out_vocab, out_data = build_data(out_tokens, out_seqs)
        return in_vocab, out_vocab, gdata.ArrayDataset(in_data, out_data)

    max_seq_len = 7
    in_vocab, out_vocab, dataset = read_data(max_seq_len)
    x0, y0 = dataset[0]
    assert in_vocab.to_tokens([int(i) for i in x0.asnumpy()]) == ['elle', 'est', 'vieille', '.', EOS, PAD, PAD]
    assert out_vocab.idx_to_token[:4] == ['<unk>', PAD, BOS, EOS] and len(dataset) == 20

    class Encoder(nn.Block):
        def __init__(self, vocab_size, embed_size, num_hiddens, num_layers,
                     drop_prob=0, **kwargs):
            super(Encoder, self).__init__(**kwargs)
            self.embedding = nn.Embedding(vocab_size, embed_size)
            self.rnn = rnn.GRU(num_hiddens, num_layers, dropout=drop_prob)

        def forward(self, inputs, state):
            # The input shape is (batch size, number of time steps). Change the
            # example dimension and time step dimension of the output
            embedding = self.embedding(inputs).swapaxes(0, 1)
            return self.rnn(embedding, state)

        def begin_state(self, *args, **kwargs):
            return self.rnn.begin_state(*args, **kwargs)

    encoder = Encoder(vocab_size=10, embed_size=8, num_hiddens=16, num_layers=2)
    encoder.initialize()
    output, state = encoder(nd.zeros((4, 7)), encoder.begin_state(batch_size=4))
    assert (output.shape, state[0].shape) == ((7, 4, 16), (2, 4, 16))

    dense = nn.Dense(2, flatten=False)
    dense.initialize()
    assert dense(nd.zeros((3, 5, 7))).shape == (3, 5, 2)

    def attention_model(attention_size):
        model = nn.Sequential()
        model.add(nn.Dense(attention_size, activation='tanh', use_bias=False,
                           flatten=False),
                  nn.Dense(1, use_bias=False, flatten=False))
        return model

    def attention_forward(model, enc_states, dec_state):
        # Broadcast the decoder hidden state to the same shape as the encoder
        # hidden state and then perform concatenation
        dec_states = nd.broadcast_axis(
            dec_state.expand_dims(0), axis=0, size=enc_states.shape[0])
        enc_and_dec_states = nd.concat(enc_states, dec_states, dim=2)
        e = model(enc_and_dec_states)  # Shape: (number of time steps, batch size, 1)
        alpha = nd.softmax(e, axis=0)  # Perform the softmax operation on the time step dimension
        return (alpha * enc_states).sum(axis=0)  # This returns the context variable

    seq_len, batch_size, num_hiddens = 10, 4, 8
    model = attention_model(10)
    model.initialize()
    enc_states = nd.zeros((seq_len, batch_size, num_hiddens))
    dec_state = nd.zeros((batch_size, num_hiddens))
    assert attention_forward(model, enc_states, dec_state).shape == (4, 8)

    class Decoder(nn.Block):
        def __init__(self, vocab_size, embed_size, num_hiddens, num_layers,
                     attention_size, drop_prob=0, **kwargs):
            super(Decoder, self).__init__(**kwargs)
            self.embedding = nn.Embedding(vocab_size, embed_size)
            self.attention = attention_model(attention_size)
            self.rnn = rnn.GRU(num_hiddens, num_layers, dropout=drop_prob)
            self.out = nn.Dense(vocab_size, flatten=False)

        def forward(self, cur_input, state, enc_states):
            # Use the attention mechanism to calculate the context variable
            c = attention_forward(self.attention, enc_states, state[0][-1])
            # The embedded input and the context variable are concatenated in the
            # feature dimension
            input_and_c = nd.concat(self.embedding(cur_input), c, dim=1)
            # Add a time step dimension, with 1 time step, for the concatenation of
            # input and the context variable
            output, state = self.rnn(input_and_c.expand_dims(0), state)
            # Remove the time step dimension, so the output shape is (batch size,
            # output dictionary size)
            output = self.out(output).squeeze(axis=0)
            return output, state

        def begin_state(self, enc_state):
            # Directly use the hidden state of the final time step of the encoder
            # as the initial hidden state of the decoder
            return enc_state

    def batch_loss(encoder, decoder, X, Y, loss):
        batch_size = X.shape[0]
        enc_state = encoder.begin_state(batch_size=batch_size)
        enc_outputs, enc_state = encoder(X, enc_state)
        # Initialize the hidden state of the decoder
        dec_state = decoder.begin_state(enc_state)
        # The input of decoder at the initial time step is BOS
        dec_input = nd.array([out_vocab.token_to_idx[BOS]] * batch_size)
        # We will use the mask variable to ignore the loss when the label is PAD
        mask, num_not_pad_tokens = nd.ones(shape=(batch_size,)), 0
        l = nd.array([0])
        for y in Y.T:
            dec_output, dec_state = decoder(dec_input, dec_state, enc_outputs)
            l = l + (mask * loss(dec_output, y)).sum()
            dec_input = y  # Use teacher forcing
            num_not_pad_tokens += mask.sum().asscalar()
            # When we encounter EOS, words after the sequence will all be PAD and
            # the mask for these positions will be set to 0
            mask = mask * (y != out_vocab.token_to_idx[EOS])
        return l / num_not_pad_tokens

    losses = []

    def train(encoder, decoder, dataset, lr, batch_size, num_epochs):
        encoder.initialize(init.Xavier(), force_reinit=True)
        decoder.initialize(init.Xavier(), force_reinit=True)
        enc_trainer = gluon.Trainer(encoder.collect_params(), 'adam',
                                    {'learning_rate': lr})
        dec_trainer = gluon.Trainer(decoder.collect_params(), 'adam',
                                    {'learning_rate': lr})
        loss = gloss.SoftmaxCrossEntropyLoss()
        data_iter = gdata.DataLoader(dataset, batch_size, shuffle=True)
        for epoch in range(num_epochs):
            l_sum = 0.0
            for X, Y in data_iter:
                with autograd.record():
                    l = batch_loss(encoder, decoder, X, Y, loss)
                l.backward()
                enc_trainer.step(1)
                dec_trainer.step(1)
                l_sum += l.asscalar()
            losses.append(l_sum / len(data_iter))
            if (epoch + 1) % 10 == 0:
                print("epoch %d, loss %.3f" % (epoch + 1, l_sum / len(data_iter)))

    embed_size, num_hiddens, num_layers = 64, 64, 2
    attention_size, drop_prob, lr, batch_size, num_epochs = 10, 0.5, 0.01, 2, 30
    encoder = Encoder(len(in_vocab), embed_size, num_hiddens, num_layers,
                      drop_prob)
    decoder = Decoder(len(out_vocab), embed_size, num_hiddens, num_layers,
                      attention_size, drop_prob)
    train(encoder, decoder, dataset, lr, batch_size, num_epochs)
    assert losses[-1] < 0.5 * losses[0], losses

    def translate(encoder, decoder, input_seq, max_seq_len):
        in_tokens = input_seq.split(' ')
        in_tokens += [EOS] + [PAD] * (max_seq_len - len(in_tokens) - 1)
        enc_input = nd.array([in_vocab.to_indices(in_tokens)])
        enc_state = encoder.begin_state(batch_size=1)
        enc_output, enc_state = encoder(enc_input, enc_state)
        dec_input = nd.array([out_vocab.token_to_idx[BOS]])
        dec_state = decoder.begin_state(enc_state)
        output_tokens = []
        for _ in range(max_seq_len):
            dec_output, dec_state = decoder(dec_input, dec_state, enc_output)
            pred = dec_output.argmax(axis=1)
            pred_token = out_vocab.idx_to_token[int(pred.asscalar())]
            if pred_token == EOS:  # When an EOS symbol is found at any time step, the output sequence is complete
                break
            else:
                output_tokens.append(pred_token)
                dec_input = pred
        return output_tokens

    input_seq = 'ils regardent .'
    out = translate(encoder, decoder, input_seq, max_seq_len)
    assert 1 <= len(out) <= max_seq_len and all(t in out_vocab.token_to_idx for t in out)

    def bleu(pred_tokens, label_tokens, k):
        len_pred, len_label = len(pred_tokens), len(label_tokens)
        score = math.exp(min(0, 1 - len_label / len_pred))
        for n in range(1, k + 1):
            num_matches = 0
            for i in range(len_pred - n + 1):
                if ' '.join(pred_tokens[i: i + n]) in ' '.join(label_tokens):
                    num_matches += 1
            score *= math.pow(num_matches / (len_pred - n + 1), math.pow(0.5, n))
        return score

    def score(input_seq, label_seq, k):
        pred_tokens = translate(encoder, decoder, input_seq, max_seq_len)
        label_tokens = label_seq.split(' ')
        print('bleu %.3f, predict: %s' % (bleu(pred_tokens, label_tokens, k),
                                          ' '.join(pred_tokens)))

    capsys.readouterr()
    score('ils regardent .', 'they are watching .', k=2)
    score('ils sont canadiens .', 'they are canadian .', k=2)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and all(l.startswith('bleu ') for l in lines)
    assert float(lines[0].split()[1].rstrip(',')) > 0.5   # a training sentence, learned


def test_contrib_text_vocabulary_and_token_counting():
    counter = text.utils.count_tokens_from_str(' Life is great ! \n life is good . \n', ' ', '\n', True)
    assert counter == collections.Counter({'life': 2, 'is': 2, 'great': 1, '!': 1, 'good': 1, '.': 1})
    vocab = text.vocab.Vocabulary(counter, most_freq_count=3, min_freq=1, reserved_tokens=['<pad>'])
    # unknown first, then reserved, then by frequency with ties in sorted order, capped at 3
    assert vocab.idx_to_token == ['<unk>', '<pad>', 'is', 'life', '!']
    assert vocab.to_indices('life') == 3 and vocab.to_indices(['good', 'is']) == [0, 2]
    assert vocab.to_tokens(2) == 'is' and vocab.to_tokens([0, 1]) == ['<unk>', '<pad>']
    assert len(text.vocab.Vocabulary(counter, min_freq=2)) == 3
    import pytest
    with pytest.raises(ValueError, match="Token index 9 in the provided `indices` is invalid"):
        vocab.to_tokens(9)
    with pytest.raises(AssertionError, match="cannot contain `unknown_token`"):
        text.vocab.Vocabulary(counter, reserved_tokens=['<unk>'])
