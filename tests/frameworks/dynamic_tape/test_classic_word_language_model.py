"""pytorch/examples word_language_model (model.py + main.py, 2018-2019), as its authors wrote it; only the
import and the corpus (a small synthetic one with learnable structure) are changed."""
import math

import numpy as np
import pytest

import frameworks.dynamic_tape as torch
import frameworks.dynamic_tape.nn as nn


# ---------------------------------------------------------------- model.py
class RNNModel(nn.Module):
    """Container module with an encoder, a recurrent module, and a decoder."""

    def __init__(self, rnn_type, ntoken, ninp, nhid, nlayers, dropout=0.5, tie_weights=False):
        super(RNNModel, self).__init__()
        self.drop = nn.Dropout(dropout)
        self.encoder = nn.Embedding(ntoken, ninp)
        if rnn_type in ['LSTM', 'GRU']:
            self.rnn = getattr(nn, rnn_type)(ninp, nhid, nlayers, dropout=dropout)
        else:
            try:
                nonlinearity = {'RNN_TANH': 'tanh', 'RNN_RELU': 'relu'}[rnn_type]
            except KeyError:
                raise ValueError("""An invalid option for `--model` was supplied,
                                 options are ['LSTM', 'GRU', 'RNN_TANH' or 'RNN_RELU']""")
            self.rnn = nn.RNN(ninp, nhid, nlayers, nonlinearity=nonlinearity, dropout=dropout)
        self.decoder = nn.Linear(nhid, ntoken)

        # Optionally tie weights as in:
        # "Using the Output Embedding to Improve Language Models" (Press & Wolf 2016)
        if tie_weights:
            if nhid != ninp:
                raise ValueError('When using the tied flag, nhid must be equal to emsize')
            self.decoder.weight = self.encoder.weight

        self.init_weights()

        self.rnn_type = rnn_type
        self.nhid = nhid
        self.nlayers = nlayers

    def init_weights(self):
        initrange = 0.1
        self.encoder.weight.data.uniform_(-initrange, initrange)
        self.decoder.bias.data.zero_()
        self.decoder.weight.data.uniform_(-initrange, initrange)

    def forward(self, input, hidden):
        emb = self.drop(self.encoder(input))
        output, hidden = self.rnn(emb, hidden)
        output = self.drop(output)
        decoded = self.decoder(output.view(output.size(0)*output.size(1), output.size(2)))
        return decoded.view(output.size(0), output.size(1), decoded.size(1)), hidden

    def init_hidden(self, bsz):
        weight = next(self.parameters())
        if self.rnn_type == 'LSTM':
            return (weight.new_zeros(self.nlayers, bsz, self.nhid),
                    weight.new_zeros(self.nlayers, bsz, self.nhid))
        else:
            return weight.new_zeros(self.nlayers, bsz, self.nhid)


# ---------------------------------------------------------------- main.py (the corpus replaced)
class Args:
    model, emsize, nhid, nlayers, lr, clip, epochs = 'LSTM', 16, 16, 2, 20, 0.25, 3
    batch_size, bptt, dropout, tied, seed, log_interval = 4, 7, 0.2, True, 1111, 2


args = Args()
device = torch.device("cpu")
NTOKENS = 12


def synthetic_corpus(n, seed):
    """Token ids where each next token is mostly (token + 1) mod V: a language model can learn it."""
    rs = np.random.RandomState(seed)
    ids = [0]
    for _ in range(n - 1):
        ids.append((ids[-1] + 1) % NTOKENS if rs.rand() < 0.9 else rs.randint(NTOKENS))
    return torch.LongTensor(ids)


def batchify(data, bsz):
    # Work out how cleanly we can divide the dataset into bsz parts.
    nbatch = data.size(0) // bsz
    # Trim off any extra elements that wouldn't cleanly fit (remainders).
    data = data.narrow(0, 0, nbatch * bsz)
    # Evenly divide the data across the bsz batches.
    data = data.view(bsz, -1).t().contiguous()
    return data.to(device)


def repackage_hidden(h):
    """Wraps hidden states in new Tensors, to detach them from their history."""
    if isinstance(h, torch.Tensor):
        return h.detach()
    else:
        return tuple(repackage_hidden(v) for v in h)


def get_batch(source, i):
    seq_len = min(args.bptt, len(source) - 1 - i)
    data = source[i:i+seq_len]
    target = source[i+1:i+1+seq_len].view(-1)
    return data, target


def evaluate(model, criterion, data_source, eval_batch_size):
    # Turn on evaluation mode which disables dropout.
    model.eval()
    total_loss = 0.
    ntokens = NTOKENS
    hidden = model.init_hidden(eval_batch_size)
    with torch.no_grad():
        for i in range(0, data_source.size(0) - 1, args.bptt):
            data, targets = get_batch(data_source, i)
            output, hidden = model(data, hidden)
            output_flat = output.view(-1, ntokens)
            total_loss += len(data) * criterion(output_flat, targets).item()
            hidden = repackage_hidden(hidden)
    return total_loss / (len(data_source) - 1)


def train(model, criterion, train_data, lr, epoch, log):
    # Turn on training mode which enables dropout.
    model.train()
    total_loss = 0.
    ntokens = NTOKENS
    hidden = model.init_hidden(args.batch_size)
    for batch, i in enumerate(range(0, train_data.size(0) - 1, args.bptt)):
        data, targets = get_batch(train_data, i)
        # Starting each batch, we detach the hidden state from how it was previously produced.
        # If we didn't, the model would try backpropagating all the way to start of the dataset.
        hidden = repackage_hidden(hidden)
        model.zero_grad()
        output, hidden = model(data, hidden)
        loss = criterion(output.view(-1, ntokens), targets)
        loss.backward()

        # `clip_grad_norm` helps prevent the exploding gradient problem in RNNs / LSTMs.
        torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip)
        for p in model.parameters():
            p.data.add_(-lr, p.grad.data)

        total_loss += loss.item()

        if batch % args.log_interval == 0 and batch > 0:
            cur_loss = total_loss / args.log_interval
            log.append('| epoch {:3d} | {:5d}/{:5d} batches | lr {:02.2f} | loss {:5.2f} | ppl {:8.2f}'.format(
                epoch, batch, len(train_data) // args.bptt, lr, cur_loss, math.exp(cur_loss)))
            total_loss = 0


def run(epochs):
    torch.manual_seed(args.seed)
    eval_batch_size = 4
    train_data = batchify(synthetic_corpus(200, 0), args.batch_size)
    val_data = batchify(synthetic_corpus(60, 1), eval_batch_size)
    model = RNNModel(args.model, NTOKENS, args.emsize, args.nhid, args.nlayers, args.dropout,
                     args.tied).to(device)
    criterion = nn.CrossEntropyLoss()
    lr = args.lr
    best_val_loss = None
    log, vals = [], []
    for epoch in range(1, epochs + 1):
        train(model, criterion, train_data, lr, epoch, log)
        val_loss = evaluate(model, criterion, val_data, eval_batch_size)
        vals.append(val_loss)
        if not best_val_loss or val_loss < best_val_loss:
            best_val_loss = val_loss
        else:
            # Anneal the learning rate if no improvement has been seen in the validation dataset.
            lr /= 4.0
    return model, log, vals


def test_word_language_model_runs_and_repeats_exactly():
    model, log, vals = run(2)
    assert model.decoder.weight is model.encoder.weight
    assert len(list(model.parameters())) == 1 + 8 + 1  # embedding (tied), 2 LSTM layers, decoder bias
    assert len(log) == 6 and log[0].startswith('| epoch   1 |     2/    7 batches | lr 20.00 | loss')
    assert all(math.isfinite(v) for v in vals)
    again, log2, vals2 = run(2)
    assert (log2, vals2) == (log, vals)  # seeded dropout masks and init: the run repeats exactly
    np.testing.assert_array_equal(again.encoder.weight.detach().numpy(), model.encoder.weight.detach().numpy())


def test_one_layer_model_learns_the_corpus():
    args.nlayers = 1
    try:
        _, _, vals = run(3)
    finally:
        args.nlayers = 2
    assert vals[-1] < 2.0 < math.log(NTOKENS)  # uniform guessing is log(12) = 2.48


def test_a_tied_weight_gets_both_gradients():
    torch.manual_seed(0)
    tied = RNNModel('LSTM', NTOKENS, 8, 8, 2, 0.0, True)
    free = RNNModel('LSTM', NTOKENS, 8, 8, 2, 0.0, False)
    free.load_state_dict(tied.state_dict())
    data, targets = get_batch(batchify(synthetic_corpus(40, 2), 2), 0)
    for model in (tied, free):
        output, _ = model(data, model.init_hidden(2))
        nn.CrossEntropyLoss()(output.view(-1, NTOKENS), targets).backward()
    np.testing.assert_allclose(tied.encoder.weight.grad.numpy(),
                               free.encoder.weight.grad.numpy() + free.decoder.weight.grad.numpy(), rtol=1e-5,
                               atol=1e-7)


@pytest.mark.parametrize("rnn_type", ['GRU', 'RNN_TANH', 'RNN_RELU'])
def test_the_other_rnn_types_of_main_py_train(rnn_type):
    """main.py's --model GRU / RNN_TANH / RNN_RELU: init_hidden gives one state tensor, repackage_hidden
    detaches it, and two epochs run and repeat exactly."""
    args.model = rnn_type
    try:
        model, log, vals = run(2)
        _, log2, vals2 = run(2)
    finally:
        args.model = 'LSTM'
    assert type(model.rnn).__name__ == ('GRU' if rnn_type == 'GRU' else 'RNN')
    assert len(list(model.parameters())) == 1 + 8 + 1
    assert all(math.isfinite(v) for v in vals) and (log2, vals2) == (log, vals)
